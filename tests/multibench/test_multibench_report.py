"""The latent-capability HTML report on a small real fit: sections, figure files, the convergence table against
ArviZ, the loadings and capabilities against NumPy, the leave-one-score-out table, and the ``report`` command."""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, run_cli

from bayes_perflaw.report.multibench_html import CALIBRATION_CAPTION, write_multibench_report

pytestmark = pytest.mark.slow  # the module's fixture really samples (a small model, ~20 s)

COLUMNS = ["model", "params_B", "tokens_T", "mmlu", "arc_c", "hellaswag", "winogrande", "gsm8k"]
BENCHES = COLUMNS[3:]
SECTIONS = {
    "summary": "1. Checks",
    "metadata": "2. Run",
    "benchmarks": "3. Benchmarks",
    "convergence": "4. Convergence",
    "loadings": "5. Loadings",
    "capability": "6. Scores against capability",
}
FIGURES = ("Energy", "Prior vs posterior", "Loadings", "Scores against capability")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "multibench.csv", usecols=COLUMNS).iloc[::6].head(25).reset_index(drop=True)
    df.attrs["source"] = "multibench.csv (every 6th row)"
    return df


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, table) -> Path:
    from bayes_perflaw.multibench.model import MultiBench

    path = tmp_path_factory.mktemp("mb") / "mb.nc"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MultiBench(variant="k1").fit(table, chains=2, draws=100, tune=100, seed=1, progress=False).save(path)
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory, fitted) -> Path:
    """The page written with an empty reports folder (no leave-one-score-out table)."""
    root = tmp_path_factory.mktemp("mbreport")
    (root / "reports").mkdir()
    index = write_multibench_report(fitted, root / "report", reports_dir=root / "reports")
    assert index == root / "report" / "index.html"
    return index.parent


def _summary(fitted: Path) -> pd.DataFrame:
    import arviz as az

    from bayes_perflaw.core.posterior import load_idata
    from bayes_perflaw.multibench.model import GLOBALS

    idata = load_idata(fitted, kind="multibench")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return az.summary(idata, var_names=[v for v in GLOBALS if v in idata.posterior])


def _capability(post, table: pd.DataFrame) -> np.ndarray:
    """(draws, rows) capability of k1 by hand: X beta + eps, X from the table (log10 6ND and log10 D/N, each
    standardised over the rows with a recipe; an indicator of an unknown recipe)."""
    n, d = table["params_B"].to_numpy() * 1e9, table["tokens_T"].to_numpy() * 1e12
    known = ~np.isnan(n) & ~np.isnan(d)
    z = [np.where(known, (v - v[known].mean()) / v[known].std(), 0.0) for v in (np.log10(6 * n * d), np.log10(d / n))]
    x = np.column_stack([*z, (~known).astype(float)])
    beta = post["beta"].values.reshape(-1, 1, 3)[:, 0, :]
    eps = post["eps"].values.reshape(-1, len(table), 1)[:, :, 0]
    return beta @ x.T + eps


def test_sections_figures_and_files(report):
    page = (report / "index.html").read_text()
    for section, title in SECTIONS.items():
        assert f'<section id="{section}">\n<h2>{title}</h2>' in page, section
    assert '<section id="calibration">' not in page  # no score_out_summary.csv in the reports folder
    for title in FIGURES:
        assert f"<figcaption><strong>{title}.</strong>" in page, title
    assert 'class="note plot-failed"' not in page
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    linked = re.findall(r'(?:href|src)="(?!data:)([^"]+)"', page)
    assert sorted(linked) == sorted(["energy.png", "priors.png", "loadings.png", "scores.png"])
    for name in linked:  # every referenced file exists beside the page and is a PNG
        assert (report / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert {p.name for p in report.iterdir()} == {
        "index.html",
        *linked,
        "summary.csv",
        "benchmarks.csv",
        "loadings.csv",
        "capability.csv",
    }
    for row in ("r_hat (max)", "divergences", "Pareto k (PSIS-LOO)"):  # the checks, incl. the score LOO
        assert f"<tr><td>{row}</td>" in page, row
    assert '<th>model kind / variant</th><td style="text-align:left">multibench / k1</td>' in page
    bench = pd.read_csv(report / "benchmarks.csv")
    assert bench["bench"].tolist() == BENCHES


def test_scores_per_benchmark_match_the_table(report, table):
    bench = pd.read_csv(report / "benchmarks.csv").set_index("bench")
    for b in BENCHES:
        assert bench.loc[b, "scores"] == table[b].notna().sum()
        assert bench.loc[b, "lowest"] == pytest.approx(table[b].min(), abs=1e-4)
        assert bench.loc[b, "highest"] == pytest.approx(table[b].max(), abs=1e-4)
    page = (report / "index.html").read_text()
    counts = ", ".join(f"{b} {table[b].notna().sum()}" for b in BENCHES)
    assert f"({counts})" in page


def test_convergence_table_is_arvizs(report, fitted):
    expect = _summary(fitted)
    got = pd.read_csv(report / "summary.csv").set_index("parameter")
    assert "nu" in got.index  # learned by the default priors (a fixed nu has sd 0 and no r_hat: left out)
    assert set(got.index) == set(expect.index[expect["sd"] > 0])
    assert any(p.startswith("beta[") for p in got.index) and any(p.startswith("lam_pos[") for p in got.index)
    for name in got.index:
        assert got.loc[name, "r_hat"] == pytest.approx(expect.loc[name, "r_hat"], abs=1e-9), name
        assert got.loc[name, "ess_bulk"] == pytest.approx(expect.loc[name, "ess_bulk"], abs=0.5), name
        assert got.loc[name, "mean"] == pytest.approx(expect.loc[name, "mean"], abs=1e-4), name


def test_loadings_and_capabilities_against_numpy(report, fitted, table):
    from bayes_perflaw.core.posterior import load_idata

    post = load_idata(fitted, kind="multibench").posterior
    lam = post["lam_pos"].values.reshape(-1, post.sizes["pos"])
    labels = [str(x) for x in post["pos"].values]
    got = pd.read_csv(report / "loadings.csv")
    assert got["factor"].eq("f1").all() and got["constraint"].eq("positive").all()  # k1: one positive column
    assert len(got) == len(BENCHES)
    for _, row in got.iterrows():
        draws = lam[:, labels.index(f"{row['bench']}:{row['factor']}")]
        assert row["mean"] == pytest.approx(draws.mean(), abs=1e-6)
        lo, hi = np.quantile(draws, [0.05, 0.95])
        assert (row["lo"], row["hi"]) == pytest.approx((lo, hi), abs=1e-6)

    theta = _capability(post, table)
    cap = pd.read_csv(report / "capability.csv")
    assert cap["model"].tolist() == table["model"].tolist()
    assert cap["f1_mean"].to_numpy() == pytest.approx(theta.mean(axis=0), abs=1e-4)
    assert cap["f1_lo"].to_numpy() == pytest.approx(np.quantile(theta, 0.05, axis=0), abs=1e-4)


def test_loo_recomputed_from_the_draws(report, fitted, table):
    """The saved file has no log-likelihood (``shippable``): the page's LOO is recomputed from the draws; here the
    same from a Student-t likelihood written out by hand (k1: every floor is a chance level)."""
    import arviz as az
    import xarray as xr
    from scipy import stats

    from bayes_perflaw.core.posterior import load_idata

    idata = load_idata(fitted, kind="multibench")
    assert "log_likelihood" not in idata.groups()
    post = idata.posterior
    c, d = post.sizes["chain"], post.sizes["draw"]
    flat = {k: post[k].values.reshape(c * d, *post[k].shape[2:]) for k in ("a", "lam_pos", "sigma", "nu")}
    theta = _capability(post, table)
    chance = {"mmlu": 25.0, "arc_c": 25.0, "hellaswag": 25.0, "winogrande": 50.0, "gsm8k": 0.0}
    frac = post["ceiling_frac"].values.reshape(c * d, -1)
    ll = []
    for r in range(len(table)):
        for b, name in enumerate(BENCHES):
            y = table.loc[r, name]
            if np.isnan(y):
                continue
            top = table[name].max()
            ceiling = top + (100.0 - top) * frac[:, b]
            mu = chance[name] + (ceiling - chance[name]) / (
                1 + np.exp(-(flat["a"][:, b] + flat["lam_pos"][:, b] * theta[:, r]))
            )
            ll.append(stats.t.logpdf(y, df=flat["nu"], loc=mu, scale=flat["sigma"][:, b]))
    ll = np.array(ll).T.reshape(c, d, -1)
    ds = xr.Dataset({"score": (("chain", "draw", "obs"), ll)}, coords={"chain": post.chain, "draw": post.draw})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expect = az.loo(az.InferenceData(posterior=post, log_likelihood=ds), var_name="score")
    page = html.unescape((report / "index.html").read_text())
    got = json.loads(re.search(r"<th>LOO \(the reported scores\)</th><td[^>]*>(\{.*?\})", page).group(1))
    assert got["n_obs"] == int(table[BENCHES].notna().sum().sum()) == ll.shape[-1]
    assert got["elpd_loo"] == pytest.approx(float(expect.elpd_loo), rel=1e-9)
    assert got["pareto_k_gt_0.7"] == int((np.asarray(expect.pareto_k) > 0.7).sum())
    assert "(PSIS-LOO over the posterior draws)" in page


def test_score_out_table_when_present(tmp_path, fitted):
    reports = tmp_path / "reports"
    reports.mkdir()
    pd.DataFrame({"benchmark": ["mmlu", "gsm8k"], "coverage": [0.913, 0.871], "elpd": [-2.5, -3.75]}).to_csv(
        reports / "score_out_summary.csv", index=False
    )
    page = write_multibench_report(fitted, tmp_path / "report", reports_dir=reports).read_text()
    section = page[page.index('<section id="calibration">') :]
    assert "<h2>7. Leave-one-score-out checks</h2>" in section
    assert f"<figcaption>{CALIBRATION_CAPTION}</figcaption>" in section
    assert "<td>gsm8k</td><td>0.871</td><td>-3.750</td>" in section


def test_report_command(tmp_path, fitted):
    out = tmp_path / "cli"
    res = run_cli("report", "--posterior", str(fitted), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert f"wrote {out / 'index.html'}" in res.stdout
    page = (out / "index.html").read_text()
    assert "(multibench k1)</title>" in page and (out / "scores.png").is_file()
