"""Excel export and import of an enterprise's risk register (风险分级管控清单).

Export: one row per risk, in the column order of the control list of Article 11 of the Jiangsu
安全风险管理条例 (name, risk point and location, level, accident types, controls, responsible
department and person), with the method, its inputs and the score beside the level and each level
cell in its colour.

Import: the enterprise fills the template (or edits an export) and uploads it. Only the sheet whose
header row names the risk and the risk point is read (the instruction and example sheets never
are); each row goes through `services.risk_save` in its own savepoint, so a bad row leaves nothing
behind and the good rows apply. A row whose 风险名称 + 风险点 match an active risk of the
enterprise changes that risk; a blank optional cell keeps what the risk has. Every rejected row is
reported with its row number, column and reason, and written into an error workbook that can be
corrected and uploaded again as it is. The export's columns are a superset of the import's, so an
exported register imports again without changes.
"""

from saferisk.risks.register_excel.columns import (
    EXAMPLE_MARKER,
    IMPORT_COLUMNS,
    UPLOAD_MAX_BYTES,
    ImportColumn,
    Layout,
    find_layout,
    match_header,
)
from saferisk.risks.register_excel.export import EXPORT_HEADERS, export_row, export_workbook, inputs_text
from saferisk.risks.register_excel.importer import (
    RegisterImportResult,
    error_file_name,
    may_import,
    register_import,
)
from saferisk.risks.register_excel.template import template_workbook

__all__ = [
    "EXAMPLE_MARKER",
    "EXPORT_HEADERS",
    "IMPORT_COLUMNS",
    "UPLOAD_MAX_BYTES",
    "ImportColumn",
    "Layout",
    "RegisterImportResult",
    "error_file_name",
    "export_row",
    "export_workbook",
    "find_layout",
    "inputs_text",
    "match_header",
    "may_import",
    "register_import",
    "template_workbook",
]
