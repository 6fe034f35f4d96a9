"""Rank the reference models by p_high / p_low under the shipped screening posterior.

Appends to reports/screening.md (below the calibration written by screen_calibration.py). The
sentence beside each model is what the curated data record about it (the row's `notes`, which carry
their sources, and the caveats of data/README.md); nothing is added from memory.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- reference ranking below is written by scripts/screen_reference.py -->"
MULTI_MARKER = "<!-- multi-benchmark screen below is written by scripts/multibench_calibration.py -->"
CAVEATS = {  # data/README.md, "Caveats a model must respect"
    "Qwen": "data/README.md caveat 3: the Qwen family is under-predicted by the published law by 5-8 points "
    "(instruction-like data in pre-training, possible contamination).",
    "Qwen2-57B-A14B": "data/README.md caveat 4: its 4.5T tokens count only the MoE up-cycling stage, so the recipe "
    "understates its training.",
    "GLM-4": "data/README.md caveats 3 and 6: under-predicted like Qwen; tokens from a family-level claim.",
    "OLMo": "data/README.md caveat 2: sits at the chance floor with OPT, Pythia, TinyLlama and MPT-7B.",
    "PaLM": "data/README.md caveat 6: architecture from third-party copies.",
}


def note_for(model: str, notes: str) -> str:
    caveat = next((v for k, v in sorted(CAVEATS.items(), key=lambda kv: -len(kv[0])) if model.startswith(k)), "")
    first = notes.split(". ")[0].strip().rstrip(".") + "." if notes else ""
    return " ".join(s for s in (caveat, f"Data notes: {first}" if first else "") if s) or "No caveat recorded."


def main(out: Path = ROOT / "reports" / "screening.md", top: int = 6) -> int:
    from bayes_perflaw.core.outputs import atomic_write
    from bayes_perflaw.core.paths import reference_table, screening_posterior
    from bayes_perflaw.core.posterior import load_draws
    from bayes_perflaw.perflaw.backtest import load_reference
    from bayes_perflaw.perflaw.data import prepare
    from bayes_perflaw.perflaw.mean import VARIANTS
    from bayes_perflaw.screening.screen import screen_table

    ref = load_reference(reference_table())
    table = prepare(ref, VARIANTS["era_mix"]).table
    res = screen_table(table, load_draws(screening_posterior(), kind="screen"))
    notes = dict(zip(ref["model"], ref["notes"], strict=True))
    lines = [MARKER, "", "## Reference models that fit their recipe least (shipped posterior, in-sample)", ""]
    for col, title in (
        ("p_high", "Highest p_high (contamination-like)"),
        ("p_low", "Highest p_low (instability-like)"),
    ):
        lines += [
            f"### {title}",
            "",
            "| model | release | reported | predicted [90 %] | p_high | p_low | tail | flag | "
            "what the curated data say |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for _, r in res.sort_values(col, ascending=False).head(top).iterrows():
            lines.append(
                f"| {r['model']} | {r['release']} | {r['mmlu']:.1f} | {r['mmlu_median']:.1f} [{r['mmlu_lo']:.1f}, "
                f"{r['mmlu_hi']:.1f}] | {r['p_high']:.2f} | {r['p_low']:.2f} | {r['tail_prob']:.3f} | {r['flag']} | "
                f"{note_for(r['model'], notes.get(r['model'], '')).replace('|', '/')} |"
            )
        lines.append("")
    text = out.read_text() if out.exists() else ""
    head = text[: text.index(MARKER)] if MARKER in text else text
    keep = text[text.index(MULTI_MARKER) :] if MULTI_MARKER in text else ""  # the multi-benchmark section
    atomic_write(out, lambda tmp: tmp.write_text(head + "\n".join(lines) + ("\n\n" + keep if keep else "")))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
