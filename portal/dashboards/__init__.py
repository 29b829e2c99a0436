"""District dashboards: indicators computed from approved reports, against the plan's targets.

Two modules touch the database: ``queries`` reads the frames (window rows, expected enterprises,
the data version) and ``facts`` keeps the window aggregates they come from current, in the same
transaction as every change. The rest is pure: ``coefficients`` (fields, labels, energy and CO2
factors), ``periods`` (windows and picking a window's rows), ``derive`` (per-enterprise inputs),
``indicators`` (definitions and tables), ``land`` and ``charts``: frame in, frame (or SVG string)
out, so every formula is unit-testable on a hand-built frame. ``targets`` loads the plan's
targets from ``district_targets.yaml``.
"""
