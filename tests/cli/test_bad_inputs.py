"""Every sub-command against bad and edge inputs, held to the README's error contract.

The contract (README, "Errors"; ``bayes-perflaw --help``): bad input gives exit code 2, exactly one line on
stderr (blank lines ignored) naming the file / row / column or the flag at fault, no traceback, and no output
file and no temporary file (``.name.*.tmp``, ``.*.probe``) left behind.

Most cases run in-process (``bayes_perflaw.cli.main.main`` with ``capsys``); the ones that need a real process
(a closed pipe, a terminal encoding, signals, a FIFO that could block) run ``python -m bayes_perflaw``.

No case may sample: commands that fit are given inputs that fail before sampling, and the autouse fixture
``no_sampling`` turns any attempt to sample into an internal error (exit 1), so a bad input that is only noticed
after a fit has started shows up as a failed case in well under a second instead of a multi-minute fit.

A case whose current behaviour breaks the contract keeps the contract's assertion and is marked
``xfail(strict=True, reason="defect: ...")``: fixing the defect turns it into an XPASS, which fails the run until
the mark is removed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, GOOD_ROWS, RECIPE_HEADER, ROOT

import bayes_perflaw.core.fitting as fitting
from bayes_perflaw.cli.main import main

MODELS = ROOT / "models"
PERFLAW_NC = MODELS / "perflaw.nc"
FLP_NC = MODELS / "flp-olmo.nc"
LADDER = ROOT / "data" / "flp" / "olmo_ladder.csv"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}
ENV.pop("BAYES_PERFLAW_TRACEBACK", None)

# --- inputs -------------------------------------------------------------------------------------

H = RECIPE_HEADER  # model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B,mmlu,organization
G = GOOD_ROWS[0]
GOOD_CSV = "\n".join([H, *GOOD_ROWS]) + "\n"
LAW_H = "model,num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B"
RECIPE = "--layers 32 --hidden 4096 --ffn 14336 --tokens 15T --params 8B"
HF_LLAMA = (FIXTURES / "hf" / "llama3_8b.json").read_text()
LADDER_LINES = LADDER.read_text().splitlines(keepends=True)


def csv(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def ladder_with(row: int, column: str, value: str) -> str:
    """The committed ladder's header and first ``row`` rows, one cell of the last replaced (columns before the
    quoted ``metric`` only)."""
    header = LADDER_LINES[0].rstrip("\n").split(",")
    k = header.index(column)
    lines = list(LADDER_LINES[: row + 1])
    cells = lines[row].split(",", k + 1)
    cells[k] = value
    lines[row] = ",".join(cells)
    return "".join(lines)


MULTIBENCH_LINES = (ROOT / "data" / "multibench.csv").read_text().splitlines(keepends=True)
MAP_LINES = (ROOT / "data" / "benchmark_map.csv").read_text().splitlines(keepends=True)


def renamed_header(lines: list[str], old: str, new: str) -> str:
    """A committed table with one header name replaced."""
    header = ",".join(new if c == old else c for c in lines[0].rstrip("\n").split(","))
    return header + "\n" + "".join(lines[1:])


def truncated(src: Path, n: int) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(src.read_bytes()[:n])


def flipped(src: Path) -> Callable[[Path], None]:
    """A copy of ``src`` with the byte in the middle of the file inverted."""

    def make(p: Path) -> None:
        data = bytearray(src.read_bytes())
        data[len(data) // 2] ^= 0xFF
        p.write_bytes(bytes(data))

    return make


def directory(p: Path) -> None:
    p.mkdir()


def readonly_dir(p: Path) -> None:
    p.mkdir()
    p.chmod(0o555)


def unreadable(content: str) -> Callable[[Path], None]:
    def make(p: Path) -> None:
        p.write_text(content)
        p.chmod(0o000)

    return make


# --- the case table -------------------------------------------------------------------------------
# argv is a shell-like string (shlex) with placeholders: {i} the folder of input files, {o} the output folder
# (also the working directory), {m} the shipped models, {r} the repository. `must`: fragments that the one
# line must contain; a tuple among them means "one of these".


def case(
    cid: str,
    argv: str,
    *must: str | tuple[str, ...],
    files: dict | None = None,
    defect: str | None = None,
    non_root: bool = False,
):
    marks = []
    if defect:
        marks.append(pytest.mark.xfail(strict=True, reason=f"defect: {defect}"))
    if non_root:
        marks.append(pytest.mark.skipif(IS_ROOT, reason="root can read and write anywhere"))
    return pytest.param(argv, must, files or {}, id=cid, marks=marks)


PREDICT = [
    # flags
    case("predict tokens 1e308", f"predict {RECIPE} --tokens 1e308", "--tokens"),
    case("predict seed -1", f"predict {RECIPE} --seed -1", "--seed"),
    case("predict seed 2**32", f"predict {RECIPE} --seed 4294967296", "--seed"),
    case("predict seed text", f"predict {RECIPE} --seed abc", "--seed"),
    case("predict prob 1.5", f"predict {RECIPE} --prob 1.5", "--prob"),
    case("predict prob nan", f"predict {RECIPE} --prob nan", "--prob"),
    case("predict prob 0", f"predict {RECIPE} --prob 0", "--prob"),
    case("predict prob 1", f"predict {RECIPE} --prob 1", "--prob"),
    case("predict prob inf", f"predict {RECIPE} --prob inf", "--prob"),
    case("predict paper gamma 1e300", f"predict --law paper --gamma 1e300 {RECIPE}", "--gamma"),
    case("predict gamma -1", f"predict {RECIPE} --gamma -1", "--gamma"),
    case("predict gamma nan", f"predict {RECIPE} --gamma nan", "--gamma"),
    case("predict gamma 0", f"predict --law paper {RECIPE} --gamma 0", "--gamma"),
    case("predict draws 0", f"predict {RECIPE} --draws 0", "--draws"),
    case(
        "predict draws too few for the interval",
        f"predict {RECIPE} --draws 19",
        "option --draws: 19 draws leave no draw in the tails of a 0.9 interval: give at least 20",
    ),
    case("predict draws too few for --prob 0.99", f"predict {RECIPE} --draws 150 --prob 0.99", "at least 200"),
    case("predict draws -3", f"predict {RECIPE} --draws -3", "--draws"),
    case("predict law nosuch", f"predict {RECIPE} --law nosuch", "--law"),
    case("predict benchmark nosuch", f"predict {RECIPE} --benchmark nosuch", "--benchmark"),
    case("predict tokens bare", "predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15 --params 8B", "--tokens"),
    case("predict params bare", "predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15T --params 8", "--params"),
    case("predict tokens bad unit", "predict --layers 32 --hidden 4096 --ffn 1 --tokens 15X --params 8B", "--tokens"),
    case("predict layers 0", "predict --layers 0 --hidden 4096 --ffn 14336 --tokens 15T --params 8B", "--layers"),
    case("predict layers 2.5", "predict --layers 2.5 --hidden 4096 --ffn 14336 --tokens 15T --params 8B", "--layers"),
    case("predict hidden -1", "predict --layers 32 --hidden -1 --ffn 14336 --tokens 15T --params 8B", "--hidden"),
    case("predict experts 0", f"predict {RECIPE} --experts 0", "--experts"),
    case("predict active-params bad unit", f"predict {RECIPE} --active-params 5X", "--active-params"),
    case(
        "predict flags without --params",
        "predict --layers 32 --hidden 4096 --ffn 14336 --tokens 15T",
        "--params",
    ),
    case(
        "predict flags without --ffn",
        "predict --layers 32 --hidden 4096 --tokens 15T --params 8B",
        "--ffn",
    ),
    # output paths
    case(
        "predict output read-only dir",
        "predict --input {i}/good.csv --output {i}/ro/out.csv",
        "--output",
        files={"ro": readonly_dir},
        non_root=True,
    ),
    case("predict output is a directory", "predict --input {i}/good.csv --output {o}", "--output"),
    case(
        "predict paper law with a posterior",
        f"predict --law paper {RECIPE} --posterior {{i}}/good.csv",
        "option --posterior: --law paper uses the published constants, not a posterior: drop one",
    ),
    case(
        "predict negative key-value heads",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv, row 1 (model 'a'), column 'num_key_value_heads': must be > 0 (count), got -3",
        files={"t.csv": csv(LAW_H + ",num_key_value_heads", "a,32,4096,14336,15,8,-3")},
    ),
    case(
        "predict vocabulary not a number",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv, row 1 (model 'a'), column 'vocab_size': must be a number (count), got 'lots'",
        files={"t.csv": csv(LAW_H + ",vocab_size", "a,32,4096,14336,15,8,lots")},
    ),
    case(
        "predict is_moe not a boolean",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv, row 1 (model 'a'), column 'is_moe': must be True or False, got 'maybe'",
        files={"t.csv": csv(LAW_H + ",is_moe", "a,32,4096,14336,15,8,maybe")},
    ),
    case(
        "predict is_moe true without experts",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv, row 1 (model 'a'), column 'num_experts': is empty, but is_moe says True",
        files={"t.csv": csv(LAW_H + ",is_moe", "a,32,4096,14336,15,8,True")},
    ),
    case(
        "predict is_moe contradicts num_experts",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv, row 1 (model 'a'), column 'is_moe': says False but num_experts is 8",
        files={"t.csv": csv(LAW_H + ",is_moe,num_experts", "a,32,4096,14336,15,8,False,8")},
    ),
    case(
        "predict output is a hard link to its input",
        "predict --input {i}/good.csv --output {i}/link.csv",
        "option --output: the output '{i}/link.csv' is also the --input file this command reads",
        files={"link.csv": lambda p: os.link(p.parent / "good.csv", p)},
    ),
    case(
        "predict output is its input",
        "predict --input {i}/good.csv --output {i}/good.csv",
        "option --output: the output '{i}/good.csv' is also the --input file this command reads",
    ),
    case("predict output parent is a file", "predict --input {i}/good.csv --output {i}/good.csv/out.csv", "--output"),
    case("predict output empty", "predict --input {i}/good.csv --output ''", "--output"),
    # --input
    case(
        "predict input unreadable",
        "predict --input {i}/secret.csv --output {o}/p.csv",
        "secret.csv",
        files={"secret.csv": unreadable(GOOD_CSV)},
        non_root=True,
    ),
    case("predict input is a directory", "predict --input {i} --output {o}/p.csv", "--input"),
    case("predict input missing", "predict --input {i}/nope.csv --output {o}/p.csv", "nope.csv"),
    case("predict input and recipe flags", f"predict --input {{i}}/good.csv {RECIPE}", "--input"),
    case("predict nothing to predict", "predict --output {o}/p.csv", "--input"),
    # tables
    case(
        "predict dup header tokens_T",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "tokens_T",
        files={"t.csv": csv(LAW_H.replace("params_B", "tokens_T,params_B"), "a,32,4096,14336,15,15,8")},
    ),
    case(
        "predict dup header model",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "'model'",
        files={"t.csv": csv("model," + LAW_H, "a,b,32,4096,14336,15,8")},
    ),
    case(
        "predict dup header hidden_size",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "hidden_size",
        files={"t.csv": csv(LAW_H.replace("hidden_size", "hidden_size,hidden_size"), "a,32,4096,4096,14336,15,8")},
    ),
    case(
        "predict trailing comma",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        files={"t.csv": csv(H, G + ",")},
    ),
    case(
        "predict non-numeric hidden_size",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 2",
        "hidden_size",
        files={"t.csv": csv(H, G, "b,32,big,14336,15,8,60,x")},
    ),
    case(
        "predict negative layers",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "num_hidden_layers",
        files={"t.csv": csv(H, "b,-32,4096,14336,15,8,60,x")},
    ),
    case(
        "predict unknown mmlu_source_kind",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "mmlu_source_kind",
        files={"t.csv": csv(H + ",mmlu_source_kind", G + ",nosuch")},
    ),
    case("predict empty file", "predict --input {i}/t.csv --output {o}/p.csv", "t.csv", files={"t.csv": ""}),
    case(
        "predict blank lines only",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": "\ufeff  \n\n"},
    ),
    case(
        "predict binary file",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x01\x02binary" * 8},
    ),
    case(
        "predict non-UTF-8 file",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": csv(H, "Mod\xe8le,32,4096,14336,15,8,60,x").encode("latin-1")},
    ),
    case(
        "predict header only",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": csv(H)},
    ),
    case(
        "predict JSON as CSV",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": '{"model": "x", "layers": 3}'},
    ),
    case(
        "predict short row",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        files={"t.csv": csv(H, "a,32,4096")},
    ),
    case(
        "predict unclosed quote",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        files={"t.csv": csv(H, '"a,32,4096,14336,15,8,60,x')},
    ),
    case(
        "predict tokens inf cell",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "tokens_T",
        files={"t.csv": csv(H, "a,32,4096,14336,inf,8,60,x")},
    ),
    case(
        "predict hidden 1e400 cell",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "hidden_size",
        files={"t.csv": csv(H, "a,32,1e400,14336,15,8,60,x")},
    ),
    case(
        "predict mmlu 101",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "mmlu",
        files={"t.csv": csv(H, "a,32,4096,14336,15,8,101,x")},
    ),
    case(
        "predict duplicate model name",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 2",
        files={"t.csv": csv(H, G, G)},
    ),
    case(
        "predict unknown unit cell",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "tokens_T",
        files={"t.csv": csv(H, "a,32,4096,14336,15X,8,60,x")},
    ),
    case(
        "predict unicode model name in error",
        "predict --input {i}/t.csv --output {o}/p.csv",
        "t.csv",
        "row 1",
        "params_B",
        files={"t.csv": csv(H, "Modèle-α,32,4096,14336,15,-8,60,x")},
    ),
    # posteriors
    case(
        "predict posterior is a CSV",
        "predict --input {i}/good.csv --posterior {i}/post.csv --output {o}/p.csv",
        "post.csv",
        files={"post.csv": GOOD_CSV},
    ),
    case("predict posterior missing", "predict --input {i}/good.csv --posterior {i}/missing.nc", "missing.nc"),
    case(
        "predict posterior truncated",
        "predict --input {i}/good.csv --posterior {i}/trunc.nc --output {o}/p.csv",
        "trunc.nc",
        files={"trunc.nc": truncated(PERFLAW_NC, 100_000)},
    ),
    case("predict posterior is a directory", "predict --input {i}/good.csv --posterior {i}", "--posterior"),
    case(
        "predict posterior of FLP kind",
        "predict --input {i}/good.csv --posterior {m}/flp-olmo.nc --output {o}/p.csv",
        "flp-olmo.nc",
    ),
    case(
        "predict map-posterior wrong benchmark",
        "predict --input {i}/good.csv --benchmark bbh --map-posterior {m}/map-mmlu-pro.nc --output {o}/p.csv",
        "map-mmlu-pro.nc",
    ),
    case(
        "predict map-posterior of perflaw kind",
        "predict --input {i}/good.csv --benchmark mmlu-pro --map-posterior {m}/perflaw.nc --output {o}/p.csv",
        "perflaw.nc",
    ),
    # --hf-config
    case("predict hf-config directory", "predict --hf-config {i} --tokens 15T", "--hf-config"),
    case(
        "predict hf-config invalid JSON",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        files={"c.json": "{not json"},
    ),
    case(
        "predict hf-config layers 2.5",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        "num_hidden_layers",
        files={"c.json": HF_LLAMA.replace('"num_hidden_layers": 32', '"num_hidden_layers": 2.5')},
    ),
    case(
        "predict hf-config NaN size",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        "hidden_size",
        files={"c.json": HF_LLAMA.replace('"hidden_size": 4096', '"hidden_size": NaN')},
    ),
    case(
        "predict hf-config text_config list",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        "text_config",
        files={"c.json": '{"model_type": "gemma3", "text_config": [1, 2]}'},
    ),
    case(
        "predict hf-config llama without intermediate_size",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        "intermediate_size",
        files={"c.json": HF_LLAMA.replace('"intermediate_size": 14336,', "")},
    ),
    case(
        "predict hf-config top-level array",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        files={"c.json": "[1, 2, 3]"},
    ),
    case(
        "predict hf-config empty file",
        "predict --hf-config {i}/c.json --tokens 15T --output {o}/p.csv",
        "c.json",
        files={"c.json": ""},
    ),
    case(
        "predict hf-config without --tokens",
        "predict --hf-config {i}/c.json --output {o}/p.csv",
        "option --tokens: --hf-config",
        "add --tokens",
        files={"c.json": HF_LLAMA},
    ),
    # flags that would be ignored (a fuzz session, session 22): refused, naming the flag
    *[
        case(f"predict --input with {flag}", f"predict --input {{i}}/good.csv {flag} {value}", f"option {flag}:")
        for flag, value in (("--release", "2024-01"), ("--organization", "Meta"), ("--model", "x"), ("--tokens", "15T"))
    ],
    case(
        "predict MoE flag on a dense recipe",
        f"predict {RECIPE} --active-params 2B",
        "option --active-params: describes a mixture of experts: give --experts",
    ),
    case("predict one expert", f"predict {RECIPE} --experts 1", "--experts", ">= 2"),
    case(
        "predict hf-config with an architecture flag",
        "predict --hf-config {i}/c.json --tokens 15T --layers 3",
        "option --layers: the architecture comes from --hf-config",
        files={"c.json": HF_LLAMA},
    ),
    case(
        "predict hf-config with --params that does not add up",
        "predict --hf-config {i}/c.json --tokens 15T --params 70B",
        "option --params: 70B but the architecture",
        "counts 8.03 B",
        files={"c.json": HF_LLAMA},
    ),
    case(
        "predict dense hf-config with --active-params",
        "predict --hf-config {i}/c.json --tokens 15T --active-params 2B",
        "option --active-params:",
        "dense model",
        files={"c.json": HF_LLAMA},
    ),
    case("predict --gamma with the Bayesian law", f"predict {RECIPE} --gamma 2", "option --gamma:", "--law paper"),
    case("predict --draws with the published law", f"predict {RECIPE} --law paper --draws 5", "option --draws:"),
    case("predict --no-noise with the published law", f"predict {RECIPE} --law paper --no-noise", "option --no-noise:"),
    case(
        "predict --map-posterior for MMLU",
        "predict --input {i}/good.csv --map-posterior {m}/perflaw.nc",
        "option --map-posterior: a mapping is read only with --benchmark mmlu-pro or bbh",
    ),
    case("predict release 1900", f"predict {RECIPE} --release 1900-01", "--release", "from 2015-01"),
    case("predict tokens 1e-300T", f"predict {RECIPE.replace('15T', '1e-300T')}", "--tokens", "implausibly small"),
    case(
        "predict csv tokens_T 1e-30",
        "predict --input {i}/t.csv",
        "t.csv",
        "row 1",
        "tokens_T",
        "implausibly small",
        files={"t.csv": csv(LAW_H, "a,32,4096,14336,1e-30,8")},
    ),
    case(
        "predict csv params_B 1e-9",
        "predict --input {i}/t.csv",
        "t.csv",
        "params_B",
        "implausibly small",
        files={"t.csv": csv(LAW_H, "a,32,4096,14336,15,1e-9")},
    ),
    case(
        "predict csv release 1900",
        "predict --input {i}/t.csv",
        "t.csv",
        "release",
        files={"t.csv": csv(LAW_H + ",release", "a,32,4096,14336,15,8,1900-01")},
    ),
]

EVALUATE = [
    case(
        "evaluate paper law with a posterior",
        "evaluate --law paper --posterior {m}/screen.nc",
        "option --posterior: --law paper uses the published constants",
    ),
    case("evaluate gamma with the Bayesian law", "evaluate --gamma 5", "option --gamma:", "--law paper"),
    case(
        "evaluate mmlu as a fraction",
        "evaluate --data {i}/t.csv",
        "t.csv, row 1 (model 'a'), column 'mmlu': 0.65 looks like a fraction",
        files={"t.csv": csv(LAW_H + ",mmlu", "a,32,4096,14336,15,8,0.65")},
    ),
    case(
        "evaluate output is its data",
        "evaluate --data {i}/good.csv --output {i}/good.csv",
        "option --output: the output '{i}/good.csv' is also the --data file this command reads",
    ),
    case(
        "evaluate table without mmlu",
        "evaluate --data {i}/t.csv --output {o}/e.csv",
        "t.csv",
        "mmlu",
        files={"t.csv": csv(LAW_H, "a,32,4096,14336,15,8")},
    ),
    case(
        "evaluate all mmlu empty",
        "evaluate --data {i}/t.csv --output {o}/e.csv",
        "t.csv",
        "mmlu",
        files={"t.csv": csv(H, "a,32,4096,14336,15,8,,x", "b,32,4096,14336,15,9,,x")},
    ),
    case("evaluate gamma -1", "evaluate --gamma -1 --output {o}/e.csv", "--gamma"),
    case("evaluate paper gamma nan", "evaluate --law paper --gamma nan --output {o}/e.csv", "--gamma"),
    case("evaluate paper gamma 0", "evaluate --law paper --gamma 0", "--gamma"),
    case("evaluate law nosuch", "evaluate --law nosuch", "--law"),
    case("evaluate data missing", "evaluate --data {i}/nope.csv", "nope.csv"),
    case("evaluate data is a directory", "evaluate --data {i}", "--data"),
    case(
        "evaluate data dup header",
        "evaluate --data {i}/t.csv",
        "t.csv",
        "hidden_size",
        files={"t.csv": csv(H.replace("hidden_size", "hidden_size,hidden_size"), "a,32,4096,4096,14336,15,8,60,x")},
    ),
    case(
        "evaluate data binary",
        "evaluate --data {i}/t.csv --output {o}/e.csv",
        "t.csv",
        files={"t.csv": b"\x89PNG\x00\x00\x01"},
    ),
    case(
        "evaluate posterior is a CSV",
        "evaluate --posterior {i}/post.csv --output {o}/e.csv",
        "post.csv",
        files={"post.csv": GOOD_CSV},
    ),
    case(
        "evaluate posterior truncated",
        "evaluate --posterior {i}/trunc.nc --output {o}/e.csv",
        "trunc.nc",
        files={"trunc.nc": truncated(PERFLAW_NC, 50_000)},
    ),
    case("evaluate output is a directory", "evaluate --output {o}", "--output"),
    case("evaluate output parent is a file", "evaluate --output {i}/good.csv/e.csv", "--output"),
]

VALIDATE = [
    case("validate missing file", "validate {i}/nope.csv", "nope.csv"),
    case("validate directory", "validate {i}", "{i}"),
    case(
        "validate dup header",
        "validate {i}/t.csv",
        "t.csv",
        "hidden_size",
        files={"t.csv": csv(LAW_H.replace("hidden_size", "hidden_size,hidden_size"), "a,32,4096,4096,14336,15,8")},
    ),
    case("validate empty file", "validate {i}/t.csv", "t.csv", files={"t.csv": ""}),
    case("validate binary file", "validate {i}/t.csv", "t.csv", files={"t.csv": b"\x00\x01\x02\xff\xfe" * 20}),
    case(
        "validate non-UTF-8",
        "validate {i}/t.csv",
        "t.csv",
        files={"t.csv": csv(H, "Mod\xe8le,32,4096,14336,15,8,60,x").encode("latin-1")},
    ),
    case("validate trailing comma", "validate {i}/t.csv", "t.csv", "row 2", files={"t.csv": csv(H, G, G + ",")}),
    case(
        "validate non-numeric",
        "validate {i}/t.csv",
        "t.csv",
        "row 1",
        "num_hidden_layers",
        files={"t.csv": csv(H, "a,thirty,4096,14336,15,8,60,x")},
    ),
    case(
        "validate mmlu 101",
        "validate {i}/t.csv",
        "t.csv",
        "row 1",
        "mmlu",
        files={"t.csv": csv(H, "a,32,4096,14336,15,8,101,x")},
    ),
    case(
        "validate unknown unit",
        "validate {i}/t.csv",
        "t.csv",
        "row 1",
        "params_B",
        files={"t.csv": csv(H, "a,32,4096,14336,15,8Q,60,x")},
    ),
    case("validate header only", "validate {i}/t.csv", "t.csv", files={"t.csv": csv(H)}),
    case("validate duplicate model", "validate {i}/t.csv", "t.csv", "row 2", files={"t.csv": csv(H, G, G)}),
    case("validate JSON", "validate {i}/t.csv", "t.csv", files={"t.csv": '{"a": 1}'}),
]

PLAN = [
    case(
        "plan hardware budget overflows",
        "plan --gpus 1e300 --tflops 1e300 --mfu 1 --days 1e300",
        "option --gpus:",
        "gives inf FLOPs",
    ),
    case("plan prob 1.5", "plan --flops 1e24 --prob 1.5", "--prob"),
    case("plan prob nan", "plan --flops 1e24 --prob nan", "--prob"),
    case("plan prob 0", "plan --flops 1e24 --prob 0", "--prob"),
    case("plan top 0", "plan --flops 1e24 --top 0", "--top"),
    case("plan draws 0", "plan --flops 1e24 --draws 0", "--draws"),
    case("plan draws too few for the interval", "plan --flops 1e24 --draws 1", "option --draws:", "at least 20"),
    case("plan draws -5", "plan --flops 1e24 --draws -5", "--draws"),
    case("plan hidden-step 0", "plan --flops 1e24 --hidden-step 0", "--hidden-step"),
    case("plan ffn-multiple 0", "plan --flops 1e24 --ffn-multiple 0", "--ffn-multiple"),
    case(
        "plan gpus -1024 days -30",
        "plan --gpus -1024 --days -30 --tflops 376 --mfu 0.4",
        ("--gpus", "--days"),
    ),
    case("plan target nan", "plan --flops 1e24 --target nan", "--target"),
    case("plan target 150", "plan --flops 1e24 --target 150", "--target"),
    case("plan vocab negative", "plan --flops 1e24 --vocab -5", "--vocab"),
    case("plan head-dim negative", "plan --flops 1e24 --head-dim -128", "--head-dim"),
    case("plan kv-heads 0", "plan --flops 1e24 --kv-heads 0", "--kv-heads"),
    case("plan enormous grid", "plan --flops 1e24 --tokens-step 1M --output {o}/p.csv", "--max-plans"),
    case(
        "plan grid above small max-plans",
        "plan --flops 1e24 --hidden-min 100 --hidden-step 1 --all-layers --max-plans 1000",
        "--max-plans",
    ),
    case("plan max-plans 0", "plan --flops 1e24 --max-plans 0", "--max-plans"),
    case("plan min-params above max", "plan --flops 1e24 --min-params 100B --max-params 10B", ("--min-params",)),
    case("plan tokens-min without unit", "plan --flops 1e24 --tokens-min 5", "--tokens-min"),
    case("plan min-params without unit", "plan --flops 1e24 --min-params 10", "--min-params"),
    case(
        "plan tokens-min above max",
        "plan --flops 1e24 --tokens-min 20T --tokens-max 1T",
        ("--tokens-min", "--tokens-max"),
    ),
    case("plan tokens-step 0T", "plan --flops 1e24 --tokens-step 0T", "--tokens-step"),
    case("plan layers-min above max", "plan --flops 1e24 --layers-min 50 --layers-max 10", ("--layers-min",)),
    case(
        "plan hidden-min above max",
        "plan --flops 1e24 --hidden-min 8192 --hidden-max 1024",
        ("--hidden-min", "--hidden-max"),
    ),
    case("plan flops inf", "plan --flops inf", "--flops"),
    case("plan flops 0", "plan --flops 0", "--flops"),
    case("plan flops -1", "plan --flops -1", "--flops"),
    case("plan no budget", "plan", "--flops"),
    case("plan budget without --days", "plan --gpus 1024 --tflops 376 --mfu 0.4", "--days"),
    case("plan two budgets", "plan --flops 1e24 --gpus 1024 --tflops 376 --mfu 0.4 --days 30", "--flops"),
    case("plan mfu 1.5", "plan --flops 1e24 --mfu 1.5", "--mfu"),
    case("plan tflops 0", "plan --gpus 8 --tflops 0 --mfu 0.4 --days 3", "--tflops"),
    case("plan days nan", "plan --gpus 8 --tflops 376 --mfu 0.4 --days nan", "--days"),
    case("plan rank nosuch", "plan --flops 1e24 --rank nosuch", "--rank"),
    case("plan law nosuch", "plan --flops 1e24 --law nosuch", "--law"),
    case("plan output is a directory", "plan --flops 1e24 --output {o}", "--output"),
    case("plan output parent is a file", "plan --flops 1e24 --output {i}/good.csv/p.csv", "--output"),
    case("plan output empty", "plan --flops 1e24 --output ''", "--output"),
    case(
        "plan posterior is a CSV",
        "plan --flops 1e24 --posterior {i}/post.csv --output {o}/p.csv",
        "post.csv",
        files={"post.csv": GOOD_CSV},
    ),
    case(
        "plan map-posterior wrong benchmark",
        "plan --flops 1e24 --benchmark bbh --map-posterior {m}/map-mmlu-pro.nc --output {o}/p.csv",
        "map-mmlu-pro.nc",
    ),
]

FIT = [
    case(
        "fit priors kappa 5",
        "fit --priors {i}/p.json --out {o}/f.nc",
        "parameter 'kappa': fixed value 5 is outside [0, 1]",
        files={"p.json": '{"kappa": 5}'},
    ),
    case(
        "fit priors kappa -0.5",
        "fit --priors {i}/p.json --out {o}/f.nc",
        "parameter 'kappa': fixed value -0.5 is outside [0, 1]",
        files={"p.json": '{"kappa": -0.5}'},
    ),
    case(
        "fit priors nu 0",
        "fit --priors {i}/p.json --out {o}/f.nc",
        "parameter 'nu': fixed value 0 is outside [1, 1e+06]",
        files={"p.json": '{"nu": 0}'},
    ),
    case("fit chains 0", "fit --chains 0 --out {o}/f.nc", "--chains"),
    case("fit chains 65", "fit --chains 65 --out {o}/f.nc", "--chains"),
    case("fit draws -1", "fit --draws -1 --out {o}/f.nc", "--draws"),
    case("fit draws 0", "fit --draws 0 --out {o}/f.nc", "--draws"),
    case("fit tune -1", "fit --tune -1 --out {o}/f.nc", "--tune"),
    case("fit seed -1", "fit --seed -1 --out {o}/f.nc", "--seed"),
    case("fit variant nosuch", "fit --variant nosuch --out {o}/f.nc", "--variant"),
    case("fit sampler nosuch", "fit --sampler nosuch --out {o}/f.nc", "--sampler"),
    case("fit prior-preset nosuch", "fit --prior-preset nosuch --out {o}/f.nc", "--prior-preset"),
    case("fit data missing", "fit --data {i}/nope.csv --out {o}/f.nc", "nope.csv"),
    case("fit data is a directory", "fit --data {i} --out {o}/f.nc", "--data"),
    case("fit data too few rows", "fit --data {i}/good.csv --out {o}/f.nc", "good.csv"),
    case("fit plain data too few rows", "fit --variant plain --data {i}/good.csv --out {o}/f.nc", "good.csv"),
    case("fit data empty", "fit --data {i}/t.csv --out {o}/f.nc", "t.csv", files={"t.csv": ""}),
    case("fit data binary", "fit --data {i}/t.csv --out {o}/f.nc", "t.csv", files={"t.csv": b"\x00\xff" * 30}),
    case(
        "fit data missing column",
        "fit --data {i}/t.csv --out {o}/f.nc",
        "t.csv",
        "hidden_size",
        files={"t.csv": csv("model,num_hidden_layers,intermediate_size,tokens_T,params_B,mmlu", "a,32,1,15,8,60")},
    ),
    case(
        "fit priors invalid JSON",
        "fit --priors {i}/p.json --out {o}/f.nc",
        "p.json",
        files={"p.json": "{oops"},
    ),
    case(
        "fit priors unknown parameter",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "nosuch_param",
        files={"p.json": '{"nosuch_param": 1}'},
    ),
    case(
        "fit priors of another variant",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "variant 'era_level' has no prior 'org_switch' (a prior of era_org_switch only)",
        files={"p.json": '{"org_switch": 0.2}'},
    ),
    case(
        "fit priors of the level variant",
        "fit --variant era --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "variant 'era' has no prior 'noise_slope' (a prior of era_level, era_org_level only)",
        files={"p.json": '{"noise_slope": -0.3}'},
    ),
    case(
        "fit priors bad value",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "kappa",
        files={"p.json": '{"kappa": "abc"}'},
    ),
    case("fit priors JSON array", "fit --priors {i}/p.json --out {o}/f.nc", "p.json", files={"p.json": "[1, 2]"}),
    case(
        "fit priors unknown distribution",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'sigma': cannot build this prior (UnsupportedDistributionError: PyMC doesn't have a distribution "
        "of name 'NoSuchDist')",
        files={"p.json": '{"sigma": {"dist": "NoSuchDist", "kwargs": {"sigma": 1}}}'},
    ),
    case(
        "fit priors unknown distribution parameter",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'sigma': cannot build this prior (ValueError: Parameters {{'nosuch'}} are not a subset",
        files={"p.json": '{"sigma": {"dist": "HalfNormal", "kwargs": {"nosuch": 1}}}'},
    ),
    case(
        "fit priors negative scale",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'sigma': prior HalfNormal({{'sigma': -5}}) has no finite density at its start",
        files={"p.json": '{"sigma": {"dist": "HalfNormal", "kwargs": {"sigma": -5}}}'},
    ),
    case(
        "fit priors string argument",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'w1': cannot build this prior (ValueError: Parameters must be one of the following types",
        files={"p.json": '{"w1": {"dist": "Normal", "kwargs": {"mu": "x", "sigma": 1}}}'},
    ),
    case(
        "fit priors unknown transform",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'w1': cannot build this prior (UnknownTransformError: Function 'nosuch' not present",
        files={"p.json": '{"w1": {"dist": "Normal", "kwargs": {"mu": 0, "sigma": 1}, "transform": "nosuch"}}'},
    ),
    case(
        "fit priors fixed NaN",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'kappa': a fixed value must be a finite number, got nan",
        files={"p.json": '{"kappa": NaN}'},
    ),
    case(
        "fit priors fixed infinity",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'nu': a fixed value must be a finite number, got inf",
        files={"p.json": '{"nu": Infinity}'},
    ),
    case(
        "fit priors fixed outside support",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'sigma': fixed value -5.0 lies outside the support of its prior HalfNormal",
        files={"p.json": '{"sigma": -5}'},
    ),
    case(
        "fit priors duplicate key",
        "fit --priors {i}/p.json --out {o}/f.nc",
        ("p.json", "--priors"),
        "parameter 'kappa': 'kappa' is given twice in one object",
        files={"p.json": '{"kappa": 0, "kappa": {"dist": "Beta"}}'},
    ),
    case("fit priors missing", "fit --priors {i}/nope.json --out {o}/f.nc", "nope.json"),
    case("fit out parent is a file", "fit --out {i}/good.csv/f.nc", "--out"),
    case("fit out is a directory", "fit --out {o}", "--out"),
    case(
        "fit card is a directory",
        "fit --out {o}/f.nc",
        "option --out: cannot write the posterior's card to '{o}/f.json': it is a directory",
        files={"../out/f.json": directory},
    ),
    case(
        "fit card is its data",
        "fit --data {i}/t.json --out {i}/t.nc",
        "option --out: the posterior's card '{i}/t.json' is also the --data file this command reads",
        files={"t.json": GOOD_CSV},
    ),
    case(
        "fit out name too long",
        "fit --out {o}/" + "y" * 250 + ".nc",
        "its file name is too long (253 characters; at most",
    ),
    case(
        "fit out is its data",
        "fit --data {i}/good.csv --out {i}/good.csv",
        "option --out: the output '{i}/good.csv' is also the --data file this command reads",
    ),
    case("fit out empty", "fit --out ''", "--out"),
    case("fit out stdout", "fit --out -", "--out"),
    case("fit out /dev/full", "fit --out /dev/full", "--out"),
    case("fit out read-only dir", "fit --out {i}/ro/f.nc", "--out", files={"ro": readonly_dir}, non_root=True),
]

SCREEN = [
    *[
        case(
            f"screen {flag} without --refit",
            f"screen --input {{i}}/good.csv {flag}",
            f"option {flag.split()[0]}: configures --refit",
        )
        for flag in ("--draws 5", "--seed 3", "--sampler pymc", "--chains 2", "--tune 10", "--no-progress")
    ],
    case(
        "screen --priors without --refit",
        "screen --input {i}/good.csv --priors {i}/p.json",
        "option --priors: configures --refit",
        files={"p.json": '{"kappa": '},
    ),
    case(
        "screen --map-posterior for MMLU",
        "screen --input {i}/good.csv --map-posterior {m}/perflaw.nc",
        "option --map-posterior: a mapping is read only",
    ),
    case(
        "screen benchmarks with --map-posterior",
        "screen --input {i}/good.csv --benchmarks mmlu,arc_c --map-posterior {m}/perflaw.nc",
        "option --map-posterior: not with --benchmarks",
    ),
    case("screen benchmarks nosuch", "screen --input {i}/good.csv --benchmarks mmlu,nosuch", "--benchmarks", "nosuch"),
    case("screen benchmarks empty", "screen --input {i}/good.csv --benchmarks ,", "--benchmarks"),
    case(
        "screen benchmarks duplicate model",
        "screen --input {i}/t.csv --benchmarks mmlu,arc_c --output {o}/s.csv",
        "t.csv, row 2 (model 'm1'), column 'model': duplicate model name (first used in row 1)",
        files={"t.csv": csv("model,mmlu,arc_c", "m1,60,55", "m1,45,50")},
    ),
    case(
        "screen benchmarks header only",
        "screen --input {i}/t.csv --benchmarks mmlu,arc_c --output {o}/s.csv",
        "t.csv: the table has no data rows",
        files={"t.csv": csv("model,mmlu,arc_c")},
    ),
    case(
        "screen benchmarks bad release month",
        "screen --input {i}/t.csv --benchmarks mmlu,arc_c --output {o}/s.csv",
        "t.csv, row 1 (model 'm1'), column 'release': must be a month YYYY-MM from 2015-01 to 2099-12 (or a date "
        "YYYY-MM-DD), got '2024-13'",
        files={"t.csv": csv("model,mmlu,arc_c,release", "m1,60,55,2024-13")},
    ),
    case(
        "screen benchmarks column missing",
        "screen --input {i}/good.csv --benchmarks mmlu,arc_c --output {o}/s.csv",
        "good.csv",
        "arc_c",
    ),
    case(
        "screen benchmarks posterior of another kind",
        "screen --input {i}/good.csv --benchmarks mmlu --posterior {m}/screen.nc --output {o}/s.csv",
        "screen.nc",
        "multibench",
    ),
    case(
        "screen benchmarks score out of range",
        "screen --input {i}/t.csv --benchmarks mmlu,gsm8k --output {o}/s.csv",
        "t.csv",
        "row 2",
        "gsm8k",
        files={"t.csv": csv("model,mmlu,gsm8k", "a,60,40", "b,50,140")},
    ),
    case("screen benchmarks with refit", "screen --input {i}/good.csv --benchmarks mmlu --refit", "--refit"),
    case(
        "screen posterior not a mixture",
        "screen --input {i}/good.csv --posterior {m}/perflaw.nc --output {o}/s.csv",
        "perflaw.nc",
    ),
    case("screen threshold 1.5", "screen --input {i}/good.csv --threshold 1.5", "--threshold"),
    case("screen threshold 0", "screen --input {i}/good.csv --threshold 0", "--threshold"),
    case("screen prob 0", "screen --input {i}/good.csv --prob 0", "--prob"),
    case(
        "screen input without mmlu",
        "screen --input {i}/t.csv --output {o}/s.csv",
        "t.csv",
        "mmlu",
        files={"t.csv": csv(LAW_H, "a,32,4096,14336,15,8")},
    ),
    case("screen refit chains 0", "screen --input {i}/good.csv --refit --chains 0", "--chains"),
    case("screen refit draws 0", "screen --input {i}/good.csv --refit --draws 0", "--draws"),
    case("screen refit too few rows", "screen --input {i}/good.csv --refit --output {o}/s.csv", "good.csv"),
    case(
        "screen refit priors JSON array",
        "screen --input {i}/good.csv --refit --priors {i}/p.json --output {o}/s.csv",
        "p.json",
        files={"p.json": "[1]"},
    ),
    case("screen input missing", "screen --input {i}/nope.csv", "nope.csv"),
    case("screen without --input", "screen --output {o}/s.csv", "--input"),
    case("screen input empty", "screen --input {i}/t.csv", "t.csv", files={"t.csv": ""}),
    case(
        "screen mmlu 150",
        "screen --input {i}/t.csv --output {o}/s.csv",
        "t.csv",
        "row 1",
        "mmlu",
        files={"t.csv": csv(H, "a,32,4096,14336,15,8,150,x")},
    ),
    case(
        "screen mmlu-pro without mmlu_pro column",
        "screen --input {i}/good.csv --benchmark mmlu-pro --output {o}/s.csv",
        "good.csv",
        "mmlu_pro",
    ),
    case(
        "screen map-posterior wrong benchmark",
        "screen --input {i}/t.csv --benchmark bbh --map-posterior {m}/map-mmlu-pro.nc --output {o}/s.csv",
        "map-mmlu-pro.nc",
        files={"t.csv": csv(H + ",bbh", G + ",60")},
    ),
    case(
        "screen posterior truncated",
        "screen --input {i}/good.csv --posterior {i}/trunc.nc",
        "trunc.nc",
        files={"trunc.nc": truncated(MODELS / "screen.nc", 80_000)},
    ),
    case("screen output is a directory", "screen --input {i}/good.csv --output {o}", "--output"),
    case("screen output parent is a file", "screen --input {i}/good.csv --output {i}/good.csv/s.csv", "--output"),
]

REPORT = [
    case(
        "report index.html is a directory",
        "report --out {o}/rep",
        "option --out: cannot write the file index.html of the output folder to '{o}/rep/index.html': it is a "
        "directory",
        files={"../out/rep": directory, "../out/rep/index.html": directory},
    ),
    case(
        "report posterior is a CSV",
        "report --posterior {i}/post.csv --out {o}/rep",
        "post.csv",
        files={"post.csv": GOOD_CSV},
    ),
    case("report out is an existing file", "report --out {i}/good.csv", "--out"),
    case(
        "report posterior with a flipped byte",
        "report --posterior {i}/flip.nc --out {o}/rep",
        "flip.nc",
        files={"flip.nc": flipped(PERFLAW_NC)},
    ),
    case(
        "report posterior truncated",
        "report --posterior {i}/trunc.nc --out {o}/rep",
        "trunc.nc",
        files={"trunc.nc": truncated(PERFLAW_NC, 200_000)},
    ),
    case("report posterior missing", "report --posterior {i}/nope.nc --out {o}/rep", "nope.nc"),
    case("report posterior is a directory", "report --posterior {i} --out {o}/rep", "--posterior"),
    case("report posterior of map kind", "report --posterior {m}/map-bbh.nc --out {o}/rep", "map-bbh.nc"),
    case("report out empty", "report --out ''", "--out"),
    case("report out stdout", "report --out -", "--out"),
    case("report out parent is a file", "report --out {i}/good.csv/rep", "--out"),
]

BACKTEST = [
    *[
        case(
            f"backtest {flag} without --rolling",
            f"backtest {flag} --out {{o}}/b.md",
            f"option {flag.split()[0]}:",
            "--rolling",
        )
        for flag in ("--start 2023-06", "--bayes-only", "--map-posterior {m}/map-bbh.nc")
    ],
    case(
        "backtest rolling with a holdout",
        "backtest --rolling --holdout {i}/good.csv --out {o}/r",
        "option --holdout: the rolling backtest holds out",
    ),
    case("backtest variant twice", "backtest --variants era,era --out {o}/b.md", "--variants", "'era' is listed twice"),
    case(
        "backtest results table is its data",
        "backtest --data {i}/t.csv --out {i}/t.md",
        "option --out: the results table '{i}/t.csv' is also the --data file this command reads",
        files={"t.csv": GOOD_CSV},
    ),
    case("backtest split-date 2024-13", "backtest --split-date 2024-13 --out {o}/bt.md", "--split-date"),
    case("backtest split-date yesterday", "backtest --split-date yesterday --out {o}/bt.md", "--split-date"),
    case("backtest split-date 2024-4", "backtest --split-date 2024-4 --out {o}/bt.md", "--split-date"),
    case(
        "backtest split-date before every model",
        "backtest --split-date 1900-01 --out {o}/bt.md",
        "--split-date",
    ),
    case("backtest holdout missing", "backtest --holdout {i}/nope.csv --out {o}/bt.md", "nope.csv"),
    case("backtest holdout is a directory", "backtest --holdout {i} --out {o}/bt.md", "--holdout"),
    case(
        "backtest holdout dup header",
        "backtest --holdout {i}/t.csv --out {o}/bt.md",
        "t.csv",
        "hidden_size",
        files={"t.csv": csv(LAW_H.replace("hidden_size", "hidden_size,hidden_size"), "a,32,4096,4096,14336,15,8")},
    ),
    case(
        "backtest holdout without mmlu",
        "backtest --holdout {i}/t.csv --out {o}/bt.md",
        "t.csv",
        "mmlu",
        files={"t.csv": csv(LAW_H, "a,32,4096,14336,15,8")},
    ),
    case(
        "backtest holdout not later than the data",
        "backtest --holdout {i}/t.csv --out {o}/bt.md",
        "t.csv, row 1 (model 'a'), column 'release': released 2020-01, not after the latest model of the fitted "
        "table (2025-03): a held-out model must be later",
        files={"t.csv": csv(LAW_H + ",mmlu,release", "a,32,4096,14336,15,8,60,2020-01")},
    ),
    case(
        "backtest holdout without release",
        "backtest --holdout {i}/t.csv --out {o}/bt.md",
        "t.csv, row 1 (model 'a'), column 'release': a held-out model needs its release month",
        files={"t.csv": csv(LAW_H + ",mmlu", "a,32,4096,14336,15,8,60")},
    ),
    case(
        "backtest split date with holdout",
        "backtest --holdout {i}/good.csv --split-date 2024-01 --out {o}/bt.md",
        "option --split-date: a date split and --holdout exclude each other: drop one",
    ),
    case(
        "backtest holdout negative params",
        "backtest --holdout {i}/t.csv --out {o}/bt.md",
        "t.csv",
        "row 1",
        "params_B",
        files={"t.csv": csv(H, "a,32,4096,14336,15,-8,60,x")},
    ),
    case(
        "backtest variants nosuch",
        "backtest --variants nosuch --out {o}/bt.md",
        "--variants",
    ),
    case(
        "backtest variants era,nosuch",
        "backtest --variants era,nosuch --out {o}/bt.md",
        "--variants",
    ),
    case("backtest chains 0", "backtest --chains 0 --out {o}/bt.md", "--chains"),
    case("backtest seed -1", "backtest --seed -1 --out {o}/bt.md", "--seed"),
    case("backtest tune -1", "backtest --tune -1 --out {o}/bt.md", "--tune"),
    case("backtest data missing", "backtest --data {i}/nope.csv --out {o}/bt.md", "nope.csv"),
    case("backtest data too few rows", "backtest --data {i}/good.csv --out {o}/bt.md", "good.csv"),
    case("backtest out is a directory", "backtest --out {o}", "--out"),
    case("backtest out parent is a file", "backtest --out {i}/good.csv/bt.md", "--out"),
    case("backtest benchmark without rolling", "backtest --benchmark mmlu-pro --out {o}/bt.md", "--benchmark"),
    case("backtest rolling benchmark nosuch", "backtest --rolling --benchmark arc --out {o}/r", "--benchmark"),
    case(
        "backtest rolling map posterior missing",
        "backtest --rolling --benchmark mmlu-pro --map-posterior {i}/nope.nc --out {o}/r",
        "nope.nc",
    ),
    case(
        "backtest priors invalid JSON",
        "backtest --priors {i}/p.json --out {o}/bt.md",
        "p.json",
        files={"p.json": "{"},
    ),
]

FLP_PREDICT = [
    case(
        "flp predict params 1K", "flp predict --params 1K --tokens 4T --task mmlu_rc", "--params", "implausibly small"
    ),
    case("flp predict params 1e308", "flp predict --params 1e308 --tokens 4T", "--params"),
    case("flp predict params without tokens", "flp predict --params 7B", "--tokens"),
    case("flp predict prob 1.5", "flp predict --params 7B --tokens 4T --prob 1.5", "--prob"),
    case("flp predict seed -1", "flp predict --params 7B --tokens 4T --seed -1", "--seed"),
    case("flp predict flops -1", "flp predict --flops -1", "--flops"),
    case("flp predict flops inf", "flp predict --flops inf", "--flops"),
    case("flp predict params 0", "flp predict --params 0 --tokens 4T", "--params"),
    case("flp predict tokens without unit", "flp predict --params 7B --tokens 4", "--tokens"),
    case("flp predict tokens 1e308", "flp predict --params 7B --tokens 1e308", "--tokens"),
    case("flp predict flops and params", "flp predict --params 7B --tokens 4T --flops 1e23", "--flops"),
    case("flp predict flops with chinchilla", "flp predict --flops 1e23 --output {o}/f.csv", "--flops"),
    case("flp predict nothing", "flp predict --output {o}/f.csv", ("--params", "--flops")),
    case("flp predict task nosuch", "flp predict --params 7B --tokens 4T --task nosuch --output {o}/f.csv", "--task"),
    case(
        "flp predict posterior of perflaw kind",
        "flp predict --params 7B --tokens 4T --posterior {m}/perflaw.nc --output {o}/f.csv",
        "perflaw.nc",
    ),
    case(
        "flp predict posterior truncated",
        "flp predict --params 7B --tokens 4T --posterior {i}/trunc.nc --output {o}/f.csv",
        "trunc.nc",
        files={"trunc.nc": truncated(FLP_NC, 50_000)},
    ),
    case("flp predict posterior missing", "flp predict --params 7B --tokens 4T --posterior {i}/no.nc", "no.nc"),
    case("flp predict output is a directory", "flp predict --params 7B --tokens 4T --output {o}", "--output"),
    case(
        "flp predict output parent is a file",
        "flp predict --params 7B --tokens 4T --output {i}/good.csv/f.csv",
        "--output",
    ),
]

FLP_FIT = [
    case("flp fit roles with an unknown one", "flp fit --roles ladder,foo --out {o}/flp.nc", "--roles", "'foo'"),
    case(
        "flp fit run given twice at a step",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv, row 3 (model '190M-0.5xC'), column 'step': step 150 of task 'mmlu_rc' is given twice "
        "(first in row 2)",
        files={"lad.csv": "".join(LADDER_LINES[:3]) + LADDER_LINES[2]},
    ),
    case(
        "flp fit negative step",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv, row 2 (model '190M-0.5xC'), column 'step': must be a whole number >= 0, got -150",
        files={"lad.csv": ladder_with(2, "step", "-150")},
    ),
    case("flp fit margin -5", "flp fit --margin -5 --out {o}/flp.nc", "--margin"),
    case("flp fit margin 1", "flp fit --margin 1 --out {o}/flp.nc", "--margin"),
    case("flp fit margin nan", "flp fit --margin nan --out {o}/flp.nc", "--margin"),
    case("flp fit chains 0", "flp fit --chains 0 --out {o}/flp.nc", "--chains"),
    case("flp fit draws 0", "flp fit --draws 0 --out {o}/flp.nc", "--draws"),
    case("flp fit variant nosuch", "flp fit --variant nosuch --out {o}/flp.nc", "--variant"),
    case("flp fit roles target", "flp fit --roles target --out {o}/flp.nc", "--roles"),
    case(
        "flp fit roles nosuch",
        "flp fit --roles nosuch --out {o}/flp.nc",
        "--roles",
    ),
    case("flp fit data is a recipe table", "flp fit --data {i}/good.csv --out {o}/flp.nc", "good.csv", "run"),
    case("flp fit data missing", "flp fit --data {i}/nope.csv --out {o}/flp.nc", "nope.csv"),
    case(
        "flp fit unknown role",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv, row 2 (model '190M-0.5xC'), column 'role': must be one of ['ladder', 'target'], got 'mystery'",
        files={"lad.csv": ladder_with(2, "role", "mystery")},
    ),
    case(
        "flp fit infinite loss",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv, row 3 (model '190M-0.5xC'), column 'c4_loss': must be finite, got 'inf'",
        files={"lad.csv": ladder_with(3, "c4_loss", "inf")},
    ),
    case(
        "flp fit data header only",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv",
        files={"lad.csv": LADDER_LINES[0]},
    ),
    case(
        "flp fit data one row",
        "flp fit --data {i}/lad.csv --out {o}/flp.nc",
        "lad.csv",
        files={"lad.csv": "".join(LADDER_LINES[:2])},
    ),
    case("flp fit out is a directory", "flp fit --out {o}", "--out"),
    case("flp fit out parent is a file", "flp fit --out {i}/good.csv/flp.nc", "--out"),
    case(
        "flp fit priors invalid JSON", "flp fit --priors {i}/p.json --out {o}/flp.nc", "p.json", files={"p.json": "{"}
    ),
    case(
        "flp fit priors negative rate",
        "flp fit --priors {i}/p.json --out {o}/flp.nc",
        ("p.json", "--priors"),
        "parameter 'kappa': prior Gamma({{'alpha': 2, 'beta': -1}}) has no finite density at its start",
        files={"p.json": '{"floor_frac": 0, "kappa": {"dist": "Gamma", "kwargs": {"alpha": 2, "beta": -1}}}'},
    ),
    case(
        "flp backtest priors fixed outside support",
        "flp backtest --priors {i}/p.json --out {o}/bt",
        ("p.json", "--priors"),
        "parameter 'floor_frac': fixed value 1.5 lies outside the support of its prior LogitNormal",
        files={"p.json": '{"floor_frac": 1.5}'},
    ),
]

FLP_BACKTEST = [
    case(
        "flp backtest refit with a posterior",
        "flp backtest --refit --posterior {m}/perflaw.nc --out {o}/b",
        "option --posterior: --refit samples every variant anew",
    ),
    case(
        "flp backtest output folder holds its data",
        "flp backtest --data {i}/flp_targets.csv --out {i}",
        "option --out: the file flp_targets.csv of the output folder '{i}/flp_targets.csv' is also the --data file",
        files={"flp_targets.csv": "".join(LADDER_LINES[:3])},
    ),
    case("flp backtest prob 1.5", "flp backtest --prob 1.5 --out {o}/fb", "--prob"),
    case("flp backtest prob nan", "flp backtest --prob nan --out {o}/fb", "--prob"),
    case("flp backtest boot 0", "flp backtest --boot 0 --out {o}/fb", "--boot"),
    case("flp backtest boot -1", "flp backtest --boot -1 --out {o}/fb", "--boot"),
    case(
        "flp backtest posterior of perflaw kind",
        "flp backtest --posterior {m}/perflaw.nc --out {o}/fb",
        "perflaw.nc",
    ),
    case("flp backtest posterior of screen kind", "flp backtest --posterior {m}/screen.nc --out {o}/fb", "screen.nc"),
    case(
        "flp backtest posterior truncated",
        "flp backtest --posterior {i}/trunc.nc --out {o}/fb",
        "trunc.nc",
        files={"trunc.nc": truncated(FLP_NC, 50_000)},
    ),
    case("flp backtest out is an existing file", "flp backtest --out {i}/good.csv", "--out"),
    case(
        "flp backtest variants nosuch",
        "flp backtest --variants nosuch --out {o}/fb",
        "--variants",
    ),
    case("flp backtest margin -1", "flp backtest --margin -1 --out {o}/fb", "--margin"),
    case("flp backtest data is a recipe table", "flp backtest --data {i}/good.csv --out {o}/fb", "good.csv", "run"),
    case("flp backtest data missing", "flp backtest --data {i}/nope.csv --out {o}/fb", "nope.csv"),
]

MAP_FIT = [
    case(
        "map fit scores as fractions",
        "map fit --data {i}/b.csv --out {o}/m.nc",
        "b.csv, column 'mmlu': every score is at most 1: looks like fractions",
        files={
            "b.csv": csv("model,mmlu,mmlu_pro", *[f"m{k},{0.40 + k / 100:.2f},{0.15 + k / 100:.2f}" for k in range(9)])
        },
    ),
    case(
        "map fit normalised mmlu-pro",
        "map fit --data {i}/b.csv --out {o}/m.nc",
        "b.csv, column 'mmlu_pro': 3 of 9 scores lie more than 2 points below the 10 % chance floor",
        files={"b.csv": csv("model,mmlu,mmlu_pro", *[f"m{k},{40 + k},{3 + 2 * k}" for k in range(9)])},
    ),
    case(
        "map fit empty model name",
        "map fit --data {i}/b.csv --out {o}/m.nc",
        "b.csv, row 3, column 'model': every row needs a model name",
        files={
            "b.csv": csv("model,mmlu,mmlu_pro", *[f"{'' if k == 2 else f'm{k}'},{40 + k},{15 + k}" for k in range(9)])
        },
    ),
    case("map fit benchmark nosuch", "map fit --benchmark nosuch --out {o}/m.nc", "--benchmark"),
    case("map fit data missing", "map fit --data {i}/nope.csv --out {o}/m.nc", "nope.csv"),
    case(
        "map fit duplicate model",
        "map fit --data {i}/b.csv --out {o}/m.nc",
        "b.csv, row 9 (model 'm0'), column 'model': duplicate model name (first used in row 1)",
        files={"b.csv": csv("model,mmlu,mmlu_pro", *[f"m{k % 8},{40 + k},{15 + k}" for k in range(9)])},
    ),
    case("map fit draws 0", "map fit --draws 0 --out {o}/m.nc", "--draws"),
    case("map fit chains 0", "map fit --chains 0 --out {o}/m.nc", "--chains"),
    case("map fit variant nosuch", "map fit --variant nosuch --out {o}/m.nc", "--variant"),
    case("map fit published for bbh", "map fit --benchmark bbh --variant published --out {o}/m.nc", "--variant"),
    case("map fit data is a directory", "map fit --data {i} --out {o}/m.nc", "--data"),
    case(
        "map fit data without score column",
        "map fit --data {i}/good.csv --out {o}/m.nc",
        "good.csv",
        "mmlu_pro",
    ),
    case(
        "map fit non-numeric score",
        "map fit --data {i}/t.csv --out {o}/m.nc",
        "t.csv",
        "row 1",
        "mmlu_pro",
        files={"t.csv": csv("model,mmlu,mmlu_pro", "a,50,abc", "b,60,30")},
    ),
    case(
        "map fit data header only",
        "map fit --data {i}/t.csv --out {o}/m.nc",
        "t.csv",
        files={"t.csv": csv("model,mmlu,mmlu_pro")},
    ),
    case(
        "map fit data one row",
        "map fit --data {i}/t.csv --out {o}/m.nc",
        "t.csv",
        files={"t.csv": csv("model,mmlu,mmlu_pro", "a,50,20")},
    ),
    case("map fit out parent is a file", "map fit --out {i}/good.csv/m.nc", "--out"),
    case("map fit out is a directory", "map fit --out {o}", "--out"),
    case("map fit priors JSON array", "map fit --priors {i}/p.json --out {o}/m.nc", "p.json", files={"p.json": "[]"}),
]

ADD = (
    "data add --hf-config {r}/tests/fixtures/hf/llama3_8b.json --model x --tokens 15T --mmlu 60 --release 2024-01 "
    "--organization o --source https://example.org --table {o}/t.csv"
)
DATA = [
    case(
        "data add config with a key twice",
        ADD.replace("{r}/tests/fixtures/hf/llama3_8b.json", "{i}/c.json"),
        "c.json, column 'hidden_size': 'hidden_size' is given twice in one object",
        files={"c.json": HF_LLAMA.replace('"hidden_size": 4096,', '"hidden_size": 4096, "hidden_size": 2048,')},
    ),
    case("data check missing", "data check {i}/nope.csv", "nope.csv"),
    case("data check directory", "data check {i}", "table"),
    case(
        "data check duplicate header",
        "data check {i}/d.csv",
        "d.csv",
        "model",
        files={"d.csv": csv("model,model", "a,b")},
    ),
    case("data no sub-command", "data", "add,check"),
    case("data check cutoff month 13", "data check {r}/data/reference_models.csv --cutoff 2025-13", "--cutoff"),
    case("data add missing flags", "data add --hf-config {r}/tests/fixtures/hf/llama3_8b.json", "--model"),
    case("data add tokens bare", ADD.replace("15T", "15"), "--tokens"),
    case("data add mmlu 150", ADD.replace("--mmlu 60", "--mmlu 150"), "--mmlu"),
    case("data add month 13", ADD.replace("2024-01", "2024-13"), "--release"),
    case("data add after the cut-off", ADD.replace("2024-01", "2025-04"), "--release", "cut-off"),
    case("data add table is a directory", ADD.replace("{o}/t.csv", "{i}"), "--table"),
    case("data add config is a directory", ADD.replace("{r}/tests/fixtures/hf/llama3_8b.json", "{i}"), "--hf-config"),
    case("data add empty source", ADD.replace("https://example.org", "''"), "argument --source: must not be empty"),
    case(
        "data add source not a URL",
        ADD.replace("https://example.org", "nonsense"),
        "argument --source: must be a URL (https://...) or owner/repo:path@commit where the numbers were read, got "
        "'nonsense'",
    ),
    case(
        "data add empty organization",
        ADD.replace("--organization o", "--organization ' '"),
        "argument --organization: must not be empty",
    ),
    case(
        "data add model name on two lines",
        ADD.replace("--model x", "--model 'x\ny'"),
        "argument --model: must be one line of printable text",
    ),
    case(
        "data add active params of a dense model",
        ADD + " --active-params 2B",
        "option --active-params: llama3_8b.json describes a dense model (no routed experts): it has no "
        "activated-parameter count",
    ),
    case("data add params far off", ADD + " --params 20B", "params_B", "8.03 B"),
]

MULTIBENCH_FIT = [
    case(
        "multibench fit benchmark column misspelt",
        "multibench fit --data {i}/mb.csv --out {o}/m.nc",
        "mb.csv, column 'GSM8K': looks like benchmark 'gsm8k': benchmark columns are named exactly",
        files={"mb.csv": renamed_header(MULTIBENCH_LINES, "gsm8k", "GSM8K")},
    ),
    case(
        "multibench fit anchor missing",
        "multibench fit --data {i}/mb.csv --out {o}/m.nc",
        "mb.csv, column 'gsm8k': needs at least 10 gsm8k scores: factor 2 of 2 is anchored on it",
        files={"mb.csv": renamed_header(MULTIBENCH_LINES, "gsm8k", "gsm8k_old")},
    ),
    case("multibench fit variant nosuch", "multibench fit --variant k9 --out {o}/m.nc", "--variant", "k9"),
    case("multibench fit variant empty", "multibench fit --variant '' --out {o}/m.nc", "unknown variant ''"),
    case("multibench fit draws 0", "multibench fit --draws 0 --out {o}/m.nc", "--draws"),
    case("multibench fit data missing", "multibench fit --data {i}/nope.csv --out {o}/m.nc", "nope.csv"),
    case(
        "multibench fit priors unknown distribution",
        "multibench fit --priors {i}/p.json --out {o}/m.nc",
        ("p.json", "--priors"),
        "cannot build this prior (UnsupportedDistributionError",
        files={"p.json": '{"nu": {"dist": "NoSuch", "kwargs": {}}}'},
    ),
    case("multibench fit out is a directory", "multibench fit --out {o}", "--out"),
    case(
        "multibench fit non-numeric score",
        "multibench fit --data {i}/t.csv --out {o}/m.nc",
        "t.csv",
        "row 1",
        "mmlu",
        files={"t.csv": csv("model,mmlu,arc_c", "a,abc,40", "b,60,30")},
    ),
    case(
        "multibench fit without mmlu",
        "multibench fit --data {i}/t.csv --out {o}/m.nc",
        "t.csv",
        "mmlu",
        files={"t.csv": csv("model,arc_c", *[f"m{k},{30 + k}" for k in range(12)])},
    ),
]

CASES = PREDICT + EVALUATE + VALIDATE + PLAN + FIT + SCREEN + REPORT + BACKTEST + FLP_PREDICT + FLP_FIT
CASES += FLP_BACKTEST + MAP_FIT + MULTIBENCH_FIT + DATA


# --- running --------------------------------------------------------------------------------------


class SamplingStarted(Exception):
    """Raised instead of sampling: every case must be refused before a fit starts."""


@pytest.fixture(autouse=True)
def no_sampling(monkeypatch):
    def refuse(*args, **kwargs):
        raise SamplingStarted("sampling started: the input was not refused before the fit")

    monkeypatch.setattr(fitting, "sample", refuse)
    monkeypatch.delenv("BAYES_PERFLAW_TRACEBACK", raising=False)


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """(inputs, outputs): inputs holds good.csv; outputs is empty and the working directory."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    out.mkdir()
    (inp / "good.csv").write_text(GOOD_CSV)
    monkeypatch.chdir(out)
    yield inp, out
    for p in [tmp_path, *tmp_path.rglob("*")]:  # undo chmod so that pytest can clean up
        if not p.is_symlink() and (p.is_dir() or p.is_file()):
            p.chmod(0o700 if p.is_dir() else 0o600)


def listing(root: Path) -> list[str]:
    """Every path under ``root``, hidden ones included (temporary and probe files start with a dot)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's --help/--version; errors return 2
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_contract(code: int, err: str, must) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {err!r}"
    for fragment in must:
        options = fragment if isinstance(fragment, tuple) else (fragment,)
        assert any(o in lines[0] for o in options), f"none of {options} in {lines[0]!r}"
    return lines[0]


@pytest.mark.parametrize("argv, must, files", CASES)
def test_bad_input(argv, must, files, dirs, tmp_path, capsys):
    inp, out = dirs
    for name, content in files.items():
        path = inp / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    where = {"i": str(inp), "o": str(out), "m": str(MODELS), "r": str(ROOT)}
    args = [a.format(**where) for a in shlex.split(argv)]
    must = [tuple(x.format(**where) for x in m) if isinstance(m, tuple) else m.format(**where) for m in must]
    before = listing(tmp_path)
    code, _, err = run(args, capsys)
    assert_contract(code, err, must)
    assert listing(tmp_path) == before, "files left behind"


def registered_parsers() -> dict[str, argparse.ArgumentParser]:
    """Every sub-command the parser registers ('predict', 'flp fit', 'data add', ...), with its parser."""
    from bayes_perflaw.cli.main import build_parser

    def walk(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, argparse.ArgumentParser]]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [(prefix.strip(), parser)]
        return [c for name, p in subs[0].choices.items() for c in walk(p, f"{prefix} {name}")]

    return dict(walk(build_parser(), ""))


def registered_commands() -> list[str]:
    return list(registered_parsers())


GROUPS = {c.split()[0] for c in registered_commands() if " " in c}  # flp, map, data


def command_of(argv: str) -> str:
    words = shlex.split(argv)
    return " ".join(words[:2]) if words[0] in GROUPS and len(words) > 1 else words[0]


def test_every_command_has_cases():
    counts: dict[str, int] = {}
    for param in CASES:
        counts[command_of(param.values[0])] = counts.get(command_of(param.values[0]), 0) + 1
    commands = registered_commands()
    assert sorted(c for c in counts if c in commands) == sorted(commands)  # no sub-command without cases
    assert min(counts[c] for c in commands) >= 4 and len(CASES) >= 100, counts


def test_every_output_flag_is_typed_as_an_output():
    """An --out / --output parsed as a plain path counted as a file the command reads once it existed, so rewriting
    it was refused (``backtest --out reports/backtest.md`` failed in ``make models``, session 21)."""
    from bayes_perflaw.cli.argtypes import OutputPath

    flags = {
        (command, action.option_strings[0]): action.type("x.csv")
        for command, parser in registered_parsers().items()
        for action in parser._actions
        if action.dest in ("out", "output")
    }
    assert len(flags) >= 12, flags
    assert {k: type(v).__name__ for k, v in flags.items() if not isinstance(v, OutputPath)} == {}


# --- edge cases that must succeed -----------------------------------------------------------------


@pytest.mark.parametrize("png", ["energy.png", "priors.png", "loadings.png", "scores.png"])
def test_multibench_report_checks_its_figures_before_work(png, dirs, capsys):
    """A multi-benchmark report writes its figures beside index.html: a figure's name taken by a folder is refused
    before any plotting (it failed after ~15 s and left the other PNG files)."""
    _, out = dirs
    (out / "r" / png).mkdir(parents=True)
    before = listing(out)
    code, _, err = run(["report", "--posterior", str(MODELS / "multibench.nc"), "--out", str(out / "r")], capsys)
    assert_contract(code, err, [f"file {png} of the output folder", "--out"])
    assert listing(out) == before


def test_backtest_may_rewrite_its_existing_markdown(dirs, capsys):
    """An existing --out file is an output to replace, not an input the command would destroy: the command goes on
    to its fits (stopped here at the sampler)."""
    _, out = dirs
    (out / "bt.md").write_text("old\n")
    (out / "bt.csv").write_text("old\n")
    code, _, err = run(
        ["backtest", "--split-date", "2024-04", "--variants", "plain", "--out", str(out / "bt.md")], capsys
    )
    assert code == 1 and "SamplingStarted: sampling started" in err, err  # main reports the fixture's stop
    assert (out / "bt.md").read_text() == "old\n" and (out / "bt.csv").read_text() == "old\n"


def _predict_one(params: str, out: Path, capsys) -> pd.Series:
    argv = ["predict", "--layers", "32", "--hidden", "4096", "--ffn", "14336", "--tokens", "15T"]
    code, _, err = run([*argv, "--params", params, "--output", str(out)], capsys)
    assert code == 0, err
    assert "Traceback" not in err
    return pd.read_csv(out, dtype={"params_B": str, "tokens_T": str}).iloc[0]


def test_predict_sizes_from_flags_are_converted_once(dirs, capsys):
    """--params 1e15 / 1000000B are 1e15 parameters (not 1M): beyond the schema's plausible range (100,000 B), so
    refused naming the flag; within it, an absolute count and a unit give the same prediction."""
    _, out = dirs
    argv = ["predict", "--layers", "32", "--hidden", "4096", "--ffn", "14336", "--tokens", "15T"]
    for huge in ("1e15", "1000000B"):
        code, _, err = run([*argv, "--params", huge, "--output", str(out / "huge.csv")], capsys)
        assert_contract(code, err, ["--params", "implausibly large"])
    assert listing(out) == []
    a = _predict_one("8e9", out / "a.csv", capsys)
    b = _predict_one("8B", out / "b.csv", capsys)
    tiny = _predict_one("1M", out / "c.csv", capsys)
    assert a["mmlu_mean"] == pytest.approx(b["mmlu_mean"], abs=1e-9)
    assert a["mmlu_mean"] != pytest.approx(tiny["mmlu_mean"], abs=1e-3)
    assert a["params_B"] == "8e9" and b["params_B"] == "8B"  # the cells as typed


def test_output_symlink_is_written_through(dirs, capsys):
    inp, out = dirs
    target = out / "target.csv"
    target.write_text("old\n")
    link = out / "link.csv"
    link.symlink_to(target)
    code, _, err = run(["predict", "--law", "paper", "--input", str(inp / "good.csv"), "--output", str(link)], capsys)
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == target.resolve()
    table = pd.read_csv(target)
    assert list(table["model"]) == [r.split(",")[0] for r in GOOD_ROWS] and "mmlu_mean" in table
    assert listing(out) == ["link.csv", "target.csv"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["predict", "--input", "{i}/good.csv", "--output", "/dev/full"],
        ["plan", "--flops", "1e24", "--output", "/dev/full"],
        ["flp", "predict", "--params", "7B", "--tokens", "4T", "--output", "/dev/full"],
        ["evaluate", "--law", "paper", "--output", "/dev/full"],
    ],
    ids=["predict", "plan", "flp predict", "evaluate"],
)
def test_device_output_refused_and_untouched(argv, dirs, tmp_path, capsys):
    inp, _ = dirs
    before = listing(tmp_path)
    code, _, err = run([a.format(i=inp) for a in argv], capsys)
    assert_contract(code, err, [("--output", "/dev/full")])
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode), "/dev/full is no longer a character device"
    assert listing(tmp_path) == before


def test_plan_where_nothing_fits_writes_the_header(dirs, capsys):
    _, out = dirs
    code, _, err = run(["plan", "--flops", "1e15", "--output", str(out / "p.csv")], capsys)
    assert code == 0, err
    text = (out / "p.csv").read_text()
    assert text.strip(), "0-byte CSV"
    header = text.splitlines()[0].split(",")
    assert {"num_hidden_layers", "hidden_size", "params_B", "tokens_T", "mmlu_mean"} <= set(header)
    assert pd.read_csv(out / "p.csv").empty
    assert listing(out) == ["p.csv"]


def test_enormous_plan_grid_is_refused_quickly(dirs, capsys):
    _, out = dirs
    start = time.perf_counter()
    code, _, err = run(["plan", "--flops", "1e24", "--tokens-step", "1M", "--output", str(out / "p.csv")], capsys)
    took = time.perf_counter() - start
    assert_contract(code, err, ["--max-plans"])
    assert took < 5, f"took {took:.1f} s to refuse"
    assert listing(out) == []


# --- process-level: pipes, terminal encodings, signals, FIFOs ---------------------------------------


def cli_process(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bayes_perflaw", *args], env=kw.pop("env", ENV), **kw)


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED=1"])
@pytest.mark.parametrize("big", [False, True], ids=["validate | head -1", "predict 20k rows to stdout | head -1"])
def test_closed_pipe_is_silent(big, unbuffered, tmp_path):
    if big:
        rows = [f"m{k},32,4096,14336,15,8" for k in range(20_000)]
        src = tmp_path / "many.csv"
        src.write_text(csv(LAW_H, *rows))
        args = ["predict", "--law", "paper", "--input", str(src), "--output", "-"]
    else:
        args = ["validate"]
    env = {**ENV, "PYTHONUNBUFFERED": unbuffered}
    proc = cli_process(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.readline()
    proc.stdout.close()
    try:
        code = proc.wait(timeout=60)
    finally:
        err = proc.stderr.read().decode()
        proc.stderr.close()
    assert first
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    # a short output may all fit in the pipe before the reader closes it (0); 20,000 rows (~1 MB) cannot, so a
    # write meets the closed pipe: 141. An unbuffered stdout takes part of a big write and returned 0 with the
    # rest lost until the writer looped over partial writes.
    assert code == 141 if big else code in (0, 141), (code, err)
    assert not [line for line in err.splitlines() if line.strip()], err


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED=1"])
def test_big_output_to_a_slow_reader_is_whole(unbuffered, tmp_path):
    rows = [f"m{k},32,4096,14336,15,8" for k in range(20_000)]
    src = tmp_path / "many.csv"
    src.write_text(csv(LAW_H, *rows))
    env = {**ENV, "PYTHONUNBUFFERED": unbuffered}
    proc = cli_process(
        "predict", "--law", "paper", "--input", str(src), "--output", "-", stdout=subprocess.PIPE, env=env
    )
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0
    lines = out.splitlines()
    assert len(lines) == 20_001 and lines[-1].startswith("m19999,"), lines[-1]


UNICODE_CSV = csv(LAW_H, "Modèle-α,32,4096,14336,15,8")


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "--law", "paper", "--input", "{src}"],
        ["validate", "{src}"],
        ["predict", "--law", "paper", "--model", "Modèle-α", *RECIPE.split()],
    ],
    ids=["predict table", "validate", "predict --model"],
)
def test_unicode_name_on_ascii_terminal(args, tmp_path):
    src = tmp_path / "u.csv"
    src.write_text(UNICODE_CSV, encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "bayes_perflaw", *[a.format(src=src) for a in args]],
        capture_output=True,
        env={**ENV, "PYTHONIOENCODING": "ascii"},
        timeout=120,
    )
    err = res.stderr.decode("ascii", "replace")
    assert "Traceback" not in err, err
    assert res.returncode == 0, err


def test_unicode_name_in_error_on_ascii_terminal(tmp_path):
    src = tmp_path / "u.csv"
    src.write_text(csv(LAW_H, "Modèle-α,32,4096,14336,15,-8"), encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "bayes_perflaw", "predict", "--input", str(src), "--output", str(tmp_path / "p.csv")],
        capture_output=True,
        env={**ENV, "PYTHONIOENCODING": "ascii"},
        timeout=120,
    )
    assert_contract(res.returncode, res.stderr.decode("ascii", "replace"), ["u.csv", "row 1", "params_B"])
    assert listing(tmp_path) == ["u.csv"]


def test_unicode_name_in_csv_on_ascii_stdout(tmp_path):
    src = tmp_path / "u.csv"
    src.write_text(UNICODE_CSV, encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "bayes_perflaw", "predict", "--law", "paper", "--input", str(src), "--output", "-"],
        capture_output=True,
        env={**ENV, "PYTHONIOENCODING": "ascii"},
        timeout=120,
    )
    err = res.stderr.decode("ascii", "replace")
    assert "Traceback" not in err, err
    if res.returncode == 2:  # refusing is within the contract: one line, naming --output
        assert_contract(res.returncode, err, ["--output"])
    else:  # writing is too, if the value is the one in the input (UTF-8 bytes)
        assert res.returncode == 0, err
        assert "Modèle-α" in res.stdout.decode("utf-8", "replace"), res.stdout[-200:]


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_signal_leaves_no_output_nor_temporary_file(sig, code, tmp_path):
    out = tmp_path / "plans.csv"
    args = ["plan", "--flops", "1e26", "--tokens-step", "0.01T", "--all-layers", "--max-plans", "100000000"]
    proc = cli_process(*args, "--output", str(out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        start = time.monotonic()  # ~2 s, and until the temporary output exists (at most 20 s)
        while proc.poll() is None and time.monotonic() - start < 20:
            time.sleep(0.1)
            if time.monotonic() - start >= 2 and any(tmp_path.iterdir()):
                break
        assert proc.poll() is None, "the plan finished before the signal"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = err.decode()
    assert "Traceback" not in err, err
    assert proc.returncode == code, (proc.returncode, err)
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "--law", "paper", "--input", "{good}", "--output", "{fifo}"],
        ["plan", "--flops", "1e24", "--output", "{fifo}"],
        ["predict", "--law", "paper", "--input", "{fifo}"],
        ["validate", "{fifo}"],
    ],
    ids=["predict --output", "plan --output", "predict --input", "validate"],
)
def test_fifo_refused_without_blocking(args, tmp_path):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    good = tmp_path / "good.csv"
    good.write_text(GOOD_CSV)
    flag = next((a for a, b in zip(args, args[1:], strict=False) if b == "{fifo}"), "path")
    argv = [a.format(fifo=fifo, good=good) for a in args]
    try:
        res = subprocess.run(
            [sys.executable, "-m", "bayes_perflaw", *argv], capture_output=True, text=True, env=ENV, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail("blocked on the FIFO")
    assert_contract(res.returncode, res.stderr, [(flag, "fifo.csv")])
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert listing(tmp_path) == ["fifo.csv", "good.csv"]


def make_models_commands() -> list[list[str]]:
    """The ``bayes-perflaw`` command lines of the Makefile's ``models`` target (continuation lines joined)."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = text.split("\nmodels:", 1)[1].split("\n\n", 1)[0]
    return [shlex.split(line.split("bayes-perflaw", 1)[1]) for line in recipe.splitlines() if "bayes-perflaw " in line]


MAKE_MODELS = [c for c in make_models_commands() if command_of(shlex.join(c)) != "report"]  # reports do not sample


def test_make_models_has_its_fitting_commands():
    assert len(MAKE_MODELS) >= 15 and {command_of(shlex.join(c)) for c in MAKE_MODELS} == {
        "fit",
        "backtest",
        "flp fit",
        "flp backtest",
        "multibench fit",
    }


@pytest.mark.parametrize("argv", MAKE_MODELS, ids=[" ".join(c[:3]) for c in MAKE_MODELS])
def test_make_models_commands_pass_their_input_checks(argv, tmp_path, monkeypatch, capsys):
    """Each fitting command of ``make models``, run from the repository on its shipped files, gets past every input
    and output check to its first fit (stopped there by the fixture; ``flp backtest`` of the shipped posterior fits
    nothing and runs through): none refuses its own outputs. The outputs go to a copy of them under tmp_path."""
    import shutil

    monkeypatch.chdir(ROOT)
    argv = list(argv)
    at = argv.index("--out") + 1
    shipped, copy = ROOT / argv[at], tmp_path / argv[at]
    copy.parent.mkdir(parents=True, exist_ok=True)
    if shipped.is_file():  # rewriting an existing output must be allowed
        shutil.copy(shipped, copy)
    elif shipped.is_dir():
        copy.mkdir()
    argv[at] = str(copy)
    code, _, err = run(argv, capsys)
    if code == 0:
        assert argv[:2] == ["flp", "backtest"] and "--data" not in argv and "--variants" not in argv, err
    else:
        assert code == 1 and "SamplingStarted: sampling started" in err, err
