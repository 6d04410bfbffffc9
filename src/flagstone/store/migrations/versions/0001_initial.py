"""Initial schema: policies, items, labels, annotators, imports, snapshots, label queue.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("category_hashes", sa.Text, nullable=False),
        sa.Column("source", sa.String(500), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_versions"),
        sa.UniqueConstraint("hash", name="uq_policy_versions_hash"),
    )
    op.create_table(
        "store_state",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_store_state"),
    )
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_datasets"),
        sa.UniqueConstraint("name", name="uq_datasets_name"),
    )
    op.create_table(
        "items",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_items"),
    )
    op.create_table(
        "annotators",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("is_expert", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_annotators"),
        sa.UniqueConstraint("kind", "name", name="uq_annotators_kind_name"),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("mapping_hash", sa.String(64), nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=False),
        sa.Column("rows_accepted", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_imports"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_imports_dataset_id_datasets"),
        sa.UniqueConstraint("dataset_id", "file_hash", "mapping_hash", name="uq_imports_dataset_file_mapping"),
    )
    op.create_table(
        "dataset_items",
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("source_id", sa.String(500), nullable=True),
        sa.Column("meta", sa.Text, nullable=True),
        sa.Column("import_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("dataset_id", "item_key", name="pk_dataset_items"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_dataset_items_dataset_id_datasets"),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_dataset_items_item_key_items"),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name="fk_dataset_items_import_id_imports"),
    )
    op.create_table(
        "labels",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("value", sa.SmallInteger, nullable=False),
        sa.Column("annotator_id", sa.Integer, nullable=False),
        sa.Column("policy_version_id", sa.Integer, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("is_pseudo", sa.Boolean, nullable=False),
        sa.Column("source_ref", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_labels"),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_labels_item_key_items"),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotators.id"], name="fk_labels_annotator_id_annotators"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_labels_policy_version_id_policy_versions"),
        sa.UniqueConstraint("annotator_id", "source_ref", name="uq_labels_annotator_source_ref"),
    )
    op.create_index("ix_labels_item_category", "labels", ["item_key", "category"])
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("dataset_id", sa.Integer, nullable=False),
        sa.Column("policy_version_id", sa.Integer, nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("n_items", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], name="fk_snapshots_dataset_id_datasets"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_snapshots_policy_version_id_policy_versions"),
    )
    op.create_table(
        "label_queue",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("queue", sa.String(100), nullable=False),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("category", sa.String(50), nullable=True),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("priority", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("policy_version_id", sa.Integer, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_label_queue"),
        sa.ForeignKeyConstraint(["item_key"], ["items.key"], name="fk_label_queue_item_key_items"),
        sa.ForeignKeyConstraint(["policy_version_id"], ["policy_versions.id"],
                                name="fk_label_queue_policy_version_id_policy_versions"),
    )
    op.create_index("ix_label_queue_queue_status_priority", "label_queue", ["queue", "status", "priority"])


def downgrade() -> None:
    op.drop_index("ix_label_queue_queue_status_priority", table_name="label_queue")
    op.drop_table("label_queue")
    op.drop_table("snapshots")
    op.drop_index("ix_labels_item_category", table_name="labels")
    op.drop_table("labels")
    op.drop_table("dataset_items")
    op.drop_table("imports")
    op.drop_table("annotators")
    op.drop_table("items")
    op.drop_table("datasets")
    op.drop_table("store_state")
    op.drop_table("policy_versions")
