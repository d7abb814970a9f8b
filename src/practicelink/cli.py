"""The `practicelink` command: run | worker | emulator | demo | manage."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practicelink.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def cmd_demo(_: argparse.Namespace) -> int:
    _django_setup()
    _manage("migrate", "--no-input", "--verbosity", "0")
    from practicelink.demo import demo_ensure

    login = demo_ensure()
    print(f"Demo practice ready. Sign in as {login.email} with password {login.password}")
    return 0


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
        ],
        [python, "-m", "practicelink.cli", "worker"],
    ]


def _supervise(commands: Sequence[list[str]]) -> int:
    """Start the processes; stop all of them when one exits or on Ctrl-C / SIGTERM."""
    processes = [subprocess.Popen(command) for command in commands]

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


def cmd_run(args: argparse.Namespace) -> int:
    cmd_demo(args)
    print(f"practicelink is at http://{args.host}:{args.port}/  (Ctrl-C stops it)")
    return _supervise(_children(args))


def cmd_worker(_: argparse.Namespace) -> int:
    _django_setup()
    _manage("run_huey")
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
    run.set_defaults(func=cmd_run)
    commands.add_parser("worker", help="run the background worker (Huey consumer)").set_defaults(
        func=cmd_worker
    )
    commands.add_parser("demo", help="migrate and create the demo practice").set_defaults(
        func=cmd_demo
    )
    manage = commands.add_parser("manage", help="Django's manage.py commands")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
