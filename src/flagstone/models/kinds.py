"""Model kinds, registered once; artifacts name their kind in ``manifest.json``.

An artifact is a directory::

    manifest.json   {"kind": ..., "name": ..., "files": {relpath: sha256}, "thresholds": {...}, ...}
    <files>         whatever the kind needs (ONNX encoder, tokenizer, heads, calibrators)

Its version is the SHA-256 of the canonical manifest (which pins every file by hash), so an
artifact is addressed by content and any edit makes a new version.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from flagstone.errors import ModelError
from flagstone.models.base import Moderator
from flagstone.models.manifest import ArtifactManifest, validate_manifest
from flagstone.plugins import Registry

log = logging.getLogger(__name__)

Loader = Callable[[Path, dict[str, Any], str], Moderator]
class Kind(NamedTuple):
    loader: Loader
    schema: type[ArtifactManifest]


def _import_builtin_kinds() -> None:
    # Importing the modules registers their kinds (once).
    from flagstone.models import fakes  # noqa: F401

    try:
        from flagstone.models import ensemble  # noqa: F401
    except ImportError as exc:  # pragma: no cover - only when optional runtime pieces are missing
        log.debug("ensemble model kind unavailable: %s", exc)


KINDS: Registry[Kind] = Registry("model kind", error=ModelError, load=_import_builtin_kinds)


def register_model_kind(kind: str, *, schema: type[ArtifactManifest] = ArtifactManifest
                        ) -> Callable[[Loader], Loader]:
    """Register a loader for ``kind``; ``schema`` validates its manifests before the loader runs."""
    def deco(fn: Loader) -> Loader:
        KINDS.add(kind, Kind(fn, schema))
        return fn

    return deco


def available_kinds() -> list[str]:
    return KINDS.names()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def manifest_version(manifest: dict[str, Any]) -> str:
    """The artifact's version: the hash of its manifest (which pins every file), less the ``build`` entry
    (where it was built: provenance, not content; ``training/provenance.py``)."""
    content = {k: v for k, v in manifest.items() if k != "build"}
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def write_manifest(directory: Path, manifest: dict[str, Any]) -> str:
    """Pin every file in ``manifest['files']`` by hash, check the kind's schema, write manifest.json,
    return the version (an artifact that its own loader would refuse is never written)."""
    files = {rel: sha256_file(directory / rel) for rel in sorted(manifest.get("files", {}))}
    manifest = {**manifest, "files": files}
    kind = str(manifest.get("kind"))
    schema = KINDS.get(kind).schema if kind in KINDS else ArtifactManifest
    validate_manifest(schema, manifest, str(directory / "manifest.json"))
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest_version(manifest)


def load_model(path: str | Path, *, verify: bool = True) -> Moderator:
    """Load the artifact at ``path``; with ``verify`` every file's hash is checked first."""
    directory = Path(path)
    mf = directory / "manifest.json"
    if not mf.is_file():
        raise ModelError(f"no model artifact at {directory} (manifest.json missing)")
    try:
        manifest = json.loads(mf.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{mf}: corrupt manifest: {exc}") from exc
    kind = manifest.get("kind")
    loader, schema = KINDS.get(str(kind), where=str(mf))
    validate_manifest(schema, manifest, str(mf))
    if verify:
        for rel, digest in manifest.get("files", {}).items():
            f = directory / rel
            if not f.is_file():
                raise ModelError(f"{directory}: file {rel} listed in the manifest is missing")
            if sha256_file(f) != digest:
                raise ModelError(f"{directory}: file {rel} does not match its hash in the manifest")
    return loader(directory, manifest, manifest_version(manifest))
