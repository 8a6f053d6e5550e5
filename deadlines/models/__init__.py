"""Models of the deadlines app: extra office-closure days (R-CLK-1) and stored clocks
(R-CLK-5)."""

from deadlines.models.clocks import Clock, ClockChange, Outcome
from deadlines.models.closures import ClosureChange, ClosureDay

__all__ = ["Clock", "ClockChange", "ClosureChange", "ClosureDay", "Outcome"]
