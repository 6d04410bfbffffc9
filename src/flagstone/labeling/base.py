"""The result every labeler returns: one :class:`LabelOutcome` per text, a label or a recorded failure.

A failure is never a label: ``decisions`` is empty when ``ok`` is false, so nothing downstream can
mistake a malformed reply for "no category applies".
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """One category's decision and the labeler's short reason for it."""

    value: bool
    rationale: str = ""


@dataclass(frozen=True)
class LabelOutcome:
    text_key: str  # flagstone.text.normalize.text_key of the text
    annotator: str  # e.g. "llm:qwen2.5-7b-instruct" or "human:alice"
    policy_version: str  # content hash of the policy the label was made under
    decisions: dict[str, Decision] = field(default_factory=dict)
    error: str | None = None  # set on failure; decisions is then empty
    attempts: int = 1
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False

    def __post_init__(self) -> None:
        if self.error is not None and self.decisions:
            raise ValueError("a failed outcome carries no decisions")
        if self.error is None and not self.decisions:
            raise ValueError("a successful outcome needs decisions")

    @property
    def ok(self) -> bool:
        return self.error is None

    def positives(self) -> list[str]:
        return [c for c, d in self.decisions.items() if d.value]
