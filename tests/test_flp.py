"""FLP building blocks (issue 4 is in progress: data and maths only, no CLI yet)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from bayes_perflaw.flp import LN_C0, c_n, chain, stage1_log_loss, stage2_accuracy
from bayes_perflaw.laws import flp_loss


def test_stage1_power_form_is_the_papers_law():
    ln_l0, alpha = 1.2, -0.05
    flops = np.array([1e19, 1e21, 1e23])
    paper = flp_loss(flops, c_n(ln_l0, alpha), alpha)  # L = (C / C_N)**alpha
    assert np.exp(stage1_log_loss(np.log(flops), {"ln_l0": ln_l0, "alpha": alpha}, "power")) == pytest.approx(paper)
    assert np.exp(stage1_log_loss(LN_C0, {"ln_l0": ln_l0, "alpha": alpha}, "power")) == pytest.approx(np.exp(1.2))
    irr = stage1_log_loss(np.log(1e40), {"ln_l0": ln_l0, "alpha": alpha, "irreducible": 1.7}, "irreducible")
    assert np.exp(irr) == pytest.approx(1.7 + np.exp(ln_l0 + alpha * (np.log(1e40) - LN_C0)))


def test_stage2_links():
    p = {"a": 0.0, "k": 4.0, "centre": 3.0, "w0": 0.6, "w1": -0.5}
    assert stage2_accuracy(3.0, 0.25, p, "logistic") == pytest.approx(0.625)  # midway between chance and 1
    assert stage2_accuracy(100.0, 0.25, p, "logistic") == pytest.approx(0.25)  # never below chance
    assert stage2_accuracy(2.8, 0.25, p, "linear") == pytest.approx(0.7)
    with pytest.raises(ValueError, match="unknown stage-2 link"):
        stage2_accuracy(3.0, 0.25, p, "cubic")


def test_chain_carries_both_stages():
    n = 4000
    vals = {
        "ln_l0": np.full(n, 1.2),
        "alpha": np.full(n, -0.05),
        "sigma_loss": np.full(n, 0.02),
        "a": np.zeros((n, 1)),
        "k": np.full((n, 1), 4.0),
        "kappa": np.full((n, 1), 400.0),
    }
    loss, acc = chain(1e22, 0, 0.25, vals, "power", "logistic", centres=np.array([3.0]), seed=1)
    expect = np.exp(1.2 - 0.05 * (np.log(1e22) - LN_C0))
    assert np.median(loss) == pytest.approx(expect, rel=0.01)
    assert 0.25 < acc.mean() < 1 and acc.std() > 0.02  # loss noise + Beta noise
    vals["sigma_loss"] = np.zeros(n)
    _, acc0 = chain(1e22, 0, 0.25, vals, "power", "logistic", centres=np.array([3.0]), seed=1)
    assert acc0.std() < acc.std()


def test_ladder_table_rebuilds_and_keeps_targets_apart():
    shared = ROOT.parent / "shared" / "data" / "olmo_ladder_peteish"
    if not shared.is_dir():
        pytest.skip("shared/ data not beside the checkout")
    spec = importlib.util.spec_from_file_location("bfd", ROOT / "scripts" / "build_flp_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    committed = pd.read_csv(ROOT / "data" / "flp" / "olmo_ladder.csv")
    rebuilt = mod.build(shared)
    assert len(rebuilt) == len(committed) == 9990
    assert set(committed.loc[committed["role"] == "target", "run"]) == {"7B-4T", "13B-5T"}
    assert committed.loc[committed["run"] == "13B-5T", "tokens"].iloc[0] == pytest.approx(596_057 * 8_388_608)
    assert np.allclose(committed["flops"], 6 * committed["n_params"] * committed["tokens"], rtol=1e-5)
    assert committed["source"].str.startswith("allenai/OLMo@9bc064c").all()
    fit_runs = set(committed.loc[committed["role"] == "fit", "run"])
    assert fit_runs == {f"{s}-{m}xC" for s in ("190M", "370M", "760M", "1B") for m in ("1", "2", "5", "10")}
