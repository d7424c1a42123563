"""Scanned documents (consent forms, confidentiality pledges): where they are kept and
what may be uploaded. Shared by the consent and meetings apps."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}
# A stored document's extension follows its detected type, never the name the
# browser sent (「evil.html」 with a PDF header is stored and served as .pdf).
DOCUMENT_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def document_extension(content_type: str) -> str:
    return DOCUMENT_EXTENSIONS.get(content_type, "bin")


class PrivateStorage(FileSystemStorage):
    """Files outside MEDIA_ROOT, served only by access-checked views (no URL).

    The location is read from the setting on every use (not once at import), so a
    changed ``KASANE_PRIVATE_ROOT`` — a test's temporary directory — is honoured."""

    def __init__(self, subdir: str):
        self.subdir = subdir
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.KASANE_PRIVATE_ROOT / self.subdir

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private documents have no URL; serve them through a checked view")


def scanned_document_type(document: UploadedFile, *, what: str) -> str:
    """The real type of an upload, from its first bytes (never from its name or the
    browser's claim); refuses anything but PDF, JPEG and PNG, and files over 10MB."""
    if document.size > MAX_DOCUMENT_BYTES:
        raise ValidationError({"document": f"{what}のファイルは10MB以下にしてください。"})
    head = document.read(16)
    document.seek(0)
    for signature, content_type in DOCUMENT_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    message = f"{what}はPDF・JPEG・PNGのファイルだけを登録できます（中身を確認しています）。"
    raise ValidationError({"document": message})


def private_document_response(field_file, *, content_type: str, filename: str) -> FileResponse:
    """A stored document as a download (never shown inline), under a readable name."""
    suffix = document_extension(content_type)
    response = FileResponse(
        field_file.open("rb"),
        content_type=content_type or "application/octet-stream",
        as_attachment=True,
        filename=f"{filename}.{suffix}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
