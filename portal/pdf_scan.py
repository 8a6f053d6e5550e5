"""Active content in a PDF (R-SEC-4): JavaScript, launch actions, embedded files, XFA
forms and rich media are refused, also when hidden in compressed object streams. A stream
that cannot be unpacked within ``MAX_PDF_INFLATED_BYTES`` is refused as "could not be
checked". Used by ``portal.uploads``."""

import re
import zlib

MAX_PDF_INFLATED_BYTES = 64 * 1024 * 1024
ACTIVE_CONTENT = "pdf_active_content"
UNCHECKED = "pdf_unchecked"

#: A PDF name token: "/" and the regular characters after it (PDF 32000-1, 7.2.2).
_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
#: Names that start code or carry files: JavaScript actions, launch actions, embedded
#: files (the stream type and the name tree), XFA forms (which run scripts) and rich media.
_PDF_ACTIVE_NAMES = frozenset(
    {b"javascript", b"js", b"launch", b"embeddedfile", b"embeddedfiles", b"xfa", b"richmedia"}
)
_PDF_STREAM = re.compile(rb"\bstream(?:\r\n|\n|\r)")
_PDF_STREAM_HEADER_WINDOW = 1024


def refusal(data: bytes) -> str | None:
    """None when the PDF carries no active content; otherwise why it is refused."""
    if _has_active_name(data):
        return ACTIVE_CONTENT
    budget = MAX_PDF_INFLATED_BYTES
    view = memoryview(data)
    for stream in _PDF_STREAM.finditer(data):
        header = data[max(0, stream.start() - _PDF_STREAM_HEADER_WINDOW) : stream.start()]
        header = header[header.rfind(b"obj") + 1 :]  # this object's dictionary only
        names = {_pdf_name(name) for name in _PDF_NAME.findall(header)}
        if b"objstm" not in names:
            continue
        if b"flatedecode" not in names:
            if b"filter" in names:
                return UNCHECKED
            continue  # uncompressed: already read with the rest of the bytes
        if b"decodeparms" in names:
            return UNCHECKED
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(view[stream.end() :], budget + 1)
        except zlib.error:
            return UNCHECKED
        if len(inflated) > budget or not inflater.eof:
            return UNCHECKED
        budget -= len(inflated)
        if _has_active_name(inflated):
            return ACTIVE_CONTENT
    return None


def _pdf_name(raw: bytes) -> bytes:
    """A PDF name as a reader sees it: ``#xx`` escapes decoded, compared case-blind."""
    return _PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), raw).lower()


def _has_active_name(data: bytes) -> bool:
    return any(_pdf_name(name) in _PDF_ACTIVE_NAMES for name in _PDF_NAME.findall(data))
