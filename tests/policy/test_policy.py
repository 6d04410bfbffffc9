"""The shipped default policy loads, hashes stably, and malformed files fail with file:line:reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from flagstone.errors import ConfigError, PolicyError
from flagstone.policy import CATEGORIES, Policy, load_default_policy, load_policy, parse_policy
from flagstone.settings import DEFAULT_POLICY_PATH

IMAGE_CATEGORIES = {
    "sexual",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "violence",
    "violence/graphic",
}


def _cat(target: str = "target_precision: 0.8") -> str:
    return (
        "    definition: A definition long enough to pass.\n"
        "    includes: [a]\n"
        "    excludes: [b]\n"
        "    positive_examples: [c]\n"
        "    negative_examples: [d]\n"
        "    input_types: [text]\n"
        f"    {target}\n"
    )


def _policy_text(skip: str | None = None, extra: str = "", override: dict[str, str] | None = None) -> str:
    """A minimal valid policy (line 1 name, 2 version, 3 categories, then 8 lines per category)."""
    override = override or {}
    body = "name: tiny\nversion: '1'\ncategories:\n"
    for c in CATEGORIES:
        if c == skip:
            continue
        body += f"  {c}:\n" + override.get(c, _cat())
    return body + extra


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def _load_err(tmp_path: Path, content: str | bytes) -> PolicyError:
    f = tmp_path / "policy.yaml"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policy(f)
    assert str(f) in str(info.value)
    assert info.value.file == str(f)
    return info.value


# --- the shipped default policy ----------------------------------------------------------------


def test_default_policy_loads_and_covers_the_taxonomy():
    policy = load_default_policy()
    assert isinstance(policy, Policy)
    assert policy.name == "flagstone-default"
    assert policy.version == "2026.11.1"
    assert tuple(policy.categories) == CATEGORIES


def test_default_policy_sizes_and_input_types():
    policy = load_default_policy()
    for name, cat in policy.categories.items():
        assert 5 <= len(cat.includes) <= 10, name
        assert 5 <= len(cat.excludes) <= 10, name
        assert 4 <= len(cat.positive_examples) <= 8, name
        assert 4 <= len(cat.negative_examples) <= 8, name
        expected = ["text", "image"] if name in IMAGE_CATEGORIES else ["text"]
        assert list(cat.input_types) == expected, name
    assert policy.categories["sexual/minors"].target_recall == 0.9
    assert all(
        cat.target_precision is not None for n, cat in policy.categories.items() if n != "sexual/minors"
    )


def test_sexual_minors_positives_are_meta_descriptions_only():
    cat = load_default_policy().categories["sexual/minors"]
    assert all(ex.startswith("(description)") for ex in cat.positive_examples)


def test_default_policy_hash_is_stable_and_tracks_content(tmp_path):
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    h1 = load_default_policy().content_hash()
    assert h1 == load_default_policy().content_hash()
    assert len(h1) == 64
    # Comments and key order do not change what the policy says, so they do not change the hash.
    reformatted = "# a new comment\n" + text
    assert parse_policy(reformatted).content_hash() == h1
    data = yaml.safe_load(text)
    reordered = {"categories": dict(reversed(list(data["categories"].items()))), **data}
    assert parse_policy(yaml.safe_dump(reordered, sort_keys=True)).content_hash() == h1
    # A one-word change in one example does change it.
    changed = text.replace("I could kill for a coffee right now.", "I could kill for a tea right now.")
    assert changed != text
    assert parse_policy(changed).content_hash() != h1


# --- malformed files ---------------------------------------------------------------------------


def test_minimal_policy_is_valid(tmp_path):
    f = tmp_path / "policy.yaml"
    f.write_text(_policy_text(), encoding="utf-8")
    assert load_policy(f).name == "tiny"


def test_invalid_yaml_names_the_line_of_the_syntax_error(tmp_path):
    text = _policy_text().replace("    includes: [a]\n", "    includes: [a\n", 1)
    err = _load_err(tmp_path, text)
    assert "invalid YAML" in err.reason
    # The unclosed flow sequence is detected on the next line (excludes:), right after it.
    assert err.line == _line_of(text, "includes: [a") + 1
    assert f":{err.line}:" in str(err)


def test_bad_indentation_is_invalid_yaml_with_its_line(tmp_path):
    text = _policy_text() + "  oops\n bad: x\n"
    err = _load_err(tmp_path, text)
    assert "invalid YAML" in err.reason
    assert err.line == len(text.splitlines())


def test_missing_category_points_at_categories(tmp_path):
    text = _policy_text(skip="violence/graphic")
    err = _load_err(tmp_path, text)
    assert "missing categories ['violence/graphic']" in err.reason
    assert err.line == _line_of(text, "categories:")


def test_unknown_category_is_named(tmp_path):
    text = _policy_text(extra="  spam:\n" + _cat())
    err = _load_err(tmp_path, text)
    assert "unknown categories ['spam']" in err.reason
    assert "harassment" in err.reason  # lists what is available
    assert err.line == _line_of(text, "categories:")


def test_missing_field_points_at_its_category(tmp_path):
    text = _policy_text(override={"hate": _cat().replace("    excludes: [b]\n", "")})
    err = _load_err(tmp_path, text)
    assert "categories.hate.excludes" in err.reason
    assert "Field required" in err.reason
    assert err.line == _line_of(text, "  hate:")


def test_missing_top_level_field(tmp_path):
    text = _policy_text().replace("version: '1'\n", "")
    err = _load_err(tmp_path, text)
    assert err.reason.startswith("version: Field required")
    assert err.line == 1


def test_wrong_type_points_at_the_offending_key(tmp_path):
    text = _policy_text(override={"illicit": _cat("target_precision: high")})
    err = _load_err(tmp_path, text)
    assert "categories.illicit.target_precision" in err.reason
    assert err.line == _line_of(text, "target_precision: high")


def test_wrong_type_in_a_list_points_at_the_item(tmp_path):
    cat = _cat().replace("    includes: [a]\n", "    includes:\n      - fine\n      - {nested: map}\n")
    text = _policy_text(override={"sexual": cat})
    err = _load_err(tmp_path, text)
    assert "categories.sexual.includes.1" in err.reason
    assert err.line == _line_of(text, "{nested: map}")


def test_unknown_input_type_is_rejected(tmp_path):
    cat = _cat().replace("input_types: [text]", "input_types: [text, audio]")
    text = _policy_text(override={"violence": cat})
    err = _load_err(tmp_path, text)
    assert "categories.violence.input_types.1" in err.reason
    assert err.line == _line_of(text, "audio")


def test_extra_field_is_rejected(tmp_path):
    cat = _cat() + "    severity: high\n"
    text = _policy_text(override={"hate": cat})
    err = _load_err(tmp_path, text)
    assert "categories.hate.severity" in err.reason
    assert err.line == _line_of(text, "severity: high")


@pytest.mark.parametrize(
    "target",
    ["target_precision: 0.8\n    target_recall: 0.9", "description_only: false"],
    ids=["both", "neither"],
)
def test_exactly_one_target(tmp_path, target):
    cat = _cat(target)
    if "description_only" in target:
        cat = cat.replace("    description_only: false\n", "")
    text = _policy_text(override={"self-harm": cat})
    err = _load_err(tmp_path, text)
    assert "exactly one of target_precision or target_recall" in err.reason
    assert err.line == _line_of(text, "  self-harm:")


def test_target_out_of_range(tmp_path):
    text = _policy_text(override={"hate": _cat("target_recall: 1.5")})
    err = _load_err(tmp_path, text)
    assert "categories.hate.target_recall" in err.reason
    assert err.line == _line_of(text, "target_recall: 1.5")


def test_duplicate_key_is_rejected_not_silently_overwritten(tmp_path):
    text = _policy_text(extra="  hate:\n" + _cat())
    err = _load_err(tmp_path, text)
    assert "duplicate key 'hate'" in err.reason
    assert err.line == len(text.splitlines()) - 7  # the second "hate:"


def test_not_utf8_is_rejected(tmp_path):
    text = _policy_text()
    bad = text.encode("utf-8").replace(b"name: tiny", b"name: t\xffny").replace(b"  hate:", b"  h\xe9te:")
    err = _load_err(tmp_path, bad)
    assert "not UTF-8" in err.reason
    assert "byte offset 7" in err.reason
    assert err.line == 1
    # The first bad byte is reported, wherever it is.
    bad2 = text.encode("utf-8").replace(b"  hate:", b"  h\xe9te:")
    err2 = _load_err(tmp_path, bad2)
    assert err2.line == _line_of(text, "  hate:")


def test_file_not_found(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyError) as info:
        load_policy(missing)
    assert str(missing) in str(info.value)
    assert "not found" in info.value.reason


def test_directory_is_not_a_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path)


@pytest.mark.parametrize(
    "content", ["- name: tiny\n- version: 1\n", "", "just a string\n"], ids=["list", "empty", "scalar"]
)
def test_top_level_must_be_a_mapping(tmp_path, content):
    err = _load_err(tmp_path, content)
    assert "mapping" in err.reason
    assert err.line == 1


def test_policy_error_is_a_config_error():
    with pytest.raises(ConfigError):
        parse_policy("[]", file="inline.yaml")


def test_sub_categories_imply_their_parents_in_flags():
    from flagstone.policy.taxonomy import CATEGORY_INDEX, PARENT, flag_matrix, with_parents

    assert PARENT == {"harassment/threatening": "harassment", "hate/threatening": "hate",
                      "illicit/violent": "illicit", "self-harm/intent": "self-harm",
                      "self-harm/instructions": "self-harm", "sexual/minors": "sexual",
                      "violence/graphic": "violence"}
    rng = np.random.default_rng(0)
    flags = rng.random((200, len(CATEGORIES))) > 0.8
    out = with_parents(flags)
    assert (out.any(axis=1) == flags.any(axis=1)).all(), "the overall flag never changes"
    assert (out >= flags).all(), "flags are only added"
    for child, parent in PARENT.items():
        assert (out[:, CATEGORY_INDEX[parent]] >= out[:, CATEGORY_INDEX[child]]).all()
    scores = np.full((1, len(CATEGORIES)), 0.2)
    scores[0, CATEGORY_INDEX["self-harm/intent"]] = 0.5
    got = flag_matrix(scores, np.full(len(CATEGORIES), 0.5))
    assert got[0].nonzero()[0].tolist() == sorted([CATEGORY_INDEX["self-harm"], CATEGORY_INDEX["self-harm/intent"]])
