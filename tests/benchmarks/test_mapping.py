"""MMLU -> MMLU-Pro / BBH mappings: forms, chaining, data provenance, shipped posteriors, CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import LLAMA3_8B_FLAGS, ROOT, load_script, run_cli

from bayes_perflaw.benchmarks.mapping import chain, map_mean
from bayes_perflaw.core.paths import mapping_posterior
from bayes_perflaw.core.posterior import Draws, file_hash, load_draws


def test_mapping_forms_by_hand():
    p = {"a": 0.0, "b": 1.0, "floor": 10.0}
    assert map_mean(60.0, p, "logistic") == pytest.approx(55.0)  # floor + (100 - floor) / 2 at the centre
    assert map_mean(-1e3, p, "logistic") == pytest.approx(10.0)  # never below the floor
    assert map_mean(70.0, {"c0": 30.0, "c1": 0.5}, "linear") == pytest.approx(35.0)
    assert map_mean(80.0, {}, "published") == pytest.approx(2.33 * 80 - 133)
    with pytest.raises(ValueError, match="unknown mapping variant"):
        map_mean(50.0, {}, "cubic")


def _fake_map(sigma=1.0, n=2000):
    values = {"a": np.full(n, -1.5), "b": np.full(n, 0.66), "floor": np.full(n, 10.0), "sigma": np.full(n, sigma)}
    return Draws("map", {"variant": "logistic", "benchmark": "mmlu-pro"}, values, {})


def test_chain_is_monotone_reproducible_and_adds_uncertainty():
    m = _fake_map()
    mmlu = np.repeat(np.array([[40.0], [60.0], [80.0]]), 2000, axis=1)
    a, b = chain(mmlu, m, seed=3), chain(mmlu, m, seed=3)
    np.testing.assert_array_equal(a, b)
    med = np.median(a, axis=1)
    assert med[0] < med[1] < med[2]
    assert med == pytest.approx(
        map_mean(np.array([40.0, 60.0, 80.0]), {"a": -1.5, "b": 0.66, "floor": 10}, "logistic"), abs=0.1
    )
    assert a.std(axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=0.06)  # only the mapping's noise
    spread = np.random.default_rng(0).normal(60, 5, (1, 2000))
    assert chain(spread, m, seed=3).std() > 3.0  # MMLU uncertainty carried through


def test_benchmark_table_rebuilds_from_the_verbatim_copies_with_sources():
    mod = load_script("build_benchmark_map")
    rebuilt = mod.build()
    committed = pd.read_csv(ROOT / "data" / "benchmark_map.csv")
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), committed, check_dtype=False)
    for col in ("mmlu", "mmlu_pro", "bbh"):
        cited = committed[f"source_{col}"].str.contains(
            "ObsScaling@4d6e1e4|fboulnois/llm-leaderboard-csv:csv/huggingface_v"
        )
        assert cited.all()
        assert committed[col].between(0, 100).all()
    assert committed["mmlu_pro"].min() >= 10 - 1  # raw accuracy sits at or above 10 % chance


@pytest.mark.parametrize("bench", ["mmlu-pro", "bbh"])
def test_shipped_mappings_are_current_and_converged(bench):
    card = json.loads(mapping_posterior(bench).with_suffix(".json").read_text())
    assert card["data_hash"] == file_hash(ROOT / "data" / "benchmark_map.csv")
    assert card["diagnostics"]["converged"] and card["variant"] == "logistic"
    post = load_draws(mapping_posterior(bench), kind="map")
    assert post.meta["benchmark"] == bench and post.n_draws == 4000


def test_cli_predict_and_plan_on_other_benchmarks(tmp_path):
    out = tmp_path / "p.csv"
    res = run_cli(
        "predict",
        "--benchmark",
        "mmlu-pro",
        *LLAMA3_8B_FLAGS,
        "--output",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    row = pd.read_csv(out).iloc[0]
    assert row["mmlu_pro_lo"] < row["mmlu_pro_median"] < row["mmlu_pro_hi"]
    assert row["mmlu_pro_median"] < row["mmlu_median"]  # MMLU-Pro is harder
    res = run_cli(
        "predict",
        "--law",
        "paper",
        "--benchmark",
        "bbh",
        "--layers",
        "80",
        "--hidden",
        "8192",
        "--ffn",
        "28672",
        "--tokens",
        "15T",
        "--params",
        "70.6B",
        "--output",
        str(out),
    )
    assert res.returncode == 0, res.stderr
    row = pd.read_csv(out).iloc[0]
    assert row["mmlu_lo"] == row["mmlu_hi"] and row["bbh_lo"] < row["bbh_hi"]  # only the mapping's uncertainty
    plans = tmp_path / "plans.csv"
    res = run_cli(
        "plan",
        "--flops",
        "1e23",
        "--benchmark",
        "mmlu-pro",
        "--target",
        "40",
        "--draws",
        "200",
        "--top",
        "3",
        "--output",
        str(plans),
    )
    assert res.returncode == 0, res.stderr
    assert "P(MMLU-PRO >= 40)" in res.stdout
    got = pd.read_csv(plans)
    assert {"mmlu_pro_mean", "mmlu_pro_lo", "mmlu_pro_hi", "p_target"} <= set(got.columns)
    assert (got.loc[got["mmlu_pro_lo"] >= 40, "p_target"] >= 0.95).all()
    res = run_cli(
        "predict",
        "--benchmark",
        "bbh",
        "--map-posterior",
        str(tmp_path / "none.nc"),
        *LLAMA3_8B_FLAGS,
    )
    assert res.returncode == 2 and "argument --map-posterior: no such file" in res.stderr


@pytest.mark.slow
def test_mapping_fit_recovers_a_known_logistic():
    from bayes_perflaw.benchmarks.model import BenchmarkMap

    rng = np.random.default_rng(1)
    x = rng.uniform(25, 85, 80)
    y = map_mean(x, {"a": -1.2, "b": 0.7, "floor": 10.0}, "logistic") + rng.normal(0, 1.5, 80)
    df = pd.DataFrame({"model": [f"m{i}" for i in range(80)], "mmlu": x, "mmlu_pro": y})
    fitted = BenchmarkMap("mmlu-pro", "logistic").fit(df, chains=2, draws=500, tune=500, seed=4)
    idata, meta = fitted.idata, fitted.meta
    assert meta["diagnostics"]["converged"]
    assert float(idata.posterior["floor"].min()) == float(idata.posterior["floor"].max()) == 10.0  # fixed prior
    for name, true in (("a", -1.2), ("b", 0.7), ("sigma", 1.5)):
        lo, hi = np.quantile(idata.posterior[name].values, [0.005, 0.995])
        assert lo <= true <= hi, (name, lo, hi)


def test_map_slope_is_the_derivative():
    from bayes_perflaw.benchmarks.mapping import map_slope

    params = {"a": -1.5, "b": 0.66, "floor": 10.0, "c0": 30.0, "c1": 0.65}
    x = np.linspace(25, 90, 14)
    for variant in ("logistic", "linear", "published"):
        numeric = (map_mean(x + 1e-5, params, variant) - map_mean(x - 1e-5, params, variant)) / 2e-5
        assert map_slope(x, params, variant) == pytest.approx(numeric, rel=1e-6)


def test_cli_screen_on_mmlu_pro(tmp_path):
    src = tmp_path / "claims.csv"
    src.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,release,mmlu_pro\n"
        "typical-8b,32,4096,14336,15T,8B,2024-07,33\n"
        "inflated-8b,32,4096,14336,15T,8B,2024-07,70\n"
        "broken-70b,80,8192,28672,15T,70.6B,2024-07,12\n"
        "no-score,32,4096,14336,15T,8B,2024-07,\n"
    )
    out = tmp_path / "flags.csv"
    res = run_cli("screen", "--benchmark", "mmlu-pro", "--input", str(src), "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert "skipped row 4 (no-score): lacks mmlu_pro" in res.stdout
    flags = pd.read_csv(out, keep_default_na=False)
    assert flags["flag"].tolist() == ["", "high", "low"]
    assert flags["p_high"].iloc[1] > 0.5 and flags["p_low"].iloc[2] > 0.5
    assert (flags["mmlu_pro_lo"] < flags["mmlu_pro_hi"]).all()
    res = run_cli("screen", "--benchmark", "bbh", "--input", str(src))
    assert res.returncode == 2 and "missing required column 'bbh'" in res.stderr
    res = run_cli("screen", "--refit", "--benchmark", "mmlu-pro", "--input", str(src))
    assert res.returncode == 2 and "--refit fits the mixture on MMLU scores" in res.stderr
    src.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu_pro\na,32,4096,14336,15,8,130\n"
    )
    res = run_cli("screen", "--benchmark", "mmlu-pro", "--input", str(src))
    assert res.returncode == 2 and "'mmlu_pro'" in res.stderr and "between 0 and 100" in res.stderr
