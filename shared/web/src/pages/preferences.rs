//! The contact preferences page and its form.

#![allow(clippy::result_large_err)]

use arflow_app::dispatch::Sender;
use arflow_app::portal::ContactPrefs;
use arflow_app::portal::changes;
use arflow_domain::ledger::Channel;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect};
use serde::Deserialize;

use super::{Page, bad, forbidden, refused, signed_in, unavailable};
use crate::auth::csrf_ok;
use crate::html::{csrf_field, escape, page};
use crate::{Web, WebStore};

pub async fn preferences<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
) -> Page {
    let s = signed_in(&st, &headers)?;
    let p = st
        .store()
        .contact_prefs(&s.tenant, &s.customer_id)
        .map_err(|_| unavailable())?
        .unwrap_or_default();
    let sel = |v: Channel| if p.channel == v { " selected" } else { "" };
    let body = format!(
        "<form method=\"post\" action=\"/preferences\">{}\
         <label for=\"channel\">Reach me by</label><select id=\"channel\" name=\"channel\">\
         <option value=\"email\"{}>E-mail</option><option value=\"sms\"{}>SMS</option></select>\
         <label for=\"language\">Language</label><input id=\"language\" name=\"language\" value=\"{}\" maxlength=\"10\">\
         <label><input type=\"checkbox\" name=\"sms_opt_out\" value=\"on\"{}> No text messages (SMS)</label>\
         <button type=\"submit\">Save</button></form>",
        csrf_field(&s.csrf),
        sel(Channel::Email),
        sel(Channel::Sms),
        escape(p.language.as_deref().unwrap_or("")),
        if p.sms_opt_out { " checked" } else { "" }
    );
    Ok(Html(page("Contact preferences", Some(&s.csrf), &body)).into_response())
}

#[derive(Deserialize)]
pub struct PrefsForm {
    #[serde(default)]
    csrf: String,
    channel: String,
    #[serde(default)]
    language: String,
    sms_opt_out: Option<String>,
}

pub async fn save_preferences<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    headers: HeaderMap,
    Form(f): Form<PrefsForm>,
) -> Page {
    let s = signed_in(&st, &headers)?;
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let channel = match f.channel.as_str() {
        "email" => Channel::Email,
        "sms" => Channel::Sms,
        _ => return Err(bad("Choose e-mail or SMS.")),
    };
    let lang = f.language.trim();
    let prefs = ContactPrefs {
        channel,
        language: (!lang.is_empty()).then(|| lang.to_string()),
        sms_opt_out: f.sms_opt_out.is_some(),
    };
    let now = st.now();
    changes::set_contact_prefs(&mut *st.store(), &s.tenant, &s.customer_id, &prefs, now)
        .map_err(refused)?;
    Ok(Redirect::to("/preferences").into_response())
}
