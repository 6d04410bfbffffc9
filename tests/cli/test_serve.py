"""``flagstone serve``: a real server in a subprocess, and the flag/warning wiring."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flagstone.cli.main import main
from flagstone.models.kinds import write_manifest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    write_manifest(d, {"kind": "keyword", "name": "served-kw", "keywords": {"violence": ["hurt"]}})
    return d


def _isolate_env(monkeypatch) -> None:
    """``serve`` exports its flags to the environment; make the test undo that."""
    for key in ("FLAGSTONE_HOST", "FLAGSTONE_PORT", "FLAGSTONE_MODEL_DIR", "FLAGSTONE_CONFIG",
                "FLAGSTONE_INFERENCE_THREADS"):
        monkeypatch.setenv(key, "x")  # records the original state (usually unset) for undo
        monkeypatch.delenv(key)


def test_serve_starts_answers_readyz_and_moderates_then_stops(model_dir, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLAGSTONE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "flagstone.cli.main", "serve", "--port", str(port), "--model-dir",
         str(model_dir), "--log-level", "info"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, ready = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert ready is not None and ready.status_code == 200, proc.stderr.read() if proc.poll() else ready
        assert ready.json()["model"].startswith("served-kw@")
        resp = httpx.post(f"http://127.0.0.1:{port}/v1/moderations", json={"input": "I will hurt you"})
        assert resp.json()["results"][0]["categories"]["violence"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status says how it ended.
    assert proc.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in err
    assert f"serving on http://127.0.0.1:{port}" in err and "warning: binding" not in err


def test_flags_reach_uvicorn_and_a_public_host_requires_keys(model_dir, monkeypatch, capsys):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    _isolate_env(monkeypatch)
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123", "--model-dir", str(model_dir),
                 "--workers", "2"]) == 0
    (args, kw), = calls
    assert args == ("flagstone.serving.app:create_app_from_env",)
    assert kw["factory"] is True and kw["host"] == "0.0.0.0" and kw["port"] == 9123 and kw["workers"] == 2
    # Workers build their settings from the environment the command exported.
    assert os.environ["FLAGSTONE_MODEL_DIR"] == str(model_dir) and os.environ["FLAGSTONE_PORT"] == "9123"
    # Two workers share the cores: each gets cores // 2 inference threads (at least one).
    assert os.environ["FLAGSTONE_INFERENCE_THREADS"] == str(max(1, (os.cpu_count() or 1) // 2))
    err = capsys.readouterr().err
    assert "API keys required" in err and "warning: binding" not in err
    # With keys turned off explicitly, a public bind warns that the server is open.
    monkeypatch.setenv("FLAGSTONE_AUTH_ENABLED", "false")
    assert main(["serve", "--host", "0.0.0.0", "--port", "9123", "--model-dir", str(model_dir)]) == 0
    assert "warning: binding to 0.0.0.0 with API keys off" in capsys.readouterr().err


def test_missing_model_warns_and_bad_settings_fail(tmp_path, monkeypatch, capsys):
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    _isolate_env(monkeypatch)
    assert main(["serve", "--model-dir", str(tmp_path / "none")]) == 0
    assert "no model artifact" in capsys.readouterr().err
    assert main(["serve", "--port", "70000"]) == 2
    assert "port" in capsys.readouterr().err
