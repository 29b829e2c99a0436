"""Backup and restore round-trip the whole database (SQLite, and PostgreSQL in CI)."""
from __future__ import annotations

import gzip
import io

from sqlalchemy import select

from portal.backup import BackupError, dump, load
from portal.demo.loader import load_demo
from portal.extensions import db


def _snapshot():
    """Every table's rows, but the dashboards' version counter (a restore is a change: it goes up);
    the dashboards' aggregates are not in the backup and must come back identical from the rebuild."""
    return {table.name: [dict(row) for row in db.session.execute(
        select(table).order_by(*table.primary_key.columns)).mappings().all()]
        for table in db.metadata.sorted_tables if table.name != "dashboard_version"}


def test_backup_then_restore_gives_back_the_same_database(app):
    load_demo(seed=3, n_enterprises=6, hash_method="pbkdf2:sha256:1000")
    db.session.commit()
    before = _snapshot()
    assert sum(len(rows) for rows in before.values()) > 50
    buffer = io.BytesIO()
    dump(buffer)
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    buffer.seek(0)
    load(buffer)
    db.session.commit()
    assert _snapshot() == before


def test_restored_database_keeps_accepting_new_rows(app):
    import factories

    load_demo(seed=3, n_enterprises=2, hash_method="pbkdf2:sha256:1000")
    db.session.commit()
    buffer = io.BytesIO()
    dump(buffer)
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    buffer.seek(0)
    load(buffer)
    db.session.commit()
    factories.enterprise()      # ids continue after the restored ones (sequences reset on PostgreSQL)
    db.session.commit()


def test_restore_refuses_a_non_empty_database(app):
    load_demo(seed=3, n_enterprises=2, hash_method="pbkdf2:sha256:1000")
    db.session.commit()
    buffer = io.BytesIO()
    dump(buffer)
    buffer.seek(0)
    try:
        load(buffer)
    except BackupError as exc:
        assert "不是空的" in str(exc)
    else:
        raise AssertionError("restore into a non-empty database must be refused")


def test_restore_rejects_a_file_that_is_not_a_backup(app):
    for data in (b"not gzip at all", gzip.compress(b'{"format": "other"}')):
        try:
            load(io.BytesIO(data))
        except BackupError:
            pass
        else:
            raise AssertionError("a foreign file must be refused")


def test_backup_and_restore_commands(app, runner, tmp_path):
    load_demo(seed=3, n_enterprises=2, hash_method="pbkdf2:sha256:1000")
    db.session.commit()
    before = _snapshot()
    path = tmp_path / "b.json.gz"
    result = runner.invoke(args=["backup", "--out", str(path)])
    assert result.exit_code == 0 and "已备份" in result.output
    refused = runner.invoke(args=["restore", str(path)])
    assert refused.exit_code != 0 and "不是空的" in refused.output
    result = runner.invoke(args=["restore", str(path), "--force"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert _snapshot() == before
