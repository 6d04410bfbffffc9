"""Policy-derived templates: every block maps to a behaviour the policy names; output is tagged."""

from __future__ import annotations

import random

import pytest

from flagstone.augment.templates import TemplateGenerator, check_templates, load_templates
from flagstone.errors import ConfigError
from flagstone.policy import load_default_policy

RARE = ["violence/graphic", "self-harm/instructions", "harassment/threatening", "hate/threatening", "sexual/minors"]


@pytest.fixture(scope="module")
def policy():
    return load_default_policy()


def test_shipped_templates_match_the_policy(policy) -> None:
    doc = load_templates()
    check_templates(doc, policy)
    assert set(doc["categories"]) == set(RARE)
    for cat in RARE:
        if cat == "sexual/minors":
            continue
        covered = {b["include"] for b in doc["categories"][cat]["positives"]}
        # A template for (nearly) every behaviour the policy names.
        assert len(covered) >= len(policy.categories[cat].includes) - 1, cat


def test_generate_tags_and_labels(policy) -> None:
    gen = TemplateGenerator(policy)
    items = gen.generate(RARE, 40, random.Random(0))
    assert len(items) == 200
    for it in items:
        cat = it.meta["category"]
        assert "{" not in it.text
        assert it.origin.startswith(f"template:{cat}/")
        assert it.meta["policy_hash"] == policy.content_hash()
        behaviours = (policy.categories[cat].includes if it.meta["kind"] == "positive"
                      else policy.categories[cat].excludes)
        assert it.meta["behaviour"] in behaviours
        assert it.labels[cat] == (1 if it.meta["kind"] == "positive" else 0)
        if it.meta["kind"] == "positive" and "/" in cat:
            assert it.labels[cat.split("/")[0]] == 1  # a subcategory implies its parent
    # No positive sexual/minors item is ever generated.
    assert all(it.labels.get("sexual/minors") != 1 for it in items)
    assert gen.generate(RARE, 40, random.Random(0)) == items


def test_template_pointing_at_a_missing_behaviour_is_rejected(policy, tmp_path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("slots: {x: [a]}\ncategories:\n  violence/graphic:\n    positive_labels: {violence/graphic: 1}\n"
                 "    negative_labels: {}\n    positives:\n      - include: 42\n        templates: ['{x} b']\n")
    with pytest.raises(ConfigError, match="include 42 is not a behaviour"):
        TemplateGenerator(policy, path=p)
    p.write_text("slots: {x: [a]}\ncategories:\n  violence/graphic:\n    positive_labels: {}\n"
                 "    negative_labels: {}\n    positives:\n      - include: 0\n        templates: ['{y} b']\n")
    with pytest.raises(ConfigError, match="no word list"):
        TemplateGenerator(policy, path=p)
    p.write_text("just text\n")
    with pytest.raises(ConfigError, match="expected 'slots' and 'categories'"):
        TemplateGenerator(policy, path=p)
    with pytest.raises(ConfigError, match="not found"):
        TemplateGenerator(policy, path=tmp_path / "none.yaml")


def test_unknown_category_lists_what_exists(policy) -> None:
    with pytest.raises(ConfigError, match="no templates for \\['sexual'\\]"):
        TemplateGenerator(policy).generate(["sexual"], 3, random.Random(0))
