"""What an uploaded file really is, judged by its content (magic bytes), never by its name. Pure.

Allowed: PDF, PNG and JPEG images, Word (.doc, .docx) and Excel (.xls, .xlsx). A file whose
content is none of these (an .exe renamed .pdf), or whose content disagrees with its extension,
is refused with a message saying why. The legacy Office formats are OLE2 compound files: the
directory is read to tell a Word document from an Excel workbook (and from PowerPoint, Outlook
and the rest). The new ones are ZIP packages: their [Content_Types].xml names the main part.
"""
from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from typing import NamedTuple

from gongyi.errors import N_, UserError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# kind -> (content type, accepted extensions; the first is the usual one)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpeg": ("image/jpeg", ("jpg", "jpeg")),
    "doc": ("application/msword", ("doc",)),
    "xls": ("application/vnd.ms-excel", ("xls",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
}
ACCEPT = ",".join(f".{ext}" for _, exts in KINDS.values() for ext in exts)  # for <input type=file accept>

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_MAIN = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


class AttachmentError(UserError):
    pass


class Upload(NamedTuple):
    """A file as received: the name the person's computer gave it and its bytes."""

    filename: str
    data: bytes


class CheckedFile(NamedTuple):
    filename: str
    content_type: str
    kind: str


def clean_filename(name: str) -> str:
    """The name to store and offer on download: no path, no control or reserved characters, at most 255."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name


def _extension(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are (a key of KINDS), or None when it is none of the allowed ones."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_OLE2):
        names = ole2_stream_names(data)
        if "WordDocument" in names:
            return "doc"
        if "Workbook" in names or "Book" in names:
            return "xls"
        return None
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data)
    return None


def _ooxml_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return None
            with package.open("[Content_Types].xml") as part:
                types = part.read(256 * 1024)  # a real one is a few KB; never inflate more than this
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return None
    for kind, main in _OOXML_MAIN.items():
        folder = "word/" if kind == "docx" else "xl/"
        if main in types and any(n.startswith(folder) for n in names):
            return kind
    return None


def ole2_stream_names(data: bytes) -> set[str]:
    """Names in an OLE2 compound file's directory (e.g. "WordDocument"); empty when it cannot be read.

    Follows the header's DIFAT to the FAT, and the FAT chain of directory sectors, with every
    index bounds-checked and every chain cut off at the file's sector count, so a crafted file
    can neither crash nor loop.
    """
    if len(data) < 512 or not data.startswith(_OLE2):
        return set()
    sector_shift, = struct.unpack_from("<H", data, 30)
    if sector_shift not in (9, 12):
        return set()
    size = 1 << sector_shift
    n_sectors = (len(data) - size) // size if len(data) > size else 0
    first_dir, = struct.unpack_from("<I", data, 48)
    first_difat, n_difat = struct.unpack_from("<II", data, 68)

    def sector(i: int) -> bytes | None:
        start = size + i * size
        return data[start:start + size] if 0 <= i < n_sectors else None

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < 0xFFFFFFFA]
    next_difat, hops = first_difat, 0
    while next_difat < 0xFFFFFFFA and hops < min(n_difat, n_sectors):
        block = sector(next_difat)
        if block is None:
            return set()
        entries = struct.unpack(f"<{size // 4}I", block)
        fat_sectors += [s for s in entries[:-1] if s < 0xFFFFFFFA]
        next_difat, hops = entries[-1], hops + 1
    fat: list[int] = []
    for s in fat_sectors:
        block = sector(s)
        if block is None:
            return set()
        fat += struct.unpack(f"<{size // 4}I", block)

    names: set[str] = set()
    current, seen = first_dir, 0
    while current < 0xFFFFFFFA and seen < n_sectors:
        block = sector(current)
        if block is None or current >= len(fat):
            break
        for offset in range(0, size, 128):
            length, = struct.unpack_from("<H", block, offset + 64)
            if 2 <= length <= 64:
                names.add(block[offset:offset + length - 2].decode("utf-16-le", "replace"))
        current, seen = fat[current], seen + 1
    return names


def check_upload(upload: Upload, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedFile:
    """Refuse an empty, too large, or not allowed file (by content); return its clean name and true type."""
    filename = clean_filename(upload.filename)
    size = len(upload.data)
    if not filename or size == 0:
        raise AttachmentError(N_("请选择要上传的文件（文件不能为空）"), "file")
    if size > max_bytes:
        raise AttachmentError(N_("文件过大（%(size)s），上限为 %(limit)s"), "file",
                              size=human_size(size), limit=human_size(max_bytes))
    kind = sniff(upload.data)
    if kind is None:
        raise AttachmentError(N_("只能上传 PDF、PNG/JPEG 图片、Word（.doc/.docx）或 Excel（.xls/.xlsx）文件；"
                                 "“%(name)s”的内容不是其中任何一种"), "file", name=filename)
    content_type, extensions = KINDS[kind]
    if _extension(filename) not in extensions:
        raise AttachmentError(N_("“%(name)s”的内容与扩展名不符：它其实是 .%(ext)s 文件，请改正扩展名后再上传"), "file",
                              name=filename, ext=extensions[0])
    return CheckedFile(filename, content_type, kind)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"
