"""``mp2v walk``: metapath-constrained walks from the loaded graph into a corpus file."""

from __future__ import annotations

from pathlib import Path

import typer

from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import read_model
from mp2v.walks.config import EngineChoice, StartNodes, WalkConfig
from mp2v.walks.run import CorpusSummary, default_metapath, run_walks


@one_line_errors
def walk(
    metapath: list[str] = typer.Option(
        None, "--metapath", "-m",
        help="e.g. 'User-FOLLOWS->User-WATCHED->Video<-WATCHED-User'; repeat to combine; '@N' sets walks per node."),
    walks_per_node: int = typer.Option(10, min=1, help="Walks started from every start node."),
    walk_length: int = typer.Option(40, min=2, help="Nodes per walk (the start included)."),
    weighted: bool = typer.Option(True, "--weighted/--uniform", help="R-MP2V (edge weights) or MP2V (uniform)."),
    start: StartNodes = typer.Option(StartNodes.USERS, help="Start nodes."),
    engine: EngineChoice = typer.Option(EngineChoice.AUTO, help="auto picks GDS or the in-memory CSR engine."),
    seed: int = typer.Option(42),
    concurrency: int = typer.Option(1, help="GDS threads (1-4; 1 is reproducible)."),
    return_weight: float = typer.Option(1.0, help="Weight of a step straight back to the node two steps before "
                                                  "(1: plain walks; 0: non-backtracking where possible)."),
    out: Path = typer.Option(None, help="Corpus file (default: <MP2V_HOME>/walks/<dataset>.txt)."),
) -> None:
    """Walk the loaded graph along metapaths and write one walk per line."""
    current = settings()
    with runner(current) as checked:
        model = read_model(checked)
        parsed = tuple(parse_metapath(m) for m in metapath) if metapath else (default_metapath(model),)
        config = WalkConfig(metapaths=parsed, walks_per_node=walks_per_node, walk_length=walk_length,
                            start=start, weighted=weighted, seed=seed, concurrency=concurrency, engine=engine,
                            return_weight=return_weight)
        target = out or current.paths.home / "walks" / f"{model.dataset}.txt"
        summary = run_walks(checked, config, target)
    print_summary(summary)


def print_summary(summary: CorpusSummary) -> None:
    echo(f"wrote {summary.walks:,} walks ({summary.tokens:,} tokens) to {summary.path} in {summary.seconds:.1f} s "
         f"({summary.steps_per_second:,.0f} steps/s) with the {summary.engine} engine ({summary.engine_reason})")
    for task in summary.tasks:
        stops = ", ".join(f"{hop}: {count:,}" for hop, count in task.stopped_at_hop.items()) or "none"
        echo(f"  {task.metapath}: {task.walks:,} walks from {task.start_nodes - task.isolated_start_nodes:,} of "
             f"{task.start_nodes:,} {task.start_label} nodes ({task.isolated_start_nodes:,} cannot take the first "
             f"hop); stopped early {task.early_share:.1%} ({stops})")
