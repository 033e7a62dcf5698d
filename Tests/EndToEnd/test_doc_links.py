"""The documentation holds together: every relative link of README.md and
docs/*.md resolves (the file exists and an #anchor names one of its
headings, as GitHub makes anchors from them), every README section named in
prose (`README "X"`, "the README's X section") is a heading of the README,
every repository path written in a code span (`harness/x.py`,
`Sources/...`, `Tests/...`, `scripts/...`, `docs/...`, or an end-to-end
file by its name, `test_x.py`) exists, every page under docs/ is reachable
from the README, and the README stays short."""

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
# `README "Replication lag"`, `README's "TLS"`, `README section "X"`, `the README's TLS section`.
README_QUOTED = re.compile(r"\bREADME(?:\.md)?(?:'s)?(?:\s+section)?\s+[\"“]([^\"”\n]+)[\"”]")
README_SECTION = re.compile(r"\bREADME(?:\.md)?'s\s+([^.,;:()\[\]\"\n]+?)\s+section\b")
# A code span naming a file or folder of this repository (no wildcard, placeholder or ellipsis):
# under one of its top-level folders, or a source file wherever it claims to be.
REPO_PATH = re.compile(r"^(?:harness|Sources|Tests|scripts|docs)/[\w./+-]*$|^[\w.-]+/[\w./+-]*\.(?:py|swift|sh)$")
E2E_FILE = re.compile(r"^test_\w+\.py$")


def unfenced(text: str) -> str:
    """The text with every line of a fenced code block (fences included) blanked."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            kept.append("")
        else:
            kept.append("" if fenced else line)
    return "\n".join(kept)


def prose(text: str) -> str:
    """The text outside fenced code blocks and code spans."""
    return CODE_SPAN.sub("", unfenced(text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def headings(path: Path) -> Iterator[str]:
    """The text of each heading of a page, in order (a `#` line in a code block is none)."""
    for line in unfenced(path.read_text("utf-8")).splitlines():
        match = HEADING.match(line)
        if match:
            yield match.group(2)


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in headings(path):
        base = slug(heading)
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


def heading_texts(path: Path) -> set[str]:
    """Each heading of a page, in lower case without its markup."""
    return {re.sub(r"[`*_]", "", heading).strip().lower() for heading in headings(path)}


def stale_readme_sections(path: Path, readme: Path) -> list[str]:
    """README sections a page names in prose that the README has no heading for."""
    text = " ".join(prose(path.read_text("utf-8")).split())
    named = [m.group(1) for m in README_QUOTED.finditer(text)] + [m.group(1) for m in README_SECTION.finditer(text)]
    headings = heading_texts(readme)
    return [f'README section "{name}": no such heading' for name in named
            if re.sub(r"[`*_]", "", name).strip().lower() not in headings]


def code_spans(path: Path) -> Iterator[str]:
    """The inline code spans outside fenced blocks, their backticks stripped."""
    for match in CODE_SPAN.finditer(unfenced(path.read_text("utf-8"))):
        yield match.group(0).strip("`").strip()


def missing_paths(path: Path, root: Path) -> list[str]:
    """Repository paths a page names in code spans that do not exist under `root`."""
    missing = []
    for span in code_spans(path):
        # A line number or test name after the path (`x.py:12`, `x.py::test`) is not part of it.
        candidate = re.split(r"::|:(?=\d)|#", span, maxsplit=1)[0]
        if REPO_PATH.match(candidate):
            # `Platform/HostName.swift` is short for Sources/Platform/HostName.swift.
            exists = any((base / candidate.rstrip("/")).exists() for base in (root, root / "Sources", root / "Tests"))
        elif E2E_FILE.match(candidate):
            exists = (root / "Tests" / "EndToEnd" / candidate).exists()
        else:
            continue
        if not exists:
            missing.append(f"{span}: no such path")
    return missing


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


def test_the_checker_finds_a_stale_readme_section_and_a_path_that_is_gone(tmp_path):
    (tmp_path / "harness").mkdir()
    (tmp_path / "harness" / "hung.py").write_text("")
    (tmp_path / "Tests" / "EndToEnd").mkdir(parents=True)
    (tmp_path / "Tests" / "EndToEnd" / "test_here.py").write_text("")
    (tmp_path / "Sources" / "Here").mkdir(parents=True)
    (tmp_path / "Sources" / "Here" / "X.swift").write_text("")
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\n## How a rotation works\n\n## `Strategies`\n")
    page = tmp_path / "page.md"
    page.write_text(
        'See the README\'s How a rotation works section, README "Strategies", README "Replication lag"\n'
        "and the README's TLS section.\n"
        "`harness/hung.py` `harness/hung.py:12` `test_here.py::test_one` `harness/` `Tests/*Tests` `Here/X.swift`\n"
        "`support/hung.py` `harness/gone.py` `Sources/Nowhere/X.swift` `test_gone.py` `ROTATION_STRATEGY`\n"
        "```sh\n`harness/in_a_block.py` README \"In a block\"\n```\n")

    assert stale_readme_sections(page, readme) == [
        'README section "Replication lag": no such heading',
        'README section "TLS": no such heading',
    ]
    assert missing_paths(page, tmp_path) == [
        "support/hung.py: no such path",
        "harness/gone.py: no such path",
        "Sources/Nowhere/X.swift: no such path",
        "test_gone.py: no such path",
    ]


# ---------------------------------------------------------------------------
# The documentation
# ---------------------------------------------------------------------------

def test_every_relative_link_resolves():
    broken = {str(path.relative_to(REPO_ROOT)): broken_links(path) for path in documents()}
    broken = {path: links for path, links in broken.items() if links}
    assert not broken, f"broken relative links: {broken}"


def test_every_readme_section_named_in_prose_exists():
    stale = {str(path.relative_to(REPO_ROOT)): stale_readme_sections(path, README) for path in documents()}
    stale = {path: names for path, names in stale.items() if names}
    assert not stale, f"README sections named that the README does not have: {stale}"


def test_every_repository_path_in_code_exists():
    missing = {str(path.relative_to(REPO_ROOT)): missing_paths(path, REPO_ROOT) for path in documents()}
    missing = {path: paths for path, paths in missing.items() if paths}
    assert not missing, f"paths the documentation names that do not exist: {missing}"


def test_every_page_under_docs_is_linked_from_the_readme():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in relative_links(README)}
    pages = documents()[1:]
    assert pages, "no docs/*.md"
    orphans = [str(page.relative_to(REPO_ROOT)) for page in pages if page.resolve() not in linked]
    assert not orphans, f"pages no link of the README leads to: {orphans}"


def test_the_readme_stays_short():
    lines = len(README.read_text("utf-8").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"
