"""Screening each reported score against the same model's other scores (NumPy; the shipped posterior only).

:func:`screen_scores` takes a claims table (``model``, one column per listed benchmark in percent, empty cells
allowed, optional ``params_B`` / ``tokens_T``) and adds, for every listed benchmark ``b``: ``b_pred_mean``,
``b_lo``, ``b_hi`` (the ``prob`` interval of the score given the row's other listed scores and its recipe),
``b_tail_prob`` (two-sided posterior-predictive tail probability of the reported score), ``b_p_high`` /
``b_p_low`` (posterior probability that the score is shifted up / down, prior 0.05 each, shift ~ Gamma mean 12
points), ``b_flag`` (``high`` / ``low`` when ``b_tail_prob < threshold``) and ``b_outside_by`` (points outside
the interval). ``screen_method`` says what each row was judged on. A model of the posterior's own fit data is
judged as if unseen (:mod:`.condition`). Each row is computed alone, with generators keyed by its model name
and benchmark, so a row's result does not depend on the other rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.metrics import loo_weights
from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.core.streams import keyed_generator
from bayes_perflaw.multibench.condition import (
    Globals,
    globals_from_draws,
    judge,
    marginal_loglik,
    predictive,
    row_grid,
)
from bayes_perflaw.multibench.data import covariates, read_scores, uses_release

DEFAULT_SEED = 20240901
SUFFIXES = ("pred_mean", "lo", "hi", "tail_prob", "p_high", "p_low", "flag", "outside_by")


def _fit_rows(post: Draws) -> dict[str, int]:
    return {m: i for i, m in enumerate(post.meta["fit_models"])}


def _fit_row_scores(post: Draws, i: int, g: Globals) -> tuple[np.ndarray, np.ndarray]:
    """The fit data's scores (in the posterior's benchmark order) and covariates of fit row i."""
    meta = post.meta
    y = np.array([np.nan if v is None else v for v in meta["fit_scores"][i]], dtype=float)
    from bayes_perflaw.multibench.data import ScoreTable

    def known(key: str) -> np.ndarray:
        v = meta[key][i] if key in meta else None
        return np.array([np.nan if v is None else v])

    lc, lt, release = known("fit_log_compute"), known("fit_log_tpp"), known("fit_release")
    t = ScoreTable([meta["fit_models"][i]], list(g.benches), y[None, :], lc, lt, release)
    return y, covariates(t, meta["scaling"])[0]


def draw_weights_for(post: Draws, g: Globals, model: str, fit_rows: dict[str, int]) -> tuple[np.ndarray, bool]:
    """Weights over draws: uniform, or leave-this-model-out importance weights for a model of the fit data."""
    n = len(g.a)
    if model not in fit_rows:
        return np.full(n, 1.0 / n), False
    y_fit, x_fit = _fit_row_scores(post, fit_rows[model], g)
    _, lw, ll = row_grid(g, x_fit, y_fit)
    return loo_weights(marginal_loglik(lw, ll)[:, None])[:, 0], True


def method_text(n_given: int, recipe: bool, in_fit: bool) -> str:
    """What a row's scores were judged on (``screen_method``): its other scores when it gave two or more, else
    its recipe (``params_B``, ``tokens_T``) or, without one, the population of the fit data alone."""
    left_out = "; left out of the fit" if in_fit else ""
    if n_given >= 2:
        return f"other benchmarks ({n_given} scores given; {'recipe' if recipe else 'no recipe'}{left_out})"
    basis = "recipe only" if recipe else "population only (no recipe)"
    given = "one score given, no other score to judge it by" if n_given else "no score given"
    return f"{basis} ({given}{left_out})"


def screen_scores(
    claims,
    post: Draws,
    benchmarks: list[str] | None = None,
    *,
    prob: float = 0.9,
    threshold: float = 0.05,
    seed: int = DEFAULT_SEED,
    leave_out: bool = True,
) -> pd.DataFrame:
    """The claims with the screening columns of every listed benchmark (see the module docstring)."""
    from bayes_perflaw.multibench.benchmarks import check_benchmarks

    table = claims if isinstance(claims, pd.DataFrame) else pd.DataFrame(claims)
    g = globals_from_draws(post)
    benchmarks = check_benchmarks(
        list(benchmarks) if benchmarks is not None else [b for b in g.benches if b in table.columns]
    )
    unknown = [b for b in benchmarks if b not in g.benches]
    if unknown:
        raise DataError(f"the posterior has no benchmark {unknown[0]!r}; it covers {g.benches}", column="--benchmarks")
    t = read_scores(table, benchmarks, require_columns=True, release=uses_release(post.meta["scaling"]))
    col = {b: g.benches.index(b) for b in benchmarks}
    X = covariates(t, post.meta["scaling"])
    fit_rows = _fit_rows(post) if leave_out else {}
    results = {f"{b}_{s}": [] for b in benchmarks for s in SUFFIXES}
    methods = []
    for i, model in enumerate(t.models):
        y = np.full(len(g.benches), np.nan)
        for j, b in enumerate(benchmarks):
            y[col[b]] = t.scores[i, j]
        weights, in_fit = draw_weights_for(post, g, model, fit_rows)
        grid = row_grid(g, X[i], y)
        out = {
            col[b]: judge(
                predictive(g, X[i], grid, col[b], weights),
                y[col[b]],
                keyed_generator(seed, f"multibench:{model}:{b}"),
                prob,
            )
            for b in benchmarks
        }
        methods.append(method_text(int((~np.isnan(y)).sum()), not np.isnan(t.log_compute[i]), in_fit))
        for b in benchmarks:
            j = out[col[b]]
            score = y[col[b]]
            flag = "" if np.isnan(j.tail_prob) or j.tail_prob >= threshold else ("high" if score > j.median else "low")
            outside = (
                np.nan
                if np.isnan(score)
                else (score - j.hi if score > j.hi else (score - j.lo if score < j.lo else 0.0))
            )
            for s, v in zip(SUFFIXES, (j.mean, j.lo, j.hi, j.tail_prob, j.p_high, j.p_low, flag, outside), strict=True):
                results[f"{b}_{s}"].append(v)
    out = table.reset_index(drop=True).copy()
    for name, values in results.items():
        out[name] = values
    out["screen_method"] = methods
    return out
