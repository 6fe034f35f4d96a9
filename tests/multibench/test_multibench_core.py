"""The latent-capability model's pure parts: link, loadings, floors/ceilings, likelihood, table reading, and
the grid's conditional predictive against independent numerical integration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.multibench.benchmarks import (
    assemble_loadings,
    bounded_score,
    floors_and_ceilings,
    loading_layout,
    reflection_signs,
    student_t_logp,
)
from bayes_perflaw.multibench.condition import Globals, Predictive, marginal_loglik, predictive, row_grid
from bayes_perflaw.multibench.data import covariates, fit_data, read_scores

BENCHES = ["mmlu", "arc_c", "gsm8k", "truthfulqa", "humaneval"]


def test_loading_layout_by_hand():
    pos, free = loading_layout(BENCHES, 1)
    assert pos == [(i, 0) for i in range(5)] and free == []
    pos, free = loading_layout(BENCHES, 2)
    # factor 1: all positive; mmlu (anchor 1) loads no factor 2; gsm8k anchors factor 2 (free, sign folded later)
    assert pos == [(i, 0) for i in range(5)]
    assert free == [(1, 1), (2, 1), (3, 1), (4, 1)]
    pos, free = loading_layout(BENCHES, 3)
    assert (0, 1) not in free and (2, 2) not in free  # mmlu: only f1; gsm8k: no f3
    assert (4, 2) in free and (1, 2) in free


def test_assemble_loadings_numpy_and_pytensor_agree():
    import pytensor.tensor as pt

    layout = loading_layout(BENCHES, 2)
    rng = np.random.default_rng(0)
    pos, free = rng.uniform(0.1, 2, len(layout[0])), rng.normal(size=len(layout[1]))
    lam = assemble_loadings(pos, free, layout, 5, 2)
    assert lam.shape == (5, 2) and lam[0, 1] == 0.0
    assert lam[2, 1] == free[1] and lam[3, 0] == pos[3]
    sym = assemble_loadings(pt.as_tensor(pos), pt.as_tensor(free), layout, 5, 2, xp=pt).eval()
    np.testing.assert_allclose(sym, lam)


def test_bounded_score_and_floors_by_hand():
    assert bounded_score(0.0, 25.0, 95.0) == pytest.approx(60.0)
    assert bounded_score(np.log(3.0), 0.0, 80.0) == pytest.approx(60.0)  # sigmoid(log 3) = 3/4
    lows, tops = np.array([24.0, 20.0, 0.5, 30.0, 1.0]), np.array([85.0, 70.0, 80.0, 60.0, 60.0])
    floor, ceiling = floors_and_ceilings(np.array([0.5]), np.full(5, 0.5), lows, tops, BENCHES)
    # truthfulqa has no known chance: half its lowest score; the others their chance level
    np.testing.assert_allclose(floor, [25.0, 25.0, 0.0, 15.0, 0.0])
    np.testing.assert_allclose(ceiling, [92.5, 85.0, 90.0, 80.0, 80.0])


def test_student_t_logp_matches_scipy():
    y, mu, s, nu = np.array([10.0, 55.0, 90.0]), np.array([12.0, 50.0, 70.0]), np.array([2.0, 3.0, 4.0]), 4.0
    np.testing.assert_allclose(student_t_logp(y, mu, s, nu), stats.t.logpdf(y, nu, mu, s), rtol=1e-12)


def test_reflection_signs_follow_the_anchor():
    layout = loading_layout(BENCHES, 2)
    col = layout[1].index((2, 1))  # gsm8k on factor 2
    free = np.ones((3, len(layout[1])))
    free[1, col] = -0.4
    np.testing.assert_array_equal(reflection_signs(free, layout[1], BENCHES, 2), [[1, 1], [1, -1], [1, 1]])


def _table(**cols) -> pd.DataFrame:
    t = pd.DataFrame(cols)
    t.attrs["source"] = "claims.csv"
    return t


def test_read_scores_errors_name_file_row_model_and_column():
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a", "b"], mmlu=["60", "sixty"]))
    assert str(err.value) == (
        "claims.csv, row 2 (model 'b'), column 'mmlu': must be a score in percent (0-100) or empty, got 'sixty'"
    )
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a"], mmlu=[101.0]))
    assert "row 1 (model 'a'), column 'mmlu'" in str(err.value)
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a", "b", "c"], arc_c=[0.5, 0.2, 0.9]))
    assert str(err.value) == (
        "claims.csv, column 'arc_c': every score is at most 1: looks like fractions; give percent "
        "(e.g. 65.2, not 0.652)"
    )
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a"], mmlu=[50.0]), ["mmlu", "arc_c"], require_columns=True)
    assert (
        str(err.value)
        == "claims.csv, column 'arc_c': missing required column 'arc_c' (a benchmark given with --benchmarks)"
    )
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a"], mmlu=[50.0], params_B=["8 bananas"]))
    assert "row 1 (model 'a'), column 'params_B'" in str(err.value)


def test_covariates_by_hand():
    t = read_scores(_table(model=["a", "b"], mmlu=[50.0, ""], params_B=["8B", ""], tokens_T=["15T", "2T"]))
    assert np.isnan(t.scores[1, 0])
    log_c = np.log10(6 * 8e9 * 15e12)
    assert t.log_compute[0] == pytest.approx(log_c) and np.isnan(t.log_compute[1])
    assert t.log_tpp[0] == pytest.approx(np.log10(15e12 / 8e9))
    scaling = {"log_compute_mean": 23.0, "log_compute_sd": 0.5, "log_tpp_mean": 2.0, "log_tpp_sd": 0.25}
    x = covariates(t, scaling)
    np.testing.assert_allclose(x[0], [(log_c - 23.0) / 0.5, (np.log10(1875.0) - 2.0) / 0.25, 0.0])
    np.testing.assert_allclose(x[1], [0.0, 0.0, 1.0])


def test_release_covariates_by_hand():
    """With a release-time fit's scaling, two more columns: the standardised decimal year (0 when unknown) and an
    unknown-release indicator; a date is read as its month; without release the column is checked, not used."""
    t = read_scores(
        _table(model=["a", "b", "c"], mmlu=[50.0, 60.0, 70.0], release=["2024-07", "", "2023-01-15"]), release=True
    )
    np.testing.assert_allclose(t.release[[0, 2]], [2024.5, 2023.0])
    assert np.isnan(t.release[1])
    scaling = {"log_compute_mean": 23.0, "log_compute_sd": 0.5, "log_tpp_mean": 2.0, "log_tpp_sd": 0.25}
    assert covariates(t, scaling).shape == (3, 3)
    x = covariates(t, scaling | {"release_mean": 2023.5, "release_sd": 0.5})
    np.testing.assert_allclose(x[:, 3:], [[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_allclose(x[:, 2], 1.0)  # no recipe given
    assert read_scores(_table(model=["a"], mmlu=[50.0], release=["2024-07"])).release is None
    with pytest.raises(DataError, match=r"^claims.csv, row 1 \(model 'a'\), column 'release': must be a month"):
        read_scores(_table(model=["a"], mmlu=[50.0], release=["soon"]))  # checked even where not used


def test_release_errors_name_file_row_model_and_column():
    with pytest.raises(DataError) as err:
        read_scores(_table(model=["a", "b"], mmlu=[50.0, 60.0], release=["2024-07", "2024-02-30"]), release=True)
    assert str(err.value) == (
        "claims.csv, row 2 (model 'b'), column 'release': must be a month YYYY-MM from 2015-01 to 2099-12 (or a "
        "date YYYY-MM-DD), "
        "got '2024-02-30'"
    )
    ten = _table(model=list("abcdefghij"), mmlu=np.linspace(30, 70, 10), params_B=range(1, 11), tokens_T=2)
    with pytest.raises(DataError, match="needs a release month for at least 3 rows"):
        fit_data(ten.assign(release=["2024-01", "2023-01"] + [""] * 8), release=True)
    data = fit_data(ten.assign(release=["2024-01", "2024-07", "2023-01"] + [""] * 7), release=True)
    assert data.scaling["release_mean"] == pytest.approx((2024.0 + 2024.5 + 2023.0) / 3)
    assert data.scaling["release_sd"] == pytest.approx(np.std([2024.0, 2024.5, 2023.0]))
    assert data.X.shape == (10, 5)


def test_fit_data_needs_mmlu_and_distinct_models():
    t = _table(model=["a", "a"], mmlu=[50.0, 51.0])
    with pytest.raises(
        DataError,
        match=r"^claims.csv, row 2 \(model 'a'\), column 'model': duplicate model name "
        r"\(first used in row 1\)$",
    ):
        fit_data(t)


def _one_draw_globals() -> Globals:
    """K = 1, two benchmarks, one posterior draw: a = 0, loadings 1.5 and 1.0, floors 25/0, ceilings 90/80."""
    return Globals(
        benches=["mmlu", "gsm8k"],
        a=np.array([[0.0, -1.0]]),
        lam=np.array([[[1.5], [1.0]]]),
        floor=np.array([[25.0, 0.0]]),
        ceiling=np.array([[90.0, 80.0]]),
        sigma=np.array([[2.0, 4.0]]),
        nu=np.array([4.0]),
        beta=np.array([[[0.5, 0.0, 0.0]]]),
    )


def test_grid_predictive_matches_quadrature():
    """MMLU's predictive given GSM8K, by the grid, against scipy's adaptive quadrature over the capability."""
    g, x = _one_draw_globals(), np.array([1.0, 0.0, 0.0])
    y = np.array([np.nan, 40.0])

    def mean(b, eps):
        return bounded_score(g.a[0, b] + g.lam[0, b, 0] * (0.5 + eps), g.floor[0, b], g.ceiling[0, b])

    def post(eps):  # unnormalised posterior of eps given gsm8k
        return stats.norm.pdf(eps) * stats.t.pdf(40.0, 4.0, mean(1, eps), 4.0)

    z = integrate.quad(post, -10, 10, points=[0.0], limit=200)[0]
    cdf_65 = integrate.quad(lambda e: post(e) * stats.t.cdf(65.0, 4.0, mean(0, e), 2.0), -10, 10, limit=200)[0] / z
    grid = row_grid(g, x, y)
    pred = predictive(g, x, grid, 0, np.ones(1))
    assert isinstance(pred, Predictive)
    assert pred.tail_prob(65.0) == pytest.approx(2 * min(cdf_65, 1 - cdf_65), rel=2e-3)
    dens = integrate.quad(lambda e: post(e) * stats.t.pdf(65.0, 4.0, mean(0, e), 2.0), -10, 10, limit=200)[0] / z
    assert pred.log_density(65.0) == pytest.approx(np.log(dens), abs=2e-3)
    # the row's marginal likelihood of its one score
    assert marginal_loglik(grid[1], grid[2])[0] == pytest.approx(np.log(z), abs=2e-3)


def test_leaving_a_score_out_ignores_it():
    """A score's own predictive does not depend on the score (it never witnesses for itself)."""
    g, x = _one_draw_globals(), np.array([0.0, 0.0, 1.0])
    a = predictive(g, x, row_grid(g, x, np.array([50.0, 40.0])), 0, np.ones(1))
    b = predictive(g, x, row_grid(g, x, np.array([70.0, 40.0])), 0, np.ones(1))
    assert a.tail_prob(60.0) == pytest.approx(b.tail_prob(60.0), rel=1e-3)


def test_shift_memberships_point_the_right_way():
    g, x = _one_draw_globals(), np.array([0.0, 0.0, 1.0])
    pred = predictive(g, x, row_grid(g, x, np.array([np.nan, 40.0])), 0, np.ones(1))
    rng = np.random.default_rng(0)
    _, pick = pred.sample(rng, 2000)
    centre = float(pred.w @ pred.m)
    up, down = pred.shifted(centre + 15.0, pick)
    assert up > 0.3 and down < 0.01 * up
    up, down = pred.shifted(centre - 15.0, pick)
    assert down > 0.3 and up < 0.05 * down
    up, down = pred.shifted(centre, pick)
    assert up < 0.1 and down < 0.1


def test_multibench_table_rebuilds_from_vendored_files():
    """data/multibench.csv is exactly what scripts/build_multibench_data.py makes of the vendored sources."""
    from tests.conftest import ROOT, load_script

    mod = load_script("build_multibench_data")
    committed = (ROOT / "data" / "multibench.csv").read_text(encoding="utf-8")
    assert mod.build().to_csv(index=False) == committed
    assert pd.read_csv(ROOT / "data" / "multibench.csv")["release"].dropna().max() < "2025-04"


def test_release_months_and_tokens_from_the_vendored_sources():
    """The build's rules on four rows: a reference month is kept; otherwise the v2 leaderboard's hub upload month
    (2023-11-29 -> 2023-11), but not the hub's placeholder date 2022-03-02 (gpt2: left empty); otherwise Epoch AI's
    publication date under an alias (BTLM-3B-8K is Epoch's 'BTLM-3B': 2023-09-20); a token count over 100 T is
    dropped and Epoch's 627e9 tokens taken, each step said in the row's sources."""
    from tests.conftest import load_script

    mod = load_script("build_multibench_data")
    df = pd.DataFrame(
        {
            "model": [
                "meta-llama/Llama-2-7b-hf",
                "bigcode/starcoder2-3b",
                "openai-community/gpt2",
                "cerebras/btlm-3b-8k-base",
            ],
            "release": ["2023-07", "", "", ""],
            "tokens_T": [2.0, 3.3, np.nan, 627.0],
            "source_recipe": ["r"] * 4,
        }
    )
    out = mod.with_epoch_tokens(mod.with_release(df))
    assert out["release"].tolist() == ["2023-07", "2023-11", "", "2023-09"]
    assert out["source_release"].iloc[0] == "data/reference_models.csv (release)"
    assert "upload_date 2023-11-29" in out["source_release"].iloc[1] and out["source_release"].iloc[2] == ""
    assert "publication_date 2023-09-20 of 'BTLM-3B'" in out["source_release"].iloc[3]
    assert out["tokens_T"].iloc[3] == pytest.approx(0.627) and out["tokens_T"].iloc[1] == 3.3
    assert "tokens_T 627 there dropped" in out["source_recipe"].iloc[3]
    assert "training_dataset_size_datapoints of 'BTLM-3B'" in out["source_recipe"].iloc[3]


def test_level_factor_by_hand():
    """exp(slope * (4 p (1 - p) - 0.5)), p the mean's position between floor and ceiling, clipped to [0, 1]."""
    from bayes_perflaw.multibench.benchmarks import level_factor

    mu = np.array([25.0, 57.5, 41.25, 100.0, 10.0])  # p = 0, 0.5, 0.25, past the ceiling, below the floor
    got = level_factor(mu, 25.0, 90.0, 0.8)
    want = np.exp(0.8 * np.array([-0.5, 0.5, 4 * 0.25 * 0.75 - 0.5, -0.5, -0.5]))  # 4p(1-p): 0, 1, 0.75, 0, 0
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert level_factor(57.5, 25.0, 90.0, 0.0) == 1.0  # slope 0: constant noise


def test_grid_predictive_with_a_level_dependent_noise_matches_quadrature():
    """k2h's noise: each score's scale is sigma * level_factor(mean); MMLU's predictive given GSM8K by the grid
    against adaptive quadrature with the same scales written out."""
    from dataclasses import replace

    from bayes_perflaw.multibench.benchmarks import level_factor

    g = replace(_one_draw_globals(), noise_level=np.array([[0.9, -0.6]]))
    x, y = np.array([1.0, 0.0, 0.0]), np.array([np.nan, 40.0])

    def mean(b, eps):
        return bounded_score(g.a[0, b] + g.lam[0, b, 0] * (0.5 + eps), g.floor[0, b], g.ceiling[0, b])

    def scale(b, eps):
        return g.sigma[0, b] * level_factor(mean(b, eps), g.floor[0, b], g.ceiling[0, b], g.noise_level[0, b])

    def post(eps):
        return stats.norm.pdf(eps) * stats.t.pdf(40.0, 4.0, mean(1, eps), scale(1, eps))

    z = integrate.quad(post, -10, 10, points=[0.0], limit=200)[0]
    cdf = integrate.quad(lambda e: post(e) * stats.t.cdf(65.0, 4.0, mean(0, e), scale(0, e)), -10, 10, limit=200)[0]
    pred = predictive(g, x, row_grid(g, x, y), 0, np.ones(1))
    assert pred.tail_prob(65.0) == pytest.approx(2 * min(cdf / z, 1 - cdf / z), rel=2e-3)
    flat = predictive(_one_draw_globals(), x, row_grid(_one_draw_globals(), x, y), 0, np.ones(1))
    assert abs(pred.tail_prob(65.0) - flat.tail_prob(65.0)) > 0.01  # the level profile changes the answer


@pytest.mark.parametrize(
    ("variant", "k", "level", "release", "drift"),
    [
        ("k1", 1, False, False, False),
        ("k1h", 1, True, False, False),
        ("k3h", 3, True, False, False),
        ("k2hr", 2, True, True, False),
        ("k2hrd", 2, True, True, True),
    ],
)
def test_variant_names_give_factors_and_noise(variant, k, level, release, drift):
    """Each variant name sets the number of factors, whether the noise depends on the level, whether release time
    is a covariate and whether each benchmark drifts with it; the model built from it has exactly those parts."""
    from bayes_perflaw.multibench.model import MultiBench

    model = MultiBench(variant)
    data = model.prepare(pd.read_csv(model.default_data(), keep_default_na=False, na_values=[""]))
    built = model.build(data)
    assert model.k == k and len(built.coords["factor"]) == k
    assert ("noise_level" in built.named_vars) == level
    assert ("drift" in built.named_vars) == drift
    assert ("release_year" in built.coords["covariate"]) == release
    assert data.X.shape[1] == (5 if release else 3)
    if level:
        assert built.named_vars_to_dims["noise_level"] == ("bench",)
