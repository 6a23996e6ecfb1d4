"""`saferisk demo`: migrate, load the demo dataset, collect static files and serve."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from saferisk.core.context import cli_context


class Command(BaseCommand):
    help = "Set up the demo database (migrations, reference and demo data) and serve it with granian."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set up only; do not start the server")
        parser.add_argument(
            "--enterprises", type=int, default=2000, help="number of demo enterprises (default 2000)"
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed of the demo data (default 7)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2, help="granian worker processes")

    def handle(self, *args: Any, **options: Any) -> None:
        from saferisk.core.demo import DEMO_PASSWORD, PERSONAS, build_demo
        from saferisk.enterprises.models import Enterprise

        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        if Enterprise.objects.exists():
            self.stdout.write("演示数据已存在，跳过生成（删除 var/saferisk.sqlite3 可重建）。")
        else:
            with cli_context():
                counts = build_demo(enterprises=options["enterprises"], seed=options["seed"])
            self.stdout.write(
                f"已生成演示数据：企业 {counts['enterprises']} 家，用户 {counts['users']} 个，"
                f"风险 {counts.get('risks', 0)} 条，"
                f"年度风险报告活动覆盖企业 {counts.get('campaign_tasks', 0)} 家（已模拟填报 {counts.get('reports', 0)} 家）。"
            )
        self.stdout.write(f"数据准备用时 {time.monotonic() - started:.1f} 秒。")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for p in PERSONAS:
            self.stdout.write(f"  {p.username:<24} {p.full_name}")
        if options["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.serve(options["host"], options["port"], options["workers"])

    def serve(self, host: str, port: int, workers: int) -> None:
        bindir = Path(sys.executable).parent
        granian = shutil.which("granian", path=str(bindir)) or shutil.which("granian")
        if granian is None:
            raise SystemExit("granian is not installed: run `make demo` or `pip install granian`")
        env = os.environ.copy()
        # Login notices name the address people reach the demo at.
        env.setdefault("SAFERISK_PUBLIC_URL", f"http://{host}:{port}/")
        worker = subprocess.Popen([sys.executable, "-m", "saferisk.cli", "db_worker"], env=env)
        self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）。")
        self.stdout.write(f"服务地址：http://{host}:{port}/")
        server = [
            granian,
            "--interface", "wsgi",
            "--host", host,
            "--port", str(port),
            "--workers", str(workers),
            "--blocking-threads", "4",
            "--no-ws",
            "saferisk.wsgi:application",
        ]  # fmt: skip
        # A SIGTERM (from a supervisor or `kill`) must stop the children as Ctrl-C does,
        # or the server and the worker outlive the demo and keep the port.
        signal.signal(signal.SIGTERM, _interrupt)
        children = [worker]
        try:
            children.append(subprocess.Popen(server, env=env))
            children[-1].wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
