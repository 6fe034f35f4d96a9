"""Build data/flp/ from the OLMo-2 model ladder and from Gadre et al.'s over-training runs.

data/flp/olmo_ladder.csv comes from shared/data/olmo_ladder_peteish.

One row per (run, checkpoint, task): run, N (parameters), D (tokens so far), C = 6 N D, C4 and code
(Dolma stack) validation loss (nats/token), the task's bpb ("task loss") and accuracy (5-shot, ranked
classification, length-normalised where OLMo reports it), the task's chance level, and provenance (source
file, step). Task names carry the metric (``mmlu_rc``: ranked-classification MMLU, not the 5-shot multiple-choice
MMLU the Performance Law predicts), spelled out in the ``metric`` column. Rows with ``role``:
* ``ladder``: every ladder run, 190M-3B at 0.5-10 x Chinchilla (the sampling models; the FLP paper's
  go up to 3B too). ``ai2_fit`` marks the subset AI2's ladder paper fitted (190M-1.3B at 1-10 x C,
  paper_configs/final.json);
* ``target``: OLMo-2 7B (final annealed checkpoint, 3.945T tokens) and 13B (last checkpoint; tokens =
  step x batch size = 596,057 x 8,388,608 = 5.0T, derived): **never used to fit**.
Checkpoints are thinned to at most 40 per run (evenly spaced in steps, always keeping the last).
N comes from paper_configs/final.json; the 3B runs' N is not published there and is **derived** from the
ladder's definition (1 x C = 20 tokens/param): N = final tokens / (20 x multiple) (column n_source).
MMLU = mean of its four subject groups (val split).

data/flp/olmo_ladder_to_760m.csv is the same ladder cut at 760M (:func:`truncated`): fit on the 190M-760M runs,
predict the 1B and 3B runs at 5x and 10x Chinchilla (the truncated-ladder backtest).

data/flp/gadre_{c4,rpj,rw}.csv come from shared/data/gadre_overtraining_scaling (mlfoundations/scaling
@a003c49, MIT), one file per training corpus (C4, RedPajama, RefinedWeb): final checkpoints only
(step 1), N = hyperparameters.params, D = hyperparameters.tokens, C = 6 N D, c4_loss = the C4 validation
loss (val_data c4_val), code_loss = Paloma's 100 programming languages (nats/token), all 46 ICL tasks with
their "Random baseline" (eval_metadata.csv) as chance. ``role`` = ``target`` for the runs above 1B
parameters (1.4B and 6.9B; Gadre et al. fit on the smaller ones and predict these), ``ladder`` otherwise.

Run: `python scripts/build_flp_data.py [SHARED_DATA_DIR]`.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
GADRE_COMMIT = "mlfoundations/scaling@a003c49"
GADRE_CORPORA = {"c4_original": "c4", "rpj": "rpj", "rw_original": "rw"}
GADRE_LOSSES = {"c4_loss": "c4_val/", "code_loss": "paloma_dolma_100_programing_languages/"}
COMMIT = "allenai/OLMo@9bc064c (scripts/scaling/data/peteish-moreeval)"
TASKS = {  # task -> (accuracy column suffix, chance)
    "mmlu": ("len_norm", 0.25),
    "hellaswag": ("len_norm", 0.25),
    "arc_easy": ("len_norm", 0.25),
    "arc_challenge": ("len_norm", 0.25),
    "boolq": ("acc", 0.5),
    "csqa": ("len_norm", 0.2),
    "openbookqa": ("len_norm", 0.25),
    "piqa": ("len_norm", 0.5),
    "socialiqa": ("len_norm", 1 / 3),
    "winogrande": ("len_norm", 0.5),
}
MMLU_GROUPS = ("stem", "humanities", "social_sciences", "other")
SIZES = {"190M": "190M", "370M": "370M", "760M": "760M", "1B": "1.3B", "3B": None}
MAX_CHECKPOINTS = 40


def task_columns(df: pd.DataFrame, task: str) -> tuple[pd.Series, pd.Series]:
    """(bpb, accuracy) of a task; MMLU averages its four subject groups."""
    suffix, _ = TASKS[task]
    if task == "mmlu":
        acc = np.mean([df[f"eval/downstream/mmlu_{g}_val_rc_5shot_len_norm"] for g in MMLU_GROUPS], axis=0)
        bpb = np.mean([df[f"eval/downstream_bpb/mmlu_{g}_val_rc_5shot_bpb"] for g in MMLU_GROUPS], axis=0)
        return pd.Series(bpb, index=df.index), pd.Series(acc, index=df.index)
    return df[f"eval/downstream_bpb/{task}_val_rc_5shot_bpb"], df[f"eval/downstream/{task}_val_rc_5shot_{suffix}"]


def olmo_metric(task: str) -> str:
    """What the ladder's accuracy of ``task`` measures (read off the source column names)."""
    suffix, _ = TASKS[task]
    how = "length-normalised accuracy" if suffix == "len_norm" else "accuracy"
    groups = ", mean of its 4 subject groups" if task == "mmlu" else ""
    return f"ranked classification (RC: each answer's text scored), 5-shot, {how}, val split{groups}"


def long_rows(
    df: pd.DataFrame, run: str, n: float, n_source: str, role: str, source: str, ai2_fit: bool = False
) -> pd.DataFrame:
    out = []
    for task, (_, chance) in TASKS.items():
        bpb, acc = task_columns(df, task)
        out.append(
            pd.DataFrame(
                {
                    "run": run,
                    "role": role,
                    "ai2_fit": int(ai2_fit),
                    "step": df["_step"].astype(int),
                    "n_params": n,
                    "n_source": n_source,
                    "tokens": df["tokens"],
                    "flops": 6.0 * n * df["tokens"],
                    "c4_loss": df["eval/c4_en-validation/CrossEntropyLoss"],
                    "code_loss": df["eval/dolma_stack-validation/CrossEntropyLoss"],
                    "task": f"{task}_rc",  # what is measured, in the name: ranked classification (see metric)
                    "metric": olmo_metric(task),
                    "task_bpb": bpb.to_numpy(),
                    "accuracy": acc.to_numpy(),
                    "chance": chance,
                    "source": f"{COMMIT}/{source}",
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def thin(df: pd.DataFrame) -> pd.DataFrame:
    if len(df) <= MAX_CHECKPOINTS:
        return df
    keep = np.unique(np.linspace(0, len(df) - 1, MAX_CHECKPOINTS).round().astype(int))
    return df.iloc[keep]


def build(src: Path) -> pd.DataFrame:
    config = json.loads((src / "paper_configs" / "final.json").read_text())
    n_of = {label: float(v["n"]) for label, v in config.items()}
    frames = []
    for path in sorted(src.glob("*xC.csv")):
        m = re.match(r"(\d+[MB])-([\d.]+)xC\.csv$", path.name)
        if not m:  # -rerun files repeat runs: left out
            continue
        size, mult = m.group(1), float(m.group(2))
        df = pd.read_csv(path).rename(columns={"throughput/total_tokens": "tokens"}).dropna(subset=["tokens"])
        df = thin(df.sort_values("_step"))
        label = SIZES[size]
        if label is not None:
            n, n_source = n_of[label], "paper_configs/final.json"
        else:
            n, n_source = float(df["tokens"].iloc[-1]) / (20 * mult), "derived: final tokens / (20 x multiple)"
        ai2 = label is not None and mult >= 1
        frames.append(long_rows(df, f"{size}-{m.group(2)}xC", n, n_source, "ladder", path.name, ai2))
    seven = pd.read_csv(src / "peteish7_eval_anneal.csv").rename(columns={"throughput/total_tokens": "tokens"})
    seven = seven.copy().assign(_step=0)  # the wide read_csv frame is fragmented: copy first
    frames.append(
        long_rows(
            seven,
            "7B-4T",
            n_of["7B-4T"],
            "paper_configs/final.json",
            "target",
            "peteish7_eval_anneal.csv (final annealed checkpoint)",
        )
    )
    thirteen = pd.read_csv(src / "peteish13_eval_final.csv").tail(1).copy()
    thirteen["tokens"] = thirteen["_step"] * thirteen["batch_size_in_tokens"]
    frames.append(
        long_rows(
            thirteen,
            "13B-5T",
            n_of["13B-5T"],
            "paper_configs/final.json",
            "target",
            "peteish13_eval_final.csv (last checkpoint; tokens = step x batch size)",
        )
    )
    return pd.concat(frames, ignore_index=True)


def gadre_loss(results: list[dict], key: str) -> float:
    hits = [r["loss"] for r in results if any(key in v for v in r["val_data"])]
    if len(hits) != 1:
        raise ValueError(f"expected one {key!r} loss, found {len(hits)}")
    return float(hits[0])


def build_gadre(src: Path) -> dict[str, pd.DataFrame]:
    """One long table per training corpus (final checkpoints of Gadre et al.'s runs)."""
    meta = pd.read_csv(src / "eval_metadata.csv").drop_duplicates("Eval Task").set_index("Eval Task")
    chance = meta["Random baseline"] / 100.0
    rows = []
    for path in sorted((src / "models").glob("*.json")):
        model = json.loads(path.read_text())
        hp = model["hyperparameters"]
        evals = json.loads((src / "evals" / f"evaluation_{path.stem}_heavy.json").read_text())
        n, d = float(hp["params"]), float(hp["tokens"])
        losses = {col: gadre_loss(model["results"], key) for col, key in GADRE_LOSSES.items()}
        for task, acc in sorted(evals["eval_metrics"]["icl"].items()):
            rows.append(
                {
                    "corpus": GADRE_CORPORA[model["dataset_name"]],
                    "run": model["name"],
                    "role": "target" if n > 1e9 else "ladder",
                    "step": 1,
                    "n_params": n,
                    "n_source": "models/*.json hyperparameters.params",
                    "tokens": d,
                    "flops": 6.0 * n * d,
                    **losses,
                    "task": task,
                    "metric": f"{meta.loc[task, 'Task Type']} (llm-foundry ICL accuracy), "
                    f"{meta.loc[task, '#shots']}-shot",
                    "accuracy": float(acc),
                    "chance": float(chance[task]),
                    "source": f"{GADRE_COMMIT}/exp_data/models/{path.name}; evals/evaluation_{path.stem}_heavy.json",
                }
            )
    df = pd.DataFrame(rows)
    return {c: g.drop(columns="corpus").reset_index(drop=True) for c, g in df.groupby("corpus")}


TRUNCATED_TARGETS = ("1B-5xC", "1B-10xC", "3B-5xC", "3B-10xC")


def cut(ladder: pd.DataFrame, sizes: tuple[str, ...], targets: tuple[str, ...]) -> pd.DataFrame:
    """The ladder's runs of ``sizes`` (e.g. ``"760M"``) as the ``ladder`` and its runs ``targets`` as the ``target``;
    the other runs and the OLMo-2 targets are left out."""
    keep = ladder["run"].str.match(rf"({'|'.join(sizes)})-") | ladder["run"].isin(targets)
    out = ladder[keep & (ladder["role"] == "ladder")].copy()
    out.loc[out["run"].isin(targets), "role"] = "target"
    return out.reset_index(drop=True)


def truncated(ladder: pd.DataFrame) -> pd.DataFrame:
    """The ladder cut at 760M: the 190M-760M runs are the ``ladder``; the 1B and 3B runs at 5x and 10x Chinchilla
    are the ``target`` (extrapolating 1.3-4x in size and 5-10x in tokens per parameter)."""
    return cut(ladder, ("190M", "370M", "760M"), TRUNCATED_TARGETS)


def write(df: pd.DataFrame, out: Path) -> None:
    df.to_csv(out, index=False, float_format="%.6g")
    print(f"wrote {len(df)} rows ({df['run'].nunique()} runs, {df['task'].nunique()} tasks) to {out}")


def main(argv: list[str]) -> int:
    shared = Path(argv[1]) if len(argv) > 1 else DEFAULT_SHARED
    out = ROOT / "data" / "flp"
    ladder = build(shared / "olmo_ladder_peteish")
    write(ladder, out / "olmo_ladder.csv")
    write(truncated(ladder), out / "olmo_ladder_to_760m.csv")
    for corpus, df in build_gadre(shared / "gadre_overtraining_scaling").items():
        write(df, out / f"gadre_{corpus}.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
