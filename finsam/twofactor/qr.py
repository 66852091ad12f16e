"""The otpauth:// address of a TOTP key as a QR code, an SVG in a data: URL (the CSP
allows data: images; nothing is fetched, so the key never appears in a log)."""

from __future__ import annotations

import base64
import io

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_data_url(text: str) -> str:
    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
