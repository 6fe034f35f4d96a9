"""``bayes-perflaw predict``: MMLU (or a mapped benchmark) for recipes from a CSV, flags or an HF config.

The fast path: NumPy and h5py only, never PyMC, ArviZ or SciPy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bayes_perflaw.cli.common import add_benchmark_flags, add_recipe_flags, emit, load_recipes, mapping_from_args
from bayes_perflaw.core.errors import DataError


def cmd_predict(args: argparse.Namespace) -> int:
    if not np.isfinite(args.gamma) or args.gamma <= 0:
        raise DataError(f"must be a positive number, got {args.gamma}", source="command line", column="--gamma")
    df, _ = load_recipes(args)
    mapping = mapping_from_args(args)
    cols = ["model", "mmlu", "mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi"]
    if mapping is not None:
        from bayes_perflaw.benchmarks.mapping import column

        prefix = column(args.benchmark)
        cols = ["model", "mmlu_median", f"{prefix}_mean", f"{prefix}_median", f"{prefix}_lo", f"{prefix}_hi"]
    if args.law == "paper":
        from bayes_perflaw.perflaw.predict import predict_paper, predict_paper_mapped

        if mapping is None:
            out = predict_paper(df, gamma=args.gamma)
        else:
            out = predict_paper_mapped(df, args.gamma, mapping, args.prob, args.seed)
    else:
        from bayes_perflaw.perflaw.model import PerformanceLaw
        from bayes_perflaw.perflaw.predict import predict_bayes

        post = PerformanceLaw.load(args.posterior).draws
        out = predict_bayes(df, post, prob=args.prob, noise=not args.no_noise, seed=args.seed, mapping=mapping)
        kind = "reported score" if not args.no_noise else "law mean (no observation noise)"
        if args.output is None:
            print(
                f"# Bayesian law ({post.meta.get('variant')}, {post.n_draws} draws from {args.posterior}); "
                f"{args.prob:.0%} equal-tailed interval for the {kind}"
            )
    if mapping is not None and args.output is None:
        print(
            f"# {args.benchmark.upper()} through the {mapping.meta['variant']} mapping "
            f"({mapping.n_draws} draws): intervals carry the MMLU and the mapping uncertainty"
        )
    emit(out, args.output, cols)
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior
    from bayes_perflaw.perflaw.predict import DEFAULT_SEED

    p = sub.add_parser("predict", help="predict MMLU for recipes (CSV, flags or HF config)")
    p.add_argument("--input", type=Path, help="CSV of recipes (see data/README.md for columns)")
    p.add_argument("--output", type=Path, help="CSV to write (default: print a table)")
    p.add_argument(
        "--law", choices=["bayes", "paper"], default="bayes", help="Bayesian posterior (default) or published law"
    )
    p.add_argument("--posterior", type=Path, default=default_posterior(), help="posterior file (default: shipped)")
    p.add_argument("--prob", type=float, default=0.9, help="interval probability (default 0.9)")
    p.add_argument("--no-noise", action="store_true", help="interval for the law's mean, without evaluation noise")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the predictive draws")
    p.add_argument("--gamma", type=float, default=1.0, help="precision loss for --law paper (default 1)")
    add_benchmark_flags(p)
    add_recipe_flags(p)
    p.set_defaults(func=cmd_predict)
