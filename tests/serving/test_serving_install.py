"""The serving install has no PyTorch, scikit-learn, Arrow or DuckDB: the server must run without them."""

import subprocess
import sys
import textwrap

BLOCKED = ("torch", "sklearn", "pyarrow", "duckdb", "pandas", "pyspark", "transformers")

SCRIPT = textwrap.dedent(f"""
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {BLOCKED!r}:
                raise ImportError(f"blocked for this test: {{name}}", name=name)
            return None

    sys.meta_path.insert(0, Block())
    from fastapi.testclient import TestClient
    from flagstone.serving.app import create_app
    from flagstone.settings import load_settings
    from flagstone.cli.main import build_parser

    build_parser()  # every command group either registers or is listed as unavailable
    settings = load_settings(data_dir=sys.argv[1], image_model=None)
    with TestClient(create_app(settings)) as client:
        import time
        deadline = time.time() + 120
        while client.get("/readyz").status_code != 200 and time.time() < deadline:
            time.sleep(0.2)
        r = client.post("/v1/moderations", json={{"input": ["I will hurt you", "hello"]}})
        assert r.status_code == 200, r.text
        assert client.get("/ui/login").status_code == 200
        assert client.get("/").status_code == 200
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {BLOCKED!r})
    assert not loaded, loaded
    print("ok")
""")


def test_server_runs_without_the_heavy_extras(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")
