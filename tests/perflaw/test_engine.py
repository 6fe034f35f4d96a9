"""The prediction engine: a row's result depends on the seed and the row only; the matrix path equals the law."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayes_perflaw.core.errors import DataError
from bayes_perflaw.core.paths import default_posterior, reference_table
from bayes_perflaw.core.posterior import load_draws
from bayes_perflaw.perflaw.design import column_vectors, law_inputs
from bayes_perflaw.perflaw.laws import perflaw_raw, soft_ceiling, soft_ceiling_inplace
from bayes_perflaw.perflaw.mean import LAW_PARAMS
from bayes_perflaw.perflaw.predict import iter_predictive, predict_bayes, raw_law, thin
from bayes_perflaw.perflaw.schema import validate

ROWS = pd.DataFrame(
    {
        "model": ["dense-8b", "moe-a3b", "dense-70b", "late-1b"],
        "organization": ["Meta", "NewLab", "Meta", "OtherLab"],
        "release": ["2024-04", "2025-06", "", "2026-01"],
        "num_hidden_layers": ["32", "48", "80", "16"],
        "hidden_size": ["4096", "2048", "8192", "2048"],
        "intermediate_size": ["14336", "6144", "28672", "8192"],
        "moe_intermediate_size": ["", "768", "", ""],
        "num_experts": ["", "128", "", ""],
        "num_experts_per_tok": ["", "8", "", ""],
        "tokens_T": ["15T", "36T", "15T", "9T"],
        "params_B": ["8B", "30.5B", "70B", "1.2B"],
        "active_params_B": ["", "3.3B", "", ""],
    }
)


@pytest.fixture(scope="module")
def post():
    return load_draws(default_posterior())


def test_a_rows_interval_does_not_depend_on_the_other_rows(post):
    """To the last bit: BLAS's matrix product took another path for one row than for several (session 21)."""
    table = validate(ROWS, require_law_inputs=True)
    together = predict_bayes(table, post)
    for i in range(len(table)):
        alone = predict_bayes(table.iloc[[i]].reset_index(drop=True), post)
        pd.testing.assert_frame_equal(
            alone.iloc[:, -4:], together.iloc[[i], -4:].reset_index(drop=True), check_exact=True
        )
    flipped = predict_bayes(table.iloc[::-1].reset_index(drop=True), post).iloc[::-1].reset_index(drop=True)
    pd.testing.assert_frame_equal(flipped.iloc[:, -4:], together.iloc[:, -4:], check_exact=True)


def test_the_law_of_a_recipe_is_the_same_bits_alone_and_in_a_table(post):
    """The dense rows' law, one matrix product in a table, equals each row's own product exactly."""
    table = validate(pd.read_csv(reference_table()).dropna(subset=["intermediate_size", "tokens_T"]).head(40))
    x = law_inputs(table)
    together = raw_law(x, post)
    for i in range(len(table)):
        alone = raw_law(type(x)(*(np.asarray(a)[[i]] for a in x)), post)
        assert np.array_equal(alone[0], together[i]), table["model"].iloc[i]


def test_chunking_and_the_draw_count_change_nothing_but_the_draws_used(post):
    table = validate(ROWS, require_law_inputs=True)
    small = thin(post, 500)
    one = np.concatenate([d for _, d in iter_predictive(table, small, chunk=1)])
    big = np.concatenate([d for _, d in iter_predictive(table, small, chunk=100)])
    assert one == pytest.approx(big, abs=1e-9)  # BLAS may round the matrix product differently by block size
    assert one.shape == (4, 500) and one.min() >= 25 and one.max() <= 100


def test_matrix_path_equals_the_law_for_dense_and_moe_rows(post):
    table = validate(ROWS, require_law_inputs=True)
    x = law_inputs(table, gated_equivalent=True)
    v = post.values
    general = perflaw_raw(column_vectors(x), *(v[k][None, :] for k in LAW_PARAMS))
    assert raw_law(x, post) == pytest.approx(general, rel=1e-12, abs=1e-9)


def test_soft_ceiling_inplace_equals_soft_ceiling():
    raw = np.linspace(0, 200, 4000).reshape(4, -1)
    assert soft_ceiling_inplace(raw.copy()) == pytest.approx(soft_ceiling(raw), abs=1e-12)
    assert soft_ceiling_inplace(raw.copy(), 80.0) == pytest.approx(soft_ceiling(raw, knee=80.0), abs=1e-12)


def test_unseen_organisations_share_their_offset_and_future_bins_their_era(post):
    table = validate(ROWS, require_law_inputs=True)
    twin = pd.concat([table.iloc[[3]], table.iloc[[3]].assign(model="late-1b-twin")], ignore_index=True)
    mean = np.concatenate([d for _, d in iter_predictive(twin, post, noise=False)])
    assert mean[0] == pytest.approx(mean[1])  # the same organisation and release bin: the same latent mean
    noisy = np.concatenate([d for _, d in iter_predictive(twin, post)])
    assert not np.allclose(noisy[0], noisy[1])  # but each row its own evaluation noise


def _era_org_posterior(post):
    """The shipped era posterior with two fitted organisations added (offsets +5 and -5 points)."""
    from bayes_perflaw.core.posterior import Draws

    n = post.n_draws
    values = {**post.values, "org": np.column_stack([np.full(n, 5.0), np.full(n, -5.0)]), "tau_org": np.full(n, 3.0)}
    coords = {**post.coords, "organization": ["Alibaba (Qwen)", "Meta"]}
    return Draws(post.kind, {**post.meta, "variant": "era_org"}, values, coords, post.fit_scores)


def test_organisation_aliases_and_the_stated_assumptions(post):
    from bayes_perflaw.perflaw.organisations import canonical

    assert canonical("Alibaba Qwen") == canonical("qwen") == "Alibaba (Qwen)"
    assert canonical("Allen AI") == canonical("AI2") == canonical("allen-ai") == "Allen Institute for AI (Ai2)"
    assert canonical("A New Lab") == "A New Lab"
    assert canonical(float("nan")) == canonical(None) == ""
    two = _era_org_posterior(post)
    rows = pd.concat([ROWS.iloc[[0]]] * 4, ignore_index=True).assign(
        model=["a", "b", "c", "d"], organization=["Alibaba Qwen", "alibaba (qwen)", "A New Lab", ""]
    )
    rows.loc[3, "release"] = ""
    table = validate(rows, require_law_inputs=True)
    out = predict_bayes(table, two, noise=False)
    assert out["organization_effect"].tolist() == [
        "fitted: Alibaba (Qwen)",
        "fitted: Alibaba (Qwen)",
        "population (new organisation 'A New Lab')",
        "population (no organisation given)",
    ]
    assert out.loc[0, "mmlu_mean"] == pytest.approx(out.loc[1, "mmlu_mean"])  # the alias finds the same offset
    last = max(post.meta["era_bins"])
    assert out.loc[0, "release_assumed"].startswith("2024H1")
    assert "no release given" in out.loc[3, "release_assumed"] and last < post.meta["era_n"]
    # a variant without organisation effects says so when a row names an organisation, and is silent otherwise
    shipped = predict_bayes(table, post, noise=False)
    variant = post.meta["variant"]
    assert "org" not in post.values
    assert shipped["organization_effect"].tolist() == [f"none (variant {variant} has no organisation effect)"] * 4
    assert "organization_effect" not in predict_bayes(table.drop(columns="organization"), post, noise=False)


def test_noise_per_mmlu_method_variant_groups_by_that_column(post):
    from bayes_perflaw.core.posterior import Draws
    from bayes_perflaw.core.tables import read_table
    from bayes_perflaw.perflaw.data import prepare
    from bayes_perflaw.perflaw.mean import VARIANTS
    from bayes_perflaw.perflaw.predict import source_index

    table = validate(read_table(reference_table()), require_law_inputs=False)
    data = prepare(table, VARIANTS["era_method"])
    assert data.source_kinds == sorted(set(data.table["mmlu_method"]))
    assert "open_llm_leaderboard_v1" in data.source_kinds and "developer_report" in data.source_kinds
    kinds = ["developer_report", "open_llm_leaderboard_v1", "other_harness"]
    meta = {**post.meta, "noise_column": "mmlu_method"}
    by_method = Draws(post.kind, meta, post.values, {**post.coords, "source_kind": kinds}, post.fit_scores)
    rows = pd.DataFrame({"model": ["a", "b"], "mmlu_method": ["open_llm_leaderboard_v1", ""]})
    assert source_index(rows, by_method).tolist() == [1, 0]  # an empty cell: the developer's report
    with pytest.raises(DataError, match="column 'mmlu_method': unknown source kind 'helm'"):
        source_index(rows.assign(mmlu_method=["helm", ""]), by_method)
