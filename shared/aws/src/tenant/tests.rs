use super::*;

fn config() -> TenantConfig {
    TenantConfig::new("acme", "ar@acme.example", "Europe/Berlin", 9)
}

#[test]
fn a_plain_config_is_valid_and_uses_the_default_strategy() {
    let c = config();
    c.validate().unwrap();
    let s = c.strategy().unwrap();
    assert_eq!(
        (s.tenant.timezone.as_str(), s.tenant.send_hour),
        ("Europe/Berlin", 9)
    );
    assert_eq!(c.schedule_expression(), "cron(0 9 * * ? *)");
    assert_eq!(s.tenant.company.email.as_deref(), Some("ar@acme.example"));
}

#[test]
fn the_sender_name_and_address_are_split() {
    let mut c = config();
    c.sender = "\"Acme AR\" <ar@acme.example>".into();
    assert_eq!(c.sender_parts(), ("Acme AR", "ar@acme.example"));
    assert_eq!(c.strategy().unwrap().tenant.company.name, "Acme AR");
}

#[test]
fn each_bad_field_is_named() {
    type Breaker = fn(&mut TenantConfig);
    let cases: [(&str, Breaker); 7] = [
        ("time_zone", |c| c.time_zone = "Mars/Olympus".into()),
        ("send_hour", |c| c.send_hour = 24),
        ("sender", |c| c.sender = "nobody".into()),
        ("ledger_mapping", |c| {
            c.ledger_mapping.insert("invoice_number".into(), "X".into());
        }),
        ("strategy", |c| c.strategy = Some("not = [toml".into())),
        ("date_format", |c| c.date_format = Some("%Q/%d".into())),
        ("roles", |c| {
            c.roles.insert("ar_team".into(), "nobody".into());
        }),
    ];
    for (field, break_it) in cases {
        let mut c = config();
        break_it(&mut c);
        let err = c.validate().unwrap_err();
        assert_eq!(err.field, field, "{err}");
    }
}

#[test]
fn the_mapping_reaches_the_read_options() {
    let mut c = config();
    c.ledger_mapping
        .insert("invoice_id".into(), "InvoiceNo".into());
    c.date_format = Some("%m/%d/%Y".into());
    let (ledger, _) = c.read_options().unwrap();
    assert_eq!(ledger.mapping.source_for("invoice_id"), "InvoiceNo");
    assert_eq!(ledger.format.date_format.as_deref(), Some("%m/%d/%Y"));
}

/// The stored JSON of `config()` with `field` set to `value`, as an
/// operator editing the item by hand would leave it.
fn stored_with(field: &str, value: serde_json::Value) -> String {
    let mut doc = serde_json::to_value(config()).unwrap();
    doc[field] = value;
    doc.to_string()
}

fn read_error(json: &str) -> ConfigError {
    TenantConfig::from_stored("acme", json).unwrap_err()
}

#[test]
fn a_stored_ingest_mode_typo_is_an_error_naming_the_field_and_the_tenant() {
    let err = read_error(&stored_with("ingest_mode", "snapshto".into()));
    assert_eq!((err.tenant.as_str(), err.field), ("acme", "ingest_mode"));
    assert_eq!(
        err.to_string(),
        "tenant 'acme': ingest_mode: 'snapshto' is neither snapshot nor delta"
    );
}

#[test]
fn a_stored_unknown_time_zone_is_an_error_naming_the_field_and_the_tenant() {
    let err = read_error(&stored_with("time_zone", "Mars/Olympus".into()));
    assert_eq!((err.tenant.as_str(), err.field), ("acme", "time_zone"));
    assert_eq!(
        err.to_string(),
        "tenant 'acme': time_zone: 'Mars/Olympus' is not an IANA time zone"
    );
}

#[test]
fn every_bad_stored_field_is_named_on_read() {
    let cases = [
        ("send_hour", serde_json::json!("nine")),
        ("send_hour", serde_json::json!(24)),
        ("sender", serde_json::json!("nobody")),
        ("sender", serde_json::Value::Null),
        ("ingest_mode", serde_json::json!(1)),
        ("currency", serde_json::json!("EURO")),
        ("ledger_mapping", serde_json::json!({"invoice_number": "X"})),
        ("ledger_mapping", serde_json::json!(["invoice_id"])),
        ("strategy", serde_json::json!("not = [toml")),
        ("fan_out", serde_json::json!("yes")),
    ];
    for (field, value) in cases {
        let err = read_error(&stored_with(field, value.clone()));
        assert_eq!(err.field, field, "{field} = {value}: {err}");
        assert!(err.to_string().starts_with("tenant 'acme': "), "{err}");
    }
}

#[test]
fn an_unknown_stored_field_is_named_rather_than_ignored() {
    // A misspelt `ingest_mode` must not fall back to the default.
    let err = read_error(&stored_with("ingest_mod", "delta".into()));
    assert_eq!(err.field, "doc");
    assert!(err.message.contains("ingest_mod"), "{err}");
}

#[test]
fn a_stored_doc_naming_another_tenant_is_refused() {
    let err = TenantConfig::from_stored("beta", &stored_with("fan_out", true.into()));
    let err = err.unwrap_err();
    assert_eq!((err.tenant.as_str(), err.field), ("beta", "tenant"));
}

#[test]
fn a_full_config_reads_back_as_written() {
    let mut c = config();
    c.sender = "Acme AR <ar@acme.example>".into();
    c.portal_url = "https://pay.acme.example".into();
    c.strategy = Some(arflow_domain::strategy::DEFAULT_STRATEGY.to_string());
    c.ledger_mapping
        .insert("invoice_id".into(), "InvoiceNo".into());
    c.customer_mapping
        .insert("customer_id".into(), "Cust".into());
    c.date_format = Some("%m/%d/%Y".into());
    c.currency = Some("EUR".into());
    c.ingest_mode = IngestMode::Delta;
    c.roles.insert("ar_team".into(), "team@acme.example".into());
    c.fan_out = true;
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains(r#""ingest_mode":"delta""#), "{json}");
    assert_eq!(TenantConfig::from_stored("acme", &json), Ok(c));
}

#[test]
fn an_item_written_before_the_optional_fields_reads_with_their_defaults() {
    let json = r#"{"tenant":"acme","sender":"ar@acme.example","time_zone":"UTC","send_hour":9,"strategy":null}"#;
    let c = TenantConfig::from_stored("acme", json).unwrap();
    assert_eq!(c, TenantConfig::new("acme", "ar@acme.example", "UTC", 9));
    assert_eq!(c.ingest_mode, IngestMode::Snapshot);
}
