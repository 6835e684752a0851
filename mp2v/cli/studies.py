"""``mp2v study ...``: one command per study, each writing results/<study>-<dataset>.md and .json.

Add a study as another ``@app.command`` here; ``mp2v/cli/main.py`` registers the whole sub-app once.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import typer

from mp2v.cli.common import echo, one_line_errors, settings
from mp2v.config import Settings, checkout_root
from mp2v.db.check import connect
from mp2v.db.runner import QueryRunner

app = typer.Typer(help="Studies beside the benchmark: autoplay (item-to-item), favourites (held-out favourites), "
                       "coldstart (new items and users).",
                  no_args_is_help=True)


def _connected() -> tuple[Settings, QueryRunner]:
    """Settings and a runner; a local server (MP2V_BOLT_PORT) is started first when one is configured."""
    from mp2v.ops.server import LocalServer

    current = settings()
    if current.neo4j.local:
        server = LocalServer(current.server)
        server.start()
        current = replace(current, neo4j=server.connection())
    return current, connect(current.neo4j)


def _folder(out: Path | None) -> Path:
    return out or (checkout_root() or Path.cwd()) / "results"


def _command(name: str) -> str:
    return " ".join(["mp2v study", name, *sys.argv[3:]]).strip()


@app.command("autoplay")
@one_line_errors
def autoplay_command(
    method: list[str] = typer.Option(None, "--method", help="Repeatable; default: MP2V, R-MP2V, item2vec, "
                                                            "item graph."),
    seed: int = typer.Option(42, help="Split, pair and walk seed."),
    top_n: int = typer.Option(50, help="Item graph: CO_CONSUMED edges kept per item (its heaviest)."),
    max_user_items: int = typer.Option(1_000, help="Item graph: users with more items are not counted."),
    max_pairs: int = typer.Option(100_000, help="At most this many held-out positive pairs."),
    reuse: bool = typer.Option(True, "--reuse/--fresh", help="Reuse item vectors and runs this split made before."),
    out: Path = typer.Option(None, help="Folder for autoplay-<dataset>.md and .json (default: <checkout>/results)."),
) -> None:
    """Item-to-item quality: held-out co-consumption AUC-ROC and neighbour Recall/NDCG@K of every method."""
    from mp2v.experiments.autoplay import AutoplayConfig, run_autoplay
    from mp2v.experiments.study_reports import autoplay_report
    from mp2v.graph.co_consumed import ItemGraphConfig
    from mp2v.models.item_graph import ItemGraphParams

    defaults = AutoplayConfig()
    config = replace(defaults, seed=seed, methods=tuple(method) if method else defaults.methods, reuse=reuse,
                     max_pairs=max_pairs,
                     item_graph=ItemGraphParams(graph=ItemGraphConfig(top_n=top_n, max_user_items=max_user_items),
                                                seed=seed))
    current, runner = _connected()
    with runner:
        outcome = run_autoplay(runner, current, config, log=echo)
    markdown, data = autoplay_report(outcome, _folder(out), _command("autoplay"))
    echo(f"wrote {markdown} and {data} ({outcome.seconds / 60:.1f} min)")


@app.command("favourites")
@one_line_errors
def favourites_command(
    method: list[str] = typer.Option(None, "--method", help="Repeatable; default: UserKNN, MP2V, R-MP2V, "
                                                            "item2vec, popularity, iALS."),
    seed: int = typer.Option(42, help="Which favourite is hidden, subsamples, walks."),
    min_items: int = typer.Option(10, help="Users need more than this many distinct items."),
    reuse: bool = typer.Option(True, "--reuse/--fresh", help="Reuse runs this split made before."),
    out: Path = typer.Option(None, help="Folder for favourites-<dataset>.md and .json (default: <checkout>/results)."),
) -> None:
    """Held-out favourites: hide one of each user's 2nd-6th most played items; HR@10, t-test and Wilcoxon."""
    from mp2v.experiments.favourites import FavouritesConfig, run_favourites
    from mp2v.experiments.study_reports import favourites_report

    defaults = FavouritesConfig()
    config = replace(defaults, seed=seed, methods=tuple(method) if method else defaults.methods,
                     min_items=min_items, reuse=reuse)
    current, runner = _connected()
    with runner:
        outcome = run_favourites(runner, current, config, log=echo)
    markdown, data = favourites_report(outcome, _folder(out), _command("favourites"))
    echo(f"wrote {markdown} and {data} ({outcome.seconds / 60:.1f} min)")


@app.command("coldstart")
@one_line_errors
def coldstart_study_command(
    out: Path | None = typer.Option(None, help="Folder for coldstart-<dataset>.md and .json (default: results/)."),
    seed: int = typer.Option(42), item_share: float = typer.Option(0.1, min=0.01, max=0.5),
    user_share: float = typer.Option(0.1, min=0.01, max=0.5),
    revealed: int = typer.Option(5, min=1, help="Items a held-out user reveals for fold-in."),
    dimensions: int = typer.Option(64), epochs: int = typer.Option(5), walks_per_node: int = typer.Option(10),
    walk_length: int = typer.Option(20), workers: int = typer.Option(2),
) -> None:
    """Cold-start items (side-information vectors vs tag baselines) and users (fold-in vs mean vs popularity)."""
    from mp2v.experiments.coldstart import ColdStartConfig, run_coldstart_study

    config = ColdStartConfig(seed=seed, item_share=item_share, user_share=user_share, revealed=revealed,
                             dimensions=dimensions, epochs=epochs, walks_per_node=walks_per_node,
                             walk_length=walk_length, workers=workers)
    _, runner = _connected()
    with runner:
        paths = run_coldstart_study(runner, config, _folder(out), progress=echo)
    echo(f"wrote {paths[0]} and {paths[1]}")
