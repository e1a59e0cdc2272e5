"""Disclosure control for registration counts in shared outputs.

Within one table (one programme measure and year) the cells form a hierarchy: gemeenten add up to their
subregio, subregio's to the region. Rules:
- primary suppression: a count from 1 up to the threshold (default: below 10) is shown as "<10";
- secondary suppression: further cells are hidden (shown as "x") until no hidden count can be worked out from
  the published cells and totals. This is checked the way an attacker would: for each hidden cell, the smallest
  and largest value it can take given every published number and the additivity of the table (the linear
  programming bounds of an audit), knowing that a "<10" cell lies between 1 and 9 and an "x" cell is at
  least 0. A hidden cell whose range holds only one whole number is recovered; then the smallest visible cell
  of its group is hidden too, and the check runs again. The ranges are exact, and for a hierarchical table they
  follow from interval arithmetic over the tree (feasible_ranges), which gives the linear programme's answer.
- anything computed from a hidden count (a rate, a reach percentage) is hidden with it.
Status values (volledig, deels) and counts that are not about people pass through.

Reference: Hundepool et al. (2012), Statistical Disclosure Control, Wiley, ch. 4 (cell suppression, audit).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

PRIMARY, SECONDARY = "primair", "secundair"


def _bounds(status: str, value: float, threshold: int) -> tuple[float, float]:
    if status == PRIMARY:
        return 1.0, float(threshold - 1)
    if status == SECONDARY:
        return 0.0, math.inf
    return float(value), float(value)


def feasible_ranges(cells: pd.DataFrame, threshold: int) -> dict[str, tuple[float, float]]:
    """For every hidden cell: (lowest, highest) value consistent with everything published.

    cells: code, parent (code or None), value, suppressed ('' | 'primair' | 'secundair').

    The table is a tree (each cell is the sum of its children), so the range of every cell follows exactly from
    two passes of interval arithmetic, without solving a linear programme per cell: upwards, the values a cell
    can take given its own subtree (its bounds, intersected with the sum of its children's ranges); downwards,
    the values it can take given the rest of the table (its parent's possible values minus its siblings'
    ranges). A cell's range is the intersection of the two: the subtree and the rest of the table share only the
    cell itself. This is the same range as minimising and maximising the cell by linear programming under all
    the table's sums (tests/test_disclosure.py checks the two agree with scipy.optimize.linprog)."""
    codes = list(cells["code"])
    bounds = {c: _bounds(s, v, threshold) for c, s, v in zip(codes, cells["suppressed"], cells["value"])}
    parent_of = {c: p for c, p in zip(codes, cells["parent"]) if isinstance(p, str) and p in bounds and p != c}
    children: dict[str, list[str]] = {c: [] for c in codes}
    for child, parent in parent_of.items():
        children[parent].append(child)
    top_down = [c for c in codes if c not in parent_of]
    for code in top_down:  # grows while it is walked: every cell after its parent
        top_down.extend(children[code])
    if len(top_down) != len(codes):
        raise ValueError("the table's parent codes form a loop: every cell must lead up to a total without a parent")

    inside = {}  # the values a cell can take given its own subtree
    for code in reversed(top_down):
        low, high = bounds[code]
        if children[code]:
            low = max(low, sum(inside[c][0] for c in children[code]))
            high = min(high, sum(inside[c][1] for c in children[code]))
        inside[code] = (low, high)
    outside = {}  # the values a cell can take given the rest of the table
    for code in top_down:
        if code not in parent_of:
            outside[code] = (-math.inf, math.inf)
            continue
        parent = parent_of[code]
        low = max(bounds[parent][0], outside[parent][0])
        high = min(bounds[parent][1], outside[parent][1])
        siblings = [inside[c] for c in children[parent] if c != code]
        outside[code] = (low - sum(s[1] for s in siblings), high - sum(s[0] for s in siblings))
    return {
        c: (max(inside[c][0], outside[c][0]), min(inside[c][1], outside[c][1]))
        for c, status in zip(codes, cells["suppressed"])
        if status
    }


def recovered(ranges: dict[str, tuple[float, float]]) -> list[str]:
    """Hidden cells whose feasible range holds at most one whole number."""
    return [
        c
        for c, (low, high) in ranges.items()
        if math.isfinite(high) and math.floor(high + 1e-9) - math.ceil(low - 1e-9) < 1
    ]


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
    from trendbreuk import formatting as fmt

    return fmt.number(value, 0)
