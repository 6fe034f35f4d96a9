"""``bayes-perflaw flp fit|predict|backtest``: the Bayesian FLP on a model ladder.

``fit`` and a ``backtest`` that has to refit import PyMC; ``predict`` and a backtest from a saved
posterior use NumPy and h5py only.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError

DEFAULT_MARGIN = 0.05


def default_ladder() -> Path:
    from bayes_perflaw.core.paths import data_dir

    return data_dir() / "flp" / "olmo_ladder.csv"


def default_flp_posterior() -> Path:
    from bayes_perflaw.core.paths import models_dir

    return models_dir() / "flp-olmo.nc"


def _roles(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(",") if r.strip())


def fit_flp_to_file(
    data_path: Path,
    out: Path | None,
    *,
    variant: str,
    chains: int,
    draws: int,
    tune: int,
    seed: int,
    margin: float = DEFAULT_MARGIN,
    roles: tuple[str, ...] = ("ladder",),
    progress: bool = False,
    strict: bool = False,
    log=print,
):
    """Fit, print what was fitted, skipped and the diagnostics; save posterior + card unless ``out`` is None
    (or ``strict`` and unconverged). Returns (InferenceData, metadata)."""
    from bayes_perflaw.core.diagnostics import describe, warn_if_unconverged
    from bayes_perflaw.core.posterior import file_hash
    from bayes_perflaw.flp.model import fit_flp, read_ladder
    from bayes_perflaw.perflaw.backtest import loo_summary, save_fit

    df = read_ladder(data_path)
    log(
        f"fitting FLP {variant!r} on {data_path.name} (roles {list(roles)}): "
        f"{chains} chains x {draws} draws, seed {seed}"
    )
    idata, meta, data = fit_flp(
        df,
        variant=variant,
        chains=chains,
        draws=draws,
        tune=tune,
        seed=seed,
        data_hash=file_hash(data_path),
        margin=margin,
        roles=roles,
        progress=progress,
    )
    meta["data_file"] = data_path.name
    log(
        f"stage 1: {len(data.stage1)} final checkpoints; stage 2: {len(data.stage2)} checkpoints of "
        f"{len(data.tasks)} tasks (past warm-up and chance + {margin:.0%}, at most 10 per run and task)"
    )
    if data.dropped:
        log(f"skipped {len(data.dropped)} tasks that never leave the chance region in the fitted runs: {data.dropped}")
    log(f"compile {meta['compile_s']} s, sampling {meta['sampling_s']} s")
    meta["loo"] = {stage: loo_summary(idata, var_name=stage) for stage in ("stage1", "stage2")}
    log(describe(meta["diagnostics"]))
    for stage, loo in meta["loo"].items():
        log(f"LOO {stage}: elpd {loo['elpd_loo']:.1f} +/- {loo['se']:.1f}, Pareto k > 0.7: {loo['pareto_k_gt_0.7']}")
    if out is None:
        warn_if_unconverged(meta["diagnostics"])
    else:
        save_fit(shippable(idata), meta, out, strict=strict, log=log)
    return idata, meta


def _fit_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The sampling and data-selection flags every FLP fit takes."""
    keys = ("chains", "draws", "tune", "seed", "margin")
    return {**{k: getattr(args, k) for k in keys}, "roles": _roles(args.roles)}


def shippable(idata):
    """What the posterior file keeps: draws, sample stats and stage 1's log-likelihood. Stage 2's (draws x
    ~2000 checkpoints, 60 MB) is summarised by the LOO in the metadata instead."""
    import arviz as az

    return az.InferenceData(
        posterior=idata.posterior, sample_stats=idata.sample_stats, log_likelihood=idata.log_likelihood[["stage1"]]
    )


def cmd_flp_fit(args: argparse.Namespace) -> int:
    _, meta = fit_flp_to_file(
        args.data,
        args.out,
        variant=args.variant,
        progress=not args.no_progress,
        strict=args.strict,
        **_fit_kwargs(args),
    )
    from bayes_perflaw.cli.main import strict_status

    return strict_status(meta, args.strict, "flp fit")


def _flops(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise DataError(
            f"cannot read {text!r} as FLOPs; write e.g. 1.6e23", source="command line", column="--flops"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise DataError(f"FLOPs must be a positive number, got {text!r}", source="command line", column="--flops")
    return value


def recipe_from_flags(args: argparse.Namespace) -> dict[str, float]:
    from bayes_perflaw.core.units import parse_size
    from bayes_perflaw.flp.forms import recipe

    given = [f for f, v in (("--params", args.params), ("--tokens", args.tokens)) if v is not None]
    if len(given) == 1:
        missing = "--tokens" if given[0] == "--params" else "--params"
        raise DataError(
            f"{given[0]} needs {missing} too (or give --flops alone)", source="command line", column=missing
        )
    if given and args.flops is not None:
        raise DataError("give --params and --tokens, or --flops, not both", source="command line", column="--flops")
    if given:
        try:
            n = parse_size(args.params, "params", bare_in_unit=False) * 1e9
        except DataError as err:
            raise DataError(err.detail, source="command line", column="--params") from None
        try:
            d = parse_size(args.tokens, "tokens", bare_in_unit=False) * 1e12
        except DataError as err:
            raise DataError(err.detail, source="command line", column="--tokens") from None
        return recipe(n_params=n, tokens=d)
    flops = _flops(args.flops)
    if flops is None:
        raise DataError("nothing to predict: give --params and --tokens (e.g. 7B, 4T), or --flops")
    return recipe(flops=flops)


def cmd_flp_predict(args: argparse.Namespace) -> int:
    from bayes_perflaw.cli.main import emit
    from bayes_perflaw.core.posterior import load_draws
    from bayes_perflaw.flp.predict import predict_recipe

    if not 0 < args.prob < 1:
        raise DataError(f"--prob must be in (0, 1), got {args.prob}", column="--prob")
    x = recipe_from_flags(args)
    draws = load_draws(args.posterior, kind="flp")
    table = predict_recipe(draws.values, draws.meta, x, prob=args.prob, seed=args.seed, noise=not args.no_noise)
    if args.task:
        unknown = [t for t in args.task if t not in set(table["task"])]
        if unknown:
            raise DataError(f"unknown task {unknown[0]!r}; this posterior has {list(table['task'])}", column="--task")
        table = table[table["task"].isin(args.task)]
    table.insert(0, "flops", float(np.exp(x["ln_flops"])))
    print(
        f"FLP {draws.meta['variant']} ({args.posterior.name}); accuracy in %, {args.prob:.0%} interval of a "
        + ("reported score" if not args.no_noise else "mean accuracy (no evaluation noise)")
    )
    emit(table, args.output, ["task", "chance", "c4_loss", "code_loss", "pred_mean", "pred_lo", "pred_hi"])
    return 0


def _posterior_for(args: argparse.Namespace, variant: str, log=print) -> tuple[dict[str, Any], dict[str, Any]]:
    """(draws, meta) of ``variant`` on ``args.data``: the saved posterior when it was fitted to this very file
    with this variant, margin and roles; else a fresh fit (not saved)."""
    from bayes_perflaw.core.errors import PosteriorFileError
    from bayes_perflaw.core.posterior import draws_from_idata, file_hash, load_draws

    path = args.posterior
    if path is not None and Path(path).is_file() and not args.refit:
        try:
            d = load_draws(path, kind="flp")
        except PosteriorFileError:
            d = None
        same = d is not None and (
            d.meta.get("data_hash") == file_hash(args.data)
            and d.meta.get("variant") == variant
            and float(d.meta.get("margin", -1)) == args.margin
            and tuple(d.meta.get("roles", ())) == _roles(args.roles)
        )
        if same:
            log(f"{variant}: using {path} (fitted to this {args.data.name}; --refit to sample again)")
            return d.values, d.meta
    idata, meta = fit_flp_to_file(args.data, None, variant=variant, log=log, **_fit_kwargs(args))
    return draws_from_idata(idata, meta).values, meta


def backtest_markdown(summary: pd.DataFrame, fits: list[dict[str, Any]], data_name: str, prob: float) -> str:
    """The backtest as Markdown: per method and target, then the fits' LOO and diagnostics."""
    lines = [
        f"# FLP backtest on {data_name}",
        "",
        "Fitted on the ladder runs only; predicted the held-out targets (`role` = target). Accuracy in points;"
        f" intervals are central {prob:.0%} intervals of a reported score (Bayesian) or a 1,000-replicate"
        " bootstrap over runs of the least-squares fit (`ls_paper`, the paper's forms: power law in FLOPs,"
        " linear link).",
        "",
        summary.to_markdown(index=False),
        "",
        "## Fits",
        "",
        "| variant | stage-1 elpd_loo | stage-2 elpd_loo | r_hat max | ESS bulk min | divergences | converged |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in fits:
        loo, dg = m.get("loo", {}), m["diagnostics"]
        e1 = loo.get("stage1", {}).get("elpd_loo", float("nan"))
        e2 = loo.get("stage2", {}).get("elpd_loo", float("nan"))
        lines.append(
            f"| {m['variant']} | {e1:.1f} | {e2:.1f} | {dg['r_hat_max']:.3f} | {dg['ess_bulk_min']:.0f} | "
            f"{dg['divergences']} | {dg['converged']} |"
        )
    lines += [
        "",
        "Stage-1 elpd compares forms only between variants with the same domains (FLP-M's covers two losses).",
        "",
    ]
    return "\n".join(lines)


def cmd_flp_backtest(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.tables import atomic_write, write_csv
    from bayes_perflaw.flp.model import parse_variant, read_ladder
    from bayes_perflaw.flp.predict import TARGET_COLUMNS, backtest_bayes, ls_paper, summarise

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in variants:
        parse_variant(v)  # a bad name fails before any sampling
    df = read_ladder(args.data)
    if not (df["role"] == "target").any():
        raise DataError("no rows with role 'target' to predict", source=str(args.data), column="role")
    tables, fits = [], []
    for v in variants:
        values, meta = _posterior_for(args, v)
        tables.append(backtest_bayes(values, meta, df, prob=args.prob, seed=args.seed))
        fits.append(meta)
    tables.append(
        ls_paper(df, roles=_roles(args.roles), margin=args.margin, n_boot=args.boot, prob=args.prob, seed=args.seed)
    )
    table = pd.concat(tables, ignore_index=True)
    summary = summarise(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cols = ["method", *TARGET_COLUMNS, "c4_loss", "actual_c4_loss"]
    write_csv(table[[c for c in cols if c in table.columns]].round(3), out / "flp_targets.csv")
    write_csv(summary, out / "flp_summary.csv")
    text = backtest_markdown(summary, fits, args.data.name, args.prob)
    atomic_write(out / "flp_backtest.md", lambda tmp: tmp.write_text(text))
    with pd.option_context("display.width", 200):
        print(summary.to_string(index=False))
    print(f"wrote {out / 'flp_targets.csv'}, {out / 'flp_summary.csv'} and {out / 'flp_backtest.md'}")
    return 0


def add_flp_parser(sub) -> None:
    from bayes_perflaw.flp.model import DEFAULT_VARIANT

    flp = sub.add_parser("flp", help="FLP: FLOPs -> loss -> benchmark accuracy, fitted on a model ladder")
    fsub = flp.add_subparsers(dest="flp_command", required=True, metavar="{fit,predict,backtest}")
    variant_help = (
        f"STAGE1+STAGE2[+code]: stage 1 power|irreducible|chinchilla, stage 2 linear|logistic, +code = FLP-M "
        f"(default {DEFAULT_VARIANT})"
    )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data", type=Path, default=default_ladder(), help="ladder table (default: OLMo-2 ladder)")
        p.add_argument("--chains", type=int, default=4)
        p.add_argument("--draws", type=int, default=1000)
        p.add_argument("--tune", type=int, default=1000)
        p.add_argument("--seed", type=int, default=1, help="same seed + same data -> same posterior")
        p.add_argument("--margin", type=float, default=DEFAULT_MARGIN, help="emergent phase: accuracy > chance + this")
        p.add_argument(
            "--roles", default="ladder", help="comma-separated roles to fit (never 'target'; default ladder)"
        )

    p = fsub.add_parser("fit", help="sample both stages and save the posterior")
    common(p)
    p.add_argument("--variant", default=DEFAULT_VARIANT, help=variant_help)
    p.add_argument("--out", type=Path, default=default_flp_posterior())
    p.add_argument("--strict", action="store_true", help="exit 1 and write nothing if the fit did not converge")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_flp_fit)

    p = fsub.add_parser("predict", help="accuracy per task for a recipe (parameters and tokens, or FLOPs)")
    p.add_argument("--posterior", type=Path, default=default_flp_posterior())
    p.add_argument("--params", help="parameters, e.g. 7B")
    p.add_argument("--tokens", help="training tokens, e.g. 4T")
    p.add_argument("--flops", help="training FLOPs (6 N D), e.g. 1.6e23 (power/irreducible stage 1 only)")
    p.add_argument("--task", action="append", help="only this task (repeatable)")
    p.add_argument("--prob", type=float, default=0.9)
    p.add_argument("--no-noise", action="store_true", help="interval of the mean accuracy, without evaluation noise")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", type=Path)
    p.set_defaults(func=cmd_flp_predict)

    p = fsub.add_parser("backtest", help="fit on the ladder, predict the held-out targets; Bayesian vs least squares")
    common(p)
    p.add_argument("--variants", default=DEFAULT_VARIANT, help=f"comma-separated; each {variant_help}")
    p.add_argument(
        "--posterior",
        type=Path,
        default=default_flp_posterior(),
        help="reuse this posterior when it was fitted to --data with the same variant (default: shipped)",
    )
    p.add_argument("--refit", action="store_true", help="always sample, even when a matching posterior exists")
    p.add_argument("--boot", type=int, default=1000, help="bootstrap replicates of the least-squares fit")
    p.add_argument("--prob", type=float, default=0.9)
    p.add_argument("--out", type=Path, default=Path("reports/flp"))
    p.set_defaults(func=cmd_flp_backtest)
