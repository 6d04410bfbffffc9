"""Few-shot generation through any OpenAI-compatible chat-completions server, from the policy.

For each behaviour the policy names (an ``include`` for positives, an ``exclude`` for hard negatives)
one request asks for ``per_request`` new examples, showing the category's definition and the policy's
own examples as the few shots. Replies are JSON ``{"examples": [...]}``; malformed replies, 429 (with
``Retry-After``), 5xx, timeouts and connection errors are retried with backoff, then counted as
failures; other 4xx fail at once. Positive examples for ``sexual/minors`` are never requested.
Every item is tagged ``llm:<model>`` with the behaviour and the policy hash; run the result through
:func:`flagstone.augment.qc.check_items` before training (it drops refusals, leaks and duplicates).
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import openai

from flagstone.augment.base import SyntheticItem
from flagstone.errors import ConfigError, ModelError
from flagstone.labeling.llm import LLMConfig
from flagstone.policy.schema import Policy
from flagstone.policy.taxonomy import CATEGORIES

log = logging.getLogger(__name__)
NEVER_POSITIVE = ("sexual/minors",)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)

SYSTEM = ("You write synthetic training data for a content-moderation classifier used by a trust-and-safety "
          "team. Write realistic, varied user messages (different lengths, tones, spellings). Reply with JSON "
          'only: {"examples": ["...", "..."]}.')


def implied_labels(category: str, positive: bool) -> dict[str, int]:
    """A positive subcategory implies its parent (policy rule); a negative only says the category is 0."""
    if not positive:
        return {category: 0}
    parent = category.split("/")[0]
    return {category: 1, **({parent: 1} if parent != category and parent in CATEGORIES else {})}


def build_messages(policy: Policy, category: str, behaviour: str, positive: bool, n: int) -> list[dict[str, str]]:
    cp = policy.categories[category]
    shots = cp.positive_examples if positive else cp.negative_examples
    want = ("that DO belong in the category because of this behaviour" if positive else
            "that must NOT be flagged for the category although they look close to it (hard negatives), "
            "because of this exception")
    user = (f"Category: {category}\nDefinition: {cp.definition}\n"
            f"Behaviour: {behaviour}\n"
            f"Examples from the policy:\n" + "\n".join(f"- {s}" for s in shots) +
            f"\n\nWrite exactly {n} new, different messages {want}. Do not copy the examples.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_examples(content: str | None) -> list[str]:
    """The ``examples`` list of a reply; anything else is a malformed reply (:class:`ModelError`)."""
    try:
        obj = json.loads(_FENCE.sub("", content or "").strip())
        examples = obj["examples"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"malformed reply: {exc}", code="malformed_reply") from exc
    if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
        raise ModelError("malformed reply: 'examples' must be a list of strings", code="malformed_reply")
    return [e.strip() for e in examples if e.strip()]


@dataclass
class GenerationStats:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class LLMGenerator:
    """Generates ``n`` items per category: positives per include, hard negatives per exclude."""

    def __init__(self, config: LLMConfig, policy: Policy, *, per_request: int = 5, negative_share: float = 0.3,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if per_request < 1 or not 0 <= negative_share <= 1:
            raise ConfigError("per_request must be >= 1 and negative_share within [0, 1]")
        self.config, self.policy, self.per_request = config, policy, per_request
        self.negative_share, self._sleep = negative_share, sleep
        self.policy_hash = policy.content_hash()
        self.stats = GenerationStats()
        self._client = openai.OpenAI(base_url=config.base_url, api_key=config.api_key,
                                     timeout=config.timeout_s, max_retries=0)

    def generate(self, categories: list[str], n: int, rng: random.Random) -> list[SyntheticItem]:
        unknown = [c for c in categories if c not in CATEGORIES]
        if unknown:
            raise ConfigError(f"unknown categories {unknown}; the taxonomy is {list(CATEGORIES)}")
        out: list[SyntheticItem] = []
        for cat in categories:
            cp = self.policy.categories[cat]
            n_neg = n if cat in NEVER_POSITIVE else round(n * self.negative_share)
            for positive, count, behaviours in ((True, n - n_neg, cp.includes), (False, n_neg, cp.excludes)):
                made = 0
                while made < count:
                    idx = rng.randrange(len(behaviours))
                    k = min(self.per_request, count - made)
                    texts = self._ask(build_messages(self.policy, cat, behaviours[idx], positive, k))
                    if texts is None:
                        made += k  # count the failed request so a dead server cannot loop forever
                        continue
                    for t in texts[:k]:
                        out.append(SyntheticItem(
                            text=t, labels=implied_labels(cat, positive), origin=f"llm:{self.config.model}",
                            meta={"category": cat, "kind": "positive" if positive else "negative",
                                  "behaviour": behaviours[idx], "policy_hash": self.policy_hash}))
                    made += k
        return out

    def _ask(self, messages: list[dict[str, str]]) -> list[str] | None:
        last = ""
        for attempt in range(1, self.config.max_attempts + 1):
            self.stats.requests += 1
            wait: float | None = None
            try:
                resp = self._client.chat.completions.create(
                    model=self.config.model, messages=messages, temperature=self.config.temperature,
                    max_tokens=self.config.max_tokens,
                    **({"response_format": {"type": "json_object"}} if self.config.json_mode else {}))
                if resp.usage:
                    self.stats.prompt_tokens += int(resp.usage.prompt_tokens or 0)
                    self.stats.completion_tokens += int(resp.usage.completion_tokens or 0)
                if not resp.choices:
                    raise ModelError("malformed reply: no choices", code="malformed_reply")
                return parse_examples(resp.choices[0].message.content)
            except (openai.APITimeoutError, openai.APIConnectionError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            except openai.APIStatusError as exc:
                if exc.status_code != 429 and exc.status_code < 500:
                    raise ModelError(f"{self.config.base_url} refused the request ({exc.status_code}): "
                                     f"{exc.message}", code="llm_request_refused") from exc
                last = f"HTTP {exc.status_code}"
                wait = _retry_after(exc.response)
            except ModelError as exc:
                last = exc.message
            log.info("generation attempt %d/%d failed: %s", attempt, self.config.max_attempts, last)
            if attempt < self.config.max_attempts:
                self._sleep(wait if wait is not None else
                            min(self.config.backoff_base_s * 2 ** (attempt - 1), self.config.backoff_max_s))
        self.stats.failures.append(last)
        return None

    def close(self) -> None:
        self._client.close()


def _retry_after(response) -> float | None:
    try:
        return float(response.headers.get("retry-after"))
    except (AttributeError, TypeError, ValueError):
        return None
