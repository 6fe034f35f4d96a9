"""Self-contained HTML diagnostic report for a posterior (ArviZ + matplotlib + jinja2).

``write_report(posterior, out_dir)`` writes ``out_dir/index.html`` (inline CSS, figures embedded as
PNG) and the tables as CSV beside it. Every figure is drawn through :func:`figure`, which turns a
failure into a visible note instead of stopping the report. Thresholds are PyMC's
(:mod:`bayes_perflaw.core.diagnostics`).
"""

from __future__ import annotations

import base64
import html
import io
import json
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_perflaw.core.diagnostics import BFMI_MIN, ESS_PER_CHAIN_MIN, PARETO_K_MAX, RHAT_MAX, key_vars, scalar_vars
from bayes_perflaw.core.outputs import atomic_write, write_csv
from bayes_perflaw.perflaw.plots import fit_table, predicted_vs_reported_table
from bayes_perflaw.perflaw.priors import B_REF_PAPER
from bayes_perflaw.perflaw.published import B_PAPER, W_PAPER

PUBLISHED = {
    "w1": W_PAPER[0],
    "w2": W_PAPER[1],
    "w3": W_PAPER[2],
    "w4": W_PAPER[3],
    "b": B_PAPER,
    "b_ref": B_REF_PAPER,
    "kappa": 0.0,  # the published law caps effective tokens at S
}


@dataclass
class Figure:
    """An embedded PNG (``data``) or the note that replaced a failing plot."""

    title: str
    caption: str
    data: str = ""
    error: str = ""


def figure(title: str, caption: str, draw: Callable[[], Any]) -> Figure:
    """Run ``draw`` (returns a matplotlib figure or axes); embed it as PNG, or keep a note if it fails."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = draw()
        fig = out if hasattr(out, "savefig") else np.ravel(out)[0].get_figure()
        fig.tight_layout()  # no title over the axis labels of the row above
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        plt.close("all")
        return Figure(title, caption, data=base64.b64encode(buf.getvalue()).decode())
    except Exception as err:  # noqa: BLE001 - any plotting failure becomes a visible note
        plt.close("all")
        last = traceback.format_exception_only(type(err), err)[-1].strip()
        return Figure(title, caption, error=f"This plot could not be drawn: {last}")


def light(ok: bool, warn: bool = False) -> str:
    return "pass" if ok else ("warn" if warn else "fail")


def checks(diag: dict[str, Any], loo: dict[str, Any] | None) -> list[dict[str, str]]:
    """Traffic-light rows: check, value, threshold, status."""
    chains = diag["chains"]
    ess_min = ESS_PER_CHAIN_MIN * chains
    rows = [
        {
            "check": "r_hat (max)",
            "value": f"{diag['r_hat_max']:.3f}",
            "threshold": f"<= {RHAT_MAX}",
            "status": light(diag["r_hat_max"] <= RHAT_MAX),
        },
        {
            "check": "ESS bulk (min)",
            "value": f"{diag['ess_bulk_min']:.0f}",
            "threshold": f">= {ess_min} ({ESS_PER_CHAIN_MIN} per chain)",
            "status": light(diag["ess_bulk_min"] >= ess_min),
        },
        {
            "check": "ESS tail (min)",
            "value": f"{diag['ess_tail_min']:.0f}",
            "threshold": f">= {ess_min} ({ESS_PER_CHAIN_MIN} per chain)",
            "status": light(diag["ess_tail_min"] >= ess_min),
        },
        {
            "check": "divergences",
            "value": str(diag["divergences"]),
            "threshold": "0",
            "status": light(diag["divergences"] == 0),
        },
        {
            "check": "BFMI (min)",
            "value": f"{diag['bfmi_min']:.2f}",
            "threshold": f">= {BFMI_MIN}",
            "status": light(diag["bfmi_min"] >= BFMI_MIN),
        },
    ]
    if loo is not None:
        bad, very_bad = loo["pareto_k_gt_0.7"], loo["pareto_k_gt_1"]
        rows.append(
            {
                "check": "Pareto k (PSIS-LOO)",
                "value": f"{bad} of {loo['n_obs']} above {PARETO_K_MAX}",
                "threshold": f"all <= {PARETO_K_MAX}",
                "status": light(bad == 0, warn=very_bad == 0),
            }
        )
    return rows


def prior_samples(spec: Any, n: int = 4000, seed: int = 0) -> np.ndarray | None:
    """Draws from a prior dict (fixed numbers and vector priors give None)."""
    if not isinstance(spec, dict):
        return None
    import logging

    from bayes_perflaw.core.priors import to_prior

    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.WARNING)  # no "Sampling: [variable]" chatter per parameter
    try:
        ds = to_prior(spec).sample_prior(draws=n, random_seed=seed)
    except Exception:  # noqa: BLE001 - an unsamplable prior just has no curve
        return None
    finally:
        logger.setLevel(level)
    arr = np.asarray(next(iter(ds.data_vars.values())).values, dtype=float).ravel()
    return arr if arr.size else None


def _prior_vs_posterior(idata, meta: dict[str, Any]):
    import matplotlib.pyplot as plt

    names = scalar_vars(idata)
    cols = 3
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.6 * rows))
    for ax, name in zip(np.ravel(axes), names, strict=False):
        post = idata.posterior[name].values.ravel()
        lo, hi = np.quantile(post, [0.001, 0.999])
        prior = prior_samples(meta.get("priors", {}).get(name))
        if prior is not None:
            plo, phi = np.quantile(prior, [0.01, 0.99])
            lo, hi = min(lo, plo), max(hi, phi)
            ax.hist(prior, bins=60, range=(lo, hi), density=True, alpha=0.45, color="tab:gray", label="prior")
        ax.hist(post, bins=60, range=(lo, hi), density=True, alpha=0.75, color="tab:blue", label="posterior")
        if name in PUBLISHED:
            ax.axvline(PUBLISHED[name], color="tab:red", lw=2, label="published")
        ax.set_title(name, fontsize=11)
        ax.tick_params(labelsize=8)
    for ax in np.ravel(axes)[len(names) :]:
        ax.set_visible(False)
    np.ravel(axes)[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _seeded(draw: Callable[[], Any], seed: int = 0) -> Any:
    """Run ``draw`` with NumPy's global RNG seeded (ArviZ's LOO-PIT envelope uses it): same file, same page."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return draw()
    finally:
        np.random.set_state(state)


def _read_csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def table_html(df: pd.DataFrame | None, highlight: Callable[[pd.Series], bool] | None = None, digits: int = 2) -> str:
    """A plain HTML table; rows where ``highlight`` is true get class "bad"."""
    if df is None or df.empty:
        return '<p class="note">Not available.</p>'
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for _, row in df.iterrows():
        cls = ' class="bad"' if highlight is not None and highlight(row) else ""
        cells = "".join(
            f"<td>{v:.{digits}f}</td>" if isinstance(v, (float, np.floating)) else f"<td>{html.escape(str(v))}</td>"
            for v in row
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def energy_figure(idata) -> Figure:
    """The energy plot every report page shows (BFMI), from ArviZ."""
    import arviz as az

    return figure(
        "Energy",
        "Marginal energy and energy transitions should overlap (BFMI).",
        lambda: az.plot_energy(idata, figsize=(7, 4)),
    )


def run_rows(meta: dict[str, Any], name: str, after_kind=(), after_version=()) -> list[tuple[str, Any]]:
    """The run-metadata rows every report page starts with (posterior, kind and variant, versions, sampler, seed,
    timings, date), with a page's own rows inserted after the kind or after the versions."""
    from bayes_perflaw import __version__

    return [
        ("posterior file", name),
        ("model kind / variant", f"{meta.get('kind')} / {meta.get('variant')}"),
        *after_kind,
        ("bayes_perflaw (fit / report)", f"{meta.get('package_version')} / {__version__}"),
        *after_version,
        ("sampler", json.dumps(meta.get("sampler"))),
        ("seed", meta.get("seed")),
        ("compile / sampling time", f"{meta.get('compile_s')} s / {meta.get('sampling_s')} s"),
        ("created", meta.get("created")),
    ]


def write_page(template: str, out_dir: Path, **context: Any) -> Path:
    """Render ``templates/<template>`` with ``context`` into ``out_dir/index.html`` (atomically); its path."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bayes_perflaw.report", "templates"), autoescape=jinja2.select_autoescape(["html"])
    )
    page = env.get_template(template).render(**context)
    index = out_dir / "index.html"
    atomic_write(index, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    return index


def write_report(posterior: str | Path, out_dir: str | Path, reports_dir: str | Path | None = None) -> Path:
    """Write ``out_dir/index.html`` and CSV tables; returns the HTML path."""
    import arviz as az
    import matplotlib
    import pymc

    from bayes_perflaw.core.diagnostics import compute_loo, loo_summary
    from bayes_perflaw.core.paths import screening_posterior
    from bayes_perflaw.core.posterior import load_draws, load_idata
    from bayes_perflaw.perflaw.predict import predict_bayes
    from bayes_perflaw.screening.screen import screen_table

    posterior, out_dir = Path(posterior), Path(out_dir)
    reports_dir = Path(reports_dir) if reports_dir else out_dir.parent
    draws = load_draws(posterior, kind=("perflaw", "screen"))
    meta = draws.meta
    idata = load_idata(posterior, kind=("perflaw", "screen"))
    names = key_vars(idata)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        summary = az.summary(idata, var_names=names)
        loo_obj = compute_loo(idata)
        loo = loo_summary(loo=loo_obj)
    chains = meta["diagnostics"]["chains"]
    ess_min = ESS_PER_CHAIN_MIN * chains
    summary = summary.reset_index().rename(columns={"index": "parameter"})
    constant = summary["sd"] == 0  # the era random walk's anchor bin is fixed at 0 by construction
    anchors = ", ".join(summary.loc[constant, "parameter"])
    summary = summary[~constant].reset_index(drop=True)

    def failing(row: pd.Series) -> bool:
        return bool(row["r_hat"] > RHAT_MAX or row["ess_bulk"] < ess_min or row["ess_tail"] < ess_min)

    fit_df = fit_table(idata)
    pred = predict_bayes(fit_df, draws)
    residuals = pred[["model", "organization", "release", "mmlu", "mmlu_median", "mmlu_lo", "mmlu_hi"]].copy()
    residuals["residual"] = residuals["mmlu"] - residuals["mmlu_median"]
    screen_note = ""
    if screening_posterior().is_file() and meta.get("kind") == "perflaw":
        flags = screen_table(fit_df, load_draws(screening_posterior(), kind="screen"))
        residuals = residuals.merge(flags[["model", "p_high", "p_low", "tail_prob", "flag"]], on="model")
        residuals["outlier_prob"] = residuals[["p_high", "p_low"]].max(axis=1)
        residuals = residuals.sort_values("outlier_prob", ascending=False)
        screen_note = f"Outlier probabilities from the screening posterior ({screening_posterior().name})."
    else:
        residuals = residuals.reindex(residuals["residual"].abs().sort_values(ascending=False).index)

    scalars = scalar_vars(idata)
    figures = {
        "rank": figure(
            "Rank plots",
            "Uniform ranks across chains mean the chains explore the same distribution.",
            lambda: az.plot_rank(idata, var_names=scalars, figsize=(12, 2.2 * len(scalars))),
        ),
        "energy": energy_figure(idata),
        "priors": figure(
            "Prior vs posterior",
            "Grey: prior; blue: posterior; red: the published coefficients "
            "(b_ref is the published law's raw score at the reference recipe; kappa = 0 is its token cap).",
            lambda: _prior_vs_posterior(idata, meta),
        ),
        "ppc": figure(
            "Posterior predictive check",
            "Observed scores (censored at the chance floor + 5) against replicated data sets.",
            lambda: az.plot_ppc(idata, num_pp_samples=100, random_seed=0, figsize=(8, 4)),
        ),
        "khat": figure(
            "Pareto k",
            f"PSIS-LOO shape estimates per model; above {PARETO_K_MAX} the LOO estimate for that model is unreliable.",
            lambda: az.plot_khat(loo_obj, figsize=(8, 3.5)),
        ),
        "loo_pit": figure(
            "LOO-PIT",
            "Leave-one-out probability integral transform: uniform if calibrated.",
            lambda: _seeded(lambda: az.plot_loo_pit(idata, y="mmlu", figsize=(7, 4))),
        ),
        "pred": figure(
            "Predicted vs reported",
            "Median and 90 % predictive interval for a reported score; colour is the release date.",
            lambda: predicted_vs_reported_table(pred.assign(release=fit_df["release"])),
        ),
    }
    if meta.get("kind") == "perflaw" and "era" in draws.values:
        from bayes_perflaw.perflaw.model import PerformanceLaw
        from bayes_perflaw.perflaw.plots import era, partial

        law = PerformanceLaw.load(posterior)
        figures["era"] = figure(
            "Era effect",
            "Posterior median and 90 % interval of the release-time effect per half-year bin (0 = the latest bin).",
            lambda: era(law)[0],
        )
        if "noise_slope" in draws.values:
            from bayes_perflaw.perflaw.plots import noise_profile

            figures["noise"] = figure(
                "Noise against the predicted score",
                "Posterior median and 90 % interval of the developer-report noise scale at each predicted score "
                "(variant era_level): scores where MMLU emerges vary most with the recipe.",
                lambda: noise_profile(law)[0],
            )
        for col, what in (("tokens_T", "training tokens"), ("params_B", "size (layers, width and FFN together)")):
            figures[f"partial_{col}"] = figure(
                f"Predicted MMLU against {what}",
                "Median and 90 % predictive interval of a reported score for a Llama-3-8B-shaped recipe released in "
                "the latest half-year of the fit data, one input varied.",
                lambda col=col: partial(law, col)[0],
            )
    comparison = _read_csv(reports_dir / "model_comparison.csv")
    backtest = _read_csv(reports_dir / "backtest.csv")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(summary, out_dir / "summary.csv")
    write_csv(residuals, out_dir / "residuals.csv")
    n_params = int(sum(np.prod(idata.posterior[v].shape[2:]) for v in names))
    return write_page(
        "report.html.j2",
        out_dir,
        title=f"bayes_perflaw: {posterior.name} ({meta.get('variant')})",
        checks=checks(meta["diagnostics"], loo),
        meta_rows=[
            *run_rows(
                meta,
                posterior.name,
                after_version=(
                    ("PyMC / ArviZ (fit)", f"{meta.get('pymc_version')} / {meta.get('arviz_version')}"),
                    (
                        "PyMC / ArviZ / matplotlib (report)",
                        f"{pymc.__version__} / {az.__version__} / {matplotlib.__version__}",
                    ),
                ),
            ),
            ("data", f"{meta.get('data_file')} (sha256 {meta.get('data_hash')})"),
            ("models fitted", meta.get("n_obs")),
            ("rows skipped", "; ".join(meta.get("skipped", [])) or "none"),
        ],
        priors_json=json.dumps(meta.get("priors"), indent=1),
        summary_html=table_html(summary, failing),
        anchors=anchors,
        figures=figures,
        loo=loo,
        n_params=n_params,
        residuals_html=table_html(residuals),
        screen_note=screen_note,
        comparison_html=table_html(comparison),
        backtest_html=table_html(backtest),
    )
