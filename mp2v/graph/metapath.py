"""Metapaths: a cyclic schedule of typed hops, written like Cypher patterns.

``User-FOLLOWS->User-WATCHED->Video<-WATCHED-User`` is the KuaiRec metapath of MP2V-4-Rec: labels
``[User, User, Video, User]`` and hops ``FOLLOWS (out), WATCHED (out), WATCHED (in)``. A walk takes hop
``i mod L`` at step ``i`` (``L`` hops), so a metapath must end on the label it starts with. ``-T-`` is a hop in
either direction; ``-[:T]->`` is accepted too. A trailing ``@N`` sets this metapath's walks per start node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mp2v.errors import MetapathError
from mp2v.types import Direction, Label, RelType

_LABEL = r"[A-Za-z_][A-Za-z0-9_]*"
_HOP = re.compile(rf"(<)?-\[?:?({_LABEL})\]?-(>)?")
_LABEL_AT = re.compile(_LABEL)


@dataclass(frozen=True)
class Hop:
    """One step: from ``source`` over ``rel_type`` in ``direction`` to ``target``."""

    source: Label
    rel_type: RelType
    direction: Direction
    target: Label

    def __str__(self) -> str:
        arrow = {"OUT": f"-{self.rel_type}->", "IN": f"<-{self.rel_type}-", "BOTH": f"-{self.rel_type}-"}
        return f"{self.source}{arrow[self.direction]}{self.target}"


@dataclass(frozen=True)
class Metapath:
    """A cyclic schedule of hops; ``labels[0] == labels[-1]``."""

    labels: tuple[Label, ...]
    hops: tuple[Hop, ...]
    #: Walks per start node for this metapath (None: the run's default).
    walks_per_node: int | None = None

    @property
    def length(self) -> int:
        """Number of hops in one cycle (L)."""
        return len(self.hops)

    @property
    def start_label(self) -> Label:
        return self.labels[0]

    def __str__(self) -> str:
        text = self.labels[0] + "".join(str(hop)[len(hop.source):] for hop in self.hops)
        return text if self.walks_per_node is None else f"{text}@{self.walks_per_node}"

    def rotated_to(self, label: Label) -> Metapath:
        """The same cycle started at the first position whose label is ``label``."""
        if label not in self.labels[:-1]:
            raise MetapathError(f"metapath {self} never visits {label}; walks cannot start there")
        shift = self.labels.index(label)
        hops = self.hops[shift:] + self.hops[:shift]
        labels = tuple(h.source for h in hops) + (hops[0].source,)
        return Metapath(labels=labels, hops=hops, walks_per_node=self.walks_per_node)

    def hop_at(self, step: int) -> Hop:
        """The hop a walk takes at step ``step`` (0-based)."""
        return self.hops[step % self.length]


def parse_metapath(text: str) -> Metapath:
    """Parse ``A-T->B<-U-A[@N]``; errors point at the offending character."""
    source = text.strip()
    walks_per_node = None
    if "@" in source:
        source, _, count = source.rpartition("@")
        if not count.isdigit() or int(count) < 1:
            raise MetapathError(f"metapath {text!r}: '@{count}' must be a positive number of walks per node")
        walks_per_node = int(count)
    position = 0
    labels: list[Label] = []
    hops: list[Hop] = []
    while True:
        label_match = _LABEL_AT.match(source, position)
        if not label_match:
            raise MetapathError(_pointer(text, position, "expected a node label here"))
        labels.append(label_match.group())
        position = label_match.end()
        if position == len(source):
            break
        hop_match = _HOP.match(source, position)
        if not hop_match or (hop_match.group(1) and hop_match.group(3)):
            raise MetapathError(_pointer(text, position, "expected a hop like -TYPE->, <-TYPE- or -TYPE-"))
        direction: Direction = "IN" if hop_match.group(1) else "OUT" if hop_match.group(3) else "BOTH"
        hops.append(Hop(labels[-1], hop_match.group(2), direction, ""))
        position = hop_match.end()
    if not hops:
        raise MetapathError(f"metapath {text!r} has no hop; write at least one, e.g. User-WATCHED->Video<-WATCHED-User")
    hops = [Hop(h.source, h.rel_type, h.direction, labels[i + 1]) for i, h in enumerate(hops)]
    if labels[0] != labels[-1]:
        raise MetapathError(
            f"metapath {text!r} starts at {labels[0]} but ends at {labels[-1]}: a walk repeats the metapath, so "
            f"it must end on the label it starts with (e.g. append the way back to {labels[0]})"
        )
    return Metapath(labels=tuple(labels), hops=tuple(hops), walks_per_node=walks_per_node)


def _pointer(text: str, position: int, message: str) -> str:
    return f"metapath {text!r}, character {position + 1}: {message}\n  {text}\n  {' ' * position}^"
