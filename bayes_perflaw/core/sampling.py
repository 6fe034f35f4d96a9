"""Sampler configuration and sampling, shared by every model (imports PyMC / nutpie on the fit path only).

``SamplerConfig`` holds the sampler (``nutpie | pymc | numpyro``), chains, draws, tuning steps, seed, progress
and target acceptance; :meth:`SamplerConfig.merged` lays a user's overrides over a model's defaults and
checks them, so a bad value is refused (naming its flag) before any compilation starts.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from typing import Any

from bayes_perflaw.core import signals
from bayes_perflaw.core.errors import DataError, SamplerNotAvailableError

SAMPLERS = ("nutpie", "pymc", "numpyro")


@dataclass(frozen=True)
class SamplerConfig:
    """How to sample: backend, chains x draws after ``tune`` warm-up steps, seed, progress bar."""

    sampler: str = "nutpie"
    chains: int = 4
    draws: int = 1000
    tune: int = 1000
    seed: int = 1
    progress: bool = False
    target_accept: float = 0.95  # 0.8 left a divergence or two in the Performance Law's era_org

    def __post_init__(self) -> None:
        if self.sampler not in SAMPLERS:
            raise DataError(f"unknown sampler {self.sampler!r}; choose from {list(SAMPLERS)}", column="--sampler")
        for name, low in (("chains", 1), ("draws", 1), ("tune", 0), ("seed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise DataError(f"must be a whole number >= {low}, got {value!r}", column=f"--{name}")
        if not 0 < self.target_accept < 1:
            raise DataError(f"must be in (0, 1), got {self.target_accept!r}", column="--target-accept")

    def merged(self, **overrides: Any) -> SamplerConfig:
        """These settings with the non-None ``overrides`` laid over them (unknown names are an error)."""
        fields = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise DataError(f"unknown sampler setting {unknown[0]!r}; known: {sorted(fields)}")
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def as_meta(self, version: str) -> dict[str, Any]:
        """What a posterior file records of its sampler."""
        return {"name": self.sampler, "version": version, "chains": self.chains, "draws": self.draws, "tune": self.tune}


def sampler_version(sampler: str) -> str:
    """The installed version of the sampler's package (informative only)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(sampler)
    except PackageNotFoundError:
        return "unknown"


INSTALL = {"nutpie": "pip install nutpie", "numpyro": "pip install 'bayes_perflaw[numpyro]'"}


def _require_backend(sampler: str) -> None:
    """Refuse a sampler whose optional package is not installed, naming what to install (as bambi does)."""
    import importlib.util

    if sampler in INSTALL and importlib.util.find_spec(sampler) is None:
        raise SamplerNotAvailableError(f"sampler {sampler!r} needs the package {sampler}: {INSTALL[sampler]}")


def sample(model, config: SamplerConfig, drop: tuple[str, ...] = ()):
    """Sample ``model``; returns (InferenceData, timings in seconds). ``drop`` names deterministics that
    nutpie need not compute (e.g. a per-observation mean recomputed in NumPy: -5 s of compilation)."""
    cores = max(1, min(config.chains, os.cpu_count() or 1))
    t0 = time.perf_counter()
    _require_backend(config.sampler)
    with single_threaded_blas():
        idata, t1 = _sample(model, config, drop, cores)
    signals.check()  # a sampler that caught Ctrl-C returns a partial trace: never use it
    t2 = time.perf_counter()
    return idata, {"compile_s": round(t1 - t0, 2), "sampling_s": round(t2 - t1, 2)}


def single_threaded_blas():
    """A context in which BLAS (OpenBLAS here) runs on one thread. nutpie samples its chains on parallel threads
    that each call the model's BLAS products; a multi-threaded OpenBLAS called concurrently splits a product
    differently from call to call, so the same seed gave different draws in different processes (``era_org``:
    two hashes in two runs; with one BLAS thread, three runs identical). The chains already use the cores."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def compile_nutpie(model, var_names: list[str] | None = None):
    """``nutpie.compile_pymc_model`` with numba's fastmath off. With PyTensor's default (fastmath on) the same model
    compiled into an empty PyTensor cache and from a warm one gave different draws for the same seed (the
    Performance Law's default fit and FLP's stage 1: every parameter differed), so a refit depended on what the
    machine had compiled before; with fastmath off, a cold, a warm and a fastmath-on-populated cache give
    identical draws (session 20). It costs 10-20 % of FLP's stage-2 sampling time."""
    import nutpie
    import pytensor

    with pytensor.config.change_flags(numba__fastmath=False):
        return nutpie.compile_pymc_model(model, var_names=var_names)


def _sample(model, config: SamplerConfig, drop: tuple[str, ...], cores: int):
    """(InferenceData, the time at which sampling started) from the chosen backend."""
    import pymc as pm

    if config.sampler == "nutpie":
        import nutpie

        keep = [v.name for v in model.free_RVs] + [d.name for d in model.deterministics if d.name not in drop]
        compiled = compile_nutpie(model, var_names=keep)
        t1 = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            seed=config.seed,
            cores=cores,
            progress_bar=config.progress,
            target_accept=config.target_accept,
        )
    else:
        t1 = time.perf_counter()
        idata = pm.sample(
            draws=config.draws,
            tune=config.tune,
            chains=config.chains,
            cores=cores,
            random_seed=config.seed,
            progressbar=config.progress,
            nuts_sampler=config.sampler,
            model=model,
            compute_convergence_checks=False,
            target_accept=config.target_accept,
        )
    return idata, t1


def clean_idata(idata, drop: tuple[str, ...] = ()):
    """Keep the constrained posterior and the sample stats; drop warm-up, unconstrained copies (``*__``),
    non-centred offsets (``*_z``) and the variables named in ``drop``."""
    import arviz as az

    post = idata.posterior
    post = post.drop_vars([v for v in post.data_vars if v.endswith("__") or v.endswith("_z") or v in drop])
    return az.InferenceData(posterior=post, sample_stats=idata.sample_stats)
