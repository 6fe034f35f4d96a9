"""Shared fixtures: paths, a CLI runner in a subprocess, and small recipe tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"

# SCIENCE.md 1.1 test vectors: N, h, d, T (trillions), S (billions), gamma, u, raw, bounded.
SCIENCE_VECTORS = [
    (80, 8192, 28672, 15, 70.6, 1, 0.951396, 81.0910, 81.0910),
    (32, 4096, 14336, 15, 8.03, 1, 0.968615, 65.4544, 65.4544),
    (24, 896, 4864, 12, 0.49, 1, 0.710142, 40.5925, 40.5925),
    (80, 8192, 28672, 15, 70.6, 2, 0.819305, 78.2370, 78.2370),
    (200, 32768, 131072, 100, 2000, 1, 0.981317, 104.2877, 98.9141),
    (8, 512, 2048, 0.1, 0.05, 1, 0.883737, 17.4127, 25.0000),
]


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m bayes_perflaw ARGS`` in a fresh process, as a user would."""
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bayes_perflaw", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=600,
    )


# A Llama-3-8B-shaped recipe as command-line flags (the law's inputs, with units)
LLAMA3_8B_FLAGS = ("--layers", "32", "--hidden", "4096", "--ffn", "14336", "--tokens", "15T", "--params", "8B")

HEAVY_MODULES = ("pymc", "pytensor", "arviz", "xarray", "pymc_extras", "numba", "jax", "scipy", "matplotlib")


def load_script(name: str):
    """The module ``scripts/<name>.py`` (scripts are not a package), loaded afresh."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def heavy_imports(argv: list[str], cwd: Path) -> list[str]:
    """The heavy packages imported by running the CLI with ``argv`` in a fresh interpreter."""
    code = (
        "import sys\n"
        "from bayes_perflaw.cli.main import main\n"
        f"main({argv!r})\n"
        f"print('HEAVY', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_MODULES!r})))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)
    assert res.returncode == 0, res.stderr
    line = next(x for x in res.stdout.splitlines() if x.startswith("HEAVY "))
    return eval(line[len("HEAVY ") :])  # a printed list of names


@pytest.fixture
def cli():
    return run_cli


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


RECIPE_HEADER = "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu,organization"
GOOD_ROWS = (
    "llama3-70b,80,8192,28672,15,70.6,79.5,Meta",
    "llama3-8b,32,4096,14336,15T,8.03B,66.6,Meta",
    "qwen2-0.5b,24,896,4864,12e12,0.49,45.4,Alibaba",
)


@pytest.fixture
def recipes_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "recipes.csv", RECIPE_HEADER, *GOOD_ROWS)
