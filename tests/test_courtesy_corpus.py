"""check-draft measured on a labelled corpus (tests/data/courtesy_corpus.txt).

Run with `-s` to see the figures; the README states them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relance_cal.courtesy import check, detect_language

CORPUS = Path(__file__).parent / "data" / "courtesy_corpus.txt"


@dataclass(frozen=True)
class Message:
    flag: bool
    language: str
    kind: str
    text: str


def corpus() -> list[Message]:
    messages: list[Message] = []
    header: list[str] | None = None
    lines: list[str] = []
    for line in [*CORPUS.read_text(encoding="utf-8").splitlines(), "=== end"]:
        if line.startswith("#"):
            continue
        if line.startswith("=== "):
            if header is not None:
                label, language, kind = header
                messages.append(Message(label == "flag", language, kind, "\n".join(lines)))
            header, lines = line.split()[1:], []
        else:
            lines.append(line)
    return messages


def test_the_corpus_is_large_and_varied() -> None:
    messages = corpus()
    assert len(messages) >= 80
    for language in ("fr", "en"):
        kinds = {m.kind for m in messages if m.language == language}
        assert {"courteous", "borderline", "pushy", "impatient", "reproachful"} <= kinds


def test_precision_and_recall_on_the_corpus() -> None:
    messages = corpus()
    flagged = {id(m): bool(check(m.text)) for m in messages}
    true_pos = sum(m.flag and flagged[id(m)] for m in messages)
    false_pos = [m for m in messages if not m.flag and flagged[id(m)]]
    false_neg = [m for m in messages if m.flag and not flagged[id(m)]]
    precision = true_pos / (true_pos + len(false_pos))
    recall = true_pos / (true_pos + len(false_neg))
    print(
        f"\ncheck-draft on {len(messages)} messages "
        f"({sum(m.flag for m in messages)} to flag): "
        f"precision {precision:.1%}, recall {recall:.1%}"
    )
    for m in false_pos:
        print(f"false alarm ({m.kind}): {m.text!r}: {check(m.text)}")
    for m in false_neg:
        print(f"missed ({m.kind}): {m.text!r}")
    assert precision >= 0.95 and recall >= 0.95
    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text("utf-8").split())
    stated = (
        f"On a labelled corpus of {len(messages)} messages",
        f"a precision of {precision:.1%} and a recall of {recall:.1%}",
    )
    assert all(s in readme for s in stated), f"the README should state: {stated}"


def test_the_language_of_every_message_is_recognised() -> None:
    wrong = [m.text for m in corpus() if detect_language(m.text) != m.language]
    assert wrong == []


def test_advice_is_in_the_language_of_the_text() -> None:
    for m in corpus():
        for finding in check(m.text):
            quoted = finding.suggestion.startswith("«") or "«" in finding.suggestion
            assert quoted == (m.language == "fr") or finding.problem == "repeated punctuation", (
                m.text,
                finding,
            )
