"""Stocks and layouts are declarative files: a pharmacy adds its own without code."""

from __future__ import annotations

import shutil

import pytest

import label_templates
from label_templates import (
    TemplateError,
    layout_names,
    length,
    load_layout,
    load_stock,
    stock_names,
)
from pharmacy.labels import LabelDoesNotFit, render_labels
from tests.support.labels import eight_step_titration
from tests.support.pdf import page_texts, pages


def test_the_shipped_stocks_and_layouts_load():
    assert {"thermal-4x2", "letter-sheet-2x4", "receipt-letter", "receipt-80mm"} <= set(
        stock_names()
    )
    assert {"label", "receipt"} <= set(layout_names())
    for name in stock_names():
        load_stock(name)
    for name in layout_names():
        load_layout(name)


@pytest.mark.parametrize(
    ("written", "points"),
    [("4in", 288), ("2 in", 144), ("25.4mm", 72), ("2.54cm", 72), ("8pt", 8), (6, 6), (0.5, 0.5)],
)
def test_lengths_are_written_with_their_unit(written, points):
    assert length(written, "test") == pytest.approx(points)


@pytest.mark.parametrize("written", ["4", "4 inches", "-2mm", "", True])
def test_a_length_without_a_known_unit_is_refused(written):
    with pytest.raises(TemplateError, match="test"):
        length(written, "test")


def test_the_default_stock_is_one_4_by_2_inch_label_per_page():
    stock = load_stock("thermal-4x2")
    assert (stock.page_width, stock.page_height) == (288, 144)
    assert stock.positions() == [(0, 0)]
    assert stock.size_text == "4 × 2 in"


def test_the_letter_sheet_has_ten_labels_in_rows_within_the_page():
    stock = load_stock("letter-sheet-2x4")
    positions = stock.positions()
    assert (stock.page_width, stock.page_height, len(positions)) == (612, 792, 10)
    assert positions[0][1] == positions[1][1] > positions[2][1]  # left to right, then down
    assert positions[0][0] < positions[1][0]
    for x, y in positions:
        assert x >= 0 and x + stock.label_width <= stock.page_width + 1e-6
        assert y >= -1e-6 and y + stock.label_height <= stock.page_height + 1e-6


def test_the_receipt_roll_grows_with_its_content():
    stock = load_stock("receipt-80mm")
    assert stock.page_height is None
    assert stock.page_width == pytest.approx(80 * 72 / 25.4)


def test_an_unknown_stock_names_the_known_ones():
    with pytest.raises(TemplateError, match=r"known: .*thermal-4x2"):
        load_stock("thermal-9x9")


def test_a_layout_may_not_let_critical_text_shrink_below_11_pt(tmp_path):
    text = (label_templates.HERE / "label.toml").read_text()
    (tmp_path / "small.toml").write_text(
        text.replace(
            "size = 12\nmin_size = 11\ncritical = true",
            "size = 12\nmin_size = 9\ncritical = true",
            1,
        )
    )
    with pytest.raises(TemplateError, match=r"small.toml.block\[1\]: critical text .* 11 pt"):
        load_layout("small", tmp_path)


def test_a_grid_larger_than_its_page_is_refused(tmp_path):
    text = (label_templates.HERE / "letter-sheet-2x4.toml").read_text()
    (tmp_path / "bad.toml").write_text(text.replace("rows = 5", "rows = 6"))
    with pytest.raises(TemplateError, match="larger than the page"):
        load_stock("bad", tmp_path)


def test_a_pharmacy_adds_a_stock_by_writing_a_file(tmp_path):
    """An eight-step titration refused on 4 × 2 in prints on the pharmacy's own 4 × 3 in."""
    shutil.copy(label_templates.HERE / "label.toml", tmp_path)
    (tmp_path / "roll-4x3.toml").write_text(
        'kind = "stock"\ndocument = "label"\n'
        '[page]\nwidth = "101.6mm"\nheight = "3in"\n'
        '[label]\nwidth = "4in"\nheight = "3in"\nsafety_margin = "2mm"\n'
    )
    facts = eight_step_titration()
    with pytest.raises(LabelDoesNotFit):
        render_labels(facts, "thermal-4x2")
    pdf = render_labels(facts, "roll-4x3", templates=tmp_path)
    (page,) = pages(pdf)
    assert (page.width, page.height) == (pytest.approx(288), 216)
    assert "Days 29-30: 8 capsules (4 mg) by mouth at bedtime" in page_texts(pdf)[0]


def test_a_misspelt_key_is_refused_not_ignored(tmp_path):
    text = (label_templates.HERE / "label.toml").read_text()
    (tmp_path / "typo.toml").write_text(text.replace("min_size = 7", "min_sise = 7", 1))
    with pytest.raises(TemplateError, match=r"typo.toml.block\[3\]: unknown key min_sise"):
        load_layout("typo", tmp_path)


def test_a_layout_that_would_shrink_the_opioid_warning_below_8_pt_is_refused(tmp_path):
    text = (label_templates.HERE / "label.toml").read_text()
    small = text.replace("min_size = 8\nbox = true", "min_size = 7.5\nbox = true", 1)
    assert small != text
    (tmp_path / "small.toml").write_text(small)
    with pytest.raises(TemplateError, match="the opioid warning may not shrink below 8 pt"):
        load_layout("small", tmp_path)
