//! HTML output: escaping and the page frame (inline, phone-friendly CSS).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem;line-height:1.5;color:#1a1a1a}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ccc}\
td.num,th.num{text-align:right}label{display:block;margin-top:.6rem;font-weight:600}\
input,select,textarea,button{font-size:1rem;padding:.4rem;max-width:100%}button{margin-top:.8rem}\
nav a{margin-right:1rem;display:inline-block;white-space:nowrap}.note{background:#eef6ee;padding:.6rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}\
.scroll{overflow-x:auto}.scroll table{white-space:nowrap}svg.chart{width:100%;max-width:36rem;height:auto}figure{margin:1rem 0}\
.who{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 1rem}.who button{margin:0}\
.good{color:#1d6b1d}.bad{color:#a11}table.narrow{width:auto}details pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}\
@media(max-width:40rem){body{padding:.6rem}th,td{padding:.3rem .25rem}td{white-space:nowrap}main{overflow-x:auto}h1{font-size:1.6rem}}\
@media print{nav,form,.noprint{display:none}body{max-width:none;padding:0;font-size:11pt}a{color:inherit;text-decoration:none}}";

/// A whole page. `body` must already be escaped HTML; `title` is escaped here.
pub fn page(title: &str, signed_in: Option<&str>, body: &str) -> String {
    let nav = match signed_in {
        Some(csrf) => format!(
            "<nav><a href=\"/invoices\">Invoices</a><a href=\"/payments\">Payments</a>\
             <a href=\"/statement\">Statement</a><a href=\"/payment-plans\">Payment plans</a><a href=\"/preferences\">Preferences</a>\
             <form method=\"post\" action=\"/sign-out\" style=\"display:inline\">{}\
             <button type=\"submit\">Sign out</button></form></nav>",
            csrf_field(csrf)
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body>{nav}<main><h1>{t}</h1>{body}</main></body></html>",
        t = escape(title)
    )
}

/// The hidden CSRF input every form carries.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(token)
    )
}

/// A short page with a status.
pub fn status_page(status: StatusCode, title: &str, message: &str) -> Response {
    (
        status,
        Html(page(title, None, &format!("<p>{}</p>", escape(message)))),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
