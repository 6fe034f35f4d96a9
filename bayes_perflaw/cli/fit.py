"""``bayes-perflaw fit`` and ``backtest``: sample the Bayesian Performance Law; fit before a date, predict after.

Two registration functions, because the top-level help lists ``backtest`` after ``plan``, not beside ``fit``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import (
    add_benchmark_flags,
    add_sampler_flags,
    check_written,
    check_written_in,
    fit_and_save,
    mapping_from_args,
    overrides_from_args,
    priors_file_errors,
    priors_from_args,
    variant_list,
)
from bayes_perflaw.core.errors import DataError

SPLIT_DATE = "2024-04"  # backtest's default date split (YYYY-MM)
ROLLING_START = "2023-01"  # backtest --rolling's first origin (YYYY-MM)


def cmd_fit(args: argparse.Namespace) -> int:
    from bayes_perflaw.perflaw.backtest import load_reference
    from bayes_perflaw.screening.model import law_model

    with priors_file_errors(args):
        model = law_model(args.variant, overrides_from_args(args), args.prior_preset).check_priors()
    if args.skip_if_current and model.saved_fit(args.out, args.data) is not None:
        print(f"{args.out} is current (this model fitted to this {args.data.name}, same hash): not refitting")
        return 0
    return fit_and_save(model, load_reference(args.data), args, args.data, args.out, "fit")


def cmd_backtest(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.outputs import atomic_write, write_csv
    from bayes_perflaw.perflaw.backtest import backtest, backtest_markdown, holdout_check
    from bayes_perflaw.screening.model import law_model

    with priors_file_errors(args):
        overrides = overrides_from_args(args)
        variants = variant_list(args.variants, lambda v: law_model(v, overrides, args.prior_preset))
        for v in variants:
            law_model(v, overrides, args.prior_preset).check_priors()
        priors = priors_from_args(args)
    sampling = dict(sampler=args.sampler, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed)
    if args.benchmark != "mmlu" and not args.rolling:
        raise DataError("chains the rolling backtest only: add --rolling", column="--benchmark")
    if args.split_date is not None and (args.holdout or args.rolling):
        other = "--holdout" if args.holdout else "--rolling"
        raise DataError(f"a date split and {other} exclude each other: drop one", column="--split-date")
    if not args.rolling:
        given = (("--start", args.start is not None), ("--bayes-only", args.bayes_only))
        for flag, bad in (*given, ("--map-posterior", args.map_posterior is not None)):
            if bad:
                raise DataError("applies to the rolling backtest only: add --rolling or drop it", column=flag)
    elif args.holdout:
        raise DataError("the rolling backtest holds out each origin's later models: drop --holdout", column="--holdout")
    if args.rolling:
        return _rolling(args, variants, priors, sampling)
    split_date = args.split_date or SPLIT_DATE
    out = args.out or Path("reports/backtest.md")
    check_written(args, out, flag="--out")
    check_written(args, Path(out).with_suffix(".csv"), flag="--out", what="results table")
    if args.holdout:
        metrics, preds = holdout_check(args.data, args.holdout, variants=variants, priors=priors, **sampling)
    else:
        metrics, preds = backtest(args.data, split_date, variants=variants, priors=priors, **sampling)
    settings = (
        f"Bayesian fits: {args.sampler}, {args.chains} chains x {args.draws} draws, seed {args.seed}, "
        f"prior preset {args.prior_preset!r}."
    )
    text = backtest_markdown(metrics, preds, split_date, settings, holdout=str(args.holdout or ""))
    print(text.split("## Per model")[0].rstrip())
    atomic_write(out, lambda tmp: tmp.write_text(text))
    write_csv(metrics, Path(out).with_suffix(".csv"))
    print(f"wrote {out} and {Path(out).with_suffix('.csv')}")
    return 0


def _rolling(args: argparse.Namespace, variants: list[str], priors: dict, sampling: dict) -> int:
    """``backtest --rolling``: every origin, every method; DIR/rolling.csv, rolling.md, rolling.png, predictions."""
    from bayes_perflaw.core.outputs import atomic_write, check_output_dir, write_csv
    from bayes_perflaw.perflaw.backtest import load_reference
    from bayes_perflaw.perflaw.rolling import chained_widths, rolling_backtest, rolling_markdown, rolling_plot

    out = Path(args.out or "reports/rolling")
    check_output_dir(out, flag="--out")
    files = ("rolling.csv", "rolling_chained.csv", "rolling_predictions.csv", "rolling.md", "rolling.png")
    check_written_in(args, out, files, flag="--out")
    metrics, per_model = rolling_backtest(
        load_reference(args.data),
        variants=variants,
        priors=priors,
        start=args.start or ROLLING_START,
        sampling={**sampling, "progress": False},
        methods_extra=not args.bayes_only,
        mapping=mapping_from_args(args),
    )
    settings = (
        f"Data: {Path(args.data).name}. Bayesian fits: {args.sampler}, {args.chains} chains x {args.draws} draws, "
        f"seed {args.seed}, prior preset {args.prior_preset!r}."
    )
    chained = chained_widths(per_model)
    text = rolling_markdown(metrics, settings, chained)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(metrics, out / "rolling.csv")
    if not chained.empty:
        write_csv(chained, out / "rolling_chained.csv")
    write_csv(per_model, out / "rolling_predictions.csv")
    atomic_write(out / "rolling.md", lambda tmp: tmp.write_text(text))
    rolling_plot(metrics, out / "rolling.png")
    print(text.split("## Per origin")[0].rstrip())
    print(f"wrote {out / 'rolling.csv'}, rolling_predictions.csv, rolling.md and rolling.png")
    return 0


def add_fit_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior
    from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT, VARIANTS

    p = sub.add_parser("fit", help="sample the Bayesian Performance Law and save the posterior")
    add_sampler_flags(p)
    p.add_argument("--variant", choices=sorted(VARIANTS), default=DEFAULT_VARIANT)
    p.add_argument("--out", type=at.output_file, default=str(default_posterior()), help="posterior netCDF to write")
    p.add_argument("--strict", action="store_true", help="exit code 1 (and no file) if the fit does not converge")
    p.add_argument("--skip-if-current", action="store_true", help="do nothing if --out was fitted to this --data")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_fit)


def add_backtest_parser(sub) -> None:
    from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT, VARIANTS

    p = sub.add_parser("backtest", help="fit before a date, predict after: paper law vs bootstrap vs variants")
    add_sampler_flags(p)
    p.add_argument("--split-date", type=at.month, help=f"YYYY-MM (default {SPLIT_DATE}; not with --holdout)")
    p.add_argument(
        "--holdout",
        type=at.input_file,
        help="instead of a date split: fit on all of --data, predict this table of later models "
        "(released after every model of --data)",
    )
    p.add_argument(
        "--variants",
        default=f"plain,era,{DEFAULT_VARIANT},era_org",
        help=f"comma-separated, of {', '.join(VARIANTS)} (default plain,era,{DEFAULT_VARIANT},era_org)",
    )
    p.add_argument(
        "--rolling",
        action="store_true",
        help="rolling-origin backtest: origins every 3 months from --start, predict the next 6 months",
    )
    p.add_argument("--start", type=at.month, help=f"--rolling: first origin (default {ROLLING_START})")
    p.add_argument("--bayes-only", action="store_true", help="--rolling: skip the published law and least squares")
    add_benchmark_flags(p)  # --rolling: also chain each Bayesian prediction through the benchmark's mapping
    p.add_argument(
        "--out",
        type=at.output_path,
        help="Markdown (and .csv) to write (default reports/backtest.md); with --rolling a folder (reports/rolling)",
    )
    p.set_defaults(func=cmd_backtest)
