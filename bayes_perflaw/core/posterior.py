"""A fitted posterior on disk: self-describing netCDF (ArviZ ``InferenceData``), and fast loading.

Metadata live as attributes of the ``posterior`` group (``bp_*``): model kind and variant, package
version, prior config, sampler settings, seed, data hash, era bins, diagnostics, timings. Saving uses
ArviZ (fit path); :func:`load_draws` reads with h5py only, so predicting never imports PyMC, PyTensor,
xarray or ArviZ. Loading checks the kind, the format version, the metadata the kind (and variant) needs
and the variables, and refuses a file that is corrupt or of another kind with :class:`PosteriorFileError`,
whose one-line message names the file and what is wrong.

Integrity: saving stores a checksum of every variable of every group (``bp_sha256``, see :func:`checksum`)
and reads the written file back before publishing it. Loading reads every variable of every group in full
(a damaged compressed chunk fails there) and verifies the checksum where there is one; files written before
checksums existed are read in full all the same.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
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
    "flp": ("sigma_loss", "intercept", "slope"),  # and its likelihood's scale (``required_vars``)
    "multibench": ("a", "lam_pos", "sigma", "ceiling_frac", "beta", "nu"),
}
_ERA_VARS = ("era", "tau_era", "drift_era")  # without them prediction silently drops the era effect
REQUIRED_BY_VARIANT = {
    ("perflaw", "era"): _ERA_VARS,
    ("perflaw", "era_org"): (*_ERA_VARS, "org", "tau_org", "organization"),
    ("perflaw", "era_method"): _ERA_VARS,
    ("perflaw", "era_level"): (*_ERA_VARS, "noise_slope", "noise_curve"),  # without them: a constant noise
    ("perflaw", "era_org_level"): (*_ERA_VARS, "noise_slope", "noise_curve", "org", "tau_org", "organization"),
    ("perflaw", "bounded"): (*_ERA_VARS, "ceiling"),
    ("perflaw", "era_org_drift"): (*_ERA_VARS, "org_state", "tau_org", "tau_org_drift", "org_epoch"),
    ("perflaw", "era_org_switch"): (*_ERA_VARS, "org", "tau_org", "org_switch", "organization"),
    ("perflaw", "bounded_org"): (*_ERA_VARS, "ceiling", "org", "tau_org", "organization"),
    ("screen", "era_mix"): _ERA_VARS,
}
# The metadata (``bp_*`` attributes of the posterior group) each kind needs once loaded, checked in
# :func:`check_meta`: the variant and model id (``BayesModel.read``, the CLI's headers, ``benchmarks.mapping``),
# the diagnostics (the HTML report, ``screen``), a mapping's benchmark (``predict --benchmark``, ``screen``),
# the FLP forms and tasks (``flp.forms`` / ``flp.predict``) ...
REQUIRED_META: dict[str, tuple[str, ...]] = {
    "perflaw": ("variant", "model_id", "diagnostics"),
    "screen": ("variant", "model_id", "diagnostics"),
    "map": ("variant", "model_id", "benchmark"),
    "flp": ("variant", "model_id", "stage1", "stage2", "tasks", "chances", "centres"),
    "multibench": (
        "variant",
        "model_id",
        "diagnostics",
        "benches",
        "lows",
        "tops",
        "scaling",
        "fit_models",
        "fit_scores",
    ),
}
# ... and what some variants need besides: the era variants place a recipe's release among the fit's
# half-year bins (``perflaw.predict.effects``).
ERA_META = ("era_start", "era_n", "era_bins")
REQUIRED_META_BY_VARIANT: dict[tuple[str, str], tuple[str, ...]] = {
    ("perflaw", "era"): ERA_META,
    ("perflaw", "era_org"): ERA_META,
    ("perflaw", "era_method"): ERA_META,
    ("perflaw", "era_level"): ERA_META,
    ("perflaw", "era_org_level"): ERA_META,
    ("perflaw", "bounded"): (*ERA_META, "link"),
    ("perflaw", "era_org_drift"): (*ERA_META, "org_epoch_org", "org_epoch_bin"),
    ("perflaw", "era_org_switch"): ERA_META,
    ("perflaw", "bounded_org"): (*ERA_META, "link"),
    ("screen", "era_mix"): ERA_META,
}
CHECKSUM_ATTR = "bp_sha256"  # variable attribute: sha256 of the variable's values (:func:`checksum`)


def utc_timestamp() -> str:
    """Now, UTC, as recorded in a posterior's ``created`` field."""
    import datetime

    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_hash(path: str | Path) -> str:
    """sha256 of a file's bytes (the data hash recorded with a posterior)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_idata(idata, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``idata`` with ``meta`` (JSON-encoded as posterior attributes) and a checksum per variable
    (``bp_sha256`` attributes, set on ``idata`` too) atomically; the written file is read back and verified
    before it replaces ``path``."""
    attrs = {  # netCDF has no booleans: they (and containers) go as JSON
        f"bp_{k}": (v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v))
        for k, v in meta.items()
    }
    attrs["bp_format_version"] = FORMAT_VERSION
    idata.posterior.attrs.update(attrs)
    for group in idata.groups():
        for var in idata[group].variables.values():
            digest = checksum(var.values)
            if digest is None:
                var.attrs.pop(CHECKSUM_ATTR, None)
            else:
                var.attrs[CHECKSUM_ATTR] = digest

    def write(tmp: Path) -> None:
        import h5py

        idata.to_netcdf(str(tmp), engine="h5netcdf")
        try:
            with h5py.File(tmp, "r") as f:
                _read_verified(f, Path(path))
        except PosteriorFileError as err:
            raise PosteriorFileError(f"{err} when read back after writing; nothing written") from None

    return atomic_write(path, write)


def load_idata(path: str | Path, kind: str | tuple[str, ...] = "perflaw"):
    """The full ``InferenceData`` (ArviZ; for reports), after the same checks as :func:`load_draws`; every
    variable of every group is read into memory through xarray and its checksum verified again."""
    import arviz as az

    path = Path(path)
    load_draws(path, kind=kind)
    try:
        with az.rc_context({"data.load": "lazy"}):  # loaded below, one variable at a time
            idata = az.from_netcdf(str(path), engine="h5netcdf")
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as err:
        raise PosteriorFileError(f"{path}: not readable as an ArviZ InferenceData ({_one_line(err)})") from None
    for group in idata.groups():
        ds = idata[group]
        try:
            for name, var in ds.variables.items():
                try:
                    var.load()
                except (OSError, RuntimeError, ValueError, KeyError, TypeError) as err:
                    raise _unreadable(path, group, name, err) from None
                _verify(path, group, name, var.values, var.attrs.get(CHECKSUM_ATTR))
        finally:
            ds.close()
    return idata


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


def checksum(values: Any) -> str | None:
    """sha256 of an array's shape and values, the same for the array in memory and as h5py or xarray read it
    back from netCDF: booleans as bytes 0/1 (netCDF stores them as int8), numbers little-endian with every
    NaN the same, strings as UTF-8 text. None for what it does not cover (dates, objects other than strings)."""
    arr = np.asarray(values)
    h = hashlib.sha256(repr(tuple(int(n) for n in arr.shape)).encode())
    kind = arr.dtype.kind
    if kind in "OSU":
        items = arr.ravel().tolist()
        if not all(isinstance(x, (str, bytes)) for x in items):
            return None
        text = [x.decode("utf-8", "surrogateescape") if isinstance(x, bytes) else x for x in items]
        h.update(json.dumps(text).encode("utf-8", "surrogateescape"))
    elif kind == "b":
        h.update(np.ascontiguousarray(arr).view(np.uint8).tobytes())
    elif kind in "iuf":
        if kind == "f" and np.isnan(arr).any():
            arr = np.where(np.isnan(arr), arr.dtype.type(np.nan), arr)
        h.update(np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes())
    else:
        return None
    return h.hexdigest()


def required_meta(kind: Any, variant: Any) -> tuple[str, ...]:
    """The metadata keys a posterior of ``kind`` and ``variant`` must carry."""
    variant = variant if isinstance(variant, str) else None  # a damaged one is refused by its form
    return REQUIRED_META.get(kind, ()) + REQUIRED_META_BY_VARIANT.get((kind, variant), ())


# FLP's stage-2 noise scale follows its likelihood (metadata ``likelihood``; absent in files before it: the Beta)
FLP_NOISE_VARS = {"beta": "kappa", "logit_normal": "sigma_acc"}


def required_vars(kind: Any, variant: Any, meta: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The variables (and coordinates) of the posterior group a posterior of ``kind`` and ``variant`` (with
    metadata ``meta``) holds."""
    variant = variant if isinstance(variant, str) else None
    noise = FLP_NOISE_VARS.get((meta or {}).get("likelihood", "beta")) if kind == "flp" else None
    return REQUIRED.get(kind, ()) + REQUIRED_BY_VARIANT.get((kind, variant), ()) + ((noise,) if noise else ())


def _whole(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _name(v: Any) -> bool:
    return isinstance(v, str) and v != ""


# What a metadata value must look like where it is required (``priors`` wherever present): a damaged value is
# refused at load, not met as a TypeError in prediction.
META_FORMS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "variant": ("a name", _name),
    "model_id": ("a hash", _name),
    "benchmark": ("a name", _name),
    "diagnostics": ("a JSON object", lambda v: isinstance(v, dict)),
    "priors": ("a JSON object", lambda v: isinstance(v, dict)),
    "era_start": ("a finite number", _number),
    "era_n": ("a whole number >= 1", lambda v: _whole(v) and v >= 1),
    "era_bins": (
        "an increasing list of whole numbers >= 0",
        lambda v: isinstance(v, list) and all(_whole(x) and x >= 0 for x in v) and v == sorted(set(v)),
    ),
    "org_epoch_org": ("a list of names", lambda v: isinstance(v, list) and all(map(_name, v))),
    "org_epoch_bin": ("a list of whole numbers", lambda v: isinstance(v, list) and all(map(_whole, v))),
    "link": ('"soft" or "bounded"', lambda v: v in ("soft", "bounded")),
    "likelihood": ('"beta" or "logit_normal"', lambda v: v in FLP_NOISE_VARS),
    "stage1": ("a name", _name),
    "stage2": ("a name", _name),
    "tasks": ("a list of names", lambda v: isinstance(v, list) and all(map(_name, v))),
    "chances": ("a list of numbers", lambda v: isinstance(v, list) and all(map(_number, v))),
    "centres": ("a list", lambda v: isinstance(v, list)),
    "benches": ("a list of names", lambda v: isinstance(v, list) and bool(v) and all(map(_name, v))),
    "lows": ("a list of numbers", lambda v: isinstance(v, list) and all(map(_number, v))),
    "tops": ("a list of numbers", lambda v: isinstance(v, list) and all(map(_number, v))),
    "scaling": ("a JSON object", lambda v: isinstance(v, dict) and all(_number(x) for x in v.values())),
    "fit_models": ("a list of names", lambda v: isinstance(v, list) and all(map(_name, v))),
    "fit_scores": ("a list of rows", lambda v: isinstance(v, list) and all(isinstance(r, list) for r in v)),
}


def check_meta(path: str | Path, meta: dict[str, Any], shapes: dict[str, tuple[int, ...]] | None = None) -> None:
    """Refuse a posterior lacking metadata its kind or variant needs, or holding a damaged value of it (the one
    place this is checked); ``shapes`` (of the posterior's variables) lets the era bins be checked against the
    era effect's draws."""
    kind, variant = meta.get("kind"), meta.get("variant")
    need = required_meta(kind, variant)
    missing = [k for k in need if k not in meta]
    if missing:
        names = ", ".join(repr(k) for k in missing)
        attrs = ("attributes " if len(missing) > 1 else "attribute ") + ", ".join(f"bp_{k}" for k in missing)
        what = f"{kind} posterior" + (f" of variant {variant!r}" if "variant" not in missing else "")
        raise PosteriorFileError(
            f"{path}: lacks the metadata {names} ({attrs} of group 'posterior') that a {what} needs"
        )
    for key in dict.fromkeys((*need, "priors", "likelihood")):
        if key in meta and key in META_FORMS and not META_FORMS[key][1](meta[key]):
            got = repr(meta[key])
            got = got if len(got) <= 60 else got[:57] + "..."
            raise PosteriorFileError(
                f"{path}: metadata {key!r} (attribute bp_{key}) is damaged: expected {META_FORMS[key][0]}, got {got}"
            )
    if "era_bins" in need:
        bins, n = meta["era_bins"], meta["era_n"]
        n_era = (shapes or {}).get("era", (None,))[-1]
        if (bins and bins[-1] >= n) or (n_era is not None and len(bins) != n_era):
            raise PosteriorFileError(
                f"{path}: metadata 'era_bins' (attribute bp_era_bins) is damaged: {len(bins)} bins, up to "
                f"{max(bins, default=None)}, for {n} half-years and an era effect over {n_era} bins"
            )


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _unreadable(path: Path, group: str, name: str, err: BaseException) -> PosteriorFileError:
    return PosteriorFileError(
        f"{path}: variable {name!r} in group {group!r} is corrupt (cannot be read: {_one_line(err)})"
    )


def _verify(path: Path, group: str, name: str, values: Any, expected: Any) -> None:
    """Compare a variable's values with its stored checksum (if it has one)."""
    if expected is None:
        return
    if isinstance(expected, bytes):
        expected = expected.decode("utf-8", "replace")
    if checksum(values) != str(expected):
        raise PosteriorFileError(f"{path}: variable {name!r} in group {group!r} is corrupt (checksum mismatch)")


def _read_verified(f, path: Path) -> dict[str, dict[str, np.ndarray]]:
    """Every variable of every group of the open h5py file ``f``, read in full and checked against its
    checksum: ``{group: {name: values}}``."""
    import h5py

    out: dict[str, dict[str, np.ndarray]] = {}

    def walk(grp, prefix: str) -> None:
        for name in grp:
            try:
                obj = grp[name]
            except (OSError, KeyError, RuntimeError, ValueError) as err:
                raise _unreadable(path, prefix or "/", name, err) from None
            if isinstance(obj, h5py.Group):
                walk(obj, f"{prefix}/{name}" if prefix else name)
                continue
            group = prefix or "/"
            try:
                values = obj[()]
                expected = obj.attrs.get(CHECKSUM_ATTR)
            except (OSError, RuntimeError, ValueError, TypeError) as err:
                raise _unreadable(path, group, name, err) from None
            _verify(path, group, name, values, expected)
            out.setdefault(group, {})[name] = values

    walk(f, "")
    return out


def _open_error(path: Path, err: OSError) -> PosteriorFileError:
    """The reason h5py could not open ``path``, in one line."""
    text = _one_line(err)
    if "truncated file" in text:
        m = re.search(r"\beof = (\d+).*stored_eof = (\d+)", text)
        size = f": {m.group(1)} of {m.group(2)} bytes" if m else ""
        return PosteriorFileError(f"{path}: not a readable posterior file (truncated{size}; corrupt or partly copied)")
    if "signature not found" in text:
        return PosteriorFileError(f"{path}: not a readable posterior file (not netCDF4/HDF5: no HDF5 signature)")
    return PosteriorFileError(f"{path}: not a readable posterior file (corrupt or not netCDF/HDF5: {text})")


def _text(values: np.ndarray) -> list[str]:
    return [s.decode() if isinstance(s, bytes) else str(s) for s in np.ravel(values)]


def load_draws(path: str | Path, kind: str | tuple[str, ...] = "perflaw") -> Draws:
    """Read a posterior file with h5py: metadata, flattened draws and coordinate labels; ``kind`` is the kind
    (or kinds) of model the caller accepts. Every variable of every group is read and its checksum verified."""
    import h5py

    path = Path(path)
    if path.is_dir():
        raise PosteriorFileError(f"{path}: is a directory, not a posterior file")
    if not path.is_file():
        raise PosteriorFileError(f"{path}: no such posterior file")
    try:
        f = h5py.File(path, "r")
    except OSError as err:
        raise _open_error(path, err) from None
    try:
        with f:
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
            check_meta(path, meta, {k: v.shape for k, v in grp.items() if isinstance(v, h5py.Dataset)})
            missing = [v for v in required_vars(kind, meta.get("variant"), meta) if v not in grp]
            if missing:
                raise PosteriorFileError(f"{path}: posterior lacks variables {missing}")
            data = _read_verified(f, path)
        values, coords = {}, {}
        for name, arr in data["posterior"].items():
            if arr.dtype.kind in "OSU":
                coords[name] = _text(arr)
            elif arr.ndim >= 2:
                arr = np.asarray(arr, dtype=float)
                values[name] = arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])
        fit_scores = {}
        fit = data.get("fit_data", {})
        if "obs" in fit and "mmlu" in fit:
            scores = np.asarray(fit["mmlu"], dtype=float).tolist()
            fit_scores = dict(zip(_text(fit["obs"]), scores, strict=True))
    except PosteriorFileError:
        raise
    except (OSError, KeyError, ValueError, RuntimeError, TypeError) as err:
        raise PosteriorFileError(
            f"{path}: not a readable posterior file (corrupt or not netCDF/HDF5: {_one_line(err)})"
        ) from None
    bad = [k for k, v in values.items() if not np.all(np.isfinite(v))]
    if bad:
        raise PosteriorFileError(f"{path}: non-finite draws in {bad} (corrupt file)")
    return Draws(kind=kind, meta=meta, values=values, coords=coords, fit_scores=fit_scores)
