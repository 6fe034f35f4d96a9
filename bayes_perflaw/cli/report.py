"""``bayes-perflaw report``: the self-contained HTML diagnostic report of a posterior."""

from __future__ import annotations

import argparse

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import check_written_in

# every fixed name a report of any kind writes into its folder (the multibench report adds figures)
REPORT_FILES = (  # every file a report writes into --out (the multi-benchmark one's figures as PNG files beside it)
    "index.html",
    "summary.csv",
    "residuals.csv",
    "benchmarks.csv",
    "loadings.csv",
    "capability.csv",
    *(f"{name}.png" for name in ("energy", "priors", "loadings", "scores")),
)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML diagnostic report of a posterior."""
    from bayes_perflaw.core.posterior import load_draws

    # refuse a missing, corrupt or other-kind file before importing ArviZ
    kind = load_draws(args.posterior, kind=("perflaw", "screen", "flp", "multibench")).meta["kind"]
    check_written_in(args, args.out, REPORT_FILES, flag="--out")
    if kind == "flp":
        from bayes_perflaw.report.flp_html import write_flp_report

        index = write_flp_report(args.posterior, args.out)
    elif kind == "multibench":
        from bayes_perflaw.report.multibench_html import write_multibench_report

        index = write_multibench_report(args.posterior, args.out)
    else:
        from bayes_perflaw.report.html import write_report

        index = write_report(args.posterior, args.out)
    print(f"wrote {index} (open it in a browser); tables as CSV beside it")
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior

    p = sub.add_parser("report", help="write a self-contained HTML diagnostic report of a posterior")
    p.add_argument(
        "--posterior",
        type=at.input_file,
        default=default_posterior(),
        help="posterior file: a Performance Law, screening, FLP or multibench (latent-capability) posterior "
        "(default: the shipped law)",
    )
    p.add_argument("--out", type=at.output_dir, default="reports/perflaw", help="folder for index.html and CSVs")
    p.set_defaults(func=cmd_report)
