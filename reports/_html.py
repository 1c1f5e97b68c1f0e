"""HTML building blocks: escaping, tables, figure divs and the self-contained page."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#3b2418;color:#fff;padding:18px 32px}header h1{margin:0;font-size:1.5em}
nav{padding:8px 32px;background:#eee;position:sticky;top:0;z-index:10}nav a{margin-right:14px;color:#3b2418}
main{padding:8px 32px 40px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 20px 16px;margin:16px 0}
table{border-collapse:collapse;font-size:.9em;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.note{color:#555;font-size:.9em}.empty{color:#a33;font-weight:600}.row{display:flex;flex-wrap:wrap;gap:16px}
.row>div{flex:1 1 480px;min-width:0}.row.cfg>div{flex:1 1 220px}h4{margin:6px 0 2px}
.hint{color:#6b4a00;background:#fff6e0;border-left:4px solid #e0a800;padding:6px 10px}code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
"""
_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+( ± [\d.]+)?")


def esc(value: Any) -> str:
    """HTML-escaped text of any value (names, params and attrs come from users)."""
    return html.escape(str(value), quote=True)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    """An escaped HTML table."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header) if any(header) else ""
    body = "".join("<tr>" + "".join(_cell(c) for c in r) + "</tr>" for r in rows)
    thead = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f'<table class="{esc(cls)}">{thead}<tbody>{body}</tbody></table>'


def _cell(value: Any) -> str:
    text = str(value)
    numeric = isinstance(value, (int, float)) or _NUMBER.fullmatch(text) is not None
    return f'<td class="num">{esc(text)}</td>' if numeric else f"<td>{esc(text)}</td>"


def note(text: str) -> str:
    """A small explanatory paragraph (escaped)."""
    return f'<p class="note">{esc(text)}</p>'


def empty(text: str) -> str:
    """A message shown where a section has nothing to draw (escaped)."""
    return f'<p class="empty">{esc(text)}</p>'


def figure_div(fig: Any, key: str) -> str:
    """The figure as a `div` + inline script; plotly.js itself is embedded once in the page."""
    import plotly.io as pio

    height = fig.layout.height or 450
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"fig-{key}",
                       default_height=f"{height}px", default_width="100%", validate=False,
                       config={"displaylogo": False, "responsive": True})


def section(anchor: str, title: str, body: str) -> str:
    """A titled `section` with an anchor for the navigation bar."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'


# A figure is drawn as soon as its div is parsed, when the later figures of its row do not exist
# yet, so it takes the whole row's width and is cut off once they arrive: redraw each at its
# box's final width when the page has loaded.
_RESIZE = ("<script>window.addEventListener('load', function () {"
           "document.querySelectorAll('.js-plotly-plot').forEach(function (d) { Plotly.Plots.resize(d); });"
           "});</script>")


def page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole self-contained page: CSS and plotly.js inline, no outside request."""
    from plotly.offline import get_plotlyjs

    nav = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
        f"<body><header><h1>{esc(title)}</h1><div>{esc(subtitle)}</div></header>"
        f"<nav>{nav}</nav><main>{body}</main>{_RESIZE}</body></html>\n"
    )
