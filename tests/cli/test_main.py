import pytest

from flagstone.cli.main import build_parser, main


def _registered_commands() -> dict[str, str]:
    """Command -> module, from calling each cli module's register() on a parser of our own."""
    import argparse
    import importlib
    import pkgutil

    import flagstone.cli as pkg

    found: dict[str, str] = {}
    for mod in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"flagstone.cli.{mod.name}")
        if hasattr(module, "register"):
            sub = argparse.ArgumentParser().add_subparsers()
            module.register(sub)
            found.update({name: mod.name for name in sub.choices})
    return found


def test_help_lists_every_discovered_command_and_each_has_its_own_help(capsys):
    commands = _registered_commands()
    # Every group the tree ships is found (a module that forgot register() would be missing here).
    assert {"serve", "moderate", "eval", "train", "data", "policy", "registry", "pipeline", "redteam",
            "label", "al", "augment", "score", "analyze", "rules", "keys", "incidents", "logs"} <= set(commands)
    help_text = build_parser().format_help()
    listed = {line.split()[0] for line in help_text.split("COMMAND\n", 1)[1].split("\noptions:")[0].splitlines()
              if line.startswith("    ") and not line.startswith("     ")}
    assert listed == set(commands)
    assert "unavailable command groups" not in help_text  # the test install has every extra
    for name in commands:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: flagstone {name} ")


def test_domain_error_becomes_exit_2(tmp_path, capsys):
    code = main(["eval", str(tmp_path / "missing.jsonl")])
    assert code == 2
    assert "file not found" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 1
    assert "usage" in capsys.readouterr().out


def test_missing_optional_extra_is_a_clear_error(monkeypatch, capsys):
    import argparse

    import flagstone.cli.main as cli_main

    def needs_extra(args):
        raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")

    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=needs_extra)
    monkeypatch.setattr(cli_main, "build_parser", lambda: parser)
    assert cli_main.main([]) == 2
    assert "needs 'pyarrow'" in capsys.readouterr().err


def test_settings_are_loaded_once_in_main_and_commands_layer_their_flags(tmp_path, monkeypatch, capsys):
    import re
    from pathlib import Path

    import flagstone.cli.main as cli_main
    import flagstone.settings as settings_mod

    calls = []
    real = settings_mod.load_settings
    monkeypatch.setattr(cli_main, "load_settings", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\n")
    assert main(["--config", str(cfg), "policy", "list"]) == 0
    assert calls == [(str(cfg),)]
    assert (tmp_path / "data" / "flagstone.db").is_file()  # the command used the loaded settings
    # A bad file is one line naming it, exit 2, before any command runs.
    cfg.write_text("data_dir: x\nport: [1]\n")
    assert main(["--config", str(cfg), "policy", "list"]) == 2
    assert f"{cfg}:2: port: Input should be a valid integer" in capsys.readouterr().err
    # No command module reads the settings file again.
    cli_dir = Path(cli_main.__file__).parent
    readers = sorted(p.name for p in cli_dir.glob("*.py") if re.search(r"\bload_settings\(", p.read_text()))
    assert readers == ["main.py"]


def test_with_overrides_validates_and_ignores_flags_not_given(tmp_path):
    from flagstone.errors import ConfigError
    from flagstone.settings import Settings

    base = Settings(data_dir=tmp_path)
    assert base.with_overrides(model_dir=None) is base
    moved = base.with_overrides(model_dir=tmp_path / "m", port=9000)
    assert (moved.model_dir, moved.port, moved.data_dir) == (tmp_path / "m", 9000, tmp_path)
    with pytest.raises(ConfigError, match="port"):
        base.with_overrides(port=70000)
