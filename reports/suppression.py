"""Small-cell suppression for the public report (the CMS cell-size rule: no count from 1 to
10 is published, so that no provider or member can be picked out).

``suppress(values, lines)``: ``values`` maps each published count to its number; ``lines``
are the sums a reader could use — each line a list of counts whose parts add up to its
total (a row of MCO × complaint-type cells and the MCO's total, say). A count from 1 to
``THRESHOLD - 1`` is hidden (primary suppression). Then, while some line has exactly one
hidden count, that count could be worked back from the others (total minus the parts
shown), so a second count of the line is hidden too (complementary suppression): the
smallest count above zero that is shown, a part before a total. Hiding spreads from line
to line until every line hides none or at least two of its counts. Zero is published: it
identifies no one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

THRESHOLD = 11


def is_small(value: int, threshold: int = THRESHOLD) -> bool:
    return 0 < value < threshold


def suppress(values: dict[Hashable, int], lines: Iterable[Iterable[Hashable]], *,
             threshold: int = THRESHOLD, totals: Iterable[Hashable] = ()) -> set:
    """The keys of ``values`` to hide. ``totals``: keys that are totals of some line (they
    are chosen last for complementary suppression, so the detail survives where it can)."""
    lines = [list(line) for line in lines]
    totals = set(totals)
    hidden = {key for key, value in values.items() if is_small(value, threshold)}
    changed = True
    while changed:
        changed = False
        for line in lines:
            shown = [key for key in line if key not in hidden]
            if len(line) - len(shown) != 1 or not shown:
                continue
            pick = min(shown, key=lambda key: (values[key] == 0, key in totals, values[key],
                                               repr(key)))
            hidden.add(pick)
            changed = True
    return hidden

