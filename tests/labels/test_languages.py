"""A label in the patient's language, with English as well; in large print; and names
in right-to-left scripts, read back from the PDF as a patient would read them."""

import unicodedata

import pytest

from label_templates import HERE, TemplateError, load_layout
from pharmacy.domain.labeling import OPIOID_WARNING, label_fields
from pharmacy.domain.prescription import PATIENT_LANGUAGES, print_language
from pharmacy.labels import LabelDoesNotFit, render_labels
from pharmacy.labels.i18n import catalog_path, translator
from pharmacy.labels.patient_papers import card_fields, sheet_fields, sheet_rows
from tests.support.labels import capsules, liquid, titration
from tests.support.pdf import flat, page_texts, pages

SPANISH_WARNING = (
    "NO TOME CON MEDICAMENTOS OPIOIDES PARA EL DOLOR, LA TOS O LA DIARREA. No le harán "
    "efecto y pueden causar abstinencia repentina. Informe a todos sus médicos y dentistas "
    "que toma naltrexona."
)


def _text(pdf: bytes) -> str:
    [text] = page_texts(pdf)
    return text


def test_a_spanish_label_has_the_spanish_directions_and_warning_then_the_english_warning():
    text = _text(render_labels(capsules(language="es"), "thermal-4x3"))
    spanish = "Tome 1 cápsula (1.5 mg) por vía oral a la hora de acostarse"
    assert spanish in text
    assert SPANISH_WARNING in text
    assert flat(OPIOID_WARNING) in text
    assert text.index(spanish) < text.index(SPANISH_WARNING) < text.index(flat(OPIOID_WARNING))
    assert "Take 1 capsule (1.5 mg) by mouth at bedtime" in text  # the English copy


def test_a_spanish_titration_prints_a_line_per_step_with_dates_of_the_course():
    text = _text(render_labels(titration(language="es"), "thermal-4x6"))
    for line in (
        "Días 1-14: 1 cápsula (1.5 mg) por vía oral a la hora de acostarse",
        "Días 15-28: 2 cápsulas (3 mg) por vía oral a la hora de acostarse",
        "Días 29-42: 3 cápsulas (4.5 mg) por vía oral a la hora de acostarse",
        "Days 29-42: 3 capsules (4.5 mg) by mouth at bedtime",
    ):
        assert line in text


def test_a_spanish_liquid_label_translates_its_auxiliary_line_and_keeps_the_english():
    facts = liquid(language="es", times_per_day=2)
    text = _text(render_labels(facts, "thermal-4x3"))
    assert "Tome 4.5 mL (4.5 mg) por vía oral dos veces al día" in text
    assert "Agite bien antes de cada dosis." in text
    assert "Shake well before each dose." in text


def test_the_warnings_keep_8_pt_and_the_directions_11_pt_in_spanish():
    [page] = pages(render_labels(titration(language="es"), "thermal-4x6"))
    lines = dict(page.lines())
    warning = [g for text, glyphs in lines.items() if "OPIOID" in text for g in glyphs]
    directions = [g for text, glyphs in lines.items() if text.startswith("Días") for g in glyphs]
    assert warning and min(g.size for g in warning) >= 8
    assert directions and min(g.size for g in directions) >= 11


def test_a_spanish_label_too_long_for_4_by_2_is_refused_naming_a_stock_it_fits():
    with pytest.raises(LabelDoesNotFit, match=r"thermal-4x3"):
        render_labels(capsules(language="es"), "thermal-4x2")


def test_an_english_label_is_unchanged_by_the_english_copy_blocks():
    fields = label_fields(capsules())
    assert fields["warning"] == (OPIOID_WARNING,)
    assert fields["directions_english"] == fields["auxiliary_english"] == ()


@pytest.mark.parametrize(("sent", "printed"), [("es", "es"), ("es-MX", "es"), (None, "en")])
def test_a_language_tag_prints_its_catalog(sent, printed):
    assert print_language(sent) == printed


def test_every_supported_language_but_english_has_a_reviewed_catalog():
    for language in PATIENT_LANGUAGES:
        if language != "en":
            assert catalog_path(language).is_file()
            assert translator(language).gettext(OPIOID_WARNING) != OPIOID_WARNING


# --- large print ------------------------------------------------------------------------


def test_a_large_print_label_sets_critical_text_in_18_pt_or_larger():
    pdf = render_labels(titration(), "thermal-4x6", "label-large-print")
    text = _text(pdf)
    assert "Days 1-14: 1 capsule (1.5 mg) by mouth at bedtime" in text
    assert flat(OPIOID_WARNING) in text
    [page] = pages(pdf)
    for start in ("José", "Naltrexone HCl", "Days 1-14"):
        [glyphs] = [g for text, g in page.lines() if text.startswith(start)]
        assert min(g.size for g in glyphs) >= 18, start


def test_a_large_print_layout_may_not_shrink_critical_text_below_18_pt(tmp_path):
    source = HERE / "label-large-print.toml"
    (tmp_path / "small.toml").write_text(
        source.read_text().replace("size = 22\nmin_size = 18", "size = 22\nmin_size = 14")
    )
    with pytest.raises(TemplateError, match="below 18 pt"):
        load_layout("small", tmp_path)


def test_a_spanish_label_in_large_print_reads_back():
    text = _text(render_labels(capsules(language="es"), "thermal-4x6", "label-large-print"))
    assert "Tome 1 cápsula (1.5 mg) por vía oral a la hora de acostarse" in text
    assert SPANISH_WARNING in text and flat(OPIOID_WARNING) in text


# --- right-to-left names ------------------------------------------------------------------


def _name_line(pdf: bytes) -> str:
    [page] = pages(pdf)
    return next(text for text, _ in page.lines() if not text.isascii())


def _logical(visual: str) -> str:
    """A right-to-left line read back: joined letters to their plain form, then reversed
    from the order drawn to the order read."""
    return unicodedata.normalize("NFKC", visual)[::-1]


@pytest.mark.parametrize(
    "name",
    ["ليلى حداد", "דוד כהן"],
    ids=["arabic", "hebrew"],
)
def test_a_right_to_left_name_prints_in_visual_order(name):
    drawn = _name_line(render_labels(capsules(patient_name=name)))
    assert _logical(drawn) == name


def test_arabic_letters_are_printed_joined():
    drawn = _name_line(render_labels(capsules(patient_name="ليلى حداد")))
    # Joined letters are their contextual forms (Arabic Presentation Forms-B), not the
    # isolated letters of the name as stored.
    assert any("\ufe70" <= char <= "\ufeff" for char in drawn)
    assert not any("\u0600" <= char <= "\u06ff" for char in drawn)


# --- the catalog -----------------------------------------------------------------------


class _Recording:
    """The Spanish catalog, noting every message it leaves in English."""

    SAME_IN_SPANISH = frozenset({"{volume} mL ({dose} mg)"})

    def __init__(self) -> None:
        self.catalog = translator("es")
        self.untranslated: set[str] = set()

    def gettext(self, message: str) -> str:
        found = self.catalog.gettext(message)
        if found == message and message not in self.SAME_IN_SPANISH:
            self.untranslated.add(message)
        return found

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self.catalog.ngettext(singular, plural, n)
        if found in (singular, plural):
            self.untranslated.add(singular)
        return found


def test_the_spanish_catalog_has_every_message_a_patient_is_given():
    recording = _Recording()
    for facts in (
        titration(language="es"),
        capsules(language="es", steps=titration().steps[:1]),
        *(liquid(language="es", times_per_day=times) for times in (1, 2, 3, 4)),
    ):
        label_fields(facts, recording)
        sheet_fields(facts, recording)
        sheet_rows(facts, recording)
        card_fields(facts, recording)
    assert recording.untranslated == set()
