"""Checks for ticket attachments, and the headers that serve them back (R-SEC-4).

A ticket may carry the files HFS asked for: PDF, images (PNG, JPEG, GIF, TIFF), Word
(``.docx``) and Excel (``.xlsx``). The list is kept tight on purpose: these formats are
what HFS reviewers open every day, and everything else is either active content (HTML,
SVG, scripts, programs, macro-enabled Office files) or a format with a safer modern
equivalent: legacy ``.doc``/``.xls`` files are refused with "save it as .docx/.xlsx or
PDF". CSV and plain text are refused too: a CSV opened in Excel runs formulas
(``=HYPERLINK(...)``), and neither holds anything a PDF or ``.xlsx`` cannot.

How a file is judged:

* **By content, never by name or the browser's content type.** ``sniff`` reads the magic
  bytes. An OOXML file must be a real zip whose ``[Content_Types].xml`` declares the main
  part ``/word/document.xml`` (Word) or ``/xl/workbook.xml`` (Excel) and that holds that
  part. A PDF must show ``%PDF-`` within its first 1024 bytes (as readers allow), unless
  the file starts with another format's signature (a program, a zip, an old Office file):
  those are judged as what they start with, so a program with a PDF inside is refused.
* **Active content is refused.** A macro-enabled Office file (a ``vbaProject.bin`` part,
  a ``macroEnabled`` content type, or ActiveX controls), and a PDF that names
  ``/JavaScript``, ``/JS``, ``/Launch``, ``/EmbeddedFile(s)``, ``/XFA`` (script-running
  forms) or ``/RichMedia``, also when spelled with ``#xx`` escapes or hidden in a
  compressed object stream (PDF dictionaries live either in the file's bytes or in object
  streams, so both are read). An object stream that cannot be unpacked (unusual filters,
  encryption, over ``pdf_scan.MAX_PDF_INFLATED_BYTES``) is refused as "could not be checked".
  Names are matched whole (``/JSON`` is not ``/JS``) but anywhere in the bytes, strings
  included. This is a scan, not a parser, and objects embedded in an Office file are not
  opened: the download headers (``safe_download_headers``) are the second line of defence.
* **A wrong extension is corrected, not refused.** A PNG named ``report.pdf`` is accepted
  as a PNG and stored as ``report.png`` (``CheckedUpload.extension_corrected`` is True so
  the page can say so). Only the content is ever acted on, so a misleading name carries no
  risk once it is corrected, and refusing it would only stop honest people whose phone or
  scanner picked the wrong extension; correcting it means the download opens in the right
  program and no one is misled by the name.
* **Sizes:** ``MAX_FILE_BYTES`` per file, ``MAX_TICKET_BYTES`` and
  ``MAX_FILES_PER_TICKET`` per ticket; settings ``ATTACHMENT_MAX_FILE_BYTES``,
  ``ATTACHMENT_MAX_TICKET_BYTES`` and ``ATTACHMENT_MAX_FILES_PER_TICKET`` override them
  (``limits()``).

Nothing is stored here: the caller saves the file (through the default storage, outside
the static path) under ``CheckedUpload.safe_name`` only after ``check_upload`` returns,
and serves it from an access-checked view that calls ``safe_download_headers``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError

from portal import pdf_scan

__all__ = [
    "ALLOWED_KINDS",
    "MAX_FILES_PER_TICKET",
    "MAX_FILE_BYTES",
    "MAX_NAME_LENGTH",
    "MAX_TICKET_BYTES",
    "CheckedUpload",
    "Kind",
    "Limits",
    "Refusal",
    "Sniff",
    "check_upload",
    "has_macros",
    "limits",
    "safe_download_headers",
    "safe_name",
    "sniff",
    "sniff_kind",
]

MB = 1024 * 1024

#: The largest single attachment.
MAX_FILE_BYTES = 10 * MB
#: The most all of one ticket's attachments may add up to.
MAX_TICKET_BYTES = 25 * MB
#: The most attachments one ticket may have.
MAX_FILES_PER_TICKET = 10
#: The longest stored file name, extension included (characters).
MAX_NAME_LENGTH = 120
#: The most a PDF's object streams may unpack to while being scanned (zip-bomb guard).


class Kind(NamedTuple):
    label: str  # for people: "PDF", "PNG image", "Word document (.docx)"
    extension: str  # canonical, without the dot
    content_type: str


#: Every kind of file a ticket accepts: kind -> (label, canonical extension, content type).
ALLOWED_KINDS: MappingProxyType[str, Kind] = MappingProxyType(
    {
        "pdf": Kind("PDF", "pdf", "application/pdf"),
        "png": Kind("PNG image", "png", "image/png"),
        "jpeg": Kind("JPEG image", "jpg", "image/jpeg"),
        "gif": Kind("GIF image", "gif", "image/gif"),
        "tiff": Kind("TIFF image", "tiff", "image/tiff"),
        "docx": Kind(
            "Word document (.docx)",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xlsx": Kind(
            "Excel workbook (.xlsx)",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
)

#: Extensions that agree with a kind (lower case, no dot). The stored name always gets the
#: kind's canonical extension; an agreeing one does not count as a correction.
_AGREEING_EXTENSIONS = {
    "pdf": {"pdf"},
    "png": {"png"},
    "jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "gif": {"gif"},
    "tiff": {"tif", "tiff"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
}


class Limits(NamedTuple):
    max_file_bytes: int
    max_ticket_bytes: int
    max_files_per_ticket: int


def limits() -> Limits:
    """The effective limits: the settings' overrides, else the module's constants."""
    return Limits(
        getattr(settings, "ATTACHMENT_MAX_FILE_BYTES", MAX_FILE_BYTES),
        getattr(settings, "ATTACHMENT_MAX_TICKET_BYTES", MAX_TICKET_BYTES),
        getattr(settings, "ATTACHMENT_MAX_FILES_PER_TICKET", MAX_FILES_PER_TICKET),
    )


# -- Sniffing -------------------------------------------------------------------------


class Refusal:
    """Why ``sniff`` gave no kind (``Sniff.refusal``); each has its own message."""

    UNKNOWN = "unknown_kind"
    LEGACY_OFFICE = "legacy_office"
    MACRO_ENABLED = "macro_enabled"
    DAMAGED = "damaged"
    PDF_ACTIVE_CONTENT = pdf_scan.ACTIVE_CONTENT
    PDF_UNCHECKED = pdf_scan.UNCHECKED


class Sniff(NamedTuple):
    kind: str | None  # a key of ALLOWED_KINDS, or None
    refusal: str | None = None  # a Refusal code when kind is None


_PDF_HEADER = b"%PDF-"
_PDF_HEADER_WINDOW = 1024
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, password-protected OOXML
#: Files that start like these are judged as what they start with, whatever follows.
_REFUSED_SIGNATURES = (
    b"MZ",  # Windows programs and libraries
    b"\x7fELF",  # Linux programs
    b"\xca\xfe\xba\xbe",  # macOS universal programs (and Java classes)
    b"\xcf\xfa\xed\xfe",  # macOS programs
    b"#!",  # scripts
)

_CONTENT_TYPES_PART = "[content_types].xml"
_MAX_CONTENT_TYPES_BYTES = 1 * MB
_OOXML_MAIN_PARTS = {
    # kind: (main part name, main part content type)
    "docx": (
        "/word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "/xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
}
_OVERRIDE = re.compile(r"<(?:\w+:)?Override\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""\b(PartName|ContentType)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)



def sniff_kind(fileobj) -> str | None:
    """The kind of the file (a key of ``ALLOWED_KINDS``) judged by its content, or None.

    ``fileobj`` is a seekable binary file object (a Django ``UploadedFile``, an open file,
    a ``BytesIO``). It is rewound to the start before and after reading. ``sniff`` also
    says why a file got no kind.
    """
    return sniff(fileobj).kind


def sniff(fileobj) -> Sniff:
    """Like ``sniff_kind``, with the reason (a ``Refusal`` code) when there is no kind."""
    fileobj.seek(0)
    try:
        return _sniff(fileobj)
    finally:
        fileobj.seek(0)


def _sniff(fileobj) -> Sniff:
    head = fileobj.read(_PDF_HEADER_WINDOW + len(_PDF_HEADER) - 1)
    for signature, kind in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return Sniff(kind)
    if head.startswith(_OLE2_SIGNATURE):
        return Sniff(None, Refusal.LEGACY_OFFICE)
    if head.startswith(_ZIP_SIGNATURE):
        return _sniff_ooxml(fileobj)
    if head.startswith(_REFUSED_SIGNATURES):
        return Sniff(None, Refusal.UNKNOWN)
    if -1 < head.find(_PDF_HEADER) < _PDF_HEADER_WINDOW:
        fileobj.seek(0)
        return _sniff_pdf(fileobj.read())
    return Sniff(None, Refusal.UNKNOWN)


def _sniff_ooxml(fileobj) -> Sniff:
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as package:
            members = {info.filename.lower(): info for info in package.infolist()}
            types_info = members.get(_CONTENT_TYPES_PART)
            if types_info is None:
                return Sniff(None, Refusal.UNKNOWN)  # a zip, but not an Office file
            if types_info.file_size > _MAX_CONTENT_TYPES_BYTES:
                return Sniff(None, Refusal.DAMAGED)
            content_types = package.read(types_info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError):
        return Sniff(None, Refusal.DAMAGED)
    except NotImplementedError:  # an unsupported compression method
        return Sniff(None, Refusal.DAMAGED)
    if has_macros(members, content_types):
        return Sniff(None, Refusal.MACRO_ENABLED)
    overrides = {}
    for element in _OVERRIDE.findall(content_types):
        attributes = {key.lower(): value for key, value in _ATTRIBUTE.findall(element)}
        if "partname" in attributes:
            overrides[attributes["partname"].lower()] = attributes.get("contenttype", "").lower()
    for kind, (part, content_type) in _OOXML_MAIN_PARTS.items():
        if overrides.get(part) == content_type and part.lstrip("/") in members:
            return Sniff(kind)
    return Sniff(None, Refusal.UNKNOWN)  # a presentation, a template, or something else


def has_macros(member_names, content_types: str) -> bool:
    """Whether an OOXML package carries code: a macro-enabled content type, a VBA project
    (``vbaProject.bin``, also under an ordinary content type) or ActiveX controls.
    ``member_names`` are the zip's member names; ``content_types`` is the text of its
    ``[Content_Types].xml``."""
    lowered = content_types.lower()
    names = [name.lower() for name in member_names]
    return (
        "macroenabled" in lowered
        or "vbaproject" in lowered
        or any(name.endswith("vbaproject.bin") for name in names)
        or any("/activex/" in f"/{name}" for name in names)
    )


def _sniff_pdf(data: bytes) -> Sniff:
    refusal = pdf_scan.refusal(data)
    return Sniff(None, refusal) if refusal else Sniff("pdf")


# -- Names ----------------------------------------------------------------------------

#: Characters Windows refuses in file names; replaced so a download saves anywhere.
_RESERVED_CHARACTERS = re.compile(r'[<>:"|?*]')
#: A trailing ".ext": 1 to 5 letters and digits, at least one a letter ("2026.03" is not).
_EXTENSION = re.compile(r"\.((?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{1,5})$")
_WINDOWS_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)
_FALLBACK_STEM = "attachment"
_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner


def _clean_name(name) -> str:
    """The last path component of ``name`` (``/`` or ``\\``), NFC-normalised, without
    control or format characters (bidi overrides included; the zero-width joiners some
    scripts need are kept), Windows-reserved characters replaced by ``_``, runs of white
    space made one space, and no trailing dots or spaces (Windows drops them)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or char in _JOINERS or not unicodedata.category(char).startswith("C")
    )
    name = _RESERVED_CHARACTERS.sub("_", name)
    return " ".join(name.split()).rstrip(" .")


def _split_extension(name: str) -> tuple[str, str]:
    """``name`` without its extension, and the extension (no dot, as written; or "")."""
    match = _EXTENSION.search(name)
    if match is None:
        return name, ""
    return name[: match.start()], match[1]


def safe_name(name, kind: str) -> str:
    """The stored name for an upload named ``name`` whose content is ``kind``.

    Paths, control and format characters are removed, Windows-reserved characters become
    ``_``, and the extension is the kind's canonical one (replacing whatever extension
    the name had); the result is at most ``MAX_NAME_LENGTH`` characters, the stem cut
    to fit. A name with nothing left becomes ``attachment.<ext>``.
    """
    extension = ALLOWED_KINDS[kind].extension
    stem, _ = _split_extension(_clean_name(name))
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .")
    if not stem:
        stem = _FALLBACK_STEM
    elif stem.lower() in _WINDOWS_DEVICE_NAMES:
        stem = f"{stem}_"
    return f"{stem}.{extension}"


# -- Checking an upload ----------------------------------------------------------------


@dataclass(frozen=True)
class CheckedUpload:
    """What ``check_upload`` found: store the file under ``safe_name``."""

    kind: str  # a key of ALLOWED_KINDS
    content_type: str  # the kind's content type (never the browser's)
    size: int  # bytes, as read
    sha256: str  # hex digest of the content
    safe_name: str  # see safe_name()
    extension_corrected: bool = False  # the name had no extension, or one of another kind

    @property
    def label(self) -> str:
        return ALLOWED_KINDS[self.kind].label


_MESSAGES = {
    Refusal.UNKNOWN: (
        "%(name)s is not a PDF, image, Word (.docx) or Excel (.xlsx) file, so it cannot be "
        "attached. Images may be PNG, JPEG, GIF or TIFF. Save it as one of these and upload "
        "it again."
    ),
    Refusal.LEGACY_OFFICE: (
        "%(name)s is an older Word or Excel file (.doc or .xls), or a password-protected "
        "document, which the portal does not accept. Open it, save it as .docx/.xlsx or PDF "
        "(without a password) and upload it again."
    ),
    Refusal.MACRO_ENABLED: (
        "%(name)s contains macros or ActiveX controls (a macro-enabled Word or Excel file), "
        "which the portal does not accept. Open it, save it as .docx/.xlsx (Word Document or "
        "Excel Workbook) or PDF, and upload it again."
    ),
    Refusal.DAMAGED: (
        "%(name)s looks like a Word or Excel file but could not be read; it may be damaged. "
        "Open it, save it again as .docx/.xlsx or PDF, and upload it again."
    ),
    Refusal.PDF_ACTIVE_CONTENT: (
        "%(name)s is a PDF with active content (JavaScript, an action that launches a "
        "program, embedded files, a scripted form or media), which the portal does not "
        'accept. Print it to a new PDF ("Microsoft Print to PDF" or "Save as PDF") and '
        "upload that."
    ),
    Refusal.PDF_UNCHECKED: (
        "%(name)s is a PDF that could not be checked for active content: it is "
        "password-protected or packed in an unusual way. Print it to a new PDF "
        '("Microsoft Print to PDF" or "Save as PDF") and upload that.'
    ),
}
_CHUNK = 64 * 1024


def check_upload(uploaded_file, *, already_count=0, already_bytes=0) -> CheckedUpload:
    """Check one attachment for a ticket that already has ``already_count`` files of
    ``already_bytes`` in all; raise ``ValidationError`` naming the file and the fix.

    ``uploaded_file`` is a Django ``UploadedFile`` (or any seekable binary file object;
    its ``name`` is used for the messages and the stored name). Checks, in order: the
    ticket's file count, the size the upload reports, the size actually read (empty, per
    file, per ticket), then the content (``sniff``). The error's ``code`` is one of
    ``too_many_files``, ``file_too_large``, ``empty``, ``ticket_too_large`` or a
    ``Refusal`` code. The file is left rewound to its start.
    """
    max_file, max_ticket, max_files = limits()
    raw_name = getattr(uploaded_file, "name", "") or ""
    display = _shorten(_clean_name(raw_name)) or "This file"
    params = {"name": display}

    if already_count + 1 > max_files:
        raise ValidationError(
            "%(name)s cannot be attached: this ticket already has %(count)d files, the most "
            "a ticket can have. Combine documents into one PDF, or leave out files HFS does "
            "not need.",
            code="too_many_files",
            params={**params, "count": already_count},
        )

    stated = getattr(uploaded_file, "size", None)
    if isinstance(stated, int) and stated > max_file:
        raise _file_too_large(params, stated, max_file)

    size, digest = _measure(uploaded_file, stop_after=max_file)
    if size > max_file:  # the stated size was missing or wrong
        raise _file_too_large(params, size, max_file)
    if size == 0:
        raise ValidationError(
            "%(name)s is empty (0 bytes). Choose the file again; if it opens on your "
            "computer, save a new copy and upload that.",
            code="empty",
            params=params,
        )
    if already_bytes + size > max_ticket:
        raise ValidationError(
            "%(name)s (%(size)s) would bring this ticket's attachments to %(total)s; the "
            "limit is %(limit)s per ticket. Reduce the size of your files or leave out ones "
            "HFS does not need.",
            code="ticket_too_large",
            params={
                **params,
                "size": _size(size),
                "total": _size_over(already_bytes + size, max_ticket),
                "limit": _size(max_ticket),
            },
        )

    sniffed = sniff(uploaded_file)
    if sniffed.kind is None:
        raise ValidationError(_MESSAGES[sniffed.refusal], code=sniffed.refusal, params=params)
    _, extension = _split_extension(_clean_name(raw_name))
    return CheckedUpload(
        kind=sniffed.kind,
        content_type=ALLOWED_KINDS[sniffed.kind].content_type,
        size=size,
        sha256=digest,
        safe_name=safe_name(raw_name, sniffed.kind),
        extension_corrected=extension.lower() not in _AGREEING_EXTENSIONS[sniffed.kind],
    )


def _shorten(name: str, limit: int = 80) -> str:
    """A long name for a message: its start, "…", and its last 20 characters."""
    return name if len(name) <= limit else f"{name[: limit - 21]}…{name[-20:]}"


def _measure(fileobj, *, stop_after: int) -> tuple[int, str]:
    """The size and SHA-256 of the content, reading no more than ``stop_after + 1`` bytes."""
    fileobj.seek(0)
    digest = hashlib.sha256()
    size = 0
    try:
        while size <= stop_after:
            chunk = fileobj.read(min(_CHUNK, stop_after + 1 - size))
            if not chunk:
                break
            digest.update(chunk)
            size += len(chunk)
    finally:
        fileobj.seek(0)
    return size, digest.hexdigest()


def _file_too_large(params, size, limit) -> ValidationError:
    return ValidationError(
        "%(name)s is %(size)s; the limit is %(limit)s per file. Split it or reduce its size.",
        code="file_too_large",
        params={**params, "size": _size_over(size, limit), "limit": _size(limit)},
    )


def _size(n: int) -> str:
    """``n`` bytes for people: "10 MB", "14.2 MB", "350 KB", "12 bytes"."""
    if n >= MB:
        return f"{n // MB} MB" if n % MB == 0 else f"{n / MB:.1f} MB"
    if n >= 1024:
        return f"{n // 1024} KB" if n % 1024 == 0 else f"{n / 1024:.1f} KB"
    return "1 byte" if n == 1 else f"{n} bytes"


def _size_over(n: int, limit: int) -> str:
    """``_size(n)`` for an ``n`` over ``limit``, never rounded down to look like the limit."""
    shown = _size(n)
    if shown in {_size(limit), f"{limit / MB:.1f} MB", f"{limit / 1024:.1f} KB"}:
        return f"just over {_size(limit)}"
    return shown


# -- Serving ---------------------------------------------------------------------------

_ALLOWED_CONTENT_TYPES = frozenset(kind.content_type for kind in ALLOWED_KINDS.values())


def safe_download_headers(response, *, filename, content_type):
    """Make ``response`` a download that no browser renders or runs (R-SEC-4).

    Sets Content-Type (the stored kind's, never the uploader's), Content-Disposition
    ``attachment`` with an ASCII ``filename="..."`` fallback and the exact name as
    ``filename*=UTF-8''...`` (RFC 6266, RFC 5987), ``X-Content-Type-Options: nosniff``,
    ``Cache-Control: private, no-store`` and ``Content-Security-Policy: default-src
    'none'; sandbox`` (django-csp leaves a header the view has set alone). Returns the
    response. ``filename`` is cleaned of paths and control characters first, and a
    ``content_type`` that is not one of ``ALLOWED_KINDS`` is served as
    ``application/octet-stream``, so a bad stored value can never make a page.
    """
    name = _clean_name(filename) or _FALLBACK_STEM
    if content_type not in _ALLOWED_CONTENT_TYPES:
        content_type = "application/octet-stream"
    response["Content-Type"] = content_type
    fallback, encoded = _ascii_fallback(name), quote(name, safe="")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _ascii_fallback(name: str) -> str:
    """``name`` in printable ASCII for old clients: accents dropped, quotes, backslashes
    and percent signs replaced; "attachment.<ext>" when no stem is left."""
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in decomposed if " " <= char <= "~")
    text = re.sub(r'["\\%]', "_", text)
    stem, extension = _split_extension(" ".join(text.split()))
    stem = stem.strip(" .")
    if not stem or not any(char.isalnum() for char in stem):
        stem = _FALLBACK_STEM
    return f"{stem}.{extension}" if extension else stem
