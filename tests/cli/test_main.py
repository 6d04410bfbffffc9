from flagstone.cli.main import build_parser, main


def test_help_lists_discovered_commands(capsys):
    parser = build_parser()
    help_text = parser.format_help()
    assert "eval" in help_text


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
