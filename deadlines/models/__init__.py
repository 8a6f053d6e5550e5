"""Models of the deadlines app: extra office-closure days (R-CLK-1) and stored clocks
(R-CLK-5); the calendar feeds of the deadlines (issue 15); the portal outages that give
deadlines relief (issue 15)."""

from deadlines.models.clocks import Clock, ClockChange, Outcome
from deadlines.models.closures import ClosureChange, ClosureDay
from deadlines.models.feeds import CalendarFeed, FeedScope
from deadlines.models.outages import Outage, OutageChange, OutageRelief

__all__ = [
    "CalendarFeed",
    "Clock",
    "ClockChange",
    "ClosureChange",
    "ClosureDay",
    "FeedScope",
    "Outage",
    "OutageChange",
    "OutageRelief",
    "Outcome",
]
