"""Table checks: parameter recount against hand-computed counts, MoE fields, sources, names, cut-off."""

from __future__ import annotations

import pandas as pd
import pytest

from bayes_perflaw.perflaw.checks import architecture_params, check_table, normalised_name
from bayes_perflaw.perflaw.schema import validate

LLAMA3_8B = {  # meta-llama/Meta-Llama-3-8B config.json (tests/fixtures/hf/llama3_8b.json)
    "model": "Llama 3 8B",
    "num_hidden_layers": "32",
    "hidden_size": "4096",
    "intermediate_size": "14336",
    "num_attention_heads": "32",
    "num_key_value_heads": "8",
    "vocab_size": "128256",
    "tied_embeddings": "False",
    "ffn_gated": "True",
    "params_B": "8.03",
    "tokens_T": "15",
    "mmlu": "66.6",
    "release": "2024-04",
    "source_arch": "a",
    "source_tokens": "b",
    "source_mmlu": "c",
}
MIXTRAL = {  # mistralai/Mixtral-8x7B-v0.1 config.json (tests/fixtures/hf/mixtral_8x7b.json)
    **LLAMA3_8B,
    "model": "Mixtral 8x7B",
    "intermediate_size": "",
    "moe_intermediate_size": "14336",
    "num_experts": "8",
    "num_experts_per_tok": "2",
    "vocab_size": "32000",
    "params_B": "46.7",
    "active_params_B": "12.9",
}


def table(*rows: dict) -> pd.DataFrame:
    return validate(pd.DataFrame(list(rows)).fillna(""), require_law_inputs=False)


def test_recount_equals_hand_computed_counts():
    total, active = architecture_params(table(LLAMA3_8B, MIXTRAL))
    # Llama 3 8B: 32 x (2*4096^2 + 2*4096*8*128 + 3*4096*14336) + 2*128256*4096 = 8,029,995,008
    assert total[0] * 1e9 == pytest.approx(8_029_995_008)
    # Mixtral: 32 x (41,943,040 + 8*3*4096*14336 + 4096*8) + 2*32000*4096 = 46,702,526,464
    assert total[1] * 1e9 == pytest.approx(46_702_526_464)
    # active: 32 x (41,943,040 + 2*3*4096*14336 + 4096*8) + 262,144,000 = 12,879,659,008
    assert active[1] * 1e9 == pytest.approx(12_879_659_008)
    assert check_table(table(LLAMA3_8B, MIXTRAL)) == []


def test_each_check_names_row_model_and_column():
    wrong = {**LLAMA3_8B, "model": "wrong size", "params_B": "9"}
    excused = {**wrong, "model": "excused", "confidence": "medium; params stated by the developer"}
    unsourced = {**LLAMA3_8B, "model": "no source", "source_mmlu": ""}
    dense_moe = {**LLAMA3_8B, "model": "dense with moe field", "moe_intermediate_size": "1024"}
    late = {**LLAMA3_8B, "model": "late", "release": "2025-04"}
    twin = {**LLAMA3_8B, "model": "llama-3-8b"}
    problems = check_table(table(LLAMA3_8B, wrong, excused, unsourced, dense_moe, late, twin), cutoff="2025-03")
    got = [(p.row, p.model, p.column) for p in problems]
    assert got == [
        (2, "wrong size", "params_B"),
        (4, "no source", "source_mmlu"),
        (5, "dense with moe field", "moe_intermediate_size"),
        (6, "late", "release"),
        (7, "llama-3-8b", "model"),
    ]
    assert "stated 9 B but the architecture gives 8.03 B (-10.8%" in str(problems[0])


def test_normalised_names():
    assert normalised_name("Llama 3 8B") == normalised_name("llama-3-8b") == "llama38b"
    assert normalised_name("Qwen2.5-7B") != normalised_name("Qwen2-57B")


def test_size_without_vocabulary_is_held_within_the_layers_bounds():
    from bayes_perflaw.perflaw.checks import params_bounds

    no_vocab = {**LLAMA3_8B, "vocab_size": ""}
    # FFNs alone: 32 x 3 x 4096 x 14336 = 5,637,144,576; at most that + 32 x 8 x 4096^2 + 2 x 1e6 x 4096
    # = 5,637,144,576 + 4,294,967,296 + 8,192,000,000 = 18,124,111,872
    least, most = params_bounds(table(no_vocab))
    assert least[0] * 1e9 == pytest.approx(5_637_144_576)
    assert most[0] * 1e9 == pytest.approx(18_124_111_872)
    ok = {**no_vocab, "model": "ok"}  # 8.03 B: inside the bounds, not recountable, so not judged further
    too_big = {**no_vocab, "model": "too big", "params_B": "240"}
    too_small = {**no_vocab, "model": "too small", "params_B": "5"}
    excused = {**too_big, "model": "excused", "confidence": "low; params as reported"}
    problems = check_table(table(ok, too_big, too_small, excused))
    assert [(p.row, p.model, p.column) for p in problems] == [(2, "too big", "params_B"), (3, "too small", "params_B")]
    assert "stated 240 B but the architecture holds at most 18.1 B" in str(problems[0])
    assert "stated 5 B but the FFNs alone hold 5.64 B" in str(problems[1])


def test_dense_row_with_shared_expert_fields_is_a_contradiction():
    shared = {**LLAMA3_8B, "model": "shared width", "shared_intermediate_size": "1024"}
    problems = check_table(table(LLAMA3_8B, shared))
    assert [(p.row, p.model, p.column) for p in problems] == [(2, "shared width", "shared_intermediate_size")]
    assert "a dense row (no experts) has no MoE field" in str(problems[0])
