"""Red-teaming the moderation model: where can it be fooled, and what feeds back into training.

    base.py       the Attack interface and its registry (attacks live in ``attacks/``, one module per family)
    suite.py      suites are YAML (``suites/*.yaml``): attacks with parameters, and chains of attacks
    runner.py     apply a suite to labelled seed items and score before/after on a Target -> RunResult
    endpoint.py   a live OpenAI-compatible /v1/moderations endpoint as a Target (httpx, retries)
    report.py     JSON, self-contained HTML, trials and the failures dataset (JSONL)
    queue.py      send failures to the store's labeling queue (``redteam``) for people to confirm
    (the decoding defence, DecodingModel, lives in ``models/decoding.py``: the server uses it too)

Shipped seeds: ``data/seeds.json`` (JSON Lines), used when no ``--seeds`` are given.
CLI: ``flagstone redteam run --target URL [--api-key KEY]`` (a live server) or ``--model DIR``
(in process, with the server's defence by default); ``--seeds FILE``, ``--no-queue``.
Benchmark: ``benchmarks/redteam_asr.py`` (ASR per family before/after the defences, dev AUPRC cost).
"""
