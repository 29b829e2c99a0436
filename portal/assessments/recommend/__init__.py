"""Recommendations: the smallest change of the enterprise's own figures that earns more.

Rule encoded (the portal's own method, no external standard): for every item below its maximum
take the nearest band worth more points and work out, from the actual figures, the change of one
reported input that reaches it (e.g. extra R&D 万元 = target ratio x revenue - R&D); for every
failed gate with a numeric condition, the change that meets its threshold. Each candidate is
re-scored with the framework's own rule, so the stated gain is exactly what the engine would
give. A failed score gate that no single change clears gets a plan; a failed "already
recognised as X" gate estimated by X's own criteria gets the changes that meet X. Framework
modules add their own candidates (``candidates`` in the module). Ranking, the same for every
framework: changes that clear a blocking gate first, then those that change the grade / pass,
then points gained per unit of effort (docs/assessments.md).

One module per responsibility:

- :mod:`.levers` — how one indicator is moved by a change of reported figures (``LEVERS``);
- :mod:`.rescoring` — ``Candidate``, re-scoring changed rows (``rescore_many``, ``outcomes``);
- :mod:`.candidates` — the generic item and gate candidates;
- :mod:`.plans` — several changes together for a points gate;
- :mod:`.ranking` — which outcomes are stated, their wording and order;
- :mod:`.advice` — the whole advice of one result (``advise``, ``recommend``, ``prefetch``).

The names below are the package's API (framework modules and the engine import them from here).
"""
from .advice import advise, prefetch, recommend, single_candidates, status_plans
from .candidates import gate_candidates, item_candidates
from .levers import (
           CATEGORY_EFFORT,
           CATEGORY_NAMES,
           CATEGORY_TEXT,
           LEVERS,
           Change,
           Lever,
           fmt,
           number,
           round_up,
)
from .plans import MAX_PLAN, score_plans
from .ranking import build, rank_key, ranked, recommendation
from .rescoring import Candidate, Outcome, changed_rows, outcomes, rescore, rescore_many, row_cache

__all__ = ["CATEGORY_EFFORT", "CATEGORY_NAMES", "CATEGORY_TEXT", "LEVERS", "MAX_PLAN", "Candidate", "Change", "Lever",
           "Outcome", "advise", "build", "changed_rows", "fmt", "gate_candidates", "item_candidates", "number",
           "outcomes", "prefetch", "rank_key", "ranked", "recommend", "recommendation", "rescore", "rescore_many",
           "round_up", "row_cache", "score_plans", "single_candidates", "status_plans"]
