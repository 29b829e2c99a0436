"""SQLite write safety: write requests start their transaction with BEGIN IMMEDIATE, in WAL mode.

pysqlite's default deferred transactions upgrade a read lock to a write lock mid-transaction,
which fails at once with "database is locked" when another writer committed in between.
Starting with BEGIN IMMEDIATE makes a writer wait for the lock (up to the busy timeout) instead.
Requests with a state-changing method (POST, PUT, PATCH, DELETE) and code that asks for it with
``immediate_transactions()`` begin immediately; reads (GET) begin deferred so that a slow page or
download never holds the write lock. WAL lets readers proceed while a writer works.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):  # noqa: ARG001
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None   # let SQLAlchemy's "begin" event emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


_force_immediate: ContextVar[bool] = ContextVar("sqlite_immediate", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@contextmanager
def immediate_transactions():
    """Begin every SQLite transaction inside the block with BEGIN IMMEDIATE (CLI batch writers)."""
    token = _force_immediate.set(True)
    try:
        yield
    finally:
        _force_immediate.reset(token)


def _wants_immediate() -> bool:
    if _force_immediate.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_immediate() else "BEGIN")
