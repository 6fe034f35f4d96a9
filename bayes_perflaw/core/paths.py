"""Where the bundled reference data and shipped posteriors live.

In an installed wheel they are inside the package (``bayes_perflaw/_bundled/{data,models}``);
in a source checkout they are the top-level ``data/`` and ``models/`` folders.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parents[1]  # the bayes_perflaw package folder


def _bundled(name: str) -> Path:
    inside = _PKG / "_bundled" / name
    return inside if inside.is_dir() else _PKG.parent / name


def data_dir() -> Path:
    """Folder of the reference tables."""
    return _bundled("data")


def models_dir() -> Path:
    """Folder of the shipped posteriors."""
    return _bundled("models")


def reference_table() -> Path:
    """The curated reference table of published base models."""
    return data_dir() / "reference_models.csv"


def default_posterior() -> Path:
    """The shipped Bayesian Performance Law posterior."""
    return models_dir() / "perflaw.nc"


def screening_posterior() -> Path:
    """The shipped mixture posterior used to screen claims."""
    return models_dir() / "screen.nc"


def mapping_posterior(benchmark: str) -> Path:
    """The shipped MMLU -> ``benchmark`` mapping posterior (benchmark: 'mmlu-pro' or 'bbh')."""
    return models_dir() / f"map-{benchmark}.nc"


def multibench_posterior() -> Path:
    """The shipped latent-capability posterior over benchmarks (the multi-benchmark screen)."""
    return models_dir() / "multibench.nc"
