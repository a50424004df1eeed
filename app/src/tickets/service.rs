//! Helpdesk rules: who may ask, how the request is matched against the AMS
//! data, and what a new OTP request does (supersede, ticket, link, mail).
//! Used by the web form and the Telegram bot alike.

use sqlx::AnyConnection;

use super::links;
use super::repo::{self, Asker, InsertTicket, TicketRow};
use super::ticket_number::TicketNumberer;
use super::types::{Category, LinkPurpose, MessageText, TicketChannel, TicketNumber, TicketStatus};
use super::views::{Receipt, TicketEventView, TicketView};
use crate::accounts::failures::{self, Admission};
use crate::accounts::repo::{self as accounts_repo, AccountRow, Counter};
use crate::accounts::service::{self as accounts_service, SessionHolder};
use crate::accounts::throttle;
use crate::accounts::types::{AccountStatus, Nik, OfficialEmail, PersonName, Role};
use crate::audit::{self, Actor, AuditEntry, AuditEvent};
use crate::events::{Event, repo as events_repo};
use crate::ids::{AccountId, TicketId};
use crate::mail::repo as mail_repo;
use crate::mail::templates;
use crate::platform::net::rate_limit_key;
use crate::platform::request::ClientInfo;
use crate::platform::state::Services;
use crate::time::UnixTime;

/// Mismatched submissions per account per hour before the form refuses more.
/// "Pertanyaan Umum" per account, and per client address, in 24 hours: room
/// for a signer's real questions, not for using the helpdesk's mail as a
/// relay of someone's text.
pub const QUESTIONS_PER_ACCOUNT_PER_DAY: i64 = 3;
pub const QUESTIONS_PER_ADDRESS_PER_DAY: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Unknown, unverified, suspended or staff: deliberately one answer.
    #[error(
        "Email ini tidak dapat mengajukan permohonan melalui Helpdesk. Pastikan Anda memakai email dinas yang \
         terdaftar di AMS dengan status verified. Jika akun Anda belum terverifikasi atau sedang ditangguhkan, \
         hubungi Helpdesk melalui kanal resmi."
    )]
    NotEligible,
    #[error(
        "Data yang Anda isi tidak cocok dengan data akun AMS. Periksa kembali nama lengkap dan NIK (16 angka sesuai KTP)."
    )]
    Mismatch,
    #[error(
        "Terlalu banyak percobaan dengan data yang tidak cocok untuk email ini dari perangkat Anda."
    )]
    TooManyMismatches { wait_seconds: i64 },
    #[error(
        "Batas pertanyaan tercapai: paling banyak {QUESTIONS_PER_ACCOUNT_PER_DAY} pertanyaan per akun dan \
         {QUESTIONS_PER_ADDRESS_PER_DAY} per jaringan dalam 24 jam. Tunggu jawaban petugas atas pertanyaan \
         sebelumnya, atau coba lagi besok."
    )]
    TooManyQuestions,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<RequestError> for crate::error::AppError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Database(e) => e.into(),
            RequestError::TooManyMismatches { wait_seconds } => {
                crate::error::AppError::TooManyAttempts(wait_seconds.max(1) as u64)
            }
            other => crate::error::AppError::Rejected(other.to_string()),
        }
    }
}

/// The account behind an email, if it may use the helpdesk (a verified signer).
pub async fn eligible_account(
    conn: &mut AnyConnection,
    email: &OfficialEmail,
) -> Result<Option<AccountRow>, sqlx::Error> {
    Ok(accounts_repo::find_by_email(conn, email)
        .await?
        .filter(|a| a.status == AccountStatus::Verified && a.role == Role::Signer))
}

/// "Periksa": whether an email may use the helpdesk.
pub async fn is_eligible(svc: &Services, email: &OfficialEmail) -> Result<bool, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    Ok(eligible_account(&mut conn, email).await?.is_some())
}

/// Where a helpdesk request came from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// The web form: the browser's address and user agent.
    Web(&'a ClientInfo),
    /// A private chat with the Telegram bot.
    Telegram { chat_id: i64 },
}

impl<'a> Origin<'a> {
    pub fn channel(&self) -> TicketChannel {
        match self {
            Self::Web(_) => TicketChannel::Web,
            Self::Telegram { .. } => TicketChannel::Telegram,
        }
    }

    /// The browser, recorded with every audit entry of the request.
    fn client(&self) -> Option<&'a ClientInfo> {
        match self {
            Self::Web(client) => Some(client),
            Self::Telegram { .. } => None,
        }
    }

    /// Who asks, for per-requester limits: the client address (an IPv6 /64
    /// is one) or the Telegram chat.
    fn requester(&self) -> String {
        match self {
            Self::Web(client) => format!("ip:{}", rate_limit_key(client.ip)),
            Self::Telegram { chat_id } => format!("chat:{chat_id}"),
        }
    }

    /// The browser's network as request budgets count it (an IPv6 client by
    /// its /64), stored on the ticket for the per-network question cap.
    fn network(&self) -> Option<String> {
        self.client().map(|c| rate_limit_key(c.ip).to_string())
    }

    /// The account as the actor of the request's audit entries; through
    /// Telegram, with the chat it wrote from.
    fn actor<'b>(&self, account: &'b AccountRow) -> Actor<'b> {
        match *self {
            Self::Web(_) => account.actor(),
            Self::Telegram { chat_id } => Actor::TelegramChat {
                id: &account.id,
                email: &account.email,
                chat_id,
            },
        }
    }
}

/// What a signer sends to ask for a new OTP device. The web form asks for the
/// full name too; the Telegram bot only for NIK and email.
pub struct OtpRequest<'a> {
    pub email: &'a OfficialEmail,
    pub nik: &'a Nik,
    pub full_name: Option<&'a PersonName>,
    pub origin: Origin<'a>,
}

pub async fn request_otp(
    svc: &Services,
    request: OtpRequest<'_>,
    now: UnixTime,
) -> Result<Receipt, RequestError> {
    let mut tx = svc.db.begin_write().await?;
    let result = request_otp_in(&mut tx, svc, request, now).await;
    // A mismatch is refused but still recorded (it counts toward the limit).
    if matches!(result, Ok(_) | Err(RequestError::Mismatch)) {
        tx.commit().await?;
        svc.mail_queued.notify_one();
    }
    result
}

/// The OTP request inside the caller's write transaction (the Telegram bot
/// commits it with the update that asked for it). Commit on `Ok` and on
/// `Mismatch`.
pub async fn request_otp_in(
    tx: &mut AnyConnection,
    svc: &Services,
    request: OtpRequest<'_>,
    now: UnixTime,
) -> Result<Receipt, RequestError> {
    let account = eligible_account(tx, request.email)
        .await?
        .ok_or(RequestError::NotEligible)?;
    let actor = request.origin.actor(&account);
    let client = request.origin.client();
    // Serialise requests of one account (PostgreSQL row lock; SQLite holds the write lock already).
    accounts_repo::touch(tx, &account.id, now).await?;
    // Mismatches are counted per requester and account, so a stranger's
    // wrong data never blocks the owner's request from elsewhere; the
    // attempt is reserved first and cleared when the data matches.
    let key = format!(
        "helpdesk_mismatch:{}:{}",
        request.origin.requester(),
        account.id
    );
    let counter = Counter::Keyed(&key);
    if let Admission::Refused { until } =
        failures::admit(tx, counter, &throttle::HELPDESK_MISMATCH, now).await?
    {
        return Err(RequestError::TooManyMismatches {
            wait_seconds: until - now,
        });
    }
    let stored_digest = accounts_repo::nik_digest(tx, &account.id).await?;
    // Under any key version: a rotation may not have re-digested it yet.
    let nik_matches = stored_digest.is_some_and(|stored| {
        svc.keys
            .nik_digests(request.nik.digits().as_bytes())
            .contains(&stored)
    });
    let name_matches = request.full_name.is_none_or(|name| {
        PersonName::parse(&account.full_name).is_ok_and(|recorded| recorded.matches(name))
    });
    if !(nik_matches && name_matches) {
        let entry = AuditEntry::new(
            actor,
            AuditEvent::HelpdeskMismatch {
                channel: request.origin.channel().as_str().to_string(),
                nik_matches,
                name_matches,
            },
        )
        .subject(&account.id);
        audit::record(tx, entry, client, now).await?;
        return Err(RequestError::Mismatch);
    }
    accounts_repo::clear_counter(tx, counter).await?;
    // Accounts created before NIKs were sealed get the sealed form now that
    // the signer typed a NIK matching the digest (the face-match service needs it).
    let sealed = accounts_service::seal_nik(&svc.keys, &account.id, request.nik);
    accounts_repo::backfill_nik_sealed(tx, &account.id, &sealed).await?;

    for old in repo::open_otp_requests(tx, &account.id).await? {
        supersede(tx, &old, now).await?;
        let entry = AuditEntry::new(actor, AuditEvent::TicketSuperseded)
            .subject(&account.id)
            .ticket(&old.id);
        audit::record(tx, entry, client, now).await?;
    }
    let ticket = create_ticket(
        tx,
        svc,
        TicketFor {
            account: &account,
            category: Category::OtpRequest,
            origin: request.origin,
            message: None,
        },
        now,
    )
    .await?;
    let link = links::issue(
        tx,
        &ticket.id,
        LinkPurpose::IdentityCheck,
        &svc.tunables(),
        now,
    )
    .await?;
    repo::transition(
        tx,
        &ticket.id,
        &[TicketStatus::Submitted],
        TicketStatus::AwaitingSelfie,
        "Tautan Pengecekan Data Diri dikirim ke email dinas.",
        now,
    )
    .await?;
    let mail = templates::otp_request_received(
        &svc.settings.brand,
        account.recipient(),
        ticket.number.as_str(),
        &svc.settings
            .link(&LinkPurpose::IdentityCheck.path(&link.token.text)),
        link.expires_at,
    );
    mail_repo::enqueue(tx, &svc.keys, &mail, Some(&ticket.id), now).await?;
    Ok(Receipt {
        number: ticket.number.to_string(),
        email_masked: request.email.masked(),
    })
}

/// A plain ticket for the helpdesk staff ("Pertanyaan Umum").
pub async fn ask_question(
    svc: &Services,
    email: &OfficialEmail,
    question: &MessageText,
    origin: Origin<'_>,
    now: UnixTime,
) -> Result<Receipt, RequestError> {
    let mut tx = svc.db.begin_write().await?;
    let receipt = ask_question_in(&mut tx, svc, email, question, origin, now).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(receipt)
}

/// The question inside the caller's write transaction.
pub async fn ask_question_in(
    tx: &mut AnyConnection,
    svc: &Services,
    email: &OfficialEmail,
    question: &MessageText,
    origin: Origin<'_>,
    now: UnixTime,
) -> Result<Receipt, RequestError> {
    let account = eligible_account(tx, email)
        .await?
        .ok_or(RequestError::NotEligible)?;
    // Serialise questions of one account (as OTP requests are), so the cap holds.
    accounts_repo::touch(tx, &account.id, now).await?;
    let since = now - 86_400;
    let network = origin.network();
    let over_cap = repo::questions_since(tx, Asker::Account(&account.id), since).await?
        >= QUESTIONS_PER_ACCOUNT_PER_DAY
        || match &network {
            Some(net) => {
                repo::questions_since(tx, Asker::Network(net), since).await?
                    >= QUESTIONS_PER_ADDRESS_PER_DAY
            }
            None => false,
        };
    if over_cap {
        return Err(RequestError::TooManyQuestions);
    }
    let ticket = create_ticket(
        tx,
        svc,
        TicketFor {
            account: &account,
            category: Category::GeneralQuestion,
            origin,
            message: Some(question.as_str()),
        },
        now,
    )
    .await?;
    let mail = templates::question_received(
        &svc.settings.brand,
        account.recipient(),
        ticket.number.as_str(),
        question.as_str(),
    );
    mail_repo::enqueue(tx, &svc.keys, &mail, Some(&ticket.id), now).await?;
    Ok(Receipt {
        number: ticket.number.to_string(),
        email_masked: email.masked(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    #[error(
        "Tiket ini bukan Pertanyaan Umum yang masih terbuka; mungkin sudah dijawab petugas lain."
    )]
    NotOpenQuestion,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A staff answer to an open "Pertanyaan Umum": stored on the ticket, mailed
/// to the signer's official address, and the ticket closed, all at once.
pub async fn answer_question(
    svc: &Services,
    staff: &SessionHolder,
    ticket_id: &TicketId,
    answer: &MessageText,
    client: &ClientInfo,
    now: UnixTime,
) -> Result<(), AnswerError> {
    let mut tx = svc.db.begin_write().await?;
    let ticket = repo::find(&mut tx, ticket_id)
        .await?
        .filter(|t| t.category == Category::GeneralQuestion)
        .ok_or(AnswerError::NotOpenQuestion)?;
    let account = accounts_repo::find_by_id(&mut tx, &ticket.account_id)
        .await?
        .ok_or(AnswerError::NotOpenQuestion)?;
    let moved = repo::transition(
        &mut tx,
        ticket_id,
        &[TicketStatus::Submitted],
        TicketStatus::Closed,
        "Dijawab petugas; jawaban dikirim ke email dinas.",
        now,
    )
    .await?;
    if !moved {
        return Err(AnswerError::NotOpenQuestion);
    }
    repo::store_answer(&mut tx, ticket_id, answer.as_str(), &staff.account.email).await?;
    let mail = templates::question_answered(
        &svc.settings.brand,
        account.recipient(),
        &ticket.number,
        ticket.message.as_deref().unwrap_or_default(),
        answer.as_str(),
    );
    mail_repo::enqueue(&mut tx, &svc.keys, &mail, Some(ticket_id), now).await?;
    let event = AuditEvent::QuestionAnswered {
        characters: answer.as_str().chars().count(),
    };
    let entry = AuditEntry::new(staff.account.actor(), event)
        .subject(&account.id)
        .ticket(ticket_id);
    audit::record(&mut tx, entry, Some(client), now).await?;
    tx.commit().await?;
    svc.mail_queued.notify_one();
    Ok(())
}

struct NewTicket {
    id: TicketId,
    number: TicketNumber,
}

/// What a new ticket is about and who asked.
struct TicketFor<'a> {
    account: &'a AccountRow,
    category: Category,
    origin: Origin<'a>,
    message: Option<&'a str>,
}

/// A numbered ticket with its first event and its audit entry.
async fn create_ticket(
    conn: &mut AnyConnection,
    svc: &Services,
    TicketFor {
        account,
        category,
        origin,
        message,
    }: TicketFor<'_>,
    now: UnixTime,
) -> Result<NewTicket, sqlx::Error> {
    let channel = origin.channel();
    let serial = repo::next_serial(conn).await?;
    let number = TicketNumberer::new(svc.keys.ticket_number_key()).number(serial as u64);
    let id = TicketId::generate();
    repo::insert(
        conn,
        InsertTicket {
            id: &id,
            number: number.as_str(),
            serial,
            category,
            channel,
            account_id: &account.id,
            status: TicketStatus::Submitted,
            message,
            client_net: origin.network().as_deref(),
        },
        now,
    )
    .await?;
    let note = format!("{} diterima melalui {}.", category.label(), channel.label());
    repo::add_event(conn, &id, TicketStatus::Submitted, &note, now).await?;
    let entry = AuditEntry::new(
        origin.actor(account),
        AuditEvent::TicketCreated {
            number: number.to_string(),
            category: category.as_str().to_string(),
            channel: channel.as_str().to_string(),
        },
    )
    .subject(&account.id)
    .ticket(&id);
    audit::record(conn, entry, origin.client(), now).await?;
    let opened = Event::TicketOpened {
        ticket: number.as_str(),
        category: category.as_str(),
        channel: channel.as_str(),
    };
    events_repo::record(conn, &account.id, &opened, now).await?;
    Ok(NewTicket { id, number })
}

async fn supersede(
    conn: &mut AnyConnection,
    ticket: &TicketRow,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    links::revoke_for_ticket(conn, &ticket.id, now).await?;
    repo::transition(
        conn,
        &ticket.id,
        TicketStatus::OPEN,
        TicketStatus::Superseded,
        "Digantikan oleh Permohonan OTP yang lebih baru; tautan lama tidak berlaku lagi.",
        now,
    )
    .await?;
    Ok(())
}

/// What suspending an account ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessEnded {
    pub sessions: u64,
    pub tickets: usize,
}

/// Ends what a suspended account could still use, in the caller's
/// transaction: its sessions at once, and its open tickets with their
/// links, so no link mailed earlier can still add a device. Every path that
/// suspends a signer comes here: the console, the sync API, an import.
pub async fn end_access_in(
    conn: &mut AnyConnection,
    account_id: &AccountId,
    now: UnixTime,
) -> Result<AccessEnded, sqlx::Error> {
    let sessions = accounts_repo::delete_sessions_for_account(conn, account_id).await?;
    let mut tickets = 0;
    for ticket in repo::open_for_account(conn, account_id).await? {
        links::revoke_for_ticket(conn, &ticket.id, now).await?;
        if repo::transition(
            conn,
            &ticket.id,
            TicketStatus::OPEN,
            TicketStatus::Closed,
            "Ditutup karena akun ditangguhkan; tautan yang dikirim tidak berlaku lagi.",
            now,
        )
        .await?
        {
            tickets += 1;
        }
    }
    Ok(AccessEnded { sessions, tickets })
}

/// Moves `account` to status `to` (which differs from its own) and, when
/// that suspends it, ends its access; audits the change by `actor`.
pub async fn change_status_in(
    conn: &mut AnyConnection,
    account: &AccountRow,
    to: AccountStatus,
    actor: Actor<'_>,
    client: Option<&ClientInfo>,
    now: UnixTime,
) -> Result<(), sqlx::Error> {
    accounts_repo::set_status(conn, &account.id, to, now).await?;
    let ended = if to == AccountStatus::Suspended {
        end_access_in(conn, &account.id, now).await?
    } else {
        AccessEnded::default()
    };
    let event = AuditEvent::AccountStatusChanged {
        from: account.status.as_str().into(),
        to: to.as_str().into(),
        sessions_ended: ended.sessions,
        tickets_closed: ended.tickets,
    };
    let entry = AuditEntry::new(actor, event).subject(&account.id);
    audit::record(conn, entry, client, now).await?;
    Ok(())
}

/// A ticket with its timeline, if `number` and `email` belong together.
pub async fn lookup(
    svc: &Services,
    number: &TicketNumber,
    email: &OfficialEmail,
) -> Result<Option<TicketView>, sqlx::Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let Some(ticket) = repo::find_by_number(&mut conn, number.as_str()).await? else {
        return Ok(None);
    };
    let Some(account) = accounts_repo::find_by_id(&mut conn, &ticket.account_id).await? else {
        return Ok(None);
    };
    if account.email != email.as_str() {
        return Ok(None);
    }
    let events = repo::events(&mut conn, &ticket.id)
        .await?
        .into_iter()
        .map(|e| TicketEventView {
            at: e.at,
            status_label: e.status.label().to_string(),
            note: e.note,
        })
        .collect();
    Ok(Some(TicketView {
        number: ticket.number.clone(),
        category_label: ticket.category.label().to_string(),
        channel_label: ticket.channel.label().to_string(),
        status: ticket.status.as_str().to_string(),
        status_label: ticket.status.label().to_string(),
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        events,
    }))
}

/// Closes open requests whose links all expired, and those whose selfie
/// waited for review longer than photos are kept; returns how many.
pub async fn expire_stale(svc: &Services, now: UnixTime) -> Result<usize, sqlx::Error> {
    let retention_days = svc.tunables().selfie_retention_days;
    let mut conn = svc.db.pool().acquire().await?;
    let unused = repo::with_only_expired_links(&mut conn, now).await?;
    // A selfie no verifier looked at within its retention period is not
    // kept for ever: the request ends and the photo goes with it.
    let unreviewed =
        repo::awaiting_review_since_before(&mut conn, now - retention_days * 86_400).await?;
    drop(conn);
    let unreviewed_note = format!(
        "Foto tidak ditinjau petugas dalam {retention_days} hari dan dihapus sesuai masa simpan. Ajukan permohonan baru bila masih diperlukan."
    );
    Ok(expire(
        svc,
        unused,
        "Tautan tidak dipakai sampai batas waktunya. Ajukan permohonan baru bila masih diperlukan.",
        now,
    )
    .await?
        + expire(svc, unreviewed, &unreviewed_note, now).await?)
}

/// Moves each ticket still in the state it was read in to `Expired`.
async fn expire(
    svc: &Services,
    tickets: Vec<TicketRow>,
    note: &str,
    now: UnixTime,
) -> Result<usize, sqlx::Error> {
    let mut expired = 0;
    for ticket in tickets {
        let mut tx = svc.db.begin_write().await?;
        let moved = repo::transition(
            &mut tx,
            &ticket.id,
            &[ticket.status],
            TicketStatus::Expired,
            note,
            now,
        )
        .await?;
        if moved {
            let entry = AuditEntry::new(Actor::System, AuditEvent::TicketExpired)
                .subject(&ticket.account_id)
                .ticket(&ticket.id);
            audit::record(&mut tx, entry, None, now).await?;
            expired += 1;
        }
        tx.commit().await?;
    }
    Ok(expired)
}
