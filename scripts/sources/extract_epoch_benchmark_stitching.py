#!/usr/bin/env python
"""Extract MMLU rows (with per-row source link) and model release dates from
epoch-research/benchmark-stitching.

Usage::

    python scripts/sources/extract_epoch_benchmark_stitching.py MIRROR_DIR [--commit REV]

Writes ``data/sources/epoch_benchmark_stitching/``:

* ``model_versions.csv`` -- rows of ``data/model_versions.csv`` with a 'Version release date'
  <= 2025-03-31 (rows without a date are dropped; a few rows whose stated date is contradicted by
  their own version name or base model are dropped too, see ``DATE_INCONSISTENT``), with the
  Hugging Face repo id (developer id + version id) when the developer id is given.
* ``mmlu.csv`` -- rows of ``data/external_benchmark_mmlu.csv`` (name, score, model version, shots,
  source title + link, notes), joined on 'Model version' with model_versions for a release date.
  A row is kept if its model version has an Epoch release date <= 2025-03-31, or -- when no date is
  known -- if its source link is an arXiv paper whose identifier (YYMM) is <= 2503 (the model was
  reported in a paper published by then; ``date_basis`` says which).  Other rows are dropped and counted.
"""
# ruff: noqa: E501  (long descriptive strings for SOURCE.txt / README.md)

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CUTOFF_DATE, SOURCES_DIR, commit_date, commit_subject, read_csv_at, resolve, today, write_csv  # noqa: E402

REPO = "epoch-research/benchmark-stitching"
MV = "data/model_versions.csv"
MMLU = "data/external_benchmark_mmlu.csv"
OUT = SOURCES_DIR / "epoch_benchmark_stitching"

# Rows of model_versions.csv whose 'Version release date' is contradicted by the row itself (version
# suffix naming a later month, or a base model that did not exist at that date). They are excluded so that
# no model released after the cutoff can slip in through a mis-dated row.
DATE_INCONSISTENT = {
    "Kimi-K2-Instruct-0905",  # dated 2024-09-05 in the file, but '0905' version of a model family absent from the 2024 rows
    "openhands-lm-32b-v0.1",  # dated 2024-03-26, but Link/base is a Qwen2.5-Coder derivative (Qwen2.5-Coder rows dated 2024-09-18)
    "LiveCC-7B-Instruct",  # dated 2024-04-12; Qwen2-VL-based (Qwen2-VL rows dated 2024-08-29)
}

ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4})\.\d{4,5}")


def pct(s: str) -> str:
    t = (s or "").strip()
    if t.endswith("%"):
        try:
            return f"{float(t[:-1]) / 100:.4f}"
        except ValueError:
            return ""
    return t


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("mirror")
    ap.add_argument("--commit", default="HEAD")
    a = ap.parse_args(argv)
    c = resolve(a.mirror, a.commit)
    mv = read_csv_at(a.mirror, c, MV)
    mm = read_csv_at(a.mirror, c, MMLU)

    mv_rows, no_date, late, inconsistent = [], 0, 0, 0
    date_by_id = {}
    for r in mv:
        vid = r["id"].strip()
        d = r["Version release date"].strip()
        if not d:
            no_date += 1
            continue
        if d[:10] > CUTOFF_DATE:
            late += 1
            continue
        if vid in DATE_INCONSISTENT:
            inconsistent += 1
            continue
        dev = r["Hugging Face developer id"].strip()
        date_by_id.setdefault(vid.lower(), (d, r["Model"].strip()))
        mv_rows.append(
            {
                "version_id": vid,
                "model": r["Model"].strip(),
                "release_date": d,
                "hf_developer_id": dev,
                "hf_repo_id": f"{dev}/{vid}" if dev and "/" not in vid and " " not in vid else "",
                "link": r["Link"].strip().split()[0] if r["Link"].strip() else "",
                "source": f"{REPO}:{MV}@{c}",
            }
        )
    write_csv(OUT / "model_versions.csv", mv_rows, list(mv_rows[0].keys()))

    out, dropped = [], 0
    for r in mm:
        mver = r["Model version"].strip()
        d, fam = date_by_id.get(mver.lower(), ("", ""))
        link = r["Source link"].strip()
        basis = ""
        if d:
            basis = "epoch_model_versions_release_date"
        else:
            m = ARXIV.search(link)
            if m and m.group(1) <= "2503":
                basis = f"arxiv_{m.group(1)}_source_paper"
        if not basis:
            dropped += 1
            continue
        out.append(
            {
                "name": r["Name"].strip(),
                "mmlu": pct(r["EM"]),
                "mmlu_raw": r["EM"].strip(),
                "shots": r["Shots"].strip(),
                "model_version": mver,
                "epoch_model": fam,
                "release_date": d,
                "date_basis": basis,
                "source_title": " ".join(r["Source"].split()),
                "source_link": link,
                "notes": " ".join(r["Notes"].split())[:200],
                "epoch_record_id": r["id"].strip(),
                "source": f"{REPO}:{MMLU}@{c}",
            }
        )
    write_csv(OUT / "mmlu.csv", out, list(out[0].keys()))

    n5 = sum(1 for r in out if r["shots"] == "5")
    n_dated = sum(1 for r in out if r["release_date"])
    n_hf = sum(1 for r in mv_rows if r["hf_repo_id"])
    txt = f"""Source: {REPO} (https://github.com/{REPO}) -- data for the paper "A Rosetta Stone for AI Benchmarks" (Epoch AI)
Licence: MIT (LICENSE, "Copyright (c) 2025 Epoch AI"), added in the commit used here.
Commit: {c} ({commit_date(a.mirror, c)}) "{commit_subject(a.mirror, c)}"
Paths copied from: {MMLU} ; {MV}
  (data/all_ai_models.csv, Epoch's full model table, is >= 4 MiB and absent from the fetched snapshot.)
Fetched/extracted: {today()}
Extraction script: scripts/sources/extract_epoch_benchmark_stitching.py <benchmark-stitching git mirror>

model_versions.csv ({len(mv_rows)} rows of {len(mv)}; dropped: {no_date} without a release date, {late} dated after {CUTOFF_DATE},
  {inconsistent} with a self-contradictory date (list DATE_INCONSISTENT in the script))
  version_id       'id' (model version identifier, often the HF repo name or API model name)
  model            'Model' (Epoch model/family name)
  release_date     'Version release date' (YYYY-MM-DD)
  hf_developer_id  'Hugging Face developer id'
  hf_repo_id       hf_developer_id/version_id when the developer id is given ({n_hf} rows)
  link             first URL of 'Link'
  source           owner/repo:path@commit

mmlu.csv ({len(out)} rows of {len(mm)}; {dropped} dropped: no Epoch release date <= {CUTOFF_DATE} and no arXiv source <= 2503)
  name             'Name' as written in the cited source
  mmlu             'EM' converted to a fraction (0-1); mmlu_raw keeps the original string
  shots            'Shots' (5 = 5-shot; empty = not stated). {n5} rows are 5-shot.
  model_version    'Model version' (join key to model_versions.version_id)
  epoch_model, release_date   from model_versions.csv ({n_dated} rows dated)
  date_basis       epoch_model_versions_release_date | arxiv_YYMM_source_paper (no date; reported in that paper)
  source_title, source_link   'Source', 'Source link' -- the per-row provenance of the score
  notes            'Notes' (<=200 chars)
  epoch_record_id  'id' of the Epoch record
  source           owner/repo:path@commit
"""
    (OUT / "SOURCE.txt").write_text(txt, encoding="utf-8")
    print(txt)


if __name__ == "__main__":
    main()
