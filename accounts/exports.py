"""CSV and XLSX downloads of a table, safe to open in a spreadsheet.

Cells that a spreadsheet would read as a formula (starting with =, +, -, @, or a
tab / carriage return) are prefixed with an apostrophe: formula injection.
Callers pass rows the user may see and write the export to the access log.
"""

import csv
import io
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(header, rows):
    yield [str(h) for h in header]
    for row in rows:
        yield [neutralise(v) for v in row]


def csv_response(filename, header, rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM so spreadsheet programs read UTF-8 Chinese correctly
    writer = csv.writer(buffer)
    for row in _rows(header, rows):
        writer.writerow(row)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename, header, rows, title="Export"):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    for row in _rows(header, rows):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_response(fmt, filename, header, rows, title="Export"):
    if fmt == "xlsx":
        return xlsx_response(filename, header, rows, title)
    return csv_response(filename, header, rows)
