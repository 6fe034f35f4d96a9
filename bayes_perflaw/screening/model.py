"""The screening mixture as a model: the Performance Law with an inlier / shifted-up / shifted-down likelihood.

Same mean, effects and priors as :class:`~bayes_perflaw.perflaw.model.PerformanceLaw`; the likelihood is
:func:`bayes_perflaw.screening.mixture.component_terms` (membership marginalised). Scores enter as ``pm.Data``
(``mmlu_obs``, ``censored``) so a compiled model can be re-sampled on new scores for the same designs
(``scripts/screen_calibration.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from bayes_perflaw.core import priors as priors_mod
from bayes_perflaw.perflaw.data import FitData
from bayes_perflaw.perflaw.mean import FLOOR_CENSOR, MIXTURE_COMPONENTS, VARIANTS
from bayes_perflaw.perflaw.model import PerformanceLaw, read_recipes
from bayes_perflaw.screening.mixture import component_terms, mixture_loglik, mixture_replicate


def law_model(variant: str, priors: dict[str, Any] | None = None, preset: str | None = None) -> PerformanceLaw:
    """The Performance Law for ``variant``, or its screening mixture for a mixture variant (era_mix, plain_mix)."""
    cls = Screening if variant in Screening.variants else PerformanceLaw
    return cls(variant=variant, priors=priors, preset=preset)


class Screening(PerformanceLaw):
    """Flags reported MMLU scores that do not fit their recipe: ``Screening.load().screen(claims)``."""

    kind: ClassVar[str] = "screen"
    variants: ClassVar[dict[str, str]] = {n: v.doc for n, v in VARIANTS.items() if v.mixture}
    default_variant: ClassVar[str] = "era_mix"

    @classmethod
    def default_path(cls) -> Path:
        from bayes_perflaw.core.paths import screening_posterior

        return screening_posterior()

    def _extra_coords(self) -> dict[str, Any]:
        return {"component": list(MIXTURE_COMPONENTS)}

    def _likelihood(self, data: FitData, mu, sigma, nu) -> None:
        import pymc as pm
        import pytensor.tensor as pt

        weights = priors_mod.create_variable("mix_weights", self.priors["mix_weights"], dims="component")
        up = priors_mod.create_variable("shift_high", self.priors["shift_high"])
        down = priors_mod.create_variable("shift_low", self.priors["shift_low"])
        y = pm.Data("mmlu_obs", np.maximum(data.y, FLOOR_CENSOR), dims="obs")
        cens = pm.Data("censored", data.censored.astype(float), dims="obs")
        terms = component_terms(y, cens > 0.5, mu, sigma, weights, up, down, xp=pt)
        pm.Potential("mmlu_mixture", pm.math.logsumexp(pt.stack(terms), axis=0).sum())

    def _loglik(self, data: FitData, mu: np.ndarray, values: dict[str, np.ndarray]) -> np.ndarray:
        parts = (values["mix_weights"], values["shift_high"], values["shift_low"])
        return mixture_loglik(data.y, data.censored, mu, values["sigma"][:, data.source_idx], *parts)

    def _replicate(self, data: FitData, mu: np.ndarray, values: dict[str, np.ndarray], seed: int) -> np.ndarray:
        parts = (values["mix_weights"], values["shift_high"], values["shift_low"])
        return mixture_replicate(mu, values["sigma"][:, data.source_idx], *parts, seed)

    def screen(
        self, claims, prob: float = 0.9, threshold: float = 0.05, benchmarks=None, multibench=None
    ) -> pd.DataFrame:
        """Screening columns for recipes with a reported ``mmlu``: the input, the predicted interval, ``p_high``,
        ``p_low``, ``tail_prob``, ``flag`` (``high``/``low``/empty), ``outside_by`` and an explanation. A row of
        this posterior's own fit data is judged by its leave-one-out predictive.

        With ``benchmarks`` (e.g. ``["mmlu", "arc_c", "gsm8k"]``): each listed score is judged against the row's
        other listed scores by the latent-capability model (``multibench``: a fitted
        :class:`~bayes_perflaw.multibench.model.MultiBench`, default the shipped one), adding ``<b>_pred_mean``,
        ``<b>_lo``, ``<b>_hi``, ``<b>_tail_prob``, ``<b>_p_high``, ``<b>_p_low``, ``<b>_flag``, ``<b>_outside_by``
        and ``screen_method``; rows with only an MMLU score fall back to this recipe screen."""
        from bayes_perflaw.core.errors import DataError
        from bayes_perflaw.screening.screen import screen_table

        if benchmarks is not None:
            from bayes_perflaw.core.tables import read_table
            from bayes_perflaw.multibench.benchmarks import check_benchmarks
            from bayes_perflaw.multibench.model import MultiBench
            from bayes_perflaw.screening.combined import screen_claims

            benches = check_benchmarks(list(benchmarks), flag="benchmarks")
            multi = multibench if multibench is not None else MultiBench.load()
            if isinstance(claims, (str, Path)):
                table = read_table(claims)
                table.attrs["source"] = str(claims)
            else:
                table = pd.DataFrame(claims)
                table.attrs.setdefault("source", "claims")
            return screen_claims(table, multi.draws, benches, recipe=self.draws, prob=prob, threshold=threshold)

        table = read_recipes(claims)
        if "mmlu" not in table.columns or table["mmlu"].isna().any():
            raise DataError("every claim needs a reported score", source="claims", column="mmlu")
        return screen_table(table, self.draws, prob=prob, threshold=threshold)
