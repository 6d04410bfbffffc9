"""Batch scoring and usage analytics over files, on one machine or on Apache Spark.

``base`` holds the :class:`~flagstone.scale.base.Engine` interface and its registry; ``batch`` the one
scoring function both engines run per Arrow batch; ``usage`` the analytics SQL both engines run.
"""
