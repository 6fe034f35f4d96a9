"""Build data/benchmark_map.csv: MMLU next to MMLU-Pro and BBH for the same base models (percent).

Source: data/obsscaling/ (verbatim copies of ObsScaling eval_results, commit 4d6e1e4, Apache-2.0; see
SOURCE.txt there). MMLU from base_llm_benchmark_eval.csv; MMLU-Pro and BBH from
base_llm_leaderboard_v2_eval.csv (Open LLM Leaderboard v2), joined on the HF model id. Both files hold
**fractions of 1 and raw accuracies** (not the leaderboard's chance-normalised display scores: Llama-2-7B
has MMLU-Pro 0.186 raw where the leaderboard shows ~9.6 normalised); this table multiplies by 100.
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
    return out.dropna(subset=["mmlu", "mmlu_pro", "bbh"]).reset_index(drop=True)


def main() -> int:
    out = ROOT / "data" / "benchmark_map.csv"
    df = build()
    df.to_csv(out, index=False)
    print(f"wrote {len(df)} models to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
