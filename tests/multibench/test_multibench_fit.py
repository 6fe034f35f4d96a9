"""The PyMC model against its NumPy twin, and parameter recovery on simulated scores (samples: slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.multibench.benchmarks import bounded_score
from bayes_perflaw.multibench.model import MultiBench

BENCHES = ["mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k"]
TRUE = {  # a, loading on the one factor, noise sigma (points)
    "a": np.array([-0.5, 0.0, 0.8, 0.3, -1.5]),
    "lam": np.array([1.6, 1.0, 1.2, 0.7, 1.8]),
    "sigma": np.array([2.0, 2.5, 2.0, 1.5, 3.0]),
}
CHANCE = np.array([25.0, 25.0, 25.0, 50.0, 0.0])
CEILING = np.array([90.0, 75.0, 90.0, 85.0, 85.0])


def simulate(n: int = 90, seed: int = 3) -> pd.DataFrame:
    """Scores from the k1 model: theta = 0.8 z_log_compute + eps, Student-t(4) noise; fixed recipes."""
    rng = np.random.default_rng(seed)
    params = np.exp(rng.uniform(np.log(0.3), np.log(70), n))
    tokens = np.exp(rng.uniform(np.log(0.3), np.log(15), n))
    log_c = np.log10(6 * params * 1e9 * tokens * 1e12)
    theta = 0.8 * (log_c - log_c.mean()) / log_c.std() + rng.standard_normal(n)
    mean = bounded_score(TRUE["a"] + TRUE["lam"] * theta[:, None], CHANCE, CEILING)
    scores = np.clip(mean + TRUE["sigma"] * rng.standard_t(4.0, (n, len(BENCHES))), 0, 100)
    t = pd.DataFrame(scores.round(2), columns=BENCHES)
    t.insert(0, "model", [f"m{i}" for i in range(n)])
    t["params_B"], t["tokens_T"] = params, tokens
    months = rng.integers(0, 36, n)  # 2022-01 .. 2024-12, every 7th unknown
    t["release"] = [f"{2022 + m // 12}-{m % 12 + 1:02d}" if i % 7 else "" for i, m in enumerate(months)]
    t.attrs["source"] = "simulated"
    return t


@pytest.mark.parametrize("variant", ["k2", "k2h", "k2hrd"])
def test_pymc_potential_equals_numpy_loglik(variant):
    """At a random point, the PyMC model's likelihood term equals the NumPy log-likelihood summed (k2, k2h whose
    noise scale depends on the mean, and k2hrd with release time and a drift per benchmark)."""
    model = MultiBench(variant=variant)
    data = model.prepare(simulate(30))
    pm_model = model.build(data)
    point = pm_model.initial_point()
    rng = np.random.default_rng(1)
    point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in point.items()}
    names = ["a", "lam_pos", "lam_free", "sigma", "ceiling_frac", "beta", "nu", "eps", "noise_level", "drift"]
    names = [n for n in names if n in pm_model.named_vars]
    outs = pm_model.replace_rvs_by_values([pm_model.potentials[0], *[pm_model[n] for n in names]])
    pot, *vals = pm_model.compile_fn(outs, point_fn=True)(point)
    values = dict(zip(names, vals, strict=True))
    values = {k: np.asarray(v)[None, ...] for k, v in values.items()}
    ll = model.loglik(data, values)["score"]
    assert ll.shape == (1, len(data.y))
    assert float(pot) == pytest.approx(float(ll.sum()), rel=1e-9)


@pytest.mark.slow
def test_parameter_recovery_k1():
    """k1 fitted to 90 simulated models x 5 benchmarks recovers the noise scales and the loadings relative to MMLU's
    (the capability's own scale trades off against the loadings and the recipe coefficient) within 90 % intervals,
    and the screen then flags an MMLU planted 12 points high in a new row."""
    # the simulated ceilings sit just above the best scores: a ceiling prior that allows it (the default expects
    # ceilings well above the best score seen)
    model = MultiBench(
        variant="k1", priors={"nu": 4.0, "ceiling_frac": {"dist": "Beta", "kwargs": {"alpha": 2, "beta": 2}}}
    )
    model.fit(simulate(), chains=2, draws=1000, tune=1500, seed=2)
    post = model.idata.posterior
    lam = post["lam_pos"].values.reshape(-1, len(BENCHES))
    sig = post["sigma"].values.reshape(-1, len(BENCHES))
    inside = []
    ratios = (lam[:, 1:] / lam[:, :1], TRUE["lam"][1:] / TRUE["lam"][0])
    for est, true in (ratios, (sig, TRUE["sigma"])):
        lo, hi = np.quantile(est, [0.05, 0.95], axis=0)
        inside.append(int(((true >= lo) & (true <= hi)).sum()))
    assert inside[0] >= 3 and inside[1] >= 4, inside  # of 4 loading ratios and 5 noise scales (90 % intervals)
    assert model.meta["diagnostics"]["r_hat_max"] < 1.1  # a short run; the shipped fit meets 1.01
    new = simulate(3, seed=99)
    new["model"] = ["new0", "new1", "new2"]
    new.loc[0, "mmlu"] = new.loc[0, "mmlu"] + 12.0 if new.loc[0, "mmlu"] < 80 else new.loc[0, "mmlu"] - 12.0
    out = model.screen(new, benchmarks=BENCHES)
    assert out.loc[0, "mmlu_flag"] in ("high", "low")
    assert "left out" not in out.loc[0, "screen_method"]  # a new model: the plain posterior predictive


def test_screening_means_equal_the_model_means_with_a_release_drift():
    """The screen's NumPy mean of a score (:func:`condition._means`, at a row's own capability) equals the model's
    (:meth:`MultiBench.obs_mean`) for every observation, in k2hrd (release covariates and a drift per benchmark),
    so the screen judges scores by the model that was fitted."""
    from bayes_perflaw.core.posterior import Draws
    from bayes_perflaw.multibench.condition import _means, globals_from_draws

    model = MultiBench(variant="k2hrd")
    data = model.prepare(simulate(30))
    pm_model = model.build(data)
    rng = np.random.default_rng(2)
    point = {k: v + rng.normal(0, 0.3, np.shape(v)) for k, v in pm_model.initial_point().items()}
    names = [v.name for v in pm_model.free_RVs]
    outs = pm_model.replace_rvs_by_values([pm_model[n] for n in names])
    vals = pm_model.compile_fn(outs, point_fn=True)(point)
    values = {n: np.asarray(v)[None, ...] for n, v in zip(names, vals, strict=True)}
    assert np.abs(values["drift"]).max() > 0.05  # the drift takes part
    meta = {"benches": data.table.benches, "lows": data.lows, "tops": data.tops}
    g = globals_from_draws(Draws("multibench", meta, values, {}))
    want = model.obs_mean(data, values)[0]
    for o in range(0, len(data.y), 7):
        r, b = data.row[o], data.bench[o]
        got = _means(g, data.X[r], values["eps"][0, r][None, :], b)[0, 0]
        assert got == pytest.approx(want[o], rel=1e-10)
