"""One entry point to the skip-gram trainers (gensim, the numba kernel, PyTorch), chosen by :class:`Trainer`.

Callers get the same vectors and figures whichever trainer ran; torch is imported only when it trains.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.errors import ConfigError
from mp2v.training import gensim_sgns
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import TypedTrainResult, train_typed
from mp2v.training.torch_options import TorchOptions
from mp2v.types import Token, Trainer


@dataclass
class TrainedVectors(TypedTrainResult):
    """Input and output vectors of every token, with how long training took, from any trainer."""

    #: What the trainer adds in words (torch: processes and all-reduced MB).
    notes: list[str] = field(default_factory=list)
    #: gensim's model (None for the other trainers), for callers that keep it.
    gensim_model: Any = None


def train_vectors(corpus: Path, config: TrainConfig, trainer: Trainer, torch: TorchOptions | None = None, *,
                  initial_vectors: Mapping[Token, np.ndarray] | None = None,
                  progress: bool = False) -> TrainedVectors:
    """Train ``trainer`` on a walk corpus; ``torch`` is where the torch trainers run (default: its defaults)."""
    if trainer == Trainer.GENSIM:
        result = gensim_sgns.train(corpus, config, initial_vectors=initial_vectors, progress=progress)
        tokens, inputs, outputs = gensim_sgns.input_vectors(result.model)
        return TrainedVectors(tokens, inputs, outputs, result.seconds, result.words_per_second,
                              result.epoch_losses, gensim_model=result.model)
    notes: list[str] = []
    if trainer.uses_torch:
        if config.tail_epochs:
            raise ConfigError(f"tail epochs ({config.tail_epochs}) are not implemented in the {trainer} trainer: "
                              "train with gensim or the numba kernel, or set no tail")
        from mp2v.training.torch_launch import train_torch  # imports torch only when it trains

        typed, figures = train_torch(corpus, config, torch or TorchOptions(), typed=trainer.typed,
                                     initial_vectors=initial_vectors, progress=progress)
        notes.append(f"torch: {figures['processes']} process(es), {figures['allreduce_mb_per_rank']:.1f} "
                     "MB all-reduced per rank")
    else:
        typed = train_typed(corpus, config, typed=trainer.typed, initial_vectors=initial_vectors)
    return TrainedVectors(**vars(typed), notes=notes)
