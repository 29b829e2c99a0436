"""Spreadsheet intake and export: the per-enterprise template, the reviewers' bulk workbook.

The enterprise template has one row per field (columns: 字段代码, 指标名称, 单位, 填报值,
说明/规则). That layout was chosen because every value sits in the same column (D), so an
upload can be previewed and its problems pointed at cell by cell ("D7"); the long Chinese
field names stay readable; each row carries its own unit, rule text and Excel data validation;
and the file reads top-down like the paper form, section by section. The key column A is
hidden and the sheet is protected (no password: it guards against slips, not people) with only
the value column unlocked.

The bulk workbook for reviewers is the transpose (one row per enterprise, one column per
field; row 1 Chinese label and unit, row 2 field keys) because thousands of enterprises fit
only that way, and it is read in openpyxl's streaming mode.

Every cell is converted with :func:`portal.reporting.validation.parse_value`, the same code
that reads the web form. Readers raise nothing but :class:`SpreadsheetError`. The workbooks are
Chinese documents whatever the reader's language; the error messages about them are translated.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from portal.fields import FieldSpec, registry
from portal.fields.uscc import normalise_uscc, uscc_problem
from portal.reporting.rules import max_bound, min_bound, spec, to_decimal
from portal.reporting.validation import choice_label, parse_value

__all__ = [
    "SpreadsheetError", "ParsedUpload", "BulkParse", "build_template", "parse_template",
    "build_bulk_template", "parse_bulk", "diff_values", "to_csv_safe", "export_rows",
    "DEFAULT_MAX_BYTES", "BULK_MAX_BYTES",
]

SHEET = "填报"
HELP_SHEET = "说明"
LISTS_SHEET = "选项"
BULK_SHEET = "批量填报"
HEADERS = ("字段代码", "指标名称", "单位", "填报值", "说明/规则")
TITLE_ROW, HEADER_ROW, FIRST_ROW = 1, 2, 3
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BULK_MAX_BYTES = 50 * 1024 * 1024
# A zip bomb is small on disk and huge when unpacked; refuse archives that expand beyond this.
MAX_EXPANSION = 40
MAX_UNPACKED_BYTES = 600 * 1024 * 1024

NOT_XLSX = _l("文件不是有效的 Excel（.xlsx）文件，请使用系统下载的模板另存为 .xlsx 后重新上传。")
_FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
_TYPE_HINTS = {
    "decimal": "数字", "int": "整数", "bool": "是/否", "enum": "从下拉列表选择", "date": "日期 YYYY-MM-DD",
    "str": "文本", "multi": "可多选，用顿号“、”分隔", "map": "每项“子项：取值”，用分号“；”分隔",
}
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")


class SpreadsheetError(Exception):
    """A file that cannot be read as a template; ``message`` is shown to the user as is.

    The workbooks themselves (templates, exports) are Chinese documents; the messages about them
    are in the reader's language.
    """

    def __init__(self, message: str):
        message = str(message)
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ParsedUpload:
    values: dict[str, Any]
    cell_errors: list[tuple[str, str, str]]          # (cell_ref, field_key, message)
    cells: dict[str, str] = field(default_factory=dict)  # field_key -> cell_ref of its value
    uscc: str | None = None
    period_label: str | None = None


@dataclass(frozen=True)
class BulkParse:
    rows: list[tuple[int, str, dict[str, Any]]]     # (row_number, uscc, values)
    cell_errors: list[tuple[str, str, str, str]]     # (cell_ref, uscc, field_key, message)


# --------------------------------------------------------------------------- cell conversion


def to_csv_safe(value: Any) -> Any:
    """Escape text that a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_CHARS):
        return "'" + value
    return value


def _display(spec_: FieldSpec | None, value: Any) -> Any:
    """A typed value as written into a cell (numbers stay numbers, choices become labels)."""
    if value is None:
        return None
    if spec_ is None:
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, (list, tuple)):
            return "、".join(str(v) for v in value)
        if isinstance(value, Mapping):
            return "；".join(f"{k}：{v}" for k, v in value.items())
        return value
    kind = spec_.type
    if kind == "bool" or isinstance(value, bool):
        return "是" if value else "否"
    if kind == "enum":
        return choice_label(spec_, str(value))
    if kind == "multi" and isinstance(value, (list, tuple, set)):
        return "、".join(choice_label(spec_, str(v)) for v in value)
    if kind == "map" and isinstance(value, Mapping):
        return "；".join(f"{str(k).upper()}：{choice_label(spec_, str(v)) if spec_.values else v}"
                        for k, v in value.items())
    if kind in ("decimal", "int"):
        d = to_decimal(value)
        if d is None:
            return str(value)
        return int(d) if kind == "int" and d == d.to_integral_value() else d
    return value


def _from_cell(value: Any) -> Any:
    """A cell value as input for parse_value (floats made exact, escaped text unescaped)."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return int(value)
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else "NaN"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    # ArrayFormula / DataTableFormula objects and anything else openpyxl may hand back
    return not (value is None or isinstance(value, (int, float, Decimal, date, datetime, time)))


def _formula_message(ref: str) -> str:
    return _("单元格 %(cell)s 含有公式，请填写数值。", cell=ref)


# --------------------------------------------------------------------------- opening files


def _open(data: bytes, max_bytes: int, *, read_only: bool):
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SpreadsheetError(NOT_XLSX)
    size = len(data)
    if size > max_bytes:
        size_mb, limit_mb = f"{size / 1048576:.1f}", f"{max_bytes / 1048576:g}"
        raise SpreadsheetError(_("文件大小 %(size)s MB 超过上限 %(limit)s MB，请删除多余内容或分批上传。",
                                 size=size_mb, limit=limit_mb))
    if size == 0:
        raise SpreadsheetError(_("文件为空，请重新选择文件。"))
    if not bytes(data[:4]) == b"PK\x03\x04":
        raise SpreadsheetError(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception:  # noqa: BLE001 - any damage to the archive means the same to the user
        raise SpreadsheetError(NOT_XLSX) from None
    if "xl/workbook.xml" not in names:
        raise SpreadsheetError(NOT_XLSX)
    if unpacked > min(MAX_UNPACKED_BYTES, max(max_bytes, 1) * MAX_EXPANSION):
        raise SpreadsheetError(_("文件解压后内容过大，无法读取。"))
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=False)
    except Exception:  # noqa: BLE001
        raise SpreadsheetError(NOT_XLSX) from None


# --------------------------------------------------------------------------- enterprise template


def _rule_text(spec_: FieldSpec) -> str:
    parts = []
    if spec_.required:
        parts.append("必填")
    elif spec_.required_when:
        parts.append("条件必填")
    else:
        parts.append("选填，不填表示“无数据”，不等于 0")
    parts.append(_TYPE_HINTS.get(spec_.type, spec_.type))
    if spec_.type in ("enum", "multi") and spec_.values:
        parts.append("可选：" + "、".join(choice_label(spec_, v) for v in spec_.values))
    if spec_.type == "map" and spec_.keys:
        parts.append("子项：" + "、".join(k.upper() for k in spec_.keys) + "；取值："
                     + "、".join(choice_label(spec_, v) for v in spec_.values))
    parts.extend(r for r in spec_.rules)
    return "；".join(parts)


def _validation_for(spec_: FieldSpec, lists_ref: dict[str, str]) -> DataValidation | None:
    if spec_.type == "bool":
        return DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    if spec_.type == "enum" and spec_.key in lists_ref:
        return DataValidation(type="list", formula1=lists_ref[spec_.key], allow_blank=True)
    if spec_.type in ("decimal", "int"):
        kind = "decimal" if spec_.type == "decimal" else "whole"
        low, high = min_bound(spec_.key), max_bound(spec_.key)
        if low is not None and high is not None:
            dv = DataValidation(type=kind, operator="between", formula1=str(low), formula2=str(high),
                                allow_blank=True)
        elif low is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=str(low), allow_blank=True)
        else:
            dv = DataValidation(type=kind, operator="between", formula1="-10000000000000",
                                formula2="10000000000000", allow_blank=True)
        return dv
    return None


def build_template(*, enterprise_name: str, uscc: str, period_label: str, prefill: Mapping[str, Any],
                   fields: Sequence[FieldSpec] | None = None) -> bytes:
    """The .xlsx template of one enterprise's report for one period, pre-filled with ``prefill``."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    help_ws = wb.create_sheet(HELP_SHEET)
    wb.active = 0

    ws.cell(TITLE_ROW, 2, f"{enterprise_name}（{uscc}） {period_label} 数据填报表").font = Font(bold=True, size=13)
    ws.merge_cells(start_row=TITLE_ROW, start_column=2, end_row=TITLE_ROW, end_column=5)
    for col, title in enumerate(HEADERS, start=1):
        cell = ws.cell(HEADER_ROW, col, title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for letter, width in zip("ABCDE", (26, 44, 12, 28, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["A"].hidden = True
    ws.freeze_panes = ws.cell(FIRST_ROW, 2)

    lists_ref: dict[str, str] = {}
    list_col = 0
    validations: dict[tuple, DataValidation] = {}
    row = FIRST_ROW
    if fields is None:
        grouped = [(s.zh, s.fields) for s in registry().sections]
    else:
        grouped = [("", tuple(fields))]
    for section_title, specs in grouped:
        if section_title:
            cell = ws.cell(row, 2, section_title)
            cell.font = Font(bold=True)
            for col in range(1, 6):
                ws.cell(row, col).fill = _SECTION_FILL
            row += 1
        for spec_ in specs:
            if spec_.type == "enum" and spec_.values and spec_.key not in lists_ref:
                list_col += 1
                letter = get_column_letter(list_col)
                lists.cell(1, list_col, spec_.key)
                for i, v in enumerate(spec_.values, start=2):
                    lists.cell(i, list_col, choice_label(spec_, v))
                lists_ref[spec_.key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(spec_.values) + 1}"
            ws.cell(row, 1, spec_.key)
            label = ws.cell(row, 2, ("* " if spec_.required else "") + spec_.zh)
            label.alignment = Alignment(wrap_text=True, vertical="center")
            ws.cell(row, 3, spec_.unit_label or "")
            value = _display(spec_, prefill.get(spec_.key) if prefill else None)
            cell = ws.cell(row, 4)
            cell.value = to_csv_safe(value)
            if isinstance(value, str):
                cell.data_type = "s"
            if spec_.type == "decimal":
                cell.number_format = "General"
            elif spec_.type == "int":
                cell.number_format = "0"
            elif spec_.type == "date":
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.number_format = "@"
            cell.protection = Protection(locked=False)
            cell.fill = _INPUT_FILL
            note = ws.cell(row, 5, _rule_text(spec_))
            note.alignment = Alignment(wrap_text=True, vertical="center")
            dv = _validation_for(spec_, lists_ref)
            if dv is not None:
                sig = (dv.type, dv.operator, dv.formula1, dv.formula2)
                if sig not in validations:
                    dv.error = "输入的内容不符合本行的要求，请查看“说明/规则”列。"
                    dv.errorTitle = "输入有误"
                    dv.showErrorMessage = True
                    validations[sig] = dv
                    ws.add_data_validation(dv)
                validations[sig].add(cell)
            row += 1
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False

    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["B"].width = 90
    help_ws.cell(1, 1, "填写说明").font = Font(bold=True, size=13)
    meta = (("企业名称", enterprise_name), ("统一社会信用代码", uscc), ("报告期", period_label))
    for i, (k, v) in enumerate(meta, start=3):
        help_ws.cell(i, 1, k).font = Font(bold=True)
        help_ws.cell(i, 2, to_csv_safe(v))
    notes = (
        "1. 只在“填报”表黄色的“填报值”列（D 列）填写，不要增删行、不要修改其他列。",
        "2. 金额单位为万元，百分比填 0–100 之间的数字（如 35.5 表示 35.5%）。",
        "3. 流量指标（如产值、收入、能耗）填本季度发生额，不是年初至今累计数。",
        "4. 选填项不填表示“无数据”，不等于 0；确实为 0 时请填 0。",
        "5. 请填写数值，不要使用公式；含公式的单元格将被拒绝。",
        "6. 是/否 与下拉选项请从单元格的下拉列表中选择；多选项用顿号“、”分隔。",
        "7. 信息系统应用等“子项：取值”格式的指标，多项之间用分号“；”分隔，如 ERP：全面覆盖；MES：部分覆盖。",
        "8. 上传后系统会逐格检查并显示与当前数据的差异，确认后才会保存。",
        "9. 带 * 的指标为必填项，提交时必须填写。文件不超过 5 MB。",
    )
    for i, text in enumerate(notes, start=7):
        help_ws.cell(i, 1, text)
        help_ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=2)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _find_header(ws) -> tuple[int, dict[str, int]]:
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=10, values_only=True), start=1):
        titles = {str(v).strip(): i for i, v in enumerate(row) if isinstance(v, str)}
        if "填报值" in titles or "字段代码" in titles:
            if "字段代码" not in titles:
                raise SpreadsheetError(_("模板缺少“字段代码”列，无法识别各行对应的指标，请重新下载模板后填写。"))
            if "填报值" not in titles:
                raise SpreadsheetError(_("模板缺少“填报值”列，请重新下载模板后填写。"))
            return r, titles
    raise SpreadsheetError(_("找不到表头（字段代码、指标名称、单位、填报值），请使用系统下载的模板。"))


def _meta(wb) -> tuple[str | None, str | None]:
    if HELP_SHEET not in wb.sheetnames:
        return None, None
    found: dict[str, str] = {}
    for row in wb[HELP_SHEET].iter_rows(min_row=1, max_row=6, max_col=2, values_only=True):
        if len(row) == 2 and isinstance(row[0], str) and row[1] is not None:
            found[row[0].strip()] = str(row[1]).strip()
    uscc = found.get("统一社会信用代码")
    return (normalise_uscc(uscc) if uscc else None), found.get("报告期")


def parse_template(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   fields: Sequence[FieldSpec] | None = None) -> ParsedUpload:
    """Read a filled enterprise template back into typed values and per-cell errors."""
    try:
        return _parse_template(data, max_bytes, fields)
    except SpreadsheetError:
        raise
    except Exception:  # noqa: BLE001 - the upload view shows one clear message, never a 500
        raise SpreadsheetError(_("无法读取该文件的内容，请使用系统下载的模板填写后重新上传。")) from None


def _parse_template(data: bytes, max_bytes: int, fields: Sequence[FieldSpec] | None) -> ParsedUpload:
    wb = _open(data, max_bytes, read_only=True)
    try:
        if SHEET not in wb.sheetnames:
            raise SpreadsheetError(_("找不到工作表“%(sheet)s”，请使用系统下载的模板。", sheet=SHEET))
        ws = wb[SHEET]
        ws.reset_dimensions()
        header_row, titles = _find_header(ws)
        key_col, value_col = titles["字段代码"], titles["填报值"]
        value_letter = get_column_letter(value_col + 1)
        key_letter = get_column_letter(key_col + 1)
        allowed = {f.key: f for f in (fields if fields is not None else registry().report_fields)}
        raw: dict[str, Any] = {}
        cells: dict[str, str] = {}
        errors: list[tuple[str, str, str]] = []
        for r, row in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1):
            key = row[key_col] if key_col < len(row) else None
            value = row[value_col] if value_col < len(row) else None
            ref = f"{value_letter}{r}"
            key = key.strip() if isinstance(key, str) else key
            if key is None or key == "":
                if value is not None and not (isinstance(value, str) and not value.strip()):
                    errors.append((ref, "", _("第 %(row)s 行缺少字段代码，无法识别该值属于哪个指标。", row=r)))
                continue
            if not isinstance(key, str) or key not in allowed:
                errors.append((f"{key_letter}{r}", str(key),
                               _("未知的字段代码“%(key)s”（第 %(row)s 行）。", key=str(key)[:40], row=r)))
                continue
            if key in cells:
                errors.append((ref, key, _("字段 %(key)s 重复出现（第 %(row)s 行），只保留第一次出现的值。", key=key, row=r)))
                continue
            cells[key] = ref
            if _is_formula(value):
                errors.append((ref, key, _formula_message(ref)))
                continue
            raw[key] = _from_cell(value)
        uscc, period = _meta(wb)
    finally:
        wb.close()

    values: dict[str, Any] = {}
    for key, value in raw.items():
        typed, problem = parse_value(allowed[key], value)
        values[key] = typed
        if problem:
            errors.append((cells[key], key, _("%(field)s：%(problem)s", field=allowed[key].label, problem=problem)))
    order = {ref: i for i, ref in enumerate(cells.values())}
    errors.sort(key=lambda e: order.get(e[0], len(order)))
    return ParsedUpload(values, errors, cells, uscc, period)


# --------------------------------------------------------------------------- bulk workbook


def _header_label(spec_: FieldSpec) -> str:
    return f"{spec_.zh}（{spec_.unit_label}）" if spec_.unit_label else spec_.zh


def build_bulk_template(rows: Sequence[tuple[str, str]], period_label: str, *,
                        prefill: Mapping[str, Mapping[str, Any]] | None = None,
                        fields: Sequence[FieldSpec] | None = None) -> bytes:
    """Reviewers' workbook: one row per enterprise ``(uscc, name)``, one column per field.

    Row 1 holds the Chinese label and unit, row 2 the field keys (what the reader uses), data
    starts on row 3. ``prefill`` maps a USCC to values written into its row.
    """
    specs = tuple(fields) if fields is not None else registry().report_fields
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(BULK_SHEET)
    ws.freeze_panes = "C3"
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 30
    for i in range(len(specs)):
        ws.column_dimensions[get_column_letter(i + 3)].width = 16
    ws.append(["统一社会信用代码", "企业名称", *(_header_label(s) for s in specs)])
    ws.append(["uscc", "name", *(s.key for s in specs)])
    for uscc, name in rows:
        filled = (prefill or {}).get(uscc) or {}
        ws.append([to_csv_safe(uscc), to_csv_safe(name),
                   *(to_csv_safe(_display(s, filled.get(s.key))) for s in specs)])
    info = wb.create_sheet(HELP_SHEET)
    info.append(["报告期", to_csv_safe(period_label)])
    info.append(["说明", "第 1 行为指标名称和单位，第 2 行为字段代码（请勿修改），从第 3 行起每行一家企业；"
                        "不要使用公式；选填项不填表示“无数据”，不等于 0。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parse_bulk(data: bytes, max_bytes: int = BULK_MAX_BYTES, *,
               fields: Sequence[FieldSpec] | None = None) -> BulkParse:
    """Read the reviewers' workbook (streaming) into typed rows and per-cell errors."""
    try:
        return _parse_bulk(data, max_bytes, fields)
    except SpreadsheetError:
        raise
    except Exception:  # noqa: BLE001
        raise SpreadsheetError(_("无法读取该文件的内容，请使用系统下载的批量模板填写后重新上传。")) from None


def _parse_bulk(data: bytes, max_bytes: int, fields: Sequence[FieldSpec] | None) -> BulkParse:
    allowed = {f.key: f for f in (fields if fields is not None else registry().report_fields)}
    wb = _open(data, max_bytes, read_only=True)
    rows: list[tuple[int, str, dict[str, Any]]] = []
    errors: list[tuple[str, str, str, str]] = []
    try:
        ws = wb[BULK_SHEET] if BULK_SHEET in wb.sheetnames else wb.worksheets[0]
        ws.reset_dimensions()
        it = ws.iter_rows(values_only=True)
        next(it, None)                     # Chinese labels
        key_row = next(it, None) or ()
        keys = [k.strip() if isinstance(k, str) else k for k in key_row]
        if "uscc" not in keys:
            raise SpreadsheetError(_("第 2 行缺少字段代码（应含 uscc），请使用系统下载的批量模板。"))
        uscc_col = keys.index("uscc")
        columns: list[tuple[int, str, FieldSpec, str]] = []
        seen: set[str] = set()
        for i, key in enumerate(keys):
            if i == uscc_col or key in (None, "", "name"):
                continue
            letter = get_column_letter(i + 1)
            if not isinstance(key, str) or key not in allowed:
                errors.append((f"{letter}2", "", str(key), _("未知的字段代码“%(key)s”，该列已忽略。", key=str(key)[:40])))
                continue
            if key in seen:
                errors.append((f"{letter}2", "", key, _("字段代码 %(key)s 重复，该列已忽略。", key=key)))
                continue
            seen.add(key)
            columns.append((i, key, allowed[key], letter))
        uscc_letter = get_column_letter(uscc_col + 1)
        used: dict[str, int] = {}
        for r, row in enumerate(it, start=3):
            if not any(v is not None and v != "" for v in row):
                continue
            raw_uscc = row[uscc_col] if uscc_col < len(row) else None
            uscc = normalise_uscc(str(raw_uscc)) if raw_uscc is not None else ""
            problem = uscc_problem(uscc)
            if problem:
                errors.append((f"{uscc_letter}{r}", uscc, "uscc", problem))
                continue
            if uscc in used:
                errors.append((f"{uscc_letter}{r}", uscc, "uscc",
                               _("统一社会信用代码与第 %(row)s 行重复，本行已忽略。", row=used[uscc])))
                continue
            used[uscc] = r
            values: dict[str, Any] = {}
            n = len(row)
            for i, key, spec_, letter in columns:
                value = row[i] if i < n else None
                if value is None:
                    values[key] = None
                    continue
                if _is_formula(value):
                    ref = f"{letter}{r}"
                    errors.append((ref, uscc, key, _formula_message(ref)))
                    values[key] = None
                    continue
                typed, problem = parse_value(spec_, _from_cell(value))
                values[key] = typed
                if problem:
                    errors.append((f"{letter}{r}", uscc, key, _("%(field)s：%(problem)s", field=spec_.label,
                                                                problem=problem)))
            rows.append((r, uscc, values))
    finally:
        wb.close()
    return BulkParse(rows, errors)


# --------------------------------------------------------------------------- diff and export


def _canon(value: Any) -> Any:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        d = to_decimal(value)
        return d.normalize() if d is not None else value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, str):
        return value.strip() or None
    return value


def diff_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Fields whose value differs, as ``(key, old, new)`` in dictionary order.

    Missing, None and empty count as the same; 1, 1.0 and Decimal("1.00") are equal; lists
    compare as sets.
    """
    old, new = old or {}, new or {}
    order = {f.key: i for i, f in enumerate((*registry().profile, *registry().report_fields))}
    keys = sorted(set(old) | set(new), key=lambda k: (order.get(k, len(order)), k))
    return [(k, old.get(k), new.get(k)) for k in keys if _canon(old.get(k)) != _canon(new.get(k))]


def _export_cell(key: str, value: Any, *, for_csv: bool) -> Any:
    shown = _display(spec(key), value)
    if isinstance(shown, Decimal):
        return format(shown, "f") if for_csv else shown
    if isinstance(shown, (date, datetime)):
        return shown.isoformat() if for_csv else shown
    if shown is None:
        return ""
    return to_csv_safe(shown if isinstance(shown, (int, float)) else str(shown))


def export_rows(rows: Iterable[Mapping[str, Any]], columns: Sequence[str | tuple[str, str]],
                fmt: str = "xlsx") -> bytes:
    """Rows as .xlsx or CSV (UTF-8 with BOM, so Excel opens it in Chinese) with Chinese headers.

    ``columns`` are field keys (header from the registry: label and unit) or ``(key, header)``.
    Text that a spreadsheet would evaluate as a formula is escaped with a leading apostrophe.
    """
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"fmt must be 'xlsx' or 'csv', not {fmt!r}")
    cols: list[tuple[str, str]] = []
    for col in columns:
        if isinstance(col, tuple):
            cols.append((col[0], col[1]))
        else:
            s = spec(col)
            cols.append((col, _header_label(s) if s else col))
    headers = [to_csv_safe(h) for _, h in cols]
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_export_cell(k, row.get(k), for_csv=True) for k, _ in cols])
        return text.getvalue().encode("utf-8-sig")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("导出")
    ws.freeze_panes = "A2"
    for i, (_key, header) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(header) * 2 + 2))
    ws.append(headers)
    for row in rows:
        ws.append([_export_cell(k, row.get(k), for_csv=False) for k, _ in cols])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
