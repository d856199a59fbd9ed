//! The AR team dashboard (`/dashboard`, server-rendered, no JavaScript): the
//! aging chart per currency, KPIs as of each of the last month ends with
//! their trend, the top overdue customers, today's task queue with call
//! scripts, and disputes by state — all for the tenant of the signed-in key.

use std::collections::{BTreeMap, HashMap};

use arflow_app::dispatch::Sender;
use arflow_app::portal::{Dispute, DisputeState};
use arflow_app::store::{Task, TaskStatus};
use arflow_domain::aging::AgingReport;
use arflow_domain::kpis::{CurrencyKpis, KpiReport};
use arflow_domain::money::{Currency, Money};
use arflow_domain::strategy::ActionKind;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use crate::dashboard_auth::staff;
use crate::html::{csrf_field, escape, page, status_page};
use crate::pages::today;
use crate::{Web, WebStore, cache, svg};

/// Month ends shown in the KPI trend, besides the as-of date itself.
const TREND_MONTHS: u32 = 6;
/// The KPI period, as in the API's default.
const KPI_PERIOD_DAYS: i64 = 90;
const TOP_CUSTOMERS: usize = 10;
const TASKS_SHOWN: usize = 50;

#[derive(Deserialize)]
pub struct DashboardQuery {
    as_of: Option<NaiveDate>,
}

fn money(minor: i64, c: Currency) -> String {
    format!("{} {}", Money::new(minor, c).to_grouped_string(), c.code())
}

/// The last days of the `n` months before `day`'s month, oldest first.
pub fn month_ends_before(day: NaiveDate, n: u32) -> Vec<NaiveDate> {
    let first = day.with_day(1).unwrap_or(day);
    (1..=n)
        .rev()
        .filter_map(|k| first.checked_sub_months(Months::new(k - 1))?.pred_opt())
        .collect()
}

pub async fn dashboard<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let Some(who) = staff(&st, &headers) else {
        return Redirect::to("/dashboard/sign-in").into_response();
    };
    let tenant = who.key.tenant.clone();
    let day = q.as_of.unwrap_or_else(|| today(st.now()));
    match render(&st, &tenant, day) {
        Ok(body) => {
            let head = format!(
                "<div class=\"who\"><p>Tenant <strong>{}</strong>, key <strong>{}</strong>, as of {day}.</p>\
                 <form method=\"post\" action=\"/dashboard/sign-out\">{}\
                 <button type=\"submit\">Sign out</button></form></div>",
                escape(&tenant),
                escape(&who.key.name),
                csrf_field(&who.csrf)
            );
            Html(page("AR dashboard", None, &format!("{head}{body}"))).into_response()
        }
        Err(e) => {
            eprintln!("arflow-web: the dashboard could not be built: {e}");
            status_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "Please try again later.",
            )
        }
    }
}

fn render<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    tenant: &str,
    day: NaiveDate,
) -> Result<String, arflow_app::store::StoreError> {
    let aging = cache::aging(st, tenant, day, true)?;
    let mut trend = Vec::new();
    for d in month_ends_before(day, TREND_MONTHS)
        .into_iter()
        .chain([day])
    {
        trend.push(cache::kpis(st, tenant, d, KPI_PERIOD_DAYS)?);
    }
    let (names, tasks, disputes) = {
        let store = st.store();
        let names: HashMap<String, String> = store
            .customers(tenant)?
            .into_iter()
            .map(|c| (c.customer_id, c.name))
            .collect();
        (names, store.tasks(tenant)?, store.disputes(tenant)?)
    };
    Ok(format!(
        "<section><h2>Aging as of {day}</h2>{}</section>\
         <section><h2>KPIs over {KPI_PERIOD_DAYS} days, by month end</h2>{}</section>\
         <section><h2>Top overdue customers</h2>{}</section>\
         <section><h2>Today's task queue</h2>{}</section>\
         <section><h2>Disputes by state</h2>{}</section>",
        aging_section(&aging),
        kpi_section(&trend),
        top_overdue(&aging, &names),
        task_queue(&tasks, day, &names),
        disputes_section(&disputes, &names),
    ))
}

fn aging_section(a: &AgingReport) -> String {
    if a.currencies.is_empty() {
        return "<p>No open invoices.</p>".into();
    }
    a.currencies
        .iter()
        .map(|c| {
            format!(
                "<figure>{}<figcaption>{}: {} open in {} invoices</figcaption></figure>",
                svg::aging_chart(c, &a.labels),
                c.currency.code(),
                escape(&money(c.total.amount, c.currency)),
                c.total.invoices
            )
        })
        .collect()
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.2}"))
}

/// "▲ 1.20" / "▼ 0.50" against the previous month end; lower is better for
/// every KPI shown but CEI.
fn change(now: Option<f64>, before: Option<f64>, higher_is_better: bool) -> String {
    let (Some(a), Some(b)) = (now, before) else {
        return String::new();
    };
    let d = a - b;
    if d.abs() < 0.005 {
        return " <span class=\"flat\" title=\"unchanged\">→</span>".into();
    }
    let good = (d > 0.0) == higher_is_better;
    format!(
        " <span class=\"{}\" title=\"{} {:.2} since the month before\">{} {:.2}</span>",
        if good { "good" } else { "bad" },
        if d > 0.0 { "up" } else { "down" },
        d.abs(),
        if d > 0.0 { "▲" } else { "▼" },
        d.abs()
    )
}

fn kpi_section(trend: &[std::sync::Arc<KpiReport>]) -> String {
    let mut by_currency: BTreeMap<Currency, Vec<(NaiveDate, &CurrencyKpis)>> = BTreeMap::new();
    for r in trend {
        for c in &r.currencies {
            by_currency
                .entry(c.currency)
                .or_default()
                .push((r.as_of, c));
        }
    }
    if by_currency.is_empty() {
        return "<p>No invoices yet.</p>".into();
    }
    let mut out = String::new();
    for (cur, rows) in by_currency {
        let mut body = String::new();
        let mut prev: Option<&CurrencyKpis> = None;
        for (d, k) in rows {
            let p = |f: fn(&CurrencyKpis) -> Option<f64>, up: bool| {
                format!("{}{}", ratio(f(k)), change(f(k), prev.and_then(f), up))
            };
            body.push_str(&format!(
                "<tr><th scope=\"row\">{d}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                p(|k| k.dso, false),
                p(|k| k.cei, true),
                p(|k| k.past_due_ratio, false),
                p(|k| k.avg_days_late, false),
                escape(&money(k.sums.open_end, cur)),
            ));
            prev = Some(k);
        }
        out.push_str(&format!(
            "<div class=\"scroll\"><table><caption>{code}</caption><thead><tr><th scope=\"col\">As of</th>\
             <th scope=\"col\" class=\"num\">DSO (days)</th><th scope=\"col\" class=\"num\">CEI %</th>\
             <th scope=\"col\" class=\"num\">Past due %</th><th scope=\"col\" class=\"num\">Avg days late</th>\
             <th scope=\"col\" class=\"num\">Open</th></tr></thead><tbody>{body}</tbody></table></div>",
            code = cur.code()
        ));
    }
    out
}

fn name<'a>(names: &'a HashMap<String, String>, id: &'a str) -> &'a str {
    names.get(id).map_or(id, String::as_str)
}

fn top_overdue(a: &AgingReport, names: &HashMap<String, String>) -> String {
    let mut rows: Vec<_> = a
        .customers
        .iter()
        .flatten()
        .map(|c| {
            let current = c.buckets.first().map_or(0, |t| t.amount);
            (c.total.amount - current, c)
        })
        .filter(|(past_due, _)| *past_due > 0)
        .collect();
    rows.sort_by(|x, y| {
        (x.1.currency, y.0, &x.1.customer_id).cmp(&(y.1.currency, x.0, &y.1.customer_id))
    });
    let mut shown: BTreeMap<Currency, usize> = BTreeMap::new();
    let body: String = rows
        .into_iter()
        .filter(|(_, c)| {
            let n = shown.entry(c.currency).or_default();
            *n += 1;
            *n <= TOP_CUSTOMERS
        })
        .map(|(past_due, c)| {
            format!(
                "<tr><td>{} <small>({})</small></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name(names, &c.customer_id)),
                escape(&c.customer_id),
                escape(&money(past_due, c.currency)),
                escape(&money(c.total.amount, c.currency)),
                c.oldest_days_past_due.unwrap_or(0).max(0),
            )
        })
        .collect();
    if body.is_empty() {
        return "<p>Nobody is overdue.</p>".into();
    }
    format!(
        "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Customer</th><th scope=\"col\" class=\"num\">Past due</th>\
         <th scope=\"col\" class=\"num\">Outstanding</th><th scope=\"col\" class=\"num\">Oldest (days)</th></tr></thead>\
         <tbody>{body}</tbody></table></div>"
    )
}

fn task_queue(tasks: &[Task], day: NaiveDate, names: &HashMap<String, String>) -> String {
    let due: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Open && t.due_on <= day)
        .collect();
    if due.is_empty() {
        return "<p>No open tasks due.</p>".into();
    }
    let items: String = due
        .iter()
        .take(TASKS_SHOWN)
        .map(|t| {
            format!(
                "<li><strong>{}</strong> — {} ({}), for {}, due {}{}\
                 <details{}><summary>{}</summary><pre>{}</pre></details></li>",
                escape(&t.title),
                escape(name(names, &t.customer_id)),
                escape(&t.invoice_ids.join(", ")),
                escape(&t.assignee),
                t.due_on,
                if t.due_on < day {
                    " <span class=\"bad\">overdue</span>"
                } else {
                    ""
                },
                if t.kind == ActionKind::CallTask {
                    " open"
                } else {
                    ""
                },
                if t.kind == ActionKind::CallTask {
                    "Call script"
                } else {
                    "Details"
                },
                escape(&t.body),
            )
        })
        .collect();
    let more = if due.len() > TASKS_SHOWN {
        format!(
            "<p>and {} more (see <code>/api/tasks</code>).</p>",
            due.len() - TASKS_SHOWN
        )
    } else {
        String::new()
    };
    format!(
        "<p>{} open task(s) due.</p><ol class=\"tasks\">{items}</ol>{more}",
        due.len()
    )
}

const STATES: [DisputeState; 5] = [
    DisputeState::Open,
    DisputeState::Acknowledged,
    DisputeState::Escalated,
    DisputeState::Resolved,
    DisputeState::Rejected,
];

fn disputes_section(disputes: &[Dispute], names: &HashMap<String, String>) -> String {
    let counts: String = STATES
        .iter()
        .map(|s| {
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
                s.as_str(),
                disputes.iter().filter(|d| d.state == *s).count()
            )
        })
        .collect();
    let active: String = disputes
        .iter()
        .filter(|d| d.state.is_active())
        .map(|d| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&d.id),
                escape(name(names, &d.customer_id)),
                escape(&d.invoice_id),
                escape(&d.reason),
                d.state.as_str(),
            )
        })
        .collect();
    let active = if active.is_empty() {
        "<p>No active disputes.</p>".to_string()
    } else {
        format!(
            "<div class=\"scroll\"><table><caption>Active disputes</caption><thead><tr><th scope=\"col\">Dispute</th>\
             <th scope=\"col\">Customer</th><th scope=\"col\">Invoice</th><th scope=\"col\">Reason</th>\
             <th scope=\"col\">State</th></tr></thead><tbody>{active}</tbody></table></div>"
        )
    };
    format!(
        "<table class=\"narrow\"><thead><tr><th scope=\"col\">State</th><th scope=\"col\" class=\"num\">Disputes</th></tr></thead>\
         <tbody>{counts}</tbody></table>{active}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn month_ends_before_walk_back_over_short_months_and_years() {
        assert_eq!(
            month_ends_before(d("2024-03-15"), 3),
            [d("2023-12-31"), d("2024-01-31"), d("2024-02-29")]
        );
        assert_eq!(month_ends_before(d("2024-03-01"), 1), [d("2024-02-29")]);
    }

    #[test]
    fn kpi_change_marks_better_and_worse() {
        assert!(change(Some(40.0), Some(30.0), false).contains("bad"));
        assert!(change(Some(40.0), Some(30.0), true).contains("good"));
        assert!(change(Some(30.0), Some(30.0), true).contains("unchanged"));
        assert_eq!(change(None, Some(30.0), true), "");
    }
}
