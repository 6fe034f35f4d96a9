"""Fit-to-file, the time-split backtest and the held-out check (the fit path: imports PyMC and ArviZ)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.posterior import draws_from_idata, file_hash, save_idata
from bayes_perflaw.core.tables import atomic_write
from bayes_perflaw.perflaw.mean import VARIANTS
from bayes_perflaw.perflaw.predict import predict_paper
from bayes_perflaw.perflaw.schema import read_validated, release_year


def compute_loo(idata, var_name: str | None = None):
    """PSIS-LOO with pointwise values (ArviZ), warnings silenced (Pareto k is reported instead)."""
    import arviz as az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return az.loo(idata, pointwise=True, var_name=var_name)


def loo_summary(idata=None, loo=None, var_name: str | None = None) -> dict[str, Any]:
    """elpd_loo, its se, p_loo and Pareto-k counts, from ``idata`` or an already computed ``loo``."""
    loo = compute_loo(idata, var_name) if loo is None else loo
    k = np.asarray(loo.pareto_k)
    return {
        "elpd_loo": float(loo.elpd_loo),
        "se": float(loo.se),
        "p_loo": float(loo.p_loo),
        "n_obs": int(k.size),
        "pareto_k_gt_0.7": int((k > 0.7).sum()),
        "pareto_k_gt_1": int((k > 1).sum()),
    }


def load_reference(path: str | Path) -> pd.DataFrame:
    """A reference table, validated with gaps allowed."""
    return read_validated(path, require_law_inputs=False)


CARD_KEYS = (
    "kind",
    "variant",
    "data_file",
    "data_hash",
    "n_obs",
    "n_stage1",
    "n_stage2",
    "seed",
    "sampler",
    "created",
    "compile_s",
    "sampling_s",
    "diagnostics",
    "loo",
    "package_version",
)


def write_card(out: str | Path, meta: dict[str, Any]) -> Path:
    """The posterior's small JSON card beside it (``.json``): data hash, diagnostics, LOO, date."""
    card = {k: meta[k] for k in CARD_KEYS if k in meta}
    return atomic_write(Path(out).with_suffix(".json"), lambda tmp: tmp.write_text(json.dumps(card, indent=2) + "\n"))


def fit_to_file(
    data_path: str | Path,
    out: str | Path,
    *,
    variant: str,
    priors: dict[str, Any],
    sampler: str = "nutpie",
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    progress: bool = True,
    strict: bool = False,
    log=print,
) -> dict[str, Any]:
    """Fit, print diagnostics, save the posterior and its JSON card; returns the metadata.

    With ``strict`` a fit that breaches a convergence threshold writes nothing.
    """
    from bayes_perflaw.core.diagnostics import describe
    from bayes_perflaw.perflaw.model import fit

    df = load_reference(data_path)
    log(
        f"fitting variant {variant!r} ({VARIANTS.get(variant, '?')}) with {sampler}: "
        f"{chains} chains x {draws} draws, {tune} tuning, seed {seed}"
    )
    idata, meta, data = fit(
        df,
        variant=variant,
        priors=priors,
        sampler=sampler,
        chains=chains,
        draws=draws,
        tune=tune,
        seed=seed,
        progress=progress,
        data_hash=file_hash(data_path),
        data_file=Path(data_path).name,
    )
    if data.skipped:
        log(f"skipped {len(data.skipped)} rows lacking a required field:")
        for model, reason in data.skipped:
            log(f"  {model}: lacks {reason}")
    log(
        f"fitted {len(data.y)} models ({int(data.censored.sum())} at the chance floor, censored); "
        f"compile {meta['compile_s']} s, sampling {meta['sampling_s']} s"
    )
    meta["loo"] = loo_summary(idata)
    log(describe(meta["diagnostics"]))
    log(
        f"LOO: elpd {meta['loo']['elpd_loo']:.1f} +/- {meta['loo']['se']:.1f}, p_loo {meta['loo']['p_loo']:.1f}, "
        f"Pareto k > 0.7: {meta['loo']['pareto_k_gt_0.7']}"
    )
    save_fit(idata, meta, out, strict=strict, log=log)
    return meta


def save_fit(idata, meta: dict[str, Any], out: str | Path, *, strict: bool, log=print) -> bool:
    """Warn loudly if the fit breached a convergence threshold; then save the posterior and its card,
    unless ``strict`` and unconverged (nothing written). Returns whether it wrote."""
    from bayes_perflaw.core.diagnostics import warn_if_unconverged

    warn_if_unconverged(meta["diagnostics"])
    if strict and not meta["diagnostics"]["converged"]:
        log(f"--strict: not writing {out}")
        return False
    save_idata(idata, out, meta)
    write_card(out, meta)
    log(f"wrote {out} and {Path(out).with_suffix('.json')}")
    return True


def interval_metrics(actual: np.ndarray, mean: np.ndarray, draws: np.ndarray | None) -> dict[str, float]:
    """MAE and bias of the mean; coverage and width of the 50 % and 90 % equal-tailed intervals."""
    err = mean - actual
    out = {"n": int(len(actual)), "mae": float(np.mean(np.abs(err))), "bias": float(np.mean(err))}
    for p in (0.5, 0.9):
        if draws is None:
            out[f"cover{int(p * 100)}"], out[f"width{int(p * 100)}"] = float("nan"), 0.0
            continue
        lo, hi = np.quantile(draws, [(1 - p) / 2, (1 + p) / 2], axis=1)
        out[f"cover{int(p * 100)}"] = float(np.mean((actual >= lo) & (actual <= hi)))
        out[f"width{int(p * 100)}"] = float(np.mean(hi - lo))
    return out


def backtest(
    data_path: str | Path,
    split: str,
    *,
    variants: list[str],
    priors: dict[str, Any],
    log=print,
    **sampling: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on releases before ``split`` (YYYY-MM), predict those from ``split`` on (:func:`evaluate_holdout`)."""
    from bayes_perflaw.perflaw.model import prepare

    df = load_reference(data_path)
    split_year = release_year(pd.Series([split]))[0]
    if np.isnan(split_year):
        raise DataError(f"must be YYYY-MM, got {split!r}", column="--split-date")
    usable = prepare(df, "era").table  # rows with every law input, mmlu and release
    years = release_year(usable["release"])
    train, test = usable[years < split_year].reset_index(drop=True), usable[years >= split_year].reset_index(drop=True)
    if len(train) < 8 or len(test) < 1:
        raise DataError(f"split {split} leaves {len(train)} models to fit and {len(test)} to predict")
    log(f"backtest at {split}: fit on {len(train)} models released before, predict {len(test)} released from then on")
    return evaluate_holdout(train, test, variants=variants, priors=priors, log=log, **sampling)


def holdout_check(
    data_path: str | Path,
    holdout_path: str | Path,
    *,
    variants: list[str],
    priors: dict[str, Any],
    log=print,
    **sampling: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on the whole reference table, predict a held-out table of later models (every law input,
    ``mmlu`` and ``release`` required); models also in the reference table are an error. The shipped
    posterior is scored too, as ``predict`` uses it, when it was fitted to ``data_path``."""
    from bayes_perflaw.core.paths import default_posterior
    from bayes_perflaw.core.posterior import load_draws
    from bayes_perflaw.perflaw.model import prepare

    train = prepare(load_reference(data_path), "era").table
    test = read_validated(holdout_path, require_law_inputs=True)
    if "mmlu" not in test.columns or test["mmlu"].isna().any():
        raise DataError("every held-out model needs a reported score", source=str(holdout_path), column="mmlu")
    both = sorted(set(test["model"]) & set(train["model"]))
    if both:
        raise DataError(f"models also in the reference table: {both}", source=str(holdout_path), column="model")
    shipped = {}
    if default_posterior().is_file():
        post = load_draws(default_posterior())
        if post.meta.get("data_hash") == file_hash(data_path):
            shipped[f"shipped posterior ({post.meta['variant']}, as predict uses it)"] = post
    log(f"held-out check: fit on {len(train)} reference models, predict {len(test)} from {holdout_path}")
    return evaluate_holdout(
        train, test.reset_index(drop=True), variants=variants, priors=priors, log=log, posteriors=shipped, **sampling
    )


def evaluate_holdout(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    variants: list[str],
    priors: dict[str, Any],
    sampler: str = "nutpie",
    chains: int = 4,
    draws: int = 1000,
    tune: int = 1000,
    seed: int = 1,
    posteriors: dict[str, Any] | None = None,
    log=print,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on ``train``, predict ``test``; returns (metrics per method, per-model predictions).

    Methods: the published law, a 1000-replicate bootstrap of a least-squares refit, each Bayesian
    variant (interval for a reported score), and each of ``posteriors`` (name -> Draws, predicted with
    ``predict``'s default seed).
    """
    from bayes_perflaw.perflaw.baselines import bootstrap_predict
    from bayes_perflaw.perflaw.model import fit
    from bayes_perflaw.perflaw.predict import DEFAULT_SEED, iter_predictive, summarise_draws

    actual = test["mmlu"].to_numpy(dtype=float)
    rows, preds = [], test[["model", "organization", "release", "mmlu"]].copy()
    paper = predict_paper(test)["mmlu_mean"].to_numpy()
    rows.append({"method": "paper (published law)", **interval_metrics(actual, paper, None)})
    preds["paper"] = paper
    boot = bootstrap_predict(train, train["mmlu"].to_numpy(), test, n_boot=1000, seed=seed)
    rows.append({"method": "least squares + bootstrap", **interval_metrics(actual, boot.mean(axis=1), boot)})
    preds["ls_bootstrap"] = boot.mean(axis=1)

    def score(method: str, column: str, post, pred_seed: int, converged: bool) -> None:
        # the draws predict() makes for this table (same chunks and seeds), drawn once for metrics and summary
        pred = np.concatenate([d for _, d in iter_predictive(test, post, seed=pred_seed)])
        m = interval_metrics(actual, pred.mean(axis=1), pred)
        m["converged"] = converged
        rows.append({"method": method, **m})
        summ = summarise_draws(pred)
        preds[column], preds[f"{column}_lo"], preds[f"{column}_hi"] = (
            summ["mmlu_mean"].to_numpy(),
            summ["mmlu_lo"].to_numpy(),
            summ["mmlu_hi"].to_numpy(),
        )
        log(f"  {method}: MAE {m['mae']:.2f}, 90 % coverage {m['cover90']:.2f}")

    for variant in variants:
        idata, meta, _ = fit(
            train,
            variant=variant,
            priors=priors,
            sampler=sampler,
            chains=chains,
            draws=draws,
            tune=tune,
            seed=seed,
            progress=False,
        )
        score(
            f"bayes {variant}",
            f"bayes_{variant}",
            draws_from_idata(idata, meta),
            seed,
            meta["diagnostics"]["converged"],
        )
    for name, post in (posteriors or {}).items():
        score(name, "shipped", post, DEFAULT_SEED, bool(post.meta.get("diagnostics", {}).get("converged", True)))
    return pd.DataFrame(rows), preds


def backtest_markdown(metrics: pd.DataFrame, preds: pd.DataFrame, split: str, settings: str, holdout: str = "") -> str:
    """The backtest (or, with ``holdout``, the held-out check) as a Markdown report."""
    n = int(metrics["n"].iloc[0])
    if holdout:
        title = f"# Held-out check: later models in `{holdout}`"
        scope = f"Fit on the whole reference table; predict the {n} models of `{holdout}`, released after it."
    else:
        title = f"# Time-split backtest at {split}"
        scope = f"Fit on reference models released before {split}; predict the {n} released from {split} on."
    lines = [
        title,
        "",
        f"{scope} {settings}",
        "Intervals are equal-tailed predictive intervals for a *reported* score (observation noise included). "
        "MAE and bias (prediction - reported) are of the predictive mean, in MMLU points.",
        "",
        "| method | n | MAE | bias | 50 % coverage | 90 % coverage | mean 90 % width |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, r in metrics.iterrows():
        cov50 = "–" if np.isnan(r["cover50"]) else f"{r['cover50']:.2f}"
        cov90 = "–" if np.isnan(r["cover90"]) else f"{r['cover90']:.2f}"
        lines.append(
            f"| {r['method']} | {r['n']} | {r['mae']:.2f} | {r['bias']:+.2f} | {cov50} | {cov90} | {r['width90']:.1f} |"
        )
    lines += ["", "## Per model", "", preds.to_markdown(index=False, floatfmt=".1f"), ""]
    return "\n".join(lines)
