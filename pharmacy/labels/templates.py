"""The stock and layout a document is printed with, by name or as loaded."""

from __future__ import annotations

from pathlib import Path

from label_templates import Layout, Stock, TemplateError, load_layout, load_stock


def resolve(
    stock: str | Stock, layout: str | Layout, document: str, templates: Path | str | None
) -> tuple[Stock, Layout]:
    """Load what is named (from `templates`, default `label_templates/`); check the kind."""
    stock = load_stock(stock, templates) if isinstance(stock, str) else stock
    layout = load_layout(layout, templates) if isinstance(layout, str) else layout
    for kind, template in (("stock", stock), ("layout", layout)):
        if template.document != document:
            raise TemplateError(
                f"{kind} {template.name} is for a {template.document}, not a {document}"
            )
    return stock, layout
