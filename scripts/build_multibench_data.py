"""Build data/multibench.csv: one row per base model, its scores on up to 13 benchmarks (percent) and its recipe.

Sources (all vendored, each with a SOURCE.txt):
* data/obsscaling/base_llm_benchmark_eval.csv (ObsScaling, Ruan et al. 2024, ryoungj/ObsScaling @ 4d6e1e4,
  Apache-2.0): 148 base models, MMLU, ARC-C, HellaSwag, WinoGrande, TruthfulQA, GSM8K, XWinograd, HumanEval
  (fractions of 1, x100 here), parameters (B), pre-training tokens (T);
* data/obsscaling/base_llm_leaderboard_v2_eval.csv (same commit): Open LLM Leaderboard v2 raw accuracies of 72 of
  them: MMLU-Pro, BBH, GPQA, MATH level 5, MuSR (x100 here; IFEval, an instruction-following test, is left out);
* data/sources/open_llm_leaderboard/ (fboulnois/llm-leaderboard-csv, v1 @ 5282… and v2 @ 0f4e5c…): base models of
  official providers scored by both leaderboards and absent from ObsScaling (v1 columns already in percent, the
  same harness as ObsScaling's, which copied them: median difference 0.0 points on the 113 shared models);
* data/reference_models.csv: where the same model is in the curated reference table (names matched after
  normalisation, :func:`normalise`), its release month, developer-reported MMLU and, when ObsScaling lacks them,
  its parameters and tokens;
* release months of the other models (:func:`with_release`): the Hugging Face upload date the Open LLM Leaderboard
  v2 extract lists for the same id (``upload_date``), else Epoch AI's publication date
  (data/sources/epoch_open_model_trends/systems_language.csv) of the same model name;
* tokens (:func:`with_epoch_tokens`): a pre-training size over ``MAX_TOKENS_T`` is no corpus of these years (the
  largest here is 15.6 T) and is dropped; an unknown size is taken from Epoch AI's table for the same model name.
Release rule: every model here is in sources frozen before 2025-04 (ObsScaling's latest model is from 2024-07; the
leaderboard v2 snapshot is of 2025-03-21), so none is from the unseen period.
Run: `python scripts/build_multibench_data.py` (`make data`).
"""

from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_benchmark_map import official_pairs  # noqa: E402  (the same join of the two leaderboard extracts)

SRC = ROOT / "data" / "obsscaling"
COMMIT = "ryoungj/ObsScaling@4d6e1e4"
BASE = {  # ObsScaling column -> ours
    "MMLU": "mmlu",
    "ARC-C": "arc_c",
    "HellaSwag": "hellaswag",
    "Winograd": "winogrande",
    "TruthfulQA": "truthfulqa",
    "GSM8K": "gsm8k",
    "XWinograd": "xwinograd",
    "HumanEval": "humaneval",
}
BOARD = {  # leaderboard v2 column (ObsScaling copy) -> ours
    "leaderboard_mmlu_pro": "mmlu_pro",
    "leaderboard_bbh": "bbh",
    "leaderboard_gpqa": "gpqa",
    "leaderboard_math_hard": "math_hard",
    "leaderboard_musr": "musr",
}
V1 = {  # leaderboard v1 extract (percent) -> ours
    "mmlu_5shot": "mmlu",
    "arc_25shot": "arc_c",
    "hellaswag_10shot": "hellaswag",
    "winogrande_5shot": "winogrande",
    "truthfulqa_0shot": "truthfulqa",
    "gsm8k_5shot": "gsm8k",
}
V2 = {  # leaderboard v2 extract (fractions) -> ours
    "mmlu_pro_5shot": "mmlu_pro",
    "bbh_3shot": "bbh",
    "gpqa_0shot": "gpqa",
    "math_lvl5_4shot": "math_hard",
    "musr_0shot": "musr",
}
SCORES = [*BASE.values(), *BOARD.values()]


def normalise(name: str) -> str:
    """A model name reduced for matching HF ids with the reference table's names ('meta-llama/Meta-Llama-3.1-8B'
    and 'Llama-3.1-8B' -> 'llama-3-1-8b')."""
    s = re.sub(r"\(.*?\)", "", name.split("/")[-1].lower()).strip()
    s = re.sub(r"[\s_.]+", "-", s)
    s = s.replace("meta-llama-", "llama-").replace("meta-", "")
    for suffix in ("-hf", "-base", "-v0-1"):
        s = s.replace(suffix, "")
    return s.strip("-")


def obsscaling_rows() -> pd.DataFrame:
    base = pd.read_csv(SRC / "base_llm_benchmark_eval.csv")
    board = pd.read_csv(SRC / "base_llm_leaderboard_v2_eval.csv")
    df = base.merge(board, on="Model", how="left", validate="one_to_one")
    out = pd.DataFrame({"model": df["Model"], "family": df["Model Family"]})
    out["params_B"] = df["Model Size (B)"]
    out["tokens_T"] = df["Pretraining Data Size (T)"]
    for src, col in {**BASE, **BOARD}.items():
        out[col] = (100 * df[src]).round(3)
    out["source_scores"] = f"{COMMIT} eval_results/base_llm_benchmark_eval.csv (columns {', '.join(BASE)}; x100)"
    has_v2 = df["leaderboard_mmlu_pro"].notna()
    out.loc[has_v2, "source_scores"] += (
        f"; {COMMIT} eval_results/base_llm_leaderboard_v2_eval.csv (columns {', '.join(BOARD)}; x100)"
    )
    out["source_recipe"] = (
        f"{COMMIT} eval_results/base_llm_benchmark_eval.csv (Model Size (B), Pretraining Data Size (T))"
    )
    return out


def leaderboard_rows(known: set[str]) -> pd.DataFrame:
    """Official providers' base models scored by both leaderboards, not already in ``known`` (lower-case ids)."""
    df = official_pairs(known)
    out = pd.DataFrame({"model": df["model_id_v2"], "family": df["model_id_v2"].str.split("/").str[0]})
    out["params_B"] = df["params_b_v2"]
    out["tokens_T"] = float("nan")
    for src, col in V1.items():
        out[col] = df[src].round(3)
    for src, col in V2.items():
        out[col] = (100 * df[src]).round(3)
    out["source_scores"] = (
        df["source_v1"] + f" (columns {', '.join(V1)}); " + df["source_v2"] + f" (columns {', '.join(V2)}; x100)"
    )
    out["source_recipe"] = df["source_v2"] + " (params_b)"
    return out


def with_reference(df: pd.DataFrame) -> pd.DataFrame:
    """Release month, developer-reported MMLU and missing recipe values from the curated reference table."""
    ref = pd.read_csv(ROOT / "data" / "reference_models.csv")
    ref = ref.assign(key=ref["model"].map(normalise)).drop_duplicates("key", keep=False)
    by_key = ref.set_index("key")
    key = df["model"].map(normalise)
    hit = key.isin(by_key.index)
    df = df.copy()
    df.insert(2, "reference_model", key.map(by_key["model"]).where(hit, ""))
    df.insert(3, "release", key.map(by_key["release"]).where(hit, ""))
    df["reference_mmlu"] = key.map(by_key["mmlu"])
    for col, ref_col in (("params_B", "params_B"), ("tokens_T", "tokens_T")):
        value = pd.to_numeric(key.map(by_key[ref_col]), errors="coerce")
        fill = df[col].isna() & hit & value.notna()
        df.loc[fill, col] = value[fill]
        df.loc[fill, "source_recipe"] = df.loc[fill, "source_recipe"] + f"; {ref_col} from data/reference_models.csv"
    df["source_reference"] = ""
    df.loc[hit, "source_reference"] = "data/reference_models.csv (release, mmlu, source_mmlu there)"
    return df


# 2022-03-02 is the hub upload date of every repository older than the hub's metadata (gpt2, gpt-neo, gpt-j in the
# v2 extract, released 2019-2021): no release date
HUB_PLACEHOLDER = "2022-03-02"
BOARD_V2 = ROOT / "data" / "sources" / "open_llm_leaderboard" / "v2_pretrained.csv"
BOARD_V2_SOURCE = "data/sources/open_llm_leaderboard/v2_pretrained.csv"
EPOCH = ROOT / "data" / "sources" / "epoch_open_model_trends" / "systems_language.csv"
EPOCH_SOURCE = "data/sources/epoch_open_model_trends/systems_language.csv"
# normalised names of the same model in Epoch AI's table (its link: arXiv 2309.11568, "BTLM-3B-8K")
EPOCH_ALIASES = {"btlm-3b-8k": "btlm-3b"}
MAX_TOKENS_T = 100.0


@functools.cache
def _epoch() -> pd.DataFrame:
    """Epoch AI's language-model rows keyed by normalised name (names that normalise alike are dropped)."""
    e = pd.read_csv(EPOCH)
    e = e.assign(key=e["model"].map(normalise)).drop_duplicates("key", keep=False)
    return e.set_index("key")


def _epoch_key(model: str) -> str:
    key = normalise(model)
    return EPOCH_ALIASES.get(key, key)


def with_release(df: pd.DataFrame) -> pd.DataFrame:
    """Release months where the reference table has none: the leaderboard v2's hub upload date of the same id
    (not the placeholder :data:`HUB_PLACEHOLDER`), else Epoch AI's publication date of the same model name."""
    df = df.copy()
    df["source_release"] = ""
    df.loc[df["release"] != "", "source_release"] = "data/reference_models.csv (release)"
    board = pd.read_csv(BOARD_V2, usecols=["model_id", "upload_date", "source"])
    board = board[board["upload_date"].notna() & (board["upload_date"] != HUB_PLACEHOLDER)]
    board = board.assign(key=board["model_id"].str.lower()).drop_duplicates("key").set_index("key")
    key = df["model"].str.lower()
    fill = (df["release"] == "") & key.isin(board.index)
    df.loc[fill, "release"] = key[fill].map(board["upload_date"]).str[:7]
    df.loc[fill, "source_release"] = key[fill].map(
        lambda k: f"{BOARD_V2_SOURCE} (upload_date {board.at[k, 'upload_date']}; the hub upload of this id)"
    )
    epoch = _epoch()
    ekey = df["model"].map(_epoch_key)
    fill = (df["release"] == "") & ekey.isin(epoch.index) & ekey.map(epoch["publication_date"]).notna()
    df.loc[fill, "release"] = ekey[fill].map(epoch["publication_date"]).str[:7]
    df.loc[fill, "source_release"] = ekey[fill].map(
        lambda k: f"{EPOCH_SOURCE} (publication_date {epoch.at[k, 'publication_date']} of {epoch.at[k, 'model']!r})"
    )
    return df


def with_epoch_tokens(df: pd.DataFrame) -> pd.DataFrame:
    """Drop implausible token counts (over :data:`MAX_TOKENS_T`), then fill unknown ones from Epoch AI's table."""
    df = df.copy()
    bad = df["tokens_T"] > MAX_TOKENS_T
    df.loc[bad, "source_recipe"] += df.loc[bad, "tokens_T"].map(
        lambda v: f"; tokens_T {v:g} there dropped (over {MAX_TOKENS_T:g} T: no corpus of these years)"
    )
    df.loc[bad, "tokens_T"] = np.nan
    epoch = _epoch()
    ekey = df["model"].map(_epoch_key)
    tokens = pd.to_numeric(ekey.map(epoch["training_dataset_size_datapoints"]), errors="coerce") / 1e12
    fill = df["tokens_T"].isna() & tokens.notna()
    df.loc[fill, "tokens_T"] = tokens[fill]
    df.loc[fill, "source_recipe"] += ekey[fill].map(
        lambda k: f"; tokens_T from {EPOCH_SOURCE} (training_dataset_size_datapoints of {epoch.at[k, 'model']!r})"
    )
    return df


def build() -> pd.DataFrame:
    obs = obsscaling_rows()
    df = pd.concat([obs, leaderboard_rows(set(obs["model"].str.lower()))], ignore_index=True)
    df = with_epoch_tokens(with_release(with_reference(df)))
    origin = pd.Series(["obsscaling"] * len(obs) + ["leaderboard"] * (len(df) - len(obs)))
    seen = set(df.loc[origin == "obsscaling", "reference_model"]) - {""}
    names = set(obs["model"].str.split("/").str[-1].str.lower())
    same = df["reference_model"].isin(seen) | df["model"].str.split("/").str[-1].str.lower().isin(names)
    duplicate = (origin == "leaderboard") & same  # another HF id of the same model (e.g. gpt2)
    df = df[~duplicate.to_numpy()].reset_index(drop=True)
    cols = ["model", "family", "reference_model", "release", "params_B", "tokens_T", *SCORES, "reference_mmlu"]
    return df[cols + ["source_scores", "source_recipe", "source_reference", "source_release"]]


def main() -> int:
    out = ROOT / "data" / "multibench.csv"
    df = build()
    df.to_csv(out, index=False)
    counts = ", ".join(f"{c} {int(df[c].notna().sum())}" for c in SCORES)
    print(f"wrote {len(df)} models to {out} ({int((df['reference_model'] != '').sum())} in the reference table)")
    print(f"scores per benchmark: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
