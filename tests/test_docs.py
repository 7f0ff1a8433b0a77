"""Every page the code, the tests and the docs cite is in the repository, where they say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
RULE_PAGES = ("cli-contract", "followup-policy", "event-metadata", "reminder-events", "mailbox")
# A rule page cited by name, with whatever path is written before it.
CITED = re.compile(r"[\w./-]*\b(?:" + "|".join(RULE_PAGES) + r")\.md")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")  # a Markdown link's target


def cited_in() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for folder in ("src", "tests", "benchmarks"):
        files += sorted((ROOT / folder).rglob("*.py"))
    return [f for f in files if f.exists()]


def resolves(target: str, cited_from: Path) -> bool:
    """From the repository's root (docstrings, README) or the citing file (a doc page)."""
    for base in (ROOT, cited_from.parent):
        path = (base / target).resolve()
        if path.is_relative_to(ROOT) and path.is_file():
            return True
    return False


def test_the_rule_pages_are_in_the_repository():
    for page in RULE_PAGES:
        assert (ROOT / "docs" / f"{page}.md").is_file(), page


@pytest.mark.parametrize("path", cited_in(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_page_and_link_resolves(path):
    text = path.read_text(encoding="utf-8")
    assert "shared" + "/spec" not in text, "cites a page outside the repository"
    broken = [m for m in CITED.findall(text) if not resolves(m, path)]
    if path.suffix == ".md":
        broken += [t for t in LINK.findall(text) if "://" not in t and not resolves(t, path)]
    assert broken == [], f"{path.relative_to(ROOT)} cites what the repository lacks: {broken}"


def test_the_readme_links_every_rule_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in RULE_PAGES:
        assert f"](docs/{page}.md)" in readme, page
