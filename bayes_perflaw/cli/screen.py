"""``bayes-perflaw screen``: flag reported scores that do not fit their recipe (contamination / instability).

With the shipped mixture posterior this needs NumPy and h5py only; ``--refit`` samples (PyMC).
"""

from __future__ import annotations

import argparse

import pandas as pd

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import add_benchmark_flags, emit, mapping_from_args
from bayes_perflaw.core.errors import DataError


def cmd_screen(args: argparse.Namespace) -> int:
    """Flag reported scores that do not fit their recipe (or, with --benchmarks, the model's other scores)."""
    if not args.refit:  # the sampling flags configure --refit's fit: without it they would be ignored
        for dest in ("sampler", "chains", "draws", "tune", "seed", "priors", "no_progress"):
            if getattr(args, dest) not in (None, False):
                flag = "--" + dest.replace("_", "-")
                raise DataError("configures --refit's fit of the mixture: add --refit or drop it", column=flag)
    if args.benchmarks is not None:
        return _screen_benchmarks(args)
    from bayes_perflaw.benchmarks.mapping import column
    from bayes_perflaw.core.paths import screening_posterior
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated
    from bayes_perflaw.screening.screen import screen_table, screen_table_mapped

    score = "mmlu" if args.benchmark == "mmlu" else column(args.benchmark)
    if score == "mmlu":
        mapping_from_args(args)  # refuses a --map-posterior, read only for another benchmark
    if args.refit and score != "mmlu":
        raise DataError(
            "--refit fits the mixture on MMLU scores; screen other benchmarks with the shipped posterior",
            column="--benchmark",
        )
    source = str(args.input)
    df = read_validated(args.input, require_law_inputs=False)
    if score not in df.columns:
        raise DataError(
            f"missing required column {score!r} (the reported score to screen)", source=source, column=score
        )
    gaps = law_gaps(df)
    lacking = [g or (score if pd.isna(m) else "") for g, m in zip(gaps, df[score], strict=True)]
    for i, (model, gap) in enumerate(zip(df["model"], lacking, strict=True)):
        if gap:
            print(f"skipped row {i + 1} ({model}): lacks {gap}")
    table = df[[g == "" for g in lacking]].reset_index(drop=True)
    if table.empty:
        raise DataError(f"no row has every input of the law and a {score} score", source=source)
    if args.refit:
        post = _refit_mixture(table, args)
    else:
        from bayes_perflaw.screening.model import Screening

        post = Screening.load(args.posterior or screening_posterior()).draws
    if score == "mmlu":
        out = screen_table(
            table, post, prob=args.prob, threshold=args.threshold, in_sample=True if args.refit else None
        )
    else:
        out = screen_table_mapped(table, post, mapping_from_args(args), prob=args.prob, threshold=args.threshold)
    flagged = out[out["flag"] != ""]
    print(
        f"screened {len(out)} rows on {score}: {int((out['flag'] == 'high').sum())} high, "
        f"{int((out['flag'] == 'low').sum())} low (two-sided tail probability < {args.threshold:g})"
    )
    for _, r in flagged.iterrows():
        print(
            f"  {r['flag'].upper():4s} {r['model']}: reported {r[score]:.1f}, predicted {r[f'{score}_median']:.1f} "
            f"[{r[f'{score}_lo']:.1f}, {r[f'{score}_hi']:.1f}], p_high {r['p_high']:.2f}, p_low {r['p_low']:.2f}, "
            f"tail {r['tail_prob']:.3f}: {r['explanation']}"
        )
    emit(
        out,
        args.output,
        ["model", score, f"{score}_median", f"{score}_lo", f"{score}_hi", "p_high", "p_low", "tail_prob", "flag"],
    )
    return 0


def _screen_benchmarks(args: argparse.Namespace) -> int:
    """Each listed benchmark's score judged against the model's other listed scores (the shipped posterior)."""
    import sys
    import warnings

    from bayes_perflaw.core.errors import ScaleWarning
    from bayes_perflaw.core.paths import multibench_posterior
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.multibench.benchmarks import check_benchmarks
    from bayes_perflaw.multibench.model import MultiBench
    from bayes_perflaw.screening.combined import screen_claims
    from bayes_perflaw.screening.model import Screening

    benches = check_benchmarks([b.strip() for b in args.benchmarks.split(",")])
    for flag, bad in (
        ("--refit", args.refit),
        ("--benchmark", args.benchmark != "mmlu"),
        ("--map-posterior", args.map_posterior is not None),
    ):
        if bad:
            raise DataError(
                "not with --benchmarks (the multi-benchmark screen uses its shipped posterior)", column=flag
            )
    multi = MultiBench.load(args.posterior or multibench_posterior())
    recipe = Screening.load().draws if "mmlu" in benches else None
    table = read_table(args.input)
    table.attrs["source"] = str(args.input)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScaleWarning)
        out = screen_claims(table, multi.draws, benches, recipe=recipe, prob=args.prob, threshold=args.threshold)
    for w in caught:
        if issubclass(w.category, ScaleWarning):
            print(f"WARNING: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    counts = ", ".join(
        f"{b} {int((out[f'{b}_flag'] == 'high').sum())} high / {int((out[f'{b}_flag'] == 'low').sum())} low"
        for b in benches
    )
    print(
        f"screened {len(out)} rows on {', '.join(benches)} (two-sided tail probability < {args.threshold:g}): {counts}"
    )
    for _, r in out.iterrows():
        for b in benches:
            if r[f"{b}_flag"]:
                print(
                    f"  {r[f'{b}_flag'].upper():4s} {r['model']} {b}: reported {float(r[b]):.1f}, predicted "
                    f"{r[f'{b}_pred_mean']:.1f} [{r[f'{b}_lo']:.1f}, {r[f'{b}_hi']:.1f}], "
                    f"{abs(r[f'{b}_outside_by']):.1f} points outside, p_high {r[f'{b}_p_high']:.2f}, "
                    f"p_low {r[f'{b}_p_low']:.2f} ({r['screen_method']})"
                )
    columns = ["model", *[f"{b}_{s}" for b in benches for s in ("flag", "tail_prob")]]
    emit(out, args.output, columns)
    return 0


def _refit_mixture(table: pd.DataFrame, args: argparse.Namespace):
    """Fit the screening mixture to the user's own table (era_mix if every row has a release date)."""
    from bayes_perflaw.cli.common import overrides_from_args, priors_file_errors, sampler_kwargs
    from bayes_perflaw.core.diagnostics import describe
    from bayes_perflaw.screening.model import Screening

    dated = "release" in table.columns and table["release"].astype(str).str.len().gt(0).all()
    variant = "era_mix" if dated else "plain_mix"
    print(f"refitting the screening mixture ({variant}) to {len(table)} rows of {args.input}")
    with priors_file_errors(args):
        model = Screening(variant=variant, priors=overrides_from_args(args)).check_priors()
    model.fit(table, **sampler_kwargs(args))
    print(describe(model.meta["diagnostics"]))
    return model.draws


def add_parser(sub) -> None:
    from bayes_perflaw.cli.common import add_sampling_flags

    p = sub.add_parser(
        "screen",
        help="flag reported scores that do not fit their recipe or the model's other scores "
        "(contamination / instability)",
    )
    p.add_argument(
        "--input",
        type=at.input_file,
        required=True,
        help="CSV of recipes with a reported mmlu per row (with --benchmarks: model, one column per benchmark, "
        "optional params_B, tokens_T, and release YYYY-MM, read by the release-time variants k2hr/k2hrd)",
    )
    p.add_argument(
        "--benchmarks",
        help="comma-separated benchmarks to screen against each other (e.g. mmlu,arc_c,hellaswag,winogrande,"
        "truthfulqa,gsm8k; any of mmlu, arc_c, hellaswag, winogrande, truthfulqa, gsm8k, xwinograd, humaneval, "
        "mmlu_pro, bbh, gpqa, math_hard, musr): each score judged by the model's other listed scores",
    )
    p.add_argument("--output", type=at.output_csv, help="CSV to write ('-': standard output; default: a table)")
    p.add_argument(
        "--posterior",
        type=at.input_file,
        help="posterior: the recipe mixture (default: shipped models/screen.nc), with --benchmarks the "
        "latent-capability model (default: shipped models/multibench.nc)",
    )
    p.add_argument(
        "--threshold", type=at.probability, default=0.05, help="flag when the two-sided tail probability is below"
    )
    p.add_argument("--prob", type=at.probability, default=0.9, help="interval probability (default 0.9)")
    p.add_argument("--refit", action="store_true", help="fit the mixture to this table instead of the shipped one")
    g = p.add_argument_group("--refit: sampling")
    add_sampling_flags(g, seed_help="--refit: seed (default 1)")
    g.add_argument("--no-progress", action="store_true", help="--refit: no progress bar")
    # unset unless typed, so that a sampling flag without --refit is refused; --refit's fit takes the model's
    # sampler defaults (nutpie, 4 chains x 1000 draws, 1000 tuning steps, seed 1) for the rest
    p.set_defaults(sampler=None, chains=None, draws=None, tune=None, seed=None)
    add_benchmark_flags(p)
    p.set_defaults(func=cmd_screen)
