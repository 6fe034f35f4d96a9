"""The sampling pipeline: a diverged stage is sampled once more when its model asks for it (FLP: closer to
target_accept 1), and BLAS runs on one thread while a backend samples (the same seed, the same draws).

The pipeline (``core.fitting.fit_model``) runs for real on a toy model; only the sampler is replaced by one
that returns draws with a given number of divergent transitions, so the test needs no compilation."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

from bayes_perflaw.core import fitting
from bayes_perflaw.core.model import BayesModel
from bayes_perflaw.core.sampling import SamplerConfig


class Toy(BayesModel):
    kind: ClassVar[str] = "toy"
    variants: ClassVar[dict[str, str]] = {"one": "a normal mean"}
    default_variant: ClassVar[str] = "one"
    retry = True

    def default_priors(self) -> dict[str, Any]:
        return {}

    def prepare(self, table):
        return table

    def build(self, data):
        import pymc as pm

        with pm.Model() as m:
            pm.Normal("x", 0.0, 1.0)
        return m

    def diagnose_vars(self, posterior):
        return ["x"]

    def retry_config(self, name, config, diag):
        if self.retry and diag["divergences"]:
            return config.merged(target_accept=0.99)
        return None


def _fake_sampler(divergences: list[int], seen: list[float]):
    import arviz as az

    def sample(model, config: SamplerConfig, drop=()):
        seen.append(config.target_accept)
        n = divergences[len(seen) - 1]
        rng = np.random.default_rng(len(seen))
        diverging = np.zeros((4, 500), dtype=bool)
        diverging.flat[:n] = True
        idata = az.from_dict(
            posterior={"x": rng.normal(size=(4, 500))},
            sample_stats={"diverging": diverging, "energy": rng.normal(size=(4, 500))},
        )
        return idata, {"compile_s": 1.0, "sampling_s": 2.0}

    return sample


@pytest.mark.parametrize(
    ("retry", "divergences", "want_accept", "want_div"),
    [
        (True, [3, 0], [0.95, 0.99], 0),  # diverged, sampled again at 0.99, clean
        (True, [3, 2], [0.95, 0.99], 2),  # once only: the second sample's divergences are reported
        (True, [0], [0.95], 0),  # clean: sampled once
        (False, [3], [0.95], 3),  # a model that does not ask: sampled once, divergences reported
    ],
)
def test_a_diverged_stage_is_sampled_again_once(monkeypatch, retry, divergences, want_accept, want_div):
    seen: list[float] = []
    monkeypatch.setattr(fitting, "sample", _fake_sampler(divergences, seen))
    logged: list[str] = []
    model = Toy()
    model.retry = retry
    fit = fitting.fit_model(model, None, SamplerConfig(), log=logged.append)
    assert seen == want_accept
    assert fit.meta["diagnostics"]["divergences"] == want_div
    assert fit.meta["compile_s"] == len(seen) * 1.0 and fit.meta["sampling_s"] == len(seen) * 2.0
    if len(seen) == 2:
        assert fit.meta["resampled"] == {"": {"divergences": 3, "target_accept": 0.99}}
        assert logged == ["toy: 3 divergent transitions at target_accept 0.95: sampling it again at 0.99"]
    else:
        assert "resampled" not in fit.meta and logged == []


def test_flp_asks_for_smaller_steps_only_after_divergences():
    from bayes_perflaw.flp.model import FLP, RETRY_TARGET_ACCEPT_MAX

    flp, config = FLP(), SamplerConfig(target_accept=0.95)
    assert flp.retry_config("stage2", config, {"divergences": 0}) is None
    assert flp.retry_config("stage2", config, {"divergences": 4}).target_accept == pytest.approx(0.99)
    high = config.merged(target_accept=0.99)
    assert flp.retry_config("stage1", high, {"divergences": 1}).target_accept == pytest.approx(0.998)
    top = config.merged(target_accept=RETRY_TARGET_ACCEPT_MAX)
    assert flp.retry_config("stage1", top, {"divergences": 1}) is None


def test_sampling_runs_blas_on_one_thread(monkeypatch):
    """nutpie's chain threads call BLAS concurrently; a multi-threaded OpenBLAS then split products differently
    from run to run (era_org: different draws for the same seed in two processes). sample() holds BLAS at one
    thread while the backend samples, and gives the threads back afterwards."""
    from threadpoolctl import threadpool_info

    from bayes_perflaw.core import sampling

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    seen: list[list[int]] = []

    def fake(model, config, drop, cores):
        seen.append(blas_threads())
        return "idata", 0.0

    monkeypatch.setattr(sampling, "_sample", fake)
    monkeypatch.setattr(sampling.signals, "check", lambda: None)
    before = blas_threads()
    idata, took = sampling.sample(None, SamplerConfig())
    assert idata == "idata" and set(took) == {"compile_s", "sampling_s"}
    assert seen and seen[0] and set(seen[0]) == {1}
    assert blas_threads() == before


# FLP's stage 1 on the Gadre ladder: with numba's fastmath on, its draws from a cold PyTensor cache and from a warm
# one differed (session 20); sampled through the package's path in a fresh process per cache state.
CACHE_STATE_SCRIPT = """
import hashlib, warnings
warnings.filterwarnings("ignore")
import numpy as np
from bayes_perflaw.core.sampling import SamplerConfig, sample
from bayes_perflaw.flp.ladder import read_ladder
from bayes_perflaw.flp.model import FLP
m = FLP()
stage1 = m.stages(m.prepare(read_ladder("data/flp/gadre_rpj.csv")))["stage1"]
idata, _ = sample(stage1, SamplerConfig(draws=200, tune=200, chains=2, seed=1, progress=False))
post = idata.posterior
print("DRAWS", hashlib.sha1(b"".join(np.ascontiguousarray(post[k].values).tobytes() for k in sorted(post))).hexdigest())
"""


@pytest.mark.slow
def test_draws_do_not_depend_on_what_pytensor_compiled_before(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={tmp_path}", "PYTHONWARNINGS": "ignore"}
    hashes = []
    for _ in range(2):  # an empty compile cache, then the cache the first run filled
        res = subprocess.run(
            [sys.executable, "-c", CACHE_STATE_SCRIPT], capture_output=True, text=True, cwd=ROOT, env=env
        )
        assert res.returncode == 0, res.stderr[-2000:]
        hashes.append(next(line for line in res.stdout.splitlines() if line.startswith("DRAWS")))
    assert hashes[0] == hashes[1]
