"""The documentation holds together: every relative link of README.md and
docs/*.md resolves (the file exists and an #anchor names one of its
headings, as GitHub makes anchors from them), every page under docs/ is
reachable from the README, and the README stays short."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from harness import REPO_ROOT

README = REPO_ROOT / "README.md"
README_MAX_LINES = 300

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
# [text](target) and ![alt](target), the target optionally in <> and with a "title".
LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def prose(text: str) -> str:
    """The text outside fenced code blocks and code spans."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            kept.append("")
        else:
            kept.append("" if fenced else line)
    return CODE_SPAN.sub("", "\n".join(kept))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    fenced = False
    for line in path.read_text("utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> Iterator[str]:
    for match in LINK.finditer(prose(path.read_text("utf-8"))):
        target = match.group(1)
        if target and not SCHEME.match(target):
            yield target


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with that anchor in {linked.name}")
    return broken


def documents() -> list[Path]:
    return [README, *sorted((REPO_ROOT / "docs").glob("*.md"))]


# ---------------------------------------------------------------------------
# The checker catches what it is meant to catch
# ---------------------------------------------------------------------------

def test_the_checker_finds_a_missing_file_and_a_missing_anchor_and_ignores_code(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## `self` (default): its own password\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Second heading\n\n## Second heading\n\n"
        "[ok](other.md) [ok](other.md#self-default-its-own-password) [ok](#second-heading-1)\n"
        "[ok](#page) ![ok](other.md) [ok](https://example.com/nowhere.md) [ok](mailto:a@example.com)\n"
        "[gone](missing.md) [no anchor](other.md#nothing-here)\n[split\ntext](#nowhere)\n"
        "`[in code](missing-too.md)`\n\n```sh\n# not a heading\n[in a block](missing-three.md)\n```\n")

    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#nothing-here: no heading with that anchor in other.md",
        "#nowhere: no heading with that anchor in page.md",
    ]
    assert "not-a-heading" not in anchors(page)


# ---------------------------------------------------------------------------
# The documentation
# ---------------------------------------------------------------------------

def test_every_relative_link_resolves():
    broken = {str(path.relative_to(REPO_ROOT)): broken_links(path) for path in documents()}
    broken = {path: links for path, links in broken.items() if links}
    assert not broken, f"broken relative links: {broken}"


def test_every_page_under_docs_is_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)}
    pages = documents()[1:]
    assert pages, "no docs/*.md"
    orphans = [str(page.relative_to(REPO_ROOT)) for page in pages if page.resolve() not in linked]
    assert not orphans, f"pages no link of the README leads to: {orphans}"


def test_the_readme_stays_short():
    lines = len(README.read_text("utf-8").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"
