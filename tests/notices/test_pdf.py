"""Chinese PDF documents render with the vendored CJK font and without network access."""

from __future__ import annotations

import io
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from jiuzhu.notices.pdf import FONT_PATH, PACKAGE_DIR, PackageFileFetcher, render_pdf

DECISION_LETTER = "<h1>最低生活保障审批决定书</h1><p>申请人：张三丰，保障金额 1,234.50 元</p>"


@pytest.fixture(scope="module")
def decision_letter_pdf() -> bytes:
    return render_pdf(DECISION_LETTER)


@pytest.fixture(scope="module")
def decision_letter(decision_letter_pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(decision_letter_pdf))


def _embedded_fonts(reader: PdfReader) -> dict[str, bytes]:
    """The base font names of page 1 with the font program each one embeds."""
    fonts: dict[str, bytes] = {}
    page: Any = reader.pages[0]  # pypdf types dictionary lookups as bare PdfObject
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        fonts[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    return fonts


def test_a_decision_letter_renders_to_a_pdf_whose_chinese_text_can_be_extracted(
    decision_letter_pdf: bytes, decision_letter: PdfReader
) -> None:
    assert decision_letter_pdf.startswith(b"%PDF")
    text = decision_letter.pages[0].extract_text()
    for expected in ("最低生活保障审批决定书", "张三丰", "1,234.50"):
        assert expected in text


def test_the_pdf_embeds_the_vendored_wenquanyi_font(decision_letter: PdfReader) -> None:
    fonts = _embedded_fonts(decision_letter)
    assert fonts
    assert all("WenQuanYi" in name for name in fonts)
    for program in fonts.values():
        family = TTFont(io.BytesIO(program))["name"].getDebugName(1)
        assert family == "WenQuanYi Micro Hei"


def test_a_remote_image_is_refused_and_no_connection_is_attempted(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    attempts: list[Any] = []

    def no_network(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access during PDF rendering")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    html = '<p>附件照片：</p><img src="http://example.com/x.png"><p>以上</p>'
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert attempts == []
    assert "refusing to fetch 'http://example.com/x.png'" in caplog.text


def test_a_long_document_runs_over_several_pages_with_numbered_footers() -> None:
    rows = "".join(
        f"<p>第 {i} 户：申请人王五，保障人口 3 人，月保障金额 1,234.50 元。</p>" for i in range(120)
    )
    reader = PdfReader(io.BytesIO(render_pdf(f"<h1>最低生活保障对象公示名单</h1>{rows}")))
    pages = len(reader.pages)
    assert pages > 1
    assert "第 1 页" in reader.pages[0].extract_text()
    assert f"第 {pages} 页 / 共 {pages} 页" in reader.pages[-1].extract_text()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/style.css",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        f"{PACKAGE_DIR.as_uri()}/../../../../../etc/passwd",
        f"file://example.com{FONT_PATH}",
        f"{PACKAGE_DIR.as_uri()}/fonts/no-such-font.ttf",
    ],
)
def test_the_fetcher_refuses_everything_but_files_of_the_package(url: str) -> None:
    with pytest.raises(ValueError, match="refusing to fetch"):
        PackageFileFetcher().fetch(url)


def test_the_fetcher_serves_the_vendored_font() -> None:
    response = PackageFileFetcher().fetch(FONT_PATH.as_uri())
    assert response.read() == FONT_PATH.read_bytes()
    assert Path(response.path) == FONT_PATH


def test_the_vendored_font_ships_with_its_licence_and_stays_small() -> None:
    assert FONT_PATH.stat().st_size < 6 * 1024 * 1024
    assert (FONT_PATH.parent / "LICENSE-wqy-microhei.txt").is_file()
