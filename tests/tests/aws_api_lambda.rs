//! The API function (functions/api) on the Lambda host against the local
//! emulator: requests are the real-shaped HTTP API event from
//! `events/api_gateway_v2.json`, converted by lambda_http as in Lambda, over
//! DynamoDB and SES. The AR API answers from DynamoDB with a key stored
//! there; a magic-link sign-in sends its e-mail through SES and sets the
//! session cookie, and a dispute filed then is in DynamoDB, acknowledged
//! and the AR team notified through SES; tampered or reused links are refused; tenants stay
//! apart.
//! The last test runs the built `api` binary against a stand-in Runtime API,
//! its secret read from an SSM SecureString parameter.

mod aws_support;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use arflow_app::portal::{ApiKey, PortalStore, Scope, hash_secret};
use arflow_app::store::{ChangeKind, InvoiceChange, LedgerStore};
use arflow_aws::DynamoStore;
use arflow_aws::outbound::Outbound;
use arflow_aws::tenant::TenantConfig;
use arflow_domain::ledger::{Customer, Invoice, InvoiceStatus};
use arflow_domain::money::Currency;
use arflow_fn_api::{ApiFunction, ApiSettings};
use aws_support::runtime::{binary, runtime_api};
use aws_support::{Aws, event, unique};
use serde_json::Value;

/// 2024-02-01 14:00 UTC.
const NOW: i64 = 1_706_796_000;
const SECRET: &str = "lambda-test-secret-lambda-test-secret";
const BASE_URL: &str = "https://portal.acme.example";

fn invoice(id: &str, customer: &str, due: &str, amount: i64) -> Invoice {
    Invoice {
        invoice_id: id.into(),
        customer_id: customer.into(),
        invoice_date: "2023-11-01".parse().expect("date"),
        due_date: due.parse().expect("date"),
        amount,
        currency: Currency::USD,
        paid_amount: 0,
        paid_date: None,
        disputed: false,
        status: InvoiceStatus::Open,
    }
}

fn customer(id: &str, email: &str) -> Customer {
    Customer {
        customer_id: id.into(),
        name: format!("{id} Corp"),
        emails: vec![email.into()],
        ..Customer::default()
    }
}

struct World {
    aws: Aws,
    /// The tenant served by the portal, and another one.
    acme: String,
    other: String,
    /// SES-verified sender domain, unique to the test.
    domain: String,
}

impl World {
    /// Two tenants' ledgers ingested into a fresh table; SES has the
    /// sender's domain verified.
    async fn new() -> World {
        let aws = Aws::fresh("api").await;
        let domain = format!("{}.example", unique("acme").to_ascii_lowercase());
        aws_sdk_sesv2::Client::new(&aws.config)
            .create_email_identity()
            .email_identity(&domain)
            .send()
            .await
            .expect("SES identity");
        let acme = unique("acme").replace('.', "-");
        let other = unique("other").replace('.', "-");
        let mut store = aws.store();
        let mut config = TenantConfig::new(&acme, &format!("ar@{domain}"), "UTC", 9);
        config.portal_url = BASE_URL.into();
        store.put_tenant_config(&config).await.expect("config");
        let new = |i: Invoice| InvoiceChange {
            kind: ChangeKind::New,
            effective: None,
            invoice: i,
        };
        store
            .apply_changes(
                &acme,
                &[
                    new(invoice("INV-1", "A", "2024-01-31", 120_000)),
                    new(invoice("INV-2", "A", "2023-12-01", 5_000)),
                ],
                &[customer("A", "ap@a-corp.example")],
            )
            .expect("acme ledger");
        store
            .apply_changes(
                &other,
                &[new(invoice("INV-X", "X", "2024-01-10", 1_000))],
                &[customer("X", "ap@a-corp.example")],
            )
            .expect("other ledger");
        World {
            aws,
            acme,
            other,
            domain,
        }
    }

    fn store(&self) -> DynamoStore {
        self.aws.store()
    }

    fn outbound(&self) -> Outbound {
        Outbound::new(
            aws_sdk_sesv2::Client::new(&self.aws.config),
            aws_sdk_sns::Client::new(&self.aws.config),
            None,
            None,
        )
    }

    /// The function as a cold start builds it (the sender and portal URL
    /// come from the tenant's config item), on a fixed clock.
    async fn function(&self) -> ApiFunction {
        let settings = ApiSettings {
            tenant: self.acme.clone(),
            secret: SECRET.as_bytes().to_vec(),
            base_url: None,
            sender_email: None,
        };
        ApiFunction::build(self.store(), self.outbound(), settings, Arc::new(|| NOW))
            .await
            .expect("build the function")
    }

    /// An API key stored (hashed) in DynamoDB; returns the key.
    fn api_key(&self, tenant: &str, name: &str) -> String {
        self.api_key_with(tenant, name, vec![Scope::Read])
    }

    fn api_key_with(&self, tenant: &str, name: &str, scopes: Vec<Scope>) -> String {
        let key = format!("arf_{}", unique(name).replace(['-', '.'], "_"));
        let created = self
            .store()
            .insert_api_key(&ApiKey {
                tenant: tenant.into(),
                name: name.into(),
                key_hash: hash_secret(&key),
                scopes,
                created_at: NOW,
            })
            .expect("insert key");
        assert!(created);
        key
    }
}

/// A request as API Gateway sends it: `events/api_gateway_v2.json` with
/// the method, path, query, headers, cookies and body replaced.
struct Req<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    bearer: Option<&'a str>,
    cookies: Vec<String>,
    form: Option<String>,
    /// A plain-text body (a strategy's TOML).
    text: Option<String>,
}

impl<'a> Req<'a> {
    fn get(path: &'a str) -> Req<'a> {
        Req {
            method: "GET",
            path,
            query: "",
            bearer: None,
            cookies: vec![],
            form: None,
            text: None,
        }
    }

    fn event(&self) -> String {
        let mut v = event("api_gateway_v2.json");
        v["rawPath"] = self.path.into();
        v["rawQueryString"] = self.query.into();
        let query: serde_json::Map<String, Value> = self
            .query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, val)| (k.to_string(), Value::from(val)))
            .collect();
        v["queryStringParameters"] = if query.is_empty() {
            Value::Null
        } else {
            Value::Object(query)
        };
        v["requestContext"]["http"]["method"] = self.method.into();
        v["requestContext"]["http"]["path"] = self.path.into();
        if self.path == "/" {
            v["routeKey"] = "ANY /".into();
            v["requestContext"]["routeKey"] = "ANY /".into();
            v["pathParameters"] = Value::Null;
        } else {
            v["pathParameters"]["proxy"] = self.path.trim_start_matches('/').into();
        }
        let headers = v["headers"].as_object_mut().expect("headers");
        headers.remove("authorization");
        if let Some(key) = self.bearer {
            headers.insert("authorization".into(), format!("Bearer {key}").into());
        }
        if let Some(text) = &self.text {
            headers.insert("content-type".into(), "text/plain".into());
            headers.insert("content-length".into(), text.len().to_string().into());
        }
        if let Some(form) = &self.form {
            headers.insert(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            );
            headers.insert("content-length".into(), form.len().to_string().into());
            v["body"] = form.clone().into();
        }
        if let Some(text) = &self.text {
            v["body"] = text.clone().into();
        }
        if !self.cookies.is_empty() {
            v["cookies"] = self.cookies.clone().into();
        }
        v.to_string()
    }
}

/// The response JSON Lambda would hand API Gateway.
struct Answer(Value);

impl Answer {
    fn status(&self) -> u64 {
        self.0["statusCode"].as_u64().expect("statusCode")
    }

    fn body(&self) -> &str {
        self.0["body"].as_str().unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(self.body()).unwrap_or_else(|e| panic!("{e}: {}", self.body()))
    }

    /// The `name=value` part of the Set-Cookie for `name` (HTTP API v2 puts
    /// them in `cookies`), with the whole attribute line.
    fn cookie(&self, name: &str) -> Option<(String, String)> {
        self.0["cookies"]
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| {
                let pair = c.split(';').next().unwrap_or("").to_string();
                (pair, c.to_string())
            })
    }
}

async fn call(function: &ApiFunction, req: &Req<'_>) -> Answer {
    Answer(function.invoke(&req.event()).await.expect("invoke"))
}

fn csrf(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    body[at..].split('"').next().unwrap_or("").to_string()
}

/// The sign-in link's token in the last SES e-mail from `sender_domain`.
fn emailed_token(sender_domain: &str) -> String {
    let mails = aws_support::sent_mail(sender_domain);
    let mail = mails.last().expect("an e-mail through SES");
    assert_eq!(mail.to, ["ap@a-corp.example"]);
    assert_eq!(mail.subject, "Your sign-in link");
    let prefix = format!("{BASE_URL}/auth/");
    let at = mail.body.find(&prefix).expect("a sign-in link") + prefix.len();
    mail.body[at..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '.')
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_in_dynamodb_reads_the_aging_of_invoices_in_dynamodb() {
    let world = World::new().await;
    let key = world.api_key(&world.acme, "reader");
    let function = world.function().await;
    let mut req = Req::get("/api/aging");
    req.query = "as_of=2024-02-01";
    req.bearer = Some(&key);
    let r = call(&function, &req).await;
    assert_eq!(r.status(), 200, "{}", r.body());
    assert_eq!(r.0["isBase64Encoded"], false);
    let aging = r.json();
    assert_eq!(aging["as_of"], "2024-02-01");
    assert_eq!(aging["currencies"][0]["currency"], "USD");
    assert_eq!(aging["currencies"][0]["total"]["amount"], "1250.00");
    assert_eq!(aging["currencies"][0]["total"]["invoices"], 2);

    req.bearer = Some("arf_not_a_key");
    let r = call(&function, &req).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.json()["error"], "unknown API key");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_magic_link_goes_out_through_ses_and_redeems_into_a_session_cookie() {
    let world = World::new().await;
    let function = world.function().await;
    let page = call(&function, &Req::get("/")).await;
    assert_eq!(page.status(), 200, "{}", page.body());
    let (pre, _) = page.cookie("arflow_pre").expect("pre-session cookie");
    let mut post = Req::get("/sign-in");
    post.method = "POST";
    post.cookies = vec![pre];
    post.form = Some(format!(
        "email=ap%40a-corp.example&csrf={}",
        csrf(page.body())
    ));
    let r = call(&function, &post).await;
    assert_eq!(r.status(), 200, "{}", r.body());
    let token = emailed_token(&world.domain);

    let path = format!("/auth/{token}");
    let r = call(&function, &Req::get(&path)).await;
    assert_eq!(r.status(), 303, "{}", r.body());
    assert_eq!(r.0["headers"]["location"], "/invoices");
    let (session, line) = r.cookie("arflow_session").expect("session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Lax"] {
        assert!(line.contains(attr), "{line}");
    }

    let mut invoices = Req::get("/invoices");
    invoices.cookies = vec![session];
    let r = call(&function, &invoices).await;
    assert_eq!(r.status(), 200, "{}", r.body());
    assert!(r.body().contains("INV-1") && r.body().contains("INV-2"));
    assert!(
        !r.body().contains("INV-X"),
        "another tenant's invoice is never shown"
    );

    let again = call(&function, &Req::get(&path)).await;
    assert_eq!(again.status(), 401, "a used link is refused");

    // A dispute filed on this host lands in DynamoDB (the AR API lists it)
    // and its acknowledgement goes out through SES.
    let mut dispute = Req::get("/invoices/INV-1/dispute");
    dispute.method = "POST";
    dispute.cookies = invoices.cookies.clone();
    dispute.form = Some(format!(
        "csrf={}&reason=Wrong+amount&amount=100.00&message=price",
        csrf(r.body())
    ));
    let filed = call(&function, &dispute).await;
    assert_eq!(filed.status(), 201, "{}", filed.body());
    let key = world.api_key(&world.acme, "ar-team");
    let mut list = Req::get("/api/disputes");
    list.bearer = Some(&key);
    let disputes = call(&function, &list).await.json();
    let disputes = disputes.as_array().expect("disputes");
    assert_eq!(disputes.len(), 1, "{disputes:?}");
    assert_eq!(disputes[0]["invoice_id"], "INV-1");
    assert_eq!(disputes[0]["state"], "open");
    let mails = aws_support::sent_mail(&world.domain);
    let seen: Vec<(String, &str)> = mails
        .iter()
        .map(|m| (m.to.join(","), m.subject.as_str()))
        .collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[1].0, "ap@a-corp.example", "the acknowledgement");
    assert!(seen[1].1.contains("INV-1"), "{seen:?}");
    assert_eq!(
        seen[2].0,
        format!("ar@{}", world.domain),
        "the AR team is notified"
    );
    assert!(seen[2].1.starts_with("[Dispute]"), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_sign_in_link_is_refused_on_the_lambda_host() {
    let world = World::new().await;
    let function = world.function().await;
    let page = call(&function, &Req::get("/")).await;
    let (pre, _) = page.cookie("arflow_pre").expect("pre-session cookie");
    let mut post = Req::get("/sign-in");
    post.method = "POST";
    post.cookies = vec![pre];
    post.form = Some(format!(
        "email=ap%40a-corp.example&csrf={}",
        csrf(page.body())
    ));
    assert_eq!(call(&function, &post).await.status(), 200);
    let token = emailed_token(&world.domain);
    let last = token.chars().last().expect("a token");
    let flipped = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &token[..token.len() - 1]);
    let path = format!("/auth/{tampered}");
    let r = call(&function, &Req::get(&path)).await;
    assert_eq!(r.status(), 401, "{}", r.body());
    assert!(r.cookie("arflow_session").is_none());
    // The genuine link still works: the tampered one consumed nothing.
    let path = format!("/auth/{token}");
    assert_eq!(call(&function, &Req::get(&path)).await.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenants_key_cannot_read_another_tenants_data() {
    let world = World::new().await;
    let acme_key = world.api_key(&world.acme, "ops");
    let other_key = world.api_key(&world.other, "ops");
    let function = world.function().await;

    let mut req = Req::get("/api/aging");
    req.query = "as_of=2024-02-01";
    req.bearer = Some(&other_key);
    let aging = call(&function, &req).await.json();
    assert_eq!(aging["currencies"][0]["total"]["amount"], "10.00");
    assert_eq!(aging["currencies"][0]["total"]["invoices"], 1);

    let mut req = Req::get("/api/invoices");
    req.query = "customer=A&as_of=2024-02-01";
    req.bearer = Some(&other_key);
    let r = call(&function, &req).await;
    assert_eq!(r.status(), 200, "{}", r.body());
    assert_eq!(r.json(), serde_json::json!([]), "acme's customer A");

    let mut req = Req::get("/api/customers");
    req.bearer = Some(&acme_key);
    let ids: Vec<String> = call(&function, &req)
        .await
        .json()
        .as_array()
        .expect("customers")
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(ids, ["A"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_built_api_binary_answers_the_sample_event_through_the_runtime_api() {
    let world = World::new().await;
    let key = world.api_key(&world.acme, "binary");
    // The signing secret comes from SSM, as in the template.
    let param = format!("/arflow/{}/portal-secret", world.acme);
    aws_sdk_ssm::Client::new(&world.aws.config)
        .put_parameter()
        .name(&param)
        .value(SECRET)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("SSM parameter");
    let mut v = event("api_gateway_v2.json");
    v["headers"]["authorization"] = format!("Bearer {key}").into();
    let payload = v.to_string();

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let api = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || runtime_api(listener, "arflow-api", payload, tx));

    let mut child = Command::new(binary("api"))
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "arflow-api")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/arflow-api")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2024/02/01/[$LATEST]test")
        .env("AWS_ENDPOINT_URL", aws_support::endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("TABLE_NAME", &world.aws.table)
        .env("TENANT", &world.acme)
        .env("PORTAL_SECRET_PARAM", &param)
        .env_remove("PORTAL_SECRET")
        .env_remove("BASE_URL")
        .env_remove("SENDER_EMAIL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the api binary");
    let answer = rx.recv_timeout(Duration::from_secs(60));
    let _ = child.kill();
    let output = child.wait_with_output().expect("api exited");
    let (kind, body) = answer.unwrap_or_else(|e| {
        panic!(
            "no answer from the binary ({e}); stderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert_eq!(kind, "response", "{body}");
    let response: Value = serde_json::from_str(&body).expect("JSON response");
    assert_eq!(response["statusCode"], 200, "{response}");
    let aging: Value =
        serde_json::from_str(response["body"].as_str().expect("text body")).expect("aging JSON");
    assert_eq!(aging["as_of"], "2024-02-01");
    assert_eq!(aging["currencies"][0]["total"]["amount"], "1250.00");
}

/// The actions of a daily run of `tenant` for `as_of`, as the dispatch
/// queue holds them (sorted by id, as JSON).
async fn daily_actions(world: &World, tenant: &str, execution_id: &str, as_of: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(&world.aws.config);
    let url = sqs
        .create_queue()
        .queue_name(unique("daily"))
        .send()
        .await
        .expect("queue")
        .queue_url
        .expect("queue url");
    let queue = arflow_aws::queue::Queue::new(sqs.clone(), url.clone());
    let daily = arflow_fn_daily::DailyFunction::new(world.store(), queue);
    let event = arflow_aws::daily::DailyEvent {
        tenant: tenant.into(),
        execution_id: Some(execution_id.into()),
        scheduled_time: None,
        as_of: Some(as_of.parse().expect("date")),
    };
    let outcome = daily.handle(event).await.expect("daily run");
    let mut out = Vec::new();
    loop {
        let got = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            let msg: arflow_aws::wire::QueueMessage =
                serde_json::from_str(m.body.as_deref().unwrap_or("")).expect("queue message");
            let arflow_aws::wire::QueueMessage::Action { action, .. } = msg else {
                panic!("not an action message");
            };
            let action = arflow_domain::strategy::Action::try_from(*action).expect("an action");
            out.push(serde_json::to_value(&action).expect("json"));
        }
    }
    assert_eq!(out.len(), outcome.actions, "{outcome:?}");
    out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    out
}

async fn api_actions(function: &ApiFunction, key: &str, as_of: &str) -> Vec<Value> {
    let query = format!("as_of={as_of}");
    let mut req = Req::get("/api/actions");
    req.query = &query;
    req.bearer = Some(key);
    let r = call(function, &req).await;
    assert_eq!(r.status(), 200, "{}", r.body());
    let mut out = r.json().as_array().expect("actions").clone();
    out.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    out
}

fn names(actions: &[Value], invoice: &str) -> bool {
    actions.iter().any(|a| {
        a["invoice_ids"]
            .as_array()
            .expect("invoice ids")
            .iter()
            .any(|i| i == invoice)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strategy_put_through_the_api_is_what_the_next_daily_run_enqueues_and_the_api_previews() {
    let world = World::new().await;
    // INV-3 falls due a week after the day planned: the friendly reminder
    // (7 days before) is due that day under the default strategy.
    world
        .store()
        .apply_changes(
            &world.acme,
            &[InvoiceChange {
                kind: ChangeKind::New,
                effective: None,
                invoice: invoice("INV-3", "A", "2024-02-08", 40_000),
            }],
            &[],
        )
        .expect("INV-3");
    let key = world.api_key_with(&world.acme, "ar-team", vec![Scope::Read, Scope::Write]);
    let function = world.function().await;
    let day = "2024-02-01";

    let before = daily_actions(&world, &world.acme, "exec-1", day).await;
    assert!(names(&before, "INV-3"), "{before:#?}");
    assert_eq!(
        api_actions(&function, &key, day).await,
        before,
        "the API previews exactly what the daily run enqueues"
    );

    // The AR team moves the friendly reminder to 5 days before the due date.
    let from = r#"{ name = "friendly", offset_days = -7, channel = "email", template = "friendly_reminder", tone = "friendly" },"#;
    let established = arflow_domain::strategy::DEFAULT_STRATEGY
        .rfind(from)
        .expect("the established segment's friendly reminder");
    let mut changed = arflow_domain::strategy::DEFAULT_STRATEGY.to_string();
    changed.replace_range(
        established..established + from.len(),
        &from.replace("offset_days = -7", "offset_days = -5"),
    );
    let mut put = Req::get("/api/strategy");
    put.method = "PUT";
    put.bearer = Some(&key);
    put.text = Some(changed);
    let stored = call(&function, &put).await;
    assert!(
        stored.status() == 200 || stored.status() == 201,
        "{}",
        stored.body()
    );

    let after = daily_actions(&world, &world.acme, "exec-2", day).await;
    assert!(
        !names(&after, "INV-3"),
        "the stored strategy plans the daily run: no friendly reminder a week ahead: {after:#?}"
    );
    assert_ne!(after, before);
    assert_eq!(
        api_actions(&function, &key, day).await,
        after,
        "field by field, after the change too"
    );
}
