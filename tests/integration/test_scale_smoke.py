"""`python -m bench.bench_scale` end to end at two small sizes, on a private server of its own (the study
replaces its database with bulk imports, so it never touches the shared test server): every stage is
checkpointed, a second run resumes without redoing any, and the report has exponents and the quality table."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path

import pytest

from bench import bench_scale, scale_negatives
from bench.scale_stages import STAGES
from mp2v.config import load_settings
from mp2v.db.runner import QueryRunner
from mp2v.ops.server import LocalServer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow  # about 8 min on the shared 2-core machine: `make test-scale` (run by .ci/run), not the default suite
def test_scale_command_runs_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in {"MP2V_HOME": str(tmp_path / "home"), "MP2V_BOLT_PORT": str(_free_port()),
                        "MP2V_HEAP": "1g", "MP2V_PAGECACHE": "256m"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    arguments = ["--wipe", "--sizes", "5000", "10000", "--results", str(tmp_path / "results"),
                 "--serving-load", "5000", "--load-seconds", "1"]
    try:
        assert bench_scale.main(arguments) == 0
        checkpoint = json.loads((tmp_path / "home" / "scale" / "checkpoint.json").read_text())
        assert sorted(checkpoint) == ["10000", "5000"]
        served = checkpoint["5000"].pop("serving_load")  # right after 5,000's stages, while its graph was loaded
        assert [row["clients"] for row in served["rows"]] == [1, 4, 16, 64, 16, 16]
        assert sum(row["errors"] for row in served["rows"]) == 0
        assert served["rows"][-1]["beside"].startswith("mp2v load csv") and served["rows"][-1]["beside_rc"] == 0
        before, after = served["rows"][-1]["interactions_before_after"]
        assert before == after > 0  # the load beside re-loads edges the graph has: idempotent
        for stages in checkpoint.values():
            assert list(stages) == list(STAGES)
            assert stages["load"]["relationships"] > 0 and stages["serve"]["recommend_p50_ms"] > 0
            assert stages["evaluate"]["iALS"]["recall@20"] > 0
        report = (tmp_path / "results" / "scale.md").read_text()
        assert "## Growth exponents" in report and "| 10,000 | iALS |" in report
        assert "## Serving under load (5,000 interactions)" in report
        capsys.readouterr()
        assert bench_scale.main(arguments) == 0  # resumes: every stage is checkpointed
        assert " ..." not in capsys.readouterr().out
        # The probe behind docs/scale.md's negative-sampling table reads a finished size's folder.
        scale_negatives.main([str(next((tmp_path / "home").rglob("size-10000"))), "--ns-exponent", "0.5",
                              "--epochs", "1"])
        assert "size 10000, ns_exponent 0.5" in capsys.readouterr().out
        # The routing scheme a cluster needs (neo4j://) works against the single local server too.
        local = load_settings().neo4j
        with QueryRunner(replace(local, uri=local.uri.replace("bolt://", "neo4j://"))) as routed:
            assert routed.read("serve/served_runs")[0]["properties"]["slot"] == "scale"
    finally:
        LocalServer(load_settings().server).stop()
