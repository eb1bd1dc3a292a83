"""The systemd units in deploy/systemd are valid and run the processes the start command runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

UNITS = Path(settings.BASE_DIR) / "deploy" / "systemd"


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("NEEDS systemd-analyze (Debian package systemd) to verify the unit files")
    root = Path(settings.BASE_DIR)
    names = sorted(path.name for path in UNITS.iterdir()
                   if path.suffix in {".service", ".timer", ".target"})
    for name in names:
        # The units name /opt/rathaus; verify them against this checkout's programs.
        text = (UNITS / name).read_text().replace("/opt/rathaus", str(root))
        (tmp_path / name).write_text(text)
    done = subprocess.run(  # noqa: S603 -- our own unit files, a fixed program
        [analyze, "verify", "--man=no", *(str(tmp_path / n) for n in names)],
        capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert not done.stderr.strip(), done.stderr


def test_units_run_the_processes_of_the_start_command() -> None:
    start = (Path(settings.BASE_DIR) / "rathaus.sh").read_text()
    web = (UNITS / "rathaus-web.service").read_text()
    worker = (UNITS / "rathaus-worker.service").read_text()
    assert "gunicorn rathaus.wsgi:application" in web
    assert "gunicorn" in start
    assert "manage.py task_worker --queue-name default" in worker
    assert "manage.py task_worker --queue-name default" in start
    for schedule in ("minutely", "hourly"):
        service = (UNITS / f"rathaus-housekeeping-{schedule}.service").read_text()
        assert f"manage.py housekeeping --once {schedule}" in service
        assert (UNITS / f"rathaus-housekeeping-{schedule}.timer").exists()
    assert "Restart=always" in web
    assert "Restart=always" in worker
