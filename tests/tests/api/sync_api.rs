//! The signer sync of the integration API (`PUT`/`DELETE
//! /api/v1/signers/{ams_id}`, `GET …/devices`) and the OpenAPI document
//! that describes every route of `/api/v1`.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpdesk::open_request;
use crate::helpers::{AccountSpec, Backend, TestApp, spawn_app};
use crate::identity::{FACE, upload};
use crate::on_both_backends;
use crate::validation_api::{assert_problem, client_token};
use app::accounts::types::Role;
use app::signer_import::views::RowOutcome;

/// Sends `method` to `path` with `token` and a raw `body`; the answer's
/// status, content type and JSON (null when empty).
pub async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<String>,
) -> (StatusCode, String, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, content_type, value)
}

async fn put(app: &TestApp, token: &str, ams_id: &str, body: &Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/signers/{ams_id}");
    let (status, _, value) =
        send(app, Method::PUT, &path, Some(token), Some(body.to_string())).await;
    (status, value)
}

async fn delete(app: &TestApp, token: &str, ams_id: &str) -> StatusCode {
    let path = format!("/api/v1/signers/{ams_id}");
    send(app, Method::DELETE, &path, Some(token), None).await.0
}

async fn account_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

/// Budi as AMS knows him (the data of `AccountSpec::default()`).
fn budi() -> Value {
    json!({
        "email": "budi.santoso@kominfo.go.id",
        "full_name": "Budi Santoso",
        "nik": "3201011508900001",
        "phone": "081234567890",
        "agency": "Instansi Uji",
        "status": "verified",
    })
}

/// The account's stored row (every column the sync writes) and the number
/// of audit entries.
async fn stored(app: &TestApp, ams_id: &str) -> (String, i64) {
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<Vec<u8>>,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let row: Row = sqlx::query_as(
        "SELECT id, email, full_name, nik_masked, nik_digest, phone, agency, status, role, updated_at
         FROM accounts WHERE ams_id = $1",
    )
    .bind(ams_id)
    .fetch_one(app.services().db.pool())
    .await
    .unwrap();
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    (format!("{row:?}"), audit)
}

/// A new signer is created (201), the same PUT again answers `unchanged`
/// and writes nothing (row and audit log alike), a change names its fields.
async fn the_same_put_twice_changes_nothing_the_second_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    let (status, created) = put(&app, &token, "AMS-0001", &budi()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created, json!({"result": "created", "changed": []}));
    let before = stored(&app, "AMS-0001").await;

    app.clock.advance(60);
    let (status, again) = put(&app, &token, "AMS-0001", &budi()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again, json!({"result": "unchanged", "changed": []}));
    assert_eq!(stored(&app, "AMS-0001").await, before, "nothing written");

    let mut changed = budi();
    changed["phone"] = json!("+62 813 1111 2222");
    changed["agency"] = json!(null);
    let (status, updated) = put(&app, &token, "AMS-0001", &changed).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(
        updated,
        json!({"result": "updated", "changed": ["phone", "agency"]})
    );
    let after = stored(&app, "AMS-0001").await;
    assert!(after.0.contains("\"081311112222\""), "{after:?}");
    assert_eq!(after.1, before.1 + 1, "one audit entry for the change");
    app.stop().await;
}

/// AMS's id is the key: an account with the email and no id gets it, and
/// AMS can then change the email; the account (and its devices) stays.
/// An email held by another account, or an id another account has, is a
/// conflict that changes nothing.
async fn ams_changes_a_signers_email_through_the_ams_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    let (status, attached) = put(&app, &token, "AMS-0001", &budi()).await;
    assert_eq!(status, StatusCode::OK, "{attached}");
    assert_eq!(attached["changed"], json!(["ams_id"]));

    let mut moved = budi();
    moved["email"] = json!("Budi.Santoso@Komdigi.go.id");
    let (status, body) = put(&app, &token, "AMS-0001", &moved).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["changed"], json!(["email"]));
    let (id, email): (String, String) =
        sqlx::query_as("SELECT id, email FROM accounts WHERE ams_id = 'AMS-0001'")
            .fetch_one(app.services().db.pool())
            .await
            .unwrap();
    assert_eq!(id, signer.id, "the same account");
    assert_eq!(email, "budi.santoso@komdigi.go.id");
    assert_eq!(app.device_names(&signer.id).await, ["Hp Lama"]);

    let other = app
        .create_account(AccountSpec {
            email: "siti.rahmawati@bssn.go.id",
            nik: Some("3273015508920002"),
            ..Default::default()
        })
        .await;
    let before = stored(&app, "AMS-0001").await;
    let mut taken = budi();
    taken["email"] = json!(other.email);
    let (status, body) = put(&app, &token, "AMS-0001", &taken).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("email"), "{body}");
    // Budi's email under another AMS id: that account is AMS-0001 already.
    let (status, body) = put(&app, &token, "AMS-0002", &moved).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("AMS-0001"),
        "{body}"
    );
    assert_eq!(stored(&app, "AMS-0001").await, before);
    app.stop().await;
}

/// DELETE suspends: the signed-in signer's session is refused and the
/// link of their open request no longer works; a second DELETE changes
/// nothing. A PUT with `status: suspended` ends access the same way.
async fn deactivation_ends_sessions_and_links(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app.signer().await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    put(&app, &token, "AMS-0001", &budi()).await;
    let session = app.client();
    assert_eq!(app.log_in(&session, &signer, 0).await, StatusCode::OK);
    let (_, link) = open_request(&app, &signer).await;

    assert_eq!(
        delete(&app, &token, "AMS-0001").await,
        StatusCode::NO_CONTENT
    );
    let (status, _) = app.call(&session, "account", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended");
    let (status, body) = upload(&app, &link, FACE.to_vec()).await;
    assert_eq!(status, StatusCode::GONE, "the mailed link is void: {body}");
    let (record, audit) = stored(&app, "AMS-0001").await;
    assert!(record.contains("\"suspended\""), "{record}");
    assert_eq!(
        app.audit_count(&signer.id, "account_status_changed").await,
        1
    );
    assert_eq!(
        delete(&app, &token, "AMS-0001").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(stored(&app, "AMS-0001").await, (record, audit), "no change");

    // Back to verified, signed in again, then suspended through a PUT.
    let (status, body) = put(&app, &token, "AMS-0001", &budi()).await;
    assert_eq!(body["changed"], json!(["status"]), "{status} {body}");
    app.clock.advance(30);
    let session = app.client();
    assert_eq!(app.log_in(&session, &signer, 0).await, StatusCode::OK);
    let (_, link) = open_request(&app, &signer).await;
    let mut suspended = budi();
    suspended["status"] = json!("suspended");
    let (_, body) = put(&app, &token, "AMS-0001", &suspended).await;
    assert_eq!(body["changed"], json!(["status"]), "{body}");
    let (status, _) = app.call(&session, "account", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended");
    let (status, body) = upload(&app, &link, FACE.to_vec()).await;
    assert_eq!(status, StatusCode::GONE, "the mailed link is void: {body}");
    let closed = app
        .count(
            "SELECT COUNT(*) FROM tickets WHERE account_id = $1 AND status = 'closed'",
            &signer.id,
        )
        .await;
    assert_eq!(closed, 2, "both requests closed");
    assert_eq!(app.audit_count(&signer.id, "signer_access_ended").await, 1);

    let (status, content_type, body) = send(
        &app,
        Method::DELETE,
        "/api/v1/signers/AMS-9999",
        Some(&token),
        None,
    )
    .await;
    assert_problem(status, &content_type, &body, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// Staff accounts are never changed through the sync.
async fn staff_accounts_are_not_synced(backend: Backend) {
    let app = spawn_app(backend).await;
    let (admin, _) = app.staff(Role::Admin, "admin@bsre.go.id").await;
    sqlx::query("UPDATE accounts SET ams_id = 'AMS-STAFF' WHERE id = $1")
        .bind(&admin.id)
        .execute(app.services().db.pool())
        .await
        .unwrap();
    let (_, token) = client_token(&app, "sync", &[]).await;
    let before = stored(&app, "AMS-STAFF").await;
    assert_eq!(
        delete(&app, &token, "AMS-STAFF").await,
        StatusCode::CONFLICT
    );
    let mut body = budi();
    body["email"] = json!("admin@bsre.go.id");
    let (status, answer) = put(&app, &token, "AMS-0001", &body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    let (status, answer) = put(&app, &token, "AMS-STAFF", &budi()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(stored(&app, "AMS-STAFF").await, before);
    app.stop().await;
}

/// The device listing: names and RFC 3339 dates, nothing to act with.
async fn the_device_listing_has_no_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let signer = app
        .create_account(AccountSpec {
            devices: &["Hp Lama", "Hp Baru"],
            ..Default::default()
        })
        .await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    put(&app, &token, "AMS-0001", &budi()).await;
    assert_eq!(app.log_in(&app.client(), &signer, 1).await, StatusCode::OK);

    let path = "/api/v1/signers/AMS-0001/devices";
    let (status, _, body) = send(&app, Method::GET, path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"devices": [
            {"name": "Hp Lama", "added_at": "2026-11-26T09:00:15Z"},
            {"name": "Hp Baru", "added_at": "2026-11-27T09:00:15Z",
             "last_used_at": "2026-11-28T09:00:15Z"},
        ]})
    );
    let text = body.to_string();
    for id in app.device_ids(&signer.id).await {
        assert!(!text.contains(&id), "no device id: {text}");
    }
    assert!(!text.contains(&signer.secret(0).to_base32()), "{text}");
    assert_eq!(
        app.audit_count(&signer.id, "signer_devices_listed").await,
        1
    );

    let unknown = "/api/v1/signers/AMS-9999/devices";
    let (status, content_type, body) = send(&app, Method::GET, unknown, Some(&token), None).await;
    assert_problem(status, &content_type, &body, StatusCode::NOT_FOUND);
    app.stop().await;
}

/// A client without the `sync` scope is refused on every sync route, one
/// without a token too; the sync scope does not allow validating.
async fn only_the_sync_scope_may_sync(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, validate_only) = client_token(&app, "validate", &[]).await;
    let (_, sync_only) = client_token(&app, "sync", &[]).await;
    let signer = "/api/v1/signers/AMS-0001";
    let calls = [
        (Method::PUT, signer, Some(budi().to_string())),
        (Method::DELETE, signer, None),
        (Method::GET, "/api/v1/signers/AMS-0001/devices", None),
    ];
    for (method, path, body) in calls {
        let (status, content_type, answer) = send(
            &app,
            method.clone(),
            path,
            Some(&validate_only),
            body.clone(),
        )
        .await;
        assert_problem(status, &content_type, &answer, StatusCode::FORBIDDEN);
        assert!(
            answer["detail"].as_str().unwrap().contains("`sync`"),
            "{answer}"
        );
        let (status, content_type, answer) = send(&app, method, path, None, body).await;
        assert_problem(status, &content_type, &answer, StatusCode::UNAUTHORIZED);
    }
    let validate = json!({"signer": "AMS-0001", "code": "123456"}).to_string();
    let (status, content_type, answer) = send(
        &app,
        Method::POST,
        "/api/v1/validate",
        Some(&sync_only),
        Some(validate),
    )
    .await;
    assert_problem(status, &content_type, &answer, StatusCode::FORBIDDEN);
    assert_eq!(account_count(&app).await, 0, "nothing stored");
    app.stop().await;
}

/// Every bad body or path is a 400 problem naming the field, in both
/// languages; nothing is stored.
async fn bad_bodies_answer_problems_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    let with = |field: &str, value: Value| {
        let mut body = budi();
        body[field] = value;
        body.to_string()
    };
    let without = |field: &str| {
        let mut body = budi();
        body.as_object_mut().unwrap().remove(field);
        body.to_string()
    };
    let with_photo = |photo: String| {
        let mut body = budi();
        body["reference_photo"] = json!(photo);
        body["photo_consent"] = json!(true);
        body.to_string()
    };
    let mut unconsented = budi();
    unconsented["reference_photo"] = json!(STANDARD.encode(FACE));
    let cases = [
        ("AMS-0001", "{\"email\": ".to_string(), "JSON"),
        ("AMS-0001", without("email"), "email"),
        ("AMS-0001", with("email", json!("budi@")), "email"),
        ("AMS-0001", with("full_name", json!(" ")), "full_name"),
        ("AMS-0001", with("nik", json!("3201")), "nik"),
        ("AMS-0001", with("nik", json!(3201011508900001_u64)), "nik"),
        ("AMS-0001", with("phone", json!("12345")), "phone"),
        ("AMS-0001", with("agency", json!("x".repeat(201))), "agency"),
        ("AMS-0001", with("status", json!("aktif")), "status"),
        ("AMS-0001", with("nama", json!("Budi")), "nama"),
        ("AMS-0001", unconsented.to_string(), "photo_consent"),
        (
            "AMS-0001",
            with_photo("bukan base64!".into()),
            "reference_photo",
        ),
        (
            "AMS-0001",
            with_photo(STANDARD.encode(b"bukan foto")),
            "reference_photo",
        ),
        (&"A".repeat(65), budi().to_string(), "ams_id"),
        ("AMS%200001", budi().to_string(), "ams_id"),
    ];
    for (ams_id, body, field) in cases {
        let path = format!("/api/v1/signers/{ams_id}");
        let (status, content_type, answer) =
            send(&app, Method::PUT, &path, Some(&token), Some(body.clone())).await;
        assert_problem(status, &content_type, &answer, StatusCode::BAD_REQUEST);
        for detail in ["detail", "detail_en"] {
            assert!(
                answer[detail].as_str().unwrap().contains(field),
                "{field} in {answer} for {body}"
            );
        }
    }
    assert_eq!(account_count(&app).await, 0, "nothing stored");
    app.stop().await;
}

/// The import and the sync are one path: the same data stores the same
/// account whichever came first, the reference photo included.
async fn csv_import_and_put_store_the_same_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, token) = client_token(&app, "sync", &[]).await;
    let photo = STANDARD.encode(FACE);
    let mut first = budi();
    first["reference_photo"] = json!(photo);
    first["photo_consent"] = json!(true);
    let (status, body) = put(&app, &token, "AMS-0001", &first).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let after_put = stored(&app, "AMS-0001").await;

    let photos = app.data_dir.join("foto");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::write(photos.join("budi.jpg"), FACE).unwrap();
    let csv = "ams_id,email,full_name,nik,phone,agency,status,photo,photo_consent\n\
               AMS-0001,budi.santoso@kominfo.go.id,Budi Santoso,3201011508900001,081234567890,Instansi Uji,verified,budi.jpg,ya\n\
               AMS-0002,siti.rahmawati@bssn.go.id,Siti Rahmawati,3273015508920002,,,unverified,,\n";
    let report = import(&app, csv, &photos).await;
    let outcomes: Vec<&RowOutcome> = report.rows.iter().map(|r| &r.outcome).collect();
    assert_eq!(outcomes, [&RowOutcome::Unchanged, &RowOutcome::Created]);
    let (row, audit) = stored(&app, "AMS-0001").await;
    assert_eq!(row, after_put.0, "the import found nothing to change");
    assert_eq!(audit, after_put.1 + 2, "the new row and the import itself");

    let siti = json!({
        "email": "siti.rahmawati@bssn.go.id",
        "full_name": "Siti Rahmawati",
        "nik": "3273015508920002",
        "status": "unverified",
    });
    let before = stored(&app, "AMS-0002").await;
    let (status, body) = put(&app, &token, "AMS-0002", &siti).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"], "unchanged", "{body}");
    assert_eq!(stored(&app, "AMS-0002").await, before);
    app.stop().await;
}

async fn import(
    app: &TestApp,
    csv: &str,
    photos: &std::path::Path,
) -> app::signer_import::views::ImportReport {
    use app::audit::Actor;
    use app::signer_import::service::{Mode, PhotoFolder, import};
    import(
        app.services(),
        csv.as_bytes(),
        &PhotoFolder(Some(photos.to_path_buf())),
        Mode::Apply,
        Actor::CommandLine,
        None,
        app.now(),
    )
    .await
    .expect("the file is imported")
}

/// The OpenAPI document needs no token and describes exactly the routes
/// served: each documented method answers on its path (with a problem or
/// JSON, never the site's 404 page), every other method is refused.
async fn the_openapi_document_matches_the_routes(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, content_type, document) =
        send(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/signers/{ams_id}", "delete"),
        ("/api/v1/signers/{ams_id}", "put"),
        ("/api/v1/signers/{ams_id}/devices", "get"),
        ("/api/v1/validate", "post"),
    ]
    .into_iter()
    .map(|(p, m)| (p.to_string(), m.to_string()))
    .collect();
    assert_eq!(documented, expected);
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["scheme"], "bearer", "{scheme}");
    for schema in [
        "ProblemBody",
        "SignerPut",
        "SignerSynced",
        "DeviceList",
        "ValidateRequest",
        "ValidateResponse",
    ] {
        assert!(
            document["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
    for (path, method) in documented
        .iter()
        .filter(|(p, _)| p != "/api/v1/openapi.json")
    {
        let operation = &document["paths"][path][method];
        assert_eq!(
            operation["security"],
            json!([{"bearer": []}]),
            "{method} {path}"
        );
        for status in ["400", "401", "403", "429", "503"] {
            let problem = &operation["responses"][status]["content"]["application/problem+json"];
            assert!(
                problem.is_object(),
                "{status} of {method} {path}: {operation}"
            );
        }
    }
    let put = &document["paths"]["/api/v1/signers/{ams_id}"]["put"];
    let body = &put["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/SignerPut");

    let (_, token) = client_token(&app, "validate,sync", &[]).await;
    let methods = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
    ];
    let paths: BTreeSet<&String> = documented.iter().map(|(p, _)| p).collect();
    for path in paths {
        let url = path.replace("{ams_id}", "AMS-0001");
        for method in &methods {
            let (status, content_type, _) =
                send(&app, method.clone(), &url, Some(&token), Some("{}".into())).await;
            let is_documented =
                documented.contains(&(path.clone(), method.as_str().to_lowercase()));
            if is_documented {
                assert!(
                    content_type.starts_with("application/json")
                        || content_type == "application/problem+json",
                    "{method} {url}: {status} {content_type}"
                );
            } else {
                assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
            }
        }
    }
    app.stop().await;
}

on_both_backends!(
    the_same_put_twice_changes_nothing_the_second_time,
    ams_changes_a_signers_email_through_the_ams_id,
    deactivation_ends_sessions_and_links,
    staff_accounts_are_not_synced,
    the_device_listing_has_no_secret,
    only_the_sync_scope_may_sync,
    bad_bodies_answer_problems_naming_the_field,
    csv_import_and_put_store_the_same_account,
    the_openapi_document_matches_the_routes,
);
