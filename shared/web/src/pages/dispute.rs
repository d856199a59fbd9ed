//! Filing a dispute in the portal: the form (URL-encoded, or multipart with
//! one attachment of at most 5 MB: PDF, PNG, JPEG or plain text), the
//! dispute and its attachment stored, the acknowledgement sent to the
//! customer at once and the AR team told — both recorded in the sent log so
//! the strategy's dispute sequence does not send the acknowledgement again.

#![allow(clippy::result_large_err)]

use arflow_app::dispatch::Sender;
use arflow_app::portal::MAX_ATTACHMENT_BYTES;
use arflow_app::portal::changes::{self, DisputeFiling, NewAttachment};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse};
use axum::{Form, extract::DefaultBodyLimit};
use serde::Deserialize;

use crate::auth::{csrf_ok, random_hex};
use crate::dispute_notify::send_filing_messages;
use crate::html::{csrf_field, escape, page, status_page};
use crate::pages::{Page, bad, forbidden, own_invoice, parse_amount, refused, signed_in};
use crate::{Web, WebStore};

/// The request body limit of the dispute form: the largest attachment plus
/// room for the other fields.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES + 64 * 1024)
}

/// The dispute form of an invoice page (multipart, so it can carry a file).
pub fn form(invoice_id: &str, currency: &str, csrf: &str) -> String {
    format!(
        "<h2>Dispute this invoice</h2><form method=\"post\" action=\"/invoices/{id}/dispute\" enctype=\"multipart/form-data\">{csrf}\
         <label for=\"reason\">Reason</label><select id=\"reason\" name=\"reason\">\
         <option>Goods or service not received</option><option>Wrong amount</option><option>Damaged or faulty</option><option>Other</option></select>\
         <label for=\"amount\">Disputed amount ({cur})</label><input id=\"amount\" name=\"amount\" inputmode=\"decimal\" required>\
         <label for=\"message\">Message</label><textarea id=\"message\" name=\"message\" rows=\"4\"></textarea>\
         <label for=\"attachment\">Attachment (optional: PDF, PNG, JPEG or text, up to 5 MB)</label>\
         <input id=\"attachment\" name=\"attachment\" type=\"file\" accept=\".pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain\">\
         <button type=\"submit\">File dispute</button></form>",
        id = escape(invoice_id),
        csrf = csrf_field(csrf),
        cur = escape(currency),
    )
}

#[derive(Deserialize, Default)]
struct DisputeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    message: String,
}

struct Upload {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

fn too_large() -> axum::response::Response {
    status_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "File too large",
        "The attachment is larger than 5 MB; attach a smaller file.",
    )
}

/// The form's fields and the file, from a URL-encoded or multipart body.
async fn read_form(
    req: Request,
) -> Result<(DisputeForm, Option<Upload>), axum::response::Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return match Form::<DisputeForm>::from_request(req, &()).await {
            Ok(Form(f)) => Ok((f, None)),
            Err(_) => Err(bad("The form was incomplete.")),
        };
    }
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|_| bad("The form could not be read."))?;
    let mut f = DisputeForm::default();
    let mut upload = None;
    let broken = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad("The form could not be read.")
        }
    };
    while let Some(mut field) = mp.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "attachment" {
            let file = field.file_name().unwrap_or("").trim().to_string();
            let ct = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > MAX_ATTACHMENT_BYTES {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&chunk);
            }
            // A file input left empty still sends a part, with no name and no bytes.
            if !(file.is_empty() && bytes.is_empty()) {
                upload = Some(Upload {
                    name: file,
                    content_type: ct,
                    bytes,
                });
            }
            continue;
        }
        let text = field.text().await.map_err(broken)?;
        match name.as_str() {
            "csrf" => f.csrf = text,
            "reason" => f.reason = text,
            "amount" => f.amount = text,
            "message" => f.message = text,
            _ => {}
        }
    }
    Ok((f, upload))
}

/// A file name safe to show and to put in a header: its last path part,
/// printable ASCII without quotes, at most 100 characters.
fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = last
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !matches!(c, '"' | ';' | '\\'))
        .take(100)
        .collect();
    if s.trim().is_empty() {
        "attachment".to_string()
    } else {
        s.trim().to_string()
    }
}

pub async fn dispute<S: WebStore, M: Sender + Send + 'static>(
    State(st): State<Web<S, M>>,
    Path(id): Path<String>,
    req: Request,
) -> Page {
    let headers = req.headers().clone();
    let s = signed_in(&st, &headers)?;
    let (f, upload) = read_form(req).await?;
    if !csrf_ok(&s, &f.csrf) {
        return Err(forbidden());
    }
    let i = own_invoice(&st, &s, &id)?;
    let amount = parse_amount(&f.amount, &i)?;
    let file_name = upload.as_ref().map(|u| clean_name(&u.name));
    let attachment = upload
        .as_ref()
        .zip(file_name.as_deref())
        .map(|(u, name)| NewAttachment {
            name,
            content_type: &u.content_type,
            bytes: &u.bytes,
        });
    let now = st.now();
    let filing = DisputeFiling {
        id: &format!("D-{}", random_hex(6)),
        customer_id: &s.customer_id,
        invoice: &i,
        reason: &f.reason,
        amount,
        message: &f.message,
        attachment,
    };
    let d = changes::file_dispute(&mut *st.store(), &s.tenant, filing, now).map_err(refused)?;
    let name = (st.store().customers(&s.tenant))
        .ok()
        .and_then(|cs| cs.into_iter().find(|c| c.customer_id == d.customer_id))
        .map_or_else(|| d.customer_id.clone(), |c| c.name);
    let file = file_name.as_deref();
    let acked = send_filing_messages(&st, &s.tenant, &d, &i, &name, file, now);
    let ack_note = if acked {
        " We have e-mailed you an acknowledgement."
    } else {
        ""
    };
    let body = format!(
        "<p class=\"note\">Dispute {} is filed. We have paused reminders for invoice {} while we look into it.{ack_note}</p><p><a href=\"/invoices\">Back to your invoices</a></p>",
        escape(&d.id),
        escape(&d.invoice_id)
    );
    Ok((
        StatusCode::CREATED,
        Html(page("Dispute filed", Some(&s.csrf), &body)),
    )
        .into_response())
}
