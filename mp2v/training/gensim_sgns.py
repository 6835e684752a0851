"""Skip-gram with negative sampling (gensim Word2Vec) on a walk corpus.

For a centre token ``c`` and a context token ``o`` within ``window`` positions, SGNS maximises

    log sigma(v_c . u_o) + sum_{k=1..negative} E_{n ~ P_ns} log sigma(-v_c . u_n),   P_ns(n) ~ count(n)^ns_exponent

with input vectors ``v`` (``wv.vectors``) and output vectors ``u`` (``syn1neg``). Defaults follow what was
measured on Last.fm (docs/training.md): ``ns_exponent`` 0 (uniform negatives; gensim's 0.75 acts as an
anti-popularity penalty here), window 3, 128 dimensions, 5 epochs at alpha 0.025.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec
from tqdm import tqdm

from mp2v.errors import ConfigError
from mp2v.types import FloatMatrix, Token
from mp2v.walks.corpus import WalkCorpus

CorpusMode = Literal["corpus_file", "iterable"]


@dataclass(frozen=True)
class TrainConfig:
    dimensions: int = 128
    window: int = 3
    negative: int = 5
    ns_exponent: float = 0.0
    #: Down-sampling threshold of frequent tokens (gensim's default).
    sample: float = 1e-3
    epochs: int = 5
    alpha: float = 0.025
    min_alpha: float = 0.0001
    workers: int = 2
    seed: int = 42
    mode: CorpusMode = "corpus_file"
    #: Keep initial vectors of these tokens fixed during training (the seeds' "frozen items" ablation).
    freeze_initialised: bool = False
    #: A low-learning-rate finish: this many more epochs after the schedule, the rate restarting at
    #: ``tail_alpha`` and falling to ``min_alpha`` again (gensim and the numba kernel; 0: none). See
    #: docs/benchmark.md, "Eighth round".
    tail_epochs: int = 0
    tail_alpha: float = 0.0025

    def __post_init__(self) -> None:
        rules = {  # name: (holds, what it must be)
            "dimensions": (self.dimensions >= 1, ">= 1"), "window": (self.window >= 1, ">= 1"),
            "negative": (self.negative >= 1, ">= 1"), "epochs": (self.epochs >= 1, ">= 1"),
            "alpha": (self.alpha > 0, "> 0"), "workers": (self.workers >= 1, ">= 1"),
            "sample": (self.sample >= 0, ">= 0"), "min_alpha": (0 <= self.min_alpha <= self.alpha, "in [0, alpha]"),
            "tail_epochs": (self.tail_epochs >= 0, ">= 0"),
            "tail_alpha": (not self.tail_epochs or self.min_alpha <= self.tail_alpha <= self.alpha,
                           "in [min_alpha, alpha] with a tail"),
        }
        bad = [f"{name} {getattr(self, name)} (must be {rule})" for name, (holds, rule) in rules.items() if not holds]
        if bad:
            raise ConfigError(f"invalid training settings: {', '.join(bad)}; "
                              "see `mp2v evaluate --help` for the training options")
        if self.mode not in ("corpus_file", "iterable"):
            raise ConfigError(f"mode must be corpus_file or iterable, not {self.mode!r}")


def train_description(config: TrainConfig) -> dict[str, object]:
    """``config`` as a dict for run keys and metadata, without the tail fields when there is no tail (so the
    keys of runs stored before the tail existed still match)."""
    described = asdict(config)
    if config.tail_epochs == 0:
        del described["tail_epochs"], described["tail_alpha"]
    return described


@dataclass
class TrainResult:
    model: Word2Vec
    seconds: float
    words_per_second: float
    #: Per-epoch training loss where gensim reports it (compute_loss); empty otherwise.
    epoch_losses: list[float] = field(default_factory=list)


def stable_hash(text: str) -> int:
    """Seeds gensim's vector initialisation without depending on PYTHONHASHSEED."""
    return zlib.crc32(text.encode("utf-8"))


class _Progress(CallbackAny2Vec):
    def __init__(self, epochs: int, words_per_epoch: int, show: bool) -> None:
        self.bar = tqdm(total=epochs, unit="epoch", desc="word2vec", disable=not show)
        self.words_per_epoch = words_per_epoch
        self.started = 0.0
        self.losses: list[float] = []
        self._previous_loss = 0.0

    def restart(self) -> None:
        """A new train() call: gensim's running loss starts from zero again."""
        self._previous_loss = 0.0

    def on_epoch_begin(self, model: Word2Vec) -> None:
        self.started = time.monotonic()

    def on_epoch_end(self, model: Word2Vec) -> None:
        rate = self.words_per_epoch / max(time.monotonic() - self.started, 1e-9)
        loss = float(model.get_latest_training_loss())
        # gensim accumulates the loss over a train() call; report each epoch's share.
        self.losses.append(loss - self._previous_loss)
        self._previous_loss = loss
        self.bar.set_postfix(words_per_s=f"{rate:,.0f}", loss=f"{self.losses[-1]:,.0f}")
        self.bar.update(1)


def train(corpus: Path, config: TrainConfig, *, initial_vectors: Mapping[Token, np.ndarray] | None = None,
          progress: bool = True) -> TrainResult:
    """Train SGNS on a walk corpus (one walk per line). ``initial_vectors`` seeds chosen tokens' input vectors."""
    if not corpus.is_file() or corpus.stat().st_size == 0:
        raise ConfigError(f"walk corpus {corpus} is missing or empty: run `mp2v walk` first")
    model = Word2Vec(
        vector_size=config.dimensions, window=config.window, min_count=1, sg=1, hs=0,
        negative=config.negative, ns_exponent=config.ns_exponent, sample=config.sample, alpha=config.alpha,
        min_alpha=config.min_alpha, workers=config.workers, seed=config.seed, hashfxn=stable_hash,
        compute_loss=True,
    )
    sentences: Iterable[list[str]] | None = None
    if config.mode == "corpus_file":
        model.build_vocab(corpus_file=str(corpus))
    else:
        sentences = WalkCorpus(corpus)
        model.build_vocab(corpus_iterable=sentences)
    if initial_vectors:
        _initialise(model, initial_vectors, freeze=config.freeze_initialised)
    words = int(model.corpus_total_words)
    callback = _Progress(config.epochs + config.tail_epochs, words, progress)
    source = {"corpus_file": str(corpus)} if config.mode == "corpus_file" else {"corpus_iterable": sentences}
    started = time.monotonic()
    model.train(**source, total_words=words, epochs=config.epochs, callbacks=[callback], compute_loss=True)
    if config.tail_epochs:
        # A second call restarts gensim's linear schedule: from tail_alpha down to min_alpha over the tail.
        callback.restart()
        model.train(**source, total_words=words, epochs=config.tail_epochs, start_alpha=config.tail_alpha,
                    end_alpha=config.min_alpha, callbacks=[callback], compute_loss=True)
    seconds = time.monotonic() - started
    callback.bar.close()
    epochs = config.epochs + config.tail_epochs
    return TrainResult(model=model, seconds=seconds, words_per_second=words * epochs / seconds,
                       epoch_losses=callback.losses)


def _initialise(model: Word2Vec, vectors: Mapping[Token, np.ndarray], *, freeze: bool) -> None:
    """Copy given input vectors into the vocabulary; optionally lock them (gensim's per-word lockf)."""
    lockf = np.ones(len(model.wv), dtype=np.float32)
    copied = 0
    for token, vector in vectors.items():
        index = model.wv.key_to_index.get(token)
        if index is None:
            continue
        if vector.shape != (model.vector_size,):
            raise ConfigError(f"initial vector of {token} has shape {vector.shape}; the model needs "
                              f"({model.vector_size},): train the baseline with the same dimensions")
        model.wv.vectors[index] = vector
        lockf[index] = 0.0 if freeze else 1.0
        copied += 1
    if copied == 0:
        raise ConfigError("none of the initial vectors' tokens occur in the walk corpus")
    model.wv.vectors_lockf = lockf


def input_vectors(model: Word2Vec) -> tuple[list[Token], FloatMatrix, FloatMatrix]:
    """Tokens, input vectors and output (negative-sampling) vectors in vocabulary order."""
    return list(model.wv.index_to_key), np.asarray(model.wv.vectors), np.asarray(model.syn1neg)
