"""Courtesy check of a draft or a template: pushy phrasing, no thanks, no reference, too long.

Problems are described in English (the tool's language); suggestions, being wording to
paste, are in the text's own language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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
    recalled: bool  # not a finding in a sentence recalling the recruiter's words


def _rule(patterns: str, problem: str, fr: str, en: str, *, recalled: bool = False) -> _Rule:
    return _Rule(re.compile(rf"\b(?:{patterns})\b"), problem, {"fr": fr, "en": en}, recalled)


_ASK_NEWS = {
    "fr": "« Pourriez-vous m'indiquer où en est le processus de recrutement ? »",
    "en": "“Could you let me know where the recruitment process stands?”",
}
_RULES = (
    _rule(
        r"toujours pas|sans (?:aucune )?reponse de votre part|(?:pas eu|aucune|sans) (?:de )?"
        r"nouvelles?|j'attends (?:toujours|encore|votre reponse|une reponse|depuis)"
        r"|(?:ca|cela) fait (?:deja |maintenant )?(?:plus d'une?|plus de|\w+)"
        r" (?:jours?|semaines?|mois)"
        r"|pourquoi (?:est-ce|c'est|cela|ca) (?:si|aussi|tellement) long|prend (?:autant|tant) de"
        r" temps|still (?:haven't|have not|not) heard|still waiting|(?:haven't|have not) heard back"
        r"|no (?:reply|response|answer|news) from you|(?:why is|what is) (?:this|it) taking"
        r"|taking (?:so|this) long|it's been (?:over |more than )?(?:a|\w+) weeks?"
        r"|been waiting (?:for )?(?:over|more than|weeks|days)"
        r"|aucun(?:e)? (?:retour|reponse|nouvelle)s? depuis|(?:c'est|ca commence a etre|"
        r"devient) (?:un peu |bien |trop )?long|(?:ce qui )?m'etonne|je suis (?:tres )?surprise?"
        r"|(?:\w+|\d+) (?:semaines?|jours?) sans|(?:\w+|\d+) (?:weeks?|days?) and no"
        r"|still no (?:news|word|reply|answer|update|response|feedback)|no word (?:from|about)"
        r"|(?:haven't|have not|hasn't|have yet to) (?:received|gotten|got) (?:any|a)"
        r"|(?:i'm|i am) (?:quite |rather |a bit )?surprised|toujours rien|still (?:have )?nothing"
        r"|(?:m')?impatien\w*",
        "impatient phrase",
        _ASK_NEWS["fr"],
        _ASK_NEWS["en"],
    ),
    _rule(
        r"je me permets d'insister|(?:je vous )?relance a nouveau|je vous relance|j'insiste"
        r"|i insist|follow(?:ing)? up again|once again|une fois de plus|encore une fois"
        r"|mon (?:deuxieme|second|troisieme|quatrieme|\w+eme|\d+e) (?:message|mail|e-mail"
        r"|courriel|relance)|je vous rappelle que|(?:second|third|fourth|\d+(?:st|nd|rd|th))"
        r" (?:email|e-mail|message|follow-up|mail)|bump(?:ing)?|circling back again"
        r"|again regarding|(?:re)?relance(?:r)? encore|une nouvelle fois|une enieme fois"
        r"|yet again|one more time",
        "insists",
        "« Je reviens vers vous au sujet de ma candidature. »",
        "“I am getting back to you about my application.”",
    ),
    _rule(
        r"vous n'avez (?:toujours |jamais )?pas|vous ne m'avez (?:toujours |jamais )?pas"
        r"|vous n'avez jamais|vous auriez du|vous deviez|vous m'aviez (?:\w+ )?promis"
        r"|vous (?:m')?aviez pourtant|pourtant (?:promis|annonce|dit|indique)"
        r"|vous aviez (?:\w+ )?promis|(?:je trouve |c'est )?dommage de ne pas"
        r"|ne pas avoir ete (?:tenue? )?informee?|sans m'avoir (?:tenue? )?informee?"
        r"|i was (?:told|promised|assured) (?:i'd|i would|that i|an?|you)"
        r"|i was supposed to hear|aurait ete (?:apprecie|bien|agreable|utile|plus simple|correct)"
        r"|would have been (?:appreciated|nice|helpful|good|polite)"
        r"|je ne comprends pas pourquoi|i (?:don't|do not) understand why"
        r"|personne ne m'a|(?:nobody|no one|no-one) (?:has|had|ever)"
        r"|you never|you (?:still )?(?:haven't|have not|didn't|did not)|you should have"
        r"|you (?:had )?promised|you were supposed to|you failed to|you said you would",
        "reproach",
        "« Je souhaitais savoir où en est le processus de recrutement. »",
        "“I would like to know where the recruitment process stands.”",
    ),
    _rule(
        r"j'ai (?:recu )?d'autres (?:propositions|offres|pistes|opportunites|entretiens)"
        r"|d'autres entreprises (?:m'attendent|attendent)|je considererai(?:s)? que"
        r"|faute de (?:reponse|retour)|passe ce delai|sinon,? je|je devrai(?:s)? (?:accepter|"
        r"me tourner)|(?:i have|i've got|i've received) other offers|other offers on the table"
        r"|i (?:will|'ll|shall) (?:assume|take it)|otherwise,? i (?:will|'ll)"
        r"|if i don't hear (?:back )?(?:from you )?by"
        r"|(?:donner|rendre) ma reponse a une autre|une autre (?:offre|proposition|entreprise)"
        r" (?:m'attend|attend)|give (?:another|a different) (?:company|employer|firm)"
        r"|(?:une autre|d'autres) (?:societe|entreprise|boite)s? m'(?:a|ont) fait"
        r"|another (?:company|employer|firm) (?:has )?(?:made|offered|given)"
        r"|(?:i have|i've got|i've received) (?:an|another) offer|je retirerai"
        r"|withdraw my application|unless i hear"
        r"|(?:another|a competing) offer (?:expires|is waiting|on the table)",
        "pressure or ultimatum",
        "« Ce poste m'intéresse toujours beaucoup ; j'espère avoir de vos nouvelles. »",
        "“I remain very interested in the role and hope to hear from you.”",
    ),
    _rule(
        r"as soon as possible|asap|des que possible|au plus vite|dans les (?:plus )?brefs delais"
        r"|sans delai|(?:c'est|il est|this is|it is|it's) (?:tres |very |vraiment |really )?"
        r"urgent|de toute urgence|urgently|d'ici|au plus tard|no later than"
        r"|avant (?:le \d+|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|demain|ce soir"
        r"|la fin)"
        r"|by (?:the )?(?:\d+|monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
        r"|today|tonight|end of|eod|next week|this week)"
        r"|(?:repondre|reponse|retour|revenir vers moi) (?:tres )?rapide(?:ment)?"
        r"|(?:quick|prompt|speedy|fast) (?:reply|response|answer)"
        r"|(?:reply|respond|answer) (?:quickly|promptly)"
        r"|dans les \d+ ?(?:h|heures|jours)|sous \d+ ?(?:h|heures)|within \d+ (?:hours|days)"
        r"|within (?:the next )?(?:24|48|72) hours|(?:reponse|decision) definitive"
        r"|aujourd'hui meme|dans la journee|(?:call|reply to|answer|respond to|phone) me today"
        r"|j'ai besoin d'(?:une|un|votre) (?:reponse|decision|retour)"
        r"|(?:i|we) need (?:an answer|a response|a reply|a decision|your answer|your decision)"
        r"|(?:decision|nouvelles|reponse|retour)\b[^.?!]{0,40}\brapidement"
        r"|before (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow"
        r"|tonight|the end of)",
        "demands a date or speed",
        "« Pourriez-vous m'indiquer quand vous pensez revenir vers moi ? »",
        "“Could you let me know when you expect to get back to me?”",
        recalled=True,
    ),
)
# A date or a delay in a sentence that recalls the recruiter's own words is a fact, not a
# demand: "Vous m'aviez indiqué un retour d'ici le 15 décembre"; so is a thank-you for a
# quick answer.
_RECALL = re.compile(
    r"\b(?:vous m'aviez|vous aviez|vous m'avez|comme vous me l'aviez|comme vous l'aviez"
    r"|you (?:had )?(?:mentioned|said|told me|indicated|expected)|as you (?:mentioned|said)"
    r"|you were expecting|you expected"
    # thanking for a quick answer is praise, not a demand
    r"|merci (?:pour|de) (?:votre|cette|ta|la)|remercie\w* (?:pour|de) (?:votre|cette|la)"
    r"|thanks? (?:you )?for (?:your|the|such|this|that|so|a))\b"
    r"(?![^.;!?]*\b(?:pourtant|promis|promised)\b)"
    r"[^.;!?]*$"
)
_REPEATED_MARKS = re.compile(r"[!?](?:\s*[!?])+")
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SHOUT_MIN_LETTERS = 4  # shorter capitals are acronyms: PME, ETI, SME, CV, RH, HR, IT
_WHOLE_TEXT = (
    (
        re.compile(r"\b(?:merci|remerci\w*|thank\w*|grateful|gratitude)\b"),
        "no thank-you",
        {
            "fr": "« Je vous remercie de l'attention portée à ma candidature. »",
            "en": "“Thank you for your time and consideration.”",
        },
    ),
    (
        re.compile(
            r"\{(?:the_position|application|job|company)\}"
            r"|\b(?:postes?|entreprises?|societes?|company|position|role|job|service|equipe"
            r"|team|candidature|application|offre|offer|missions?)\b"
        ),
        "names neither the position nor the company",
        {
            "fr": "« mon intérêt pour ce poste et mon envie de rejoindre votre entreprise »",
            "en": "“my interest in the role and in your company”",
        },
    ),
)
# "Merci de me répondre rapidement" asks for something: it is not a thank-you.
_MERCI_DE_FAIRE = re.compile(
    r"\b(?:merci|je vous remercie) (?:de |d')(?:bien vouloir |me |m'|nous |)"
    r"(?!avoir\b|m'avoir\b|avance\b|votre\b|vos\b|ce\b|cet\b|cette\b|l'|la\b|le\b|les\b"
    r"|ces\b|notre\b|nos\b|tout\b|toute\b|prendre le temps\b)[a-z]+(?:er|re|ir)\b"
)
# Capitals that are names of things, not shouting (shorter ones, and those without a vowel
# such as HTML or RGPD, are taken for acronyms anyway).
_ACRONYMS = frozenset({
    "REST", "JSON", "YAML", "SCRUM", "SAFE", "AGILE", "COBOL", "JAVA", "LEAN", "UNIX", "LINUX",
    "ASIC", "FPGA", "SAAS", "PAAS", "IAAS", "DATA", "BTOB", "BTOC", "OKR", "OKRS", "KPIS",
    "ESSEC", "EDHEC", "INSEAD", "INSA", "EPITA", "EPITECH", "CNAM", "URSSAF", "ONISEP", "UNEDIC",
    "AFPA", "APEC", "MEDEF", "CAC", "NASA", "NATO", "OTAN", "UNESCO", "UEFA", "FIFA", "IKEA",
    "LVMH", "AXA", "SAFRAN", "THALES", "ORANGE", "ADEO", "NODE", "AJAX", "OAUTH", "SOAP",
    "GRAPHQL", "NOSQL", "MYSQL", "AWS", "GCP", "IOT", "ITIL", "TOGAF", "PMP", "PRINCE",
    "COVID", "BAC", "LICENCE", "MASTER", "MBA", "DUT", "BTS", "CDI", "CDD", "VIE",
})  # fmt: skip
_SHOUTED_SHORT = frozenset({
    "VITE", "MERCI", "VERY", "REPLY", "TODAY", "SOON", "FAST", "MUST", "HELP", "NEWS", "RIEN",
    "TOUT", "PLUS", "ENFIN", "STILL", "NEED", "AIDE", "JUSTE", "URGE", "VOUS",
    "WHEN", "ALORS", "ASAP", "NEVER", "EVER", "ONLY", "SEUL", "MUCH",
})  # fmt: skip
_SUBJECT_LINE = re.compile(r"(?:subject|objet)\s*:", re.IGNORECASE)
_FR_WORDS = frozenset({
    "je", "vous", "nous", "le", "la", "les", "des", "du", "de", "et", "pour", "votre", "vos",
    "merci", "bonjour", "est", "une", "au", "avec", "sur", "ce", "cet", "mon", "ma", "mes", "en",
    "qui", "que", "nouvelles", "pourquoi", "toujours", "pas", "ne", "me", "ai", "suis", "madame",
    "monsieur", "cordialement", "poste", "reponse", "salut", "bonsoir",
})  # fmt: skip
_EN_WORDS = frozenset({
    "i", "you", "we", "the", "and", "for", "your", "thank", "thanks", "dear", "is", "a", "an",
    "of", "to", "with", "on", "this", "my", "in", "at", "be", "hello", "hi", "any", "news",
    "please", "regards", "why", "so", "what", "still", "have", "not", "me", "it", "when",
    "would", "could", "can", "will", "update", "best", "sincerely", "looking", "forward",
    "hear", "from", "about", "taking", "long",
})  # fmt: skip


def check(text: str, language: str | None = None) -> list[Finding]:
    """Findings on `text` (a draft, or a template with its `Subject:` line), in line order."""
    language = language or detect_language(text)
    lines = text.splitlines()
    findings: list[Finding] = []
    for number, line in enumerate(lines, start=1):
        findings += _line_findings(number, line, language)
    folded = _MERCI_DE_FAIRE.sub("", _fold(text))
    for pattern, problem, suggestion in _WHOLE_TEXT:
        if not pattern.search(folded):
            findings.append(Finding(0, "", problem, suggestion[language]))
    findings += _length_findings(lines, language)
    return findings


def detect_language(text: str) -> str:
    """`fr` or `en`, from the most common short words (and accents); a text with no clue
    either way is taken for English unless it has French accents."""
    words = _WORD.findall(_fold(text))
    accents = sum(c in "éèêàçùâîôûœ" for c in text.lower())
    french = sum(w in _FR_WORDS for w in words) + accents
    english = sum(w in _EN_WORDS for w in words)
    return "en" if english > french or (english == french and not accents) else "fr"


def _line_findings(number: int, line: str, language: str) -> list[Finding]:
    spans: list[tuple[int, int, str, str]] = []  # start, end, problem, suggestion
    folded = _fold(line)
    for rule in _RULES:
        spans += [
            (m.start(), m.end(), rule.problem, rule.suggestion[language])
            for m in rule.pattern.finditer(folded)
            if not (rule.recalled and _RECALL.search(folded, 0, m.start()))
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
        if _shouted(word):
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


def _shouted(word: str) -> bool:
    """A word in capitals that is not an acronym: RAPIDEMENT, URGENT, TRÈS. Up to five
    letters a word in capitals is taken for an acronym (JIRA, REST, SCRUM) unless it is a
    word people shout or carries an accent."""
    if len(word) < _SHOUT_MIN_LETTERS or not word.isupper() or word in _ACRONYMS:
        return False
    if len(word) <= 5 and word not in _SHOUTED_SHORT and _fold(word).upper() == word:
        return False
    return any(c in "AEIOUY" for c in _fold(word).upper())


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


def _fold(text: str) -> str:
    """Lower case without accents, straight apostrophes; same length as `text`."""
    return "".join(
        unicodedata.normalize("NFD", c)[0].lower()[0] if c != "\u2019" else "'" for c in text
    )
