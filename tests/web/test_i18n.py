"""English: the footer's language switch turns the pages into English, Chinese stays the
default, and the catalogue (locale/en) translates every message and is compiled."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import jiuzhu
from tests.factories import signed_in

CATALOGUE = Path(jiuzhu.__file__).parent / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{?\s*\w+\s*\}?\}")


@pytest.fixture
def english(caseworker: Any) -> Client:
    client = signed_in(caseworker)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    return client


def test_switching_to_english_translates_the_home_page(english: Client) -> None:
    html = english.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign out" in html and "Household search" in html and "Registered households" in html
    assert "退出" not in html and "家庭查询" not in html and "在册家庭" not in html


def test_switching_to_english_translates_the_household_search(english: Client) -> None:
    response = english.get("/households/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Household search · jiuzhu</title>" in html
    assert "No matching households found." in html and "0 households" in html
    assert "家庭查询" not in html and "查询" not in html and "没有找到符合条件的家庭" not in html


def test_switching_back_to_chinese(english: Client) -> None:
    english.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = english.get("/").content.decode()
    assert "退出" in html and "Sign out" not in html


def test_the_login_page_is_chinese_by_default(db: Any) -> None:
    html = Client().get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "登录" in html and "用户名" in html and "密码" in html
    assert "Sign in" not in html and "Username" not in html


# -- the catalogue -----------------------------------------------------------------------
@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)


def _unquote(text: str) -> str:
    """The text of a quoted .po string, with its escapes (\\n, \\t, \\", \\\\) undone."""
    escapes = {"n": "\n", "t": "\t"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[1]), text.strip()[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A small reader of a .po file: entries separated by blank lines, the strings of one
    keyword possibly continued on the following lines ("..." only)."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry, key = Entry(), ""
        parts: dict[str, str] = {}
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                parts[key] += _unquote(line)
            else:
                key, _, value = line.partition(" ")
                parts[key] = _unquote(value)
        if not parts:
            continue
        entry.msgid = parts.get("msgid", "")
        entry.msgid_plural = parts.get("msgid_plural", "")
        for key, value in parts.items():
            if key == "msgstr":
                entry.msgstr[0] = value
            elif key.startswith("msgstr["):
                entry.msgstr[int(key[7:-1])] = value
        entries.append(entry)
    return entries


def _messages() -> list[Entry]:
    return [e for e in parse_po(CATALOGUE / "django.po") if e.msgid]


def test_every_message_is_translated_and_none_is_fuzzy() -> None:
    entries = parse_po(CATALOGUE / "django.po")
    assert "fuzzy" not in entries[0].flags  # the header
    assert "Language: en" in entries[0].msgstr[0]
    messages = [e for e in entries if e.msgid]
    assert len(messages) > 250
    for entry in messages:
        assert "fuzzy" not in entry.flags, entry.msgid
        assert entry.msgstr and all(s.strip() for s in entry.msgstr.values()), entry.msgid
        assert len(entry.msgstr) == (2 if entry.msgid_plural else 1), entry.msgid
        for text in entry.msgstr.values():
            assert not CJK.search(text), entry.msgid  # translated, not copied
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid
            )


def test_the_compiled_catalogue_matches_the_po_file() -> None:
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in _messages():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1]
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], entry.msgid
