"""The `practicelink` command: run | worker | scheduler | emulator | demo | practice | manage."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from practicelink.datadir import private_dir
from xpm_emulator.server import add_arguments as emulator_arguments


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practicelink.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


EMULATOR_CLIENT_ID = "practicelink-demo"
EMULATOR_CLIENT_SECRET = "demo-secret"


def _use_emulator(url: str) -> None:
    """Point this process and its children at the bundled emulator instead of Xero."""
    os.environ.update(
        XPM_API_URL=f"{url}/practicemanager/3.1",
        XPM_AUTHORIZE_URL=f"{url}/identity/connect/authorize",
        XPM_IDENTITY_URL=url,
        XPM_CONNECTIONS_URL=f"{url}/connections",
        XPM_CLIENT_ID=EMULATOR_CLIENT_ID,
        XPM_CLIENT_SECRET=EMULATOR_CLIENT_SECRET,
    )


def _wait_for(url: str, process: subprocess.Popen, timeout: float = 20.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The XPM emulator stopped at start-up (exit {process.returncode}).")
        try:
            httpx.get(f"{url}/_emulator/state", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"The XPM emulator did not answer at {url} within {timeout:.0f} s.")


def cmd_demo(args: argparse.Namespace) -> int:
    _django_setup()
    _manage("migrate", "--no-input", "--verbosity", "0")
    from practicelink.demo import DEMO_PRACTICE, demo_ensure

    login = demo_ensure()
    emulator_url = getattr(args, "emulator_url", None)
    if emulator_url:
        from practicelink.team.models import Practice
        from practicelink.xpm.demo import demo_connect
        from practicelink.xpm.oauth import XpmAuthError
        from xpm_emulator.seed import DEMO_TENANT_ID

        practice = Practice.objects.get(name=DEMO_PRACTICE)
        try:
            connected = demo_connect(
                practice=practice, emulator_url=emulator_url, tenant_id=DEMO_TENANT_ID
            )
        except XpmAuthError as error:  # e.g. another practice here took the demo's XPM
            print(f"{DEMO_PRACTICE} is not connected to the XPM emulator: {error}")
        else:
            if connected:
                print(f"{DEMO_PRACTICE} is connected to the XPM emulator at {emulator_url}")
    print(f"Demo practice ready. Sign in as {login.email} with password {login.password}")
    return 0


def _data_dir() -> Path:
    return private_dir(Path(os.environ.get("PRACTICELINK_DATA_DIR", "var")))


def _children(args: argparse.Namespace) -> list[list[str]]:
    python = sys.executable
    return [
        [
            python,
            "-m",
            "gunicorn",
            "practicelink.wsgi:application",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.web_workers),
            "--access-logfile",
            "-",
            # gunicorn's default control socket is one path for the whole machine.
            "--control-socket",
            str((_data_dir() / "gunicorn.ctl").resolve()),
        ],
        [python, "-m", "practicelink.cli", "worker"],
    ]


def _supervise(running: list[subprocess.Popen], commands: Sequence[list[str]]) -> int:
    """Start the processes; stop all of them when one exits or on Ctrl-C / SIGTERM."""
    processes = running + [subprocess.Popen(command) for command in commands]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return max((process.returncode or 0) for process in processes)


def _share_metrics() -> None:
    """Web and worker processes write their metrics to one folder, so /metrics shows all."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        return
    folder = _data_dir() / "metrics"
    shutil.rmtree(folder, ignore_errors=True)  # counts of an earlier run are not ours
    folder.mkdir()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def cmd_run(args: argparse.Namespace) -> int:
    """Start the emulator (unless --no-emulator), set up the demo, serve app and worker."""
    # Settings (here and in the children) build the site URL from these unless it is set.
    os.environ.update(PRACTICELINK_HOST=args.host, PRACTICELINK_PORT=str(args.port))
    _share_metrics()
    started: list[subprocess.Popen] = []
    args.emulator_url = None
    if not args.no_emulator:
        url = f"http://127.0.0.1:{args.emulator_port}"
        state = _data_dir() / "xpm-emulator.json"
        emulator = subprocess.Popen(
            [
                *(sys.executable, "-m", "xpm_emulator.server"),
                *("--port", str(args.emulator_port), "--seed", "demo", "--state", str(state)),
            ]
        )
        started.append(emulator)
        _wait_for(url, emulator)
        _use_emulator(url)
        args.emulator_url = url
        # A base address, as XPM's own is: nothing is served at "/" itself.
        print(f"XPM emulator serves XPM's API, its consent page and /_emulator/ at {url}")
    try:
        cmd_demo(args)
    except BaseException:
        for process in started:
            process.terminate()
        raise
    from django.conf import settings

    print(f"practicelink is at {settings.SITE_URL}/  (Ctrl-C stops it)")
    return _supervise(started, _children(args))


def cmd_worker(args: argparse.Namespace) -> int:
    _django_setup()
    options = ["--no-periodic"] if args.no_periodic else []
    if args.workers:
        options += ["--workers", str(args.workers)]
    _manage("run_huey", *options)
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """The one periodic dispatcher; a second one stands by until the first stops."""
    _django_setup()
    from practicelink.xpm.sync.scheduler import scheduler_serve
    from practicelink.xpm.tasks import sync_run_enqueue

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler_serve(sync_run_enqueue, stop=stop, interval=args.interval)
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    from xpm_emulator.server import serve

    serve(args)
    return 0


def cmd_practice_create(args: argparse.Namespace) -> int:
    """Create a practice and invite its first admin (for operators; people sign up at /signup/)."""
    _django_setup()
    _manage("migrate", "--no-input", "--verbosity", "0")
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from practicelink.team.signup import practice_create_for_operator

    try:
        admin, token = practice_create_for_operator(
            practice_name=args.name, admin_name=args.admin_name, admin_email=args.admin_email
        )
    except ValidationError as error:
        for message in error.messages:
            print(f"practicelink practice create: {message}", file=sys.stderr)
        return 2
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    print(f"Practice “{admin.practice.name}” created (id {admin.practice_id}).")
    print(f"{admin.name} <{admin.email}> is its admin; their invitation was emailed: {link}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practicelink.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["practicelink manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="practicelink", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="migrate, create the demo practice, serve app + worker")
    run.add_argument("--host", default=os.environ.get("PRACTICELINK_HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PRACTICELINK_PORT", "8000")))
    run.add_argument("--web-workers", type=int, default=2)
    run.add_argument("--emulator-port", type=int, default=8765)
    run.add_argument(
        "--no-emulator", action="store_true", help="use the XPM_* settings instead of the emulator"
    )
    run.set_defaults(func=cmd_run)
    worker = commands.add_parser("worker", help="run a background worker (Huey consumer)")
    worker.add_argument(
        "--no-periodic",
        action="store_true",
        help="leave periodic work to `practicelink scheduler` (every worker when scaled out)",
    )
    worker.add_argument("--workers", type=int, help="threads (default HUEY_WORKERS)")
    worker.set_defaults(func=cmd_worker)
    scheduler = commands.add_parser(
        "scheduler", help="queue due syncs fairly: exactly one is active, others stand by"
    )
    scheduler.add_argument(
        "--interval", type=float, help="seconds between looks (default XPM_DISPATCH_SECONDS)"
    )
    scheduler.set_defaults(func=cmd_scheduler)
    commands.add_parser("demo", help="migrate and create the demo practice").set_defaults(
        func=cmd_demo
    )
    emulator = commands.add_parser("emulator", help="run the XPM emulator alone")
    emulator_arguments(emulator)
    emulator.set_defaults(func=cmd_emulator)
    practice = commands.add_parser("practice", help="manage practices (operators)")
    practice_commands = practice.add_subparsers(dest="practice_command", required=True)
    create = practice_commands.add_parser("create", help="create a practice, invite its admin")
    create.add_argument("--name", required=True, help="the practice's name")
    create.add_argument("--admin-name", required=True, help="its first admin's name")
    create.add_argument("--admin-email", required=True, help="its first admin's email (invited)")
    create.set_defaults(func=cmd_practice_create)
    manage = commands.add_parser("manage", help="Django's manage.py commands")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
