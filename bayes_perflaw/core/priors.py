"""Priors as data, shared by every model.

A prior is a ``pymc_extras.prior.Prior`` dict (``{"dist": "Normal", "kwargs": {"mu": 0, "sigma": 1}}``), so a
prior configuration is plain JSON: saved with every posterior, given by users (``--priors FILE.json``) and
merged over a model's defaults. A plain number instead of a dict **fixes** the parameter. A kwarg may itself be a
prior dict (a hyperprior: the parameter is then partially pooled over its dims), with pymc-extras' optional
``"centered": false`` (non-centred) and ``"transform"`` (e.g. ``"exp"``: a log-normal population). This module
imports nothing heavy; ``pymc_extras`` is imported only when a model is built.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.tables import unique_keys


def spec(dist: str, **kwargs: Any) -> dict[str, Any]:
    """A prior dict: ``spec("Normal", mu=0, sigma=1)``."""
    return {"dist": dist, "kwargs": kwargs}


def is_fixed(value: Any) -> bool:
    """A prior given as a plain number fixes the parameter (e.g. ``"nu": 4``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def merge(defaults: dict[str, Any], overrides: dict[str, Any] | None, source: str | None = None) -> dict[str, Any]:
    """``defaults`` with user ``overrides`` merged over them; unknown names and malformed specs are errors."""
    config = copy.deepcopy(defaults)
    for name, value in (overrides or {}).items():
        if name not in config:
            known = sorted(config)
            raise DataError(
                f"unknown parameter {name!r}; priors exist for {known}", source=source, column=name, field="parameter"
            )
        if is_fixed(value):
            if not math.isfinite(value):
                raise DataError(
                    f"a fixed value must be a finite number, got {value!r}",
                    source=source,
                    column=name,
                    field="parameter",
                )
            config[name] = float(value)
            continue
        if not isinstance(value, dict) or not isinstance(value.get("dist"), str):
            what = "prior must be a number or {'dist': ..., 'kwargs': {...}}"
            raise DataError(f"{what}, got {value!r}", source=source, column=name, field="parameter")
        config[name] = _checked(value, name, source)
    return config


OPTIONS = {"centered": bool, "transform": str}  # pymc-extras' optional keys of a prior dict, with their types


def _checked(value: dict[str, Any], name: str, source: str | None) -> dict[str, Any]:
    """A prior dict's ``dist``, ``kwargs`` (hyperpriors checked alike) and optional ``centered`` / ``transform``."""

    def fail(message: str) -> DataError:
        return DataError(message, source=source, column=name, field="parameter")

    kwargs = value.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise fail(f"'kwargs' must be an object, got {kwargs!r}")
    unknown = sorted(set(value) - {"dist", "kwargs", *OPTIONS})
    if unknown:
        raise fail(f"unknown key(s) {unknown} in a prior; use dist, kwargs, centered, transform")
    out: dict[str, Any] = {"dist": value["dist"], "kwargs": {}}
    for key, arg in kwargs.items():
        hyper = isinstance(arg, dict)
        if hyper and not isinstance(arg.get("dist"), str):
            raise fail(f"hyperprior {key!r} must be {{'dist': ..., 'kwargs': {{...}}}}, got {arg!r}")
        out["kwargs"][key] = _checked(arg, name, source) if hyper else arg
    for key, kind in OPTIONS.items():
        if key in value:
            if not isinstance(value[key], kind):
                raise fail(f"{key!r} must be a {kind.__name__}, got {value[key]!r}")
            out[key] = value[key]
    return out


def changed(defaults: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """The names whose prior in ``config`` differs from ``defaults`` (what a user's overrides changed)."""
    return [name for name, value in config.items() if defaults.get(name) != value]


def check_buildable(
    config: dict[str, Any],
    defaults: dict[str, Any],
    names: list[str],
    fixed_ranges: dict[str, tuple[float, float, str]] | None = None,
) -> None:
    """Build each prior in ``names`` alone in a scratch PyMC model (fit path: imports PyMC): an unknown
    distribution, parameter or transform, or a prior with no finite log-density at its starting value (e.g. a
    negative scale), is a :class:`DataError` naming the parameter; so is a fixed value outside the support of the
    parameter's default prior (its boundary allowed: ``floor_frac`` 0 puts FLP's floor at chance), or, for a
    parameter fixed by default, outside its ``fixed_ranges`` entry ``(low, high, what it is)`` (closed)."""
    if not names:
        return
    for name in names:
        value, allowed = config[name], (fixed_ranges or {}).get(name)
        if allowed is not None and is_fixed(value) and not allowed[0] <= float(value) <= allowed[1]:
            low, high, what = allowed
            raise DataError(
                f"fixed value {float(value):g} is outside [{low:g}, {high:g}] ({what})", column=name, field="parameter"
            )
    import numpy as np
    import pymc as pm

    def fail(name: str, message: str) -> DataError:
        return DataError(message, column=name, field="parameter")

    for name in names:
        value, default = config[name], defaults.get(name)
        fixed = is_fixed(value)
        if fixed and (default is None or is_fixed(default)):
            continue
        try:
            with pm.Model() as scratch:
                rv = create_variable(name, default if fixed else value)
            if fixed:
                eps = 1e-9 * max(1.0, abs(value))
                dens = pm.logp(rv, np.array([value, value - eps, value + eps]))
                ok = bool(np.isfinite(dens.eval()).any())
            else:
                ok = bool(np.isfinite(scratch.compile_logp()(scratch.initial_point())))
        except DataError:
            raise
        except Exception as err:  # pymc-extras / PyMC refuse the spec: say which parameter, in one line
            text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise fail(name, f"cannot build this prior ({type(err).__name__}: {text})") from None
        if not ok and fixed:
            raise fail(name, f"fixed value {value!r} lies outside the support of its prior {default['dist']}")
        if not ok:
            raise fail(name, f"prior {value['dist']}({value.get('kwargs', {})}) has no finite density at its start")


def read_overrides(path: str | Path) -> dict[str, Any]:
    """Prior overrides from a JSON file (an object of name -> prior dict or number)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(f"cannot read prior overrides ({err})", source=str(path)) from None
    except DataError as err:
        raise DataError(err.detail, source=str(path), column=err.column, field="parameter") from None
    if not isinstance(data, dict):
        raise DataError("prior overrides must be a JSON object of name -> prior", source=str(path))
    return data


def to_prior(value: dict[str, Any], dims: str | tuple[str, ...] | None = None):
    """A ``pymc_extras.prior.Prior`` from a prior dict (imports pymc-extras: fit path only)."""
    from pymc_extras.prior import Prior

    return Prior.from_dict({**value, "dims": dims})


def create_variable(name: str, value: Any, dims: str | tuple[str, ...] | None = None):
    """Inside a ``pm.Model``: the random variable of a prior dict, or ``pm.Data`` for a fixed number (the
    fit pipeline turns fixed parameters into constant draws, :func:`bayes_perflaw.core.fitting.add_fixed`)."""
    if not is_fixed(value) and value["dist"] == "LogitNormal":  # PyMC gives it no default transform: logodds
        import pymc as pm

        return pm.LogitNormal(name, **value["kwargs"], dims=dims, default_transform=pm.distributions.transforms.logodds)
    if not is_fixed(value):
        return to_prior(value, dims=dims).create_variable(name)
    import numpy as np
    import pymc as pm

    model = pm.modelcontext(None)
    names = (dims,) if isinstance(dims, str) else tuple(dims or ())
    shape = tuple(len(model.coords[d]) for d in names)
    return pm.Data(name, np.full(shape, float(value)) if shape else float(value), dims=dims)
