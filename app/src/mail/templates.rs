//! Every mail the system sends, in Indonesian, as plain text and HTML.

use crate::format::date_time;
use crate::time::UnixTime;

/// A message ready to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Which template made it (for the outbox listing and tests).
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The parts every message has; `render` turns them into both bodies.
struct Letter<'a> {
    brand: &'a str,
    greeting_name: &'a str,
    paragraphs: Vec<String>,
    action: Option<(&'a str, String)>,
    after_action: Vec<String>,
}

impl Letter<'_> {
    fn render(self, kind: &'static str, to: &str, subject: String) -> Email {
        let mut text = format!("Yth. {},\n\n", self.greeting_name);
        let mut html = format!(
            "<!doctype html><html lang=\"id\"><body style=\"font-family:Arial,sans-serif;line-height:1.5;color:#1f2933\">\
             <p>Yth. {},</p>",
            escape_html(self.greeting_name)
        );
        for paragraph in &self.paragraphs {
            text.push_str(&format!("{paragraph}\n\n"));
            html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
        }
        if let Some((label, url)) = &self.action {
            text.push_str(&format!("{label}:\n{url}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{url}\" style=\"display:inline-block;padding:12px 20px;background:#0b5cab;\
                 color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold\">{label}</a></p>\
                 <p style=\"font-size:13px;color:#52606d\">Jika tombol tidak berfungsi, salin tautan ini ke peramban Anda:<br>{url}</p>",
                url = escape_html(url),
                label = escape_html(label)
            ));
        }
        for paragraph in &self.after_action {
            text.push_str(&format!("{paragraph}\n\n"));
            html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
        }
        let signature = format!("Salam,\nTim Helpdesk {}", self.brand);
        text.push_str(&signature);
        text.push_str("\n\nEmail ini dikirim otomatis; mohon tidak membalas email ini.\n");
        html.push_str(&format!(
            "<p>Salam,<br>Tim Helpdesk {}</p><p style=\"font-size:12px;color:#7b8794\">Email ini dikirim otomatis; \
             mohon tidak membalas email ini.</p></body></html>",
            escape_html(self.brand)
        ));
        Email {
            kind,
            to: to.to_string(),
            subject,
            text,
            html,
        }
    }
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text someone typed into the helpdesk form, quoted in an official mail:
/// labelled as such, with web addresses defanged (`contoh[.]com`) so no mail
/// client turns them into links. Anyone may type anything into that form,
/// and the mail carries the helpdesk's name.
fn quoted_from_form(question: &str) -> String {
    let defanged: Vec<String> = question
        .split('\n')
        .map(|line| {
            line.split(' ')
                .map(defang_word)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    format!(
        "Pertanyaan Anda, sebagaimana ditulis di formulir Helpdesk (bukan oleh petugas kami; alamat web \
         di dalamnya sengaja tidak dijadikan tautan):\n{}",
        defanged.join("\n")
    )
}

/// `https://a.b/c` → `https[:]//a[.]b/c`, `a.example.com.` → `a[.]example[.]com.`;
/// other words unchanged.
fn defang_word(word: &str) -> String {
    let core = word.trim_end_matches(|c: char| c.is_ascii_punctuation() && c != '/');
    let host = core
        .split_once("://")
        .map_or(core, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let labels: Vec<&str> = host
        .rsplit('@')
        .next()
        .unwrap_or_default()
        .split('.')
        .collect();
    let looks_like_host = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if core.contains("://") || looks_like_host {
        let tail = &word[core.len()..];
        format!("{}{tail}", core.replace("://", "[:]//").replace('.', "[.]"))
    } else {
        word.to_string()
    }
}

/// Who the mail is for.
pub struct Recipient<'a> {
    pub email: &'a str,
    pub name: &'a str,
}

fn not_you(brand: &str) -> String {
    format!(
        "Jika bukan Anda yang melakukannya, segera ganti kata sandi akun Anda dan hubungi \
         Helpdesk {brand}: seseorang mungkin sedang mencoba mengakses akun Anda."
    )
}

/// A device was added (and maybe the oldest one removed to stay within the limit).
pub fn device_added(
    brand: &str,
    to: Recipient<'_>,
    device_name: &str,
    added_at: UnixTime,
    channel_label: &str,
    evicted: &[(String, UnixTime)],
    max_devices: usize,
) -> Email {
    let mut paragraphs = vec![format!(
        "Perangkat OTP \"{device_name}\" telah ditambahkan ke akun {brand} Anda pada {} melalui {channel_label}.",
        date_time(added_at)
    )];
    for (name, created_at) in evicted {
        paragraphs.push(format!(
            "Karena akun Anda telah mencapai batas {max_devices} perangkat, perangkat paling lama \
             \"{name}\" (ditambahkan {}) telah dihapus secara otomatis dan tidak dapat dipakai lagi untuk masuk.",
            date_time(*created_at)
        ));
    }
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs,
        action: None,
        after_action: vec![not_you(brand)],
    }
    .render(
        "device_added",
        to.email,
        format!("Perangkat OTP baru ditambahkan ke akun {brand} Anda"),
    )
}

pub fn device_removed(
    brand: &str,
    to: Recipient<'_>,
    device_name: &str,
    removed_at: UnixTime,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![format!(
            "Perangkat OTP \"{device_name}\" telah dihapus dari akun {brand} Anda pada {}. \
             Kode dari perangkat tersebut tidak dapat dipakai lagi untuk masuk.",
            date_time(removed_at)
        )],
        action: None,
        after_action: vec![not_you(brand)],
    }
    .render(
        "device_removed",
        to.email,
        format!("Perangkat OTP dihapus dari akun {brand} Anda"),
    )
}

pub fn otp_code_reused(
    brand: &str,
    to: Recipient<'_>,
    device_name: &str,
    at: UnixTime,
    ip: &str,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!(
                "Pada {} seseorang memasukkan kode OTP dari perangkat \"{device_name}\" yang sudah \
                 pernah dipakai untuk masuk ke akun Anda (alamat IP {ip}). Kode tersebut ditolak.",
                date_time(at)
            ),
            "Jika Anda baru saja mencoba masuk dua kali dengan kode yang sama, abaikan email ini."
                .into(),
        ],
        action: None,
        after_action: vec![not_you(brand)],
    }
    .render(
        "otp_code_reused",
        to.email,
        format!("Kode OTP dipakai ulang pada akun {brand} Anda"),
    )
}

/// Too many wrong codes in a row: the OTP step waits (`until`), or is
/// blocked until a new device is added (`until` is `None`).
pub fn otp_locked(
    brand: &str,
    to: Recipient<'_>,
    failures: i64,
    at: UnixTime,
    until: Option<UnixTime>,
) -> Email {
    let consequence = match until {
        Some(until) => format!(
            "Verifikasi kode OTP untuk akun Anda dijeda sampai {}; setelah itu kode yang benar \
             diterima kembali.",
            date_time(until)
        ),
        None => format!(
            "Verifikasi kode OTP untuk akun Anda diblokir. Ajukan Permohonan OTP melalui Helpdesk \
             {brand} untuk menambahkan perangkat baru."
        ),
    };
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!(
                "Pada {} kode OTP yang salah dimasukkan untuk akun Anda untuk ke-{failures} kalinya \
                 berturut-turut (saat masuk ke situs atau saat menandatangani dokumen).",
                date_time(at)
            ),
            consequence,
        ],
        action: None,
        after_action: vec![not_you(brand)],
    }
    .render(
        "otp_locked",
        to.email,
        format!("Verifikasi OTP akun {brand} Anda dikunci sementara"),
    )
}

/// After 100 consecutive wrong passwords from browsers the account does not
/// know: such logins are refused until the owner follows this link (sent
/// once when the limit is reached, and again on request from the login page).
pub fn account_unlock(
    brand: &str,
    to: Recipient<'_>,
    link: &str,
    at: UnixTime,
    expires_at: UnixTime,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!(
                "Sampai {} kata sandi yang salah dimasukkan untuk akun Anda sebanyak 100 kali \
                 berturut-turut dari browser yang belum pernah Anda pakai untuk masuk. Untuk \
                 melindungi akun Anda, masuk dari browser baru ditolak sampai Anda membuka kuncinya. \
                 Browser yang sudah pernah Anda pakai untuk masuk tetap dapat digunakan.",
                date_time(at)
            ),
            "Buka tautan di bawah ini dengan browser yang ingin Anda pakai, tekan “Buka kunci akun”, \
             lalu masuk seperti biasa dengan kata sandi dan kode OTP."
                .into(),
        ],
        action: Some(("Buka kunci akun", link.to_string())),
        after_action: vec![
            format!(
                "Tautan ini berlaku sampai {} dan hanya dapat dipakai sekali. Jangan teruskan email ini kepada siapa pun.",
                date_time(expires_at)
            ),
            not_you(brand),
        ],
    }
    .render(
        "account_unlock",
        to.email,
        format!("Buka kunci akun {brand} Anda"),
    )
}

/// "Permohonan Reset OTP BSrE nomor tiket #d1q0517" with the link to the identity check.
pub fn otp_request_received(
    brand: &str,
    to: Recipient<'_>,
    ticket_number: &str,
    link: &str,
    expires_at: UnixTime,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!("Permohonan OTP Anda telah kami terima dengan nomor tiket #{ticket_number}."),
            "Untuk melanjutkan, lakukan pengecekan data diri: buka tautan di bawah ini, tekan “Ambil Foto” untuk \
             mengambil swafoto (foto wajah Anda sendiri), lalu tekan “Submit”. Petugas kami akan memeriksanya."
                .into(),
        ],
        action: Some(("Pengecekan Data Diri", link.to_string())),
        after_action: vec![
            format!(
                "Tautan ini berlaku sampai {} dan hanya untuk permohonan ini. Jangan teruskan email ini kepada siapa pun.",
                date_time(expires_at)
            ),
            "Jika Anda tidak merasa mengajukan permohonan ini, abaikan email ini: perangkat OTP Anda tidak berubah.".into(),
        ],
    }
    .render(
        "otp_request_received",
        to.email,
        format!("Permohonan Reset OTP {brand} nomor tiket #{ticket_number}"),
    )
}

pub fn question_received(
    brand: &str,
    to: Recipient<'_>,
    ticket_number: &str,
    question: &str,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!("Pertanyaan Anda telah kami terima dengan nomor tiket #{ticket_number}. Petugas kami akan membalas melalui email ini."),
            quoted_from_form(question),
        ],
        action: None,
        after_action: vec![],
    }
    .render("question_received", to.email, format!("Pertanyaan Helpdesk {brand} nomor tiket #{ticket_number}"))
}

/// A staff member's answer to a "Pertanyaan Umum"; the ticket is closed.
pub fn question_answered(
    brand: &str,
    to: Recipient<'_>,
    ticket_number: &str,
    question: &str,
    answer: &str,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!("Berikut jawaban petugas kami atas pertanyaan Anda dengan nomor tiket #{ticket_number}."),
            format!("Jawaban:\n{answer}"),
            quoted_from_form(question),
        ],
        action: None,
        after_action: vec![
            "Tiket ini kini ditutup. Jika masih ada yang ingin ditanyakan, kirim pertanyaan baru melalui Helpdesk."
                .into(),
        ],
    }
    .render(
        "question_answered",
        to.email,
        format!("Jawaban Helpdesk {brand} untuk tiket #{ticket_number}"),
    )
}

/// "Perbarui Akun Anda": the selfie was approved; the link adds the device.
pub fn selfie_approved(
    brand: &str,
    to: Recipient<'_>,
    ticket_number: &str,
    link: &str,
    expires_at: UnixTime,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!("Pengecekan data diri untuk tiket #{ticket_number} telah disetujui petugas kami."),
            "Silakan tambahkan perangkat OTP baru: buka tautan di bawah ini di perangkat mana pun, pasang aplikasi \
             Authenticator di ponsel baru Anda, pindai QR Code, lalu masukkan nama perangkat dan kode OTP."
                .into(),
        ],
        action: Some(("Atur Perangkat OTP", link.to_string())),
        after_action: vec![format!(
            "Tautan ini berlaku sampai {} dan hanya dapat dipakai satu kali. Jika akun Anda sudah memiliki jumlah \
             perangkat maksimal, perangkat yang paling lama ditambahkan akan dihapus otomatis.",
            date_time(expires_at)
        )],
    }
    .render("selfie_approved", to.email, "Perbarui Akun Anda".into())
}

/// The selfie was rejected: the reason, and a fresh identity-check link.
pub fn selfie_rejected(
    brand: &str,
    to: Recipient<'_>,
    ticket_number: &str,
    reason: &str,
    link: &str,
    expires_at: UnixTime,
) -> Email {
    Letter {
        brand,
        greeting_name: to.name,
        paragraphs: vec![
            format!("Swafoto Anda untuk tiket #{ticket_number} belum dapat kami setujui."),
            format!("Alasan dari petugas: {reason}"),
            "Silakan ambil swafoto sekali lagi melalui tautan di bawah ini: pastikan wajah Anda terlihat jelas, \
             menghadap kamera, dengan cahaya yang cukup."
                .into(),
        ],
        action: Some(("Pengecekan Ulang", link.to_string())),
        after_action: vec![format!("Tautan ini berlaku sampai {}.", date_time(expires_at))],
    }
    .render("selfie_rejected", to.email, format!("Pengecekan Ulang Data Diri tiket #{ticket_number}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_a_question_are_not_links_and_the_text_is_labelled() {
        let mail = question_received(
            "BSrE",
            Recipient {
                email: "a@b.go.id",
                name: "Budi",
            },
            "d1q0517",
            "Akun diblokir, masuk di https://bsre-login.example.com/masuk?x=1 atau\nwww.evil.co.id. Terima kasih.",
        );
        for body in [&mail.text, &mail.html] {
            assert!(
                body.contains("https[:]//bsre-login[.]example[.]com/masuk?x=1"),
                "{body}"
            );
            assert!(body.contains("www[.]evil[.]co[.]id."), "{body}");
            assert!(!body.contains("https://bsre-login"), "{body}");
            assert!(!body.contains("www.evil"), "{body}");
            assert!(
                body.contains("co[.]id. Terima kasih."),
                "ordinary words stay: {body}"
            );
            assert!(body.contains("bukan oleh petugas kami"), "{body}");
        }
    }

    #[test]
    fn html_escapes_what_people_typed() {
        let mail = device_removed(
            "BSrE",
            Recipient {
                email: "a@b.go.id",
                name: "<Budi>",
            },
            "Hp \"<script>\"",
            UnixTime::from_secs(0),
        );
        assert!(mail.html.contains("Yth. &lt;Budi&gt;"));
        assert!(mail.html.contains("&quot;&lt;script&gt;&quot;"));
        assert!(!mail.html.contains("<script>"));
        assert!(mail.text.contains("Hp \"<script>\""));
    }

    #[test]
    fn otp_request_mail_has_the_subject_and_link_of_the_source_document() {
        let mail = otp_request_received(
            "BSrE",
            Recipient {
                email: "a@b.go.id",
                name: "Budi",
            },
            "d1q0517",
            "https://otp.bsre.go.id/verifikasi/abc",
            UnixTime::from_secs(1_795_858_920),
        );
        assert_eq!(
            mail.subject,
            "Permohonan Reset OTP BSrE nomor tiket #d1q0517"
        );
        assert!(
            mail.text
                .contains("Pengecekan Data Diri:\nhttps://otp.bsre.go.id/verifikasi/abc")
        );
        assert!(mail.html.contains(">Pengecekan Data Diri</a>"));
        assert!(
            mail.text
                .contains("berlaku sampai 28 November 2026 16.42 WIB")
        );
    }

    #[test]
    fn device_added_names_the_evicted_device() {
        let mail = device_added(
            "BSrE",
            Recipient {
                email: "a@b.go.id",
                name: "Budi",
            },
            "Hp Baru",
            UnixTime::from_secs(1_795_858_920),
            "tautan Atur Perangkat OTP",
            &[("Hp Lama".into(), UnixTime::from_secs(1_700_000_000))],
            3,
        );
        assert_eq!(
            mail.subject,
            "Perangkat OTP baru ditambahkan ke akun BSrE Anda"
        );
        assert!(
            mail.text
                .contains("Perangkat OTP \"Hp Baru\" telah ditambahkan")
        );
        assert!(
            mail.text
                .contains("batas 3 perangkat, perangkat paling lama \"Hp Lama\"")
        );
        assert!(mail.text.contains("Jika bukan Anda yang melakukannya"));
    }
}
