"""Out-of-sample checks of the latent-capability model on its own fit data (NumPy; the posterior only).

Every reported score of every fit model is predicted from the model's other listed scores, the model left out of
the fit by importance sampling (:mod:`.condition`): the leave-one-score-out log predictive density (the
criterion the number of factors is chosen by), the error of the predictive mean, the interval's coverage, the
flag rate on the real scores, and, for planted shifts, whether the shifted score is flagged in the right
direction. A shift leaves the planted benchmark's predictive unchanged (a score never witnesses for itself), so
one predictive per (model, benchmark) serves every shift.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.core.streams import keyed_generator
from bayes_perflaw.multibench.condition import globals_from_draws, judge, predictive, row_grid
from bayes_perflaw.multibench.screen import DEFAULT_SEED, _fit_row_scores, _fit_rows, draw_weights_for


def score_out(
    post: Draws,
    benchmarks: list[str],
    shifts: tuple[float, ...] = (),
    *,
    prob: float = 0.9,
    threshold: float = 0.05,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """One row per (fit model, listed benchmark with a score): ``y``, ``pred_mean``, ``lo``, ``hi``, ``logdens``,
    ``tail_prob``, ``flag``; per shift ``s`` (points) ``flag_<s>``: the flag of ``y + s`` ('' when the shifted
    score leaves 0-100)."""
    g = globals_from_draws(post)
    cols = [g.benches.index(b) for b in benchmarks]
    rows = []
    fit_rows = _fit_rows(post)
    for i, model in enumerate(post.meta["fit_models"]):
        y_all, x = _fit_row_scores(post, i, g)
        weights, _ = draw_weights_for(post, g, model, fit_rows)
        y = np.full_like(y_all, np.nan)
        y[cols] = y_all[cols]
        grid = row_grid(g, x, y)
        for b, c in zip(benchmarks, cols, strict=True):
            if np.isnan(y[c]):
                continue
            pred = predictive(g, x, grid, c, weights)
            j = judge(pred, y[c], keyed_generator(seed, f"multibench:{model}:{b}"), prob)
            rec = {
                "model": model,
                "bench": b,
                "y": y[c],
                "pred_mean": j.mean,
                "lo": j.lo,
                "hi": j.hi,
                "logdens": pred.log_density(y[c]),
                "tail_prob": j.tail_prob,
                "p_high": j.p_high,
                "p_low": j.p_low,
                "flag": _flag(j.tail_prob, y[c], j.median, threshold),
            }
            for s in shifts:
                z = y[c] + s
                rec[f"flag_{s:+g}"] = _flag(pred.tail_prob(z), z, j.median, threshold) if 0 <= z <= 100 else "n/a"
            rows.append(rec)
    return pd.DataFrame(rows)


def _flag(tail: float, y: float, median: float, threshold: float) -> str:
    return "" if tail >= threshold else ("high" if y > median else "low")


def summarise(df: pd.DataFrame, shifts: tuple[float, ...] = ()) -> pd.DataFrame:
    """Per benchmark: n, elpd (sum of log densities), MAE, 90 % coverage, median width, flag rate, detection per
    shift (flagged in the shift's direction, among plants that stay on the 0-100 scale)."""
    out = []
    for b, d in [*df.groupby("bench", sort=False), ("all", df)]:
        rec = {
            "bench": b,
            "n": len(d),
            "elpd": d["logdens"].sum(),
            "mae": (d["y"] - d["pred_mean"]).abs().mean(),
            "coverage": ((d["y"] >= d["lo"]) & (d["y"] <= d["hi"])).mean(),
            "width": (d["hi"] - d["lo"]).median(),
            "flag_rate": (d["flag"] != "").mean(),
        }
        for s in shifts:
            f = d[f"flag_{s:+g}"]
            f = f[f != "n/a"]
            rec[f"detect_{s:+g}"] = (f == ("high" if s > 0 else "low")).mean() if len(f) else np.nan
        out.append(rec)
    return pd.DataFrame(out)
