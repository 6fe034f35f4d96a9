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
        ({**POOLED, "center": False}, r"parameter 'k': unknown key\(s\) \['center'\] in a prior; use dist, kwargs, "),
        ({**POOLED, "centered": "no"}, r"parameter 'k': 'centered' must be a bool, got 'no'"),
        ({**POOLED, "transform": 1}, r"parameter 'k': 'transform' must be a str, got 1"),
        (
            {"dist": "Normal", "kwargs": {"mu": {"sigma": 1.0}}},
            r"parameter 'k': hyperprior 'mu' must be \{'dist': \.\.\., 'kwargs': \{\.\.\.\}\}, got \{'sigma': 1.0\}",
        ),
        (
            {"dist": "Normal", "kwargs": {"mu": {"dist": "Normal", "kwargs": [1]}}},
            r"parameter 'k': 'kwargs' must be an object, got \[1\]",
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


def test_a_fixed_value_must_be_finite():
    with pytest.raises(DataError, match=r"^parameter 'k': a fixed value must be a finite number, got nan$"):
        merge(DEFAULTS, {"k": float("nan")})


def test_a_duplicate_key_in_a_priors_file_is_refused(tmp_path):
    from bayes_perflaw.core.priors import read_overrides

    path = tmp_path / "p.json"
    path.write_text('{"k": 1, "k": 2}')
    with pytest.raises(DataError, match=rf"^{path}, parameter 'k': 'k' is given twice in one object$"):
        read_overrides(path)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"dist": "HalfNormal", "kwargs": {"sigma": -1.0}}, r"prior HalfNormal\(\{'sigma': -1.0\}\) has no finite"),
        ({"dist": "Nope", "kwargs": {}}, r"cannot build this prior \(UnsupportedDistributionError: "),
        (-2.0, r"fixed value -2.0 lies outside the support of its prior HalfNormal$"),
    ],
)
def test_unbuildable_priors_are_refused_before_sampling(override, message):
    pytest.importorskip("pymc")
    from bayes_perflaw.core.priors import check_buildable

    config = merge(DEFAULTS, {"k": override})
    with pytest.raises(DataError, match=rf"^parameter 'k': {message}"):
        check_buildable(config, DEFAULTS, ["k"])


def test_a_fixed_value_on_the_support_boundary_is_allowed():
    """FLP's floor at chance is ``floor_frac`` 0, the edge of its logit-normal prior's support."""
    pytest.importorskip("pymc")
    from bayes_perflaw.core.priors import check_buildable
    from bayes_perflaw.flp.model import FLP

    model = FLP(priors={"floor_frac": 0})
    assert model.check_priors() is model
    check_buildable(merge(DEFAULTS, {"k": 0.0}), DEFAULTS, ["k"])  # HalfNormal's edge: its density is finite


def test_a_model_with_no_finite_density_at_the_start_names_the_changed_priors():
    """A zero scale passes the prior check (0 is in a half-normal's support) but leaves the likelihood no
    density: the sampler's start failure becomes one DataError naming the changed parameter."""
    pm = pytest.importorskip("pymc")
    from bayes_perflaw.core.fitting import _sample_stage
    from bayes_perflaw.core.sampling import SamplerConfig

    class Stub:
        kind, variant_name, drop_vars = "toy", "plain", ()
        priors = {"sigma": 0.0}

        def default_priors(self):
            return {"sigma": {"dist": "HalfNormal", "kwargs": {"sigma": 1.0}}}

        def changed_priors(self):  # as BayesModel computes it
            from bayes_perflaw.core.priors import changed

            return changed(self.default_priors(), self.priors)

    with pm.Model() as toy:
        mu = pm.Normal("mu")
        pm.Normal("y", mu, pm.Data("sigma", 0.0), observed=np.array([0.1, 0.2]))
    config = SamplerConfig(sampler="pymc", chains=1, draws=5, tune=5, progress=False)
    expected = (
        r"^parameter 'sigma': toy plain, stage s: the log-density is not finite where the sampler starts; "
        r"check the priors changed from the defaults: \['sigma'\]$"
    )
    with pytest.raises(DataError, match=expected):
        _sample_stage(Stub(), "s", toy, config)
