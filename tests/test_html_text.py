"""Descriptions written in HTML (Google Calendar's web app, Outlook) read as text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from relance_cal.text import html_to_text


def test_google_web_description() -> None:
    html = (
        "Bonjour Emma Roux &lt;emma.roux@qonto.com&gt;<br>Poste : <b>Data Analyst</b><br>"
        "Réponse : sous 2 semaines<br><br>Points : <ul><li>dbt</li><li>Airflow &amp; co</li></ul>"
    )
    assert html_to_text(html) == (
        "Bonjour Emma Roux <emma.roux@qonto.com>\nPoste : Data Analyst\n"
        "Réponse : sous 2 semaines\n\nPoints :\n\n- dbt\n- Airflow & co"
    )


def test_a_link_keeps_its_text_and_its_mail_address() -> None:
    assert html_to_text('<p>Contact : <a href="mailto:jo@canva.com">Jo Smith</a></p>') == (
        "Contact : Jo Smith <jo@canva.com>"
    )
    assert html_to_text('Contact : <a href="mailto:jo@canva.com">jo@canva.com</a><br>') == (
        "Contact : jo@canva.com"
    )
    assert html_to_text('Visio : <a href="https://meet.google.com/x">rejoindre</a><br>') == (
        "Visio : rejoindre"
    )


def test_outlook_html_without_its_head_nor_comments() -> None:
    html = (
        "<html><head><style><!-- p.MsoNormal {margin:0cm;} --></style></head><body>"
        "<p class=MsoNormal>R&eacute;ponse&nbsp;: sous 1 semaine<o:p></o:p></p></body></html>"
    )
    assert html_to_text(html) == "Réponse : sous 1 semaine"


def test_text_that_is_not_html_is_left_as_it_is() -> None:
    text = "Recruteuse : Marie Dupont <marie.dupont@acme.fr>\nPoints : a < b ; R&D"
    assert html_to_text(text) == text


@given(st.text(alphabet="<>/&;abrlip =\"'\n-!", max_size=60))
def test_no_markup_survives(text: str) -> None:
    out = html_to_text("<br>" + text)
    assert "<br" not in out.lower() and "&lt;" not in out
