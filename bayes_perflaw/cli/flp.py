"""``bayes-perflaw flp fit|predict|backtest``: the Bayesian FLP on a model ladder.

``fit`` and a ``backtest`` that has to refit import PyMC; ``predict`` and a backtest from a saved
posterior use NumPy and h5py only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import (
    add_sampling_flags,
    check_written_in,
    emit,
    fit_and_save,
    overrides_from_args,
    priors_file_errors,
    sampler_kwargs,
    variant_list,
)
from bayes_perflaw.core.errors import DataError

DEFAULT_MARGIN = 0.05


def default_ladder() -> Path:
    from bayes_perflaw.core.paths import data_dir

    return data_dir() / "flp" / "olmo_ladder.csv"


def default_flp_posterior() -> Path:
    from bayes_perflaw.core.paths import models_dir

    return models_dir() / "flp-olmo.nc"


def _roles(text: str) -> tuple[str, ...]:
    """The comma-separated --roles, each a role of the ladder schema (an unknown one would fit nothing)."""
    from bayes_perflaw.flp.ladder import ROLES

    roles = tuple(r.strip() for r in text.split(",") if r.strip())
    for role in roles:
        if role not in ROLES:
            raise DataError(f"unknown role {role!r}; roles are {list(ROLES)}", column="--roles")
    return roles


def _options(args: argparse.Namespace) -> dict:
    """The FLP options the fitting commands share: emergent margin, roles fitted, stage 2's likelihood."""
    return {"margin": args.margin, "roles": _roles(args.roles), "likelihood": args.likelihood}


def cmd_flp_fit(args: argparse.Namespace) -> int:
    from bayes_perflaw.flp.ladder import read_ladder
    from bayes_perflaw.flp.model import FLP

    with priors_file_errors(args):
        model = FLP(args.variant, overrides_from_args(args), **_options(args))
        model.check_priors()
    return fit_and_save(model, read_ladder(args.data), args, args.data, args.out, "flp fit")


def cmd_flp_predict(args: argparse.Namespace) -> int:
    from bayes_perflaw.flp.model import FLP
    from bayes_perflaw.flp.predict import predict_recipe, recipe_from_sizes, select_tasks

    try:
        x = recipe_from_sizes(args.params, args.tokens, args.flops)
    except DataError as err:
        raise DataError(err.detail, source="command line", column=err.column) from None
    draws = FLP.load(args.posterior).draws
    table = predict_recipe(draws.values, draws.meta, x, prob=args.prob, seed=args.seed, noise=not args.no_noise)
    if args.task:
        table = select_tasks(table, args.task)
    table.insert(0, "flops", float(np.exp(x["ln_flops"])))
    print(
        f"FLP {draws.meta['variant']} ({args.posterior.name}); accuracy in %, {args.prob:.0%} interval of a "
        + ("reported score" if not args.no_noise else "mean accuracy (no evaluation noise)")
    )
    columns = ["task", "chance", "floor", "task_bpb", "c4_loss", "code_loss", "pred_mean", "pred_lo", "pred_hi"]
    emit(table, args.output, columns)
    if args.output is None and "metric" in table:  # what the accuracies measure (the names carry it too)
        for metric, g in table[table["metric"] != ""].groupby("metric", sort=False):
            print(f"  {', '.join(g['task'])}: {metric}")
    return 0


def cmd_flp_backtest(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.outputs import atomic_write, write_csv
    from bayes_perflaw.flp.backtest import backtest_markdown, run_backtest
    from bayes_perflaw.flp.model import FLP

    if args.refit and Path(args.posterior) != Path(default_flp_posterior()):
        raise DataError("--refit samples every variant anew and reads no posterior: drop one", column="--posterior")
    with priors_file_errors(args):
        overrides = overrides_from_args(args)
        variants = variant_list(args.variants, lambda v: FLP(v, overrides, **_options(args)))
        for v in variants:
            FLP(v, overrides, **_options(args)).check_priors()
    check_written_in(args, args.out, ("flp_targets.csv", "flp_summary.csv", "flp_backtest.md"), flag="--out")
    table, summary, fits = run_backtest(
        args.data,
        variants,
        prob=args.prob,
        seed=args.seed,
        boot=args.boot,
        margin=args.margin,
        roles=_roles(args.roles),
        posterior=args.posterior,
        refit=args.refit,
        priors=overrides_from_args(args),
        sampler=sampler_kwargs(args),
        likelihood=args.likelihood,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(table.round(3), out / "flp_targets.csv")
    write_csv(summary, out / "flp_summary.csv")
    text = backtest_markdown(summary, fits, args.data.name, args.prob)
    atomic_write(out / "flp_backtest.md", lambda tmp: tmp.write_text(text))
    with pd.option_context("display.width", 200):
        print(summary.to_string(index=False))
    print(f"wrote {out / 'flp_targets.csv'}, {out / 'flp_summary.csv'} and {out / 'flp_backtest.md'}")
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.flp.model import DEFAULT_LIKELIHOOD, DEFAULT_VARIANT, FLP, LIKELIHOODS

    flp = sub.add_parser("flp", help="FLP: FLOPs -> loss -> benchmark accuracy, fitted on a model ladder")
    fsub = flp.add_subparsers(dest="flp_command", required=True, metavar="{fit,predict,backtest}")
    variant_help = (
        f"STAGE1+STAGE2[+code|+task]: stage 1 power|irreducible|chinchilla, stage 2 linear|logistic, +code = FLP-M, "
        f"+task = each task through its own loss "
        f"(default {DEFAULT_VARIANT})"
    )

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data", type=at.input_file, default=default_ladder(), help="ladder table (default: OLMo-2 ladder)"
        )
        add_sampling_flags(p, draws=FLP.sampler_defaults.draws)
        p.add_argument(
            "--margin",
            type=at.number(0.0, 1.0, hi_open=True),
            default=DEFAULT_MARGIN,
            help="emergent phase: accuracy > chance + this (a fraction, default 0.05)",
        )
        p.add_argument(
            "--roles", default="ladder", help="comma-separated roles to fit (never 'target'; default ladder)"
        )
        p.add_argument(
            "--likelihood",
            choices=list(LIKELIHOODS),
            default=DEFAULT_LIKELIHOOD,
            help="stage 2's noise around the link: beta (precision kappa per task) or logit_normal (normal on the "
            f"accuracy's log odds, scale sigma_acc per task); default {DEFAULT_LIKELIHOOD}",
        )

    p = fsub.add_parser("fit", help="sample both stages and save the posterior")
    common(p)
    p.add_argument("--variant", default=DEFAULT_VARIANT, help=variant_help)
    p.add_argument("--out", type=at.output_file, default=str(default_flp_posterior()))
    p.add_argument("--strict", action="store_true", help="exit 1 and write nothing if the fit did not converge")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_flp_fit)

    p = fsub.add_parser("predict", help="accuracy per task for a recipe (parameters and tokens, or FLOPs)")
    p.add_argument("--posterior", type=at.input_file, default=default_flp_posterior())
    p.add_argument("--params", type=at.size_text("params"), help="parameters, e.g. 7B")
    p.add_argument("--tokens", type=at.size_text("tokens"), help="training tokens, e.g. 4T")
    p.add_argument(
        "--flops",
        type=at.number(0.0, 1e35, lo_open=True),
        help="training FLOPs (6 N D), e.g. 1.6e23 (power/irreducible stage 1 only)",
    )
    p.add_argument("--task", action="append", help="only this task (repeatable); names carry the metric, e.g. mmlu_rc")
    p.add_argument("--prob", type=at.probability, default=0.9)
    p.add_argument("--no-noise", action="store_true", help="interval of the mean accuracy, without evaluation noise")
    p.add_argument("--seed", type=at.seed, default=0)
    p.add_argument("--output", type=at.output_csv, help="CSV to write ('-': standard output; default: a table)")
    p.set_defaults(func=cmd_flp_predict)

    p = fsub.add_parser("backtest", help="fit on the ladder, predict the held-out targets; Bayesian vs least squares")
    common(p)
    p.add_argument("--variants", default=DEFAULT_VARIANT, help=f"comma-separated; each {variant_help}")
    p.add_argument(
        "--posterior",
        type=at.input_file,
        default=default_flp_posterior(),
        help="reuse this posterior when it was fitted to --data with the same variant (default: shipped)",
    )
    p.add_argument("--refit", action="store_true", help="always sample, even when a matching posterior exists")
    p.add_argument(
        "--boot", type=at.integer(1, 100_000), default=1000, help="bootstrap replicates of the least squares"
    )
    p.add_argument("--prob", type=at.probability, default=0.9)
    p.add_argument("--out", type=at.output_dir, default="reports/flp")
    p.set_defaults(func=cmd_flp_backtest)
