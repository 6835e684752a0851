from __future__ import annotations

import pytest

from mp2v.errors import MetapathError
from mp2v.graph.metapath import Hop, parse_metapath
from mp2v.walks.schema import native_projection
from tests.fakes import FakeRunner


def test_parse_kuairec_metapath() -> None:
    metapath = parse_metapath("User-FOLLOWS->User-WATCHED->Video<-WATCHED-User")
    assert metapath.labels == ("User", "User", "Video", "User")
    assert metapath.hops == (Hop("User", "FOLLOWS", "OUT", "User"), Hop("User", "WATCHED", "OUT", "Video"),
                             Hop("Video", "WATCHED", "IN", "User"))
    assert metapath.length == 3 and metapath.hop_at(4) == metapath.hops[1]
    assert str(metapath) == "User-FOLLOWS->User-WATCHED->Video<-WATCHED-User"


def test_parse_variants_and_walks_per_node() -> None:
    metapath = parse_metapath(" User-[:LISTENED]->Artist-HAS_TAG->Tag<-HAS_TAG-Artist<-[:LISTENED]-User@5 ")
    assert metapath.walks_per_node == 5 and metapath.length == 4
    assert parse_metapath("User-FOLLOWS-User").hops[0].direction == "BOTH"


def test_rotation_starts_at_items() -> None:
    rotated = parse_metapath("User-FOLLOWS->User-WATCHED->Video<-WATCHED-User").rotated_to("Video")
    assert str(rotated) == "Video<-WATCHED-User-FOLLOWS->User-WATCHED->Video"
    with pytest.raises(MetapathError, match="never visits Tag"):
        rotated.rotated_to("Tag")


@pytest.mark.parametrize(("text", "message"), [
    ("User-WATCHED->Video", "must end on the label it starts with"),
    ("User-WATCHED>Video<-WATCHED-User", "character 5: expected a hop"),
    ("User", "has no hop"),
    ("User<-X->User", "character 5"),
    ("User-X->User@0", "positive number"),
    ("-X->User", "character 1: expected a node label"),
])
def test_parse_errors_point_at_the_problem(text: str, message: str) -> None:
    with pytest.raises(MetapathError, match=message):
        parse_metapath(text)


def _schema(pairs: set[tuple[str, str, str]]) -> FakeRunner:
    """A fake graph whose relationships join exactly these (source, type, target) label triples."""
    def hop_exists(_: object, ids: dict[str, str]) -> list[dict[str, object]]:
        return [{"present": (ids["Source"], ids["Type"], ids["Target"]) in pairs}]
    return FakeRunner({"walks/hop_exists": hop_exists})  # type: ignore[dict-item]


def test_alternating_metapath_projects_natively_undirected() -> None:
    runner = _schema({("User", "WATCHED", "Video")})
    assert native_projection(runner, parse_metapath("User-WATCHED->Video<-WATCHED-User")) == {  # type: ignore[arg-type]
        "WATCHED": "UNDIRECTED"}


def test_phase_dependent_metapaths_need_layers() -> None:
    runner = _schema({("User", "WATCHED", "Video"), ("User", "FOLLOWS", "User"), ("Artist", "HAS_TAG", "Tag")})
    for text in ("User-FOLLOWS->User-WATCHED->Video<-WATCHED-User",
                 "User-LISTENED->Artist-HAS_TAG->Tag<-HAS_TAG-Artist<-LISTENED-User"):
        assert native_projection(runner, parse_metapath(text)) is None  # type: ignore[arg-type]


def test_a_type_joining_other_labels_forces_layers() -> None:
    # WATCHED also joins User to User somewhere: a native projection would let walks take it.
    runner = _schema({("User", "WATCHED", "Video"), ("User", "WATCHED", "User")})
    assert native_projection(runner, parse_metapath("User-WATCHED->Video<-WATCHED-User")) is None  # type: ignore[arg-type]


def test_directed_cycle_keeps_natural_orientation() -> None:
    runner = _schema({("User", "FOLLOWS", "User")})
    assert native_projection(runner, parse_metapath("User-FOLLOWS->User")) == {"FOLLOWS": "NATURAL"}  # type: ignore[arg-type]
