"""The ``bayes-perflaw`` command line: the top-level parser and the one error boundary.

Each command group lives in its own module (``data``, ``predict``, ``fit``, ``screen``, ``report``, ``plan``,
``flp``) that registers its sub-commands; helpers they share are in ``common``.

Every user error (bad table, bad unit, bad posterior file) is one line on stderr and exit code 2;
no traceback, and no output file is left behind (outputs are written atomically at the end).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bayes_perflaw import __version__
from bayes_perflaw.cli import data, fit, flp, maps, plan, predict, report, screen
from bayes_perflaw.cli.common import EXIT_USER_ERROR
from bayes_perflaw.core.errors import BayesPerflawError

EPILOG = """examples:
  bayes-perflaw predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15T --params 8B
  bayes-perflaw predict --input recipes.csv --output predictions.csv --benchmark mmlu-pro
  bayes-perflaw screen --input claims.csv --output flags.csv
  bayes-perflaw plan --gpus 1024 --tflops 376 --mfu 0.4 --days 30 --min-params 10B --max-params 100B
  bayes-perflaw report --posterior models/perflaw.nc --out reports/perflaw
  bayes-perflaw flp predict --params 7B --tokens 4T --task mmlu
  bayes-perflaw flp backtest --out reports/flp

Bad input: one line on stderr naming file, row and column; exit code 2; no output file."""

# in the order ``bayes-perflaw --help`` lists the sub-commands
REGISTER = (
    data.add_parser,  # validate, evaluate
    predict.add_parser,
    fit.add_fit_parser,
    screen.add_parser,
    report.add_parser,
    plan.add_parser,
    fit.add_backtest_parser,
    flp.add_parser,  # flp fit / predict / backtest
    maps.add_parser,  # map fit
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    # PyTensor's advice to install BLAS via conda is noise here (sampling uses nutpie/numba)
    warnings.filterwarnings("ignore", message=r"(?s).*PyTensor is installed via pip.*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BayesPerflawError as err:
        print(f"bayes-perflaw {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
