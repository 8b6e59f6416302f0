"""Spreadsheet imports: safe reading, per-kind validation into plans, templates, resources.

The flow (ledger.services.imports.import_file): `reading` turns the bytes of an .xlsx or
.csv file into a header and numbered rows, refusing hostile files; `columns` matches
the headers (English names or French aliases); a kind (`journal`, `setup`) parses and
validates every row with cached lookups into a plan and a list of problems in the
accountant's words; the services write the plan in one transaction, or nothing.
"""
