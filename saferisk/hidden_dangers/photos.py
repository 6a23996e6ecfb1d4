"""Photos from a phone's camera: checked (an image of an accepted type and size), turned upright
by their EXIF orientation, shrunk to at most `MAX_SIDE` pixels and stored as JPEG, so a 12 MB
camera picture becomes a few hundred kilobytes on a government intranet."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from saferisk.core.errors import DomainError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_SIDE = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: some phones' JPEGs
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class PreparedPhoto:
    content: ContentFile[bytes]
    width: int
    height: int


def prepare(upload: IO[bytes], *, size: int | None = None) -> PreparedPhoto:
    """The upload as a resized JPEG ready to save, or a DomainError saying what is wrong."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise DomainError(
            "photo_too_large",
            f"照片不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
            field="photo",
        )
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(
            "photo_too_large", f"照片不能超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="photo"
        )
    if not data:
        raise DomainError("photo_empty", "照片文件是空的", field="photo")
    try:
        opened = Image.open(io.BytesIO(data))
        opened.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise DomainError("photo_not_image", "只能上传 JPEG、PNG 或 WebP 格式的照片", field="photo") from None
    if opened.format not in ACCEPTED_FORMATS:
        raise DomainError("photo_not_image", "只能上传 JPEG、PNG 或 WebP 格式的照片", field="photo")
    image: Image.Image = ImageOps.exif_transpose(opened) or opened
    if image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    name = f"{uuid.uuid4().hex}.jpg"
    return PreparedPhoto(ContentFile(out.getvalue(), name=name), image.width, image.height)
