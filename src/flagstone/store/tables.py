"""The metadata schema: policies, items, labels, annotators, imports, snapshots and queues.

Plain SQLAlchemy Core tables (bulk import and reads stay on Core; nothing here needs an ORM).
The migration scripts in ``migrations/versions`` create exactly these tables; a test compares them.

    policy_versions  one row per immutable policy file, keyed by content hash
    store_state      key/value: which policy version is current
    datasets         named collections of items
    items            texts keyed by ``text_key`` (hash of the normalised text)
    dataset_items    membership of an item in a dataset, with its source id and metadata
    annotators       who labels: a person, a model version, or an import source
    labels           one row per (item, category, annotator) judgement, never updated in place
    imports          one row per imported file (file hash + mapping hash), for idempotence
    snapshots        immutable Parquet snapshots, keyed by content hash
    label_queue      work for the labeling UI: relabel, active learning, red team, validation refresh
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

ANNOTATOR_KINDS = ("person", "model", "import")
QUEUE_REASONS = ("relabel", "active_learning", "redteam", "validation_refresh")
QUEUE_STATUSES = ("pending", "done", "skipped")

policy_versions = Table(
    "policy_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("hash", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("version", String(200), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON of the policy
    Column("category_hashes", Text, nullable=False),  # JSON {category: sha256 of its section}
    Column("source", String(500), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

store_state = Table(
    "store_state", metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

datasets = Table(
    "datasets", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

items = Table(
    "items", metadata,
    Column("key", String(64), primary_key=True),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

dataset_items = Table(
    "dataset_items", metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("item_key", String(64), ForeignKey("items.key"), primary_key=True),
    Column("source_id", String(500), nullable=True),
    Column("meta", Text, nullable=True),  # JSON object of the mapped metadata columns
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=True),
)

annotators = Table(
    "annotators", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(300), nullable=False),
    Column("is_expert", Boolean, nullable=False, default=False),
    UniqueConstraint("kind", "name", name="uq_annotators_kind_name"),
)

labels = Table(
    "labels", metadata,
    Column("id", Integer, primary_key=True),
    Column("item_key", String(64), ForeignKey("items.key"), nullable=False),
    Column("category", String(50), nullable=False),
    Column("value", SmallInteger, nullable=False),
    Column("annotator_id", Integer, ForeignKey("annotators.id"), nullable=False),
    Column("policy_version_id", Integer, ForeignKey("policy_versions.id"), nullable=False),
    Column("score", Float, nullable=True),  # a model's probability, when the annotator is a model
    Column("is_pseudo", Boolean, nullable=False, default=False),
    # Import labels carry a stable reference so that re-importing inserts nothing new.
    Column("source_ref", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("annotator_id", "source_ref", name="uq_labels_annotator_source_ref"),
    Index("ix_labels_item_category", "item_key", "category"),
)

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("mapping_hash", String(64), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_accepted", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "file_hash", "mapping_hash", name="uq_imports_dataset_file_mapping"),
)

snapshots = Table(
    "snapshots", metadata,
    Column("id", String(64), primary_key=True),  # sha256 of the Parquet file
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("policy_version_id", Integer, ForeignKey("policy_versions.id"), nullable=False),
    Column("path", String(1000), nullable=False),
    Column("n_items", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

label_queue = Table(
    "label_queue", metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", String(100), nullable=False),
    Column("item_key", String(64), ForeignKey("items.key"), nullable=False),
    Column("category", String(50), nullable=True),
    Column("reason", String(30), nullable=False),
    Column("priority", Float, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),
    Column("policy_version_id", Integer, ForeignKey("policy_versions.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_label_queue_queue_status_priority", "queue", "status", "priority"),
)
