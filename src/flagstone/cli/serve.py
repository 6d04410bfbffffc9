"""``flagstone serve``: run the OpenAI-compatible HTTP server with uvicorn.

CLI flags are exported as ``FLAGSTONE_*`` environment variables and the app is built by the factory
``create_app_from_env`` in each worker, so every worker sees the same settings
(defaults < config file < environment < flags).
"""

from __future__ import annotations

import argparse
import os
import sys

from flagstone.settings import _is_loopback


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    flags = {"host": args.host, "port": args.port, "model_dir": args.model_dir}
    settings = args.settings.with_overrides(**flags)  # fail here, with one line, on bad settings
    for key, value in flags.items():
        if value is not None:
            os.environ[f"FLAGSTONE_{key.upper()}"] = str(value)
    if args.config:
        os.environ["FLAGSTONE_CONFIG"] = str(args.config)
    if args.workers > 1 and not settings.inference_threads:
        # Each worker process gets its share of the cores, not one inference thread per core each.
        os.environ["FLAGSTONE_INFERENCE_THREADS"] = str(max(1, (os.cpu_count() or 1) // args.workers))
    if not settings.abuse_enabled or not settings.auth_required:
        if not _is_loopback(settings.host):
            print(f"warning: binding to {settings.host} with API keys off (abuse_enabled="
                  f"{settings.abuse_enabled}, auth_enabled={settings.auth_enabled}): anyone who can reach "
                  f"port {settings.port} can use this server", file=sys.stderr)
    else:
        print("API keys required on /v1/moderations (create one with `flagstone keys create ACCOUNT`)",
              file=sys.stderr)
    if not (settings.model_dir / "manifest.json").is_file():
        print(f"warning: no model artifact at {settings.model_dir}; /readyz answers 503 until one is "
              "there (pass --model-dir)", file=sys.stderr)
    print(f"serving on http://{settings.host}:{settings.port} (playground at /, API docs at /docs)",
          file=sys.stderr)
    uvicorn.run("flagstone.serving.app:create_app_from_env", factory=True, host=settings.host,
                port=settings.port, workers=args.workers, log_level=args.log_level)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("serve", help="run the OpenAI-compatible moderation server",
                              description="Serve /v1/moderations, /v1/models, /readyz and the playground.")
    p.add_argument("--host", help="address to bind (default from settings: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to bind (default from settings: 8000)")
    p.add_argument("--model-dir", help="model artifact directory (default: the shipped model)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=_serve)
