"""scripts/flp_anchor_experiments.py: the anchors' change of variables is exact (one to one, Jacobian checked by
finite differences), and its written-out priors are the shipped ones."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_script
from scipy import stats

exp = load_script("flp_anchor_experiments")
CHANCE = 0.25


def _theta(u: np.ndarray) -> np.ndarray:
    return np.array(exp.link_from_anchors(u[0], u[1], u[2], CHANCE))


@pytest.mark.parametrize("seed", range(5))
def test_jacobian_logdet_matches_finite_differences(seed):
    u = np.random.default_rng(seed).normal(size=3) * 1.5
    h = 1e-6
    jac = np.column_stack([(_theta(u + h * e) - _theta(u - h * e)) / (2 * h) for e in np.eye(3)])
    assert exp.jacobian_logdet(*u, CHANCE) == pytest.approx(np.log(abs(np.linalg.det(jac))), abs=1e-6)


def test_link_from_anchors_is_one_to_one_by_hand():
    # A = 0.6, S = 0.25, drop = 0.5: floor_frac = 0.15, intercept = logit(0.6) + ln(0.75), and
    # k = 0.5 * 0.85 / (0.75 * 0.6 * 0.4 * 0.75) = 0.425 / 0.135
    u = (np.log(0.6 / 0.4), np.log(0.5), np.log(0.25 / 0.75))
    intercept, k, frac = exp.link_from_anchors(*u, CHANCE)
    assert frac == pytest.approx(0.15)
    assert intercept == pytest.approx(np.log(1.5) + np.log(0.75))
    assert k == pytest.approx(0.425 / 0.135)
    # inverse: A solves intercept = ln((A - frac) / (1 - A)), then S = frac / A and drop from k
    a = (np.exp(intercept) + frac) / (1 + np.exp(intercept))
    assert a == pytest.approx(0.6)
    assert frac / a == pytest.approx(0.25)


def test_written_out_priors_are_the_shipped_ones():
    from bayes_perflaw.flp.model import FLP

    pri = FLP("chinchilla+logistic").priors
    assert pri["intercept"] == {"dist": "Normal", "kwargs": {"mu": 0.0, "sigma": exp.INTERCEPT_SD}}
    assert pri["k"] == {"dist": "HalfNormal", "kwargs": {"sigma": exp.K_SD}}
    assert pri["floor_frac"] == {"dist": "LogitNormal", "kwargs": {"mu": exp.FLOOR_MU, "sigma": exp.FLOOR_SD}}
    points = [(0.3, 2.0, 0.1), (-1.5, 7.0, 0.4)]

    def scipy_logp(i, k, f):
        logit_f = np.log(f / (1 - f))
        return (
            stats.norm(0, exp.INTERCEPT_SD).logpdf(i)
            + stats.halfnorm(scale=exp.K_SD).logpdf(k)
            + stats.norm(exp.FLOOR_MU, exp.FLOOR_SD).logpdf(logit_f)
            - np.log(f * (1 - f))
        )

    (a, b) = points
    assert exp.shipped_log_prior(*a) - exp.shipped_log_prior(*b) == pytest.approx(scipy_logp(*a) - scipy_logp(*b))
