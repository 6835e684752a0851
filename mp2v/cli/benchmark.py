"""``mp2v benchmark [lastfm]``: the committed results table, from one command."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer

from mp2v.cli.common import echo, one_line_errors, settings
from mp2v.config import checkout_root
from mp2v.db.check import connect
from mp2v.experiments.benchmark.space import BASELINE_SPACES
from mp2v.experiments.protocols import Protocol, ProtocolConfig
from mp2v.ops.server import LocalServer
from mp2v.training.torch_options import TorchOptions, require_torch
from mp2v.types import Device, Trainer


class BenchmarkDataset(StrEnum):
    """Datasets the benchmark loads itself (omit the argument to use the loaded one)."""

    LASTFM = "lastfm"


#: The tuned baselines, named as in the benchmark's search spaces (one list, so the two cannot drift).
Baseline = StrEnum("Baseline", [(name, name) for name in BASELINE_SPACES])  # type: ignore[misc]


@one_line_errors
def benchmark_command(
    dataset: BenchmarkDataset = typer.Argument(None, help="'lastfm' loads the vendored Last.fm first; omit to use "
                                                           "the loaded dataset (KuaiRec or your own CSVs)."),
    quick: bool = typer.Option(False, help="Tiny grids: a smoke run, not results."),
    ablations: bool = typer.Option(True, "--ablations/--no-ablations"),
    baseline: list[Baseline] = typer.Option(None, "--baseline", help="Repeatable; default: all."),
    out: Path = typer.Option(None, help="Folder for <dataset>.md and .json (default: <checkout>/results)."),
    seed: int = typer.Option(42),
    protocol: Protocol = typer.Option(Protocol.HOLDOUT, help="holdout (per-user 20 %), leave-one-out (HR@10 / "
                                      "NDCG@10) or ratio-8-1-1 (RecBole's random 8:1:1); all rank all items."),
    test_fraction: float = typer.Option(0.2, help="holdout: each user's test share (validation: the same share of "
                                        "the rest)."),
    min_interactions: int = typer.Option(2, help="Users with fewer interactions are not tested (they only train)."),
    fast: bool = typer.Option(False, help="One pass per grid, MP2V's main axes, no ablations / "
                              "metapath2vec++ validation, ensembles of 1 and 4; writes <dataset>[-<protocol>]-fast.md "
                              "beside the full run's table and lists what it left out."),
    typed_validation: bool = typer.Option(True, "--typed-validation/--no-typed-validation",
                                          help="Validate the chosen ensemble with type-aware negatives too."),
    finalists: int = typer.Option(3, min=0, help="MP2V's single configuration: the search's best this many, "
                                  "validated again with --finalist-seeds seeds each; the best mean is chosen "
                                  "(below 2: the best trial)."),
    finalist_seeds: int = typer.Option(3, min=1, help="Seeds per finalist (the search's own included)."),
    fair: bool = typer.Option(True, "--fair/--no-fair", help="Also fit iALS, BPR (and LightGCN) as seed ensembles "
                              "of the chosen MP2V ensemble's size (ensemble vs ensemble)."),
    trainer: Trainer = typer.Option(Trainer.GENSIM, help="Skip-gram trainer of the MP2V fits: gensim, numba, "
                                    "numba-typed, torch or torch-typed (PyTorch, the gnn extra)."),
    device: Device = typer.Option(Device.AUTO, help="torch trainers: cpu, cuda, or auto (a GPU when present)."),
    processes: int = typer.Option(1, min=1, help="torch trainers: torch.distributed ranks on this machine."),
) -> None:
    """Tune every method on validation, judge once on test, run ablations and paired tests, write the table."""
    from mp2v.experiments.benchmark import report
    from mp2v.experiments.benchmark.headline import headline, update_readme
    from mp2v.experiments.benchmark.run import Benchmark, BenchmarkConfig
    from mp2v.experiments.demo import _load_lastfm, _loaded

    if trainer.uses_torch:
        require_torch()  # before the server starts and the tuning begins, not at the first fit
    current = settings()
    if current.neo4j.local:
        server = LocalServer(current.server)
        server.start()
        current = replace(current, neo4j=server.connection())
    config = BenchmarkConfig(seed=seed, quick=quick, ablations=ablations,
                             baselines=tuple(str(b) for b in baseline) if baseline else tuple(BASELINE_SPACES),
                             protocol=ProtocolConfig(protocol, test_fraction, min_interactions), fast=fast,
                             typed_validation=typed_validation, fair=fair, trainer=trainer,
                             finalists=finalists, finalist_seeds=finalist_seeds,
                             torch=TorchOptions(device=device, processes=processes))
    with connect(current.neo4j) as runner:
        if dataset is BenchmarkDataset.LASTFM and not _loaded(runner):
            echo("loading Last.fm ...")
            _load_lastfm(runner, current)
        outcome = Benchmark(runner, current, config, log=echo).run()
    folder = out or (checkout_root() or Path.cwd()) / "results"
    command = "mp2v benchmark " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "mp2v benchmark"
    markdown, data = report.write(outcome, folder, command.strip())
    readme = (checkout_root() or Path.cwd()) / "README.md"
    block = headline(outcome, f"results/{markdown.name}")
    # Only a full holdout run speaks for the README: a fast run's narrower search writes its own -fast table.
    full_holdout = out is None and protocol is Protocol.HOLDOUT and not fast
    if full_holdout and update_readme(readme, outcome.model.dataset, block):
        echo(f"updated the {outcome.model.dataset} results block of {readme}")
    for line in report.verdict(outcome):
        echo(line)
    echo(f"wrote {markdown} and {data} ({outcome.seconds / 60:.1f} min)")
