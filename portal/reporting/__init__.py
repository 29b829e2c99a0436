"""The reporting room: enterprise intake of the quarterly self-report.

Pure modules (no Flask, no database): ``rules`` turns the registry's rule strings into
executable checks, ``validation`` parses form/spreadsheet input and validates drafts and
submissions, ``spreadsheet`` builds and reads the .xlsx templates and exports.
"""
