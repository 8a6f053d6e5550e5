"""`make run`: the web server and one Celery worker with embedded beat; Ctrl-C stops both."""

import contextlib
import signal
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def main():
    worker = subprocess.Popen(  # noqa: S603 (our own programs, fixed arguments)
        [str(BIN / "celery"), "-A", "portal", "worker", "-B", "--loglevel=INFO",
         "--concurrency=1"],
        cwd=ROOT,
    )
    web = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT
    )
    processes = [web, worker]

    def stop(*_):
        for proc in processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            with contextlib.suppress(subprocess.TimeoutExpired):
                web.wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
