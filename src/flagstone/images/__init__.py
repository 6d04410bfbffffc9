"""Image input for moderation: decode, fetch safely, score with an image model, combine with text.

Modules: ``base`` (the :class:`ImageModerator` interface and its registry), ``decode`` (data: URLs
and bytes to RGB, with bomb and truncation guards), ``fetch`` (remote URLs: allow-list, public
addresses only, redirects re-checked, size cap, timeout), ``combine`` (text + image scores per
category, by maximum), ``nudenet_model`` (the offline NudeNet detector, optional ``images`` extra,
AGPL-3.0 licence text), ``fakes`` (null and colour-reading models for tests).
"""
