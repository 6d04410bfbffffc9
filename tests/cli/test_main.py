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
