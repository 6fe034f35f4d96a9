"""Hugging Face config.json -> recipe, with parameter estimates against published totals."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import FIXTURES

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.perflaw.hf_config import load_config, recipe_from_config

HF = FIXTURES / "hf"

# Published totals (billions): model cards / papers. Activated for MoE.
PUBLISHED = {
    "llama3_8b.json": (8.03, None),
    "gemma2_9b.json": (9.24, None),
    "qwen2_7b.json": (7.62, None),
    "mistral_7b.json": (7.24, None),
    "mixtral_8x7b.json": (46.7, 12.9),
    "qwen15_moe_a27b.json": (14.3, 2.7),
    "deepseek_v2_lite.json": (15.7, 2.4),
    "gpt2.json": (0.124, None),  # n_inner null: HF's GPT-2 convention, 4 * n_embd
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_parameter_estimate_matches_published_total(name):
    rec = recipe_from_config(load_config(HF / name))
    total, active = PUBLISHED[name]
    assert rec["params_B"] == pytest.approx(total, rel=0.01)
    if active is not None:
        # DeepSeek counts activated parameters without the input-embedding lookup (~0.2B): 12 % off here
        tol = 0.12 if name.startswith("deepseek") else 0.01
        assert rec["active_params_B"] == pytest.approx(active, rel=tol)


def test_mixtral_moves_expert_width_out_of_intermediate_size():
    rec = recipe_from_config(load_config(HF / "mixtral_8x7b.json"))
    assert rec["intermediate_size"] is None
    assert (rec["moe_intermediate_size"], rec["num_experts"], rec["num_experts_per_tok"]) == (14336, 8, 2)


def test_qwen_moe_shared_expert_and_deepseek_shared_experts():
    qwen = recipe_from_config(load_config(HF / "qwen15_moe_a27b.json"))
    assert (qwen["shared_intermediate_size"], qwen["num_experts"], qwen["intermediate_size"]) == (5632, 60, None)
    ds = recipe_from_config(load_config(HF / "deepseek_v2_lite.json"))
    assert ds["shared_intermediate_size"] == 2 * 1408
    assert ds["intermediate_size"] == 10944  # the dense first layer (first_k_dense_replace = 1)


def test_dense_config_fields():
    rec = recipe_from_config(load_config(HF / "gemma2_9b.json"))
    assert (rec["num_hidden_layers"], rec["hidden_size"], rec["intermediate_size"]) == (42, 3584, 14336)
    assert rec["ffn_gated"] is True and "num_experts" not in rec


def test_bad_configs(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match="not a valid JSON config"):
        load_config(bad)
    bad.write_text(json.dumps({"model_type": "llama", "hidden_size": 4096}))
    with pytest.raises(DataError, match="num_hidden_layers"):
        recipe_from_config(load_config(bad), source=str(bad))
    bad.write_text(json.dumps({"num_hidden_layers": -2, "hidden_size": 4096}))
    with pytest.raises(DataError, match="positive"):
        recipe_from_config(load_config(bad))
    with pytest.raises(DataError, match="no such file"):
        load_config(tmp_path / "missing.json")


# --- hardening: every bad config is refused with a DataError naming the file and the key ---------------

DROP = object()  # as a value in a change set: remove the key
BASES = {
    "llama": {
        "model_type": "llama",
        "num_hidden_layers": 4,
        "hidden_size": 256,
        "intermediate_size": 688,
        "num_attention_heads": 8,
        "num_key_value_heads": 2,
        "vocab_size": 1000,
        "tie_word_embeddings": False,
    },
    "mixtral": {
        "model_type": "mixtral",
        "num_hidden_layers": 4,
        "hidden_size": 256,
        "intermediate_size": 688,
        "num_attention_heads": 8,
        "vocab_size": 1000,
        "num_local_experts": 8,
        "num_experts_per_tok": 2,
    },
    "qwen_moe": {
        "model_type": "qwen2_moe",
        "num_hidden_layers": 4,
        "hidden_size": 256,
        "num_attention_heads": 8,
        "vocab_size": 1000,
        "num_experts": 8,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 128,
        "shared_expert_intermediate_size": 512,
    },
    "deepseek": {
        "model_type": "deepseek_v2",
        "num_hidden_layers": 4,
        "hidden_size": 256,
        "intermediate_size": 688,
        "num_attention_heads": 8,
        "vocab_size": 1000,
        "n_routed_experts": 8,
        "n_shared_experts": 2,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 128,
        "first_k_dense_replace": 1,
        "kv_lora_rank": 64,
        "q_lora_rank": None,
    },
}
NAN, INF = float("nan"), float("inf")
NOT_POSITIVE = "must be a positive integer, got "
NOT_COUNT = "must be a non-negative integer, got "
PER_TOK_KEYS = re.escape("config has none of the keys ['num_experts_per_tok', 'num_experts_per_token', 'top_k']")
FFN_KEYS = "config has none of the keys ['intermediate_size', 'n_inner', 'ffn_dim', 'ffn_hidden_size']"


def no_ffn_width(model_type):
    return re.escape(f"{FFN_KEYS}, and model_type {model_type!r} has no default FFN width")


# (base, changes, column named in the message, rest of the message as a regex)
BAD_VALUES = {
    # 1. sizes that are not numbers, not finite, not positive, or bools
    "size-string": ("llama", {"hidden_size": "4096a"}, "hidden_size", NOT_POSITIVE + "'4096a'"),
    "size-numeric-string": ("llama", {"intermediate_size": "688"}, "intermediate_size", NOT_POSITIVE + "'688'"),
    "size-nan": ("llama", {"hidden_size": NAN}, "hidden_size", NOT_POSITIVE + "nan"),
    "size-infinity": ("llama", {"hidden_size": INF}, "hidden_size", NOT_POSITIVE + "inf"),
    "size-minus-infinity": ("llama", {"intermediate_size": -INF}, "intermediate_size", NOT_POSITIVE + "-inf"),
    "size-negative": ("llama", {"num_hidden_layers": -4}, "num_hidden_layers", NOT_POSITIVE + "-4"),
    "size-zero": ("llama", {"hidden_size": 0}, "hidden_size", NOT_POSITIVE + "0"),
    "size-bool": ("llama", {"hidden_size": True}, "hidden_size", NOT_POSITIVE + "True"),
    "size-bool-ffn": ("llama", {"intermediate_size": False}, "intermediate_size", NOT_POSITIVE + "False"),
    "size-huge": ("llama", {"vocab_size": 1e300}, "vocab_size", re.escape("must be at most 2**53, got 1e+300")),
    "size-list": ("llama", {"num_attention_heads": [8]}, "num_attention_heads", NOT_POSITIVE + re.escape("[8]")),
    "size-alias-named": ("llama", {"hidden_size": DROP, "n_embd": "x"}, "n_embd", NOT_POSITIVE + "'x'"),
    # 2. fractional counts where an integer is required
    "layers-fraction": ("llama", {"num_hidden_layers": 2.5}, "num_hidden_layers", NOT_POSITIVE + "2.5"),
    "hidden-fraction": ("llama", {"hidden_size": 4096.5}, "hidden_size", NOT_POSITIVE + "4096.5"),
    "ffn-fraction": ("llama", {"intermediate_size": 688.5}, "intermediate_size", NOT_POSITIVE + "688.5"),
    "heads-fraction": ("llama", {"num_attention_heads": 7.5}, "num_attention_heads", NOT_POSITIVE + "7.5"),
    "kv-heads-fraction": ("llama", {"num_key_value_heads": 1.5}, "num_key_value_heads", NOT_POSITIVE + "1.5"),
    "experts-fraction": ("qwen_moe", {"num_experts": 7.5}, "num_experts", "must be a non-negative integer, got 7.5"),
    # 5. heads against the hidden size, key/value heads against heads
    "heads-above-hidden": (
        "llama",
        {"num_attention_heads": 512, "num_key_value_heads": DROP},
        "num_attention_heads",
        re.escape("must be at most hidden_size (256), got 512"),
    ),
    "heads-above-hidden-with-head-dim": (
        "llama",
        {"num_attention_heads": 512, "num_key_value_heads": DROP, "head_dim": 64},
        "num_attention_heads",
        re.escape("must be at most hidden_size (256), got 512"),
    ),
    "heads-not-dividing-hidden": (
        "llama",
        {"num_attention_heads": 6, "num_key_value_heads": DROP},
        "num_attention_heads",
        re.escape("must divide hidden_size (256) when the config gives no head_dim, got 6"),
    ),
    "heads-alias-not-dividing": (
        "llama",
        {"num_attention_heads": DROP, "n_head": 6, "num_key_value_heads": DROP},
        "n_head",
        "must divide hidden_size",
    ),
    "kv-heads-above-heads": (
        "llama",
        {"num_key_value_heads": 16},
        "num_key_value_heads",
        re.escape("must divide the number of attention heads (8), got 16"),
    ),
    "kv-heads-not-dividing": (
        "llama",
        {"num_key_value_heads": 3},
        "num_key_value_heads",
        re.escape("must divide the number of attention heads (8), got 3"),
    ),
    "heads-missing": (
        "llama",
        {"num_attention_heads": DROP, "num_key_value_heads": DROP},
        "num_attention_heads",
        re.escape("config has none of the keys ['num_attention_heads', 'n_head', 'num_heads', 'n_heads']"),
    ),
    # 6. a gated FFN has no default width (HF's 4h default is only for plain GPT-style types)
    "llama-no-ffn": ("llama", {"intermediate_size": DROP}, "intermediate_size", no_ffn_width("llama")),
    "llama-null-ffn": ("llama", {"intermediate_size": None}, "intermediate_size", no_ffn_width("llama")),
    "mistral-no-ffn": (
        "llama",
        {"model_type": "mistral", "intermediate_size": DROP},
        "intermediate_size",
        no_ffn_width("mistral"),
    ),
    "qwen2-no-ffn": (
        "llama",
        {"model_type": "qwen2", "intermediate_size": DROP},
        "intermediate_size",
        no_ffn_width("qwen2"),
    ),
    "gemma2-no-ffn": (
        "llama",
        {"model_type": "gemma2", "intermediate_size": DROP},
        "intermediate_size",
        no_ffn_width("gemma2"),
    ),
    "no-type-no-ffn": ("llama", {"model_type": DROP, "intermediate_size": DROP}, "intermediate_size", no_ffn_width("")),
    "gpt-neox-no-ffn": (
        "llama",
        {"model_type": "gpt_neox", "intermediate_size": DROP},
        "intermediate_size",
        no_ffn_width("gpt_neox"),
    ),
    "opt-no-ffn": ("llama", {"model_type": "opt", "intermediate_size": DROP}, "intermediate_size", no_ffn_width("opt")),
    "mpt-bad-ratio": (
        "llama",
        {"model_type": "mpt", "intermediate_size": DROP, "expansion_ratio": 2.5},
        "expansion_ratio",
        NOT_POSITIVE + "2.5",
    ),
    # 7. vocabulary and head width
    "vocab-negative": ("llama", {"vocab_size": -1}, "vocab_size", NOT_POSITIVE + "-1"),
    "vocab-zero": ("llama", {"vocab_size": 0}, "vocab_size", NOT_POSITIVE + "0"),
    "vocab-missing": (
        "llama",
        {"vocab_size": DROP},
        "vocab_size",
        re.escape("config has none of the keys ['vocab_size', 'padded_vocab_size']"),
    ),
    "head-dim-zero": ("llama", {"head_dim": 0}, "head_dim", NOT_POSITIVE + "0"),
    "head-dim-negative": ("llama", {"head_dim": -128}, "head_dim", NOT_POSITIVE + "-128"),
    "mla-rank-zero": ("deepseek", {"kv_lora_rank": 0}, "kv_lora_rank", NOT_POSITIVE + "0"),
    "mla-head-dim-string": ("deepseek", {"qk_rope_head_dim": "64"}, "qk_rope_head_dim", NOT_POSITIVE + "'64'"),
    # 8. mixture of experts
    "per-tok-above-experts": (
        "qwen_moe",
        {"num_experts_per_tok": 9},
        "num_experts_per_tok",
        re.escape("must be at most the number of experts (8), got 9"),
    ),
    "per-tok-above-experts-mixtral": (
        "mixtral",
        {"num_experts_per_tok": DROP, "top_k": 16},
        "top_k",
        re.escape("must be at most the number of experts (8), got 16"),
    ),
    "per-tok-missing": ("qwen_moe", {"num_experts_per_tok": DROP}, "num_experts_per_tok", PER_TOK_KEYS),
    "per-tok-missing-mixtral": ("mixtral", {"num_experts_per_tok": None}, "num_experts_per_tok", PER_TOK_KEYS),
    "per-tok-fraction": ("deepseek", {"num_experts_per_tok": 1.5}, "num_experts_per_tok", NOT_POSITIVE + "1.5"),
    "per-tok-zero": ("qwen_moe", {"num_experts_per_tok": 0}, "num_experts_per_tok", NOT_POSITIVE + "0"),
    "experts-negative": ("qwen_moe", {"num_experts": -8}, "num_experts", "must be a non-negative integer, got -8"),
    "local-experts-fraction": ("mixtral", {"num_local_experts": 8.5}, "num_local_experts", NOT_COUNT + "8.5"),
    "routed-experts-fraction": ("deepseek", {"n_routed_experts": 6.5}, "n_routed_experts", NOT_COUNT + "6.5"),
    "experts-bool": ("qwen_moe", {"num_experts": True}, "num_experts", "must be a non-negative integer, got True"),
    "shared-experts-fraction": ("deepseek", {"n_shared_experts": 1.5}, "n_shared_experts", NOT_COUNT + "1.5"),
    "shared-width-negative": (
        "qwen_moe",
        {"shared_expert_intermediate_size": -512},
        "shared_expert_intermediate_size",
        "must be a non-negative integer, got -512",
    ),
    "expert-width-missing": (
        "qwen_moe",
        {"moe_intermediate_size": DROP},
        "moe_intermediate_size",
        "missing from the config",
    ),
    "expert-width-fraction": (
        "qwen_moe",
        {"moe_intermediate_size": 1.5},
        "moe_intermediate_size",
        NOT_POSITIVE + "1.5",
    ),
    "mixtral-width-missing": ("mixtral", {"intermediate_size": DROP}, "intermediate_size", "missing from the config"),
    "dense-layers-fraction": (
        "deepseek",
        {"first_k_dense_replace": 0.5},
        "first_k_dense_replace",
        "must be a non-negative integer, got 0.5",
    ),
    "dense-layers-above-layers": (
        "deepseek",
        {"first_k_dense_replace": 5},
        "first_k_dense_replace",
        re.escape("must be at most num_hidden_layers (4), got 5"),
    ),
    "dense-layers-without-width": (
        "deepseek",
        {"intermediate_size": DROP},
        "intermediate_size",
        "missing from the config",
    ),
    # other keys read from the config
    "model-type-not-string": (
        "llama",
        {"model_type": ["llama"]},
        "model_type",
        re.escape("must be a string, got ['llama']"),
    ),
    "tied-as-string": (
        "llama",
        {"tie_word_embeddings": "false"},
        "tie_word_embeddings",
        "must be true or false, got 'false'",
    ),
}


def _write(tmp_path, base, changes, name="config.json"):
    cfg = {**BASES[base], **changes}
    path = tmp_path / name
    path.write_text(json.dumps({k: v for k, v in cfg.items() if v is not DROP}))  # nan/inf as JSON's NaN/Infinity
    return path


def _where(path, column=None):
    return re.escape(f"{path}, column {column!r}: " if column else f"{path}: ")


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_values_are_refused_naming_file_and_key(tmp_path, case):
    base, changes, column, detail = BAD_VALUES[case]
    path = _write(tmp_path, base, changes, name=f"{case}.json")
    with pytest.raises(DataError, match=_where(path, column) + detail) as err:
        recipe_from_config(load_config(path), source=str(path))
    assert (err.value.source, err.value.column) == (str(path), column)


@pytest.mark.parametrize(
    ("text_config", "kind"), [([1, 2], "an array"), ("llama", "a string"), (4096, "a number"), (True, "a boolean")]
)
def test_text_config_must_be_an_object(tmp_path, text_config, kind):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "llava", "text_config": text_config}))
    with pytest.raises(DataError, match=_where(path, "text_config") + f"must be a JSON object, got {kind}"):
        load_config(path)


def _directory(path):
    path.mkdir()


def _unreadable(path):
    if os.geteuid() == 0:
        pytest.skip("root reads a file whatever its mode")
    path.write_text(json.dumps(BASES["llama"]))
    path.chmod(0)


BAD_FILES = {
    "directory": (_directory, "is a directory, not a config file"),
    "unreadable": (_unreadable, re.escape("cannot be read (Permission denied)")),
    "not-utf8": (
        lambda p: p.write_bytes(b'{"model_type": "caf\xe9"}'),
        r"not UTF-8 text \(byte 19: invalid continuation byte",
    ),
    "utf16": (lambda p: p.write_text(json.dumps(BASES["llama"]), encoding="utf-16"), "not UTF-8 text"),
    "empty": (lambda p: p.write_text(""), "empty file, not a JSON config"),
    "blank": (lambda p: p.write_text(" \n\t\n"), "empty file, not a JSON config"),
    "not-json": (lambda p: p.write_text("{not json"), "not a valid JSON config"),
    "integer-too-long": (lambda p: p.write_text('{"hidden_size": ' + "9" * 5000 + "}"), "not a valid JSON config"),
    "nested-too-deep": (lambda p: p.write_text("[" * 100_000), "not a valid JSON config"),
    "top-level-array": (lambda p: p.write_text("[1, 2]"), re.escape("not a JSON object (the top level is an array)")),
    "top-level-string": (lambda p: p.write_text('"llama"'), re.escape("not a JSON object (the top level is a string)")),
    "top-level-number": (lambda p: p.write_text("42"), re.escape("not a JSON object (the top level is a number)")),
    "top-level-null": (lambda p: p.write_text("null"), re.escape("not a JSON object (the top level is null)")),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_naming_the_file(tmp_path, case):
    make, detail = BAD_FILES[case]
    path = tmp_path / "config.json"
    make(path)
    with pytest.raises(DataError, match=_where(path) + detail) as err:
        load_config(path)
    assert (err.value.source, err.value.column) == (str(path), None)


# --- valid configs: unchanged values, integral floats, documented 4h defaults ---------------------------


@pytest.mark.parametrize("base", sorted(BASES))
def test_integral_floats_read_as_integers(base):
    as_floats = {k: float(v) if type(v) is int else v for k, v in BASES[base].items()}
    rec = recipe_from_config(as_floats)
    assert rec == recipe_from_config(BASES[base])
    assert all(type(rec[k]) is int for k in ("num_hidden_layers", "hidden_size"))


@pytest.mark.parametrize(
    ("model_type", "changes", "width"),
    [
        ("gpt2", {"n_inner": None}, 4 * 256),
        ("gptj", {}, 4 * 256),
        ("gpt_bigcode", {"n_inner": None}, 4 * 256),
        ("falcon", {"ffn_hidden_size": None}, 4 * 256),
        ("bloom", {}, 4 * 256),
        ("mpt", {}, 4 * 256),
        ("mpt", {"expansion_ratio": 2}, 2 * 256),
        ("gpt2", {"n_inner": 512}, 512),
    ],
)
def test_plain_ffn_types_default_to_their_documented_width(model_type, changes, width):
    cfg = {**BASES["llama"], "model_type": model_type, **changes}
    del cfg["intermediate_size"]
    rec = recipe_from_config(cfg)
    assert (rec["intermediate_size"], rec["ffn_gated"]) == (width, False)


def test_gpt2_config_reads_gpt_style_keys():
    rec = recipe_from_config(load_config(HF / "gpt2.json"))
    assert (rec["num_hidden_layers"], rec["hidden_size"], rec["intermediate_size"]) == (12, 768, 3072)
    assert rec["ffn_gated"] is False


def test_text_config_of_a_multimodal_config_is_read(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "llava", "text_config": BASES["llama"]}))
    assert recipe_from_config(load_config(path)) == recipe_from_config(BASES["llama"])
    path.write_text(json.dumps({**BASES["llama"], "text_config": None}))
    assert load_config(path) == {**BASES["llama"], "text_config": None}


def test_moe_with_one_or_no_expert_is_dense():
    for experts in (0, 1, None):
        rec = recipe_from_config({**BASES["mixtral"], "num_local_experts": experts})
        assert "num_experts" not in rec and rec["intermediate_size"] == 688
