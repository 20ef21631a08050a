"""``ImageProbe`` with Pillow (reportlab's own image library): an uploaded logo is decoded
whole, not trusted by its name or first bytes; a decompression bomb is refused."""

from __future__ import annotations

import warnings
from io import BytesIO

from PIL import Image

from application.identity.ports import ImageFacts
from domain.shared.errors import InvalidValue

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
_MAX_PIXELS = 4096 * 4096
_REFUSED = "the logo must be a PNG or JPEG image of at most 4096 by 4096 pixels"


class PillowImageProbe:
    def probe(self, content: bytes) -> ImageFacts:
        try:
            facts = _decoded(content)
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
            facts = None
        if facts is None:
            raise InvalidValue(_REFUSED, field="logo")
        return facts


def _decoded(content: bytes) -> ImageFacts | None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(BytesIO(content)) as image:
            media_type = _FORMATS.get(image.format or "")
            width, height = image.size
            if media_type is None or width * height > _MAX_PIXELS:
                return None
            image.load()  # decodes every pixel: a truncated file fails here
    return ImageFacts(media_type, width, height)
