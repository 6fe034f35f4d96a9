"""The planner: budget, grid, parameter counts, consistency with the law, and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.paths import default_posterior
from bayes_perflaw.core.posterior import Draws, load_draws
from bayes_perflaw.perflaw.laws import (
    instability_q,
    ln_effective_tokens,
    perflaw_coefficients,
    perflaw_features,
    perflaw_raw_from_logs,
)
from bayes_perflaw.perflaw.plan import Grid, budget_flops, plan
from bayes_perflaw.perflaw.predict import latent_mean, thin
from bayes_perflaw.perflaw.published import paper_mmlu

AUTHORS_BUDGET = 376e12 * 86400 * 0.4 * 1024 * 30


def test_budget_formula_and_errors():
    assert budget_flops(gpus=1024, tflops=376, mfu=0.4, days=30) == pytest.approx(AUTHORS_BUDGET)
    assert budget_flops(1e24) == 1e24
    with pytest.raises(DataError, match="not both"):
        budget_flops(1e24, gpus=8)
    with pytest.raises(DataError, match="all of --gpus"):
        budget_flops(gpus=8, tflops=300)
    with pytest.raises(DataError, match="fraction"):
        budget_flops(gpus=8, tflops=300, mfu=40, days=3)
    with pytest.raises(DataError, match="positive"):
        budget_flops(-1.0)


def test_default_grid_is_the_authors_152000_plans():
    # hidden 2048..16384 step 1024 with FFN = hidden + 2048 j (j < 50) at multiples of 4096: only even
    # multiples of 1024 qualify (8 widths), 25 FFN sizes each; layers 20..99 with n % 8 in {6, 7}: 20
    g = Grid()
    arch = g.architectures()
    assert sorted(arch["hidden_size"].unique()) == list(range(2048, 16385, 2048))
    assert set(arch.groupby("hidden_size").size() // 20) == {25}
    assert sorted(arch["num_hidden_layers"].unique()) == [n for n in range(20, 100) if n % 8 in (6, 7)]
    assert len(arch) * len(g.token_values()) == 152_000
    assert g.token_values()[[0, -1]].tolist() == [1.0, 19.5]


def test_parameter_count_by_hand():
    n, h, d = 32, 4096, 14336
    hand = (2 * h * 8 * 128 + 2 * h * h + 3 * h * d) * n + h * 150_000 * 2
    assert Grid().params(np.array([n]), np.array([h]), np.array([d]))[0] == hand
    tied = Grid(tied_embeddings=True, vocab=128_256)
    assert tied.params(np.array([n]), np.array([h]), np.array([d]))[0] == hand - h * 150_000 * 2 + h * 128_256


def test_matrix_product_equals_the_law():
    rng = np.random.default_rng(0)
    ln_n, ln_h, ln_d = (
        np.log(rng.integers(8, 120, 50)),
        np.log(rng.integers(512, 16384, 50)),
        np.log(rng.integers(2048, 65536, 50)),
    )
    ln_t, ln_s = np.log(rng.uniform(0.1, 20, 50)), np.log(rng.uniform(0.1, 20, 50))
    q = instability_q(np.exp(ln_n), np.exp(ln_h), np.exp(ln_d))
    w = rng.normal(0, 5, (4, 7))
    b, g, kappa = rng.normal(0, 10, 7), rng.uniform(0.5, 2, 7), rng.uniform(0, 1, 7)
    feats = perflaw_features(ln_n, ln_h, ln_d, np.minimum(ln_t, ln_s), q, np.maximum(ln_t - ln_s, 0))
    got = feats @ perflaw_coefficients(*w, b, g, kappa)
    ln_t_eff = ln_effective_tokens(ln_t[:, None], ln_s[:, None], kappa[None])
    assert (ln_t > ln_s).sum() > 10 and (ln_t < ln_s).sum() > 10  # both sides of the cap
    expect = perflaw_raw_from_logs(
        ln_n[:, None], ln_h[:, None], ln_d[:, None], ln_t_eff, q[:, None], *w[:, None, :], b[None], g[None]
    )
    assert got == pytest.approx(expect, rel=1e-12, abs=1e-9)


@pytest.fixture(scope="module")
def plans():
    post = thin(load_draws(default_posterior()), 500)
    rows = []
    best, total, kept = plan(
        Grid(),
        AUTHORS_BUDGET,
        post=post,
        min_params_B=10,
        max_params_B=100,
        target=75,
        top=15,
        sink=rows.append,
        chunk=7000,
    )
    return best, total, kept, pd.concat(rows, ignore_index=True)


def test_plans_respect_budget_bounds_and_are_consistent(plans):
    best, total, kept, everything = plans
    assert total == 152_000 and kept == len(everything) > 1000
    assert (everything["flops"] <= AUTHORS_BUDGET * (1 + 1e-12)).all()
    assert everything["params_B"].between(10, 100).all()
    assert np.allclose(everything["flops"], 6 * everything["params_B"] * 1e9 * everything["tokens_T"] * 1e12)
    sure = everything[everything["mmlu_lo"] >= 75]
    assert (sure["p_target"] >= 0.95).all()
    hopeless = everything[everything["mmlu_hi"] < 75]
    assert (hopeless["p_target"] <= 0.05).all() and len(hopeless) > 0
    assert (everything["mmlu_lo"] <= everything["mmlu_mean"]).all()
    assert (everything["mmlu_mean"] <= everything["mmlu_hi"]).all()
    # the printed top is the best of everything, in order
    top = everything.sort_values("mmlu_mean", ascending=False).head(15)
    assert best["mmlu_mean"].to_numpy() == pytest.approx(top["mmlu_mean"].to_numpy())


def test_rankings():
    post = thin(load_draws(default_posterior()), 200)
    shallow, *_ = plan(Grid(), 1e24, post=post, rank="shallow", top=30, min_params_B=5)
    assert np.all(np.diff(shallow["num_hidden_layers"].to_numpy()) >= 0)
    assert shallow["num_hidden_layers"].iloc[0] == 22
    prob, *_ = plan(Grid(), 1e24, post=post, rank="prob-target", target=70, top=30)
    assert np.all(np.diff(prob["p_target"].to_numpy()) <= 1e-12)


def test_paper_and_bayes_paths_agree_with_the_law():
    grid = Grid(hidden=(4096, 4096, 1024), layers=(30, 31), tokens=(2.0, 3.0, 1.0))
    best, *_ = plan(grid, 1e30, post=None, top=10)
    recipe = best.assign(model=[f"p{i}" for i in range(len(best))])
    assert best["mmlu_mean"].to_numpy() == pytest.approx(paper_mmlu(recipe), abs=1e-9)
    full = load_draws(default_posterior())
    no_era = Draws(
        full.kind,
        {**full.meta, "variant": "plain"},
        {k: v[:300] for k, v in full.values.items() if k not in ("era", "tau_era", "drift_era")},
        full.coords,
    )
    bayes, *_ = plan(grid, 1e30, post=no_era, top=10, noise=False)
    recipe = bayes.assign(model=[f"p{i}" for i in range(len(bayes))])
    expect = np.clip(latent_mean(recipe, no_era, 0), 25, 100).mean(axis=1)
    assert bayes["mmlu_mean"].to_numpy() == pytest.approx(expect, abs=1e-9)


def test_cli_plan_writes_every_plan_and_rejects_bad_budgets(tmp_path):
    out = tmp_path / "plans.csv"
    res = run_cli(
        "plan",
        "--gpus",
        "1024",
        "--tflops",
        "376",
        "--mfu",
        "0.4",
        "--days",
        "30",
        "--min-params",
        "10B",
        "--max-params",
        "100B",
        "--top",
        "5",
        "--draws",
        "300",
        "--output",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    kept = int(res.stdout.split(" within budget")[0].split(", ")[-1].replace(",", ""))
    written = pd.read_csv(out)
    assert len(written) == kept and list(written.columns[:3]) == [
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
    ]
    res = run_cli("plan", "--gpus", "8", "--tflops", "300", "--output", str(tmp_path / "x.csv"))
    assert res.returncode == 2 and "all of --gpus" in res.stderr and not (tmp_path / "x.csv").exists()
    res = run_cli("plan", "--flops", "1e24", "--tokens-min", "5")
    assert res.returncode == 2 and "argument --tokens-min:" in res.stderr and "ambiguous" in res.stderr
    res = run_cli("plan", "--flops", "1e24", "--min-params", "100B", "--max-params", "10B")
    assert res.returncode == 2 and "exceeds --max-params" in res.stderr
