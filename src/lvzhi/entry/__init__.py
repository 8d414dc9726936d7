"""Offline data entry through Excel: the per-round template and its import.

`lvzhi.entry.workbook` is pure (openpyxl only, no Django): it builds templates and parses/validates filled
workbooks. `lvzhi.entry.services` connects it to rounds, scoping and the evaluation actions.
"""
