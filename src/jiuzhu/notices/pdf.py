"""Render Chinese HTML documents to PDF with WeasyPrint and a vendored CJK font.

The case workflow renders its letters (decision letters, refusal letters, one-time
notifications of missing materials, public-notice lists) with Django templates and hands
the resulting HTML string to :func:`render_pdf`.

Two properties matter for official documents and are enforced here rather than left to the
machine the code runs on:

* **Glyphs.** The text is set in WenQuanYi Micro Hei, shipped in ``fonts/`` next to this
  module and loaded through ``@font-face``, so the PDF never depends on the operating
  system's fonts (a server without a CJK font would otherwise print empty boxes). The font
  is embedded as a subset with a ToUnicode map, so the text stays searchable and copyable.
* **No network.** Rendering never fetches anything: the URL fetcher given to WeasyPrint
  serves only ``file://`` URLs of files inside this package and refuses everything else
  (``http(s)://``, ``data:``, files elsewhere on disk). WeasyPrint logs a refused resource
  and renders the document without it. There is no base URL, so relative links in the
  HTML resolve to nothing.

The page layout (A4, 2 cm margins, "第 N 页 / 共 M 页" in the footer) comes from a base
stylesheet of the *user* origin: a template's own ``<style>`` (author origin) overrides it,
for example to print a wide public-notice list in landscape.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["FONT_FAMILY", "FONT_PATH", "render_pdf"]

PACKAGE_DIR: Path = Path(__file__).resolve().parent
"""The only directory the URL fetcher serves files from."""

FONT_PATH: Path = PACKAGE_DIR / "fonts" / "wqy-microhei.ttf"
"""The vendored CJK font (WenQuanYi Micro Hei, Apache-2.0; see ``fonts/README.md``)."""

FONT_FAMILY = "WenQuanYi Micro Hei"
"""The CSS font family under which :data:`FONT_PATH` is declared."""

_BASE_CSS = f"""
@font-face {{
    font-family: "{FONT_FAMILY}";
    src: url("{FONT_PATH.as_uri()}") format("truetype");
}}
@page {{
    size: A4;
    margin: 2cm;
    font-family: "{FONT_FAMILY}";
    @bottom-center {{
        content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";
        font-family: "{FONT_FAMILY}";
        font-size: 9pt;
    }}
}}
html, body {{
    font-family: "{FONT_FAMILY}", sans-serif;
}}
pre, code, kbd, samp {{
    font-family: monospace, "{FONT_FAMILY}";
}}
"""


def _shorten(url: str, limit: int = 80) -> str:
    """Cut a URL (a ``data:`` URL can be huge) for an error message."""
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _package_file(url: str) -> Path:
    """The file inside :data:`PACKAGE_DIR` that ``url`` names; ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"refusing to fetch {_shorten(url)!r}: only package files are served")
    path = Path(url2pathname(parts.path)).resolve()
    if not path.is_relative_to(PACKAGE_DIR) or not path.is_file():
        raise ValueError(f"refusing to fetch {_shorten(url)!r}: not a file of {PACKAGE_DIR}")
    return path


class PackageFileFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files of this package and nothing else.

    Every URL, including the target of any redirect, goes through :meth:`fetch`, which never
    opens a network connection. WeasyPrint catches the ValueError of a refused URL, logs it
    and goes on without the resource.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        path = _package_file(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def render_pdf(html: str) -> bytes:
    """Render an HTML document (already rendered by a Django template) to PDF bytes.

    The document is laid out on A4 pages with 2 cm margins and a "第 N 页 / 共 M 页"
    footer, set in the vendored CJK font, without any network access.
    """
    fetcher = PackageFileFetcher()
    font_config = FontConfiguration()
    base = CSS(string=_BASE_CSS, url_fetcher=fetcher, font_config=font_config)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[base], font_config=font_config)
    return pdf
