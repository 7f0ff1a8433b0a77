"""Courtesy check: pushy phrasing is flagged on its line with a better wording."""

from __future__ import annotations

import pytest

from relance_cal.courtesy import MAX_WORDS, check, detect_language

FR_TOP = "Bonjour Marie Dupont,\n\nMerci pour notre entretien concernant le poste.\n"
EN_TOP = "Dear Marie Dupont,\n\nThank you for our interview about the position.\n"


@pytest.mark.parametrize(
    ("line", "words", "problem"),
    [
        # the examples of docs/reminder-events.md
        ("Je n'ai toujours pas de nouvelles.", "toujours pas", "impatient phrase"),
        (
            "Sans réponse de votre part, je reviens vers vous.",
            "Sans réponse de votre part",
            "impatient",
        ),
        ("Je me permets d'insister.", "Je me permets d'insister", "insists"),
        ("Je me permets d\u2019insister.", "Je me permets d\u2019insister", "insists"),
        ("Je vous relance à nouveau.", "Je vous relance à nouveau", "insists"),
        ("I still haven't heard back.", "still haven't heard", "impatient phrase"),
        ("Please answer as soon as possible.", "as soon as possible", "demands a date or speed"),
        ("Please answer ASAP.", "ASAP", "demands a date or speed"),
        ("Une réponse serait appréciée !!", "!!", "repeated punctuation"),
        # repeated marks, capitals
        ("Des nouvelles ??", "??", "repeated punctuation"),
        ("Any news?!", "?!", "repeated punctuation"),
        ("Des nouvelles ! ! !", "! ! !", "repeated punctuation"),
        ("C'est IMPORTANT pour moi.", "IMPORTANT", "word in capitals"),
        ("Je suis TRÈS motivée.", "TRÈS", "word in capitals"),
        # reproach
        ("Vous n'avez pas répondu à mon message.", "Vous n'avez pas", "reproach"),
        ("Vous ne m'avez toujours pas répondu.", "Vous ne m'avez toujours pas", "reproach"),
        ("You never answered my e-mail.", "You never", "reproach"),
        ("You haven't replied yet.", "You haven't", "reproach"),
        # demands of a date
        ("Merci de me répondre dès que possible.", "dès que possible", "demands a date"),
        ("Merci de me répondre d'ici vendredi.", "d'ici", "demands a date"),
        ("J'attends un retour au plus vite.", "au plus vite", "demands a date"),
        ("C'est urgent.", "C'est urgent", "demands a date"),
        ("Please reply by Friday.", "by Friday", "demands a date"),
        ("Please let me know by 12 March.", "by 12", "demands a date"),
        ("I look forward to a quick reply.", "quick reply", "demands a date"),
    ],
)
def test_pushy_phrasing_is_flagged_on_its_line(line: str, words: str, problem: str) -> None:
    top = FR_TOP if detect_language(line) == "fr" else EN_TOP
    findings = check(f"{top}{line}\n")
    assert [f.line for f in findings] == [4], findings
    (finding,) = findings
    assert finding.text == words
    assert problem in finding.problem
    assert finding.suggestion and words not in finding.suggestion


def test_suggestions_are_in_the_text_language() -> None:
    (fr,) = check(f"{FR_TOP}Je n'ai toujours pas de nouvelles.")
    (en,) = check(f"{EN_TOP}I still haven't heard back.")
    assert "Pourriez-vous" in fr.suggestion
    assert "Could you" in en.suggestion
    (forced,) = check(f"{FR_TOP}Je n'ai toujours pas de nouvelles.", "en")
    assert "Could you" in forced.suggestion


@pytest.mark.parametrize("acronym", ["PME", "ETI", "SME", "CV", "RH", "HR", "IT"])
def test_short_acronyms_are_not_shouting(acronym: str) -> None:
    assert check(f"{FR_TOP}Mon CV et mon expérience en {acronym} vous intéressent.") == []


def test_missing_thanks_and_missing_reference() -> None:
    problems = {f.problem: f for f in check("Bonjour,\n\nOù en est le processus ?\n")}
    assert set(problems) == {"no thank-you", "names neither the position nor the company"}
    assert all(f.line == 0 and f.suggestion for f in problems.values())
    assert "remercie" in problems["no thank-you"].suggestion


def test_a_template_placeholder_counts_as_a_reference() -> None:
    assert check("Subject: Hello\n\nThank you for our talk about {the_position}.") == []
    assert check("Subject: Hello\n\nThank you, and best wishes to {company}.") == []


def test_a_long_body_is_flagged_where_it_goes_over() -> None:
    sentence = "Merci pour cet entretien concernant le poste chez vous."  # 9 words
    within = "\n".join([sentence] * (MAX_WORDS // 9))
    assert check(f"Subject: un objet qui ne compte pas\n\n{within}") == []
    findings = check(f"Subject: Objet\n\n{within}\nUn mot de plus.")
    assert [(f.line, f.problem) for f in findings] == [
        (MAX_WORDS // 9 + 3, f"body is {MAX_WORDS + 4} words (more than {MAX_WORDS})")
    ]


def test_a_courteous_message_has_no_finding() -> None:
    text = (
        "Bonjour Marie Dupont,\n\nJ'ai eu plaisir à échanger avec vous concernant le poste "
        "de Développeuse Python chez Acme.\nPourriez-vous m'indiquer où en est le processus "
        "de recrutement ? Je suis disponible immédiatement.\n\nJe vous remercie pour votre "
        "temps.\n\nBien cordialement,\nCamille Martin"
    )
    assert check(text) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour, je vous remercie pour notre entretien.", "fr"),
        ("Dear Marie, thank you for the interview.", "en"),
        ("Réponse", "fr"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "line",
    [
        # recalling the recruiter's own date is a fact, not a demand
        "Vous m'aviez indiqué un retour d'ici le 15 décembre ; je me permets de revenir vers vous.",
        "You mentioned that you expected to get back to me by Friday, so I am writing.",
        # acronyms are not shouting
        "Nos échanges sur l'API REST et le format JSON ont retenu toute mon attention.",
        # thanking for a quick answer is praise
        "Merci pour votre réponse rapide.",
    ],
)
def test_no_false_alarm(line: str) -> None:
    top = FR_TOP if detect_language(line) == "fr" else EN_TOP
    assert check(f"{top}{line}\n") == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Vous m'aviez pourtant promis une réponse.", "reproach"),
        ("J'ai d'autres propositions.", "pressure or ultimatum"),
        ("Sinon, je considérerai que le poste ne m'intéresse plus.", "pressure or ultimatum"),
        ("Why is this taking so long?", "impatient phrase"),
    ],
)
def test_no_miss(line: str, problem: str) -> None:
    top = FR_TOP if detect_language(line) == "fr" else EN_TOP
    assert problem in [f.problem for f in check(f"{top}{line}\n")]


def test_an_imperative_merci_is_not_a_thank_you() -> None:
    findings = check("Bonjour,\nMerci de me répondre RAPIDEMENT au sujet du poste.\n")
    problems = [f.problem for f in findings]
    assert "no thank-you" in problems
    assert "demands a date or speed" in problems  # RAPIDEMENT, within "répondre rapidement"
    assert check("Bonjour,\nMerci de m'avoir reçu pour le poste.\n") == []


def test_short_english_gets_english_advice() -> None:
    assert detect_language("Hello, any news???") == "en"
    findings = check("Hello, any news???")
    assert findings and all("«" not in f.suggestion for f in findings)
    assert "“" in findings[0].suggestion or "single" in findings[0].suggestion
