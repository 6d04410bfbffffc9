"""Machine labels as suggestions on the label page: shown with their source and confidence, never ticked
for the person; what the person submits is stored as theirs, and the machine's label stays beside it."""

from __future__ import annotations

import re

import yaml
from sqlalchemy import select
from tests.labeling.conftest import make_policy
from tests.labeling.test_ui_http import login
from tests.labeling.ui_setup import PASSWORD, TEXTS
from tests.labeling.ui_setup import csrf_token as _csrf

from flagstone.data.labels import current_labels_with_source
from flagstone.labeling.base import Decision, LabelOutcome
from flagstone.labeling.records import annotator_id, save_outcomes
from flagstone.labeling.ui import work
from flagstone.labeling.ui.suggestions import item_suggestions
from flagstone.policy.taxonomy import CATEGORIES
from flagstone.policy.versions import get_version, import_policy, set_current
from flagstone.store.engine import utcnow
from flagstone.store.tables import annotators, datasets, label_queue, labels
from flagstone.text.normalize import text_key

KEY = text_key(TEXTS[0])  # "you absolute idiot", first in the queue


def llm_says(store, key: str, positives: dict[str, str], model: str = "judge-7b", only=CATEGORIES) -> None:
    """An LLM's labels of every category in ``only`` (``positives``: category -> its reason)."""
    vid = get_version(store, "current").id
    decisions = {c: Decision(c in positives, positives.get(c, "")) for c in only}
    assert save_outcomes(store, [LabelOutcome(key, f"llm:{model}", "h", decisions)], vid)["labelled"] == 1


def pseudo_says(store, key: str, scores: dict[str, float], model: str = "abc123") -> None:
    """Pseudo-labels as ``al pseudo`` stores them (``is_pseudo``, annotator ``model:<id>``), with scores."""
    with store.begin() as conn:
        aid = annotator_id(conn, "model", f"model:{model}")
        vid = get_version(store, "current").id
        conn.execute(labels.insert(), [dict(item_key=key, category=c, value=int(s >= 0.5), annotator_id=aid,
                                            policy_version_id=vid, score=s, is_pseudo=True, source_ref=None,
                                            created_at=utcnow()) for c, s in scores.items()])


def resolved(store, key: str) -> dict[str, tuple[int, str]]:
    with store.connect() as conn:
        ds = conn.execute(select(datasets.c.id).where(datasets.c.name == "pool")).scalar_one()
        return current_labels_with_source(conn, ds, get_version(store, "current").category_hashes)[key]


def stored(store, key: str) -> list[tuple[str, str, str, int]]:
    """(annotator kind, annotator name, category, value) of every label row of the item."""
    with store.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(annotators.c.kind, annotators.c.name, labels.c.category, labels.c.value)
            .join(annotators, annotators.c.id == labels.c.annotator_id).where(labels.c.item_key == key))]


# Domain: which machine labels become suggestions.

def test_llm_and_pseudo_labels_become_suggestions_with_source_confidence_and_reason(store):
    assert item_suggestions(store, KEY) == []
    llm_says(store, KEY, {"harassment": "calls the reader an idiot"})
    pseudo_says(store, KEY, {"harassment": 0.97, "hate": 0.01})
    work.submit_labels(store, work.authenticate(store, "ann", PASSWORD), KEY, "al-batch-1", [], none_of_these=True)
    llm, pseudo = item_suggestions(store, KEY)  # people's labels are not suggestions
    assert (llm.kind, llm.source, llm.name, llm.display) == ("llm", "llm:judge-7b", "judge-7b", "LLM judge-7b")
    assert llm.positives == ("harassment",) and llm.covers_all and not llm.says_none
    assert llm.rationale == {"harassment": "calls the reader an idiot"} and llm.confidence == {}
    assert (pseudo.kind, pseudo.name, pseudo.display) == ("pseudo", "model abc123", "pseudo-label, model abc123")
    assert pseudo.positives == ("harassment",) and pseudo.confidence == {"harassment": 0.97, "hate": 0.01}
    assert not pseudo.covers_all and not pseudo.says_none  # judged 2 of 13: accepting cannot mean "none"


def test_a_machine_that_changed_its_mind_is_shown_with_its_latest_judgement(store):
    llm_says(store, KEY, {"harassment": "insult"})
    llm_says(store, KEY, {})  # reran: nothing applies now
    (only,) = item_suggestions(store, KEY)
    assert only.positives == () and only.says_none and only.rationale == {}


def test_judgements_under_a_changed_definition_are_not_offered(store, tmp_path):
    llm_says(store, KEY, {"harassment": "insult", "violence": "threat"})
    pol = make_policy("test-2").model_dump(mode="json")
    pol["categories"]["harassment"]["definition"] = "Harassment, narrowed: only repeated targeting of a person."
    path = tmp_path / "policy-2.yaml"
    path.write_text(yaml.safe_dump(pol), encoding="utf-8")
    v2, _ = import_policy(store, path)
    with store.begin() as conn:
        set_current(conn, v2)
    (s,) = item_suggestions(store, KEY)
    assert "harassment" not in s.values and s.positives == ("violence",)  # violence's wording did not change
    assert len(s.values) == len(CATEGORIES) - 1 and not s.covers_all


def test_undo_reopens_the_request_even_when_a_machine_labelled_the_item(store):
    llm_says(store, KEY, {"harassment": "insult"})
    ann = work.authenticate(store, "ann", PASSWORD)
    work.submit_labels(store, ann, KEY, "al-batch-1", ["harassment"])
    work.undo_labels(store, ann, KEY, "al-batch-1")
    with store.connect() as conn:
        status = conn.execute(select(label_queue.c.status).where(label_queue.c.item_key == KEY)).scalar_one()
    assert status == "pending"  # the LLM's label is not a person's: the item still needs one
    assert work.next_item(store, ann, "al-batch-1").item_key == KEY
    assert {r[0] for r in stored(store, KEY)} == {"model"}  # the LLM's labels stay


# HTTP, on the app `flagstone serve` builds.

def _checked_boxes(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="(?:category|none)"[^>]*\bchecked\b', page)


def test_the_label_page_shows_suggestions_beside_the_item_and_ticks_nothing(env):
    client, store = env
    llm_says(store, KEY, {"harassment": "calls the reader an <b>idiot</b>"})
    pseudo_says(store, KEY, {"harassment": 0.93})
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    assert TEXTS[0] in page and 'id="suggestions"' in page
    assert page.index('id="item-text"') < page.index('id="suggestions"') < page.index('id="label-form"')
    section = page.split('id="suggestions"')[1].split('id="label-form"')[0]
    assert "Machine suggestions" in section and "not your answer" in section
    assert '<span class="badge">LLM</span> <span class="source">judge-7b</span>' in section
    assert '<span class="badge">pseudo-label</span> <span class="source">model abc123</span>' in section
    assert 'data-display="LLM judge-7b"' in section and 'data-display="pseudo-label, model abc123"' in section
    assert 'data-positives="harassment"' in section and "confidence 0.93" in section
    assert "no confidence stored" in section  # the LLM stored none
    assert "&lt;b&gt;idiot&lt;/b&gt;" in section and "<b>idiot</b>" not in section  # the reason is escaped
    assert section.count('class="accept"') == 2
    assert _checked_boxes(page) == []  # nothing is ticked for the person


def test_what_the_person_submits_is_stored_as_theirs_and_the_llm_label_stays_beside_it(env):
    client, store = env
    llm_says(store, KEY, {"harassment": "insult", "violence": "sounds threatening"})
    before = sorted(stored(store, KEY))
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    r = client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": KEY, "category": ["harassment"],
                                                  "action": "submit"}, follow_redirects=False)
    assert r.status_code == 303
    rows = stored(store, KEY)
    mine = {(c, v) for kind, name, c, v in rows if (kind, name) == ("person", "ann")}
    assert len(mine) == len(CATEGORIES) and {c for c, v in mine if v} == {"harassment"}
    assert sorted(r for r in rows if r[0] == "model") == before  # the LLM's labels, untouched
    got = resolved(store, KEY)
    assert got["harassment"] == (1, "human") and got["violence"] == (0, "human")  # the person decides


def test_viewers_see_suggestions_without_accept_and_editing_ticks_only_ones_own_labels(env):
    client, store = env
    llm_says(store, KEY, {"hate": "slur"})
    login(client, "vic")
    page = client.get("/ui/queue/al-batch-1").text
    assert "LLM judge-7b" in page and 'class="accept"' not in page
    client.cookies.clear()
    login(client)
    page = client.get("/ui/queue/al-batch-1").text
    client.post("/ui/queue/al-batch-1", data={"csrf": _csrf(page), "item_key": KEY, "none": "1", "action": "submit"})
    edit = client.get(f"/ui/edit/{KEY}?queue=al-batch-1").text
    assert 'data-positives="hate"' in edit  # still suggested on the edit page
    assert len(_checked_boxes(edit)) == 1 and 'id="none" data-key="n" checked' in edit  # ann's "none", not hate
