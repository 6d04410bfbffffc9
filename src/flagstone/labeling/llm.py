"""Label texts through any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp, OpenAI).

Each text gets one request built from the policy (:mod:`flagstone.labeling.prompt`). Per request:
a timeout; retries with exponential backoff on 429 (honouring ``Retry-After``), 5xx, timeouts and
connection errors; malformed replies are retried too and then recorded as failures, never as labels.
Other 4xx replies (bad model name, bad key) fail at once: retrying cannot fix them. A thread pool
bounds the number of requests in flight. Successful labels are cached by policy hash, model and text
hash; token counts from ``usage`` are summed over attempts.

The ``openai`` SDK's own retries are switched off so that this module owns the policy and can
count attempts; its exceptions are translated here, at the boundary.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import openai

from flagstone.errors import ModelError
from flagstone.labeling.base import LabelOutcome
from flagstone.labeling.cache import LabelCache, cache_key
from flagstone.labeling.prompt import PROMPT_VERSION, build_messages, parse_reply
from flagstone.policy.schema import Policy
from flagstone.text.normalize import text_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LLMConfig:
    model: str
    base_url: str
    api_key: str = "not-needed"  # local servers ignore it; OpenAI needs a real one
    timeout_s: float = 60.0
    max_attempts: int = 4  # first try included
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    concurrency: int = 4
    temperature: float = 0.0
    json_mode: bool = True  # send response_format={"type": "json_object"}
    max_tokens: int = 1500

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.concurrency < 1 or self.timeout_s <= 0:
            raise ValueError("max_attempts and concurrency must be >= 1 and timeout_s > 0")


class _Retryable(Exception):
    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.wait_s = reason, wait_s


class LLMLabeler:
    """Labels texts under ``policy`` with ``config.model``; annotator name ``llm:<model>``."""

    def __init__(self, config: LLMConfig, policy: Policy, *, cache: LabelCache | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config, self.policy, self.cache, self._sleep = config, policy, cache, sleep
        self.policy_version = policy.content_hash()
        self.annotator = f"llm:{config.model}"
        self._client = openai.OpenAI(base_url=config.base_url, api_key=config.api_key,
                                     timeout=config.timeout_s, max_retries=0)

    def label(self, texts: Sequence[str]) -> list[LabelOutcome]:
        """One outcome per text, in order; failures are outcomes with ``error`` set."""
        if not texts:
            return []
        with ThreadPoolExecutor(max_workers=min(self.config.concurrency, len(texts))) as pool:
            return list(pool.map(self.label_one, texts))

    def label_one(self, text: str) -> LabelOutcome:
        key = text_key(text)
        ck = cache_key(self.policy_version, self.config.model, PROMPT_VERSION, key)
        if self.cache is not None and (hit := self.cache.get(ck)) is not None:
            decisions, pt, ct = hit
            return self._outcome(key, decisions=decisions, prompt_tokens=pt, completion_tokens=ct, cached=True)
        messages = build_messages(self.policy, text)
        pt = ct = 0
        last = "no attempt made"
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                content, usage = self._request(messages)
                pt, ct = pt + usage[0], ct + usage[1]
                decisions = parse_reply(content, self.policy)
            except _Retryable as exc:
                last = exc.reason
                wait = exc.wait_s
            except ModelError as exc:
                if exc.code != "malformed_reply":
                    return self._outcome(key, error=exc.message, attempts=attempt, prompt_tokens=pt,
                                         completion_tokens=ct)
                last, wait = exc.message, None
            else:
                if self.cache is not None:
                    self.cache.put(ck, decisions, pt, ct)
                return self._outcome(key, decisions=decisions, attempts=attempt, prompt_tokens=pt,
                                     completion_tokens=ct)
            log.info("attempt %d/%d for %s failed: %s", attempt, self.config.max_attempts, key[:12], last)
            if attempt < self.config.max_attempts:
                self._sleep(self._backoff(attempt, wait))
        return self._outcome(key, error=f"gave up after {self.config.max_attempts} attempts: {last}",
                             attempts=self.config.max_attempts, prompt_tokens=pt, completion_tokens=ct)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.config.backoff_max_s)
        return min(self.config.backoff_base_s * 2 ** (attempt - 1), self.config.backoff_max_s)

    def _request(self, messages: list[dict[str, str]]) -> tuple[str | None, tuple[int, int]]:
        kwargs: dict = {"model": self.config.model, "messages": messages,
                        "temperature": self.config.temperature, "max_tokens": self.config.max_tokens}
        if self.config.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            resp = self._client.chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise _Retryable(f"timed out after {self.config.timeout_s}s") from exc
        except openai.APIConnectionError as exc:
            raise _Retryable(f"connection failed: {exc}") from exc
        except openai.APIStatusError as exc:
            status = exc.status_code
            if status == 429:
                raise _Retryable("rate limited (429)", _retry_after(exc.response)) from exc
            if status >= 500:
                raise _Retryable(f"server error ({status})") from exc
            raise ModelError(f"{self.config.base_url} refused the request ({status}): {exc.message}",
                             code="llm_request_refused") from exc
        except openai.APIError as exc:  # e.g. a body that is not a chat completion at all
            raise ModelError(f"malformed reply: {exc}", code="malformed_reply") from exc
        if not resp.choices:
            raise ModelError("malformed reply: no choices", code="malformed_reply")
        usage = resp.usage
        tokens = (int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)) if usage else (0, 0)
        return resp.choices[0].message.content, tokens

    def _outcome(self, key: str, **kw) -> LabelOutcome:
        return LabelOutcome(text_key=key, annotator=self.annotator, policy_version=self.policy_version, **kw)

    def close(self) -> None:
        self._client.close()


def _retry_after(response) -> float | None:
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to exponential backoff
