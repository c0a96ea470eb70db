"""Prescription labels read back from the PDF (domain §7): complete, inside, scannable."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest

from label_templates import Fonts, TemplateError, load_layout, load_stock
from pharmacy.domain.labeling import OPIOID_WARNING, LabelFacts, label_fields
from pharmacy.labels import LabelDoesNotFit, UnprintableText, render_labels
from tests.support.labels import (
    capsules,
    eight_step_titration,
    liquid,
    nth_fill,
    steps,
    titration,
    weekly_titration,
)
from tests.support.pdf import Box, Page, decode_barcodes, flat, page_texts, pages, squash

LABEL_STOCKS = ["thermal-4x2", "letter-sheet-2x4"]
ALL_LABEL_STOCKS = [*LABEL_STOCKS, "thermal-4x3"]
LONGEST_REFILL_LINE = "Refill 11 of 11 · No refills left"
LONG_NAME = "Maximiliana Alejandra Wolfeschlegelsteinhausen-Bergerdorffer"
QUIET_ZONE_BARS = 10
MIN_BAR_WIDTH = 0.25 * 72 / 25.4  # 0.25 mm, the narrowest bar a thermal printer renders well
CRITICAL_MIN = 11
BLOCKS = {block.name: block for block in load_layout("label").blocks}
SMALLEST = min(block.min_size for block in BLOCKS.values())


def label_boxes(stock_name: str, count: int) -> list[tuple[int, Box]]:
    """(page, printable box inside the safety margin) of each label, in fill order."""
    stock = load_stock(stock_name)
    boxes = []
    for index in range(count):
        x, y = stock.positions()[index % stock.per_page]
        m = stock.margin
        box = Box(x + m, y + m, x + stock.label_width - m, y + stock.label_height - m)
        boxes.append((index // stock.per_page, box))
    return boxes


def printed_words(facts: LabelFacts) -> list[str]:
    """Every line of every field, as the label must print it."""
    return [line for lines in label_fields(facts).values() for line in lines]


def assert_laid_out_cleanly(page: Page, box: Box) -> None:
    """Everything inside the label's printable box; no glyph, bar or quiet zone overlaps."""
    glyphs = [glyph for glyph in page.glyphs if box.overlaps(glyph.box, 0)]
    bars = [bar for bar in page.bars if box.overlaps(bar, 0)]
    assert glyphs and bars
    for glyph in glyphs:
        assert box.contains(glyph.box), f"{glyph.text!r} at {glyph.box} is outside {box}"
    for bar in bars:
        assert box.contains(bar), f"a bar at {bar} is outside {box}"
    for index, glyph in enumerate(glyphs):
        for other in glyphs[index + 1 :]:
            assert not glyph.box.overlaps(other.box), f"{glyph.text!r} overlaps {other.text!r}"
    narrowest = min(bar.x1 - bar.x0 for bar in bars)
    assert narrowest >= MIN_BAR_WIDTH - 0.01
    symbol = Box(
        min(bar.x0 for bar in bars),
        min(bar.y0 for bar in bars),
        max(bar.x1 for bar in bars),
        max(bar.y1 for bar in bars),
    )
    quiet = symbol.grown(QUIET_ZONE_BARS * narrowest - 0.01)
    assert box.contains(quiet), "the quiet zones reach outside the label"
    for glyph in glyphs:
        assert not quiet.overlaps(glyph.box), f"{glyph.text!r} is in the barcode's quiet zone"


def test_every_required_element_is_printed_and_the_warning_word_for_word():
    for facts in (capsules(), titration(), liquid()):
        (text,) = page_texts(render_labels(facts))
        for words in printed_words(facts):
            assert flat(words) in text
        assert OPIOID_WARNING in text
        for element in ("Rx ", "Qty: ", "Filled: ", "Use by: ", "Prescriber: ", "RPh: "):
            assert element in text
        assert "compounded by the pharmacy" in text


def test_a_titration_prints_one_line_per_step_in_order():
    (text,) = page_texts(render_labels(titration()))
    lines = [
        "Days 1-14: 1 capsule (1.5 mg) by mouth at bedtime",
        "Days 15-28: 2 capsules (3 mg) by mouth at bedtime",
        "Days 29-42: 3 capsules (4.5 mg) by mouth at bedtime",
    ]
    assert " ".join(lines) in text


@pytest.mark.parametrize("stock", LABEL_STOCKS)
@pytest.mark.parametrize(
    "make", [capsules, titration, liquid], ids=["fixed", "titration", "liquid"]
)
def test_the_label_stays_inside_its_box_and_nothing_overlaps(stock, make):
    pdf = render_labels(make(), stock)
    ((_, box),) = label_boxes(stock, 1)
    assert_laid_out_cleanly(pages(pdf)[0], box)


def test_the_warning_is_boxed_and_bold():
    (page,) = pages(render_labels(titration()))
    (frame,) = page.frames
    inside = [glyph for glyph in page.glyphs if frame.contains(glyph.box)]
    assert squash("".join(glyph.text for glyph in inside)) == squash(OPIOID_WARNING)
    assert all("Bold" in glyph.font for glyph in inside)
    outside = [glyph for glyph in page.glyphs if glyph not in inside]
    assert not any(frame.overlaps(glyph.box) for glyph in outside)


def critical_text(page: Page) -> tuple[str, list]:
    """Text printed at 11 pt or more, top to bottom, and its glyphs."""
    text, glyphs = [], []
    for line, row in page.lines():
        if all(glyph.size >= CRITICAL_MIN - 0.01 for glyph in row if glyph.text.strip()):
            text.append(line)
            glyphs += row
    return flat(" ".join(text)), glyphs


@pytest.mark.parametrize("stock", LABEL_STOCKS)
@pytest.mark.parametrize(
    "make", [capsules, titration, liquid], ids=["fixed", "titration", "liquid"]
)
def test_name_drug_and_directions_come_first_at_11_pt_or_more(stock, make):
    """USP <17>: critical text on top, emphasized, at least 11 pt sans-serif."""
    facts = make()
    page = pages(render_labels(facts, stock))[0]
    text, glyphs = critical_text(page)
    assert text == flat(" ".join([facts.patient_name, facts.drug, *facts.directions]))
    assert all(glyph.font.startswith("Helvetica") for glyph in glyphs)
    lines = page.lines()
    top = {line: row[0].box.y0 for line, row in lines}
    assert top[facts.patient_name] > top[facts.drug] > top[flat(facts.directions[0])]
    bold = [
        glyph for line, row in lines if line in (facts.patient_name, facts.drug) for glyph in row
    ]
    assert bold and all("Bold" in glyph.font for glyph in bold)
    assert all(glyph.size >= SMALLEST - 0.01 for glyph in page.glyphs)


def sizes(page: Page, text: str) -> set[float]:
    """The sizes the line starting with `text` is printed at."""
    return {
        round(glyph.size, 2) for line, row in page.lines() if line.startswith(text) for glyph in row
    }


def test_a_crowded_label_shrinks_but_never_below_the_minimums():
    roomy = pages(render_labels(capsules()))[0]
    crowded = pages(render_labels(weekly_titration()))[0]
    assert sizes(roomy, "Ada Lovelace") == {BLOCKS["patient name"].size}  # the layout's sizes
    assert sizes(roomy, "Take 1 capsule") == {BLOCKS["directions"].size}
    assert sizes(roomy, "Qty: ") == {BLOCKS["small print"].size}
    assert sizes(crowded, "Days 1-7") == {CRITICAL_MIN}
    assert sizes(crowded, "Qty: ") == {BLOCKS["small print"].min_size}
    assert min(glyph.size for glyph in crowded.glyphs) >= SMALLEST - 0.01


@pytest.mark.parametrize(
    "make", [capsules, titration, liquid], ids=["fixed", "titration", "liquid"]
)
def test_the_barcode_scans_as_the_rx_number_on_thermal_stock(make, tmp_path):
    facts = make()
    assert decode_barcodes(render_labels(facts), tmp_path) == [[facts.rx_number]]


def test_every_barcode_scans_on_the_sheet_stock(tmp_path):
    batch = [
        replace(make(), rx_number=f"{2000000 + i}")
        for i, make in enumerate([capsules, titration, liquid] * 4)
    ]
    pdf = render_labels(batch, "letter-sheet-2x4")
    expected = [sorted(f.rx_number for f in batch[:10]), sorted(f.rx_number for f in batch[10:])]
    assert decode_barcodes(pdf, tmp_path) == expected


def rx_positions(page: Page) -> list[tuple[float, float, str]]:
    """(bottom, left, Rx number) of each barcode caption, top to bottom, left to right."""
    found = [
        (round(row[0].box.y0, 1), row[0].box.x0, line.removeprefix("Rx "))
        for line, row in page.lines()
        if line.startswith("Rx ")
    ]
    return sorted(found, key=lambda item: (-item[0], item[1]))


def test_the_sheet_fills_positions_in_the_order_given_across_pages():
    batch = [capsules(rx_number=f"{3000000 + i}", patient_name=f"Patient {i}") for i in range(13)]
    pdf = render_labels(batch, "letter-sheet-2x4")
    found = pages(pdf)
    assert len(found) == 2
    printed = [rx for page in found for _, _, rx in rx_positions(page)]
    assert printed == [facts.rx_number for facts in batch]
    boxes = label_boxes("letter-sheet-2x4", 13)
    for (page_number, box), facts in zip(boxes, batch, strict=True):
        page = found[page_number]
        inside = flat(" ".join(line for line, row in page.lines() if box.contains(row[0].box)))
        assert facts.patient_name in inside and f"Rx {facts.rx_number}" in inside
    for page_number, page in enumerate(found):
        printable = [box for number, box in boxes if number == page_number]
        for glyph in page.glyphs:
            assert any(box.contains(glyph.box) for box in printable), f"{glyph.text!r} astray"
        for bar in page.bars:
            assert any(box.contains(bar) for box in printable)


def test_a_partly_used_sheet_starts_at_the_first_free_position():
    batch = [capsules(rx_number=f"{4000000 + i}") for i in range(3)]
    first, second = pages(render_labels(batch, "letter-sheet-2x4", start_position=8))
    boxes = load_stock("letter-sheet-2x4").positions()
    assert [rx for _, _, rx in rx_positions(first)] == ["4000000", "4000001"]
    assert [rx for _, _, rx in rx_positions(second)] == ["4000002"]
    (top, _, _) = rx_positions(first)[0]
    assert boxes[8][1] < top < boxes[8][1] + 144


def test_rendering_twice_gives_the_same_bytes():
    batch = [capsules(), titration(), liquid()]
    assert render_labels(batch, "letter-sheet-2x4") == render_labels(batch, "letter-sheet-2x4")
    assert render_labels(titration()) == render_labels(titration())


@pytest.mark.parametrize("stock", ALL_LABEL_STOCKS)
def test_a_long_name_with_a_four_step_titration_fits_whole_or_is_refused(stock):
    facts = weekly_titration(patient_name=LONG_NAME)
    assert len(LONG_NAME) == 60
    try:
        pdf = render_labels(facts, stock)
    except LabelDoesNotFit as refusal:
        assert str(refusal).startswith(f"Rx {facts.rx_number}: the patient name")
        assert "use a larger stock or shorten them" in str(refusal)
        assert LONG_NAME not in str(refusal)  # staff messages carry no patient data
        return
    ((_, box),) = label_boxes(stock, 1)
    assert_laid_out_cleanly(pages(pdf)[0], box)
    (text,) = page_texts(pdf)
    assert all(squash(words) in squash(text) for words in printed_words(facts))


@pytest.mark.parametrize("stock", LABEL_STOCKS)
def test_a_weekly_four_step_titration_prints_a_line_per_step(stock):
    text = page_texts(render_labels(weekly_titration(), stock))[0]
    for line in weekly_titration().directions:
        assert line in text


def test_the_default_stocks_refuse_an_eight_step_titration_and_a_4_by_3_label_takes_it():
    with pytest.raises(
        LabelDoesNotFit, match=r"Rx 1000127: the directions \(8 lines at 11 pt\)"
    ) as refused:
        render_labels(eight_step_titration())
    # The refusal says why (the warning keeps its 8 pt) and names the stock it fits.
    assert "the opioid warning never below 8 pt" in str(refused.value)
    assert str(refused.value).endswith("It fits the 4 × 3 in stock (thermal-4x3): print it there")
    render_labels(eight_step_titration(), "thermal-4x3")


def test_the_warning_prints_at_8_pt_or_more_on_every_stock_however_crowded_the_label():
    for stock in LABEL_STOCKS:
        for facts in (capsules(patient_name=LONG_NAME), weekly_titration(), liquid()):
            page = pages(render_labels(facts, stock))[0]
            (frame,) = page.frames  # the warning's box
            inside = [g.size for g in page.glyphs if frame.contains(g.box)]
            assert inside and round(min(inside), 2) >= 8, (stock, facts.rx_number, min(inside))


@pytest.mark.parametrize("stock", LABEL_STOCKS)
def test_a_long_name_wraps_at_full_size_and_stays_whole(stock):
    facts = capsules(patient_name=LONG_NAME)
    page = pages(render_labels(facts, stock))[0]
    ((_, box),) = label_boxes(stock, 1)
    assert_laid_out_cleanly(page, box)
    text, _ = critical_text(page)
    assert squash(text).startswith(squash(LONG_NAME))


def test_a_batch_with_one_label_that_does_not_fit_is_refused_whole():
    with pytest.raises(LabelDoesNotFit, match="Rx 1000127"):
        render_labels([capsules(), eight_step_titration(), liquid()])


def test_a_name_helvetica_cannot_print_uses_a_fallback_font():
    facts = liquid(patient_name="李小龙")
    pdf = render_labels(facts)
    (text,) = page_texts(pdf)
    assert text.startswith("李小龙")
    ((_, box),) = label_boxes("thermal-4x2", 1)
    assert_laid_out_cleanly(pages(pdf)[0], box)


def test_a_character_no_font_has_is_refused_not_printed_wrong():
    layout = replace(load_layout("label"), fonts=Fonts("Helvetica", "Helvetica-Bold"))
    with pytest.raises(UnprintableText) as refusal:
        render_labels(capsules(patient_name="李小龙"), layout=layout)
    message = str(refusal.value)
    assert message.startswith("Rx 1000123: the patient name has the character U+674E")
    assert "李" not in message


@pytest.mark.parametrize("stock", ALL_LABEL_STOCKS)
@pytest.mark.parametrize(
    "make",
    [capsules, titration, liquid, weekly_titration],
    ids=["fixed", "titration", "liquid", "weekly titration"],
)
@pytest.mark.parametrize(("refill", "refills"), [(0, 2), (1, 2), (11, 11)])
def test_the_refill_line_prints_whole_on_one_line_on_every_stock(stock, make, refill, refills):
    facts = nth_fill(make(), refill, refills)
    (printed,) = label_fields(facts)["refills"]
    pdf = render_labels(facts, stock)
    page = pages(pdf)[0]
    ((_, box),) = label_boxes(stock, 1)
    assert_laid_out_cleanly(page, box)
    assert any(printed in line for line, _ in page.lines())
    (text,) = page_texts(pdf)
    assert all(flat(words) in text for words in printed_words(facts))


@pytest.mark.parametrize("stock", ALL_LABEL_STOCKS)
def test_the_longest_refill_line_reads_back_from_the_pdf(stock):
    facts = nth_fill(weekly_titration(), 11, 11)
    assert label_fields(facts)["refills"] == (LONGEST_REFILL_LINE,)
    (text,) = page_texts(render_labels(facts, stock))
    assert LONGEST_REFILL_LINE in text


@pytest.mark.parametrize("stock", ALL_LABEL_STOCKS)
@pytest.mark.parametrize(
    "make",
    [capsules, titration, liquid, weekly_titration],
    ids=["fixed", "titration", "liquid", "weekly titration"],
)
def test_a_long_name_with_the_longest_refill_line_fits_whole_or_is_refused(stock, make):
    """The refill line never turns a label that fits into one that is refused."""
    plain = make(patient_name=LONG_NAME)
    facts = nth_fill(plain, 11, 11)
    try:
        pdf = render_labels(facts, stock)
    except LabelDoesNotFit as refusal:
        with pytest.raises(LabelDoesNotFit):
            render_labels(plain, stock)
        assert "use a larger stock or shorten them" in str(refusal)
        return
    ((_, box),) = label_boxes(stock, 1)
    assert_laid_out_cleanly(pages(pdf)[0], box)
    (text,) = page_texts(pdf)
    assert all(squash(words) in squash(text) for words in printed_words(facts))


def test_labels_need_a_label_stock_and_something_to_print():
    with pytest.raises(TemplateError, match="receipt-80mm is for a receipt"):
        render_labels(capsules(), "receipt-80mm")
    with pytest.raises(ValueError, match="no labels"):
        render_labels([])
    with pytest.raises(ValueError, match="start_position"):
        render_labels(capsules(), "letter-sheet-2x4", start_position=10)


def test_directions_taken_twice_a_day_read_so_on_the_label():
    facts = capsules(strength_mg=capsules().strength_mg, steps=steps(("1.5", 30)), times_per_day=2)
    (text,) = page_texts(render_labels(facts))
    assert "Take 1 capsule (1.5 mg) by mouth twice a day" in text


def test_the_documentation_script_renders_every_stock(tmp_path):
    """docs/labels/render.py keeps working: it is re-run from the demo data."""
    script = Path(__file__).resolve().parents[2] / "docs" / "labels" / "render.py"
    spec = importlib.util.spec_from_file_location("render_docs", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    made = module.main(tmp_path)
    assert len(made) == 6
    assert all(path.stat().st_size > 10_000 for path in made)
