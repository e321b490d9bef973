"""The QR code on a certificate page: an inline SVG (no script, no image host) that opens the public
verification page for the certificate's number at its issuer."""

from __future__ import annotations

from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from registry.talent.models import Certificate


def verification_path(certificate: Certificate) -> str:
    """/registry/talent/verify/?number=…&issuer=… (numbers are unique per issuer only)."""
    query = urlencode({"number": certificate.number, "issuer": certificate.issuer.credit_code})
    return f"{reverse('talent:verify')}?{query}"


def qr_svg(data: str, *, label: str) -> SafeString:
    """`data` as a QR code in SVG markup, ready to inline in a page."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # The library's own output (paths and numbers only) plus an escaped label: safe to inline.
    return mark_safe(svg.replace("<svg ", f'<svg class="qr" role="img" aria-label="{escape(label)}" ', 1))  # noqa: S308
