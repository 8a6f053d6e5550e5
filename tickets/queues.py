"""Queue queries: tickets with the due moments of their clocks, joined (one LEFT JOIN per
clock kind through the indexed generic relation) rather than one subquery per row, so a
queue of 100,000 tickets sorts on the join (docs/PERFORMANCE.md)."""

from django.core.paginator import Paginator
from django.db.models import F, FilteredRelation, Q
from django.utils.functional import cached_property


def with_clock(queryset, kind, name, *, required=False):
    """Annotate ``<name>_due_at``, ``<name>_due_date`` and ``<name>_outcome`` from the
    ticket's clock of ``kind`` (each kind runs at most once per ticket). ``required``: every
    ticket of the queryset has that clock, so the join is an inner one and a queue ordered by
    its due moment is read in order from the (kind, due_at) index, 25 rows at a time."""
    alias = f"{name}_clock"
    annotated = queryset.annotate(
        **{alias: FilteredRelation("clocks", condition=Q(clocks__kind=kind))}
    ).annotate(
        **{
            f"{name}_due_at": F(f"{alias}__due_at"),
            f"{name}_due_date": F(f"{alias}__due_date"),
            f"{name}_outcome": F(f"{alias}__outcome"),
        }
    )
    if required:
        annotated = annotated.filter(**{f"{name}_due_at__isnull": False})
    return annotated


#: A queue counts its tickets exactly up to here, and says "1,000+" beyond (issue 14).
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``COUNT_CAP`` + 1: counting a queue reads at most
    that many index entries, whatever the history. ``capped`` says the real count is
    larger; the pages go as far as the capped count (narrow the filters to go further).

    ``rows``: a function that completes the page's tickets (their clocks' due moments,
    related rows). Given, the queue's own query (filters and order, no joins for display)
    counts and finds the page's keys alone — an index walk that never builds the skipped
    rows — and ``rows(queryset of those keys)`` fetches the 25 shown, in the same order."""

    cap = COUNT_CAP

    def __init__(self, object_list, per_page, *, rows=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.rows = rows

    def page(self, number):
        if self.rows is None:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        found = self.rows(self.object_list.model.objects.filter(pk__in=keys)).in_bulk(keys)
        return self._get_page([found[k] for k in keys if k in found], number, self)

    @cached_property
    def count(self):
        return _count_upto(self.object_list, self.cap + 1)

    @property
    def capped(self):
        return self.count > self.cap

    @property
    def count_text(self):
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"


def capped_count(queryset, cap=None):
    """``{"count": n, "count_text": "n" or "1,000+"}``, counting at most cap + 1 rows."""
    cap = COUNT_CAP if cap is None else cap
    count = _count_upto(queryset, cap + 1)
    return {"count": count, "count_text": f"{cap:,}+" if count > cap else f"{count:,}"}


def _count_upto(queryset, limit):
    """How many rows, counting no further than ``limit``: only the key is selected, so the
    count never computes a row's annotations (its subqueries) for the rows it counts."""
    return queryset.order_by().values("pk")[:limit].count()
