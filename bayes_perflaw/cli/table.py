"""``bayes-perflaw data add`` and ``data check``: keep a reference table current, with a source for every number.

``data add`` appends one validated, sourced row built from a Hugging Face config and the flags (the table's
existing cells are kept exactly as they are; the file is replaced atomically). ``data check TABLE`` runs the
builder's checks (:mod:`bayes_perflaw.perflaw.checks`) on any table and lists every problem.
"""

from __future__ import annotations

import argparse

import pandas as pd

from bayes_perflaw.cli import argtypes as at
from bayes_perflaw.core.errors import DataError

CUTOFF = "2025-03"  # the last month of the fitted period (models from 2025-04 on are kept for evaluation)


def cmd_data_check(args: argparse.Namespace) -> int:
    from bayes_perflaw.perflaw.checks import check_table
    from bayes_perflaw.perflaw.schema import read_validated

    table = read_validated(args.table, require_law_inputs=False)
    problems = check_table(table, cutoff=args.cutoff)
    for p in problems:
        print(f"{args.table}, {p}")
    verdict = "all checks passed" if not problems else f"{len(problems)} problem(s)"
    print(f"{args.table}: {len(table)} rows; {verdict}")
    return 1 if problems else 0


def new_row(args: argparse.Namespace) -> dict[str, str]:
    """The row ``data add`` appends: the config's architecture, the flags, and the sources."""
    from bayes_perflaw.perflaw.hf_config import load_config, recipe_from_config

    cfg = load_config(args.hf_config)
    rec = recipe_from_config(cfg, source=str(args.hf_config))
    estimated = args.params is None
    row: dict[str, object] = {
        "model": args.model,
        "organization": args.organization,
        "release": args.release,
        "is_moe": "num_experts" in rec and rec.get("num_experts") is not None,
    }
    for key in (
        "num_hidden_layers",
        "hidden_size",
        "intermediate_size",
        "moe_intermediate_size",
        "shared_intermediate_size",
        "ffn_gated",
        "num_experts",
        "num_experts_per_tok",
    ):
        row[key] = rec.get(key)
    for key, cfg_key in (
        ("num_attention_heads", "num_attention_heads"),
        ("num_key_value_heads", "num_key_value_heads"),
        ("vocab_size", "vocab_size"),
        ("tied_embeddings", "tie_word_embeddings"),
    ):
        row[key] = cfg.get(cfg_key)  # checked by the config reader where the count uses them
    row["params_B"] = args.params if not estimated else f"{rec['params_B']:.4g}"
    if row["is_moe"]:
        row["active_params_B"] = args.active_params or f"{rec['active_params_B']:.4g}"
    elif args.active_params is not None:
        raise DataError(
            f"{args.hf_config.name} describes a dense model (no routed experts): it has no activated-parameter count",
            column="--active-params",
        )
    row["tokens_T"] = args.tokens
    row["mmlu"] = f"{args.mmlu:g}"
    row["mmlu_source_kind"] = args.mmlu_source_kind
    row["confidence"] = "params estimated from the config" if estimated else "stated"
    row["source_arch"] = args.source_arch or f"{args.source} (config: {args.hf_config.name})"
    row["source_tokens"] = args.source_tokens or args.source
    row["source_mmlu"] = args.source_mmlu or args.source
    row["notes"] = args.notes or ""
    return {k: ("" if v is None else str(v)) for k, v in row.items()}


def cmd_data_add(args: argparse.Namespace) -> int:
    from bayes_perflaw.core.outputs import write_csv
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.perflaw.checks import TABLE_COLUMNS, check_table
    from bayes_perflaw.perflaw.schema import validate

    if args.release > args.cutoff:
        raise DataError(
            f"released after the cut-off {args.cutoff}: this period is kept for evaluation (raise --cutoff to add "
            "it to a table that is not fitted)",
            column="--release",
        )
    row = new_row(args)
    path = args.table
    old = read_table(path) if path.exists() else pd.DataFrame(columns=list(TABLE_COLUMNS), dtype=str)
    columns = list(old.columns) + [c for c in row if c not in old.columns]
    table = pd.concat([old, pd.DataFrame([row])], ignore_index=True).reindex(columns=columns).fillna("")
    valid = validate(table, source=f"{path} + the new row", require_law_inputs=False)
    problems = [p for p in check_table(valid, cutoff=args.cutoff) if p.row == len(table)]
    if problems:
        p = problems[0]
        raise DataError(p.message, source=str(path), row=p.row, model=p.model, column=p.column)
    write_csv(table, path)
    print(f"added {row['model']!r} to {path} ({len(table)} rows); {row['confidence']}")
    return 0


def add_parser(sub) -> None:
    group = sub.add_parser("data", help="keep a reference table current: add a sourced row, check a table")
    dsub = group.add_subparsers(dest="data_command", required=True, metavar="{add,check}")

    p = dsub.add_parser(
        "check",
        help="the builder's checks on any table (parameter recount, MoE, sources, names); exit code 1 if it lists "
        "problems",
    )
    p.add_argument("table", type=at.input_file)
    p.add_argument("--cutoff", type=at.month, default=CUTOFF, help=f"latest release allowed (default {CUTOFF})")
    p.set_defaults(func=cmd_data_check)

    p = dsub.add_parser("add", help="append one validated, sourced row from a Hugging Face config")
    p.add_argument("--hf-config", type=at.input_file, required=True, help="the model's config.json")
    p.add_argument("--model", type=at.name, required=True, help="model name (unique in the table)")
    p.add_argument("--tokens", type=at.size_text("tokens"), required=True, help="pre-training tokens, e.g. 15T")
    p.add_argument("--mmlu", type=at.percent, required=True, help="reported 5-shot MMLU of the base model (percent)")
    p.add_argument(
        "--release", type=at.month, required=True, help="first public release, YYYY-MM (a date YYYY-MM-DD: its month)"
    )
    p.add_argument("--organization", type=at.name, required=True)
    p.add_argument(
        "--source", type=at.source, required=True, help="URL (or owner/repo:path@commit) the numbers were read from"
    )
    p.add_argument("--source-arch", type=at.source, help="source of the architecture, if not --source")
    p.add_argument("--source-tokens", type=at.source, help="source of the token count, if not --source")
    p.add_argument("--source-mmlu", type=at.source, help="source of the MMLU score, if not --source")
    p.add_argument("--params", type=at.size_text("params"), help="stated total parameters (default: from the config)")
    p.add_argument("--active-params", type=at.size_text("params"), help="MoE: stated active parameters")
    p.add_argument("--mmlu-source-kind", choices=["developer", "third-party"], default="developer")
    p.add_argument("--notes", help="free text kept in the row")
    p.add_argument("--cutoff", type=at.month, default=CUTOFF, help=f"latest release allowed (default {CUTOFF})")
    p.add_argument(
        "--table",
        type=at.output_file,
        default="data/my_models.csv",
        help="table to append to (created if missing; default data/my_models.csv)",
    )
    p.set_defaults(func=cmd_data_add)
