import pytest

from flagstone.errors import ConfigError
from flagstone.settings import load_settings


def test_precedence_defaults_file_env_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("port: 9000\nmax_inputs_per_request: 10\nhost: 0.0.0.0\n")
    monkeypatch.delenv("FLAGSTONE_PORT", raising=False)
    s = load_settings(cfg)
    assert (s.port, s.max_inputs_per_request) == (9000, 10)
    monkeypatch.setenv("FLAGSTONE_MAX_INPUTS_PER_REQUEST", "20")
    s = load_settings(cfg)
    assert s.max_inputs_per_request == 20  # env beats file
    s = load_settings(cfg, port=9100)
    assert s.port == 9100  # CLI beats file
    assert s.auth_required  # non-loopback bind turns auth on


def test_loopback_default_has_auth_off(monkeypatch):
    monkeypatch.delenv("FLAGSTONE_HOST", raising=False)
    s = load_settings()
    assert s.host == "127.0.0.1" and not s.auth_required
    assert s.resolved_database_url.startswith("sqlite:///")


@pytest.mark.parametrize("content,match", [
    ("host: 0.0.0.0\nport: [1, 2]\n", r"c.yaml:2: port: Input should be a valid integer"),
    ("- a\n- b\n", "c.yaml:1: expected a mapping of settings, got list"),
    ("port: 80\nunknown_key: 1\n", r"c.yaml:2: unknown_key: Extra inputs are not permitted"),
    ("port: : :\n", r"c.yaml:1: invalid YAML"),
    ("port: 80\nport: 81\n", "c.yaml:2: duplicate key 'port'"),
])
def test_bad_config_files_are_errors(tmp_path, content, match):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=match):
        load_settings(cfg)


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.yaml")
