//! Tests for the .eml outbox, checked against Python's `email` parser.

use std::process::Command;

use chrono::DateTime;

use super::*;

fn message(action_id: &str, subject: &str) -> EmailMessage {
    EmailMessage {
        action_id: action_id.to_string(),
        from: "Müller & Söhne Forderungen <ar@mueller.example>".to_string(),
        to: vec![
            "Kunde GmbH <ap@kunde.example>".to_string(),
            "cfo@kunde.example".to_string(),
        ],
        subject: subject.to_string(),
        text: format!(
            "Sehr geehrte Damen und Herren,\n\nRechnung INV-7 über 1.234,50 € ist fällig.\n\
             Trailing space here \n{}\nA=B and tabs\tinside.\n",
            "Lange Zeile ".repeat(20)
        ),
        html: "<p>Rechnung <b>INV-7</b> &uuml;ber 1.234,50&nbsp;€ – fällig.</p>\n<p style=\"color:red\">x</p>"
            .to_string(),
        date: DateTime::parse_from_rfc3339("2024-04-02T09:00:00+02:00").unwrap(),
    }
}

/// Parses `path` with Python's `email` package (policy=default) and returns
/// what it saw as JSON.
fn parse_with_python(path: &Path) -> serde_json::Value {
    let script = r#"
import email, email.policy, json, sys
raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
parts = [p for p in msg.iter_parts()]
defects = list(msg.defects) + [d for p in parts for d in p.defects]
print(json.dumps({
    'subject': str(msg['Subject']),
    'from': str(msg['From']),
    'from_addr': msg['From'].addresses[0].addr_spec,
    'to': [a.addr_spec for a in msg['To'].addresses],
    'date': str(msg['Date']),
    'message_id': str(msg['Message-ID']),
    'mime_version': str(msg['MIME-Version']),
    'content_type': msg.get_content_type(),
    'parts': [p.get_content_type() for p in parts],
    'plain': msg.get_body(preferencelist=('plain',)).get_content().replace('\r\n', '\n'),
    'html': msg.get_body(preferencelist=('html',)).get_content().replace('\r\n', '\n'),
    'defects': [type(d).__name__ for d in defects],
}))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 is needed to check the .eml output");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn eml_is_valid_mime_with_text_and_html_parts_and_a_non_ascii_subject() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path().join("outbox"));
    let msg = message("a1b2c3", "Zahlungserinnerung – Rechnung fällig");
    let path = outbox.write_email(&msg).unwrap();
    assert_eq!(path, dir.path().join("outbox").join("a1b2c3.eml"));
    let seen = parse_with_python(&path);
    assert_eq!(seen["subject"], "Zahlungserinnerung – Rechnung fällig");
    assert_eq!(
        seen["from"],
        "Müller & Söhne Forderungen <ar@mueller.example>"
    );
    assert_eq!(seen["from_addr"], "ar@mueller.example");
    assert_eq!(
        seen["to"],
        serde_json::json!(["ap@kunde.example", "cfo@kunde.example"])
    );
    assert_eq!(seen["date"], "Tue, 02 Apr 2024 09:00:00 +0200");
    assert_eq!(seen["message_id"], "<arflow.a1b2c3@mueller.example>");
    assert_eq!(seen["mime_version"], "1.0");
    assert_eq!(seen["content_type"], "multipart/alternative");
    assert_eq!(
        seen["parts"],
        serde_json::json!(["text/plain", "text/html"])
    );
    assert_eq!(seen["plain"], msg.text.as_str());
    assert_eq!(
        seen["html"],
        format!("{}\n", msg.html).trim_end_matches('\n')
    );
    assert_eq!(seen["defects"], serde_json::json!([]));
}

#[test]
fn long_subjects_both_ascii_and_not_survive_folding() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let ascii =
        "Reminder: invoices INV-1001, INV-1002, INV-1003, INV-1004 and INV-1005 are now overdue";
    let german = "Letzte Mahnung – Rechnungen über insgesamt 12.345,67 € sind seit 91 Tagen überfällig; Übergabe an Inkasso droht";
    for (id, subject) in [("ascii", ascii), ("german", german)] {
        let path = outbox.write_email(&message(id, subject)).unwrap();
        let seen = parse_with_python(&path);
        assert_eq!(seen["subject"], subject);
        assert_eq!(seen["defects"], serde_json::json!([]));
    }
}

#[test]
fn every_line_ends_in_crlf_and_stays_within_76_characters() {
    let mut msg = message("x", "Zahlungserinnerung – Rechnung fällig");
    msg.text.push_str(&"ü".repeat(200));
    msg.html = "<td>".repeat(100);
    let raw = String::from_utf8(render_eml(&msg).unwrap()).unwrap();
    assert!(raw.ends_with("\r\n"));
    for line in raw.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line end in {line:?}"
        );
        assert!(line.len() <= 76, "line of {} chars: {line:?}", line.len());
        assert!(line.is_ascii(), "non-ASCII line {line:?}");
    }
}

#[test]
fn writing_the_same_action_id_twice_keeps_the_first_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let first = outbox.write_email(&message("act-1", "First")).unwrap();
    let before = fs::read(&first).unwrap();
    assert!(outbox.contains("act-1"));
    let second = outbox.write_email(&message("act-1", "Second")).unwrap();
    assert_eq!(first, second);
    assert_eq!(fs::read(&second).unwrap(), before);
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["act-1.eml".to_string()]);
}

#[test]
fn the_date_header_comes_from_the_message_not_the_clock() {
    let mut msg = message("d", "Hello");
    msg.date = DateTime::parse_from_rfc3339("1999-12-31T23:59:59-05:00").unwrap();
    let raw = String::from_utf8(render_eml(&msg).unwrap()).unwrap();
    assert!(
        raw.contains("\r\nDate: Fri, 31 Dec 1999 23:59:59 -0500\r\n"),
        "{raw}"
    );
    assert_eq!(render_eml(&msg).unwrap(), render_eml(&msg).unwrap());
}

#[test]
fn action_ids_map_to_distinct_safe_file_names() {
    let outbox = Outbox::new("/tmp/o");
    assert_eq!(outbox.path_for("a/b"), Path::new("/tmp/o/a%2Fb.eml"));
    assert_ne!(outbox.path_for("a/b"), outbox.path_for("a%2Fb"));
    assert_eq!(outbox.path_for("../x"), Path::new("/tmp/o/%2E%2E%2Fx.eml"));
}

#[test]
fn header_injection_and_bad_addresses_are_refused() {
    let mut msg = message("h", "Hi");
    msg.to = vec!["a@b.example\r\nBcc: evil@x.example".to_string()];
    assert_eq!(
        render_eml(&msg).unwrap_err().kind(),
        io::ErrorKind::InvalidInput
    );
    msg.to = vec!["not an address".to_string()];
    assert!(render_eml(&msg).is_err());
    msg.to = vec![];
    assert!(render_eml(&msg).is_err());
    let mut msg = message("h", "Line one\r\nBcc: evil@x.example");
    msg.to = vec!["a@b.example".to_string()];
    let raw = String::from_utf8(render_eml(&msg).unwrap()).unwrap();
    assert!(raw.contains("\r\nSubject: Line one Bcc: evil@x.example\r\n"));
}

#[test]
fn quoted_printable_encodes_equals_trailing_space_and_non_ascii() {
    assert_eq!(quoted_printable("a=b \nü\n"), "a=3Db=20\r\n=C3=BC\r\n");
    assert_eq!(quoted_printable("no newline"), "no newline=\r\n");
    let long = quoted_printable(&"x".repeat(100));
    assert_eq!(
        long,
        format!("{}=\r\n{}=\r\n", "x".repeat(75), "x".repeat(25))
    );
}

#[test]
fn text_messages_are_written_once_per_action_id() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(dir.path());
    let mut msg = TextMessage {
        action_id: "t1".into(),
        channel: arflow_domain::ledger::Channel::Sms,
        to: vec!["+49 89 123456".into()],
        body: "Rechnung INV-7 ist fällig.\n".into(),
        date: DateTime::parse_from_rfc3339("2024-04-02T09:00:00+02:00").unwrap(),
    };
    let path = outbox.write_text(&msg).unwrap();
    assert_eq!(path, dir.path().join("t1.sms.txt"));
    let first = fs::read_to_string(&path).unwrap();
    assert_eq!(
        first,
        "To: +49 89 123456\nDate: 2024-04-02T09:00:00+02:00\n\nRechnung INV-7 ist fällig.\n"
    );
    msg.body = "changed".into();
    assert_eq!(outbox.write_text(&msg).unwrap(), path);
    assert_eq!(fs::read_to_string(&path).unwrap(), first);
}
