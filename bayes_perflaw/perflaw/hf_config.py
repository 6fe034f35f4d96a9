"""Reading a Hugging Face ``config.json`` into one recipe row.

Dense: Llama, Mistral, Qwen2, Gemma 2 and GPT-style configs. MoE: Mixtral (``num_local_experts``),
Qwen2/Qwen3-MoE (``num_experts``, ``moe_intermediate_size``, ``shared_expert_intermediate_size``),
DeepSeek V2/V3 (``n_routed_experts``, ``n_shared_experts``, ``first_k_dense_replace``).
Training tokens are never in a config: the caller supplies them.
When the caller gives no parameter count, it is **estimated** from the architecture (embeddings,
attention incl. MLA, FFN/experts, router; norms and biases ignored, < 0.1 %) and the row says so
in ``params_estimated``.

Every size is checked (a positive integer; ``32.0`` is read as 32) and so are the relations between
them (heads vs. hidden size, key/value heads vs. heads, experts per token vs. experts): a bad config
is refused with a :class:`DataError` naming the file and the key, never read as a wrong number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NoReturn

from bayes_perflaw.core.errors import DataError

PLAIN_FFN_TYPES = {"gpt2", "gpt_neox", "opt", "bloom", "falcon", "gptj", "gpt_bigcode", "mpt"}
# Plain-FFN types whose HF model makes the FFN 4 * hidden wide when the config gives no width: GPT-2,
# GPT-J and GPT-BigCode (``n_inner`` null), Falcon (``ffn_hidden_size`` null), BLOOM (no key at all),
# MPT (``expansion_ratio`` * hidden, ratio 4 by default). Every other type must state its width.
FFN_4H_TYPES = {"gpt2", "gptj", "gpt_bigcode", "falcon", "bloom", "mpt"}
MAX_SIZE = 2**53  # beyond any real model; larger values would overflow the float estimate
FFN_KEYS = ("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size")
HEAD_KEYS = ("num_attention_heads", "n_head", "num_heads", "n_heads")
KV_HEAD_KEYS = ("num_key_value_heads", "num_kv_heads")
PER_TOK_KEYS = ("num_experts_per_tok", "num_experts_per_token", "top_k")

_REQUIRED = object()


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


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config.json (the ``text_config`` of a multimodal one), refusing anything but a JSON object."""
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
        cfg = json.loads(text)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, over-long integers, deep nesting
        raise DataError(f"not a valid JSON config ({err})", source=source) from None
    if not isinstance(cfg, dict):
        raise DataError(f"not a JSON object (the top level is {_json_type(cfg)})", source=source)
    text_cfg = cfg.get("text_config")
    if text_cfg is not None and not isinstance(text_cfg, dict):
        raise DataError(f"must be a JSON object, got {_json_type(text_cfg)}", source=source, column="text_config")
    return text_cfg if text_cfg is not None and "num_hidden_layers" not in cfg else cfg


def recipe_from_config(cfg: dict[str, Any], source: str = "config.json") -> dict[str, Any]:
    """Map a config dict to recipe columns (see :mod:`schema`); sizes in law units."""
    model_type = cfg.get("model_type")
    model_type = "" if model_type is None else model_type
    if not isinstance(model_type, str):
        _refuse(f"must be a string, got {model_type!r}", source, cfg, "model_type")
    layers = _int(cfg, source, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    hidden = _int(cfg, source, "hidden_size", "n_embd", "d_model")
    experts = _int(cfg, source, "num_local_experts", "n_routed_experts", "num_experts", default=0, minimum=0)
    rec: dict[str, Any] = {
        "num_hidden_layers": layers,
        "hidden_size": hidden,
        "ffn_gated": model_type not in PLAIN_FFN_TYPES,
    }
    if experts > 1:
        per_tok = _int(cfg, source, *PER_TOK_KEYS)
        if per_tok > experts:
            _refuse(f"must be at most the number of experts ({experts}), got {per_tok}", source, cfg, *PER_TOK_KEYS)
        rec["num_experts"], rec["num_experts_per_tok"] = experts, per_tok
        if "num_local_experts" in cfg:  # Mixtral: every FFN is an expert layer of width intermediate_size
            rec["moe_intermediate_size"] = _int(cfg, source, "intermediate_size")
            rec["intermediate_size"] = None
            shared = 0
        else:
            rec["moe_intermediate_size"] = _int(cfg, source, "moe_intermediate_size")
            n_shared = _int(cfg, source, "n_shared_experts", default=0, minimum=0)
            if n_shared:
                shared = n_shared * rec["moe_intermediate_size"]
            else:
                shared = _int(cfg, source, "shared_expert_intermediate_size", default=0, minimum=0)
            dense_layers = _dense_layers(cfg, source, layers)
            rec["intermediate_size"] = _int(cfg, source, "intermediate_size") if dense_layers else None
        rec["shared_intermediate_size"] = shared or None
    else:
        rec["intermediate_size"] = _dense_ffn(cfg, source, model_type, hidden)
    total, active = estimate_params(cfg, rec, source)
    rec["params_B"], rec["active_params_B"] = total / 1e9, (active / 1e9 if "num_experts" in rec else None)
    return rec


def _dense_ffn(cfg: dict[str, Any], source: str, model_type: str, hidden: int) -> int:
    """The FFN width of a dense model; only the types in :data:`FFN_4H_TYPES` may leave it out."""
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


def _attention(cfg: dict[str, Any], source: str, h: int) -> int:
    """Attention parameters of one layer (MHA/GQA/MQA, or DeepSeek's multi-head latent attention)."""
    heads = _int(cfg, source, *HEAD_KEYS)
    if heads > h:
        _refuse(f"must be at most hidden_size ({h}), got {heads}", source, cfg, *HEAD_KEYS)
    kv = _int(cfg, source, *KV_HEAD_KEYS, default=heads)
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
    head_dim = _int(cfg, source, "head_dim", default=None)
    if head_dim is None:
        if h % heads:
            message = f"must divide hidden_size ({h}) when the config gives no head_dim, got {heads}"
            _refuse(message, source, cfg, *HEAD_KEYS)
        head_dim = h // heads
    return 2 * h * heads * head_dim + 2 * h * kv * head_dim


def estimate_params(cfg: dict[str, Any], rec: dict[str, Any], source: str = "config.json") -> tuple[float, float]:
    """(total, activated) parameter counts from the architecture (counts, not billions)."""
    h, n = rec["hidden_size"], rec["num_hidden_layers"]
    vocab = _int(cfg, source, "vocab_size", "padded_vocab_size")
    tied = cfg.get("tie_word_embeddings", True)  # absent: HF's default; null: untied, as in HF
    if tied is not None and not isinstance(tied, bool):
        _refuse(f"must be true or false, got {tied!r}", source, cfg, "tie_word_embeddings")
    embed = vocab * h * (1 if tied else 2)
    attn = _attention(cfg, source, h)
    mats = 3 if rec["ffn_gated"] else 2
    if "num_experts" in rec:
        expert = mats * h * rec["moe_intermediate_size"]
        shared = mats * h * (rec["shared_intermediate_size"] or 0)
        dense_layers = _dense_layers(cfg, source, n)
        dense = mats * h * (rec["intermediate_size"] or 0)
        router = h * rec["num_experts"]
        moe_layers = n - dense_layers
        base = embed + n * attn + dense_layers * dense + moe_layers * (shared + router)
        return (
            base + moe_layers * rec["num_experts"] * expert,
            base + moe_layers * rec["num_experts_per_tok"] * expert,
        )
    total = embed + n * (attn + mats * h * rec["intermediate_size"])
    return total, total
