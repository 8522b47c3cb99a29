"""The running server's logs hold no full ID number (SECURITY.md 22, 24; issue 15 item 3):
gunicorn's access log and the application's log mask them, whatever a client puts in a URL.

Runs `jiuzhu serve` as an operator would, sends the number in every place a client could,
and reads every line the server wrote."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

NUMBER = "440104198003010028"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        return int(opener.open(url, timeout=10).status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_no_full_id_number_reaches_any_log_of_the_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.demo",
        "JIUZHU_DATA_DIR": str(data),
    }
    jiuzhu = [sys.executable, "-m", "jiuzhu"]
    for step in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):  # make demo
        subprocess.run([*jiuzhu, "manage", *step], env=env, check=True, timeout=300)
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*jiuzhu, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                try:
                    if _get(f"{base}/healthz") == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            statuses = [
                _get(f"{base}/households/?q={NUMBER}"),
                _get(f"{base}/api/v1/households?q={NUMBER}"),
                _get(f"{base}/accounts/login/?next=/households/%3Fq%3D{NUMBER}"),
                _get(f"{base}/no-such-page/{NUMBER}"),
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert all(s < 500 for s in statuses), statuses
    written = [p for p in [log, *data.rglob("*")] if p.is_file() and p.suffix in (".log", "")]
    text = "".join(p.read_text("utf-8", errors="replace") for p in written)
    assert "GET /households/" in text  # the access log was written…
    assert "440104********0028" in text  # …with the number masked
    assert NUMBER not in text
