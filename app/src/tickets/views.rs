//! What ticket pages show (shared by server and browser).

use serde::{Deserialize, Serialize};

use crate::time::UnixTime;

/// Why a mailed link cannot be used, with what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkProblem {
    Used,
    Expired,
    Superseded,
    Unknown,
    /// The account was suspended (or is not verified) after the link was sent.
    AccountInactive,
}

impl LinkProblem {
    pub fn title(self) -> &'static str {
        match self {
            Self::Used => "Tautan ini sudah digunakan",
            Self::Expired => "Tautan ini sudah kedaluwarsa",
            Self::Superseded => "Tautan ini tidak berlaku lagi",
            Self::Unknown => "Tautan tidak dikenal",
            Self::AccountInactive => "Akun ini sedang tidak aktif",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Self::Used => {
                "Setiap tautan hanya dapat dipakai satu kali, dan tautan ini sudah dipakai. Jika Anda \
                           baru saja mengirim swafoto atau menambah perangkat, tidak ada yang perlu dilakukan lagi: \
                           cek status tiket Anda atau email berikutnya dari kami."
            }
            Self::Expired => {
                "Tautan dari email hanya berlaku untuk waktu terbatas demi keamanan akun Anda. \
                              Ajukan Permohonan OTP baru melalui Helpdesk untuk mendapatkan tautan baru."
            }
            Self::Superseded => {
                "Ada permohonan yang lebih baru untuk akun ini, sehingga tautan lama dibatalkan. \
                                 Gunakan tautan pada email terbaru dari kami, atau ajukan permohonan baru."
            }
            Self::Unknown => {
                "Pastikan Anda membuka tautan lengkap dari email kami (tanpa terpotong). Jika masih \
                              gagal, ajukan Permohonan OTP baru melalui Helpdesk."
            }
            Self::AccountInactive => {
                "Akun Anda ditangguhkan atau belum terverifikasi, sehingga tautan ini tidak dapat \
                              dipakai. Hubungi Helpdesk BSrE bila menurut Anda ini keliru."
            }
        }
    }
}

/// A ticket as its owner sees it on the status page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    pub number: String,
    pub category_label: String,
    pub channel_label: String,
    pub status: String,
    pub status_label: String,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub events: Vec<TicketEventView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEventView {
    pub at: UnixTime,
    pub status_label: String,
    pub note: String,
}

/// What the signer sees after "Kirim".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub number: String,
    pub email_masked: String,
}

/// The console's ticket list filters as typed (query string of /admin/tiket).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketQuery {
    /// A status's stored name, or empty for all; `open` for every open one.
    pub status: String,
    pub channel: String,
    pub category: String,
    /// `YYYY-MM-DD` (WIB), inclusive.
    pub from: String,
    pub to: String,
    /// A ticket number or part of an email address.
    pub search: String,
    /// From 1.
    pub page: u32,
}

/// One row of the console's ticket list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketListItem {
    pub number: String,
    pub category_label: String,
    pub channel_label: String,
    pub status_label: String,
    pub full_name: String,
    pub email: String,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketList {
    pub items: Vec<TicketListItem>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
}

/// The console's dashboard: what is waiting and how fast requests finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// (status label, web count, Telegram count), in the order of the flow.
    pub open: Vec<(String, i64, i64)>,
    /// The selfie waiting longest for a verifier: ticket number and since when.
    pub oldest_waiting: Option<(String, UnixTime)>,
    pub opened_today: i64,
    pub completed_today: i64,
    pub opened_this_week: i64,
    pub completed_this_week: i64,
    /// Median seconds from request to device added, last 30 days.
    pub median_completion_seconds: Option<i64>,
    pub completed_last_30_days: usize,
}
