"""The noise profile over the predicted score (variant ``era_level``): the factor by hand, and its effect on the
predictive of ``predict`` and of the planner (PyMC/NumPy parity: ``test_bounded_and_drift.py``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.core.paths import default_posterior
from bayes_perflaw.core.posterior import Draws, load_draws
from bayes_perflaw.perflaw.mean import level_scale, level_scale_inplace
from bayes_perflaw.perflaw.plan import Grid, plan
from bayes_perflaw.perflaw.predict import predict_bayes
from bayes_perflaw.perflaw.schema import validate


@pytest.mark.parametrize(
    ("mean", "slope", "curve", "expect"),
    [
        (60.0, -0.4, 0.1, 1.0),  # the reference level: sigma itself
        (75.0, -0.4, 0.1, math.exp(-0.4 + 0.1)),  # z = 1
        (45.0, -0.4, 0.1, math.exp(0.4 + 0.1)),  # z = -1
        (90.0, 0.3, -0.2, math.exp(0.6 - 0.8)),  # z = 2
        (10.0, -0.4, 0.1, math.exp(1.2 + 0.9)),  # z = -3.33, clipped at -3
        (120.0, -0.4, 0.1, math.exp(-1.2 + 0.9)),  # z = 4, clipped at 3
    ],
)
def test_level_scale_by_hand(mean, slope, curve, expect):
    assert float(level_scale(np.array(mean), slope, curve)) == pytest.approx(expect, rel=1e-12)


def test_level_scale_inplace_equals_level_scale():
    rng = np.random.default_rng(1)
    mean = rng.uniform(0.0, 110.0, (50, 40))  # inside and outside the clip
    slope, curve = rng.normal(-0.4, 0.2, 40), rng.normal(0.0, 0.2, 40)
    expect = level_scale(mean, slope, curve)
    assert level_scale_inplace(mean.copy(), slope, curve) == pytest.approx(expect, rel=1e-13)


def test_level_scale_is_the_same_in_pytensor():
    pt = pytest.importorskip("pytensor.tensor")
    mean = np.array([20.0, 45.0, 60.0, 83.0, 104.0])
    got = level_scale(pt.as_tensor_variable(mean), -0.37, 0.05, xp=pt).eval()
    assert got == pytest.approx(level_scale(mean, -0.37, 0.05), rel=1e-12)


def _one_draw(post: Draws, n: int, **extra: float) -> Draws:
    """``post`` with every draw equal to its first (so the mean does not vary over draws), a constant noise, plus
    ``extra`` scalar parameters."""
    values = {k: np.repeat(v[:1], n, axis=0) for k, v in post.values.items() if k not in ("noise_slope", "noise_curve")}
    values.update({k: np.full(n, v) for k, v in extra.items()})
    return Draws(post.kind, post.meta, values, post.coords, post.fit_scores)


@pytest.fixture(scope="module")
def posts():
    base = load_draws(default_posterior())
    # tau_era 0: the planner's step past the data adds no spread over draws either
    return _one_draw(base, 400, tau_era=0.0), _one_draw(base, 400, tau_era=0.0, noise_slope=-0.5, noise_curve=0.1)


def test_prediction_noise_follows_the_profile_row_by_row(posts):
    """With the mean fixed over draws, each row's interval around its mean scales by exactly the profile's factor
    at that mean, cut at the chance floor (25): small models (below 60 points) widen, large ones narrow; a row
    alone gets the same interval."""
    base, level = posts
    cols = {"num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 14336, "release": "2024-04"}
    rows = validate(
        pd.DataFrame(
            {"model": ["small", "large", "tiny"], "tokens_T": [0.3, 15.0, 0.05], "params_B": [2.0, 70.0, 1.0], **cols}
        ),
        require_law_inputs=True,
    )
    plain, scaled = predict_bayes(rows, base, seed=3), predict_bayes(rows, level, seed=3)
    mean = predict_bayes(rows, base, seed=3, noise=False)["mmlu_mean"].to_numpy()
    factor = level_scale(mean, -0.5, 0.1)
    hi = (scaled["mmlu_hi"] - mean).to_numpy()
    assert hi == pytest.approx((plain["mmlu_hi"] - mean).to_numpy() * factor, rel=1e-9)
    # the lower end too, cut at the floor; every row's plain interval clears the floor, the tiny one's scaled does not
    lo = plain["mmlu_lo"].to_numpy()
    assert (lo > 25.0).all()
    assert scaled["mmlu_lo"].to_numpy() == pytest.approx(np.maximum(25.0, mean + (lo - mean) * factor), rel=1e-9)
    assert scaled["mmlu_lo"].iloc[2] == 25.0 < scaled["mmlu_lo"].iloc[0]
    assert factor[0] > 1.0 > factor[1]
    alone = predict_bayes(rows.iloc[[1]].reset_index(drop=True), level, seed=3)
    assert alone["mmlu_hi"].iloc[0] == scaled["mmlu_hi"].iloc[1]


def test_planner_noise_follows_the_profile(posts):
    base, level = posts
    grid = Grid(hidden=(4096, 4096, 1024), layers=(30, 31), tokens=(2.0, 3.0, 1.0))
    keys = ["num_hidden_layers", "hidden_size", "intermediate_size", "tokens_T"]

    def run(post, noise=True):  # every plan of the grid, in the grid's order
        return plan(grid, 1e30, post=post, top=100, seed=3, noise=noise)[0].sort_values(keys, ignore_index=True)

    plain, scaled = run(base), run(level)
    mean = run(base, noise=False)["mmlu_mean"].to_numpy()
    assert len(plain) == 50 and plain[keys].equals(scaled[keys])
    factor = level_scale(mean, -0.5, 0.1)
    got = (scaled["mmlu_hi"] - mean).to_numpy()
    assert got == pytest.approx((plain["mmlu_hi"] - mean).to_numpy() * factor, rel=1e-9)


def test_the_knee_a_posterior_was_fitted_with_bounds_its_means():
    """The shipped posterior records the soft link's knee (80): a giant recipe's mean stays below 90; a file without
    the record (fitted before it existed) gets the published tool's 90."""
    from bayes_perflaw.perflaw.laws import soft_ceiling
    from bayes_perflaw.perflaw.mean import LAW_KNEE
    from bayes_perflaw.perflaw.predict import ceiling_knee, latent_mean

    post = load_draws(default_posterior())
    assert ceiling_knee(post) == LAW_KNEE == 80.0 and ceiling_knee(None) == 90.0
    cols = {"num_hidden_layers": 126, "hidden_size": 16384, "intermediate_size": 53248, "release": "2024-07"}
    giant = validate(pd.DataFrame({"model": ["g"], "tokens_T": [30.0], "params_B": [405.0], **cols}))
    raw = latent_mean(giant, post, link=False)[0]
    assert np.median(raw) > 90.0  # the law alone would pass the old knee
    mean = latent_mean(giant, post)[0]
    assert mean == pytest.approx(soft_ceiling(raw, knee=80.0), abs=1e-9) and mean.max() < 90.0
    old = Draws(post.kind, {k: v for k, v in post.meta.items() if k != "ceiling_knee"}, post.values, post.coords)
    assert latent_mean(giant, old)[0] == pytest.approx(soft_ceiling(raw), abs=1e-9)


def test_noise_profile_plot_is_the_posterior_of_sigma_times_the_profile():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from bayes_perflaw.perflaw.model import PerformanceLaw

    law = PerformanceLaw.load()
    fig, ax = law.plot_noise()
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    v = law.draws.values
    dev = law.draws.coords["source_kind"].index("developer")
    at60 = np.median(v["sigma"][:, dev] * level_scale(np.array(60.0), v["noise_slope"], v["noise_curve"]))
    assert x[0] == 25.0 and x[-1] == 90.0 and y[np.argmin(abs(x - 60.0))] == pytest.approx(at60, rel=1e-9)
    assert np.median(v["noise_slope"]) < 0 and y[-1] < y[np.argmin(abs(x - 60.0))]  # narrower towards the top
    import matplotlib.pyplot as plt

    plt.close(fig)
    era = PerformanceLaw.load()
    era.draws.values.pop("noise_slope")
    with pytest.raises(ValueError, match="has a constant noise scale"):
        era.plot_noise()
