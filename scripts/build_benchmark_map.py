"""Build data/benchmark_map.csv: MMLU next to MMLU-Pro and BBH for the same base models (percent).

Source: data/obsscaling/ (verbatim copies of ObsScaling eval_results, commit 4d6e1e4, Apache-2.0; see
SOURCE.txt there). MMLU from base_llm_benchmark_eval.csv; MMLU-Pro and BBH from
base_llm_leaderboard_v2_eval.csv (Open LLM Leaderboard v2), joined on the HF model id. Both files hold
**fractions of 1 and raw accuracies** (not the leaderboard's chance-normalised display scores: Llama-2-7B
has MMLU-Pro 0.186 raw where the leaderboard shows ~9.6 normalised); this table multiplies by 100.
Added (issue 15): base models of **official providers** in both Open LLM Leaderboard extracts
(data/sources/open_llm_leaderboard/: v1 5-shot MMLU in percent; v2 MMLU-Pro 5-shot and BBH 3-shot as raw
fractions, x100 here), joined on the HF model id, that ObsScaling does not already give; ObsScaling's row wins
for a model in both (it is the same harness).
Run: `python scripts/build_benchmark_map.py` (`make data`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "data" / "obsscaling"
COMMIT = "ryoungj/ObsScaling@4d6e1e4"


def build() -> pd.DataFrame:
    base = pd.read_csv(SRC / "base_llm_benchmark_eval.csv")
    board = pd.read_csv(SRC / "base_llm_leaderboard_v2_eval.csv")
    df = base[["Model", "Model Family", "MMLU"]].merge(
        board[["Model", "leaderboard_mmlu_pro", "leaderboard_bbh"]], on="Model", how="inner", validate="one_to_one"
    )
    out = pd.DataFrame(
        {
            "model": df["Model"],
            "family": df["Model Family"],
            "mmlu": (100 * df["MMLU"]).round(3),
            "mmlu_pro": (100 * df["leaderboard_mmlu_pro"]).round(3),
            "bbh": (100 * df["leaderboard_bbh"]).round(3),
            "source_mmlu": f"{COMMIT} eval_results/base_llm_benchmark_eval.csv, column MMLU (x100)",
            "source_mmlu_pro": f"{COMMIT} eval_results/base_llm_leaderboard_v2_eval.csv, leaderboard_mmlu_pro (x100)",
            "source_bbh": f"{COMMIT} eval_results/base_llm_leaderboard_v2_eval.csv, leaderboard_bbh (x100)",
        }
    )
    out = out.dropna(subset=["mmlu", "mmlu_pro", "bbh"])
    return pd.concat([out, leaderboard_rows(set(out["model"].str.lower()))], ignore_index=True)


def official_pairs(known: set[str]) -> pd.DataFrame:
    """Base models of official providers that both Open LLM Leaderboard extracts score (v1 columns suffixed
    ``_v1``, v2 ``_v2`` where both have them), not already in ``known`` (lower-case HF ids), sorted by id."""
    folder = ROOT / "data" / "sources" / "open_llm_leaderboard"
    v1 = pd.read_csv(folder / "v1_pretrained.csv")
    v2 = pd.read_csv(folder / "v2_pretrained.csv")
    v2 = v2[v2["is_official_provider"].astype(str).str.upper() == "TRUE"]
    v1, v2 = v1.assign(key=v1["model_id"].str.lower()), v2.assign(key=v2["model_id"].str.lower())
    df = v1.drop_duplicates("key").merge(v2.drop_duplicates("key"), on="key", suffixes=("_v1", "_v2"))
    return df[~df["key"].isin(known)].sort_values("key").reset_index(drop=True)


def leaderboard_rows(known: set[str]) -> pd.DataFrame:
    """Official providers' base models with v1 MMLU and v2 MMLU-Pro/BBH, not already in ``known``."""
    df = official_pairs(known)
    return pd.DataFrame(
        {
            "model": df["model_id_v2"],
            "family": df["model_id_v2"].str.split("/").str[0],  # the HF organisation (no family column there)
            "mmlu": df["mmlu_5shot"].round(3),
            "mmlu_pro": (100 * df["mmlu_pro_5shot"]).round(3),
            "bbh": (100 * df["bbh_3shot"]).round(3),
            "source_mmlu": df["source_v1"] + ", column mmlu_5shot",
            "source_mmlu_pro": df["source_v2"] + ", column mmlu_pro_5shot (x100)",
            "source_bbh": df["source_v2"] + ", column bbh_3shot (x100)",
        }
    ).dropna(subset=["mmlu", "mmlu_pro", "bbh"])


def main() -> int:
    out = ROOT / "data" / "benchmark_map.csv"
    df = build()
    df.to_csv(out, index=False)
    print(f"wrote {len(df)} models to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
