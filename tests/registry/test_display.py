"""How decisions are shown (issue 17: no program output on a page or a letter): a V-03 step
of verified figures reads as sentences, never as a Python dict or a code."""

from __future__ import annotations

from jiuzhu.registry.display import _step_row


def test_v03_verified_figures_read_as_sentences_in_chinese_and_english() -> None:
    step = {
        "rule": "V-03",
        "label_zh": "核对后采用的数据及其来源",
        "label_en": "Figures used after verification",
        "value": [
            {
                "member": None,
                "item": "assets.financial",
                "label_zh": "金融资产",
                "label_en": "Financial assets",
                "declared": "8000.00",
                "found": "32000.00",
                "verified": "32000.00",
                "sources": ["bank"],
                "batches": [3],
                "severity": "high",
            },
            {
                "member": "m1",
                "item": "income.wages",
                "label_zh": "工资收入",
                "label_en": "Wages",
                "declared": "0",
                "found": "2100.00",
                "verified": "2100.00",
                "sources": ["tax"],
                "batches": [4],
                "severity": "high",
            },
        ],
    }
    names = {"m1": "合成甲"}
    zh = _step_row(step, names, english=False)
    (_, text) = zh["values"][0]
    assert text == (
        "金融资产：申报 8000.00，部门数据 32000.00，采用 32000.00；"
        "工资收入（合成甲）：申报 0，部门数据 2100.00，采用 2100.00"
    )
    assert zh["rule"] == "V-03" and zh["label"] == "核对后采用的数据及其来源"
    (_, english) = _step_row(step, names, english=True)["values"][0]
    assert english.startswith("Financial assets: declared 8000.00, departments 32000.00")
    assert "{" not in text + english and "assets.financial" not in text + english
