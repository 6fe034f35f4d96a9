"""A fitted posterior on disk: self-describing netCDF (ArviZ ``InferenceData``), and fast loading.

Metadata live as attributes of the ``posterior`` group (``bp_*``): model kind and variant, package
version, prior config, sampler settings, seed, data hash, era bins, diagnostics, timings. Saving uses
ArviZ (fit path); :func:`load_draws` reads with h5py only, so predicting never imports PyMC, PyTensor,
xarray or ArviZ. Loading checks the kind, the format version and the variables, and refuses a file
that is corrupt or of another kind with :class:`PosteriorFileError`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bayes_perflaw.core.errors import PosteriorFileError
from bayes_perflaw.core.outputs import atomic_write

FORMAT_VERSION = 2  # 2: files carry a model id (kind, variant, identity, priors, format) checked on load
_LAW = ("w1", "w2", "w3", "w4", "b", "gamma", "beta", "kappa", "nu", "sigma")
REQUIRED = {
    "perflaw": _LAW,
    "screen": (*_LAW, "mix_weights", "shift_high", "shift_low"),
    "map": ("sigma",),
    "flp": ("sigma_loss", "intercept", "slope", "kappa"),
}


def utc_timestamp() -> str:
    """Now, UTC, as recorded in a posterior's ``created`` field."""
    import datetime

    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes (the data hash recorded with a posterior)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_idata(idata, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``idata`` with ``meta`` (JSON-encoded as posterior attributes) atomically."""
    attrs = {  # netCDF has no booleans: they (and containers) go as JSON
        f"bp_{k}": (v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v))
        for k, v in meta.items()
    }
    attrs["bp_format_version"] = FORMAT_VERSION
    idata.posterior.attrs.update(attrs)
    return atomic_write(path, lambda tmp: idata.to_netcdf(str(tmp), engine="h5netcdf"))


def load_idata(path: str | Path, kind: str | tuple[str, ...] = "perflaw"):
    """The full ``InferenceData`` (ArviZ; for reports), after the same checks as :func:`load_draws`."""
    import arviz as az

    load_draws(path, kind=kind)
    return az.from_netcdf(str(path), engine="h5netcdf")


@dataclass
class Draws:
    """Posterior draws flattened over chains: ``values[name]`` is (draws,) or (draws, k)."""

    kind: str
    meta: dict[str, Any]
    values: dict[str, np.ndarray]
    coords: dict[str, list[str]]
    fit_scores: dict[str, float] = field(default_factory=dict)  # the fit data's model -> reported score

    @property
    def n_draws(self) -> int:
        return len(self.values["w1"]) if "w1" in self.values else len(next(iter(self.values.values())))


def draws_from_idata(idata, meta: dict[str, Any]) -> Draws:
    """The same :class:`Draws` that :func:`load_draws` gives, from an in-memory ``InferenceData``."""
    post = idata.posterior
    values = {}
    for name, da in post.data_vars.items():
        arr = np.asarray(da.values, dtype=float)
        values[name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
    coords = {c: [str(x) for x in post[c].values] for c in post.coords if c not in ("chain", "draw")}
    fit_scores = {}
    if "fit_data" in idata.groups():
        fd = idata.fit_data
        fit_scores = dict(
            zip(map(str, fd["obs"].values), np.asarray(fd["mmlu"].values, dtype=float).tolist(), strict=True)
        )
    return Draws(kind=meta.get("kind", "perflaw"), meta=meta, values=values, coords=coords, fit_scores=fit_scores)


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, np.ndarray):  # netCDF stores numeric attributes as 1-element arrays
        value = value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if value in ("true", "false"):  # JSON booleans (netCDF has none)
        return value == "true"
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def load_draws(path: str | Path, kind: str | tuple[str, ...] = "perflaw") -> Draws:
    """Read a posterior file with h5py: metadata, flattened draws and coordinate labels; ``kind`` is the kind
    (or kinds) of model the caller accepts."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise PosteriorFileError(f"{path}: no such posterior file")
    try:
        with h5py.File(path, "r") as f:
            if "posterior" not in f:
                raise PosteriorFileError(f"{path}: not a bayes_perflaw posterior (no 'posterior' group)")
            grp = f["posterior"]
            meta = {k[3:]: _attr(v) for k, v in grp.attrs.items() if k.startswith("bp_")}
            kinds = (kind,) if isinstance(kind, str) else tuple(kind)
            if meta.get("kind") not in kinds:
                got = meta.get("kind", "no bayes_perflaw metadata")
                want = " or ".join(repr(k) for k in kinds)
                raise PosteriorFileError(f"{path}: is a posterior of kind {got!r}, expected {want}")
            if meta.get("format_version") != FORMAT_VERSION:
                raise PosteriorFileError(
                    f"{path}: format version {meta.get('format_version')!r}, this package reads {FORMAT_VERSION}"
                )
            kind = meta["kind"]
            missing = [v for v in REQUIRED.get(kind, ()) if v not in grp]
            if missing:
                raise PosteriorFileError(f"{path}: posterior lacks variables {missing}")
            values, coords = {}, {}
            for name, ds in grp.items():
                if not isinstance(ds, h5py.Dataset):
                    continue
                if ds.dtype.kind in "OSU":
                    coords[name] = [s.decode() if isinstance(s, bytes) else str(s) for s in ds[()]]
                elif ds.ndim >= 2:
                    arr = np.asarray(ds[()], dtype=float)
                    values[name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
            fit_scores = {}
            if "fit_data" in f and "obs" in f["fit_data"] and "mmlu" in f["fit_data"]:
                names = [s.decode() if isinstance(s, bytes) else str(s) for s in f["fit_data"]["obs"][()]]
                fit_scores = dict(zip(names, np.asarray(f["fit_data"]["mmlu"][()], dtype=float).tolist(), strict=True))
    except PosteriorFileError:
        raise
    except (OSError, KeyError, ValueError) as err:
        raise PosteriorFileError(f"{path}: not a readable posterior file (corrupt or not netCDF/HDF5: {err})") from None
    bad = [k for k, v in values.items() if not np.all(np.isfinite(v))]
    if bad:
        raise PosteriorFileError(f"{path}: non-finite draws in {bad} (corrupt file)")
    return Draws(kind=kind, meta=meta, values=values, coords=coords, fit_scores=fit_scores)
