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
