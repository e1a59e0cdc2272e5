"""Disclosure control: primary and secondary suppression, audited by an attacker that differences totals."""

import itertools

import pandas as pd
import pytest

from trendbreuk.indicators.disclosure import feasible_ranges, recovered, suppress_table


def _table(values: dict[str, int]):
    """Gemeenten A1, A2, A3 in subregio A; B1, B2 in subregio B; region R = A + B."""
    parent = {"A1": "A", "A2": "A", "A3": "A", "B1": "B", "B2": "B", "A": "R", "B": "R", "R": None}
    totals = {"A": values["A1"] + values["A2"] + values["A3"], "B": values["B1"] + values["B2"]}
    totals["R"] = totals["A"] + totals["B"]
    rows = [{"code": c, "parent": parent[c], "value": v} for c, v in {**values, **totals}.items()]
    return pd.DataFrame(rows)


def test_one_small_gemeente_forces_a_second_hidden_cell():
    # A1 = 4 is below 10. With A = 34 and A2, A3 visible, A1 = 34 - 12 - 18: so a second cell must go.
    out = suppress_table(_table({"A1": 4, "A2": 12, "A3": 18, "B1": 30, "B2": 25})).set_index("code")
    assert out.loc["A1", "suppressed"] == "primair"
    assert (out["suppressed"] == "secundair").sum() >= 1
    assert out.loc["A2", "suppressed"] == "secundair"  # the smallest visible sibling
    assert not recovered(feasible_ranges(out.reset_index(), 10))


def test_zero_is_shown_but_can_be_hidden_to_protect_a_neighbour():
    # A = 3 = A1 + 0 + 0: hiding A1 alone leaves A1 = A. The total itself is below 10 and hidden; then the region
    # minus B reveals A, so more cells go until nothing can be worked out.
    out = suppress_table(_table({"A1": 3, "A2": 0, "A3": 0, "B1": 40, "B2": 35}))
    assert not recovered(feasible_ranges(out, 10))
    assert out.set_index("code").loc["A1", "suppressed"] == "primair"


def test_nothing_small_nothing_hidden():
    out = suppress_table(_table({"A1": 10, "A2": 0, "A3": 22, "B1": 40, "B2": 35}))
    assert (out["suppressed"] == "").all()


def test_brute_force_attacker_cannot_pin_any_small_count():
    """Every table with counts 0, 4 or 12 in five gemeenten (243 tables). The attacker enumerates every integer
    completion of the hidden gemeente cells (a '<10' cell 1-9, an 'x' cell 0-30) that reproduces all published
    numbers; each small count must keep at least two possible values."""
    import numpy as np

    gemeenten = ["A1", "A2", "A3", "B1", "B2"]
    for combo in itertools.product([0, 4, 12], repeat=5):
        out = suppress_table(_table(dict(zip(gemeenten, combo)))).set_index("code")
        status = out["suppressed"].to_dict()
        free = [c for c in gemeenten if status[c]]
        if not free:
            continue
        grids = np.meshgrid(
            *[np.arange(1, 10) if status[c] == "primair" else np.arange(0, 31) for c in free], indexing="ij"
        )
        cells = {
            c: (grids[free.index(c)].ravel() if c in free else np.full(grids[0].size, out.loc[c, "value"]))
            for c in gemeenten
        }
        derived = {**cells, "A": cells["A1"] + cells["A2"] + cells["A3"], "B": cells["B1"] + cells["B2"]}
        derived["R"] = derived["A"] + derived["B"]
        ok = np.ones(grids[0].size, dtype=bool)
        for code, value in out["value"].items():
            if not status[code]:
                ok &= derived[code] == value  # every published number must match
            elif status[code] == "primair":
                ok &= (derived[code] >= 1) & (derived[code] <= 9)  # a '<10' total is 1-9 too
        assert ok.any(), combo  # the truth itself is always a completion
        for code in out.index:
            if status[code] == "primair":
                assert len(np.unique(derived[code][ok])) >= 2, (combo, code)


def test_tree_ranges_are_the_linear_programming_bounds():
    """The interval arithmetic of feasible_ranges against the attacker's linear programme (scipy.optimize.linprog,
    HiGHS): minimise and maximise each hidden cell under every sum of the table, on 300 random three-level tables
    with random hidden cells."""
    import math

    import numpy as np
    from scipy.optimize import linprog

    rng = np.random.default_rng(2024)
    for _ in range(300):
        parent, values = {"R": None}, {}
        for s in range(rng.integers(1, 4)):
            parent[f"S{s}"] = "R"
            for g in range(rng.integers(1, 5)):
                parent[f"S{s}G{g}"] = f"S{s}"
                values[f"S{s}G{g}"] = int(rng.choice([0, 3, 8, 15, 40]))
        for code in [c for c in parent if c.startswith("S") and "G" not in c] + ["R"]:
            values[code] = sum(v for c, v in values.items() if parent.get(c) == code)
        codes = list(parent)
        status = [("primair" if 1 <= values[c] < 10 else ("secundair" if rng.random() < 0.3 else "")) for c in codes]
        cells = pd.DataFrame(
            {
                "code": codes,
                "parent": [parent[c] for c in codes],
                "value": [values[c] for c in codes],
                "suppressed": status,
            }
        )
        bounds = [
            (1, 9) if s == "primair" else (0, None) if s == "secundair" else (values[c], values[c])
            for c, s in zip(codes, status)
        ]
        a_eq = [
            [1.0 if c == p else -1.0 if parent[c] == p else 0.0 for c in codes]
            for p in codes
            if any(parent[c] == p for c in codes)
        ]
        ranges = feasible_ranges(cells, 10)
        assert set(ranges) == {c for c, s in zip(codes, status) if s}
        for code in ranges:
            objective = np.array([1.0 if c == code else 0.0 for c in codes])
            low = linprog(objective, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
            high = linprog(-objective, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
            assert ranges[code][0] == pytest.approx(low.fun, abs=1e-7)
            expected_high = -high.fun if high.status == 0 else math.inf
            assert ranges[code][1] == pytest.approx(expected_high, abs=1e-7)
