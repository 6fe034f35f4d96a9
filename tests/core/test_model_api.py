"""The one model API: likelihood parity (PyMC model vs NumPy) for every model, the id checked on load, the sampler
config, validation inside the Python API, and the notebook example run from a fresh directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import bayes_perflaw as bp
from bayes_perflaw.core.errors import DataError, PosteriorFileError
from bayes_perflaw.core.paths import data_dir, reference_table
from bayes_perflaw.core.sampling import SamplerConfig
from bayes_perflaw.core.tables import read_table
from bayes_perflaw.perflaw.schema import validate

RECIPES = pd.DataFrame(
    {
        "model": ["a", "b"],
        "num_hidden_layers": [32, 24],
        "hidden_size": [4096, 896],
        "intermediate_size": [14336, 4864],
        "tokens_T": ["15T", "18e12"],
        "params_B": ["8B", "490M"],
    }
)


def test_validate_is_idempotent():
    raw = read_table(reference_table())
    once = validate(raw, require_law_inputs=False)
    twice = validate(once, require_law_inputs=False)
    pd.testing.assert_frame_equal(once, twice)


def test_predict_accepts_units_and_returns_pandas_and_xarray():
    law = bp.PerformanceLaw.load()
    out = law.predict(RECIPES, prob=0.9)
    assert list(out.columns[:6]) == list(RECIPES.columns)  # input columns pass through unchanged
    assert out["tokens_T"].tolist() == ["15T", "18e12"] and out["params_B"].tolist() == ["8B", "490M"]
    assert (out["mmlu_lo"] < out["mmlu_median"]).all() and (out["mmlu_median"] < out["mmlu_hi"]).all()
    da = law.predict_draws(RECIPES)
    assert da.dims == ("model", "draw") and list(da["model"].values) == ["a", "b"]
    # the DataFrame summarises exactly these draws (same seed, same chunks)
    assert out["mmlu_mean"].to_numpy() == pytest.approx(da.mean("draw").values, abs=1e-12)


def test_bad_frame_raises_the_cli_error():
    law = bp.PerformanceLaw.load()
    with pytest.raises(DataError, match=r"recipes, row 2 \(model 'b'\), column 'params_B'"):
        law.predict(RECIPES.assign(params_B=["8B", "8 billion"]))


def test_benchmark_map_chains_law_draws():
    law = bp.PerformanceLaw.load()
    da = law.predict_draws(RECIPES)
    pro = bp.BenchmarkMap.load("mmlu-pro").predict(da)
    assert pro["model"].tolist() == ["a", "b"]
    assert (pro["mmlu_pro_lo"] >= 0).all() and (pro["mmlu_pro_hi"] <= 100).all()
    assert pro["mmlu_pro_median"].iloc[0] > pro["mmlu_pro_median"].iloc[1]


def test_files_of_another_kind_variant_or_benchmark_are_refused(tmp_path):
    with pytest.raises(PosteriorFileError, match="kind 'perflaw', expected 'screen'"):
        bp.Screening.load(ROOT / "models" / "perflaw.nc")
    with pytest.raises(PosteriorFileError, match="kind 'screen', expected 'perflaw'"):
        bp.PerformanceLaw.load(ROOT / "models" / "screen.nc")
    with pytest.raises(PosteriorFileError, match="for benchmark 'mmlu-pro', expected 'bbh'"):
        bp.BenchmarkMap.load("bbh", ROOT / "models" / "map-mmlu-pro.nc")
    # priors edited after the fit no longer match the recorded id
    bad = tmp_path / "edited.nc"
    bad.write_bytes((ROOT / "models" / "perflaw.nc").read_bytes())
    with h5py.File(bad, "r+") as f:
        f["posterior"].attrs["bp_priors"] = f["posterior"].attrs["bp_priors"].replace('"mu": 0.0', '"mu": 0.5', 1)
    with pytest.raises(PosteriorFileError, match="model id does not match"):
        bp.PerformanceLaw.load(bad)


def test_sampler_config_merges_and_refuses_bad_values():
    base = SamplerConfig()
    cfg = base.merged(draws=300, tune=None, seed=2)
    assert (cfg.draws, cfg.tune, cfg.seed, cfg.sampler) == (300, 1000, 2, "nutpie")
    with pytest.raises(DataError, match="option --chains: must be a whole number >= 1, got 0"):
        base.merged(chains=0)
    with pytest.raises(DataError, match="unknown sampler 'stan'"):
        base.merged(sampler="stan")
    with pytest.raises(DataError, match="unknown sampler setting 'draw'"):
        base.merged(draw=10)


def test_priors_and_variants_are_parsed_once():
    law = bp.PerformanceLaw(variant="era_org", priors={"kappa": 0.5})
    assert law.variant.era and law.variant.org and not law.variant.mixture
    assert law.priors["kappa"] == 0.5 and law.model_id != bp.PerformanceLaw(variant="era_org").model_id
    with pytest.raises(DataError, match="unknown variant 'era_mix'"):
        bp.PerformanceLaw(variant="era_mix")  # a mixture is the Screening model's
    with pytest.raises(DataError, match="unknown parameter 'w9'"):
        bp.PerformanceLaw(priors={"w9": 1.0})
    flp = bp.FLP("power+linear+code", {"alpha": {"dist": "Normal", "kwargs": {"mu": -0.1, "sigma": 0.1}}})
    assert flp.variant.domains == ("c4", "code") and flp.priors["alpha"]["kwargs"]["mu"] == -0.1


@pytest.mark.parametrize("name", ["screen", "flp", "map"])
def test_pymc_likelihood_equals_numpy_loglik_at_a_posterior_draw(name):
    """For every model, the PyMC model's log-likelihood at posterior draw k equals the NumPy one (LOO, screening)."""
    pm = pytest.importorskip("pymc")
    from bayes_perflaw.flp.ladder import read_ladder

    k = 17
    if name == "screen":
        model = bp.Screening.load()
        data = model.prepare(validate(read_table(reference_table()), require_law_inputs=False))
        free = ("w1", "w2", "w3", "w4", "b_ref", "gamma", "beta", "kappa", "era", "sigma")
        free += ("mix_weights", "shift_high", "shift_low", "tau_era", "drift_era")
        models = {"": model.build(data)}
    elif name == "flp":
        model = bp.FLP.load()
        data = model.prepare(read_ladder(data_dir() / "flp" / "olmo_ladder.csv"))
        models = model.stages(data)
    else:
        model = bp.BenchmarkMap.load("bbh")
        data = model.prepare(pd.read_csv(data_dir() / "benchmark_map.csv"))
        models = {"": model.build(data)}
    values = {n: v[k : k + 1] for n, v in model.draws.values.items()}
    if name == "flp":  # run effects (levels, slopes) are not stored: both sides at zero (a valid zero-sum value)
        zero = np.zeros((1, len(data.tasks), len(data.runs)))
        values.update(run_effect=zero, run_slope=zero, run_effect_z=zero, run_slope_z=zero)
    total_pymc = 0.0
    for m in models.values():
        fixed = {rv.name: values[rv.name][0] for rv in m.free_RVs if rv.name in values}
        if name == "screen":
            fixed["era"] = values["era"][0]
            fixed.pop("tau_era", None), fixed.pop("drift_era", None)
        done = pm.do(m, fixed)
        lik = done.observed_RVs + done.potentials
        total_pymc += float(done.compile_fn(done.logp(vars=lik, jacobian=False), inputs=[])({}))
    total_numpy = sum(float(v.sum()) for v in model.loglik(data, values).values())
    assert np.isfinite(total_numpy) and total_numpy == pytest.approx(total_pymc, rel=1e-9)


@pytest.mark.slow
def test_notebook_example_runs_in_a_fresh_directory(tmp_path):
    res = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "notebook_api.py")], capture_output=True, text=True, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "draws: {'model': 2, 'draw': 1000}" in res.stdout
    assert "refused: recipes, row 1 (model 'llama3-8b-like'), column 'params_B'" in res.stdout
    assert not any(Path(tmp_path).iterdir())  # it writes nothing where it runs


def test_saved_fit_is_this_model_on_this_data(tmp_path):
    """What `fit --skip-if-current` and the FLP backtest's reuse ask: the same model id and the same data file."""
    shipped, ref = ROOT / "models" / "perflaw.nc", reference_table()
    assert bp.PerformanceLaw(variant="era_level").saved_fit(shipped, ref) is not None
    assert bp.PerformanceLaw().saved_fit(shipped, ref) is not None  # the default variant is the shipped one
    assert bp.PerformanceLaw(variant="era").saved_fit(shipped, ref) is None  # another variant
    assert bp.PerformanceLaw(priors={"kappa": 0.5}).saved_fit(shipped, ref) is None  # other priors
    other = tmp_path / "ref.csv"
    other.write_bytes(ref.read_bytes() + b"\n")
    assert bp.PerformanceLaw().saved_fit(shipped, other) is None  # another data file
    assert bp.PerformanceLaw().saved_fit(tmp_path / "missing.nc", ref) is None
    ladder, flp = data_dir() / "flp" / "olmo_ladder.csv", ROOT / "models" / "flp-olmo.nc"
    assert bp.FLP().saved_fit(flp, ladder) is not None
    assert bp.FLP(margin=0.1).saved_fit(flp, ladder) is None  # the data selection is part of the id
