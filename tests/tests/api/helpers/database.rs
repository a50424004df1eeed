//! The two database backends, and a throwaway database for each test app
//! that is removed after the test, whether it passed or panicked.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use sqlx::Connection;

use super::spawn::random;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test command's PostgreSQL cluster listens.
pub const POSTGRES_URL_VAR: &str = "TPO_TEST_POSTGRES_URL";

/// True when no PostgreSQL cluster was given: the PostgreSQL half of the
/// tests is skipped, and the first skip says so on stderr.
pub fn postgres_skipped() -> bool {
    if std::env::var_os(POSTGRES_URL_VAR).is_some() {
        return false;
    }
    static NOTE: Once = Once::new();
    NOTE.call_once(|| {
        // Written to the process's stderr directly: the test harness
        // captures `eprintln!` of passing tests.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nnote: {POSTGRES_URL_VAR} is not set: the PostgreSQL variants of the integration \
             tests were skipped (they pass without running). Run `make test`, which starts a \
             throwaway PostgreSQL cluster, or set {POSTGRES_URL_VAR}=postgres://user@host:port/postgres \
             (a role that may create databases).\n"
        );
    });
    true
}

/// A test app's data directory and, on PostgreSQL, its own database on the
/// cluster. [`TestDatabase::remove`] drops both once the servers using them
/// have stopped; if the test panics first, `Drop` does it (the database is
/// dropped `WITH (FORCE)`, which ends connections still open).
pub struct TestDatabase {
    pub data_dir: PathBuf,
    /// Empty on SQLite: the server derives a file in `data_dir`.
    pub url: String,
    /// The cluster's admin URL and the database's name.
    postgres: Option<(String, String)>,
    removed: bool,
}

impl TestDatabase {
    /// `postgres_admin_url`: the cluster to create the PostgreSQL database
    /// on, when not the test command's.
    pub async fn create(backend: Backend, postgres_admin_url: Option<&str>) -> Self {
        let data_dir =
            std::env::temp_dir().join(format!("tpo-test-{}", hex::encode(random::<8>())));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let mut database = Self {
            data_dir,
            url: String::new(),
            postgres: None,
            removed: false,
        };
        if backend == Backend::Postgres {
            let admin_url = postgres_admin_url.map(str::to_string).unwrap_or_else(|| {
                std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
                    panic!("{POSTGRES_URL_VAR} is not set: run the tests with `make test`, which starts a PostgreSQL cluster")
                })
            });
            let name = format!("tpo_{}", hex::encode(random::<6>()));
            let (base, _) = admin_url
                .rsplit_once('/')
                .expect("URL with a database name");
            database.url = format!("{base}/{name}");
            // Set before creating, so a failed CREATE is still cleaned up.
            database.postgres = Some((admin_url.clone(), name.clone()));
            let mut admin = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("PostgreSQL reachable");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("create database");
            let _ = admin.close().await;
        }
        database
    }

    /// Drops the database and removes the data directory. Call it after
    /// every server on the database has stopped (their pools are closed).
    pub async fn remove(mut self) {
        self.removed = true;
        if let Err(e) = remove(self.postgres.take(), &self.data_dir).await {
            panic!("cannot remove the test database: {e}");
        }
    }
}

impl Drop for TestDatabase {
    /// The path taken when a test panicked before `stop`: servers may still
    /// hold connections, which `DROP DATABASE … WITH (FORCE)` ends. Never
    /// panics (a panic while unwinding would abort the test binary).
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let postgres = self.postgres.take();
        let data_dir = self.data_dir.clone();
        // Drop cannot await, and may run on a runtime thread: a thread of
        // its own with its own runtime does the work.
        let done = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(remove(postgres, &data_dir))
        })
        .join();
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: cannot remove a test database: {e}"),
            Err(_) => eprintln!("warning: removing a test database panicked"),
        }
    }
}

async fn remove(postgres: Option<(String, String)>, data_dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(data_dir);
    let Some((admin_url, name)) = postgres else {
        return Ok(());
    };
    let drop_database = async {
        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        admin.close().await
    };
    match tokio::time::timeout(Duration::from_secs(30), drop_database).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("DROP DATABASE {name}: {e}")),
        Err(_) => Err(format!("DROP DATABASE {name}: no answer within 30 s")),
    }
}
