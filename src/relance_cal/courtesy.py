"""Courtesy check of a draft or a template: pushy phrasing, no thanks, no reference, too long.

Problems are described in English (the tool's language); suggestions, being wording to
paste, are in the text's own language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relance_cal.text import fold, fold_with_origin

MAX_WORDS = 180


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based; 0 for the text as a whole (something missing)
    text: str  # the words at fault, as written ("" when something is missing)
    problem: str
    suggestion: str  # a better wording, in the text's language


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]  # matched against the folded line (lower case, no accents)
    problem: str
    suggestion: dict[str, str]


def _rule(patterns: str, problem: str, fr: str, en: str) -> _Rule:
    return _Rule(re.compile(rf"\b(?:{patterns})\b"), problem, {"fr": fr, "en": en})


_ASK_NEWS = {
    "fr": "« Pourriez-vous m'indiquer où en est le processus de recrutement ? »",
    "en": "“Could you let me know where the recruitment process stands?”",
}
_RULES = (
    _rule(
        r"toujours pas|sans (?:aucune )?reponse de votre part|(?:pas eu|aucune|sans) (?:de )?"
        r"nouvelles?|j'attends (?:toujours|encore|votre reponse|une reponse)"
        r"|still (?:haven't|have not|not) heard|still waiting|(?:haven't|have not) heard back"
        r"|no (?:reply|response|answer|news) from you",
        "impatient phrase",
        _ASK_NEWS["fr"],
        _ASK_NEWS["en"],
    ),
    _rule(
        r"je me permets d'insister|(?:je vous )?relance a nouveau|je vous relance|j'insiste"
        r"|i insist|follow(?:ing)? up again",
        "insists",
        "« Je reviens vers vous au sujet de ma candidature. »",
        "“I am getting back to you about my application.”",
    ),
    _rule(
        r"vous n'avez (?:toujours |jamais )?pas|vous ne m'avez (?:toujours |jamais )?pas"
        r"|vous n'avez jamais|vous auriez du|vous deviez|vous m'aviez promis"
        r"|you never|you (?:still )?(?:haven't|have not|didn't|did not)|you should have"
        r"|you promised|you were supposed to|you failed to",
        "reproach",
        "« Je souhaitais savoir où en est le processus de recrutement. »",
        "“I would like to know where the recruitment process stands.”",
    ),
    _rule(
        r"as soon as possible|asap|des que possible|au plus vite|dans les (?:plus )?brefs delais"
        r"|sans delai|urgent(?:e|es|s|ly)?|urgence|d'ici|au plus tard|no later than"
        r"|avant (?:le \d|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|demain|ce soir"
        r"|la fin)"
        r"|by (?:the )?(?:\d+|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
        r"|today|tonight|end of|eod|next week|this week)"
        r"|(?:repondre|reponse|retour|revenir vers moi) (?:tres )?rapide(?:ment)?"
        r"|(?:quick|prompt|speedy|fast) (?:reply|response|answer)"
        r"|(?:reply|respond|answer) (?:quickly|promptly)",
        "demands a date or speed",
        "« Pourriez-vous m'indiquer quand vous pensez revenir vers moi ? »",
        "“Could you let me know when you expect to get back to me?”",
    ),
)
_REPEATED_MARKS = re.compile(r"[!?](?:\s*[!?])+")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SHOUT_MIN_LETTERS = 4  # shorter capitals are acronyms: PME, ETI, SME, CV, RH, HR, IT
_WHOLE_TEXT = (
    (
        re.compile(r"\b(?:merci|remerci\w*|thank\w*|grateful|gratitude)\b"),
        "no thank-you",
        {"fr": "« Je vous remercie pour votre temps. »", "en": "“Thank you for your time.”"},
    ),
    (
        re.compile(
            r"\{(?:the_position|company)\}"
            r"|\b(?:postes?|entreprises?|societes?|company|position|role|job)\b"
        ),
        "names neither the position nor the company",
        {
            "fr": "« mon intérêt pour ce poste et mon envie de rejoindre votre entreprise »",
            "en": "“my interest in this position and my wish to join your company”",
        },
    ),
)
_SUBJECT_LINE = re.compile(r"(?:subject|objet)\s*:", re.IGNORECASE)
_FR_WORDS = frozenset({
    "je", "vous", "nous", "le", "la", "les", "des", "du", "de", "et", "pour", "votre", "vos",
    "merci", "bonjour", "est", "une", "au", "avec", "sur", "ce", "cet", "mon", "ma", "mes", "en",
    "qui", "que",
})  # fmt: skip
_EN_WORDS = frozenset({
    "i", "you", "we", "the", "and", "for", "your", "thank", "thanks", "dear", "is", "a", "an",
    "of", "to", "with", "on", "this", "my", "in", "at", "be",
})  # fmt: skip


def check(text: str, language: str | None = None) -> list[Finding]:
    """Findings on `text` (a draft, or a template with its `Subject:` line), in line order."""
    language = language or detect_language(text)
    lines = text.splitlines()
    findings: list[Finding] = []
    for number, line in enumerate(lines, start=1):
        findings += _line_findings(number, line, language)
    folded = fold(text)
    for pattern, problem, suggestion in _WHOLE_TEXT:
        if not pattern.search(folded):
            findings.append(Finding(0, "", problem, suggestion[language]))
    findings += _length_findings(lines, language)
    return findings


def detect_language(text: str) -> str:
    """`fr` or `en`, from the most common short words (and accents)."""
    words = fold(text).split()
    french = sum(w in _FR_WORDS for w in words) + sum(c in "éèêàçù" for c in text.lower())
    english = sum(w in _EN_WORDS for w in words)
    return "en" if english > french else "fr"


def _line_findings(number: int, line: str, language: str) -> list[Finding]:
    spans: list[tuple[int, int, str, str]] = []  # start, end, problem, suggestion
    folded, origin = fold_with_origin(line)
    for rule in _RULES:
        spans += [
            (origin[m.start()], origin[m.end() - 1] + 1, rule.problem, rule.suggestion[language])
            for m in rule.pattern.finditer(folded)
            if m.end() > m.start()
        ]
    spans += [
        (
            m.start(),
            m.end(),
            "repeated punctuation",
            {"fr": "un seul « ? », ou un point", "en": "a single “?”, or a full stop"}[language],
        )
        for m in _REPEATED_MARKS.finditer(line)
    ]
    for m in _WORD.finditer(line):
        word = m.group()
        if len(word) >= _SHOUT_MIN_LETTERS and word.isupper():
            lower = word.lower()
            spans.append(
                (
                    m.start(),
                    m.end(),
                    "word in capitals (reads as shouting)",
                    {"fr": f"« {lower} »", "en": f"“{lower}”"}[language],
                )
            )
    # words already flagged as part of a longer phrase ("ASAP", "toujours pas") are not repeated
    kept = [
        s for s in spans if not any(o[0] <= s[0] and s[1] <= o[1] and o[:2] != s[:2] for o in spans)
    ]
    kept = list({s[:2]: s for s in reversed(kept)}.values())  # the first rule wins a tie
    return [
        Finding(number, line[start:end], problem, suggestion)
        for start, end, problem, suggestion in sorted(kept)
    ]


def _length_findings(lines: list[str], language: str) -> list[Finding]:
    start = 1 if lines and _SUBJECT_LINE.match(lines[0]) else 0
    count = 0
    over_at = 0
    for number, line in enumerate(lines[start:], start=start + 1):
        count += len(_WORD.findall(line))
        if count > MAX_WORDS and not over_at:
            over_at = number
    if not over_at:
        return []
    return [
        Finding(
            over_at,
            lines[over_at - 1].strip(),
            f"body is {count} words (more than {MAX_WORDS})",
            {
                "fr": f"l'essentiel en {MAX_WORDS} mots au plus : remerciement, motivation, "
                "une question",
                "en": f"the essentials in {MAX_WORDS} words at most: thanks, motivation, "
                "one question",
            }[language],
        )
    ]
