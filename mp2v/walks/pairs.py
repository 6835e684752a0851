"""The training interactions themselves as two-token sentences ``user item``, interleaved with the walks.

Why: the walk corpus has a fixed size per start node (walks per node x length), so the skip-gram sees a sample
of each user's items, and that sample does not grow with the number of interactions; matrix methods (iALS,
EASE) see every interaction. A line ``u:7 a:42`` per training interaction, ``repeats`` times per epoch, puts
every (user, item) pair into the SGNS objective directly,

    sum_(u,i) in R  log s(u . i') + sum_n log s(-u . n'),

beside the walks' context pairs. The pair lines are spread over the walk file at random positions (seeded),
not appended, so that gensim's decaying learning rate treats both alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from mp2v.common.files import atomic_path
from mp2v.errors import ConfigError
from mp2v.types import InteractionMatrix


def interleave_pairs(walks: Path, out: Path, train: InteractionMatrix, user_tokens: npt.NDArray[np.str_],
                     item_tokens: npt.NDArray[np.str_], *, repeats: int, seed: int) -> int:
    """Write ``walks`` with ``repeats`` lines per nonzero of ``train`` mixed in at random positions, to ``out``
    (atomically); returns the number of pair lines. ``user_tokens`` / ``item_tokens`` are the corpus tokens
    of the matrix's rows and columns."""
    if repeats < 1:
        raise ConfigError(f"interaction_pairs={repeats}: write a whole number >= 1 (0 turns pairs off)")
    if train.shape != (len(user_tokens), len(item_tokens)):
        raise ConfigError(f"interaction pairs: the training matrix has shape {train.shape} but "
                          f"{len(user_tokens)} user and {len(item_tokens)} item tokens were given")
    coo = train.tocoo()
    keep = coo.data != 0
    users = np.tile(coo.row[keep], repeats)
    items = np.tile(coo.col[keep], repeats)
    with walks.open("rb") as handle:
        walk_lines = sum(1 for _ in handle)
    rng = np.random.default_rng(seed)
    # Each pair line goes before walk line ``slot`` (slot == walk_lines: after the last walk); one array of
    # (pairs) slots, sorted, so memory is a few integers per interaction and the walk file is streamed once.
    slots = rng.integers(0, walk_lines + 1, size=users.size)
    order = np.argsort(slots, kind="stable")
    slots, users, items = slots[order], users[order], items[order]
    bounds = np.searchsorted(slots, np.arange(walk_lines + 2))
    with atomic_path(out) as temporary, walks.open("rb") as source, temporary.open("wb") as target:
        for slot in range(walk_lines + 1):
            start, stop = bounds[slot], bounds[slot + 1]
            if stop > start:
                target.write(("\n".join(f"{user_tokens[u]} {item_tokens[i]}"
                                        for u, i in zip(users[start:stop].tolist(), items[start:stop].tolist(),
                                                        strict=True)) + "\n").encode("utf-8"))
            if slot < walk_lines:
                line = source.readline()
                target.write(line if line.endswith(b"\n") else line + b"\n")
    return int(users.size)
