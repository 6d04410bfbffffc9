"""A live OpenAI-compatible moderation endpoint as a red-team target.

:class:`EndpointTarget` posts the texts to ``<base>/v1/moderations`` (a running ``flagstone serve``,
OpenAI's API, or anything that speaks the same schema) in batches, and reads each result's
``category_scores`` and ``categories``: an input counts as flagged for a category when the endpoint
says so, so the attack is measured against the service as deployed, its thresholds and defences
included. Rate limits (429) and brief outages (502-504) are retried with backoff (``Retry-After``
honoured); other errors are translated to :mod:`flagstone.errors` at this boundary.
"""

from __future__ import annotations

import logging
import time

import httpx
import numpy as np

from flagstone.errors import AuthenticationError, InvalidRequestError, ServiceUnavailableError
from flagstone.policy.taxonomy import CATEGORIES

log = logging.getLogger(__name__)
RETRY_STATUS = (429, 502, 503, 504)


def moderations_url(target: str) -> str:
    """``http://host:8000``, ``.../v1`` or ``.../v1/moderations`` all name the same endpoint."""
    url = target.rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidRequestError(f"--target must be an http(s) URL, not {target!r}", param="target")
    if url.endswith("/v1/moderations"):
        return url
    return url + ("/moderations" if url.endswith("/v1") else "/v1/moderations")


class EndpointTarget:
    def __init__(self, target: str, *, api_key: str | None = None, model: str | None = None,
                 batch_size: int = 32, timeout: float = 60.0, retries: int = 5,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url, self.model, self.batch_size, self.retries = moderations_url(target), model, batch_size, retries
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=timeout, transport=transport)
        self._served: str | None = None  # the model name the endpoint reports

    @property
    def name(self) -> str:
        return f"{self._served or self.model or 'endpoint'} at {self.url}"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EndpointTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def score(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        scores = np.zeros((len(texts), len(CATEGORIES)))
        flagged = np.zeros((len(texts), len(CATEGORIES)), dtype=bool)
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            results = self._post(batch)
            for i, res in enumerate(results):
                cs, cats = res.get("category_scores") or {}, res.get("categories") or {}
                for j, c in enumerate(CATEGORIES):  # a category the endpoint does not report stays 0 / unflagged
                    scores[start + i, j] = float(cs.get(c) or 0.0)
                    flagged[start + i, j] = bool(cats.get(c))
        return scores, flagged

    def _post(self, batch: list[str]) -> list[dict]:
        body: dict = {"input": batch}
        if self.model:
            body["model"] = self.model
        for attempt in range(self.retries + 1):
            try:
                resp = self._client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                if attempt < self.retries and isinstance(exc, httpx.TransportError):
                    time.sleep(min(2 ** attempt * 0.5, 10))
                    continue
                raise ServiceUnavailableError(f"cannot reach {self.url}: {exc}") from exc
            if resp.status_code in RETRY_STATUS and attempt < self.retries:
                wait = _retry_after(resp) or min(2 ** attempt * 0.5, 10)
                log.info("%s answered %d; retrying in %.1f s", self.url, resp.status_code, wait)
                time.sleep(wait)
                continue
            return self._results(resp, len(batch))
        raise AssertionError("unreachable")  # pragma: no cover

    def _results(self, resp: httpx.Response, n: int) -> list[dict]:
        if resp.status_code == 401:
            raise AuthenticationError(f"{self.url} refused the request (401): pass --api-key")
        if resp.status_code != 200:
            raise (InvalidRequestError if 400 <= resp.status_code < 500 else ServiceUnavailableError)(
                f"{self.url} answered {resp.status_code}: {_message(resp)}")
        try:
            data = resp.json()
            results = data["results"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ServiceUnavailableError(f"{self.url} did not answer with a moderation response: {exc}") from exc
        if not isinstance(results, list) or len(results) != n:
            raise ServiceUnavailableError(f"{self.url} answered {len(results) if isinstance(results, list) else 'no'} "
                                          f"results for {n} inputs")
        self._served = str(data.get("model") or self._served or "")
        return results


def _retry_after(resp: httpx.Response) -> float | None:
    try:
        return min(float(resp.headers.get("retry-after", "")), 30.0)
    except ValueError:
        return None


def _message(resp: httpx.Response) -> str:
    try:
        return str(resp.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return resp.text[:200]
