"""Settings of the PyTorch trainer beside :class:`TrainConfig`, and the guard for the optional extra.

Importable without ``torch``: the default install never needs it, and choosing a torch trainer without it
raises one :class:`ConfigError` line naming the extra to install.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from mp2v.errors import ConfigError
from mp2v.types import Device


def missing_torch(needed_by: str) -> str:
    """The one line said when ``torch`` is missing: what needs it and the extra that installs it."""
    return f"{needed_by} needs torch, from the optional extra: pip install -e '.[gnn]' (or 'mp2v[gnn]')"


MISSING_TORCH = missing_torch("the torch trainer")


@dataclass(frozen=True)
class TorchOptions:
    """``device``: auto (a GPU when present), cpu or cuda; ``processes``: ranks of a torch.distributed group
    on this machine (gloo on CPU, NCCL on GPUs); ``batch_pairs``: (centre, context) pairs per SGD step;
    ``sync_walks``: walks each rank trains between two synchronisations of the tables (and per chunk read)."""

    device: Device = Device.AUTO
    processes: int = 1
    batch_pairs: int = 1024
    sync_walks: int = 2000

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "device", Device(self.device))
        except ValueError:
            raise ConfigError(f"TorchOptions: device={self.device!r} is invalid; choose one of "
                              f"{', '.join(Device)}") from None
        bad = [name for name in ("processes", "batch_pairs", "sync_walks") if int(getattr(self, name)) < 1]
        if bad:
            raise ConfigError(f"TorchOptions: {', '.join(bad)} must be at least 1 "
                              "(see `mp2v evaluate --help`)")


def torch_available() -> bool:
    """Whether ``torch`` can be found, without importing it (cheap enough for a conditional registry)."""
    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def require_torch() -> None:
    """Raise :class:`ConfigError` (one line, naming the extra) when ``torch`` is not installed."""
    if not torch_available():
        raise ConfigError(MISSING_TORCH)
