"""Declarative label stocks and document layouts, read by `pharmacy.labels`.

A pharmacy adds its own stock (or layout) by dropping a TOML file here, or in a folder
of its own passed as `directory`; no code changes. Two kinds of file:

- a *stock* (`kind = "stock"`): the paper. Page size, label size, the safety margin
  inside each label that nothing is printed in, and the grid of labels on a sheet
  (page margins, gaps, columns, rows). A receipt stock has a page, its margin, and
  `height = "auto"` for a roll cut after the content.
- a *layout* (`kind = "layout"`): what is printed, in order. Fonts, and a list of
  blocks, each naming the fields it prints (`pharmacy.domain.labeling` names them),
  a font, a size and the minimum size it may shrink to.

Lengths are strings with a unit ("4in", "2in", "3mm", "0.5cm", "8pt") or plain numbers
in points. Every value is checked on load; a mistake names the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POINTS_PER = {"pt": 1.0, "in": 72.0, "mm": 72.0 / 25.4, "cm": 72.0 / 2.54}
LENGTH = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(pt|in|mm|cm)\s*$")
FONT_ROLES = ("regular", "bold")


# The opioid warning is what the label exists to carry: it is never printed smaller.
WARNING_FIELD = "warning"
WARNING_MIN_SIZE = 8.0


class TemplateError(ValueError):
    """A stock or layout file that cannot be used as written."""


def length(value: Any, where: str) -> float:
    """Points from "4in", "3mm", "0.5cm", "8pt" or a number of points."""
    if isinstance(value, bool):
        raise TemplateError(f'{where}: expected a length such as "2in" or "3mm"')
    if isinstance(value, int | float):
        return float(value)
    match = LENGTH.match(str(value))
    if not match:
        raise TemplateError(f'{where}: {value!r} is not a length such as "2in" or "3mm"')
    return float(match.group(1)) * POINTS_PER[match.group(2)]


class _Table:
    """A TOML table read key by key, each mistake reported with file and key."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self.read: set[str] = set()

    def has(self, key: str) -> bool:
        self.read.add(key)
        return key in self.data

    def done(self) -> None:
        """Refuse keys nothing read: a misspelt `min_sise` must not pass silently."""
        unknown = sorted(set(self.data) - self.read)
        if unknown:
            raise TemplateError(f"{self.where}: unknown key {', '.join(unknown)}")

    def _get(self, key: str, default: Any) -> Any:
        self.read.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise TemplateError(f"{self.where}: {key} is required")
            return default
        return self.data[key]

    def length(self, key: str, default: Any = None) -> float:
        value = self._get(key, _REQUIRED if default is None else default)
        return length(value, f"{self.where}.{key}")

    def number(self, key: str, default: Any = None, minimum: float = 0) -> float:
        value = self._get(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            raise TemplateError(f"{self.where}.{key}: expected a number of at least {minimum}")
        return float(value)

    def integer(self, key: str, default: Any = None, minimum: int = 1) -> int:
        value = self._get(key, _REQUIRED if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise TemplateError(
                f"{self.where}.{key}: expected a whole number of at least {minimum}"
            )
        return value

    def text(self, key: str, default: Any = None, choices: tuple[str, ...] = ()) -> str:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, str) or (choices and value not in choices):
            expected = " or ".join(repr(choice) for choice in choices) or "a string"
            raise TemplateError(f"{self.where}.{key}: expected {expected}, not {value!r}")
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise TemplateError(f"{self.where}.{key}: expected true or false")
        return value

    def texts(self, key: str, default: Any = None) -> tuple[str, ...]:
        value = self._get(key, _REQUIRED if default is None else default)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise TemplateError(f"{self.where}.{key}: expected a list of strings")
        return tuple(value)

    def table(self, key: str, required: bool = True) -> _Table:
        value = self._get(key, _REQUIRED if required else {})
        if not isinstance(value, dict):
            raise TemplateError(f"{self.where}.{key}: expected a table [{key}]")
        return _Table(value, f"{self.where}.{key}")


_REQUIRED = object()


@dataclass(frozen=True)
class Stock:
    """Paper. Coordinates in points, origin at the page's bottom-left (PDF's)."""

    name: str
    title: str
    document: str  # "label" or "receipt"
    page_width: float
    page_height: float | None  # None: a roll, as long as the content
    margin: float  # labels: nothing printed this close to a label's edge; receipts: page
    label_width: float = 0.0
    label_height: float = 0.0
    columns: int = 1
    rows: int = 1
    left: float = 0.0  # page edge to the first column
    top: float = 0.0  # page edge to the first row
    gap_x: float = 0.0
    gap_y: float = 0.0
    order: str = "rows"  # fill a row left to right, then the next ("columns": top to bottom)
    min_page_height: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def size_text(self) -> str:
        """'4 × 2 in', for messages."""
        return f"{_inches(self.label_width)} × {_inches(self.label_height)} in"

    def positions(self) -> list[tuple[float, float]]:
        """Bottom-left corner of each label on a page, in the order they are filled."""
        assert self.page_height is not None
        cells = [(row, column) for row in range(self.rows) for column in range(self.columns)]
        if self.order == "columns":
            cells.sort(key=lambda cell: (cell[1], cell[0]))
        return [
            (
                self.left + column * (self.label_width + self.gap_x),
                self.page_height
                - self.top
                - row * (self.label_height + self.gap_y)
                - self.label_height,
            )
            for row, column in cells
        ]


def _inches(points: float) -> str:
    return f"{points / 72:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    # Characters outside the main fonts (their Latin-1 set) are drawn with the first of
    # these TrueType files that has them; files missing on this machine are skipped.
    fallback_regular: tuple[str, ...] = ()
    fallback_bold: tuple[str, ...] = ()


@dataclass(frozen=True)
class Block:
    kind: str  # "text": fields as wrapped lines; "rows": a two-column table; "rule": a line
    name: str  # what messages call it: "directions", "small print"
    fields: tuple[str, ...] = ()
    rows: str = ""
    font: str = "regular"
    size: float = 8.0
    min_size: float = 8.0
    critical: bool = False
    separator: str = "   "
    hanging_indent: float = 0.0
    box: bool = False
    beside_barcode: bool = False
    bottom: bool = False
    align: str = "left"
    space_before: float = 0.0


@dataclass(frozen=True)
class Barcode:
    field: str
    bar_width: float  # the narrowest bar (X-dimension)
    bar_height: float
    quiet_zone: float  # in bar widths, each side
    caption_font: str
    caption_size: float
    gap: float  # between the barcode and the text beside it


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    document: str
    fonts: Fonts
    blocks: tuple[Block, ...]
    barcode: Barcode | None
    line_height: float  # leading, as a multiple of the size
    block_gap: float
    shrink_step: float
    critical_min_size: float
    box_padding: float
    box_line_width: float


def _read(name: str, directory: Path | str | None, kind: str) -> tuple[_Table, Path]:
    folder = Path(directory) if directory is not None else HERE
    path = folder / f"{name}.toml"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or not path.is_file():
        known = ", ".join(_names(folder, kind)) or "none"
        raise TemplateError(f"no {kind} named {name!r} in {folder} (known: {known})")
    with path.open("rb") as file:
        try:
            data = tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise TemplateError(f"{path.name}: {error}") from error
    table = _Table(data, path.name)
    if table.text("kind", choices=("stock", "layout")) != kind:
        raise TemplateError(f"{path.name} is not a {kind} (kind = {data['kind']!r})")
    return table, folder


def load_stock(name: str, directory: Path | str | None = None) -> Stock:
    table, _ = _read(name, directory, "stock")
    document = table.text("document", choices=("label", "receipt"))
    page = table.table("page")
    auto = page.has("height") and page.data["height"] == "auto"
    common = {
        "name": name,
        "title": table.text("title", name),
        "document": document,
        "page_width": page.length("width"),
        "page_height": None if auto else page.length("height"),
    }
    if document == "receipt":
        stock = Stock(
            **common,
            margin=page.length("margin"),
            min_page_height=page.length("min_height", 0),
        )
        _done(table, page)
        return stock
    if auto:
        raise TemplateError(f"{table.where}: a label stock needs a page height")
    label, grid = table.table("label"), table.table("grid", required=False)
    stock = Stock(
        **common,
        margin=label.length("safety_margin"),
        label_width=label.length("width"),
        label_height=label.length("height"),
        columns=grid.integer("columns", 1),
        rows=grid.integer("rows", 1),
        left=grid.length("left", 0),
        top=grid.length("top", 0),
        gap_x=grid.length("gap_x", 0),
        gap_y=grid.length("gap_y", 0),
        order=grid.text("order", "rows", ("rows", "columns")),
    )
    _done(table, page, label, grid)
    assert stock.page_height is not None
    right = stock.left + stock.columns * stock.label_width + (stock.columns - 1) * stock.gap_x
    bottom = stock.top + stock.rows * stock.label_height + (stock.rows - 1) * stock.gap_y
    if right > stock.page_width + 0.01 or bottom > stock.page_height + 0.01:
        raise TemplateError(f"{table.where}: the grid of labels is larger than the page")
    if 2 * stock.margin >= min(stock.label_width, stock.label_height):
        raise TemplateError(f"{table.where}: the safety margin leaves no room on the label")
    return stock


def _done(*tables: _Table) -> None:
    for table in tables:
        table.done()


def _block(table: _Table) -> Block:
    kind = table.text("kind", "text", ("text", "rows", "rule"))
    size = table.number("size", 8, minimum=1)
    fields = table.texts("fields") if kind == "text" else ()
    rows = table.text("rows") if kind == "rows" else ""
    named = " and ".join(fields) or rows or kind
    block = Block(
        kind=kind,
        name=table.text("name", named.replace("_", " ")),
        fields=fields,
        rows=rows,
        font=table.text("font", "regular", FONT_ROLES),
        size=size,
        min_size=table.number("min_size", size, minimum=1),
        critical=table.flag("critical"),
        separator=table.text("separator", "   "),
        hanging_indent=table.length("hanging_indent", 0),
        box=table.flag("box"),
        beside_barcode=table.flag("beside_barcode"),
        bottom=table.flag("bottom"),
        align=table.text("align", "left", ("left", "center", "right")),
        space_before=table.length("space_before", 0),
    )
    table.done()
    return block


def load_layout(name: str, directory: Path | str | None = None) -> Layout:
    table, folder = _read(name, directory, "layout")
    fonts = table.table("fonts")
    raw_blocks = table.data.get("block") if table.has("block") else None
    if not isinstance(raw_blocks, list) or not raw_blocks:
        raise TemplateError(f"{table.where}: a layout needs at least one [[block]]")
    blocks = tuple(
        _block(_Table(raw if isinstance(raw, dict) else {}, f"{table.where}.block[{index}]"))
        for index, raw in enumerate(raw_blocks)
    )
    critical_min = table.number("critical_min_size", 11, minimum=1)
    for index, block in enumerate(blocks):
        where = f"{table.where}.block[{index}]"
        if block.min_size > block.size:
            raise TemplateError(f"{where}: min_size is larger than size")
        if block.critical and block.min_size < critical_min:
            raise TemplateError(
                f"{where}: critical text may not shrink below {critical_min:g} pt (USP <17>)"
            )
        if WARNING_FIELD in block.fields and block.min_size < WARNING_MIN_SIZE:
            raise TemplateError(
                f"{where}: the opioid warning may not shrink below {WARNING_MIN_SIZE:g} pt"
            )
    bottoms = [block.bottom for block in blocks]
    if bottoms != sorted(bottoms):
        raise TemplateError(f"{table.where}: blocks with bottom = true must come last")
    barcode = spec = None
    if table.has("barcode"):
        spec = table.table("barcode")
        barcode = Barcode(
            field=spec.text("field"),
            bar_width=spec.length("bar_width"),
            bar_height=spec.length("bar_height"),
            quiet_zone=spec.number("quiet_zone", 10, minimum=10),
            caption_font=spec.text("caption_font", "bold", FONT_ROLES),
            caption_size=spec.number("caption_size", 8, minimum=1),
            gap=spec.length("gap", "2pt"),
        )
    layout = Layout(
        name=name,
        title=table.text("title", name),
        document=table.text("document", choices=("label", "receipt")),
        fonts=Fonts(
            regular=fonts.text("regular"),
            bold=fonts.text("bold"),
            fallback_regular=_font_files(fonts.texts("fallback_regular", []), folder),
            fallback_bold=_font_files(fonts.texts("fallback_bold", []), folder),
        ),
        blocks=blocks,
        barcode=barcode,
        line_height=table.number("line_height", 1.15, minimum=1),
        block_gap=table.length("block_gap", "2pt"),
        shrink_step=table.number("shrink_step", 0.5, minimum=0.1),
        critical_min_size=critical_min,
        box_padding=table.length("box_padding", "2pt"),
        box_line_width=table.length("box_line_width", "0.75pt"),
    )
    _done(table, fonts, *([spec] if spec else []))
    return layout


def _font_files(paths: tuple[str, ...], folder: Path) -> tuple[str, ...]:
    """Font files as absolute paths; a relative one is read from the template's folder."""
    return tuple(str(folder / path) if not Path(path).is_absolute() else path for path in paths)


def stocks_for(document: str, directory: Path | str | None = None) -> list[Stock]:
    """Every stock of `document` ("label" or "receipt") in the folder, by name."""
    folder = Path(directory) if directory is not None else HERE
    stocks = [load_stock(name, folder) for name in _names(folder, "stock")]
    return [stock for stock in stocks if stock.document == document]


def _names(folder: Path, kind: str) -> list[str]:
    names = []
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as file:
            try:
                if tomllib.load(file).get("kind") == kind:
                    names.append(path.stem)
            except tomllib.TOMLDecodeError:
                continue
    return names


def stock_names(directory: Path | str | None = None) -> list[str]:
    return _names(Path(directory) if directory is not None else HERE, "stock")


def layout_names(directory: Path | str | None = None) -> list[str]:
    return _names(Path(directory) if directory is not None else HERE, "layout")
