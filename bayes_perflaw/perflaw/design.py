"""From a validated recipe table to the law's input arrays (:class:`laws.LawInputs`).

Conventions (stated once, used by the paper law, the Bayesian model and every prediction):
* Dense FFN width d is ``intermediate_size``. With ``gated_equivalent=True`` a plain (non-gated)
  FFN width is scaled by 2/3, the gated width with the same parameter count (2hd = 3hd'), so that
  d means the same thing for GPT-3/OPT/Falcon-style and SwiGLU models. The published law uses d as
  given (that is how its coefficients were fitted), so the paper baseline keeps ``False``.
* MoE (package extension; the paper's are not available): activated FFN width ``k*moe + shared``, total
  ``E*moe + shared``; activated parameters A and total S. The equivalent dense size is
  ``A*(S/A)**beta``; a dense first layer (DeepSeek ``first_k_dense_replace``) is ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_perflaw.perflaw.laws import LawInputs

PLAIN_TO_GATED = 2.0 / 3.0


def is_moe(df: pd.DataFrame) -> np.ndarray:
    """Rows described as a mixture of experts (more than one routed expert)."""
    if "num_experts" not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return (df["num_experts"].fillna(0) > 1).to_numpy()


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return df[name].astype(float).to_numpy()


def law_inputs(df: pd.DataFrame, *, gated_equivalent: bool = False) -> LawInputs:
    """Arrays of the law's inputs, one per row of a validated table with every law input present."""
    moe = is_moe(df)
    dense_d = _col(df, "intermediate_size")
    if gated_equivalent and "ffn_gated" in df.columns:
        plain = (df["ffn_gated"].astype("boolean").fillna(True) == False).to_numpy()  # noqa: E712
        dense_d = np.where(plain, dense_d * PLAIN_TO_GATED, dense_d)
    expert = _col(df, "moe_intermediate_size")
    shared = np.nan_to_num(_col(df, "shared_intermediate_size"))
    d_act = np.where(moe, _col(df, "num_experts_per_tok") * expert + shared, dense_d)
    d_tot = np.where(moe, _col(df, "num_experts") * expert + shared, dense_d)
    total = _col(df, "params_B")
    active = np.where(moe, _col(df, "active_params_B"), total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return LawInputs(
            ln_layers=np.log(_col(df, "num_hidden_layers")),
            ln_hidden=np.log(_col(df, "hidden_size")),
            ln_ffn_active=np.log(d_act),
            dln_ffn=np.where(moe, np.log(d_tot) - np.log(d_act), 0.0),
            ln_tokens=np.log(_col(df, "tokens_T")),
            ln_params_active=np.log(active),
            dln_params=np.where(moe, np.log(total) - np.log(active), 0.0),
        )


def column_vectors(x: LawInputs) -> LawInputs:
    """The same design as (recipes x 1) columns, to broadcast against (1 x draws) coefficients."""
    return LawInputs(*(np.asarray(v, dtype=float)[:, None] for v in x))
