"""The one fit pipeline of every model, and writing a fit to disk (fit path: imports PyMC and ArviZ).

``fit_model``: prepare the table, build the model's PyMC stage(s), sample each with the merged sampler
config, add fixed parameters as constant draws, merge the stages, let the model add its groups
(log-likelihood, observed data ...), diagnose, and record the metadata a posterior file carries.
``save_fit``: warn loudly when a fit breached a convergence threshold, then write the posterior and its
JSON card atomically (nothing with ``strict`` and no convergence).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.outputs import atomic_write
from bayes_perflaw.core.posterior import save_idata, utc_timestamp
from bayes_perflaw.core.priors import is_fixed
from bayes_perflaw.core.sampling import SamplerConfig, clean_idata, sample, sampler_version


@dataclass
class Fit:
    """What one fit produced: the InferenceData (all groups), its metadata and the prepared data."""

    idata: Any
    meta: dict[str, Any]
    data: Any


def add_fixed(idata, model, priors: dict[str, Any]):
    """Parameters the prior config fixes (plain numbers, ``pm.Data`` in ``model``) as constant draws."""
    post = idata.posterior
    shape = (post.sizes["chain"], post.sizes["draw"])
    for name, value in priors.items():
        if name in post or not is_fixed(value) or name not in model.named_vars:
            continue
        dims = model.named_vars_to_dims.get(name, ())
        extra = tuple(len(model.coords[d]) for d in dims)
        post[name] = (("chain", "draw", *dims), np.full(shape + extra, float(value)))
    return idata


def _merge_stages(parts: dict[str, Any]):
    """One InferenceData from independently sampled stages (sample stats of all but the last prefixed)."""
    if len(parts) == 1:
        return next(iter(parts.values()))
    import arviz as az
    import xarray as xr

    names = list(parts)
    stats = [
        p.sample_stats.rename({v: f"{n}_{v}" for v in p.sample_stats.data_vars}) if n != names[-1] else p.sample_stats
        for n, p in parts.items()
    ]
    return az.InferenceData(posterior=xr.merge([p.posterior for p in parts.values()]), sample_stats=xr.merge(stats))


START_FAILED = ("All initialization points failed", "Initial evaluation of model at starting point failed")


def _sample_stage(model, name: str, pm_model, config: SamplerConfig):
    """Sample one stage; a model with no finite log-density where the sampler starts (a fixed value such as a
    zero scale, or a prior whose mass sits where the likelihood has none) is a one-line :class:`DataError` naming
    the priors changed from the variant's defaults, not a sampler's stack trace."""
    try:
        return sample(pm_model, config, drop=model.drop_vars)
    except Exception as err:
        if not any(text in str(err) for text in START_FAILED):
            raise
        changed = model.changed_priors()
        where = f"{model.kind} {model.variant_name}" + (f", stage {name}" if name else "")
        hint = f"; check the priors changed from the defaults: {changed}" if changed else ""
        raise DataError(
            f"{where}: the log-density is not finite where the sampler starts{hint}",
            column=changed[0] if len(changed) == 1 else None,
            field="parameter",
        ) from None


def fit_model(model, table, config: SamplerConfig, data_hash: str = "", data_file: str = "", log=None) -> Fit:
    """Fit ``model`` to ``table`` with ``config``; returns one :class:`Fit` (InferenceData, metadata, data)."""
    import arviz
    import pymc

    from bayes_perflaw import __version__
    from bayes_perflaw.core.diagnostics import combine_diagnostics, diagnose

    data = model.prepare(table)
    stage_models = model.stages(data)
    parts, diag, timings, retried = {}, {}, {"compile_s": 0.0, "sampling_s": 0.0}, {}
    for name, pm_model in stage_models.items():
        if log is not None and len(stage_models) > 1:
            log(f"sampling {name} ({model.kind} {model.variant_name})")
        stage_config = model.stage_config(name, config)
        while True:
            raw, took = _sample_stage(model, name, pm_model, stage_config)
            part = model.align(add_fixed(clean_idata(raw, model.drop_vars), pm_model, model.priors))
            parts[name] = part
            diag[name] = diagnose(part, var_names=model.diagnose_vars(part.posterior))
            for k in timings:
                timings[k] = round(timings[k] + took[k], 2)
            again = None if name in retried else model.retry_config(name, stage_config, diag[name])
            if again is None:
                break
            retried[name] = {"divergences": diag[name]["divergences"], "target_accept": again.target_accept}
            if log is not None:
                log(
                    f"{name or model.kind}: {diag[name]['divergences']} divergent transitions at target_accept "
                    f"{stage_config.target_accept:g}: sampling it again at {again.target_accept:g}"
                )
            stage_config = again
    meta = {
        "kind": model.kind,
        "variant": model.variant_name,
        **model.identity(),
        "model_id": model.model_id,
        "package_version": __version__,
        "pymc_version": pymc.__version__,
        "arviz_version": arviz.__version__,
        "sampler": config.as_meta(sampler_version(config.sampler)),
        "seed": config.seed,
        "priors": model.priors,
        "data_hash": data_hash,
        "data_file": data_file,
        **model.design_meta(data),
        "created": utc_timestamp(),
        **timings,
        **({"resampled": retried} if retried else {}),
    }
    idata = model.finish(_merge_stages(parts), data, config)
    meta["diagnostics"] = diag[""] if list(diag) == [""] else combine_diagnostics(diag)
    return Fit(idata=idata, meta=meta, data=data)


CARD_KEYS = (
    "kind",
    "variant",
    "benchmark",
    "model_id",
    "data_file",
    "data_hash",
    "n_obs",
    "n_stage1",
    "n_stage2",
    "seed",
    "sampler",
    "created",
    "compile_s",
    "sampling_s",
    "diagnostics",
    "loo",
    "package_version",
)


def card_path(out: str | Path) -> Path:
    """The JSON card written beside a posterior file."""
    return Path(out).with_suffix(".json")


def write_card(out: str | Path, meta: dict[str, Any]) -> Path:
    """The posterior's small JSON card beside it (``.json``): id, data hash, diagnostics, LOO, date."""
    card = {k: meta[k] for k in CARD_KEYS if k in meta}
    return atomic_write(card_path(out), lambda tmp: tmp.write_text(json.dumps(card, indent=2) + "\n"))


def save_fit(idata, meta: dict[str, Any], out: str | Path, *, strict: bool, log=None) -> bool:
    """Warn loudly if the fit breached a convergence threshold; then save the posterior and its card,
    unless ``strict`` and unconverged (nothing written). Returns whether it wrote."""
    from bayes_perflaw.core.diagnostics import warn_if_unconverged

    log = log or (lambda _line: None)
    warn_if_unconverged(meta["diagnostics"])
    if strict and not meta["diagnostics"]["converged"]:
        log(f"--strict: not writing {out}")
        return False
    save_idata(idata, out, meta)
    write_card(out, meta)
    log(f"wrote {out} and {card_path(out)}")
    return True


def report_fit(model, fit: Fit, log=print) -> None:
    """Print what a fit used, its timings, diagnostics and LOO (computed here and kept in ``fit.meta``)."""
    from bayes_perflaw.core.diagnostics import describe, loo_summary

    for line in model.describe_data(fit.data):
        log(line)
    log(f"compile {fit.meta['compile_s']} s, sampling {fit.meta['sampling_s']} s")
    names = list(fit.idata.log_likelihood.data_vars) if "log_likelihood" in fit.idata.groups() else []
    if len(names) == 1:
        fit.meta["loo"] = loo_summary(fit.idata, var_name=names[0])
    elif names:
        fit.meta["loo"] = {name: loo_summary(fit.idata, var_name=name) for name in names}
    log(describe(fit.meta["diagnostics"]))
    loos = {"": fit.meta["loo"]} if len(names) == 1 else fit.meta.get("loo", {})
    for name, loo in loos.items():
        log(
            f"LOO{' ' + name if name else ''}: elpd {loo['elpd_loo']:.1f} +/- {loo['se']:.1f}, "
            f"p_loo {loo['p_loo']:.1f}, Pareto k > 0.7: {loo['pareto_k_gt_0.7']}"
        )
