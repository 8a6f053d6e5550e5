"""The Illinois state business-day calendar, stored clocks, and the job that enforces them."""
