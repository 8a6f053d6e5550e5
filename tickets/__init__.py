"""A dispute's life: intake, HFS triage, the MCO's response, HFS review and decision."""
