"""The ticket clocks of SPEC §5 (R-CLK-4), declared once, with their expiry actions."""

from deadlines import kinds
from deadlines.kinds import ClockKind, Unit

TRIAGE = kinds.register_kind(ClockKind(
    key="triage", label="HFS triage", length=10, unit=Unit.BUSINESS_DAYS,
    actor="HFS portal staff", on_expiry="escalate to HFS (overdue triage)",
    mirror="triage_due",
))
INFO_WINDOW = kinds.register_kind(ClockKind(
    key="info_window", label="MCO may request information", length=5,
    unit=Unit.BUSINESS_DAYS, actor="the MCO",
    on_expiry="the MCO can no longer request information", remind=False,
))
PROVIDER_INFO = kinds.register_kind(ClockKind(
    key="provider_info", label="Provider sends the requested information", length=5,
    unit=Unit.BUSINESS_DAYS, actor="the provider",
    on_expiry="close the ticket (no response to information request)",
))
MCO_RESPONSE = kinds.register_kind(ClockKind(
    key="mco_response", label="MCO written response", length=30, unit=Unit.CALENDAR_DAYS,
    actor="the MCO", on_expiry="escalate to HFS and mark the ticket a sanction candidate",
    mirror="response_due",
))
EXTENSION_CUTOFF = kinds.register_kind(ClockKind(
    key="extension_cutoff", label="Last day to ask for an extension", length=23,
    unit=Unit.CALENDAR_DAYS, actor="the MCO or the provider",
    on_expiry="extension requests are refused", remind=False,
))
PROVIDER_ANSWER = kinds.register_kind(ClockKind(
    key="provider_answer", label="Provider accepts or contests", length=5,
    unit=Unit.BUSINESS_DAYS, actor="the provider",
    on_expiry="close the ticket (deemed accepted)",
))
REVIEW_REQUEST = kinds.register_kind(ClockKind(
    key="review_request", label="Provider may ask for HFS review", length=30,
    unit=Unit.CALENDAR_DAYS, actor="the provider",
    on_expiry="close the ticket if contested (no review requested)",
))
REVIEW_SUBMISSIONS = kinds.register_kind(ClockKind(
    key="review_submissions", label="Both parties send their information to HFS", length=30,
    unit=Unit.CALENDAR_DAYS, actor="the provider and the MCO", on_expiry="the record closes",
))
HFS_DECISION = kinds.register_kind(ClockKind(
    key="hfs_decision", label="HFS written decision", length=30, unit=Unit.CALENDAR_DAYS,
    actor="HFS portal staff", on_expiry="escalate to HFS (decision overdue)",
    mirror="decision_due",
))

# Clocks that start when HFS presents a ticket to the MCO (R-FLOW-2, R-FLOW-3, R-FLOW-4).
PRESENTED_CLOCKS = (INFO_WINDOW, MCO_RESPONSE, EXTENSION_CUTOFF)
