"""Attachment storage: size limit, type sniffing by magic bytes, random file names.

The client's Content-Type header and the file name's extension are ignored: only the first
bytes of the content decide whether a file is a PDF, a PNG or a JPEG. Files are written under
``UPLOAD_FOLDER`` (default ``<instance>/uploads``, outside ``static/`` so they are never served
directly) with a generated name; the user's file name is sanitised and kept only for display.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from portal.fields import join_items

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_DISPLAY_CHARS = 120
CHUNK = 64 * 1024

# (magic prefix, content type, extension)
KINDS = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALLOWED_KINDS = ("PDF", "JPG", "PNG")
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:pdf|png|jpg)")


class AttachmentError(ValueError):
    """A file that cannot be accepted; ``message`` is shown to the user as is (the reader's language)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    display_name: str
    content_type: str
    size: int
    sha256: str


def upload_folder() -> str:
    folder = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    return os.path.abspath(folder)


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def size_words(n: int) -> str:
    return f"{n / 1048576:g} MB" if n >= 1048576 else f"{n / 1024:g} KB"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of the content from its first bytes; None when not allowed."""
    for magic, content_type, ext in KINDS:
        if head.startswith(magic):
            return content_type, ext
    return None


def display_name(raw: str | None, ext: str) -> str:
    """The user's file name as display text: last path component, no control characters."""
    text = unicodedata.normalize("NFC", raw or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip().strip(".").strip()
    if len(text) > MAX_DISPLAY_CHARS:
        stem, dot, suffix = text.rpartition(".")
        keep = MAX_DISPLAY_CHARS - len(suffix) - 1
        text = (stem[:keep] + "." + suffix) if dot and 0 < len(suffix) <= 10 and keep > 0 else text[:MAX_DISPLAY_CHARS]
    return text or f"附件.{ext}"


def path_of(stored_name: str) -> str:
    """The absolute path of a stored file; refuses any name that is not one of ours."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise AttachmentError(_("附件文件名无效。"))
    folder = upload_folder()
    path = os.path.abspath(os.path.join(folder, stored_name))
    if os.path.dirname(path) != folder:
        raise AttachmentError(_("附件文件名无效。"))
    return path


def store(stream: BinaryIO, filename: str | None) -> StoredFile:
    """Check and write one uploaded file; raises AttachmentError with a message for the user."""
    limit = max_bytes()
    head = stream.read(16)
    if not head:
        raise AttachmentError(_("文件为空，请重新选择文件。"))
    kind = sniff(head)
    if kind is None:
        raise AttachmentError(_("只能上传 %(kinds)s 格式的文件（按文件内容判断，与扩展名无关）。",
                                kinds=join_items(ALLOWED_KINDS)))
    content_type, ext = kind
    folder = upload_folder()
    os.makedirs(folder, mode=0o750, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    path = path_of(stored_name)
    digest = hashlib.sha256(head)
    size = len(head)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(head)
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise AttachmentError(_("文件超过 %(limit)s 的上限，请压缩后重新上传。", limit=size_words(limit)))
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        remove(stored_name)
        raise
    return StoredFile(stored_name, display_name(filename, ext), content_type, size, digest.hexdigest())


def remove(stored_name: str) -> None:
    """Delete a stored file if it is there (used after the row is gone, or to undo a write)."""
    try:
        os.unlink(path_of(stored_name))
    except (FileNotFoundError, AttachmentError):
        pass
