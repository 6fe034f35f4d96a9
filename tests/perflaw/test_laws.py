"""The law functions against the SCIENCE.md test vectors and against each other."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCIENCE_VECTORS

from bayes_perflaw.perflaw import laws
from bayes_perflaw.perflaw.design import law_inputs
from bayes_perflaw.perflaw.published import B_PAPER, W_PAPER, paper_mmlu, paper_raw


@pytest.mark.parametrize("vec", SCIENCE_VECTORS)
def test_paper_form_reproduces_science_vectors(vec):
    n, h, d, t, s, g, u, raw, bounded = vec
    got_u, got_raw, got_b = laws.perflaw_paper_form(n, h, d, t, s, W_PAPER, B_PAPER, g)
    assert got_u == pytest.approx(u, abs=1e-6)
    assert got_raw == pytest.approx(raw, abs=1e-3)
    assert got_b == pytest.approx(bounded, abs=1e-3)


def _table(vectors):
    cols = ["num_hidden_layers", "hidden_size", "intermediate_size", "tokens_T", "params_B"]
    return pd.DataFrame([v[:5] for v in vectors], columns=cols).astype(float)


def test_log_form_equals_paper_form_on_vectors():
    for g in (1.0, 2.0):
        df = _table(SCIENCE_VECTORS)
        expect = np.array([laws.perflaw_paper_form(*v[:5], W_PAPER, B_PAPER, g)[1] for v in SCIENCE_VECTORS])
        assert paper_raw(df, g) == pytest.approx(expect, abs=1e-9)


def test_paper_mmlu_vectors_through_the_table_path():
    df = _table(SCIENCE_VECTORS)
    gammas = np.array([v[5] for v in SCIENCE_VECTORS], dtype=float)
    got = np.array([paper_mmlu(df.iloc[[i]], gammas[i])[0] for i in range(len(df))])
    assert got == pytest.approx([v[8] for v in SCIENCE_VECTORS], abs=1e-3)


def test_soft_ceiling_is_continuous_with_unit_slope_and_below_100():
    eps = 1e-6
    below, above = laws.soft_ceiling(np.array([90 - eps, 90 + eps]))
    assert above - below == pytest.approx(2 * eps, rel=1e-3)
    assert 99.99 < laws.soft_ceiling(np.array(150.0)) < 100  # 90 + 10 tanh(6)
    assert laws.bound_score(np.array([-10.0, 25.0, 50.0])).tolist() == [25.0, 25.0, 50.0]


def test_soft_ceiling_with_another_knee_by_hand():
    """The Bayesian law's knee (80): identity up to it, 80 + 10 tanh((raw - 80)/10) above, so never above 90."""
    got = laws.soft_ceiling(np.array([70.0, 80.0, 95.0, 150.0]), knee=80.0)
    assert got.tolist() == pytest.approx([70.0, 80.0, 80.0 + 10.0 * math.tanh(1.5), 80.0 + 10.0 * math.tanh(7.0)])
    assert got.max() < 90.0
    eps = 1e-6
    below, above = laws.soft_ceiling(np.array([80 - eps, 80 + eps]), knee=80.0)
    assert above - below == pytest.approx(2 * eps, rel=1e-3)


def test_effective_tokens_caps_at_1000_tokens_per_parameter():
    # 0.05B params, 0.1T tokens -> 2000 tokens/param -> capped at 0.05 (T in trillions, S in billions)
    assert laws.effective_tokens(0.1, 0.05) == pytest.approx(0.05)
    assert laws.effective_tokens(2.0, 7.0) == pytest.approx(2.0)


def test_over_training_return_kappa():
    """ln T' = min(ln T, ln S) + kappa * max(ln T - ln S, 0): T = 8T tokens on S = 2B parameters is 4x
    past the cap, so T' = 2 (kappa 0, the published law), sqrt(8 * 2) = 4 (kappa 0.5), 8 (kappa 1)."""
    t, s = np.log(8.0), np.log(2.0)
    got = [np.exp(laws.ln_effective_tokens(t, s, k)) for k in (0.0, 0.5, 1.0)]
    assert got == pytest.approx([2.0, 4.0, 8.0], rel=1e-12)
    # below the cap kappa does nothing: 1T tokens on 2B parameters
    assert np.exp(laws.ln_effective_tokens(0.0, s, 0.7)) == pytest.approx(1.0, rel=1e-12)
    pt = pytest.importorskip("pytensor.tensor")
    assert float(laws.ln_effective_tokens(pt.as_tensor(t), pt.as_tensor(s), 0.5, xp=pt).eval()) == pytest.approx(
        np.log(4.0), rel=1e-12
    )


def test_moe_equivalent_is_geometric_mean_at_half():
    assert laws.moe_equivalent(16.0, 64.0, 0.5) == pytest.approx(32.0)
    assert laws.moe_equivalent(16.0, 64.0, 0.0) == pytest.approx(16.0)
    assert laws.moe_equivalent(16.0, 64.0, 1.0) == pytest.approx(64.0)


def test_moe_design_uses_activated_and_total_widths():
    df = pd.DataFrame(
        {
            "num_hidden_layers": [28.0],
            "hidden_size": [2048.0],
            "intermediate_size": [np.nan],
            "moe_intermediate_size": [1408.0],
            "shared_intermediate_size": [2816.0],
            "num_experts": [64.0],
            "num_experts_per_tok": [6.0],
            "tokens_T": [2.0],
            "params_B": [16.4],
            "active_params_B": [2.8],
        }
    )
    x = law_inputs(df)
    assert np.exp(x.ln_ffn_active[0]) == pytest.approx(6 * 1408 + 2816)
    assert np.exp(x.ln_ffn_active[0] + x.dln_ffn[0]) == pytest.approx(64 * 1408 + 2816)
    assert np.exp(x.ln_params_active[0] + 0.5 * x.dln_params[0]) == pytest.approx(np.sqrt(16.4 * 2.8))


def test_gated_equivalent_scales_plain_ffn_by_two_thirds():
    df = pd.DataFrame(
        {
            "num_hidden_layers": [12.0, 12.0],
            "hidden_size": [768.0] * 2,
            "intermediate_size": [3072.0] * 2,
            "ffn_gated": pd.array([False, True], dtype="boolean"),
            "tokens_T": [0.3] * 2,
            "params_B": [0.1] * 2,
        }
    )
    d = np.exp(law_inputs(df, gated_equivalent=True).ln_ffn_active)
    assert d == pytest.approx([2048.0, 3072.0])
    assert np.exp(law_inputs(df).ln_ffn_active) == pytest.approx([3072.0, 3072.0])


def test_same_function_builds_a_pytensor_graph():
    pt = pytest.importorskip("pytensor.tensor")
    import pytensor

    df = _table(SCIENCE_VECTORS[:3])
    x = law_inputs(df)
    w = pt.dvector("w")
    raw = laws.bound_score(laws.perflaw_raw(x, w[0], w[1], w[2], w[3], w[4], w[5], 0.5, xp=pt), xp=pt)
    f = pytensor.function([w], raw)
    got = f(np.array([*W_PAPER, B_PAPER, 1.0]))
    assert got == pytest.approx(paper_mmlu(df, 1.0), abs=1e-9)
    assert got == pytest.approx([v[8] for v in SCIENCE_VECTORS[:3]], abs=1e-3)


def test_flp_forms():
    from bayes_perflaw.flp import forms

    assert forms.flp_loss(1e20, 1e10, -0.05) == pytest.approx(1e10**-0.05)
    assert np.exp(forms.flp_log_loss(np.log(1e20), np.log(1e10), -0.05)) == pytest.approx(1e10**-0.05)
    assert forms.flp_score_linear(2.0, 100.0, -20.0) == pytest.approx(60.0)
    assert forms.training_flops(7e9, 2e12) == pytest.approx(8.4e22)
