//! A service client's parsed values: its name, scopes and address allow-list
//! (blocks of `platform::net::Cidr`, server side).

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::platform::net::Cidr;

/// What a service client may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `POST /api/v1/validate`: check a signer's code.
    Validate,
    /// The signer sync API: `PUT`/`DELETE /api/v1/signers/{ams_id}`, `GET …/devices`.
    Sync,
    /// Device, lock and ticket events POSTed to the client's webhook.
    Events,
}

crate::text_enum::text_enum!(Scope {
    Validate => "validate",
    Sync => "sync",
    Events => "events",
});

impl Scope {
    /// What the scope allows, for the console's check boxes.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Validate => "Periksa kode OTP signer (POST /api/v1/validate)",
            Scope::Sync => "Sinkronisasi data signer",
            Scope::Events => "Terima kiriman peristiwa (webhook)",
        }
    }
}

/// A non-empty set of scopes, stored as `validate,sync` (in this order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// `validate,sync,events` (commas or spaces between, any order, repeats
    /// ignored); at least one, and no unknown names.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut scopes = Vec::new();
        for name in text
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let scope = Scope::parse(&name.to_ascii_lowercase()).ok_or_else(|| {
                format!("Cakupan \"{name}\" tidak dikenal (pilihan: validate, sync, events).")
            })?;
            scopes.push(scope);
        }
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err("Sebutkan minimal satu cakupan: validate, sync atau events.".into());
        }
        Ok(Self(scopes))
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn as_slice(&self) -> &[Scope] {
        &self.0
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&names.join(","))
    }
}

/// Where a client may call from: a list of blocks; empty means anywhere.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<Cidr>);

#[cfg(feature = "ssr")]
impl AllowList {
    /// Blocks separated by commas or spaces, as stored or typed.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::from_items(text.split([',', ' ']))
    }

    pub fn from_items<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for item in items.into_iter().flat_map(|i| i.split([',', ' '])) {
            if !item.trim().is_empty() {
                blocks.push(Cidr::parse(item)?);
            }
        }
        Ok(Self(blocks))
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|block| block.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(feature = "ssr")]
impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocks: Vec<String> = self.0.iter().map(Cidr::to_string).collect();
        f.write_str(&blocks.join(","))
    }
}

/// Where a client's events are POSTed: `https://…`, or `http://` to a
/// loopback host only (a receiver on the same machine, tests). No user or
/// password in it (it is shown on screens and in the audit log), no
/// fragment, at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid = |why: &str| format!("Alamat webhook \"{text}\" tidak dapat dipakai: {why}.");
        if text.chars().count() > Self::MAX_CHARS {
            return Err(invalid("paling banyak 2000 karakter"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("tanpa spasi atau karakter kendali"));
        }
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| invalid("harus diawali https://"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(invalid("harus diawali https://"));
        }
        if rest.contains('#') {
            return Err(invalid("tanpa bagian #fragmen"));
        }
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.contains('@') {
            return Err(invalid("tanpa nama pengguna atau kata sandi di alamat"));
        }
        let host = Self::host_of(authority).ok_or_else(|| invalid("nama host tidak sah"))?;
        if scheme == "http" && !Self::is_loopback(&host) {
            return Err(invalid(
                "gunakan https:// (http:// hanya untuk localhost atau 127.0.0.1)",
            ));
        }
        let authority = authority.to_ascii_lowercase();
        Ok(Self(format!("{scheme}://{authority}{path}")))
    }

    /// The host of `host[:port]` (IPv6 in brackets), lower case; None when
    /// the host or the port is not well formed.
    fn host_of(authority: &str) -> Option<String> {
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (address, after) = v6.split_once(']')?;
                address.parse::<std::net::Ipv6Addr>().ok()?;
                let port = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':')?),
                };
                (format!("[{address}]"), port)
            }
            None => match authority.split_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (authority.to_string(), None),
            },
        };
        if let Some(port) = port {
            let valid = !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|p| p > 0);
            if !valid {
                return None;
            }
        }
        let name_ok = host.starts_with('[')
            || (!host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                }));
        name_ok.then(|| host.to_ascii_lowercase())
    }

    fn is_loopback(host: &str) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        host == "localhost" || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What people call the client ("AMS produksi"): 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName(String);

impl ClientName {
    pub const MAX_CHARS: usize = 100;

    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.trim();
        if name.is_empty() {
            return Err("Nama klien layanan wajib diisi.".into());
        }
        if name.chars().count() > Self::MAX_CHARS || name.chars().any(char::is_control) {
            return Err(format!(
                "Nama klien layanan paling banyak {} karakter, tanpa karakter kendali.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many calls a minute a client may make to the integration API, in
/// bursts of the same size: 1 to 100 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct CallsPerMinute(NonZeroU32);

impl CallsPerMinute {
    pub const MIN: u32 = 1;
    pub const MAX: u32 = 100_000;
    /// What a client gets unless told otherwise: 100 a second, well above a
    /// signing service's peak, low enough to slow a leaked token's code
    /// guessing (the signer's own failure counter stops that sooner).
    pub const DEFAULT: Self = Self(NonZeroU32::new(6_000).expect("non-zero"));

    pub fn new(value: u32) -> Result<Self, String> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(NonZeroU32::new(value).expect("at least MIN")))
        } else {
            Err(Self::out_of_range())
        }
    }

    /// A whole number as typed (dots or spaces between thousands allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let digits: String = text
            .trim()
            .chars()
            .filter(|c| !matches!(c, '.' | ' '))
            .collect();
        if digits.is_empty() {
            return Err("Batas panggilan per menit wajib diisi.".into());
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Self::out_of_range());
        }
        digits
            .parse::<u32>()
            .map_err(|_| Self::out_of_range())
            .and_then(Self::new)
    }

    fn out_of_range() -> String {
        "Batas panggilan per menit harus bilangan bulat antara 1 dan 100.000.".into()
    }

    pub fn get(self) -> NonZeroU32 {
        self.0
    }
}

impl TryFrom<u32> for CallsPerMinute {
    type Error = String;

    fn try_from(value: u32) -> Result<Self, String> {
        Self::new(value)
    }
}

impl From<CallsPerMinute> for u32 {
    fn from(value: CallsPerMinute) -> u32 {
        value.0.get()
    }
}

impl fmt::Display for CallsPerMinute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A new client as typed in the console: every field as text, scopes as
/// the ticked boxes (`form[scopes][validate]=on`). Fields added here (and
/// to [`FormErrors`] and [`NewClient`]) reach the screen and the command
/// line through [`ClientForm::parse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientForm {
    pub name: String,
    /// Scope name to anything: the boxes that were ticked.
    pub scopes: BTreeMap<String, String>,
    /// Blocks one per line (commas and spaces separate too).
    pub allow_from: String,
    pub calls_per_minute: String,
    /// Empty: no webhook.
    pub webhook_url: String,
}

/// What is wrong with a [`ClientForm`], field by field (None: fine).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormErrors {
    pub name: Option<String>,
    pub scopes: Option<String>,
    pub allow_from: Option<String>,
    pub calls_per_minute: Option<String>,
    pub webhook_url: Option<String>,
}

/// A client about to be created, every value parsed (server side: the
/// allow-list's blocks are).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: ClientName,
    pub scopes: Scopes,
    pub allow_from: AllowList,
    pub calls_per_minute: CallsPerMinute,
}

#[cfg(feature = "ssr")]
impl ClientForm {
    /// The client and its webhook (None when the field is empty), or a
    /// message for each field that is wrong.
    pub fn parse(&self) -> Result<(NewClient, Option<WebhookUrl>), FormErrors> {
        let ticked: Vec<&str> = self.scopes.keys().map(String::as_str).collect();
        let name = ClientName::parse(&self.name);
        let scopes = Scopes::parse(&ticked.join(","));
        let allow_from = AllowList::from_items(self.allow_from.lines());
        let calls_per_minute = CallsPerMinute::parse(&self.calls_per_minute);
        let webhook = match self.webhook_url.trim() {
            "" => Ok(None),
            url => WebhookUrl::parse(url).map(Some),
        };
        match (name, scopes, allow_from, calls_per_minute, webhook) {
            (Ok(name), Ok(scopes), Ok(allow_from), Ok(calls_per_minute), Ok(webhook)) => Ok((
                NewClient {
                    name,
                    scopes,
                    allow_from,
                    calls_per_minute,
                },
                webhook,
            )),
            (name, scopes, allow_from, calls_per_minute, webhook) => Err(FormErrors {
                name: name.err(),
                scopes: scopes.err(),
                allow_from: allow_from.err(),
                calls_per_minute: calls_per_minute.err(),
                webhook_url: webhook.err(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "ssr")]
    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn scopes_parse_in_any_order_and_store_in_one() {
        let scopes = Scopes::parse("events, Validate,validate").unwrap();
        assert_eq!(scopes.to_string(), "validate,events");
        assert!(scopes.contains(Scope::Validate));
        assert!(!scopes.contains(Scope::Sync));
        assert_eq!(Scopes::parse(&scopes.to_string()).unwrap(), scopes);
        assert!(Scopes::parse("").is_err());
        assert!(Scopes::parse(" , ").is_err());
        assert!(
            Scopes::parse("validate,admin")
                .unwrap_err()
                .contains("admin")
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn an_empty_allow_list_allows_any_address() {
        let any = AllowList::parse("").unwrap();
        assert!(any.is_empty() && any.allows(ip("198.51.100.4")));
        let list = AllowList::from_items(["10.0.0.0/8", "192.168.1.0/24,::1"]).unwrap();
        assert_eq!(list.to_string(), "10.0.0.0/8,192.168.1.0/24,::1/128");
        assert_eq!(AllowList::parse(&list.to_string()).unwrap(), list);
        assert!(list.allows(ip("10.9.9.9")));
        assert!(list.allows(ip("::1")));
        assert!(!list.allows(ip("127.0.0.1")));
        assert!(AllowList::parse("10.0.0.0/8, nope").is_err());
    }

    #[test]
    fn webhook_urls_need_https_except_on_loopback() {
        for good in [
            "https://ams.example.go.id/hooks/tpo",
            "HTTPS://AMS.example.go.id:8443/hooks?src=tpo",
            "https://10.20.0.5/events",
            "https://[2001:db8::5]:443/events",
            "http://127.0.0.1:9000/hook",
            "http://localhost/hook",
            "http://[::1]:8080",
        ] {
            assert!(WebhookUrl::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            WebhookUrl::parse(" HTTPS://AMS.Example.go.id:8443/Hooks ")
                .unwrap()
                .as_str(),
            "https://ams.example.go.id:8443/Hooks",
            "scheme and host lower case, the path as given"
        );
        for (bad, why) in [
            ("http://ams.example.go.id/hook", "https://"),
            ("http://10.0.0.1/hook", "https://"),
            ("ftp://ams.example.go.id/", "https://"),
            ("ams.example.go.id/hook", "https://"),
            ("https://user:pass@ams.example.go.id/", "kata sandi"),
            ("https://ams.example.go.id/#x", "fragmen"),
            ("https://ams example.go.id/", "spasi"),
            ("https:///hook", "host"),
            ("https://ams.example.go.id:0/", "host"),
            ("https://ams.example.go.id:99999/", "host"),
            ("https://ams.example.go.id:/", "host"),
            ("https://-ams.example.go.id/", "host"),
            ("https://[zz::1]/", "host"),
            ("http://127.0.0.1.evil.example/", "https://"),
        ] {
            let error = WebhookUrl::parse(bad).unwrap_err();
            assert!(error.contains(why), "{bad}: {error}");
        }
        let long = format!("https://ams.example.go.id/{}", "a".repeat(2000));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn names_are_bounded() {
        assert_eq!(
            ClientName::parse("  AMS produksi ").unwrap().as_str(),
            "AMS produksi"
        );
        assert!(ClientName::parse("   ").is_err());
        assert!(ClientName::parse(&"x".repeat(101)).is_err());
        assert!(ClientName::parse("a\nb").is_err());
    }

    #[test]
    fn budgets_are_bounded_whole_numbers() {
        assert_eq!(
            CallsPerMinute::parse(" 6.000 ").unwrap(),
            CallsPerMinute::DEFAULT
        );
        assert_eq!(u32::from(CallsPerMinute::parse("1").unwrap()), 1);
        assert_eq!(u32::from(CallsPerMinute::parse("100000").unwrap()), 100_000);
        for bad in ["0", "100001", "-5", "12,5", "banyak", "99999999999"] {
            assert!(
                CallsPerMinute::parse(bad)
                    .unwrap_err()
                    .contains("antara 1 dan 100.000"),
                "{bad:?}"
            );
        }
        assert!(CallsPerMinute::parse("  ").unwrap_err().contains("wajib"));
        assert!(serde_json::from_str::<CallsPerMinute>("0").is_err());
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_form_answers_every_wrong_field_at_once() {
        let mut form = ClientForm {
            name: " ".into(),
            allow_from: "10.0.0.0/8\n\n10.1.2.3/16".into(),
            calls_per_minute: "0".into(),
            webhook_url: "http://ams.example.go.id/hook".into(),
            ..Default::default()
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.name.unwrap().contains("wajib"));
        assert!(errors.webhook_url.unwrap().contains("gunakan https://"));
        assert!(errors.scopes.unwrap().contains("minimal satu"));
        assert!(errors.allow_from.unwrap().contains("10.1.2.3/16"));
        assert!(errors.calls_per_minute.unwrap().contains("antara"));

        form.name = "AMS produksi".into();
        form.scopes.insert("events".into(), "on".into());
        form.scopes.insert("validate".into(), "on".into());
        form.allow_from = "10.0.0.0/8\n 192.168.1.0/24 \n".into();
        form.calls_per_minute = "120".into();
        form.webhook_url = "  ".into();
        let (client, webhook) = form.parse().unwrap();
        assert_eq!(webhook, None, "an empty field: no webhook");
        assert_eq!(client.scopes.to_string(), "validate,events");
        assert_eq!(client.allow_from.to_string(), "10.0.0.0/8,192.168.1.0/24");
        assert_eq!(u32::from(client.calls_per_minute), 120);
        form.webhook_url = " https://AMS.example.go.id/hook ".into();
        let (_, webhook) = form.parse().unwrap();
        assert_eq!(webhook.unwrap().as_str(), "https://ams.example.go.id/hook");
    }
}
