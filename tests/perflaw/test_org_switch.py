"""The organisation-switch variant (``era_org_switch``): a release keeps its organisation's offset or, with
probability ``org_switch``, is a new recipe with its own offset from the population. Its likelihood against
adaptive quadrature, and its effect in prediction (PyMC/NumPy parity: ``test_bounded_and_drift.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from bayes_perflaw.core.paths import default_posterior
from bayes_perflaw.core.posterior import Draws, load_draws
from bayes_perflaw.core.streams import keyed_normal
from bayes_perflaw.perflaw.laws import soft_ceiling
from bayes_perflaw.perflaw.likelihood import switch_t4_logp
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR
from bayes_perflaw.perflaw.predict import latent_mean, predict_bayes
from bayes_perflaw.perflaw.schema import validate


def _by_quadrature(y, censored, latent, org, sigma, tau, rho):
    """The same likelihood from SciPy's t distribution and adaptive quadrature over the own offset."""

    def p(mu):
        mu = float(soft_ceiling(np.array(mu)))
        return stats.t.cdf(FLOOR_CENSOR, 4, mu, sigma) if censored else stats.t.pdf(y, 4, mu, sigma)

    own, _ = integrate.quad(lambda u: p(latent + tau * u) * stats.norm.pdf(u), -12, 12, limit=400)
    return np.log((1 - rho) * p(latent + org) + rho * own)


@pytest.mark.parametrize(
    ("y", "censored", "latent", "org", "sigma", "tau", "rho"),
    [
        (62.0, False, 55.0, 4.0, 4.0, 7.0, 0.2),  # near the organisation's offset
        (80.0, False, 55.0, -3.0, 3.0, 8.0, 0.15),  # far from it: the own offset carries it
        (95.0, False, 92.0, 2.0, 5.0, 6.0, 0.3),  # above the soft ceiling's knee
        (FLOOR_CENSOR, True, 33.0, 1.0, 5.0, 5.0, 0.25),  # at the chance floor: the CDF
        (40.0, False, 45.0, 0.0, 2.5, 8.0, 0.05),  # sigma / tau = 0.31, the rule's stated limit
    ],
)
def test_switch_likelihood_matches_adaptive_quadrature(y, censored, latent, org, sigma, tau, rho):
    got = switch_t4_logp(np.array(y), np.array(censored), np.array(latent), org, sigma, tau, rho)
    assert float(got) == pytest.approx(_by_quadrature(y, censored, latent, org, sigma, tau, rho), abs=1e-5)


def test_switch_likelihood_limits_are_the_plain_likelihoods():
    """rho -> 0: the organisation's censored t4; the arrays broadcast over draws and models."""
    from bayes_perflaw.perflaw.likelihood import censored_t4_logp

    y, c = np.array([50.0, 70.0, FLOOR_CENSOR]), np.array([False, False, True])
    latent = np.array([[48.0, 60.0, 35.0], [52.0, 66.0, 28.0]])
    org = np.array([[1.0, 2.0, -1.0], [0.5, -2.0, 3.0]])
    got = switch_t4_logp(y, c, latent, org, 4.0, np.array([[5.0], [6.0]]), np.array([[1e-12], [1e-12]]))
    assert got.shape == (2, 3)
    assert got == pytest.approx(censored_t4_logp(y, c, latent + org, 4.0), abs=1e-9)


@pytest.fixture(scope="module")
def switch_post():
    """The shipped era posterior with a switching organisation effect: Meta +4, tau_org 3, org_switch 0.25."""
    post = load_draws(default_posterior())
    n = post.n_draws
    values = {**post.values, "org": np.full((n, 1), 4.0), "tau_org": np.full(n, 3.0), "org_switch": np.full(n, 0.25)}
    meta = {**post.meta, "variant": "era_org_switch"}
    return Draws(post.kind, meta, values, {**post.coords, "organization": ["Meta"]}, post.fit_scores), post


def _rows(names: list[str], org: list[str]) -> pd.DataFrame:
    n = len(names)
    cols = {"num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 14336, "tokens_T": 15.0, "params_B": 8.0}
    frame = pd.DataFrame({"model": names, "organization": org, "release": ["2024-04"] * n, **cols})
    return validate(frame, require_law_inputs=True)


def test_switching_organisation_effect_in_prediction(switch_post):
    post, base = switch_post
    rows = _rows(["a", "b", "c"], ["Meta", "meta", "New Lab"])
    effect = latent_mean(rows, post, seed=5, link=False) - latent_mean(rows, base, seed=5, link=False)
    n = post.n_draws
    for r in (0, 1):  # a quarter of the draws leave Meta's +4 for the row's own N(0, 3) offset
        kept = np.isclose(effect[r], 4.0)
        assert abs(kept.mean() - 0.75) <= 1.0 / n + 1e-12  # stratified uniforms: exactly n * 0.75 up to rounding
        assert np.std(effect[r][~kept]) == pytest.approx(3.0, rel=0.15)
    assert not np.array_equal(effect[0], effect[1])  # each release its own switches
    assert effect[2] == pytest.approx(3.0 * keyed_normal(5, "org:New Lab", n))  # a new organisation: the population's
    alone = latent_mean(rows.iloc[[1]].reset_index(drop=True), post, seed=5, link=False)
    assert alone[0] == pytest.approx(effect[1] + latent_mean(rows, base, seed=5, link=False)[1])  # not the others
    out = predict_bayes(rows, post, noise=False)
    assert out["organization_effect"].tolist() == [
        "fitted: Meta (kept with probability 0.75; otherwise a new recipe's own, from the population)",
        "fitted: Meta (kept with probability 0.75; otherwise a new recipe's own, from the population)",
        "population (new organisation 'New Lab')",
    ]
