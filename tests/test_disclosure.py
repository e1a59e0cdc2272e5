"""Disclosure control: primary and secondary suppression, audited by an attacker that differences totals."""

import itertools

import pandas as pd

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
        grids = np.meshgrid(*[np.arange(1, 10) if status[c] == "primair" else np.arange(0, 31) for c in free],
                            indexing="ij")
        cells = {c: (grids[free.index(c)].ravel() if c in free else np.full(grids[0].size, out.loc[c, "value"]))
                 for c in gemeenten}
        derived = {**cells, "A": cells["A1"] + cells["A2"] + cells["A3"], "B": cells["B1"] + cells["B2"]}
        derived["R"] = derived["A"] + derived["B"]
        ok = np.ones(grids[0].size, dtype=bool)
        for code, value in out["value"].items():
            if not status[code]:
                ok &= derived[code] == value                      # every published number must match
            elif status[code] == "primair":
                ok &= (derived[code] >= 1) & (derived[code] <= 9)  # a '<10' total is 1-9 too
        assert ok.any(), combo                                     # the truth itself is always a completion
        for code in out.index:
            if status[code] == "primair":
                assert len(np.unique(derived[code][ok])) >= 2, (combo, code)
