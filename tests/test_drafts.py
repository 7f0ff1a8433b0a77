"""Drafts: every kind x language x subset of known fields reads as a careful person writes;
the grammar the renderer owns; templates; mailto."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calendar_files import calendar, write_config
from relance_cal import courtesy
from relance_cal.drafts import (
    KINDS,
    Draft,
    date_in_words,
    french_spacing,
    job_title,
    join_list,
    load_templates,
    recruiter,
    render,
)
from relance_cal.errors import ConfigError
from relance_cal.interviews import Announced, Interview
from relance_cal.policy import FollowUp

PARIS = ZoneInfo("Europe/Paris")
TEMPLATES = {language: load_templates(language, None) for language in ("fr", "en")}
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
    "civility": "f",
}
OPTIONAL = (*FIELDS, "announced", "name")
NEUTRAL = {
    "fr": {"company": "votre entreprise", "position": "le poste"},
    "en": {"company": "your company", "position": "the position"},
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


def _stem(word: str) -> str:
    """échange, échanger, échanges -> echang (what "the same word" means for repetition)."""
    folded = "".join(
        c for c in unicodedata.normalize("NFD", word.lower()) if not unicodedata.combining(c)
    )
    for suffix in ("ements", "ement", "ations", "ation", "ers", "er", "ez", "es", "e", "s"):
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 4:
            return folded[: -len(suffix)]
    return folded


def sentences(body: str) -> list[str]:
    return [s for line in body.splitlines() for s in re.split(r"(?<=[.!?])\s+", line) if s]


# words that carry no meaning of their own: repeating them is not repetition
FUNCTION_WORDS = frozenset({"votre", "notre", "cette", "their", "there", "about", "would"})


def repeated_words(body: str) -> list[str]:
    """Words of 5+ letters (stem-wise) found in two consecutive sentences."""
    stems = [
        {_stem(w) for w in re.findall(r"[^\W\d_]{5,}", sentence) if w.lower() not in FUNCTION_WORDS}
        for sentence in sentences(body)
    ]
    return sorted(w for a, b in itertools.pairwise(stems) for w in a & b)


def assert_reads_cleanly(draft: Draft, language: str, context: str) -> None:
    """What the spec asks of every draft, whatever the event."""
    for text in (draft.subject, draft.body):
        for bad in ("{", "}", "  ", " ,", " .", ",.", "..", "()", "None", "\n\n\n"):
            assert bad not in text, f"{bad!r} in {context}:\n{text}"
        for line in text.splitlines():
            assert line == line.rstrip(), f"trailing space in {context}"
            assert not re.match(r"\s*[-*•\u2013]\s", line), f"a bullet in {context}: {line!r}"
        if language == "fr":
            for mark in re.finditer(r"[:;?!](?=\s|$)", text):
                space = text[mark.start() - 1]
                wanted = "\u00a0" if mark.group() == ":" else "\u202f"
                assert space == wanted, f"{space!r} before {mark.group()!r} in {context}: {text}"
            assert not re.search(r"« | »", text), context
    assert draft.subject and draft.body == draft.body.strip()
    assert courtesy.check(f"{draft.subject}\n{draft.body}", language) == [], context
    assert repeated_words(draft.body) == [], f"{context}:\n{draft.body}"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_subset_of_known_fields_reads_cleanly(kind: str, language: str) -> None:
    for present in subsets():
        event = interview(**{k: v for k, v in FIELDS.items() if k in present})
        followup = ANNOUNCED if "announced" in present else NORMAL
        name = "Camille Martin" if "name" in present else None
        draft = render(
            kind, event, followup, language=language, name=name, templates=TEMPLATES[language]
        )
        context = f"{kind}/{language} with {sorted(present)}"
        assert_reads_cleanly(draft, language, context)

        if "position" in present:
            assert "développeuse Python" in draft.subject, context
        if kind == "ask":
            assert draft.to is None
            assert ("Réponse\u00a0: " if language == "fr" else "Answer: ") in draft.body
            continue
        assert draft.to == (FIELDS["recruiter_email"] if "recruiter_email" in present else None)
        assert date_in_words(date(2026, 3, 2), language) in draft.body
        neutral = NEUTRAL[language]
        greeting = draft.body.splitlines()[0]
        civility = "civility" in present
        named = "recruiter_name" in present
        expected = {
            ("fr", True, True): "Bonjour Madame Dupont,",
            ("fr", True, False): "Bonjour Madame,",
            ("fr", False, True): "Bonjour Marie Dupont,",
            ("fr", False, False): "Bonjour,",
            ("en", True, True): "Dear Ms Dupont,",
            ("en", True, False): "Hello,",
            ("en", False, True): "Dear Marie Dupont,",
            ("en", False, False): "Hello,",
        }
        assert greeting == expected[(language, civility, named)], context
        assert ("Acme" if "company" in present else neutral["company"]) in draft.body
        if "position" in present:
            assert "développeuse Python" in draft.body
        else:
            assert neutral["position"] in draft.body
        assert draft.body.endswith("Camille Martin") == ("name" in present)
        for closing in ("bonne continuation", "reste à votre disposition", "Comme convenu"):
            assert closing not in draft.body
        if kind in ("followup", "thanks"):
            for point in ("migration vers le cloud", "équipe de six", "deux jours de télétravail"):
                assert (point in draft.body) == ("points" in present), context
        if kind == "followup":
            recalls_delay = "Vous m'aviez indiqué" in draft.body or "You mentioned" in draft.body
            assert recalls_delay == ("announced" in present)


NAMES = [
    "Marie Dupont", "DUPONT Marie", "Dupont Marie (Safran)", "Dupont, Marie", "Mme Morel",
    "M. Girard", "Jordan Smith", "Julie", "jean-pierre LE GOFF", "Anne de La Fontaine",
    "rh@acme.fr", "",
]  # fmt: skip
POSITIONS = [
    "Chef De Produit", "DATA ENGINEER", "Ingénieur DevOps", "Consultant SAP",
    "Développeuse Python", "analyste financier", "Product Owner", "assistante RH",
]  # fmt: skip
POINTS = [
    "Migration vers le cloud", "équipe basée à Lille", "deux jours de télétravail",
    "refonte du parcours client", "API REST", "budget annuel", "salaire",
    "les outils de supervision", "3 projets en parallèle",
]  # fmt: skip
DELAYS = [
    Announced(amount=1, unit="weeks"), Announced(amount=10, unit="days"),
    Announced(amount=5, unit="business_days"), Announced(amount=2, unit="weeks"),
    Announced(on=date(2026, 3, 9)), None,
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    language=st.sampled_from(["fr", "en"]),
    name=st.sampled_from(NAMES),
    civility=st.sampled_from(["f", "m", None]),
    position=st.sampled_from([*POSITIONS, None]),
    company=st.sampled_from(["Acme", "Orange", "L'Atelier", None]),
    points=st.lists(st.sampled_from(POINTS), unique=True, max_size=4),
    announced=st.sampled_from(DELAYS),
    signature=st.sampled_from(["Camille Martin", None]),
)
def test_any_event_reads_cleanly(
    kind, language, name, civility, position, company, points, announced, signature
) -> None:
    event = interview(
        recruiter_name=name or None,
        civility=civility,
        position=position,
        company=company,
        points=tuple(points),
        announced=announced,
    )
    followup = ANNOUNCED if announced else NORMAL
    draft = render(
        kind, event, followup, language=language, name=signature, templates=TEMPLATES[language]
    )
    assert_reads_cleanly(draft, language, f"{kind}/{language} {event}")
    if position:
        assert job_title(position) in draft.subject
    greeting = draft.body.splitlines()[0]
    if kind != "ask":
        assert greeting.split()[-1].rstrip(",").lower() not in ("marie", "julie")  # not a form
        assert not re.search(r"[A-Z]{3}", greeting), greeting  # DUPONT -> Dupont


@pytest.mark.parametrize(
    ("written", "civility", "first", "last"),
    [
        ("Marie Dupont", None, "Marie", "Dupont"),
        ("DUPONT Marie", None, "Marie", "Dupont"),
        ("Marie DUPONT", None, "Marie", "Dupont"),
        ("Dupont Marie (Safran)", None, "Marie", "Dupont"),
        ("DUPONT Marie (Safran)", None, "Marie", "Dupont"),
        ("Dupont, Marie", None, "Marie", "Dupont"),
        ("Mme Morel", "f", None, "Morel"),
        ("M. Girard", "m", None, "Girard"),
        ("Mr Jordan Smith", "m", "Jordan", "Smith"),
        ("jean-pierre LE GOFF", None, "Jean-Pierre", "Le Goff"),
        ("Anne de La Fontaine", None, "Anne", "de La Fontaine"),
        ("Julie", None, None, None),  # a first name or a surname: no telling
        ("rh@acme.fr", None, None, None),
    ],
)
def test_name_forms(written: str, civility: str | None, first: str, last: str) -> None:
    person = recruiter(interview(recruiter_name=written))
    assert (person.civility, person.first, person.last) == (civility, first, last)


@pytest.mark.parametrize(
    ("civility", "name", "fr", "en"),
    [
        ("f", "Julie Morel", "Bonjour Madame Morel,", "Dear Ms Morel,"),
        ("m", "Paul Girard", "Bonjour Monsieur Girard,", "Dear Mr Girard,"),
        (None, "Jordan Smith", "Bonjour Jordan Smith,", "Dear Jordan Smith,"),
        (None, "DUPONT Marie (Safran)", "Bonjour Marie Dupont,", "Dear Marie Dupont,"),
        ("m", "Julien", "Bonjour Monsieur,", "Hello,"),
        (None, "Julie", "Bonjour,", "Hello,"),
        (None, None, "Bonjour,", "Hello,"),
    ],
)
def test_greeting(civility: str | None, name: str | None, fr: str, en: str) -> None:
    event = interview(recruiter_name=name, civility=civility)
    for language, greeting in (("fr", fr), ("en", en)):
        draft = render(
            "followup", event, None, language=language, name=None, templates=TEMPLATES[language]
        )
        assert draft.body.splitlines()[0] == greeting
        assert "Madame, Monsieur" not in draft.body


@pytest.mark.parametrize(
    ("written", "inside"),
    [
        ("Chef De Produit", "chef de produit"),
        ("Data Engineer", "data engineer"),
        ("DATA ENGINEER", "data engineer"),
        ("Ingénieur DevOps", "ingénieur DevOps"),
        ("Consultant SAP", "consultant SAP"),
        ("CONSULTANT SAP", "consultant SAP"),
        ("Développeuse Python", "développeuse Python"),
        ("UX/UI Designer", "UX/UI designer"),
        ("Full-Stack Developer", "full-stack developer"),
        ("iOS developer", "iOS developer"),
    ],
)
def test_job_titles_inside_a_sentence(written: str, inside: str) -> None:
    assert job_title(written) == inside


@pytest.mark.parametrize(
    ("points", "language", "sentence"),
    [
        (
            ("migration vers le cloud", "équipe de six", "deux jours de télétravail"),
            "fr",
            "Nos échanges sur la migration vers le cloud, l'équipe de six et les deux jours de "
            "télétravail ont retenu toute mon attention.",
        ),
        (
            ("Refonte du parcours client", "l'équipe basée à Lille"),
            "fr",
            "Nos échanges sur la refonte du parcours client et l'équipe basée à Lille ont retenu",
        ),
        (
            ("API REST", "budget", "outils de supervision"),
            "fr",
            "Nos échanges sur l'API REST, le budget et les outils de supervision ont",
        ),
        (
            (" équipe  de six ",),
            "fr",
            "Nos échanges sur l'équipe de six ont retenu toute mon attention.",
        ),
        (
            ("cloud migration", "the team of six", "Remote work."),
            "en",
            "I particularly appreciated our discussion of cloud migration, the team of six and "
            "remote work.",
        ),
    ],
)
def test_points_are_woven_into_one_sentence(points, language: str, sentence: str) -> None:
    draft = render(
        "followup", interview(points=points), None, language=language, name=None,
        templates=TEMPLATES[language],
    )  # fmt: skip
    assert sentence in draft.body
    assert "\n-" not in draft.body


def test_join_list() -> None:
    assert join_list(["a"], "fr") == "a"
    assert join_list(["a", "b"], "fr") == "a et b"
    assert join_list(["a", "b", "c"], "en") == "a, b and c"


@pytest.mark.parametrize(
    ("announced", "fr", "en"),
    [
        (Announced(amount=1, unit="weeks"), "un retour sous une semaine", "within a week"),
        (Announced(amount=10, unit="days"), "un retour sous dix jours", "within ten days"),
        (
            Announced(amount=3, unit="business_days"),
            "un retour sous trois jours ouvrés",
            "within three business days",
        ),
        (
            Announced(on=date(2026, 12, 15)),
            "un retour d'ici le mardi 15 décembre",
            "by Tuesday 15 December",
        ),
    ],
)
def test_the_announced_delay_is_recalled_as_a_fact(announced, fr: str, en: str) -> None:
    event = interview(announced=announced)
    french = render("followup", event, ANNOUNCED, language="fr", name=None,
                    templates=TEMPLATES["fr"]).body  # fmt: skip
    assert f"Vous m'aviez indiqué {fr}\u202f; je me permets de revenir vers vous." in french
    english = render("followup", event, ANNOUNCED, language="en", name=None,
                     templates=TEMPLATES["en"]).body  # fmt: skip
    assert f"You mentioned that you expected to get back to me {en}, so I am" in english
    # not recalled when the follow-up does not honour it (a date before the interview)
    assert (
        "Vous m'aviez"
        not in render(
            "followup", event, NORMAL, language="fr", name=None, templates=TEMPLATES["fr"]
        ).body
    )


@pytest.mark.parametrize(
    ("position", "language", "phrase", "subject"),
    [
        ("ingénieure data", "fr", "pour le poste d'ingénieure data.",
         "Candidature au poste d'ingénieure data \u2013 suite à notre entretien du 2 mars"),
        ("Chef De Produit", "fr", "pour le poste de chef de produit.",
         "Candidature au poste de chef de produit \u2013 suite à notre entretien du 2 mars"),
        ("Data engineer", "en", "about the data engineer position.",
         "Application for the data engineer position \u2013 following our interview on 2 March"),
        (None, "fr", "pour le poste.", "Ma candidature \u2013 suite à notre entretien du 2 mars"),
        (None, "en", "about the position.",
         "My application \u2013 following our interview on 2 March"),
    ],
)  # fmt: skip
def test_position_in_the_subject_and_the_body(position, language, phrase, subject) -> None:
    draft = render(
        "followup", interview(position=position), None, language=language, name=None,
        templates=TEMPLATES[language],
    )  # fmt: skip
    assert phrase in draft.body
    assert draft.subject == subject


def test_the_reply_answers_in_the_recruiters_thread() -> None:
    event = interview(position="Chef de produit", company="Acme")
    fr = render("reply", event, None, language="fr", name=None, templates=TEMPLATES["fr"])
    assert fr.subject == "Re\u00a0: votre réponse \u2013 poste de chef de produit"
    en = render("reply", event, None, language="en", name=None, templates=TEMPLATES["en"])
    assert en.subject == "Re: Your reply \u2013 chef de produit position"


@pytest.mark.parametrize(
    ("text", "spaced"),
    [
        ("Où en est-il ? Merci !", "Où en est-il\u202f? Merci\u202f!"),
        ("Réponse : sous 1 semaine ; merci", "Réponse\u00a0: sous 1 semaine\u202f; merci"),
        ("Objet: suite", "Objet\u00a0: suite"),
        ("« Merci »", "«\u00a0Merci\u00a0»"),
        ("à 9:30, https://acme.fr/?a=1 et mailto:x@y.fr?subject=a", None),
    ],
)
def test_french_spacing(text: str, spaced: str | None) -> None:
    assert french_spacing(text) == (spaced or text)
    assert french_spacing(french_spacing(text)) == french_spacing(text)


def test_elision_and_contraction_around_a_value(tmp_path) -> None:
    (tmp_path / "thanks.fr.txt").write_text(
        "Subject: {job}\n\n{greeting}\n\nL'équipe de {company} et les missions de "
        "{the_position} : voilà ce que je retiens. {company} me plaît.\n",
        encoding="utf-8",
    )
    templates = load_templates("fr", tmp_path)
    draft = render(
        "thanks", interview(company="Acme", position="analyste"), None, language="fr",
        name=None, templates=templates,
    )  # fmt: skip
    assert "L'équipe d'Acme et les missions du poste d'analyste\u00a0: voilà" in draft.body
    assert draft.subject == "Poste d'analyste"  # a value opening a line takes a capital


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
        "Bonjour,\n\nMerci pour l'échange sur le poste de développeuse Python\nchez Acme."
    )
    assert templates.findings == {} and templates.warnings == []
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


def test_user_templates_of_the_other_language_are_read_too(tmp_path) -> None:
    # an event may ask for the other language (`Langue : en`): its templates are in use
    (tmp_path / "thanks.en.txt").write_text("Subject: Hi\n\nThank you, {company}.\n")
    templates = load_templates("fr", tmp_path)
    assert templates.by_kind["thanks"].source.endswith("relance_cal/templates/thanks.fr.txt")
    event = interview(company="Acme", language="en")
    english = render("thanks", event, None, language="en", name=None, templates=templates)
    assert english.body == "Thank you, Acme."
    (tmp_path / "thanks.en.txt").write_text("broken", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"thanks\.en\.txt: line 1"):
        load_templates("fr", tmp_path)


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


# The example event of docs/event-metadata.md, as a calendar file holds it.
EXAMPLE_EVENT = (
    "BEGIN:VEVENT\nUID:example@relance-cal\nDTSTAMP:20260201T100000Z\n"
    "SUMMARY:Entretien - Acme - Développeuse Python\n"
    "DTSTART;TZID=Europe/Paris:20260302T140000\nDTEND;TZID=Europe/Paris:20260302T150000\n"
    "DESCRIPTION:Recruteuse: Marie Dupont <marie.dupont@acme.fr>\\n"
    "Taille: grand groupe\\nUrgence: non\\nRéponse: sous 1 semaine\\n"
    "Points: migration vers le cloud ; équipe de six ; deux jours de télétravail\n"
    "END:VEVENT\n"
)
README = Path(__file__).parents[1] / "README.md"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_readme_shows_the_drafts_of_the_example_event(home, relance, language) -> None:
    """The README's drafts are what `relance-cal draft` prints for the spec's example event."""
    cal = home / "cal.ics"
    cal.write_text(calendar(EXAMPLE_EVENT), encoding="utf-8")
    config = write_config(home, cal)
    config.write_text(
        config.read_text().replace('language = "fr"', f'language = "{language}"'),
        encoding="utf-8",
    )
    result = relance("--config", str(config), "--now", "2026-03-10T09:30", "draft", "Acme")
    assert result.code == 0, result.err
    draft = result.out.rstrip("\n")
    assert f"```\n{draft}\n```" in README.read_text(encoding="utf-8"), (
        f"the README's {language} draft is not what the code renders; it should read:\n{draft}"
    )
    subject, _, body = draft.partition("\n\n")
    header = {"fr": "Objet\u00a0: ", "en": "Subject: "}[language]  # the draft's language
    assert_reads_cleanly(
        Draft("marie.dupont@acme.fr", subject.split(header, 1)[1], body), language, "README"
    )


def test_a_template_written_for_as_agreed_still_works(tmp_path) -> None:
    (tmp_path / "followup.fr.txt").write_text(
        "Subject: Suite\n\n{greeting}\n\n{as_agreed}\nMerci pour {the_position}.\n"
    )
    event = interview(announced=Announced(amount=10, unit="days"))
    draft = render("followup", event, ANNOUNCED, language="fr", name=None,
                   templates=load_templates("fr", tmp_path))  # fmt: skip
    assert "Vous m'aviez indiqué un retour sous dix jours\u202f;" in draft.body
