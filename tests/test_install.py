"""A real, non-editable install from a wheel finds its bundled data (slow: builds a wheel)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SCIENCE_VECTORS, write_csv


@pytest.mark.slow
def test_wheel_install_gives_working_command_with_bundled_data(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("bayes_perflaw-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    # Third-party dependencies come from the test environment (a path line in a .pth file does not
    # run that environment's editable-install hook, so bayes_perflaw itself comes from the wheel).
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    )
    Path(site.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    where = subprocess.run(
        [py, "-c", "import bayes_perflaw.core.paths as p; print(p.reference_table())"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert where.returncode == 0, where.stderr
    assert str(venv) in where.stdout and "_bundled" in where.stdout

    exe = venv / "bin" / "bayes-perflaw"
    res = subprocess.run([exe, "validate"], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    n_rows = len(pd.read_csv(ROOT / "data" / "reference_models.csv"))
    assert f"{n_rows} rows valid" in res.stdout

    n, h, d, t, s, _g, _u, _raw, bounded = SCIENCE_VECTORS[0]
    src = write_csv(
        tmp_path / "r.csv",
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B",
        f"m,{n},{h},{d},{t},{s}",
    )
    res = subprocess.run(
        [exe, "predict", "--law", "paper", "--input", src], capture_output=True, text=True, cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert f"{bounded:.2f}" in res.stdout
    res = subprocess.run([py, "-m", "bayes_perflaw", "--version"], capture_output=True, text=True, cwd=tmp_path)
    assert res.stdout.startswith("bayes-perflaw 0.1.0")
    # the notebook surface of the Python API, from the wheel, in a new directory (shipped posteriors bundled)
    nb = tmp_path / "nb"
    nb.mkdir()
    res = subprocess.run([py, str(ROOT / "examples" / "notebook_api.py")], capture_output=True, text=True, cwd=nb)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "draws: {'model': 2, 'draw': 1000}" in res.stdout and "refused: recipes, row 1" in res.stdout
    origin = subprocess.run(
        [py, "-c", "import bayes_perflaw as bp; print(bp.PerformanceLaw.load().path)"],
        capture_output=True,
        text=True,
        cwd=nb,
    )
    assert str(venv) in origin.stdout and "_bundled" in origin.stdout
