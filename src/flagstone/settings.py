"""One typed settings object.

Precedence: defaults < YAML file (``FLAGSTONE_CONFIG``) < environment (``FLAGSTONE_*``) < CLI flags.
Built by :func:`load_settings`, never at import time, so tests build their own.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flagstone.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_POLICY_PATH = PACKAGE_DIR / "policy" / "default_policy.yaml"
DEFAULT_MODEL_DIR = PACKAGE_DIR / "models" / "default"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLAGSTONE_", extra="forbid")

    # Where embedded state lives (SQLite database, snapshots, caches).
    data_dir: Path = Path(".flagstone")
    database_url: str | None = None  # default: sqlite under data_dir
    policy_path: Path = DEFAULT_POLICY_PATH
    model_dir: Path = DEFAULT_MODEL_DIR

    host: str = "127.0.0.1"
    port: int = 8000

    # Request limits (OpenAI accepts up to 32 inputs a request for omni-moderation; we allow more by setting).
    max_inputs_per_request: int = Field(default=32, ge=1, le=4096)
    max_input_chars: int = Field(default=32_000, ge=1)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    # Long texts are split into encoder-sized chunks; at most this many are scored (max over chunks).
    max_chunks_per_input: int = Field(default=16, ge=1)
    # Score decoded views too (base64, ROT13, reversed, spelled-out or spaced-out text): the red-team
    # defence measured by benchmarks/redteam_asr.py. Off only to measure the model alone.
    decode_defence: bool = True

    # Micro-batching of concurrent requests into one model call. A batch waits up to batch_max_wait_ms
    # for more requests only while another batch is scoring; an idle server scores a request at once.
    # 16 texts, not more: under 32 clients, batches of up to 64 came in two sizes (all 32 waiting, or 1-3
    # gathered while a big one scored), so the cores idled between them and a request that just missed
    # a batch waited for two; batches of 16 keep the encoder fed (benchmarks/results/serving.md).
    batch_max_size: int = Field(default=16, ge=1)
    batch_max_wait_ms: float = Field(default=2.0, ge=0)
    # Batches scored at once: the next one encodes while the last one's callers are answered.
    batch_max_in_flight: int = Field(default=2, ge=1, le=16)
    inference_threads: int = Field(default=0, ge=0)  # texts encoded side by side (1 onnxruntime thread each); 0 = one per core

    # Auth: None = automatic (on when binding to a non-loopback address).
    auth_enabled: bool | None = None
    redis_url: str | None = None
    # Platform-abuse controls (flagstone.abuse): per-key token bucket, request log, detection rules.
    abuse_enabled: bool = True  # API keys, rate limits, request log and detection in the server
    rate_limit_per_second: float = Field(default=50.0, gt=0)
    rate_limit_burst: float = Field(default=200.0, gt=0)
    request_log_enabled: bool = True
    request_log_content: str = Field(default="none", pattern="^(none|hashed|full)$")
    # Retention: rows older than request_log_retention_days are deleted (every content mode); stored
    # content (text in "full", keyed hash in "hashed") is cleared sooner if content_retention_days is
    # set. The server purges every request_log_purge_interval_s; `flagstone logs purge` runs it now.
    request_log_retention_days: float = Field(default=30.0, gt=0)
    request_log_content_retention_days: float | None = Field(default=None, gt=0)
    request_log_purge_interval_s: float = Field(default=300.0, gt=0)
    # Secret for the keyed (HMAC) hashes of texts in the log; None = a random key made once and kept
    # in data_dir/request_log.key. Set it to share hashes across machines of one installation.
    request_log_hash_key: str | None = Field(default=None, min_length=16)
    # What the log writer may hold while it falls behind (request and response bytes), then it drops.
    request_log_queue_max_bytes: int = Field(default=64_000_000, ge=1_000_000)
    rules_path: Path | None = None  # detection rules YAML; None = the shipped abuse/data/default_rules.yaml

    # Model registry (flagstone.registry): seconds between polls of the production pointer by a
    # running server, which serves the production model (else model_dir) where the store already exists
    # (0 = off: serve model_dir only); shadow_model_dir scores traffic next to production.
    registry_poll_seconds: float = Field(default=5.0, ge=0)
    shadow_model_dir: Path | None = None

    # Image input (flagstone.images): the image model by registry name (None = image parts refused),
    # the decoded-pixel cap (decompression bombs), and remote http(s) URLs, off unless enabled, only to
    # allow-listed hosts ("img.example.org" or "*.example.org"), within a byte cap and a timeout.
    image_model: str | None = "nudenet"
    image_max_pixels: int = Field(default=40_000_000, ge=1)
    images_per_request: int = Field(default=8, ge=1)
    # What one request's images may cost, added up from their headers before any is decoded (400 over
    # it), and how many requests decode and score images at once (the others wait). One image is
    # decoded and scored at a time per slot, about 15 bytes a pixel with nudenet (a 6000x6000 image:
    # ~550 MB), so memory grows by about image_decode_concurrency x 15 x image_max_pixels bytes.
    image_max_request_pixels: int = Field(default=50_000_000, ge=1)
    image_decode_concurrency: int = Field(default=1, ge=1)
    image_remote_enabled: bool = False
    image_allowed_hosts: list[str] = Field(default_factory=list)
    image_max_bytes: int = Field(default=20_000_000, ge=1)
    image_fetch_timeout_s: float = Field(default=10.0, gt=0)
    image_max_redirects: int = Field(default=3, ge=0)

    log_level: str = "INFO"

    # Labeling web UI (/ui): cookie-signing key (None = random per process: sessions end on restart)
    # and the share of gold items mixed into every queue.
    ui_secret_key: str | None = Field(default=None, min_length=16)
    labeling_gold_rate: float = Field(default=0.1, ge=0, le=1)

    # Batch scoring and analytics (flagstone.scale): Spark master URL and extra Spark configs.
    spark_master: str = "local[2]"
    spark_conf: dict[str, str] = Field(default_factory=dict)
    scale_batch_rows: int = Field(default=4096, ge=1)  # rows per Arrow batch for the local engine
    scale_workers: int = Field(default=0, ge=0)  # local engine processes; 0 = one per CPU core

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.port < 0 or self.port > 65535:
            raise ValueError("port must be 0..65535")
        return self

    def with_overrides(self, **flags: Any) -> Settings:
        """These settings with CLI flags on top (None means the flag was not given), validated again.

        ``flagstone`` loads settings once in ``cli/main.py``; a command with its own flags (``--model``,
        ``--port``...) layers them here instead of reading the file and environment a second time.
        """
        given = {k: v for k, v in flags.items() if v is not None}
        if not given:
            return self
        try:
            return Settings.model_validate({**self.model_dump(), **given})
        except ValueError as exc:  # pydantic ValidationError, or the checks in _check
            raise ConfigError(f"invalid settings: {exc}") from exc

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'flagstone.db').as_posix()}"

    @property
    def auth_required(self) -> bool:
        if self.auth_enabled is not None:
            return self.auth_enabled
        return not _is_loopback(self.host)


def _is_loopback(host: str) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings: defaults < file < environment < ``overrides`` (CLI flags).

    A named config file that is missing or malformed is an error, never silently ``{}``.
    """
    import os

    from pydantic import ValidationError

    from flagstone.yamlfile import read_yaml

    doc = None
    path = config_file or os.environ.get("FLAGSTONE_CONFIG")
    if path:
        doc = read_yaml(path, what="config file", expected="a mapping of settings", empty_ok=True)
    file_values = doc.data if doc else {}
    env_keys = {k[len("FLAGSTONE_"):].lower() for k in os.environ if k.startswith("FLAGSTONE_")}
    # Environment beats the file: drop file values that the environment sets.
    merged = {k: v for k, v in file_values.items() if k not in env_keys}
    merged.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        if doc is not None and loc and loc[0] in merged and loc[0] not in overrides:  # the file's value
            where = ".".join(str(x) for x in loc)
            raise ConfigError(f"{where}: {err['msg']}", file=doc.file, line=doc.line_of(loc)) from exc
        raise ConfigError(f"invalid settings: {exc}") from exc
    except ValueError as exc:  # a check outside pydantic's validators
        raise ConfigError(f"invalid settings: {exc}") from exc
