"""The patient's language: the reviewed message catalogs of pharmacy/translations.

Each language is a gettext catalog, `pharmacy/translations/<lang>/LC_MESSAGES/messages.po`,
whose message ids are the English wording (`pharmacy.domain.labeling` and the patient
papers). It is read with Babel once per process, and only its reviewed entries count: a
fuzzy or empty one prints the English, as does a string the catalog lacks, so a label is
never left without its text.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from pharmacy.domain.labeling import ENGLISH, Translator
from pharmacy.domain.prescription import PATIENT_LANGUAGES

CATALOGS = Path(__file__).resolve().parent.parent / "translations"


def catalog_path(language: str) -> Path:
    return CATALOGS / language / "LC_MESSAGES" / "messages.po"


@cache
def translator(language: str) -> Translator:
    """gettext and ngettext in `language` (a key of PATIENT_LANGUAGES)."""
    if language not in PATIENT_LANGUAGES:
        raise ValueError(f"no catalog for {language!r}: the pharmacy prints in {PATIENT_LANGUAGES}")
    if language == "en":
        return ENGLISH
    # Babel is imported here and below, not with the module: its locale data weighs some
    # 10 MB, which the workers (that print nothing) need not carry.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    with catalog_path(language).open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)  # reviewed entries only
    compiled.seek(0)
    return Translations(compiled, domain="messages")


def date_text(day: date, language: str) -> str:
    """Nov 21, 2026 in English; 21 nov 2026 in Spanish."""
    from babel.dates import format_date

    return _plain_spaces(format_date(day, "medium", locale=language))


def dates_text(start: date, end: date, language: str) -> str:
    """Nov 21 – Dec 4, 2026 in English; 21 nov – 4 dic 2026 in Spanish; one day as
    `date_text`."""
    if start == end:
        return date_text(start, language)
    from babel.dates import format_interval

    return _plain_spaces(format_interval(start, end, "yMMMd", locale=language))


def _plain_spaces(text: str) -> str:
    # CLDR puts thin spaces around the dash; the labels' Helvetica has only the plain one.
    return text.replace("\u2009", " ").replace("\u202f", " ")
