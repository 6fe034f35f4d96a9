"""The ``bayes-perflaw`` command line: the top-level parser and the one error boundary.

Each command group lives in its own module (``data``, ``predict``, ``fit``, ``screen``, ``report``, ``plan``,
``flp``) that registers its sub-commands; helpers they share are in ``common``.

Every user error (bad flag, table, unit, posterior file, output path) is one line on stderr and exit code 2;
no traceback, and no output file is left behind: flags are typed (:mod:`bayes_perflaw.cli.argtypes`), output
paths are checked before the command runs, outputs are written atomically at the end, and SIGINT/SIGTERM
remove temporary files (:mod:`bayes_perflaw.core.signals`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from bayes_perflaw import __version__
from bayes_perflaw.cli import data, fit, flp, maps, multibench, plan, predict, report, screen, table
from bayes_perflaw.cli.argtypes import OutputDir, OutputFile
from bayes_perflaw.cli.common import EXIT_USER_ERROR, check_written
from bayes_perflaw.core import signals
from bayes_perflaw.core.errors import BayesPerflawError

EPILOG = """examples:
  bayes-perflaw predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15T --params 8B
  bayes-perflaw predict --input recipes.csv --output predictions.csv --benchmark mmlu-pro
  bayes-perflaw screen --input claims.csv --output flags.csv
  bayes-perflaw screen --benchmarks mmlu,arc_c,hellaswag,winogrande,truthfulqa,gsm8k --input claims.csv
  bayes-perflaw plan --gpus 1024 --tflops 376 --mfu 0.4 --days 30 --min-params 10B --max-params 100B
  bayes-perflaw report --posterior models/perflaw.nc --out reports/perflaw
  bayes-perflaw flp predict --params 7B --tokens 4T --task mmlu_rc
  bayes-perflaw flp backtest --out reports/flp

Bad input: one line on stderr naming file, row and column (or the flag); exit code 2; no output file.
--output - writes the CSV to standard output (messages go to stderr)."""

# in the order ``bayes-perflaw --help`` lists the sub-commands
REGISTER = (
    data.add_parser,  # validate, evaluate
    table.add_parser,  # data add / data check
    predict.add_parser,
    fit.add_fit_parser,
    screen.add_parser,
    report.add_parser,
    plan.add_parser,
    fit.add_backtest_parser,
    flp.add_parser,  # flp fit / predict / backtest
    maps.add_parser,  # map fit
    multibench.add_parser,  # multibench fit
)


class Parser(argparse.ArgumentParser):
    """``argparse`` with one-line errors: ``bayes-perflaw plan: error: argument --prob: ...`` and exit code 2
    (no usage block: ``--help`` shows it)."""

    def error(self, message: str):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="bayes-perflaw",
        description="Predict LLM benchmark scores from architecture and training budget, with uncertainty.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_parser in REGISTER:
        add_parser(sub)
    return parser


def _command(args: argparse.Namespace) -> str:
    parts = (
        args.command,
        *(getattr(args, k, None) for k in ("flp_command", "map_command", "multibench_command", "data_command")),
    )
    return " ".join(str(c) for c in parts if c)


def _check_outputs(args: argparse.Namespace) -> bool:
    """Check every output path of the command before it runs; True if one of them is ``-`` (stdout)."""
    from bayes_perflaw.core.outputs import check_output_dir, is_stdout

    to_stdout = False
    for dest, value in vars(args).items():
        flag = "--" + dest.replace("_", "-")
        if isinstance(value, OutputDir):
            check_output_dir(value, flag=flag)
        elif isinstance(value, OutputFile):
            to_stdout |= is_stdout(value)
            check_written(args, value, flag=flag)
    return to_stdout


@contextmanager
def _private_tempdir():
    """Within the block, files made in the default temporary folder go to a private folder removed at the end:
    PyTensor writes each numba-compiled function's source to a ``NamedTemporaryFile(delete=False)`` (10-85 files a
    fit) and never removes them. Where no private folder can be made, nothing changes."""
    import shutil
    import tempfile

    try:
        private = tempfile.mkdtemp(prefix="bayes_perflaw.")
    except OSError:
        yield
        return
    before, tempfile.tempdir = tempfile.tempdir, private
    try:
        yield
    finally:
        tempfile.tempdir = before
        shutil.rmtree(private, ignore_errors=True)


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every expected failure is one line on stderr and an exit code:
    2 bad input (data, flag, posterior, path), 1 a fit that failed ``--strict`` or an internal error,
    130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 141 output pipe closed early (silent, as ``cat``)."""
    import warnings

    for stream in (sys.stdout, sys.stderr):  # a unicode model name on a non-UTF-8 terminal: escape, not crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    # PyTensor's advice to install BLAS via conda is noise here (sampling uses nutpie/numba)
    warnings.filterwarnings("ignore", message=r"(?s).*PyTensor is installed via pip.*")
    parser = build_parser()
    name = "bayes-perflaw"
    with signals.handled(), _private_tempdir():
        try:
            args = parser.parse_args(argv)
            name = f"bayes-perflaw {_command(args)}"
            if _check_outputs(args):
                from bayes_perflaw.core.outputs import stdout_for_data

                with stdout_for_data():
                    return args.func(args)
            return args.func(args)
        except BayesPerflawError as err:
            print(f"{name}: error: {err}", file=sys.stderr)
            return EXIT_USER_ERROR
        except KeyboardInterrupt:
            print(f"{name}: interrupted; no output written", file=sys.stderr)
            return 130
        except signals.Terminated:
            print(f"{name}: terminated; no output written", file=sys.stderr)
            return 143
        except BrokenPipeError:
            _quiet_stdout()
            return 141
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            print(f"{name}: error: {where}{err.strerror or err}", file=sys.stderr)
            return EXIT_USER_ERROR
        except MemoryError:
            print(f"{name}: error: out of memory (try a smaller input or fewer --draws)", file=sys.stderr)
            return 1
        except Exception as err:  # a bug: one line, and the traceback on request
            if os.environ.get("BAYES_PERFLAW_TRACEBACK"):
                raise
            print(
                f"{name}: internal error: {type(err).__name__}: {err} (please report it; set "
                "BAYES_PERFLAW_TRACEBACK=1 to see the traceback)",
                file=sys.stderr,
            )
            return 1


if __name__ == "__main__":
    sys.exit(main())
