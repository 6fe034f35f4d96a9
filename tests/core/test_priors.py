"""Prior dicts: hyperpriors (partial pooling), pymc-extras' ``centered`` / ``transform``, and their checks."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.priors import merge

DEFAULTS = {"k": {"dist": "HalfNormal", "kwargs": {"sigma": 5.0}}}
POOLED = {
    "dist": "Normal",
    "kwargs": {
        "mu": {"dist": "Normal", "kwargs": {"mu": 1.0, "sigma": 0.75}},
        "sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 0.5}},
    },
    "centered": False,
    "transform": "exp",
}


def test_a_pooled_prior_merges_as_plain_json():
    assert merge(DEFAULTS, {"k": POOLED}) == {"k": POOLED}
    assert DEFAULTS["k"] == {"dist": "HalfNormal", "kwargs": {"sigma": 5.0}}  # the defaults are untouched


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({**POOLED, "center": False}, r"column 'k': unknown key\(s\) \['center'\] in a prior; use dist, kwargs, "),
        ({**POOLED, "centered": "no"}, r"column 'k': 'centered' must be a bool, got 'no'"),
        ({**POOLED, "transform": 1}, r"column 'k': 'transform' must be a str, got 1"),
        (
            {"dist": "Normal", "kwargs": {"mu": {"sigma": 1.0}}},
            r"column 'k': hyperprior 'mu' must be \{'dist': \.\.\., 'kwargs': \{\.\.\.\}\}, got \{'sigma': 1.0\}",
        ),
        (
            {"dist": "Normal", "kwargs": {"mu": {"dist": "Normal", "kwargs": [1]}}},
            r"column 'k': 'kwargs' must be an object, got \[1\]",
        ),
    ],
)
def test_malformed_pooled_priors_are_refused_naming_the_parameter(override, message):
    with pytest.raises(DataError, match=message):
        merge(DEFAULTS, {"k": override}, source="priors.json")


def test_a_non_centred_log_normal_population_is_exp_of_mu_plus_sigma_times_offset():
    """The pooled prior builds k_t = exp(m + s z_t) with m ~ N(1, 0.75), s ~ HalfNormal(0.5), z_t ~ N(0, 1): the
    model's k and log density at a point equal the hand-computed ones."""
    import pymc as pm
    from scipy import stats

    from bayes_perflaw.core.priors import create_variable

    with pm.Model(coords={"task": ["a", "b", "c"]}) as model:
        k = create_variable("k", POOLED, dims="task")
    z, m, s = np.array([-1.0, 0.2, 1.5]), 0.8, 0.3
    point = {"k_raw_offset": z, "k_raw_mu": m, "k_raw_sigma_log__": np.log(s)}
    k_of_values = model.replace_rvs_by_values([k])[0]
    k_at = model.compile_fn(k_of_values, inputs=model.value_vars, on_unused_input="ignore")
    assert k_at(point) == pytest.approx(np.exp(m + s * z))
    expected = (
        stats.norm.logpdf(z).sum()
        + stats.norm.logpdf(m, 1.0, 0.75)
        + stats.halfnorm.logpdf(s, scale=0.5)
        + np.log(s)  # the log transform's Jacobian
    )
    assert model.compile_logp()(point) == pytest.approx(expected)
