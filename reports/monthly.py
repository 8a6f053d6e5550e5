"""The monthly MCO performance summary: one MCO, one month, the same numbers as the reports
page, as a print-styled page and as a PDF (reportlab, as tickets/decision_pdf.py) that HFS
can attach to a sanction letter (R-FLOW-2)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from deadlines.days import long_date, short_date, short_datetime
from reports import metrics, tables
from reports.templatetags.report_tags import cell_text

MEASURES = (metrics.PRESENTED, metrics.RESPONDED, metrics.RESPONDED_LATE, metrics.ACCEPTED,
            metrics.DEEMED_ACCEPTED, metrics.CONTESTED, metrics.REVIEW_REQUESTED,
            metrics.DECIDED, metrics.SANCTION_CANDIDATES)


@dataclass
class Summary:
    mco: object
    month: object
    as_of: object
    generated_at: object
    volumes: list
    timeliness: list
    durations: list
    decisions: list
    extensions: list
    sanctions: tables.Table

    @property
    def title(self):
        return f"{self.mco.name}: performance in {self.month:%B} {self.month.year}"


def summary(mco, month) -> Summary:
    scope = metrics.Scope(month, month, mco_id=mco.pk)
    report = tables.build(scope, lists=False)
    whole = report["by_month"].rows[-1]  # the Total row of the one month
    response_rows = [r for r in report["timeliness"].rows
                     if r["step"].startswith(metrics.MCO_RESPONSE.label)
                     and r["label"] != "All MCOs"]
    return Summary(
        mco=mco, month=month, as_of=report.as_of, generated_at=timezone.now(),
        volumes=[(m.label, whole[m.key]) for m in MEASURES],
        timeliness=response_rows,
        durations=[r for r in report["durations"].rows
                   if r["step"] == metrics.MCO_RESPONSE.label and r["label"] != "All MCOs"],
        decisions=report["decisions"].rows,
        extensions=report["extensions"].rows,
        sanctions=tables.sanctions_table(scope, timezone.now(), everything=True),
    )


def _text(value, kind="count"):
    shown = cell_text(value, kind)
    return "—" if shown is None else shown


def pdf(s: Summary) -> bytes:
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=LETTER, title=s.title,
        author="Illinois Department of Healthcare and Family Services",
        leftMargin=0.8 * inch, rightMargin=0.8 * inch, topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )

    def table(rows, widths=None):
        t = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return t

    as_of = short_datetime(s.as_of) if s.as_of else "not yet refreshed"
    story = [
        Paragraph("Illinois Department of Healthcare and Family Services", styles["Normal"]),
        Paragraph("Provider Resolution Portal: monthly MCO performance summary",
                  styles["Title"]),
        Paragraph(escape(s.title), styles["Heading2"]),
        Paragraph(escape(f"Figures as of {as_of} (Central time); generated "
                         f"{long_date(s.generated_at)}."), styles["Normal"]),
        Spacer(1, 10),
        Paragraph("Tickets in the month", styles["Heading3"]),
        table([["Measure", "Tickets"]] + [[label, _text(n)] for label, n in s.volumes],
              [3.6 * inch, 1.2 * inch]),
        Paragraph("MCO responses: on time (30 calendar days, 60 with an approved extension)",
                  styles["Heading3"]),
        table([["", "On time", "Late", "On-time rate"]]
              + [[r["step"], _text(r["on_time"]), _text(r["late"]),
                  _text(r["rate"], "percent")] for r in s.timeliness],
              [3.2 * inch, 0.9 * inch, 0.9 * inch, 1.1 * inch]),
        Paragraph("Days to respond", styles["Heading3"]),
        table([["", "Responses", "Median", "90th percentile"]]
              + [[r["unit"].capitalize(), _text(r["n"]), _text(r["median"], "days"),
                  _text(r["p90"], "days")] for r in s.durations],
              [2.4 * inch, 1.0 * inch, 1.0 * inch, 1.3 * inch]),
        Paragraph("Sanction candidates marked in the month", styles["Heading3"]),
    ]
    if s.sanctions.rows:
        story.append(table(
            [["Ticket", "Response was due", "Responded", "Days late"]]
            + [[r["ticket"][0], short_date(r["due"]) if r["due"] else "—",
                short_date(r["responded"]) if r["responded"] else "Not yet",
                _text(r["days"])] for r in s.sanctions.rows],
            [1.8 * inch, 1.4 * inch, 1.4 * inch, 0.9 * inch]))
    else:
        story.append(Paragraph("None.", styles["BodyText"]))
    story += [
        Paragraph("Extensions asked in the month", styles["Heading3"]),
        table([["Asked by", "Asked", "Approved", "Denied", "Waiting"]]
              + [[r["label"], _text(r["asked"]), _text(r["approved"]), _text(r["denied"]),
                  _text(r["pending"])] for r in s.extensions]),
        Spacer(1, 10),
        Paragraph(escape(
            "On time and late are the outcomes stored with each deadline in the portal, in "
            "the month the deadline ended; days are counted from the day the ticket was "
            "presented (day 0). Days late: calendar days from the response's last day to "
            "the response, or to the day of this summary while there is none."),
            styles["BodyText"]),
    ]
    doc.build(story)
    return out.getvalue()
