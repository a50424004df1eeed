//! Integration tests: the real server over HTTP, on SQLite and PostgreSQL.

mod helpers;

mod backup;
mod console;
mod console_logs;
mod devices;
mod drills;
mod face_match;
mod fake_telegram;
mod foundation;
mod hardening;
mod helpdesk;
mod hostile;
mod identity;
mod key_rotation;
mod lockout;
mod login;
mod mail;
mod operations;
mod otp_setup;
mod query_plans;
mod rate_limits;
mod scale_out;
mod secrets_at_rest;
mod service_clients;
mod signer_import;
mod sync_api;
mod telegram;
mod validation_api;
mod webhooks;
