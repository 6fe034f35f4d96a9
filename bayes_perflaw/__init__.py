"""bayes_perflaw: Bayesian Performance Law and FLP for predicting LLM benchmark scores.

The Python API (imports are lazy: ``import bayes_perflaw`` loads neither PyMC nor ArviZ)::

    import bayes_perflaw as bp
    law = bp.PerformanceLaw.load()              # the shipped posterior; .load(path) for another file
    out = law.predict(recipes, prob=0.9)        # pandas in (units like "8B", "15T"), pandas out
    flags = bp.Screening.load().screen(claims)
    flags = bp.Screening.load().screen(claims, benchmarks=["mmlu", "arc_c", "hellaswag", "gsm8k"])
    bp.FLP.load().predict(params="7B", tokens="4T")
    bp.BenchmarkMap.load("mmlu-pro").predict(law.predict_draws(recipes))
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes_perflaw")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0.0.0+unknown"

_API = {
    "PerformanceLaw": "bayes_perflaw.perflaw.model",
    "Screening": "bayes_perflaw.screening.model",
    "FLP": "bayes_perflaw.flp.model",
    "BenchmarkMap": "bayes_perflaw.benchmarks.model",
    "MultiBench": "bayes_perflaw.multibench.model",
    "SamplerConfig": "bayes_perflaw.core.sampling",
    "DataError": "bayes_perflaw.core.errors",
    "PosteriorFileError": "bayes_perflaw.core.errors",
    "read_table": "bayes_perflaw.core.tables",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'bayes_perflaw' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
