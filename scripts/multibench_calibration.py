"""Calibration of the multi-benchmark screen on real rows with planted shifts; choice of the number of factors.

For every model of data/multibench.csv and each of the six Open LLM Leaderboard v1 benchmarks (the screen's
usual set: mmlu, arc_c, hellaswag, winogrande, truthfulqa, gsm8k), the score is predicted from the model's
other five, the model left out of the fit by importance sampling (bayes_perflaw.multibench.evaluate); shifts of
+3, +5, +8, +12 and -8 points are planted into that one score (each planted model judged as if unseen; a
planted score never witnesses for itself, so one predictive per score serves every shift) and flagged at the
nominal two-sided tail probability 0.05. Beside it, the recipe-only screen (models/screen.nc) on the same
plants, into the developer-reported MMLU of the same models where the reference table has their recipe.

Also, on the models with the Open LLM Leaderboard v2 scores, every score of the eleven leaderboard benchmarks
judged by the other ten (score_out_all*.csv).
Writes reports/multibench/{score_out*.csv, score_out_summary.csv, variants.csv, variants.md} and the
multi-benchmark section of reports/screening.md (after MARKER). Variants compared: the shipped posterior and every
posterior given with --variant NAME=PATH; with --keep-variants the rows of earlier runs for variants not given
this time stay in the table (marked by the run that produced them), so one new variant can be added without
refitting the others.
Run: `python scripts/multibench_calibration.py [--variant k1=PATH ...]` (`make models`);
`python scripts/multibench_calibration.py --reuse --keep-variants --variant k1h=PATH` adds one variant.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- multi-benchmark screen below is written by scripts/multibench_calibration.py -->"
BENCHES = ["mmlu", "arc_c", "hellaswag", "winogrande", "truthfulqa", "gsm8k"]
V2 = ["mmlu_pro", "bbh", "gpqa", "math_hard", "musr"]  # Open LLM Leaderboard v2 (88 of the models have them)
SHIFTS = (3.0, 5.0, 8.0, 12.0, -8.0)
TOP = 8


def pct(x: float) -> str:
    """A rate for the tables ('–' when there is none)."""
    return "–" if np.isnan(x) else f"{x:.2f}"


def summary_lines(summary: pd.DataFrame) -> list[str]:
    """A calibration summary (``evaluate.summarise``) as Markdown table lines."""
    lines = [
        "| benchmark | scores | MAE | 90 % coverage | median width | flag rate (real) | +3 | +5 | +8 | +12 | -8 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r['bench']} | {r['n']} | {r['mae']:.2f} | {r['coverage']:.2f} | {r['width']:.1f} | "
            f"{r['flag_rate']:.3f} | " + " | ".join(pct(r[f"detect_{s:+g}"]) for s in SHIFTS) + " |"
        )
    return lines


def same_models_line(df: pd.DataFrame, df_all: pd.DataFrame) -> list[str]:
    """MMLU on the models of ``df_all`` judged by their six v1 scores only (``df``): like for like."""
    from bayes_perflaw.multibench.evaluate import summarise

    six = summarise(df[df["model"].isin(set(df_all["model"])) & (df["bench"] == "mmlu")], SHIFTS).iloc[0]
    ten = summarise(df_all[df_all["bench"] == "mmlu"], SHIFTS).iloc[0]
    return [
        f"Like for like, MMLU on these {int(six['n'])} models judged by the other five v1 scores only: MAE "
        f"{six['mae']:.2f}, median width {six['width']:.1f}, flag rate {six['flag_rate']:.3f}, +8 / +12 / -8 detected "
        f"{pct(six['detect_+8'])} / {pct(six['detect_+12'])} / {pct(six['detect_-8'])}; with the v2 scores as well: "
        f"{ten['mae']:.2f}, {ten['width']:.1f}, {ten['flag_rate']:.3f}, {pct(ten['detect_+8'])} / "
        f"{pct(ten['detect_+12'])} / {pct(ten['detect_-8'])}. MMLU-Pro re-uses MMLU questions, so a contamination of "
        "MMLU may lift it too; these plants move MMLU alone."
    ]


def recipe_plants(multi: pd.DataFrame) -> pd.DataFrame:
    """The recipe-only screen on the same plants: flag of each reference model's MMLU shifted by each shift."""
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated
    from bayes_perflaw.screening.model import Screening
    from bayes_perflaw.screening.screen import screen_table

    ref = read_validated(ROOT / "data" / "reference_models.csv", require_law_inputs=False)
    names = set(multi["reference_model"].dropna()) - {""}
    ref = ref[ref["model"].isin(names) & (law_gaps(ref) == "").to_numpy()].reset_index(drop=True)
    post = Screening.load().draws
    out = pd.DataFrame({"reference_model": ref["model"], "y": ref["mmlu"]})
    for s in (0.0, *SHIFTS):
        shifted = ref.assign(mmlu=ref["mmlu"] + s)
        ok = shifted["mmlu"].between(0, 100).to_numpy()
        flags = np.full(len(ref), "n/a", dtype=object)
        judged = screen_table(shifted[ok].reset_index(drop=True), post, in_sample=True)
        flags[ok] = judged["flag"].to_numpy()
        out["flag" if s == 0 else f"flag_{s:+g}"] = flags
    return out


def detection(flags: pd.Series, shift: float) -> float:
    f = flags[flags != "n/a"]
    return float((f == ("high" if shift > 0 else "low")).mean()) if len(f) else float("nan")


def logit_pct(score) -> np.ndarray:
    """Log odds of a score in percent (clipped to 0.1-99.9 %)."""
    p = np.clip(np.asarray(score, dtype=float) / 100.0, 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def spread(resid: np.ndarray) -> str:
    """``sd (robust sd)`` of residuals in points (robust: 1.4826 x the median absolute deviation)."""
    return f"{resid.std(ddof=1):.1f} ({1.4826 * np.median(np.abs(resid - np.median(resid))):.1f})"


def regression_design(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of the yardstick regression: an intercept and the other five benchmarks' log odds; MMLU's log odds
    (``wide``: one row per model, one column per benchmark, percent)."""
    x = np.column_stack([np.ones(len(wide))] + [logit_pct(wide[b]) for b in BENCHES[1:]])
    return x, logit_pct(wide["mmlu"])


def loo_fits(wide: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """The yardstick regression (:func:`regression_design`) fitted on every row but one, for each row: its
    prediction of MMLU's log odds, the standard error of a new observation there (homoscedastic, with the
    coefficients' uncertainty), and the residual degrees of freedom."""
    x, y = regression_design(wide)
    n, p = x.shape
    pred, se = np.empty(n), np.empty(n)
    for i in range(n):
        keep = np.arange(n) != i
        coef = np.linalg.lstsq(x[keep], y[keep], rcond=None)[0]
        resid = y[keep] - x[keep] @ coef
        pred[i] = x[i] @ coef
        se[i] = np.sqrt(resid @ resid / (n - 1 - p) * (1.0 + x[i] @ np.linalg.inv(x[keep].T @ x[keep]) @ x[i]))
    return pred, se, n - 1 - p


def loo_regression(wide: pd.DataFrame) -> np.ndarray:
    """Leave-one-out residuals (points) of the yardstick regression (:func:`loo_fits`)."""
    return wide["mmlu"].to_numpy(dtype=float) - 100.0 / (1.0 + np.exp(-loo_fits(wide)[0]))


def regression_screen(wide: pd.DataFrame, shifts=(0.0, 8.0, 12.0), threshold: float = 0.05) -> dict[float, np.ndarray]:
    """The yardstick regression used as a screen: each row's MMLU judged by its Student-t prediction interval in
    log odds (:func:`loo_fits`); per shift planted into MMLU, whether the row is flagged (two-sided tail
    probability below ``threshold``, and above the prediction for a positive shift; NaN where the planted score
    passes 100)."""
    from scipy import stats

    pred, se, dof = loo_fits(wide)
    flags = {}
    for shift in shifts:
        score = wide["mmlu"].to_numpy(dtype=float) + shift
        t = (logit_pct(score) - pred) / se
        flagged = (2 * stats.t.sf(np.abs(t), dof) < threshold) & ((shift <= 0) | (t > 0))
        flags[shift] = np.where(score < 100, flagged, np.nan)
    return flags


def mmlu_by_level(df: pd.DataFrame, multi: pd.DataFrame, shipped) -> list[str]:
    """Markdown: the MMLU screen by the reported score's level (predictive width, residual spread, detection at +8
    and +12), and beside it, on the rows with MMLU above 40 and all five other scores, the leave-one-out residual
    of a least-squares regression of MMLU's log odds on the other five's (the issue's yardstick)."""
    m = df[df["bench"] == "mmlu"].copy()
    m["resid"] = m["y"] - m["pred_mean"]
    bands = pd.cut(m["y"], [0, 30, 40, 50, 60, 70, 100])
    lines = [
        "### MMLU by level: where the +12 detection is lost",
        "",
        "Near chance (below 30) a planted shift leaves the narrow floor region and is caught; between 40 and 70 the "
        "scores scatter most about what the other five imply, so the predictive is wide and +8 / +12 are often "
        "missed. Residual spread in points: sd (robust sd).",
        "",
        "| reported MMLU | scores | median 90 % width | residual spread | +8 | +12 |",
        "|---|---|---|---|---|---|",
    ]
    for band, g in m.groupby(bands, observed=True):
        lines.append(
            f"| {band} | {len(g)} | {(g['hi'] - g['lo']).median():.1f} | {spread(g['resid'].to_numpy())} | "
            f"{detection(g['flag_+8'], 8.0):.2f} | {detection(g['flag_+12'], 12.0):.2f} |"
        )
    every = df.pivot_table(index="model", columns="bench", values="y").dropna(subset=BENCHES)
    wide = every[every["mmlu"] > 40]
    by_model = m.set_index("model")
    loo = pd.Series(loo_regression(wide), index=wide.index)
    ours = by_model.loc[wide.index, "resid"]
    coef = np.linalg.lstsq(*regression_design(wide), rcond=None)[0]
    arc_coef, gsm_coef = coef[1 + BENCHES[1:].index("arc_c")], coef[1 + BENCHES[1:].index("gsm8k")]
    from bayes_perflaw.multibench.condition import globals_from_draws

    g = globals_from_draws(shipped.draws)
    lam = {b: float(g.lam[:, i, 0].mean()) for i, b in enumerate(g.benches)}
    obs_models = set(multi.loc[multi["source_scores"].str.startswith("ryoungj"), "model"])
    obs = every[every.index.isin(obs_models)]
    above = (obs["mmlu"] > 40).to_numpy()
    lines += [
        "",
        f"On the {len(wide)} models with MMLU above 40 and all five other scores, the leave-one-out residual of a "
        f"least-squares regression of MMLU's log odds on the other five's has spread {spread(loo.to_numpy())} points; "
        f"the screen's leave-one-model-out residual on the same rows {spread(ours.to_numpy())}. On ObsScaling's own "
        f"{above.sum()} of them (the issue's yardstick, without the leaderboard rows such as Yi-1.5 and Falcon-11B): "
        f"the regression {spread(loo_regression(obs[above]))}, the screen "
        f"{spread(ours.loc[obs.index[above]].to_numpy())}. That regression is fitted on models selected by their "
        "MMLU, the score it predicts, which trims the residuals; fitted on all "
        f"{len(obs)} ObsScaling models with the six scores (as the screen is) and judged on the same "
        f"{above.sum()}: {spread(loo_regression(obs)[above])}. "
        "A +12 shift caught 95 % of the time at a two-sided 0.05 threshold needs a predictive sd of about "
        "12 / (1.96 + 1.64) = 3.3 points: neither the regression nor the screen reaches it on these models.",
        "",
        "The same regression used as a screen (fitted on the other ObsScaling models, Student-t prediction "
        "interval in log odds, flag at the two-sided 0.05 threshold), against the shipped screen on the same "
        "rows:",
        "",
        "| rows | screen | flag rate (real) | +8 | +12 |",
        "|---|---|---|---|---|",
    ]
    reg = regression_screen(obs)
    judged = by_model.loc[obs.index]
    for label, rows in ((f"all {len(obs)}", np.ones(len(obs), dtype=bool)), (f"MMLU above 40 ({above.sum()})", above)):
        lines.append(
            f"| {label} | regression | {np.nanmean(reg[0.0][rows]):.3f} | {np.nanmean(reg[8.0][rows]):.2f} | "
            f"{np.nanmean(reg[12.0][rows]):.2f} |"
        )
        sub = judged[rows]
        lines.append(
            f"| {label} | multi-benchmark (shipped) | {(sub['flag'] != '').mean():.3f} | "
            f"{detection(sub['flag_+8'], 8.0):.2f} | {detection(sub['flag_+12'], 12.0):.2f} |"
        )
    lines += [
        "",
        "Where the screen loses most to the regression on those rows (residuals in points, the regression's from "
        "the same leave-one-out fits): mostly models whose GSM8K is low for their other scores, near zero for "
        "2023's StableLM and OpenLLaMA runs. In the factor model GSM8K loads on the first factor as much as MMLU "
        f"does (posterior mean loadings {lam['gsm8k']:.2f} and {lam['mmlu']:.2f}; ARC-C {lam['arc_c']:.2f}), so a "
        "low GSM8K pulls the capability, and MMLU, towards chance, where the level-dependent noise is smallest: "
        "the interval is narrow and the real score is flagged. The regression, fitted on models above 40 only, "
        f"gives GSM8K's log odds a coefficient of {gsm_coef:.3f} (ARC-C's {arc_coef:.2f}). Release time in the "
        "recipe (variants k2hr, k2hrd, `variants.md`) does not move these rows: two of them are undated and the "
        "learned drift of GSM8K with time is near zero (ARCHITECTURE.md). Untried: a factor that lets MMLU and "
        "GSM8K part (k3 anchors HumanEval and did not converge).",
        "",
        "| model | MMLU | GSM8K | screen: predicted [90 %] | screen residual | regression residual |",
        "|---|---|---|---|---|---|",
    ]
    worst = (ours.abs() - loo.abs()).sort_values(ascending=False).index[:6]
    for name in worst:
        r = by_model.loc[name]
        lines.append(
            f"| {name} | {r['y']:.1f} | {wide.loc[name, 'gsm8k']:.1f} | {r['pred_mean']:.1f} [{r['lo']:.1f}, "
            f"{r['hi']:.1f}] | {ours[name]:+.1f} | {loo[name]:+.1f} |"
        )
    lines.append("")
    return lines


def judged(stem: Path, reuse: bool, compute) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every judged score, its summary per benchmark): ``compute()`` written to ``<stem>.csv`` and
    ``<stem>_summary.csv``, or with ``reuse`` both read back (the summary was computed at full precision)."""
    from bayes_perflaw.multibench.evaluate import summarise

    table, summary_path = stem.with_suffix(".csv"), stem.with_name(f"{stem.name}_summary.csv")
    if reuse and summary_path.is_file():
        df = pd.read_csv(table, keep_default_na=False, na_values=[""])
        flags = [c for c in df.columns if c.startswith("flag")]
        df[flags] = df[flags].fillna("")
        return df, pd.read_csv(summary_path)
    df = compute()
    df.to_csv(table, index=False, float_format="%.6g")
    summary = summarise(df, SHIFTS)
    summary.to_csv(summary_path, index=False, float_format="%.6g")
    return df, summary


def variant_row(name: str, model, s: pd.Series) -> dict:
    """One row of the variants table: a posterior's leave-one-score-out summary ``s`` beside its fit diagnostics."""
    diag = model.meta["diagnostics"]
    loo = model.meta.get("loo", {})
    nu = model.meta["priors"]["nu"]
    nu_text = f"fixed {nu:g}" if isinstance(nu, (int, float)) else f"learned ({model.draws.values['nu'].mean():.2f})"
    return {
        "variant": name,
        "nu": nu_text,
        "leave-one-score-out elpd": round(float(s["elpd"]), 1),
        "MAE": round(float(s["mae"]), 2),
        "90 % coverage": round(float(s["coverage"]), 3),
        "median width": round(float(s["width"]), 1),
        "flag rate (real scores)": round(float(s["flag_rate"]), 3),
        "PSIS-LOO elpd (all 13 benchmarks)": round(float(loo.get("elpd_loo", np.nan)), 1),
        "Pareto k > 0.7": loo.get("pareto_k_gt_0.7", ""),
        "r_hat max": round(float(diag["r_hat_max"]), 3),
        "converged": diag["converged"],
        "fitted": str(model.meta.get("created", ""))[:10],
    }


def main(argv: list[str] | None = None) -> int:
    from bayes_perflaw.core.outputs import atomic_write
    from bayes_perflaw.multibench.evaluate import score_out, summarise
    from bayes_perflaw.multibench.model import MultiBench

    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posterior", default=str(ROOT / "models" / "multibench.nc"))
    ap.add_argument("--variant", action="append", default=[], help="NAME=PATH of another posterior to compare")
    ap.add_argument("--out", default=str(ROOT / "reports" / "multibench"))
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="rewrite the tables from the saved score_out*.csv instead of judging the shipped posterior's scores "
        "again (files written before session 13 hold 4 significant digits: a displayed last digit can move); "
        "variants given with --variant are still evaluated",
    )
    ap.add_argument(
        "--keep-variants",
        action="store_true",
        help="keep the rows of variants.csv for variants not evaluated in this run",
    )
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shipped = MultiBench.read(args.posterior)
    multi = pd.read_csv(ROOT / "data" / "multibench.csv", keep_default_na=False, na_values=[""])

    # the shipped posterior: every score judged by the other five, shifts planted
    df, summary = judged(out / "score_out", args.reuse, lambda: score_out(shipped.draws, BENCHES, SHIFTS))

    # the models with the v2 scores: every score of the eleven leaderboard benchmarks judged by the other ten
    def with_v2() -> pd.DataFrame:
        d = score_out(shipped.draws, BENCHES + V2, SHIFTS)
        return d[d["model"].isin(set(d.loc[d["bench"].isin(V2), "model"]))]

    df_all, summary_all = judged(out / "score_out_all", args.reuse, with_v2)

    # variants by the leave-one-score-out log predictive density of the same scores; under --reuse the shipped
    # posterior's row is kept from the earlier table (computed at full precision) when there is one
    table = out / "variants.csv"
    earlier = pd.read_csv(table, keep_default_na=False, na_values=[""]) if table.is_file() else None
    specs = list(args.variant)
    if not (args.reuse and earlier is not None and shipped.variant_name in set(earlier["variant"])):
        specs.insert(0, f"{shipped.variant_name}={args.posterior}")
    rows = []
    for spec in specs:
        name, path = spec.split("=", 1)
        model = shipped if path == args.posterior else MultiBench.read(path)
        d = df if model is shipped else score_out(model.draws, BENCHES, ())
        rows.append(variant_row(name, model, summarise(d).set_index("bench").loc["all"]))
    variants = pd.DataFrame(rows)
    if earlier is not None:
        keep = ~earlier["variant"].isin([r["variant"] for r in rows]) & (
            args.keep_variants | (args.reuse & (earlier["variant"] == shipped.variant_name))
        )
        variants = pd.concat([variants, earlier[keep]], ignore_index=True)
    variants = variants.sort_values("leave-one-score-out elpd", ascending=False)
    atomic_write(table, lambda tmp: variants.to_csv(tmp, index=False))
    atomic_write(
        out / "variants.md",
        lambda tmp: tmp.write_text(
            "# Number of latent factors\n\n"
            "Each variant's posterior (`bayes-perflaw multibench fit --variant kK`), every score of the six "
            "leaderboard benchmarks predicted from the same model's other five, the model left out by importance "
            "sampling (`scripts/multibench_calibration.py`; the rows in `variants.csv`, with the date each "
            "posterior was fitted, empty for rows older than that column). Higher elpd is better. PSIS-LOO over "
            "single scores (from the fit) is shown for reference only: with a latent capability per model it "
            "leaves a score, not a model, out, and many Pareto k exceed 0.7.\n\n"
            + variants.fillna({"fitted": ""}).to_markdown(index=False)
            + "\n"
        ),
    )

    # recipe-only screen on the same plants
    rec = recipe_plants(multi)
    same = multi.loc[multi["reference_model"].isin(set(rec["reference_model"])), "model"]
    mm = df[(df["bench"] == "mmlu") & df["model"].isin(same)]

    lines = [
        MARKER,
        "",
        "## Multi-benchmark screen: each score against the model's other scores",
        "",
        f"Shipped posterior `models/multibench.nc` (variant {shipped.variant_name}; "
        f"{shipped.meta['n_models']} models, {shipped.meta['n_obs']} scores of 13 benchmarks, "
        "`data/multibench.csv`). Every score of the six Open LLM Leaderboard v1 benchmarks is predicted from the "
        "same model's other five and its recipe, the model left out of the fit by importance sampling, and judged "
        "at the nominal two-sided tail probability 0.05; then +3, +5, +8, +12 and -8 points are planted into that "
        "score alone (only where the planted score stays within 0-100). Flag rate on the real scores: they are "
        "not known to be clean (Yi's MMLU is the first flagged), so it bounds the false-flag rate from above. "
        "Regenerate: `make models` (`scripts/multibench_calibration.py`).",
        "",
        *summary_lines(summary),
        "",
        "### With the Open LLM Leaderboard v2 scores as well",
        "",
        "The same check on the models that also have the five v2 scores (MMLU-Pro, BBH, GPQA, MATH level 5, MuSR; raw "
        "accuracies), every score judged by the model's other ten leaderboard scores. The v2 rows tell how well "
        "each v2 benchmark is screened; the v1 rows of these models, against the table above, what the v2 scores "
        "add as witnesses (`score_out_all.csv`).",
        "",
        *summary_lines(summary_all),
        "",
        *same_models_line(df, df_all),
        "",
        f"### Against the recipe-only screen, MMLU, on the same {len(rec)} models",
        "",
        "The recipe screen (`models/screen.nc`) judges the developer-reported MMLU of the reference table "
        "against the model's architecture and budget, each row by its leave-one-out predictive; the "
        "multi-benchmark screen judges the leaderboard MMLU of the same models against their other five scores.",
        "",
        "| screen | flag rate (real) | +3 | +5 | +8 | +12 | -8 |",
        "|---|---|---|---|---|---|---|",
        "| multi-benchmark | "
        + f"{(mm['flag'] != '').mean():.3f} | "
        + " | ".join(pct(detection(mm[f"flag_{s:+g}"], s)) for s in SHIFTS)
        + " |",
        "| recipe only | "
        + f"{(rec['flag'] != '').mean():.3f} | "
        + " | ".join(pct(detection(rec[f"flag_{s:+g}"], s)) for s in SHIFTS)
        + " |",
        "",
        *mmlu_by_level(df, multi, shipped),
    ]
    notes_path = out / "public_notes.csv"
    notes = pd.read_csv(notes_path, keep_default_na=False) if notes_path.is_file() else pd.DataFrame()
    known = {r["model"]: r["note"] + (f" ([source]({r['url']}))" if r["url"] else "") for _, r in notes.iterrows()}
    for col, title in (
        ("p_high", "highest p_high (contamination-like)"),
        ("p_low", "highest p_low (instability-like)"),
    ):
        lines += [f"### Real scores with the {title}", ""]
        lines += [
            "| model | benchmark | reported | predicted [90 %] | p_high | p_low | tail | flag "
            "| what is publicly known |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for b in BENCHES:
            d = df[df["bench"] == b].sort_values(col, ascending=False).head(2 if b != "mmlu" else TOP)
            for _, r in d.iterrows():
                lines.append(
                    f"| {r['model']} | {b} | {r['y']:.1f} | {r['pred_mean']:.1f} [{r['lo']:.1f}, {r['hi']:.1f}] | "
                    f"{r['p_high']:.2f} | {r['p_low']:.2f} | {r['tail_prob']:.3f} | {r['flag'] or ''} | "
                    f"{known.get(r['model'], '')} |"
                )
        lines.append("")
    target = ROOT / "reports" / "screening.md"
    text = target.read_text(encoding="utf-8") if target.is_file() else ""
    head = text[: text.index(MARKER)] if MARKER in text else text.rstrip("\n") + "\n\n"
    atomic_write(target, lambda tmp: tmp.write_text(head + "\n".join(lines)))
    print(json.dumps({"variants": rows}, default=str, indent=1))
    print(summary.round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
