"""Predicting MMLU for recipes: NumPy only (no PyMC, PyTensor, xarray or ArviZ on this path).

Output columns added to the input: ``mmlu_mean``, ``mmlu_median``, ``mmlu_lo``,
``mmlu_hi`` -- an **equal-tailed** interval at probability ``prob``. For the point (paper) law
lo = hi = mean. The Bayesian law pushes every posterior draw through the same law functions the
PyMC model was built from (:mod:`bayes_perflaw.perflaw.mean`), adds the era and organisation effects (extrapolated
with their random-walk / population spread where the recipe lies outside the fit data), and, unless
``noise=False``, Student-t evaluation noise of the recipe's source kind: the interval is then for a
*reported* score; without noise it is for the law's mean.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.metrics import summarise_draws
from bayes_perflaw.core.months import release_year
from bayes_perflaw.core.posterior import Draws
from bayes_perflaw.core.streams import RowNoise, keyed_generator, keyed_normal, row_keys, stratified
from bayes_perflaw.perflaw.design import column_vectors, law_inputs
from bayes_perflaw.perflaw.laws import (
    CEILING_KNEE,
    LawInputs,
    bounded_score_inplace,
    instability_q,
    law_product,
    perflaw_coefficients,
    perflaw_features,
    perflaw_raw,
    soft_ceiling_inplace,
)
from bayes_perflaw.perflaw.mean import LAW_PARAMS, SCORE_MAX, SCORE_MIN, era_label, era_position, level_scale_inplace
from bayes_perflaw.perflaw.organisations import canonical
from bayes_perflaw.perflaw.organisations import key as org_key
from bayes_perflaw.perflaw.published import paper_mmlu

PRED_COLUMNS = ("mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi")
DEFAULT_SEED = 20240812  # predictions are reproducible: same posterior, seed and input -> same numbers
CHUNK_CELLS = 2_000_000  # rows x draws per chunk (16 MB a float array)
THREADS = min(4, os.cpu_count() or 1)  # chunks summarised in parallel (results do not depend on it)
DEFAULT_DRAWS = 1000  # posterior draws used by predict (thinned evenly; --draws)


def with_predictions(df: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """The input table with the prediction columns appended (replacing any of the same name)."""
    out = df.drop(columns=[c for c in summary.columns if c in df.columns]).reset_index(drop=True)
    return pd.concat([out, summary.reset_index(drop=True)], axis=1)


def predict_paper(df: pd.DataFrame, gamma: float = 1.0) -> pd.DataFrame:
    """Published-law predictions: a point law, so lo = median = hi = mean."""
    mean = paper_mmlu(df, gamma)
    summary = pd.DataFrame({c: mean for c in PRED_COLUMNS})
    return with_predictions(df, summary)


# --- Bayesian law ------------------------------------------------------------------------------


def thin(post: Draws, n: int | None) -> Draws:
    """Every k-th draw so that about ``n`` remain (None, or ``n`` at least the draws: all)."""
    if n is None or n >= post.n_draws:
        return post
    idx = np.linspace(0, post.n_draws - 1, n).round().astype(int)
    return Draws(post.kind, post.meta, {k: val[idx] for k, val in post.values.items()}, post.coords, post.fit_scores)


def raw_law(x: LawInputs, post: Draws) -> np.ndarray:
    """The unbounded law (recipes x draws) for a design ``x`` (1-D arrays): dense rows as one matrix product
    (:func:`laws.law_product` of :func:`laws.perflaw_features` and :func:`laws.perflaw_coefficients`, as the
    planner; bit-equal whatever the other rows), MoE rows through
    :func:`laws.perflaw_raw` (their equivalent size depends on the draw of beta)."""
    v = post.values
    moe = (np.asarray(x.dln_ffn) != 0) | (np.asarray(x.dln_params) != 0)
    out = np.empty((len(moe), post.n_draws))
    dense = ~moe
    if dense.any():
        ln_t, ln_s = x.ln_tokens[dense], x.ln_params_active[dense]
        q = instability_q(np.exp(x.ln_layers[dense]), np.exp(x.ln_hidden[dense]), np.exp(x.ln_ffn_active[dense]))
        feats = perflaw_features(
            x.ln_layers[dense],
            x.ln_hidden[dense],
            x.ln_ffn_active[dense],
            np.minimum(ln_t, ln_s),
            q,
            np.maximum(ln_t - ln_s, 0.0),
        )
        coef = perflaw_coefficients(v["w1"], v["w2"], v["w3"], v["w4"], v["b"], v["gamma"], v["kappa"])
        out[dense] = law_product(feats, coef)
    if moe.any():
        xm = column_vectors(LawInputs(*(np.asarray(a)[moe] for a in x)))
        p = {k: v[k][None, :] for k in LAW_PARAMS}
        out[moe] = perflaw_raw(xm, p["w1"], p["w2"], p["w3"], p["w4"], p["b"], p["gamma"], p["beta"], p["kappa"])
    return out


@dataclass
class Recipes:
    """What the engine needs from a validated recipe table, computed once for all rows (then sliced)."""

    x: LawInputs  # law inputs, 1-D arrays
    era_pos: np.ndarray | None  # release bin of each row (float; NaN release: one step past the data)
    orgs: np.ndarray  # organisation of each row ('' if none)
    source_idx: np.ndarray  # noise scale (source kind) of each row
    keys: np.ndarray  # 64-bit row keys (model name + seed): each row's own noise stream
    dated: np.ndarray | None = None  # whether the row gave a release month

    def rows(self, part: slice) -> Recipes:
        x = LawInputs(*(np.asarray(a)[part] for a in self.x))
        pos = None if self.era_pos is None else self.era_pos[part]
        dated = None if self.dated is None else self.dated[part]
        return Recipes(x, pos, self.orgs[part], self.source_idx[part], self.keys[part], dated)


def recipes_for(
    df: pd.DataFrame, post: Draws, seed: int, source: str | None = None, where: str | None = None, noise: bool = True
) -> Recipes:
    """:class:`Recipes` of a validated table under ``post`` (``where``: the file, for messages; ``noise=False``:
    the source kinds are not needed and not checked)."""
    n = len(df)
    pos = dated = None
    if "era" in post.values:
        start, n_bins = float(post.meta["era_start"]), int(post.meta["era_n"])
        years = release_year(df["release"]) if "release" in df.columns else np.full(n, np.nan)
        pos, dated = era_position(years, start, n_bins), np.isfinite(years)
    orgs = np.full(n, "", dtype=object)
    if "organization" in df.columns:  # one canonical() per distinct name, not per row
        names = df["organization"].fillna("").astype(str)
        orgs = names.map({o: canonical(o) for o in names.unique()}).to_numpy(dtype=object)
    names = df["model"] if "model" in df.columns else pd.Series(np.arange(n)).astype(str)
    return Recipes(
        x=law_inputs(df, gated_equivalent=True),
        era_pos=pos,
        orgs=orgs,
        source_idx=source_index(df, post, source, where) if noise else np.zeros(n, dtype=int),
        keys=row_keys(names, seed, salt="noise"),
        dated=dated,
    )


def effects(rec: Recipes, post: Draws, seed: int) -> np.ndarray:
    """Era + organisation effects, (recipes x draws). Zero for the plain variant.

    Era: the posterior value of the recipe's half-year bin if the fit data had models there; else the
    nearest such bin plus the walk's drift and spread, ``drift_era * steps + tau_era * sqrt(steps) * z``,
    with z one draw per posterior draw **per release bin** (keyed by the bin: rows of one future bin share
    its future). Organisation: its posterior offset if it was in the fit data, else a draw from the
    population N(0, tau_org) keyed by the organisation's name.
    """
    return add_effects(np.zeros((len(rec.orgs), post.n_draws)), rec, post, seed)


def add_effects(out: np.ndarray, rec: Recipes, post: Draws, seed: int) -> np.ndarray:
    """``out += effects(rec, post, seed)``, in place (no recipes x draws temporaries but the gathers)."""
    v, n_draws = post.values, post.n_draws
    if "era" in v:
        start = float(post.meta["era_start"])
        occupied = np.asarray(post.meta["era_bins"], dtype=float)
        pos = rec.era_pos
        nearest = np.argmin(np.abs(pos[:, None] - occupied[None, :]), axis=1)  # ties -> the earlier bin
        signed = pos - occupied[nearest]  # > 0 after the bin, < 0 before it
        out += np.ascontiguousarray(v["era"].T)[nearest]  # (bins x draws) rows gathered: contiguous
        for p in np.unique(pos[signed != 0]):
            rows = pos == p
            z = keyed_normal(seed, f"era:{era_label(start, int(p))}", n_draws)
            step = float(signed[rows][0])
            out[rows] += v["drift_era"] * step + v["tau_era"] * np.sqrt(abs(step)) * z
    if "org_state" in v:
        out += _drifting(rec, post, seed)
    elif "org_switch" in v:
        out += _switching(rec, post, seed)
    elif "org" in v:
        out += _pooled(v["org"], v["tau_org"], post.coords["organization"], rec.orgs, seed)
    return out


def _epochs(post: Draws) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Organisation key -> (release bins, epoch indices) of the drifting organisation effect's states."""
    out: dict[str, tuple[list[int], list[int]]] = {}
    for i, (o, b) in enumerate(zip(post.meta["org_epoch_org"], post.meta["org_epoch_bin"], strict=True)):
        bins, idx = out.setdefault(org_key(canonical(o)), ([], []))
        bins.append(int(b))
        idx.append(i)
    return {k: (np.array(b), np.array(i)) for k, (b, i) in out.items()}


def _base_epoch(bins: np.ndarray, p: int) -> int:
    """Which of an organisation's epochs (its release bins, increasing) a recipe in bin ``p`` starts from: the
    latest at or before ``p``, else the first."""
    before = np.flatnonzero(bins <= p)
    return int(before[-1]) if len(before) else 0


def _population(tau: np.ndarray, name: str, seed: int) -> np.ndarray:
    """A new organisation's offset, one per draw: N(0, tau) keyed by its name (the same for every row of it)."""
    return tau * keyed_normal(seed, f"org:{name}", len(tau))


def _population_text(org: str) -> str:
    return "population (no organisation given)" if not org else f"population (new organisation {org!r})"


def _drifting(rec: Recipes, post: Draws, seed: int) -> np.ndarray:
    """The drifting organisation effect per recipe, (recipes x draws): a fitted organisation's state at the
    recipe's release bin if it released there; else its latest state before that bin (its first, for a bin before
    its first release) plus ``tau_org_drift * sqrt(bins between) * z``, z keyed by (organisation, bin); a new
    organisation: the population's N(0, tau_org), keyed by its name."""
    v = post.values
    epochs = _epochs(post)
    out = np.empty((len(rec.orgs), post.n_draws))
    pos = rec.era_pos.astype(int)
    for (name, p), rows in pd.Series(np.arange(len(pos))).groupby([rec.orgs, pos]).groups.items():
        rows = np.asarray(rows)
        known = epochs.get(org_key(name)) if name else None
        if known is None:
            out[rows] = _population(v["tau_org"], name, seed)
            continue
        bins, idx = known
        j = _base_epoch(bins, p)
        steps = abs(p - int(bins[j]))
        value = v["org_state"][:, idx[j]]
        if steps:
            value = value + v["tau_org_drift"] * np.sqrt(steps) * keyed_normal(seed, f"org:{name}:{p}", post.n_draws)
        out[rows] = value
    return out


def _switching(rec: Recipes, post: Draws, seed: int) -> np.ndarray:
    """The organisation-switch effect per recipe, (recipes x draws): a fitted organisation's offset in a fraction
    1 - org_switch of the draws and the recipe's own offset from the population N(0, tau_org) in the others (a
    new recipe); a new organisation: the population's, keyed by its name. Which draws switch and the own offsets
    come from the row's key (stratified uniforms and normals re-paired per row, :class:`RowNoise`), so a row's
    effect never depends on the other rows."""
    v = post.values
    out = _pooled(v["org"], v["tau_org"], post.coords["organization"], rec.orgs, seed)
    fitted = _fitted_index(post.coords["organization"], rec.orgs) >= 0
    if fitted.any():
        n = post.n_draws
        keys = rec.keys[fitted]
        u = RowNoise((np.arange(n) + 0.5) / n, seed + 2).take(keys)
        own = RowNoise(stratified(n, seed + 3, "normal"), seed + 3).take(keys) * v["tau_org"][None, :]
        out[fitted] = np.where(u < v["org_switch"][None, :], own, out[fitted])
    return out


def _fitted_index(levels: list[str], keys: np.ndarray) -> np.ndarray:
    """Each key's position among the fitted ``levels`` (names matched through the organisation alias table), -1
    for a level the fit has not seen or no name."""
    known = {org_key(canonical(o)): i for i, o in enumerate(levels)}
    return np.array([known.get(org_key(k), -1) for k in keys], dtype=int)


def _pooled(values: np.ndarray, tau: np.ndarray, levels: list[str], keys: np.ndarray, seed: int) -> np.ndarray:
    """A partially pooled offset per recipe, (recipes x draws): the posterior offset of a level seen in
    the fit data, else a draw from the population N(0, tau) keyed by the level's name."""
    idx = _fitted_index(levels, keys)
    out = np.empty((len(idx), len(tau)))
    seen = idx >= 0
    out[seen] = values[:, idx[seen]].T
    for name in np.unique(keys[~seen]):
        out[keys == name] = _population(tau, name, seed)
    return out


def assumptions(rec: Recipes, post: Draws) -> pd.DataFrame:
    """What each row's prediction assumed: ``release_assumed`` (the half-year bin whose era effect it used, and
    whether that was extrapolated) for the era variants, ``organization_effect`` (a fitted organisation, or the
    population's for a new or missing one) for ``era_org``, or that the variant has none when a row names an
    organisation. Empty frame for ``plain`` without organisations."""
    out = {}
    n = len(rec.orgs)
    if "era" in post.values:
        start = float(post.meta["era_start"])
        occupied = np.asarray(post.meta["era_bins"], dtype=float)
        last = era_label(start, int(occupied.max()))
        labels = {}
        for p, dated in set(zip(rec.era_pos.tolist(), rec.dated.tolist(), strict=True)):
            nearest = occupied[np.argmin(np.abs(p - occupied))]
            steps = int(round(p - nearest))
            text = era_label(start, int(p)) + ("" if dated else " (no release given: one step past the data)")
            if not dated:
                labels[p, dated] = text
                continue
            if steps > 0:
                text += f" (extrapolated {steps} half-year step(s) after {last}, the last bin with fit data)"
            elif steps < 0:
                text += f" (before the data: {-steps} step(s) back from {era_label(start, int(nearest))})"
            labels[p, dated] = text
        out["release_assumed"] = [labels[p, d] for p, d in zip(rec.era_pos.tolist(), rec.dated.tolist(), strict=True)]
    if "org_state" in post.values:
        epochs, start = _epochs(post), float(post.meta["era_start"])
        text = []
        for o, p in zip(rec.orgs, rec.era_pos.astype(int).tolist(), strict=True):
            known = epochs.get(org_key(o)) if o else None
            if known is None:
                text.append(_population_text(o))
                continue
            base = int(known[0][_base_epoch(known[0], p)])
            drift = "" if base == p else f", drifted {abs(p - base)} half-year step(s) from {era_label(start, base)}"
            text.append(f"fitted: {o} ({era_label(start, base)}{drift})")
        out["organization_effect"] = text
    elif "org" in post.values:
        fitted = _fitted_index(post.coords["organization"], rec.orgs) >= 0
        kept = ""
        if "org_switch" in post.values:
            keep = 1.0 - float(np.mean(post.values["org_switch"]))
            kept = f" (kept with probability {keep:.2f}; otherwise a new recipe's own, from the population)"
        out["organization_effect"] = [
            f"fitted: {o}{kept}" if f else _population_text(o) for o, f in zip(rec.orgs, fitted, strict=True)
        ]
    elif any(rec.orgs):  # an organisation was given, but this variant has no effect for it: say so
        out["organization_effect"] = [f"none (variant {post.meta.get('variant', '?')} has no organisation effect)"] * n
    return pd.DataFrame(out, index=range(n))


def default_kind(kinds: list[str]) -> str:
    """The noise level of a recipe that names none: the developer's own report where the posterior has it."""
    preferred = [k for k in ("developer", "developer_report") if k in kinds]
    return preferred[0] if preferred else kinds[0]


def source_index(df: pd.DataFrame, post: Draws, source: str | None = None, where: str | None = None) -> np.ndarray:
    """Index of each row's ``mmlu_source_kind`` among the posterior's noise scales (empty: ``developer``)."""
    kinds = post.coords["source_kind"]
    column = post.meta.get("noise_column", "mmlu_source_kind")  # which column's levels have a noise scale
    default = source or default_kind(kinds)
    if column in df.columns and source is None:
        col = df[column].fillna("").astype(str).replace("", default).to_numpy()
    else:
        col = np.full(len(df), default)
    lookup = {k: i for i, k in enumerate(kinds)}
    idx = np.array([lookup.get(k, -1) for k in col], dtype=int)
    if (idx < 0).any():
        i = int(np.flatnonzero(idx < 0)[0])
        model = str(df["model"].iloc[i]) if "model" in df.columns else None
        raise DataError(
            f"unknown source kind {col[i]!r}; the posterior knows {kinds}",
            source=where,
            row=i + 1,
            model=model,
            column=column,
        )
    return idx


def source_sigma(df: pd.DataFrame, post: Draws, source: str | None) -> np.ndarray:
    """Noise scale per recipe and draw, (recipes x draws), from each row's ``mmlu_source_kind``."""
    return post.values["sigma"][:, source_index(df, post, source)].T


def bounded(post: Draws | None) -> bool:
    """Whether ``post`` is a fit of the bounded link (:func:`laws.bounded_score`; older files: the soft ceiling)."""
    return post is not None and post.meta.get("link", "soft") == "bounded"


def ceiling_knee(post: Draws | None) -> float:
    """The soft link's knee a posterior was fitted with (points; 90, the published tool's, for files that predate
    the metadata and for the published law, ``post=None``)."""
    return CEILING_KNEE if post is None else float(post.meta.get("ceiling_knee", CEILING_KNEE))


def to_scores(latent: np.ndarray, post: Draws | None, eps: np.ndarray | None = None) -> np.ndarray:
    """Scores from the law's latent values (recipes x draws), in place, with the evaluation noise ``eps`` (scaled by
    the source kind's sigma; None: the mean). Bounded link: noise on the latent scale, then chance + (ceiling -
    chance) * sigmoid, so no draw leaves (chance, ceiling). Soft link: the soft ceiling, then the noise (for
    ``era_level`` scaled here by the noise profile at the mean), clipped to [25, 100]."""
    if bounded(post):
        if eps is not None:
            latent += eps
        return bounded_score_inplace(latent, post.values["ceiling"])
    soft_ceiling_inplace(latent, ceiling_knee(post))
    if eps is not None:
        latent += _scale_by_level(eps, latent, post)
    return np.clip(latent, SCORE_MIN, SCORE_MAX, out=latent)


def _scale_by_level(eps: np.ndarray, mean: np.ndarray, post: Draws) -> np.ndarray:
    """``eps`` (recipes x draws, scaled by the source kind's sigma) times the noise profile at each draw's mean
    score ``mean`` (:func:`mean.level_scale`), in place, for a posterior of ``era_level``; unchanged for any other."""
    if "noise_slope" in post.values:
        eps *= level_scale_inplace(mean.copy(), post.values["noise_slope"], post.values["noise_curve"])
    return eps


def _latent(rec: Recipes, post: Draws, seed: int) -> np.ndarray:
    return add_effects(raw_law(rec.x, post), rec, post, seed)


def latent_mean(df: pd.DataFrame, post: Draws, seed: int = DEFAULT_SEED, link: bool = True) -> np.ndarray:
    """The law's mean MMLU with effects, (recipes x draws); ``link=False``: before the link (the latent value)."""
    latent = _latent(recipes_for(df, post, seed, noise=False), post, seed)
    if not link:
        return latent
    return to_scores(latent, post) if bounded(post) else soft_ceiling_inplace(latent, ceiling_knee(post))


class Noise:
    """Evaluation noise for the predictive: each row's stream from its key (:mod:`bayes_perflaw.core.streams`).

    Student-t(4) (the default likelihood): stratified t4 quantiles re-paired per row. Normal (the screening
    mixture's inlier): stratified normal quantiles. Another or a varying nu: Normal / sqrt(chi2_nu / nu), the
    chi-square one value per posterior draw shared by the rows (each row's marginal is still Student-t).
    """

    def __init__(self, post: Draws, seed: int) -> None:
        n = post.n_draws
        self.scale = None
        if "mix_weights" in post.values:
            law = "normal"
        elif np.all(post.values["nu"] == 4.0):
            law = "t4"
        else:
            law = "normal"
            nu = post.values["nu"]
            self.scale = 1.0 / np.sqrt(keyed_generator(seed, "chi2").chisquare(nu) / nu)
        self.rows = RowNoise(stratified(n, seed, law), seed)

    def take(self, keys: np.ndarray) -> np.ndarray:
        eps = self.rows.take(keys)
        return eps if self.scale is None else eps * self.scale[None, :]


def predictive_draws(
    df: pd.DataFrame, post: Draws, *, noise: bool = True, seed: int = DEFAULT_SEED, source: str | None = None
) -> np.ndarray:
    """Draws of the predicted score, (recipes x draws), floored at chance and capped at 100."""
    return np.concatenate([d for _, d in iter_predictive(df, post, noise=noise, seed=seed, source=source)])


def iter_predictive(
    df: pd.DataFrame,
    post: Draws,
    *,
    noise: bool = True,
    seed: int = DEFAULT_SEED,
    chunk: int | None = None,
    source: str | None = None,
    where: str | None = None,
) -> Iterator[tuple[slice, np.ndarray]]:
    """Predictive draws in chunks of rows (bounded memory). Every random number is keyed by the row (its model
    name), its release bin or its organisation, never by its position: a row's draws do not depend on the
    other rows or the chunking."""
    rec = recipes_for(df, post, seed, source, where, noise)
    draw = _chunk_draws(post, seed, noise)
    for part in _parts(len(df), chunk or max(1, CHUNK_CELLS // post.n_draws)):
        yield part, draw(rec.rows(part))


def _parts(n: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]


def _chunk_draws(post: Draws, seed: int, noise: bool) -> Callable[[Recipes], np.ndarray]:
    """A function from a chunk of :class:`Recipes` to its predictive draws (thread-safe: NumPy only)."""
    eps = Noise(post, seed) if noise else None
    sigma_t = np.ascontiguousarray(post.values["sigma"].T)  # (source kinds x draws)

    def draw(r: Recipes) -> np.ndarray:
        e = None
        if eps is not None:
            e = eps.take(r.keys)
            e *= sigma_t[r.source_idx]
        return to_scores(_latent(r, post, seed), post, e)

    return draw


def predict_bayes(
    df: pd.DataFrame,
    post: Draws,
    *,
    prob: float = 0.9,
    noise: bool = True,
    seed: int = DEFAULT_SEED,
    source: str | None = None,
    mapping: Draws | None = None,
    draws: int | None = DEFAULT_DRAWS,
    keep: pd.DataFrame | None = None,
    where: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """The input table with Bayesian predictive summaries appended.

    ``draws``: posterior draws used, thinned evenly (None: all). ``keep``: the table to append the columns to
    (e.g. the file's cells as read, so that they pass through unchanged; default ``df``). With ``mapping`` (a
    benchmark-mapping posterior, :mod:`bayes_perflaw.benchmarks.mapping`) the MMLU draws are also pushed through
    the mapping, adding ``<benchmark>_mean`` ... columns that carry both uncertainties. ``progress(n)`` is called
    with the rows done after each chunk.
    """
    post = thin(post, draws)
    rec = recipes_for(df, post, seed, source, where, noise)
    draw = _chunk_draws(post, seed, noise)
    keys = row_keys(df["model"], seed, salt="map") if mapping is not None else None
    map_noise = RowNoise(stratified(post.n_draws, seed + 1, "normal"), seed + 1) if mapping is not None else None

    def summarise(part: slice) -> pd.DataFrame:
        d = draw(rec.rows(part))
        summary = summarise_draws(d, prob)
        if mapping is not None:
            summary = pd.concat([summary, map_summary(d, mapping, prob, seed, map_noise.take(keys[part]))], axis=1)
        return summary

    parts = []
    with ThreadPoolExecutor(max_workers=THREADS) as pool:  # NumPy releases the GIL: both cores work
        for part, summary in zip(
            parts_of := _parts(len(df), max(1, CHUNK_CELLS // post.n_draws)), pool.map(summarise, parts_of), strict=True
        ):
            parts.append(summary)
            if progress is not None:
                progress(part.stop - part.start)
    summary = pd.concat(parts, ignore_index=True) if parts else summarise_draws(np.empty((0, 1)), prob)
    summary = pd.concat([summary, assumptions(rec, post)], axis=1)
    return with_predictions(df if keep is None else keep, summary)


def map_summary(
    mmlu_draws: np.ndarray, mapping: Draws, prob: float, seed: int, noise: np.ndarray | None = None
) -> pd.DataFrame:
    """Summaries of MMLU draws chained through a benchmark mapping (columns prefixed by the benchmark)."""
    from bayes_perflaw.benchmarks.mapping import chain, column

    return summarise_draws(chain(mmlu_draws, mapping, seed, noise), prob, prefix=column(mapping.meta["benchmark"]))


def predict_paper_mapped(df: pd.DataFrame, gamma: float, mapping: Draws, prob: float, seed: int) -> pd.DataFrame:
    """Published point law, with the benchmark mapping's uncertainty on the mapped columns."""
    out = predict_paper(df, gamma)
    point = np.repeat(out["mmlu_mean"].to_numpy()[:, None], mapping.n_draws, axis=1)
    return with_predictions(out, map_summary(point, mapping, prob, seed))
