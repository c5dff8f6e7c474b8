import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DEBUG"}}
    env.update(
        {
            "DATABASE_URL": "sqlite://:memory:",
            "DJANGO_SETTINGS_MODULE": "wargame.settings",
            **overrides,
        }
    )
    return env


def test_check_deploy_is_clean_with_production_values():
    env = _env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="wargame.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_check_deploy_flags_the_development_secret_key():
    env = _env(DEBUG="true", ALLOWED_HOSTS="wargame.example.org")
    env.pop("SECRET_KEY", None)
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "security.W009" in out.stdout + out.stderr


def _start(**overrides: str | None) -> subprocess.CompletedProcess:
    """Load the settings and set Django up in a process of its own, as any server does."""
    env = _env()
    env.pop("SECRET_KEY", None)
    for key, value in overrides.items():
        if value is not None:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "key",
    [
        None,
        "django-insecure-local-only-set-SECRET_KEY-in-any-real-deployment",
        "",
        "too-short-a-secret",
        "ab" * 40,
    ],
    ids=["unset", "development-key", "empty", "short", "few-characters"],
)
def test_without_debug_a_missing_or_weak_secret_key_refuses_to_start(key):
    out = _start(DEBUG="false", SECRET_KEY=key)
    assert out.returncode != 0
    assert "ImproperlyConfigured" in out.stderr
    assert "Set SECRET_KEY to a long random value" in out.stderr
    assert "started" not in out.stdout


def test_without_debug_a_real_secret_key_starts():
    out = _start(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "started"


def test_in_debug_mode_the_development_key_still_starts():
    out = _start(DEBUG="true")  # what make run does
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "started"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, deadline: float) -> tuple[int, bytes]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_runserver_serves_the_home_page_and_local_static_files(tmp_path):
    port = _free_port()
    env = _env(DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        status, body = _get(f"http://127.0.0.1:{port}/", deadline)
        assert status == 200
        assert b"Tabletop exercises in the browser" in body
        status, body = _get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js", deadline)
        assert status == 200
        assert b"htmx" in body
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert b"daphne.server" in stderr, "runserver should serve through daphne"


def test_home_page_explains_the_kit_and_offers_the_facilitator_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Tabletop exercises in the browser" in response.content
    assert b'href="/accounts/login/"' in response.content


def _database_options(**overrides: str) -> dict:
    """The database options a process started with these settings connects with."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))",
        ],
        cwd=ROOT,
        env=_env(DEBUG="true", **overrides),
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("pool", ["true", "false"])
def test_the_database_urls_own_options_are_kept(pool):
    options = _database_options(
        DATABASE_URL="postgres://wargame@db.example.org/wargame?sslmode=verify-full",
        DATABASE_POOL=pool,
        DATABASE_PREPARED_STATEMENTS="true",
    )
    assert options["sslmode"] == "verify-full"
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5
    assert ("pool" in options) == (pool == "true")


def test_prepared_statements_can_be_turned_off_for_a_pooler_that_cannot_keep_them():
    options = _database_options(
        DATABASE_URL="postgres://wargame@pgbouncer.example.org/wargame",
        DATABASE_PREPARED_STATEMENTS="false",
        DATABASE_POOL="true",
    )
    assert "server_side_binding" not in options and "prepare_threshold" not in options
    assert "pool" in options
