"""The bounded link and the drifting organisation effect (variants ``bounded``, ``bounded_org``, ``era_org_drift``):
the link's algebra, the likelihood as a proper density, PyMC/NumPy parity, the organisation epochs and prediction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from bayes_perflaw.core.paths import default_posterior, reference_table
from bayes_perflaw.core.posterior import Draws, load_draws
from bayes_perflaw.core.streams import keyed_normal
from bayes_perflaw.core.tables import read_table
from bayes_perflaw.perflaw.data import OrgEpochs, prepare
from bayes_perflaw.perflaw.laws import bounded_eta, bounded_log_slope, bounded_score, bounded_score_inplace
from bayes_perflaw.perflaw.likelihood import bounded_t4_logp
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR, VARIANTS
from bayes_perflaw.perflaw.predict import latent_mean, predict_bayes
from bayes_perflaw.perflaw.schema import validate


def test_bounded_link_is_the_identity_at_mid_range_and_stays_inside_chance_and_ceiling():
    ceiling = 93.0
    mid = 25.0 + (ceiling - 25.0) / 2  # 59
    assert bounded_score(mid, ceiling) == pytest.approx(mid)
    h = 1e-5
    assert (bounded_score(mid + h, ceiling) - bounded_score(mid - h, ceiling)) / (2 * h) == pytest.approx(1.0)
    # by hand: eta = mid + R/4 * ln 3 gives sigmoid(ln 3) = 3/4 of the range, 25 + 0.75 * 68 = 76
    assert bounded_score(mid + 17.0 * np.log(3.0), ceiling) == pytest.approx(76.0)
    eta = np.linspace(-1e4, 1e4, 2001)
    score = bounded_score(eta, ceiling)
    assert np.all((score >= 25.0) & (score <= ceiling)) and np.all(np.diff(score) >= 0)


def test_bounded_link_inverse_slope_and_inplace_form_agree():
    y = np.linspace(25.5, 92.5, 50)
    assert bounded_score(bounded_eta(y, 93.0), 93.0) == pytest.approx(y)
    h = 1e-6
    numeric = (bounded_score(bounded_eta(y, 93.0) + h, 93.0) - bounded_score(bounded_eta(y, 93.0) - h, 93.0)) / (2 * h)
    assert np.exp(bounded_log_slope(y, 93.0)) == pytest.approx(numeric, rel=1e-5)
    eta = np.random.default_rng(0).normal(60, 30, size=(7, 5))
    ceiling = np.array([90.0, 91.0, 93.0, 95.0, 99.0])
    assert bounded_score_inplace(eta.copy(), ceiling) == pytest.approx(bounded_score(eta, ceiling[None, :]))


@pytest.mark.parametrize(("eta", "sigma", "ceiling"), [(60.0, 5.0, 93.0), (85.0, 8.0, 90.0), (32.0, 4.0, 95.0)])
def test_bounded_likelihood_is_a_proper_density_with_its_censored_mass(eta, sigma, ceiling):
    """The density of an uncensored score over (floor, ceiling) plus the censored mass at the floor is 1: the
    Jacobian of the latent-scale noise is right."""
    density = lambda y: np.exp(bounded_t4_logp(np.array([y]), np.array([False]), eta, sigma, ceiling))[0]  # noqa: E731
    inside, _ = integrate.quad(density, FLOOR_CENSOR, ceiling, limit=200)
    censored = np.exp(bounded_t4_logp(np.array([FLOOR_CENSOR]), np.array([True]), eta, sigma, ceiling))[0]
    assert inside + censored == pytest.approx(1.0, abs=1e-6)


def test_organisation_epochs_by_hand():
    # organisations 0, 1; bins as released: org 1 in bins 3, 3, 5; org 0 in bins 1, 4
    org = np.array([1, 0, 1, 0, 1])
    pos = np.array([3, 1, 3, 4, 5])
    ep = OrgEpochs.of(org, pos)
    assert ep.org.tolist() == [0, 0, 1, 1] and ep.bin.tolist() == [1, 4, 3, 5]
    assert ep.first.tolist() == [True, False, True, False]
    assert ep.gap.tolist() == [1, 3, 1, 2] and ep.start.tolist() == [0, 0, 2, 2]
    assert ep.obs_idx.tolist() == [2, 0, 2, 1, 3]


@pytest.mark.filterwarnings("ignore:The effect of Potentials")
@pytest.mark.parametrize(
    "variant", ["bounded", "bounded_org", "era_org_drift", "era_org_switch", "era_level", "era_org_level"]
)
def test_pymc_likelihood_equals_numpy_loglik_at_a_prior_draw(variant):
    """The PyMC model's log-likelihood at a draw of every free variable equals the NumPy one used for LOO."""
    pm = pytest.importorskip("pymc")
    from bayes_perflaw.perflaw.model import PerformanceLaw

    model = PerformanceLaw(variant=variant)
    data = model.prepare(validate(read_table(reference_table()), require_law_inputs=False))
    m = model.build(data)
    with m:
        prior = pm.sample_prior_predictive(1, random_seed=3).prior
    values = {k: prior[k].values[0] for k in prior.data_vars}
    values.update(nu=np.full(1, 4.0), kappa=np.zeros(1))
    fixed = {rv.name: values[rv.name][0] for rv in m.free_RVs}
    done = pm.do(m, fixed)
    total_pymc = float(done.compile_fn(done.logp(vars=done.potentials, jacobian=False), inputs=[])({}))
    total_numpy = float(model.loglik(data, values)["mmlu"].sum())
    assert np.isfinite(total_numpy) and total_numpy == pytest.approx(total_pymc, rel=1e-9)


@pytest.fixture(scope="module")
def drift_post():
    """The shipped era posterior with a drifting organisation effect added: Meta's states +4 (2023H1) and -2
    (2024H1), tau_org 3, tau_org_drift 2."""
    post = load_draws(default_posterior())
    n, start = post.n_draws, float(post.meta["era_start"])
    bins = [int(round((2023.0 - start) / 0.5)), int(round((2024.0 - start) / 0.5))]
    values = {
        **post.values,
        "org_state": np.column_stack([np.full(n, 4.0), np.full(n, -2.0)]),
        "tau_org": np.full(n, 3.0),
        "tau_org_drift": np.full(n, 2.0),
    }
    meta = {**post.meta, "variant": "era_org_drift", "org_epoch_org": ["Meta", "Meta"], "org_epoch_bin": bins}
    return Draws(post.kind, meta, values, post.coords, post.fit_scores), post


def _rows(release: list[str], org: list[str]) -> pd.DataFrame:
    n = len(release)
    return validate(
        pd.DataFrame(
            {
                "model": [f"m{i}" for i in range(n)],
                "organization": org,
                "release": release,
                "num_hidden_layers": [32] * n,
                "hidden_size": [4096] * n,
                "intermediate_size": [14336] * n,
                "tokens_T": [15.0] * n,
                "params_B": [8.0] * n,
            }
        ),
        require_law_inputs=True,
    )


def test_drifting_organisation_effect_in_prediction(drift_post):
    post, base = drift_post
    rows = _rows(["2024-03", "2025-02", "2022-09", "2024-03"], ["Meta", "meta", "Meta", "New Lab"])
    with_org = latent_mean(rows, post, seed=5, link=False)
    without = latent_mean(rows, base, seed=5, link=False)
    effect = with_org - without
    assert effect[0] == pytest.approx(np.full(post.n_draws, -2.0))  # its state in the bin it released in
    z = keyed_normal(5, f"org:Meta:{int(round((2025.0 - float(post.meta['era_start'])) / 0.5))}", post.n_draws)
    assert effect[1] == pytest.approx(-2.0 + 2.0 * np.sqrt(2.0) * z)  # two half-years after 2024H1
    assert np.std(effect[2]) == pytest.approx(2.0, rel=0.1)  # before its first release: +4 with one step's spread
    assert np.mean(effect[2]) == pytest.approx(4.0, abs=0.3)
    assert effect[3] == pytest.approx(3.0 * keyed_normal(5, "org:New Lab", post.n_draws))  # the population's
    out = predict_bayes(rows, post, noise=False)
    assert out["organization_effect"].tolist() == [
        "fitted: Meta (2024H1)",
        "fitted: Meta (2024H1, drifted 2 half-year step(s) from 2024H1)",
        "fitted: Meta (2023H1, drifted 1 half-year step(s) from 2023H1)",
        "population (new organisation 'New Lab')",
    ]


def test_drift_variant_prepares_epochs_from_the_reference_table():
    table = validate(read_table(reference_table()), require_law_inputs=False)
    data = prepare(table, VARIANTS["era_org_drift"])
    ep = data.epochs
    assert len(ep.obs_idx) == len(data.y) and ep.first.sum() == len(data.orgs)
    for i in range(len(data.y)):  # every fit row points at its own organisation's epoch
        assert ep.org[ep.obs_idx[i]] == data.org_idx[i]
