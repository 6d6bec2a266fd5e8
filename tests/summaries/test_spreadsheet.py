"""The CSV a leader opens in a spreadsheet: Danish Excel's form for a Danish report."""

from __future__ import annotations

import csv
import io

from bot.summaries.output import render_csv
from bot.summaries.spreadsheet import BOM, render_spreadsheet
from tests.summaries.sample import network_report


def _rows(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=delimiter))


def test_a_danish_report_opens_in_danish_excel_as_it_is() -> None:
    text = render_spreadsheet(network_report("da"))
    assert text.startswith(BOM)  # UTF-8 with BOM: Excel reads æ, ø and å right
    header, *rows = _rows(text, ";")
    assert header[:6] == ["Afsnit", "Gruppe", "Møde", "Runde", "Slags runde", "Dato"]
    assert "Gennemsnit" in header
    assert "Hvorfor intet tal" in header
    named = [dict(zip(header, row, strict=True)) for row in rows]
    safety = [r for r in named if r["Afsnit"] == "Psykologisk tryghed" and r["Gruppe"] == "Engen"]
    assert safety[0]["Gennemsnit"] == "5,25"  # a decimal comma, not a point
    assert safety[1]["Gennemsnit"] == ""
    assert safety[1]["Hvorfor intet tal"] == "for få svar til at vise"


def test_an_english_report_keeps_commas_and_points() -> None:
    text = render_spreadsheet(network_report("en"))
    assert not text.startswith(BOM)
    header, *rows = _rows(text, ",")
    assert header[:2] == ["Section", "Group"]
    means = [dict(zip(header, row, strict=True))["Mean"] for row in rows]
    assert "5.1" in means


def test_the_spreadsheet_and_the_data_csv_hold_the_same_rows() -> None:
    report = network_report("da")
    data = _rows(render_csv(report), ",")
    sheet = _rows(render_spreadsheet(report), ";")
    assert len(data) == len(sheet)
    assert data[0][:3] == ["section", "group", "meeting"]  # stable keys for tools
