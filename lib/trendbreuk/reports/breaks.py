"""The section "Is er een trendbreuk?" of the regional, subregio and gemeente reports: per indicator, did the course
of the gap change since the programme's start compared with the course it was on before (indicators.segmented),
in one plain sentence, a table of categories and a chart per indicator with the course before continued."""

from __future__ import annotations

import pandas as pd
from markupsafe import Markup

from trendbreuk import formatting as fmt
from trendbreuk.charts.trend import figure_break
from trendbreuk.indicators.catalogue import Indicator, judging
from trendbreuk.indicators.segmented import CATEGORIES, gap_break, usable_points
from trendbreuk.reports.page import HTML, Page, explained, fold, fragment, table_html

# badge style (the comparison badges' colours) and symbol per category: ▼ the gap moves down faster, ▲ up
BADGES = {
    "zichtbaar": ("beter", "▼"),
    "verslechterd": ("slechter", "▲"),
    "onveranderd": ("gelijk", "●"),
    "te_weinig": ("niet_te_beoordelen", "–"),
}

ORDER = ("zichtbaar", "verslechterd", "onveranderd", "te_weinig")

METHOD_NOTE = (
    "Per indicator is het verloop van de achterstand vóór de start van het programma vergeleken met het verloop "
    "sindsdien (onderbroken tijdreeks, gesegmenteerde regressie; Lopez Bernal e.a. 2017). ‘Trendbreuk zichtbaar’: "
    "de achterstand verloopt sinds de start duidelijk gunstiger dan daarvoor, ook als je het toeval meerekent. "
    "‘Trend verslechterd’: duidelijk ongunstiger. ‘Trend onveranderd’: een verandering is niet aan te tonen; dat "
    "betekent niet dat er niets veranderd is. ‘Te weinig jaren’: er zijn minder dan vier metingen vóór of vanaf de "
    "start. De stippellijn laat zien waar de achterstand zou staan als het verloop van vóór de start was doorgegaan. "
    "Een trendbreuk zegt niet dat het programma die veroorzaakt heeft: in dezelfde jaren veranderden ook andere dingen, "
    "en de vergelijking is met de rest van Nederland, die ook verandert."
)


def break_badge(category: str) -> str:
    style, symbol = BADGES[category]
    return fragment("comparison_badge", style, symbol, CATEGORIES[category])


def _per_year(value: float, unit: str, decimals: int) -> str:
    return f"{fmt.difference(abs(value), unit, decimals + 1)} per jaar"


def _course(slope: float, unit: str, decimals: int, past: bool, noun: str) -> str:
    """'groeide hij met 0,12 procentpunt per jaar' / 'krimpt hij ...' / 'bleef hij ongeveer gelijk'."""
    if round(abs(slope), decimals + 1) == 0:
        return f"{'bleef' if past else 'blijft'} {noun} ongeveer gelijk"
    verb = ("groeide" if past else "groeit") if slope > 0 else ("kromp" if past else "krimpt")
    return f"{verb} {noun} met {_per_year(slope, unit, decimals)}"


def break_sentence(result: dict, indicator: Indicator, area_name: str, benchmark_name: str) -> str:
    """One plain sentence (or two) for the stuurgroep about the course of a gap before and since the start."""
    start, unit, d = result["start"], indicator.unit, indicator.decimals
    if result["category"] == "te_weinig":

        def measured(n: int) -> str:
            return fmt.count(n, "meting", "metingen") if n else "geen metingen"

        have = (
            f"Er {'is' if result['points_before'] == 1 else 'zijn'} {measured(result['points_before'])} van vóór "
            f"{start} en {measured(result['points_after'])} vanaf {start}; voor een oordeel over een "
            f"trendbreuk zijn er minstens {result['needed_before']} vóór en {result['needed_after']} vanaf {start} "
            "nodig."
        )
        if result["points_before"] < result["needed_before"]:
            if indicator.comparable_from:
                return have + (
                    f" De reeks is pas vanaf {indicator.comparable_from} vergelijkbaar, dus voor deze reeks "
                    "is die vraag niet te beantwoorden."
                )
            return have + (
                " Zonder cijfers over eerdere jaren (niet ingelezen, of niet vergelijkbaar) is die vraag voor "
                "deze reeks niet te beantwoorden."
            )
        return have + (
            f" Met de cijfers tot en met {int(result['data_until'])}, die naar verwachting in "
            f"{int(result['known_in'])} verschijnen, kan het wel."
        )
    # a positive gap is behind; for an area ahead at the start the sentence speaks of its lead, with the signs turned
    ahead = result["level"] < 0
    noun, sign = ("de voorsprong", -1) if ahead else ("de achterstand", 1)
    who = f"{noun} van {area_name} op {benchmark_name}"
    before = _course(sign * result["slope"], unit, d, past=True, noun="hij")
    since = _course(sign * result["slope_after"], unit, d, past=False, noun="hij")
    good, good_low, good_high = -result["slope_change"], -result["slope_change_upper"], -result["slope_change_lower"]
    if result["category"] == "zichtbaar":
        head = f"Sinds {start} verloopt {who} gunstiger dan daarvoor"
        margin = (
            f"Die verbetering van {_per_year(good, unit, d)} (marge {fmt.number(good_low, d + 1)} tot "
            f"{fmt.number(good_high, d + 1)}) is groter dan toeval."
        )
    elif result["category"] == "verslechterd":
        head = f"Sinds {start} verloopt {who} ongunstiger dan daarvoor"
        margin = (
            f"Die verslechtering van {_per_year(good, unit, d)} (marge {fmt.number(-good_high, d + 1)} tot "
            f"{fmt.number(-good_low, d + 1)}) is groter dan toeval."
        )
    else:
        head = f"Sinds {start} is geen verandering in het verloop van {who} aan te tonen"
        margin = (
            f"De verandering ligt ergens tussen {_per_year(good_high, unit, d)} gunstiger en "
            f"{_per_year(good_low, unit, d)} ongunstiger; dat kan toeval zijn."
        )
    return fmt.sentence(f"{head}: vóór {start} {before}, sinds {start} {since}.") + " " + margin


class BreakSection:
    """The trend-break analysis of one area (gemeente, subregio or region) against one benchmark."""

    def __init__(
        self,
        page: Page,
        gaps: pd.DataFrame,
        catalogue: dict[str, Indicator],
        area_name: str,
        benchmark_name: str,
        indicators: list[Indicator] | None = None,
    ):
        self.page, self.catalogue = page, catalogue
        self.area_name, self.benchmark_name = area_name, benchmark_name
        chosen = indicators if indicators is not None else judging(catalogue)
        present = set(gaps["indicator"])
        self.results = []
        for indicator in chosen:
            if indicator.id in present:
                rows = gaps[gaps["indicator"] == indicator.id]
                self.results.append((indicator, rows, gap_break(rows, indicator)))
        # the answers first: breaks, then worse, unchanged, and the indicators without enough years last
        order = list(ORDER)
        self.results.sort(key=lambda item: order.index(item[2]["category"]))

    def summary(self) -> str:
        counts = {key: sum(r["category"] == key for _, _, r in self.results) for key in CATEGORIES}
        judged = len(self.results) - counts["te_weinig"]
        if not judged:
            return (
                f"Voor geen van de {len(self.results)} indicatoren zijn er genoeg jaren vóór en sinds de start om een "
                "trendbreuk vast te stellen."
            )

        def named(key: str) -> str:
            titles = [i.short_title or i.title.lower() for i, _, r in self.results if r["category"] == key]
            return f"{counts[key]} ({fmt.join(titles)})"

        parts = []
        if counts["zichtbaar"]:
            parts.append(f"bij {named('zichtbaar')} verloopt de achterstand duidelijk gunstiger dan daarvoor")
        if counts["verslechterd"]:
            parts.append(f"bij {named('verslechterd')} duidelijk ongunstiger")
        if counts["onveranderd"]:
            parts.append(f"bij {counts['onveranderd']} is geen verandering aan te tonen")
        text = (
            (
                f"Van de {fmt.count(judged, 'indicator', 'indicatoren')} met genoeg jaren: "
                if judged > 1
                else "Van de enige indicator met genoeg jaren: "
            )
            + fmt.join(parts)
            + "."
        )
        if counts["te_weinig"]:
            text += (
                f" {fmt.count(counts['te_weinig'], 'indicator heeft', 'indicatoren hebben')} te weinig jaren voor "
                "een oordeel."
            )
        return fmt.sentence(text)

    def table(self) -> str:
        rows = []
        for indicator, _, r in self.results:
            d, unit = indicator.decimals, indicator.unit
            analysed = r["category"] != "te_weinig"
            if analysed:
                note = (
                    f"verandering {fmt.number(r['slope_change'], d + 1)} per jaar (marge "
                    f"{fmt.number(r['slope_change_lower'], d + 1)} tot {fmt.number(r['slope_change_upper'], d + 1)})"
                )
            elif r["points_before"] < r["needed_before"]:
                before = fmt.count(r["points_before"], "meting", "metingen") if r["points_before"] else "geen metingen"
                note = f"{before} vóór {r['start']}: niet vast te stellen"
            else:
                note = f"oordeel mogelijk in {int(r['known_in'])}"
            rows.append(
                {
                    "Indicator": indicator.title + ("" if unit == "%" else f" ({unit})"),
                    f"Vóór {r['start']}, per jaar": fmt.number(r["slope"], d + 1) if analysed else fmt.MISSING,
                    f"Sinds {r['start']}, per jaar": fmt.number(r["slope_after"], d + 1) if analysed else fmt.MISSING,
                    "Trend": break_badge(r["category"]),
                    "Toelichting": note,
                }
            )
        return table_html(
            pd.DataFrame(rows),
            caption="Verandering van de achterstand per jaar vóór en sinds de start (procentpunt bij "
            "percentages; negatief = gunstig, het verschil schuift naar het gebied toe)",
            raw_columns=("Trend",),
        )

    def chart(self, indicator: Indicator, rows: pd.DataFrame, result: dict) -> HTML:
        points = usable_points(rows, indicator)
        fit = result["fit"]
        course = fit.course_line(points["t"].min(), points["t"].max())
        d, unit = indicator.decimals, indicator.unit
        title = (
            f"{indicator.title}: achterstand van {self.area_name} vóór en sinds {result['start']}"
            f"<br><sup>{CATEGORIES[result['category']]} · stippellijn: als het verloop van vóór {result['start']} "
            "was doorgegaan</sup>"
        )
        last = course.iloc[-1]
        alt = (
            f"Lijndiagram van de achterstand van {self.area_name} op {self.benchmark_name} per periode, met de "
            f"lijn van vóór {result['start']}, de lijn sindsdien en de doorgetrokken lijn van vóór de start. "
            f"{break_sentence(result, indicator, self.area_name, self.benchmark_name)} Volgens het verloop van vóór "
            f"de start zou de achterstand in {points['period'].iloc[-1]} "
            f"{fmt.difference(last['counterfactual'], unit, d)} zijn; gemeten: "
            f"{fmt.difference(points['gap'].iloc[-1], unit, d)}."
        )
        data = pd.DataFrame(
            {
                "Periode": points["period"],
                "Achterstand": [fmt.number(v, d) for v in points["gap"]],
                "Marge": [
                    f"{fmt.number(a, d)} tot {fmt.number(b, d)}"
                    for a, b in zip(points["gap_lower"], points["gap_upper"])
                ],
                "Verloop vóór de start doorgetrokken": [
                    fmt.number(v, d) if t >= result["start"] else fmt.MISSING
                    for t, v in zip(points["t"], fit.course(points["t"])["counterfactual"])
                ],
            }
        )
        return self.page.chart(
            figure_break(
                points,
                course,
                title=title,
                unit=unit,
                area_label=self.area_name,
                benchmark_label=self.benchmark_name,
                start=result["start"],
                decimals=d,
            ),
            alt=alt,
            data=data,
            name=f"trendbreuk {indicator.title} {self.area_name}",
        )

    def html(self) -> HTML:
        if not self.results:
            return HTML("")
        parts = []
        for indicator, rows, result in self.results:
            if result["category"] == "te_weinig":
                continue
            heading = Markup("<h3>{} {}</h3>").format(indicator.title, Markup(break_badge(result["category"])))
            body = Markup("<p>{}</p>").format(break_sentence(result, indicator, self.area_name, self.benchmark_name))
            parts.append(Markup(fold(heading, body + Markup(self.chart(indicator, rows, result).data))))
        # indicators that lack years for the same reason share one sentence
        reasons: dict[str, list[str]] = {}
        for i, _, r in self.results:
            if r["category"] == "te_weinig":
                reasons.setdefault(break_sentence(r, i, self.area_name, self.benchmark_name), []).append(i.title)
        if reasons:
            items = Markup("").join(
                Markup("<li><strong>{}</strong>: {}</li>").format(
                    fmt.join(titles), reason if len(titles) == 1 else reason.replace("deze reeks ", "deze reeksen ")
                )
                for reason, titles in reasons.items()
            )
            parts.append(Markup('<h3>Te weinig jaren</h3><ul class="tb-named">{}</ul>').format(items))
        # the answer stays in view; the table, the method and the charts per indicator fold away on a phone
        details = fold(
            Markup("<span>Per indicator: tabel en grafieken</span>"),
            Markup("{}{}{}").format(
                Markup(self.table()),
                Markup(explained(Markup('<p class="tb-note">{}</p>').format(METHOD_NOTE), "Hoe is dit bepaald?")),
                Markup("").join(parts),
            ),
            "tb-break-details",
        )
        block = Markup(
            '<section class="tb-breaks"><h2>Is er een trendbreuk?</h2><p class="tb-lead">{}</p>{}</section>'
        ).format(self.summary(), Markup(details))
        return HTML(str(block))


def break_section(
    processed,
    catalogue: dict[str, Indicator],
    page: Page,
    *,
    region_key: str,
    benchmark: str,
    area_code: str,
    area_name: str,
    benchmark_name: str,
) -> HTML:
    """The section for one area of a build (processed tables): every judged indicator with a gap series."""
    gaps = processed.rows("gaps", region=region_key, benchmark=benchmark, area_code=area_code)
    return BreakSection(page, gaps, catalogue, area_name, benchmark_name).html()
