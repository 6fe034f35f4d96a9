"""bayes_perflaw: Bayesian Performance Law and FLP for predicting LLM benchmark scores.

Imports are lazy: ``import bayes_perflaw`` loads neither PyMC nor ArviZ.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes_perflaw")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
