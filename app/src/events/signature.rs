//! The webhook signature: `X-TPO-Signature: t=<unix seconds>,v1=<hex>`,
//! where the hex is HMAC-SHA256 keyed with the client's webhook secret (its
//! text, as shown when it was set) over `"<t>.<body>"`. A receiver
//! recomputes it, compares in constant time, and refuses a `t` more than
//! [`TOLERANCE_SECONDS`] away from its clock (a replayed old delivery).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::time::UnixTime;

/// How old a signed delivery a receiver should still accept.
pub const TOLERANCE_SECONDS: i64 = 5 * 60;

/// The `X-TPO-Signature` header value for `body` sent at `timestamp`.
pub fn header(secret: &[u8], timestamp: UnixTime, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(timestamp.secs().to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "t={},v1={}",
        timestamp.secs(),
        hex::encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_time_dot_body() {
        // Computed independently:
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test",
        //   b"1795856415.{\"id\":\"e1\"}", hashlib.sha256).hexdigest())'
        let header = header(
            b"whsec_test",
            UnixTime::from_secs(1_795_856_415),
            r#"{"id":"e1"}"#,
        );
        assert_eq!(
            header,
            "t=1795856415,v1=ec20ec869f2106ab0a27c83d72fc544e9df90bc731d855ef4bd41400fb927d41"
        );
    }

    #[test]
    fn another_secret_time_or_body_signs_differently() {
        let at = UnixTime::from_secs(1_795_856_415);
        let base = header(b"whsec_test", at, "{}");
        assert_ne!(base, header(b"whsec_other", at, "{}"));
        assert_ne!(
            base.split_once(",v1=").unwrap().1,
            header(b"whsec_test", at + 1, "{}")
                .split_once(",v1=")
                .unwrap()
                .1
        );
        assert_ne!(base, header(b"whsec_test", at, "{ }"));
    }
}
