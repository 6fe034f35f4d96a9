"""The shipped posterior and NumPy prediction from it (fast: no sampling)."""

from __future__ import annotations

import json
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest
from conftest import LLAMA3_8B_FLAGS, ROOT, heavy_imports, run_cli

from bayes_perflaw.core.errors import DataError, PosteriorFileError
from bayes_perflaw.core.paths import default_posterior, reference_table
from bayes_perflaw.core.posterior import file_hash, load_draws
from bayes_perflaw.core.tables import read_table
from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT, level_scale
from bayes_perflaw.perflaw.predict import effects, latent_mean, predict_bayes, predictive_draws, recipes_for
from bayes_perflaw.perflaw.schema import validate

RECIPES = pd.DataFrame(
    {
        "model": ["a-8b", "b-70b", "c-0.5b"],
        "num_hidden_layers": [32.0, 80.0, 24.0],
        "hidden_size": [4096.0, 8192.0, 896.0],
        "intermediate_size": [14336.0, 28672.0, 4864.0],
        "tokens_T": [15.0, 15.0, 12.0],
        "params_B": [8.03, 70.6, 0.49],
        "release": ["2024-07", "2024-07", "2024-07"],
    }
)


@pytest.fixture(scope="module")
def post():
    return load_draws(default_posterior())


def test_shipped_posterior_matches_reference_data_hash():
    card = json.loads(default_posterior().with_suffix(".json").read_text())
    assert card["data_hash"] == file_hash(reference_table()), "refit the shipped posterior: make models"
    assert load_draws(default_posterior()).meta["data_hash"] == card["data_hash"]


def test_shipped_posterior_is_default_variant_and_converged(post):
    assert post.meta["variant"] == DEFAULT_VARIANT
    diag = post.meta["diagnostics"]
    assert diag["converged"] and diag["divergences"] == 0 and diag["r_hat_max"] <= 1.01
    assert diag["ess_bulk_min"] >= 100 * diag["chains"]
    assert post.n_draws == diag["chains"] * diag["draws"]
    assert post.meta["priors"]["w1"]["dist"] == "Normal" and post.meta["seed"] == 1


def test_predict_same_seed_same_numbers_and_ordered_intervals(post):
    a = predict_bayes(RECIPES, post, seed=7)
    b = predict_bayes(RECIPES, post, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert (a["mmlu_lo"] <= a["mmlu_median"]).all() and (a["mmlu_median"] <= a["mmlu_hi"]).all()
    assert a["mmlu_mean"].iloc[1] > a["mmlu_mean"].iloc[0] > a["mmlu_mean"].iloc[2]  # 70B > 8B > 0.5B
    narrow = predict_bayes(RECIPES, post, seed=7, prob=0.5)
    assert ((narrow["mmlu_hi"] - narrow["mmlu_lo"]) < (a["mmlu_hi"] - a["mmlu_lo"])).all()
    no_noise = predict_bayes(RECIPES, post, seed=7, noise=False)
    assert ((no_noise["mmlu_hi"] - no_noise["mmlu_lo"]) < (a["mmlu_hi"] - a["mmlu_lo"])).all()


def test_interval_is_equal_tailed_quantiles_of_the_draws(post):
    draws = predictive_draws(RECIPES, post, seed=3)
    summary = predict_bayes(RECIPES, post, seed=3, draws=None)  # every draw, as predictive_draws
    lo, med, hi = np.quantile(draws, [0.05, 0.5, 0.95], axis=1)
    assert summary["mmlu_lo"].to_numpy() == pytest.approx(lo)
    assert summary["mmlu_median"].to_numpy() == pytest.approx(med)
    assert summary["mmlu_hi"].to_numpy() == pytest.approx(hi)
    assert draws.min() >= 25.0 and draws.max() <= 100.0


def test_numpy_mean_equals_the_pymc_model_mean(post):
    """The PyMC model and prediction call the same law: evaluate both at one posterior draw."""
    pm = pytest.importorskip("pymc")
    from bayes_perflaw.perflaw.model import PerformanceLaw

    df = validate(read_table(reference_table()), require_law_inputs=False)
    spec = PerformanceLaw(variant=post.meta["variant"], priors=post.meta["priors"])
    data = spec.prepare(df)
    model = spec.build(data)
    k = 123
    fixed = {name: post.values[name][k] for name in ("w1", "w2", "w3", "w4", "b_ref", "gamma", "beta", "kappa")}
    fixed["era"] = post.values["era"][k]
    mu_pymc = pm.do(model, fixed)["mu"].eval()
    one = type(post)(post.kind, post.meta, {n: v[k : k + 1] for n, v in post.values.items()}, post.coords)
    mu_numpy = latent_mean(data.table, one, 0)[:, 0]
    assert mu_numpy == pytest.approx(mu_pymc, abs=1e-8)
    # the model's written-out censored t(4) likelihood equals SciPy's, and the NumPy log-likelihood (LOO)
    from bayes_perflaw.perflaw.likelihood import censored_t_logp_scipy

    fixed["sigma"] = post.values["sigma"][k]
    sigma = post.values["sigma"][k][data.source_idx]
    if "noise_slope" in post.values:  # era_level: each row's noise scaled by the profile at its mean
        fixed.update(noise_slope=post.values["noise_slope"][k], noise_curve=post.values["noise_curve"][k])
        sigma = sigma * level_scale(mu_numpy, fixed["noise_slope"], fixed["noise_curve"])
        assert sigma.max() / sigma.min() > 1.5  # the profile varies over the table
    loglik_pymc = pm.do(model, fixed)["mmlu_censored_t4"].eval()
    loglik_scipy = censored_t_logp_scipy(np.maximum(data.y, 30.0), data.censored, mu_numpy, sigma, 4.0).sum()
    loglik_numpy = spec.loglik(data, one.values)["mmlu"].sum()
    assert data.censored.sum() >= 1 and loglik_pymc == pytest.approx(loglik_scipy, rel=1e-10)
    assert loglik_numpy == pytest.approx(loglik_pymc, rel=1e-10)


def test_t4_log_cdf_is_exact_in_both_tails():
    from scipy import stats

    from bayes_perflaw.perflaw.likelihood import t4_log_cdf

    z = np.concatenate([-np.logspace(-3, 4, 200), [0.0], np.logspace(-3, 4, 200)])
    assert t4_log_cdf(z) == pytest.approx(stats.t.logcdf(z, 4), rel=1e-12, abs=1e-14)


def test_era_extrapolation_adds_drift_and_spread(post):
    last_bin = post.meta["era_start"] + 0.5 * max(post.meta["era_bins"])
    inside = RECIPES.iloc[[0]].assign(release=f"{int(last_bin)}-{int(round((last_bin % 1) * 12)) + 1:02d}")
    later = RECIPES.iloc[[0]].assign(release=f"{int(last_bin) + 2}-{int(round((last_bin % 1) * 12)) + 1:02d}")
    e_in, e_late = (effects(recipes_for(t, post, 0), post, 0)[0] for t in (inside, later))
    assert np.all(e_in == 0.0)  # the anchor bin
    assert e_late.std() > 1.0  # four half-year steps of random walk
    expected_mean = 4 * post.values["drift_era"].mean()
    assert e_late.mean() == pytest.approx(expected_mean, abs=4 * e_late.std() / np.sqrt(e_late.size))


def test_unknown_source_kind_is_an_error(post):
    with pytest.raises(DataError, match="unknown source kind 'leaderboard'"):
        predict_bayes(RECIPES.assign(mmlu_source_kind="leaderboard"), post)


def test_predict_never_imports_pymc_or_arviz(tmp_path):
    argv = ["predict", *LLAMA3_8B_FLAGS]
    assert heavy_imports(argv, tmp_path) == []


def test_cli_predict_bayes_from_csv_with_pass_through(tmp_path):
    src = tmp_path / "r.csv"
    RECIPES.assign(team=["x", "y", "z"]).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = run_cli("predict", "--input", str(src), "--output", str(out), "--prob", "0.8", "--seed", "11")
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out)
    assert got["team"].tolist() == ["x", "y", "z"]
    expect = predict_bayes(RECIPES.assign(team=["x", "y", "z"]), load_draws(default_posterior()), prob=0.8, seed=11)
    assert got["mmlu_hi"].to_numpy() == pytest.approx(expect["mmlu_hi"].to_numpy(), abs=1e-4)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_kind", "missing_var", "nan_draws"])
def test_bad_posterior_files_are_refused(tmp_path, damage):
    bad = tmp_path / "post.nc"
    if damage == "garbage":
        bad.write_bytes(b"this is not a netCDF file at all")
    elif damage == "truncated":
        bad.write_bytes(default_posterior().read_bytes()[:50_000])
    else:
        shutil.copy(default_posterior(), bad)
        with h5py.File(bad, "r+") as f:
            if damage == "other_kind":
                f["posterior"].attrs["bp_kind"] = "flp"
            elif damage == "missing_var":
                del f["posterior"]["gamma"]
            else:
                f["posterior"]["w1"][0, 0] = np.nan
    with pytest.raises(PosteriorFileError):
        load_draws(bad)
    out = tmp_path / "o.csv"
    res = run_cli(
        "predict",
        "--posterior",
        str(bad),
        *LLAMA3_8B_FLAGS,
        "--output",
        str(out),
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr and str(bad) in res.stderr
    assert not out.exists()


def test_missing_posterior_file_message(tmp_path):
    res = run_cli(
        "predict",
        "--posterior",
        str(tmp_path / "none.nc"),
        *LLAMA3_8B_FLAGS,
    )
    assert res.returncode == 2 and "argument --posterior: no such file" in res.stderr


def test_readme_quick_start_is_two_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
