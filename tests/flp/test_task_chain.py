"""The task-loss chain (variants ``STAGE1+STAGE2+task``): each task through its own loss (bits per byte)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from bayes_perflaw.flp.forms import TASK_CHAIN, chain, recipe, stage2_accuracy
from bayes_perflaw.flp.ladder import prepare, read_ladder
from bayes_perflaw.flp.model import FLP, parse_variant

LADDER = ROOT / "data" / "flp" / "olmo_ladder.csv"


def test_task_variant_parses_to_the_task_domain():
    v = parse_variant("chinchilla+logistic+task")
    assert (v.stage1, v.stage2, v.domains) == ("chinchilla", "logistic", TASK_CHAIN)
    pri = FLP("chinchilla+logistic+task").priors
    assert {"alpha_n_mu", "alpha_n_sd", "beta_d_mu", "beta_d_sd", "ceiling"} <= set(pri)
    assert "alpha_n" not in pri  # pooled: built from the population's mean and spread


def test_stage1_holds_each_runs_final_task_losses_and_stage2_its_own_loss():
    df = read_ladder(LADDER)
    data = prepare(df, domains=TASK_CHAIN)
    assert data.loss_names == data.tasks and data.task_chain
    fit = df[df["role"] == "ladder"]
    for _, row in data.stage1.sample(5, random_state=0).iterrows():
        g = fit[fit["run"] == row["run"]]
        last = g[g["step"] == g["step"].max()].set_index("task")["task_bpb"]
        for t in data.tasks:
            assert row[f"bpb:{t}"] == pytest.approx(last[t])
    assert data.losses(data.stage1).shape == (len(data.stage1), len(data.tasks))
    assert np.allclose(data.features[:, 0], data.stage2["task_bpb"])  # stage 2: the row's own task loss
    assert set(data.stage1["run"]) == set(fit["run"])


def test_stage2_ceiling_by_hand():
    # chance 0.25, ceiling 0.85: sigmoid(0) = 1/2 -> 0.25 + 0.6 / 2 = 0.55; eta = ln 3 -> 0.25 + 0.6 * 3/4 = 0.7
    assert stage2_accuracy(0.0, 0.25, "logistic", ceiling=0.85) == pytest.approx(0.55)
    assert stage2_accuracy(np.log(3.0), 0.25, "logistic", ceiling=0.85) == pytest.approx(0.70)


def test_chain_pushes_each_task_through_its_own_loss_draws():
    n, tasks = 400, ["a", "b"]
    values = {
        "irreducible": np.full((n, 2), 0.5),
        "ln_a": np.full((n, 2), -1.0),
        "alpha_n": np.full((n, 2), 0.3),
        "ln_b": np.full((n, 2), -1.0),
        "beta_d": np.full((n, 2), 0.3),
        "sigma_loss": np.full((n, 2), 1e-9),
        "intercept": np.zeros((n, 2)),
        "slope": np.stack([np.full((n, 2), -4.0)], axis=-1),
        "ceiling": np.full((n, 2), 0.9),
        "kappa": np.full((n, 2), 1e9),
    }
    meta = {"stage1": "chinchilla", "stage2": "logistic", "domains": ["task"], "tasks": tasks}
    meta |= {"chances": [0.25, 0.5], "centres": [[1.0], [0.8]]}
    x = recipe(n_params=1e9, tokens=1e10)
    losses, acc = chain(x, values, meta, seed=0, noise=False)
    bpb = 0.5 + np.exp(-1.0) + np.exp(-1.0)  # N = 1e9, D = 1e10: both terms e^-1
    assert losses[0] == pytest.approx([bpb, bpb], rel=1e-6)
    expect = [0.25 + 0.65 / (1 + np.exp(4.0 * (bpb - 1.0))), 0.5 + 0.4 / (1 + np.exp(4.0 * (bpb - 0.8)))]
    assert acc[0] == pytest.approx(expect, rel=1e-6)


@pytest.mark.filterwarnings("ignore:The effect of Potentials")
@pytest.mark.parametrize(
    ("variant", "likelihood"),
    [("chinchilla+logistic+task", "beta"), ("chinchilla+logistic", "beta"), ("chinchilla+logistic", "logit_normal")],
)
def test_pymc_likelihood_equals_numpy_loglik_at_a_prior_draw(variant, likelihood):
    """Both stages, with the run effects' levels and slopes: PyMC's log-likelihood = the NumPy one used for LOO
    (the logit-normal's PyMC density is of the log odds: the NumPy one adds the Jacobian -ln(y (1 - y)))."""
    pm = pytest.importorskip("pymc")
    from bayes_perflaw.flp.model import observed_accuracy

    model = FLP(variant, likelihood=likelihood)
    df = read_ladder(LADDER)
    small = df[df["run"].isin(sorted(df["run"].unique())[:8]) | (df["role"] == "target")]
    data = model.prepare(small)
    total_pymc, total_numpy = 0.0, 0.0
    values = {}
    for m in model.stages(data).values():
        with m:
            prior = pm.sample_prior_predictive(1, random_seed=5).prior
        values.update({k: prior[k].values[0] for k in prior.data_vars})
        done = pm.do(m, {rv.name: values[rv.name][0] for rv in m.free_RVs})
        total_pymc += float(done.compile_fn(done.logp(vars=done.observed_RVs, jacobian=False), inputs=[])({}))
    assert data.run_effects and "run_slope" in values  # the run slopes are part of the comparison
    if likelihood == "logit_normal":
        y = observed_accuracy(data)
        total_pymc -= float(np.log(y * (1 - y)).sum())
    total_numpy = sum(float(v.sum()) for v in model.loglik(data, values).values())
    assert np.isfinite(total_numpy) and total_numpy == pytest.approx(total_pymc, rel=1e-8)


def test_task_names_carry_their_metric_and_a_stem_is_refused_as_ambiguous():
    import pandas as pd

    from bayes_perflaw.core.errors import DataError
    from bayes_perflaw.flp.predict import select_tasks

    df = read_ladder(LADDER)
    assert df["task"].str.endswith("_rc").all() and (df["metric"].str.len() > 0).all()
    assert df.groupby("task")["metric"].nunique().max() == 1  # one metric per task
    table = pd.DataFrame({"task": ["arc_easy_rc", "arc_easy_mc", "piqa_rc"], "metric": ["RC 5-shot", "MC 5-shot", ""]})
    assert select_tasks(table, ["piqa_rc", "arc_easy_mc"])["task"].tolist() == ["arc_easy_mc", "piqa_rc"]
    with pytest.raises(DataError, match=r"ambiguous task 'arc_easy': choose from arc_easy_rc: RC 5-shot; arc_easy_mc"):
        select_tasks(table, ["arc_easy"])
    with pytest.raises(DataError, match=r"unknown task 'gsm8k'; this posterior has \['arc_easy_rc'"):
        select_tasks(table, ["gsm8k"])
