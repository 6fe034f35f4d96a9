"""The Bayesian Performance Law's mean and effects: backend-agnostic, shared by fit and predict.

``mu = soft_ceiling(raw + era[release bin] + org[organisation])`` with ``raw`` the Performance Law
(:func:`laws.perflaw_raw`) on the gated-equivalent design, its effective tokens extended by the
over-training return ``kappa`` (:func:`bayes_perflaw.perflaw.laws.ln_effective_tokens`; 0 = the published cap).
Observed scores are Student-t around ``mu`` with a noise scale per source kind, **left-censored** at
``FLOOR_CENSOR``: a score within 5 points of four-choice chance says only that the model is at most
there (the same threshold FLP uses for the emergent phase). Predicted scores are floored at chance
(25) and capped at 100.

Era effect: a random walk with drift over the half-year release bins that hold fit data, anchored
at zero in the latest, so ``b_ref`` is the level of the latest generation. A step over g bins is
Normal(drift * g, tau * sqrt(g)). A model released after the last bin gets the last state plus the
drift and the spread for the elapsed steps; one with no release date is one step past the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.perflaw.laws import perflaw_raw, soft_ceiling

FLOOR_CENSOR = 30.0  # MMLU points: chance (25) + 5
SCORE_MIN, SCORE_MAX = 25.0, 100.0
ERA_STEP = 0.5  # years per era bin
# the soft link's knee (points): identity below, then knee + 10 tanh((raw - knee)/10), so no mean passes 90. The
# published tool's 90 (-> 100) let the law's means for the largest models reach the high 90s (Llama 3.1 405B
# predicted 97 [91, 100] against 85.2); no base model of the table reports above 88.4. Chosen by the rolling
# backtest (pooled interval score 34.3 -> 32.7; knee 85: 33.9; reports/rolling/experiments/README.md). Stored in
# each posterior's metadata (``ceiling_knee``; files without it were fitted with 90).
LAW_KNEE = 80.0
DEFAULT_VARIANT = "era_level"  # chosen by the rolling-origin backtest (reports/rolling/); see ARCHITECTURE.md


@dataclass(frozen=True)
class LawVariant:
    """A variant of the Bayesian law, parsed once from its name: which effects and which likelihood."""

    name: str
    doc: str
    era: bool = False  # random walk over half-year release bins (needs a release date per row)
    org: bool = False  # partially pooled organisation offsets
    mixture: bool = False  # inlier / shifted-up / shifted-down likelihood (screening)
    noise: str = "mmlu_source_kind"  # the column whose levels get their own noise scale
    org_drift: bool = False  # organisation offsets that drift: a random walk per organisation over its release bins
    org_switch: bool = False  # a release keeps its organisation's offset, or (probability org_switch) draws its own
    link: str = "soft"  # "soft": the law + a soft ceiling above LAW_KNEE, noise on the score; "bounded": chance +
    # (ceiling - chance) * sigmoid, noise on the latent scale (laws.bounded_score)
    level_noise: bool = False  # the noise scale varies with the predicted score (level_scale)


VARIANTS: dict[str, LawVariant] = {
    v.name: v
    for v in (
        LawVariant("plain", "the law, robust censored likelihood, noise per source kind"),
        LawVariant("era", "plain + data-quality random walk over half-year release bins", era=True),
        LawVariant("era_org", "era + organisation offsets with partial pooling", era=True, org=True),
        LawVariant(
            "era_method",
            "era with a noise scale per way the MMLU was obtained (mmlu_method: developer report, Open LLM "
            "Leaderboard v1, other harness)",
            era=True,
            noise="mmlu_method",
        ),
        LawVariant(
            "era_org_drift",
            "era + organisation offsets that drift with release time (a random walk per organisation over the "
            "half-year bins it released in, partially pooled; a new organisation takes the population's)",
            era=True,
            org=True,
            org_drift=True,
        ),
        LawVariant(
            "era_org_switch",
            "era + organisation offsets that a release may leave: with probability org_switch (learned) a model is "
            "a new recipe whose offset is its own draw from the population, otherwise it keeps its organisation's",
            era=True,
            org=True,
            org_switch=True,
        ),
        LawVariant(
            "era_level",
            "era with a noise scale that varies with the predicted score: sigma * exp(noise_slope * z + noise_curve "
            "* z^2), z = (mean - 60) / 15 clipped to [-3, 3] (sigma is the noise of a model predicted at 60)",
            era=True,
            level_noise=True,
        ),
        LawVariant(
            "era_org_level",
            "era_level + organisation offsets with partial pooling",
            era=True,
            org=True,
            level_noise=True,
        ),
        LawVariant(
            "bounded",
            "era with the bounded link: chance + (ceiling - chance) * sigmoid of the law, the ceiling's prior "
            "~93 truncated to (best reported score, 100), noise on the latent scale",
            era=True,
            link="bounded",
        ),
        LawVariant(
            "bounded_org", "bounded + organisation offsets with partial pooling", era=True, org=True, link="bounded"
        ),
        LawVariant(
            "era_mix",
            "era with a three-component likelihood (inlier / shifted up / shifted down) for screening",
            era=True,
            mixture=True,
        ),
        LawVariant("plain_mix", "plain with the screening mixture (for tables without release dates)", mixture=True),
    )
}
MIXTURE_COMPONENTS = ("inlier", "high", "low")


LEVEL_CENTRE, LEVEL_SPREAD, LEVEL_CLIP = 60.0, 15.0, 3.0  # MMLU points; level_scale's z = (mean - 60) / 15


def level_scale(mean, slope, curve, xp: Any = np):
    """Factor on the noise scale of a model whose mean score is ``mean`` (points): ``exp(slope * z + curve * z^2)``
    with ``z = (mean - 60) / 15`` clipped to [-3, 3] (1 at 60 points). A negative ``curve`` makes the scores of
    models in mid-range (where a recipe decides whether MMLU has emerged) noisier than those near chance or
    near the top."""
    z = xp.clip((mean - LEVEL_CENTRE) / LEVEL_SPREAD, -LEVEL_CLIP, LEVEL_CLIP)
    return xp.exp((curve * z + slope) * z)


def level_scale_inplace(mean: np.ndarray, slope, curve) -> np.ndarray:
    """:func:`level_scale` for NumPy, overwriting ``mean`` (recipes x draws; ``slope``, ``curve`` per draw) and
    allocating one array: twice as fast on the prediction path, where it runs over every cell."""
    mean -= LEVEL_CENTRE
    mean /= LEVEL_SPREAD
    z = np.clip(mean, -LEVEL_CLIP, LEVEL_CLIP, out=mean)
    out = z * curve
    out += slope
    out *= z
    return np.exp(out, out=out)


LAW_PARAMS = ("w1", "w2", "w3", "w4", "b", "gamma", "beta", "kappa")


def latent_score(x, p, effect=0.0, xp: Any = np):
    """The law plus additive effects before any link (points; unbounded).

    ``p`` maps the names in ``LAW_PARAMS`` to numbers, arrays or tensors."""
    return perflaw_raw(x, p["w1"], p["w2"], p["w3"], p["w4"], p["b"], p["gamma"], p["beta"], p["kappa"], xp=xp) + effect


def mean_score(x, p, effect=0.0, xp: Any = np):
    """Mean MMLU (percent) of the soft link: the law plus additive effects, softly capped above ``LAW_KNEE``."""
    return soft_ceiling(latent_score(x, p, effect, xp=xp), xp=xp, knee=LAW_KNEE)


def ceiling_min(y: np.ndarray) -> float:
    """The lowest ceiling the bounded link may take: half a point above the best reported score (so every
    reported score lies strictly below it); the ceiling's prior spreads it between there and 100."""
    top = float(np.nanmax(y)) + 0.5
    if top >= SCORE_MAX:
        raise DataError(f"a reported MMLU of {top - 0.5:g} leaves the bounded link no room below 100")
    return top


def era_bins(years: np.ndarray) -> tuple[float, int]:
    """(start year, number of half-year bins) covering ``years`` (decimal years)."""
    start = np.floor(np.nanmin(years) / ERA_STEP) * ERA_STEP
    n = int(np.floor((np.nanmax(years) - start) / ERA_STEP)) + 1
    return float(start), n


def era_position(years: np.ndarray, start: float, n: int) -> np.ndarray:
    """Bin index (float) of each release; NaN releases are one step past the last bin."""
    pos = np.floor((np.asarray(years, dtype=float) - start) / ERA_STEP + 1e-9)
    return np.where(np.isnan(pos), n, pos)


def era_label(start: float, k: int) -> str:
    """'2024H1' for bin ``k`` of bins starting at ``start`` (any k, also outside the fit data)."""
    t = start + k * ERA_STEP
    return f"{int(np.floor(t))}H{1 + int(round((t % 1) / ERA_STEP))}"


def era_labels(start: float, n: int) -> list[str]:
    """'2020H1', '2020H2', ... for the bins."""
    return [era_label(start, k) for k in range(n)]
