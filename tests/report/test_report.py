"""The HTML diagnostic report: content, numbers against ArviZ, failing plots, and a real browser."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

from bayes_perflaw.core.paths import default_posterior
from bayes_perflaw.core.posterior import load_draws

REPORTS = Path(__file__).resolve().parents[2] / "reports"
COMPARISON_CSVS = ("model_comparison.csv", "backtest.csv")
SECTIONS = ("summary", "metadata", "convergence", "priors", "loo", "predictions", "comparison")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "perflaw"
    for name in COMPARISON_CSVS:  # the report reads the comparison tables from its folder's parent
        shutil.copy(REPORTS / name, out.parent / name)
    res = run_cli("report", "--posterior", str(default_posterior()), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert f"wrote {out / 'index.html'}" in res.stdout
    return out


def test_sections_tables_and_self_contained(report):
    page = (report / "index.html").read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    assert page.count("data:image/png;base64,") == 11  # 7 diagnostics + era + noise profile + 2 partial dependence
    titles = ("Era effect", "Noise against the predicted score", "Predicted MMLU against training tokens")
    for title in (*titles, "Predicted MMLU against size"):
        assert f"<figcaption><strong>{title}" in page, title
    assert 'class="note plot-failed"' not in page
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="(?!data:)', page)  # nothing loaded from outside
    assert {p.name for p in report.iterdir()} == {"index.html", "summary.csv", "residuals.csv"}


def test_numbers_match_arviz_on_the_same_file(report):
    az = pytest.importorskip("arviz")
    from bayes_perflaw.core.posterior import load_idata

    idata = load_idata(default_posterior())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect = az.summary(idata, var_names=["w1", "w4", "gamma", "sigma"])
        loo = az.loo(idata)
    got = pd.read_csv(report / "summary.csv").set_index("parameter")
    for name in ("w1", "w4", "gamma", "sigma[developer]"):
        assert got.loc[name, "mean"] == pytest.approx(expect.loc[name, "mean"], abs=1e-3)
        assert got.loc[name, "ess_bulk"] == pytest.approx(expect.loc[name, "ess_bulk"], abs=0.5)
    page = (report / "index.html").read_text()
    assert f'<strong id="elpd">{float(loo.elpd_loo):.1f}</strong>' in page
    assert f"<td>{expect.loc['w1', 'mean']:.2f}</td>" in page
    rhat_max = float(got["r_hat"].max())
    assert f"<td>{rhat_max:.3f}</td>" in page


def test_comparison_section_carries_the_backtest(report):
    page = (report / "index.html").read_text()
    for name in COMPARISON_CSVS[1:]:
        for _, row in pd.read_csv(REPORTS / name).iterrows():
            cells = f"<td>{row['method']}</td><td>{row['n']}</td><td>{row['mae']:.2f}</td>"
            assert cells in page, (name, row["method"])
    assert "Time-split backtest" in page and "Not available" not in page


def test_residual_table_is_sorted_by_outlier_probability(report):
    res = pd.read_csv(report / "residuals.csv")
    assert len(res) == len(load_draws(default_posterior()).fit_scores)  # one row per fitted model
    assert np.all(np.diff(res["outlier_prob"].to_numpy()) <= 1e-12)
    assert res["model"].iloc[0] == "OLMo 7B"  # 28.3 reported against ~59 predicted


def test_a_failing_plot_becomes_a_visible_note(tmp_path, monkeypatch):
    from bayes_perflaw.report import html as rep

    fig = rep.figure("Broken", "caption", lambda: 1 / 0)
    assert fig.data == "" and "ZeroDivisionError" in fig.error

    def boom(*args, **kwargs):
        raise RuntimeError("simulated plotting failure")

    monkeypatch.setattr(rep, "predicted_vs_reported_table", boom)
    index = rep.write_report(default_posterior(), tmp_path / "r")
    page = index.read_text()
    assert 'class="note plot-failed">Predicted vs reported: This plot could not be drawn: RuntimeError: ' in page
    assert page.count("data:image/png;base64,") == 10


def test_report_refuses_a_corrupt_posterior(tmp_path):
    bad = tmp_path / "bad.nc"
    bad.write_bytes(b"junk")
    res = run_cli("report", "--posterior", str(bad), "--out", str(tmp_path / "r"))
    assert res.returncode == 2 and "not a readable posterior file" in res.stderr
    assert not (tmp_path / "r").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_in_a_real_browser(report, tmp_path):
    exe = _chromium()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required in CI (installed by `make test`)")
        pytest.skip("chromium not installed (make test installs it when run as root)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    url = (report / "index.html").as_uri()
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [exe, *flags, "--window-size=1280,3000", f"--screenshot={shot}", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file(), run.stderr
    dom = subprocess.run(
        [exe, *flags, "--virtual-time-budget=5000", "--dump-dom", url], capture_output=True, text=True, timeout=120
    ).stdout
    loaded = re.search(r'data-images="(\d+)/(\d+)"', dom)
    assert loaded, "the page's load script did not run"
    assert loaded.group(1) == loaded.group(2) == "11", loaded.group(0)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1200
    not_white = (pixels < 0.95).any(axis=-1).mean()
    assert not_white > 0.05, f"screenshot looks blank ({not_white:.1%} non-white pixels)"
    assert pixels.std() > 0.05


def test_same_posterior_same_page(report, tmp_path):
    from bayes_perflaw.report.html import write_report

    again = write_report(default_posterior(), tmp_path / "again", reports_dir=report.parent)
    assert again.read_bytes() == (report / "index.html").read_bytes()


def test_flp_report_has_the_stages_the_targets_and_the_diagnostics(tmp_path):
    """``report`` on an FLP posterior: checks, tasks with their metric, convergence (numbers = ArviZ's), loss against
    compute, accuracy against loss, and the targets read from the backtest beside the output folder."""
    import arviz as az

    from bayes_perflaw.core.posterior import load_idata

    post = REPORTS.parent / "models" / "flp-olmo.nc"
    out = tmp_path / "flp" / "report"
    out.parent.mkdir()
    shutil.copy(REPORTS / "flp" / "flp_targets.csv", out.parent / "flp_targets.csv")
    res = run_cli("report", "--posterior", str(post), "--out", str(out))
    assert res.returncode == 0, res.stderr
    page = (out / "index.html").read_text()
    for section in ("summary", "metadata", "tasks", "convergence", "stages", "targets"):
        assert f'<section id="{section}">' in page
    assert page.count("data:image/png;base64,") == 5 and "plot-failed" not in page
    for title in ("Loss against compute", "Accuracy against loss", "Targets", "Prior vs posterior", "Energy"):
        assert f"<figcaption><strong>{title}." in page
    assert "mmlu_rc" in page and "ranked classification" in page
    summary = pd.read_csv(out / "summary.csv").set_index("parameter")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect = az.summary(load_idata(post, kind="flp"), var_names=["sigma_loss"])
    assert summary.loc["sigma_loss[c4]", "mean"] == pytest.approx(expect.loc["sigma_loss[c4]", "mean"], abs=1e-3)
    assert {p.name for p in out.iterdir()} == {"index.html", "summary.csv"}
