"""``screen --benchmarks`` and ``Screening.screen(..., benchmarks=...)`` with the shipped posterior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.multibench.model import MultiBench
from bayes_perflaw.multibench.screen import SUFFIXES, screen_scores
from bayes_perflaw.screening.combined import RECIPE_METHOD, screen_claims
from tests.conftest import heavy_imports, write_csv

BENCHES = ["mmlu", "arc_c", "hellaswag", "winogrande", "truthfulqa", "gsm8k"]
HEADER = "model,mmlu,arc_c,hellaswag,winogrande,truthfulqa,gsm8k"
ROWS = (  # made-up models (not in the fit data)
    "alpha,64.0,60.0,82.0,78.0,45.0,40.0",
    "beta,45.0,50.0,75.0,70.0,38.0,12.0",
    "gamma,,55.0,80.0,75.0,,",
)


@pytest.fixture(scope="module")
def multi() -> MultiBench:
    return MultiBench.load()


def _claims(*rows: str, header: str = HEADER) -> pd.DataFrame:
    from io import StringIO

    t = pd.read_csv(StringIO("\n".join([header, *rows])), keep_default_na=False, na_values=[""])
    t.attrs["source"] = "claims.csv"
    return t


def test_columns_and_a_row_does_not_depend_on_the_others(multi):
    both = screen_scores(_claims(*ROWS), multi.draws, BENCHES)
    assert list(both.columns) == [
        *HEADER.split(","),
        *[f"{b}_{s}" for b in BENCHES for s in SUFFIXES],
        "screen_method",
    ]
    alone = screen_scores(_claims(ROWS[1]), multi.draws, BENCHES)
    pd.testing.assert_frame_equal(both.iloc[[1]].reset_index(drop=True), alone)
    again = screen_scores(_claims(*ROWS), multi.draws, BENCHES)
    pd.testing.assert_frame_equal(both, again)
    # an empty cell is predicted, not judged
    g = both.iloc[2]
    assert np.isnan(g["mmlu_tail_prob"]) and g["mmlu_flag"] == "" and g["mmlu_lo"] < g["mmlu_hi"]
    assert g["screen_method"] == "other benchmarks (3 scores given; no recipe)"


def test_a_planted_shift_is_flagged_high_and_the_clean_score_is_not(multi):
    clean = screen_scores(_claims(ROWS[0]), multi.draws, BENCHES).iloc[0]
    assert clean["mmlu_flag"] == "" and clean["mmlu_lo"] < 64.0 < clean["mmlu_hi"]
    planted = _claims(ROWS[0].replace("64.0", f"{clean['mmlu_hi'] + 6:.1f}", 1))
    out = screen_scores(planted, multi.draws, BENCHES).iloc[0]
    assert out["mmlu_flag"] == "high" and out["mmlu_p_high"] > out["mmlu_p_low"]
    assert out["mmlu_outside_by"] == pytest.approx(clean["mmlu_hi"] + 6 - out["mmlu_hi"], abs=0.05)
    # the MMLU prediction itself does not move with the reported MMLU (a score never witnesses for itself)
    assert out["mmlu_pred_mean"] == pytest.approx(clean["mmlu_pred_mean"], abs=0.3)


def test_a_model_of_the_fit_data_is_left_out(multi):
    data = pd.read_csv(multi.default_data())
    row = data[data["model"] == "meta-llama/Llama-2-7b-hf"][["model", *BENCHES]]
    out = screen_scores(row.assign(), multi.draws, BENCHES).iloc[0]
    assert out["screen_method"].endswith("left out of the fit)")
    w = screen_scores(row.assign(), multi.draws, BENCHES, leave_out=False).iloc[0]
    assert w["screen_method"] == "other benchmarks (6 scores given; no recipe)"


def test_only_mmlu_with_a_recipe_falls_back_to_the_recipe_screen(multi):
    from bayes_perflaw.perflaw.schema import validate
    from bayes_perflaw.screening.model import Screening
    from bayes_perflaw.screening.screen import screen_table

    header = HEADER + ",num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B"
    t = _claims("llama-like,66.6,,,,,,32,4096,14336,15T,8B", ROWS[0] + ",,,,,", header=header)
    recipe = Screening.load().draws
    out = screen_claims(t, multi.draws, BENCHES, recipe=recipe)
    assert out.loc[0, "screen_method"] == RECIPE_METHOD
    assert out.loc[1, "screen_method"].startswith("other benchmarks (6 scores")
    ref = screen_table(validate(t.iloc[[0]], source="claims.csv", require_law_inputs=False), recipe)
    assert out.loc[0, "mmlu_tail_prob"] == pytest.approx(ref.loc[0, "tail_prob"], rel=1e-12)
    assert out.loc[0, "mmlu_lo"] == pytest.approx(ref.loc[0, "mmlu_lo"], rel=1e-12)


def test_unknown_benchmark_and_missing_column(multi):
    with pytest.raises(DataError) as err:
        screen_scores(_claims(*ROWS), multi.draws, ["mmlu", "mmlu"])
    assert str(err.value) == "option --benchmarks: benchmark 'mmlu' given twice"
    with pytest.raises(DataError) as err:
        screen_scores(_claims(*ROWS), multi.draws, ["mmlu", "humaneval"])
    assert str(err.value) == (
        "claims.csv, column 'humaneval': missing required column 'humaneval' (a benchmark given with --benchmarks)"
    )


def test_cli_writes_the_flags(cli, tmp_path: Path):
    claims = write_csv(tmp_path / "claims.csv", HEADER, *ROWS)
    out = tmp_path / "flags.csv"
    res = cli("screen", "--benchmarks", ",".join(BENCHES), "--input", str(claims), "--output", str(out))
    assert res.returncode == 0, res.stderr
    assert "screened 3 rows on mmlu, arc_c" in res.stdout
    got = pd.read_csv(out, keep_default_na=False)
    assert len(got) == 3 and "gsm8k_p_high" in got.columns and "screen_method" in got.columns


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--benchmarks", "mmlu,nope"),
            "bayes-perflaw screen: error: option --benchmarks: unknown benchmark 'nope'; choose from ['mmlu', 'arc_c', "
            "'hellaswag', 'winogrande', 'truthfulqa', 'gsm8k', 'xwinograd', 'humaneval', 'mmlu_pro', 'bbh', 'gpqa', "
            "'math_hard', 'musr']",
        ),
        (
            ("--benchmarks", "mmlu,arc_c", "--refit"),
            "bayes-perflaw screen: error: option --refit: not with --benchmarks (the multi-benchmark screen uses its "
            "shipped posterior)",
        ),
        (
            ("--benchmarks", "mmlu,xwinograd"),
            "bayes-perflaw screen: error: {claims}, column 'xwinograd': missing required column 'xwinograd' (a "
            "benchmark given with --benchmarks)",
        ),
    ],
)
def test_cli_bad_input_is_one_line_and_no_output(cli, tmp_path: Path, args, message):
    claims = write_csv(tmp_path / "claims.csv", HEADER, *ROWS)
    out = tmp_path / "flags.csv"
    res = cli("screen", *args, "--input", str(claims), "--output", str(out))
    assert res.returncode == 2
    assert res.stderr.strip() == message.format(claims=claims)
    assert not out.exists() and list(tmp_path.iterdir()) == [claims]


def test_cli_bad_cell(cli, tmp_path: Path):
    claims = write_csv(tmp_path / "claims.csv", HEADER, ROWS[0], "beta,45.0,50.0,75.0,70.0,38.0,12%")
    res = cli("screen", "--benchmarks", ",".join(BENCHES), "--input", str(claims))
    assert res.returncode == 2
    assert res.stderr.strip() == (
        f"bayes-perflaw screen: error: {claims}, row 2 (model 'beta'), column 'gsm8k': must be a score in percent "
        "(0-100) or empty, got '12%'"
    )


def test_python_api_matches_the_cli_function(multi):
    import bayes_perflaw as bp

    api = bp.Screening.load().screen(_claims(*ROWS), benchmarks=BENCHES, multibench=multi)
    direct = screen_claims(_claims(*ROWS), multi.draws, BENCHES, recipe=bp.Screening.load().draws)
    pd.testing.assert_frame_equal(api, direct)


def test_screening_with_the_shipped_posterior_imports_no_sampler(tmp_path: Path):
    claims = write_csv(tmp_path / "claims.csv", HEADER, *ROWS)
    heavy = heavy_imports(["screen", "--benchmarks", ",".join(BENCHES), "--input", str(claims)], tmp_path)
    assert not {"pymc", "pytensor", "arviz", "numba", "jax"} & set(heavy)


def test_shipped_posterior_is_current_and_converged(multi):
    """The shipped posterior was fitted to the committed table and passed every convergence check."""
    import json

    from bayes_perflaw.core.posterior import file_hash

    card = json.loads(multi.default_path().with_suffix(".json").read_text())
    assert card["data_hash"] == file_hash(multi.default_data()), "refit: make models"
    assert card["variant"] == MultiBench.default_variant and card["diagnostics"]["converged"]
    assert multi.meta["fit_models"][0] == "meta-llama/Llama-2-7b-hf" and multi.meta["n_models"] == 164


def test_only_mmlu_without_the_architecture_is_judged_by_the_latent_model(multi):
    """A claims file with ``params_B`` / ``tokens_T`` but no architecture columns, or a row whose architecture
    cells are empty, is not refused: such only-MMLU rows are judged by the latent-capability model's recipe
    part (the recipe screen needs the law's inputs)."""
    from bayes_perflaw.screening.model import Screening

    recipe = Screening.load().draws
    no_arch = _claims("solo,60.0,,,,,,7,2", ROWS[0] + ",7,2", header=HEADER + ",params_B,tokens_T")
    out = screen_claims(no_arch, multi.draws, BENCHES, recipe=recipe)
    assert out.loc[0, "screen_method"] == "recipe only (one score given, no other score to judge it by)"
    assert out.loc[1, "screen_method"] == "other benchmarks (6 scores given; recipe)"
    header = HEADER + ",num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B"
    empty_arch = _claims("solo,60.0,,,,,,,,,2,7", "llama-like,66.6,,,,,,32,4096,14336,15T,8B", header=header)
    out = screen_claims(empty_arch, multi.draws, BENCHES, recipe=recipe)
    assert out.loc[0, "screen_method"] == "recipe only (one score given, no other score to judge it by)"
    assert out.loc[1, "screen_method"] == RECIPE_METHOD


def test_a_bad_architecture_cell_names_its_row_in_the_claims_file(multi):
    from bayes_perflaw.screening.model import Screening

    header = HEADER + ",num_hidden_layers,hidden_size,intermediate_size,tokens_T,params_B"
    t = _claims(ROWS[0] + ",,,,,", "bad,60.0,,,,,,32,-4096,14336,15T,8B", header=header)
    with pytest.raises(DataError) as err:
        screen_claims(t, multi.draws, BENCHES, recipe=Screening.load().draws)
    assert str(err.value) == "claims.csv, row 2 (model 'bad'), column 'hidden_size': must be > 0 (count), got -4096.0"


def test_method_text_says_what_a_row_was_judged_on():
    from bayes_perflaw.multibench.screen import method_text

    assert method_text(3, False, False) == "other benchmarks (3 scores given; no recipe)"
    assert method_text(2, True, True) == "other benchmarks (2 scores given; recipe; left out of the fit)"
    assert method_text(1, False, False) == (
        "population only (no recipe) (one score given, no other score to judge it by)"
    )
    assert method_text(0, True, False) == "recipe only (no score given)"


def test_chance_normalised_scores_are_warned_about(multi, cli, tmp_path: Path):
    """GPQA 8 or MuSR 10 are the Open LLM Leaderboard v2's displayed (chance-normalised) scores, not raw
    accuracies: the screen still runs, and says so once per column."""
    import warnings

    from bayes_perflaw.core.errors import ScaleWarning
    from bayes_perflaw.multibench.data import read_scores

    t = _claims(
        "x,60,,,,,,8,10", "y,55,,,,,,30,12", header="model,mmlu,arc_c,hellaswag,winogrande,truthfulqa,gsm8k,gpqa,musr"
    )
    with pytest.warns(ScaleWarning) as caught:
        read_scores(t, ["mmlu", "gpqa", "musr"])
    assert [str(w.message) for w in caught] == [
        "claims.csv, column 'gpqa': 1 score(s) below 10, e.g. row 1 (model 'x'): 8 - implausible as a raw accuracy; "
        "the Open LLM Leaderboard v2 displays chance-normalised scores, this screen reads raw accuracy "
        "(data/README.md), so such a score is judged low",
        "claims.csv, column 'musr': 2 score(s) below 15, e.g. row 1 (model 'x'): 10 - implausible as a raw "
        "accuracy; the Open LLM Leaderboard v2 displays chance-normalised scores, this screen reads raw accuracy "
        "(data/README.md), so such a score is judged low",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_scores(t, ["mmlu"])  # no warning
    # every path that reads scores warns, MultiBench.screen as well as the combined screen
    with pytest.warns(ScaleWarning, match="column 'gpqa'"):
        multi.screen(t, ["mmlu", "gpqa"])
    claims = write_csv(tmp_path / "claims.csv", "model,mmlu,gpqa", "x,60,8", "y,55,30")
    res = cli("screen", "--benchmarks", "mmlu,gpqa", "--input", str(claims), "--output", str(tmp_path / "f.csv"))
    assert res.returncode == 0, res.stderr
    warned = [line for line in res.stderr.splitlines() if line.startswith("WARNING:")]
    assert len(warned) == 1 and "column 'gpqa': 1 score(s) below 10" in warned[0]
