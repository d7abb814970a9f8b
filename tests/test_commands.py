"""The README's commands, run exactly as written, as real processes in a fresh data folder."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from practicelink.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"
PRACTICELINK = str(Path(sys.executable).parent / "practicelink")
START_TIMEOUT = 60.0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    """The embedded defaults: no test mode, no shared database or queue, no site URL."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL"}
        and not key.startswith(("DJANGO_", "XPM_", "PYTEST", "PRACTICELINK_"))
    }
    env["PRACTICELINK_DATA_DIR"] = str(data_dir)
    return env


@contextmanager
def _started(args: list[str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        args,
        cwd=cwd,
        env=_env(cwd / "var"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    pytest.fail(f"nothing answered at {url}")


def _readme_commands() -> list[str]:
    """Every `practicelink …` command the README shows, in its table or code blocks."""
    found = re.findall(r"`\.venv/bin/practicelink ([^`]+)`", README.read_text())
    return sorted(set(found))


def test_the_readme_documents_each_subcommand():
    documented = {command.split()[0] for command in _readme_commands()}
    assert documented == {"run", "worker", "scheduler", "emulator", "demo", "practice", "manage"}


@pytest.mark.parametrize("command", _readme_commands())
def test_every_documented_command_line_is_accepted(command):
    # `[--opt value]` is optional: the README's line with every option given must parse.
    words = shlex.split(command.replace("[", "").replace("]", ""))
    words = ["check" if word == "<command>" else word for word in words]
    words = ["state.json" if word == "FILE" else word for word in words]
    build_parser().parse_args(words)


def test_emulator_command_serves_on_the_port_with_the_seed_and_saves_its_state(tmp_path):
    port = _free_port()
    state = tmp_path / "state.json"
    command = [PRACTICELINK, "emulator", "--port", str(port), "--seed", "demo"]
    with _started([*command, "--state", str(state)], tmp_path) as emulator:
        _wait_until_up(f"http://127.0.0.1:{port}/_emulator/state", emulator)
        tenants = httpx.get(f"http://127.0.0.1:{port}/_emulator/state").json()["tenants"]
        assert len(tenants) >= 1
    assert emulator.returncode == 0
    assert json.loads(state.read_text())["tenants"]


def _sign_in(http: httpx.Client, email: str, password: str) -> None:
    http.get("/accounts/login/")
    form = {
        "username": email,
        "password": password,
        "csrfmiddlewaretoken": http.cookies["csrftoken"],
    }
    assert http.post("/accounts/login/", data=form).status_code == 302


def _wait_for_first_sync(http: httpx.Client) -> None:
    """The worker took the demo's first sync off the queue and finished it."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        runs = http.get("/api/v1/xpm/syncs/").json()["results"]
        if runs and runs[-1]["status"] in ("succeeded", "failed"):
            assert runs[-1]["status"] == "succeeded", runs[-1]
            return
        time.sleep(0.5)
    pytest.fail("the worker did not run the first sync")


def test_run_serves_app_and_emulator_on_the_given_ports_with_links_on_that_port(tmp_path):
    port, emulator_port = _free_port(), _free_port()
    command = [PRACTICELINK, "run", "--port", str(port), "--emulator-port", str(emulator_port)]
    with _started(command, tmp_path) as run:
        _wait_until_up(f"http://127.0.0.1:{port}/accounts/login/", run)
        login = (tmp_path / "var" / "demo_login.txt").read_text().strip()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            _sign_in(http, "admin@demo-practice.example", login)
            csrf = {"csrfmiddlewaretoken": http.cookies["csrftoken"]}
            connect = http.post("/settings/apps/xpm/connect/", data=csrf)
            assert connect.status_code == 302
            authorize = urlsplit(connect.headers["location"])
            assert authorize.port == emulator_port
            redirect_uri = parse_qs(authorize.query)["redirect_uri"][0]
            assert redirect_uri == f"http://127.0.0.1:{port}/settings/apps/xpm/callback/"
            favicon = http.get("/favicon.ico", follow_redirects=True)
            assert (favicon.status_code, favicon.headers["content-type"]) == (200, "image/svg+xml")
            _wait_for_first_sync(http)
            # The worker's XPM calls show on the web process's /metrics (one folder for all).
            metrics = http.get("/metrics").text
            assert 'practicelink_xpm_calls_total{endpoint="staff.api/list",status="200"}' in metrics
            assert http.get("/healthz").json()["status"] == "ok"
        # gunicorn's control socket lives in this data folder, not in a machine-wide path.
        assert (tmp_path / "var" / "gunicorn.ctl").exists()
    output = run.stdout.read() if run.stdout else ""
    assert f"practicelink is at http://127.0.0.1:{port}/" in output
    assert output.count("Huey consumer started") == 1, output


def test_manage_runs_django_commands(tmp_path):
    done = subprocess.run(
        [PRACTICELINK, "manage", "check"],
        cwd=tmp_path,
        env=_env(tmp_path / "var"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
