"""``bayes-perflaw multibench fit``: fit the latent-capability model over benchmarks (``make models`` ships the default
variant's posterior (k2h) as ``models/multibench.nc``; ``scripts/multibench_calibration.py`` compares the variants)."""

from __future__ import annotations

import argparse

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import add_sampling_flags, fit_and_save, overrides_from_args, priors_file_errors


def cmd_multibench_fit(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.paths import multibench_posterior
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.multibench.model import MultiBench

    with priors_file_errors(args):
        model = MultiBench(args.variant, overrides_from_args(args)).check_priors()
    table = read_table(args.data)  # the model checks and parses its columns
    table.attrs["source"] = str(args.data)
    out = args.out or multibench_posterior()
    return fit_and_save(model, table, args, args.data, out, "multibench fit")


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import data_dir
    from bayes_perflaw.multibench.model import MultiBench

    m = sub.add_parser("multibench", help="the latent-capability model over benchmarks (multi-benchmark screen)")
    msub = m.add_subparsers(dest="multibench_command", required=True, metavar="{fit}")
    p = msub.add_parser("fit", help="fit the model and save its posterior")
    p.add_argument(
        "--variant",
        default=MultiBench.default_variant,
        help=f"the model (default {MultiBench.default_variant}): "
        + ", ".join(f"{k} ({v})" for k, v in MultiBench.variants.items()),
    )
    p.add_argument(
        "--data",
        type=at.input_file,
        default=data_dir() / "multibench.csv",
        help="model, scores in percent (mmlu, arc_c, ...), optional params_B / tokens_T",
    )
    add_sampling_flags(p)
    p.add_argument("--out", type=at.output_file, help="posterior to write (default: the shipped multibench.nc)")
    p.add_argument("--strict", action="store_true", help="exit 1 and write nothing if the fit did not converge")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_multibench_fit)
