"""Ticket attachments: content checks, limits, stored names, download headers (R-SEC-4).

The fixture files are made by ``tests/fixtures/uploads/make_fixtures.py``; their README
lists what each one must produce.
"""

import hashlib
import importlib.util
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from csp.middleware import CSPMiddleware
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory
from openpyxl import load_workbook

from portal import pdf_scan
from portal.uploads import (
    ALLOWED_KINDS,
    MAX_FILE_BYTES,
    MAX_FILES_PER_TICKET,
    MAX_NAME_LENGTH,
    MAX_TICKET_BYTES,
    CheckedUpload,
    Limits,
    Refusal,
    check_upload,
    has_macros,
    limits,
    safe_download_headers,
    safe_name,
    sniff,
    sniff_kind,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "uploads"
MB = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NOT_ACCEPTED = "is not a PDF, image, Word (.docx) or Excel (.xlsx) file"
ACTIVE_PDF = "is a PDF with active content"
LEGACY = "is an older Word or Excel file (.doc or .xls)"
MACROS = "contains macros or ActiveX controls"

SHOULD_PASS = {
    "letter.pdf": "pdf",
    "object_stream.pdf": "pdf",
    "preamble_before_header.pdf": "pdf",
    "scan.png": "png",
    "photo.jpg": "jpeg",
    "photo.jpeg": "jpeg",
    "chart.gif": "gif",
    "fax.tif": "tiff",
    "fax_big_endian.tiff": "tiff",
    "appeal_letter.docx": "docx",
    "claims.xlsx": "xlsx",
    "png_named_report.pdf": "png",
    "docx_named_claims.xlsx": "docx",
}

# name: (error code, what the message says after the file name)
SHOULD_FAIL = {
    "empty.pdf": ("empty", "is empty (0 bytes)"),
    "javascript.pdf": (Refusal.PDF_ACTIVE_CONTENT, ACTIVE_PDF),
    "launch_action.pdf": (Refusal.PDF_ACTIVE_CONTENT, ACTIVE_PDF),
    "embedded_file.pdf": (Refusal.PDF_ACTIVE_CONTENT, ACTIVE_PDF),
    "javascript_hex_escaped.pdf": (Refusal.PDF_ACTIVE_CONTENT, ACTIVE_PDF),
    "javascript_in_object_stream.pdf": (Refusal.PDF_ACTIVE_CONTENT, ACTIVE_PDF),
    "object_stream_unusual_filter.pdf": (
        Refusal.PDF_UNCHECKED,
        "is a PDF that could not be checked for active content",
    ),
    "header_too_late.pdf": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "program_with_pdf_inside.pdf": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "notes.exe": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "text_named.pdf": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "claims.csv": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "drawing.svg": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "archive.zip": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "slides.pptx": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "claims_template.xltx": (Refusal.UNKNOWN, NOT_ACCEPTED),
    "legacy_word.doc": (Refusal.LEGACY_OFFICE, LEGACY),
    "legacy_excel.xls": (Refusal.LEGACY_OFFICE, LEGACY),
    "macro_enabled.xlsm": (Refusal.MACRO_ENABLED, MACROS),
    "macro_enabled.docm": (Refusal.MACRO_ENABLED, MACROS),
    "vba_project_in_plain_workbook.xlsx": (Refusal.MACRO_ENABLED, MACROS),
    "activex_control.docx": (Refusal.MACRO_ENABLED, MACROS),
    "truncated.docx": (
        Refusal.DAMAGED,
        "looks like a Word or Excel file but could not be read; it may be damaged",
    ),
}


def fixture(folder, name) -> bytes:
    return (FIXTURES / folder / name).read_bytes()


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refusal(uploaded, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_upload(uploaded, **kwargs)
    return caught.value


def png_of_size(size: int) -> bytes:
    """A file that sniffs as PNG, ``size`` bytes long, made in memory."""
    return PNG_SIGNATURE + bytes(size - len(PNG_SIGNATURE))


def minimal_pdf() -> bytes:
    return fixture("should_pass", "letter.pdf")


def make_fixtures_module():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- The fixture folders ----------------------------------------------------------------


def fixture_names(folder):
    return sorted(path.name for path in (FIXTURES / folder).iterdir())


def test_the_fixture_tables_cover_every_file():
    assert fixture_names("should_pass") == sorted(SHOULD_PASS)
    assert fixture_names("should_fail") == sorted(SHOULD_FAIL)


def test_the_fixture_files_are_what_make_fixtures_writes():
    module = make_fixtures_module()
    for folder, catalogue in (("should_pass", module.SHOULD_PASS),
                              ("should_fail", module.SHOULD_FAIL)):  # fmt: skip
        assert sorted(catalogue) == fixture_names(folder)
        for name, (build, *_) in catalogue.items():
            assert build() == fixture(folder, name), f"{folder}/{name} is stale"
    assert module.readme() == (FIXTURES / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(SHOULD_PASS))
def test_should_pass_file_is_accepted_with_its_kind(name):
    data = fixture("should_pass", name)
    checked = check_upload(upload(name, data))
    kind = SHOULD_PASS[name]
    assert checked.kind == kind
    assert checked.content_type == ALLOWED_KINDS[kind].content_type
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.safe_name.endswith("." + ALLOWED_KINDS[kind].extension)
    assert sniff_kind(io.BytesIO(data)) == kind


@pytest.mark.parametrize(("name", "expected"), sorted(SHOULD_FAIL.items()))
def test_should_fail_file_is_refused_with_its_message(name, expected):
    code, fragment = expected
    error = refusal(upload(name, fixture("should_fail", name)))
    assert error.code == code
    assert error.messages[0].startswith(f"{name} {fragment}")


def test_messages_say_how_to_fix_the_file():
    def message(name):
        return refusal(upload(name, fixture("should_fail", name))).messages[0]

    assert "save it as .docx/.xlsx or PDF" in message("legacy_word.doc")
    assert "save it as .docx/.xlsx (Word Document or Excel Workbook) or PDF" in message(
        "macro_enabled.xlsm"
    )
    assert "Print it to a new PDF" in message("javascript.pdf")
    assert "Images may be PNG, JPEG, GIF or TIFF" in message("notes.exe")


def test_a_wrong_extension_is_corrected_to_the_content():
    checked = check_upload(upload("png_named_report.pdf", fixture("should_pass", "scan.png")))
    assert (checked.kind, checked.safe_name) == ("png", "png_named_report.png")
    assert checked.extension_corrected


def test_an_agreeing_extension_is_not_a_correction_but_is_made_canonical():
    checked = check_upload(upload("Photo.JPEG", fixture("should_pass", "photo.jpg")))
    assert checked.safe_name == "Photo.jpg"
    assert not checked.extension_corrected
    assert check_upload(upload("scan", fixture("should_pass", "scan.png"))).extension_corrected


def test_fixture_workbook_opens_in_openpyxl():
    workbook = load_workbook(io.BytesIO(fixture("should_pass", "claims.xlsx")), read_only=True)
    rows = list(workbook["Claims"].iter_rows(values_only=True))
    assert rows == [("Claim number", "Billed"), ("12345", 250.75)]


@pytest.mark.parametrize("name", ["letter.pdf", "javascript.pdf", "embedded_file.pdf"])
def test_fixture_pdf_cross_reference_points_at_its_objects(name):
    data = fixture("should_pass" if name in SHOULD_PASS else "should_fail", name)
    start = int(re.search(rb"startxref\n(\d+)", data)[1])
    assert data[start:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n ", data[start:])
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)


def test_fixture_png_chunks_and_pixels_are_sound():
    data = fixture("should_pass", "scan.png")
    position, chunks = 8, {}
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        position += 12 + length
    assert struct.unpack(">II", chunks[b"IHDR"][:8]) == (2, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == 2 * (1 + 2 * 3)


# -- Sniffing -------------------------------------------------------------------------


def test_sniffing_ignores_the_name_and_the_browsers_content_type():
    uploaded = upload("picture.png", minimal_pdf(), content_type="image/png")
    assert check_upload(uploaded).kind == "pdf"
    assert check_upload(upload("x.pdf", png_of_size(100), "application/pdf")).kind == "png"


@pytest.mark.parametrize("start", [0, 5, "end"])
def test_sniffing_rewinds_the_file(start):
    uploaded = upload("claims.xlsx", fixture("should_pass", "claims.xlsx"))
    if start == "end":
        uploaded.seek(0, io.SEEK_END)
    else:
        uploaded.seek(start)
    assert sniff_kind(uploaded) == "xlsx"
    assert uploaded.tell() == 0


def test_check_upload_leaves_the_file_rewound_for_saving():
    data = minimal_pdf()
    uploaded = upload("letter.pdf", data)
    check_upload(uploaded)
    assert uploaded.read() == data


def test_check_upload_leaves_a_refused_file_rewound():
    uploaded = upload("javascript.pdf", fixture("should_fail", "javascript.pdf"))
    refusal(uploaded)
    assert uploaded.tell() == 0


def test_an_upload_saved_to_disk_is_checked_the_same():
    data = fixture("should_pass", "appeal_letter.docx")
    uploaded = TemporaryUploadedFile("appeal.docx", "application/octet-stream", len(data), None)
    try:
        uploaded.write(data)
        uploaded.seek(0)
        checked = check_upload(uploaded)
    finally:
        uploaded.close()
    assert (checked.kind, checked.size) == ("docx", len(data))


def test_sniff_gives_the_reason_with_no_kind():
    assert sniff(io.BytesIO(fixture("should_fail", "macro_enabled.docm"))) == (
        None,
        Refusal.MACRO_ENABLED,
    )
    assert sniff(io.BytesIO(minimal_pdf())) == ("pdf", None)
    assert sniff(io.BytesIO(b"")) == (None, Refusal.UNKNOWN)


@pytest.mark.parametrize(("offset", "kind"), [(0, "pdf"), (1019, "pdf"), (1023, "pdf"),
                                              (1024, None), (5000, None)])  # fmt: skip
def test_pdf_header_must_start_within_the_first_1024_bytes(offset, kind):
    assert sniff_kind(io.BytesIO(b" " * offset + minimal_pdf())) == kind


@pytest.mark.parametrize(
    "dictionary",
    [
        b"<< /S /JavaScript >>",
        b"<< /JS (x) >>",
        b"<</JS(x)>>",
        b"<< /JS\n5 0 R >>",
        b"<< /S /Launch >>",
        b"<< /Type /EmbeddedFile >>",
        b"<< /EmbeddedFiles 9 0 R >>",
        b"<< /XFA 9 0 R >>",
        b"<< /RichMedia 9 0 R >>",
        b"<< /#4A#53 (x) >>",
        b"<< /javascript (x) >>",
    ],
)
def test_pdf_active_content_names_are_refused(dictionary):
    data = minimal_pdf().replace(b"%%EOF", b"9 0 obj\n" + dictionary + b"\nendobj\n%%EOF")
    assert sniff(io.BytesIO(data)) == (None, Refusal.PDF_ACTIVE_CONTENT)


@pytest.mark.parametrize("dictionary", [b"<< /JSON 1 >>", b"<< /JSFont 1 >>", b"<< /Jump 1 >>"])
def test_pdf_names_that_only_start_like_active_ones_pass(dictionary):
    """Names are compared whole: /JSON is not /JS."""
    data = minimal_pdf().replace(b"%%EOF", b"9 0 obj\n" + dictionary + b"\nendobj\n%%EOF")
    assert sniff_kind(io.BytesIO(data)) == "pdf"


def test_pdf_scan_is_of_bytes_so_an_active_name_in_text_is_refused_too():
    """Not a parser: "/JS" inside a string counts. Such a PDF is rare, and printing it to a
    new PDF (the message's fix) gets it through."""
    data = minimal_pdf().replace(b"(Claim 12345", b"(Run /JS now: claim 12345")
    assert sniff_kind(io.BytesIO(data)) is None


def test_pdf_object_streams_are_unpacked_only_up_to_a_budget(monkeypatch):
    data = fixture("should_pass", "object_stream.pdf")
    monkeypatch.setattr(pdf_scan, "MAX_PDF_INFLATED_BYTES", 10)
    assert sniff(io.BytesIO(data)) == (None, Refusal.PDF_UNCHECKED)


def test_ooxml_needs_its_main_part_to_exist():
    source = fixture("should_pass", "appeal_letter.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            if info.filename != "word/document.xml":
                new.writestr(info, old.read(info))
    assert sniff(io.BytesIO(out.getvalue())) == (None, Refusal.UNKNOWN)


def test_has_macros_reads_names_and_content_types():
    plain = "<Types><Override PartName='/xl/workbook.xml' ContentType='x.sheet.main+xml'/>"
    assert not has_macros(["xl/workbook.xml", "xl/printerSettings/printerSettings1.bin"], plain)
    assert has_macros(["XL/VBAPROJECT.BIN"], plain)
    assert has_macros(["word/activeX/activeX1.xml"], plain)
    assert has_macros([], plain.replace("x.sheet", "application/vnd.ms-excel.sheet.macroEnabled"))


def test_allowed_kinds_are_the_ones_hfs_asked_for():
    assert sorted(ALLOWED_KINDS) == ["docx", "gif", "jpeg", "pdf", "png", "tiff", "xlsx"]
    label, extension, content_type = ALLOWED_KINDS["jpeg"]
    assert (extension, content_type) == ("jpg", "image/jpeg")
    with pytest.raises(TypeError):
        ALLOWED_KINDS["csv"] = ALLOWED_KINDS["pdf"]


# -- Limits ---------------------------------------------------------------------------


def test_limits_default_to_the_module_constants():
    assert limits() == Limits(10 * MB, 25 * MB, 10)
    assert (MAX_FILE_BYTES, MAX_TICKET_BYTES, MAX_FILES_PER_TICKET) == (10 * MB, 25 * MB, 10)


def test_limits_follow_the_settings(settings):
    settings.ATTACHMENT_MAX_FILE_BYTES = 1000
    settings.ATTACHMENT_MAX_TICKET_BYTES = 5000
    settings.ATTACHMENT_MAX_FILES_PER_TICKET = 3
    assert limits() == Limits(1000, 5000, 3)
    assert check_upload(upload("a.png", png_of_size(1000)), already_count=2).size == 1000
    assert refusal(upload("a.png", png_of_size(1001))).messages == [
        "a.png is 1001 bytes; the limit is 1000 bytes per file. Split it or reduce its size."
    ]
    assert refusal(upload("a.png", png_of_size(10)), already_count=3).code == "too_many_files"


def test_a_file_of_exactly_the_limit_passes():
    assert check_upload(upload("big.png", png_of_size(MAX_FILE_BYTES))).size == MAX_FILE_BYTES


def test_a_pdf_of_exactly_the_limit_is_scanned_and_passes():
    data = minimal_pdf()
    data += b"%" + b"x" * (MAX_FILE_BYTES - len(data) - 1)
    assert check_upload(upload("big.pdf", data)).kind == "pdf"


def test_one_byte_over_the_file_limit_is_refused():
    error = refusal(upload("big.png", png_of_size(MAX_FILE_BYTES + 1)))
    assert error.code == "file_too_large"
    assert error.messages == [
        "big.png is just over 10 MB; the limit is 10 MB per file. Split it or reduce its size."
    ]


def test_the_file_limit_message_gives_the_size():
    error = refusal(upload("report.pdf", bytes(int(14.2 * MB))))
    assert error.messages == [
        "report.pdf is 14.2 MB; the limit is 10 MB per file. Split it or reduce its size."
    ]


class CountingFile(io.BytesIO):
    """A file with no ``size``, counting what is read from it."""

    name = "huge.png"

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, n=-1):
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_a_file_without_a_stated_size_is_measured_and_read_no_further_than_needed():
    huge = CountingFile(png_of_size(3 * MAX_FILE_BYTES))
    error = refusal(huge)
    assert error.code == "file_too_large"
    assert huge.bytes_read == MAX_FILE_BYTES + 1
    assert huge.tell() == 0


def test_a_stated_size_over_the_limit_is_refused_without_reading():
    uploaded = upload("big.png", b"")
    uploaded.size = 11 * MB
    assert refusal(uploaded).messages[0].startswith("big.png is 11 MB; the limit is 10 MB")


def test_the_ticket_total_may_reach_the_limit_exactly():
    checked = check_upload(upload("a.png", png_of_size(1000)),
                           already_bytes=MAX_TICKET_BYTES - 1000)  # fmt: skip
    assert checked.size == 1000


def test_one_byte_over_the_ticket_total_is_refused():
    error = refusal(upload("a.png", png_of_size(1000)), already_bytes=MAX_TICKET_BYTES - 999)
    assert error.code == "ticket_too_large"
    assert error.messages == [
        "a.png (1000 bytes) would bring this ticket's attachments to just over 25 MB; the "
        "limit is 25 MB per ticket. Reduce the size of your files or leave out ones HFS "
        "does not need."
    ]


def test_the_ticket_total_message_gives_the_sizes():
    error = refusal(upload("scan.png", png_of_size(6 * MB)), already_bytes=21 * MB)
    assert error.messages[0].startswith(
        "scan.png (6 MB) would bring this ticket's attachments to 27 MB; the limit is 25 MB"
    )


def test_the_last_file_a_ticket_may_have_passes():
    checked = check_upload(upload("a.png", png_of_size(100)),
                           already_count=MAX_FILES_PER_TICKET - 1)  # fmt: skip
    assert checked.kind == "png"


def test_one_file_too_many_is_refused_before_anything_is_read():
    error = refusal(upload("a.pdf", b""), already_count=MAX_FILES_PER_TICKET)
    assert error.code == "too_many_files"
    assert error.messages == [
        "a.pdf cannot be attached: this ticket already has 10 files, the most a ticket can "
        "have. Combine documents into one PDF, or leave out files HFS does not need."
    ]


def test_a_message_names_a_file_with_a_percent_sign_and_a_path():
    error = refusal(upload("C:\\fakepath\\100% done.pdf", b""))
    assert error.messages[0].startswith("100% done.pdf is empty (0 bytes)")


def test_a_message_shortens_a_very_long_name():
    name = "claim " * 40 + "final.pdf"
    message = refusal(upload(name, b"")).messages[0]
    shown = message.removesuffix(message[message.index(" is empty") :])
    assert shown == name[:59] + "…" + name[-20:]
    assert len(shown) == 80


# -- Stored names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("report.pdf", "pdf", "report.pdf"),
        ("report.PDF", "pdf", "report.pdf"),
        ("report.pdf", "png", "report.png"),
        ("report", "pdf", "report.pdf"),
        ("Invoice 2026.03", "pdf", "Invoice 2026.03.pdf"),
        ("fax.TIF", "tiff", "fax.tiff"),
        ("C:\\Users\\ann\\Desktop\\report.pdf", "pdf", "report.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("/var/www/static/x.pdf", "pdf", "x.pdf"),
        ("re\x00port\n\t.pdf", "pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),  # bidi override removed
        ("Re\u0301sume\u0301 \u2013 2026.pdf", "pdf", "Résumé – 2026.pdf"),  # NFC
        ("报告 第一页.docx", "docx", "报告 第一页.docx"),
        ('a<b>:c"d|e?f*.pdf', "pdf", "a_b__c_d_e_f_.pdf"),
        ("  spaced   out  .pdf", "pdf", "spaced out.pdf"),
        ("report.pdf. . ", "pdf", "report.pdf"),
        (".hidden.pdf", "pdf", "hidden.pdf"),
        (".pdf", "pdf", "attachment.pdf"),
        ("..", "pdf", "attachment.pdf"),
        ("", "xlsx", "attachment.xlsx"),
        (None, "png", "attachment.png"),
        ("CON.pdf", "pdf", "CON_.pdf"),
        ("nul", "png", "nul_.png"),
    ],
)
def test_safe_name(name, kind, expected):
    assert safe_name(name, kind) == expected


@pytest.mark.parametrize("stem", ["a" * 300, "é" * 300, "报告" * 200, "a" * 114 + " " + "b" * 9])
def test_safe_name_keeps_at_most_120_characters_and_the_extension(stem):
    name = safe_name(stem + ".docx", "xlsx")
    assert len(name) <= MAX_NAME_LENGTH
    assert name.endswith(".xlsx")
    assert stem.startswith(name[: -len(".xlsx")])
    assert not name[: -len(".xlsx")].endswith(" ")


def test_check_upload_returns_the_safe_name():
    checked = check_upload(upload("../../" + "x" * 200 + ".pdf.exe", minimal_pdf()))
    assert checked == CheckedUpload(
        kind="pdf",
        content_type="application/pdf",
        size=len(minimal_pdf()),
        sha256=hashlib.sha256(minimal_pdf()).hexdigest(),
        safe_name="x" * 116 + ".pdf",
        extension_corrected=True,
    )
    assert checked.label == "PDF"


# -- Download headers -----------------------------------------------------------------


def download(filename, content_type="application/pdf"):
    return safe_download_headers(HttpResponse(b"data"), filename=filename,
                                 content_type=content_type)  # fmt: skip


def test_download_headers_make_an_inert_attachment():
    response = download("report.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_download_headers_encode_quotes_and_unicode():
    response = download('Résumé "final" 100%.pdf')
    assert response["Content-Disposition"] == (
        'attachment; filename="Resume _final_ 100_.pdf"; '
        "filename*=UTF-8''R%C3%A9sum%C3%A9%20_final_%20100%25.pdf"
    )


def test_download_headers_fall_back_to_attachment_for_a_name_with_no_ascii():
    disposition = download("报告.pdf")["Content-Disposition"]
    assert disposition.startswith('attachment; filename="attachment.pdf"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "报告.pdf"


def test_download_headers_strip_paths_and_line_breaks():
    disposition = download("..\\..\\a\r\nSet-Cookie: x=1.pdf")["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "a Set-Cookie_ x=1.pdf"


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/pdf; x"])
def test_download_headers_never_serve_a_type_outside_the_allowed_kinds(content_type):
    assert download("x.pdf", content_type)["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("kind", sorted(ALLOWED_KINDS))
def test_download_headers_serve_every_allowed_content_type(kind):
    content_type = ALLOWED_KINDS[kind].content_type
    assert download("x", content_type)["Content-Type"] == content_type


def test_download_headers_override_what_file_response_guessed():
    response = FileResponse(io.BytesIO(b"<html><script>alert(1)</script>"), filename="x.html")
    safe_download_headers(response, filename="x.pdf", content_type="application/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="x.pdf"; ')
    assert response["Content-Length"] == "31"


def test_the_csp_middleware_keeps_the_download_policy():
    response = download("report.pdf")
    middleware = CSPMiddleware(lambda request: response)
    assert middleware(RequestFactory().get("/attachments/1/"))["Content-Security-Policy"] == (
        "default-src 'none'; sandbox"
    )
