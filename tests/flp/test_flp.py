"""FLP: the stage forms against hand values, data preparation, the least-squares baseline, the shipped
posterior and the ``flp`` commands (fit/backtest really sample in the slow test)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, heavy_imports, load_script, run_cli

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.posterior import file_hash, load_draws
from bayes_perflaw.flp.forms import (
    LN_C0,
    LN_D0,
    LN_N0,
    c_n,
    chain,
    flp_loss,
    recipe,
    stage1_log_loss,
    stage2_accuracy,
    stage2_features,
)
from bayes_perflaw.flp.ladder import prepare, read_ladder
from bayes_perflaw.flp.model import parse_variant
from bayes_perflaw.flp.predict import ls_paper, summarise

LADDER = ROOT / "data" / "flp" / "olmo_ladder.csv"
SHIPPED = ROOT / "models" / "flp-olmo.nc"


def test_stage1_power_form_is_the_papers_law():
    ln_l0, alpha = 1.2, -0.05
    flops = np.array([1e19, 1e21, 1e23])
    paper = flp_loss(flops, c_n(ln_l0, alpha), alpha)  # L = (C / C_N)**alpha
    p = {"ln_l0": ln_l0, "alpha": alpha}
    assert np.exp(stage1_log_loss({"ln_flops": np.log(flops)}, p, "power")) == pytest.approx(paper)
    assert np.exp(stage1_log_loss({"ln_flops": LN_C0}, p, "power")) == pytest.approx(np.exp(1.2))
    irr = stage1_log_loss({"ln_flops": np.log(1e40)}, {**p, "irreducible": 1.7}, "irreducible")
    assert np.exp(irr) == pytest.approx(1.7 + np.exp(ln_l0 + alpha * (np.log(1e40) - LN_C0)))


def test_stage1_chinchilla_form_by_hand():
    # L = E + A / N^a + B / D^b with N = 7e9, D = 4e12; centred at 1e9 and 1e10
    p = {"irreducible": 1.7, "ln_a": -1.0, "alpha_n": 0.34, "ln_b": -0.4, "beta_d": 0.28}
    x = recipe(n_params=7e9, tokens=4e12)
    hand = 1.7 + np.exp(-1.0) * 7.0**-0.34 + np.exp(-0.4) * 400.0**-0.28
    assert np.exp(stage1_log_loss(x, p, "chinchilla")) == pytest.approx(hand, rel=1e-12)
    assert x["ln_flops"] == pytest.approx(np.log(6 * 7e9 * 4e12))
    assert (x["ln_n"] - LN_N0, x["ln_d"] - LN_D0) == pytest.approx((np.log(7), np.log(400)))
    with pytest.raises(ValueError, match="unknown stage-1 form"):
        stage1_log_loss(x, p, "cubic")


def test_stage2_links_and_features():
    assert stage2_accuracy(0.0, 0.25, "logistic") == pytest.approx(0.625)  # midway between chance and 1
    assert stage2_accuracy(-50.0, 0.25, "logistic") == pytest.approx(0.25)  # never below chance
    assert stage2_accuracy(0.7, 0.25, "linear") == pytest.approx(0.7, abs=1e-12)  # the paper's straight line
    edges = stage2_accuracy(np.array([-1.0, 2.0]), 0.25, "linear")  # bent smoothly onto (0.001, 0.999)
    assert edges == pytest.approx([1e-3, 0.999], abs=1e-9)
    slope_near_edge = (stage2_accuracy(0.0031, 0.25, "linear") - stage2_accuracy(0.0030, 0.25, "linear")) / 1e-4
    assert 0.1 < slope_near_edge < 1.0  # not flat as a hard clip would be
    with pytest.raises(ValueError, match="unknown stage-2 link"):
        stage2_accuracy(0.0, 0.25, "cubic")
    basis = {"g0": -2.0, "g1": 1.2, "sd": 0.05}
    feats = stage2_features(np.array([[3.0, 1.65]]), basis)  # code residual (1.65 - (-2 + 3.6)) / 0.05 = 1
    assert feats[0] == pytest.approx([3.0, 1.0])
    assert stage2_features(np.array([[3.0]]), None).tolist() == [[3.0]]


def _values(n: int, tau: float = 0.0, sigma: float = 0.0) -> tuple[dict, dict]:
    values = {
        "ln_l0": np.full((n, 1), 1.2),
        "alpha": np.full((n, 1), -0.05),
        "sigma_loss": np.full((n, 1), sigma),
        "intercept": np.zeros((n, 1)),
        "slope": np.full((n, 1, 1), -4.0),
        "kappa": np.full((n, 1), 400.0),
        "tau_run": np.full((n, 1), tau),
    }
    meta = {"stage1": "power", "stage2": "logistic", "chances": [0.25], "centres": [[3.0]], "variant": "t"}
    return values, meta


def test_chain_by_hand_and_both_stages_widen_it():
    x = recipe(flops=1e22)
    values, meta = _values(4000)
    loss, acc = chain(x, values, meta, seed=1, noise=False)
    l_hand = np.exp(1.2 - 0.05 * (np.log(1e22) - LN_C0))
    acc_hand = 0.25 + 0.75 / (1 + np.exp(4.0 * (l_hand - 3.0)))
    assert loss[:, 0] == pytest.approx(np.full(4000, l_hand))
    assert acc[:, 0] == pytest.approx(np.full(4000, acc_hand))
    spreads = []
    for tau, sigma in ((0.0, 0.0), (0.0, 0.02), (0.3, 0.02)):
        values, meta = _values(4000, tau, sigma)
        _, acc = chain(x, values, meta, seed=1)
        spreads.append(acc.std())
        assert acc.mean() == pytest.approx(acc_hand, abs=0.01)
    assert spreads[0] < spreads[1] < spreads[2]  # Beta noise < + loss noise < + a new run's effect


def test_a_new_runs_slope_widens_its_interval_with_the_distance_in_loss():
    """Linear link, no loss or Beta noise to speak of: a new run's accuracy has sd sqrt(tau_run^2 + (tau_slope d)^2)
    at a distance d in C4 loss from the task's centre."""
    from bayes_perflaw.flp.forms import accuracy_draws

    n = 200_000
    values = {
        "intercept": np.full((n, 1), 0.5),
        "slope": np.full((n, 1, 1), -0.2),
        "tau_run": np.full((n, 1), 0.01),
        "tau_slope": np.full((n, 1), 0.05),
        "kappa": np.full((n, 1), 1e12),
    }
    meta = {"stage2": "linear", "centres": [[3.0]], "chances": [0.25]}
    rng = np.random.default_rng(0)
    for d in (0.0, 0.5, 1.0):
        acc = accuracy_draws(np.full((n, 1), 3.0 + d), 0, values, meta, rng)
        assert acc.mean() == pytest.approx(0.5 - 0.2 * d, abs=1e-3)
        assert acc.std() == pytest.approx(np.hypot(0.01, 0.05 * d), rel=0.02)
    without = accuracy_draws(np.full((n, 1), 4.0), 0, values, meta, rng, noise=False)
    assert without == pytest.approx(np.full(n, 0.3))  # the mean: no new run drawn


def test_logit_normal_noise_is_normal_on_the_log_odds_around_the_mean():
    """``likelihood`` logit_normal: a reported score's log odds are the mean's plus N(0, sigma_acc); the Beta's
    draws, with the same spread in accuracy, are the default (a posterior without ``likelihood``)."""
    from bayes_perflaw.flp.forms import accuracy_draws

    n = 200_000
    values = {"intercept": np.full((n, 1), 0.4), "slope": np.full((n, 1, 1), -2.0), "sigma_acc": np.full((n, 1), 0.2)}
    meta = {"stage2": "logistic", "centres": [[3.0]], "chances": [0.25], "likelihood": "logit_normal"}
    mean = 0.25 + 0.75 / (1 + np.exp(-0.4))  # at the centre
    acc = accuracy_draws(np.full((n, 1), 3.0), 0, values, meta, np.random.default_rng(0))
    log_odds = np.log(acc / (1 - acc))
    assert log_odds.mean() == pytest.approx(np.log(mean / (1 - mean)), abs=2e-3)
    assert log_odds.std() == pytest.approx(0.2, rel=0.01)
    assert np.median(acc) == pytest.approx(mean, abs=1e-3)
    kappa = 1 / (0.2**2 * mean * (1 - mean)) - 1  # Beta sd sqrt(mean (1 - mean) / (kappa + 1)) = 0.2 mean (1 - mean)
    beta = accuracy_draws(
        np.full((n, 1), 3.0), 0, {**values, "kappa": np.full((n, 1), kappa)}, meta | {"likelihood": "beta"},
        np.random.default_rng(0),
    )  # fmt: skip
    assert beta.mean() == pytest.approx(mean, abs=1e-3) and beta.std() == pytest.approx(acc.std(), rel=0.03)
    del meta["likelihood"]
    with pytest.raises(KeyError, match="kappa"):  # no likelihood recorded: the Beta's, which needs kappa
        accuracy_draws(np.full((n, 1), 3.0), 0, values, meta, np.random.default_rng(0))


def test_the_likelihood_is_part_of_the_models_identity_and_priors():
    from bayes_perflaw.flp.model import FLP

    beta, logit = FLP(), FLP(likelihood="logit_normal")
    assert "kappa" in beta.priors and "sigma_acc" not in beta.priors
    assert "sigma_acc" in logit.priors and "kappa" not in logit.priors
    assert "likelihood" not in beta.identity() and logit.identity()["likelihood"] == "logit_normal"
    assert beta.model_id != logit.model_id
    assert FLP.load().model_id == beta.model_id  # the shipped (Beta) posterior keeps its identity
    with pytest.raises(DataError, match=r"unknown likelihood 'binomial': choose from \['beta', 'logit_normal'\]"):
        FLP(likelihood="binomial")


def test_parse_variant():
    v = parse_variant("chinchilla+logistic")
    assert (v.name, v.stage1, v.stage2, v.domains) == ("chinchilla+logistic", "chinchilla", "logistic", ("c4",))
    v = parse_variant("power+linear+code")
    assert (v.stage1, v.stage2, v.domains) == ("power", "linear", ("c4", "code"))
    with pytest.raises(DataError, match="unknown FLP variant 'power'"):
        parse_variant("power")


def _synthetic_ladder(tasks=("t1", "t2")) -> pd.DataFrame:
    """Runs whose losses follow ln L = 1.1 - 0.04 (ln C - ln 1e20) and accuracies 1.6 - 0.4 L exactly."""
    rows = []
    for i, (n, d) in enumerate([(1e8, 2e9), (2e8, 4e9), (4e8, 8e9), (8e8, 2e10), (1.6e9, 3e10)]):
        for step in (100, 500, 1000):
            c = 6 * n * d * step / 1000
            loss = np.exp(1.1 - 0.04 * (np.log(c) - LN_C0))
            for task in tasks:
                rows.append(
                    dict(
                        run=f"r{i}",
                        role="ladder",
                        step=step,
                        n_params=n,
                        tokens=d * step / 1000,
                        flops=c,
                        c4_loss=loss,
                        task=task,
                        accuracy=1.6 - 0.4 * loss,
                        chance=0.25,
                    )  # fmt: skip
                )
    for run, n, d in (("big", 7e9, 4e12),):
        c = 6 * n * d
        loss = np.exp(1.1 - 0.04 * (np.log(c) - LN_C0))
        for task in tasks:
            rows.append(dict(run=run, role="target", step=1, n_params=n, tokens=d, flops=c, c4_loss=loss,
                             task=task, accuracy=0.5, chance=0.25))  # fmt: skip
    return pd.DataFrame(rows)


def test_prepare_keeps_targets_out_and_filters_the_emergent_phase():
    df = _synthetic_ladder()
    df.loc[(df["run"] == "r0") & (df["task"] == "t2"), "accuracy"] = 0.27  # below chance + 5
    data = prepare(df, per_run=2)
    assert "big" not in set(data.stage1["run"]) | set(data.stage2["run"])
    assert len(data.stage1) == 5 and (data.stage1["flops"] == df[df["step"] == 1000]["flops"].unique()).all()
    assert not ((data.stage2["run"] == "r0") & (data.stage2["task"] == "t2")).any()
    assert data.stage2.groupby(["run", "task"]).size().max() == 2  # thinned to per_run
    with pytest.raises(DataError, match="role 'target' are held out"):
        prepare(df, roles=("ladder", "target"))


def test_each_task_is_centred_on_the_mean_or_a_percentile_of_its_losses():
    df = _synthetic_ladder()
    mean, q25 = prepare(df, per_run=2), prepare(df, per_run=2, centre=25)
    for i, task in enumerate(mean.tasks):
        losses = mean.stage2.loc[mean.stage2["task"] == task, "c4_loss"].to_numpy()  # stage 2's feature (nats)
        srt = np.sort(losses)
        pos = 0.25 * (len(srt) - 1)  # linear interpolation between order statistics, by hand
        by_hand = srt[int(pos)] + (pos - int(pos)) * (srt[int(pos) + 1] - srt[int(pos)])
        assert mean.centres[i, 0] == pytest.approx(losses.mean())
        assert q25.centres[i, 0] == pytest.approx(by_hand) and q25.centres[i, 0] < mean.centres[i, 0]
    from bayes_perflaw.flp.model import FLP

    assert FLP().centre == 25.0 and FLP(centre=None).identity() == {"margin": 0.05, "roles": ["ladder"]}
    with pytest.raises(DataError, match=r"column 'centre': must be a percentile in \[0, 100\], got 150"):
        FLP(centre=150)


def test_a_logit_normal_prior_is_a_normal_on_the_log_odds_scale():
    """PyMC gives LogitNormal no default transform (the sampler would start outside (0, 1)): the package samples it
    on the log-odds scale, where its density is exactly Normal(mu, sigma) (the Jacobian cancels)."""
    import pymc as pm
    from scipy import stats

    from bayes_perflaw.core.priors import create_variable, spec

    with pm.Model() as model:
        x = create_variable("floor_frac", spec("LogitNormal", mu=-2.5, sigma=0.75))
    assert model.rvs_to_transforms[x] is not None
    logp = model.compile_logp()
    for u in (-4.0, -2.5, 0.3):
        assert logp({"floor_frac_logodds__": u}) == pytest.approx(stats.norm.logpdf(u, -2.5, 0.75))


def test_the_pooled_run_slope_example_is_a_log_normal_population_across_tasks():
    """examples/flp_pooled_run_slopes.json (README): ln tau_t = m + s z_t, m ~ N(ln 0.3, 1), s ~ HalfNormal(0.3),
    z_t ~ N(0, 1) (non-centred), merged over the default's independent HalfNormal(2): its value and log density at a
    point against the hand-written ones."""
    import pymc as pm
    from scipy import stats

    from bayes_perflaw.core.priors import create_variable, merge, read_overrides
    from bayes_perflaw.flp.model import FLP

    defaults = FLP().priors
    assert defaults["tau_slope"] == {"dist": "HalfNormal", "kwargs": {"sigma": 2.0}}
    priors = merge(defaults, read_overrides(ROOT / "examples" / "flp_pooled_run_slopes.json"))
    with pm.Model(coords={"task": ["a", "b", "c"]}) as model:
        tau = create_variable("tau_slope", priors["tau_slope"], dims="task")
    assert sorted(v.name for v in model.free_RVs) == ["tau_slope_raw_mu", "tau_slope_raw_offset", "tau_slope_raw_sigma"]
    m, ln_s, z = -0.7, np.log(0.2), np.array([-1.0, 0.5, 2.0])
    point = {"tau_slope_raw_mu": m, "tau_slope_raw_sigma_log__": ln_s, "tau_slope_raw_offset": z}
    (tau_of_values,) = model.replace_rvs_by_values([tau])
    value = model.compile_fn(tau_of_values, inputs=model.value_vars, on_unused_input="ignore")(point)
    np.testing.assert_allclose(value, np.exp(m + 0.2 * z), rtol=1e-12)
    by_hand = (
        stats.norm.logpdf(m, np.log(0.3), 1.0)
        + stats.halfnorm.logpdf(0.2, scale=0.3)
        + ln_s  # the log transform's Jacobian
        + stats.norm.logpdf(z).sum()
    )
    assert model.compile_logp()(point) == pytest.approx(by_hand, rel=1e-10)


def test_flp_commands_default_to_the_models_draws():
    from bayes_perflaw.cli.main import build_parser
    from bayes_perflaw.flp.model import FLP

    parser = build_parser()
    assert FLP.sampler_defaults.draws == 2000
    assert parser.parse_args(["flp", "fit"]).draws == 2000
    assert parser.parse_args(["flp", "backtest"]).draws == 2000
    assert parser.parse_args(["fit"]).draws == 1000  # the Performance Law keeps 1,000


def test_least_squares_baseline_recovers_an_exact_law():
    df = _synthetic_ladder()
    out = ls_paper(df, n_boot=20)
    c = 6 * 7e9 * 4e12
    hand = 100 * (1.6 - 0.4 * np.exp(1.1 - 0.04 * (np.log(c) - LN_C0)))
    assert out["pred_mean"].to_numpy() == pytest.approx([hand, hand], abs=1e-6)
    assert out["pred_lo"].to_numpy() == pytest.approx([hand, hand], abs=1e-6)  # exact data: no spread
    assert out["c4_loss"].iloc[0] == pytest.approx(np.exp(1.1 - 0.04 * (np.log(c) - LN_C0)))
    summary = summarise(out)
    assert summary["mae"].iloc[0] == pytest.approx(abs(hand - 50), abs=1e-3)


def test_read_ladder_errors_name_row_and_column(tmp_path):
    df = _synthetic_ladder()
    cases = {
        "flops": (-1.0, "column 'flops': must be > 0"),
        "accuracy": (1.5, "column 'accuracy': must be a fraction in [0, 1]"),
        "c4_loss": (np.nan, "column 'c4_loss': is empty (NaN)"),
    }
    for col, (value, message) in cases.items():
        bad = df.copy()
        bad.loc[3, col] = value
        path = tmp_path / f"bad_{col}.csv"
        bad.to_csv(path, index=False)
        with pytest.raises(DataError, match=r"row 4 \(model 'r0'\), " + re.escape(message)):
            read_ladder(path)
    path = tmp_path / "nocol.csv"
    df.drop(columns="chance").to_csv(path, index=False)
    out = tmp_path / "bt"
    res = run_cli("flp", "backtest", "--data", str(path), "--out", str(out))
    assert res.returncode == 2 and "missing required column 'chance'" in res.stderr
    assert not out.exists()


def test_ladder_tables_rebuild_and_keep_targets_apart():
    shared = ROOT.parent / "shared" / "data"
    if not (shared / "olmo_ladder_peteish").is_dir():
        pytest.skip("shared/ data not beside the checkout")
    mod = load_script("build_flp_data")
    committed = pd.read_csv(LADDER)
    rebuilt = mod.build(shared / "olmo_ladder_peteish")
    assert len(rebuilt) == len(committed) == 9990
    assert np.allclose(rebuilt["accuracy"], committed["accuracy"], rtol=1e-5)
    assert set(committed.loc[committed["role"] == "target", "run"]) == {"7B-4T", "13B-5T"}
    assert committed.loc[committed["run"] == "13B-5T", "tokens"].iloc[0] == pytest.approx(596_057 * 8_388_608)
    assert np.allclose(committed["flops"], 6 * committed["n_params"] * committed["tokens"], rtol=1e-5)
    assert committed["source"].str.startswith("allenai/OLMo@9bc064c").all()
    ai2 = set(committed.loc[committed["ai2_fit"] == 1, "run"])
    assert ai2 == {f"{s}-{m}xC" for s in ("190M", "370M", "760M", "1B") for m in ("1", "2", "5", "10")}
    cut = pd.read_csv(ROOT / "data" / "flp" / "olmo_ladder_to_760m.csv")
    assert set(cut.loc[cut["role"] == "target", "run"]) == {"1B-5xC", "1B-10xC", "3B-5xC", "3B-10xC"}
    assert cut.loc[cut["role"] == "ladder", "run"].str.match(r"(190M|370M|760M)-").all()
    pd.testing.assert_frame_equal(cut, mod.truncated(rebuilt).astype(cut.dtypes.to_dict()), rtol=1e-5)
    gadre = mod.build_gadre(shared / "gadre_overtraining_scaling")
    for corpus, df in gadre.items():
        committed = pd.read_csv(ROOT / "data" / "flp" / f"gadre_{corpus}.csv")
        assert len(df) == len(committed) and df["task"].nunique() == 46
        assert np.allclose(df["c4_loss"], committed["c4_loss"], rtol=1e-5)
        assert (committed.loc[committed["role"] == "target", "n_params"] > 1e9).all()


def test_shipped_flp_posterior_matches_its_data():
    card = json.loads(SHIPPED.with_suffix(".json").read_text())
    assert card["data_hash"] == file_hash(LADDER), "refit the shipped FLP posterior: make models"
    draws = load_draws(SHIPPED, kind="flp")
    assert draws.meta["variant"] == "chinchilla+logistic" and draws.meta["diagnostics"]["converged"]
    assert draws.values["slope"].shape == (8000, 10, 1) and (draws.values["slope"] < 0).all()  # 4 chains x 2,000


def test_cli_flp_predict(tmp_path):
    out = tmp_path / "p.csv"
    res = run_cli("flp", "predict", "--params", "7B", "--tokens", "4T", "--task", "mmlu_rc", "--task", "piqa_rc",
                  "--output", str(out))  # fmt: skip
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out)
    assert got["task"].tolist() == ["mmlu_rc", "piqa_rc"]
    assert got["metric"].str.startswith("ranked classification (RC: each answer's text scored), 5-shot").all()
    assert (got["pred_lo"] < got["pred_mean"]).all() and (got["pred_mean"] < got["pred_hi"]).all()
    assert (got["pred_lo"] > got["chance"]).all() and got["flops"].iloc[0] == pytest.approx(6 * 7e9 * 4e12)
    assert (got["floor"] > got["chance"]).all() and (got["floor"] < got["pred_lo"]).all()  # a floor learned per task
    narrow = run_cli("flp", "predict", "--params", "7B", "--tokens", "4T", "--task", "mmlu_rc", "--no-noise",
                     "--output", str(tmp_path / "n.csv"))  # fmt: skip
    assert narrow.returncode == 0
    n = pd.read_csv(tmp_path / "n.csv")
    assert (n["pred_hi"] - n["pred_lo"]).iloc[0] < (got["pred_hi"] - got["pred_lo"]).iloc[0]
    errors = {
        ("--flops", "1e23"): "needs parameters and tokens, not FLOPs alone",
        ("--params", "7B"): "--params needs --tokens too",
        ("--params", "7B", "--tokens", "4X"): "unknown unit 'X'",
        ("--params", "7B", "--tokens", "4T", "--task", "gsm8k"): "unknown task 'gsm8k'",
        ("--params", "7B", "--tokens", "4T", "--task", "mmlu"): "option --task: ambiguous task 'mmlu': choose from "
        "mmlu_rc: ranked classification (RC: each answer's text scored), 5-shot, length-normalised accuracy, val "
        "split, mean of its 4 subject groups (none of them is the 5-shot multiple-choice MMLU, the Performance Law's "
        "(`bayes-perflaw predict`))",
        ("--flops", "lots"): "argument --flops: must be a finite number in (0, 1e+35], got 'lots'",
        ("--params", "7B", "--tokens", "4T", "--posterior", str(ROOT / "models" / "perflaw.nc")): "kind 'perflaw'",
    }
    for args, message in errors.items():
        res = run_cli("flp", "predict", *args)
        assert res.returncode == 2 and message in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_flp_predict_never_imports_pymc(tmp_path):
    assert heavy_imports(["flp", "predict", "--params", "7B", "--tokens", "4T"], tmp_path) == []


@pytest.mark.slow
def test_flp_fit_then_backtest_reuses_the_posterior(tmp_path):
    """Really samples (a 3-task slice of the ladder, 2 chains x 300): fit -> file -> backtest from it."""
    df = pd.read_csv(LADDER)
    small = tmp_path / "ladder.csv"
    df[df["task"].isin(["mmlu_rc", "piqa_rc", "hellaswag_rc"])].to_csv(small, index=False)
    post = tmp_path / "flp.nc"
    fit = run_cli("flp", "fit", "--data", str(small), "--out", str(post), "--chains", "2", "--draws", "300",
                  "--tune", "300", "--no-progress")  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert "stage 1: 25 final checkpoints" in fit.stdout and "LOO stage2" in fit.stdout
    assert "r_hat max" in fit.stdout
    meta = load_draws(post, kind="flp").meta
    assert meta["tasks"] == ["hellaswag_rc", "mmlu_rc", "piqa_rc"] and meta["data_hash"] == file_hash(small)
    assert all(m.startswith("ranked classification") for m in meta["metrics"])
    out = tmp_path / "bt"
    bt = run_cli("flp", "backtest", "--data", str(small), "--posterior", str(post), "--out", str(out), "--boot", "50")
    assert bt.returncode == 0, bt.stderr
    assert "using" in bt.stdout  # no second fit
    table = pd.read_csv(out / "flp_targets.csv")
    assert {"target", "task", "actual", "pred_mean", "pred_lo", "pred_hi"} <= set(table.columns)
    assert len(table) == 2 * 2 * 3  # (Bayesian, least squares) x 2 targets x 3 tasks
    assert table["actual"].notna().all() and (table["pred_lo"] <= table["pred_hi"]).all()
    bayes = table[table["method"].str.startswith("bayes")]
    assert ((bayes["actual"] - bayes["pred_mean"]).abs() < 15).all()


def test_stage1_samples_at_a_higher_target_accept_and_stage2_keeps_the_fits():
    from bayes_perflaw.core.sampling import SamplerConfig
    from bayes_perflaw.flp.model import FLP

    model, config = FLP(), SamplerConfig(target_accept=0.95)
    assert model.stage_config("stage1", config).target_accept == 0.99
    assert model.stage_config("stage2", config) is config
    higher = SamplerConfig(target_accept=0.995)  # a user's higher setting is kept
    assert model.stage_config("stage1", higher).target_accept == 0.995


def test_summary_gives_median_width_and_scores_without_boolq():
    """Three tasks of one target, by hand: errors 1, 3, 8 (BoolQ), widths 4, 6, 20; BoolQ outside its interval."""
    table = pd.DataFrame(
        {
            "method": "m",
            "target": "7B",
            "task": ["arc_rc", "piqa_rc", "boolq_rc"],
            "actual": [50.0, 80.0, 85.0],
            "pred_mean": [51.0, 77.0, 77.0],
            "pred_lo": [48.0, 75.0, 60.0],
            "pred_hi": [52.0, 81.0, 80.0],
        }
    )
    s = summarise(table).iloc[0]
    assert s["mae"] == pytest.approx(4.0) and s["width"] == pytest.approx(10.0) and s["median_width"] == 6.0
    assert s["coverage"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["mae_no_boolq"] == pytest.approx(2.0) and s["coverage_no_boolq"] == 1.0
    assert "mae_no_boolq" not in summarise(table.iloc[:2]).columns  # no BoolQ, no such columns
