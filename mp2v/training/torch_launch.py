"""Run the PyTorch trainer: in this process, or as ``processes`` ranks of a torch.distributed group.

One process trains in place. Several are started with ``torch.multiprocessing.spawn`` on loopback
(127.0.0.1, a free port): gloo on the CPU, NCCL with one GPU per rank. The vocabulary is counted once here
and handed to every rank; rank 0 writes the tables to a temporary ``.npz`` that this process reads back.

On several machines, start the same module with ``torchrun`` on each (docs/training_torch.md)::

    torchrun --nnodes 2 --nproc-per-node 1 --rdzv-backend c10d --rdzv-endpoint HOST:29500 \\
        -m mp2v.training.torch_launch walks.txt vectors.npz --typed

This module imports ``torch`` only when it trains (:func:`require_torch` first).
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mp2v.errors import ConfigError
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.numba_sgns import TypedTrainResult, Vocabulary
from mp2v.training.torch_options import TorchOptions, require_torch
from mp2v.types import Device, Token


def resolve_device(requested: Device, rank: int = 0) -> Any:
    """The torch device of ``rank``: cuda:rank (modulo the GPUs) when asked or when auto finds a GPU."""
    import torch

    if requested == Device.CPU or (requested == Device.AUTO and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError("--device cuda: torch sees no CUDA GPU here (torch.cuda.is_available() is False); "
                          "use --device cpu or auto")
    return torch.device("cuda", rank % torch.cuda.device_count())


def train_torch(corpus: Path, config: TrainConfig, options: TorchOptions, *, typed: bool,
                initial_vectors: Mapping[Token, np.ndarray] | None = None,
                progress: bool = False) -> tuple[TypedTrainResult, dict[str, float]]:
    """Train SGNS with PyTorch; returns the vectors and figures (ranks, all-reduced megabytes per rank)."""
    require_torch()
    if not corpus.is_file() or corpus.stat().st_size == 0:
        raise ConfigError(f"walk corpus {corpus} is missing or empty: run `mp2v walk` first")
    from mp2v.training.torch_sgns import train_rank

    vocabulary = Vocabulary(corpus)
    if options.processes == 1:
        result, _ = train_rank(corpus, config, options, resolve_device(options.device), typed=typed,
                                  vocabulary=vocabulary, initial_vectors=initial_vectors,
                                  progress=print if progress else None)
        return result, {"processes": 1, "allreduce_mb_per_rank": 0.0}
    import torch.multiprocessing as mp

    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="mp2v-torch-") as folder:
        out = Path(folder) / "tables.npz"
        mp.spawn(_rank_main, nprocs=options.processes, join=True,
                 args=(options.processes, port, corpus, config, options, typed, vocabulary, initial_vectors,
                       progress, out))
        with np.load(out) as saved:
            result = TypedTrainResult(list(vocabulary.tokens), saved["inputs"], saved["outputs"],
                                      float(saved["seconds"]), float(saved["words_per_second"]),
                                      saved["losses"].tolist())
            sent = float(saved["bytes"])
    return result, {"processes": options.processes, "allreduce_mb_per_rank": sent / 1e6}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _rank_main(rank: int, world: int, port: int, corpus: Path, config: TrainConfig, options: TorchOptions,
               typed: bool, vocabulary: Vocabulary, initial: Mapping[Token, np.ndarray] | None, progress: bool,
               out: Path) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    _train_in_group(rank, world, corpus, config, options, typed, vocabulary, initial, progress, out)


def _train_in_group(rank: int, world: int, corpus: Path, config: TrainConfig, options: TorchOptions, typed: bool,
                    vocabulary: Vocabulary, initial: Mapping[Token, np.ndarray] | None, progress: bool,
                    out: Path) -> None:
    """One rank: join the group (MASTER_ADDR/PORT from the environment), train its shard, rank 0 saves."""
    import torch.distributed as dist

    from mp2v.training.torch_sgns import train_rank

    device = resolve_device(options.device, rank)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=rank, world_size=world)
    try:
        result, sent = train_rank(corpus, config, options, device, typed=typed, rank=rank, world=world,
                                  vocabulary=vocabulary, initial_vectors=initial,
                                  progress=print if progress and rank == 0 else None)
        if rank == 0:
            partial = out.with_suffix(".partial.npz")
            np.savez(partial, inputs=result.inputs, outputs=result.outputs, seconds=result.seconds,
                     words_per_second=result.words_per_second, losses=np.array(result.epoch_losses), bytes=sent)
            partial.replace(out)
    finally:
        dist.destroy_process_group()


def main() -> None:
    """``torchrun ... -m mp2v.training.torch_launch CORPUS OUT.npz``: one rank of a multi-machine run."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--typed", action="store_true")
    parser.add_argument("--device", type=Device, default=Device.AUTO)
    for name, default in (("dimensions", 128), ("window", 3), ("negative", 5), ("epochs", 5), ("workers", 1),
                          ("seed", 42), ("batch-pairs", 1024), ("sync-walks", 2000)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--ns-exponent", type=float, default=0.0)
    args = parser.parse_args()
    config = TrainConfig(dimensions=args.dimensions, window=args.window, negative=args.negative,
                         ns_exponent=args.ns_exponent, epochs=args.epochs, workers=args.workers, seed=args.seed)
    options = TorchOptions(device=args.device, batch_pairs=args.batch_pairs, sync_walks=args.sync_walks)
    require_torch()
    _train_in_group(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args.corpus, config, options,
                    args.typed, Vocabulary(args.corpus), None, True, args.out)


if __name__ == "__main__":
    main()
