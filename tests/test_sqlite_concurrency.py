"""Four processes writing to one SQLite database at once never see "database is locked"."""
from __future__ import annotations

import multiprocessing as mp

import pytest

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db

pytestmark = pytest.mark.slow
N_PROCESSES = 4
N_REQUESTS = 10


def _worker(url: str, login: str, queue) -> None:
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=url, LOGIN_THROTTLE_MAX_FAILURES=10_000)
    app = create_app(config)
    statuses = []
    with app.app_context():
        client = app.test_client()
        for i in range(N_REQUESTS):
            # A successful login writes a login attempt, an audit row and the user's last login.
            response = client.post("/auth/login", data={"login": login, "password": "correct-horse-1"},
                                   environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
            statuses.append(response.status_code)
            client.post("/auth/logout")
        db.engine.dispose()
    queue.put(statuses)


def test_four_processes_writing_concurrently_get_no_lock_errors(tmp_path):
    import factories

    url = f"sqlite:///{tmp_path}/concurrency.db"
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = url
    app = create_app(config)
    with app.app_context():
        db.create_all()
        logins = [factories.user("reviewer").login for _ in range(N_PROCESSES)]
        db.session.commit()
        db.engine.dispose()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, login, queue)) for login in logins]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=240) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    statuses = [s for r in results for s in r]
    assert len(statuses) == N_PROCESSES * N_REQUESTS
    assert set(statuses) == {302}, statuses      # every login succeeded: no 500 from a locked database
