"""``bayes-perflaw report``: the self-contained HTML diagnostic report of a posterior."""

from __future__ import annotations

import argparse

from bayes_perflaw.cli import argtypes as at


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML diagnostic report of a posterior."""
    from bayes_perflaw.core.posterior import load_draws
    from bayes_perflaw.report.html import write_report

    load_draws(args.posterior, kind=("perflaw", "screen"))  # refuse a missing or corrupt file before importing ArviZ
    index = write_report(args.posterior, args.out)
    print(f"wrote {index} (open it in a browser); tables as CSV beside it")
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior

    p = sub.add_parser("report", help="write a self-contained HTML diagnostic report of a posterior")
    p.add_argument(
        "--posterior", type=at.input_file, default=default_posterior(), help="posterior file (default: shipped)"
    )
    p.add_argument("--out", type=at.output_dir, default="reports/perflaw", help="folder for index.html and CSVs")
    p.set_defaults(func=cmd_report)
