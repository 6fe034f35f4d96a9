"""Stage 2's logistic link sampled in the coordinates its checkpoints identify, with the shipped priors kept exactly:
reports/flp/anchors.md.

Session 21 reparametrised each task's link by its anchors (the accuracy at the task's centre loss, its drop per nat
there, the floor's share of the way from chance to it) with priors of their own, and dropped it: its gains on the
full ladder came from those priors, and they failed the short ladders (ARCHITECTURE). What was left to separate is
the geometry. Here the free parameters are the same anchors on unconstrained scales, per task,

    u_acc = logit A,  u_drop = ln drop,  u_share = logit S,

A the accuracy at the centre as a fraction of (chance, 1), drop its fall per nat, S the floor's share, and the
density is the shipped priors on (intercept, k, floor_frac) times the Jacobian. The map is one to one onto
R x R+ x (0, 1):

    floor_frac = S A,   intercept = logit A + ln(1 - S),   k = drop (1 - S A) / ((1 - chance) A (1 - A) (1 - S)),
    |det d(intercept, k, floor_frac) / d(u_acc, u_drop, u_share)| = k A S (1 - S A)

(``jacobian_logdet``; the test in tests/flp/test_anchor_experiment.py checks it by finite differences). So the
posterior is the shipped model's; only the sampler's geometry changes. Configurations: the shipped stage 2, the
anchored one, and the anchored one with the run-slope scales pooled (the README's prior file for long ladders),
whose failure to mix on the ladder truncated at 760M started this. Variant chinchilla+logistic, 4 x 2,000 draws,
seed 1, both ladders of scripts/flp_experiment.py. Run: ``python scripts/flp_anchor_experiments.py`` (~20 min).
"""

from __future__ import annotations

import numpy as np

from bayes_perflaw.flp import model as fm

# the shipped priors written out (constants dropped): a test ties them to FLP's default priors
INTERCEPT_SD = 2.0  # Normal(0, 2)
K_SD = 5.0  # HalfNormal(5)
FLOOR_MU, FLOOR_SD = -2.5, 0.75  # LogitNormal(-2.5, 0.75) on floor_frac


def link_from_anchors(u_acc, u_drop, u_share, chance, xp=np):
    """(intercept, k, floor_frac) of the logistic link from the anchors' unconstrained coordinates (per task)."""
    a = 1.0 / (1.0 + xp.exp(-u_acc))
    s = 1.0 / (1.0 + xp.exp(-u_share))
    intercept = xp.log(a) - xp.log1p(-a) + xp.log1p(-s)
    k = xp.exp(u_drop) * (1.0 - s * a) / ((1.0 - chance) * a * (1.0 - a) * (1.0 - s))
    return intercept, k, s * a


def jacobian_logdet(u_acc, u_drop, u_share, chance, xp=np):
    """ln |det d(intercept, k, floor_frac) / d(u_acc, u_drop, u_share)| = ln(k A S (1 - S A))."""
    a = 1.0 / (1.0 + xp.exp(-u_acc))
    s = 1.0 / (1.0 + xp.exp(-u_share))
    _, k, _ = link_from_anchors(u_acc, u_drop, u_share, chance, xp=xp)
    return xp.log(k) + xp.log(a) + xp.log(s) + xp.log1p(-s * a)


def shipped_log_prior(intercept, k, floor_frac, xp=np):
    """The shipped priors' log density on (intercept, k, floor_frac), up to a constant."""
    logit_f = xp.log(floor_frac) - xp.log1p(-floor_frac)
    return (
        -0.5 * (intercept / INTERCEPT_SD) ** 2
        - 0.5 * (k / K_SD) ** 2
        - xp.log(floor_frac)
        - xp.log1p(-floor_frac)
        - 0.5 * ((logit_f - FLOOR_MU) / FLOOR_SD) ** 2
    )


def build_stage2_anchored(data: fm.FlpData, priors: dict):
    """The shipped stage 2 (Beta likelihood, learned floor, run effects in level and slope) with the link's three
    per-task parameters sampled as anchors; ``intercept``, ``k``, ``floor_frac``, ``floor`` and ``slope`` are
    deterministic under the shipped names, so the package's prediction reads the draws unchanged."""
    import pymc as pm
    import pytensor.tensor as pt

    from bayes_perflaw.core.priors import create_variable

    t_idx = data.task_idx
    with pm.Model(coords={"task": data.tasks, "feature": list(data.domains), "run": data.runs}) as model:
        u = [pm.Flat(name, dims="task") for name in ("u_acc", "u_drop", "u_share")]
        intercept, k, frac = link_from_anchors(*u, data.chances, xp=pt)
        intercept = pm.Deterministic("intercept", intercept, dims="task")
        k = pm.Deterministic("k", k, dims="task")
        frac = pm.Deterministic("floor_frac", frac, dims="task")
        density = shipped_log_prior(intercept, k, frac, xp=pt) + jacobian_logdet(*u, data.chances, xp=pt)
        pm.Potential("prior", density.sum())
        floor = pm.Deterministic("floor", data.chances + (1.0 - data.chances) * frac, dims="task")
        slope = pm.Deterministic("slope", pt.stack([-k], axis=-1), dims=("task", "feature"))
        kappa = create_variable("kappa", priors["kappa"], dims="task")
        eta = intercept[t_idx] + pt.sum(slope[t_idx] * (data.features - data.centres[t_idx]), axis=-1)
        level, slope_term = fm.run_effects(data, priors)
        eta = eta + level + slope_term
        mean = pt.clip(fm.stage2_accuracy(eta, floor[t_idx], "logistic", xp=pt), 1e-4, 1 - 1e-4)
        y = fm.observed_accuracy(data)
        pm.Beta("stage2", alpha=mean * kappa[t_idx], beta=(1 - mean) * kappa[t_idx], observed=y)
    return model


class AnchoredFLP(fm.FLP):
    """FLP (chinchilla+logistic, Beta likelihood) whose stage 2 is :func:`build_stage2_anchored`."""

    def stages(self, data: fm.FlpData) -> dict:
        return {
            "stage1": fm.build_stage1(data, self.variant.stage1, self.priors),
            "stage2": build_stage2_anchored(data, self.priors),
        }


def main() -> None:
    from flp_experiment import elpd_diff_cell, fit_cell, run_configs, write_report
    from flp_run_scale_experiments import POOLED_EXAMPLE

    configs = [
        ("shipped stage 2", {}),
        ("anchored, exact change of variables", {"model": AnchoredFLP}),
        ("anchored, run-slope scales pooled", {"model": AnchoredFLP, "priors": {"tau_slope": POOLED_EXAMPLE}}),
    ]
    out = run_configs(configs)
    write_report(
        "anchors",
        "FLP's logistic link sampled by its anchors (exact change of variables)",
        __doc__.split("\n\n")[0].replace("\n", " ")
        + " Stage-2 elpd difference from the first row of its ladder, paired, with its standard error.",
        out,
        [("Δ elpd (se)", elpd_diff_cell), ("fit", fit_cell), ("steps per draw", lambda r: f"{r['steps2']:.0f}")],
    )


if __name__ == "__main__":
    main()
