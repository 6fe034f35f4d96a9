"""HTML report of a latent-capability posterior (kind ``multibench``): the checks (with the PSIS-LOO of every
reported score), run metadata, the benchmarks, the convergence table of the global parameters, the energy plot,
prior vs posterior of the noise scales and ceilings, the loadings, and every benchmark's score against the fitted
first-factor capability with the link's 90 % band.

``write_multibench_report(posterior, out_dir)`` writes ``out_dir/index.html`` (figures embedded as PNG, each also
written beside it), ``summary.csv``, ``benchmarks.csv``, ``loadings.csv`` and ``capability.csv``; curves and
capabilities come from the posterior's draws through the model's own NumPy functions
(:mod:`bayes_perflaw.multibench.benchmarks`, :func:`bayes_perflaw.multibench.data.covariates`).
"""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.diagnostics import ESS_PER_CHAIN_MIN, RHAT_MAX
from bayes_perflaw.core.outputs import atomic_write, write_csv
from bayes_perflaw.report.html import (
    Figure,
    checks,
    energy_figure,
    figure,
    prior_samples,
    run_rows,
    table_html,
    write_page,
)

PROB = 0.9  # the intervals and bands of the page
Q = ((1 - PROB) / 2, 0.5, (1 + PROB) / 2)
CALIBRATION_CAPTION = "leave-one-score-out checks (scripts/multibench_calibration.py)"


def default_reports_dir() -> Path:
    """``reports/multibench`` of the source checkout (where ``scripts/multibench_calibration.py`` writes)."""
    return Path(__file__).resolve().parents[2] / "reports" / "multibench"


def _nan(values: list[Any]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def fit_table(meta: dict[str, Any]):
    """The fit's :class:`~bayes_perflaw.multibench.data.ScoreTable`, rebuilt from the posterior's metadata."""
    from bayes_perflaw.multibench.data import ScoreTable

    scores = np.array([_nan(row) for row in meta["fit_scores"]], dtype=float).reshape(len(meta["fit_models"]), -1)
    n = len(meta["fit_models"])
    return ScoreTable(
        list(meta["fit_models"]),
        list(meta["benches"]),
        scores,
        _nan(meta.get("fit_log_compute") or [None] * n),
        _nan(meta.get("fit_log_tpp") or [None] * n),
    )


def fit_data(meta: dict[str, Any]):
    """The fit's long-format observations (:class:`~bayes_perflaw.multibench.data.FitData`), from the metadata."""
    from bayes_perflaw.multibench.data import FitData, covariates

    t = fit_table(meta)
    row, bench = np.nonzero(~np.isnan(t.scores))
    lows, tops = np.asarray(meta["lows"], dtype=float), np.asarray(meta["tops"], dtype=float)
    return FitData(t, covariates(t, meta["scaling"]), row, bench, t.scores[row, bench], lows, tops, meta["scaling"])


def score_loo(idata, values: dict[str, np.ndarray], meta: dict[str, Any]) -> dict[str, Any] | None:
    """PSIS-LOO of every reported score: from the file's ``score`` log-likelihood, or (a shipped file leaves it
    out) recomputed from the draws with the model's own NumPy likelihood; None if it cannot be computed."""
    import arviz as az
    import xarray as xr

    from bayes_perflaw.core.diagnostics import compute_loo, loo_summary
    from bayes_perflaw.multibench.model import MultiBench

    try:
        if "log_likelihood" not in idata.groups() or "score" not in idata.log_likelihood:
            post = idata.posterior
            ll = MultiBench(variant=meta["variant"]).loglik(fit_data(meta), values)["score"]
            ll = ll.reshape(post.sizes["chain"], post.sizes["draw"], -1)
            coords = {"chain": post.chain.values, "draw": post.draw.values}
            idata = az.InferenceData(
                posterior=post, log_likelihood=xr.Dataset({"score": (("chain", "draw", "obs"), ll)}, coords=coords)
            )
        with np.errstate(all="ignore"):
            return loo_summary(loo=compute_loo(idata, var_name="score"))
    except Exception:  # noqa: BLE001 - a LOO that cannot be computed is reported as such
        return None


def loadings_draws(values: dict[str, np.ndarray], benches: list[str]) -> np.ndarray:
    """The (draws, benchmarks, factors) loading matrix of every draw."""
    from bayes_perflaw.multibench.benchmarks import assemble_loadings, loading_layout

    k = values["beta"].shape[1]
    free = values.get("lam_free", np.zeros((len(values["a"]), 0)))
    return assemble_loadings(values["lam_pos"], free, loading_layout(benches, k), len(benches), k)


def capability_draws(values: dict[str, np.ndarray], meta: dict[str, Any]) -> np.ndarray:
    """Each fit model's capability per draw (draws, rows, factors): ``X beta + eps``."""
    from bayes_perflaw.multibench.data import covariates

    x = covariates(fit_table(meta), meta["scaling"])
    return np.einsum("rc,dfc->drf", x, values["beta"]) + values["eps"]


def loadings_table(values: dict[str, np.ndarray], benches: list[str]) -> pd.DataFrame:
    """One row per (benchmark, factor): posterior mean, sd and 90 % interval, and whether the loading is
    constrained positive, free, or fixed at zero by the layout."""
    from bayes_perflaw.multibench.benchmarks import loading_layout

    lam = loadings_draws(values, benches)
    k = lam.shape[-1]
    pos, free = loading_layout(benches, k)
    kind = {**{p: "positive" for p in pos}, **{f: "free" for f in free}}
    q = np.quantile(lam, [Q[0], Q[2]], axis=0)
    rows = []
    for i, b in enumerate(benches):
        for j in range(k):
            rows.append(
                {
                    "bench": b,
                    "factor": f"f{j + 1}",
                    "constraint": kind.get((i, j), "zero"),
                    "mean": float(lam[:, i, j].mean()),
                    "sd": float(lam[:, i, j].std()),
                    "lo": float(q[0, i, j]),
                    "hi": float(q[1, i, j]),
                }
            )
    return pd.DataFrame(rows)


def capability_table(theta: np.ndarray, models: list[str]) -> pd.DataFrame:
    """One row per fit model: posterior mean and 90 % interval of each factor of its capability."""
    out = pd.DataFrame({"model": models})
    q = np.quantile(theta, [Q[0], Q[2]], axis=0)
    for j in range(theta.shape[-1]):
        out[f"f{j + 1}_mean"] = theta[:, :, j].mean(axis=0)
        out[f"f{j + 1}_lo"] = q[0, :, j]
        out[f"f{j + 1}_hi"] = q[1, :, j]
    return out


def benchmarks_table(values: dict[str, np.ndarray], meta: dict[str, Any], table) -> pd.DataFrame:
    """One row per benchmark: label, scores fitted, reported range, and the posterior means of its floor, ceiling,
    noise scale and intercept."""
    from bayes_perflaw.multibench.benchmarks import BENCHMARKS, floors_and_ceilings

    benches = list(meta["benches"])
    floor, ceiling = floors_and_ceilings(
        values.get("floor_frac"), values["ceiling_frac"], meta["lows"], meta["tops"], benches
    )
    return pd.DataFrame(
        {
            "bench": benches,
            "label": [BENCHMARKS[b].label if b in BENCHMARKS else b for b in benches],
            "scores": (~np.isnan(table.scores)).sum(axis=0),
            "lowest": np.asarray(meta["lows"], dtype=float),
            "highest": np.asarray(meta["tops"], dtype=float),
            "floor": np.broadcast_to(floor, (len(values["a"]), len(benches))).mean(axis=0),
            "floor_is": ["chance" if BENCHMARKS[b].chance is not None else "fitted" for b in benches],
            "ceiling": ceiling.mean(axis=0),
            "sigma": values["sigma"].mean(axis=0),
            "a": values["a"].mean(axis=0),
        }
    )


def loadings_figure(lt: pd.DataFrame, benches: list[str]):
    """Figure: per factor, each benchmark's loading (posterior mean, 90 % interval); structural zeros greyed."""
    import matplotlib.pyplot as plt

    factors = list(dict.fromkeys(lt["factor"]))
    y = np.arange(len(benches))[::-1]
    fig, axes = plt.subplots(1, len(factors), figsize=(3.4 * len(factors) + 1, 0.28 * len(benches) + 1.2))
    for ax, f in zip(np.ravel(axes), factors, strict=True):
        g = lt[lt["factor"] == f].set_index("bench").loc[benches]
        fixed = (g["constraint"] == "zero").to_numpy()
        ax.hlines(y[~fixed], g["lo"][~fixed], g["hi"][~fixed], color="tab:blue", lw=2.5, alpha=0.5)
        ax.scatter(g["mean"][~fixed], y[~fixed], color="tab:blue", s=14, zorder=3)
        ax.scatter(np.zeros(fixed.sum()), y[fixed], color="0.6", marker="x", s=14, label="0 (fixed)")
        ax.axvline(0.0, color="0.7", lw=0.8, ls="--")
        ax.set_yticks(y, benches if ax is np.ravel(axes)[0] else [""] * len(benches), fontsize=8)
        ax.set_title(f"factor {f}", fontsize=10)
        ax.set_xlabel("loading", fontsize=8)
        ax.tick_params(labelsize=7)
        if fixed.any():
            ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def link_bands(values: dict[str, np.ndarray], meta: dict[str, Any], grid: np.ndarray) -> np.ndarray:
    """(benchmarks, grid, 4): the mean score's 5 %, 50 % and 95 % posterior quantiles and its posterior mean at
    each first-factor capability of ``grid`` (other factors at 0; no noise)."""
    from bayes_perflaw.multibench.benchmarks import bounded_score, floors_and_ceilings

    benches = list(meta["benches"])
    lam = loadings_draws(values, benches)
    floor, ceiling = floors_and_ceilings(
        values.get("floor_frac"), values["ceiling_frac"], meta["lows"], meta["tops"], benches
    )
    floor = np.broadcast_to(floor, values["a"].shape)
    out = np.empty((len(benches), len(grid), 4))
    for b in range(len(benches)):
        eta = values["a"][:, b, None] + lam[:, b, 0, None] * grid[None, :]
        mu = bounded_score(eta, floor[:, b, None], ceiling[:, b, None])
        out[b, :, :3] = np.quantile(mu, Q, axis=0).T
        out[b, :, 3] = mu.mean(axis=0)
    return out


def score_vs_capability(values: dict[str, np.ndarray], meta: dict[str, Any], table, theta_mean: np.ndarray):
    """Figure: per benchmark, the reported scores against each fit model's posterior mean first-factor capability,
    with the link's posterior mean and 90 % band (other factors at 0)."""
    import matplotlib.pyplot as plt

    benches = list(meta["benches"])
    t1 = theta_mean[:, 0]
    pad = 0.1 * (t1.max() - t1.min() + 1e-9)
    grid = np.linspace(t1.min() - pad, t1.max() + pad, 60)
    bands = link_bands(values, meta, grid)
    cols = min(len(benches), 5)
    rows = int(np.ceil(len(benches) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.5 * cols, 2.1 * rows), squeeze=False)
    for b, (ax, name) in enumerate(zip(axes.ravel(), benches, strict=False)):
        ax.fill_between(grid, bands[b, :, 0], bands[b, :, 2], alpha=0.3, label=f"{PROB:.0%} band")
        ax.plot(grid, bands[b, :, 3], label="posterior mean")
        seen = ~np.isnan(table.scores[:, b])
        ax.scatter(t1[seen], table.scores[seen, b], s=5, color="k", alpha=0.5, label="reported")
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("capability, factor 1", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(benches) :]:
        ax.set_visible(False)
    axes.ravel()[0].set_ylabel("score (%)", fontsize=8)
    axes.ravel()[0].legend(fontsize=6)
    fig.tight_layout()
    return fig


def prior_vs_posterior(values: dict[str, np.ndarray], meta: dict[str, Any], names: tuple[str, ...]):
    """Figure: for each named parameter, its prior (grey) against the posterior of every benchmark (one line each)."""
    import matplotlib.pyplot as plt

    priors = meta.get("priors", {})
    names = tuple(n for n in names if n in values)
    fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 2.8), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=True):
        post = values[name].reshape(values[name].shape[0], -1)
        lo, hi = np.quantile(post, [0.001, 0.999])
        prior = prior_samples(priors.get(name))
        if prior is not None:
            plo, phi = np.quantile(prior, [0.01, 0.99])
            lo, hi = min(lo, plo), max(hi, phi)
            ax.hist(prior, bins=60, range=(lo, hi), density=True, alpha=0.4, color="tab:gray", label="prior")
        for k in range(post.shape[1]):
            dens, edges = np.histogram(post[:, k], bins=60, range=(lo, hi), density=True)
            ax.plot((edges[:-1] + edges[1:]) / 2, dens, lw=0.8)
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=7)
    axes.ravel()[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def _png_beside(figures: dict[str, Figure], out_dir: Path) -> dict[str, str]:
    """Write every drawn figure as ``out_dir/<key>.png``; the file name of each (none for a plot that failed)."""
    files = {}
    for key, f in figures.items():
        if f.data:
            data = base64.b64decode(f.data)
            atomic_write(out_dir / f"{key}.png", lambda tmp, data=data: tmp.write_bytes(data))
            files[key] = f"{key}.png"
        else:  # no stale file of an earlier run beside a plot that failed now
            (out_dir / f"{key}.png").unlink(missing_ok=True)
    return files


def write_multibench_report(posterior: str | Path, out_dir: str | Path, reports_dir: str | Path | None = None) -> Path:
    """Write ``out_dir/index.html``, its CSVs and PNGs for a multibench posterior; returns the HTML path. The
    leave-one-score-out table reads ``reports_dir/score_out_summary.csv`` (default: the checkout's
    ``reports/multibench``) when it exists."""
    import arviz as az
    import matplotlib

    from bayes_perflaw.core.posterior import load_draws, load_idata
    from bayes_perflaw.multibench.model import GLOBALS

    matplotlib.use("Agg")
    posterior, out_dir = Path(posterior), Path(out_dir)
    reports_dir = Path(reports_dir) if reports_dir else default_reports_dir()
    draws = load_draws(posterior, kind="multibench")
    meta, values = draws.meta, draws.values
    idata = load_idata(posterior, kind="multibench")
    names = [v for v in GLOBALS if v in idata.posterior.data_vars]
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        summary = az.summary(idata, var_names=names).reset_index().rename(columns={"index": "parameter"})
    constant = summary["sd"] == 0  # parameters the prior config fixes (nu by default)
    fixed = ", ".join(summary.loc[constant, "parameter"])
    summary = summary[~constant].reset_index(drop=True)
    ess_min = ESS_PER_CHAIN_MIN * meta["diagnostics"]["chains"]

    def failing(row: pd.Series) -> bool:
        return bool(row["r_hat"] > RHAT_MAX or row["ess_bulk"] < ess_min or row["ess_tail"] < ess_min)

    loo, loo_source = score_loo(idata, values, meta), "PSIS-LOO over the posterior draws"
    if loo is None and isinstance(meta.get("loo"), dict):
        loo, loo_source = meta["loo"], "recorded at fit time"

    benches = list(meta["benches"])
    table = fit_table(meta)
    theta = capability_draws(values, meta)
    theta_mean = theta.mean(axis=0)
    loadings = loadings_table(values, benches)
    capability = capability_table(theta, table.models)
    bench_df = benchmarks_table(values, meta, table)
    k = int(values["beta"].shape[1])

    score_out_path = reports_dir / "score_out_summary.csv"
    score_out = pd.read_csv(score_out_path) if score_out_path.is_file() else None

    figures = {
        "energy": energy_figure(idata),
        "priors": figure(
            "Prior vs posterior",
            "Grey: the prior; one line per benchmark: its posterior. sigma: the noise scale of a reported score "
            "(points); ceiling_frac: where the ceiling lies between the best reported score (0) and 100 (1).",
            lambda: prior_vs_posterior(values, meta, ("sigma", "ceiling_frac")),
        ),
        "loadings": figure(
            "Loadings",
            f"Each benchmark's loading on each factor: posterior mean and {PROB:.0%} interval. Every benchmark "
            "loads the first factor positively; grey crosses: loadings the layout fixes at zero (an anchor loads "
            "no later factor).",
            lambda: loadings_figure(loadings, benches),
        ),
        "scores": figure(
            "Scores against capability",
            f"Per benchmark: posterior mean and {PROB:.0%} band of the mean score along the first factor (other "
            "factors at 0, no noise); dots: the reported scores at each model's posterior mean first-factor "
            "capability (X beta + eps)"
            + (": their scatter about the curve includes the other factors." if k > 1 else "."),
            lambda: score_vs_capability(values, meta, table, theta_mean),
        ),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    files = _png_beside(figures, out_dir)
    write_csv(summary, out_dir / "summary.csv")
    write_csv(bench_df, out_dir / "benchmarks.csv")
    write_csv(loadings, out_dir / "loadings.csv", float_format="%.6f")
    write_csv(capability, out_dir / "capability.csv")
    per_bench = ", ".join(f"{b} {n}" for b, n in zip(bench_df["bench"], bench_df["scores"], strict=True))
    data = f"{meta.get('data_file') or 'not recorded'} (sha256 {meta.get('data_hash') or 'not recorded'})"
    return write_page(
        "multibench_report.html.j2",
        out_dir,
        title=f"bayes_perflaw: {posterior.name} (multibench {meta.get('variant')})",
        checks=checks(meta["diagnostics"], loo),
        meta_rows=[
            *run_rows(meta, posterior.name, after_kind=(("latent factors", k),)),
            ("data", data),
            ("models fitted", len(table.models)),
            ("scores fitted", f"{int((~np.isnan(table.scores)).sum())} ({per_bench})"),
            ("LOO (the reported scores)", f"{json.dumps(loo)} ({loo_source})" if loo else "not computable"),
        ],
        priors_json=json.dumps(meta.get("priors"), indent=1),
        benchmarks_html=table_html(bench_df),
        summary_html=table_html(summary, failing),
        fixed=fixed,
        figures=figures,
        files=files,
        loadings_html=table_html(loadings, digits=3),
        score_out_html=table_html(score_out, digits=3) if score_out is not None else "",
        score_out_caption=CALIBRATION_CAPTION,
    )
