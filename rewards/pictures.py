"""Reward pictures: checked with Pillow, turned upright, resized, stored once under their content.

An upload is refused unless Pillow reads it as a JPEG, PNG or WebP within the size and pixel
limits (a decompression bomb is refused before it is decoded). What is kept is a WebP of at most
`LARGE` pixels a side plus a `SMALL` one for the market's cards, named by the hash of their bytes:
a picture's address never changes its content, so browsers may cache it for a year.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInputError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG", "PNG", "WEBP"}
LARGE = 960
SMALL = 360
FOLDER = "rewards"


def _refuse(message: str) -> InvalidInputError:
    return InvalidInputError(fields={"picture": [message]})


@dataclass(frozen=True)
class Picture:
    """A checked, resized picture, not yet stored: `name` is what the reward keeps."""

    name: str
    large: bytes
    small: bytes


def picture_prepare(upload: IO[bytes], *, size: int | None = None) -> Picture:
    """Check and resize an uploaded picture, writing nothing: a refusal later in the same save
    (the reward's own fields) must leave no file behind either."""
    if size is not None and size > MAX_BYTES:
        raise _refuse(_("A picture of at most 8 MB."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _refuse(_("A picture of at most 8 MB."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise _refuse(_("A JPEG, PNG or WebP picture."))
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _refuse(_("The picture has too many pixels."))
            probe.verify()  # a truncated or corrupt file fails here, before decoding it all
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
            converted = upright.convert("RGBA" if has_alpha else "RGB")
    except InvalidInputError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse(_("This file is not a picture that can be read.")) from exc
    large = _webp(converted, LARGE)
    name = f"{hashlib.sha256(large).hexdigest()[:32]}.webp"
    return Picture(name=name, large=large, small=_webp(converted, SMALL))


def picture_save(picture: Picture) -> None:
    """Store a prepared picture under its name (once: the same bytes have the same name)."""
    _save(picture_path(picture.name), picture.large)
    _save(picture_path(picture.name, small=True), picture.small)


def _webp(image: Image.Image, side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="WEBP", quality=82, method=4)
    return out.getvalue()


def _save(path: str, data: bytes) -> None:
    if not default_storage.exists(path):  # same bytes, same name: stored once
        default_storage.save(path, ContentFile(data))


def picture_path(name: str, *, small: bool = False) -> str:
    return f"{FOLDER}/{SMALL}-{name}" if small else f"{FOLDER}/{name}"
