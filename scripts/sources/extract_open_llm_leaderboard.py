#!/usr/bin/env python
"""Extract base (pretrained) rows of the Hugging Face Open LLM Leaderboard v1 and v2 from the git
history of fboulnois/llm-leaderboard-csv.

Usage::

    python scripts/sources/extract_open_llm_leaderboard.py MIRROR_DIR [--v1-commit REV] [--v2-commit REV]

By default the commits are found in the history:
* v1: the last commit whose tree contains ``csv/huggingface_v1.csv`` (the v1 leaderboard, 5-shot MMLU);
* v2: the last commit on or before 2025-03-31 whose tree contains ``csv/huggingface_v2.csv``
  (MMLU-Pro, BBH, ...).
Rows kept: leaderboard type "pretrained" (v1: '🟢 pretrained', v2: 'pretrained') and
"continuously pretrained" (kept with their type so they can be filtered out).
Every snapshot is dated <= 2025-03-31, so every listed HF repo existed by then.
"""
# ruff: noqa: E501  (long descriptive strings for SOURCE.txt / README.md)

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CUTOFF_DATE, SOURCES_DIR, commit_date, commit_subject, git, read_csv_at, resolve, today, write_csv  # noqa: E402

REPO = "fboulnois/llm-leaderboard-csv"
V1 = "csv/huggingface_v1.csv"
V2 = "csv/huggingface_v2.csv"
OUT = SOURCES_DIR / "open_llm_leaderboard"


def last_commit_with(mirror, path, before=None):
    args = ["log", "--all", "--format=%H"]
    if before:
        args.append(f"--before={before}T23:59:59Z")
    for c in git(mirror, *args, "--", path).split():
        if git(mirror, "ls-tree", c, "--", path).strip():
            return c
    raise SystemExit(f"no commit containing {path}")


def f_or_empty(s):
    s = (s or "").strip()
    if s in ("", "NA"):
        return ""
    return s


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("mirror")
    ap.add_argument("--v1-commit")
    ap.add_argument("--v2-commit")
    a = ap.parse_args(argv)
    m = a.mirror
    c1 = resolve(m, a.v1_commit) if a.v1_commit else last_commit_with(m, V1)
    c2 = resolve(m, a.v2_commit) if a.v2_commit else last_commit_with(m, V2, before=CUTOFF_DATE)
    d1, d2 = commit_date(m, c1), commit_date(m, c2)
    assert d1[:10] <= CUTOFF_DATE and d2[:10] <= CUTOFF_DATE

    v1 = read_csv_at(m, c1, V1)
    rows1 = []
    for r in v1:
        t = r["type"]
        if "pretrained" not in t:
            continue
        rows1.append(
            {
                "model_id": r["fullname"] or r["model"],
                "type": t.replace("🟢 ", "").replace("🟩 ", ""),
                "mmlu_5shot": f_or_empty(r["mmlu"]),
                "arc_25shot": f_or_empty(r["arc"]),
                "hellaswag_10shot": f_or_empty(r["hellaswag"]),
                "truthfulqa_0shot": f_or_empty(r["truthfulqa"]),
                "winogrande_5shot": f_or_empty(r["winogrande"]),
                "gsm8k_5shot": f_or_empty(r["gsm8k"]),
                "average": f_or_empty(r["average"]),
                "params_b": f_or_empty(r["params_b"]),
                "architecture": r["architecture"],
                "moe_flag": r["moe"],
                "merged": r["merged"],
                "flagged": r["flagged"],
                "precision": r["precision"],
                "weight_type": r["weight_type"],
                "model_sha": r["model_sha"],
                "date": r["date"],
                "hub_license": r["hub_license"],
                "url": r["url"],
                "source": f"{REPO}:{V1}@{c1}",
            }
        )
    write_csv(OUT / "v1_pretrained.csv", rows1, list(rows1[0].keys()))

    v2 = read_csv_at(m, c2, V2)
    rows2 = []
    for r in v2:
        t = r["model_type"]
        if "pretrained" not in t:
            continue
        rows2.append(
            {
                "model_id": r["model_name"],
                "type": "continuously pretrained" if t.startswith("continuously") else t,
                "mmlu_pro_5shot": f_or_empty(r["evaluations_mmlu_pro_value"]),
                "bbh_3shot": f_or_empty(r["evaluations_bbh_value"]),
                "gpqa_0shot": f_or_empty(r["evaluations_gpqa_value"]),
                "math_lvl5_4shot": f_or_empty(r["evaluations_math_value"]),
                "musr_0shot": f_or_empty(r["evaluations_musr_value"]),
                "ifeval_0shot": f_or_empty(r["evaluations_ifeval_value"]),
                "mmlu_pro_normalized": f_or_empty(r["evaluations_mmlu_pro_normalized_score"]),
                "bbh_normalized": f_or_empty(r["evaluations_bbh_normalized_score"]),
                "params_b": f_or_empty(r["metadata_params_billions"]),
                "architecture": r["model_architecture"],
                "is_moe": r["features_is_moe"],
                "is_merged": r["features_is_merged"],
                "is_flagged": r["features_is_flagged"],
                "is_official_provider": r["features_is_official_provider"],
                "precision": r["model_precision"],
                "weight_type": r["model_weight_type"],
                "model_sha": r["model_sha"],
                "base_model": r["metadata_base_model"],
                "upload_date": r["metadata_upload_date"],
                "submission_date": r["metadata_submission_date"],
                "hub_license": r["metadata_hub_license"],
                "source": f"{REPO}:{V2}@{c2}",
            }
        )
    write_csv(OUT / "v2_pretrained.csv", rows2, list(rows2[0].keys()))

    def cnt(rows, key, val):
        return sum(1 for r in rows if r[key] == val)

    n1p, n2p = cnt(rows1, "type", "pretrained"), cnt(rows2, "type", "pretrained")
    n1m = sum(1 for r in rows1 if r["mmlu_5shot"])
    n2m = sum(1 for r in rows2 if r["mmlu_pro_5shot"])
    n2b = sum(1 for r in rows2 if r["bbh_3shot"])
    txt = f"""Source: {REPO} (https://github.com/{REPO}) -- CSV snapshots of the Hugging Face Open LLM Leaderboard
  (v1: https://huggingface.co/spaces/open-llm-leaderboard-old/open_llm_leaderboard ; v2: https://huggingface.co/spaces/open-llm-leaderboard/open_llm_leaderboard)
Licence: repository code under MPL-2.0 (LICENSE at both commits). The scores themselves are the Open LLM
  Leaderboard's published results (Hugging Face); cite the leaderboard.
Few-shot settings in the column names (v1: ARC 25, HellaSwag 10, MMLU 5, TruthfulQA 0, Winogrande 5, GSM8K 5;
  v2: IFEval 0, BBH 3, MATH Lvl 5 4, GPQA 0, MuSR 0, MMLU-Pro 5) are not in the CSVs; they are the leaderboards'
  documented settings (https://huggingface.co/docs/leaderboards/open_llm_leaderboard/about and the leaderboard's
  "Open LLM Leaderboard Evaluation Results" model-card tables, e.g. "MMLU-PRO (5-shot)", "BBH (3-Shot)").
Fetched/extracted: {today()}
Extraction script: scripts/sources/extract_open_llm_leaderboard.py <llm-leaderboard-csv git mirror>

v1_pretrained.csv -- from {V1} at commit {c1} ({d1}) "{commit_subject(m, c1)}"
  This is the last version of the v1 file in the history (the blob stays unchanged until the file is
  deleted on 2025-06-10). {len(v1)} rows in the file; kept {len(rows1)} with type containing 'pretrained'
  ({n1p} 'pretrained', {len(rows1) - n1p} 'continuously pretrained'); {n1m} with MMLU.
  Columns: model_id (HF repo id, 'fullname'), type, mmlu_5shot / arc_25shot / hellaswag_10shot / truthfulqa_0shot /
  winogrande_5shot / gsm8k_5shot / average (percent, 0-100, Open LLM Leaderboard v1 harness settings),
  params_b (billions, as listed), architecture (HF architectures class), moe_flag (leaderboard 'moe' flag, unreliable:
  it is set for some dense merges -- use architecture), merged, flagged, precision, weight_type, model_sha,
  date (leaderboard 'date' column as given: an ISO timestamp attached by the leaderboard, not a release date),
  hub_license, url, source.

v2_pretrained.csv -- from {V2} at commit {c2} ({d2}) "{commit_subject(m, c2)}"
  Last version of the v2 file committed on or before {CUTOFF_DATE} (v2 leaderboard retired in March 2025).
  {len(v2)} rows in the file; kept {len(rows2)} ({n2p} 'pretrained', {len(rows2) - n2p} 'continuously pretrained');
  {n2m} with MMLU-Pro, {n2b} with BBH.
  Columns: model_id ('model_name', HF repo id), type, mmlu_pro_5shot / bbh_3shot / gpqa_0shot / math_lvl5_4shot /
  musr_0shot / ifeval_0shot (raw accuracies 0-1, '*_value'), mmlu_pro_normalized / bbh_normalized (leaderboard
  normalised score 0-100), params_b ('metadata_params_billions'), architecture, is_moe, is_merged, is_flagged,
  is_official_provider, precision, weight_type, model_sha, base_model, upload_date ('metadata_upload_date', HF
  upload date), submission_date, hub_license, source.
"""
    (OUT / "SOURCE.txt").write_text(txt, encoding="utf-8")
    print(txt)


if __name__ == "__main__":
    main()
