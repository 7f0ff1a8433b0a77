"""Drafts: every kind x language x subset of known fields reads cleanly; templates; mailto."""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from importlib import resources
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance_cal import courtesy
from relance_cal.drafts import KINDS, Draft, date_in_words, load_templates, render
from relance_cal.errors import ConfigError
from relance_cal.interviews import Interview
from relance_cal.policy import FollowUp

PARIS = ZoneInfo("Europe/Paris")
ANNOUNCED = FollowUp(
    at=datetime(2026, 3, 10, 9, 30, tzinfo=PARIS),
    deadline=date(2026, 3, 12),
    rule="announced",
    announced_on=date(2026, 3, 9),
)
NORMAL = FollowUp(
    at=datetime(2026, 3, 6, 9, 30, tzinfo=PARIS), deadline=date(2026, 3, 12), rule="business_days_4"
)
FIELDS = {
    "recruiter_name": "Marie Dupont",
    "recruiter_email": "marie.dupont@acme.fr",
    "company": "Acme",
    "position": "Développeuse Python",
    "points": ("migration vers le cloud", "équipe de six ; ", "deux jours de télétravail."),
}
OPTIONAL = (*FIELDS, "announced", "name")
NEUTRAL = {
    "fr": {"company": "votre entreprise", "position": "le poste", "greeting": "Madame, Monsieur,"},
    "en": {
        "company": "your company",
        "position": "the position",
        "greeting": "Dear Hiring Manager,",
    },
}


def interview(**fields: object) -> Interview:
    return Interview(
        key="uid-1",
        uid="uid-1",
        title="Entretien",
        start=datetime(2026, 3, 2, 14, 0, tzinfo=PARIS),
        end=datetime(2026, 3, 2, 15, 0, tzinfo=PARIS),
        **fields,  # type: ignore[arg-type]
    )


def subsets() -> list[frozenset[str]]:
    return [
        frozenset(c) for n in range(len(OPTIONAL) + 1) for c in itertools.combinations(OPTIONAL, n)
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_subset_of_known_fields_reads_cleanly(kind: str, language: str) -> None:
    templates = load_templates(language, None)
    for present in subsets():
        event = interview(**{k: v for k, v in FIELDS.items() if k in present})
        followup = ANNOUNCED if "announced" in present else NORMAL
        name = "Camille Martin" if "name" in present else None
        draft = render(kind, event, followup, language=language, name=name, templates=templates)
        context = f"{kind}/{language} with {sorted(present)}"

        for text in (draft.subject, draft.body):
            for bad in ("{", "}", "  ", " ,", " .", ",.", "..", "()", "None", "\n\n\n"):
                assert bad not in text, f"{bad!r} in {context}:\n{text}"
            for line in text.splitlines():
                assert line == line.rstrip(), f"trailing space in {context}"
                # a list item's "- " is the only punctuation a line may start with
                assert not re.match(r"[^\w\s]", line) or line.startswith("- "), (
                    f"{line!r} in {context}"
                )
        assert draft.subject and draft.body == draft.body.strip()
        assert courtesy.check(f"{draft.subject}\n{draft.body}", language) == [], context

        if kind == "ask":
            assert draft.to is None
            assert ("Réponse : " if language == "fr" else "Answer: ") in draft.body
            continue
        assert draft.to == (FIELDS["recruiter_email"] if "recruiter_email" in present else None)
        assert date_in_words(date(2026, 3, 2), language) in draft.body
        neutral = NEUTRAL[language]
        first_line = draft.body.splitlines()[0]
        if "recruiter_name" in present:
            assert "Marie Dupont" in first_line
        else:
            assert first_line == neutral["greeting"]
        assert ("Acme" if "company" in present else neutral["company"]) in draft.body
        if "position" in present:
            assert "Développeuse Python" in draft.body
        else:
            assert neutral["position"] in draft.body
        assert draft.body.endswith("Camille Martin") == ("name" in present)
        if kind == "followup":
            for point in ("migration vers le cloud", "équipe de six", "deux jours de télétravail"):
                assert (point in draft.body) == ("points" in present), context
            recalls_delay = "Comme convenu" in draft.body or "As agreed" in draft.body
            assert recalls_delay == ("announced" in present)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "J'ai particulièrement apprécié nos échanges sur ce point : équipe de six.\n"),
        ("en", "I particularly appreciated our discussion on this point: équipe de six.\n"),
    ],
)
def test_a_single_point_is_one_sentence(language: str, expected: str) -> None:
    draft = render(
        "followup",
        interview(points=(" équipe  de six ",)),
        None,
        language=language,
        name=None,
        templates=load_templates(language, None),
    )
    assert expected in draft.body


def test_several_points_are_a_short_list() -> None:
    draft = render(
        "followup",
        interview(points=("cloud", "équipe")),
        None,
        language="fr",
        name=None,
        templates=load_templates("fr", None),
    )
    assert "sur ces points :\n- cloud\n- équipe\n\n" in draft.body


@pytest.mark.parametrize(
    ("position", "language", "phrase"),
    [
        ("ingénieure data", "fr", "concernant le poste d'ingénieure data."),
        ("Data engineer", "fr", "concernant le poste de Data engineer."),
        ("Data engineer", "en", "about the Data engineer position."),
    ],
)
def test_position_phrase(position: str, language: str, phrase: str) -> None:
    draft = render(
        "followup",
        interview(position=position),
        None,
        language=language,
        name=None,
        templates=load_templates(language, None),
    )
    assert phrase in draft.body


@pytest.mark.parametrize(
    ("day", "fr", "en"),
    [
        (date(2026, 3, 3), "mardi 3 mars", "Tuesday 3 March"),
        (date(2026, 4, 1), "mercredi 1er avril", "Wednesday 1 April"),
        (date(2026, 8, 15), "samedi 15 août", "Saturday 15 August"),
        (date(2026, 12, 27), "dimanche 27 décembre", "Sunday 27 December"),
    ],
)
def test_date_in_words(day: date, fr: str, en: str) -> None:
    assert date_in_words(day, "fr") == fr
    assert date_in_words(day, "en") == en


@pytest.mark.parametrize("name", [f"{k}.{lang}.txt" for k in KINDS for lang in ("fr", "en")])
def test_every_bundled_template_is_courteous(name: str) -> None:
    text = (resources.files("relance_cal") / "templates" / name).read_text(encoding="utf-8")
    assert courtesy.check(text, name.split(".")[1]) == []


def parse_mailto(link: str) -> tuple[str, str, str]:
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert set(query) == {"subject", "body"}
    return unquote(parts.path), query["subject"][0], query["body"][0]


TRICKY = "Réponse & suite = 100 % ? #1 + « ça » é\nligne 2 ; a=b&c\n\nfin"


def test_mailto_round_trip() -> None:
    draft = Draft("marie.dupont@acme.fr", TRICKY.replace("\n", " "), TRICKY)
    link = draft.mailto()
    assert link.startswith("mailto:marie.dupont@acme.fr?subject=")
    assert "%0D%0A" in link and " " not in link and "\n" not in link and "+" not in link
    assert parse_mailto(link) == (
        "marie.dupont@acme.fr",
        draft.subject,
        TRICKY.replace("\n", "\r\n"),
    )


def test_mailto_without_recipient() -> None:
    assert Draft(None, "Objet", "Corps").mailto() == "mailto:?subject=Objet&body=Corps"


@given(
    subject=st.text(st.characters(codec="utf-8", exclude_characters="\r\n")),
    body=st.text(st.characters(codec="utf-8", exclude_characters="\r")),
)
def test_mailto_round_trip_any_text(subject: str, body: str) -> None:
    _, parsed_subject, parsed_body = parse_mailto(Draft("a@b.fr", subject, body).mailto())
    assert parsed_subject == subject
    assert parsed_body.replace("\r\n", "\n") == body


def test_a_user_template_replaces_the_bundled_one(tmp_path) -> None:
    # as a Windows editor writes it: BOM, CRLF
    (tmp_path / "followup.fr.txt").write_bytes(
        "\ufeffSubject: Entretien {date}\r\n\r\n{greeting}\r\n\r\nMerci pour l'échange sur "
        "{the_position}\r\n{points}\r\nchez {company}.\r\n\r\n{signature}\r\n".encode()
    )
    templates = load_templates("fr", tmp_path)
    event = interview(company="Acme", position="Développeuse Python")
    draft = render("followup", event, None, language="fr", name=None, templates=templates)
    assert draft.subject == "Entretien lundi 2 mars"
    assert draft.body == (
        "Madame, Monsieur,\n\nMerci pour l'échange sur le poste de Développeuse Python\nchez Acme."
    )
    assert templates.findings == {}
    bundled = render("reply", event, None, language="fr", name=None, templates=templates)
    assert "je garde un vif intérêt pour Acme" in bundled.body


def test_field_values_are_not_read_as_placeholders(tmp_path) -> None:
    event = interview(company="{greeting} {company.__class__}")
    draft = render(
        "reply", event, None, language="en", name=None, templates=load_templates("en", None)
    )
    assert "interested in {greeting} {company.__class__}." in draft.body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Subject: Hi\n\nDear {recruiter},\n", "line 3: unknown placeholder {recruiter}"),
        ("Subject: Hi\n\n{company.__class__}\n", "unknown placeholder {company.__class__}"),
        ("Subject: Hi\n\nThanks {company:>99}\n", "unknown placeholder {company:>99}"),
        ("Subject: Hi\n\nThanks {}\n", "line 3: unknown placeholder {}"),
        ("Subject: Hi\n\nThanks { company\n", "line 3: a brace outside"),
        ("Subject: Hi\n\nPoints: {points}\n", "line 3: {points} must stand alone"),
        ("Subject: Hi {signature}\n\nThanks\n", "line 1: {signature} must stand alone"),
        ("Hi\n\nThanks\n", "line 1: expected `Subject: ...`"),
        ("Subject: Hi\nThanks\n", "line 2: expected a blank line"),
        ("Subject: Hi\n\n\n", "needs a subject and a body"),
    ],
)
def test_a_bad_user_template_is_a_config_error(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "thanks.en.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_templates("en", tmp_path)
    assert str(path) in error.value.message and message in error.value.message
    assert error.value.exit_code == 2


def test_an_unknown_template_file_is_a_config_error(tmp_path) -> None:
    (tmp_path / "folowup.fr.txt").write_text("Subject: x\n\ny\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"folowup\.fr\.txt: not a template name"):
        load_templates("fr", tmp_path)


def test_user_templates_of_the_other_language_are_not_read(tmp_path) -> None:
    (tmp_path / "thanks.en.txt").write_text("broken", encoding="utf-8")
    assert load_templates("fr", tmp_path).by_kind["thanks"].source.endswith("thanks.fr.txt")


def test_courtesy_findings_of_a_user_template_are_returned(tmp_path) -> None:
    path = tmp_path / "followup.en.txt"
    path.write_text(
        "Subject: Follow-up\n\n{greeting}\n\nI still haven't heard from you about "
        "{the_position}!!\n\n{signature}\n",
        encoding="utf-8",
    )
    findings = load_templates("en", tmp_path).findings[str(path)]
    assert [(f.line, f.text) for f in findings if f.line] == [
        (5, "still haven't heard"),
        (5, "!!"),
    ]
    assert any(f.problem == "no thank-you" for f in findings)
