use arflow_domain::ledger::{Invoice, InvoiceStatus};
use arflow_domain::money::Currency;

use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn invoice(id: &str, amount: i64, currency: Currency) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: "C1".into(),
        invoice_date: d("2024-01-01"),
        due_date: d("2024-01-31"),
        amount,
        currency,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn inst(date: &str, amount: i64) -> Instalment {
    Instalment {
        due_date: d(date),
        amount,
    }
}

fn request<'a>(
    invoices: &'a [&'a Invoice],
    instalments: Vec<Instalment>,
    existing: &'a [PaymentPlan],
) -> Result<PaymentPlan, PlanError> {
    PaymentPlan::request(PlanRequest {
        id: "PP-1".into(),
        customer_id: "C1",
        invoices,
        instalments,
        existing,
        today: d("2024-02-01"),
        now: 7,
    })
}

#[test]
fn plan_over_two_invoices_is_requested_when_instalments_sum_to_the_outstanding() {
    let a = invoice("INV-2", 100_000, Currency::USD);
    let b = invoice("INV-1", 25_000, Currency::USD);
    let p = request(
        &[&a, &b],
        vec![inst("2024-02-15", 50_000), inst("2024-03-15", 75_000)],
        &[],
    )
    .unwrap();
    assert_eq!(p.state, PlanState::Requested);
    assert_eq!(p.invoice_ids, ["INV-1", "INV-2"], "sorted");
    let twice = request(
        &[&a, &b, &a],
        vec![inst("2024-02-15", 50_000), inst("2024-03-15", 75_000)],
        &[],
    )
    .unwrap();
    assert_eq!(twice.total, 125_000, "an invoice named twice counts once");
    assert_eq!((p.total, p.currency.as_str()), (125_000, "USD"));
    assert_eq!((p.requested_at, p.updated_at), (7, 7));
}

#[test]
fn plan_whose_instalments_do_not_add_up_is_refused_with_both_sums() {
    let a = invoice("INV-1", 125_000, Currency::USD);
    let e = request(
        &[&a],
        vec![inst("2024-02-15", 50_000), inst("2024-03-15", 50_000)],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the instalments add up to 1,000.00 USD but the outstanding is 1,250.00 USD; they must match exactly"
    );
}

#[test]
fn plan_requests_with_bad_counts_dates_amounts_or_invoices_are_refused() {
    let a = invoice("INV-1", 1_000, Currency::USD);
    let eur = invoice("INV-E", 1_000, Currency::EUR);
    let mut paid = invoice("INV-P", 1_000, Currency::USD);
    paid.paid_amount = 1_000;
    paid.paid_date = Some(d("2024-01-20"));
    let two = || vec![inst("2024-02-10", 500), inst("2024-03-10", 500)];
    assert_eq!(request(&[], two(), &[]), Err(PlanError::NoInvoices));
    assert_eq!(
        request(&[&a], vec![inst("2024-02-10", 1_000)], &[]),
        Err(PlanError::InstalmentCount(1))
    );
    assert_eq!(
        request(&[&a], vec![inst("2024-02-10", 1_000); 13], &[]),
        Err(PlanError::InstalmentCount(13))
    );
    assert_eq!(
        request(
            &[&a],
            vec![inst("2024-02-10", 1_001), inst("2024-03-10", -1)],
            &[]
        ),
        Err(PlanError::NotPositive(2))
    );
    assert!(matches!(
        request(
            &[&a],
            vec![inst("2024-01-31", 500), inst("2024-03-10", 500)],
            &[]
        ),
        Err(PlanError::DateOutOfRange(1, _, _))
    ));
    assert!(matches!(
        request(
            &[&a],
            vec![inst("2024-02-10", 500), inst("2025-03-10", 500)],
            &[]
        ),
        Err(PlanError::DateOutOfRange(2, _, _))
    ));
    assert_eq!(
        request(
            &[&a],
            vec![inst("2024-03-10", 500), inst("2024-03-10", 500)],
            &[]
        ),
        Err(PlanError::DatesNotIncreasing(2))
    );
    assert!(matches!(
        request(&[&a, &eur], two(), &[]),
        Err(PlanError::MixedCurrencies(..))
    ));
    assert_eq!(
        request(&[&paid], two(), &[]),
        Err(PlanError::NotOpen("INV-P".into()))
    );
    let existing = request(&[&a], two(), &[]).unwrap();
    assert_eq!(
        request(&[&a], two(), std::slice::from_ref(&existing)),
        Err(PlanError::AlreadyPlanned("INV-1".into()))
    );
    let mut rejected = existing;
    rejected.state = PlanState::Rejected;
    assert!(
        request(&[&a], two(), &[rejected]).is_ok(),
        "a rejected plan frees the invoice"
    );
}

#[test]
fn plan_walks_requested_approved_completed_and_refuses_every_other_move() {
    use PlanState::*;
    let a = invoice("INV-1", 1_000, Currency::USD);
    let base = request(
        &[&a],
        vec![inst("2024-02-10", 500), inst("2024-03-10", 500)],
        &[],
    )
    .unwrap();
    let mut p = base.clone();
    p.transition(Approved, Some(" ok by ana "), 9).unwrap();
    p.transition(Completed, None, 10).unwrap();
    assert_eq!(p.notes, ["approved: ok by ana"]);
    assert_eq!((p.state, p.updated_at), (Completed, 10));

    let all = [Requested, Approved, Rejected, Completed, Defaulted];
    let allowed = [
        (Requested, Approved),
        (Requested, Rejected),
        (Approved, Completed),
        (Approved, Defaulted),
    ];
    for from in all {
        for to in all {
            let mut q = base.clone();
            q.state = from;
            let before = q.clone();
            let r = q.transition(to, Some("n"), 99);
            assert_eq!(
                r.is_ok(),
                allowed.contains(&(from, to)),
                "{from:?} -> {to:?}"
            );
            if r.is_err() {
                assert_eq!(q, before, "a refused move changes nothing");
            }
        }
    }
    let mut closed = base;
    closed.state = Rejected;
    let e = closed.transition(Approved, None, 1).unwrap_err();
    assert!(e.to_string().contains("none, it is closed"), "{e}");
}

#[test]
fn only_requested_and_approved_plans_hold_and_verbs_map_to_states() {
    use PlanState::*;
    let holding: Vec<_> = [Requested, Approved, Rejected, Completed, Defaulted]
        .into_iter()
        .filter(|s| s.is_holding())
        .collect();
    assert_eq!(holding, [Requested, Approved]);
    assert_eq!(PlanState::for_verb("approve"), Some(Approved));
    assert_eq!(PlanState::for_verb("default"), Some(Defaulted));
    assert_eq!(PlanState::for_verb("delete"), None);
}

#[test]
fn attachment_checks_size_and_type() {
    assert_eq!(
        check_attachment("application/pdf", 10).unwrap(),
        "application/pdf"
    );
    assert_eq!(
        check_attachment("text/plain; charset=utf-8", 10).unwrap(),
        "text/plain"
    );
    assert_eq!(
        check_attachment("image/png", MAX_ATTACHMENT_BYTES + 1),
        Err(AttachmentError::TooLarge)
    );
    assert_eq!(
        check_attachment("application/zip", 10),
        Err(AttachmentError::WrongType("application/zip".into()))
    );
}
