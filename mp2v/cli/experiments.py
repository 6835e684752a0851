"""``mp2v evaluate``, ``mp2v demo``, ``mp2v serve``, ``mp2v recommend``, ``mp2v similar``, ``mp2v runs``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mp2v.cli.common import echo, one_line_errors, runner, settings
from mp2v.common.ids import parse_id
from mp2v.embeddings.store import RunStore
from mp2v.evaluation.stages import Stage
from mp2v.experiments.evaluate import DEFAULT_METHODS, EvaluationConfig, EvaluationOutcome, evaluate
from mp2v.graph.metapath import parse_metapath
from mp2v.graph.model import GraphModel, read_model
from mp2v.serving.vector_index import Server, serve_run, served_runs, slot_name
from mp2v.training.gensim_sgns import TrainConfig
from mp2v.training.torch_options import TorchOptions
from mp2v.types import Device, ScoringRule, Trainer


def _print_outcome(outcome: EvaluationOutcome) -> None:
    echo(outcome.table())
    choice = outcome.choice
    if choice and choice.validation:
        scores = ", ".join(f"{name} {value:.4f}" for name, value in choice.validation.items())
        echo(f"  chosen on validation {choice.metric}: {choice.name} ({scores}); "
             "the comparisons below are against it")
    for result in outcome.results:
        for note in result.notes:
            echo(f"  note ({result.name}): {note}")
    for test in outcome.tests:
        echo(f"  {test['a']} vs {test['b']} {test['metric']}: {test['mean_diff']:+.4f} "
             f"[{test['ci_low']:+.4f}, {test['ci_high']:+.4f}], Wilcoxon p = {test['p_value']:.2g}, "
             f"better/worse/tied {test['n_better']}/{test['n_worse']}/{test['n_tied']}")
    echo("")
    echo(outcome.clock.table())
    echo(f"report: {outcome.report['markdown'].parent}")


@one_line_errors
def evaluate_command(
    stage: Stage = typer.Option(Stage.TEST, help="test (fit on train + validation) or validation (fit on train)."),
    method: list[str] = typer.Option(None, "--method", help=f"Repeatable; default: {', '.join(DEFAULT_METHODS)}."),
    metapath: list[str] = typer.Option(None, "--metapath", "-m", help="Default: User-<interaction>-><Item>..."),
    seed: int = typer.Option(42, help="Split, walk and training seed."),
    walks_per_node: int = typer.Option(10),
    walk_length: int = typer.Option(40),
    dimensions: int = typer.Option(128),
    window: int = typer.Option(3),
    negative: int = typer.Option(5),
    ns_exponent: float = typer.Option(0.0),
    epochs: int = typer.Option(5),
    workers: int = typer.Option(2),
    trainer: Trainer = typer.Option(Trainer.GENSIM, help="gensim; numba (the project's SGNS kernel); numba-typed "
                                                         "(negatives of the context's node type, metapath2vec++); "
                                                         "torch / torch-typed (PyTorch, the gnn extra)."),
    device: Device = typer.Option(Device.AUTO, help="torch trainers: cpu, cuda, or auto (a GPU when present)."),
    processes: int = typer.Option(1, min=1, help="torch trainers: torch.distributed ranks on this machine."),
    interaction_pairs: int = typer.Option(0, min=0, help="Also train on each training interaction as a 'user "
                                                         "item' sentence, this many times per epoch."),
    return_weight: float = typer.Option(1.0, min=0.0, max=1.0, help="Weight of a step straight back to the node "
                                        "two steps before (1: plain walks; 0: non-backtracking where possible)."),
    reuse: bool = typer.Option(True, "--reuse/--fresh", help="Reuse identical stored runs."),
    kuairec_small_matrix: Path = typer.Option(None, help="KuaiRec: the small_matrix.csv to judge on."),
) -> None:
    """Fit MP2V, R-MP2V and the production baseline; write results JSON, Markdown and plots."""
    train = TrainConfig(dimensions=dimensions, window=window, negative=negative, ns_exponent=ns_exponent,
                        epochs=epochs, workers=workers, seed=seed)
    config = EvaluationConfig(
        stage=stage, methods=tuple(method) if method else DEFAULT_METHODS, seed=seed, reuse=reuse,
        metapaths=tuple(parse_metapath(m) for m in metapath) if metapath else None,
        walks_per_node=walks_per_node, walk_length=walk_length, train=train, trainer=trainer,
        torch=TorchOptions(device=device, processes=processes), kuairec_small_matrix=kuairec_small_matrix,
        interaction_pairs=interaction_pairs, return_weight=return_weight)
    current = settings()
    with runner(current) as checked:
        outcome = evaluate(checked, current, config)
    _print_outcome(outcome)


@one_line_errors
def demo_command(fresh: bool = typer.Option(False, "--fresh", help="Reload and retrain even if done before.")) -> None:
    """Start the server, load Last.fm, walk, train MP2V / R-MP2V / item2vec, evaluate and serve."""
    from mp2v.experiments.demo import run_demo

    outcome = run_demo(settings(), fresh=fresh)
    _print_outcome(outcome.evaluation)
    echo(f"served {outcome.served['method']} (run {outcome.served['run_id']}) from Neo4j's vector index; "
         f"`mp2v recommend {outcome.sample_user}` gives:")
    for rec in outcome.sample:
        echo(f"  {rec.item_id:>8}  {rec.score:8.3f}  {rec.name}")


@one_line_errors
def serve_command(run: str = typer.Argument(None, help="Run id (default: the latest R-MP2V run)."),
                  scoring: ScoringRule = typer.Option(None, help="Default: the run's rule.")) -> None:
    """Write a run's vectors to Neo4j as node properties with vector indexes."""
    current = settings()
    store = RunStore(current.paths.runs)
    stored = store.load(run) if run else store.latest("R-MP2V")
    with runner(current) as checked:
        record = serve_run(checked, read_model(checked), stored, rule=scoring)
    echo(f"serving {record['method']} run {record['run_id']} in slot {record['slot']} "
         f"({record['scoring']} scoring, {record['dimensions']} dimensions)")


def _server(checked: Any, model: GraphModel, run: str | None, current: Any) -> Server:
    if run:
        stored = RunStore(current.paths.runs).load(run)
        return Server(checked, model, serve_run(checked, model, stored)["slot"])
    served = served_runs(checked)
    if not served:
        stored = RunStore(current.paths.runs).latest("R-MP2V")
        return Server(checked, model, serve_run(checked, model, stored)["slot"])
    preferred = slot_name("R-MP2V")
    return Server(checked, model, preferred if preferred in served else sorted(served)[0])


@one_line_errors
def recommend_command(
    user: str = typer.Argument(None, help="User id (or --items for a user not in the graph)."),
    k: int = typer.Option(20, "--k", min=1),
    exclude_seen: bool = typer.Option(True, "--exclude-seen/--include-seen"),
    run: str = typer.Option(None, help="Run id to serve and answer from (default: the served R-MP2V run)."),
    items: str = typer.Option(None, "--items", help="a,b,c: a new user known by these items (fold-in)."),
) -> None:
    """Top-k items for a user, answered by Neo4j from the vector index (--items: a new user, by fold-in)."""
    if items or user is None:
        from mp2v.cli.coldstart import recommend_items

        return recommend_items(items or "", k, run)
    current = settings()
    with runner(current) as checked:
        model = read_model(checked)
        # Read with the dataset's id type before serving anything: `007` stays "007" under string ids.
        user_id = parse_id(user, model.id_type, what=f"{model.user_label} id")
        server = _server(checked, model, run, current)
        rows = server.recommend(user_id, k, exclude_seen=exclude_seen)
    echo(f"{server.record['method']} ({server.record['scoring']}) for user {user}:")
    for rank, rec in enumerate(rows, start=1):
        echo(f"{rank:>3}. {rec.item_id!s:>8}  {rec.score:8.3f}  {rec.name or ''}")


@one_line_errors
def similar_command(item: str = typer.Argument(..., help="Item id."), k: int = typer.Option(20, "--k", min=1),
                    run: str = typer.Option(None, help="Run id (default: the served R-MP2V run).")) -> None:
    """The "autoplay" list: items closest to an item by cosine of embeddings."""
    current = settings()
    with runner(current) as checked:
        model = read_model(checked)
        item_id = parse_id(item, model.id_type, what=f"{model.item_label} id")
        server = _server(checked, model, run, current)
        rows = server.similar(item_id, k)
    for rank, rec in enumerate(rows, start=1):
        echo(f"{rank:>3}. {rec.item_id!s:>8}  {rec.score:6.3f}  {rec.name or ''}")


@one_line_errors
def runs_command() -> None:
    """Stored runs, oldest first; a run whose run.json is damaged gets one warning line on stderr."""
    runs, damaged = RunStore(settings().paths.runs).scan()
    for run in runs:
        echo(f"{run['run_id']:<40} {run.get('method', '?'):<10} {run.get('dataset', '?'):<8} "
             f"stage={run.get('stage', '-')}")
    for error in damaged:
        typer.echo(f"warning: {error}", err=True)
