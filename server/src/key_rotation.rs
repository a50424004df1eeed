//! `server rotate-key` and `server retire-key`: the operator's side of
//! `app::platform::master_key::rotation` (see the README's "Rotating the
//! master key").

use anyhow::Context;
use app::platform::clock::{Clock, SystemClock};
use app::platform::crypto::KeyVersion;
use app::platform::master_key::rotation;

use crate::config::Config;
use crate::keys;
use crate::startup::connect_and_migrate;

/// With `generate`: adds a new key version to the key file and records it
/// (servers must be restarted with the file before re-sealing). Without:
/// re-seals everything under the newest version, `batch` values per
/// transaction, at most `max_batches` batches; run again to continue.
/// Returns what to tell the operator.
pub async fn rotate_key(
    config: &Config,
    generate: bool,
    batch: i64,
    max_batches: Option<u64>,
) -> anyhow::Result<String> {
    let added = generate
        .then(|| keys::add_version(&config.secret_key, &config.data_dir))
        .transpose()?;
    let db = connect_and_migrate(config).await?;
    let loaded = keys::load(&config.secret_key, &config.data_dir, &db, SystemClock.now()).await;
    let outcome = async {
        let keys = loaded?;
        if let Some(version) = added {
            return Ok(format!(
                "Kunci utama versi {version} ditambahkan ke {} dan dicatat di basis data. \
                 Mulai ulang setiap server dengan berkas kunci ini (server menyegel dengan versi \
                 terbaru dan tetap membuka versi lama), lalu jalankan `server rotate-key` untuk \
                 menyegel ulang data.",
                config.data_dir.join(keys::KEY_FILE).display()
            ));
        }
        let current = keys.current_version();
        let done = rotation::reseal(&db, &keys, batch.max(1), max_batches)
            .await
            .context("re-sealing")?;
        Ok(if done.finished {
            format!(
                "Selesai: {} nilai disegel ulang ke kunci versi {current} dalam {} batch. \
                 Versi lama kini dapat dipensiunkan: `server retire-key --version N`.",
                done.values, done.batches
            )
        } else {
            format!(
                "Berhenti setelah {} batch ({} nilai disegel ulang ke versi {current}); \
                 jalankan `server rotate-key` lagi untuk melanjutkan.",
                done.batches, done.values
            )
        })
    }
    .await;
    db.close().await;
    outcome
}

/// Retires `version` once nothing is sealed under it, then removes it from
/// the key file.
pub async fn retire_key(config: &Config, version: KeyVersion) -> anyhow::Result<String> {
    let db = connect_and_migrate(config).await?;
    let outcome = async {
        let keys = keys::load(&config.secret_key, &config.data_dir, &db, SystemClock.now()).await?;
        rotation::retire(&db, &keys, version, SystemClock.now()).await?;
        keys::remove_version(&config.secret_key, &config.data_dir, version)?;
        anyhow::Ok(format!(
            "Kunci utama versi {version} dipensiunkan dan dihapus dari {}. Server yang hanya \
             memegang versi itu kini menolak berjalan.",
            config.data_dir.join(keys::KEY_FILE).display()
        ))
    }
    .await;
    db.close().await;
    outcome
}
