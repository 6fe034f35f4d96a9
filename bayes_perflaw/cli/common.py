"""Helpers shared by several ``bayes-perflaw`` sub-commands: output, exit status and the flag groups.

Light on imports: the library modules a helper needs are imported inside it, so ``predict`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.core.errors import DataError

EXIT_USER_ERROR = 2


# --- output and exit status -------------------------------------------------------------------


def emit(df: pd.DataFrame, output: Path | None, columns: Sequence[str]) -> None:
    """Write ``df`` to ``output`` atomically, or print the chosen columns as a table."""
    from bayes_perflaw.core.outputs import write_csv

    if output is not None:
        write_csv(df, output)
        if str(output) != "-":
            print(f"wrote {len(df)} rows to {output}")
        return
    show = [c for c in columns if c in df.columns]
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        print(df[show].to_string(index=False, float_format=lambda v: f"{v:.2f}"))


@contextmanager
def progress_bar(total: int, unit: str, *, enabled: bool = True, minimum: int = 20_000):
    """Yield ``step(n)`` advancing a progress bar on stderr when it is a terminal and the job is big enough."""
    if not (enabled and total >= minimum and sys.stderr.isatty()):
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit=unit, unit_scale=True, file=sys.stderr) as bar:
        yield bar.update


def strict_status(meta: dict, strict: bool, command: str) -> int:
    """Exit status of a fit: 1 (with a line on stderr) when ``--strict`` and it did not converge, else 0."""
    if strict and not meta["diagnostics"]["converged"]:
        print(f"bayes-perflaw {command}: --strict: the fit did not converge (see above); exit code 1", file=sys.stderr)
        return 1
    return 0


# --- recipes from the command line ----------------------------------------------------------


def add_recipe_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("one recipe (instead of --input)")
    count = at.integer(1)
    g.add_argument("--hf-config", type=at.input_file, help="a Hugging Face config.json (dense or MoE)")
    g.add_argument("--model", help="name for the recipe row")
    g.add_argument("--layers", type=count, help="transformer layers N")
    g.add_argument("--hidden", type=count, help="hidden size h")
    g.add_argument("--ffn", type=count, help="dense FFN size d (intermediate_size)")
    g.add_argument("--tokens", type=at.size_text("tokens"), help="training tokens with a unit: 15T, 15e12, 300B")
    g.add_argument("--params", type=at.size_text("params"), help="total parameters with a unit: 8B, 405e9, 135M")
    g.add_argument("--plain-ffn", action="store_true", help="non-gated FFN (2 matrices, d ~ 4h)")
    g.add_argument("--experts", type=at.integer(2), help="MoE: routed experts (at least 2)")
    g.add_argument("--experts-per-tok", type=count, help="MoE: routed experts per token")
    g.add_argument("--moe-ffn", type=count, help="MoE: width of one routed expert")
    g.add_argument("--shared-ffn", type=at.integer(0), help="MoE: total width of shared experts")
    g.add_argument("--active-params", type=at.size_text("params"), help="MoE: activated parameters with a unit")
    g.add_argument(
        "--release",
        type=at.month,
        help="release month YYYY-MM, or a date YYYY-MM-DD read as its month (era effect; default: one step past "
        "the data)",
    )
    g.add_argument(
        "--organization",
        help="developer (organisation effect of era_org; default: the population's; a variant without organisation "
        "effects, such as the default, says so in organization_effect)",
    )


FLAG_OF_COLUMN = {
    "num_hidden_layers": "--layers",
    "hidden_size": "--hidden",
    "intermediate_size": "--ffn",
    "moe_intermediate_size": "--moe-ffn",
    "shared_intermediate_size": "--shared-ffn",
    "num_experts": "--experts",
    "num_experts_per_tok": "--experts-per-tok",
    "tokens_T": "--tokens",
    "params_B": "--params",
    "active_params_B": "--active-params",
}


# every flag of the one-recipe group, and the architecture flags an --hf-config replaces
RECIPE_FLAGS = {
    "hf_config": "--hf-config",
    "model": "--model",
    "layers": "--layers",
    "hidden": "--hidden",
    "ffn": "--ffn",
    "tokens": "--tokens",
    "params": "--params",
    "plain_ffn": "--plain-ffn",
    "experts": "--experts",
    "experts_per_tok": "--experts-per-tok",
    "moe_ffn": "--moe-ffn",
    "shared_ffn": "--shared-ffn",
    "active_params": "--active-params",
    "release": "--release",
    "organization": "--organization",
}
ARCHITECTURE_FLAGS = ("layers", "hidden", "ffn", "plain_ffn", "experts", "experts_per_tok", "moe_ffn", "shared_ffn")
MOE_ONLY_FLAGS = ("experts_per_tok", "moe_ffn", "shared_ffn", "active_params")


def _given(args: argparse.Namespace, dests) -> list[str]:
    """The recipe flags among ``dests`` that were given, as typed."""
    return [RECIPE_FLAGS[d] for d in dests if getattr(args, d, None) not in (None, False)]


def check_recipe_flags(args: argparse.Namespace) -> None:
    """Refuse recipe flags that would be ignored: any of them beside --input (a table's rows carry their own
    columns), architecture flags beside --hf-config (the config is the architecture), and MoE flags on a recipe
    without --experts (a dense one)."""
    if getattr(args, "input", None) is not None:
        for flag in _given(args, RECIPE_FLAGS):
            raise DataError(
                "give either --input or a single recipe (flags / --hf-config), not both: with --input each row "
                "carries its own columns",
                column=flag,
            )
    if getattr(args, "hf_config", None) is not None:
        for flag in _given(args, ARCHITECTURE_FLAGS):
            raise DataError(f"the architecture comes from --hf-config {args.hf_config}: drop {flag}", column=flag)
    elif getattr(args, "experts", None) is None:
        for flag in _given(args, MOE_ONLY_FLAGS):
            raise DataError("describes a mixture of experts: give --experts as well (or drop it)", column=flag)


def _check_against_count(text: str | None, counted: float, column: str, config) -> None:
    """A --params / --active-params given beside an --hf-config must agree with the count of the config's
    architecture (billions) within the reference table's tolerance: a size that does not add up moves the
    prediction, and ``data add`` refuses the same pair."""
    from bayes_perflaw.core.units import parse_size
    from bayes_perflaw.perflaw.checks import TOLERANCE

    if text is None:
        return
    stated = parse_size(text, "params", bare_in_unit=False)
    if abs(stated - counted) > TOLERANCE * stated:
        flag = FLAG_OF_COLUMN[column]
        raise DataError(
            f"{text} but the architecture of --hf-config {config} counts {counted:.4g} B ({counted / stated - 1:+.0%}; "
            f"more than {TOLERANCE:.0%} apart): drop {flag} to use the count, or fix it",
            column=flag,
        )


def recipe_from_args(args: argparse.Namespace) -> pd.DataFrame | None:
    """One recipe row from flags or --hf-config (None if neither), as a CSV would give it: sizes keep the text
    typed (``15T``), after checking that it reads as a size, so that the value is converted once."""
    from bayes_perflaw.perflaw.hf_config import config_model_name, load_config, recipe_from_config

    sizes = {"tokens_T": args.tokens, "params_B": args.params, "active_params_B": args.active_params}
    if args.hf_config:
        cfg = load_config(args.hf_config)
        rec = recipe_from_config(cfg, source=str(args.hf_config))
        rec["params_estimated"] = args.params is None
        if args.active_params is not None and rec.get("active_params_B") is None:
            raise DataError(
                f"--hf-config {args.hf_config} describes a dense model: drop --active-params", column="--active-params"
            )
        if args.tokens is None:  # the one input a config cannot hold
            raise DataError(f"--hf-config {args.hf_config} gives the architecture; add --tokens", column="--tokens")
        name = config_model_name(cfg, args.hf_config)
        for column in ("params_B", "active_params_B"):  # estimates, replaced below by --params / --active-params
            if rec.get(column) is not None:
                _check_against_count(sizes[column], rec[column], column, args.hf_config)
                rec[column] = f"{rec[column]:.6g}"  # billions (a bare number in a _B column)
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
    rec["release"] = args.release
    rec["organization"] = args.organization
    for column, text in sizes.items():
        if text is not None:
            rec[column] = text  # checked by the flag's type (argtypes.size); the table reads the unit
        elif column == "tokens_T":
            rec[column] = None
    row = {k: ("" if v is None else str(v)) for k, v in rec.items()}
    return pd.DataFrame([row])


def load_recipes(args: argparse.Namespace, *, require_mmlu: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Recipes from --input or from the recipe flags: (validated table, the cells as read, name for messages)."""
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.perflaw.schema import validate

    check_recipe_flags(args)
    row = recipe_from_args(args)
    if args.input is not None:
        source = str(args.input)
        raw = read_table(args.input)
    elif row is not None:
        source = str(args.hf_config) if args.hf_config else "command line"
        raw = row
    else:
        raise DataError(
            "nothing to predict: give --input FILE.csv, --hf-config FILE or --layers/--hidden/... flags",
            column="--input",
        )
    if row is not None and not args.hf_config:
        with flag_errors(FLAG_OF_COLUMN, source):
            table = validate(raw, source=source, require_law_inputs=True, require_mmlu=require_mmlu)
    else:
        table = validate(raw, source=source, require_law_inputs=True, require_mmlu=require_mmlu)
    return table, raw, source


def variant_list(text: str, make) -> list[str]:
    """The comma-separated ``--variants``, each checked by ``make(name)`` (a model constructor) before any work."""
    names = [v.strip() for v in str(text).split(",") if v.strip()]
    if not names:
        raise DataError("give at least one variant", column="--variants")
    for name in names:
        if names.count(name) > 1:
            raise DataError(f"variant {name!r} is listed twice", column="--variants")
    for name in names:
        try:
            make(name)
        except DataError as err:
            raise DataError(err.detail, column="--variants") from None
    return names


@contextmanager
def flag_errors(columns: dict[str, str], source: str):
    """Errors about a recipe built from flags name the flag (``--params``), not the table column."""
    try:
        yield
    except DataError as err:
        if err.source == source and err.column in columns:
            raise DataError(err.detail, source=source, row=None, column=columns[err.column]) from None
        raise


def check_interval_draws(draws: int, prob: float) -> None:
    """Refuse --draws too few to put a draw in each tail of the --prob interval (n (1 - prob) / 2 >= 1): with
    fewer, its ends are the extreme draws (one draw: an interval of width 0 called 90 %)."""
    import math

    least = math.ceil(2.0 / (1.0 - prob) - 1e-9)
    if draws < least:
        raise DataError(
            f"{draws} draws leave no draw in the tails of a {prob:g} interval: give at least {least}", column="--draws"
        )


def law_gamma(args: argparse.Namespace) -> float:
    """The published law's precision loss for --law paper: --gamma, default 1. With the Bayesian law (gamma is
    sampled) a --gamma is a mistake, not ignored."""
    if args.gamma is None:
        return 1.0
    if args.law != "paper":
        raise DataError("the precision loss of the published law: use it with --law paper", column="--gamma")
    return args.gamma


def refuse_posterior_with_paper_law(args: argparse.Namespace) -> None:
    """``--law paper`` reads no posterior: a --posterior other than the default is a mistake, not ignored."""
    from bayes_perflaw.core.paths import default_posterior

    if args.law == "paper" and Path(args.posterior) != Path(default_posterior()):
        raise DataError("--law paper uses the published constants, not a posterior: drop one", column="--posterior")


def input_files(args: argparse.Namespace) -> list[tuple[Path, str]]:
    """Every existing file the command reads that its flags name, with the flag."""
    return [
        (value, "--" + dest.replace("_", "-"))
        for dest, value in vars(args).items()
        if isinstance(value, Path) and not isinstance(value, at.OutputPath) and value.is_file()
    ]


def check_written(args: argparse.Namespace, path, *, flag: str, what: str = "output") -> None:
    """Before any work: ``path`` can be written (:func:`~bayes_perflaw.core.outputs.check_output`) and is none of
    the files the command reads (hard and symbolic links included), which writing it would destroy."""
    from bayes_perflaw.core.outputs import check_output, is_stdout, same_file

    if path is not None and not is_stdout(path):
        for source, source_flag in input_files(args):
            if same_file(source, path):
                raise DataError(
                    f"the {what} {str(path)!r} is also the {source_flag} file this command reads", column=flag
                )
    check_output(path, what=what, flag=flag)


def check_written_in(args: argparse.Namespace, folder, names, *, flag: str) -> None:
    """:func:`check_written` for each file a command writes into an output folder (``--out DIR``)."""
    for name in names:
        check_written(args, Path(folder) / name, flag=flag, what=f"file {name} of the output folder")


@contextmanager
def priors_file_errors(args: argparse.Namespace, only_parameters: bool = False):
    """Errors about prior overrides name the --priors file (with ``only_parameters``, only errors that name a
    prior's parameter: around a fit, whose table errors name their own file)."""
    try:
        yield
    except DataError as err:
        path = getattr(args, "priors", None)
        ours = err.source in (None, str(path)) and (err.field == "parameter" or not only_parameters)
        if path is not None and ours:
            raise DataError(err.detail, source=f"--priors {path}", column=err.column, field=err.field) from None
        raise


# --- benchmark mapping ------------------------------------------------------------------------


def add_benchmark_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--benchmark",
        choices=["mmlu", "mmlu-pro", "bbh"],
        default="mmlu",
        help="also predict this benchmark through the shipped MMLU mapping (default mmlu)",
    )
    p.add_argument("--map-posterior", type=at.input_file, help="benchmark-mapping posterior (default: shipped)")


def mapping_from_args(args: argparse.Namespace):
    """The benchmark-mapping posterior for --benchmark (None for MMLU, where a --map-posterior is refused)."""
    if args.benchmark == "mmlu":
        if getattr(args, "map_posterior", None) is not None:
            raise DataError("a mapping is read only with --benchmark mmlu-pro or bbh", column="--map-posterior")
        return None
    from bayes_perflaw.benchmarks.model import BenchmarkMap

    return BenchmarkMap.load(args.benchmark, args.map_posterior).draws


# --- sampling ---------------------------------------------------------------------------------


def add_sampling_flags(
    p: argparse.ArgumentParser, *, seed_help: str = "same seed + same data -> same posterior", draws: int = 1000
) -> None:
    """The flags every fit takes: sampler, chains, draws (default ``draws`` per chain), tuning steps, seed, prior
    overrides."""
    from bayes_perflaw.core.sampling import SAMPLERS

    p.add_argument("--sampler", choices=SAMPLERS, default="nutpie", help="NUTS backend (default nutpie)")
    p.add_argument("--chains", type=at.integer(1, 64), default=4)
    p.add_argument("--draws", type=at.integer(1, 1_000_000), default=draws, help=f"draws per chain (default {draws})")
    p.add_argument("--tune", type=at.integer(0, 1_000_000), default=1000)
    p.add_argument("--seed", type=at.seed, default=1, help=seed_help)
    p.add_argument("--priors", type=at.input_file, help="JSON of prior overrides merged over the preset")


def add_sampler_flags(p: argparse.ArgumentParser) -> None:
    """The Performance Law's fit flags: reference table, sampling, prior preset."""
    from bayes_perflaw.core.paths import reference_table
    from bayes_perflaw.perflaw.priors import PRESETS

    p.add_argument("--data", type=at.input_file, default=reference_table(), help="reference table (default: bundled)")
    add_sampling_flags(p)
    p.add_argument("--prior-preset", choices=sorted(PRESETS), default="paper")


def sampler_kwargs(args: argparse.Namespace) -> dict:
    """Sampler settings from the flags (checked when the model merges them over its defaults)."""
    keys = ("sampler", "chains", "draws", "tune", "seed")
    out = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    out["progress"] = not getattr(args, "no_progress", True)
    return out


def overrides_from_args(args: argparse.Namespace) -> dict | None:
    """The --priors overrides (a JSON object), or None."""
    from bayes_perflaw.core.priors import read_overrides

    return read_overrides(args.priors) if getattr(args, "priors", None) else None


def priors_from_args(args: argparse.Namespace) -> dict:
    """The prior preset with the --priors overrides merged over it."""
    from bayes_perflaw.perflaw.priors import prior_config

    return prior_config(args.prior_preset, overrides_from_args(args))


def fit_and_save(model, table, args: argparse.Namespace, data_path: Path, out: Path | None, command: str) -> int:
    """Fit ``model`` (any kind) to ``table`` with the sampling flags, print what it used, its diagnostics and
    LOO, and save the posterior and card to ``out`` (nothing with --strict and no convergence)."""
    from bayes_perflaw.core.fitting import card_path, report_fit
    from bayes_perflaw.core.posterior import file_hash

    if out is not None:  # the card beside the posterior, checked before the fit as the posterior is
        check_written(args, card_path(out), flag="--out", what="posterior's card")
    kw = sampler_kwargs(args)
    print(
        f"fitting {model.kind} variant {model.variant_name!r} on {Path(data_path).name} with {kw['sampler']}: "
        f"{kw['chains']} chains x {kw['draws']} draws, {kw['tune']} tuning, seed {kw['seed']}"
    )
    with priors_file_errors(args, only_parameters=True):
        model.fit(table, data_hash=file_hash(data_path), data_file=Path(data_path).name, log=print, **kw)
    report_fit(model, model.last_fit)
    if out is not None:
        model.save(out, strict=getattr(args, "strict", False), log=print)
    return strict_status(model.meta, getattr(args, "strict", False), command)
