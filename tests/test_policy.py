from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_cal.config import PolicySettings
from relance_cal.interviews import Announced, Interview
from relance_cal.policy import (
    add_business_days,
    announced_date,
    assess,
    business_day_on_or_before,
    end_moment,
    follow_up,
    is_business_day,
    next_business_day,
    next_slot,
    thanks_moment,
    window,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
FR = PolicySettings()
MOSELLE = PolicySettings(subdivision="57")


def paris(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=PARIS)


def interview(end: datetime, key: str = "a", **fields) -> Interview:
    fields.setdefault("start", end - timedelta(hours=1))
    return Interview(key=key, uid=key, title=f"Entretien {key}", end=end, **fields)


# --- business days ----------------------------------------------------------------------


def test_every_french_public_holiday_of_2026_and_2027_is_not_a_business_day():
    found = holidays.country_holidays("FR", years=[2026, 2027], language="en_US")
    assert len(found) == 22
    for day in found:
        assert not is_business_day(day, FR), day


def test_business_day_arithmetic_skips_weekends_and_holidays():
    assert is_business_day(date(2026, 5, 13), FR)
    assert not is_business_day(date(2026, 5, 16), FR)  # Saturday
    assert next_business_day(date(2026, 5, 13), FR) == date(2026, 5, 15)  # Ascension on 14
    assert next_business_day(date(2026, 5, 15), FR) == date(2026, 5, 18)
    assert add_business_days(date(2026, 5, 12), 0, FR) == date(2026, 5, 12)
    assert add_business_days(date(2026, 5, 12), 3, FR) == date(2026, 5, 18)
    assert business_day_on_or_before(date(2026, 5, 14), FR) == date(2026, 5, 13)
    assert business_day_on_or_before(date(2026, 5, 13), FR) == date(2026, 5, 13)


def test_saturday_counts_when_it_is_a_workday():
    six_days = PolicySettings(workdays=frozenset(range(6)))
    assert is_business_day(date(2026, 3, 7), six_days)
    thursday = interview(paris(2026, 3, 5, 11))
    assert follow_up(thursday, FR).at == paris(2026, 3, 10, 9, 30)
    assert follow_up(thursday, six_days).at == paris(2026, 3, 9, 9, 30)


def test_alsace_moselle_has_good_friday_and_saint_stephen():
    for day in (date(2026, 4, 3), date(2025, 12, 26), date(2028, 12, 26)):
        assert is_business_day(day, FR), day
        assert not is_business_day(day, MOSELLE), day
    ends = interview(paris(2026, 3, 31, 15))  # Tuesday before Easter
    assert follow_up(ends, FR).at == paris(2026, 4, 3, 9, 30)
    assert follow_up(ends, MOSELLE).at == paris(2026, 4, 7, 9, 30)


# --- the worked examples of the spec --------------------------------------------------


@pytest.mark.parametrize(
    ("end", "fields", "at", "deadline", "rule", "beyond"),
    [
        (paris(2026, 3, 2, 15), {}, paris(2026, 3, 5, 9, 30), date(2026, 3, 12),
         "business_days_3", False),
        (paris(2026, 3, 2, 15), {"company_size": "large"}, paris(2026, 3, 6, 9, 30),
         date(2026, 3, 12), "business_days_4", False),
        (paris(2026, 3, 3, 14), {"urgency": "urgent"}, paris(2026, 3, 5, 14),
         date(2026, 3, 13), "urgent_48h", False),
        (paris(2026, 3, 3, 18, 30), {"urgency": "urgent"}, paris(2026, 3, 6, 9, 30),
         date(2026, 3, 13), "urgent_48h", False),
        (paris(2026, 3, 5, 11), {"urgency": "urgent"}, paris(2026, 3, 9, 9, 30),
         date(2026, 3, 13), "urgent_48h", False),
        (paris(2026, 5, 12, 10), {}, paris(2026, 5, 18, 9, 30), date(2026, 5, 22),
         "business_days_3", False),
        (paris(2026, 5, 12, 10), {"announced": Announced(amount=1, unit="weeks")},
         paris(2026, 5, 20, 9, 30), date(2026, 5, 22), "announced", False),
        (paris(2026, 12, 18, 10), {"announced": Announced(on=date(2026, 12, 31))},
         paris(2027, 1, 4, 9, 30), date(2027, 1, 4), "announced", True),
        (paris(2026, 12, 23, 10), {"company_size": "large"}, paris(2026, 12, 30, 9, 30),
         date(2026, 12, 31), "business_days_4", False),
    ],
)  # fmt: skip
def test_worked_examples(end, fields, at, deadline, rule, beyond):
    result = follow_up(interview(end, **fields), FR)
    assert (result.at, result.deadline, result.rule, result.beyond_max_days) == (
        at,
        deadline,
        rule,
        beyond,
    )
    assert result.at.tzinfo == PARIS


# --- the property: a follow-up never lands on a day off ---------------------------------

ZONES = st.sampled_from([PARIS, ZoneInfo("UTC"), NEW_YORK])
ANNOUNCED = st.one_of(
    st.none(),
    st.builds(Announced, on=st.dates(date(2025, 12, 1), date(2029, 3, 1))),
    st.builds(
        Announced,
        amount=st.integers(0, 30),
        unit=st.sampled_from(["days", "business_days", "weeks"]),
    ),
)


@st.composite
def interviews(draw) -> Interview:
    all_day = draw(st.booleans())
    if all_day:
        first = draw(st.dates(date(2026, 1, 1), date(2028, 12, 31)))
        days = draw(st.integers(1, 3))
        start = datetime.combine(first, time(0), tzinfo=PARIS)
        end = start + timedelta(days=days)
    else:
        end = draw(
            st.datetimes(
                datetime(2026, 1, 1), datetime(2028, 12, 31, 23, 59), timezones=ZONES,
                allow_imaginary=False,
            )
        )  # fmt: skip
        start = end - timedelta(minutes=draw(st.integers(0, 180)))
    return interview(
        end,
        start=start,
        all_day=all_day,
        urgency=draw(st.sampled_from(["urgent", "normal"])),
        company_size=draw(st.sampled_from(["large", "sme", "startup", "unknown"])),
        announced=draw(ANNOUNCED),
    )


def _day_off(day: date) -> bool:
    return day.weekday() >= 5 or day in holidays.country_holidays("FR", years=day.year)


@settings(max_examples=400, deadline=None)
@given(interviews())
def test_follow_up_lands_on_a_business_day_after_the_interview(iv):
    result = follow_up(iv, FR)
    t0 = end_moment(iv, FR)
    at = result.at
    assert at.tzinfo == PARIS
    assert at > t0
    assert not _day_off(at.date())
    if result.rule == "urgent_48h":
        assert time(9, 30) <= at.time() < time(18)
    else:
        assert at.time() == time(9, 30)
    assert not _day_off(result.deadline)
    assert at.date() <= result.deadline
    limit = t0.date() + timedelta(days=10)
    if result.beyond_max_days:
        assert result.rule == "announced"
        assert result.deadline == at.date() > limit
    else:
        assert result.deadline <= limit
        gap = (limit - result.deadline).days
        assert all(_day_off(result.deadline + timedelta(days=i)) for i in range(1, gap + 1))


# --- time zones and DST -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "hours"),
    [(paris(2026, 3, 28, 14), 47), (paris(2026, 10, 24, 14), 49)],
)
def test_urgent_keeps_the_wall_clock_time_across_dst(end, hours):
    result = follow_up(interview(end, urgency="urgent"), FR)
    assert result.at == end.replace(day=end.day + 2)
    assert result.at.time() == time(14)
    assert result.at.astimezone(UTC) - end.astimezone(UTC) == timedelta(hours=hours)


def test_end_in_another_zone_is_converted_before_the_date_is_taken():
    # Monday evening in New York and in UTC is already Tuesday in Paris.
    for end in (
        datetime(2026, 3, 2, 19, 30, tzinfo=NEW_YORK),
        datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
    ):
        iv = interview(end)
        assert end_moment(iv, FR).date() == date(2026, 3, 3)
        result = follow_up(iv, FR)
        assert result.at == paris(2026, 3, 6, 9, 30)
        assert result.deadline == date(2026, 3, 13)


def test_all_day_interview_ends_on_its_last_day_at_work_end():
    iv = interview(paris(2026, 3, 4), start=paris(2026, 3, 2), all_day=True)
    assert end_moment(iv, FR) == paris(2026, 3, 3, 18)
    assert follow_up(iv, FR).at == paris(2026, 3, 6, 9, 30)
    urgent = interview(paris(2026, 3, 4), start=paris(2026, 3, 3), all_day=True, urgency="urgent")
    assert follow_up(urgent, FR).at == paris(2026, 3, 6, 9, 30)  # Thu 18:00 is not before work_end


# --- announced answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("announced", "on", "at"),
    [
        (Announced(on=date(2026, 5, 15)), date(2026, 5, 15), paris(2026, 5, 18, 9, 30)),
        (Announced(on=date(2026, 5, 12)), date(2026, 5, 12), paris(2026, 5, 13, 9, 30)),
        (Announced(amount=1, unit="days"), date(2026, 5, 13), paris(2026, 5, 15, 9, 30)),
        (Announced(amount=2, unit="business_days"), date(2026, 5, 15), paris(2026, 5, 18, 9, 30)),
        (Announced(amount=2, unit="weeks"), date(2026, 5, 26), paris(2026, 5, 27, 9, 30)),
    ],
)
def test_announced_forms(announced, on, at):
    iv = interview(paris(2026, 5, 12, 10), announced=announced, urgency="urgent")
    assert announced_date(iv, FR) == (on, ())
    result = follow_up(iv, FR)
    assert (result.rule, result.announced_on, result.at) == ("announced", on, at)


def test_announced_date_before_the_interview_is_ignored_with_a_warning():
    iv = interview(paris(2026, 5, 12, 10), announced=Announced(on=date(2026, 5, 1)))
    day, warnings = announced_date(iv, FR)
    assert day is None
    assert [(w.kind, w.value) for w in warnings] == [("announced_before", "2026-05-01")]
    result = follow_up(iv, FR)
    assert (result.rule, result.at, result.warnings) == (
        "business_days_3",
        paris(2026, 5, 18, 9, 30),
        warnings,
    )
    now = paris(2026, 5, 13, 10)
    assert assess([iv], now, FR)[0].warnings == warnings


# --- slots ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        (paris(2026, 3, 4, 7, 5), paris(2026, 3, 4, 9, 30)),  # before reminder_time
        (paris(2026, 3, 4, 9, 20), paris(2026, 3, 4, 9, 30)),  # rounds to 9:30 anyway
        (paris(2026, 3, 4, 10, 7), paris(2026, 3, 4, 10, 15)),
        (paris(2026, 3, 4, 10, 15), paris(2026, 3, 4, 10, 15)),  # on a quarter: stays
        (paris(2026, 3, 4, 17, 44), paris(2026, 3, 4, 17, 45)),
        (paris(2026, 3, 4, 17, 50), paris(2026, 3, 5, 9, 30)),  # 18:00 is not before work_end
        (paris(2026, 3, 6, 19), paris(2026, 3, 9, 9, 30)),  # Friday evening
        (paris(2026, 3, 8, 11), paris(2026, 3, 9, 9, 30)),  # Sunday
        (paris(2026, 5, 13, 18, 30), paris(2026, 5, 15, 9, 30)),  # eve of Ascension
        (datetime(2026, 3, 4, 8, 52, tzinfo=UTC), paris(2026, 3, 4, 10)),
    ],
)
def test_next_slot(now, slot):
    assert next_slot(now, FR) == slot
    assert next_slot(now, FR).tzinfo == PARIS


def test_thanks_moment_is_the_next_business_morning():
    assert thanks_moment(interview(paris(2026, 3, 6, 15)), FR) == paris(2026, 3, 9, 9, 30)
    assert thanks_moment(interview(paris(2026, 5, 13, 15)), FR) == paris(2026, 5, 15, 9, 30)


# --- statuses ---------------------------------------------------------------------------

# Ends Mon 2026-03-02 15:00: F = Thu 03-05 09:30, L = Thu 03-12.
MONDAY = paris(2026, 3, 2, 15)


def status(iv: Interview, now: datetime, others=(), **sets) -> str:
    [found] = [a for a in assess([iv, *others], now, FR, **sets) if a.interview.key == iv.key]
    return found.status


@pytest.mark.parametrize(
    ("now", "written", "expected"),
    [
        (paris(2026, 3, 5, 9, 29), False, "scheduled"),
        (paris(2026, 3, 5, 9, 30), False, "due"),
        (paris(2026, 3, 12, 17, 40), False, "due"),  # first write at 17:45, before L ends
        (paris(2026, 3, 12, 17, 50), False, "too_late"),  # first write would be next morning
        (paris(2026, 3, 12, 17, 50), True, "due"),
        (paris(2026, 3, 12, 18), True, "due"),
        (paris(2026, 3, 12, 18, 1), True, "past"),
        (paris(2026, 3, 12, 18, 1), False, "too_late"),
    ],
)
def test_time_based_statuses(now, written, expected):
    assert status(interview(MONDAY), now, written={"a"} if written else set()) == expected


@pytest.mark.parametrize("outcome", ["followed_up", "rejected", "offer", "withdrawn"])
def test_outcome_is_the_status(outcome):
    assert status(interview(MONDAY, outcome=outcome), paris(2026, 3, 4, 10)) == outcome


def test_precedence_cancelled_outcome_dismissed_superseded_then_time():
    now = paris(2026, 3, 6, 10)
    next_round = interview(paris(2026, 3, 4, 11), key="b", company="Acme")
    fields = {"company": "Acme", "cancelled": True, "outcome": "rejected"}
    assert status(interview(MONDAY, **fields), now, [next_round], dismissed={"a"}) == "cancelled"
    fields["cancelled"] = False
    assert status(interview(MONDAY, **fields), now, [next_round], dismissed={"a"}) == "rejected"
    del fields["outcome"]
    assert status(interview(MONDAY, **fields), now, [next_round], dismissed={"a"}) == "dismissed"
    assert status(interview(MONDAY, **fields), now, [next_round]) == "superseded"
    assert status(interview(MONDAY, **fields), now) == "due"


@pytest.mark.parametrize(
    ("mine", "theirs", "superseded"),
    [
        ({"company": "Société Générale"}, {"company": "SOCIETE  generale"}, True),
        ({"company": "Acme", "position": "Dev"}, {"company": "acme", "position": "dév"}, True),
        ({"company": "Acme", "position": "Dev"}, {"company": "Acme", "position": "Ops"}, False),
        ({"company": "Acme", "position": "Dev"}, {"company": "Acme"}, False),
        ({"company": "Acme"}, {"company": "Other"}, False),
        ({}, {}, False),
        ({"company": "Acme"}, {"company": "Acme", "cancelled": True}, False),
    ],
)
def test_superseded_by_a_later_round_of_the_same_process(mine, theirs, superseded):
    next_round = interview(paris(2026, 3, 4, 11), key="b", **theirs)
    expected = "superseded" if superseded else "scheduled"
    assert status(interview(MONDAY, **mine), paris(2026, 3, 3, 10), [next_round]) == expected


@pytest.mark.parametrize(
    ("start", "superseded"),
    [
        (paris(2026, 3, 5, 9, 15), True),
        (paris(2026, 3, 5, 9, 30), True),  # at F or later: still the next round of the process
        (paris(2026, 4, 1, 14), True),  # 30 days after this one's start
        (paris(2026, 4, 1, 14, 15), False),  # more than 30 days after: another process
        (paris(2026, 3, 2, 13), False),  # started before this one
    ],
)
def test_superseded_by_a_later_round_within_30_days(start, superseded):
    other = interview(start + timedelta(hours=1), key="b", company="Acme", start=start)
    expected = "superseded" if superseded else "scheduled"
    assert status(interview(MONDAY, company="Acme"), paris(2026, 3, 2, 16), [other]) == expected


def test_window_keeps_deadlines_up_to_30_days_back_and_starts_up_to_90_days_ahead():
    old = interview(MONDAY, key="old")  # L = 2026-03-12
    assert [a.status for a in assess([old], paris(2026, 4, 11, 23), FR)] == ["too_late"]
    assert assess([old], paris(2026, 4, 12, 0, 5), FR) == []

    now = paris(2026, 1, 1, 10)
    kept = interview(paris(2026, 4, 1, 11), key="kept", start=paris(2026, 4, 1, 10))
    dropped = interview(paris(2026, 4, 1, 11), key="dropped", start=paris(2026, 4, 1, 10, 15))
    assert [a.interview.key for a in assess([dropped, kept], now, FR)] == ["kept"]


def test_assess_sorts_by_start():
    later = interview(paris(2026, 3, 3, 15), key="later")
    earlier = interview(paris(2026, 3, 2, 15), key="earlier")
    keys = [a.interview.key for a in assess([later, earlier], paris(2026, 3, 4, 10), FR)]
    assert keys == ["earlier", "later"]


def test_window_covers_every_interview_assess_keeps():
    now = paris(2026, 4, 11, 23)
    start, end = window(now, FR)
    assert start == paris(2026, 1, 11, 23)  # 90 days back: a rejection stays in view so long
    assert end == paris(2026, 7, 10, 23)  # 90 days ahead
    # The oldest deadline kept is 30 days back, and lies max_days after its interview's end.
    oldest = interview(paris(2026, 3, 2, 15))  # L = Thu 2026-03-12
    assert len(assess([oldest], now, FR)) == 1
    assert start < oldest.start


def test_two_rounds_give_one_follow_up_whether_the_second_is_past_or_ahead():
    first = interview(paris(2026, 11, 24, 14), key="r1", company="Acme")
    second = interview(paris(2026, 12, 1, 14), key="r2", company="acme")
    for now in (paris(2026, 11, 25, 10), paris(2026, 12, 3, 10)):
        by_key = {a.interview.key: a.status for a in assess([first, second], now, FR)}
        assert by_key["r1"] == "superseded" and by_key["r2"] != "superseded"


def test_a_rejection_noted_late_stays_in_view_90_days_after_its_start():
    rejected = interview(paris(2026, 10, 5, 14), key="no", company="Acme", outcome="rejected")
    waiting = interview(paris(2026, 10, 5, 14), key="wait", company="Globex")
    kept = assess([rejected, waiting], paris(2026, 12, 1, 10), FR)
    assert [(a.interview.key, a.status) for a in kept] == [("no", "rejected")]
    assert assess([rejected], paris(2027, 1, 4, 10), FR) == []  # 91 days after
    start, _ = window(paris(2026, 12, 1, 10), FR)
    assert start <= rejected.start
