"""The time-split backtest and the held-out check of the Performance Law (fits: imports PyMC and ArviZ)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.metrics import interval_metrics
from bayes_perflaw.core.months import release_year
from bayes_perflaw.core.posterior import file_hash
from bayes_perflaw.perflaw.data import prepare
from bayes_perflaw.perflaw.mean import VARIANTS
from bayes_perflaw.perflaw.predict import predict_paper
from bayes_perflaw.perflaw.schema import read_validated


def load_reference(path: str | Path) -> pd.DataFrame:
    """A reference table, validated with gaps allowed."""
    return read_validated(path, require_law_inputs=False)


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
    df = load_reference(data_path)
    split_year = release_year(pd.Series([split]))[0]
    if np.isnan(split_year):
        raise DataError(f"must be YYYY-MM, got {split!r}", column="--split-date")
    usable = prepare(df, VARIANTS["era"]).table  # rows with every law input, mmlu and release
    years = release_year(usable["release"])
    train, test = usable[years < split_year].reset_index(drop=True), usable[years >= split_year].reset_index(drop=True)
    if len(train) < 8 or len(test) < 1:
        raise DataError(
            f"split {split} leaves {len(train)} models to fit and {len(test)} to predict (need 8 and 1)",
            source=str(data_path),
            column="--split-date",
        )
    log(f"backtest at {split}: fit on {len(train)} models released before, predict {len(test)} released from then on")
    return evaluate_holdout(train, test, variants=variants, priors=priors, log=log, **sampling)


def _check_later(train: pd.DataFrame, test: pd.DataFrame, source: str) -> None:
    """Every held-out model has a release month after every fitted model's (months as ``YYYY-MM`` text)."""
    latest = train["release"].replace("", np.nan).dropna().max() if "release" in train.columns else None
    release = test["release"] if "release" in test.columns else pd.Series("", index=test.index)
    for i, month in enumerate(release.fillna("").astype(str)):
        model = str(test["model"].iloc[i])
        if not month:
            raise DataError(
                "a held-out model needs its release month", source=source, row=i + 1, model=model, column="release"
            )
        if latest is not None and month <= latest:
            raise DataError(
                f"released {month}, not after the latest model of the fitted table ({latest}): a held-out model "
                "must be later",
                source=source,
                row=i + 1,
                model=model,
                column="release",
            )


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
    from bayes_perflaw.perflaw.model import PerformanceLaw

    train = prepare(load_reference(data_path), VARIANTS["era"]).table
    test = read_validated(holdout_path, require_law_inputs=True)
    if "mmlu" not in test.columns or test["mmlu"].isna().any():
        raise DataError("every held-out model needs a reported score", source=str(holdout_path), column="mmlu")
    both = sorted(set(test["model"]) & set(train["model"]))
    if both:
        raise DataError(f"models also in the reference table: {both}", source=str(holdout_path), column="model")
    _check_later(train, test, str(holdout_path))
    shipped = {}
    if default_posterior().is_file():
        post = PerformanceLaw.load(default_posterior()).draws
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
    from bayes_perflaw.perflaw.model import PerformanceLaw
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
        law = PerformanceLaw(variant=variant, priors=priors).fit(
            train, sampler=sampler, chains=chains, draws=draws, tune=tune, seed=seed
        )
        score(f"bayes {variant}", f"bayes_{variant}", law.draws, seed, law.meta["diagnostics"]["converged"])
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
