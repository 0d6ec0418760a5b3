"""Small HTML pieces for the report, every text escaped here so that names (queues, shifts, sites) stay data."""

from __future__ import annotations

from html import escape

Cell = str | tuple[str, str]
"""A cell's text, or (text, CSS class)."""


def _cell(tag: str, cell: Cell) -> str:
    text, css = cell if isinstance(cell, tuple) else (cell, "")
    return f"<{tag}{f' class={css!r}' if css else ''}>{escape(text)}</{tag}>"


def table(headers: list[str], rows: list[list[Cell]], table_id: str, caption: str = "") -> str:
    """A table with a header row repeated on every printed page (thead) and a row-header first column."""
    head = "".join(_cell("th", h) for h in headers)
    body = "".join("<tr>" + _cell("th", row[0]) + "".join(_cell("td", c) for c in row[1:]) + "</tr>"
                   for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table id='{table_id}'>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def heading(level: int, text: str, anchor: str = "") -> str:
    return f"<h{level}{f' id={anchor!r}' if anchor else ''}>{escape(text)}</h{level}>"


def paragraph(text: str, css: str = "") -> str:
    return f"<p{f' class={css!r}' if css else ''}>{escape(text)}</p>"


def bullet_list(items: list[tuple[str, str]], list_id: str) -> str:
    """Items as (text, CSS class)."""
    return f"<ul id='{list_id}'>" + "".join(_cell("li", item) for item in items) + "</ul>"
