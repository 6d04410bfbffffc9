"""A loopback OpenAI-compatible server that answers generation prompts: the LLM generator's test double.

It is the labeler's :class:`~flagstone.labeling.stub_server.StubChatServer` (real HTTP, real SDK,
scripted failures: ``malformed``, ``rate_limit``, ``error``, ``slow``...) with ``ok`` replies shaped
like generation: ``{"examples": [...]}`` with as many variations of the prompt's first policy
example as the prompt asks for.
"""

from __future__ import annotations

import json
import re

from flagstone.labeling.stub_server import StubChatServer

_COUNT = re.compile(r"Write exactly (\d+)")
_SHOT = re.compile(r"^- (.+)$", re.MULTILINE)


class GenerationStub(StubChatServer):
    def reply_content(self, text: str, behaviour: str) -> str:
        if behaviour in ("malformed", "incomplete"):
            return super().reply_content(text, behaviour)
        m = _COUNT.search(text)
        n = int(m.group(1)) if m else 1
        shots = _SHOT.findall(text) or ["example"]
        with self._lock:
            serial = len(self.requests)
        examples = [f"{shots[i % len(shots)]} (variant {serial}.{i})" for i in range(n)]
        body = json.dumps({"examples": examples})
        return f"```json\n{body}\n```" if behaviour == "fenced" else body
