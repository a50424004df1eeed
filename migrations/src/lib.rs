//! The schema, once per database backend. Both folders hold the same migration
//! names in the same order; `tests` runs every capability against both.

use sqlx::migrate::Migrator;

/// Migrations for SQLite (the embedded default).
pub static SQLITE: Migrator = sqlx::migrate!("./sqlite");

/// Migrations for PostgreSQL (scale-out).
pub static POSTGRES: Migrator = sqlx::migrate!("./postgres");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |m: &Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert!(SQLITE.iter().next().is_some());
        assert_eq!(names(&SQLITE), names(&POSTGRES));
    }
}
