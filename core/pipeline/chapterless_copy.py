"""A master copy made before copies carried the scenes' chapters (issue 12): a resume of its session
keeps it as it is. The copy is a stream copy of the whole master, possibly very large; copying it again
only to add chapters would cost more than they are worth, so its plan goes on without them.

Recognised exactly: the copy is registered, verified, and was made with the parameters the plan has
now less "chapters". Any other change of its parameters (another master, a repair) makes it again.
"""

from __future__ import annotations

from dataclasses import replace

from core.pipeline.plan import Operation
from core.pipeline.records import registered_row


def keep_chapterless_copy(session_id: str, plan: list[Operation]) -> list[Operation]:
    """The plan, its master copy without chapters where the session's verified copy was made so."""
    kept = []
    for op in plan:
        if op.kind == "master" and "chapters" in op.params:
            row = registered_row(session_id, op)  # also one registered before the archive moved
            without = replace(
                op,
                params={k: v for k, v in op.params.items() if k != "chapters"},
                expected=replace(op.expected, chapter_starts=None),
            )
            if (
                row is not None
                and row.verified
                and (row.compression_settings or {}).get("params_hash") == (without.params_hash)
            ):
                op = without
        kept.append(op)
    return kept
