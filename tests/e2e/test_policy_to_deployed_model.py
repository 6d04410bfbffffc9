"""From a policy change to the deployed model (issue 18.8), as the README walkthrough runs it.

policy v1 -> import -> snapshot -> train -> register -> promote -> the app ``flagstone serve`` builds
answers with it -> policy v2 changes violence -> relabel queue -> labels through the UI's HTTP forms
-> snapshot 2 -> retrain -> a candidate trained on the gate's data is refused (exit 2, nothing served
changes) -> the honest retrain passes the gate -> the served model version changes.
Small shipped data (tests/fixtures/e2e), a char n-gram recipe (no encoder runs), every step through
the CLI's ``main`` and the served app's HTTP routes.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from flagstone.cli.main import main
from flagstone.serving.app import create_app
from flagstone.settings import load_settings
from flagstone.text.normalize import text_key

REPO = Path(__file__).resolve().parents[2]
E2E = REPO / "tests" / "fixtures" / "e2e"
PASSWORD = "correct horse battery"


def cli(*argv: str) -> int:
    return main([str(a) for a in argv])


def recipe_for(tmp: Path, fname: str, snapshot: str, store_dir: Path, **changes) -> Path:
    data = yaml.safe_load((E2E / "recipe.yaml").read_text())
    data["sources"] = [{"snapshot": snapshot, "dataset": "e2e"}]
    data["store_dir"] = str(store_dir)
    for key in ("policy", "cache_dir", "data_dir"):
        data[key] = str((E2E / data[key]).resolve())
    data["encoder"]["path"] = str((E2E / data["encoder"]["path"]).resolve())
    data.update(changes)
    path = tmp / f"{fname}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def latest_snapshot(data_dir: Path) -> str:
    from flagstone.data.snapshots import list_snapshots
    from flagstone.store import open_store

    return list_snapshots(open_store(load_settings()), "e2e")[-1]["id"]


def served_model(client: TestClient, *, loading_ok: bool = False) -> str:
    r = client.post("/v1/moderations", json={"input": "I will hurt you"})
    if loading_ok and r.status_code == 503 and r.json()["error"]["code"] == "not_ready":
        return ""  # the app loads the production model in the background at start-up
    assert r.status_code == 200, r.text
    return r.json()["model"]


def wait_for_model(client: TestClient, version: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        model = served_model(client, loading_ok=True)
        if version[:12] in model or time.monotonic() > deadline:
            return model
        time.sleep(0.1)


def version_of(model_dir: Path) -> str:
    from flagstone.models.kinds import manifest_version
    from flagstone.registry.store import read_manifest

    return manifest_version(read_manifest(model_dir))


def label_relabel_queue(client: TestClient, truth: dict[str, int], n: int) -> int:
    """Sign in as an annotator and label ``n`` relabel requests through the HTML forms."""
    page = client.get("/ui/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    r = client.post("/ui/login", data={"username": "ann", "password": PASSWORD, "csrf": token},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    done = 0
    for _ in range(n):
        page = client.get("/ui/queue/relabel").text
        form = page[page.index('id="label-form"'):]
        key = re.search(r'name="item_key" value="([0-9a-f]+)"', form).group(1)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = {"csrf": csrf, "item_key": key, "action": "submit"}
        data.update({"category": "violence"} if truth[key] else {"none": "1"})
        r = client.post("/ui/queue/relabel", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        done += 1
    return done


def test_policy_change_to_deployed_model(tmp_path, monkeypatch):
    from flagstone.labeling.ui import work
    from flagstone.store import open_store

    data_dir = tmp_path / "var"
    monkeypatch.setenv("FLAGSTONE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("FLAGSTONE_DATABASE_URL", f"sqlite:///{data_dir / 'flagstone.db'}")
    monkeypatch.setenv("FLAGSTONE_REGISTRY_POLL_SECONDS", "0.2")
    monkeypatch.setenv("FLAGSTONE_MODEL_DIR", str(tmp_path / "no-model"))
    monkeypatch.setenv("FLAGSTONE_UI_SECRET_KEY", "e2e-secret-key-0123456789")
    monkeypatch.setenv("FLAGSTONE_LABELING_GOLD_RATE", "0")
    data_dir.mkdir()
    suite = E2E / "suite.yaml"

    # Policy v1, the data, the first snapshot and model, promoted.
    v1 = tmp_path / "policy-v1.yaml"
    v1.write_text((REPO / "src/flagstone/policy/default_policy.yaml").read_text())
    assert cli("policy", "import", v1) == 0 and cli("policy", "apply", "2026.11.1") == 0
    assert cli("data", "import", E2E / "items.jsonl", "--dataset", "e2e", "--mapping", E2E / "mapping.yaml") == 0
    assert cli("data", "snapshot", "e2e") == 0
    snap1 = latest_snapshot(data_dir)
    assert cli("train", recipe_for(tmp_path, "r1", snap1[:16], data_dir), "--out", tmp_path / "m1") == 0
    m1 = version_of(tmp_path / "m1")
    assert cli("registry", "register", tmp_path / "m1") == 0
    assert cli("registry", "promote", m1[:12], "--to", "production", "--suite", suite) == 0

    # The served app (as `flagstone serve` builds it) answers with the production model.
    app = create_app(load_settings())
    with TestClient(app) as client:
        assert m1[:12] in wait_for_model(client, m1)

        # Policy v2 redefines violence: every item labelled for it is queued for relabeling.
        pol = yaml.safe_load(v1.read_text())
        pol["version"] = "2026.11.2"
        pol["categories"]["violence"]["definition"] += " Threats made in jest against fictional characters count."
        v2 = tmp_path / "policy-v2.yaml"
        v2.write_text(yaml.safe_dump(pol, sort_keys=False))
        assert cli("policy", "import", v2) == 0 and cli("policy", "apply", "2026.11.2") == 0
        store = open_store(load_settings())
        from flagstone.data.queue import pending
        from flagstone.data.relabel import RELABEL_QUEUE

        queued = pending(store, RELABEL_QUEUE)
        assert queued and {q["category"] for q in queued} == {"violence"}

        # A person relabels through the UI's forms (a stand-in annotator: the slice's own violence labels).
        truth = {text_key(r["text"]): r["labels"].get("violence", 0)
                 for r in map(json.loads, (E2E / "items.jsonl").read_text().splitlines())}
        work.create_user(store, "ann", PASSWORD, "annotator")
        assert label_relabel_queue(client, truth, 24) == 24

        # Snapshot 2: violence now comes from the people's labels only (the imported ones are stale).
        assert cli("data", "snapshot", "e2e") == 0
        snap2 = latest_snapshot(data_dir)
        assert snap2 != snap1
        manifest = json.loads((data_dir / "snapshots" / snap2 / "manifest.json").read_text())
        assert set(manifest["label_sources"]["violence"]) == {"human"}
        assert sum(manifest["label_sources"]["violence"]["human"].values()) == 24

        # A candidate trained on the gate's own rows (no holdout) is refused: a non-zero exit (2, as for
        # every refused promotion), and the served model stays.
        leaky = recipe_for(tmp_path, "leaky", snap2[:16], data_dir, holdout={}, name="e2e-leaky")
        assert cli("train", leaky, "--out", tmp_path / "leaky") == 0
        assert cli("registry", "register", tmp_path / "leaky") == 0
        assert cli("registry", "promote", version_of(tmp_path / "leaky")[:12], "--to", "production",
                   "--suite", suite) == 2
        assert m1[:12] in served_model(client)

        # The honest retrain passes the gate and the running server swaps to it.
        assert cli("train", recipe_for(tmp_path, "r2", snap2[:16], data_dir), "--out", tmp_path / "m2") == 0
        m2 = version_of(tmp_path / "m2")
        assert m2 != m1
        card = json.loads((tmp_path / "m2" / "manifest.json").read_text())["training"]
        assert card["snapshots"][0]["id"] == snap2
        assert cli("registry", "register", tmp_path / "m2") == 0
        assert cli("registry", "promote", m2[:12], "--to", "production", "--suite", suite) == 0
        assert m2[:12] in wait_for_model(client, m2)
