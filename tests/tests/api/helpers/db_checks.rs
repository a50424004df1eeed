//! Counts and lists read from the database, for assertions.

use app::platform::db::Backend;

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

    /// Sessions of `account_id` naming a device it no longer has: none may
    /// be left once a device is removed (no foreign key sees to it).
    pub async fn sessions_of_gone_devices(&self, account_id: &str) -> i64 {
        let sql = "SELECT COUNT(*) FROM sessions s
                   WHERE s.account_id = $1 AND s.device_id IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM otp_devices d WHERE d.id = s.device_id)";
        self.count(sql, account_id).await
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

    /// Every `table.column` in which `needle` occurs as text or as bytes,
    /// in any row of any table (the schema read from the database itself,
    /// so new tables and columns are searched too).
    pub async fn columns_containing(&self, needle: &str) -> Vec<String> {
        let pool = self.services().db.pool();
        let backend = self.services().db.backend();
        let columns: Vec<(String, String, String)> = match backend {
            Backend::Sqlite => sqlx::query_as(
                "SELECT m.name, c.name, c.type FROM sqlite_master m, pragma_table_info(m.name) c
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(pool)
            .await,
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text, data_type::text
                     FROM information_schema.columns WHERE table_schema = current_schema()",
                )
                .fetch_all(pool)
                .await
            }
        }
        .unwrap();
        assert!(
            columns
                .iter()
                .any(|(t, c, _)| t == "accounts" && c == "nik_sealed"),
            "the schema was read: {columns:?}"
        );
        let mut found = Vec::new();
        for (table, column, data_type) in columns {
            let test = match (backend, data_type.as_str()) {
                (Backend::Sqlite, _) => {
                    format!("instr(CAST(\"{column}\" AS BLOB), CAST($1 AS BLOB)) > 0")
                }
                (Backend::Postgres, "bytea") => {
                    format!("position(convert_to($1, 'UTF8') IN \"{column}\") > 0")
                }
                (Backend::Postgres, _) => {
                    format!("strpos(CAST(\"{column}\" AS TEXT), $1) > 0")
                }
            };
            let hits: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\" WHERE {test}"))
                    .bind(needle)
                    .fetch_one(pool)
                    .await
                    .unwrap_or_else(|e| panic!("searching {table}.{column}: {e}"));
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
        found
    }

    /// Fails when the clear digits of `nik` rest in any column.
    pub async fn assert_nik_never_in_clear(&self, nik: &str) {
        let found = self.columns_containing(nik).await;
        assert!(found.is_empty(), "NIK {nik} stored in clear in {found:?}");
    }
}
