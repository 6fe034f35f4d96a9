"""Figures of a fitted Performance Law (matplotlib; imported only when a plot is asked for).

Each function returns ``(fig, ax)``. Scores in MMLU percent; the band is an equal-tailed predictive interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.months import release_year

# a Llama-3-8B-shaped recipe (the default base of partial-dependence curves)
BASE_RECIPE = {
    "model": "base",
    "num_hidden_layers": 32,
    "hidden_size": 4096,
    "intermediate_size": 14336,
    "tokens_T": 15.0,
    "params_B": 8.03,
}
SWEEPS = {"tokens_T": np.geomspace(0.1, 40.0, 60), "params_B": np.geomspace(0.1, 500.0, 60)}


def fit_table(idata) -> pd.DataFrame:
    """A posterior's own fit rows as a recipe table (from its ``fit_data`` group)."""
    fit_df = idata.fit_data.to_dataframe().reset_index(drop=True)
    for c in ("release", "organization", "model", "mmlu_source_kind"):
        if c in fit_df:
            fit_df[c] = fit_df[c].astype(str)
    return fit_df


def predicted_vs_reported(law, table: pd.DataFrame | None = None):
    """(fig, ax) of :func:`predicted_vs_reported_table` for ``table`` (default: the fit data)."""
    table = fit_table(law.idata) if table is None else table
    pred = law.predict(table)
    if "release" not in pred:
        pred["release"] = ""
    fig = predicted_vs_reported_table(pred)
    return fig, fig.axes[0]


def era(law):
    """(fig, ax): posterior median and 90 % interval of the era effect per half-year bin (MMLU points)."""
    import matplotlib.pyplot as plt

    draws = law.draws
    if "era" not in draws.values:
        raise ValueError(f"variant {law.variant_name!r} has no era effect")
    labels = draws.coords["era_bin"]
    lo, med, hi = np.quantile(draws.values["era"], [0.05, 0.5, 0.95], axis=0)
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(labels))
    ax.fill_between(x, lo, hi, alpha=0.3, label="90 % interval")
    ax.plot(x, med, marker="o", label="median")
    ax.set_xticks(x, labels, rotation=45)
    ax.set_ylabel("era effect (MMLU points, 0 = latest bin)")
    ax.set_title("Era effect: random walk over half-year release bins")
    ax.legend()
    fig.tight_layout()
    return fig, ax


def noise_profile(law, kind: str | None = None, means=None):
    """(fig, ax): the evaluation noise scale (points) against the predicted score, posterior median and 90 %
    interval, for source kind ``kind`` (default: the developer's report) of a posterior of ``era_level``."""
    import matplotlib.pyplot as plt

    from bayes_perflaw.perflaw.mean import level_scale
    from bayes_perflaw.perflaw.predict import default_kind

    v = law.draws.values
    if "noise_slope" not in v:
        raise ValueError(f"variant {law.variant_name!r} has a constant noise scale (no noise profile)")
    kinds = law.draws.coords["source_kind"]
    kind = kind or default_kind(kinds)
    means = np.linspace(25.0, 90.0, 66) if means is None else np.asarray(means, dtype=float)
    profile = level_scale(means, v["noise_slope"][:, None], v["noise_curve"][:, None])  # (draws, means)
    scale = v["sigma"][:, kinds.index(kind), None] * profile
    lo, med, hi = np.quantile(scale, [0.05, 0.5, 0.95], axis=0)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(means, lo, hi, alpha=0.3, label="90 % interval")
    ax.plot(means, med, label="median")
    ax.set_xlabel("predicted MMLU (points)")
    ax.set_ylabel(f"noise scale, {kind} (points)")
    ax.set_title("Evaluation noise against the predicted score")
    ax.legend()
    fig.tight_layout()
    return fig, ax


def dense_shape(params_B: float) -> dict[str, float]:
    """A Llama-shaped dense recipe of ``params_B`` billion parameters: layers = hidden / 128, gated FFN of 3.5 x
    hidden, so parameters ~ 14.5 x layers x hidden^2 (Llama-3-8B: 32 x 4096 x 14336, 7.8 B by this count)."""
    hidden = (128.0 * params_B * 1e9 / 14.5) ** (1.0 / 3.0)
    return {
        "num_hidden_layers": max(2, round(hidden / 128.0)),
        "hidden_size": round(hidden),
        "intermediate_size": round(3.5 * hidden),
        "params_B": params_B,
    }


def latest_release(draws) -> str | None:
    """The first month of the latest half-year bin with fit data ('2025-01'), or None for a posterior without era."""
    if "era" not in draws.values:
        return None
    t = float(draws.meta["era_start"]) + 0.5 * max(draws.meta["era_bins"])
    return f"{int(np.floor(t + 1e-9)):04d}-{'07' if t % 1 >= 0.25 else '01'}"


def partial(law, column: str = "tokens_T", recipe: dict | None = None, values=None, prob: float = 0.9):
    """(fig, ax): predicted MMLU against ``column``, other inputs held at ``recipe`` (default: a Llama-3-8B-shaped
    recipe released in the fit's latest half-year), with the ``prob`` band. ``column="params_B"`` sweeps the size
    through :func:`dense_shape` (layers, hidden and FFN grow together), any other column alone."""
    import matplotlib.pyplot as plt

    release = latest_release(law.draws)
    base = {**BASE_RECIPE, **({"release": release} if release else {}), **(recipe or {})}
    if values is None:
        if column not in SWEEPS:
            raise ValueError(f"give values= for column {column!r} (defaults exist for {sorted(SWEEPS)})")
        values = SWEEPS[column]
    values = np.asarray(values, dtype=float)
    shape = dense_shape if column == "params_B" else (lambda v: {column: v})
    rows = pd.DataFrame([{**base, **shape(float(v)), "model": f"{column}={v:.4g}"} for v in values])
    pred = law.predict(rows, prob=prob)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(values, pred["mmlu_lo"], pred["mmlu_hi"], alpha=0.3, label=f"{prob:.0%} predictive interval")
    ax.plot(values, pred["mmlu_median"], label="median")
    ax.set_xscale("log")
    ax.set_xlabel({"tokens_T": "training tokens (T)", "params_B": "parameters (B, Llama-shaped)"}.get(column, column))
    ax.set_ylabel("predicted MMLU (%)")
    held = "tokens 15T" if column == "params_B" else "Llama-3-8B shape"
    ax.set_title(f"Partial dependence on {column} ({held}; released {base.get('release', 'after the data')})")
    ax.legend()
    fig.tight_layout()
    return fig, ax


def predicted_vs_reported_table(table: pd.DataFrame, label_top: int = 14):
    """Figure: predicted median and 90 % interval against reported MMLU, coloured by release; the largest misses
    labelled (a table with ``mmlu``, ``mmlu_median``, ``mmlu_lo``, ``mmlu_hi``, ``release``, ``model``)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 8))
    year = release_year(table["release"])
    err = np.vstack([table["mmlu_median"] - table["mmlu_lo"], table["mmlu_hi"] - table["mmlu_median"]])
    ax.errorbar(table["mmlu"], table["mmlu_median"], yerr=err, fmt="none", ecolor="0.75", lw=1, zorder=1)
    sc = ax.scatter(table["mmlu"], table["mmlu_median"], c=year, cmap="viridis", s=28, zorder=2)
    ax.plot([20, 95], [20, 95], color="0.3", ls="--", lw=1)
    resid = (table["mmlu"] - table["mmlu_median"]).abs()
    placed: list[tuple[float, float]] = []  # label anchors already used, in data units
    for i in resid.sort_values(ascending=False).index:
        x, y = float(table.loc[i, "mmlu"]), float(table.loc[i, "mmlu_median"])
        # greedy: skip a label whose box would touch one already placed (every model is in the table below)
        if len(placed) >= label_top or any(abs(x - px) < 9 and abs(y - py) < 2.2 for px, py in placed):
            continue
        placed.append((x, y))
        ax.annotate(table.loc[i, "model"], (x, y), fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.set_xlabel("reported MMLU, 5-shot (%)")
    ax.set_ylabel("predicted MMLU: median and 90 % interval (%)")
    ax.set_xlim(20, 95)
    ax.set_ylim(20, 100)
    fig.colorbar(sc, ax=ax, label="release (year)")
    ax.set_title(f"Predicted vs reported ({len(table)} reference models; the largest misses labelled)")
    return fig
