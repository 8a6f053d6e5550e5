"""gunicorn.conf.py (issue 14, docs/decisions/0013-throughput.md): threaded workers sized to
the box, each value open to its environment variable."""

import multiprocessing
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_the_server_runs_threaded_workers_sized_to_the_box(monkeypatch):
    for name in ("WEB_WORKERS", "WEB_THREADS"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(CONFIG))
    assert config["worker_class"] == "gthread"
    assert config["workers"] == multiprocessing.cpu_count() + 1
    assert config["threads"] >= 2
    assert config["accesslog"] == "-"


def test_workers_and_threads_follow_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_WORKERS", "5")
    monkeypatch.setenv("WEB_THREADS", "2")
    config = runpy.run_path(str(CONFIG))
    assert (config["workers"], config["threads"]) == (5, 2)
