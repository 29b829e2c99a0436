"""Login throttling holds across gunicorn worker processes (the counter lives in the database)."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import factories
import pytest

from portal.extensions import db

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post_login(base: str, login: str, password: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/auth/login", timeout=20) as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token}).encode()
    request = urllib.request.Request(f"{base}/auth/login", data=data, headers={"Connection": "close"})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


@pytest.fixture
def gunicorn_two_workers(app, database_url):
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).with_name("gunicorn"))
    if not os.path.exists(gunicorn):
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "two-workers-test-key",
           "FLASK_DEBUG": "0"}
    proc = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT), "wsgi:app"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{base}/auth/login", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        message = proc.stderr.read().decode()[-2000:]
        proc.stderr.close()
        pytest.fail("gunicorn did not start: " + message)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()


def test_sixth_failure_is_throttled_with_two_gunicorn_workers(app, gunicorn_two_workers):
    user = factories.user("reviewer")
    db.session.commit()
    statuses = [_post_login(gunicorn_two_workers, user.login, "wrong-password-1") for _ in range(5)]
    assert statuses == [200] * 5                      # refused, not yet throttled
    assert _post_login(gunicorn_two_workers, user.login, factories.PASSWORD) == 429
    assert _post_login(gunicorn_two_workers, user.login, factories.PASSWORD) == 429
