"""``bayes-perflaw plan``: the best architecture and data size for a compute budget, under uncertainty."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.cli.common import (
    add_benchmark_flags,
    check_interval_draws,
    mapping_from_args,
    refuse_posterior_with_paper_law,
)
from bayes_perflaw.core.errors import DataError

MAX_PLANS = 10_000_000  # about 10 minutes with 1,000 draws on two cores (reports/benchmarks.md)


def cmd_plan(args: argparse.Namespace) -> int:
    """Rank architectures and token counts under a compute budget."""
    refuse_posterior_with_paper_law(args)
    if args.law == "bayes":
        check_interval_draws(args.draws, args.prob)
    from bayes_perflaw.core.outputs import csv_appender
    from bayes_perflaw.perflaw.plan import Grid, budget_flops, plan
    from bayes_perflaw.perflaw.predict import thin

    flops = budget_flops(args.flops, gpus=args.gpus, tflops=args.tflops, mfu=args.mfu, days=args.days)
    tok = (args.tokens_min, args.tokens_max, args.tokens_step)
    lo_p = args.min_params if args.min_params is not None else 0.0
    hi_p = args.max_params if args.max_params is not None else float("inf")
    if lo_p > hi_p:
        raise DataError(f"--min-params {args.min_params} exceeds --max-params {args.max_params}", column="--min-params")
    if args.hidden_min > args.hidden_max:
        raise DataError(
            f"need --hidden-min <= --hidden-max, got {args.hidden_min}..{args.hidden_max}", column="--hidden-min"
        )
    if args.layers_min < 1 or args.layers_min > args.layers_max:
        raise DataError(
            f"need 1 <= --layers-min <= --layers-max, got {args.layers_min}..{args.layers_max}", column="--layers-min"
        )
    grid = Grid(
        hidden=(args.hidden_min, args.hidden_max, args.hidden_step),
        ffn_multiple=args.ffn_multiple,
        layers=(args.layers_min, args.layers_max),
        authors_layer_rule=not args.all_layers,
        tokens=tok,
        head_dim=args.head_dim,
        kv_heads=args.kv_heads,
        vocab=args.vocab,
        tied_embeddings=args.tied_embeddings,
    )
    n_plans = grid.size()
    if n_plans > args.max_plans:
        raise DataError(
            f"the grid has {n_plans:,} plans, more than --max-plans {args.max_plans:,}: coarsen the grid "
            "(--tokens-step, --hidden-step, layer range) or raise --max-plans",
            column="--max-plans",
        )
    post = None
    if args.law == "bayes":
        from bayes_perflaw.perflaw.model import PerformanceLaw

        post = thin(PerformanceLaw.load(args.posterior).draws, args.draws)
    show_bar = not args.no_progress and sys.stderr.isatty()

    def progress(it):
        if not show_bar:
            return it
        from tqdm import tqdm

        return tqdm(it, desc="plans", unit="chunk", total=None)

    common = dict(
        post=post,
        mapping=mapping_from_args(args),
        target=args.target,
        prob=args.prob,
        min_params_B=lo_p,
        max_params_B=hi_p,
        noise=not args.no_noise,
        seed=args.seed,
        top=args.top,
        rank=args.rank,
        progress=progress,
    )
    if args.output is not None:
        with csv_appender(args.output) as append:
            best, total, kept = plan(grid, flops, sink=append, **common)
    else:
        best, total, kept = plan(grid, flops, **common)
    law = f"Bayesian law ({post.meta.get('variant')}, {post.n_draws} draws)" if post is not None else "published law"
    bench = "MMLU" if args.benchmark == "mmlu" else args.benchmark.upper()
    print(
        f"budget {flops:.3g} FLOPs; {total:,} plans scanned, {kept:,} within budget and size bounds; {law}; "
        f"ranked by {args.rank}; scores are {bench}; P({bench} >= {args.target:g}); {args.prob:.0%} intervals"
    )
    if best.empty:
        print("no plan fits the budget and bounds")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(best.to_string(index=False, formatters={"flops": "{:.3g}".format}, float_format=lambda v: f"{v:.2f}"))
    if args.output is not None:
        print(f"wrote {kept:,} plans to {args.output}")
    return 0


def add_parser(sub) -> None:
    from bayes_perflaw.core.paths import default_posterior

    count = at.integer(1)
    p = sub.add_parser("plan", help="best architecture and data size for a compute budget, under uncertainty")
    b = p.add_argument_group("budget: --flops, or all of --gpus --tflops --mfu --days")
    b.add_argument("--flops", type=at.number(0.0, 1e35, lo_open=True), help="training FLOPs available (cost = 6 S T)")
    b.add_argument("--gpus", type=at.positive)
    b.add_argument("--tflops", type=at.positive, help="peak BF16 TFLOPS per GPU")
    b.add_argument("--mfu", type=at.number(0.0, 1.0, lo_open=True), help="model FLOPs utilisation, a fraction (0.4)")
    b.add_argument("--days", type=at.positive)
    g = p.add_argument_group("grid (default: the authors' planner grid, about 152,000 plans)")
    g.add_argument("--min-params", type=at.size_value("params"), help="smallest model, with a unit (e.g. 10B)")
    g.add_argument("--max-params", type=at.size_value("params"), help="largest model, with a unit (e.g. 100B)")
    g.add_argument("--layers-min", type=count, default=20)
    g.add_argument("--layers-max", type=count, default=99)
    g.add_argument("--all-layers", action="store_true", help="every depth, not only 6 and 7 mod 8 as the authors")
    g.add_argument("--hidden-min", type=count, default=2048)
    g.add_argument("--hidden-max", type=count, default=16384)
    g.add_argument("--hidden-step", type=count, default=1024)
    g.add_argument("--ffn-multiple", type=count, default=4096, help="keep FFN sizes that are multiples of this")
    tokens = at.size_value("tokens")
    g.add_argument("--tokens-min", type=tokens, default="1T")
    g.add_argument("--tokens-max", type=tokens, default="20T", help="excluded, as in the authors' tool")
    g.add_argument("--tokens-step", type=tokens, default="0.5T")
    g.add_argument("--head-dim", type=count, default=128, help="parameter count: KV head dimension")
    g.add_argument("--kv-heads", type=count, default=8, help="parameter count: KV heads")
    g.add_argument("--vocab", type=count, default=150_000, help="parameter count: vocabulary")
    g.add_argument("--tied-embeddings", action="store_true", help="parameter count: tie input/output embeddings")
    g.add_argument(
        "--max-plans",
        type=count,
        default=MAX_PLANS,
        help=f"refuse a grid of more plans than this before scanning (default {MAX_PLANS:,})",
    )
    p.add_argument(
        "--target", type=at.percent, default=75.0, help="target score for P(score >= target), on --benchmark's scale"
    )
    p.add_argument("--rank", choices=["expected", "prob-target", "shallow"], default="expected")
    p.add_argument("--top", type=count, default=20, help="plans to print")
    p.add_argument("--output", type=at.output_csv, help="CSV of every plan within budget and bounds ('-': stdout)")
    p.add_argument("--law", choices=["bayes", "paper"], default="bayes")
    p.add_argument("--posterior", type=at.input_file, default=default_posterior())
    p.add_argument("--draws", type=count, default=1000, help="posterior draws used (thinned evenly)")
    p.add_argument("--prob", type=at.probability, default=0.9, help="interval probability")
    p.add_argument("--no-noise", action="store_true", help="the law's mean, without evaluation noise")
    p.add_argument("--seed", type=at.seed, default=0)
    p.add_argument("--no-progress", action="store_true")
    add_benchmark_flags(p)
    p.set_defaults(func=cmd_plan)
