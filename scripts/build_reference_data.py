"""Build data/reference_models.csv from ../shared/data/reference_models.csv.

Reproducible: run `python scripts/build_reference_data.py [SHARED_CSV]`. Every source column
is kept. Changes made (documented in data/README.md):
  * columns renamed to Hugging Face config names (layers -> num_hidden_layers, ...);
  * integer-valued sizes written as integers (49152.0 -> 49152);
  * MoE rows where every FFN layer is an expert layer (Mixtral, Grok-1) had the expert width in
    `intermediate_size`; it stays in `moe_intermediate_size` and `intermediate_size` is emptied,
    as the recipe schema asks (a dense FFN width that does not exist is left empty);
  * `shared_intermediate_size` = shared_experts x moe_intermediate_size (shared experts have the
    routed-expert width in DeepSeekMoE / DeepSeek-V2 / Qwen2-MoE), derived, source = source_arch.
No value is invented: a missing number stays an empty cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SRC = ROOT.parent / "shared" / "data" / "reference_models.csv"

RENAME = {
    "layers": "num_hidden_layers",
    "total_params_B": "params_B",
    "activated_params_B": "active_params_B",
    "experts_per_token": "num_experts_per_tok",
    "train_tokens_T": "tokens_T",
    "mmlu_5shot": "mmlu",
}
INT_COLS = [
    "num_hidden_layers",
    "hidden_size",
    "intermediate_size",
    "moe_intermediate_size",
    "shared_intermediate_size",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "num_experts",
    "num_experts_per_tok",
    "shared_experts",
]
ORDER = [
    "model",
    "organization",
    "release",
    "is_moe",
    "num_hidden_layers",
    "hidden_size",
    "intermediate_size",
    "moe_intermediate_size",
    "shared_intermediate_size",
    "ffn_gated",
    "num_attention_heads",
    "num_key_value_heads",
    "vocab_size",
    "tied_embeddings",
    "params_B",
    "active_params_B",
    "num_experts",
    "num_experts_per_tok",
    "shared_experts",
    "tokens_T",
    "mmlu",
    "mmlu_source_kind",
    "tokens_source_kind",
    "confidence",
    "source_arch",
    "source_tokens",
    "source_mmlu",
    "notes",
]


def build(src: Path) -> pd.DataFrame:
    df = pd.read_csv(src, dtype=str, keep_default_na=False).rename(columns=RENAME)
    moe = df["is_moe"] == "True"
    all_expert = moe & (df["intermediate_size"] == df["moe_intermediate_size"])
    df.loc[all_expert, "intermediate_size"] = ""
    shared = pd.to_numeric(df["shared_experts"], errors="coerce")
    width = pd.to_numeric(df["moe_intermediate_size"], errors="coerce")
    derived = (shared * width).where(shared > 0)
    df["shared_intermediate_size"] = derived.map(lambda v: "" if pd.isna(v) else str(int(v)))
    for col in INT_COLS:
        num = pd.to_numeric(df[col], errors="coerce")
        df[col] = num.map(lambda v: "" if pd.isna(v) else str(int(v)))
    missing = set(ORDER) - set(df.columns)
    if missing:
        raise SystemExit(f"source table lacks columns {sorted(missing)}")
    return df[ORDER]


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    out = ROOT / "data" / "reference_models.csv"
    build(src).to_csv(out, index=False)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
