"""Calibrate the verdicts on simulated series with a known truth, and write the table (and a figure) into docs/.

    .venv/bin/python scripts/calibrate_verdicts.py [--runs 1000] [--seed 2030] [--out docs]

Runs trendbreuk.indicators.calibration over the full scenario set (proportions, a rate and survey estimates at
gemeente, subregio and region sizes; truths closing 0%, 10% and 40% of the gap, and a small real gap that stays),
through the workbook's own statistics, gaps and verdicts; then the trend-break scenarios (a known jump and change of
slope at 2018, with and without fluctuation between years) through indicators.segmented. Writes docs/kalibratie.md (Dutch, for the stuurgroep and
for statisticians) and, when matplotlib is installed (pip install -e '.[docs]'), docs/kalibratie.svg. Seeded: the
same seed gives the same table. Takes about 3 minutes for 1000 runs per scenario on one core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from trendbreuk import __version__, io
from trendbreuk import formatting as fmt
from trendbreuk.indicators.calibration import calibrate, calibrate_breaks
from trendbreuk.indicators.verdict import FAST, NO_PROGRESS, VERDICTS


def _share(x: float) -> str:
    return "" if pd.isna(x) else fmt.share(x, 1)


def markdown(table: pd.DataFrame, runs: int, seed: int, seconds: float, figure_file: str | None = None) -> str:
    lines = [
        "# Kalibratie van de oordelen",
        "",
        "Gemaakt met `scripts/calibrate_verdicts.py` (werkboek " + __version__ + f", {runs} gesimuleerde reeksen per "
        f"scenario, seed {seed}, {seconds:.0f} s). Elke reeks is een gebied met een bekende waarheid: een achterstand "
        "in 2018 die tot 2030 een bekend deel inloopt (of een kleine echte achterstand die blijft). De reeksen gaan door "
        "de eigen code van het werkboek: percentages met marges, achterstanden, trendlijn en oordeel.",
        "",
        "**Hoe vaak zegt het werkboek ten onrechte 'op koers'?** Kolom *ten onrechte gerust*: de waarheid loopt 0% of "
        f"10% in, en het oordeel is toch 'op koers' of 'doel bereikt'. Doel: hoogstens 5% in elk scenario. Kolom *terecht "
        f"op koers*: de waarheid loopt {FAST:.0%} in; doel voor registraties op regioniveau: minstens 80%. Kolom *ten "
        "onrechte geen achterstand*: er is een kleine echte achterstand (één standaardfout van een jaarcijfer) en het "
        "oordeel zegt 'geen achterstand'. Doel: hoogstens 5%.",
        "",
        *([f"![Oordelen per scenario bij een bekende waarheid]({figure_file})", ""] if figure_file else []),
        "| scenario | waarheid | doel bereikt | op koers | versnelling nodig | achterstand groeit | geen achterstand | "
        "onvoldoende gegevens | ten onrechte gerust | terecht op koers | ten onrechte geen achterstand | oordeel mogelijk met cijfers tot (mediaan) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        name, truth = r.scenario.split("; ")
        until = "" if pd.isna(r.median_data_until) else f"{r.median_data_until:.0f}"
        lines.append(
            f"| {name} | {truth} | "
            + " | ".join(_share(getattr(r, k)) for k in VERDICTS)
            + f" | {_share(r.false_reassurance)} | {_share(r.sensitivity)} | {_share(r.false_no_gap)} | {until} |"
        )
    worst = table["false_reassurance"].max()
    register = table[table["scenario"].str.startswith("registratie, regio") & (table["true_closure"] >= FAST)]
    lines += [
        "",
        f"Hoogste percentage ten onrechte gerust: {_share(worst)}; ten onrechte geen achterstand: "
        f"{_share(table['false_no_gap'].max())}; terecht op koers bij registraties op regioniveau: "
        f"{_share(register['sensitivity'].min())}.",
        "",
        "Lege cel bij *oordeel mogelijk met cijfers tot*: bij de meeste reeksen is ook met cijfers tot 2040 geen oordeel "
        "mogelijk (of er was bij de start geen duidelijke achterstand om in te lopen); het rapport zegt dat dan.",
        "",
        f"De regel (`lib/trendbreuk/indicators/verdict.py`): 'op koers' als de trendlijn in 2030 een kwart inloopt en "
        f"de 95%-marge van het ingelopen deel helemaal boven {NO_PROGRESS:.0%} ligt; 'versnelling nodig' als de lijn "
        f"het doel mist en de marge helemaal onder {FAST:.0%} ligt; 'geen achterstand' als de 95%-marge van de lijn bij "
        "de start onder nul ligt. Zie docs/methode.md.",
    ]
    return "\n".join(lines) + "\n"


def break_markdown(table: pd.DataFrame, runs: int, seed: int, seconds: float) -> str:
    """The calibration of the trend-break categories (indicators.segmented) as a Dutch section."""
    nulls = table[table["slope_change"] == 0]
    within = nulls[~nulls["scenario"].str.contains("sterk schommelend")]
    lines = [
        "",
        "## Kalibratie van ‘Is er een trendbreuk?’",
        "",
        f"Gemaakt met hetzelfde script ({runs} gesimuleerde reeksen per scenario, seed {seed}, {seconds:.0f} s). Elke "
        "reeks is de achterstand van een gebied (1 procentpunt bij een percentage van 7%) met een bekende waarheid: "
        "een rechte lijn vóór 2018 die vanaf 2018 een bekende sprong en knik maakt, soms met een echte schommeling "
        "tussen de jaren bovenop de steekproeffout (AR(1), correlatie 0,5; in het zwaarste scenario 0,8; het model neemt 0,7 aan). De reeksen "
        "gaan door de eigen code: percentages met marges, achterstanden en `gap_breaks`.",
        "",
        "**Hoe vaak zegt het werkboek ten onrechte ‘trendbreuk zichtbaar’?** In de scenario's met helling 0 "
        "(geen verandering, alleen een sprong, een stijgende lijn vóór 2018, schommelingen). Doel: hoogstens 5%. "
        f"Gemeten: hoogstens {_share(within['zichtbaar'].max())} binnen de aannames van het model; in het zwaarste "
        f"scenario (sterk doorwerkende schommelingen, correlatie 0,8) {_share(nulls['zichtbaar'].max())}. "
        "**Hoe vaak wordt een echte breuk gezien?** In de scenario's met een knik: de kolom *zichtbaar* is dan het "
        "onderscheidingsvermogen, per grootte van de knik (procentpunt per jaar) en per laatste datajaar. "
        "*Dekking*: hoe vaak de 95%-marge van de knik de ware knik bevat.",
        "",
        "| scenario | knik per jaar | cijfers t/m | trendbreuk zichtbaar | trend onveranderd | trend verslechterd | "
        "gemiddelde schatting | dekking 95%-marge |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.scenario} | {fmt.number(r.slope_change, 1)} | {r.last_year} | {_share(r.zichtbaar)} | "
            f"{_share(r.onveranderd)} | {_share(r.verslechterd)} | {fmt.number(r.mean_estimate, 2)} | "
            f"{_share(r.coverage)} |"
        )
    lines += [
        "",
        "Lezen: bij een gemeente met 1.000 geboorten per jaar (standaardfout van de achterstand in één jaar ongeveer "
        "0,8 procentpunt) is zelfs een knik van 0,4 procentpunt per jaar met cijfers tot 2027 meestal niet te zien; "
        "bij de regio (5.500 geboorten) wel, vanaf de cijfers tot 2024; bij een registratie van 40.000 inwoners is "
        "een knik van 0,2 per jaar met de cijfers tot 2024 bijna altijd zichtbaar. ‘Trend onveranderd’ betekent "
        "daarom bij kleine aantallen vooral: nog niet te zien. Met de regel van `lib/trendbreuk/indicators/segmented.py`; "
        "zie docs/methode.md.",
    ]
    return "\n".join(lines) + "\n"


def figure(table: pd.DataFrame, path: Path) -> bool:
    """Stacked bars of the verdict shares per scenario (colour-blind-safe Okabe-Ito colours); False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("svg")
        matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable, diffable
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    colours = {
        "doel_bereikt": "#0072B2",
        "op_koers": "#56B4E9",
        "geen_achterstand": "#999999",
        "onvoldoende_gegevens": "#E5E5E5",
        "versnelling_nodig": "#E69F00",
        "achterstand_groeit": "#D55E00",
    }
    labels = [s.replace("; ", "\n") for s in table["scenario"]]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(table) + 1.5))
    left = pd.Series(0.0, index=table.index)
    for key, colour in colours.items():
        ax.barh(labels, table[key], left=left, color=colour, label=VERDICTS[key], edgecolor="white", linewidth=0.3)
        left += table[key]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("aandeel van de gesimuleerde reeksen")
    ax.tick_params(axis="y", labelsize=6)
    ax.set_title("Oordelen bij een bekende waarheid (kalibratie)", fontsize=10)
    ax.legend(ncol=3, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.06 - 1.0 / len(table)))
    fig.tight_layout()
    with io.atomic_path(path) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2030)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = parser.parse_args()
    started = time.perf_counter()
    table = calibrate(full=True, runs=args.runs, seed=args.seed)
    seconds = time.perf_counter() - started
    drawn = figure(table, args.out / "kalibratie.svg")
    started = time.perf_counter()
    breaks = calibrate_breaks(full=True, runs=args.runs, seed=args.seed)
    break_seconds = time.perf_counter() - started
    io.write_text_atomic(
        args.out / "kalibratie.md",
        markdown(table, args.runs, args.seed, seconds, "kalibratie.svg" if drawn else None)
        + break_markdown(breaks, args.runs, args.seed, break_seconds),
    )
    print(breaks[["scenario", "zichtbaar", "verslechterd", "coverage"]].to_string())
    print(table[["scenario", "false_reassurance", "sensitivity", "false_no_gap"]].to_string())
    print(
        f"{args.out / 'kalibratie.md'}"
        + (f", {args.out / 'kalibratie.svg'}" if drawn else " (no figure: pip install -e '.[docs]' for matplotlib)")
    )


if __name__ == "__main__":
    main()
