"""``bayes-perflaw predict``: MMLU (or a mapped benchmark) for recipes from a CSV, flags or an HF config.

The fast path: NumPy and h5py only, never PyMC, ArviZ or SciPy.
"""

from __future__ import annotations

import argparse

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import (
    add_benchmark_flags,
    add_recipe_flags,
    check_interval_draws,
    emit,
    law_gamma,
    load_recipes,
    mapping_from_args,
    progress_bar,
    refuse_posterior_with_paper_law,
)
from bayes_perflaw.core.errors import DataError


def cmd_predict(args: argparse.Namespace) -> int:
    refuse_posterior_with_paper_law(args)
    gamma = law_gamma(args)
    _refuse_bayes_flags_with_paper_law(args)
    df, raw, source = load_recipes(args)
    if args.hf_config is not None:
        row = df.iloc[0]
        active = row.get("active_params_B")
        kind = "estimated from the architecture" if args.params is None else "as given"
        print(
            f"# {row['model']} ({args.hf_config}): {row['params_B']:.4g} B parameters"
            + (f", {active:.4g} B active" if active is not None and active == active else "")
            + f" ({kind})"
        )
    mapping = mapping_from_args(args)
    cols = ["model", "mmlu", "mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi"]
    if mapping is not None:
        from bayes_perflaw.benchmarks.mapping import column

        prefix = column(args.benchmark)
        cols = ["model", "mmlu_median", f"{prefix}_mean", f"{prefix}_median", f"{prefix}_lo", f"{prefix}_hi"]
    if args.law == "paper":
        from bayes_perflaw.perflaw.predict import predict_paper, predict_paper_mapped, with_predictions

        if mapping is None:
            out = predict_paper(df, gamma=gamma)
        else:
            out = predict_paper_mapped(df, gamma, mapping, args.prob, args.seed)
        out = with_predictions(raw, out[[c for c in out.columns if c not in df.columns]])
    else:
        from bayes_perflaw.perflaw.model import PerformanceLaw
        from bayes_perflaw.perflaw.predict import DEFAULT_DRAWS, predict_bayes

        draws = args.draws or DEFAULT_DRAWS
        check_interval_draws(draws, args.prob)

        post = PerformanceLaw.load(args.posterior).draws
        with progress_bar(len(df), "recipes", enabled=not args.no_progress) as step:
            out = predict_bayes(
                df,
                post,
                prob=args.prob,
                noise=not args.no_noise,
                seed=args.seed,
                mapping=mapping,
                draws=draws,
                keep=raw,
                where=source,
                progress=step,
            )
        kind = "reported score" if not args.no_noise else "law mean (no observation noise)"
        if args.output is None:
            print(
                f"# Bayesian law ({post.meta.get('variant')}, {min(draws, post.n_draws)} of {post.n_draws} "
                f"draws from {args.posterior}); {args.prob:.0%} equal-tailed interval for the {kind}"
            )
    if mapping is not None and args.output is None:
        print(
            f"# {args.benchmark.upper()} through the {mapping.meta['variant']} mapping "
            f"({mapping.n_draws} draws): intervals carry the MMLU and the mapping uncertainty"
        )
    cols += [c for c in ("release_assumed", "organization_effect") if c in out.columns]
    emit(out, args.output, cols)
    return 0


def _refuse_bayes_flags_with_paper_law(args: argparse.Namespace) -> None:
    """--draws and --no-noise belong to the Bayesian law: with --law paper (one point per recipe) they are a
    mistake, not ignored."""
    if args.law == "paper":
        for flag, given in (("--draws", args.draws is not None), ("--no-noise", args.no_noise)):
            if given:
                raise DataError("the published law (--law paper) gives one point per recipe: drop it", column=flag)


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior
    from bayes_perflaw.perflaw.predict import DEFAULT_DRAWS, DEFAULT_SEED

    p = sub.add_parser("predict", help="predict MMLU for recipes (CSV, flags or HF config)")
    p.add_argument("--input", type=at.input_file, help="CSV of recipes (see data/README.md for columns)")
    p.add_argument("--output", type=at.output_csv, help="CSV to write ('-': standard output; default: a table)")
    p.add_argument(
        "--law", choices=["bayes", "paper"], default="bayes", help="Bayesian posterior (default) or published law"
    )
    p.add_argument(
        "--posterior", type=at.input_file, default=default_posterior(), help="posterior file (default: shipped)"
    )
    p.add_argument("--prob", type=at.probability, default=0.9, help="interval probability (default 0.9)")
    p.add_argument(
        "--no-noise", action="store_true", help="Bayesian law: interval for the law's mean, without evaluation noise"
    )
    p.add_argument("--seed", type=at.seed, default=DEFAULT_SEED, help="seed of the predictive draws")
    p.add_argument(
        "--draws",
        type=at.integer(1),
        help=f"Bayesian law: posterior draws used, thinned evenly (default {DEFAULT_DRAWS}; more: less Monte Carlo "
        "error, slower)",
    )
    p.add_argument("--gamma", type=at.gamma, help="precision loss for --law paper (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (shown on a terminal for big inputs)")
    add_benchmark_flags(p)
    add_recipe_flags(p)
    p.set_defaults(func=cmd_predict)
