"""Default priors of the Bayesian Performance Law, as data.

A prior is a ``pymc_extras.prior.Prior`` dict (``{"dist": ..., "kwargs": {...}}``) so a prior
configuration is plain JSON: it is saved with every posterior and can be given by users
(``--priors FILE.json``), merged over a preset. Two presets:

* ``paper``: coefficients centred on the published values (arXiv 2408.09895) with scales that let
  each move by a few points across the range of its input (sd 1.5 per unit of ln N, ln h, ln d;
  0.75 per unit of ln T');
* ``weak``: centred on zero with wide scales.

A plain number instead of a dict fixes the parameter. The Student-t degrees of freedom ``nu`` are
fixed at 4 by default: with ~70 points nu is weakly identified (a free Gamma(2, 0.1) prior gave a
posterior sd of 10), heavy tails are what robustness needs, and a free nu costs ~5 s of compilation.
Give ``{"nu": {"dist": "Gamma", "kwargs": {"alpha": 2, "beta": 0.1}}}`` to free it.

The intercept is ``b_ref``: the law's raw score for a reference recipe (32 layers, hidden 4096,
FFN 14336, 2T effective tokens, no instability), so it has a readable unit (MMLU points); the
published law gives 58.56 there. ``b = b_ref - sum_i w_i * centre_i`` is recorded too.
"""

from __future__ import annotations

import math
from typing import Any

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.priors import merge, spec
from bayes_perflaw.perflaw.published import B_PAPER, W_PAPER

# log of the reference recipe: layers, hidden, FFN, effective tokens (trillions)
CENTRE = (math.log(32.0), math.log(4096.0), math.log(14336.0), math.log(2.0))
B_REF_PAPER = B_PAPER + sum(w * c for w, c in zip(W_PAPER, CENTRE, strict=True))


PRESETS: dict[str, dict[str, Any]] = {
    "paper": {
        # widths chosen by the time-split backtest (reports/backtest.md): with sd 4 / 2 the ill-conditioned
        # ln N, ln h, ln d let the data swing w1 to ~18 and w4 to ~9, over-predicting 15T-token models
        # by ~10 points (90 % coverage 0.65-0.71); with these widths coverage is ~0.94
        "w1": spec("Normal", mu=W_PAPER[0], sigma=1.5),
        "w2": spec("Normal", mu=W_PAPER[1], sigma=1.5),
        "w3": spec("Normal", mu=W_PAPER[2], sigma=1.5),
        "w4": spec("Normal", mu=W_PAPER[3], sigma=0.75),
        "b_ref": spec("Normal", mu=round(B_REF_PAPER, 4), sigma=10.0),
        "gamma": spec("LogNormal", mu=0.0, sigma=0.5),  # precision loss: median 1, 90 % in (0.44, 2.3)
        "beta": spec("Beta", alpha=5.0, beta=5.0),  # MoE: worth of inactive experts, centred on 0.5
        # over-training return past 1000 tokens per parameter (laws.ln_effective_tokens); fixed at the published
        # law's 0 (the cap) by the rolling-origin backtest: pooled interval score 37.1 against 37.7 with the
        # former Beta(1, 3) prior, coverage 0.89 both (reports/rolling/experiments/README.md)
        "kappa": 0.0,
        "sigma": spec("HalfNormal", sigma=5.0),  # evaluation noise per source kind, MMLU points
        "nu": 4.0,  # Student-t degrees of freedom, fixed (a number fixes a parameter; see module doc)
        # era random walk, points per half year; zero-avoiding (a HalfNormal's mass at 0 made a funnel:
        # divergences, ESS < 400). Mean 1, sd 0.7: chosen with era_level by the rolling backtest (pooled interval
        # score 34.3 against 35.7 with the former Gamma(2, 0.5), mean 4; Gamma(2, 1) 34.8, Gamma(2, 4) 34.9;
        # reports/rolling/experiments/README.md): most of the era effect is the drift, and a tight walk
        # extrapolates one half-year with ~1 point of spread instead of ~6
        "tau_era": spec("Gamma", alpha=2.0, beta=2.0),
        "drift_era": spec("Normal", mu=0.0, sigma=2.0),  # era trend, points per half year
        "tau_org": spec("HalfNormal", sigma=4.0),  # spread of organisation offsets, points
        "tau_org_drift": spec("HalfNormal", sigma=3.0),  # an organisation's drift, points per half year
        # bounded link: MMLU's ceiling, truncated to (best reported score + 0.5, 100); about 6.5 % of MMLU's
        # questions are wrong or ambiguous (MMLU-Redux, Gema et al. 2024, arXiv 2406.04127), hence ~93
        "ceiling": spec("TruncatedNormal", mu=93.0, sigma=2.0),
        # screening mixture (variant era_mix): weights of inlier / high / low, and the two shifts (points)
        "mix_weights": spec("Dirichlet", a=[18.0, 1.0, 1.0]),
        "shift_high": spec("Gamma", alpha=6.0, beta=0.5),  # mean 12, sd 4.9
        "shift_low": spec("Gamma", alpha=6.0, beta=0.5),
    },
    "weak": {
        "w1": spec("Normal", mu=0.0, sigma=20.0),
        "w2": spec("Normal", mu=0.0, sigma=20.0),
        "w3": spec("Normal", mu=0.0, sigma=20.0),
        "w4": spec("Normal", mu=0.0, sigma=20.0),
        "b_ref": spec("Normal", mu=50.0, sigma=30.0),
        "gamma": spec("LogNormal", mu=0.0, sigma=1.0),
        "beta": spec("Beta", alpha=1.0, beta=1.0),
        "kappa": spec("Beta", alpha=1.0, beta=1.0),
        "sigma": spec("HalfNormal", sigma=10.0),
        "nu": 4.0,
        "tau_era": spec("HalfNormal", sigma=10.0),
        "drift_era": spec("Normal", mu=0.0, sigma=5.0),
        "tau_org": spec("HalfNormal", sigma=10.0),
        "tau_org_drift": spec("HalfNormal", sigma=10.0),
        "ceiling": spec("TruncatedNormal", mu=90.0, sigma=10.0),
        "mix_weights": spec("Dirichlet", a=[1.0, 1.0, 1.0]),
        "shift_high": spec("Gamma", alpha=2.0, beta=0.2),
        "shift_low": spec("Gamma", alpha=2.0, beta=0.2),
    },
}


# priors only some variants use: merged into every preset (so a --priors file may set them for a backtest of
# several variants) and dropped from a model of any other variant (so its priors, and its model id, do not
# change when a variant is added); era_org_switch's probability that a release leaves its organisation's offset
# (a new recipe), mean 0.29 in the paper preset; era_level's noise profile over the predicted score
# (mean.level_scale): log-linear and log-quadratic terms in z = (mean - 60) / 15, centred on a constant noise
VARIANT_PRIORS: dict[str, dict[str, Any]] = {
    "paper": {
        "org_switch": spec("Beta", alpha=2.0, beta=5.0),
        "noise_slope": spec("Normal", mu=0.0, sigma=0.5),
        "noise_curve": spec("Normal", mu=0.0, sigma=0.25),
    },
    "weak": {
        "org_switch": spec("Beta", alpha=1.0, beta=1.0),
        "noise_slope": spec("Normal", mu=0.0, sigma=1.0),
        "noise_curve": spec("Normal", mu=0.0, sigma=0.5),
    },
}
USED_BY: dict[str, tuple[str, ...]] = {
    "org_switch": ("era_org_switch",),
    "noise_slope": ("era_level", "era_org_level"),
    "noise_curve": ("era_level", "era_org_level"),
}


def unused_by(variant: str) -> list[str]:
    """The variant-specific priors ``variant`` does not use."""
    return [name for name, variants in USED_BY.items() if variant not in variants]


def prior_config(preset: str = "paper", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The preset's priors with user ``overrides`` merged over them (unknown names are an error)."""
    if preset not in PRESETS:
        raise DataError(f"unknown prior preset {preset!r}; choose from {sorted(PRESETS)}", column="--prior-preset")
    return merge({**PRESETS[preset], **VARIANT_PRIORS[preset]}, overrides)
