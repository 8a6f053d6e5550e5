"""Who may file: provider registrations, their approval, and provider memberships."""
