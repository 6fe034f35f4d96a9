#!/usr/bin/env python
"""Summarise the vendored source extracts in ``data/sources/`` and write:

* ``data/sources/README.md``               -- what each source contributes, counts, licences, coverage, MoE candidates
* ``data/sources/coverage_obsscaling.csv`` -- per model of ``data/obsscaling/base_llm_benchmark_eval.csv``:
  litgpt architecture (exact HF id match, case-insensitive), Epoch release date, leaderboard presence
* ``data/sources/moe_candidates.csv``      -- base MoE models (<= 2025-03) that have an MMLU value in some source

Run after the four ``extract_*.py`` scripts.  Reads only files under ``data/``.

MoE evidence used (no value is typed in by hand):
* litgpt: ``is_moe`` (mlp_class_name LLaMAMoE / n_expert > 0);
* Open LLM Leaderboard: HF ``architecture`` class in MOE_ARCHS;
* Epoch rows (names only): the regular expression MOE_NAME on the model / version / family name -- a heuristic,
  reported as such in the ``moe_evidence`` column.
"""
# ruff: noqa: E501  (long descriptive strings for SOURCE.txt / README.md)

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import CUTOFF_DATE, REPO_ROOT, SOURCES_DIR, today, write_csv  # noqa: E402

OBS = REPO_ROOT / "data" / "obsscaling" / "base_llm_benchmark_eval.csv"

MOE_ARCHS = {
    "MixtralForCausalLM",
    "Qwen2MoeForCausalLM",
    "OlmoeForCausalLM",
    "GraniteMoeForCausalLM",
    "DeepseekForCausalLM",
    "DeepseekV2ForCausalLM",
    "DeepseekV3ForCausalLM",
    "JambaForCausalLM",
    "DbrxForCausalLM",
    "PhiMoEForCausalLM",
    "ArcticForCausalLM",
}
MOE_NAME = re.compile(
    r"mixtral|\bmoe\b|-moe|moe-|\(moe|deepseek[- ]?v[23]|deepseek-coder-v2|ds-coder-v2|dbrx|grok|jamba|arctic|"
    r"camelidae|qwen2idae|glam|\b\d+x\d+(\.\d+)?b\b|-a\d+(\.\d+)?b\b",
    re.I,
)
NOT_BASE = re.compile(r"instruct|chat|\bit\b|-it\b|dpo|sft|rlhf|turbo|hermes|wizard", re.I)


def base_ev(text: str) -> str:
    return (
        "name says base"
        if re.search(r"\bbase\b|-base", text, re.I)
        else "unverified (name has no base/instruct marker)"
    )


def read(p: Path):
    with open(p, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def yes(x) -> bool:
    return str(x).strip().lower() in ("true", "1", "yes")


def main():
    lit = read(SOURCES_DIR / "litgpt" / "architectures.csv")
    omt = read(SOURCES_DIR / "epoch_open_model_trends" / "models.csv")
    oml = read(SOURCES_DIR / "epoch_open_model_trends" / "systems_language.csv")
    bsm = read(SOURCES_DIR / "epoch_benchmark_stitching" / "mmlu.csv")
    bsv = read(SOURCES_DIR / "epoch_benchmark_stitching" / "model_versions.csv")
    v1 = read(SOURCES_DIR / "open_llm_leaderboard" / "v1_pretrained.csv")
    v2 = read(SOURCES_DIR / "open_llm_leaderboard" / "v2_pretrained.csv")
    obs = read(OBS)

    def dated(d):
        d = (d or "").strip()[:10]
        return bool(d) and d <= CUTOFF_DATE

    # ---------------- per-source counts ----------------
    counts = []
    counts.append(
        (
            "litgpt/architectures.csv",
            len(lit),
            "n/a",
            "n/a (each row admitted by presence at the litgpt cutoff commit, an Epoch date or a leaderboard snapshot: `inclusion_basis`)",
            sum(yes(r["is_moe"]) for r in lit),
        )
    )
    counts.append(
        (
            "epoch_open_model_trends/models.csv",
            len(omt),
            sum(bool(r["mmlu"].strip()) for r in omt),
            sum(dated(r["release_date"]) for r in omt),
            sum(bool(MOE_NAME.search(r["model"])) for r in omt),
        )
    )
    counts.append(
        (
            "epoch_open_model_trends/systems_language.csv",
            len(oml),
            "n/a",
            sum(dated(r["publication_date"]) for r in oml),
            sum(bool(MOE_NAME.search(r["model"])) for r in oml),
        )
    )
    counts.append(
        (
            "epoch_benchmark_stitching/mmlu.csv",
            len(bsm),
            len(bsm),
            sum(dated(r["release_date"]) for r in bsm),
            sum(bool(MOE_NAME.search(" ".join([r["name"], r["model_version"], r["epoch_model"]]))) for r in bsm),
        )
    )
    counts.append(
        (
            "epoch_benchmark_stitching/model_versions.csv",
            len(bsv),
            "n/a",
            sum(dated(r["release_date"]) for r in bsv),
            sum(bool(MOE_NAME.search(r["version_id"] + " " + r["model"])) for r in bsv),
        )
    )
    counts.append(
        (
            "open_llm_leaderboard/v1_pretrained.csv",
            len(v1),
            sum(bool(r["mmlu_5shot"]) for r in v1),
            "0 (no release date; all listed in a 2024-07-13 snapshot)",
            sum(r["architecture"] in MOE_ARCHS for r in v1),
        )
    )
    counts.append(
        (
            "open_llm_leaderboard/v2_pretrained.csv",
            len(v2),
            f"0 (MMLU-Pro: {sum(bool(r['mmlu_pro_5shot']) for r in v2)})",
            f"{sum(dated(r['upload_date']) for r in v2)} HF upload dates; all listed in a 2025-03-21 snapshot",
            sum(r["architecture"] in MOE_ARCHS for r in v2),
        )
    )

    # ---------------- coverage of the obsscaling table ----------------
    lit_by = {r["hf_repo_id"].lower(): r for r in lit}
    ver_by_hf = {}
    for r in bsv:
        if r["hf_repo_id"]:
            ver_by_hf.setdefault(r["hf_repo_id"].lower(), r)
    ver_by_name = {}
    for r in bsv:
        ver_by_name.setdefault(r["version_id"].lower(), r)
    oml_by_hf = {}
    for r in oml:
        m = re.search(r"huggingface\.co/([^/\s?#]+/[^/\s?#]+)", r["link"])
        if m:
            oml_by_hf.setdefault(m.group(1).lower(), r)
    v1_ids = {r["model_id"].lower(): r for r in v1}
    v2_ids = {r["model_id"].lower(): r for r in v2}

    cov = []
    for r in obs:
        hid = r["Model"].strip()
        k = hid.lower()
        lr = lit_by.get(k)
        date, dsrc = "", ""
        if k in ver_by_hf:
            date, dsrc = ver_by_hf[k]["release_date"], "benchmark-stitching model_versions (hf id)"
        elif k.split("/")[-1] in ver_by_name and not ver_by_name[k.split("/")[-1]]["hf_developer_id"]:
            date, dsrc = (
                ver_by_name[k.split("/")[-1]]["release_date"],
                "benchmark-stitching model_versions (name only, no developer id)",
            )
        elif k in oml_by_hf:
            date, dsrc = oml_by_hf[k]["publication_date"], "open-model-trends full view (HF link)"
        cov.append(
            {
                "model": hid,
                "family": r["Model Family"],
                "litgpt_arch": "yes" if lr else "no",
                "litgpt_name": lr["litgpt_name"] if lr else "",
                "litgpt_mlp_class": lr["mlp_class_name"] if lr else "",
                "epoch_release_date": date,
                "epoch_date_source": dsrc,
                "in_oll_v1_pretrained": "yes" if k in v1_ids else "no",
                "in_oll_v2_pretrained": "yes" if k in v2_ids else "no",
            }
        )
    write_csv(SOURCES_DIR / "coverage_obsscaling.csv", cov, list(cov[0].keys()))
    n = len(cov)
    n_lit = sum(c["litgpt_arch"] == "yes" for c in cov)
    n_date = sum(bool(c["epoch_release_date"]) for c in cov)
    n_both = sum(c["litgpt_arch"] == "yes" and bool(c["epoch_release_date"]) for c in cov)
    n_v1 = sum(c["in_oll_v1_pretrained"] == "yes" for c in cov)
    n_v2 = sum(c["in_oll_v2_pretrained"] == "yes" for c in cov)
    fam = Counter()
    fam_lit = Counter()
    fam_date = Counter()
    for c in cov:
        fam[c["family"]] += 1
        fam_lit[c["family"]] += c["litgpt_arch"] == "yes"
        fam_date[c["family"]] += bool(c["epoch_release_date"])

    # ---------------- MoE candidates with MMLU ----------------
    cands = []
    obs_moe_ids = set()
    v2_arch = {r["model_id"].lower(): r["architecture"] for r in v2}
    v1_arch = {r["model_id"].lower(): r["architecture"] for r in v1}
    for r in obs:
        k = r["Model"].lower()
        ev = []
        if k in lit_by and yes(lit_by[k]["is_moe"]):
            ev.append(f"litgpt n_expert={lit_by[k]['n_expert']}")
        for arch in (v2_arch.get(k), v1_arch.get(k)):
            if arch in MOE_ARCHS:
                ev.append(f"HF architecture {arch} (Open LLM Leaderboard)")
                break
        if not ev and MOE_NAME.search(r["Model"]):
            ev.append("name pattern (heuristic)")
        if ev and r["MMLU"].strip():
            obs_moe_ids.add(k)
            cands.append(
                {
                    "model": r["Model"],
                    "source": "data/obsscaling/base_llm_benchmark_eval.csv",
                    "mmlu": r["MMLU"],
                    "mmlu_scale": "fraction",
                    "shots": "",
                    "date": "",
                    "date_kind": "",
                    "moe_evidence": "; ".join(ev),
                    "base_evidence": "in obsscaling base-model table",
                    "source_link": "",
                }
            )
    for r in bsm:
        text = " ".join([r["name"], r["model_version"], r["epoch_model"]])
        if MOE_NAME.search(text) and not NOT_BASE.search(r["name"] + " " + r["model_version"]):
            cands.append(
                {
                    "model": r["name"],
                    "source": "epoch_benchmark_stitching/mmlu.csv",
                    "mmlu": r["mmlu"],
                    "mmlu_scale": "fraction",
                    "shots": r["shots"],
                    "date": r["release_date"],
                    "date_kind": r["date_basis"],
                    "moe_evidence": "name pattern (heuristic): "
                    + (r["epoch_model"] or r["model_version"] or r["name"]),
                    "base_evidence": base_ev(r["name"] + " " + r["model_version"]),
                    "source_link": r["source_link"],
                }
            )
    for r in omt:
        if r["mmlu"].strip() and MOE_NAME.search(r["model"]) and not NOT_BASE.search(r["model"]):
            cands.append(
                {
                    "model": r["model"],
                    "source": "epoch_open_model_trends/models.csv",
                    "mmlu": r["mmlu"],
                    "mmlu_scale": "fraction",
                    "shots": "",
                    "date": r["release_date"],
                    "date_kind": "Epoch 'Date'",
                    "moe_evidence": "name pattern (heuristic)",
                    "base_evidence": base_ev(r["model"]),
                    "source_link": r["link"],
                }
            )
    for r in v1:
        if r["architecture"] in MOE_ARCHS and r["mmlu_5shot"]:
            cands.append(
                {
                    "model": r["model_id"],
                    "source": "open_llm_leaderboard/v1_pretrained.csv",
                    "mmlu": r["mmlu_5shot"],
                    "mmlu_scale": "percent",
                    "shots": "5",
                    "date": "<=2024-07-13",
                    "date_kind": "listed in leaderboard snapshot (not a release date)",
                    "moe_evidence": f"HF architecture {r['architecture']}",
                    "base_evidence": f"leaderboard type '{r['type']}'",
                    "source_link": r["url"],
                }
            )
    write_csv(SOURCES_DIR / "moe_candidates.csv", cands, list(cands[0].keys()))
    v2_moe = [r for r in v2 if r["architecture"] in MOE_ARCHS]

    # ---------------- README ----------------
    L = []
    w = L.append
    w("# Vendored raw sources (`data/sources/`)\n")
    w("Small, reproducible extracts of public repositories, each tied to an exact git commit. Every folder has a")
    w(
        "`SOURCE.txt` (repository, commit, licence, paths, columns and units, extraction date) and is produced by a script"
    )
    w(
        "in `scripts/sources/` that reads a fetched git mirror with `git show COMMIT:path` (no network access in the scripts)."
    )
    w(
        f"Release-date rule: nothing released after {CUTOFF_DATE} is written to any file here (see each SOURCE.txt for how)."
    )
    w("Values are copied, never typed in; rows carry `source` = `owner/repo:path@commit`.\n")
    w("Rebuild (mirrors under /work/.mirror/, order matters because litgpt uses the Epoch and leaderboard extracts):\n")
    w("```sh")
    w(
        "python scripts/sources/extract_epoch_benchmark_stitching.py /work/.mirror/epoch-research+benchmark-stitching/repo"
    )
    w("python scripts/sources/extract_epoch_open_model_trends.py   /work/.mirror/epoch-research+open-model-trends/repo")
    w("python scripts/sources/extract_open_llm_leaderboard.py      /work/.mirror/fboulnois+llm-leaderboard-csv/repo")
    w("python scripts/sources/extract_litgpt.py                    /work/.mirror/Lightning-AI+litgpt/repo")
    w("python scripts/sources/build_sources_readme.py")
    w("```\n")
    w("## Sources\n")
    w("| folder | repository @ commit | licence | contributes |")
    w("|---|---|---|---|")
    srcs = {}
    for folder in ("litgpt", "epoch_open_model_trends", "epoch_benchmark_stitching", "open_llm_leaderboard"):
        srcs[folder] = (SOURCES_DIR / folder / "SOURCE.txt").read_text(encoding="utf-8")

    def grab(txt, pat):
        m = re.search(pat, txt)
        return m.group(1) if m else ""

    lit_c = grab(srcs["litgpt"], r"Commit used for values: ([0-9a-f]{40})")
    lit_cut = grab(srcs["litgpt"], r"Cutoff commit .*?: ([0-9a-f]{40})")
    omt_c = grab(srcs["epoch_open_model_trends"], r"Commit: ([0-9a-f]{40})")
    bs_c = grab(srcs["epoch_benchmark_stitching"], r"Commit: ([0-9a-f]{40})")
    v1_c = grab(srcs["open_llm_leaderboard"], r"v1_pretrained.csv -- from \S+ at commit ([0-9a-f]{40})")
    v2_c = grab(srcs["open_llm_leaderboard"], r"v2_pretrained.csv -- from \S+ at commit ([0-9a-f]{40})")
    w(
        f"| `litgpt/` | Lightning-AI/litgpt @ `{lit_c[:12]}` (values; HEAD) and `{lit_cut[:12]}` (last `config.py` commit <= {CUTOFF_DATE}) | Apache-2.0 | architectures transcribed from HF `config.json`: layers, width, FFN size, gated or not, heads, KV groups, head size, vocab, MoE experts/top-k; no tied-embedding field, no parameter counts, no dates |"
    )
    w(
        f"| `epoch_open_model_trends/` | epoch-research/open-model-trends @ `{omt_c[:12]}` | none stated in repo (Epoch AI data; attribute) | `models.csv`: 132 models of the report's benchmark table (params, 'active params', dataset size, date, MMLU, org + link joined from the DB snapshot); `systems_language.csv`: language rows of Epoch's DB snapshot (org, publication date, params, dataset size + notes, link) |"
    )
    w(
        f"| `epoch_benchmark_stitching/` | epoch-research/benchmark-stitching @ `{bs_c[:12]}` | MIT | `mmlu.csv`: MMLU results, each with the paper / leaderboard it was read from and the shots; `model_versions.csv`: release dates and HF developer ids of model versions |"
    )
    w(
        f"| `open_llm_leaderboard/` | fboulnois/llm-leaderboard-csv @ `{v1_c[:12]}` (v1, 2024-07-13) and `{v2_c[:12]}` (v2, 2025-03-21) | MPL-2.0 (code); scores are HF Open LLM Leaderboard results | `v1_pretrained.csv`: 5-shot MMLU (+ARC, HellaSwag, TruthfulQA, Winogrande, GSM8K) of leaderboard type 'pretrained'/'continuously pretrained'; `v2_pretrained.csv`: MMLU-Pro, BBH, GPQA, MATH-5, MuSR, IFEval, params, HF upload date |"
    )
    w("")
    w(
        "Not available: Epoch's full model table `data/all_ai_models.csv` in benchmark-stitching is >= 4 MiB and absent from the"
    )
    w("fetched snapshot (only the smaller files above were usable).\n")
    w("## Counts\n")
    w(f"| file | rows | with MMLU | with release date <= {CUTOFF_DATE} | MoE |")
    w("|---|---|---|---|---|")
    for c in counts:
        w("| `{}` | {} | {} | {} | {} |".format(*c))
    w("")
    w(
        "MoE counts: litgpt from `is_moe`; leaderboard from the HF architecture class (MixtralForCausalLM, Qwen2MoeForCausalLM,"
    )
    w("OlmoeForCausalLM, GraniteMoeForCausalLM, DeepseekForCausalLM, JambaForCausalLM, ...; v1 includes many community")
    w("MoE merges); Epoch rows by a **name heuristic** (`MOE_NAME` in `scripts/sources/build_sources_readme.py`).")
    w("litgpt MoE rows are only Mixtral 8x7B / 8x22B (base + instruct) at the usable commits.\n")
    w("## Coverage of the 148 models of `data/obsscaling/base_llm_benchmark_eval.csv`\n")
    w(f"* litgpt architecture (exact HF id, case-insensitive): **{n_lit} / {n}**")
    w(
        "* Epoch release date (benchmark-stitching `model_versions` by HF id, or by version name when it has no developer id;"
    )
    w(f"  else open-model-trends DB rows whose link is that HF repo): **{n_date} / {n}**")
    w(
        f"* both: **{n_both} / {n}**; listed in Open LLM Leaderboard v1 pretrained extract: {n_v1} / {n}; v2 pretrained: {n_v2} / {n}"
    )
    w("* Epoch `model_versions` dates are the dates Epoch records for that *version*; a few look later than a first")
    w("  release (check before use). The name-only matches (`huggyllama/llama-*` -> Epoch `LLaMA-*`) are marked.")
    w("* per-model table: `coverage_obsscaling.csv` (machine-readable). The litgpt match is exact-id only, so renamed")
    w("  repos (e.g. `Meta-Llama-3.1-405B-FP8` vs litgpt's `Meta-Llama-3.1-405B`, `huggyllama/*`) count as 'no'.\n")
    w("By family (models / with litgpt arch / with Epoch date):\n")
    w("| family | models | litgpt | Epoch date |")
    w("|---|---|---|---|")
    for f_, k in sorted(fam.items(), key=lambda x: (-x[1], x[0])):
        w(f"| {f_} | {k} | {fam_lit[f_]} | {fam_date[f_]} |")
    w("")
    w("<details><summary>Per model</summary>\n")
    w("| HF id | family | litgpt | litgpt name | Epoch release date | date source | OLL v1 | OLL v2 |")
    w("|---|---|---|---|---|---|---|---|")
    for c in cov:
        w(
            f"| {c['model']} | {c['family']} | {c['litgpt_arch']} | {c['litgpt_name']} | {c['epoch_release_date']} | {c['epoch_date_source']} | {c['in_oll_v1_pretrained']} | {c['in_oll_v2_pretrained']} |"
        )
    w("\n</details>\n")
    w("## Candidate base MoE models (released <= 2025-03) with an MMLU value in some source\n")
    w("Full list with links: `moe_candidates.csv`. MMLU as given by the source (fraction or percent, see `mmlu_scale`;")
    w(
        "shots empty = not stated). 'name pattern' evidence is a heuristic to be checked against an architecture source.\n"
    )
    w("### From this repo's obsscaling table and the Epoch sources\n")
    w("| model | source | MMLU | shots | date | MoE evidence | base? |")
    w("|---|---|---|---|---|---|---|")
    for c in cands:
        if c["source"].startswith("open_llm_leaderboard"):
            continue
        w(
            f"| {c['model']} | `{c['source']}` | {c['mmlu']} | {c['shots']} | {c['date']} | {c['moe_evidence']} | {c['base_evidence']} |"
        )
    w("")
    w("### From the Open LLM Leaderboard v1 (5-shot MMLU, percent; HF architecture class is MoE)\n")
    w(
        "Apart from the Mixtral checkpoints these are community MoE merges / up-cycled models, listed for completeness.\n"
    )
    w("| HF id | MMLU (5-shot, %) | params_b | architecture |")
    w("|---|---|---|---|")
    v1_params = {r["model_id"]: r["params_b"] for r in v1}
    for c in cands:
        if c["source"].startswith("open_llm_leaderboard"):
            w(
                f"| {c['model']} | {c['mmlu']} | {v1_params.get(c['model'], '')} | {c['moe_evidence'].replace('HF architecture ', '')} |"
            )
    w("")
    w("### MoE base models with Open LLM Leaderboard v2 scores only (no MMLU in these sources)\n")
    w("| HF id | type | MMLU-Pro (5-shot) | BBH (3-shot) | params_b | architecture | HF upload date |")
    w("|---|---|---|---|---|---|---|")
    for r in v2_moe:
        w(
            f"| {r['model_id']} | {r['type']} | {r['mmlu_pro_5shot']} | {r['bbh_3shot']} | {r['params_b']} | {r['architecture']} | {r['upload_date']} |"
        )
    w("")
    w(f"_Generated by `scripts/sources/build_sources_readme.py` on {today()}._")
    (SOURCES_DIR / "README.md").write_text("\n".join(L) + "\n", encoding="utf-8")
    print("\n".join(L[:60]))
    print(f"coverage: litgpt {n_lit}/{n}, epoch date {n_date}/{n}, both {n_both}; moe candidates {len(cands)}")


if __name__ == "__main__":
    main()
