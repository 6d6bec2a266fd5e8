"""A summary as the CSV a spreadsheet opens as it is, in the reader's language.

For Danish readers that is Danish Excel's form: semicolons between cells, a decimal comma,
UTF-8 with a byte-order mark (without it Excel guesses another encoding and breaks æ, ø
and å) and Danish column names; for English readers commas and decimal points. The rows
are those of `render_csv`, so both always hold the same figures.
"""

from __future__ import annotations

import csv
import io

from bot.summaries.labels import Formatter
from bot.summaries.model import STATUSES, Report
from bot.summaries.output import CSV_COLUMNS, csv_rows, safe_cell

BOM = "\ufeff"
NUMBERS = frozenset({"mean", "spread"})


def _header(key: str, f: Formatter) -> str:
    return f.status(key) if key in STATUSES else f.L[f"csv_{key}"]


def _number(value: object, danish: bool) -> object:
    return str(value).replace(".", ",") if danish and isinstance(value, float) else value


def render_spreadsheet(report: Report) -> str:
    """The report's rows with headers and section names in the reader's words."""
    f = Formatter(report.lang, report.timezone)
    danish = f.lang == "da"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if danish else ",", lineterminator="\r\n")
    writer.writerow([_header(key, f) for key in CSV_COLUMNS])
    for row in csv_rows(report, f):
        row["section"] = f.L[f"csv_section_{row['section']}"]
        writer.writerow([safe_cell(_number(row.get(key), danish)) for key in CSV_COLUMNS])
    return (BOM if danish else "") + out.getvalue()
