"""check-draft measured on labelled messages: the development corpus the rules were written
with (tests/data/courtesy_corpus.txt) and a held-out set never used to tune them
(tests/data/courtesy_heldout.txt).

Run with `-s` to see the figures; the README states them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from relance_cal.courtesy import check, detect_language

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "courtesy_corpus.txt"
HELD_OUT = DATA / "courtesy_heldout.txt"
README = Path(__file__).parents[1] / "README.md"


@dataclass(frozen=True)
class Message:
    flag: bool
    language: str
    kind: str
    text: str


def corpus(path: Path = CORPUS) -> list[Message]:
    messages: list[Message] = []
    header: list[str] | None = None
    lines: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), "=== end"]:
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


def measure(path: Path) -> tuple[int, float, float]:
    """Messages, precision and recall of check-draft on them; the errors are printed."""
    messages = corpus(path)
    flagged = {id(m): bool(check(m.text)) for m in messages}
    true_pos = sum(m.flag and flagged[id(m)] for m in messages)
    false_pos = [m for m in messages if not m.flag and flagged[id(m)]]
    false_neg = [m for m in messages if m.flag and not flagged[id(m)]]
    precision = true_pos / (true_pos + len(false_pos))
    recall = true_pos / (true_pos + len(false_neg))
    print(
        f"\ncheck-draft on {path.name}: {len(messages)} messages "
        f"({sum(m.flag for m in messages)} to flag): "
        f"precision {precision:.1%}, recall {recall:.1%}"
    )
    for m in false_pos:
        print(f"false alarm ({m.kind}): {m.text!r}: {check(m.text)}")
    for m in false_neg:
        print(f"missed ({m.kind}): {m.text!r}")
    return len(messages), precision, recall


def stated_in_readme(*phrases: str) -> bool:
    readme = " ".join(README.read_text(encoding="utf-8").split())
    return all(phrase in readme for phrase in phrases)


def test_precision_and_recall_on_the_development_corpus() -> None:
    count, precision, recall = measure(CORPUS)
    # the rules were written with these messages: anything less is a regression
    assert precision >= 0.95 and recall >= 0.95
    assert stated_in_readme(
        f"a labelled corpus of {count} messages",
        f"precision of {precision:.1%} and a recall of {recall:.1%}",
    )


def test_precision_and_recall_on_held_out_messages() -> None:
    count, precision, recall = measure(HELD_OUT)
    assert count >= 30
    # a floor under what the first measure gave (83 %, 25 %): a phrase list misses new phrasing
    assert precision >= 0.8 and recall >= 0.25
    assert stated_in_readme(
        f"{count} held-out messages",
        f"precision {precision:.1%} and recall {recall:.1%}",
    )


def test_the_language_of_every_message_is_recognised() -> None:
    messages = corpus(CORPUS) + corpus(HELD_OUT)
    wrong = [m.text for m in messages if detect_language(m.text) != m.language]
    assert wrong == []


def test_advice_is_in_the_language_of_the_text() -> None:
    for m in corpus():
        for finding in check(m.text):
            quoted = finding.suggestion.startswith("«") or "«" in finding.suggestion
            assert quoted == (m.language == "fr") or finding.problem == "repeated punctuation", (
                m.text,
                finding,
            )
