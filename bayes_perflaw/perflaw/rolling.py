"""The rolling-origin backtest: the yardstick for every modelling decision of the Performance Law.

Origins every ``step`` months from ``start`` to the last origin with at least ``min_later`` models released in
the ``horizon`` months after it. At each origin every method is fitted on the models released before the origin
and predicts those released in the following ``horizon`` months: each Bayesian variant (its predictive interval
for a reported score), the published law (a point: its interval has no width) and least squares + a
1000-replicate bootstrap. Per method and origin: n, MAE, bias, 50 % and 90 % coverage, mean and median 90 % width
and the **interval score** of the 90 % interval (Gneiting & Raftery 2007: width + (2/alpha) x the distance by which
the reported score falls outside; lower is better), plus rows pooled over every origin (``origin = pooled``) and
over the origins from ``recent`` on (``origin = pooled since …``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.months import release_year
from bayes_perflaw.perflaw.data import prepare
from bayes_perflaw.perflaw.mean import VARIANTS

ALPHA = 0.1  # the 90 % interval
COLUMNS = (
    "method",
    "origin",
    "n",
    "mae",
    "bias",
    "cover50",
    "cover90",
    "width90",
    "median_width90",
    "interval_score",
    "converged",  # every Bayesian fit behind the row passed r_hat, ESS, divergences and BFMI
)


def interval_score(actual: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Interval score of central (1 - alpha) intervals [lo, hi] for ``actual`` (Gneiting & Raftery 2007, eq. 43)."""
    below = np.maximum(lo - actual, 0.0)
    above = np.maximum(actual - hi, 0.0)
    return (hi - lo) + (2.0 / alpha) * (below + above)


def _month(text: str) -> float:
    return float(release_year(pd.Series([text]))[0])


def _add_months(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:7]) - 1 + k
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def origins(table: pd.DataFrame, start: str = "2023-01", step: int = 3, horizon: int = 6, min_later: int = 5):
    """(origin, train rows, test rows) for each origin with at least ``min_later`` test and 8 training models."""
    years = release_year(table["release"])
    out, origin = [], start
    last = np.nanmax(years)
    while _month(origin) <= last:
        lo, hi = _month(origin), _month(_add_months(origin, horizon))
        test = (years >= lo) & (years < hi)
        train = years < lo
        if test.sum() >= min_later and train.sum() >= 8:
            out.append((origin, table[train].reset_index(drop=True), table[test].reset_index(drop=True)))
        origin = _add_months(origin, step)
    return out


def summaries(actual, mean, lo50, hi50, lo90, hi90) -> dict[str, float]:
    """The rolling metrics of one set of predictions."""
    err = mean - actual
    width = hi90 - lo90
    return {
        "n": int(len(actual)),
        "mae": float(np.mean(np.abs(err))),
        "bias": float(np.mean(err)),
        "cover50": float(np.mean((actual >= lo50) & (actual <= hi50))),
        "cover90": float(np.mean((actual >= lo90) & (actual <= hi90))),
        "width90": float(np.mean(width)),
        "median_width90": float(np.median(width)),
        "interval_score": float(np.mean(interval_score(actual, lo90, hi90))),
    }


def _quantiles(draws: np.ndarray) -> dict[str, np.ndarray]:
    lo90, lo50, hi50, hi90 = np.quantile(draws, [0.05, 0.25, 0.75, 0.95], axis=1)
    return {"mean": draws.mean(axis=1), "lo50": lo50, "hi50": hi50, "lo90": lo90, "hi90": hi90}


def rolling_backtest(
    table: pd.DataFrame,
    *,
    variants: list[str],
    priors: dict[str, Any] | None = None,
    start: str = "2023-01",
    step: int = 3,
    horizon: int = 6,
    min_later: int = 5,
    recent: str = "2024-01",
    sampling: dict[str, Any] | None = None,
    methods_extra: bool = True,
    mapping=None,
    log=print,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(metrics per method and origin with pooled rows, per-model predictions) of the rolling-origin backtest.

    ``table``: a validated reference table; rows lacking a law input, ``mmlu`` or ``release`` are left out.
    ``mapping``: a benchmark-mapping posterior (``Draws``): each Bayesian prediction is also chained through it
    (columns ``<benchmark>_mean``, ``_lo90``, ``_hi90`` of the predictions; :func:`chained_widths` summarises them).
    """
    from bayes_perflaw.benchmarks.mapping import chain
    from bayes_perflaw.benchmarks.mapping import column as bench_column
    from bayes_perflaw.perflaw.baselines import bootstrap_predict
    from bayes_perflaw.perflaw.model import PerformanceLaw
    from bayes_perflaw.perflaw.predict import iter_predictive
    from bayes_perflaw.perflaw.published import paper_mmlu

    sampling = dict(sampling or {})
    seed = int(sampling.get("seed", 1))
    usable = prepare(table, VARIANTS["era"]).table
    folds = origins(usable, start, step, horizon, min_later)
    if not folds:
        raise DataError(f"no origin from {start} has {min_later} later models and 8 earlier ones", column="--rolling")
    rows = []
    for origin, train, test in folds:
        log(f"origin {origin}: fit on {len(train)} models, predict {len(test)} released in the next {horizon} months")
        actual = test["mmlu"].to_numpy(dtype=float)
        base = test[["model", "organization", "release", "mmlu"]].assign(origin=origin)
        preds: dict[str, dict[str, np.ndarray]] = {}
        converged: dict[str, bool] = {}
        if methods_extra:
            point = paper_mmlu(test, 1.0)
            preds["paper (published law)"] = {k: point for k in ("mean", "lo50", "hi50", "lo90", "hi90")}
            boot = bootstrap_predict(train, train["mmlu"].to_numpy(), test, n_boot=1000, seed=seed)
            preds["least squares + bootstrap"] = _quantiles(boot)
        for variant in variants:
            law = PerformanceLaw(variant=variant, priors=priors).fit(train, **sampling)
            draws = np.concatenate([d for _, d in iter_predictive(test, law.draws, seed=seed)])
            preds[f"bayes {variant}"] = _quantiles(draws)
            if mapping is not None:
                prefix = bench_column(mapping.meta["benchmark"])
                q = _quantiles(chain(draws, mapping, seed))
                preds[f"bayes {variant}"].update({f"{prefix}_{k}": q[k] for k in ("mean", "lo90", "hi90")})
            converged[f"bayes {variant}"] = bool(law.meta["diagnostics"]["converged"])
            if not converged[f"bayes {variant}"]:
                log(f"  bayes {variant} at {origin}: the fit did not converge (kept, flagged in the report)")
        for method, p in preds.items():
            m = summaries(actual, p["mean"], p["lo50"], p["hi50"], p["lo90"], p["hi90"])
            log(f"  {method}: MAE {m['mae']:.2f}, 90 % coverage {m['cover90']:.2f}, IS {m['interval_score']:.1f}")
            rows.append(base.assign(method=method, converged=converged.get(method, True), **dict(p.items())))
    per_model = pd.concat(rows, ignore_index=True)
    return metrics_table(per_model, recent), per_model


def chained_widths(per_model: pd.DataFrame, recent: str = "2024-01") -> pd.DataFrame:
    """Median and mean 90 % width of the chained benchmark predictions per Bayesian method, pooled over every
    origin and over those from ``recent`` on (empty without chained columns)."""
    cols = [c for c in per_model.columns if c.endswith("_lo90") and c != "lo90"]
    out = []
    for c in cols:
        bench = c[: -len("_lo90")]
        for method, g in per_model.dropna(subset=[c]).groupby("method", sort=False):
            for origin, h in (("pooled", g), (f"pooled since {recent}", g[g["origin"] >= recent])):
                width = (h[f"{bench}_hi90"] - h[c]).to_numpy(dtype=float)
                out.append(
                    {
                        "benchmark": bench,
                        "method": method,
                        "origin": origin,
                        "n": len(width),
                        "median_width90": float(np.median(width)),
                        "width90": float(np.mean(width)),
                    }
                )
    return pd.DataFrame(out, columns=["benchmark", "method", "origin", "n", "median_width90", "width90"])


def metrics_table(per_model: pd.DataFrame, recent: str = "2024-01") -> pd.DataFrame:
    """Metrics per (method, origin), then pooled over all origins and over the origins from ``recent`` on."""
    out = []

    def add(g: pd.DataFrame, method: str, origin: str) -> None:
        cols = [g[c].to_numpy(dtype=float) for c in ("mmlu", "mean", "lo50", "hi50", "lo90", "hi90")]
        ok = bool(g["converged"].all()) if "converged" in g else True
        out.append({"method": method, "origin": origin, **summaries(*cols), "converged": ok})

    methods = list(dict.fromkeys(per_model["method"]))
    for method in methods:
        g = per_model[per_model["method"] == method]
        for origin, h in g.groupby("origin", sort=True):
            add(h, method, origin)
    for method in methods:
        g = per_model[per_model["method"] == method]
        add(g, method, "pooled")
        late = g[g["origin"] >= recent]
        if len(late):
            add(late, method, f"pooled since {recent}")
    return pd.DataFrame(out, columns=list(COLUMNS))


def rolling_markdown(metrics: pd.DataFrame, settings: str, chained: pd.DataFrame | None = None) -> str:
    """The rolling backtest as Markdown: targets, pooled rows, chained benchmark widths (if any), every origin."""
    pooled = metrics[metrics["origin"].str.startswith("pooled")]
    per = metrics[~metrics["origin"].str.startswith("pooled")]
    failed = per[~per["converged"].astype(bool)]
    note = (
        "Every Bayesian fit converged."
        if failed.empty
        else "**Fits that did not converge** (kept in the scores): "
        + ", ".join(f"{m} at {o}" for m, o in zip(failed["method"], failed["origin"], strict=True))
        + "."
    )
    lines = [
        "# Rolling-origin backtest",
        "",
        "At each origin every method is fitted on the models released before it and predicts those released in the "
        f"following six months. {settings} Interval score of the 90 % interval (Gneiting & Raftery 2007): width plus "
        "20 x the distance by which the reported score falls outside; lower is better. The published law is a point "
        "(no interval): its interval score is 20 x its absolute error.",
        "",
        note,
        "",
        *targets(metrics),
        "## Pooled",
        "",
        _table(pooled),
        "",
        *_chained_section(chained),
        "## Per origin",
        "",
        _table(per),
        "",
    ]
    return "\n".join(lines)


def targets(metrics: pd.DataFrame, method: str | None = None, since: str = "2024-01") -> list[str]:
    """The sharpness targets for the default variant (or ``method``): pooled since ``since`` MAE <= 3.5, 90 %
    coverage 0.85-0.95, median 90 % width <= 16, and an interval score below least squares + bootstrap at every
    origin. Empty when the run lacks the method or the baseline."""
    from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT

    method = method or f"bayes {DEFAULT_VARIANT}"
    base = "least squares + bootstrap"
    pooled = metrics[(metrics["method"] == method) & (metrics["origin"] == f"pooled since {since}")]
    per = metrics[~metrics["origin"].str.startswith("pooled")]
    mine, theirs = per[per["method"] == method].set_index("origin"), per[per["method"] == base].set_index("origin")
    if pooled.empty or theirs.empty:
        return []
    r = pooled.iloc[0]
    beaten = [
        o for o in mine.index if o in theirs.index and mine.loc[o, "interval_score"] < theirs.loc[o, "interval_score"]
    ]
    lost = [o for o in mine.index if o in theirs.index and o not in beaten]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    return [
        f"## Targets ({method}, pooled since {since})",
        "",
        "| target | value | verdict |",
        "|---|---|---|",
        f"| MAE <= 3.5 | {r['mae']:.2f} | {verdict(r['mae'] <= 3.5)} |",
        f"| 90 % coverage in 0.85-0.95 | {r['cover90']:.2f} | {verdict(0.85 <= r['cover90'] <= 0.95)} |",
        f"| median 90 % width <= 16 | {r['median_width90']:.1f} | {verdict(r['median_width90'] <= 16)} |",
        f"| interval score below least squares + bootstrap at every origin | {len(beaten)} of {len(mine)} origins"
        + (f" (not at {', '.join(lost)})" if lost else "")
        + f" | {verdict(not lost)} |",
        "",
    ]


def _chained_section(chained: pd.DataFrame | None) -> list[str]:
    if chained is None or chained.empty:
        return []
    lines = [
        "## Chained through the benchmark mapping",
        "",
        "Each Bayesian predictive draw of MMLU pushed through the shipped mapping posterior (its draws and noise): "
        "the 90 % width of the other benchmark's prediction. The mapping is the shipped one, fitted on every model "
        "of `data/benchmark_map.csv` (not refitted per origin). Target for MMLU-Pro since 2024-01: median <= 20.",
        "",
        "| benchmark | method | origin | n | median 90 % width | mean 90 % width |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in chained.iterrows():
        lines.append(
            f"| {r['benchmark']} | {r['method']} | {r['origin']} | {r['n']} | {r['median_width90']:.1f} | "
            f"{r['width90']:.1f} |"
        )
    return [*lines, ""]


def _table(df: pd.DataFrame) -> str:
    head = (
        "| method | origin | n | MAE | bias | 50 % cov. | 90 % cov. | mean 90 % width | median 90 % width "
        "| interval score |"
    )
    rows = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in df.iterrows():
        rows.append(
            f"| {r['method']} | {r['origin']} | {r['n']} | {r['mae']:.2f} | {r['bias']:+.2f} | {r['cover50']:.2f} | "
            f"{r['cover90']:.2f} | {r['width90']:.1f} | {r['median_width90']:.1f} | {r['interval_score']:.1f} |"
        )
    return "\n".join(rows)


def rolling_plot(metrics: pd.DataFrame, path) -> None:
    """Interval score, MAE and 90 % coverage by origin, one line per method (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = metrics[~metrics["origin"].str.startswith("pooled")]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for method, g in per.groupby("method", sort=False):
        for ax, col in zip(axes, ("interval_score", "mae", "cover90"), strict=True):
            ax.plot(g["origin"], g[col], marker="o", label=method)
    for ax, title in zip(axes, ("interval score (90 %)", "MAE (points)", "90 % coverage"), strict=True):
        ax.set_title(title)
        ax.tick_params(axis="x", rotation=45)
    axes[2].axhspan(0.85, 0.95, color="0.9")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
