"""Fit the MMLU -> MMLU-Pro / BBH mappings, compare variants by LOO, ship the best, write the report.

Writes models/map-<benchmark>.nc (+ .json card), reports/benchmark_maps.md and reports/benchmark_maps.png.
Run by `make models`.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    import arviz as az
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from bayes_perflaw.benchmarks.mapping import BENCHMARKS, PUBLISHED_INTERCEPT, PUBLISHED_SLOPE, chain
    from bayes_perflaw.benchmarks.model import BenchmarkMap
    from bayes_perflaw.core.diagnostics import loo_summary
    from bayes_perflaw.core.outputs import atomic_write
    from bayes_perflaw.core.posterior import file_hash

    warnings.filterwarnings("ignore")
    data_path = ROOT / "data" / "benchmark_map.csv"
    df = pd.read_csv(data_path)
    lines = [
        "# MMLU -> MMLU-Pro and BBH",
        "",
        f"Data: `data/benchmark_map.csv` ({len(df)} base models with MMLU and Open LLM Leaderboard v2 MMLU-Pro / BBH, "
        "raw accuracies in percent; ObsScaling and the Open LLM Leaderboard v1/v2 extracts). Each mapping fitted with "
        "nutpie, 4 chains x 1000 draws, seed 1, "
        "compared by PSIS-LOO; the best is shipped as `models/map-<benchmark>.nc` and chained onto MMLU predictions "
        "by `--benchmark`. Regenerate: `make models`.",
        "",
    ]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    grid = np.linspace(20, 95, 151)
    for ax, (bench, spec) in zip(axes, BENCHMARKS.items(), strict=True):
        col = spec["column"]
        fits, rows = {}, []
        for variant in spec["variants"]:
            mapping = BenchmarkMap(bench, variant).fit(
                df, seed=1, data_hash=file_hash(data_path), data_file=data_path.name
            )
            fits[variant] = mapping
            d, loo = mapping.meta["diagnostics"], loo_summary(mapping.idata)
            rows.append(
                f"| {variant} | {loo['elpd_loo']:.1f} ± {loo['se']:.1f} | {loo['p_loo']:.1f} | "
                f"{d['r_hat_max']:.3f} | {d['ess_bulk_min']:.0f} | {d['divergences']} |"
            )
            print(bench, variant, f"elpd {loo['elpd_loo']:.1f}", "converged", d["converged"])
        cmp = az.compare({v: f.idata for v, f in fits.items()})
        best = cmp.index[0]
        mapping = fits[best]
        mapping.meta["loo"] = loo_summary(mapping.idata)
        if not mapping.save(ROOT / "models" / f"map-{bench}.nc", strict=True, log=print):
            raise SystemExit(f"{bench} {best}: did not converge: {mapping.meta['diagnostics']['problems']}")
        post = mapping.draws
        band = chain(np.repeat(grid[:, None], 2000, axis=1), post, seed=1)
        lo, med, hi = np.quantile(band, [0.05, 0.5, 0.95], axis=1)
        fitted = np.median(chain(np.repeat(df["mmlu"].to_numpy()[:, None], 2000, axis=1), post, seed=2), axis=1)
        strong = df["mmlu"].to_numpy() > 70
        y = df[col].to_numpy()
        mae_best = np.mean(np.abs(fitted[strong] - y[strong]))
        ax.scatter(df["mmlu"], y, s=16, color="0.3", label="base models (ObsScaling, Open LLM Leaderboard)")
        ax.fill_between(grid, lo, hi, alpha=0.25, color="tab:blue", label="90 % predictive")
        ax.plot(grid, med, color="tab:blue", label=f"{best} (median)")
        if bench == "mmlu-pro":
            ax.plot(
                grid[grid > 70],
                PUBLISHED_SLOPE * grid[grid > 70] + PUBLISHED_INTERCEPT,
                color="tab:red",
                ls="--",
                label="published 2.33 MMLU - 133",
            )
            mae_pub = np.mean(np.abs(PUBLISHED_SLOPE * df["mmlu"][strong] + PUBLISHED_INTERCEPT - y[strong]))
            extra = f" The published line's MAE on the same {int(strong.sum())} models: **{mae_pub:.2f}**."
        else:
            extra = ""
        if spec["floor"] is not None:
            ax.axhline(spec["floor"], color="0.6", lw=1, ls=":", label=f"chance {spec['floor']:.0f} %")
        ax.set_xlabel("MMLU, 5-shot (%)")
        ax.set_ylabel(f"{bench.upper()} (raw accuracy, %)")
        ax.set_title(f"MMLU -> {bench.upper()}")
        ax.legend(fontsize=8, loc="upper left")
        lines += [
            f"## {bench.upper()}",
            "",
            "| variant | elpd_loo | p_loo | r_hat max | ESS bulk min | divergences |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Shipped: **{best}**. In-sample MAE of its median on the {int(strong.sum())} models with MMLU > 70: "
            f"**{mae_best:.2f}** points.{extra}",
            "",
            cmp.round(2).to_markdown(),
            "",
        ]
    fig.tight_layout()
    fig.savefig(ROOT / "reports" / "benchmark_maps.png", dpi=90)
    lines += ["![MMLU to MMLU-Pro and BBH](benchmark_maps.png)", ""]
    atomic_write(ROOT / "reports" / "benchmark_maps.md", lambda tmp: tmp.write_text("\n".join(lines)))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
