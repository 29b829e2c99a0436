"""District dashboards: indicators computed from approved reports, against the plan's targets.

``queries`` is the only module that touches the database; it builds the "reports" and
"expected" frames. ``indicators``, ``land`` and ``charts`` are pure: frame in, frame (or SVG
string) out, so every formula is unit-testable on a hand-built frame. ``targets`` loads the
plan's targets from ``district_targets.yaml``.
"""
