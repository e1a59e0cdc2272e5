"""The sentences that tell the stuurgroep what the numbers say, in plain Dutch: how an area scores now, why one
'duidelijk' difference is no proof, and what is known when the verdict for 2030 is "onvoldoende gegevens".

Every count goes through `formatting.count` / `out_of` (1 indicator, 2 indicatoren, de enige doelindicator), every
sentence through `formatting.sentence` (a capital, one full stop).
"""

from __future__ import annotations

import pandas as pd

from trendbreuk import formatting as fmt
from trendbreuk.indicators.catalogue import Indicator
from trendbreuk.reports.common import (
    COMPARISON,
)
from trendbreuk.reports.common import finite as _finite
from trendbreuk.reports.common import first_upper as _first_upper

BEYOND_REACH = "ook met cijfers tot ver na"


def standing_sentence(
    area_name: str, benchmark_name: str, counts, n: int, noun: str = "doelindicator", nouns: str = "doelindicatoren"
) -> str:
    """How an area scores now on its `n` indicators, from the counts per comparison status: 'Heerlen scoort nu op 3
    van de 19 doelindicatoren duidelijk slechter dan de rest van Nederland, op 1 duidelijk beter en op 15 niet
    duidelijk anders.'; one indicator reads 'op de enige doelindicator'."""
    labels = (
        ("slechter", f"duidelijk slechter dan {benchmark_name}"),
        ("beter", "duidelijk beter"),
        ("gelijk", "niet duidelijk anders"),
        ("niet_te_beoordelen", "niet te beoordelen"),
    )
    present = [(int(counts.get(key, 0)), label) for key, label in labels if int(counts.get(key, 0))]
    if n == 0 or not present:
        return fmt.sentence(f"Voor {area_name} is nog geen enkele {noun} met {benchmark_name} te vergelijken")
    if len(present) == 1:
        k, label = present[0]
        if label == "niet te beoordelen":
            return fmt.sentence(
                f"{fmt.out_of(k, n, noun, nouns)} {'is' if k == 1 else 'zijn'} voor {area_name} nu niet te beoordelen"
            )
        return fmt.sentence(f"{area_name} scoort nu op {fmt.out_of(k, n, noun, nouns)} {label}")
    (k, label), rest = present[0], present[1:]
    first = f"op {k} van de {fmt.count(n, noun, nouns)} {label}"
    return fmt.sentence(f"{area_name} scoort nu {fmt.join([first] + [f'op {j} {text}' for j, text in rest])}")


def chance_note(n: int, expected: float) -> str:
    """Why one 'duidelijk' difference among many comparisons is no proof: at 95% chance alone calls 1 in 20 clear."""
    text = "Ook zonder echt verschil noemt de toets gemiddeld 1 op de 20 vergelijkingen “duidelijk” anders"
    if n >= 10:
        text += (
            f"; bij {fmt.count(n, 'vergelijking', 'vergelijkingen')} zijn dat er ongeveer "
            f"{fmt.number(expected, 0 if expected >= 0.95 else 1)}"
        )
    return fmt.sentence(text + ". Lees één afwijkende indicator daarom niet als bewijs")


def when_verdict(row: pd.Series, area_name: str, larger: str = "de subregio en de regio") -> str:
    """From which year's figures a verdict becomes possible, or why it will not be (one sentence, or '')."""
    if _finite(row.get("verdict_data_until")):
        until = int(row["verdict_data_until"])
        known = (
            f", die naar verwachting in {int(row['verdict_known_in'])} verschijnen"
            if _finite(row.get("verdict_known_in"))
            else ""
        )
        return fmt.sentence(
            f"Met de huidige aantallen wordt een oordeel naar verwachting mogelijk met de cijfers tot "
            f"en met {until}{known}"
        )
    if BEYOND_REACH in str(row.get("verdict_reason", "")):
        return fmt.sentence(
            f"Ook met cijfers tot ver na 2030 wordt het voor {area_name} alleen niet zeker genoeg, "
            f"omdat de aantallen te klein zijn; {larger} zeggen meer"
        )
    return ""


def insufficient_sentence(
    row: pd.Series,
    indicator: Indicator,
    area_name: str,
    benchmark_name: str,
    target_year: int,
    larger: str = "de subregio en de regio",
    start_told: bool = False,
) -> str:
    """For a verdict "onvoldoende gegevens": what is known now about the gap, why that is not enough for a verdict
    about `target_year`, and from which year's figures it will be (or that it will not be, and why; `larger` names
    the areas that say more when the counts stay too small; `start_told`: the sentence before already gave the gap at
    the start)."""
    unit, d = indicator.unit, indicator.decimals
    reason = str(row.get("verdict_reason", ""))
    when = when_verdict(row, area_name, larger)
    if reason.startswith("geen startwaarde") or not _finite(row.get("baseline_gap")):
        why = reason.split(":", 1)[1].strip() if ":" in reason else ""
        if why == "geen cijfers":
            known = "Er zijn nog geen cijfers"
        elif not why or why.startswith("geen cijfer over het startjaar"):
            known = f"Er is {why or 'geen cijfer over het startjaar'}"
        else:
            known = f"Er is geen cijfer over het startjaar: {why}"
        return " ".join(
            filter(
                None,
                (
                    fmt.sentence(known),
                    fmt.sentence(
                        f"Hoeveel van de achterstand sinds de start is ingelopen, is daarom niet te zeggen, en een "
                        f"oordeel over {target_year} is niet mogelijk"
                    )
                    if not when
                    else when,
                ),
            )
        )
    base, period = row["baseline_gap"], row.get("baseline_period")
    if reason.startswith("minder dan 3 meetpunten"):
        points = int(row["projection_points"]) if _finite(row.get("projection_points")) else 0
        known = (
            f"Sinds de start ({period}) {'is er' if points == 1 else 'zijn er'} "
            f"{fmt.count(points, 'meetpunt', 'meetpunten')}; een trendlijn naar {target_year} vraagt er "
            "minstens 3"
        )
        return " ".join(filter(None, (fmt.sentence(known), when)))
    if "geen duidelijke achterstand" in reason:
        known = (
            (
                f"Bij de start ({period}) was er geen duidelijke achterstand op {benchmark_name} "
                f"({fmt.difference(base, unit, d)}, met een marge rond nul), dus ook geen achterstand om een deel van "
                "in te lopen"
            )
            if not start_told
            else (
                "Omdat er bij de start geen duidelijke achterstand was, is er geen deel van een achterstand om in te "
                "lopen"
            )
        )
        return " ".join(filter(None, (fmt.sentence(known), when)))
    # too uncertain: say which way the gap moved, and that it is not yet sure enough
    latest = row.get("latest_gap")
    if _finite(latest) and row.get("latest_period") != period:
        change = float(latest) - float(base)
        if fmt.number(abs(change), d) == fmt.number(0, d):
            moved = f"is de achterstand sinds de start vrijwel gelijk gebleven ({fmt.difference(latest, unit, d)})"
        else:
            moved = (
                f"is de achterstand sinds de start {'gegroeid' if change > 0 else 'kleiner geworden'} (van "
                f"{fmt.number(base, d)} naar {fmt.difference(latest, unit, d)})"
            )
        known = f"Volgens de cijfers {moved}, maar dat is nog niet zeker genoeg voor een oordeel over {target_year}"
    else:
        known = f"Er is nog te weinig verloop sinds de start voor een oordeel over {target_year}"
    return " ".join(filter(None, (fmt.sentence(known), when)))


def assessment_sentence(
    row: pd.Series, indicator: Indicator, area_name: str, benchmark_name: str, target_year: int
) -> str:
    """What happened to the gap since the start, why, what that means for 2030, and when we will know."""
    unit, d = indicator.unit, indicator.decimals
    known = f" Het cijfer over {target_year} is naar verwachting in {int(row['year_known'])} bekend."
    if not _finite(row.get("baseline_gap")):
        return insufficient_sentence(row, indicator, area_name, benchmark_name, target_year) + known
    start = f"Bij de start ({row['baseline_period']}) "
    now = (
        f"In {row['latest_period']} is de achterstand {fmt.difference(row['latest_gap'], unit, d)} "
        f"(onzekerheidsmarge {fmt.number(row['latest_gap_lower'], d)} tot {fmt.number(row['latest_gap_upper'], d)})."
    )
    if row["baseline_gap"] <= 0:
        return (
            start + f"had {area_name} geen achterstand op {benchmark_name} "
            f"({fmt.difference(row['baseline_gap'], unit, d)}). " + now + trend_sentence(row) + known
        )
    clear = _finite(row.get("baseline_gap_lower")) and row["baseline_gap_lower"] > 0
    text = (
        start + f"was de achterstand van {area_name} op {benchmark_name} {fmt.difference(row['baseline_gap'], unit, d)}"
    )
    text += ". " if clear else " (klein en niet duidelijk verschillend van nul). "
    text += now
    if row["latest_period"] != row["baseline_period"] and _finite(row.get("share_closed")):
        change = row["latest_gap"] - row["baseline_gap"]
        if row["latest_gap"] <= 0:
            text += " De achterstand van de start is helemaal ingelopen."
        elif change < 0 and clear:
            text += (
                f" Er is {fmt.share(row['share_closed'])} van de achterstand ingelopen; volgens het doelpad had nu "
                f"{fmt.share(row['target_share_closed_now'])} ingelopen moeten zijn."
            )
        elif change < 0:
            text += f" De achterstand is {fmt.difference(-change, unit, d)} kleiner geworden."
        else:
            text += f" De achterstand is {fmt.difference(change, unit, d)} groter geworden."
        area_delta = -row["change_due_to_area"]
        bench_delta = row["change_due_to_benchmark"]
        text += (
            f" {_first_upper(area_name)} zelf {'verbeterde' if area_delta >= 0 else 'verslechterde'} "
            f"{fmt.difference(abs(area_delta), unit, d)}, {benchmark_name} "
            f"{'verbeterde' if bench_delta >= 0 else 'verslechterde'} {fmt.difference(abs(bench_delta), unit, d)}."
        )
    if row.get("verdict") == "onvoldoende_gegevens":
        text += f" Een oordeel voor {target_year} is nog niet mogelijk. " + insufficient_sentence(
            row, indicator, area_name, benchmark_name, target_year, start_told=True
        )
    else:
        text += f" Oordeel voor {target_year}: {row['verdict_label']} ({row['verdict_reason']})."
    return text + trend_sentence(row) + known


def trend_title(row: pd.Series, indicator: Indicator, area_name: str, benchmark_name: str) -> str:
    """The message of the trend chart: where the area stands now against the benchmark."""
    status = row.get("comparison") if row.get("comparison") in COMPARISON else "niet_te_beoordelen"
    if status == "niet_te_beoordelen" or not _finite(row.get("value")):
        return f"{indicator.title} in {area_name}: nu niet te vergelijken met {benchmark_name}"
    unit, d = indicator.unit, indicator.decimals
    return (
        f"{indicator.title} in {area_name}: {COMPARISON[status][1]} dan {benchmark_name} "
        f"({fmt.value_with_unit(row['value'], unit, d)} tegen {fmt.value_with_unit(row['benchmark_value'], unit, d)} "
        f"in {row['latest_period']})"
    )


def gap_title(row: pd.Series, indicator: Indicator, area_name: str) -> str:
    """The message of the gap chart: how the gap moved since the start, and the verdict."""
    unit, d = indicator.unit, indicator.decimals
    if not _finite(row.get("baseline_gap")):
        moved = "geen cijfer over het startjaar"
    elif row["baseline_gap"] <= 0:
        moved = "geen achterstand bij de start"
    elif not _finite(row.get("latest_gap")) or row["latest_period"] == row["baseline_period"]:
        moved = "nog geen meting na de start"
    elif row["latest_gap"] <= 0:
        moved = "de achterstand van de start is helemaal ingelopen"
    else:
        change = row["latest_gap"] - row["baseline_gap"]
        moved = (
            f"de achterstand is {fmt.difference(abs(change), unit, d)} "
            f"{'kleiner' if change < 0 else 'groter'} dan bij de start"
        )
    verdict = (
        "nog geen oordeel over 2030 mogelijk"
        if row.get("verdict") == "onvoldoende_gegevens"
        else f"oordeel {row['verdict_label']}"
    )
    return f"{indicator.title} in {area_name}: {moved}; {verdict}"


def trend_sentence(row: pd.Series) -> str:
    """The recent-trend marker in words (only a robust trend is called a trend)."""
    meaning = row.get("trend_meaning")
    if meaning in ("verbetert", "verslechtert"):
        return f" De laatste jaren {meaning} de waarde duidelijk (trend over {int(row['trend_points'])} meetpunten)."
    if meaning == "geen":
        return " De laatste jaren is er geen duidelijke trend."
    return ""
