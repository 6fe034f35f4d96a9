"""Prior configs, the least-squares bootstrap baseline, backtest metrics and convergence checks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.core.errors import ConvergenceWarning, DataError
from bayes_perflaw.core.priors import read_overrides
from bayes_perflaw.perflaw.backtest import interval_metrics
from bayes_perflaw.perflaw.baselines import bootstrap_predict, fit_ls, ls_features
from bayes_perflaw.perflaw.priors import B_REF_PAPER, CENTRE, PRESETS, prior_config
from bayes_perflaw.perflaw.published import B_PAPER, W_PAPER, paper_raw


def test_b_ref_is_the_paper_law_at_the_reference_recipe():
    ref = pd.DataFrame(
        {
            "num_hidden_layers": [32.0],
            "hidden_size": [4096.0],
            "intermediate_size": [14336.0],
            "tokens_T": [2.0],
            "params_B": [100.0],
        }
    )
    # with gamma -> 0 the discount vanishes, leaving b + sum w_i ln x_i = b_ref
    assert paper_raw(ref, gamma=1e-9)[0] == pytest.approx(B_REF_PAPER, abs=1e-6)
    assert B_REF_PAPER == pytest.approx(B_PAPER + float(np.dot(W_PAPER, CENTRE)))


def test_prior_overrides_merge_and_are_checked(tmp_path):
    cfg = prior_config("paper", {"w1": {"dist": "Normal", "kwargs": {"mu": 10, "sigma": 1}}, "nu": 7})
    assert cfg["w1"] == {"dist": "Normal", "kwargs": {"mu": 10, "sigma": 1}}
    assert cfg["nu"] == 7.0 and cfg["w2"] == PRESETS["paper"]["w2"]
    assert PRESETS["paper"]["w1"]["kwargs"]["mu"] == W_PAPER[0]  # the preset itself is untouched
    with pytest.raises(DataError, match="unknown parameter 'w9'"):
        prior_config("paper", {"w9": {"dist": "Normal", "kwargs": {}}})
    with pytest.raises(DataError, match="unknown prior preset"):
        prior_config("flat")
    with pytest.raises(DataError, match="'dist'"):
        prior_config("weak", {"w1": "Normal(0, 1)"})
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"gamma": {"dist": "LogNormal", "kwargs": {"mu": 0.3, "sigma": 0.2}}}))
    assert read_overrides(path)["gamma"]["kwargs"]["mu"] == 0.3
    json.dumps(prior_config("paper"))  # every preset is plain JSON


def test_prior_dicts_build_pymc_extras_priors():
    pytest.importorskip("pymc_extras")
    from bayes_perflaw.core.priors import to_prior

    p = to_prior(PRESETS["paper"]["gamma"])
    assert p.to_dict() == {"dist": "LogNormal", "kwargs": {"mu": 0.0, "sigma": 0.5}}


def _design(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "num_hidden_layers": rng.integers(12, 96, n).astype(float),
            "hidden_size": rng.choice([1024, 2048, 4096, 8192], n).astype(float),
            "intermediate_size": rng.choice([4096, 11008, 14336, 28672], n).astype(float),
            "tokens_T": rng.uniform(0.3, 15, n),
            "params_B": rng.uniform(1, 100, n),
        }
    )


def test_least_squares_recovers_exact_law_coefficients():
    df = _design()
    y = paper_raw(df, gamma=1.0)  # noiseless law values
    assert fit_ls(df, y) == pytest.approx([*W_PAPER, B_PAPER], rel=1e-6)
    assert ls_features(df).shape == (len(df), 5)


def test_bootstrap_intervals_are_tight_without_noise_and_wide_with():
    df = _design(60)
    y = paper_raw(df, 1.0)
    clean = bootstrap_predict(df, y, df.iloc[:5], n_boot=200, seed=1)
    assert clean.std(axis=1).max() < 1e-6
    noisy = bootstrap_predict(df, y + np.random.default_rng(2).normal(0, 3, len(y)), df.iloc[:5], n_boot=200, seed=1)
    assert 1.5 < noisy.std(axis=1).mean() < 6


def test_interval_metrics_by_hand():
    actual = np.array([50.0, 60.0, 70.0, 80.0])
    draws = np.tile(np.linspace(40, 80, 101), (4, 1))  # every row: uniform 40..80
    m = interval_metrics(actual, np.array([52.0, 58.0, 70.0, 90.0]), draws)
    assert m["mae"] == pytest.approx((2 + 2 + 0 + 10) / 4)
    assert m["bias"] == pytest.approx((2 - 2 + 0 + 10) / 4)
    # 90 % interval = [42, 78]: 50, 60, 70 inside, 80 outside; 50 % = [50, 70]: 50, 60, 70 inside
    assert m["cover90"] == pytest.approx(0.75) and m["cover50"] == pytest.approx(0.75)
    assert m["width90"] == pytest.approx(36.0) and m["width50"] == pytest.approx(20.0)


def _idata(shift: float, diverging: int = 0):
    az = pytest.importorskip("arviz")
    rng = np.random.default_rng(0)
    w1 = rng.normal(0, 1, (4, 200))
    w1[0] += shift  # one chain elsewhere: r_hat up
    div = np.zeros((4, 200), dtype=bool)
    div.flat[:diverging] = True
    return az.from_dict(
        posterior={"w1": w1, "gamma": np.exp(rng.normal(0, 0.1, (4, 200)))},
        sample_stats={"diverging": div, "energy": rng.normal(0, 1, (4, 200))},
    )


def test_diagnostics_pass_on_good_chains_and_fail_loudly_on_bad():
    from bayes_perflaw.core.diagnostics import describe, diagnose, warn_if_unconverged

    good = diagnose(_idata(0.0))
    assert good["converged"] and good["problems"] == []
    bad = diagnose(_idata(3.0, diverging=7))
    assert not bad["converged"]
    text = "; ".join(bad["problems"])
    assert "r_hat" in text and "w1" in text and "7 divergent transitions" in text
    assert "did NOT converge" in describe(bad)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        warn_if_unconverged(bad)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_unconverged(good)


def test_one_chain_cannot_pass_the_convergence_checks(caplog):
    """With one chain r_hat and ESS are NaN, which passed every threshold comparison before: now a breach, said
    once (no ArviZ shape warnings on stderr)."""
    from bayes_perflaw.core.diagnostics import diagnose

    one = _idata(0.0).sel(chain=[0])
    with caplog.at_level("WARNING", logger="arviz"):
        diag = diagnose(one)
    assert not diag["converged"]
    assert diag["problems"][0] == "1 chain: r_hat needs at least 2 chains, so convergence cannot be checked"
    assert not [r for r in caplog.records if r.name.startswith("arviz")]
