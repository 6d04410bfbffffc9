"""Property-based tests of the served OpenAPI document (schemathesis) and malformed-part regressions.

The app is the one ``flagstone serve`` builds (``create_app(settings)``, the keyword model and the
pixel-reading image fake of ``conftest.py``), run by uvicorn on loopback; schemathesis reads its
``/openapi.json`` and, for every operation the document lists, sends its deterministic coverage cases
(boundaries, wrong types, missing fields, unexpected methods), then a bounded number of generated
schema-valid requests and (where the operation takes input) schema-violating ones. Every response must be no 5xx, a documented status
code and content type, and a body that matches the documented schema: errors in OpenAI's envelope.

Left out: ``positive_data_acceptance`` (a schema-valid request must not be refused). The schema
gives shapes; the server also refuses, with a 400 that says why, what the shape cannot express:
an image URL that is neither ``data:`` nor ``http(s)``, undecodable image data, more inputs than
the configured limit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import hypothesis
import pytest
import schemathesis
from fastapi.responses import JSONResponse
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from tests.serving.conftest import KEYWORDS, LiveServer

from flagstone.models.fakes import KeywordModel
from flagstone.serving.app import create_app
from flagstone.serving.errors import envelope
from flagstone.settings import Settings

# Examples per operation and generation mode; fixed seed (derandomize), so a run is reproducible and
# about 15 s on two loaded cores. The moderation endpoint takes the body, so it gets the most.
EXAMPLES = {"POST /v1/moderations": 150}
DEFAULT_EXAMPLES = 10


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[schemathesis.BaseSchema, str]]:
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(data_dir=tmp, model_dir=tmp / "no-model", batch_max_wait_ms=1.0,
                        image_model="fake-red", ui_secret_key="s" * 32)
    with LiveServer(create_app(settings, model=KeywordModel(KEYWORDS, name="flagstone-test"))) as server:
        doc = httpx.get(f"{server.url}/openapi.json", timeout=10).json()
        yield schemathesis.openapi.from_dict(doc), server.url


def _takes_input(operation: schemathesis.APIOperation) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("requestBody") or definition.get("parameters"))


def test_coverage_phase_finds_no_5xx_or_off_schema_response(api, caplog):
    # Schemathesis's deterministic "coverage" cases: each property's boundaries and wrong JSON types
    # ({"type": [null, null]} in a part answered 500 before), missing required fields, unexpected
    # methods. About 120 requests in all.
    schema, base_url = api
    statuses: dict[str, list[int]] = {}
    with caplog.at_level(logging.ERROR, logger="flagstone"):
        for result in schema.get_all_operations():
            operation = result.ok()
            cases = schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                               generation_config=schema.config.generation)
            for case in cases:
                response = case.call_and_validate(base_url=base_url, timeout=30,
                                                  excluded_checks=[positive_data_acceptance])
                statuses.setdefault(operation.label, []).append(response.status_code)
    assert statuses.keys() >= {"POST /v1/moderations", "GET /v1/models"}, statuses
    assert all(s < 500 for calls in statuses.values() for s in calls)
    assert statuses["POST /v1/moderations"].count(400) >= 20  # the wrong-type bodies, each refused
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, base_url: str) -> list[int]:
    """Send generated requests to ``operation``; schemathesis's checks raise on the first violation."""
    statuses: list[int] = []

    @hypothesis.settings(max_examples=EXAMPLES.get(operation.label, DEFAULT_EXAMPLES), deadline=None,
                         derandomize=True, database=None,
                         suppress_health_check=[hypothesis.HealthCheck.too_slow,
                                                hypothesis.HealthCheck.filter_too_much])
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(base_url=base_url, timeout=30, excluded_checks=[positive_data_acceptance])
        statuses.append(response.status_code)

    run()
    return statuses


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_operation_answers_5xx_or_off_schema(api, mode, caplog):
    schema, base_url = api
    statuses: dict[str, list[int]] = {}
    with caplog.at_level(logging.ERROR, logger="flagstone"):
        for result in schema.get_all_operations():
            operation = result.ok()
            if mode is GenerationMode.NEGATIVE and not _takes_input(operation):
                continue  # no body or parameters: nothing can violate the schema
            statuses[operation.label] = _fuzz(operation, mode, base_url)
    assert "POST /v1/moderations" in statuses and all(statuses.values()), statuses
    assert all(s < 500 for calls in statuses.values() for s in calls)
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]
    if mode is GenerationMode.NEGATIVE:  # schema-violating bodies were refused, in the envelope
        assert 400 in statuses["POST /v1/moderations"]


# The malformed parts the review and schemathesis found answering 500 (issue 19, point 4).
@pytest.mark.parametrize("body, param, words", [
    (b'{"input": [{"type": {}}]}', "input[0].type", "got dict"),
    (b'{"input": [{"type": []}]}', "input[0].type", "got list"),
    (b'{"input": [{"type": {"text": 1}}, "x"]}', "input[0].type", "got dict"),
    (b'{"input": [{"type": "text", "text": "ok"}, {"type": [1]}]}', "input[1].type", "got list"),
    (b'{"input": [{"type": 3}]}', "input[0].type", "got int"),
    (b'{"input": [{"text": "no type"}]}', "input[0].type", "got nothing"),
    (b'{"input": "hi", "model": "\\ud800"}', "model", "unpaired UTF-16 surrogate"),
])
def test_malformed_parts_are_a_400_in_the_envelope(client, body, param, words):
    resp = client.post("/v1/moderations", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error" and err["code"] == "invalid_value"
    assert err["param"] == param and words in err["message"], err


def test_an_error_message_echoing_a_lone_surrogate_still_encodes():
    # Lone surrogates are valid in JSON's escapes but not in UTF-8: an envelope that echoes one must
    # still render (the model-name 404 did not: 500), with the surrogate spelled out.
    body = envelope("The model `a\ud800` does not exist", param="model\udfff")
    rendered = json.loads(JSONResponse(body, status_code=404).body)
    assert rendered["error"]["message"] == "The model `a\\ud800` does not exist"
    assert rendered["error"]["param"] == "model\\udfff"
