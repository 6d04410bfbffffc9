"""Where an artifact was built is recorded, kept out of its version, and pinned for the shipped model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flagstone.models.kinds import manifest_version
from flagstone.training.provenance import (
    NUMERIC_PACKAGES,
    build_environment,
    cpu,
    differences,
    package_versions,
    read_constraints,
    rebuild_report,
)

REPO = Path(__file__).resolve().parents[2]
CONSTRAINTS = REPO / "constraints.txt"


def _release(version: str | None) -> str | None:
    return None if version is None else version.split("+", 1)[0]  # torch 2.13.0+cpu satisfies ==2.13.0


def test_the_build_entry_is_provenance_not_content() -> None:
    manifest = {"kind": "ensemble", "files": {"a.npy": "1" * 64}, "thresholds": {"hate": 0.5}}
    here = {**manifest, "build": build_environment()}
    elsewhere = {**manifest, "build": {"packages": {"numpy": "0.0"}, "cpu": {"model": "other"}}}
    assert manifest_version(here) == manifest_version(elsewhere) == manifest_version(manifest)
    assert manifest_version({**manifest, "thresholds": {"hate": 0.4}}) != manifest_version(manifest)


def test_the_environment_names_the_libraries_and_the_cpu(tmp_path: Path) -> None:
    env = build_environment()
    assert env["packages"]["numpy"] == np.__version__
    assert set(env["packages"]) == set(NUMERIC_PACKAGES)
    assert package_versions(("surely-not-an-installed-distribution",)) == {"surely-not-an-installed-distribution": None}
    fake = tmp_path / "cpuinfo"
    fake.write_text("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse avx2 fma avx512f avx512_vnni\n")
    assert cpu(fake)["model"] == "Test CPU 9000"
    assert cpu(fake)["isa"] == ["avx2", "fma", "avx512f", "avx512_vnni"]
    assert cpu(tmp_path / "missing")["isa"] == []  # off Linux: no flags, no error


def test_differences_name_what_changes_the_floats() -> None:
    a = {"packages": {"numpy": "2.4.6", "scipy": "1.17.1", "flagstone": "0.1.0"},
         "cpu": {"model": "AMD EPYC", "isa": ["avx2", "avx512_vnni"]}}
    b = {"packages": {"numpy": "2.3.0", "scipy": "1.17.1", "flagstone": "0.2.0"},
         "cpu": {"model": "Intel Xeon", "isa": ["avx2", "avx512_vnni", "amx_int8"]}}
    assert differences(a, a) == []
    assert differences(a, b) == ["numpy 2.4.6 -> 2.3.0", "cpu AMD EPYC -> Intel Xeon",
                                 "instruction sets ['avx2', 'avx512_vnni'] -> ['avx2', 'avx512_vnni', 'amx_int8']"]
    built = {"files": {"x": "1", "y": "2"}, "build": b}
    ref = {"files": {"x": "1", "y": "3"}, "build": a}
    report = rebuild_report(built, ref)
    assert report["same_version"] is False and report["files_differ"] == ["y"]
    assert report["build_differs"][0] == "numpy 2.4.6 -> 2.3.0" and report["reference_build_recorded"]
    assert rebuild_report({**built, "build": a}, {**built, "build": b})["same_version"] is True


def test_constraints_parse_and_refuse_what_is_not_a_pin(tmp_path: Path) -> None:
    f = tmp_path / "c.txt"
    f.write_text("# comment\n\nNumPy==2.4.6  # why\nscipy == 1.17.1\n")
    assert read_constraints(f) == {"numpy": "2.4.6", "scipy": "1.17.1"}
    f.write_text("numpy>=2\n")
    with pytest.raises(ValueError, match="not a name==version pin"):
        read_constraints(f)


def test_constraints_pin_every_library_that_shapes_an_artifact_and_the_install_follows_them() -> None:
    pins = read_constraints(CONSTRAINTS)
    assert set(NUMERIC_PACKAGES) - {"flagstone"} == set(pins)
    installed = package_versions()
    wrong = {n: (installed[n], v) for n, v in pins.items() if installed[n] is not None and _release(installed[n]) != v}
    assert not wrong, f"installed without -c constraints.txt (scripts/test.sh uses it): {wrong}"
    for script in ("scripts/serve.sh", "scripts/test.sh"):
        assert "-c constraints.txt" in (REPO / script).read_text(), script


def test_the_shipped_model_records_the_pinned_libraries_and_keeps_its_version() -> None:
    """The shipped artifact was (re)built with exactly the versions constraints.txt pins, so a fresh pinned
    install on the same kind of CPU rebuilds it byte for byte (``flagstone train ... --like`` checks that)."""
    import json

    manifest = json.loads((REPO / "src" / "flagstone" / "models" / "default" / "manifest.json").read_text())
    recorded = {n: _release(v) for n, v in manifest["build"]["packages"].items() if n != "flagstone"}
    assert recorded == read_constraints(CONSTRAINTS)
    assert manifest["build"]["cpu"]["isa"], "the CPU's instruction sets are recorded"
    from flagstone.models.kinds import load_model

    served = load_model(REPO / "src" / "flagstone" / "models" / "default", verify=False).info.version
    assert served == manifest_version({k: v for k, v in manifest.items() if k != "build"}), \
        "the version the server reports does not depend on where the model was built"
