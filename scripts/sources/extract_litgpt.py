#!/usr/bin/env python
"""Extract per-model architectures from Lightning-AI/litgpt ``litgpt/config.py``.

Usage::

    python scripts/sources/extract_litgpt.py MIRROR_DIR [--commit REV]
        [--epoch-model-versions data/sources/epoch_benchmark_stitching/model_versions.csv]

``MIRROR_DIR`` is the bare git directory of a fetched Lightning-AI/litgpt mirror.

The config file is *not imported or executed*: it is parsed with ``ast`` and the
module-level statements that build the ``configs`` list (literal ``dict(...)``
calls, ``configs.extend/append``, ``for`` loops with ``deepcopy`` and
``str.format`` / f-strings, list comprehensions) are evaluated by a tiny,
side-effect-free interpreter that only knows those node types.  Anything else is
reported as "not handled".

Release-date rule (no model released 2025-04 or later may be written):
* a config is kept if its HF repo id (``hf_config`` org/name) is already present in
  ``litgpt/config.py`` at the last commit touching that file on or before
  2025-03-31 (the "cutoff commit") -- a config cannot predate the model it describes;
* a config first added to litgpt after the cutoff commit is kept only if the Epoch
  benchmark-stitching ``model_versions.csv`` extract (already filtered to release
  dates <= 2025-03-31) lists exactly that HF repo id; its Epoch release date is
  then written in ``inclusion_basis``; failing that, it is kept if the exact HF repo id is listed in
  the Open LLM Leaderboard v1/v2 extracts (``data/sources/open_llm_leaderboard/``, snapshots committed
  on 2024-07-13 and 2025-03-21), i.e. the HF repo existed by the snapshot date.
All other configs are dropped and only counted (never named) in SOURCE.txt.

Architecture values are taken from ``--commit`` (default: mirror HEAD, which has
later bug-fixes); ``fields_changed_since_cutoff`` lists any architecture field
whose value differs from the cutoff commit.
"""
# ruff: noqa: E501  (long descriptive strings for SOURCE.txt / README.md)

from __future__ import annotations

import argparse
import ast
import copy as _copy
import csv
import operator
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    CUTOFF_DATE,
    SOURCES_DIR,
    commit_date,
    commit_subject,
    git,
    resolve,
    show_text,
    today,
    write_csv,
)

CONFIG_PATH = "litgpt/config.py"
OUT_DIR = SOURCES_DIR / "litgpt"

# ----------------------------------------------------------------------------
# Tiny AST interpreter
# ----------------------------------------------------------------------------


class Unsupported(Exception):
    pass


class _Continue(Exception):
    pass


class _Break(Exception):
    pass


def _deepcopy(x):
    return _copy.deepcopy(x)


SAFE_CALLS = {
    "deepcopy": _deepcopy,
    "range": range,
    "list": list,
    "len": len,
    "str": str,
    "int": int,
    "float": float,
    "tuple": tuple,
    "min": min,
    "max": max,
}
BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
CMPOPS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
SAFE_METHODS = {
    str: {"format", "replace", "lower", "upper", "strip", "startswith", "endswith", "split", "join"},
    dict: {"get", "copy", "items", "keys", "values", "update", "pop"},
    list: {"append", "extend", "copy", "index", "count"},
}


class Interp:
    def __init__(self, src: str):
        self.src = src
        self.env: dict = {}
        self.unhandled: list[str] = []

    # expressions -----------------------------------------------------------
    def ev(self, n):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            if n.id in self.env:
                return self.env[n.id]
            if n.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[n.id]
            raise Unsupported(f"unknown name {n.id}")
        if isinstance(n, ast.List):
            return [self.ev(e) for e in n.elts]
        if isinstance(n, ast.Tuple):
            return tuple(self.ev(e) for e in n.elts)
        if isinstance(n, ast.Set):
            return {self.ev(e) for e in n.elts}
        if isinstance(n, ast.Dict):
            d = {}
            for k, v in zip(n.keys, n.values, strict=True):
                if k is None:
                    d.update(self.ev(v))
                else:
                    d[self.ev(k)] = self.ev(v)
            return d
        if isinstance(n, ast.Subscript):
            obj = self.ev(n.value)
            if isinstance(n.slice, ast.Slice):
                s = n.slice
                return obj[slice(*(self.ev(x) if x is not None else None for x in (s.lower, s.upper, s.step)))]
            return obj[self.ev(n.slice)]
        if isinstance(n, ast.JoinedStr):
            parts = []
            for v in n.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue):
                    val = self.ev(v.value)
                    spec = self.ev(v.format_spec) if v.format_spec is not None else ""
                    if v.conversion == ord("r"):
                        val = repr(val)
                    elif v.conversion == ord("s"):
                        val = str(val)
                    parts.append(format(val, spec))
                else:
                    raise Unsupported("f-string part")
            return "".join(parts)
        if isinstance(n, ast.BinOp):
            if type(n.op) not in BINOPS:
                raise Unsupported("binop")
            return BINOPS[type(n.op)](self.ev(n.left), self.ev(n.right))
        if isinstance(n, ast.UnaryOp):
            v = self.ev(n.operand)
            if isinstance(n.op, ast.USub):
                return -v
            if isinstance(n.op, ast.UAdd):
                return +v
            if isinstance(n.op, ast.Not):
                return not v
            raise Unsupported("unaryop")
        if isinstance(n, ast.BoolOp):
            if isinstance(n.op, ast.And):
                r = True
                for v in n.values:
                    r = self.ev(v)
                    if not r:
                        return r
                return r
            r = False
            for v in n.values:
                r = self.ev(v)
                if r:
                    return r
            return r
        if isinstance(n, ast.Compare):
            left = self.ev(n.left)
            for op, comp in zip(n.ops, n.comparators, strict=True):
                right = self.ev(comp)
                if not CMPOPS[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(n, ast.IfExp):
            return self.ev(n.body) if self.ev(n.test) else self.ev(n.orelse)
        if isinstance(n, ast.ListComp):
            if len(n.generators) != 1:
                raise Unsupported("listcomp with several generators")
            g = n.generators[0]
            out = []
            saved = dict(self.env)
            try:
                for item in self.ev(g.iter):
                    self.bind(g.target, item)
                    if all(self.ev(c) for c in g.ifs):
                        out.append(self.ev(n.elt))
            finally:
                self.env = saved
            return out
        if isinstance(n, ast.Call):
            return self.call(n)
        raise Unsupported(type(n).__name__)

    def call(self, n: ast.Call):
        f = n.func
        args = []
        for a in n.args:
            if isinstance(a, ast.Starred):
                args.extend(self.ev(a.value))
            else:
                args.append(self.ev(a))
        kwargs = {}
        for k in n.keywords:
            if k.arg is None:
                kwargs.update(self.ev(k.value))
            else:
                kwargs[k.arg] = self.ev(k.value)
        if isinstance(f, ast.Name):
            if f.id == "dict":
                d = dict(*args, **kwargs)
                if "hf_config" in d:
                    d["__lineno__"] = n.lineno
                return d
            if f.id in SAFE_CALLS:
                return SAFE_CALLS[f.id](*args, **kwargs)
            raise Unsupported(f"call {f.id}")
        if isinstance(f, ast.Attribute):
            obj = self.ev(f.value)
            allowed = SAFE_METHODS.get(type(obj), set())
            if f.attr not in allowed:
                raise Unsupported(f"method {type(obj).__name__}.{f.attr}")
            return getattr(obj, f.attr)(*args, **kwargs)
        raise Unsupported("call form")

    def bind(self, target, value):
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            vals = list(value)
            if len(vals) != len(target.elts):
                raise Unsupported("unpack length")
            for t, v in zip(target.elts, vals, strict=True):
                self.bind(t, v)
        elif isinstance(target, ast.Subscript):
            obj = self.ev(target.value)
            obj[self.ev(target.slice)] = value
        else:
            raise Unsupported("assign target")

    # statements ------------------------------------------------------------
    def run_body(self, body):
        for s in body:
            self.stmt(s)

    def stmt(self, s):
        if isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Pass)):
            return
        if isinstance(s, ast.Assign):
            v = self.ev(s.value)
            for t in s.targets:
                self.bind(t, v)
            return
        if isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.bind(s.target, self.ev(s.value))
            return
        if isinstance(s, ast.AugAssign):
            cur = self.ev(s.target)
            val = self.ev(s.value)
            if isinstance(s.op, ast.Add):
                if isinstance(cur, list):
                    cur += val
                    return
                self.bind(s.target, cur + val)
                return
            raise Unsupported("augassign op")
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):  # docstring
                return
            self.ev(s.value)
            return
        if isinstance(s, ast.For):
            broke = False
            for item in self.ev(s.iter):
                self.bind(s.target, item)
                try:
                    self.run_body(s.body)
                except _Continue:
                    continue
                except _Break:
                    broke = True
                    break
            if not broke and s.orelse:
                self.run_body(s.orelse)
            return
        if isinstance(s, ast.If):
            if self.ev(s.test):
                self.run_body(s.body)
            else:
                self.run_body(s.orelse)
            return
        if isinstance(s, ast.Continue):
            raise _Continue
        if isinstance(s, ast.Break):
            raise _Break
        raise Unsupported(type(s).__name__)

    def run_module(self, tree: ast.Module):
        started = False
        for s in tree.body:
            # start interpreting at the first module-level assignment to `configs`
            if not started:
                if isinstance(s, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "configs" for t in s.targets):
                    started = True
                else:
                    continue
            try:
                self.stmt(s)
            except (Unsupported, KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
                seg = (ast.get_source_segment(self.src, s) or "").splitlines()[0][:80]
                self.unhandled.append(f"line {s.lineno}: {type(e).__name__}: {e} :: {seg}")
        return self.env.get("configs", [])


def parse_configs(src: str):
    tree = ast.parse(src)
    it = Interp(src)
    configs = it.run_module(tree)
    defaults = config_defaults(tree)
    return configs, defaults, it.unhandled


def config_defaults(tree: ast.Module) -> dict:
    """Defaults of the ``Config`` dataclass fields (literal ones only)."""
    out = {}
    for s in tree.body:
        if isinstance(s, ast.ClassDef) and s.name == "Config":
            for b in s.body:
                if isinstance(b, ast.AnnAssign) and isinstance(b.target, ast.Name) and b.value is not None:
                    try:
                        out[b.target.id] = ast.literal_eval(b.value)
                    except Exception:
                        pass
    return out


def find_multiple(n: int, k: int) -> int:
    return n if n % k == 0 else n + k - (n % k)


ARCH_FIELDS = [
    "n_layer",
    "n_embd",
    "intermediate_size",
    "moe_intermediate_size",
    "n_head",
    "n_query_groups",
    "head_size",
    "vocab_size",
    "padded_vocab_size",
    "mlp_class_name",
    "n_expert",
    "n_expert_per_token",
    "n_shared_expert",
    "first_k_dense_replace",
    "bias",
    "attn_bias",
    "lm_head_bias",
    "parallel_residual",
    "shared_attention_norm",
    "norm_class_name",
    "block_size",
    "rotary_percentage",
    "sliding_window_size",
]


def resolve_config(c: dict, defaults: dict) -> dict:
    """Apply litgpt ``Config.__post_init__`` semantics for the fields we export."""
    explicit = {k for k in c if not k.startswith("__")}
    r = {k: c.get(k, defaults.get(k)) for k in ARCH_FIELDS}
    # head_size: n_embd // n_head if unset
    if r["head_size"] is None:
        r["head_size"] = r["n_embd"] // r["n_head"]
    # padded vocab: find_multiple(vocab_size, padding_multiple) if unset, else vocab=min(vocab, padded)
    pm = c.get("padding_multiple", defaults.get("padding_multiple"))
    if c.get("padded_vocab_size") is None:
        r["padded_vocab_size"] = find_multiple(r["vocab_size"], pm)
    else:
        r["vocab_size"] = min(r["vocab_size"], r["padded_vocab_size"])
    if r["n_query_groups"] is None:
        r["n_query_groups"] = r["n_head"]
    if r["intermediate_size"] is None:
        r["intermediate_size"] = 4 * r["n_embd"]
    la = c.get("latent_attention")
    r["latent_attention"] = ";".join(f"{k}={v}" for k, v in la.items()) if isinstance(la, dict) else ""
    r["defaulted_fields"] = ";".join(
        k
        for k in [
            "n_layer",
            "n_embd",
            "intermediate_size",
            "n_head",
            "n_query_groups",
            "head_size",
            "vocab_size",
            "padded_vocab_size",
            "mlp_class_name",
            "bias",
        ]
        if k not in explicit
    )
    return r


GATED = {"LLaMAMLP": True, "GemmaMLP": True, "LLaMAMoE": True, "GptNeoxMLP": False}


def hf_id(c: dict) -> str:
    h = c.get("hf_config") or {}
    return f"{h.get('org', '')}/{h.get('name', '')}"


def comment_url(src_lines: list[str], lineno: int | None) -> str:
    """The ``# https://huggingface.co/...`` comment line right above a dict literal, if any."""
    if not lineno:
        return ""
    for i in range(lineno - 2, max(lineno - 4, -1), -1):
        t = src_lines[i].strip()
        if t.startswith("# https://"):
            return t[2:].strip()
        if t and not t.startswith("#"):
            break
    return ""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mirror")
    ap.add_argument("--commit", default="HEAD")
    ap.add_argument(
        "--epoch-model-versions",
        default=str(SOURCES_DIR / "epoch_benchmark_stitching" / "model_versions.csv"),
        help="Epoch model_versions extract used to admit configs added to litgpt after the cutoff",
    )
    ap.add_argument(
        "--leaderboard-dir",
        default=str(SOURCES_DIR / "open_llm_leaderboard"),
        help="Open LLM Leaderboard extracts (v1_pretrained.csv, v2_pretrained.csv) used as a second admission basis",
    )
    a = ap.parse_args(argv)
    mirror = a.mirror
    commit = resolve(mirror, a.commit)
    cut = git(mirror, "rev-list", "-1", f"--before={CUTOFF_DATE}T23:59:59Z", commit, "--", CONFIG_PATH).strip()

    src = show_text(mirror, commit, CONFIG_PATH)
    src_cut = show_text(mirror, cut, CONFIG_PATH)
    configs, defaults, unhandled = parse_configs(src)
    configs_cut, defaults_cut, unhandled_cut = parse_configs(src_cut)
    lines = src.splitlines()

    cut_by_id = {}
    for c in configs_cut:
        cut_by_id.setdefault(hf_id(c).lower(), resolve_config(c, defaults_cut))

    epoch_dates = {}
    p = Path(a.epoch_model_versions)
    if p.exists():
        with open(p, newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r.get("hf_repo_id") and r.get("release_date") and r["release_date"][:10] <= CUTOFF_DATE:
                    epoch_dates.setdefault(r["hf_repo_id"].lower(), r["release_date"])

    lb_ids = {}
    for fn in ("v1_pretrained.csv", "v2_pretrained.csv"):
        q = Path(a.leaderboard_dir) / fn
        if q.exists():
            with open(q, newline="", encoding="utf-8") as fh:
                for r in csv.DictReader(fh):
                    lb_ids.setdefault(r["model_id"].lower(), r["source"])

    rows, dropped, seen = [], 0, set()
    admitted_by_epoch = admitted_by_lb = 0
    for c in configs:
        hid = hf_id(c)
        key = hid.lower()
        if key in seen:
            continue
        seen.add(key)
        if key in cut_by_id:
            basis = f"in litgpt config.py at cutoff commit {cut[:12]} ({commit_date(mirror, cut)[:10]})"
        elif key in epoch_dates:
            basis = f"added to litgpt after cutoff; Epoch model_versions release_date={epoch_dates[key]}"
            admitted_by_epoch += 1
        elif key in lb_ids:
            basis = f"added to litgpt after cutoff; HF repo listed in Open LLM Leaderboard snapshot {lb_ids[key]}"
            admitted_by_lb += 1
        else:
            dropped += 1
            continue
        r = resolve_config(c, defaults)
        changed = []
        if key in cut_by_id:
            changed = [f for f in ARCH_FIELDS if cut_by_id[key].get(f) != r.get(f)]
        lineno = c.get("__lineno__")
        rows.append(
            {
                "hf_repo_id": hid,
                "litgpt_name": c.get("name", ""),
                **{k: r[k] for k in ARCH_FIELDS},
                "gated_mlp": GATED.get(r["mlp_class_name"], ""),
                "is_moe": r["mlp_class_name"] == "LLaMAMoE" or (r["n_expert"] or 0) > 0,
                "latent_attention": r["latent_attention"],
                "tied_embeddings": "",  # litgpt Config has no tie-embeddings field
                "defaulted_fields": r["defaulted_fields"],
                "fields_changed_since_cutoff": ";".join(changed),
                "inclusion_basis": basis,
                "hf_config_url_comment": comment_url(lines, lineno),
                "source": f"Lightning-AI/litgpt:{CONFIG_PATH}@{commit}#L{lineno}"
                if lineno
                else f"Lightning-AI/litgpt:{CONFIG_PATH}@{commit}",
            }
        )

    cols = [
        "hf_repo_id",
        "litgpt_name",
        *ARCH_FIELDS,
        "gated_mlp",
        "is_moe",
        "latent_attention",
        "tied_embeddings",
        "defaulted_fields",
        "fields_changed_since_cutoff",
        "inclusion_basis",
        "hf_config_url_comment",
        "source",
    ]
    rows.sort(key=lambda r: r["hf_repo_id"].lower())
    write_csv(OUT_DIR / "architectures.csv", rows, cols)

    n_moe = sum(1 for r in rows if r["is_moe"])
    n_changed = sum(1 for r in rows if r["fields_changed_since_cutoff"])
    src_txt = (
        f"""Source: Lightning-AI/litgpt (https://github.com/Lightning-AI/litgpt)
Licence: Apache-2.0 (LICENSE.md in the repository; config.py header: "Licensed under the Apache License 2.0")
Path copied from: {CONFIG_PATH}
Commit used for values: {commit} ({commit_date(mirror, commit)}) "{commit_subject(mirror, commit)}"
Cutoff commit (last commit touching {CONFIG_PATH} on or before {CUTOFF_DATE}): {cut} ({commit_date(mirror, cut)}) "{commit_subject(mirror, cut)}"
Fetched/extracted: {today()}
Extraction script: scripts/sources/extract_litgpt.py <litgpt git mirror>

Method: config.py parsed with `ast` and the list-building statements evaluated by a restricted
interpreter (no import/exec of the file). Values resolved with litgpt Config.__post_init__ semantics
(head_size = n_embd // n_head if unset; padded_vocab_size = vocab_size rounded up to padding_multiple if
unset; n_query_groups = n_head if unset; intermediate_size = 4*n_embd if unset); the fields that fell back
to Config defaults or these rules are listed per row in `defaulted_fields`.

File: architectures.csv  -- one row per distinct hf_config (org/name, first occurrence), {len(rows)} rows
Columns:
  hf_repo_id             Hugging Face repo id from hf_config (org/name)
  litgpt_name            litgpt config name
  n_layer                num_hidden_layers
  n_embd                 hidden_size
  intermediate_size      FFN hidden size (dense MLP; for LLaMAMoE the dense/shared size field as in litgpt)
  moe_intermediate_size  per-expert FFN size (only set for some MoE configs)
  n_head                 attention (query) heads
  n_query_groups         key/value heads (GQA groups; = n_head for MHA)
  head_size              per-head dimension
  vocab_size, padded_vocab_size   tokenizer vocab and embedding-matrix rows
  mlp_class_name         GptNeoxMLP (not gated) | LLaMAMLP / GemmaMLP / LLaMAMoE (gated)
  n_expert, n_expert_per_token, n_shared_expert, first_k_dense_replace   MoE fields (0/empty = dense)
  bias, attn_bias, lm_head_bias, parallel_residual, shared_attention_norm, norm_class_name,
  block_size (context length), rotary_percentage, sliding_window_size   other litgpt fields
  gated_mlp              derived from mlp_class_name
  is_moe                 mlp_class_name == LLaMAMoE or n_expert > 0
  latent_attention       MLA parameters if present (none at these commits)
  tied_embeddings        empty: litgpt's Config has no tied-embedding field (not stated by this source)
  defaulted_fields       fields not set explicitly in the config dict
  fields_changed_since_cutoff  architecture fields whose value differs between cutoff commit and value commit
  inclusion_basis        why the row may be included under the <= {CUTOFF_DATE} release rule
  hf_config_url_comment  the "# https://huggingface.co/.../config.json" comment above the dict (templated
                         entries carry the comment of the template, i.e. of one variant)
  source                 owner/repo:path@commit#Lline of the dict literal

Counts: {len(rows)} rows written; {n_moe} MoE; {n_changed} rows with a field changed since the cutoff commit;
{admitted_by_epoch} rows added to litgpt after the cutoff but admitted through an Epoch release date <= {CUTOFF_DATE};
{admitted_by_lb} rows added after the cutoff but admitted because the HF repo is listed in an Open LLM Leaderboard
snapshot committed <= {CUTOFF_DATE};
{dropped} distinct hf ids present at the value commit were DROPPED (added to litgpt after the cutoff, with no
Epoch release date <= {CUTOFF_DATE} and not in a leaderboard snapshot; deliberately not named here).
Configs evaluated: value commit {len(configs)} dicts, cutoff commit {len(configs_cut)} dicts.
Statements not handled by the interpreter (value commit): {len(unhandled)}
"""
        + "".join(f"  - {u}\n" for u in unhandled)
        + f"""Statements not handled (cutoff commit): {len(unhandled_cut)}
"""
        + "".join(f"  - {u}\n" for u in unhandled_cut)
    )
    (OUT_DIR / "SOURCE.txt").write_text(src_txt, encoding="utf-8")
    print(src_txt)


if __name__ == "__main__":
    main()
