"""Build data/reference_models.csv from the vendored source tables in data/sources/ (never from hand edits).

Run: ``python scripts/build_reference_data.py`` (``make data``). Sources, in priority order (each folder has a
SOURCE.txt with its origin, commit or checksum, licence and columns; every number has its own source column):

1. ``shared_reference/reference_models.csv``: 80 curated base models, 2020-05 .. 2024-07;
2. ``shared_later/later_models.csv``: 30 curated base models, 2024-07 .. 2025-03;
3. ``curated_*/models.csv``: further batches in the table's own layout (MoE models, dense 2024-25 models, older
   suites), each number sourced in ``source_arch`` / ``source_tokens`` / ``source_mmlu``.

Rules (documented in data/README.md):
* columns renamed to Hugging Face config names; integer-valued sizes written as integers;
* MoE rows whose every FFN is an expert layer (Mixtral, Grok-1) keep the expert width in
  ``moe_intermediate_size`` only; ``shared_intermediate_size`` = shared experts x expert width where the source
  gives a number of shared experts and no width (DeepSeekMoE / DeepSeek-V2/V3 / Qwen2-MoE convention);
* ``mmlu_method`` says how each MMLU was obtained, read from its source (``METHODS``: the Open LLM Leaderboard v1
  harness, HELM, else the developer's report or another harness);
* organisation names made one per developer (:mod:`bayes_perflaw.perflaw.organisations`: "Alibaba Qwen" ->
  "Alibaba (Qwen)", ...);
* ``tied_embeddings`` of a later_models row is True where its notes say "tied embeddings" (the curator's words);
* **the same model from two sources** (same name after normalising case and punctuation, or an alias below): the
  row with a developer-reported MMLU wins, then the earlier source; the other source's differing values are kept
  in ``notes``;
* **cut-off**: no model released after 2025-03 enters (that period is kept to evaluate the package);
* **checks** (:mod:`bayes_perflaw.perflaw.checks`, also ``bayes-perflaw data check``): the parameter count recomputed
  from the architecture within 3 % of the stated size, else ``confidence`` says so (added here: "params: ...");
  MoE fields consistent; a source for every number; no duplicate names. The build fails on any other problem.
No value is invented: a missing number stays an empty cell.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
OUT = ROOT / "data" / "reference_models.csv"
CUTOFF = "2025-03"
sys.path.insert(0, str(ROOT))

from bayes_perflaw.perflaw.checks import (  # noqa: E402
    TABLE_COLUMNS,
    check_table,
    normalised_name,
    recount_mismatches,
)
from bayes_perflaw.perflaw.organisations import canonical  # noqa: E402
from bayes_perflaw.perflaw.schema import validate  # noqa: E402

RENAME = {
    "layers": "num_hidden_layers",
    "total_params_B": "params_B",
    "activated_params_B": "active_params_B",
    "experts_per_token": "num_experts_per_tok",
    "train_tokens_T": "tokens_T",
    "mmlu_5shot": "mmlu",
    "mmlu_5shot_base": "mmlu",
    "source_config": "source_arch",
}
INT_COLS = (
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
)
ALIASES = {  # the same checkpoint under names that do not normalise alike (written rule: developer's name kept)
    "llama3.18b": "llama3.18b",
}
METHODS = (  # how an MMLU was obtained, read from its source (first match wins); the model's noise is per source kind
    ("open_llm_leaderboard_v1", r"ObsScaling|llm-leaderboard|Open LLM Leaderboard|open_llm_leaderboard"),
    ("helm", r"\bhelm\b|crfm"),
)
COMPARED = ("params_B", "tokens_T", "mmlu", "release", "num_hidden_layers", "hidden_size", "intermediate_size")


def read_source(path: Path) -> pd.DataFrame:
    """One vendored table, renamed to the reference layout, with ``table_source`` naming its folder."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=RENAME)
    df["table_source"] = path.parent.name
    df["organization"] = df["organization"].map(canonical)
    for col in TABLE_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    if path.parent.name == "shared_later":
        defaulted = df["mmlu_source_kind"] == ""
        df.loc[defaulted, "mmlu_source_kind"] = "developer"  # the file's README: the developer's own figures
        df.loc[df["tokens_source_kind"] == "", "tokens_source_kind"] = "developer"
        tied = df["notes"].str.contains(r"\btied embeddings\b", case=False) & ~df["notes"].str.contains(
            r"\buntied\b", case=False
        )
        df.loc[tied & (df["tied_embeddings"] == ""), "tied_embeddings"] = "True"
    moe = df["is_moe"].str.lower() == "true"
    all_expert = moe & (df["intermediate_size"] == df["moe_intermediate_size"]) & (df["intermediate_size"] != "")
    df.loc[all_expert, "intermediate_size"] = ""
    shared = pd.to_numeric(df["shared_experts"], errors="coerce")
    width = pd.to_numeric(df["moe_intermediate_size"], errors="coerce")
    derived = (shared * width).where(shared > 0)
    fill = (df["shared_intermediate_size"] == "") & derived.notna()
    df.loc[fill, "shared_intermediate_size"] = derived[fill].map(lambda v: str(int(v)))
    for col in INT_COLS:
        num = pd.to_numeric(df[col], errors="coerce")
        df[col] = [
            str(int(v)) if pd.notna(v) and float(v).is_integer() else s for v, s in zip(num, df[col], strict=True)
        ]
    return df[[*TABLE_COLUMNS, "table_source"]]


def source_paths() -> list[Path]:
    curated = sorted(p / "models.csv" for p in SOURCES.glob("curated_*") if (p / "models.csv").exists())
    return [SOURCES / "shared_reference" / "reference_models.csv", SOURCES / "shared_later" / "later_models.csv"] + [
        p for p in curated
    ]


def reconcile(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per model: developer-reported MMLU first, then the earlier source; differences kept in notes."""
    rows = rows.reset_index(drop=True)
    key = rows["model"].map(normalised_name).map(lambda k: ALIASES.get(k, k))
    rank = rows["table_source"].map({s: i for i, s in enumerate(dict.fromkeys(rows["table_source"]))})
    developer = (rows["mmlu_source_kind"] == "developer") & (rows["mmlu"] != "")
    order = pd.DataFrame({"key": key, "dev": ~developer, "rank": rank}).sort_values(["key", "dev", "rank"])
    log, keep = [], []
    for _, group in order.groupby("key", sort=False):
        idx = list(group.index)
        winner = idx[0]
        keep.append(winner)
        for other in idx[1:]:
            diffs = [f"{c} {rows.at[other, c]}" for c in COMPARED if rows.at[other, c] not in ("", rows.at[winner, c])]
            text = f"also in {rows.at[other, 'table_source']} as {rows.at[other, 'model']!r}" + (
                f" with {', '.join(diffs)}" if diffs else " (same values)"
            )
            rows.at[winner, "notes"] = (rows.at[winner, "notes"] + " | " if rows.at[winner, "notes"] else "") + text
            log.append(f"{rows.at[winner, 'model']}: kept {rows.at[winner, 'table_source']}; {text}")
    return rows.loc[sorted(keep)].reset_index(drop=True), log


def mmlu_method(row: pd.Series) -> str:
    """'developer_report', 'open_llm_leaderboard_v1', 'helm' or 'other_harness' (empty without an MMLU)."""
    if not row["mmlu"]:
        return ""
    for name, pattern in METHODS:
        if re.search(pattern, row["source_mmlu"], flags=re.IGNORECASE):
            return name
    return "developer_report" if row["mmlu_source_kind"] == "developer" else "other_harness"


def flag_param_recount(table: pd.DataFrame, raw: pd.DataFrame) -> None:
    """Where the recomputed parameter count is more than 3 % off, say so in ``confidence`` (the stated value is
    kept: it is the developer's)."""
    for i, column, _, recount, rel in recount_mismatches(table):
        if "params" in raw.at[i, "confidence"].lower():
            continue
        note = f"params: {column} recomputed from the architecture {recount:.3g} B ({rel:+.1%}; stated kept)"
        raw.at[i, "confidence"] = f"{raw.at[i, 'confidence']}; {note}" if raw.at[i, "confidence"] else note


def build() -> tuple[pd.DataFrame, list[str]]:
    rows = pd.concat([read_source(p) for p in source_paths()], ignore_index=True)
    late = rows["release"] > CUTOFF
    log = [
        f"dropped {m} ({r}): released after the cut-off {CUTOFF}"
        for m, r in zip(rows["model"][late], rows["release"][late], strict=True)
    ]
    rows = rows[~late]
    table, merged = reconcile(rows)
    log += merged
    table.insert(table.columns.get_loc("mmlu_source_kind") + 1, "mmlu_method", table.apply(mmlu_method, axis=1))
    extra = ["table_source", "mmlu_method"]
    valid = validate(table.drop(columns=extra), source="the merged sources", require_law_inputs=False)
    flag_param_recount(valid, table)
    valid = validate(table.drop(columns=extra), source="the merged sources", require_law_inputs=False)
    problems = check_table(valid, cutoff=CUTOFF)
    if problems:
        raise SystemExit("reference table checks failed:\n  " + "\n  ".join(str(p) for p in problems))
    return table, log


def counts_markdown(table: pd.DataFrame) -> str:
    """The counts data/README.md shows (rewritten between its ``counts`` markers by every build)."""
    moe = table["is_moe"].str.lower() == "true"
    year = table["release"].str[:4]
    lines = [
        f"{len(table)} base models ({(table['mmlu'] != '').sum()} with MMLU), {int(moe.sum())} MoE and "
        f"{int((~moe).sum())} dense, {table['organization'].nunique()} organisations, released "
        f"{table['release'].min()} .. {table['release'].max()} (cut-off {CUTOFF}).",
        "",
        "| year | models | MoE | with MMLU |",
        "|---|---|---|---|",
    ]
    for y, g in table.groupby(year):
        lines.append(
            f"| {y} | {len(g)} | {int((g['is_moe'].str.lower() == 'true').sum())} | {(g['mmlu'] != '').sum()} |"
        )
    lines += ["", "| source folder (data/sources/) | rows kept |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in table["table_source"].value_counts().items()]
    kinds = table.loc[table["mmlu"] != "", "mmlu_source_kind"].replace("", "unstated").value_counts()
    lines += ["", "MMLU reported by: " + ", ".join(f"{k} {v}" for k, v in kinds.items()) + "."]
    methods = table.loc[table["mmlu"] != "", "mmlu_method"].value_counts()
    lines += ["", "MMLU obtained by: " + ", ".join(f"{k} {v}" for k, v in methods.items()) + "."]
    orgs = table["organization"].value_counts()
    lines += ["", "Organisations: " + ", ".join(f"{k} ({v})" for k, v in orgs.items()) + "."]
    return "\n".join(lines)


def write_readme_counts(table: pd.DataFrame) -> None:
    readme = ROOT / "data" / "README.md"
    text = readme.read_text()
    start, end = "<!-- counts:start -->", "<!-- counts:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        readme.write_text(f"{head}{start}\n{counts_markdown(table)}\n{end}{tail}")


def main() -> int:
    from bayes_perflaw.core.outputs import write_csv

    table, log = build()
    for line in log:
        print(line)
    write_csv(table, OUT)
    write_readme_counts(table)
    moe = (table["is_moe"].str.lower() == "true").sum()
    with_mmlu = (table["mmlu"] != "").sum()
    print(
        f"wrote {OUT.relative_to(ROOT)}: {len(table)} models ({with_mmlu} with MMLU), {moe} MoE, "
        f"{table['organization'].nunique()} organisations, released {table['release'].min()} .. "
        f"{table['release'].max()}; by source: {table['table_source'].value_counts().to_dict()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
