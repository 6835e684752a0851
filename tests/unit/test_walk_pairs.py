"""The interaction-pair sentences mixed into a walk corpus (mp2v.walks.pairs)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from mp2v.errors import ConfigError
from mp2v.walks.pairs import interleave_pairs

USERS = np.array(["u:1", "u:2", "u:3"])
ITEMS = np.array(["a:10", "a:20", "a:30", "a:40"])


def _train() -> sp.csr_matrix:
    # user 1: items 10, 30 (weight 5 counts once); user 2: item 40; user 3: nothing.
    return sp.csr_matrix(np.array([[1, 0, 5, 0], [0, 0, 0, 2], [0, 0, 0, 0]], dtype=np.float32))


def _walks(tmp_path: Path) -> Path:
    path = tmp_path / "walks.txt"
    path.write_text("u:1 a:10 u:2 a:40\nu:2 a:40 u:1 a:30\nu:3\n")
    return path


def _split(out: Path) -> tuple[list[str], list[str]]:
    lines = out.read_text().splitlines()
    return [line for line in lines if len(line.split()) != 2], [line for line in lines if len(line.split()) == 2]


@pytest.mark.parametrize("repeats", [1, 3])
def test_every_interaction_appears_repeats_times_and_the_walks_keep_their_order(tmp_path: Path,
                                                                               repeats: int) -> None:
    out = tmp_path / "mixed.txt"
    written = interleave_pairs(_walks(tmp_path), out, _train(), USERS, ITEMS, repeats=repeats, seed=5)
    walks, pairs = _split(out)
    assert written == 3 * repeats
    assert walks == ["u:1 a:10 u:2 a:40", "u:2 a:40 u:1 a:30", "u:3"]
    assert Counter(pairs) == {"u:1 a:10": repeats, "u:1 a:30": repeats, "u:2 a:40": repeats}


def test_pairs_are_spread_over_the_corpus_not_appended(tmp_path: Path) -> None:
    walks = tmp_path / "walks.txt"
    walks.write_text("".join(f"u:1 a:10 u:2 a:20 w{n}\n" for n in range(200)))
    train = sp.csr_matrix(np.ones((3, 4), dtype=np.float32))
    out = tmp_path / "mixed.txt"
    interleave_pairs(walks, out, train, USERS, ITEMS, repeats=20, seed=1)
    lines = out.read_text().splitlines()
    positions = np.array([n for n, line in enumerate(lines) if len(line.split()) == 2]) / len(lines)
    # 240 pair lines at uniform positions: the mean position is near the middle, both halves hold many.
    assert 0.4 < positions.mean() < 0.6
    assert (positions < 0.5).sum() > 80 and (positions >= 0.5).sum() > 80


def test_the_same_seed_writes_the_same_file(tmp_path: Path) -> None:
    first, second, other = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.txt"
    for out, seed in ((first, 4), (second, 4), (other, 9)):
        interleave_pairs(_walks(tmp_path), out, _train(), USERS, ITEMS, repeats=4, seed=seed)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_a_last_walk_without_a_newline_is_not_glued_to_a_pair(tmp_path: Path) -> None:
    walks = tmp_path / "walks.txt"
    walks.write_text("u:1 a:10 u:2")
    out = tmp_path / "mixed.txt"
    interleave_pairs(walks, out, _train(), USERS, ITEMS, repeats=5, seed=0)
    assert "u:1 a:10 u:2" in out.read_text().splitlines()


def test_bad_repeats_and_mismatched_tokens_say_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="interaction_pairs=0"):
        interleave_pairs(_walks(tmp_path), tmp_path / "o.txt", _train(), USERS, ITEMS, repeats=0, seed=0)
    with pytest.raises(ConfigError, match="shape"):
        interleave_pairs(_walks(tmp_path), tmp_path / "o.txt", _train(), USERS[:2], ITEMS, repeats=1, seed=0)
    assert not (tmp_path / "o.txt").exists()
