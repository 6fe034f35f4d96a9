"""Damaged posterior files are refused with a one-line :class:`PosteriorFileError` naming the file and what is
wrong: per-variable checksums (written on save, verified on load by h5py and by xarray), every variable read in
full (a flipped byte in compressed data fails to inflate), the metadata each kind and variant needs, and files
that are truncated, of another format or directories.

Posterior files are made without sampling: a small hand-made ``InferenceData`` saved with ``save_idata``, or a
copy of the shipped ``models/perflaw.nc`` (written before checksums existed) edited with h5py.
"""

from __future__ import annotations

import json
import shutil
import warnings

import h5py
import numpy as np
import pytest
from conftest import LLAMA3_8B_FLAGS, ROOT, run_cli

from bayes_perflaw.core import posterior
from bayes_perflaw.core.errors import PosteriorFileError
from bayes_perflaw.core.posterior import (
    CHECKSUM_ATTR,
    ERA_META,
    checksum,
    load_draws,
    load_idata,
    required_meta,
    save_idata,
)
from bayes_perflaw.perflaw.mean import VARIANTS

SHIPPED = ROOT / "models"
CHAINS, DRAWS, N_OBS, N_ERA = 2, 400, 12, 4
SCALARS = ("w1", "w2", "w3", "w4", "b", "b_ref", "gamma", "beta", "kappa", "nu", "tau_era", "drift_era")
META = {
    "kind": "perflaw",
    "variant": "era",
    "model_id": "0123456789abcdef",
    "priors": {"nu": 4.0},
    "diagnostics": {"converged": True, "chains": CHAINS},
    "era_start": 2020.0,
    "era_n": 10,
    "era_bins": [0, 5, 8, 9],
    "skipped": [],
}


def small_idata():
    """A small era-variant Performance Law posterior with the groups and dtypes of a real one: float draws
    with coordinates, string labels, booleans (sample_stats), a log-likelihood and a fit_data group."""
    import arviz as az
    import xarray as xr

    rng = np.random.default_rng(0)
    chain, draw = np.arange(CHAINS), np.arange(DRAWS)
    obs = np.array([f"model-{i}" for i in range(N_OBS)])
    base = {"chain": chain, "draw": draw}
    post = xr.Dataset(
        {
            **{k: (("chain", "draw"), rng.normal(size=(CHAINS, DRAWS))) for k in SCALARS},
            "sigma": (("chain", "draw", "source_kind"), rng.gamma(2.0, size=(CHAINS, DRAWS, 2))),
            "era": (("chain", "draw", "era_bin"), rng.normal(size=(CHAINS, DRAWS, N_ERA))),
        },
        coords={**base, "source_kind": ["developer", "third_party"], "era_bin": [f"bin{i}" for i in range(N_ERA)]},
    )
    stats = xr.Dataset(
        {
            "diverging": (("chain", "draw"), rng.random((CHAINS, DRAWS)) < 0.01),
            "depth": (("chain", "draw"), rng.integers(1, 6, size=(CHAINS, DRAWS)).astype(np.uint64)),
            "energy": (("chain", "draw"), rng.normal(size=(CHAINS, DRAWS))),
        },
        coords=base,
    )
    ll = xr.Dataset(
        {"mmlu": (("chain", "draw", "obs"), rng.normal(size=(CHAINS, DRAWS, N_OBS)))}, coords={**base, "obs": obs}
    )
    fit = xr.Dataset(
        {
            "mmlu": ("obs", np.r_[rng.uniform(30, 80, N_OBS - 1), np.nan]),
            "release": ("obs", np.array(["2023-01"] * (N_OBS - 1) + [""])),
            "ffn_gated": ("obs", np.ones(N_OBS, dtype=bool)),
        },
        coords={"obs": obs},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fit_data is not one of ArviZ's standard groups
        idata = az.InferenceData(posterior=post, sample_stats=stats, log_likelihood=ll)
        idata.add_groups(fit_data=fit)
    return idata


@pytest.fixture(scope="module")
def checked_file(tmp_path_factory):
    """A posterior saved with checksums (kept pristine: tests copy it)."""
    return save_idata(small_idata(), tmp_path_factory.mktemp("saved") / "checked.nc", META)


@pytest.fixture
def checked(tmp_path, checked_file):
    path = tmp_path / "post.nc"
    shutil.copy(checked_file, path)
    return path


@pytest.fixture
def shipped(tmp_path):
    """A copy of the shipped posterior (no checksums: written before they existed)."""
    path = tmp_path / "perflaw.nc"
    shutil.copy(SHIPPED / "perflaw.nc", path)
    return path


def refused(path, match: str, *, kind="perflaw", idata: bool = True) -> str:
    """Assert load_draws (and load_idata) refuse ``path`` with a one-line message naming it and ``match``."""
    loaders = [load_draws, load_idata] if idata else [load_draws]
    for load in loaders:
        with pytest.raises(PosteriorFileError) as err:
            load(path, kind=kind)
        msg = str(err.value)
        assert msg.startswith(f"{path}: ") and "\n" not in msg, msg
        assert match in msg, msg
    return msg


def flip_byte(path, group: str, name: str) -> None:
    """Flip one byte in the middle of the stored (compressed) data of a variable."""
    with h5py.File(path, "r") as f:
        ds = f[group][name]
        if ds.chunks is None:
            offset, size = ds.id.get_offset(), ds.id.get_storage_size()
        else:
            info = ds.id.get_chunk_info(ds.id.get_num_chunks() // 2)
            offset, size = info.byte_offset, info.size
    with open(path, "r+b") as fh:
        fh.seek(offset + size // 2)
        byte = fh.read(1)
        fh.seek(offset + size // 2)
        fh.write(bytes([byte[0] ^ 0xFF]))


def netcdf_variables(f: h5py.File):
    """(group, name, dataset) of every netCDF variable (not the bare dimensions netCDF-4 adds)."""
    for gname, grp in f.items():
        for name, ds in grp.items():
            label = ds.attrs.get("NAME", b"")
            if b"not a netCDF variable" not in (label if isinstance(label, bytes) else label.encode()):
                yield gname, name, ds


# --- round trip --------------------------------------------------------------------------------------


def test_round_trip_writes_and_verifies_a_checksum_for_every_variable(checked):
    idata = small_idata()
    with h5py.File(checked, "r") as f:
        seen = list(netcdf_variables(f))
        assert {g for g, _, _ in seen} == {"posterior", "sample_stats", "log_likelihood", "fit_data"}
        for group, name, ds in seen:
            assert CHECKSUM_ATTR in ds.attrs, f"{group}/{name}"
            assert ds.attrs[CHECKSUM_ATTR] == checksum(ds[()]) == checksum(idata[group][name].values), f"{group}/{name}"
    draws = load_draws(checked)
    assert draws.meta["era_bins"] == META["era_bins"] and draws.coords["source_kind"] == ["developer", "third_party"]
    np.testing.assert_array_equal(draws.values["era"], idata.posterior["era"].values.reshape(CHAINS * DRAWS, N_ERA))
    assert len(draws.fit_scores) == N_OBS
    back = load_idata(checked)
    for group in idata.groups():
        for name, var in idata[group].variables.items():
            np.testing.assert_array_equal(back[group][name].values, var.values)
            assert back[group][name].attrs[CHECKSUM_ATTR] == checksum(var.values)


def test_checksum_is_the_same_in_memory_and_as_read_back():
    assert checksum(np.array([True, False])) == checksum(np.array([1, 0], dtype=np.int8))  # netCDF booleans
    assert checksum(np.array(["a", "b"])) == checksum(np.array([b"a", b"b"], dtype=object))  # h5py strings
    assert checksum(np.array([1.0, 2.0], dtype=">f8")) == checksum(np.array([1.0, 2.0], dtype="<f8"))
    assert checksum(np.array([np.nan])) == checksum(-np.array([np.nan]))  # every NaN alike
    assert checksum(np.zeros((2, 3))) != checksum(np.zeros((3, 2)))  # the shape counts
    assert checksum(np.array(["2024-01-01"], dtype="datetime64[D]")) is None  # not covered: no attribute


@pytest.mark.parametrize("kind", ["perflaw", "screen", "map", "flp"])
def test_shipped_posteriors_carry_a_checksum_per_variable_and_load_without_them(kind, tmp_path):
    name = {"perflaw": "perflaw", "screen": "screen", "map": "map-bbh", "flp": "flp-olmo"}[kind]
    with h5py.File(SHIPPED / f"{name}.nc", "r") as f:
        variables = [ds for g in f.values() if isinstance(g, h5py.Group) for ds in g.values()]
        phony = b"This is a netCDF dimension but not a netCDF variable"  # a bare dimension: no data to check
        numeric = [
            ds
            for ds in variables
            if isinstance(ds, h5py.Dataset)
            and ds.dtype.kind in "fiub"
            and not bytes(ds.attrs.get("NAME", b"")).startswith(phony)
        ]
        assert numeric and all(CHECKSUM_ATTR in ds.attrs for ds in numeric)
    old = tmp_path / f"{name}.nc"  # a file written before checksums existed: read in full, accepted
    shutil.copy(SHIPPED / f"{name}.nc", old)
    with h5py.File(old, "r+") as f:
        for g in f.values():
            for ds in g.values() if isinstance(g, h5py.Group) else ():
                if CHECKSUM_ATTR in ds.attrs:
                    del ds.attrs[CHECKSUM_ATTR]
    card = json.loads((SHIPPED / f"{name}.json").read_text())["sampler"]  # every draw of every chain is read
    assert load_draws(old, kind=kind).n_draws == card["chains"] * card["draws"]


# --- damaged data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["checked", "shipped"])
@pytest.mark.parametrize("var", ["w1", "era"])
def test_flipped_byte_in_a_posterior_variable_is_refused(request, source, var):
    path = request.getfixturevalue(source)
    flip_byte(path, "posterior", var)
    refused(path, f"variable {var!r} in group 'posterior' is corrupt")


def test_flipped_byte_in_another_group_is_refused(shipped):
    # predicting does not use the log-likelihood, but a file with a damaged group is not trusted
    flip_byte(shipped, "log_likelihood", "mmlu")
    refused(shipped, "variable 'mmlu' in group 'log_likelihood' is corrupt")


@pytest.mark.parametrize(
    ("group", "name", "index", "value"),
    [
        ("posterior", "w1", (0, 7), 0.123),  # a plausible number: only the checksum tells
        ("posterior", "source_kind", (0,), "third_party"),  # labels swapped: noise of the wrong source kind
        ("sample_stats", "diverging", (1, 3), 1),
        ("fit_data", "mmlu", (2,), 55.0),
    ],
)
def test_values_changed_behind_the_checksum_are_refused(checked, group, name, index, value):
    with h5py.File(checked, "r+") as f:
        f[group][name][index] = value
    refused(checked, f"variable {name!r} in group {group!r} is corrupt (checksum mismatch)")


def test_load_idata_verifies_what_xarray_reads(checked, monkeypatch):
    """load_idata checks the file through xarray too, not only through load_draws' h5py read."""
    monkeypatch.setattr(posterior, "load_draws", lambda *a, **k: None)
    with h5py.File(checked, "r+") as f:
        f["sample_stats"]["energy"][0, 0] += 1.0
    with pytest.raises(PosteriorFileError, match="variable 'energy' in group 'sample_stats' is corrupt") as err:
        load_idata(checked)
    assert str(err.value).startswith(f"{checked}: ")


def test_load_idata_refuses_unreadable_data_through_xarray(shipped, monkeypatch):
    monkeypatch.setattr(posterior, "load_draws", lambda *a, **k: None)
    flip_byte(shipped, "posterior_predictive", "mmlu")
    with pytest.raises(PosteriorFileError, match="variable 'mmlu' in group 'posterior_predictive' is corrupt") as err:
        load_idata(shipped)
    assert str(err.value).startswith(f"{shipped}: ")


# --- metadata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ERA_META)
def test_missing_era_metadata_is_refused_at_load(shipped, key):
    with h5py.File(shipped, "r+") as f:
        del f["posterior"].attrs[f"bp_{key}"]
    msg = refused(shipped, f"lacks the metadata {key!r} (attribute bp_{key} of group 'posterior')", idata=False)
    assert "perflaw posterior of variant 'era_level'" in msg


def test_missing_era_start_fails_the_predict_command_cleanly(shipped, tmp_path):
    with h5py.File(shipped, "r+") as f:
        del f["posterior"].attrs["bp_era_start"]
    out = tmp_path / "o.csv"
    res = run_cli("predict", "--posterior", str(shipped), *LLAMA3_8B_FLAGS, "--output", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr and not out.exists()
    assert str(shipped) in res.stderr and "'era_start'" in res.stderr


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("era_bins", "garbage", "metadata 'era_bins' (attribute bp_era_bins) is damaged: expected an increasing list"),
        ("era_bins", "[0, 3, 4, 5, 6, 7, 8]", "'era_bins' (attribute bp_era_bins) is damaged: 7 bins, up to 8, for "),
        ("era_bins", "[0, 3, 4, 5, 6, 7, 8, 12]", "'era_bins' (attribute bp_era_bins) is damaged: 8 bins, up to 12"),
        ("era_n", "ten", "metadata 'era_n' (attribute bp_era_n) is damaged: expected a whole number >= 1, got 'ten'"),
        ("era_start", float("nan"), "metadata 'era_start' (attribute bp_era_start) is damaged: expected a finite"),
        ("priors", "garbage", "metadata 'priors' (attribute bp_priors) is damaged: expected a JSON object"),
        ("variant", "[1, 2]", "metadata 'variant' (attribute bp_variant) is damaged: expected a name, got [1, 2]"),
    ],
)
def test_damaged_metadata_values_are_refused_at_load(shipped, key, value, match):
    with h5py.File(shipped, "r+") as f:
        f["posterior"].attrs[f"bp_{key}"] = value
    refused(shipped, match, idata=False)


@pytest.mark.parametrize("var", ["era", "tau_era"])
def test_era_variant_without_its_era_variables_is_refused(shipped, var):
    # without them prediction would silently leave out the era effect
    with h5py.File(shipped, "r+") as f:
        del f["posterior"][var]
    refused(shipped, f"posterior lacks variables [{var!r}]", idata=False)


def test_kind_metadata_is_required_and_era_metadata_only_for_era_variants(tmp_path):
    plain = {k: v for k, v in META.items() if k not in ERA_META} | {"variant": "plain"}
    path = save_idata(small_idata(), tmp_path / "plain.nc", plain)
    assert load_draws(path).meta["variant"] == "plain"
    with h5py.File(path, "r+") as f:
        del f["posterior"].attrs["bp_variant"]
    refused(path, "lacks the metadata 'variant' (attribute bp_variant of group 'posterior') that a perflaw posterior")


def test_every_era_variant_declares_the_era_metadata():
    for name, variant in VARIANTS.items():
        kind = "screen" if variant.mixture else "perflaw"
        need = set(required_meta(kind, name))
        assert {"variant", "model_id"} <= need
        assert set(ERA_META) <= need if variant.era else not set(ERA_META) & need, name


# --- not a posterior at all --------------------------------------------------------------------------


def test_truncated_file_is_refused(tmp_path, checked_file):
    path = tmp_path / "cut.nc"
    data = checked_file.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refused(path, f"not a readable posterior file (truncated: {len(data) // 2} of {len(data)} bytes")


def test_csv_given_as_posterior_is_refused(tmp_path):
    path = tmp_path / "recipes.csv"
    path.write_text("model,num_hidden_layers,hidden_size\nllama,32,4096\n")
    refused(path, "not a readable posterior file (not netCDF4/HDF5: no HDF5 signature)")


def test_directory_given_as_posterior_is_refused(tmp_path):
    refused(tmp_path, "is a directory, not a posterior file")
    res = run_cli("predict", "--posterior", str(tmp_path), *LLAMA3_8B_FLAGS)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "is a directory" in res.stderr


@pytest.mark.parametrize(
    ("likelihood", "match"),
    [
        ("logit_normal", "posterior lacks variables ['sigma_acc']"),  # its scale, not the Beta's kappa
        ("poisson", 'metadata \'likelihood\' (attribute bp_likelihood) is damaged: expected "beta" or "logit_normal"'),
    ],
)
def test_an_flp_posterior_holds_the_scale_of_its_likelihood(tmp_path, likelihood, match):
    path = tmp_path / "flp.nc"
    shutil.copy(SHIPPED / "flp-olmo.nc", path)
    assert load_draws(path, kind="flp").meta.get("likelihood", "beta") == "beta"
    with h5py.File(path, "r+") as f:
        f["posterior"].attrs["bp_likelihood"] = likelihood
    refused(path, match, kind="flp", idata=False)
