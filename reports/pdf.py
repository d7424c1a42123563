"""HTML → PDF with WeasyPrint: A4, Japanese fonts from the system (Debian
``fonts-noto-cjk``), page ``n / N``. Every generated document goes through here so that
fonts and page rules are set once."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration


def html_to_pdf(html: str) -> bytes:
    """One WeasyPrint render. Static files (CSS, images) resolve from ``static/``."""
    fonts = FontConfiguration()
    # A directory URL ends in "/": "reports/pdf.css" then resolves inside static/.
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return HTML(string=html, base_url=base_url).write_pdf(font_config=fonts)


def render_pdf(template: str, context: dict) -> bytes:
    """Render a template extending ``reports/pdf_base.html`` to PDF bytes."""
    return html_to_pdf(render_to_string(template, context))
