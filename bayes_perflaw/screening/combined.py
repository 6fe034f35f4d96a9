"""The multi-benchmark screen with its recipe fallback: rows whose only listed score is MMLU are judged by the
recipe screen (:mod:`bayes_perflaw.screening.screen`), the others by the latent-capability model
(:mod:`bayes_perflaw.multibench.screen`). Used by ``screen --benchmarks`` and ``Screening.screen(benchmarks=...)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.multibench.screen import DEFAULT_SEED, screen_scores

RECIPE_METHOD = "recipe screen (only an MMLU score was given: judged against the Performance Law's recipe)"


def screen_claims(
    claims: pd.DataFrame,
    multi: Draws,
    benchmarks: list[str],
    *,
    recipe: Draws | None = None,
    prob: float = 0.9,
    threshold: float = 0.05,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """:func:`screen_scores`, except that rows whose only listed score is MMLU and that carry every input of the
    Performance Law are judged by the recipe screen (``recipe``: the screening mixture's draws,
    :func:`bayes_perflaw.screening.screen.screen_table`), which ``screen_method`` then says. Such a row without the
    law's inputs (no architecture columns in the file, or empty cells in the row) is judged by the latent-capability
    model against its ``params_B`` / ``tokens_T`` alone, or the population, as ``screen_method`` says."""
    out = screen_scores(claims, multi, benchmarks, prob=prob, threshold=threshold, seed=seed)
    if recipe is None or "mmlu" not in benchmarks:
        return out
    given = out[benchmarks].apply(pd.to_numeric, errors="coerce").notna()
    only_mmlu = given["mmlu"] & (given.sum(axis=1) == 1)
    if not only_mmlu.any():
        return out
    from bayes_perflaw.core.errors import DataError
    from bayes_perflaw.perflaw.schema import RECIPE_CORE, law_gaps, validate
    from bayes_perflaw.screening.screen import screen_table

    source = claims.attrs.get("source", "claims")
    arch = [c for c in RECIPE_CORE if c != "model"]
    if not set(arch) <= set(claims.columns):  # no architecture at all: the latent-capability model judges them
        return out
    has_arch = claims[arch].apply(lambda c: c.astype("string").str.strip().fillna("") != "").all(axis=1)
    idx = np.flatnonzero(only_mmlu.to_numpy() & has_arch.to_numpy())
    if not len(idx):
        return out
    try:
        sub = validate(
            claims.reset_index(drop=True).iloc[idx].reset_index(drop=True), source=source, require_law_inputs=False
        )
    except DataError as err:  # name the row of the claims file, not of the subset
        row = None if err.row is None else int(idx[err.row - 1]) + 1
        raise DataError(err.detail, source=err.source, row=row, model=err.model, column=err.column) from None
    ok = (law_gaps(sub) == "").to_numpy()
    if not ok.any():
        return out
    judged = screen_table(sub[ok].reset_index(drop=True), recipe, prob=prob, threshold=threshold)  # its own seed
    rows = idx[ok]
    for ours, theirs in (
        ("pred_mean", "mmlu_mean"),
        ("lo", "mmlu_lo"),
        ("hi", "mmlu_hi"),
        ("tail_prob", "tail_prob"),
        ("p_high", "p_high"),
        ("p_low", "p_low"),
        ("flag", "flag"),
        ("outside_by", "outside_by"),
    ):
        out.loc[rows, f"mmlu_{ours}"] = judged[theirs].to_numpy()
    out.loc[rows, "screen_method"] = RECIPE_METHOD
    return out
