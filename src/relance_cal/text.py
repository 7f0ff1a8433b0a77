"""Text as people type it: the one folding used for every comparison, and HTML made plain.

Both run in linear time on any input: calendar text is not trusted.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Control characters, C1 ones and the Unicode line and paragraph separators: a single-line
# value (a title, a header) never carries them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` on one line: control characters and line breaks as spaces, spaces collapsed."""
    return " ".join(_CONTROL.sub(" ", text).split())


# Apostrophes and their look-alikes, typed by phones and word processors.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u2032\u00b4\u0060", "'"))


def fold(text: str) -> str:
    """What matching compares: lower case, no accents, plain apostrophes, single spaces.

    `fold("Entretien  d\u2019Embauche ")` is `"entretien d'embauche"`.
    """
    return " ".join(_bare(text).split())


def _bare(text: str) -> str:
    if text.isascii():  # nothing to decompose: the common case, many times faster
        return text.replace("`", "'").lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold_with_origin(text: str) -> tuple[str, list[int]]:
    """`fold(text)`, and for each of its characters the index in `text` it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in _bare(char):  # folding works character by character
            if part.isspace():
                if not folded or folded[-1] == " ":
                    continue
                part = " "
            folded.append(part)
            origin.append(index)
    if folded and folded[-1] == " ":
        folded.pop()
        origin.pop()
    return "".join(folded), origin


# --- HTML ------------------------------------------------------------------------------------

# What says a description is HTML (Google Calendar's web app, Outlook's X-ALT-DESC), not text
# that happens to hold a `<` ("Marie <marie@acme.fr>").
_HTML_SIGN = re.compile(
    r"<(?:/?(?:br|p|div|span|b|i|u|a|ul|ol|li|strong|em|font|table|tr|td|h[1-6]|html|body"
    r"|head|meta|style|o:p)(?=[\s/>])[^<>]{0,2000}>)|&(?:lt|gt|amp|nbsp|quot|apos|#\d{1,6}|#x[0-9a-f]{1,6});",
    re.IGNORECASE,
)
# A tag, never crossing another `<`: each character is looked at a bounded number of times.
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]{0,30})(?=[\s/>])([^<>]*)>")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_MAILTO = re.compile(r"^mailto:([^?\s]+)", re.IGNORECASE)
_LINE_TAGS = frozenset({"br", "p", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol"})
_HIDDEN_TAGS = frozenset({"style", "script", "head", "title"})


def looks_like_html(text: str) -> bool:
    return _HTML_SIGN.search(text) is not None


def html_to_text(text: str) -> str:
    """A description as plain text: line breaks and list items are lines, entities decoded,
    tags dropped; a link keeps its text, and its address when that is an e-mail address.

    Text that is not HTML is returned as it is.
    """
    if not looks_like_html(text):
        return text
    text = _without_comments(text)
    # In HTML a line break in the source is a space, unless nothing else makes lines.
    if re.search(r"<(?:br|p|div|li)(?=[\s/>])", text, re.IGNORECASE):
        text = text.replace("\r", "").replace("\n", " ")
    out: list[str] = []
    hidden = 0
    mail: str | None = None  # the address of the link being read
    link_start = 0
    position = 0
    for tag in _TAG.finditer(text):
        if not hidden:
            out.append(html.unescape(text[position : tag.start()]))
        position = tag.end()
        closing, name = tag[1] == "/", tag[2].lower()
        if name in _HIDDEN_TAGS:
            hidden = max(0, hidden + (-1 if closing else 1))
            continue
        if hidden:
            continue
        if name == "li" and not closing:
            out.append("\n- ")
        elif name in _LINE_TAGS:
            out.append("\n")
        elif name == "a" and not closing:
            href = _HREF.search(tag[3])
            address = _MAILTO.match(next(filter(None, href.groups()), "")) if href else None
            mail = html.unescape(address[1]) if address else None
            link_start = len(out)
        elif name == "a" and mail is not None:
            shown = "".join(out[link_start:])
            if mail.lower() not in shown.lower():
                out.append(f" <{mail}>")
            mail = None
    if not hidden:
        out.append(html.unescape(text[position:]))
    lines = ("".join(out).replace("\xa0", " ")).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip("\n")


def _without_comments(text: str) -> str:
    """HTML comments (Outlook's conditional ones) removed; an unclosed one runs to the end."""
    parts = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        parts.append(text[position:start])
        end = text.find("-->", start + 4)
        if end == -1:
            return "".join(parts)
        position = end + 3
    parts.append(text[position:])
    return "".join(parts)
