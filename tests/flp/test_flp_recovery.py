"""Any user's ladder: a simulated ladder with known parameters, fitted through the documented table schema."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.flp.forms import LN_D0, LN_N0

TRUTH = {"irreducible": 1.8, "ln_a": -0.6, "alpha_n": 0.35, "ln_b": -0.4, "beta_d": 0.3}
K_TRUE = {"task_a": 6.0, "task_b": 3.0}
FLOOR_TRUE = {"task_a": 0.27, "task_b": 0.6}  # above chance (0.25, 0.5): task_b plateaus high, as BoolQ


def law(n, d):
    t = TRUTH
    return (
        t["irreducible"]
        + np.exp(t["ln_a"] - t["alpha_n"] * (np.log(n) - LN_N0))
        + np.exp(t["ln_b"] - t["beta_d"] * (np.log(d) - LN_D0))
    )


def simulated_ladder(seed: int = 7) -> pd.DataFrame:
    """20 runs (4 sizes x 5 token multiples), 5 checkpoints each, two tasks; C4 loss from the chinchilla law with
    1 % log-noise per run, accuracy = floor + (1 - floor) sigmoid(-k (L - 2.6)) with Beta noise (kappa 3000)."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in (1e8, 2e8, 4e8, 8e8):
        for mult in (10, 20, 40, 80, 160):
            run_noise = np.exp(0.01 * rng.standard_normal())
            for step, frac in enumerate((0.2, 0.4, 0.6, 0.8, 1.0), start=1):
                d = mult * n * frac
                loss = law(n, d) * run_noise
                for task, chance in (("task_a", 0.25), ("task_b", 0.5)):
                    floor = FLOOR_TRUE[task]
                    mean = floor + (1 - floor) / (1 + np.exp(K_TRUE[task] * (loss - 2.6)))
                    acc = rng.beta(mean * 3000, (1 - mean) * 3000)
                    rows.append(
                        {"run": f"{n:.0e}-{mult}x", "role": "ladder", "step": step, "n_params": n, "tokens": d,
                         "flops": 6 * n * d, "c4_loss": loss, "task": task, "accuracy": acc, "chance": chance}
                    )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_parameters_of_a_simulated_ladder_are_recovered(tmp_path):
    from bayes_perflaw.flp.model import FLP

    path = tmp_path / "my_ladder.csv"
    simulated_ladder().to_csv(path, index=False)  # through the file, as a user's ladder
    from bayes_perflaw.flp.ladder import read_ladder

    model = FLP("chinchilla+logistic").fit(  # the default priors: a floor learned per task
        read_ladder(path), chains=2, draws=600, tune=600, seed=2, progress=False
    )
    v = model.draws.values
    misses = []
    for name, true in TRUTH.items():
        lo, hi = np.quantile(v[name][:, 0], [0.005, 0.995])
        if not lo <= true <= hi:
            misses.append(f"{name}: {true} outside [{lo:.3f}, {hi:.3f}]")
    for i, task in enumerate(model.meta["tasks"]):
        k = -v["slope"][:, i, 0]
        lo, hi = np.quantile(k, [0.005, 0.995])
        if not lo <= K_TRUE[task] <= hi:
            misses.append(f"k[{task}]: {K_TRUE[task]} outside [{lo:.2f}, {hi:.2f}]")
        lo, hi = np.quantile(v["floor"][:, i], [0.005, 0.995])
        if not lo <= FLOOR_TRUE[task] <= hi:
            misses.append(f"floor[{task}]: {FLOOR_TRUE[task]} outside [{lo:.3f}, {hi:.3f}]")
    assert not misses, misses
