//! Signing the AR team in to the dashboard: an API key with the `read`
//! scope, posted once to `/dashboard/sign-in` (CSRF-checked, rate limited),
//! becomes an HttpOnly, SameSite=Strict cookie scoped to `/dashboard`.
//!
//! The cookie is `expires.key_hash.mac`, the MAC an HMAC over both with the
//! router's secret; every request checks it and that the key still exists
//! with its scope, so deleting the key ends its dashboard sessions. The key
//! itself is never stored in the cookie (only its SHA-256) nor logged.

use std::net::SocketAddr;

use arflow_app::dispatch::Sender;
use arflow_app::portal::{ApiKey, Scope, constant_time_eq, hash_secret, hex, hmac_sha256};
use axum::Form;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::{cookie, random_hex};
use crate::html::{csrf_field, page, status_page};
use crate::{Web, WebStore};

pub const DASHBOARD_COOKIE: &str = "arflow_dashboard";
const PRE_COOKIE: &str = "arflow_dashboard_pre";

fn set_cookie(name: &str, value: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/dashboard; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn mac(secret: &[u8], label: &str, value: &str) -> String {
    hex(&hmac_sha256(secret, format!("{label}:{value}").as_bytes()))
}

/// The cookie value for a session of the key with hash `key_hash` until `expires`.
pub fn session_value(secret: &[u8], key_hash: &str, expires: i64) -> String {
    let body = format!("{expires}.{key_hash}");
    format!("{body}.{}", mac(secret, "dashboard", &body))
}

/// A signed-in AR team member: the API key behind the cookie, and the token
/// the dashboard's forms post back.
pub struct Staff {
    pub key: ApiKey,
    pub csrf: String,
}

/// The dashboard session the request's cookie proves, if any.
pub fn staff<S: WebStore, M: Sender + Send + 'static>(
    st: &Web<S, M>,
    headers: &HeaderMap,
) -> Option<Staff> {
    let value = cookie(headers, DASHBOARD_COOKIE)?;
    let (body, tag) = value.rsplit_once('.')?;
    let (expires, key_hash) = body.split_once('.')?;
    if !constant_time_eq(
        mac(&st.config.secret, "dashboard", body).as_bytes(),
        tag.as_bytes(),
    ) {
        return None;
    }
    if expires.parse::<i64>().ok()? < st.now() {
        return None;
    }
    let key = st.store().api_key(key_hash).ok()??;
    key.allows(Scope::Read).then(|| Staff {
        key,
        csrf: mac(&st.config.secret, "dashboard-csrf", value),
    })
}

pub async fn sign_in_page<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Response {
    if staff(&st, &headers).is_some() {
        return Redirect::to("/dashboard").into_response();
    }
    let pre = cookie(&headers, PRE_COOKIE)
        .map(str::to_string)
        .unwrap_or_else(|| random_hex(16));
    let body = format!(
        "<p>For the accounts-receivable team. Sign in with an API key that has the <code>read</code> scope \
         (<code>arflow serve --create-api-key NAME</code> prints one).</p>\
         <form method=\"post\" action=\"/dashboard/sign-in\">{}\
         <label for=\"api_key\">API key</label>\
         <input id=\"api_key\" name=\"api_key\" type=\"password\" autocomplete=\"off\" required>\
         <button type=\"submit\">Sign in</button></form>",
        csrf_field(&mac(&st.config.secret, "dashboard-sign-in", &pre))
    );
    let mut r = Html(page("AR dashboard: sign in", None, &body)).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(PRE_COOKIE, &pre, 3600));
    r
}

#[derive(Deserialize)]
pub struct SignInForm {
    api_key: String,
    #[serde(default)]
    csrf: String,
}

pub async fn sign_in<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    req: Request,
) -> Response {
    let title = "AR dashboard: sign in";
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let headers = req.headers().clone();
    let Ok(Form(form)) = Form::<SignInForm>::from_request(req, &()).await else {
        return status_page(StatusCode::BAD_REQUEST, title, "The form was incomplete.");
    };
    let pre = cookie(&headers, PRE_COOKIE).unwrap_or("");
    if pre.is_empty()
        || !constant_time_eq(
            mac(&st.config.secret, "dashboard-sign-in", pre).as_bytes(),
            form.csrf.as_bytes(),
        )
    {
        return status_page(
            StatusCode::FORBIDDEN,
            title,
            "This form has expired; go back, reload the page and try again.",
        );
    }
    let now = st.now();
    if !st.limiter.allow(&format!("dashboard-ip:{ip}"), now) {
        return status_page(
            StatusCode::TOO_MANY_REQUESTS,
            title,
            "Too many sign-in attempts; please wait a few minutes and try again.",
        );
    }
    let key_hash = hash_secret(form.api_key.trim());
    let key = match st.store().api_key(&key_hash) {
        Ok(k) => k,
        Err(_) => {
            return status_page(StatusCode::SERVICE_UNAVAILABLE, title, "Please try again.");
        }
    };
    if !key.is_some_and(|k| k.allows(Scope::Read)) {
        return status_page(
            StatusCode::UNAUTHORIZED,
            title,
            "That API key is not valid for the dashboard (it needs the read scope).",
        );
    }
    let ttl = st.config.session_ttl;
    let mut r = Redirect::to("/dashboard").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(
            DASHBOARD_COOKIE,
            &session_value(&st.config.secret, &key_hash, now + ttl),
            ttl,
        ),
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
    if let Some(s) = staff(&st, &headers)
        && !constant_time_eq(s.csrf.as_bytes(), form.csrf.as_bytes())
    {
        return status_page(StatusCode::FORBIDDEN, "Sign out", "This form has expired.");
    }
    let mut r = Redirect::to("/dashboard/sign-in").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, set_cookie(DASHBOARD_COOKIE, "", 0));
    r
}
