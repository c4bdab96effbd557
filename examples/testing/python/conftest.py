"""pytest fixtures that start larkstatus for the session and reset it before every test.

The server is the built one (node <repo>/dist/main.js; `npm run build` once in the repository
root), on a free port whose URL it writes to a port file, with an in-memory database.
"""
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import time
import urllib.request

import lark_oapi as lark
import pytest
from lark_oapi.core.cache.local_cache import LocalCache

ROOT = pathlib.Path(__file__).resolve().parents[3]
ADMIN_TOKEN = "python-example-admin-token"
# The demo seed (examples/seed.yaml): tenant Acme and its app.
TENANT_KEY = "a1b2c3d4e5f60718"
APP_ID = "cli_a1b2c3d4e5f60718"
APP_SECRET = "dev-secret-please-change"


class Larkstatus:
    def __init__(self, url: str):
        self.url = url

    def admin(self, method: str, path: str, body=None):
        """Calls the admin API; answers the parsed JSON (None for an empty answer)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/admin/v1" + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + ADMIN_TOKEN)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req) as res:
            text = res.read()
        return json.loads(text) if text else None

    def user_status(self, user_id: str, tenant_key: str = TENANT_KEY):
        return self.admin("GET", f"/tenants/{tenant_key}/users/{user_id}/status")


@pytest.fixture(scope="session")
def larkstatus():
    with tempfile.TemporaryDirectory() as tmp:
        port_file = pathlib.Path(tmp, "url")
        server = subprocess.Popen([
            "node", str(ROOT / "dist" / "main.js"),
            "--db", "sqlite::memory:", "--port", "0", "--port-file", str(port_file),
            "--admin-token", ADMIN_TOKEN, "--log-level", "warn", "--shutdown-grace", "0",
        ])
        try:
            deadline = time.monotonic() + 20
            while not port_file.exists():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("larkstatus did not start (see its output above)")
                time.sleep(0.02)
            yield Larkstatus(port_file.read_text().strip())
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)


@pytest.fixture
def client(larkstatus):
    """Everything back to the seed, then an SDK client of the demo app.

    A reset voids every token, and the SDK's default token cache is process-wide: each test's
    client gets a cache of its own.
    """
    larkstatus.admin("POST", "/emulator/reset")
    return lark.Client.builder() \
        .app_id(APP_ID) \
        .app_secret(APP_SECRET) \
        .domain(larkstatus.url) \
        .cache(LocalCache()) \
        .log_level(lark.LogLevel.WARNING) \
        .build()
