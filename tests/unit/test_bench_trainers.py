"""bench/bench_trainers.py without running the study: the Last.fm matrix it splits and the report it writes."""

from __future__ import annotations

import numpy as np

from bench.bench_trainers import lastfm_matrix, markdown


def test_lastfm_matrix_has_one_row_per_user_and_log_weights() -> None:
    matrix, users, items = lastfm_matrix()
    assert matrix.shape == (users.size, items.size) and users.size > 1000 and items.size > 10_000
    assert np.all(np.diff(users) > 0) and matrix.nnz > 90_000 and matrix.data.min() > 0


def test_report_gives_each_trainer_mean_spread_and_range() -> None:
    rows = [{"trainer": t, "seed": s, "recall@20": r, "ndcg@20": r / 2, "train_seconds": 1.0}
            for t, s, r in (("gensim", 1, 0.2), ("gensim", 2, 0.3), ("torch", 1, 0.25))]
    data = {"command": "python -m bench.bench_trainers", "machine": "x", "date": "d", "settings": {},
            "device": "cpu", "note": "", "quality": rows,
            "throughput": [{"corpus": "c", "tokens": 10, "epochs": 1, "rows": [
                {"trainer": "torch", "setup": "2 processes (gloo)", "words_per_s": 1234, "peak_gpu_mib": None,
                 "allreduce_mb_per_rank": 5.0, "load_average": 1.5}]}]}
    text = markdown(data)
    assert "| torch | 2 processes (gloo) | 1,234 | - | 5.0 | 1.5 |" in text
    assert "| gensim | 2 | 2 | 0.2500 ± 0.0707 [0.2000, 0.3000] |" in text
    assert "| torch | 1 | 1 | 0.2500 | 0.1250 |" in text
