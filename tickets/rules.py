"""The filing rules of SPEC §3, as plain functions the forms, pages and the model share."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from deadlines.calendar import calendar_deadline
from deadlines.days import long_date, short_date

# R-FILE-3: no sooner than day 30 and no later than day 60 after the MCO filing.
WINDOW_OPENS_DAY = 30
WINDOW_CLOSES_DAY = 60




@dataclass(frozen=True)
class FilingWindow:
    filed_on: datetime.date
    opens: datetime.date
    closes: datetime.date

    def is_open_on(self, day: datetime.date) -> bool:
        return self.opens <= day <= self.closes

    def explain(self, mco_name: str) -> str:
        return (
            f"Your dispute was filed with {mco_name} on {short_date(self.filed_on)}. You can "
            f"file it here from {short_date(self.opens)} through {short_date(self.closes)}."
        )

    def refusal(self, mco_name: str, today: datetime.date) -> str | None:
        """None when a ticket may be filed ``today``; otherwise why not, with the dates."""
        if today < self.opens:
            return (
                f"{self.explain(mco_name)} It is too early: the MCO has 30 days to settle the "
                f"dispute first. Come back on {long_date(self.opens)}."
            )
        if today > self.closes:
            return (
                f"{self.explain(mco_name)} The last day was {long_date(self.closes)}, so this "
                "dispute can no longer be filed here."
            )
        return None


def filing_window(filed_on: datetime.date) -> FilingWindow:
    """R-FILE-3: day 30 to day 60 after the MCO filing; the last day rolls forward to a
    business day (R-CLK-3)."""
    return FilingWindow(
        filed_on=filed_on,
        opens=filed_on + datetime.timedelta(days=WINDOW_OPENS_DAY),
        closes=calendar_deadline(filed_on, WINDOW_CLOSES_DAY),
    )


def tracking_number_refusal(mco, number: str) -> str | None:
    """R-FILE-4: None when ``number`` fits the MCO's format; otherwise the message."""
    number = (number or "").strip()
    if not number:
        return "Enter the tracking number the MCO gave your dispute."
    if mco.tracking_number_is_valid(number):
        return None
    example = f", for example {mco.tracking_example}" if mco.tracking_example else ""
    return (
        f"{number} is not a {mco.short_name} tracking number. {mco.short_name} tracking numbers "
        f"look like this{example}. Check the number on the MCO's acknowledgement."
    )


# R-FILE-6: several claim numbers in one complaint mean several complaints.
_LIST_SEPARATORS = re.compile(r"[,;/\n&+]|\band\b", re.IGNORECASE)
_NUMBERISH = re.compile(r"\d{4,}")


def several_claims_listed(claim_number: str) -> bool:
    """True when the claim-number field lists more than one claim ("123, 456", "123 and
    456", "1234567 7654321"); a single number with a prefix ("CLM 12345") is one claim."""
    pieces = [p.strip() for p in _LIST_SEPARATORS.split(claim_number or "") if p.strip()]
    if len(pieces) > 1:
        return True
    tokens = (pieces[0].split() if pieces else [])
    return sum(1 for t in tokens if _NUMBERISH.search(t)) > 1


def check_ready_to_submit(ticket, *, by, on: datetime.date):
    """Every rule a ticket must meet at submission (R-REG-1, R-FILE-2..7). Raises one
    ValidationError listing every problem."""
    from registration.memberships import approved_providers

    problems = []
    if not approved_providers(by).filter(pk=ticket.provider_id).exists():
        problems.append(
            "You are not approved to file for this provider. Register for it first."
        )
    if not ticket.internal_process_exhausted:
        problems.append(
            "Confirm that the MCO's internal dispute process, peer-to-peer included, was "
            "used and exhausted."
        )
    refusal = filing_window(ticket.dispute_filed_on).refusal(ticket.mco.name, on)
    if refusal:
        problems.append(refusal)
    refusal = tracking_number_refusal(ticket.mco, ticket.tracking_number)
    if refusal:
        problems.append(refusal)
    if not ticket.description.strip():
        problems.append("Describe the complaint.")
    claims = list(ticket.claims.all())
    provider = ticket.provider
    if not (provider.tax_id and provider.address_key):
        # R-FILE-7: a provider/facility is its Tax ID and service location, not an NPI.
        problems.append(
            "The provider has no Tax ID and service location on record; ask HFS to "
            "correct its registration before filing."
        )
    if ticket.uses_claims_template:
        from tickets.claims_template import MAX_ROWS

        if len(claims) < 2:
            problems.append(
                "The Complaints/Claims-Issue template is for two or more claims; file a "
                "single claim in the form instead."
            )
        if len(claims) > MAX_ROWS:
            problems.append(
                f"At most {MAX_ROWS} claims fit in one template; this ticket has "
                f"{len(claims)}. File the rest on another ticket."
            )
        # R-FILE-6: each claim row carries the MCO tracking number of that claim.
        missing = [str(c.row_number or i + 1) for i, c in enumerate(claims)
                   if not c.tracking_number.strip()]
        if missing:
            problems.append(
                f"Every claim needs the MCO tracking number of that claim; row(s) "
                f"{', '.join(missing[:10])}{'…' if len(missing) > 10 else ''} have none."
            )
        wrong = [c for c in claims if c.tracking_number.strip()
                 and not ticket.mco.tracking_number_is_valid(c.tracking_number.strip())]
        if wrong:
            problems.append(
                f"Row {wrong[0].row_number or '?'}: "
                + tracking_number_refusal(ticket.mco, wrong[0].tracking_number)
            )
    else:
        if ticket.complaint_type.is_about_claims and not claims:
            problems.append("Enter the claim details for this complaint type.")
        if any(several_claims_listed(c.claim_number) for c in claims) or len(claims) > 1:
            problems.append(
                "Two or more claims go on the Complaints/Claims-Issue template. "
                "Download the template, list one claim per row, and upload it."
            )
    if problems:
        raise ValidationError(problems)
