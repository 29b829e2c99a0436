"""Database backup and restore, portable between SQLite and PostgreSQL.

A backup is one gzip-compressed JSON document: the Alembic revision of the schema, the time it
was taken and every table's rows (in foreign-key order), with dates and times as ISO strings.
Restoring needs an empty database migrated to the same revision (``flask --app portal init-db``);
rows are inserted table by table and PostgreSQL sequences are moved past the restored ids, so the
restored database is indistinguishable from the original (a test round-trips both engines). The
dashboards' aggregates are derived data: they are left out and rebuilt when the restore commits.
"""
from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from typing import IO, Any

from sqlalchemy import Date, DateTime, func, insert, select, text

from portal.extensions import db
from portal.models import utcnow

FORMAT = "tongliang-portal-backup/1"


class BackupError(ValueError):
    pass


#: Derived tables, rebuilt from the others: not in a backup. Restoring inserts reports, so the
#: commit rebuilds the dashboards' aggregates from them (``portal/dashboards/facts.py``).
DERIVED_TABLES = frozenset({"dashboard_window_fact", "dashboard_version"})


def _tables():
    return [t for t in db.metadata.sorted_tables if t.name not in DERIVED_TABLES]


def _schema_revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - a database created without migrations (tests) has no table
        db.session.rollback()
        return None


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def dump(stream: IO[bytes]) -> dict[str, int]:
    """Write a backup of the whole database to ``stream``; returns row counts per table."""
    counts = {}
    tables = {}
    for table in _tables():
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
        tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
        counts[table.name] = len(rows)
    document = {"format": FORMAT, "revision": _schema_revision(), "taken_at": utcnow().isoformat(),
                "tables": tables}
    with gzip.GzipFile(fileobj=stream, mode="wb") as gz:
        gz.write(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    return counts


def _decoder(column):
    if isinstance(column.type, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def load(stream: IO[bytes], *, force: bool = False) -> dict[str, int]:
    """Restore a backup into this (empty, migrated) database; the caller commits."""
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as gz:
            document = json.loads(gz.read().decode("utf-8"))
    except (OSError, EOFError, ValueError) as exc:
        raise BackupError(f"备份文件无法读取：{exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError("这不是本系统的备份文件。")
    revision = _schema_revision()
    if document.get("revision") and revision and document["revision"] != revision:
        raise BackupError(f"备份的数据库版本（{document['revision']}）与当前数据库（{revision}）不一致，"
                          "请先迁移到相同版本。")
    tables = _tables()
    non_empty = [t.name for t in tables if db.session.scalar(select(func.count()).select_from(t))]
    if non_empty and not force:
        raise BackupError("目标数据库不是空的（" + "、".join(non_empty) + "），恢复已取消。")
    for table in reversed(db.metadata.sorted_tables):     # derived tables too (they point at enterprises)
        db.session.execute(table.delete())
    counts = {}
    for table in tables:
        rows = document["tables"].get(table.name, [])
        decoders = {c.name: _decoder(c) for c in table.columns}
        decoded = [{k: decoders[k](v) for k, v in row.items() if k in decoders} for row in rows]
        for start in range(0, len(decoded), 1000):
            db.session.execute(insert(table), decoded[start:start + 1000])
        counts[table.name] = len(decoded)
    _reset_sequences(tables)
    return counts


def _reset_sequences(tables) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not pk[0].autoincrement:
            continue
        # Table and column names come from the application's own metadata, never from input.
        name, column = table.name, pk[0].name
        sql = (f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{column}'), "  # nosec B608
               f"COALESCE((SELECT MAX({column}) FROM \"{name}\"), 0) + 1, false)")
        db.session.execute(text(sql))
