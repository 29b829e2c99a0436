"""A page of a list that is not a Flask-SQLAlchemy query (a DataFrame, a row-mapped statement).

It has the attributes the ``pager`` macro in ``templates/_macros.html`` reads, like
Flask-SQLAlchemy's own ``Pagination``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
