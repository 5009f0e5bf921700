"""Files learners attach to a submission: the type is found from the content (never from the name or the
browser's word), the size and count limited, the name cleaned (docs/badges.md, "Demonstrated badges")."""
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
ZIP_MEMBERS_LIMIT = 2000  # an office document has tens of parts; a zip with thousands is something else

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", ODT: ".odt", DOCX: ".docx"}


class FileRefused(ValueError):
    """The upload cannot be kept; the message says why in the learner's terms (set by the caller)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # too_big | empty | wrong_type


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    media_type: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def check_file(filename: str, content: bytes) -> CheckedFile:
    """The file as it will be kept, or FileRefused: over 10 MB, empty, or not a PDF, ODT, DOCX, PNG or JPEG."""
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused("too_big")
    if not content:
        raise FileRefused("empty")
    media_type = sniff(content)
    if media_type is None:
        raise FileRefused("wrong_type")
    return CheckedFile(clean_filename(filename, ALLOWED[media_type]), media_type, content,
                       hashlib.sha256(content).hexdigest())


def sniff(content: bytes) -> str | None:
    """The media type the bytes really are, of the allowed ones; None for anything else (HTML, SVG, scripts…)."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _office_document(content)
    return None


def _office_document(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            if len(names) > ZIP_MEMBERS_LIMIT:
                return None
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
            if "[Content_Types].xml" in names and any(name.startswith("word/") for name in names):
                return DOCX
    except (zipfile.BadZipFile, KeyError, RuntimeError, ValueError):
        return None
    return None


def clean_filename(filename: str, extension: str) -> str:
    """A name safe in a Content-Disposition header and on any disk: letters, digits, spaces, dots, dashes; the
    extension that matches the content."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w .-]+", "_", stem, flags=re.UNICODE).strip(" ._")[:100] or "file"
    return stem + extension
