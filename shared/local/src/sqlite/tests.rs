use super::*;

#[test]
fn sqlite_store_keeps_the_store_contract() {
    arflow_app::contract::run_store_contract(|| SqliteStore::open_in_memory().unwrap());
}

#[test]
fn a_file_store_keeps_its_data_across_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arflow.db");
    let mut store = SqliteStore::open(&path).unwrap();
    store.mark_ingested("t", "k", "d").unwrap();
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert!(store.is_ingested("t", "k", "d").unwrap());
    assert_eq!(store.row_counts("t").unwrap().ingested_objects, 1);
}

#[test]
fn a_store_from_a_newer_arflow_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("arflow.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", schema::SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
    assert!(err.to_string().contains("upgrade arflow"), "{err}");
}

#[test]
fn a_customers_invoices_are_read_through_the_customer_index() {
    let store = SqliteStore::open_in_memory().unwrap();
    let plan: Vec<String> = store
        .conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN SELECT {} FROM invoices INDEXED BY invoices_by_customer
             WHERE tenant = ?1 AND customer_id = ?2 ORDER BY invoice_id",
            codec::INVOICE_COLUMNS
        ))
        .unwrap()
        .query_map(["t", "c"], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter().any(|p| p.contains("invoices_by_customer")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
}

#[test]
fn past_date_reads_use_the_history_key_without_sorting() {
    let store = SqliteStore::open_in_memory().unwrap();
    let plan: Vec<String> = store
        .conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN SELECT {} FROM invoice_history
             WHERE tenant = ?1 AND (effective_date IS NULL OR effective_date <= ?2)
             ORDER BY invoice_id, seq DESC",
            codec::INVOICE_COLUMNS
        ))
        .unwrap()
        .query_map(["t", "2024-01-01"], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!plan.iter().any(|p| p.contains("TEMP B-TREE")), "{plan:?}");
}

#[test]
fn an_unknown_stored_kind_or_channel_reads_back_as_corrupt() {
    let store = SqliteStore::open_in_memory().unwrap();
    store
        .conn
        .execute(
            "INSERT INTO tasks (tenant, task_id, customer_id, invoice_ids, kind, assignee, title,
             body, due_on, status, outcome)
             VALUES ('t', 'T1', 'C1', '[]', 'carrier_pigeon', 'ar_manager', 'x', 'y',
             '2024-03-01', 'open', NULL)",
            [],
        )
        .unwrap();
    let err = store.tasks("t").unwrap_err();
    match &err {
        StoreError::Corrupt { what, detail } => {
            assert_eq!(what, "task 'T1'");
            assert_eq!(detail, "kind 'carrier_pigeon'");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }

    // A kind in another spelling, and a channel alias the CSV reader would
    // accept: a store holds neither, so neither is read as something else.
    for (id, kind, channel, bad) in [
        ("S1", "Email", Some("email"), "kind 'Email'"),
        ("S2", "email", Some("mail"), "channel 'mail'"),
    ] {
        let store = SqliteStore::open_in_memory().unwrap();
        store
            .conn
            .execute(
                "INSERT INTO sent_log (tenant, action_id, customer_id, invoice_ids, rule, kind,
                 channel, sent_on)
                 VALUES ('t', ?1, 'C1', '[]', 'reminder:due_today', ?2, ?3, '2024-03-01')",
                params![id, kind, channel],
            )
            .unwrap();
        let err = store.sent_log("t").unwrap_err();
        match &err {
            StoreError::Corrupt { what, detail } => {
                assert_eq!(what, &format!("sent record '{id}'"));
                assert_eq!(detail, bad);
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
}
