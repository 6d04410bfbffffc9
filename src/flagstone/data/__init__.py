"""Datasets, labels, snapshots and quality control; the Python API mirrors ``flagstone data``.

    CLI                          Python
    data import FILE ...         flagstone.data.importer.import_file(store, path, dataset, mapping)
    data snapshot DATASET        flagstone.data.snapshots.create_snapshot(store, dataset)
    data diff A B                flagstone.data.snapshots.diff_snapshots(table_a, table_b)
    data qc DATASET              flagstone.data.qc.report.run_qc(store, dataset) / write_report(...)
    data show [DATASET]          flagstone.data.explore.show_dataset / item_history / list_datasets
    data sample SNAPSHOT         flagstone.data.explore.sample_snapshot(store, ref, n)
    data query SQL               flagstone.data.explore.query(store, sql)
    data export SNAPSHOT         flagstone.data.explore.export_table(table, path)
    policy apply VERSION         flagstone.data.relabel.apply_policy(store, ref)

Label resolution lives in ``labels``; Arrow transformation primitives in ``transforms``;
MinHash LSH in ``minhash``. Submodules are imported on use (nothing heavy at package import).
"""
