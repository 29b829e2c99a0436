"""Scorecards: the scoring engine's results stored as snapshots, shown and confirmed."""
