from __future__ import annotations

import hashlib

from mp2v.common.hashing import content_hash


def test_content_hash_is_sha256_of_sorted_json_and_ignores_key_order() -> None:
    expected = hashlib.sha256(b'{"a": [1, 2], "b": "x"}').hexdigest()
    assert content_hash({"b": "x", "a": [1, 2]}, 64) == expected
    assert content_hash({"a": [1, 2], "b": "x"}) == expected[:16]
    assert content_hash({"a": [2, 1], "b": "x"}) != expected[:16]
