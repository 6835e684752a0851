"""Walk engines against the real server: metapath obedience, transition frequencies, dead ends, seeds."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from scipy.stats import chisquare

from mp2v.db.runner import QueryRunner
from mp2v.errors import MetapathError, WalkError
from mp2v.graph.metapath import parse_metapath
from mp2v.walks.config import HoldoutExclusion, WalkConfig
from mp2v.walks.corpus import WalkCorpus
from mp2v.walks.gds_engine import GdsEngine
from mp2v.walks.run import run_walks
from tests.cypher import query
from tests.cypher_helpers import cypher
from tests.graphs import create_graph

ENGINES = ["gds", "cypher", "memory"]
UVU = "User-WATCHED->Video<-WATCHED-User"
UUVU = "User-FOLLOWS->User-WATCHED->Video<-WATCHED-User"


def _random_graph(runner: QueryRunner, seed: int = 3) -> None:
    rng = random.Random(seed)
    users, videos = list(range(1, 31)), list(range(101, 121))
    watched = {(u, v): rng.choice([1.0, 2.0, 5.0]) for u in users for v in rng.sample(videos, rng.randint(1, 4))}
    follows = {(a, b) for a in users[:12] for b in rng.sample(users, 2) if a != b}
    create_graph(runner, users, videos, [(u, v, w) for (u, v), w in watched.items()], sorted(follows))


def _edges(runner: QueryRunner, rel_type: str) -> set[tuple[str, str]]:
    rows = runner.read(query("edges_of_type", Type=rel_type))
    tokens = {}
    for label, prefix in (("User", "u"), ("Video", "v")):
        for row in runner.read(query("node_ids", Label=label)):
            tokens[row["node"]] = f"{prefix}:{row['id']}"
    return {(tokens[r["source"]], tokens[r["target"]]) for r in rows}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("metapath", [UVU, UUVU])
def test_every_walk_obeys_the_metapath_on_existing_edges(db: QueryRunner, tmp_path: Path, engine: str,
                                                          metapath: str) -> None:
    _random_graph(db)
    parsed = parse_metapath(metapath)
    edges = {t: _edges(db, t) for t in ("WATCHED", "FOLLOWS")}
    config = WalkConfig(metapaths=(parsed,), walks_per_node=3, walk_length=9, engine=engine, seed=1)  # type: ignore[arg-type]
    summary = run_walks(db, config, tmp_path / "walks.txt", progress=False)
    walks = list(WalkCorpus(tmp_path / "walks.txt"))
    assert len(walks) == summary.walks > 0
    prefix = {"User": "u", "Video": "v"}
    for walk in walks:
        for step, token in enumerate(walk):
            assert token.startswith(prefix[parsed.labels[step % parsed.length]] + ":"), walk
        for step, (a, b) in enumerate(zip(walk, walk[1:], strict=False)):
            hop = parsed.hop_at(step)
            pair = (a, b) if hop.direction == "OUT" else (b, a)
            assert pair in edges[hop.rel_type], f"{walk}: step {step} {a}->{b} is not a {hop} edge"


def _fan_graph(runner: QueryRunner) -> None:
    # User 1 watched videos 10, 11, 12 with weights 1, 2, 5; each video is watched by one other user too.
    create_graph(runner, [1, 2, 3, 4], [10, 11, 12], [(1, 10, 1), (1, 11, 2), (1, 12, 5),
                                                      (2, 10, 1), (3, 11, 1), (4, 12, 1)])


def _first_steps(tmp_path: Path, runner: QueryRunner, engine: str, weighted: bool) -> list[int]:
    config = WalkConfig(metapaths=(parse_metapath(UVU),), walks_per_node=3000, walk_length=2,
                        weighted=weighted, engine=engine, seed=11)  # type: ignore[arg-type]
    run_walks(runner, config, tmp_path / "fan.txt", progress=False)
    counts = Counter(walk[1] for walk in WalkCorpus(tmp_path / "fan.txt") if walk[0] == "u:1")
    return [counts["v:10"], counts["v:11"], counts["v:12"]]


@pytest.mark.parametrize("engine", ENGINES)
def test_transition_frequencies_match_weights_and_degrees(db: QueryRunner, tmp_path: Path, engine: str) -> None:
    _fan_graph(db)
    weighted = _first_steps(tmp_path, db, engine, weighted=True)
    uniform = _first_steps(tmp_path, db, engine, weighted=False)
    total = sum(weighted)
    assert total == sum(uniform) == 3000
    by_weight = [total * w / 8 for w in (1, 2, 5)]
    by_degree = [total / 3] * 3
    # Each sample matches its own law and, with 3,000 draws, clearly rejects the other one.
    assert chisquare(weighted, by_weight).pvalue > 1e-3
    assert chisquare(weighted, by_degree).pvalue < 1e-12
    assert chisquare(uniform, by_degree).pvalue > 1e-3
    assert chisquare(uniform, by_weight).pvalue < 1e-12


def _sparse_follow_graph(runner: QueryRunner) -> None:
    # Only user 1 follows anyone (as in KuaiRec, where most users follow nobody); user 5 watched nothing.
    # From user 1 a walk goes u1 -> u2 -> v11 -> (u2 | u3), and neither u2 nor u3 follows anyone.
    create_graph(runner, [1, 2, 3, 4, 5], [10, 11], [(1, 10, 1), (2, 11, 1), (3, 11, 1), (4, 10, 1)], [(1, 2)])


@pytest.mark.parametrize("engine", ENGINES)
def test_dead_ends_and_isolated_start_nodes_are_reported(db: QueryRunner, tmp_path: Path, engine: str) -> None:
    _sparse_follow_graph(db)
    config = WalkConfig(metapaths=(parse_metapath(UUVU), parse_metapath(UVU)), walks_per_node=4, walk_length=10,
                        engine=engine, seed=5)  # type: ignore[arg-type]
    summary = run_walks(db, config, tmp_path / "w.txt", progress=False)
    follows_task, watch_task = summary.tasks
    assert (follows_task.start_nodes, follows_task.isolated_start_nodes) == (5, 4)  # only user 1 follows
    assert (watch_task.start_nodes, watch_task.isolated_start_nodes) == (5, 1)  # user 5 watched nothing
    assert follows_task.walks == 4 and watch_task.walks == 16
    assert follows_task.stopped_early == 4 and follows_task.early_share == 1.0
    assert follows_task.stopped_at_hop == {"hop 1 User-FOLLOWS->User": 4}
    assert follows_task.stopped_at_length == {4: 4}
    assert watch_task.stopped_early == 0
    # Combining metapaths keeps the users without follows in the corpus.
    seen = {token for walk in WalkCorpus(tmp_path / "w.txt") for token in walk}
    assert {"u:1", "u:2", "u:3", "u:4"} <= seen and "u:5" not in seen
    sidecar = WalkCorpus(tmp_path / "w.txt").sidecar()
    assert sidecar["tasks"][0]["isolated_start_nodes"] == 4 and sidecar["engine"] == engine


@pytest.mark.parametrize("engine", ENGINES)
def test_fixed_seed_and_concurrency_one_give_identical_corpora(db: QueryRunner, tmp_path: Path, engine: str) -> None:
    _random_graph(db)
    config = WalkConfig(metapaths=(parse_metapath(UUVU), parse_metapath(UVU)), walks_per_node=2, walk_length=12,
                        engine=engine, seed=9, concurrency=1)  # type: ignore[arg-type]
    run_walks(db, config, tmp_path / "a.txt", progress=False)
    run_walks(db, config, tmp_path / "b.txt", progress=False)
    assert (tmp_path / "a.txt").read_text() == (tmp_path / "b.txt").read_text()
    other = WalkConfig(metapaths=config.metapaths, walks_per_node=2, walk_length=12, engine=engine, seed=10)  # type: ignore[arg-type]
    run_walks(db, other, tmp_path / "c.txt", progress=False)
    assert (tmp_path / "a.txt").read_text() != (tmp_path / "c.txt").read_text()


def test_memory_and_cypher_engines_take_identical_steps(db: QueryRunner, tmp_path: Path) -> None:
    _random_graph(db)
    texts = []
    for engine in ("memory", "cypher"):
        config = WalkConfig(metapaths=(parse_metapath(UUVU),), walks_per_node=2, walk_length=15, engine=engine,  # type: ignore[arg-type]
                            seed=4)
        run_walks(db, config, tmp_path / f"{engine}.txt", progress=False)
        texts.append((tmp_path / f"{engine}.txt").read_text())
    assert texts[0] == texts[1]


def test_metapath_is_checked_against_the_graph(db: QueryRunner, tmp_path: Path) -> None:
    _sparse_follow_graph(db)
    cases = {
        "User-WATCHED->Track<-WATCHED-User": "no Track nodes",
        "User-LIKED->Video<-LIKED-User": "no LIKED relationships",
        "User<-WATCHED-Video-WATCHED->User": "did you mean User-WATCHED->Video?",
    }
    for text, message in cases.items():
        with pytest.raises(MetapathError, match=message):
            run_walks(db, WalkConfig(metapaths=(parse_metapath(text),)), tmp_path / "x.txt", progress=False)
    assert not (tmp_path / "x.txt").exists()


def test_interrupted_gds_walk_drops_projection_and_stops_server_work(
        db: QueryRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _random_graph(db)
    terminated: list[int] = []
    terminate = db.terminate_tagged
    monkeypatch.setattr(db, "terminate_tagged", lambda tag: terminated.append(terminate(tag)) or terminated[-1])

    class InterruptAfterFirstBatch(GdsEngine):
        def walk(self, task, sources):  # type: ignore[no-untyped-def]
            for batch in super().walk(task, sources):
                yield batch
                raise KeyboardInterrupt

    # 12 followers x 2,000 walks: far more rows than one Bolt fetch, so the server is mid-walk when we stop.
    engine = InterruptAfterFirstBatch(db, stream_batch=10)
    config = WalkConfig(metapaths=(parse_metapath(UUVU),), walks_per_node=2_000, walk_length=40, seed=2)
    with pytest.raises(WalkError, match="interrupted"):
        run_walks(db, config, tmp_path / "i.txt", progress=False, engine=engine)
    assert terminated == [1]  # the running server transaction was found and terminated
    assert db.read("admin/list_gds_graphs") == []
    running = cypher(db, "SHOW TRANSACTIONS YIELD currentQuery "
                                  "WHERE currentQuery STARTS WITH 'CALL gds.randomWalk' RETURN count(*) AS n")
    assert int(running["n"][0]) == 0
    assert not (tmp_path / "i.txt").exists() and not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("engine", ENGINES)
def test_held_out_relationships_are_never_walked(db: QueryRunner, tmp_path: Path, engine: str) -> None:
    # User 1's edge to video 12 (weight 5, the likeliest step) is a test interaction: walks must not use it.
    _fan_graph(db)
    # Another split's property on the same edge must not hide it from this split's walks.
    db.write(query("set_holdout"), {"pairs": [[1, 12]], "split": "test", "property": "holdout_aaaaaaaaaaaa"})
    db.write(query("set_holdout"), {"pairs": [[1, 11]], "split": "test", "property": "holdout_bbbbbbbbbbbb"})
    config = WalkConfig(metapaths=(parse_metapath(UVU),), walks_per_node=300, walk_length=6, engine=engine,  # type: ignore[arg-type]
                        exclude_holdout=HoldoutExclusion("holdout_aaaaaaaaaaaa", ("test", "validation")))
    run_walks(db, config, tmp_path / "h.txt", progress=False)
    pairs = {(walk[i], walk[i + 1]) for walk in WalkCorpus(tmp_path / "h.txt") for i in range(len(walk) - 1)}
    assert ("u:1", "v:10") in pairs and ("u:1", "v:11") in pairs
    assert ("u:1", "v:12") not in pairs and ("v:12", "u:1") not in pairs
    assert ("u:4", "v:12") in pairs  # other users' edges to the same video are still walked
