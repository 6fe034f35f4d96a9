"""Reading a Hugging Face ``config.json`` into one recipe row.

Dense: Llama, Mistral, Qwen2/Qwen3, Gemma 2/Gemma 3, Falcon and GPT-style configs. MoE: Mixtral-style
(``num_local_experts``; ``intermediate_size`` is the expert width: Mixtral, OLMoE, Granite MoE, GPT-OSS),
Qwen2/Qwen3-MoE (``num_experts``, ``moe_intermediate_size``, ``shared_expert_intermediate_size``,
``decoder_sparse_step``, ``mlp_only_layers``), DeepSeek V2/V3 (``n_routed_experts``, ``n_shared_experts``,
``first_k_dense_replace``, ``moe_layer_freq``, multi-head latent attention) and Llama 4 (a shared expert as wide
as each routed one, MoE only in ``moe_layers`` / every ``interleave_moe_layer_step``-th layer, the other layers
dense with ``intermediate_size_mlp``). A multimodal config is read through its ``text_config`` (the language
model only: a vision tower is not counted).
Training tokens are never in a config: the caller supplies them.

When the caller gives no parameter count, it is **estimated** from the architecture (embeddings, attention incl.
MLA, FFN/experts, router; norms, biases and GPT-OSS's attention sinks ignored, < 0.1 %) and the row says so in
``params_estimated``. Conventions, chosen so that an estimate stands in for the figure its developer publishes
(the figures the law was fitted on):

* activated parameters count what one token passes through, embeddings included, except for DeepSeek and
  GPT-OSS, whose published activated counts leave out the input-embedding lookup (DeepSeek-V3's 36.6B is its
  arithmetic without the 0.9B input embedding; gpt-oss-120b's 5.1B and gpt-oss-20b's 3.6B likewise);
* DeepSeek-V3's multi-token-prediction module (``num_nextn_predict_layers``) is not counted: it is a training
  and speculative-decoding add-on that DeepSeek publishes apart from the 671B of the main model;
* a key the config leaves out takes the default of its ``transformers`` config class where that class is known
  here (e.g. Gemma 3's vocabulary of 262,208, Qwen3's ``head_dim`` of 128); otherwise the key is required.

Refused, with the reason: encoder-decoder models (T5, BART, ``is_encoder_decoder``), encoder-only models (BERT
and kin), and state-space or recurrent hybrids (Mamba, Jamba, Zamba, Falcon-H1, ...), whose layers are not the
attention + FFN blocks the Performance Law's inputs describe.

Every size is checked (a positive integer; ``32.0`` is read as 32) and so are the relations between
them (heads vs. hidden size, key/value heads vs. heads, experts per token vs. experts): a bad config
is refused with a :class:`DataError` naming the file and the key, never read as a wrong number.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.tables import unique_keys

PLAIN_FFN_TYPES = {"gpt2", "gpt_neox", "opt", "bloom", "falcon", "gptj", "gpt_bigcode", "mpt"}
# Plain-FFN types whose HF model makes the FFN 4 * hidden wide when the config gives no width: GPT-2,
# GPT-J and GPT-BigCode (``n_inner`` null), Falcon (``ffn_hidden_size`` null), BLOOM (no key at all),
# MPT (``expansion_ratio`` * hidden, ratio 4 by default). Every other type must state its width.
FFN_4H_TYPES = {"gpt2", "gptj", "gpt_bigcode", "falcon", "bloom", "mpt"}
MAX_SIZE = 2**53  # beyond any real model; larger values would overflow the float estimate
FFN_KEYS = ("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size")
HEAD_KEYS = ("num_attention_heads", "n_head", "num_heads", "n_heads")
KV_HEAD_KEYS = ("num_key_value_heads", "num_kv_heads", "n_head_kv")
PER_TOK_KEYS = ("num_experts_per_tok", "num_experts_per_token", "experts_per_token", "top_k")

LLAMA4_TYPES = {"llama4", "llama4_text"}
# MoE types whose ``intermediate_size`` is the width of one expert (HF's modeling code builds every expert
# with it): any other type must name its expert width in ``moe_intermediate_size``, except that an unknown
# type with ``num_local_experts`` is read the Mixtral way (its HF convention).
EXPERT_WIDTH_IN_FFN_TYPES = {"mixtral", "olmoe", "granitemoe", "granitemoeshared", "gpt_oss"}
EXPERT_WIDTH_KEY_TYPES = {"qwen2_moe", "qwen3_moe", "deepseek_v2", "deepseek_v3"}
# Developers whose published activated-parameter counts leave out the input-embedding lookup.
ACTIVE_WITHOUT_INPUT_EMBEDDING = {"deepseek_v2", "deepseek_v3", "gpt_oss"}

# Defaults of the ``transformers`` config classes, used when a config leaves the key out (a key present in
# the config always wins). Each was read from huggingface/transformers src/transformers/models/<type>/
# configuration_<type>.py (gemma3 @008f5c8c, llama4 @008e5743, qwen3 @008e5743, qwen3_moe @008e5743,
# olmoe @008e5743, gpt_oss @02b8f42b, granitemoe @040e1a7e).
VOCAB_DEFAULTS = {
    "gemma3_text": 262_208,
    "llama4_text": 202_048,
    "qwen3": 151_936,
    "qwen3_moe": 151_936,
    "olmoe": 50_304,
    "gpt_oss": 201_088,
}
TIE_DEFAULTS = {
    "gemma3_text": True,
    "llama4_text": False,
    "qwen3": False,
    "qwen3_moe": False,
    "olmoe": False,
    "gpt_oss": False,
    "granitemoe": False,
}
HEAD_DIM_DEFAULTS = {"gemma3_text": 256, "llama4_text": 128, "qwen3": 128, "gpt_oss": 64}
KV_HEAD_DEFAULTS = {"gemma3_text": 4, "llama4_text": 8, "qwen3": 32, "qwen3_moe": 4, "gpt_oss": 8}

# --- architectures the Performance Law does not describe ------------------------------------------------
ENCODER_DECODER_TYPES = {
    "t5", "mt5", "umt5", "longt5", "t5gemma", "switch_transformers", "bart", "mbart", "plbart", "pegasus",
    "pegasus_x", "bigbird_pegasus", "marian", "led", "prophetnet", "blenderbot", "blenderbot-small", "fsmt",
    "m2m_100", "nllb_moe",
}  # fmt: skip
ENCODER_ONLY_TYPES = {
    "bert", "roberta", "xlm-roberta", "xlm-roberta-xl", "deberta", "deberta-v2", "electra", "distilbert",
    "albert", "camembert", "modernbert", "mpnet", "ernie",
}  # fmt: skip
STATE_SPACE_TYPES = {
    "mamba", "mamba2", "falcon_mamba", "jamba", "bamba", "zamba", "zamba2", "falcon_h1", "nemotron_h",
    "granitemoehybrid", "recurrent_gemma", "rwkv", "lfm2", "qwen3_next",
}  # fmt: skip
HYBRID_KEYS = ("attn_layer_period", "attn_layer_offset", "expert_layer_period", "hybrid_override_pattern")
WHY_ENCODER_DECODER = (
    "the Performance Law is fitted on decoder-only language models, whose layers, width and FFN form one "
    "causal stack; an encoder-decoder splits them between two stacks, so the law's inputs are not defined"
)
WHY_ENCODER_ONLY = (
    "the Performance Law predicts the benchmark scores of causal (decoder-only) language models; a masked-"
    "language-model encoder is not one"
)
WHY_STATE_SPACE = (
    "its state-space / recurrent layers have no attention + FFN block of the kind the Performance Law's inputs "
    "(layers, hidden size, FFN width) describe, so the law does not apply"
)

_REQUIRED = object()
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _key(cfg: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` set (not null) in ``cfg``."""
    return next((key for key in keys if cfg.get(key) is not None), None)


def _refuse(message: str, source: str, cfg: dict[str, Any], *keys: str) -> NoReturn:
    """A DataError naming the first of ``keys`` set in ``cfg`` (else the first of ``keys``)."""
    raise DataError(message, source=source, column=_key(cfg, *keys) or keys[0])


def _int(cfg: dict[str, Any], source: str, *keys: str, default: Any = _REQUIRED, minimum: int = 1) -> Any:
    """The first of ``keys`` set in ``cfg``, as an integer >= ``minimum`` (1: positive, 0: non-negative).

    An integral float (``32.0``) is read as an integer; a bool, a string, NaN, infinity, a fraction or a
    value below ``minimum`` is refused, naming the key. None of the keys set: ``default``, or refused.
    """
    key = _key(cfg, *keys)
    if key is None:
        if default is _REQUIRED:
            missing = f"config has none of the keys {list(keys)}" if keys[1:] else "missing from the config"
            _refuse(missing, source, cfg, *keys)
        return default
    value = cfg[key]
    kind = "positive integer" if minimum > 0 else "non-negative integer"
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not minimum <= value < math.inf or value != int(value):  # NaN fails the comparison
        _refuse(f"must be a {kind}, got {value!r}", source, cfg, key)
    if value > MAX_SIZE:
        _refuse(f"must be at most 2**53, got {value!r}", source, cfg, key)
    return int(value)


def _bool(cfg: dict[str, Any], source: str, key: str, default: bool | None) -> bool | None:
    """``cfg[key]`` as true/false (null or absent: ``default``); anything else is refused."""
    value = cfg.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        _refuse(f"must be true or false, got {value!r}", source, cfg, key)
    return value


def _is_layer(value: Any, layers: int) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and 0 <= value < layers and value == int(value)  # NaN fails the comparison


def _layer_list(cfg: dict[str, Any], source: str, key: str, layers: int) -> set[int] | None:
    """A list of layer indices (``moe_layers``, ``mlp_only_layers``), each in [0, layers); null/absent: None."""
    value = cfg.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(_is_layer(i, layers) for i in value):
        _refuse(f"must be a list of layer indices from 0 to {layers - 1}, got {value!r}", source, cfg, key)
    return {int(i) for i in value}


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config.json, refusing anything but a JSON object.

    A multimodal config (a ``text_config`` and no top-level ``num_hidden_layers``) gives its ``text_config``,
    with the top level's ``_name_or_path``, ``architectures`` and ``is_encoder_decoder`` carried over when the
    text config has none, and the top level's ``model_type`` as ``_parent_model_type``.
    """
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise DataError("is a directory, not a config file", source=source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such file", source=source) from None
    except OSError as err:
        raise DataError(f"cannot be read ({err.strerror or err})", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"not UTF-8 text (byte {err.start}: {err.reason})", source=source) from None
    if not text.strip():
        raise DataError("empty file, not a JSON config", source=source)

    try:
        cfg = json.loads(text, object_pairs_hook=unique_keys)
    except DataError as err:  # a key given twice
        raise DataError(err.detail, source=source, column=err.column) from None
    except (ValueError, RecursionError) as err:  # JSONDecodeError, over-long integers, deep nesting
        raise DataError(f"not a valid JSON config ({err})", source=source) from None
    if not isinstance(cfg, dict):
        raise DataError(f"not a JSON object (the top level is {_json_type(cfg)})", source=source)
    text_cfg = cfg.get("text_config")
    if text_cfg is not None and not isinstance(text_cfg, dict):
        raise DataError(f"must be a JSON object, got {_json_type(text_cfg)}", source=source, column="text_config")
    if text_cfg is None or "num_hidden_layers" in cfg:
        return cfg
    merged = dict(text_cfg)
    for key in ("_name_or_path", "architectures", "is_encoder_decoder"):
        if merged.get(key) is None and cfg.get(key) is not None:
            merged[key] = cfg[key]
    if cfg.get("model_type") is not None:
        merged["_parent_model_type"] = cfg["model_type"]
    return merged


def config_model_name(cfg: dict[str, Any], path: str | Path) -> str:
    """The model name a config gives itself, for the row's ``model`` column.

    ``_name_or_path`` (a hub id ``owner/name`` as is, a local path by its last component), else the
    ``architectures`` with the ``model_type`` (``LlamaForCausalLM (llama)``; of a multimodal config, its top
    level's), else the ``model_type``; a config with none of these is named by its folder (``config`` if none).
    """
    name = cfg.get("_name_or_path")
    if isinstance(name, str) and name.strip().rstrip("/\\"):
        name = name.strip().rstrip("/\\")
        if _HUB_ID.fullmatch(name):
            return name
        base = re.split(r"[\\/]", name)[-1]
        if base not in ("", ".", ".."):
            return base
    model_type = cfg.get("_parent_model_type") or cfg.get("model_type")
    model_type = model_type.strip() if isinstance(model_type, str) else ""
    archs = cfg.get("architectures")
    if isinstance(archs, str):
        archs = [archs]
    if isinstance(archs, list):
        archs = [a.strip() for a in archs if isinstance(a, str) and a.strip()]
        if archs:
            return "+".join(archs) + (f" ({model_type})" if model_type else "")
    if model_type:
        return model_type
    return Path(path).parent.name or "config"


def _check_supported(cfg: dict[str, Any], source: str, model_type: str) -> None:
    """Refuse, saying why, the architectures the Performance Law does not describe."""
    parent = cfg.get("_parent_model_type")
    types = [t for t in (model_type, parent) if isinstance(t, str) and t]

    def first(kinds: set[str]) -> str | None:
        return next((t for t in types if t in kinds), None)

    hit = first(ENCODER_DECODER_TYPES)
    if hit is not None:
        _refuse(f"an encoder-decoder model (model_type {hit!r}): {WHY_ENCODER_DECODER}", source, cfg, "model_type")
    if _bool(cfg, source, "is_encoder_decoder", False):
        message = f"an encoder-decoder model (is_encoder_decoder is true): {WHY_ENCODER_DECODER}"
        _refuse(message, source, cfg, "is_encoder_decoder")
    hit = first(ENCODER_ONLY_TYPES)
    if hit is not None:
        _refuse(f"an encoder-only model (model_type {hit!r}): {WHY_ENCODER_ONLY}", source, cfg, "model_type")
    hit = first(STATE_SPACE_TYPES)
    if hit is not None:
        message = f"a state-space / recurrent or hybrid model (model_type {hit!r}): {WHY_STATE_SPACE}"
        _refuse(message, source, cfg, "model_type")
    hybrid = _key(cfg, *HYBRID_KEYS)
    if hybrid is not None:
        message = f"a hybrid state-space model (it sets {hybrid}, as Jamba and Nemotron-H do): {WHY_STATE_SPACE}"
        _refuse(message, source, cfg, hybrid)
    for key in ("layer_types", "layers_block_type"):
        kinds = cfg.get(key)
        if kinds is None:
            continue
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            _refuse(f"must be a list of layer-type names, got {kinds!r}", source, cfg, key)
        other = next((k for k in kinds if "attention" not in k or k.startswith("linear")), None)
        if other is not None:
            _refuse(f"has {other!r} layers, not (softmax) attention layers: {WHY_STATE_SPACE}", source, cfg, key)


class _MoELayout(NamedTuple):
    """Widths (per branch) of one routed expert, of the always-on shared expert(s) (0: none) and of the dense
    FFN of the non-MoE layers (None: no such layer), and how many of the layers are MoE layers."""

    expert: int
    shared: int
    dense: int | None
    moe_layers: int


def _moe_layout(cfg: dict[str, Any], source: str, model_type: str, layers: int) -> _MoELayout:
    """Which layers are MoE layers and how wide their experts are, as the HF modeling code of each family."""
    if model_type in LLAMA4_TYPES or "intermediate_size_mlp" in cfg:
        # Llama4TextMoe: routed experts and one shared expert, each intermediate_size wide; the other layers
        # are Llama4TextMLP(intermediate_size_mlp). MoE layers: moe_layers, else every step-th from step - 1.
        expert = _int(cfg, source, "intermediate_size")
        moe = _layer_list(cfg, source, "moe_layers", layers)
        if moe is None:
            step = _int(cfg, source, "interleave_moe_layer_step", default=1)
            moe = set(range(step - 1, layers, step))
        dense = _int(cfg, source, "intermediate_size_mlp") if len(moe) < layers else None
        return _MoELayout(expert, expert, dense, len(moe))
    has_width_key = cfg.get("moe_intermediate_size") is not None
    if model_type in EXPERT_WIDTH_IN_FFN_TYPES or (not has_width_key and "num_local_experts" in cfg):
        # Mixtral, OLMoE, Granite MoE, GPT-OSS: every layer's FFN is the expert block; GraniteMoeShared adds
        # an always-on shared MLP of shared_intermediate_size.
        expert = _int(cfg, source, "intermediate_size")
        shared = _int(cfg, source, "shared_intermediate_size", default=0, minimum=0)
        return _MoELayout(expert, shared, None, layers)
    if not has_width_key and model_type not in EXPERT_WIDTH_KEY_TYPES and "n_routed_experts" not in cfg:
        message = (
            f"missing: model_type {model_type!r} is not one whose expert width is known to sit in "
            "intermediate_size (OLMoE, Granite MoE, GPT-OSS, Mixtral), so the config must give it"
        )
        _refuse(message, source, cfg, "moe_intermediate_size")
    # Qwen2/Qwen3-MoE and DeepSeek: layer i is MoE when i >= first_k_dense_replace, i % moe_layer_freq == 0,
    # i not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0 (each family sets only its own keys).
    expert = _int(cfg, source, "moe_intermediate_size")
    n_shared = _int(cfg, source, "n_shared_experts", default=0, minimum=0)
    if n_shared:
        shared = n_shared * expert
    else:
        shared = _int(cfg, source, "shared_expert_intermediate_size", default=0, minimum=0)
    first_dense = _dense_layers(cfg, source, layers)
    freq = _int(cfg, source, "moe_layer_freq", default=1)
    step = _int(cfg, source, "decoder_sparse_step", default=1)
    mlp_only = _layer_list(cfg, source, "mlp_only_layers", layers) or set()
    moe = [i for i in range(first_dense, layers) if i % freq == 0 and (i + 1) % step == 0 and i not in mlp_only]
    dense = _int(cfg, source, "intermediate_size") if len(moe) < layers else None
    return _MoELayout(expert, shared, dense, len(moe))


def recipe_from_config(cfg: dict[str, Any], source: str = "config.json") -> dict[str, Any]:
    """Map a config dict to recipe columns (see :mod:`schema`); sizes in law units."""
    model_type = cfg.get("model_type")
    model_type = "" if model_type is None else model_type
    if not isinstance(model_type, str):
        _refuse(f"must be a string, got {model_type!r}", source, cfg, "model_type")
    _check_supported(cfg, source, model_type)
    layers = _int(cfg, source, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    hidden = _int(cfg, source, "hidden_size", "n_embd", "d_model")
    experts = _int(cfg, source, "num_local_experts", "n_routed_experts", "num_experts", default=0, minimum=0)
    rec: dict[str, Any] = {
        "num_hidden_layers": layers,
        "hidden_size": hidden,
        "ffn_gated": model_type not in PLAIN_FFN_TYPES,
    }
    layout = _moe_layout(cfg, source, model_type, layers) if experts > 1 else None
    if layout is not None and layout.moe_layers:
        per_tok = _int(cfg, source, *PER_TOK_KEYS)
        if per_tok > experts:
            _refuse(f"must be at most the number of experts ({experts}), got {per_tok}", source, cfg, *PER_TOK_KEYS)
        rec["num_experts"], rec["num_experts_per_tok"] = experts, per_tok
        rec["moe_intermediate_size"] = layout.expert
        rec["intermediate_size"] = layout.dense
        rec["shared_intermediate_size"] = layout.shared or None
    elif layout is not None:  # experts configured, but no layer uses them: a dense model
        rec["intermediate_size"] = layout.dense
    else:
        rec["intermediate_size"] = _dense_ffn(cfg, source, model_type, hidden)
    total, active = estimate_params(cfg, rec, source)
    rec["params_B"], rec["active_params_B"] = total / 1e9, (active / 1e9 if "num_experts" in rec else None)
    return rec


def _dense_ffn(cfg: dict[str, Any], source: str, model_type: str, hidden: int) -> int:
    """The FFN width of a dense model; only the types in :data:`FFN_4H_TYPES` may leave it out."""
    if model_type in LLAMA4_TYPES:  # a Llama 4 without MoE layers: every layer is Llama4TextMLP(..._mlp)
        return _int(cfg, source, "intermediate_size_mlp")
    width = _int(cfg, source, *FFN_KEYS, default=None)
    if width is not None:
        return width
    if model_type not in FFN_4H_TYPES:
        missing = f"config has none of the keys {list(FFN_KEYS)}"
        _refuse(f"{missing}, and model_type {model_type!r} has no default FFN width", source, cfg, *FFN_KEYS)
    ratio = _int(cfg, source, "expansion_ratio", default=4) if model_type == "mpt" else 4
    return ratio * hidden


def _dense_layers(cfg: dict[str, Any], source: str, layers: int) -> int:
    """DeepSeek's leading dense layers (``first_k_dense_replace``), at most all of them."""
    dense_layers = _int(cfg, source, "first_k_dense_replace", default=0, minimum=0)
    if dense_layers > layers:
        message = f"must be at most num_hidden_layers ({layers}), got {dense_layers}"
        _refuse(message, source, cfg, "first_k_dense_replace")
    return dense_layers


def _kv_heads(cfg: dict[str, Any], source: str, model_type: str, heads: int) -> int:
    """Key/value heads: GQA keys; ``multi_query`` true means one (Falcon's default, ignored by Falcon when
    ``new_decoder_architecture`` is true, which reads ``num_kv_heads``); else the type's HF default or MHA."""
    default = KV_HEAD_DEFAULTS.get(model_type, heads)
    if model_type == "falcon":
        if _bool(cfg, source, "new_decoder_architecture", False):
            return _int(cfg, source, *KV_HEAD_KEYS, default=heads)
        return 1 if _bool(cfg, source, "multi_query", True) else heads  # FalconAttention: 3 * hidden
    if _bool(cfg, source, "multi_query", False):
        kv = _int(cfg, source, *KV_HEAD_KEYS, default=1)
        if kv != 1:
            _refuse(f"must be 1 when multi_query is true, got {kv}", source, cfg, *KV_HEAD_KEYS)
        return 1
    return _int(cfg, source, *KV_HEAD_KEYS, default=default)


def _attention(cfg: dict[str, Any], source: str, h: int, model_type: str = "") -> int:
    """Attention parameters of one layer (MHA/GQA/MQA, or DeepSeek's multi-head latent attention)."""
    heads = _int(cfg, source, *HEAD_KEYS)
    if heads > h:
        _refuse(f"must be at most hidden_size ({h}), got {heads}", source, cfg, *HEAD_KEYS)
    kv = _kv_heads(cfg, source, model_type, heads)
    if kv > heads or heads % kv:
        _refuse(f"must divide the number of attention heads ({heads}), got {kv}", source, cfg, *KV_HEAD_KEYS)
    kv_rank = _int(cfg, source, "kv_lora_rank", default=None)
    if kv_rank is not None:  # DeepSeek multi-head latent attention
        nope = _int(cfg, source, "qk_nope_head_dim", default=128)
        rope = _int(cfg, source, "qk_rope_head_dim", default=64)
        v_dim = _int(cfg, source, "v_head_dim", default=128)
        q_rank = _int(cfg, source, "q_lora_rank", default=None)
        q = h * q_rank + q_rank * heads * (nope + rope) if q_rank else h * heads * (nope + rope)
        return q + h * (kv_rank + rope) + kv_rank * heads * (nope + v_dim) + heads * v_dim * h
    head_dim = _int(cfg, source, "head_dim", default=HEAD_DIM_DEFAULTS.get(model_type))
    if head_dim is None:
        if h % heads:
            message = f"must divide hidden_size ({h}) when the config gives no head_dim, got {heads}"
            _refuse(message, source, cfg, *HEAD_KEYS)
        head_dim = h // heads
    return 2 * h * heads * head_dim + 2 * h * kv * head_dim


def estimate_params(cfg: dict[str, Any], rec: dict[str, Any], source: str = "config.json") -> tuple[float, float]:
    """(total, activated) parameter counts from the architecture (counts, not billions); see the module doc."""
    h, n = rec["hidden_size"], rec["num_hidden_layers"]
    model_type = cfg.get("model_type") if isinstance(cfg.get("model_type"), str) else ""
    vocab = _int(cfg, source, "vocab_size", "padded_vocab_size", default=VOCAB_DEFAULTS.get(model_type, _REQUIRED))
    tied = cfg.get("tie_word_embeddings", TIE_DEFAULTS.get(model_type, True))  # absent: HF's default
    if tied is not None and not isinstance(tied, bool):  # null: untied, as in HF
        _refuse(f"must be true or false, got {tied!r}", source, cfg, "tie_word_embeddings")
    embed = vocab * h * (1 if tied else 2)
    attn = _attention(cfg, source, h, model_type)
    mats = 3 if rec["ffn_gated"] else 2
    if "num_experts" in rec:
        layout = _moe_layout(cfg, source, model_type, n)
        expert = mats * h * layout.expert
        shared = mats * h * layout.shared
        dense = mats * h * (layout.dense or 0)
        router = h * rec["num_experts"]
        moe_layers = layout.moe_layers
        base = embed + n * attn + (n - moe_layers) * dense + moe_layers * (shared + router)
        total = base + moe_layers * rec["num_experts"] * expert
        active = base + moe_layers * rec["num_experts_per_tok"] * expert
        if model_type in ACTIVE_WITHOUT_INPUT_EMBEDDING and not tied:
            active -= vocab * h
        return total, active
    total = embed + n * (attn + mats * h * rec["intermediate_size"])
    return total, total
