"""``bayes-perflaw validate`` and ``evaluate``: check a table; predictions next to its reported scores."""

from __future__ import annotations

import argparse

import numpy as np

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import emit, law_gamma, refuse_posterior_with_paper_law
from bayes_perflaw.core.errors import DataError


def cmd_validate(args: argparse.Namespace) -> int:
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated

    df = read_validated(args.path, require_law_inputs=False)
    gaps = law_gaps(df)
    print(f"{args.path}: {len(df)} rows valid; {int((gaps == '').sum())} have every input of the law")
    for model, gap in zip(df["model"], gaps, strict=True):
        if gap:
            print(f"  {model}: lacks {gap}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Predictions next to reported scores for a reference table, with the error (and coverage)."""
    from bayes_perflaw.perflaw.predict import predict_bayes, predict_paper
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated

    refuse_posterior_with_paper_law(args)
    gamma = law_gamma(args)
    df = read_validated(args.data, require_law_inputs=False)
    if "mmlu" not in df.columns:
        raise DataError("missing required column 'mmlu' (the reported score to compare with)", source=str(args.data))
    gaps = law_gaps(df)
    usable = (gaps == "") & df["mmlu"].notna()
    if not usable.any():
        raise DataError("no row has every input of the law and an mmlu score", source=str(args.data), column="mmlu")
    for model, gap in zip(df["model"][~usable], gaps[~usable], strict=True):
        print(f"skipped {model}: lacks {gap or 'mmlu'}")
    table = df[usable].reset_index(drop=True)
    if args.law == "paper":
        out, what = predict_paper(table, gamma=gamma), f"published law (gamma={gamma:g})"
    else:
        from bayes_perflaw.perflaw.model import PerformanceLaw

        post = PerformanceLaw.load(args.posterior).draws
        out = predict_bayes(table, post)
        what = f"Bayesian law ({post.meta.get('variant')}, in-sample where the table is its fit data)"
    out["error"] = out["mmlu_mean"] - out["mmlu"]
    emit(out, args.output, ["model", "release", "mmlu", "mmlu_mean", "mmlu_lo", "mmlu_hi", "error"])
    err = out["error"].to_numpy()
    line = f"{what} on {len(out)} models: MAE {np.mean(np.abs(err)):.2f}, bias {np.mean(err):+.2f} points"
    if args.law == "bayes":
        inside = (out["mmlu"] >= out["mmlu_lo"]) & (out["mmlu"] <= out["mmlu_hi"])
        line += f", 90 % interval coverage {inside.mean():.2f}"
    print(line + " (prediction - reported)")
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior, reference_table

    p = sub.add_parser("validate", help="check a recipe/reference table and list rows with gaps")
    p.add_argument("path", type=at.input_file, nargs="?", default=reference_table())
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("evaluate", help="predictions vs reported scores on a reference table")
    p.add_argument("--data", type=at.input_file, default=reference_table())
    p.add_argument("--law", choices=["bayes", "paper"], default="bayes", help="Bayesian posterior (default) or paper")
    p.add_argument(
        "--posterior", type=at.input_file, default=default_posterior(), help="posterior file (default: shipped)"
    )
    p.add_argument("--gamma", type=at.gamma, help="precision loss for --law paper (default 1)")
    p.add_argument("--output", type=at.output_csv, help="CSV to write ('-': standard output; default: print)")
    p.set_defaults(func=cmd_evaluate)
