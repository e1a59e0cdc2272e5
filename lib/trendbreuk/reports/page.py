"""HTML building blocks shared by every report: the demo warning, charts with a text alternative and their
numbers, and the sources section. Each returns an `HTML` object, so the same call displays in Jupyter, in the
Python engine and in Quarto.

plotly.js is embedded once per report (in the first chart), so a report opens offline from a mail
attachment. It is plotly.js's basic bundle (scatter, bar and pie traces; 1.2 MB, vendored in templates/ from the
npm package plotly.js-basic-dist-min) rather than the full 4.8 MB bundle, as long as its version is the one
plotly.py was built for; otherwise the full bundle is embedded, with a warning.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import pandas as pd
import plotly.graph_objects as go
from IPython import display

from trendbreuk.charts.figure import Figure
from trendbreuk.charts.phone import PHONE_WIDTH, phone_layout, tile_traces

# Environment variables that Quarto sets for the Jupyter kernel it executes a document in (quarto-cli
# src/execute/environment.ts and resources/jupyter/notebook.py).
QUARTO_KERNEL_ENV = ("QUARTO_EXECUTE_INFO", "QUARTO_FIG_FORMAT")


def raw_html_block(text: str) -> str:
    """`text` as a raw HTML block of Pandoc markdown: Pandoc and Quarto pass it into the page unchanged."""
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{{=html}}\n{text}\n{fence}\n"


class HTML(display.HTML):
    """A block of a report. In Jupyter and the Python engine it shows as HTML. In a kernel that Quarto executes it
    shows as a raw HTML block of markdown instead: Quarto would otherwise take every text/html output for a
    "JavaScript widget" and put require.js and jQuery from a CDN into the page (quarto-cli
    src/core/jupyter/widgets.ts), so that a mailed report would need the internet."""

    def _repr_html_(self):
        return None if _in_quarto() else super()._repr_html_()

    def _repr_markdown_(self):
        return raw_html_block(self.data or "") if _in_quarto() else None


def _in_quarto() -> bool:
    return any(name in os.environ for name in QUARTO_KERNEL_ENV)


@cache
def environment():
    """The one Jinja2 environment of the reports, with autoescape: templates/page.html.j2 (the page) and
    templates/fragments.html.j2 (its blocks). A value is escaped unless it is Markup (HTML this package made)."""
    from jinja2 import Environment, FunctionLoader

    templates = resources.files("trendbreuk.reports") / "templates"
    return Environment(
        loader=FunctionLoader(lambda name: (templates / name).read_text(encoding="utf-8")),
        autoescape=True,
        auto_reload=False,
    )


@cache
def _fragments():
    """The macros of templates/fragments.html.j2, made once per process (a report renders thousands of cells)."""
    return environment().get_template("fragments.html.j2").module


def fragment(name: str, *args) -> str:
    """One macro of templates/fragments.html.j2, rendered with autoescape; pass HTML this package made as Markup."""
    return str(getattr(_fragments(), name)(*args))


def html_document(title: str, body: str) -> str:
    """A whole HTML page (templates/page.html.j2 with the stylesheet inlined) around `body`: the Python
    engine's reports and the site pages."""
    from markupsafe import Markup

    from trendbreuk import __version__

    templates = resources.files("trendbreuk.reports") / "templates"
    # autoescape: the title (a gemeente's name from the configuration) is text; the body and the stylesheet are HTML
    # and CSS that this package made
    return (
        environment()
        .get_template("page.html.j2")
        .render(
            title=title,
            css=Markup((templates / "trendbreuk.css").read_text(encoding="utf-8")),
            body=Markup(body),
            version=__version__,
        )
    )


log = logging.getLogger(__name__)
BASIC_BUNDLE = "plotly-basic.min.js"
BASIC_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})


def _bundle_version(script: str) -> str:
    match = re.search(r"plotly\.js (?:\(basic - minified\) )?v(\d+\.\d+\.\d+)", script[:300])
    return match.group(1) if match else ""


@cache
def plotly_library() -> tuple[str, bool]:
    """(the plotly.js code the reports embed, whether it is the basic bundle)."""
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    basic = (resources.files("trendbreuk.reports") / "templates" / BASIC_BUNDLE).read_text(encoding="utf-8")
    wanted = get_plotlyjs_version()
    is_basic = _bundle_version(basic) == wanted
    if not is_basic:
        log.warning(
            "templates/%s is plotly.js %s but plotly.py needs %s: reports embed the full bundle (4.8 MB) "
            "until the basic bundle is replaced (npm pack plotly.js-basic-dist-min@%s)",
            BASIC_BUNDLE,
            _bundle_version(basic),
            wanted,
            wanted,
        )
    return (basic if is_basic else get_plotlyjs()), is_basic


def plotly_script() -> tuple[str, bool]:
    """(the <script> elements that load plotly.js, whether it is the basic bundle)."""
    script, is_basic = plotly_library()
    return (
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
        f'<script type="text/javascript">{script}</script>'
    ), is_basic


def figure_json(fig) -> str:
    """The JSON that plotly.js draws (data and layout, numeric arrays as typed arrays), as the reports embed it."""
    import plotly.io as pio

    if isinstance(fig, Figure):
        return fig.to_json()
    return pio.to_json(fig, validate=False)


PLOTLY_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def demo_banner(description: str) -> HTML:
    return HTML(fragment("demo_banner", description))


def download_link(frame: pd.DataFrame, filename: str, label: str) -> str:
    """A link that downloads `frame` as a CSV (';' and UTF-8 with BOM, as Dutch Excel expects), embedded in the page
    so that it works from a mail attachment. Only pass tables that may be shared."""
    import base64

    from trendbreuk.downloads import csv_bytes

    data = csv_bytes(frame)  # no cell can run as a formula in a spreadsheet
    encoded = base64.b64encode(data).decode("ascii")
    return fragment("download", filename, encoded, label)


def table_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    css_class: str = "tb-table",
    raw_columns: tuple[str, ...] = (),
    group_column: str | None = None,
) -> str:
    """A plain, accessible HTML table from a frame whose cells are already formatted text. Cells are escaped,
    except in `raw_columns`, which hold HTML made by this package (badges). With `group_column`, that column
    becomes a header row above each group instead of a column."""
    from markupsafe import Markup

    columns = [c for c in frame.columns if c != group_column]
    raw = [c in raw_columns for c in columns]
    labels = [str(c).replace("\u00ad", "") for c in columns]
    rows, current = [], None
    for record in frame.to_dict("records"):
        group = None
        if group_column and record[group_column] != current:
            current = group = record[group_column]
        # raw columns hold HTML this package made (badges); every other cell is text, with periods kept together
        cells = [Markup(record[c]) if is_raw else _keep_periods(str(record[c])) for c, is_raw in zip(columns, raw)]
        rows.append({"group": None if group is None else str(group), "cells": cells})
    # A table wider than the screen scrolls inside its own box, which keyboard users can focus and scroll too (a
    # labelled region, as WCAG's technique for scrollable content); on a phone its rows become cards (data-label).
    return fragment("table", [str(c) for c in columns], labels, rows, caption, css_class)


@dataclass
class Page:
    """One report's page: remembers whether plotly.js has been embedded yet."""

    _plotly_embedded: bool = field(default=False, init=False)
    _charts: int = field(default=0, init=False)

    def chart(self, fig: Figure | go.Figure, *, alt: str, data: pd.DataFrame | None = None, name: str = "") -> HTML:
        """A chart as a figure with its text alternative (aria-label and caption) and, when given, its numbers
        (as a table and as `name`.csv; without a name the file is named after the chart's title). The figures of this
        package (charts.figure.Figure) are written without plotly's validation; a plotly Figure works too."""
        import plotly.io as pio
        from markupsafe import Markup

        self._charts += 1
        div_id = f"tb-chart-{self._charts}"
        library, is_basic = plotly_script()
        if isinstance(fig, go.Figure):
            types, title, spec = {trace.type for trace in fig.data}, fig.layout.title.text or "", fig
        else:
            types, title, spec = {trace["type"] for trace in fig.traces}, fig.title, fig.specification()
            spec["layout"]["template"] = own_template(spec["layout"]["template"], types)
        other = sorted(types - BASIC_TRACE_TYPES)
        if is_basic and other:
            raise ValueError(
                f"chart '{title}' uses trace type(s) {', '.join(other)}, which the basic "
                f"plotly.js bundle of the reports cannot draw; use {', '.join(sorted(BASIC_TRACE_TYPES))}"
            )
        plot = pio.to_html(
            spec, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG, validate=False
        )
        plain = spec if isinstance(spec, dict) else spec.to_plotly_json()
        phone = phone_layout(plain)
        if not self._plotly_embedded:
            plot = library + plot
        self._plotly_embedded = True
        numbers = ""
        if data is not None and not data.empty:
            csv = download_link(data, f"{_slug(name or title)[:80] or 'grafiek'}.csv", "Download als CSV")
            numbers = fragment("numbers", Markup(table_html(data)), Markup(csv))
        # The plot is a group, not an image: it holds plotly's buttons (download, zoom), which keyboard users can
        # reach; an image may not contain controls (axe-core: nested-interactive). Its drawing is hidden from screen
        # readers, who get the description and the numbers instead of a jumble of axis labels. On a phone the chart
        # takes its phone layout (charts/phone.py) and fits the width.
        hide_drawing = (
            f'<script>(function(){{var gd=document.getElementById("{div_id}");function hide(){{'
            "gd.querySelectorAll('svg').forEach(function(s){s.setAttribute('aria-hidden','true')})}"
            "if(gd&&gd.on){gd.on('plotly_afterplot',hide)}if(gd){hide()}})();</script>"
        )
        fit = fit_script(div_id, phone, desktop_layout(plain["layout"], phone), tile_traces(plain))
        return HTML(fragment("figure", _strip_tags(title), alt, Markup(plot + hide_drawing + fit), Markup(numbers)))


FOLD_WIDTH = (
    "40rem"  # below this page width, folded sections start closed (a phone); trendbreuk.css reflows tables there too
)
# Closes the <details> just before it on a phone, opens every folded section before printing, and lets the charts
# in a section fit themselves again when it opens (a chart cannot measure its box while it is folded away).
FOLD_SCRIPT = (
    "<script>(function(d){if(!window.tbFoldPrint){window.tbFoldPrint=true;window.addEventListener("
    "'beforeprint',function(){document.querySelectorAll('details.tb-fold').forEach(function(e){e.open=true})})}"
    "if(!d)return;d.addEventListener('toggle',function(){if(d.open){d.querySelectorAll('.js-plotly-plot')"
    ".forEach(function(g){if(g.tbFit){g.tbFit()}})}});"
    # folded once the page has loaded, when its charts are drawn (a chart drawn while folded away has no size)
    f"window.addEventListener('load',function(){{if(window.matchMedia&&window.matchMedia('(max-width: "
    f"{FOLD_WIDTH})').matches){{d.open=false}}}})}})"
    "(document.currentScript&&document.currentScript.previousElementSibling);</script>"
)


def fold(summary: str, body: str, css_class: str = "tb-indicator") -> str:
    """A section whose `summary` (HTML: a heading with its badges) stays in view and whose `body` folds away on a
    phone: open on a wide screen and on paper, closed on a narrow screen until the reader opens it. The answer comes
    first; the details are one tap away."""
    from markupsafe import Markup

    return fragment("fold", Markup(summary), Markup(body), css_class, Markup(FOLD_SCRIPT))


def explained(note_html: str, question: str = "Hoe lees je dit?") -> str:
    """A reading aid (the verdict rules, what the symbols mean) folded under a question: open on a desktop and on
    paper, one tap away on a phone."""
    from markupsafe import Markup

    return fold(Markup("<span>{}</span>").format(question), note_html, "tb-explain")


def fold_section(block: HTML | str) -> HTML:
    """A whole report section (<section ...><h2>title</h2>...</section>) folded as `fold` does: the h2 stays in view
    on a phone, the rest opens with a tap. A block of another shape is returned unchanged."""
    text = block.data if isinstance(block, HTML) else str(block)
    match = re.fullmatch(r'<section class="([^"]*)"([^>]*)>(<h2[^>]*>.*?</h2>)(.*)</section>', text, re.S)
    if not match:
        return HTML(text)
    css_class, attributes, heading, body = match.groups()
    folded = fold(heading, body, css_class)
    return HTML(folded.replace(f'<section class="{css_class}">', f'<section class="{css_class}"{attributes}>', 1))


def script_json(value) -> str:
    """`value` as JSON that is safe inside a <script> element: no '</' that could end it, no '<!--'."""
    import json

    return json.dumps(value, ensure_ascii=False, default=_json_default).replace("<", "\\u003c")


def _json_default(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def desktop_layout(layout: dict, phone: dict) -> dict:
    """For every key of the phone update (dotted paths), the value the desktop layout has (None: plotly's default),
    so that a chart returns to its desktop layout when its box widens again (a phone turned sideways, printing)."""
    restore = {}
    for key in phone:
        node = layout
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        restore[key] = node
    return restore


PRINT_WIDTH = 680  # px: the width of A4 less the page margins of trendbreuk.css (182 mm at 96 px an inch)


def fit_script(div_id: str, phone: dict, desktop: dict, tiles: list[int] | None = None) -> str:
    """The script that gives chart `div_id` its phone layout while its box is narrower than PHONE_WIDTH px, its
    desktop layout back when the box widens (checked after drawing and on every resize), and the desktop layout at
    the width of an A4 page while the report is printed. The squares of the traces `tiles` (schematic maps) are
    sized to one axis unit, their labels with them."""
    return (
        f'<script>(function(){{var gd=document.getElementById("{div_id}"),phone={script_json(phone)},'
        f"desk={script_json(desktop)},tiles={script_json(tiles or [])},narrow=null;"
        "function size(){if(!tiles.length)return;var m=gd._fullLayout.xaxis._m;if(!(m>0))return;"
        "Plotly.restyle(gd,{'marker.size':Math.round(m*0.92),'textfont.size':Math.max(7,Math.min(10,Math.round(m/6.6)))},tiles);}"
        "function apply(n,extra){var u=Object.assign({},n?phone:desk,extra||{});"
        "var h=u.height||desk.height||gd._fullLayout.height;gd.parentElement.style.height=h+'px';"
        "Plotly.relayout(gd,u).then(size);}"
        "function ready(){return gd&&window.Plotly&&gd._fullLayout}"
        # a chart in a folded section has no width: it waits until the section opens (tbFit)
        f"function fit(){{if(!ready()||!gd.parentElement.clientWidth)return;var n=gd.parentElement.clientWidth<{PHONE_WIDTH};"
        "if(n===narrow)return;narrow=n;apply(n);}"
        "if(gd){gd.tbFit=function(){if(!ready())return;Plotly.Plots.resize(gd).then(function(){narrow=null;fit()})}}"
        "fit();window.addEventListener('resize',fit);"
        f"window.addEventListener('beforeprint',function(){{if(ready()){{narrow=null;apply(false,{{width:{PRINT_WIDTH}}})}}}});"
        "window.addEventListener('afterprint',function(){if(ready()){narrow=null;Plotly.relayout(gd,{width:null});fit()}});"
        "if(gd&&gd.on){gd.on('plotly_afterplot',fit)}})();</script>"
    )


# Template defaults no chart of the reports uses: subplot kinds they never draw (and the basic plotly.js bundle
# cannot), and the default colour scales (every colour-scaled trace of trendbreuk.charts names its own, Cividis). They
# cost 2,5 kB in every chart, 60 kB in a wijkprofiel.
UNUSED_LAYOUT_DEFAULTS = ("polar", "ternary", "scene", "geo", "mapbox", "map", "smith", "colorscale", "coloraxis")


def own_template(template: dict, types: set[str]) -> dict:
    """A plotly template with the trace defaults of `types` only: what an embedded chart needs of it. The defaults
    of the other trace types (heatmaps, contours, ...) and the unused layout defaults would change nothing and cost
    5 kB and 2,5 kB in every chart."""
    layout = {k: v for k, v in (template.get("layout") or {}).items() if k not in UNUSED_LAYOUT_DEFAULTS}
    return {**template, "layout": layout, "data": {t: v for t, v in (template.get("data") or {}).items() if t in types}}


def _keep_periods(text: str):
    """Text with a period such as 2016-2018 kept on one line in a narrow table column (a browser breaks after the
    hyphen): the text escaped, the periods wrapped in a nowrap span (Markup)."""
    from markupsafe import Markup, escape

    return Markup(re.sub(r"\b(\d{4}-\d{4})\b", r'<span class="tb-nowrap">\1</span>', str(escape(text))))


def _strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " – ", text))


def _slug(text: str) -> str:
    from trendbreuk.geography.areas import slugify

    return slugify(_strip_tags(text))
