"""The reports' own tables: the summaries the pages read (kept up to date by the refresh,
``reports.summaries``) and the published public reports (``reports.public``)."""

from reports.models.published import PublishedReport
from reports.models.summaries import (
    ChangedTicket,
    MonthlyCount,
    MonthlyDuration,
    SummaryStatus,
    TicketFact,
)

__all__ = [
    "ChangedTicket",
    "MonthlyCount",
    "MonthlyDuration",
    "PublishedReport",
    "SummaryStatus",
    "TicketFact",
]
