"""Disclosure control for registration counts in shared outputs.

Within one table (one programme measure and year) the cells form a hierarchy: gemeenten add up to their
subregio, subregio's to the region. Rules:
- primary suppression: a count from 1 up to the threshold (default: below 10) is shown as "<10";
- secondary suppression: further cells are hidden (shown as "x") until no hidden count can be worked out from
  the published cells and totals. This is checked the way an attacker would: for each hidden cell, the smallest
  and largest value it can take given every published number and the additivity of the table (linear
  programming, scipy.optimize.linprog), knowing that a "<10" cell lies between 1 and 9 and an "x" cell is at
  least 0. A hidden cell whose range holds only one whole number is recovered; then the smallest visible cell
  of its group is hidden too, and the check runs again.
- anything computed from a hidden count (a rate, a reach percentage) is hidden with it.
Status values (volledig, deels) and counts that are not about people pass through.

Reference: Hundepool et al. (2012), Statistical Disclosure Control, Wiley, ch. 4 (cell suppression, audit).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import linprog

PRIMARY, SECONDARY = "primair", "secundair"


def _bounds(status: str, value: float, threshold: int) -> tuple[float, float | None]:
    if status == PRIMARY:
        return 1.0, float(threshold - 1)
    if status == SECONDARY:
        return 0.0, None
    return float(value), float(value)


def feasible_ranges(cells: pd.DataFrame, threshold: int) -> dict[str, tuple[float, float]]:
    """For every hidden cell: (lowest, highest) value consistent with everything published.

    cells: code, parent (code or None), value, suppressed ('' | 'primair' | 'secundair').
    """
    codes = list(cells["code"])
    position = {c: i for i, c in enumerate(codes)}
    bounds = [_bounds(s, v, threshold) for s, v in zip(cells["suppressed"], cells["value"])]
    rows = []
    for parent, children in cells.dropna(subset=["parent"]).groupby("parent"):
        if parent not in position:
            continue
        row = np.zeros(len(codes))
        row[position[parent]] = 1.0
        for child in children["code"]:
            row[position[child]] = -1.0
        rows.append(row)
    a_eq = np.array(rows) if rows else None
    b_eq = np.zeros(len(rows)) if rows else None
    ranges = {}
    for code, status in zip(codes, cells["suppressed"]):
        if not status:
            continue
        objective = np.zeros(len(codes))
        objective[position[code]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        top = -high.fun if high.status == 0 else math.inf  # unbounded above: cannot be pinned
        ranges[code] = (low.fun if low.status == 0 else -math.inf, top)
    return ranges


def recovered(ranges: dict[str, tuple[float, float]]) -> list[str]:
    """Hidden cells whose feasible range holds at most one whole number."""
    return [c for c, (low, high) in ranges.items()
            if math.isfinite(high) and math.floor(high + 1e-9) - math.ceil(low - 1e-9) < 1]


def suppress_table(cells: pd.DataFrame, threshold: int = 10) -> pd.DataFrame:
    """Add `suppressed` ('' | 'primair' | 'secundair') to one additive table of counts (code, parent, value)."""
    out = cells.copy()
    values = out["value"].astype(float)
    out["suppressed"] = np.where((values >= 1) & (values < threshold), PRIMARY, "")
    for _ in range(len(out)):
        pinned = recovered(feasible_ranges(out, threshold))
        if not pinned:
            return out
        for code in pinned:
            parent = out.loc[out["code"] == code, "parent"].iloc[0]
            siblings = out[(out["parent"] == parent) & (out["code"] != code)] if pd.notna(parent) else out.iloc[0:0]
            children = out[out["parent"] == code]
            group = pd.concat([siblings, children, out[out["code"] == parent]])
            candidates = group[group["suppressed"] == ""]
            if candidates.empty:  # everything nearby is hidden already: go one level up
                candidates = out[(out["suppressed"] == "") & (out["code"] != code)]
            if candidates.empty:
                continue
            pick = candidates.sort_values(["value", "code"]).index[0]
            out.loc[pick, "suppressed"] = SECONDARY
    raise RuntimeError("secondary suppression did not converge")  # pragma: no cover (every step hides a cell)


def display_count(value: float, suppressed: str, threshold: int) -> str:
    if suppressed == PRIMARY:
        return f"<{threshold}"
    if suppressed == SECONDARY:
        return "x"
    from trendbreuk.reports import formatting as fmt

    return fmt.number(value, 0)
