"""Models of the registration app."""
