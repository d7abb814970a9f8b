"""The README and docs/ stand alone: every link resolves inside the repository, the docs index
lists every page, and nothing points at material a person who clones the repository lacks."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted([ROOT / "README.md", *DOCS.rglob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_relative)
def test_every_link_resolves_inside_the_repository(page):
    for target in LINK.findall(page.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.is_relative_to(ROOT), f"{_relative(page)} links outside: {target}"
        assert linked.exists(), f"{_relative(page)} links to a missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{_relative(page)}: no heading #{anchor}"


@pytest.mark.parametrize("page", PAGES, ids=_relative)
def test_nothing_points_at_the_teams_private_notes(page):
    text = page.read_text()
    assert "../shared" not in text
    assert "SPEC.md" not in text
    assert "ARCHITECTURE.md" not in text


def test_the_docs_index_lists_every_page():
    index = (DOCS / "README.md").read_text()
    listed = {(DOCS / target.partition("#")[0]).resolve() for target in LINK.findall(index)}
    for page in DOCS.rglob("*.md"):
        if page != DOCS / "README.md":
            assert page.resolve() in listed, f"docs/README.md does not list {_relative(page)}"


def test_the_user_guide_has_a_page_for_every_section_of_the_top_bar():
    layout = (ROOT / "src/practicelink/templates/base.html").read_text()
    nav = layout[layout.index("<nav>") : layout.index("</nav>")]
    sections = [html.unescape(label) for label in re.findall(r">([^<>{}]+)</a>", nav)]
    assert "Proposals" in sections
    headings = {
        line.lstrip("# ")
        for page in (DOCS / "guide").glob("*.md")
        for line in page.read_text().splitlines()
        if line.startswith("# ")
    }
    for section in sections:
        assert any(section in heading for heading in headings), f"no guide page for {section}"
