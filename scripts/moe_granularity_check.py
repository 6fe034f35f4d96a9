"""Do the MoE models' out-of-sample residuals ask for a granularity term? (The sharpness issue's candidate, cf. the
Efficiency Leverage law, arXiv 2507.17702.)

Each MoE model of ``data/reference_models.csv`` is taken at its first out-of-sample prediction by the default variant
in the committed rolling backtest (``reports/rolling/rolling_predictions.csv``: the earliest origin that predicts
it), and its residual (reported minus predicted mean, points) is regressed by least squares on the log granularity
``ln G``, G = 2 * hidden_size / moe_intermediate_size (the EL paper's definition). A slope clearly away from zero
would be a reason to add the term to the law; the result is recorded in ARCHITECTURE.md.
Run: ``python scripts/moe_granularity_check.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_METHOD = "bayes era_level"


def first_out_of_sample(predictions: pd.DataFrame, method: str = DEFAULT_METHOD) -> pd.DataFrame:
    """Each model's row at the earliest origin that predicts it with ``method``."""
    rows = predictions[predictions["method"] == method].sort_values(["origin", "model"], kind="stable")
    return rows.groupby("model", sort=False).head(1)


def granularity_slope(residual: np.ndarray, log_g: np.ndarray) -> tuple[float, float]:
    """Least-squares slope of ``residual`` on ``log_g`` (with an intercept) and its standard error."""
    x = np.column_stack([np.ones(len(log_g)), log_g])
    coef, *_ = np.linalg.lstsq(x, residual, rcond=None)
    s2 = float(((residual - x @ coef) ** 2).sum()) / (len(residual) - 2)
    return float(coef[1]), float(np.sqrt(s2 * np.linalg.inv(x.T @ x)[1, 1]))


def main() -> None:
    pred = first_out_of_sample(pd.read_csv(ROOT / "reports" / "rolling" / "rolling_predictions.csv"))
    ref = pd.read_csv(ROOT / "data" / "reference_models.csv")
    moe = pred.merge(ref.loc[ref["is_moe"].astype(str) == "True", ["model", "hidden_size", "moe_intermediate_size"]])
    moe = moe.assign(
        residual=moe["mmlu"] - moe["mean"], log_g=np.log(2 * moe["hidden_size"] / moe["moe_intermediate_size"])
    )
    print(moe[["model", "origin", "mmlu", "mean", "residual", "log_g"]].round(2).to_string(index=False))
    slope, se = granularity_slope(moe["residual"].to_numpy(), moe["log_g"].to_numpy())
    r = np.corrcoef(moe["log_g"], moe["residual"])[0, 1]
    print(f"{len(moe)} MoE models: slope {slope:+.2f} +- {se:.2f} points per unit ln G, correlation {r:+.2f}")


if __name__ == "__main__":
    main()
