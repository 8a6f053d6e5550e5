"""Writing a blank template workbook from its ``SheetSpec`` (openpyxl): the instructions
sheet with the version marker, the data sheet with its header row, formats, data
validations and input prompts, and a hidden lists sheet. The reading side is
``portal.spreadsheets``."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from portal.spreadsheets import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    VERSION_CELL,
    VERSION_NAME,
    SheetSpec,
)

# -- The blank template ---------------------------------------------------------------


def list_range(count: int, column: str = "A") -> str:
    """The reference of a drop-down list of ``count`` items on the Lists sheet."""
    return f"{LISTS_SHEET}!${column}$1:${column}${count}"


def build_workbook(
    spec: SheetSpec, steps: Sequence[str], *, lists: Iterable[Sequence[Any]] | None = None
) -> bytes:
    """The blank template as the bytes of an ``.xlsx``.

    Sheets: "Instructions" (first and active: ``spec.title``, the version in B2, the
    numbered ``steps``, then one line per column: its letter, heading and hint), the data
    sheet ``spec.sheet`` (bold, frozen headings; on rows 2 to ``max_rows + 1`` each
    column's number format and data validation, with its hint as the input message) and,
    when ``lists`` is given, the hidden "Lists" sheet, one row per item of ``lists``
    (refer to it with ``list_range``). The version is also a custom document property
    and a defined name, ``VERSION_NAME``.
    """
    workbook = Workbook()
    _write_instructions(workbook.active, spec, steps)
    _write_data_sheet(workbook.create_sheet(spec.sheet), spec)
    if lists is not None:
        sheet = workbook.create_sheet(LISTS_SHEET)
        for row, values in enumerate(lists, start=1):
            for column, value in enumerate(values, start=1):
                sheet.cell(row=row, column=column, value=value)
        sheet.sheet_state = "hidden"

    workbook.properties.title = spec.title
    workbook.properties.creator = "Provider Resolution Portal"
    workbook.custom_doc_props.append(StringProperty(name=VERSION_NAME, value=spec.version))
    workbook.defined_names.add(DefinedName(VERSION_NAME, attr_text=f'"{spec.version}"'))
    workbook.active = 0

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_instructions(sheet, spec: SheetSpec, steps: Sequence[str]):
    sheet.title = INSTRUCTIONS_SHEET
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 32
    sheet.column_dimensions["C"].width = 90
    bold = Font(bold=True)
    sheet["A1"] = spec.title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Version"
    row, column = VERSION_CELL
    sheet.cell(row=row, column=column, value=spec.version)

    sheet["A4"] = "How to fill it in"
    sheet["A4"].font = bold
    for number, text in enumerate(steps, start=1):
        sheet.cell(row=4 + number, column=1, value=f"{number}.")
        sheet.cell(row=4 + number, column=2, value=text)

    top = 4 + len(steps) + 2
    sheet.cell(row=top, column=1, value="What to enter in each column").font = bold
    for index, heading in enumerate(["Column", "Heading", "What to enter"], start=1):
        sheet.cell(row=top + 1, column=index, value=heading).font = bold
    for offset, column in enumerate(spec.columns, start=2):
        sheet.cell(row=top + offset, column=1, value=get_column_letter(offset - 1))
        sheet.cell(row=top + offset, column=2, value=column.header)
        hint = sheet.cell(row=top + offset, column=3, value=column.hint)
        hint.alignment = Alignment(wrap_text=True, vertical="top")


def _write_data_sheet(sheet, spec: SheetSpec):
    last_row = spec.max_rows + 1
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        heading = sheet.cell(row=1, column=index, value=column.header)
        heading.font = Font(bold=True)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.number_format:
            dimension.number_format = column.number_format
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=index).number_format = column.number_format
        if column.validation is None:
            continue
        kind, operator, formula1, formula2, error = column.validation
        rule = DataValidation(
            type=kind,
            operator=operator,
            formula1=formula1,
            formula2=formula2,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            errorTitle=column.header[:32],
            error=error,
            promptTitle=column.header[:32],
            prompt=column.hint[:255],
        )
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "A2"


