"""Reading interviews from calendar events (docs/event-metadata.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_cal.backends.base import Person, SourceEvent, Window
from relance_cal.backends.ical import parse_item
from relance_cal.config import Detection
from relance_cal.interviews import Announced, Interview, is_interview, read_interview

DATA = Path(__file__).parent / "data"
PARIS = ZoneInfo("Europe/Paris")
DETECTION = Detection(me="camille.martin@gmail.com")

SPEC_EXAMPLE = (
    "Recruteuse: Marie Dupont <marie.dupont@acme.fr>\n"
    "Taille: grand groupe\nUrgence: non\nRéponse: sous 1 semaine\n"
    "Points: migration vers le cloud ; équipe de six ; deux jours de télétravail"
)


def event(summary: str = "Entretien Acme", description: str = "", **changes: object) -> SourceEvent:
    fields = dict(
        key="uid-1",
        uid="uid-1",
        summary=summary,
        description=description,
        start=datetime(2026, 3, 2, 14, tzinfo=PARIS),
        end=datetime(2026, 3, 2, 15, tzinfo=PARIS),
    )
    fields.update(changes)
    return SourceEvent(**fields)  # type: ignore[arg-type]


def read(summary: str = "Entretien Acme", description: str = "", **changes: object) -> Interview:
    detection = changes.pop("detection", DETECTION)
    interview = read_interview(event(summary, description, **changes), detection, PARIS)  # type: ignore[arg-type]
    assert interview is not None
    return interview


# --- the example of the spec -------------------------------------------------------------


def test_spec_example() -> None:
    assert read("Entretien - Acme - Développeuse Python", SPEC_EXAMPLE) == Interview(
        key="uid-1",
        uid="uid-1",
        title="Entretien - Acme - Développeuse Python",
        start=datetime(2026, 3, 2, 14, tzinfo=PARIS),
        end=datetime(2026, 3, 2, 15, tzinfo=PARIS),
        company="Acme",
        position="Développeuse Python",
        recruiter_name="Marie Dupont",
        recruiter_email="marie.dupont@acme.fr",
        urgency="normal",
        company_size="large",
        announced=Announced(amount=1, unit="weeks"),
        points=("migration vers le cloud", "équipe de six", "deux jours de télétravail"),
        civility="f",
    )


def test_outlook_file_end_to_end() -> None:
    window = Window(datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS))
    [source] = parse_item((DATA / "outlook_windows_tz.ics").read_text(), window)
    interview = read_interview(source, DETECTION, PARIS)
    assert interview is not None
    assert (interview.company, interview.position) == ("Acme", "Développeuse Python")
    assert (interview.recruiter_name, interview.recruiter_email) == (
        "Marie Dupont",
        "marie.dupont@acme.fr",
    )
    assert interview.start == datetime(2026, 3, 2, 14, tzinfo=PARIS)
    assert interview.announced == Announced(amount=1, unit="weeks")
    assert interview.points == read("Entretien", SPEC_EXAMPLE).points
    assert interview.warnings == ()


# --- which events are interviews ---------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("Entretien Acme", True),
        ("Entretiens Acme", True),
        ("ENTRETIEN acme", True),
        ("Entrétien Acme", True),  # accents ignored both ways
        ("Job interview", True),
        ("Interviews", True),
        ("Entrevues Acme", True),
        ("entretien-acme", True),
        ("Interviewer training", False),
        ("Préparer l'entretienneur", False),
        ("Déjeuner avec Paul", False),
        ("", False),
    ],
)
def test_keyword_in_title(summary: str, expected: bool) -> None:
    assert is_interview(event(summary), DETECTION) is expected


def test_category_equal_to_a_keyword() -> None:
    assert is_interview(event("Acme", categories=("Perso", " Entretiens ")), DETECTION)
    assert is_interview(event("Acme", categories=("INTERVIEW",)), DETECTION)
    assert not is_interview(event("Acme", categories=("Entretien annuel",)), DETECTION)


def test_exclusion_word_vetoes() -> None:
    detection = Detection(exclude_keywords=("voiture", "chaudière"))
    assert not is_interview(event("Entretien voiture"), detection)
    assert not is_interview(event("Entretien des voitures"), detection)
    assert not is_interview(event("Entretien CHAUDIERE"), detection)
    assert is_interview(event("Entretien Voiturier SA"), detection)


def test_exclusion_word_vetoes_categories_too() -> None:
    detection = Detection(exclude_keywords=("voiture",))
    assert not is_interview(event("Révision voiture", categories=("Entretien",)), detection)


def test_custom_keywords() -> None:
    detection = Detection(keywords=("rendez-vous RH", "screening"))
    assert is_interview(event("Rendez-vous  rh Acme"), detection)
    assert is_interview(event("Screenings"), detection)
    assert not is_interview(event("Entretien Acme"), detection)


def test_interviews_only_calendar_counts_every_event() -> None:
    detection = Detection(interviews_only=True)
    assert is_interview(event("Acme - Data engineer"), detection)
    assert read("Acme - Data engineer", detection=detection).company == "Acme"


def test_never_an_event_the_tool_wrote() -> None:
    assert not is_interview(event("Entretien Acme", marker=True), DETECTION)
    assert not is_interview(event("x", marker=True), Detection(interviews_only=True))
    assert read_interview(event("Relancer — Entretien Acme", marker=True), DETECTION, PARIS) is None


# --- cancelled, declined -----------------------------------------------------------------


def test_cancelled_event_is_read_and_marked() -> None:
    assert read(cancelled=True).cancelled


@pytest.mark.parametrize(
    "me",
    [
        Person("Camille.Martin@Gmail.com", "Camille", partstat="DECLINED"),  # `me` in the config
        Person("c.martin@example.org", "Camille", is_self=True, partstat="DECLINED"),  # Google
    ],
)
def test_declined_by_the_user(me: Person) -> None:
    recruiter = Person("paul@globex.com", "Paul", partstat="ACCEPTED")
    interview = read(attendees=(me, recruiter), organizer=recruiter)
    assert interview.cancelled


def test_declined_by_someone_else_is_not_cancelled() -> None:
    other = Person("paul@globex.com", "Paul", partstat="DECLINED")
    me = Person("camille.martin@gmail.com", partstat="ACCEPTED")
    assert not read(attendees=(me, other)).cancelled


def test_declined_file_end_to_end() -> None:
    window = Window(datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS))
    sources = parse_item((DATA / "cancelled_declined.ics").read_text(), window)
    interviews = [read_interview(s, DETECTION, PARIS) for s in sources]
    assert [(i.company, i.cancelled) for i in interviews] == [("Acme", True), ("Globex", True)]


# --- metadata lines: keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Entreprise: Globex",
        "Société : Globex",
        "societe = Globex",
        "Company: Globex",
        "- Employer: Globex",
        "* EMPLOYER : Globex",
        "  ENTREPRISE:Globex  ",
    ],
)
def test_company_keys(line: str) -> None:
    assert read("Entretien", f"Bonjour\n{line}\nÀ bientôt").company == "Globex"


@pytest.mark.parametrize(
    "line",
    [
        "Poste: Data engineer",
        "Position : Data engineer",
        "Rôle = Data engineer",
        "- Job: Data engineer",
    ],
)
def test_position_keys(line: str) -> None:
    assert read("Entretien Acme", line).position == "Data engineer"


@pytest.mark.parametrize(
    ("line", "name", "email"),
    [
        ("Recruteur: Paul Durand <Paul@Globex.com>", "Paul Durand", "paul@globex.com"),
        ("Recruteuse : Paul Durand", "Paul Durand", None),
        ("Recruiter = paul@globex.com", None, "paul@globex.com"),
        ("Contact: Paul Durand (paul@globex.com)", "Paul Durand", "paul@globex.com"),
        ("Contact: Paul Durand - mailto:paul@globex.com", "Paul Durand", "paul@globex.com"),
        ('Recruteur: "Durand, Paul" <paul@globex.com>', "Durand, Paul", "paul@globex.com"),
    ],
)
def test_recruiter_forms(line: str, name: str | None, email: str | None) -> None:
    interview = read("Entretien Globex", line)
    assert (interview.recruiter_name, interview.recruiter_email) == (name, email)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ("grand groupe", "large"), ("Groupe", "large"), ("large", "large"),
        ("Corporate", "large"), ("PME", "sme"), ("ETI", "sme"), ("SME", "sme"),
        ("start-up", "startup"), ("Startup", "startup"), ("start up", "startup"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("key", ["Taille", "Size"])
def test_company_size(key: str, value: str, size: str) -> None:
    assert read(description=f"{key}: {value}").company_size == size


@pytest.mark.parametrize(
    ("value", "urgency"),
    [
        ("immédiat", "urgent"), ("Immédiate", "urgent"), ("urgent", "urgent"), ("oui", "urgent"),
        ("Yes", "urgent"), ("ASAP", "urgent"), ("non", "normal"), ("No", "normal"),
        ("normal", "normal"), ("normale", "normal"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("key", ["Urgence", "Urgency", "Urgent"])
def test_urgency(key: str, value: str, urgency: str) -> None:
    assert read(description=f"{key}: {value}").urgency == urgency


@pytest.mark.parametrize(
    ("value", "announced"),
    [
        ("2026-12-04", Announced(on=date(2026, 12, 4))),
        ("04/12/2026", Announced(on=date(2026, 12, 4))),
        ("4/12/26", Announced(on=date(2026, 12, 4))),
        ("le 04/12", Announced(on=date(2026, 12, 4))),
        ("01/02", Announced(on=date(2027, 2, 1))),  # no year: the next 1 February
        ("sous 1 semaine", Announced(amount=1, unit="weeks")),
        ("sous une semaine", Announced(amount=1, unit="weeks")),
        ("1 semaine", Announced(amount=1, unit="weeks")),
        ("2 semaines", Announced(amount=2, unit="weeks")),
        ("dans 2 semaines", Announced(amount=2, unit="weeks")),
        ("2 à 3 semaines", Announced(amount=3, unit="weeks")),
        ("2-3 semaines", Announced(amount=3, unit="weeks")),
        ("sous huitaine", Announced(amount=1, unit="weeks")),
        ("quinze jours", Announced(amount=2, unit="weeks")),
        ("1 week", Announced(amount=1, unit="weeks")),
        ("within 1 week", Announced(amount=1, unit="weeks")),
        ("5 jours", Announced(amount=5, unit="days")),
        ("10 days", Announced(amount=10, unit="days")),
        ("in 10 days", Announced(amount=10, unit="days")),
        ("sous 48h", Announced(amount=2, unit="days")),
        ("5 jours ouvrés", Announced(amount=5, unit="business_days")),
        ("5 jours ouvrables", Announced(amount=5, unit="business_days")),
        ("3 business days", Announced(amount=3, unit="business_days")),
        ("3 working days", Announced(amount=3, unit="business_days")),
    ],
)
@pytest.mark.parametrize(
    "key", ["Réponse", "Réponse annoncée", "Délai", "Answer", "Answer by", "Response", "REPONSE"]
)
def test_announced_answer(key: str, value: str, announced: Announced) -> None:
    interview = read(description=f"{key}: {value}")
    assert interview.announced == announced
    assert interview.warnings == ()


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("en attente", None), ("Pending", None), ("relancé", "followed_up"),
        ("relancée", "followed_up"), ("followed up", "followed_up"), ("refus", "rejected"),
        ("Refusé", "rejected"), ("rejected", "rejected"), ("offre", "offer"),
        ("accepté", "offer"), ("offer", "offer"), ("abandon", "withdrawn"),
        ("désisté", "withdrawn"), ("withdrawn", "withdrawn"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("key", ["Statut", "Status"])
def test_outcome(key: str, value: str, outcome: str | None) -> None:
    interview = read(description=f"{key}: {value}")
    assert interview.outcome == outcome
    assert interview.warnings == ()


@pytest.mark.parametrize("key", ["Points", "Sujets", "Notes", "Discussed"])
def test_discussed_points_separated_by_semicolons(key: str) -> None:
    assert read(description=f"{key}: Kafka ;; équipe de six;  remote ").points == (
        "Kafka",
        "équipe de six",
        "remote",
    )


def test_discussed_points_on_the_following_lines() -> None:
    description = (
        "Points:\n- migration vers le cloud\n- équipe de six\n* Salaire: 45k\n"
        "- Taille: PME\n- ne fait plus partie de la liste\n"
    )
    interview = read(description=description)
    assert interview.points == ("migration vers le cloud", "équipe de six", "Salaire: 45k")
    assert interview.company_size == "sme"  # a metadata line ends the list


def test_unknown_keys_and_empty_values_are_ignored() -> None:
    description = "Lieu: Paris\nhttps://meet.google.com/abc\nEntreprise:\nTaille :\nStatut: "
    interview = read("Entretien Acme", description)
    assert interview.company == "Acme" and interview.company_size == "unknown"
    assert interview.outcome is None and interview.warnings == ()


def test_last_line_wins() -> None:
    assert read(description="Statut: en attente\nStatut: refusé").outcome == "rejected"


# --- unreadable values -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("Réponse: bientôt", "announced", "bientôt"),
        ("Réponse: 2026-02-30", "announced", "2026-02-30"),
        ("Délai: 0 jours", "announced", "0 jours"),
        ("Délai: 2-3", "announced", "2-3"),
        ("Taille: énorme", "size", "énorme"),
        ("Urgence: peut-être", "urgency", "peut-être"),
        ("Statut: on verra", "status", "on verra"),
    ],
)
def test_unreadable_value_is_a_warning_and_absent(line: str, field: str, value: str) -> None:
    interview = read(description=f"{line}\nUrgence: oui")
    [warning] = interview.warnings
    assert (warning.kind, warning.field, warning.value) == ("not_understood", field, value)
    assert interview.announced is None and interview.company_size == "unknown"
    assert interview.outcome is None
    assert interview.urgency == "urgent"  # the other lines are still read


# --- fallbacks ---------------------------------------------------------------------------

MARIE = Person("marie.dupont@acme.fr", "Marie Dupont")
ME = Person("camille.martin@gmail.com", "Camille Martin")


def test_recruiter_is_the_organizer_when_not_the_user() -> None:
    interview = read("Entretien", organizer=MARIE, attendees=(ME, MARIE))
    assert (interview.recruiter_name, interview.recruiter_email) == (
        "Marie Dupont",
        "marie.dupont@acme.fr",
    )
    assert interview.company == "Acme"  # from the recruiter's domain


def test_recruiter_is_the_first_other_attendee_when_the_user_organizes() -> None:
    robot = Person("noreply@acme.fr", "Acme")
    interview = read("Entretien", organizer=ME, attendees=(ME, robot, MARIE))
    assert interview.recruiter_email == "marie.dupont@acme.fr"


def test_calendar_resources_are_no_recruiter() -> None:
    room = Person("c_1889@resource.calendar.google.com", "Salle Jupiter")
    team = Person("recrutement@group.calendar.google.com", "Recrutement")
    interview = read("Entretien", organizer=team, attendees=(ME, room, MARIE))
    assert (interview.recruiter_name, interview.company) == ("Marie Dupont", "Acme")


def test_google_self_attendee_is_the_user() -> None:
    me = Person("someone@else.org", "Camille", is_self=True)
    interview = read("Entretien", organizer=me, attendees=(me, MARIE), detection=Detection())
    assert interview.recruiter_name == "Marie Dupont"


def test_google_address_as_name_is_no_name() -> None:
    jean = Person("jean.recruteur@initech.io", "jean.recruteur@initech.io")
    interview = read("Entretien", attendees=(ME, jean))
    assert (interview.recruiter_name, interview.recruiter_email) == (
        None,
        "jean.recruteur@initech.io",
    )
    assert interview.company == "Initech"


def test_recruiter_line_completed_by_the_matching_participant() -> None:
    assert read(description="Recruteuse: marie dupont", attendees=(ME, MARIE)).recruiter_email == (
        "marie.dupont@acme.fr"
    )
    by_email = read(description="Contact: marie.dupont@acme.fr", organizer=MARIE)
    assert by_email.recruiter_name == "Marie Dupont"


def test_recruiter_line_wins_over_participants() -> None:
    interview = read(description="Recruteur: Paul <paul@globex.com>", organizer=MARIE)
    assert (interview.recruiter_name, interview.recruiter_email) == ("Paul", "paul@globex.com")


@pytest.mark.parametrize(
    ("summary", "company", "position"),
    [
        ("Entretien - Acme - Data engineer", "Acme", "Data engineer"),
        ("Entretien \u2013 Acme \u2014 Data engineer", "Acme", "Data engineer"),
        ("Entretien : Acme | Data engineer", "Acme", "Data engineer"),
        ("Entretien Acme / Data engineer", "Acme", "Data engineer"),
        ("Entretien Acme", "Acme", None),
        ("Entretiens Saint-Gobain", "Saint-Gobain", None),
        ("Interview with Acme", "Acme", None),
        ("Entretien avec Acme", "Acme", None),
        ("Acme interview", "Acme", None),
        ("Acme interview - Data engineer", "Acme", "Data engineer"),
        ("Data engineer interview at Acme", "Acme", "Data engineer"),
        ("Entretien pour le poste de Data engineer chez Acme", "Acme", "Data engineer"),
        ("2e entretien RH Acme", "Acme", None),
        ("Entretien téléphonique avec Acme", "Acme", None),
        ("Entretien Umbrella (journée d'intégration)", "Umbrella", None),
        ("Entretien d'embauche", None, None),
        ("Entretien pour le poste de Data engineer", None, "Data engineer"),
        ("Interview Acme - entretien technique", "Acme", None),
    ],
)
def test_company_and_position_from_the_title(
    summary: str, company: str | None, position: str | None
) -> None:
    interview = read(summary)
    assert (interview.company, interview.position) == (company, position)


def test_title_naming_the_recruiter_is_not_the_company() -> None:
    interview = read("Entretien avec Marie Dupont", organizer=MARIE)
    assert (interview.company, interview.position) == ("Acme", None)


def test_position_is_the_title_without_the_company_of_the_lines() -> None:
    assert read("Entretien Data engineer", "Entreprise: Globex").position == "Data engineer"
    both = read("Entretien - Globex - Data engineer", "Entreprise: Globex")
    assert (both.company, both.position) == ("Globex", "Data engineer")


@pytest.mark.parametrize(
    ("email", "company"),
    [
        ("marie@acme.fr", "Acme"),
        ("marie@rh.acme.fr", "Acme"),
        ("marie@acme.co.uk", "Acme"),
        ("marie@gmail.com", None),
        ("marie@hotmail.fr", None),
        ("marie@proton.me", None),
        ("marie@laposte.net", None),
        ("marie@wanadoo.fr", None),
    ],
)
def test_company_from_the_recruiter_domain(email: str, company: str | None) -> None:
    assert read("Entretien", f"Recruteur: Marie <{email}>").company == company


def test_lines_win_over_the_title() -> None:
    interview = read("Entretien Acme - Dev", "Entreprise: Globex SA\nPoste: Data engineer")
    assert (interview.company, interview.position) == ("Globex SA", "Data engineer")


# --- times -------------------------------------------------------------------------------


def test_utc_times_converted_to_the_users_zone() -> None:
    interview = read(
        start=datetime(2026, 3, 3, 13, tzinfo=UTC), end=datetime(2026, 3, 3, 14, tzinfo=UTC)
    )
    assert interview.start == datetime(2026, 3, 3, 14, tzinfo=PARIS)
    assert interview.start.tzinfo == PARIS and interview.end.tzinfo == PARIS
    assert not interview.all_day


def test_floating_times_are_wall_times_in_the_users_zone() -> None:
    interview = read(start=datetime(2026, 3, 10, 10), end=datetime(2026, 3, 10, 11, 30))
    assert interview.start == datetime(2026, 3, 10, 10, tzinfo=PARIS)
    assert interview.end == datetime(2026, 3, 10, 11, 30, tzinfo=PARIS)


def test_all_day_event() -> None:
    interview = read(start=date(2026, 3, 12), end=date(2026, 3, 14))
    assert interview.all_day
    assert interview.start == datetime(2026, 3, 12, 0, tzinfo=PARIS)
    assert interview.end == datetime(2026, 3, 14, 0, tzinfo=PARIS)


# --- one-line safety ---------------------------------------------------------------------


def test_single_line_fields_have_no_line_breaks() -> None:
    evil = Person("marie@acme.fr", "Marie\r\nDupont\x00")
    interview = read("Entretien\r\nAcme\x07 - Data\nengineer", organizer=evil)
    assert interview.title == "Entretien Acme - Data engineer"
    assert (interview.company, interview.position) == ("Acme", "Data engineer")
    assert interview.recruiter_name == "Marie Dupont"


KEYS = ["Entreprise", "Poste", "Recruteur", "Taille", "Urgence", "Réponse", "Points", "Statut"]
pieces = st.one_of(
    st.text(max_size=40),
    st.sampled_from(KEYS).map(lambda k: f"{k}: "),
    st.sampled_from(["\n", "\r\n", "\r", " - ", "- ", ";", "<", ">", "@", "entretien", "\u2028"]),
)
texts = st.lists(pieces, max_size=12).map("".join)
people = st.builds(
    Person,
    email=st.none() | st.emails() | st.text(max_size=20),
    name=st.none() | texts,
    is_self=st.booleans(),
    partstat=st.none() | st.sampled_from(["DECLINED", "ACCEPTED"]),
)


@settings(max_examples=300, deadline=None)
@given(
    summary=texts,
    description=texts,
    organizer=st.none() | people,
    attendees=st.lists(people, max_size=3),
    categories=st.lists(st.text(max_size=12), max_size=3),
)
def test_random_events_never_raise_nor_give_multi_line_fields(
    summary: str,
    description: str,
    organizer: Person | None,
    attendees: list[Person],
    categories: list[str],
) -> None:
    source = event(
        summary,
        description,
        organizer=organizer,
        attendees=tuple(attendees),
        categories=tuple(categories),
    )
    interview = read_interview(source, replace(DETECTION, interviews_only=True), PARIS)
    assert interview is not None
    assert not any(c in interview.title for c in "\r\n\x00\u2028")
    single_line = [
        interview.company,
        interview.position,
        interview.recruiter_name,
        interview.recruiter_email,
        *interview.points,
        *(w.value for w in interview.warnings if w.value),
    ]
    for value in single_line:
        assert value is None or (value and value == value.strip())
        assert value is None or not any(c in value for c in "\r\n\x00\u2028")
