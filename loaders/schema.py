"""Schema first: uniqueness constraints on every node id, the :Dataset node, and re-load compatibility."""

from __future__ import annotations

from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError
from mp2v.graph.model import GraphModel, write_model


def constraint_name(label: str) -> str:
    """``User`` -> ``user_id_unique`` (stable, so ``IF NOT EXISTS`` finds it again)."""
    return f"{label.lower()}_id_unique"


def ensure_constraints(runner: QueryRunner, model: GraphModel) -> None:
    """Create the id constraints of the model's labels and of :Dataset (no-ops when they exist)."""
    runner.write("load/constraint_dataset")
    for label in model.labels:
        runner.write("load/constraint_node_id",
                     identifiers={"Name": constraint_name(label), "Label": label})
    runner.run_autocommit("load/await_indexes")


def stored_model(runner: QueryRunner) -> GraphModel | None:
    """The model recorded in the database, or None when nothing has been loaded."""
    rows = runner.read("model/read_dataset")
    return GraphModel.from_properties(rows[0]["properties"]) if len(rows) == 1 else None


def check_reload(runner: QueryRunner, model: GraphModel, structural_options: tuple[str, ...]) -> None:
    """Refuse a re-load whose options would change which edges exist (interactions are merge-only).

    Other datasets are refused by :func:`write_model` itself; this check runs first so that a refused load
    has written nothing at all, not even constraints.
    """
    existing = stored_model(runner)
    if existing is None or existing.dataset != model.dataset:
        if existing is not None:
            write_model(runner, model)  # raises the "would mix datasets" ConfigError, writes nothing
        return
    changed = {key: (existing.options.get(key), model.options.get(key)) for key in structural_options
               if existing.options.get(key) != model.options.get(key)}
    if changed:
        detail = ", ".join(f"{key} {old!r} -> {new!r}" for key, (old, new) in changed.items())
        raise ConfigError(
            f"the database already holds {model.dataset!r} loaded with other options ({detail}); loading on "
            "top would keep the edges of the old options (loads never delete interactions): run `mp2v db clear` "
            "first, or load with the same options"
        )
    if (existing.labels, existing.interaction_type) != (model.labels, model.interaction_type):
        raise ConfigError(
            f"the database holds {model.dataset!r} with labels {existing.labels} / {existing.interaction_type}; "
            f"this load uses {model.labels} / {model.interaction_type}: run `mp2v db clear` first"
        )


def prepare_database(runner: QueryRunner, model: GraphModel, structural_options: tuple[str, ...]) -> None:
    """Compatibility check, constraints, then the :Dataset node: all before any data row is written."""
    check_reload(runner, model, structural_options)
    ensure_constraints(runner, model)
    write_model(runner, model)
