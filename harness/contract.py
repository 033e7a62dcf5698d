"""What the documentation promises, read from it so the tests cannot drift
from it: the errorTypes of the table in docs/errors.md."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import botocore.session

from .rotator import REPO_ROOT

ERRORS_PAGE = REPO_ROOT / "docs" / "errors.md"
# A row's first cell: one or more `Name`s, and "…" where the row stands for a family.
# Names may be dotted (`Runtime.InvalidInvocation`).
_ROW = re.compile(r"^\|\s*(`[A-Za-z][A-Za-z.]*`(?:\s*,\s*`[A-Za-z][A-Za-z.]*`)*(?:\s*,\s*…)?)\s*\|")


def readme_error_table(text: str) -> list[tuple[list[str], bool]]:
    """Each row of the errors table (under a "## Errors" heading, or of a page
    titled "# Errors"): its names, and whether it ends in "…"."""
    section = re.split(r"^##? Errors\n", text, maxsplit=1, flags=re.MULTILINE)
    if len(section) != 2:
        raise ValueError("the text has no \"## Errors\" section (nor is it a \"# Errors\" page)")
    body = re.split(r"^##? ", section[1], maxsplit=1, flags=re.MULTILINE)[0]
    # The rows under the header's | --- | line.
    lines = body.splitlines()
    start = next((index + 1 for index, line in enumerate(lines) if line.startswith("| ---")), len(lines))
    rows = []
    for line in lines[start:]:
        match = _ROW.match(line)
        if match:
            cell = match.group(1)
            rows.append((re.findall(r"`([A-Za-z][A-Za-z.]*)`", cell), cell.rstrip().endswith("…")))
    if not rows:
        raise ValueError("the \"Errors\" section has no | `Name` | rows")
    return rows


@cache
def secrets_manager_error_types() -> frozenset[str]:
    """The error codes botocore's model of Secrets Manager declares."""
    model = botocore.session.get_session().get_service_model("secretsmanager")
    return frozenset(shape.name for shape in model.error_shapes)


@cache
def product_error_types(readme: Path = ERRORS_PAGE) -> frozenset[str]:
    """Every errorType the errors table names; a row ending in "…" (Secrets
    Manager's own types, passed through) stands for every code of the service."""
    names: set[str] = set()
    for row_names, open_ended in readme_error_table(readme.read_text("utf-8")):
        names.update(row_names)
        if open_ended:
            names.update(secrets_manager_error_types())
    return frozenset(names)
