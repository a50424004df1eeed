//! The Telegram bot against a local Bot API server: the conversation, no
//! account enumeration, exactly-once tickets across restarts and
//! redeliveries, two processes, groups, and webhook mode.

use reqwest::StatusCode;

use crate::fake_telegram::{FakeTelegram, button, text};
use crate::helpers::{Backend, Options, TestApp, folder_mail, spawn_app_with, wait_for};
use crate::on_both_backends;
use app::telegram::conversation::{BUTTON_OTP, GENERIC_OTP_ANSWER};

const CHAT: i64 = 5551;

async fn bot_app(backend: Backend) -> (TestApp, FakeTelegram) {
    let fake = FakeTelegram::start().await;
    let app = spawn_app_with(
        backend,
        Options {
            telegram_api_base: Some(fake.base.clone()),
            ..Default::default()
        },
    )
    .await;
    (app, fake)
}

async fn tickets(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT channel, status FROM tickets")
        .fetch_all(app.services().db.pool())
        .await
        .unwrap()
}

/// The bot's work as the database records it.
#[derive(Debug, Clone, Copy)]
struct BotWork {
    /// Updates recorded as handled (refused and duplicate-free).
    updates: i64,
    /// Replies queued and not yet delivered.
    unsent: i64,
    /// Replies handed to a sender more than once (each claim counts an attempt).
    claimed_again: i64,
}

async fn bot_work(app: &TestApp) -> BotWork {
    let pool = app.services().db.pool();
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    BotWork {
        updates: count("SELECT COUNT(*) FROM telegram_updates").await,
        unsent: count("SELECT COUNT(*) FROM telegram_outbox WHERE sent_at IS NULL").await,
        claimed_again: count("SELECT COUNT(*) FROM telegram_outbox WHERE attempts > 1").await,
    }
}

/// Waits until `updates` updates are recorded as handled and every reply
/// they queued has been delivered. An update's replies are queued in the
/// transaction that records it, and a reply is marked sent only after the
/// Bot API acknowledged it; with no reply handed out twice, the fake then
/// holds every reply the bot will ever send for those updates.
async fn wait_until_settled(app: &TestApp, updates: i64) -> BotWork {
    let work = wait_for(
        format!("{updates} updates handled and every queued reply delivered"),
        async || Some(bot_work(app).await).filter(|w| w.updates >= updates && w.unsent == 0),
    )
    .await;
    assert_eq!(
        work.claimed_again, 0,
        "each reply handed to one sender, once"
    );
    work
}

/// Replies of `method` queued for a chat, delivered or not.
async fn queued(app: &TestApp, chat_id: i64, method: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM telegram_outbox WHERE chat_id = $1 AND method = $2")
        .bind(chat_id)
        .bind(method)
        .fetch_one(app.services().db.pool())
        .await
        .unwrap()
}

async fn a_request_by_chat_creates_one_telegram_ticket_and_one_mail(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let signer = app.signer().await;
    fake.push(text(1, CHAT, "/start"));
    fake.wait_for_text(CHAT, "Silakan pilih kategori").await;
    let menu = fake
        .calls("sendMessage")
        .into_iter()
        .find(|m| m["reply_markup"].is_object())
        .unwrap();
    assert_eq!(
        menu["reply_markup"]["inline_keyboard"][0][0]["text"],
        "Permohonan OTP"
    );
    fake.push(button(2, CHAT, BUTTON_OTP));
    fake.wait_for_text(CHAT, "Anda memilih kategori Permohonan OTP. Mohon inputkan NIK anda. /cancel jika ingin mengganti kategori").await;
    assert_eq!(
        fake.calls("answerCallbackQuery")[0]["callback_query_id"],
        "cb2"
    );
    fake.push(text(3, CHAT, "3201011508900001"));
    fake.wait_for_text(CHAT, "Mohon inputkan email dinas anda")
        .await;
    assert_eq!(
        fake.calls("deleteMessage")[0]["message_id"],
        30,
        "the message with the NIK is removed"
    );
    // Between the two steps the chat state holds the NIK: sealed, not in clear.
    app.assert_nik_never_in_clear("3201011508900001").await;
    fake.push(text(4, CHAT, &signer.email));
    let summary = fake.wait_for_text(CHAT, "Ringkasan permohonan").await;
    assert!(
        summary.contains("NIK: 3201********0001") && summary.contains(GENERIC_OTP_ANSWER),
        "{summary}"
    );
    assert!(
        fake.texts(CHAT)
            .iter()
            .all(|t| !t.contains("3201011508900001")),
        "the NIK is never echoed in full"
    );
    assert_eq!(
        tickets(&app).await,
        [("telegram".to_string(), "awaiting_selfie".to_string())]
    );
    let mail = folder_mail(&app, &signer.email, "Permohonan Reset OTP").await;
    assert!(mail.text.contains("/verifikasi/"));
    assert_eq!(
        app.mail_count("otp_request_received", &signer.email).await,
        1
    );
    app.stop().await;
}

async fn an_unknown_account_gets_the_same_answer_and_nothing_is_created(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    app.signer().await;
    for (chat, nik, email) in [
        (1, "3201011508900001", "tidak.ada@kominfo.go.id"),
        (2, "3201011508900002", "budi.santoso@kominfo.go.id"),
    ] {
        fake.push(button(chat * 10, chat, BUTTON_OTP));
        fake.push(text(chat * 10 + 1, chat, nik));
        fake.push(text(chat * 10 + 2, chat, email));
        let summary = fake.wait_for_text(chat, "Ringkasan permohonan").await;
        assert!(summary.ends_with(GENERIC_OTP_ANSWER), "{summary}");
    }
    assert!(tickets(&app).await.is_empty());
    assert_eq!(
        app.mail_count("otp_request_received", "budi.santoso@kominfo.go.id")
            .await,
        0
    );
    app.stop().await;
}

async fn invalid_nik_and_email_get_a_hint_and_the_same_question(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    fake.push(button(1, CHAT, BUTTON_OTP));
    fake.push(text(2, CHAT, "12345"));
    fake.wait_for_text(
        CHAT,
        "NIK harus terdiri dari 16 angka. Mohon inputkan NIK anda.",
    )
    .await;
    fake.push(text(3, CHAT, "9901011508900001"));
    fake.wait_for_text(CHAT, "Kode provinsi pada NIK").await;
    fake.push(text(4, CHAT, "3201011508900001"));
    fake.push(text(5, CHAT, "budi@"));
    fake.wait_for_text(
        CHAT,
        "Format email tidak valid. Contoh: nama@instansi.go.id Mohon inputkan email dinas anda",
    )
    .await;
    app.stop().await;
}

async fn cancel_works_at_every_step(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    // Update ids only grow, as Telegram's do: an offset acknowledges every
    // lower id, so a lower id pushed later would never be delivered.
    let steps: [&[serde_json::Value]; 3] = [
        &[button(101, 1, BUTTON_OTP)],
        &[button(201, 2, BUTTON_OTP), text(202, 2, "3201011508900001")],
        &[
            button(301, 3, BUTTON_OTP),
            text(302, 3, "3201011508900001"),
            text(303, 3, "bukan"),
        ],
    ];
    for (i, updates) in steps.iter().enumerate() {
        let chat = i as i64 + 1;
        for update in *updates {
            fake.push(update.clone());
        }
        fake.push(text(chat * 100 + 10, chat, "/cancel"));
        fake.wait_for_text(chat, "Permintaan dibatalkan. Silakan pilih kategori")
            .await;
        fake.push(text(chat * 100 + 20, chat, "budi.santoso@kominfo.go.id"));
        fake.wait_for_text(chat, "Silakan pilih kategori, atau ketik /help")
            .await;
    }
    assert!(tickets(&app).await.is_empty());
    app.stop().await;
}

async fn a_restart_mid_conversation_continues_with_exactly_one_ticket(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let signer = app.signer().await;
    fake.push(button(1, CHAT, BUTTON_OTP));
    fake.push(text(2, CHAT, "3201011508900001"));
    fake.wait_for_text(CHAT, "Mohon inputkan email dinas anda")
        .await;
    // The first process stops mid-conversation; another on the same database takes over.
    let mut app = app;
    app.app.take().unwrap().stop().await;
    let second = app
        .second_process(Options {
            telegram_api_base: Some(fake.base.clone()),
            ..Default::default()
        })
        .await;
    fake.push(text(3, CHAT, &signer.email));
    fake.wait_for_text(CHAT, "Ringkasan permohonan").await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets")
        .fetch_one(second.services().db.pool())
        .await
        .unwrap();
    assert_eq!(count, 1);
    second.stop().await;
    app.stop().await;
}

async fn an_update_delivered_twice_is_handled_once(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let signer = app.signer().await;
    fake.push(button(1, CHAT, BUTTON_OTP));
    fake.push(text(2, CHAT, "3201011508900001"));
    fake.push(text(3, CHAT, &signer.email));
    fake.wait_for_text(CHAT, "Ringkasan permohonan").await;
    // Telegram redelivers an update when the acknowledgement was lost.
    fake.redeliver(text(3, CHAT, &signer.email));
    fake.push(text(4, CHAT, "/help"));
    fake.wait_for_text(CHAT, "/status <nomor tiket>").await;
    assert_eq!(
        fake.redeliveries_pending(),
        0,
        "the update was delivered again"
    );
    assert_eq!(
        fake.texts(CHAT)
            .iter()
            .filter(|t| t.contains("Ringkasan permohonan"))
            .count(),
        1
    );
    assert_eq!(tickets(&app).await.len(), 1);
    app.stop().await;
}

async fn two_processes_never_both_poll_or_answer(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let second = app
        .second_process(Options {
            telegram_api_base: Some(fake.base.clone()),
            ..Default::default()
        })
        .await;
    for chat in 1..=20 {
        fake.push(text(chat, chat, "/start"));
    }
    for chat in 1..=20 {
        fake.wait_for_text(chat, "Selamat datang").await;
    }
    // Every update handled and every reply delivered: nothing more can come.
    wait_until_settled(&app, 20).await;
    for chat in 1..=20 {
        assert_eq!(fake.texts(chat).len(), 1, "chat {chat} answered once");
    }
    assert_eq!(fake.most_polls_at_once(), 1, "only the lease holder polls");
    second.stop().await;
    app.stop().await;
}

async fn group_chats_are_refused_politely(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let mut update = text(1, -100, "/start");
    update["message"]["chat"]["type"] = "group".into();
    fake.push(update);
    fake.wait_for_text(-100, "hanya melayani chat pribadi")
        .await;
    // A busy group is told once a day, not once per message.
    for id in 2..=20 {
        let mut update = text(id, -100, "halo semua");
        update["message"]["chat"]["type"] = "supergroup".into();
        fake.push(update);
    }
    wait_until_settled(&app, 20).await;
    assert_eq!(queued(&app, -100, "sendMessage").await, 1);
    app.clock.advance(86_400 + 1);
    let mut update = text(21, -100, "/start");
    update["message"]["chat"]["type"] = "group".into();
    fake.push(update);
    wait_until_settled(&app, 21).await;
    assert_eq!(queued(&app, -100, "sendMessage").await, 2, "a day later");
    assert_eq!(fake.texts(-100).len(), 2);
    let chats: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM telegram_chats")
        .fetch_one(app.services().db.pool())
        .await
        .unwrap();
    assert_eq!(chats, 0);
    app.stop().await;
}

async fn status_answers_only_with_the_matching_email(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let signer = app.signer().await;
    let (number, _) = crate::helpdesk::open_request(&app, &signer).await;
    fake.push(text(1, CHAT, &format!("/status {number}")));
    fake.push(text(2, CHAT, &signer.email));
    let answer = fake.wait_for_text(CHAT, &format!("Tiket #{number}")).await;
    assert!(answer.contains("Menunggu pengecekan data diri"), "{answer}");
    fake.push(text(3, CHAT, &format!("/status {number}")));
    fake.push(text(4, CHAT, "orang.lain@kominfo.go.id"));
    fake.wait_for_text(CHAT, "Tiket tidak ditemukan").await;
    app.stop().await;
}

async fn webhook_mode_checks_the_secret_and_handles_updates_once(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let secret = "rahasia-webhook-0123456789";
    let app = spawn_app_with(
        backend,
        Options {
            telegram_api_base: Some(fake.base.clone()),
            telegram_webhook_secret: Some(secret.into()),
            ..Default::default()
        },
    )
    .await;
    let registered = fake.calls("setWebhook");
    assert_eq!(
        registered[0]["url"],
        format!("{}/telegram/webhook", app.base)
    );
    assert_eq!(registered[0]["secret_token"], secret);
    let client = app.client();
    let post = |secret: &str| {
        client
            .post(app.url("/telegram/webhook"))
            .header("x-telegram-bot-api-secret-token", secret)
            .json(&text(7, CHAT, "/start"))
    };
    assert_eq!(
        post("salah").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    // The secret is checked before the body is read: a stranger's garbage
    // is refused as a stranger's, not parsed.
    let garbage = |secret: &str| {
        client
            .post(app.url("/telegram/webhook"))
            .header("x-telegram-bot-api-secret-token", secret)
            .header("content-type", "text/plain")
            .body("{ bukan json")
    };
    assert_eq!(
        garbage("salah").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        garbage(secret).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(post(secret).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(post(secret).send().await.unwrap().status(), StatusCode::OK);
    fake.wait_for_text(CHAT, "Selamat datang").await;
    // Both deliveries were handled before their 200 (the second found the
    // update recorded); once the replies are out, nothing more can come.
    assert_eq!(wait_until_settled(&app, 1).await.updates, 1);
    assert_eq!(queued(&app, CHAT, "sendMessage").await, 1);
    assert_eq!(fake.texts(CHAT).len(), 1);
    assert!(fake.calls("getUpdates").is_empty());
    app.stop().await;
}

async fn a_flooding_chat_is_answered_only_up_to_its_limit(backend: Backend) {
    let (app, fake) = bot_app(backend).await;
    let limit = app::platform::rate_limit::CHAT_MESSAGES_PER_MINUTE as i64;
    for id in 1..=limit + 10 {
        fake.push(text(id, CHAT, "/help"));
    }
    fake.push(text(1000, CHAT + 1, "/start"));
    fake.wait_for_text(CHAT + 1, "Selamat datang").await;
    // All the flood handled (the refused messages are recorded too) and
    // every reply delivered.
    wait_until_settled(&app, limit + 11).await;
    assert_eq!(queued(&app, CHAT, "sendMessage").await, limit);
    assert_eq!(
        fake.texts(CHAT).len() as i64,
        limit,
        "the extra messages are not answered"
    );
    // The budget refills on the app's clock alone: real time passing while
    // the clock stands still gives nothing back…
    // (Update ids only grow: Telegram's offset acknowledges every lower id.)
    fake.push(text(1001, CHAT, "/help"));
    wait_until_settled(&app, limit + 12).await;
    assert_eq!(fake.texts(CHAT).len() as i64, limit, "still over the limit");
    // …and a minute later by the clock the chat is answered again.
    app.clock.advance(60);
    fake.push(text(1002, CHAT, "/help"));
    let texts = fake.wait_for_texts(CHAT, limit as usize + 1).await;
    assert_eq!(
        texts[limit as usize - 1],
        texts[limit as usize],
        "the /help answer"
    );
    wait_until_settled(&app, limit + 13).await;
    assert_eq!(fake.texts(CHAT).len() as i64, limit + 1);
    app.stop().await;
}

on_both_backends!(
    a_flooding_chat_is_answered_only_up_to_its_limit,
    a_request_by_chat_creates_one_telegram_ticket_and_one_mail,
    an_unknown_account_gets_the_same_answer_and_nothing_is_created,
    invalid_nik_and_email_get_a_hint_and_the_same_question,
    cancel_works_at_every_step,
    a_restart_mid_conversation_continues_with_exactly_one_ticket,
    an_update_delivered_twice_is_handled_once,
    two_processes_never_both_poll_or_answer,
    group_chats_are_refused_politely,
    status_answers_only_with_the_matching_email,
    webhook_mode_checks_the_secret_and_handles_updates_once,
);
