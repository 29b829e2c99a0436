"""Demo data for the portal: a pure, deterministic generator of Tongliang-like enterprises and
their quarterly self-reports (see :func:`portal.demo.generator.generate`). Nothing in this package
touches the database; the ``seed-demo`` command loads what the generator returns.
"""
