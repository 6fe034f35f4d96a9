"""Screening: exact memberships, tail probabilities, the CLI with the shipped posterior, and --refit."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from bayes_perflaw.core.paths import reference_table, screening_posterior
from bayes_perflaw.core.posterior import Draws, file_hash, load_draws
from bayes_perflaw.perflaw.predict import latent_mean
from bayes_perflaw.screening.screen import memberships, mixture_loglik, screen_table

ONE = pd.DataFrame(
    {
        "model": ["m"],
        "num_hidden_layers": [32.0],
        "hidden_size": [4096.0],
        "intermediate_size": [14336.0],
        "tokens_T": [2.0],
        "params_B": [8.0],
    }
)


def test_memberships_by_hand():
    # y = 70, inlier mean 60, sd 5, shifts +-10, weights 0.9 / 0.05 / 0.05 (sd cancels in the ratio)
    inl, hi, lo = 0.9 * math.exp(-2.0), 0.05 * math.exp(0.0), 0.05 * math.exp(-8.0)
    p = memberships(
        np.array([70.0]),
        np.array([False]),
        np.array([60.0]),
        np.array([5.0]),
        np.array([0.9, 0.05, 0.05]),
        np.array(10.0),
        np.array(10.0),
    )
    assert p[:, 0] == pytest.approx([inl, hi, lo] / np.float64(inl + hi + lo), rel=1e-9)
    # a censored score at the floor: P(z <= 30) per component, mean 60 -> the low component dominates
    pc = memberships(
        np.array([30.0]),
        np.array([True]),
        np.array([60.0]),
        np.array([5.0]),
        np.array([0.9, 0.05, 0.05]),
        np.array(10.0),
        np.array(25.0),
    )
    assert pc[2, 0] > 0.99
    ll = mixture_loglik(
        np.array([70.0]),
        np.array([False]),
        np.array([60.0]),
        np.array([5.0]),
        np.array([0.9, 0.05, 0.05]),
        np.array(10.0),
        np.array(10.0),
    )
    assert ll[0] == pytest.approx(math.log(inl + hi + lo) - math.log(5.0 * math.sqrt(2 * math.pi)), rel=1e-9)


def _one_draw_posterior(sigma=4.0):
    values = {
        "w1": [14.0],
        "w2": [0.2],
        "w3": [-0.5],
        "w4": [5.4],
        "b": [9.2],
        "gamma": [1.0],
        "beta": [0.5],
        "kappa": [0.0],  # the published token cap
        "nu": [4.0],
        "sigma": [[sigma]],
        "mix_weights": [[0.9, 0.05, 0.05]],
        "shift_high": [12.0],
        "shift_low": [12.0],
    }
    return Draws(
        "perflaw", {"variant": "plain_mix"}, {k: np.array(v) for k, v in values.items()}, {"source_kind": ["developer"]}
    )


@pytest.mark.parametrize("z, tail, flag", [(2.5, 0.01242, "high"), (-2.5, 0.01242, "low"), (1.0, 0.31731, "")])
def test_tail_probability_and_flag_rule(z, tail, flag):
    post = _one_draw_posterior()
    mu = latent_mean(ONE, post, 0)[0, 0]
    out = screen_table(ONE.assign(mmlu=mu + z * 4.0), post, threshold=0.05)
    assert out["tail_prob"].iloc[0] == pytest.approx(tail, abs=1e-4)
    assert out["flag"].iloc[0] == flag
    if flag:
        assert out["explanation"].iloc[0].startswith(f"{abs(out['outside_by'].iloc[0]):.1f} points")
        assert ("contamination" in out["explanation"].iloc[0]) == (flag == "high")


def test_shipped_screening_posterior_is_current_and_converged():
    card = json.loads(screening_posterior().with_suffix(".json").read_text())
    assert card["data_hash"] == file_hash(reference_table()) and card["variant"] == "era_mix"
    assert card["diagnostics"]["converged"]
    post = load_draws(screening_posterior(), kind="screen")
    assert post.values["mix_weights"].shape[1] == 3


def test_cli_screen_with_shipped_posterior(tmp_path):
    src = tmp_path / "claims.csv"
    src.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,release,mmlu\n"
        "plain-8b,32,4096,14336,15T,8B,2024-07,66\n"
        "suspicious-8b,32,4096,14336,15T,8B,2024-07,97\n"
        "no-score,32,4096,14336,15T,8B,2024-07,\n"
    )
    out = tmp_path / "flags.csv"
    res = run_cli("screen", "--input", str(src), "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert "skipped row 3 (no-score): lacks mmlu" in res.stdout
    assert "HIGH suspicious-8b" in res.stdout
    flags = pd.read_csv(out, keep_default_na=False)
    assert flags["model"].tolist() == ["plain-8b", "suspicious-8b"]
    assert flags["flag"].tolist() == ["", "high"]
    assert flags["p_high"].iloc[1] > 0.5 > flags["p_high"].iloc[0]
    assert flags["tail_prob"].iloc[1] < 0.05 < flags["tail_prob"].iloc[0]
    assert "points above the 90% interval" in flags["explanation"].iloc[1]


def test_cli_screen_rejects_duplicates_and_missing_score_column(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu\n"
        "a,32,4096,14336,15,8,60\na,32,4096,14336,15,8,61\n"
    )
    res = run_cli("screen", "--input", str(src), "--output", str(tmp_path / "o.csv"))
    assert res.returncode == 2 and "duplicate model name" in res.stderr and not (tmp_path / "o.csv").exists()
    src.write_text("model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B\na,32,4096,14336,15,8\n")
    res = run_cli("screen", "--input", str(src))
    assert res.returncode == 2 and "missing required column 'mmlu'" in res.stderr


def test_screen_with_shipped_posterior_never_imports_pymc(tmp_path):
    src = tmp_path / "c.csv"
    src.write_text(
        "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu\na,32,4096,14336,15,8,60\n"
    )
    code = (
        "import sys\nfrom bayes_perflaw.cli.main import main\n"
        f"main(['screen', '--input', {str(src)!r}])\n"
        "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'pymc', 'pytensor', 'arviz', 'xarray'}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "HEAVY []" in res.stdout


@pytest.mark.slow
def test_cli_screen_refit_finds_planted_shifts(tmp_path):
    """--refit fits the mixture to the user's own table: plant +-30 points on 3 rows of a synthetic table."""
    from bayes_perflaw.perflaw.backtest import load_reference
    from bayes_perflaw.perflaw.data import prepare
    from bayes_perflaw.perflaw.mean import VARIANTS

    table = prepare(load_reference(reference_table()), VARIANTS["plain"]).table
    post = _one_draw_posterior()
    rng = np.random.default_rng(5)
    mu = latent_mean(table, post, 0)[:, 0]
    y = np.clip(mu + 3.0 * rng.standard_normal(len(mu)), 0, 100)
    keep = np.flatnonzero(mu > 50)[:40]
    sim = table.iloc[keep].assign(mmlu=y[keep]).drop(columns=["release"]).reset_index(drop=True)
    sim.loc[[0, 1], "mmlu"] = np.minimum(sim.loc[[0, 1], "mmlu"] + 30, 99)
    sim.loc[2, "mmlu"] -= 30
    src = tmp_path / "own.csv"
    cols = [
        "model",
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
        "moe_intermediate_size",
        "shared_intermediate_size",
        "num_experts",
        "num_experts_per_tok",
        "tokens_T",
        "params_B",
        "active_params_B",
        "mmlu",
    ]
    sim[cols].to_csv(src, index=False)
    out = tmp_path / "flags.csv"
    res = run_cli(
        "screen",
        "--refit",
        "--input",
        str(src),
        "--output",
        str(out),
        "--chains",
        "2",
        "--draws",
        "300",
        "--tune",
        "400",
    )
    assert res.returncode == 0, res.stderr
    assert "refitting the screening mixture (plain_mix) to 40 rows" in res.stdout
    flags = pd.read_csv(out, keep_default_na=False)
    assert flags["flag"].iloc[:3].tolist() == ["high", "high", "low"]
    assert (flags["flag"].iloc[3:] != "").sum() <= 3  # clean rows: at most ~5 % + slack of 40
