#!/usr/bin/env python
"""Extract model rows from epoch-research/open-model-trends.

Usage::

    python scripts/sources/extract_epoch_open_model_trends.py MIRROR_DIR [--commit REV]

Writes ``data/sources/epoch_open_model_trends/``:

* ``models.csv``  -- every row of ``data/benchmarks_with_model_accessibility.csv`` (the report's
  benchmark table: name, parameters, active parameters, dataset size, date, MMLU + notes), joined on
  the exact system name with ``data/All ML Systems - full view.csv`` (Epoch database snapshot) for the
  organisation and the per-row link.
* ``systems_language.csv`` -- the rows of the database snapshot whose Domain contains "Language"
  (name, organisation, publication date, parameters, dataset size, compute, accessibility, link,
  short notes), with publication date <= 2025-03-31 (the snapshot ends in 2024 anyway).
"""
# ruff: noqa: E501  (long descriptive strings for SOURCE.txt / README.md)

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CUTOFF_DATE,
    SOURCES_DIR,
    commit_date,
    commit_subject,
    month_ok,
    read_csv_at,
    resolve,
    today,
    write_csv,
)

OUT = SOURCES_DIR / "epoch_open_model_trends"
BENCH = "data/benchmarks_with_model_accessibility.csv"
FULL = "data/All ML Systems - full view.csv"
REPO = "epoch-research/open-model-trends"


def short(s: str, n: int = 300) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 3] + "..."


def num(s: str) -> str:
    """Strip thousands separators ("176,000,000,000" -> "176000000000"); keep text otherwise."""
    t = (s or "").strip().replace(",", "")
    if t.endswith(".00"):
        t = t[:-3]
    return t


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("mirror")
    ap.add_argument("--commit", default="HEAD")
    a = ap.parse_args(argv)
    c = resolve(a.mirror, a.commit)
    bench = read_csv_at(a.mirror, c, BENCH)
    full = read_csv_at(a.mirror, c, FULL)
    by_name = {}
    for r in full:
        by_name.setdefault(r["System"].strip(), r)

    src_b = f"{REPO}:{BENCH}@{c}"
    src_f = f"{REPO}:{FULL}@{c}"
    rows = []
    dropped_date = 0
    for r in bench:
        ok = month_ok(r["Date"])
        if ok is False:
            dropped_date += 1
            continue
        f = by_name.get(r["System"].strip())
        rows.append(
            {
                "model": r["System"],
                "organization": f["Organization"] if f else "",
                "release_date": r["Date"],
                "open_closed": r["Open/Closed"],
                "parameters": num(r["Model size (parameters)"]),
                "active_parameters": num(r["Active Parameters"]),
                "dataset_size": num(r["Dataset size"]),
                "training_compute_flop": r["Training compute (FLOP)"],
                "mmlu": r["MMLU"],
                "mmlu_notes": short(r["MMLU Notes"], 200),
                "helm_mmlu": r["HELM MMLU"],
                "bbh": r["BBH"],
                "trust_in_benchmark_results": r["Trust in benchmark results"],
                "link": f["Link"].split()[0] if f and f["Link"].strip() else "",
                "matched_full_view": bool(f),
                "source": src_b,
                "org_link_source": src_f if f else "",
            }
        )
    cols = list(rows[0].keys())
    write_csv(OUT / "models.csv", rows, cols)

    lang = []
    for r in full:
        if "Language" not in r["Domain"]:
            continue
        if month_ok(r["Publication date"]) is False:
            continue
        lang.append(
            {
                "model": r["System"],
                "organization": r["Organization"],
                "publication_date": r["Publication date"],
                "domain": r["Domain"],
                "model_accessibility": r["Model accessibility"],
                "parameters": num(r["Parameters"]),
                "parameters_notes": short(r["Parameters notes"], 200),
                "training_dataset_size_datapoints": num(r["Training dataset size (datapoints)"]),
                "dataset_size_notes": short(r["Dataset size notes"], 300),
                "training_compute_flop": r["Training compute (FLOP)"],
                "base_model": r["Base model"],
                "confidence": r["Confidence"],
                "link": r["Link"].split()[0] if r["Link"].strip() else "",
                "source": src_f,
            }
        )
    write_csv(OUT / "systems_language.csv", lang, list(lang[0].keys()))

    n_mmlu = sum(1 for r in rows if r["mmlu"].strip())
    n_open = sum(1 for r in rows if r["open_closed"] == "Open")
    n_active = sum(
        1 for r in rows if r["active_parameters"] and r["parameters"] and r["active_parameters"] != r["parameters"]
    )
    n_hf = sum(1 for r in lang if "huggingface.co/" in r["link"])
    txt = f"""Source: {REPO} (https://github.com/{REPO}) -- code/data for Epoch AI report "How far behind are open models?"
Licence: no LICENSE file in the repository at this commit (README gives none). Data are from Epoch AI's
  database/report; cite Epoch AI. Treat as "attribution required, licence not stated in repo".
Commit: {c} ({commit_date(a.mirror, c)}) "{commit_subject(a.mirror, c)}"
Paths copied from: {BENCH} ; {FULL}
Fetched/extracted: {today()}
Extraction script: scripts/sources/extract_epoch_open_model_trends.py <open-model-trends git mirror>

models.csv ({len(rows)} rows; one per row of {BENCH}; rows with date > {CUTOFF_DATE} dropped: {dropped_date})
  model                 System name as in the file
  organization          'Organization' of the row with the identical System name in the full view (empty if no match)
  release_date          'Date' (YYYY-MM-DD)
  open_closed           'Open/Closed'
  parameters            'Model size (parameters)' (count of parameters)
  active_parameters     'Active Parameters' (thousands separators removed; for dense models equals parameters)
  dataset_size          'Dataset size' (training data size, units as in Epoch's database: datapoints; for
                        language models usually words or tokens -- see systems_language.csv dataset_size_notes)
  training_compute_flop 'Training compute (FLOP)'
  mmlu, mmlu_notes      'MMLU' (fraction 0-1; shots not given per row, see notes) and 'MMLU Notes'
  helm_mmlu, bbh        'HELM MMLU', 'BBH' (fractions)
  trust_in_benchmark_results  as given
  link                  first URL of 'Link' in the full view
  source / org_link_source    owner/repo:path@commit of the values
  Counts: {n_mmlu} with MMLU; {n_open} 'Open'; {n_active} with active_parameters != parameters.

systems_language.csv ({len(lang)} rows; full-view rows whose Domain contains 'Language', publication date <= {CUTOFF_DATE}
  or empty; {n_hf} have a huggingface.co link)
  model, organization, publication_date, domain, model_accessibility, parameters, parameters_notes (<=200 chars),
  training_dataset_size_datapoints ('Training dataset size (datapoints)'; NB: Epoch often stores WORDS for
  language models, e.g. tokens*0.75 -- read dataset_size_notes), dataset_size_notes (<=300 chars),
  training_compute_flop, base_model, confidence, link (first URL), source.
"""
    (OUT / "SOURCE.txt").write_text(txt, encoding="utf-8")
    print(txt)


if __name__ == "__main__":
    main()
