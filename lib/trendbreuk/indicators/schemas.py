"""Data contracts for the processed tables, checked before `trendbreuk build` writes anything (pandera, lazy:
one error lists every failure). The schemas double as the documented table layout (docs/tabellen.md)."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.errors import SchemaErrors

from trendbreuk.geography.areas import LEVELS as AREA_LEVELS
from trendbreuk.indicators.verdict import VERDICTS

LEVELS = list(AREA_LEVELS)
COMPARISONS = ["beter", "gelijk", "slechter", "niet_te_beoordelen"]


class ContractError(ValueError):
    """A processed table that breaks its contract; the message lists every failing column, check and value."""


def _interval_ok(df):
    has = df["value"].notna() & df["lower_ci"].notna()
    return ~has | ((df["lower_ci"] <= df["value"] + 1e-9) & (df["value"] <= df["upper_ci"] + 1e-9))


INDICATOR_VALUES = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "indicator": pa.Column(str),
        "area_level": pa.Column(str, pa.Check.isin(LEVELS)),
        "area_code": pa.Column(
            str, pa.Check.str_matches(r"^(GM\d{4}|NL01|rest_nl|[A-Z][A-Z0-9]{0,5}|WK\d{6}|BU\d{8}|FA-[a-z0-9-]+)$")
        ),
        "area_name": pa.Column(str),
        "period": pa.Column(str),
        "year_start": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "year_end": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "numerator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "denominator": pa.Column(float, pa.Check.ge(0), nullable=True),
        "value": pa.Column(float, nullable=True),
        "lower_ci": pa.Column(float, nullable=True),
        "upper_ci": pa.Column(float, nullable=True),
        "lower_ci_998": pa.Column(float, nullable=True),
        "upper_ci_998": pa.Column(float, nullable=True),
        "statistic": pa.Column(str, pa.Check.isin(["proportion", "rate", "survey"])),
        "method": pa.Column(str),
    },
    checks=[
        pa.Check(_interval_ok, error="value outside its own interval"),
        pa.Check(lambda df: df["year_start"] <= df["year_end"], error="period ends before it starts"),
    ],
    unique=["region", "indicator", "area_code", "period"],
    coerce=True,
)

GAPS = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "indicator": pa.Column(str),
        "area_code": pa.Column(str),
        "benchmark": pa.Column(str, pa.Check.isin(["rest_nl", "NL01"])),
        "period": pa.Column(str),
        "gap": pa.Column(float, nullable=True),
        "gap_lower": pa.Column(float, nullable=True),
        "gap_upper": pa.Column(float, nullable=True),
        "baseline_gap": pa.Column(float, nullable=True),
        "target_gap": pa.Column(float, nullable=True),
        "share_closed": pa.Column(float, nullable=True),
    },
    checks=[
        pa.Check(
            lambda df: df["gap_lower"].isna() | (df["gap_lower"] <= df["gap_upper"]), error="gap interval reversed"
        )
    ],
    unique=["region", "indicator", "area_code", "benchmark", "period"],
    coerce=True,
)

ASSESSMENTS = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "indicator": pa.Column(str),
        "area_code": pa.Column(str),
        "benchmark": pa.Column(str),
        "comparison": pa.Column(str, pa.Check.isin(COMPARISONS)),
        "trend": pa.Column(str, pa.Check.isin(["stijgend", "dalend", "geen", "niet_te_beoordelen"])),
        "verdict": pa.Column(str, pa.Check.isin(list(VERDICTS))),
        "probability_target": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "year_known": pa.Column(int, pa.Check.ge(2030)),
    },
    unique=["region", "indicator", "area_code", "benchmark"],
    coerce=True,
)

# Wijken, buurten and focus areas: the same contracts plus their own columns (indicators.small_areas).
SMALL_AREA_VALUES = INDICATOR_VALUES.add_columns(
    {
        "gemeente_code": pa.Column(str),
        "rounding_share": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "series_start": pa.Column("Int64"),
        "series_break": pa.Column(bool),
    }
)

AGE_STRATA = pa.DataFrameSchema(
    {
        "indicator": pa.Column(str),
        "region": pa.Column(str),
        "area_level": pa.Column(str, pa.Check.isin(LEVELS)),
        "area_code": pa.Column(str),
        "period": pa.Column(str),
        "stratum": pa.Column(str),
        "value": pa.Column(float, pa.Check.in_range(0, 100), nullable=True),
        "lower_ci": pa.Column(float, nullable=True),
        "upper_ci": pa.Column(float, nullable=True),
        "standard_weight": pa.Column(float, pa.Check.in_range(0, 1, include_min=False)),
    },
    checks=[pa.Check(_interval_ok, element_wise=False, error="lower_ci <= value <= upper_ci")],
    unique=["indicator", "region", "area_code", "period", "stratum"],
    strict=False,
)

AGE_SHARES = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "area_level": pa.Column(str, pa.Check.isin(LEVELS)),
        "area_code": pa.Column(str),
        "stratum": pa.Column(str),
        "age_from": pa.Column(float),
        "age_to": pa.Column(float),
        "year": pa.Column(int),
        "share": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
        "projected": pa.Column(bool),
        "basis": pa.Column(str),
    },
    unique=["region", "area_code", "stratum", "year", "projected"],
    strict=False,
)

AGE_GROUPS = pa.DataFrameSchema(
    {
        "area_level": pa.Column(str, pa.Check.isin(["wijk", "buurt", "focus", "gemeente", "nederland"])),
        "area_code": pa.Column(str),
        "gemeente_code": pa.Column(str),
        "year": pa.Column(int),
        "age_from": pa.Column(float, pa.Check.ge(0)),
        "age_to": pa.Column(float),
        "inhabitants": pa.Column(float, pa.Check.ge(0), nullable=True),
    },
    checks=[pa.Check(lambda f: (f["age_to"] > f["age_from"]).all(), element_wise=False, error="age_to > age_from")],
    unique=["area_code", "year", "age_from"],
    strict=False,
)

CAUSES = {"nieuwe_cijfers", "herziening", "methode", "herindeling"}  # trendbreuk.changes

CHANGES = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "indicator": pa.Column(str),
        "area_code": pa.Column(str),
        "benchmark": pa.Column(str),  # "" for a value, the benchmark for a verdict or standing
        "period": pa.Column(str),  # "" for a verdict or standing
        "kind": pa.Column(
            str,
            pa.Check.isin(
                ["nieuwe_periode", "vervallen_periode", "gewijzigde_waarde", "ander_oordeel", "andere_stand"]
            ),
        ),
        "old_value": pa.Column(float, nullable=True),
        "new_value": pa.Column(float, nullable=True),
        "old_state": pa.Column(str),
        "new_state": pa.Column(str),
        # one cause, or several joined by "+" (a verdict that moved for two reasons)
        "cause": pa.Column(
            str,
            pa.Check(
                lambda s: s.str.split("+").map(lambda parts: set(parts) <= CAUSES),
                element_wise=False,
                error="a cause is one of " + ", ".join(sorted(CAUSES)),
            ),
        ),
    },
    unique=["region", "indicator", "area_code", "benchmark", "period", "kind"],
    strict=False,
)


# The other tables a build writes. These only check (no coercion), so that what is written stays what was computed.
def _verdict_counts_add_up(df):
    counts = [c for c in df.columns if c.startswith("n_") and not c.startswith("n_differences")]
    return df[counts].sum(axis=1) == df["indicators"]


BASKET_SUMMARY = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "area_code": pa.Column(str),
        "area_level": pa.Column(str, pa.Check.isin(LEVELS)),
        "life_phase": pa.Column(str),
        "indicators": pa.Column(int, pa.Check.ge(0)),
        "median_share_closed": pa.Column(float, nullable=True),
        "n_differences_95": pa.Column(int, pa.Check.ge(0)),
        "expected_by_chance_95": pa.Column(float, pa.Check.ge(0)),
    },
    checks=[pa.Check(_verdict_counts_add_up, error="the verdict counts add up to the number of indicators")],
    unique=["region", "area_code", "life_phase"],
    strict=False,
)

POPULATION = pa.DataFrameSchema(
    {
        "region_code": pa.Column(str),
        "period_code": pa.Column(str, pa.Check.str_matches(r"^\d{4}(JJ00|MM\d{2}|KW\d{2}|HJ\d{2})$")),
        "value": pa.Column(float, pa.Check.ge(0), nullable=True),
    },
    unique=["region_code", "period_code"],
    strict=False,
)

LINEAGE = pa.DataFrameSchema(
    {
        "from_code": pa.Column(str, pa.Check.str_matches(r"^GM\d{4}$")),
        "to_code": pa.Column(str, pa.Check.str_matches(r"^GM\d{4}$")),
        "year": pa.Column(int, pa.Check.in_range(1900, 2100)),
        "kind": pa.Column(str),
        "share": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
    },
    strict=False,
)

REGISTRATIONS = pa.DataFrameSchema(
    {
        "area_code": pa.Column(str),
        "programme": pa.Column(str),
        "measure": pa.Column(str),
        "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "value": pa.Column(float, pa.Check.ge(0), nullable=True),
    },
    strict=False,
)

REGISTRATION_TOTALS = REGISTRATIONS.add_columns(
    {
        "reach": pa.Column(float, pa.Check.ge(0), nullable=True),
        "births": pa.Column(float, pa.Check.ge(0), nullable=True),
    }
)

REGISTRATIONS_SHARED = pa.DataFrameSchema(
    {
        "region": pa.Column(str),
        "area_code": pa.Column(str),
        "programme": pa.Column(str),
        "measure": pa.Column(str),
        "year": pa.Column(int, pa.Check.in_range(1990, 2100)),
        "display_value": pa.Column(str),
        "suppressed": pa.Column(str, pa.Check.isin(["", "primair", "secundair"])),
        "value": pa.Column(float, nullable=True),
    },
    # a suppressed cell keeps no number in the shared table: what is hidden in the report is hidden here too
    checks=[pa.Check(lambda df: (df["suppressed"] == "") | df["value"].isna(), error="a suppressed cell has no value")],
    unique=["region", "area_code", "programme", "measure", "year"],
    strict=False,
)

SCHEMAS = {
    "indicator_values": INDICATOR_VALUES,
    "age_strata": AGE_STRATA,
    "age_shares": AGE_SHARES,
    "gaps": GAPS,
    "assessments": ASSESSMENTS,
    "small_area_values": SMALL_AREA_VALUES,
    "small_area_gaps": GAPS,
    "small_area_assessments": ASSESSMENTS,
    "basket_summary": BASKET_SUMMARY,
    "population": POPULATION,
    "lineage": LINEAGE,
    "registrations": REGISTRATIONS,
    "registration_totals": REGISTRATION_TOTALS,
    "registrations_shared": REGISTRATIONS_SHARED,
    "changes": CHANGES,
    "age_groups": AGE_GROUPS,
}


def validate_tables(tables: dict) -> dict:
    """Validate every table that has a schema; raise ContractError listing all failures."""
    problems = []
    out = dict(tables)
    for name, schema in SCHEMAS.items():
        if name not in tables:
            continue
        try:
            out[name] = schema.validate(tables[name], lazy=True, inplace=True)
        except SchemaErrors as err:
            cases = err.failure_cases.head(20)
            for case in cases.itertuples():
                problems.append(
                    f"{name}: column {case.column}, check {case.check}: {case.failure_case!r} (row {case.index})"
                )
    if problems:
        raise ContractError("processed tables break their contract; nothing was written:\n  " + "\n  ".join(problems))
    return out
