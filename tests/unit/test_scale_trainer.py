"""The scale study's train stage with a trainer other than gensim: the run is stored and says which made it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import scale_stages
from mp2v.config import load_settings
from mp2v.types import Trainer


def _context(tmp_path: Path, trainer: Trainer) -> scale_stages.SizeContext:
    ctx = scale_stages.SizeContext(1_000, tmp_path / "size-1000", load_settings({"MP2V_HOME": str(tmp_path)}),
                                   trainer=trainer)
    ctx.folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    walks = [" ".join(f"u:{u} i:{i}" for u, i in zip(rng.integers(0, 20, 10), rng.integers(0, 30, 10), strict=True))
             for _ in range(60)]
    ctx.corpus.write_text("\n".join(walks) + "\n")
    return ctx


def _check_stored_run(ctx: scale_stages.SizeContext, figures: dict[str, object], trainer: Trainer) -> None:
    assert figures["trainer"] == str(trainer) and int(str(figures["words_per_s"])) > 0
    run = ctx.runs.load(str(figures["run_id"]))
    assert run.metadata.get("trainer", "gensim") == str(trainer)
    assert run.embeddings.user_input.shape[1] == scale_stages.DIMENSIONS


@pytest.mark.parametrize("trainer", [Trainer.GENSIM, Trainer.NUMBA, Trainer.NUMBA_TYPED])
def test_train_stage_records_its_trainer(tmp_path: Path, trainer: Trainer) -> None:
    ctx = _context(tmp_path, trainer)
    _check_stored_run(ctx, scale_stages.stage_train(ctx, None), trainer)


@pytest.mark.torch
def test_train_stage_with_the_torch_trainer(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    ctx = _context(tmp_path, Trainer.TORCH)
    _check_stored_run(ctx, scale_stages.stage_train(ctx, None), Trainer.TORCH)
