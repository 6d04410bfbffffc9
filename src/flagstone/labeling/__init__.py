"""Labeling: people in a web UI, an LLM labeling from the written policy, and agreement between them.

* :mod:`~flagstone.labeling.prompt` builds the prompt from the policy and parses replies;
* :mod:`~flagstone.labeling.llm` labels texts through any OpenAI-compatible chat-completions server;
* :mod:`~flagstone.labeling.cache` caches replies by policy hash, model and text hash;
* :mod:`~flagstone.labeling.stub_server` is the shipped test double: a real loopback HTTP server;
* :mod:`~flagstone.labeling.agreement` compares LLM and human labels per category;
* :mod:`~flagstone.labeling.ui` serves the annotators' pages under ``/ui`` (and the admins' gold page).
"""

from flagstone.labeling.base import Decision, LabelOutcome

__all__ = ["Decision", "LabelOutcome"]
