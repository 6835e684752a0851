"""The scale study's pieces that need no database: the catalogue generator (read by the real loaders), the
growth-exponent fit, the warm start of the refresh, and the alias's standby slot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.catalogue import CatalogueSpec, catalogue_stats, generate, write_generic, write_kuairec
from bench.scale_report import exponent, markdown
from loaders import csv_generic, kuairec
from loaders.rejects import Validation
from mp2v.embeddings.store import Embeddings
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel
from mp2v.serving.live import standby_slot
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.warm_start import neighbour_sums, warm_train


def test_catalogue_is_seeded_sized_and_heavy_tailed() -> None:
    spec = CatalogueSpec(interactions=100_000, seed=3)
    first, again, other = generate(spec), generate(spec), generate(CatalogueSpec(interactions=100_000, seed=4))
    assert np.array_equal(first.items, again.items) and np.array_equal(first.followed, again.followed)
    assert not np.array_equal(first.items, other.items)
    assert first.interactions == 100_000
    assert np.unique(first.users * spec.items + first.items).size == first.interactions  # distinct pairs
    stats = catalogue_stats(first)
    assert stats["top_1pct_items_share"] > 0.05  # hubs: 1 % of the items hold far more than 1 % of plays
    assert stats["max_item_degree"] > 5 * stats["median_item_degree"]
    assert 0 < stats["reciprocated_follow_share"] < 1
    assert (first.follower != first.followed).all()
    # Taste communities: users draw from their own community far more often than at random.
    same = (first.user_community[first.users] == first.item_community[first.items]).mean()
    assert same > 2.0 / spec.communities


def test_catalogue_rejects_bad_settings() -> None:
    with pytest.raises(ConfigError, match="taste_share"):
        CatalogueSpec(taste_share=1.5)


def test_the_loaders_read_both_formats(tmp_path: Path) -> None:
    catalogue = generate(CatalogueSpec(interactions=5_000, seed=1))
    files = write_generic(catalogue, tmp_path / "generic")
    plan = csv_generic.build_plan(csv_generic.CsvConfig(files.interactions, files.follows, files.features),
                                  Validation(tmp_path / "rejects"))
    counts = {rels.type: len(rels.frame) for rels in plan.relationships}
    assert counts["INTERACTED"] == catalogue.interactions
    assert counts["FOLLOWS"] == catalogue.follower.size
    assert counts["HAS_FEATURE"] == catalogue.tag.size
    assert all(check.rejects.empty for check in plan.files)
    write_kuairec(catalogue, tmp_path / "kuairec")
    plan = kuairec.build_plan(kuairec.KuaiRecConfig(tmp_path / "kuairec", threshold=0.0),
                              Validation(tmp_path / "rejects-k"))
    watched = next(rels for rels in plan.relationships if rels.type == "WATCHED")
    assert len(watched.frame) == catalogue.interactions


def test_exponent_is_the_log_log_slope() -> None:
    assert exponent([10, 100, 1000], [2.0, 20.0, 200.0]) == pytest.approx(1.0)
    assert exponent([10, 100], [1.0, 100.0]) == pytest.approx(2.0)
    assert exponent([10], [1.0]) is None
    row = {"seconds": 1.0, "python_peak_mb": 10.0, "jvm_peak_mb": 0.0, "load_average": 0.0, "rows_per_s": 5}
    text = markdown({"1000": {"generate": row}, "10000": {"generate": {**row, "seconds": 10.0}}})
    assert "| generate | 1.00 |" in text


def test_standby_slot_alternates() -> None:
    assert standby_slot("live", None) == "live_a"
    assert standby_slot("live", "live_a") == "live_b"
    assert standby_slot("live", "live_b") == "live_a"


def test_warm_start_keeps_known_vectors_and_initialises_new_tokens_from_neighbours(tmp_path: Path) -> None:
    model = GraphModel(dataset="t")
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("u:1 i:1 u:2 i:2 u:1\nu:3 i:1 u:3 i:9\n" * 20)
    rng = np.random.default_rng(0)
    previous = Embeddings(np.array([1, 2]), np.array([1, 2]), rng.normal(size=(2, 8)).astype(np.float32),
                          rng.normal(size=(2, 8)).astype(np.float32), rng.normal(size=(2, 8)).astype(np.float32),
                          rng.normal(size=(2, 8)).astype(np.float32))
    near = neighbour_sums(corpus, {"u:3", "i:9"}, {"u:1", "u:2", "i:1", "i:2"})
    assert set(near["u:3"]) == {"i:1"} and "i:9" not in near  # i:9's only neighbour is new too
    result, warm = warm_train(corpus, TrainConfig(dimensions=8, epochs=1, alpha=1e-9, min_alpha=1e-9, workers=1),
                              previous, model)
    assert (warm.previous, warm.from_neighbours, warm.random) == (4, 1, 1)
    vectors = result.model.wv
    np.testing.assert_allclose(vectors["u:1"], previous.user_input[0], atol=1e-4)  # (almost) no learning rate
    np.testing.assert_allclose(vectors["u:3"], previous.item_input[0], atol=1e-4)  # its only known neighbour
    with pytest.raises(ConfigError, match="dimensions"):
        warm_train(corpus, TrainConfig(dimensions=4, epochs=1), previous, model)


def test_serving_load_takes_several_sizes_each_among_the_studied_ones() -> None:
    from bench.bench_scale import serving_sizes

    assert serving_sizes([100, 1_000, 10_000], [10_000, 1_000, 1_000]) == [1_000, 10_000]
    assert serving_sizes([100, 1_000], [1_000]) == [1_000]  # one size, as the old flag took
    assert serving_sizes([100], None) == [] and serving_sizes([100], []) == []
    with pytest.raises(ValueError, match="--serving-load 500: not among --sizes"):
        serving_sizes([100, 1_000], [1_000, 500])


def test_serving_load_flag_refuses_a_size_not_studied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import bench_scale

    with pytest.raises(SystemExit) as stopped:
        bench_scale.main(["--wipe", "--sizes", "100", "--serving-load", "100", "7", "--workdir", str(tmp_path)])
    assert stopped.value.code == 2
    assert "--serving-load 7: not among --sizes 100" in capsys.readouterr().err


def test_load_beside_reloads_slices_of_the_sizes_own_files(tmp_path: Path) -> None:
    from bench.scale_load import beside_delta

    (tmp_path / "files").mkdir()
    rows = [f"{n},{n % 7},1,0\n" for n in range(50)]
    (tmp_path / "files" / "interactions.csv").write_text("user,item,weight,timestamp\n" + "".join(rows))
    (tmp_path / "files" / "follows.csv").write_text("user,follows\n1,2\n")
    (tmp_path / "files" / "features.csv").write_text("item,feature\n")
    sliced = beside_delta(tmp_path, 300)
    lines = sliced["interactions"].read_text().splitlines(keepends=True)
    assert lines[0].startswith("user,") and lines[1:] == rows[:30]
    assert sliced["follows"].read_text() == "user,follows\n1,2\n"  # shorter than the slice: all of it
    assert sliced["features"].read_text() == "item,feature\n"


def test_ials_confidence_grows_as_the_catalogue_gets_sparser() -> None:
    import scipy.sparse as sp

    from bench.scale_stages import IALS_ANCHOR_DENSITY, ials_alpha

    def matrix(users: int, items: int, nnz: int) -> sp.csr_matrix:
        rng = np.random.default_rng(0)
        cells = rng.choice(users * items, nnz, replace=False)
        return sp.csr_matrix((np.ones(nnz), (cells // items, cells % items)), shape=(users, items))

    dense = matrix(100, 100, int(0.5 * 100 * 100))
    assert ials_alpha(dense) == 1.0  # never below the library's scale
    sparse = matrix(1_000, 1_000, int(IALS_ANCHOR_DENSITY / 100 * 1_000 * 1_000))
    assert ials_alpha(sparse) == pytest.approx(10.0, rel=0.01)  # 100 times sparser: 10 times the confidence
