"""``bayes-perflaw map fit``: fit an MMLU -> MMLU-Pro / BBH mapping (``make models`` fits every variant and
ships the best by LOO through ``scripts/fit_benchmark_maps.py``)."""

from __future__ import annotations

import argparse

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import add_sampling_flags, fit_and_save, overrides_from_args, priors_file_errors


def cmd_map_fit(args: argparse.Namespace) -> int:
    from bayes_perflaw.benchmarks.model import BenchmarkMap
    from bayes_perflaw.core.paths import mapping_posterior
    from bayes_perflaw.core.tables import read_table

    with priors_file_errors(args):
        model = BenchmarkMap(args.benchmark, args.variant, overrides_from_args(args)).check_priors()
    table = read_table(args.data)  # the model checks and parses its columns
    out = args.out or mapping_posterior(args.benchmark)
    return fit_and_save(model, table, args, args.data, out, "map fit")


def add_parser(sub) -> None:
    from bayes_perflaw.benchmarks.mapping import BENCHMARKS
    from bayes_perflaw.core.paths import data_dir

    m = sub.add_parser("map", help="MMLU -> MMLU-Pro / BBH mappings")
    msub = m.add_subparsers(dest="map_command", required=True, metavar="{fit}")
    p = msub.add_parser("fit", help="fit one mapping and save its posterior")
    p.add_argument("--benchmark", choices=sorted(BENCHMARKS), default="mmlu-pro")
    p.add_argument("--variant", default="logistic", help="logistic (default), linear, or published (MMLU-Pro only)")
    p.add_argument(
        "--data", type=at.input_file, default=data_dir() / "benchmark_map.csv", help="model, mmlu and the score"
    )
    add_sampling_flags(p)
    p.add_argument("--out", type=at.output_file, help="posterior to write (default: the shipped map-<benchmark>.nc)")
    p.add_argument("--strict", action="store_true", help="exit 1 and write nothing if the fit did not converge")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_map_fit)
