//! Counts and lists read from the database, for assertions.

use super::spawn::TestApp;

impl TestApp {
    /// Mail queued (sent or not) of `kind` to `recipient`.
    pub async fn mail_count(&self, kind: &str, recipient: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = $1 AND recipient = $2")
            .bind(kind)
            .bind(recipient)
            .fetch_one(self.services().db.pool())
            .await
            .unwrap()
    }

    pub async fn count(&self, sql: &str, account_id: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(account_id)
            .fetch_one(self.services().db.pool())
            .await
            .unwrap()
    }

    pub async fn device_ids(&self, account_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM otp_devices WHERE account_id = $1 ORDER BY added_seq")
            .bind(account_id)
            .fetch_all(self.services().db.pool())
            .await
            .unwrap()
    }

    pub async fn active_sessions(&self, account_id: &str) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND stage = 'active'",
            account_id,
        )
        .await
    }

    pub async fn audit_count(&self, account_id: &str, action: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE subject_account_id = $1 AND action = $2",
        )
        .bind(account_id)
        .bind(action)
        .fetch_one(self.services().db.pool())
        .await
        .unwrap()
    }

    pub async fn device_names(&self, account_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT name FROM otp_devices WHERE account_id = $1 ORDER BY added_seq")
            .bind(account_id)
            .fetch_all(self.services().db.pool())
            .await
            .unwrap()
    }
}
