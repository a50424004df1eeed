//! The values an admin tunes while the system runs (the console's
//! "Pengaturan"): plain data with the range each may take. The configuration
//! gives the first values, the database keeps them after that, and every
//! process reloads them every few seconds (see `settings`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tunables {
    /// Devices an account may hold; adding one more removes the oldest.
    pub max_devices: usize,
    /// How long a "Pengecekan Data Diri" link can be used.
    pub identity_link_hours: i64,
    /// How long an "Atur Perangkat OTP" link can be used.
    pub setup_link_hours: i64,
    /// Days after a ticket closes before its selfies are deleted.
    pub selfie_retention_days: i64,
    /// Face-match score (0–1) from which the review says "cocok".
    pub face_match_accept: f64,
    /// Face-match score below which the review says "tidak cocok"; between
    /// the two it says "ragu".
    pub face_match_doubt: f64,
}

impl Default for Tunables {
    fn default() -> Self {
        Self {
            max_devices: 3,
            identity_link_hours: 48,
            setup_link_hours: 24,
            selfie_retention_days: 30,
            // The fake service in the tests is no evidence for any threshold:
            // this follows common vendor guidance (a default similarity
            // threshold of 80%, as AWS Rekognition's CompareFaces documents,
            // with a person reviewing decisions that affect someone), and a
            // band of 20 points under it where the verifier looks closer.
            // Tune both to the figures the real service's operator publishes.
            face_match_accept: 0.80,
            face_match_doubt: 0.60,
        }
    }
}

/// One tunable: its stored key, its Indonesian label and its allowed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tunable {
    pub key: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    /// Whole numbers only (counts, hours, days).
    pub whole: bool,
}

pub const TUNABLES: [Tunable; 6] = [
    Tunable {
        key: "max_devices",
        label: "Batas perangkat per akun",
        unit: "perangkat",
        min: 1.0,
        max: 10.0,
        whole: true,
    },
    Tunable {
        key: "identity_link_hours",
        label: "Masa berlaku tautan Pengecekan Data Diri",
        unit: "jam",
        min: 1.0,
        max: 168.0,
        whole: true,
    },
    Tunable {
        key: "setup_link_hours",
        label: "Masa berlaku tautan Atur Perangkat OTP",
        unit: "jam",
        min: 1.0,
        max: 72.0,
        whole: true,
    },
    Tunable {
        key: "selfie_retention_days",
        label: "Masa simpan swafoto setelah tiket selesai",
        unit: "hari",
        min: 0.0,
        max: 365.0,
        whole: true,
    },
    Tunable {
        key: "face_match_accept",
        label: "Skor kemiripan wajah minimal untuk \"cocok\"",
        unit: "0–1",
        min: 0.0,
        max: 1.0,
        whole: false,
    },
    Tunable {
        key: "face_match_doubt",
        label: "Skor kemiripan wajah di bawah ini \"tidak cocok\"",
        unit: "0–1",
        min: 0.0,
        max: 1.0,
        whole: false,
    },
];

impl Tunables {
    /// Every value as (key, stored text), in the order of [`TUNABLES`].
    pub fn entries(&self) -> [(&'static str, String); 6] {
        [
            ("max_devices", self.max_devices.to_string()),
            ("identity_link_hours", self.identity_link_hours.to_string()),
            ("setup_link_hours", self.setup_link_hours.to_string()),
            (
                "selfie_retention_days",
                self.selfie_retention_days.to_string(),
            ),
            ("face_match_accept", self.face_match_accept.to_string()),
            ("face_match_doubt", self.face_match_doubt.to_string()),
        ]
    }

    /// Sets one value from its text, or says in Indonesian why it cannot be.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
        let tunable = TUNABLES
            .iter()
            .find(|t| t.key == key)
            .ok_or_else(|| format!("Pengaturan \"{key}\" tidak dikenal."))?;
        let text = text.trim().replace(',', ".");
        let value: f64 = text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("{}: isi dengan angka.", tunable.label))?;
        if tunable.whole && value.fract() != 0.0 {
            return Err(format!("{}: isi dengan bilangan bulat.", tunable.label));
        }
        if !(tunable.min..=tunable.max).contains(&value) {
            return Err(format!(
                "{}: isi antara {} dan {} {}.",
                tunable.label, tunable.min, tunable.max, tunable.unit
            ));
        }
        match key {
            "max_devices" => self.max_devices = value as usize,
            "identity_link_hours" => self.identity_link_hours = value as i64,
            "setup_link_hours" => self.setup_link_hours = value as i64,
            "selfie_retention_days" => self.selfie_retention_days = value as i64,
            "face_match_accept" => self.face_match_accept = value,
            _ => self.face_match_doubt = value,
        }
        Ok(())
    }

    /// Rules between values, checked after every change.
    pub fn check(&self) -> Result<(), String> {
        if self.face_match_doubt > self.face_match_accept {
            return Err(
                "Batas \"tidak cocok\" tidak boleh lebih tinggi dari batas \"cocok\".".into(),
            );
        }
        Ok(())
    }

    /// Applies every (key, text) pair, or nothing when one is invalid.
    pub fn with_changes<'a>(
        &self,
        changes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, String> {
        let mut next = self.clone();
        for (key, text) in changes {
            next.set(key, text)?;
        }
        next.check()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tunable_round_trips_through_its_text() {
        let changed = Tunables {
            max_devices: 5,
            identity_link_hours: 72,
            setup_link_hours: 12,
            selfie_retention_days: 0,
            face_match_accept: 0.9,
            face_match_doubt: 0.4,
        };
        let entries = changed.entries();
        let read = Tunables::default()
            .with_changes(entries.iter().map(|(k, v)| (*k, v.as_str())))
            .unwrap();
        assert_eq!(read, changed);
        assert_eq!(
            entries.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            TUNABLES.iter().map(|t| t.key).collect::<Vec<_>>()
        );
    }

    #[test]
    fn out_of_range_or_malformed_values_are_refused_with_the_label() {
        let base = Tunables::default();
        for (key, text, says) in [
            ("max_devices", "0", "antara 1 dan 10"),
            ("max_devices", "2.5", "bilangan bulat"),
            ("max_devices", "tiga", "isi dengan angka"),
            ("setup_link_hours", "100", "antara 1 dan 72"),
            ("face_match_accept", "1.5", "antara 0 dan 1"),
            ("face_match_accept", "NaN", "isi dengan angka"),
            ("nope", "1", "tidak dikenal"),
        ] {
            let error = base.with_changes([(key, text)]).unwrap_err();
            assert!(error.contains(says), "{key}={text}: {error}");
        }
        assert_eq!(
            base.with_changes([("face_match_accept", "0,9")])
                .unwrap()
                .face_match_accept,
            0.9,
            "a decimal comma is read as Indonesians write it"
        );
    }

    #[test]
    fn the_doubt_band_cannot_start_above_the_match_band() {
        let error = Tunables::default()
            .with_changes([("face_match_doubt", "0.9"), ("face_match_accept", "0.8")])
            .unwrap_err();
        assert!(error.contains("tidak boleh lebih tinggi"));
    }
}
