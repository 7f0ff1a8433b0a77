"""docs/reliability.md lists exactly the tests of this folder (issue 6, part 6)."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent
PAGE = HERE.parent.parent / "docs" / "reliability.md"


def test_the_reliability_page_names_every_test_of_this_folder_and_no_other():
    named = set(re.findall(r"`(test_\w+)", PAGE.read_text(encoding="utf-8")))
    defined = {
        name
        for module in HERE.glob("test_*.py")
        if module.name != "test_docs.py"
        for name in re.findall(r"^def (test_\w+)", module.read_text(encoding="utf-8"), re.M)
    }
    assert named == defined, {"not in the page": defined - named, "not a test": named - defined}
