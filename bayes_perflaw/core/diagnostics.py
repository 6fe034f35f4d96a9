"""Convergence diagnostics with PyMC's thresholds (ArviZ; fit and report paths only)."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np

from bayes_perflaw.core.errors import ConvergenceWarning

RHAT_MAX = 1.01
ESS_PER_CHAIN_MIN = 100
BFMI_MIN = 0.3
PARETO_K_MAX = 0.7
KEY_VARS = (
    "w1",
    "w2",
    "w3",
    "w4",
    "b_ref",
    "b",
    "gamma",
    "beta",
    "kappa",
    "sigma",
    "nu",
    "tau_era",
    "drift_era",
    "tau_org",
    "era",
    "org",
    "mix_weights",
    "shift_high",
    "shift_low",
    "a",
    "c0",
    "c1",
    "floor",
)


def key_vars(idata) -> list[str]:
    """The sampled parameters worth diagnosing that this posterior has (fixed ones are constant)."""
    post = idata.posterior
    return [v for v in KEY_VARS if v in post.data_vars and float(post[v].std()) > 0]


def scalar_vars(idata) -> list[str]:
    """The :func:`key_vars` that are single numbers per draw (no dimension beyond chain and draw)."""
    return [v for v in key_vars(idata) if idata.posterior[v].ndim == 2]


def diagnose(idata, var_names: list[str] | None = None) -> dict[str, Any]:
    """r_hat, ESS bulk/tail, divergences and BFMI, with the list of breached thresholds."""
    import arviz as az
    import numpy as np

    quiet = logging.getLogger("arviz")  # one chain: ArviZ logs a shape warning per call; said below instead
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            summary = az.summary(idata, var_names=var_names or key_vars(idata), kind="diagnostics")
    finally:
        quiet.setLevel(level)
    summary = summary[summary["r_hat"].notna()]  # constant elements (the era anchor) have no r_hat
    chains = idata.posterior.sizes["chain"]
    draws = idata.posterior.sizes["draw"]
    divergences = int(idata.sample_stats["diverging"].values.sum()) if "diverging" in idata.sample_stats else 0
    try:
        bfmi = [float(v) for v in np.atleast_1d(az.bfmi(idata))]
    except (KeyError, ValueError, AttributeError):
        bfmi = []
    result = {
        "chains": chains,
        "draws": draws,
        "r_hat_max": float(summary["r_hat"].max()),
        "ess_bulk_min": float(summary["ess_bulk"].min()),
        "ess_tail_min": float(summary["ess_tail"].min()),
        "divergences": divergences,
        "bfmi_min": min(bfmi) if bfmi else float("nan"),
    }
    problems = []
    if chains < 2:  # r_hat compares chains: with one, r_hat and ESS are NaN and would pass every comparison
        problems.append(f"{chains} chain: r_hat needs at least 2 chains, so convergence cannot be checked")
    if result["r_hat_max"] > RHAT_MAX:
        worst = summary["r_hat"].idxmax()
        problems.append(f"r_hat {result['r_hat_max']:.3f} > {RHAT_MAX} (worst: {worst})")
    ess_min = ESS_PER_CHAIN_MIN * chains
    for kind in ("bulk", "tail"):
        value = result[f"ess_{kind}_min"]
        if value < ess_min:
            worst = summary[f"ess_{kind}"].idxmin()
            problems.append(f"ESS {kind} {value:.0f} < {ess_min} ({ESS_PER_CHAIN_MIN} per chain; worst: {worst})")
    if divergences:
        problems.append(f"{divergences} divergent transitions")
    if bfmi and min(bfmi) < BFMI_MIN:
        problems.append(f"BFMI {min(bfmi):.2f} < {BFMI_MIN}")
    result["problems"] = problems
    result["converged"] = not problems
    return result


def describe(diag: dict[str, Any]) -> str:
    """Human-readable lines for the end of a fit."""
    lines = [
        f"diagnostics ({diag['chains']} chains x {diag['draws']} draws): "
        f"r_hat max {diag['r_hat_max']:.3f}, ESS bulk min {diag['ess_bulk_min']:.0f}, "
        f"ESS tail min {diag['ess_tail_min']:.0f}, divergences {diag['divergences']}, BFMI min {diag['bfmi_min']:.2f}"
    ]
    if diag["problems"]:
        lines.append("WARNING: the fit did NOT converge by PyMC's thresholds: " + "; ".join(diag["problems"]))
        lines.append("         do not trust this posterior; sample longer (--draws/--tune) or check the data.")
    else:
        lines.append("all convergence checks passed (r_hat <= 1.01, ESS >= 100 per chain, no divergences, BFMI >= 0.3)")
    return "\n".join(lines)


def warn_if_unconverged(diag: dict[str, Any]) -> None:
    """Emit a :class:`ConvergenceWarning` listing every breached threshold."""
    if diag["problems"]:
        warnings.warn("fit did not converge: " + "; ".join(diag["problems"]), ConvergenceWarning, stacklevel=2)


def combine_diagnostics(parts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One diagnostics record from per-stage ones (worst of each; problems prefixed by the stage)."""
    first = next(iter(parts.values()))
    return {
        "chains": first["chains"],
        "draws": first["draws"],
        "r_hat_max": max(d["r_hat_max"] for d in parts.values()),
        "ess_bulk_min": min(d["ess_bulk_min"] for d in parts.values()),
        "ess_tail_min": min(d["ess_tail_min"] for d in parts.values()),
        "divergences": sum(d["divergences"] for d in parts.values()),
        "bfmi_min": min(d["bfmi_min"] for d in parts.values()),
        "problems": [f"{stage}: {p}" for stage, d in parts.items() for p in d["problems"]],
        "converged": all(d["converged"] for d in parts.values()),
        "by_stage": parts,
    }


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
