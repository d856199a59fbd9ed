//! Signing in: the magic-link request (same answer whether or not the e-mail
//! is known, rate limited), redeeming a link for a session cookie, CSRF
//! checks and signing out.

use std::net::SocketAddr;

use arflow_app::dispatch::{EmailMessage, Sender};
use arflow_app::portal::{
    MagicLink, Session, constant_time_eq, hash_secret, hex, hmac_sha256, sign_magic_link,
    verify_magic_link,
};
use axum::Form;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

use crate::html::{csrf_field, escape, page, status_page};
use crate::{Web, WebStore};

pub const SESSION_COOKIE: &str = "arflow_session";
const PRE_COOKIE: &str = "arflow_pre";

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The OS random source failing is not something a request can recover from.
    getrandom::getrandom(&mut buf).expect("the OS random source is available");
    hex(&buf)
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age={max_age}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// The signed-in session, if the cookie names a live one.
pub fn session<S: WebStore, M>(st: &Web<S, M>, headers: &HeaderMap) -> Option<Session>
where
    M: Sender + Send + 'static,
{
    let sid = cookie(headers, SESSION_COOKIE)?;
    let s = st.store().session(&hash_secret(sid)).ok()??;
    (s.expires_at >= st.now() && s.tenant == st.config.tenant).then_some(s)
}

/// Whether a posted CSRF token matches the session's.
pub fn csrf_ok(session: &Session, posted: &str) -> bool {
    constant_time_eq(session.csrf.as_bytes(), posted.as_bytes())
}

fn pre_csrf(secret: &[u8], pre: &str) -> String {
    hex(&hmac_sha256(secret, format!("sign-in:{pre}").as_bytes()))
}

pub async fn sign_in_page<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Response {
    if session(&st, &headers).is_some() {
        return Redirect::to("/invoices").into_response();
    }
    let pre = cookie(&headers, PRE_COOKIE)
        .map(str::to_string)
        .unwrap_or_else(|| random_hex(16));
    let body = format!(
        "<p>Enter the e-mail address your invoices are sent to; we will e-mail you a sign-in link.</p>\
         <form method=\"post\" action=\"/sign-in\">{}\
         <label for=\"email\">E-mail address</label>\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\
         <button type=\"submit\">Send me a sign-in link</button></form>",
        csrf_field(&pre_csrf(&st.config.secret, &pre))
    );
    let mut r = Html(page("Sign in", None, &body)).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(PRE_COOKIE, &pre, 3600));
    r
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    #[serde(default)]
    csrf: String,
}

pub async fn sign_in<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    req: Request,
) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let headers = req.headers().clone();
    let Ok(Form(form)) = Form::<SignInForm>::from_request(req, &()).await else {
        return status_page(
            StatusCode::BAD_REQUEST,
            "Sign in",
            "The form was incomplete.",
        );
    };
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or("");
    if pre.is_empty()
        || !constant_time_eq(
            pre_csrf(&st.config.secret, pre).as_bytes(),
            form.csrf.as_bytes(),
        )
    {
        return status_page(
            StatusCode::FORBIDDEN,
            "Sign in",
            "This form has expired; go back, reload the page and try again.",
        );
    }
    let email = form.email.trim().to_ascii_lowercase();
    let now = st.now();
    if !st.limiter.allow(&format!("email:{email}"), now)
        || !st.limiter.allow(&format!("ip:{ip}"), now)
    {
        return status_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Sign in",
            "Too many sign-in requests; please wait a few minutes and try again.",
        );
    }
    if let Err(e) = send_link(&st, &email, now) {
        // Logged without the address or the link.
        eprintln!("arflow-web: a sign-in link could not be sent: {e}");
    }
    Html(page(
        "Check your e-mail",
        None,
        "<p class=\"note\">If that address belongs to one of our customers, a sign-in link is on its way. It works once, for a limited time.</p>",
    ))
    .into_response()
}

fn send_link<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    email: &str,
    now: i64,
) -> Result<(), String> {
    let tenant = &st.config.tenant;
    let customer = st
        .store()
        .customers(tenant)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|c| {
            c.emails
                .iter()
                .any(|e| e.trim().eq_ignore_ascii_case(email))
        });
    let Some(customer) = customer else {
        return Ok(());
    };
    let link = MagicLink {
        tenant: tenant.clone(),
        customer_id: customer.customer_id.clone(),
        expires_at: now + st.config.link_ttl,
        nonce: random_hex(16),
    };
    let url = format!(
        "{}/auth/{}",
        st.config.base_url.trim_end_matches('/'),
        sign_magic_link(&st.config.secret, &link)
    );
    let date: DateTime<FixedOffset> = DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .fixed_offset();
    let msg = EmailMessage {
        action_id: format!("sign-in-{}", link.nonce),
        from: st.config.from.clone(),
        to: vec![email.to_string()],
        subject: "Your sign-in link".into(),
        text: format!(
            "Hello {},\n\nSign in to see your invoices:\n\n{url}\n\nThe link works once and expires in {} minutes.\n",
            customer.name,
            st.config.link_ttl / 60
        ),
        html: format!(
            "<p>Hello {},</p><p><a href=\"{u}\">Sign in to see your invoices</a></p><p>The link works once and expires in {} minutes.</p>",
            escape(&customer.name),
            st.config.link_ttl / 60,
            u = escape(&url)
        ),
        date,
    };
    st.sender
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .send_email(&msg)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub async fn redeem<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    Path(token): Path<String>,
) -> Response {
    let refused = || {
        status_page(
            StatusCode::UNAUTHORIZED,
            "Link not valid",
            "This sign-in link is not valid: it may have expired or been used already. Ask for a new one.",
        )
    };
    let now = st.now();
    let Ok(link) = verify_magic_link(&st.config.secret, &token, now) else {
        return refused();
    };
    if link.tenant != st.config.tenant {
        return refused();
    }
    let sid = random_hex(32);
    let session = Session {
        id_hash: hash_secret(&sid),
        tenant: link.tenant.clone(),
        customer_id: link.customer_id.clone(),
        csrf: random_hex(16),
        expires_at: now + st.config.session_ttl,
    };
    {
        let mut store = st.store();
        match store.consume_token(&link.tenant, &link.nonce, now) {
            Ok(true) => {}
            Ok(false) => return refused(),
            Err(_) => {
                return status_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Sign in",
                    "Please try again.",
                );
            }
        }
        if store.insert_session(&session).is_err() {
            return status_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Sign in",
                "Please try again.",
            );
        }
    }
    let mut r = Redirect::to("/invoices").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, &sid, st.config.session_ttl),
    );
    r
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(s) = session(&st, &headers) {
        if !csrf_ok(&s, &form.csrf) {
            return status_page(StatusCode::FORBIDDEN, "Sign out", "This form has expired.");
        }
        if let Err(e) = st.store().delete_session(&s.id_hash) {
            // The cookie is cleared anyway; the session ends at its expiry.
            tracing::error!("session not deleted at sign-out: {e}");
        }
    }
    let mut r = Redirect::to("/").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0));
    r
}
