//! Every lookup on a hot path has an index: the plan of each hot query, on
//! a database seeded in bulk, scans no table in full. SQLite: `EXPLAIN
//! QUERY PLAN` (a `SCAN t` without an index fails). PostgreSQL: `EXPLAIN`
//! with the statistics the seed gathered (`ANALYZE`), and sequential scans
//! priced out (`enable_seqscan = off`) so that a small table's cheap scan
//! cannot hide a missing index: a `Seq Scan` in the plan then means no
//! index serves the query.
//! `cargo test -p tests --test api query_plans -- --nocapture` prints them.

use app::platform::db::Backend as DbBackend;
use server::seed_bulk::{Plan, seed};
use sqlx::Row;

use crate::helpers::{Backend, spawn_app};
use crate::on_both_backends;

enum Value {
    Text(&'static str),
    Int(i64),
    Bytes(&'static [u8]),
}
use Value::{Bytes, Int, Text};

const NOW: i64 = 1_795_856_415;

/// The hot queries, by what they look up, in the form the repo modules
/// (and the queues' own statement builder) run them.
fn hot_queries() -> Vec<(&'static str, String, Vec<Value>)> {
    let q = |name, sql: &str, values| (name, sql.to_string(), values);
    let claim = |queue: &app::platform::queue::Queue| {
        (
            queue.claim_sql(),
            vec![Text("bench"), Int(NOW + 60), Int(NOW)],
        )
    };
    let (mail_sql, mail_values) = claim(&app::mail::repo::QUEUE);
    let (telegram_sql, telegram_values) = claim(&app::telegram::repo::OUTBOX);
    let (webhook_sql, webhook_values) = claim(&app::events::repo::QUEUE);
    vec![
        q(
            "account by email",
            "SELECT id, password_hash FROM accounts WHERE email = $1",
            vec![Text("budi.santoso.0@kominfo.go.id")],
        ),
        q(
            "account by id",
            "SELECT email FROM accounts WHERE id = $1",
            vec![Text("0123")],
        ),
        q(
            "account by NIK digest",
            "SELECT id FROM accounts WHERE nik_digest = $1",
            vec![Bytes(b"digest")],
        ),
        q(
            "account by AMS id",
            "SELECT id FROM accounts WHERE ams_id = $1",
            vec![Text("AMS-1")],
        ),
        q(
            "session and its account by the cookie's session number and digest",
            "SELECT s.stage, a.email FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.id = $1 AND s.token_digest = $2 AND s.expires_at > $3",
            vec![Int(1), Bytes(b"digest"), Int(NOW)],
        ),
        q(
            "waiting session, its account and its devices (the code step's one read)",
            "SELECT s.stage, a.email, d.secret_sealed FROM sessions s
             JOIN accounts a ON a.id = s.account_id
             LEFT JOIN otp_devices d ON d.account_id = s.account_id
             WHERE s.id = $1 AND s.token_digest = $2 AND s.expires_at > $3 ORDER BY d.added_seq",
            vec![Int(1), Bytes(b"digest"), Int(NOW)],
        ),
        q(
            "signer by AMS id or email, with its devices (the validation API's one read)",
            "SELECT a.email, d.secret_sealed FROM accounts a
             LEFT JOIN otp_devices d ON d.account_id = a.id
             WHERE a.id = COALESCE((SELECT id FROM accounts WHERE ams_id = $1),
                                   (SELECT id FROM accounts WHERE email = $2))
             ORDER BY d.added_seq",
            vec![Text("AMS-1"), Text("budi.santoso.0@kominfo.go.id")],
        ),
        q(
            "sessions of a device",
            "DELETE FROM sessions WHERE account_id = $1 AND device_id = $2",
            vec![Text("a"), Text("d")],
        ),
        q(
            "sessions of an account",
            "DELETE FROM sessions WHERE account_id = $1",
            vec![Text("a")],
        ),
        q(
            "expired sessions",
            "DELETE FROM sessions WHERE expires_at <= $1",
            vec![Int(NOW)],
        ),
        q(
            "devices by account",
            "SELECT id, secret_sealed FROM otp_devices WHERE account_id = $1 ORDER BY added_seq",
            vec![Text("a")],
        ),
        q(
            "device name taken",
            "SELECT COUNT(*) FROM otp_devices WHERE account_id = $1 AND name_key = $2 AND id <> $3",
            vec![Text("a"), Text("ponsel 1"), Text("")],
        ),
        q(
            "replay guard, two right codes written together",
            "UPDATE otp_devices
             SET last_used_step = CASE id WHEN $1 THEN $2 WHEN $5 THEN $6 END,
                 last_used_at = CASE id WHEN $1 THEN $3 WHEN $5 THEN $7 END,
                 drift_steps = CASE id WHEN $1 THEN $4 WHEN $5 THEN $8 END
             WHERE id IN ($1, $5)
               AND (last_used_step IS NULL OR last_used_step < CASE id WHEN $1 THEN $2 WHEN $5 THEN $6 END)",
            vec![Text("d1"), Int(1), Int(NOW), Int(0), Text("d2"), Int(1), Int(NOW), Int(0)],
        ),
        q(
            "OTP counters cleared, two right codes written together",
            "UPDATE accounts SET otp_failures = 0, otp_locked_until = NULL
             WHERE (otp_locked_until IS NULL OR otp_locked_until <= $1) AND id IN ($2, $3)",
            vec![Int(NOW), Text("a1"), Text("a2")],
        ),
        q(
            "device-cookie counters cleared, two right codes written together",
            "DELETE FROM failure_counters
             WHERE (locked_until IS NULL OR locked_until <= $1) AND key IN ($2, $3)",
            vec![Int(NOW), Text("k1"), Text("k2")],
        ),
        q(
            "device-cookie counters still locked",
            "SELECT COUNT(*) FROM failure_counters WHERE key IN ($1, $2)",
            vec![Text("k1"), Text("k2")],
        ),
        q(
            "waiting sessions activated, two right codes written together",
            "UPDATE sessions
             SET token_digest = CASE id WHEN $7 THEN $1 WHEN $15 THEN $9 END,
                 device_id = CASE id WHEN $7 THEN $2 WHEN $15 THEN $10 END, stage = $17,
                 confirmed_until = NULL,
                 created_at = CASE id WHEN $7 THEN $3 WHEN $15 THEN $11 END,
                 last_seen_at = CASE id WHEN $7 THEN $3 WHEN $15 THEN $11 END,
                 expires_at = CASE id WHEN $7 THEN $4 WHEN $15 THEN $12 END,
                 ip = CASE id WHEN $7 THEN $5 WHEN $15 THEN $13 END,
                 user_agent = CASE id WHEN $7 THEN $6 WHEN $15 THEN $14 END
             WHERE id IN ($7, $15) AND token_digest = CASE id WHEN $7 THEN $8 WHEN $15 THEN $16 END
               AND stage = $18",
            vec![
                Bytes(b"new1"), Text("d1"), Int(NOW), Int(NOW + 900), Text("127.0.0.1"), Text("ua"), Int(1), Bytes(b"waiting1"),
                Bytes(b"new2"), Text("d2"), Int(NOW), Int(NOW + 900), Text("127.0.0.1"), Text("ua"), Int(2), Bytes(b"waiting2"),
                Text("active"), Text("awaiting_otp"),
            ],
        ),
        q(
            "pending enrollment by origin",
            "SELECT id, secret_sealed FROM pending_enrollments
             WHERE origin = $1 AND expires_at > $2 AND outcome IS NULL",
            vec![Text("o"), Int(NOW)],
        ),
        q(
            "outcome of a device added from /akun",
            "DELETE FROM pending_enrollments
             WHERE origin = $1 AND expires_at > $2 AND outcome IS NOT NULL
             RETURNING outcome",
            vec![Text("o"), Int(NOW)],
        ),
        q(
            "expired pending enrollments",
            "DELETE FROM pending_enrollments WHERE expires_at <= $1",
            vec![Int(NOW)],
        ),
        q(
            "failure counter",
            "SELECT failures, locked_until, updated_at FROM failure_counters WHERE key = $1",
            vec![Text("k")],
        ),
        q(
            "quiet failure counters",
            "DELETE FROM failure_counters WHERE updated_at < $1",
            vec![Int(NOW)],
        ),
        q(
            "rate-limit counts",
            "INSERT INTO rate_limit_counts (bucket, window_start, spent) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT (bucket, window_start) DO UPDATE SET spent = rate_limit_counts.spent + excluded.spent RETURNING bucket, window_start, spent",
            vec![Text("login:127.0.0.1"), Int(NOW), Int(1), Text("login:127.0.0.2"), Int(NOW), Int(1)],
        ),
        q(
            "old rate-limit counts",
            "DELETE FROM rate_limit_counts WHERE window_start < $1",
            vec![Int(NOW)],
        ),
        q(
            "unlock link by token digest",
            "UPDATE unlock_links SET used_at = $1 WHERE token_digest = $2 AND used_at IS NULL AND expires_at > $1 RETURNING account_id",
            vec![Int(NOW), Bytes(b"digest")],
        ),
        q(
            "last unlock link of an account",
            "SELECT MAX(created_at) FROM unlock_links WHERE account_id = $1",
            vec![Text("a")],
        ),
        q(
            "ticket by number",
            "SELECT id FROM tickets WHERE number = $1",
            vec![Text("d1q0517")],
        ),
        q(
            "ticket by id",
            "SELECT status FROM tickets WHERE id = $1",
            vec![Text("t")],
        ),
        q(
            "open tickets of an account",
            "SELECT id FROM tickets WHERE account_id = $1 AND status IN ('open', 'awaiting_selfie')",
            vec![Text("a")],
        ),
        q(
            "questions from a network",
            "SELECT COUNT(*) FROM tickets WHERE client_net = $1 AND created_at > $2 AND category = 'general_question'",
            vec![Text("127.0.0.0/24"), Int(NOW)],
        ),
        q(
            "questions of an account",
            "SELECT COUNT(*) FROM tickets WHERE account_id = $1 AND created_at > $2 AND category = 'general_question'",
            vec![Text("a"), Int(NOW)],
        ),
        q(
            "tickets waiting by status",
            "SELECT id FROM tickets WHERE status = $1 ORDER BY updated_at LIMIT $2",
            vec![Text("selfie_submitted"), Int(50)],
        ),
        q(
            "link token by digest",
            "SELECT id, ticket_id FROM link_tokens WHERE token_digest = $1",
            vec![Bytes(b"digest")],
        ),
        q(
            "link tokens of a ticket",
            "UPDATE link_tokens SET revoked_at = $1 WHERE ticket_id = $2 AND used_at IS NULL AND revoked_at IS NULL RETURNING id",
            vec![Int(NOW), Text("t")],
        ),
        q(
            "ticket events",
            "SELECT at, status, note FROM ticket_events WHERE ticket_id = $1 ORDER BY id",
            vec![Text("t")],
        ),
        q(
            "selfie of a ticket",
            "SELECT id FROM selfies WHERE ticket_id = $1 AND decision IS NULL ORDER BY submitted_at DESC LIMIT 1",
            vec![Text("t")],
        ),
        q(
            "selfies of an account",
            "SELECT id FROM selfies WHERE account_id = $1 ORDER BY submitted_at DESC",
            vec![Text("a")],
        ),
        q(
            "recent audit of an account",
            "SELECT COUNT(*) FROM audit_log WHERE subject_account_id = $1 AND action = $2 AND at > $3",
            vec![Text("a"), Text("login_failed"), Int(NOW)],
        ),
        q(
            "audit of a ticket",
            "SELECT ip, user_agent FROM audit_log WHERE ticket_id = $1 AND action = $2 ORDER BY id LIMIT 1",
            vec![Text("t"), Text("ticket_created")],
        ),
        q("mail outbox lease", &mail_sql, mail_values),
        q(
            "mail of a ticket",
            "SELECT id FROM mail_outbox WHERE ticket_id = $1 ORDER BY id",
            vec![Text("t")],
        ),
        q("Telegram outbox lease", &telegram_sql, telegram_values),
        q(
            "Telegram replies to a chat",
            "SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = $1 AND created_at > $2",
            vec![Int(42), Int(NOW)],
        ),
        q(
            "Telegram chat",
            "SELECT state_sealed, updated_at FROM telegram_chats WHERE chat_id = $1",
            vec![Int(42)],
        ),
        q(
            "handled Telegram updates",
            "DELETE FROM telegram_updates WHERE handled_at < $1",
            vec![Int(NOW)],
        ),
        q(
            "idle Telegram chats",
            "DELETE FROM telegram_chats WHERE updated_at < $1",
            vec![Int(NOW)],
        ),
        q("webhook delivery lease", &webhook_sql, webhook_values),
        q(
            "service client by id",
            "SELECT name FROM service_clients WHERE id = $1",
            vec![Text("c")],
        ),
    ]
}

/// The plan's lines, and whether one reads a whole table.
async fn plan_of(
    conn: &mut sqlx::AnyConnection,
    backend: DbBackend,
    sql: &str,
    values: &[Value],
) -> (Vec<String>, bool) {
    let explain = match backend {
        DbBackend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
        DbBackend::Postgres => format!("EXPLAIN {sql}"),
    };
    let mut query = sqlx::query(&explain);
    for value in values {
        query = match value {
            Text(text) => query.bind(*text),
            Int(number) => query.bind(*number),
            Bytes(bytes) => query.bind(bytes.to_vec()),
        };
    }
    let rows = query
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let lines: Vec<String> = rows
        .iter()
        .map(|row| match backend {
            // id, parent, notused, detail
            DbBackend::Sqlite => row.get::<String, _>(3),
            DbBackend::Postgres => row.get::<String, _>(0),
        })
        .collect();
    let full_scan = lines.iter().any(|line| match backend {
        DbBackend::Sqlite => {
            let line = line.trim_start();
            // A multi-row insert scans its own VALUES rows, no table.
            line.starts_with("SCAN ")
                && !line.contains(" USING ")
                && !line.ends_with("-ROW VALUES CLAUSE")
        }
        DbBackend::Postgres => line.contains("Seq Scan"),
    });
    (lines, full_scan)
}

async fn every_hot_lookup_uses_an_index(backend: Backend) {
    let app = spawn_app(backend).await;
    let svc = app.services();
    seed(
        svc,
        &Plan {
            signers: 3_000,
            devices: 3,
            first: 0,
            password: None,
        },
    )
    .await
    .expect("bulk seed");
    let db_backend = svc.db.backend();
    let mut conn = svc.db.pool().acquire().await.unwrap();
    if db_backend == DbBackend::Postgres {
        // The seed left the planner's statistics: it counts every row.
        for table in ["accounts", "otp_devices"] {
            let (estimated, counted): (f32, i64) = sqlx::query_as(&format!(
                "SELECT (SELECT reltuples FROM pg_class WHERE relname = '{table}'),
                        (SELECT count(*) FROM {table})"
            ))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
            assert_eq!(
                estimated as i64, counted,
                "{table}: the planner's row count"
            );
        }
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let mut scanned = Vec::new();
    for (name, sql, values) in hot_queries() {
        let (lines, full_scan) = plan_of(&mut conn, db_backend, &sql, &values).await;
        println!(
            "== {name} ({backend:?}){}",
            if full_scan { "  FULL SCAN" } else { "" }
        );
        for line in &lines {
            println!("   {line}");
        }
        if full_scan {
            scanned.push(name);
        }
    }
    if db_backend == DbBackend::Postgres {
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    drop(conn);
    assert!(
        scanned.is_empty(),
        "full table scans on {backend:?}: {scanned:?}"
    );
    app.stop().await;
}

on_both_backends!(every_hot_lookup_uses_an_index);
