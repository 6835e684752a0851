"""The summary printed after a load: files (rows, rejects, duplicates), what was written, rates, seconds."""

from __future__ import annotations

from loaders.pipeline import LoadResult


def summary_lines(result: LoadResult) -> list[str]:
    plan = result.plan
    lines = [f"dataset {plan.model.dataset!r}: weight = {plan.model.weight_formula}"
             + (f", options {plan.model.options}" if plan.model.options else "")]
    lines.append(f"{'file':<28} {'rows':>12} {'rejected':>10} {'duplicates':>11}")
    for check in plan.files:
        lines.append(f"  {check.name:<26} {check.rows:>12,} {check.rejected:>10,} {check.duplicate_rows:>11,}"
                     + (f"  -> {check.reject_file}" if check.reject_file else ""))
    for note in [n for check in plan.files for n in check.notes] + plan.notes:
        lines.append(f"  note: {note}")
    if result.write is not None:
        lines.append(f"{'written (transactional)':<28} {'rows':>12} {'created':>10} {'seconds':>11} {'rows/s':>10}")
        for step in result.write.steps:
            lines.append(f"  {step.kind[:4] + ' ' + step.name:<26} {step.rows:>12,} {step.created:>10,} "
                         f"{step.seconds:>11.1f} {step.rows_per_second:>10,.0f}")
        for step in result.write.steps:
            if step.deleted:
                lines.append(f"  note: {step.name}: {step.deleted:,} relationships the files no longer list "
                             "were deleted (side information equals the files)")
        lines.append(f"seconds: validation {result.validate_seconds:.1f}, schema {result.write.schema_seconds:.1f}, "
                     f"writing {result.write.seconds - result.write.schema_seconds:.1f}, total {result.seconds:.1f}")
    if result.bulk is not None:
        bulk = result.bulk
        lines.append(f"written (bulk import): {bulk.nodes:,} nodes, {bulk.relationships:,} relationships")
        for node_set in plan.nodes:
            lines.append(f"  node {node_set.label:<21} {len(node_set):>12,}")
        for rel_set in plan.relationships:
            lines.append(f"  rels {rel_set.type:<21} {len(rel_set):>12,}")
        lines.append(
            f"seconds: validation {result.validate_seconds:.1f}, importer files {bulk.files_seconds:.1f}, "
            f"stop {bulk.stop_seconds:.1f}, import {bulk.import_seconds:.1f} ({bulk.import_rate:,.0f} rels/s), "
            f"start {bulk.start_seconds:.1f}, constraints {bulk.schema_seconds:.1f}; end to end "
            f"{bulk.seconds:.1f} ({bulk.end_to_end_rate:,.0f} rels/s), total {result.seconds:.1f}"
        )
    return lines
