"""Reading a rendered report as a reader's browser would, without a browser: what it loads from elsewhere, the
figures plotly draws, and the text of its tables."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

# Attributes through which a page loads something (HTML's fetching elements).
LOADING = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
LOADING_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest", "apple-touch-icon"}
CSS_URL = re.compile(r"""url\(\s*['"]?(?!data:|#)([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.loads: list[str] = []
        self.tables: list[list[str]] = []
        self._table_depth = 0
        self._cell: list[str] | None = None
        self._style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        for name in LOADING.get(tag, ()):
            if name == "srcset":  # "a.png 1x, b.png 2x"
                for candidate in (attributes.get(name) or "").split(","):
                    self._load(candidate.strip().split(" ")[0])
            else:
                self._load(attributes.get(name))
        if tag == "link" and LOADING_LINKS & set((attributes.get("rel") or "").lower().split()):
            self._load(attributes.get("href"))
        if attributes.get("style"):
            self.loads += [a or b for a, b in CSS_URL.findall(attributes["style"])]
        self._style = tag == "style"
        if tag == "table":
            self._table_depth += 1
            self.tables.append([])
        if tag in ("td", "th") and self._table_depth:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "table":
            self._table_depth -= 1
        if tag == "style":
            self._style = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._style:
            self.loads += [a or b for a, b in CSS_URL.findall(data)]

    def _load(self, value):
        url = (value or "").strip()
        if url and not url.startswith(("data:", "#", "javascript:")):
            self.loads.append(url)


def read_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def external_references(html: str) -> list[str]:
    """Everything the page would fetch from another file or the internet: script, image, frame, media and object
    sources, stylesheets and icons, and url()/@import in its CSS; data: URIs and fragments excluded."""
    return read_page(html).loads


def table_texts(html: str) -> list[list[str]]:
    """The text of every table cell, table by table, whitespace collapsed."""
    return read_page(html).tables


def figures(html: str) -> list[dict]:
    """The data and layout of every plotly figure, in page order, from its Plotly.newPlot(id, data, layout, config)."""
    decoder = json.JSONDecoder()
    found = []
    for match in re.finditer(r"Plotly\.newPlot\(\s*", html):
        position = match.end()
        values = []
        for _ in range(4):
            value, position = decoder.raw_decode(html, position)
            values.append(value)
            position = re.compile(r"\s*,?\s*").match(html, position).end()
        found.append({"id": values[0], "data": values[1], "layout": values[2]})
    return found
