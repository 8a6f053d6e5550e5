"""The written decision as a PDF (R-FLOW-6, R-FLOW-7), made with reportlab: the same text
as the decision page, for the parties' records."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

FINALITY = (
    "This decision is final. The dispute is not a contested case "
    "and confers no right to an administrative hearing."
)


def _paragraphs(text, style):
    return [Paragraph(escape(part).replace("\n", "<br/>"), style)
            for part in text.split("\n\n") if part.strip()]


def render(ticket, decision) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=LETTER, title=f"HFS decision on ticket {ticket.number}",
        author="Illinois Department of Healthcare and Family Services",
        leftMargin=inch, rightMargin=inch, topMargin=inch, bottomMargin=inch,
    )
    decided = timezone.localtime(decision.decided_at)
    bases = [label for flag, label in (
        (decision.rests_on_contract, "applicable contract terms"),
        (decision.rests_on_policy, "written HFS policies and procedures"),
        (decision.rests_on_law, "state and federal law and regulations"),
    ) if flag]
    story = [
        Paragraph("Illinois Department of Healthcare and Family Services", styles["Normal"]),
        Paragraph("Provider Resolution Portal: written decision", styles["Title"]),
        Paragraph(escape(f"Ticket {ticket.number}: {ticket.provider.legal_name} and "
                         f"{ticket.mco.name}"), styles["Heading2"]),
        Paragraph(escape(f"Decided {decided:%B} {decided.day}, {decided.year} by "
                         f"{decision.decided_by}"), styles["Normal"]),
        Spacer(1, 12),
        Paragraph(escape(f"Outcome: {decision.get_outcome_display()}"), styles["Heading3"]),
        Paragraph("Reasoning", styles["Heading3"]),
        *_paragraphs(decision.reasoning, styles["BodyText"]),
        Paragraph("What the decision rests on", styles["Heading3"]),
        Paragraph(escape("; ".join(bases).capitalize() + "."), styles["BodyText"]),
        *_paragraphs(decision.citations, styles["BodyText"]),
        Spacer(1, 12),
        Paragraph(escape(FINALITY), styles["Heading4"]),
    ]
    doc.build(story)
    return out.getvalue()
