"""The Python API as a notebook would use it (run top to bottom; `make test` runs it in a fresh directory).

Predict MMLU for two recipes with the shipped posterior, as pandas and as xarray draws; plot; chain to
MMLU-Pro; screen a claim (against its recipe, and against its other benchmark scores); FLP per task; refit a
small variant and round-trip it through a file.
"""

import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pandas as pd

import bayes_perflaw as bp

recipes = pd.DataFrame(
    {
        "model": ["llama3-8b-like", "small-overtrained"],
        "num_hidden_layers": [32, 24],
        "hidden_size": [4096, 896],
        "intermediate_size": [14336, 4864],
        "tokens_T": ["15T", "18T"],  # units accepted
        "params_B": ["8B", "0.49B"],
    }
)

law = bp.PerformanceLaw.load()
out = law.predict(recipes, prob=0.9)
print(out[["model", "mmlu_mean", "mmlu_lo", "mmlu_hi"]].round(1).to_string(index=False))
da = law.predict_draws(recipes)
print("draws:", dict(da.sizes))
print("posterior groups:", list(law.idata.groups()))
fig, ax = law.plot_predicted_vs_reported()
fig, ax = law.plot_era()
fig, ax = law.plot_partial("tokens_T")

pro = bp.BenchmarkMap.load("mmlu-pro").predict(da)
print(pro.round(1).to_string(index=False))

claims = recipes.assign(mmlu=[66.6, 45.4])
flags = bp.Screening.load().screen(claims)
print(flags[["model", "mmlu", "p_high", "p_low", "tail_prob", "flag"]].round(3).to_string(index=False))

# each score against the model's other scores (latent-capability model; a row with only MMLU: the recipe screen)
scores = pd.DataFrame(
    {"model": ["a-7b"], "mmlu": [72.0], "arc_c": [53.0], "hellaswag": [78.0], "winogrande": [74.0], "gsm8k": [15.0]}
)
multi = bp.Screening.load().screen(scores, benchmarks=["mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k"])
print(multi[["model", "mmlu", "mmlu_lo", "mmlu_hi", "mmlu_tail_prob", "mmlu_p_high", "mmlu_flag"]].round(3))

print(bp.FLP.load().predict(params="7B", tokens="4T").round(2).to_string(index=False))

try:
    law.predict(recipes.assign(params_B="8 billion"))
except bp.DataError as err:
    print("refused:", err)

if "--fit" in sys.argv:  # a small refit (about 20 s of compilation), then a save / load round trip
    from bayes_perflaw.core.paths import reference_table

    table = bp.read_table(reference_table())  # the bundled reference table, strings as in the CSV
    new = bp.PerformanceLaw(variant="era_level", priors={"kappa": 0}).fit(
        table, sampler="nutpie", draws=300, tune=300, seed=1
    )
    with tempfile.TemporaryDirectory() as tmp:
        new.save(Path(tmp) / "my.nc")
        again = bp.PerformanceLaw.load(Path(tmp) / "my.nc")
        print("round trip:", again, "kappa fixed at", float(again.draws.values["kappa"].max()))
