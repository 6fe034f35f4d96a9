"""The ``bayes-perflaw`` command line.

Every user error (bad table, bad unit, bad posterior file) is one line on stderr and exit code 2;
no traceback, and no output file is left behind (outputs are written atomically at the end).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_perflaw import __version__
from bayes_perflaw.core.errors import BayesPerflawError, DataError
from bayes_perflaw.core.units import parse_size

EXIT_USER_ERROR = 2


# --- recipes from the command line ----------------------------------------------------------


def _size_flag(value: str | None, kind: str, flag: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_size(value, kind, bare_in_unit=False)
    except DataError as err:
        raise DataError(err.detail, source="command line", column=flag) from None


def recipe_from_args(args: argparse.Namespace) -> pd.DataFrame | None:
    """One recipe row (strings, as read from a CSV) from flags or --hf-config; None if neither."""
    from bayes_perflaw.perflaw.hf_config import load_config, recipe_from_config

    tokens = _size_flag(args.tokens, "tokens", "--tokens")
    params = _size_flag(args.params, "params", "--params")
    active = _size_flag(args.active_params, "params", "--active-params")
    if args.hf_config:
        rec = recipe_from_config(load_config(args.hf_config), source=str(args.hf_config))
        rec["params_estimated"] = params is None
        name = Path(args.hf_config).parent.name or "config"
    elif args.layers is not None or args.hidden is not None:
        rec = {
            "num_hidden_layers": args.layers,
            "hidden_size": args.hidden,
            "intermediate_size": args.ffn,
            "moe_intermediate_size": args.moe_ffn,
            "shared_intermediate_size": args.shared_ffn,
            "num_experts": args.experts,
            "num_experts_per_tok": args.experts_per_tok,
            "ffn_gated": not args.plain_ffn,
        }
        name = "recipe"
    else:
        return None
    rec["model"] = args.model or name
    rec["tokens_T"] = tokens
    if params is not None:
        rec["params_B"] = params
    if active is not None:
        rec["active_params_B"] = active
    row = {k: ("" if v is None else str(v)) for k, v in rec.items()}
    return pd.DataFrame([row])


def _add_recipe_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("one recipe (instead of --input)")
    g.add_argument("--hf-config", type=Path, help="a Hugging Face config.json (dense or MoE)")
    g.add_argument("--model", help="name for the recipe row")
    g.add_argument("--layers", type=int, help="transformer layers N")
    g.add_argument("--hidden", type=int, help="hidden size h")
    g.add_argument("--ffn", type=int, help="dense FFN size d (intermediate_size)")
    g.add_argument("--tokens", help="training tokens with a unit: 15T, 15e12, 300B")
    g.add_argument("--params", help="total parameters with a unit: 8B, 70.6B, 405e9, 135M")
    g.add_argument("--plain-ffn", action="store_true", help="non-gated FFN (2 matrices, d ~ 4h)")
    g.add_argument("--experts", type=int, help="MoE: routed experts")
    g.add_argument("--experts-per-tok", type=int, help="MoE: routed experts per token")
    g.add_argument("--moe-ffn", type=int, help="MoE: width of one routed expert")
    g.add_argument("--shared-ffn", type=int, help="MoE: total width of shared experts")
    g.add_argument("--active-params", help="MoE: activated parameters with a unit")


def load_recipes(args: argparse.Namespace, *, require_mmlu: bool = False) -> tuple[pd.DataFrame, str]:
    """Validated recipes from --input or from the recipe flags, and a name for messages."""
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.perflaw.schema import validate

    row = recipe_from_args(args)
    if args.input is not None and row is not None:
        raise DataError("give either --input or a single recipe (flags / --hf-config), not both")
    if args.input is not None:
        source = str(args.input)
        raw = read_table(args.input)
    elif row is not None:
        source = str(args.hf_config) if args.hf_config else "command line"
        raw = row
    else:
        raise DataError("nothing to predict: give --input FILE.csv, --hf-config FILE or --layers/--hidden/... flags")
    return validate(raw, source=source, require_law_inputs=True, require_mmlu=require_mmlu), source


def emit(df: pd.DataFrame, output: Path | None, columns: Sequence[str]) -> None:
    """Write ``df`` to ``output`` atomically, or print the chosen columns as a table."""
    from bayes_perflaw.core.tables import write_csv

    if output is not None:
        write_csv(df, output)
        print(f"wrote {len(df)} rows to {output}")
        return
    show = [c for c in columns if c in df.columns]
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        print(df[show].to_string(index=False, float_format=lambda v: f"{v:.2f}"))


# --- sub-commands -----------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated

    df = read_validated(args.path, require_law_inputs=False)
    gaps = law_gaps(df)
    print(f"{args.path}: {len(df)} rows valid; {int((gaps == '').sum())} have every input of the law")
    for model, gap in zip(df["model"], gaps, strict=True):
        if gap:
            print(f"  {model}: lacks {gap}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Predictions next to reported scores for a reference table, with the error (and coverage)."""
    from bayes_perflaw.perflaw.predict import predict_bayes, predict_paper
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated

    df = read_validated(args.data, require_law_inputs=False)
    gaps = law_gaps(df)
    usable = (gaps == "") & df["mmlu"].notna()
    for model, gap in zip(df["model"][~usable], gaps[~usable], strict=True):
        print(f"skipped {model}: lacks {gap or 'mmlu'}")
    table = df[usable].reset_index(drop=True)
    if args.law == "paper":
        out, what = predict_paper(table, gamma=args.gamma), f"published law (gamma={args.gamma:g})"
    else:
        from bayes_perflaw.core.posterior import load_draws

        post = load_draws(args.posterior)
        out = predict_bayes(table, post)
        what = f"Bayesian law ({post.meta.get('variant')}, in-sample where the table is its fit data)"
    out["error"] = out["mmlu_mean"] - out["mmlu"]
    emit(out, args.output, ["model", "release", "mmlu", "mmlu_mean", "mmlu_lo", "mmlu_hi", "error"])
    err = out["error"].to_numpy()
    line = f"{what} on {len(out)} models: MAE {np.mean(np.abs(err)):.2f}, bias {np.mean(err):+.2f} points"
    if args.law == "bayes":
        inside = (out["mmlu"] >= out["mmlu_lo"]) & (out["mmlu"] <= out["mmlu_hi"])
        line += f", 90 % interval coverage {inside.mean():.2f}"
    print(line + " (prediction - reported)")
    return 0


def _mapping(args: argparse.Namespace):
    """The benchmark-mapping posterior for --benchmark (None for MMLU)."""
    if args.benchmark == "mmlu":
        return None
    from bayes_perflaw.core.paths import mapping_posterior
    from bayes_perflaw.core.posterior import load_draws

    return load_draws(args.map_posterior or mapping_posterior(args.benchmark), kind="map")


def cmd_predict(args: argparse.Namespace) -> int:
    if not np.isfinite(args.gamma) or args.gamma <= 0:
        raise DataError(f"must be a positive number, got {args.gamma}", source="command line", column="--gamma")
    df, _ = load_recipes(args)
    mapping = _mapping(args)
    cols = ["model", "mmlu", "mmlu_mean", "mmlu_median", "mmlu_lo", "mmlu_hi"]
    if mapping is not None:
        from bayes_perflaw.benchmarks.mapping import column

        prefix = column(args.benchmark)
        cols = ["model", "mmlu_median", f"{prefix}_mean", f"{prefix}_median", f"{prefix}_lo", f"{prefix}_hi"]
    if args.law == "paper":
        from bayes_perflaw.perflaw.predict import predict_paper, predict_paper_mapped

        if mapping is None:
            out = predict_paper(df, gamma=args.gamma)
        else:
            out = predict_paper_mapped(df, args.gamma, mapping, args.prob, args.seed)
    else:
        from bayes_perflaw.core.posterior import load_draws
        from bayes_perflaw.perflaw.predict import predict_bayes

        post = load_draws(args.posterior)
        out = predict_bayes(df, post, prob=args.prob, noise=not args.no_noise, seed=args.seed, mapping=mapping)
        kind = "reported score" if not args.no_noise else "law mean (no observation noise)"
        if args.output is None:
            print(
                f"# Bayesian law ({post.meta.get('variant')}, {post.n_draws} draws from {args.posterior}); "
                f"{args.prob:.0%} equal-tailed interval for the {kind}"
            )
    if mapping is not None and args.output is None:
        print(
            f"# {args.benchmark.upper()} through the {mapping.meta['variant']} mapping "
            f"({mapping.n_draws} draws): intervals carry the MMLU and the mapping uncertainty"
        )
    emit(out, args.output, cols)
    return 0


def cmd_screen(args: argparse.Namespace) -> int:
    """Flag reported scores that do not fit their recipe."""
    from bayes_perflaw.benchmarks.mapping import column
    from bayes_perflaw.perflaw.schema import law_gaps, read_validated
    from bayes_perflaw.screening.screen import screen_table, screen_table_mapped

    if not 0 < args.threshold < 1:
        raise DataError(f"must be in (0, 1), got {args.threshold}", column="--threshold")
    score = "mmlu" if args.benchmark == "mmlu" else column(args.benchmark)
    if args.refit and score != "mmlu":
        raise DataError(
            "--refit fits the mixture on MMLU scores; screen other benchmarks with the shipped posterior",
            column="--benchmark",
        )
    source = str(args.input)
    df = read_validated(args.input, require_law_inputs=False)
    if score not in df.columns:
        raise DataError(
            f"missing required column {score!r} (the reported score to screen)", source=source, column=score
        )
    gaps = law_gaps(df)
    lacking = [g or (score if pd.isna(m) else "") for g, m in zip(gaps, df[score], strict=True)]
    for i, (model, gap) in enumerate(zip(df["model"], lacking, strict=True)):
        if gap:
            print(f"skipped row {i + 1} ({model}): lacks {gap}")
    table = df[[g == "" for g in lacking]].reset_index(drop=True)
    if table.empty:
        raise DataError(f"no row has every input of the law and a {score} score", source=source)
    if args.refit:
        post = _refit_mixture(table, args)
    else:
        from bayes_perflaw.core.posterior import load_draws

        post = load_draws(args.posterior)
    if score == "mmlu":
        out = screen_table(
            table, post, prob=args.prob, threshold=args.threshold, in_sample=True if args.refit else None
        )
    else:
        out = screen_table_mapped(table, post, _mapping(args), prob=args.prob, threshold=args.threshold)
    flagged = out[out["flag"] != ""]
    print(
        f"screened {len(out)} rows on {score}: {int((out['flag'] == 'high').sum())} high, "
        f"{int((out['flag'] == 'low').sum())} low (two-sided tail probability < {args.threshold:g})"
    )
    for _, r in flagged.iterrows():
        print(
            f"  {r['flag'].upper():4s} {r['model']}: reported {r[score]:.1f}, predicted {r[f'{score}_median']:.1f} "
            f"[{r[f'{score}_lo']:.1f}, {r[f'{score}_hi']:.1f}], p_high {r['p_high']:.2f}, p_low {r['p_low']:.2f}, "
            f"tail {r['tail_prob']:.3f}: {r['explanation']}"
        )
    emit(
        out,
        args.output,
        ["model", score, f"{score}_median", f"{score}_lo", f"{score}_hi", "p_high", "p_low", "tail_prob", "flag"],
    )
    return 0


def _refit_mixture(table: pd.DataFrame, args: argparse.Namespace):
    """Fit the screening mixture to the user's own table (era_mix if every row has a release date)."""
    from bayes_perflaw.core.posterior import draws_from_idata
    from bayes_perflaw.perflaw.model import fit
    from bayes_perflaw.perflaw.priors import prior_config

    dated = "release" in table.columns and table["release"].astype(str).str.len().gt(0).all()
    variant = "era_mix" if dated else "plain_mix"
    print(f"refitting the screening mixture ({variant}) to {len(table)} rows of {args.input}")
    idata, meta, _ = fit(
        table,
        variant=variant,
        priors=prior_config("paper"),
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
    )
    from bayes_perflaw.core.diagnostics import describe

    print(describe(meta["diagnostics"]))
    return draws_from_idata(idata, meta)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML diagnostic report of a posterior."""
    from bayes_perflaw.core.posterior import load_draws
    from bayes_perflaw.report.html import write_report

    load_draws(args.posterior)  # refuse a missing or corrupt file before importing ArviZ
    index = write_report(args.posterior, args.out)
    print(f"wrote {index} (open it in a browser); tables as CSV beside it")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Rank architectures and token counts under a compute budget."""
    from bayes_perflaw.core.tables import csv_appender
    from bayes_perflaw.perflaw.plan import Grid, budget_flops, plan, thin

    flops = budget_flops(args.flops, gpus=args.gpus, tflops=args.tflops, mfu=args.mfu, days=args.days)
    tok = [
        _size_flag(v, "tokens", f)
        for v, f in (
            (args.tokens_min, "--tokens-min"),
            (args.tokens_max, "--tokens-max"),
            (args.tokens_step, "--tokens-step"),
        )
    ]
    lo_p = _size_flag(args.min_params, "params", "--min-params") if args.min_params else 0.0
    hi_p = _size_flag(args.max_params, "params", "--max-params") if args.max_params else float("inf")
    if lo_p > hi_p:
        raise DataError(f"--min-params {args.min_params} exceeds --max-params {args.max_params}", column="--min-params")
    if args.layers_min < 1 or args.layers_min > args.layers_max:
        raise DataError(
            f"need 1 <= --layers-min <= --layers-max, got {args.layers_min}..{args.layers_max}", column="--layers-min"
        )
    grid = Grid(
        hidden=(args.hidden_min, args.hidden_max, args.hidden_step),
        ffn_multiple=args.ffn_multiple,
        layers=(args.layers_min, args.layers_max),
        authors_layer_rule=not args.all_layers,
        tokens=(tok[0], tok[1], tok[2]),
        head_dim=args.head_dim,
        kv_heads=args.kv_heads,
        vocab=args.vocab,
        tied_embeddings=args.tied_embeddings,
    )
    post = None
    if args.law == "bayes":
        from bayes_perflaw.core.posterior import load_draws

        post = thin(load_draws(args.posterior), args.draws)
    show_bar = not args.no_progress and sys.stderr.isatty()

    def progress(it):
        if not show_bar:
            return it
        from tqdm import tqdm

        return tqdm(it, desc="plans", unit="chunk", total=None)

    common = dict(
        post=post,
        mapping=_mapping(args),
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


def _priors(args: argparse.Namespace) -> dict:
    from bayes_perflaw.perflaw.priors import prior_config, read_overrides

    return prior_config(args.prior_preset, read_overrides(args.priors) if args.priors else None)


def cmd_fit(args: argparse.Namespace) -> int:
    from bayes_perflaw.perflaw.backtest import fit_to_file

    if args.skip_if_current and _posterior_is_current(args.out, args.data):
        print(f"{args.out} is current (fitted to this {args.data.name}, same hash): loading it, not refitting")
        return 0

    meta = fit_to_file(
        args.data,
        args.out,
        variant=args.variant,
        priors=_priors(args),
        sampler=args.sampler,
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        progress=not args.no_progress,
        strict=args.strict,
    )
    return strict_status(meta, args.strict, "fit")


def strict_status(meta: dict, strict: bool, command: str) -> int:
    """Exit status of a fit: 1 (with a line on stderr) when ``--strict`` and it did not converge, else 0."""
    if strict and not meta["diagnostics"]["converged"]:
        print(f"bayes-perflaw {command}: --strict: the fit did not converge (see above); exit code 1", file=sys.stderr)
        return 1
    return 0


def _posterior_is_current(path: Path, data: Path) -> bool:
    from bayes_perflaw.core.errors import PosteriorFileError
    from bayes_perflaw.core.posterior import file_hash, load_draws

    try:
        return Path(path).is_file() and load_draws(path).meta.get("data_hash") == file_hash(data)
    except PosteriorFileError:
        return False


def cmd_backtest(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.tables import atomic_write, write_csv
    from bayes_perflaw.perflaw.backtest import backtest, backtest_markdown, holdout_check

    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    sampling = dict(sampler=args.sampler, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed)
    if args.holdout:
        metrics, preds = holdout_check(args.data, args.holdout, variants=variants, priors=_priors(args), **sampling)
    else:
        metrics, preds = backtest(args.data, args.split_date, variants=variants, priors=_priors(args), **sampling)
    settings = (
        f"Bayesian fits: {args.sampler}, {args.chains} chains x {args.draws} draws, seed {args.seed}, "
        f"prior preset {args.prior_preset!r}."
    )
    text = backtest_markdown(metrics, preds, args.split_date, settings, holdout=str(args.holdout or ""))
    print(text.split("## Per model")[0].rstrip())
    atomic_write(args.out, lambda tmp: tmp.write_text(text))
    write_csv(metrics, Path(args.out).with_suffix(".csv"))
    print(f"wrote {args.out} and {Path(args.out).with_suffix('.csv')}")
    return 0


def _add_benchmark_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--benchmark",
        choices=["mmlu", "mmlu-pro", "bbh"],
        default="mmlu",
        help="also predict this benchmark through the shipped MMLU mapping (default mmlu)",
    )
    p.add_argument("--map-posterior", type=Path, help="benchmark-mapping posterior (default: shipped)")


def _add_sampler_flags(p: argparse.ArgumentParser) -> None:
    from bayes_perflaw.core.paths import reference_table
    from bayes_perflaw.perflaw.model import SAMPLERS
    from bayes_perflaw.perflaw.priors import PRESETS

    p.add_argument("--data", type=Path, default=reference_table(), help="reference table (default: bundled)")
    p.add_argument("--sampler", choices=SAMPLERS, default="nutpie", help="NUTS backend (default nutpie)")
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1, help="same seed + same data -> same posterior")
    p.add_argument("--prior-preset", choices=sorted(PRESETS), default="paper")
    p.add_argument("--priors", type=Path, help="JSON of prior overrides merged over the preset")


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from bayes_perflaw.core.paths import default_posterior, reference_table, screening_posterior
    from bayes_perflaw.perflaw.mean import DEFAULT_VARIANT, VARIANTS
    from bayes_perflaw.perflaw.predict import DEFAULT_SEED

    parser = argparse.ArgumentParser(
        prog="bayes-perflaw",
        description="Predict LLM benchmark scores from architecture and training budget, with uncertainty.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="""examples:
  bayes-perflaw predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15T --params 8B
  bayes-perflaw predict --input recipes.csv --output predictions.csv --benchmark mmlu-pro
  bayes-perflaw screen --input claims.csv --output flags.csv
  bayes-perflaw plan --gpus 1024 --tflops 376 --mfu 0.4 --days 30 --min-params 10B --max-params 100B
  bayes-perflaw report --posterior models/perflaw.nc --out reports/perflaw
  bayes-perflaw flp predict --params 7B --tokens 4T --task mmlu
  bayes-perflaw flp backtest --out reports/flp

Bad input: one line on stderr naming file, row and column; exit code 2; no output file.""",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a recipe/reference table and list rows with gaps")
    p.add_argument("path", type=Path, nargs="?", default=reference_table())
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("evaluate", help="predictions vs reported scores on a reference table")
    p.add_argument("--data", type=Path, default=reference_table())
    p.add_argument("--law", choices=["bayes", "paper"], default="bayes", help="Bayesian posterior (default) or paper")
    p.add_argument("--posterior", type=Path, default=default_posterior(), help="posterior file (default: shipped)")
    p.add_argument("--gamma", type=float, default=1.0, help="precision loss for --law paper (default 1)")
    p.add_argument("--output", type=Path, help="CSV to write (default: print)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="predict MMLU for recipes (CSV, flags or HF config)")
    p.add_argument("--input", type=Path, help="CSV of recipes (see data/README.md for columns)")
    p.add_argument("--output", type=Path, help="CSV to write (default: print a table)")
    p.add_argument(
        "--law", choices=["bayes", "paper"], default="bayes", help="Bayesian posterior (default) or published law"
    )
    p.add_argument("--posterior", type=Path, default=default_posterior(), help="posterior file (default: shipped)")
    p.add_argument("--prob", type=float, default=0.9, help="interval probability (default 0.9)")
    p.add_argument("--no-noise", action="store_true", help="interval for the law's mean, without evaluation noise")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the predictive draws")
    p.add_argument("--gamma", type=float, default=1.0, help="precision loss for --law paper (default 1)")
    _add_benchmark_flags(p)
    _add_recipe_flags(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("fit", help="sample the Bayesian Performance Law and save the posterior")
    _add_sampler_flags(p)
    p.add_argument("--variant", choices=sorted(VARIANTS), default=DEFAULT_VARIANT)
    p.add_argument("--out", type=Path, default=default_posterior(), help="posterior netCDF to write")
    p.add_argument("--strict", action="store_true", help="exit code 1 (and no file) if the fit does not converge")
    p.add_argument("--skip-if-current", action="store_true", help="do nothing if --out was fitted to this --data")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("screen", help="flag reported scores that do not fit their recipe (contamination / instability)")
    p.add_argument("--input", type=Path, required=True, help="CSV of recipes with a reported mmlu per row")
    p.add_argument("--output", type=Path, help="CSV to write (default: print a table)")
    p.add_argument("--posterior", type=Path, default=screening_posterior(), help="mixture posterior (default: shipped)")
    p.add_argument("--threshold", type=float, default=0.05, help="flag when the two-sided tail probability is below")
    p.add_argument("--prob", type=float, default=0.9, help="interval probability (default 0.9)")
    p.add_argument("--refit", action="store_true", help="fit the mixture to this table instead of the shipped one")
    p.add_argument("--chains", type=int, default=4, help="--refit: chains")
    p.add_argument("--draws", type=int, default=1000, help="--refit: draws")
    p.add_argument("--tune", type=int, default=1000, help="--refit: tuning steps")
    p.add_argument("--seed", type=int, default=1, help="--refit: seed")
    _add_benchmark_flags(p)
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("report", help="write a self-contained HTML diagnostic report of a posterior")
    p.add_argument("--posterior", type=Path, default=default_posterior(), help="posterior file (default: shipped)")
    p.add_argument("--out", type=Path, default=Path("reports/perflaw"), help="folder for index.html and CSVs")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("plan", help="best architecture and data size for a compute budget, under uncertainty")
    b = p.add_argument_group("budget: --flops, or all of --gpus --tflops --mfu --days")
    b.add_argument("--flops", type=float, help="training FLOPs available (cost = 6 S T)")
    b.add_argument("--gpus", type=float)
    b.add_argument("--tflops", type=float, help="peak BF16 TFLOPS per GPU")
    b.add_argument("--mfu", type=float, help="model FLOPs utilisation, a fraction (0.4 = 40 %%)")
    b.add_argument("--days", type=float)
    g = p.add_argument_group("grid (default: the authors' planner grid, about 152,000 plans)")
    g.add_argument("--min-params", help="smallest model, with a unit (e.g. 10B)")
    g.add_argument("--max-params", help="largest model, with a unit (e.g. 100B)")
    g.add_argument("--layers-min", type=int, default=20)
    g.add_argument("--layers-max", type=int, default=99)
    g.add_argument("--all-layers", action="store_true", help="every depth, not only 6 and 7 mod 8 as the authors")
    g.add_argument("--hidden-min", type=int, default=2048)
    g.add_argument("--hidden-max", type=int, default=16384)
    g.add_argument("--hidden-step", type=int, default=1024)
    g.add_argument("--ffn-multiple", type=int, default=4096, help="keep FFN sizes that are multiples of this")
    g.add_argument("--tokens-min", default="1T")
    g.add_argument("--tokens-max", default="20T", help="excluded, as in the authors' tool")
    g.add_argument("--tokens-step", default="0.5T")
    g.add_argument("--head-dim", type=int, default=128, help="parameter count: KV head dimension")
    g.add_argument("--kv-heads", type=int, default=8, help="parameter count: KV heads")
    g.add_argument("--vocab", type=int, default=150_000, help="parameter count: vocabulary")
    g.add_argument("--tied-embeddings", action="store_true", help="parameter count: tie input/output embeddings")
    p.add_argument(
        "--target", type=float, default=75.0, help="target score for P(score >= target), on --benchmark's scale"
    )
    p.add_argument("--rank", choices=["expected", "prob-target", "shallow"], default="expected")
    p.add_argument("--top", type=int, default=20, help="plans to print")
    p.add_argument("--output", type=Path, help="CSV of every plan within budget and bounds")
    p.add_argument("--law", choices=["bayes", "paper"], default="bayes")
    p.add_argument("--posterior", type=Path, default=default_posterior())
    p.add_argument("--draws", type=int, default=1000, help="posterior draws used (thinned evenly)")
    p.add_argument("--prob", type=float, default=0.9, help="interval probability")
    p.add_argument("--no-noise", action="store_true", help="the law's mean, without evaluation noise")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-progress", action="store_true")
    _add_benchmark_flags(p)
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("backtest", help="fit before a date, predict after: paper law vs bootstrap vs variants")
    _add_sampler_flags(p)
    p.add_argument("--split-date", default="2024-04", help="YYYY-MM (default 2024-04)")
    p.add_argument(
        "--holdout",
        type=Path,
        help="instead of a date split: fit on all of --data, predict this table of later models "
        "(e.g. data/post_table_models.csv)",
    )
    p.add_argument(
        "--variants",
        default="plain,era,era_org",
        help=f"comma-separated, of {', '.join(VARIANTS)} (default: not mixtures)",
    )
    p.add_argument("--out", type=Path, default=Path("reports/backtest.md"))
    p.set_defaults(func=cmd_backtest)

    from bayes_perflaw.cli.flp import add_flp_parser

    add_flp_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    # PyTensor's advice to install BLAS via conda is noise here (sampling uses nutpie/numba)
    warnings.filterwarnings("ignore", message=r"(?s).*PyTensor is installed via pip.*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BayesPerflawError as err:
        print(f"bayes-perflaw {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR


if __name__ == "__main__":
    sys.exit(main())
