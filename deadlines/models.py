"""Models of the deadlines app."""
