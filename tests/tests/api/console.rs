//! The staff console: who may call what, and the settings.

use reqwest::StatusCode;
use server::http::staff_gate::staff_server_fns;

use crate::helpers::{Backend, Options, TestAccount, TestApp, spawn_app, wait_until};
use crate::identity::submitted_ticket;
use crate::on_both_backends;
use app::accounts::types::Role;

struct Callers {
    signer_account: TestAccount,
    anonymous: reqwest::Client,
    signer: reqwest::Client,
    verifier: reqwest::Client,
    admin: reqwest::Client,
}

async fn callers(app: &TestApp) -> Callers {
    let signer = app.signer().await;
    let signer_client = app.client();
    assert_eq!(app.log_in(&signer_client, &signer, 0).await, StatusCode::OK);
    Callers {
        signer_account: signer,
        anonymous: app.client(),
        signer: signer_client,
        verifier: app.staff(Role::Verifier, "verifikator@bsre.go.id").await.1,
        admin: app.staff(Role::Admin, "admin@bsre.go.id").await.1,
    }
}

fn admitted(status: StatusCode) -> bool {
    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
}

/// Every registered server function under `staff/` or `admin/` (found, not
/// listed by hand) and both photo routes, called as anonymous, signer,
/// verifier and admin: only the roles the prefix names get past the check.
async fn every_staff_function_and_photo_route_answers_only_its_roles(backend: Backend) {
    let app = spawn_app(backend).await;
    let who = callers(&app).await;
    let functions = staff_server_fns();
    for known in [
        "/api/staff/review/queue",
        "/api/staff/me",
        "/api/admin/settings/save",
    ] {
        assert!(
            functions.iter().any(|(path, _)| *path == known),
            "{known} is among {functions:?}"
        );
    }
    for (path, needed) in &functions {
        let endpoint = path.trim_start_matches("/api/");
        let (anonymous, _) = app.call(&who.anonymous, endpoint, &[]).await;
        assert_eq!(anonymous, StatusCode::UNAUTHORIZED, "{path} as anonymous");
        let (signer, _) = app.call(&who.signer, endpoint, &[]).await;
        assert_eq!(signer, StatusCode::FORBIDDEN, "{path} as signer");
        let (verifier, body) = app.call(&who.verifier, endpoint, &[]).await;
        assert_eq!(
            admitted(verifier),
            *needed == Role::Verifier,
            "{path} as verifier: {verifier} {body}"
        );
        let (admin, body) = app.call(&who.admin, endpoint, &[]).await;
        assert!(admitted(admin), "{path} as admin: {admin} {body}");
    }

    let owner = &who.signer_account;
    submitted_ticket(&app, owner).await;
    let selfie_id: String = sqlx::query_scalar("SELECT id FROM selfies WHERE account_id = $1")
        .bind(&owner.id)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    let photos = [
        format!("/admin/swafoto/{selfie_id}"),
        format!("/admin/referensi/{}", owner.id),
    ];
    for path in &photos {
        for (client, may) in [
            (&who.anonymous, false),
            (&who.signer, false),
            (&who.verifier, true),
            (&who.admin, true),
        ] {
            let (status, _) = app.get_page(client, path).await;
            assert_eq!(admitted(status), may, "{path}: {status}");
        }
    }
    app.stop().await;
}

/// An admin's change is checked whole, stored, audited and in force in
/// another process on the same database within seconds; a wrong value
/// changes nothing and says why.
async fn settings_are_checked_audited_and_live_in_every_process(backend: Backend) {
    let app = spawn_app(backend).await;
    let other = app.second_process(Options::default()).await;
    let who = callers(&app).await;
    assert_eq!(app.services().tunables().max_devices, 3);

    let (status, body) = app
        .call(
            &who.admin,
            "admin/settings/save",
            &[
                ("values[max_devices]", "0"),
                ("values[setup_link_hours]", "12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body.contains("Batas perangkat per akun: isi antara 1 dan 10"),
        "{body}"
    );
    assert_eq!(
        app.services().tunables().setup_link_hours,
        24,
        "nothing stored"
    );

    let (status, body) = app
        .call(
            &who.admin,
            "admin/settings/save",
            &[
                ("values[max_devices]", "2"),
                ("values[face_match_accept]", "0,85"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(app.services().tunables().max_devices, 2);
    wait_until("the other process to reload the settings", async || {
        other.services().tunables().max_devices == 2
            && other.services().tunables().face_match_accept == 0.85
    })
    .await;
    let changes: Vec<(String, String)> = sqlx::query_as(
        "SELECT actor, detail FROM audit_log WHERE action = 'setting_changed' ORDER BY id",
    )
    .fetch_all(app.services().db.pool())
    .await
    .unwrap();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].0, "admin@bsre.go.id");
    assert!(changes[0].1.contains(r#""from":"3""#) && changes[0].1.contains(r#""to":"2""#));

    let (status, _) = app
        .call(
            &who.verifier,
            "admin/settings/save",
            &[("values[max_devices]", "5")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    other.stop().await;
    app.stop().await;
}

on_both_backends!(
    every_staff_function_and_photo_route_answers_only_its_roles,
    settings_are_checked_audited_and_live_in_every_process,
);
