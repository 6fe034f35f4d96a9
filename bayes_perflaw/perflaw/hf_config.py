"""Reading a Hugging Face ``config.json`` into one recipe row.

Dense: Llama, Mistral, Qwen2, Gemma 2 and GPT-style configs. MoE: Mixtral (``num_local_experts``),
Qwen2/Qwen3-MoE (``num_experts``, ``moe_intermediate_size``, ``shared_expert_intermediate_size``),
DeepSeek V2/V3 (``n_routed_experts``, ``n_shared_experts``, ``first_k_dense_replace``).
Training tokens are never in a config: the caller supplies them.
When the caller gives no parameter count, it is **estimated** from the architecture (embeddings,
attention incl. MLA, FFN/experts, router; norms and biases ignored, < 0.1 %) and the row says so
in ``params_estimated``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bayes_perflaw.core.errors import DataError

PLAIN_FFN_TYPES = {"gpt2", "gpt_neox", "opt", "bloom", "falcon", "gptj", "gpt_bigcode", "mpt"}


def _first(cfg: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if cfg.get(key) is not None:
            return cfg[key]
    return None


def _need(cfg: dict[str, Any], source: str, *keys: str) -> int:
    value = _first(cfg, *keys)
    if value is None:
        raise DataError(f"config has none of the keys {list(keys)}", source=source, column=keys[0])
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise DataError(f"must be a positive number, got {value!r}", source=source, column=keys[0])
    return int(value)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a config.json, with a clear error if it is missing or not a JSON object."""
    path = Path(path)
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("no such file", source=str(path)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"not a valid JSON config ({err})", source=str(path)) from None
    if not isinstance(cfg, dict):
        raise DataError("not a JSON object", source=str(path))
    return cfg.get("text_config", cfg) if "num_hidden_layers" not in cfg else cfg


def recipe_from_config(cfg: dict[str, Any], source: str = "config.json") -> dict[str, Any]:
    """Map a config dict to recipe columns (see :mod:`schema`); sizes in law units."""
    model_type = str(cfg.get("model_type", ""))
    layers = _need(cfg, source, "num_hidden_layers", "n_layer", "num_layers")
    hidden = _need(cfg, source, "hidden_size", "n_embd", "d_model")
    gated = model_type not in PLAIN_FFN_TYPES
    experts = _first(cfg, "num_local_experts", "n_routed_experts", "num_experts")
    rec: dict[str, Any] = {"num_hidden_layers": layers, "hidden_size": hidden, "ffn_gated": gated}
    if experts and int(experts) > 1:
        rec["num_experts"] = int(experts)
        rec["num_experts_per_tok"] = _need(cfg, source, "num_experts_per_tok", "num_experts_per_token", "top_k")
        if "num_local_experts" in cfg:  # Mixtral: every FFN is an expert layer of width intermediate_size
            rec["moe_intermediate_size"] = _need(cfg, source, "intermediate_size")
            rec["intermediate_size"] = None
            shared = 0
        else:
            rec["moe_intermediate_size"] = _need(cfg, source, "moe_intermediate_size")
            if cfg.get("n_shared_experts"):
                shared = int(cfg["n_shared_experts"]) * rec["moe_intermediate_size"]
            else:
                shared = int(cfg.get("shared_expert_intermediate_size") or 0)
            dense_layers = int(cfg.get("first_k_dense_replace") or 0)
            rec["intermediate_size"] = (
                int(cfg["intermediate_size"]) if dense_layers and cfg.get("intermediate_size") else None
            )
        rec["shared_intermediate_size"] = shared or None
    else:
        d = _first(cfg, "intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size")
        rec["intermediate_size"] = int(d) if d else 4 * hidden
    total, active = estimate_params(cfg, rec)
    rec["params_B"], rec["active_params_B"] = total / 1e9, (active / 1e9 if "num_experts" in rec else None)
    return rec


def estimate_params(cfg: dict[str, Any], rec: dict[str, Any]) -> tuple[float, float]:
    """(total, activated) parameter counts from the architecture (counts, not billions)."""
    h, n = rec["hidden_size"], rec["num_hidden_layers"]
    vocab = int(_first(cfg, "vocab_size", "padded_vocab_size") or 0)
    tied = bool(cfg.get("tie_word_embeddings", True))  # the HF default
    embed = vocab * h * (1 if tied else 2)
    heads = int(_first(cfg, "num_attention_heads", "n_head", "num_heads") or max(h // 128, 1))
    if cfg.get("kv_lora_rank"):  # DeepSeek multi-head latent attention
        nope, rope = int(cfg.get("qk_nope_head_dim", 128)), int(cfg.get("qk_rope_head_dim", 64))
        v_dim, kv_rank, q_rank = int(cfg.get("v_head_dim", 128)), int(cfg["kv_lora_rank"]), cfg.get("q_lora_rank")
        q = h * q_rank + q_rank * heads * (nope + rope) if q_rank else h * heads * (nope + rope)
        attn = q + h * (kv_rank + rope) + kv_rank * heads * (nope + v_dim) + heads * v_dim * h
    else:
        head_dim = int(cfg.get("head_dim") or h // heads)
        kv = int(_first(cfg, "num_key_value_heads", "num_kv_heads") or heads)
        attn = 2 * h * heads * head_dim + 2 * h * kv * head_dim
    mats = 3 if rec["ffn_gated"] else 2
    if "num_experts" in rec:
        expert = mats * h * rec["moe_intermediate_size"]
        shared = mats * h * (rec["shared_intermediate_size"] or 0)
        dense_layers = int(cfg.get("first_k_dense_replace") or 0)
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
