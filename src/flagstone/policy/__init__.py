"""The written content policy: the single source of truth for people, models and LLM labelers."""

from flagstone.policy.loader import load_default_policy, load_policy, parse_policy
from flagstone.policy.schema import CategoryPolicy, Policy
from flagstone.policy.taxonomy import CATEGORIES, OPENAI_SHORT_KEYS

__all__ = [
    "CATEGORIES",
    "OPENAI_SHORT_KEYS",
    "CategoryPolicy",
    "Policy",
    "load_default_policy",
    "load_policy",
    "parse_policy",
]
