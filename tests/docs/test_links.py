"""Every relative link in README.md and docs/**/*.md points at a file of the repository, and a link to a
heading (``file.md#heading``, ``#heading``) at a heading that exists, slugged as GitHub does. No database."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE = re.compile(r"(`+)(?:(?!\n[ \t]*\n)[^`])+?\1")  # a code span may go on over a line break
LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text):
    """The text without code blocks and code spans (a `[x](y)` there is not a link)."""
    return CODE.sub("", FENCE.sub("", text))


def links(path):
    return LINK.findall(prose(path.read_text(encoding="utf-8")))


def slug(heading):
    """GitHub's anchor of a heading: lower case, code marks and punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative(target):
    return not re.match(r"[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("//")


def test_the_documents_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in DOCUMENTS}
    assert {"README.md", "docs/operations.md", "docs/architecture.md", "docs/search.md",
            "docs/mutation-testing.md"} <= names


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_relative_links_point_at_files_that_exist(path):
    broken = []
    for target in links(path):
        if not relative(target) or target.startswith("#"):
            continue
        file = (path.parent / target.split("#", 1)[0]).resolve()
        if not file.exists() or ROOT not in file.parents:
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: links to files that do not exist: {broken}"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_links_to_headings_point_at_headings_that_exist(path):
    broken = []
    for target in links(path):
        if not relative(target) or "#" not in target:
            continue
        name, anchor = target.split("#", 1)
        file = (path.parent / name).resolve() if name else path
        if file.suffix == ".md" and file.exists() and anchor not in anchors(file):
            broken.append(target)
    assert not broken, f"{path.relative_to(ROOT)}: links to headings that do not exist: {broken}"


def test_the_checks_catch_a_broken_link(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Two words\n\n[ok](#two-words) [bad](#three) [file](missing.md) `[code](x.md)`\n"
                    "```\n[fenced](y.md)\n```\n[web](https://example.com/z.md) `a code span\nover [two](lines.md)`\n")
    assert links(page) == ["#two-words", "#three", "missing.md", "https://example.com/z.md"]
    assert anchors(page) == {"title", "two-words"}
    assert slug("(a) `PATCH /api/v1/incidents/INC-N/` to a search hit") == "a-patch-apiv1incidentsinc-n-to-a-search-hit"
    assert slug("Health: `/healthz`") == "health-healthz"
