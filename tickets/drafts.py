"""Drafts: the ticket a provider is still writing, its claims and attachments; its provider,
MCO and complaint type changed; a draft discarded (never a filed ticket); and a new draft
started from a closed ticket (R-FLOW-8)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from portal import permissions, uploads
from tickets import rules
from tickets.models import State, Ticket, TicketAttachment, TicketClaim


@transaction.atomic
def create_draft(*, by, provider, mco, complaint_type, dispute_filed_on, tracking_number,
                 internal_process_exhausted, copied_from=None, description=""):
    ticket = Ticket.objects.create(
        created_by=by, provider=provider, mco=mco, complaint_type=complaint_type,
        dispute_filed_on=dispute_filed_on, tracking_number=tracking_number,
        internal_process_exhausted=internal_process_exhausted, copied_from=copied_from,
        description=description,
    )
    _audit(by, "draft_created", ticket)
    return ticket


def _audit(by, action, ticket, detail=""):
    from portal import audit

    audit.write(user=by, action=action, object_type=audit.TICKET, object_id=ticket.pk,
                detail=detail or "draft")


def _require_draft(ticket):
    if ticket.state != State.DRAFT:
        raise ValidationError(f"Ticket {ticket} is already submitted; its filing cannot change.")


@transaction.atomic
def save_details(ticket, *, description, claims, uses_template, template_name="",
                 dispute_filed_on=None, tracking_number=None, internal_process_exhausted=None):
    """Replace the draft's description and claims (one claim, or the template's rows), and
    the dispute details when given (else they stay as they are)."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    _require_draft(ticket)
    if dispute_filed_on is not None:
        ticket.dispute_filed_on = dispute_filed_on
    if tracking_number is not None:
        ticket.tracking_number = tracking_number
    if internal_process_exhausted is not None:
        ticket.internal_process_exhausted = internal_process_exhausted
    ticket.description = description
    ticket.uses_claims_template = uses_template
    ticket.claims_template_name = template_name if uses_template else ""
    ticket.save(update_fields=[
        "dispute_filed_on", "tracking_number", "internal_process_exhausted", "description",
        "uses_claims_template", "claims_template_name",
    ])
    ticket.claims.all().delete()
    TicketClaim.objects.bulk_create(TicketClaim(ticket=ticket, **claim) for claim in claims)
    _audit(ticket.created_by, "draft_saved", ticket, f"draft, {len(claims)} claim(s)")
    return ticket


@transaction.atomic
def change_basics(ticket, *, by, provider, mco, complaint_type, dispute_filed_on,
                  tracking_number, internal_process_exhausted):
    """The draft's first step changed: its provider, MCO, complaint type and the dispute
    with the MCO. Only the people of the draft's provider, for a provider they act for
    (R-REG-1); the tracking number is checked again against the (new) MCO's format
    (R-FILE-4). A claims template names its MCO and provider on every row (R-FILE-7), so
    changing either removes the template's claims: the provider uploads it again.
    Returns the draft."""
    ticket = Ticket.objects.select_for_update().select_related("mco").get(pk=ticket.pk)
    _require_draft(ticket)
    permissions.require(permissions.is_ticket_provider, by, ticket, action="change this draft")
    if not permissions.acts_for_provider(by, provider.pk):
        raise ValidationError({"provider": "You are not approved to file for this provider. "
                               "Choose one you are registered for."})
    refusal = rules.tracking_number_refusal(mco, tracking_number)
    if refusal:
        raise ValidationError({"tracking_number": refusal})
    tracking_number = tracking_number.strip()
    if ticket.uses_claims_template and (ticket.mco_id != mco.pk
                                        or ticket.provider_id != provider.pk):
        ticket.claims.all().delete()
        ticket.uses_claims_template, ticket.claims_template_name = False, ""
    elif not ticket.uses_claims_template:
        # A single claim carries the ticket's own tracking number.
        ticket.claims.update(tracking_number=tracking_number)
    ticket.provider, ticket.mco, ticket.complaint_type = provider, mco, complaint_type
    ticket.dispute_filed_on = dispute_filed_on
    ticket.tracking_number = tracking_number
    ticket.internal_process_exhausted = internal_process_exhausted
    ticket.save(update_fields=[
        "provider", "mco", "complaint_type", "dispute_filed_on", "tracking_number",
        "internal_process_exhausted", "uses_claims_template", "claims_template_name",
    ])
    _audit(by, "draft_saved", ticket, "draft: provider, MCO and dispute changed")
    return ticket


@transaction.atomic
def discard_draft(ticket, *, by):
    """A draft deleted with its claims and attachments, by the people of its provider. A
    submitted ticket is never deleted, whoever asks: it is on record (R-FLOW-8 keeps even
    closed tickets). The files go once the deletion has committed."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.state != State.DRAFT:
        raise ValidationError(
            f"Ticket {ticket.number or ticket.pk} is filed, and a filed ticket is never "
            "deleted. It stays on record whatever happens to it.")
    permissions.require(permissions.is_ticket_provider, by, ticket,
                        action="discard this draft")
    files = [a.file for a in ticket.attachments.all() if a.file]
    _audit(by, "draft_discarded", ticket,
           f"draft, {ticket.claims.count()} claim(s), {len(files)} file(s)")
    ticket.delete()
    transaction.on_commit(lambda: [f.delete(save=False) for f in files])


def check_attachments(ticket, files):
    """R-SEC-4: each file checked by content and size, the ticket's totals too. Nothing is
    stored; raises one ValidationError naming every file that fails. Returns the checked
    files for :func:`store_attachments`."""
    totals = ticket.attachments.aggregate(total=Sum("size"))
    count, size = ticket.attachments.count(), totals["total"] or 0
    checked = []
    problems = []
    for upload in files:
        try:
            result = uploads.check_upload(upload, already_count=count, already_bytes=size)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        count += 1
        size += result.size
        checked.append((upload, result))
    if problems:
        raise ValidationError(problems)
    return checked


def store_attachments(ticket, checked, *, by, role, review_party=""):
    """Store files already checked by :func:`check_attachments`, inside the caller's
    transaction (the action they belong to). On any error the files written so far are
    removed again, so a refused action leaves no file behind."""
    saved = []
    try:
        for upload, result in checked:
            attachment = TicketAttachment(
                ticket=ticket, name=result.safe_name, kind=result.kind,
                content_type=result.content_type, size=result.size, sha256=result.sha256,
                uploaded_by=by, role=role, review_party=review_party,
            )
            upload.seek(0)
            attachment.file.save(result.safe_name, upload, save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        discard_files(saved)
        raise
    return saved


def discard_files(attachments):
    """Remove stored files whose rows did not (or will not) commit."""
    for attachment in attachments:
        if attachment.file:
            attachment.file.delete(save=False)


@transaction.atomic
def add_attachments(ticket, files, *, by, role):
    """Files added to a draft, or on their own to an open ticket. R-FLOW-8: never on a
    closed ticket. All files or none are saved."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket.require_open()
    checked = check_attachments(ticket, files)
    saved = store_attachments(ticket, checked, by=by, role=role)
    if saved and ticket.state != State.DRAFT:
        ticket.record("attachment_added", by=by, role=role,
                      note=", ".join(a.name for a in saved))
    elif saved:
        _audit(by, "attachment_added", ticket, f"draft, {len(saved)} file(s)")
    return saved


@transaction.atomic
def remove_attachment(attachment):
    _require_draft(attachment.ticket)
    attachment.file.delete(save=False)
    attachment.delete()


@transaction.atomic
def copy_into_new_draft(ticket, *, by):
    """R-FLOW-8: a closed ticket is never reopened; a new draft carries everything over
    (its attachments too, as copies) for the provider to correct and file again."""
    if not ticket.is_closed:
        raise ValidationError("Only a closed ticket can be started again as a new ticket.")
    draft = create_draft(
        by=by, provider=ticket.provider, mco=ticket.mco, complaint_type=ticket.complaint_type,
        dispute_filed_on=ticket.dispute_filed_on, tracking_number=ticket.tracking_number,
        internal_process_exhausted=False, copied_from=ticket, description=ticket.description,
    )
    draft.uses_claims_template = ticket.uses_claims_template
    draft.claims_template_name = ticket.claims_template_name
    draft.save(update_fields=["uses_claims_template", "claims_template_name"])
    for claim in ticket.claims.all():
        claim.pk, claim.ticket = None, draft
        claim.save()
    for old in ticket.attachments.all():
        copy = TicketAttachment(
            ticket=draft, name=old.name, kind=old.kind, content_type=old.content_type,
            size=old.size, sha256=old.sha256, uploaded_by=by, role=old.role,
        )
        with old.file.open("rb") as handle:
            copy.file.save(old.name, handle, save=False)
        copy.save()
    return draft
