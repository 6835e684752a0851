"""One load from start to end: validate every file into a plan, then write it (transactionally or in bulk)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loaders.bulk import BulkResult, bulk_load, preflight
from loaders.plan import GraphPlan
from loaders.rejects import RejectPolicy, Validation
from loaders.writer import BatchHook, WriteOptions, WriteResult, write_plan
from mp2v.common.slugs import check_slug
from mp2v.config import ServerSettings
from mp2v.db.runner import QueryRunner
from mp2v.errors import ConfigError

PlanBuilder = Callable[[Validation], GraphPlan]


@dataclass(frozen=True)
class LoadOptions:
    """How a load runs (the CLI's shared options)."""

    batch_size: int = 10_000
    #: Concurrent writer sessions for relationships between different labels (transactional path).
    writers: int = 2
    strict: bool = False
    #: Stop when more than this share of any file's rows is bad (0.01 = 1 %); None = never.
    max_reject_share: float | None = None
    bulk: bool = False
    #: With ``bulk``: replace a non-empty database (everything in it is lost).
    force: bool = False
    progress: bool = True
    #: Test hook, called after every committed batch of the transactional path.
    after_batch: BatchHook | None = None

    @property
    def policy(self) -> RejectPolicy:
        return RejectPolicy(strict=self.strict, max_reject_share=self.max_reject_share)

    @property
    def write_options(self) -> WriteOptions:
        return WriteOptions(batch_size=self.batch_size, writers=self.writers, progress=self.progress,
                            after_batch=self.after_batch)


@dataclass
class LoadResult:
    plan: GraphPlan
    validate_seconds: float
    write: WriteResult | None = None
    bulk: BulkResult | None = None

    @property
    def seconds(self) -> float:
        written = self.write.seconds if self.write else self.bulk.seconds if self.bulk else 0.0
        return self.validate_seconds + written


def rejects_folder(home: Path, dataset: str) -> Path:
    """``<MP2V_HOME>/rejects/<dataset>``; ``dataset`` must be a slug, so the folder stays under ``home``."""
    return home / "rejects" / check_slug(dataset, "--dataset")


def run_load(
    build: PlanBuilder, runner: QueryRunner, options: LoadOptions, *, rejects_dir: Path,
    server: ServerSettings | None = None,
) -> LoadResult:
    """Validate all files (nothing is written if a stop rule fires), then write the plan.

    The bulk path (``options.bulk``) needs ``server``: the settings of the project's local server that
    ``runner`` talks to; its preconditions are checked before the (possibly long) validation.
    """
    if options.bulk:
        if server is None:
            raise ConfigError("--bulk needs the project's local server (mp2v db start); none is configured")
        preflight(runner, server, force=options.force)
    started = time.perf_counter()
    plan = build(Validation(rejects_dir=rejects_dir, policy=options.policy))
    result = LoadResult(plan=plan, validate_seconds=time.perf_counter() - started)
    if options.bulk and server is not None:
        result.bulk = bulk_load(plan, runner, server, force=options.force, progress=options.progress)
    else:
        result.write = write_plan(runner, plan, options.write_options)
    return result
