"""Model registry: versions with stages (candidate, staging, production, archived), an audit of
every move, gated promotion against the production model, rollback, and the serving watcher.

    tables.py    model_versions and model_events (migration 0003_registry)
    store.py     ModelRegistry: register, move between stages, production pointer, history, rollback
    gate.py      promotion gate: evaluate candidate and production on a suite, refuse on regression
    watcher.py   polls the production pointer and swaps the served model without a restart
    shadow.py    a candidate scoring live traffic next to production; disagreement rate and examples
"""
