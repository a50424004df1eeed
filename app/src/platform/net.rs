//! Network addresses: address blocks, which proxies are trusted to name
//! the client, and the key a client's request budget is counted under.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// The block's address must be its first one (`10.1.0.0/16`, not
    /// `10.1.2.3/16`), so what is stored is what is meant.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid =
            || format!("\"{text}\" bukan blok alamat (contoh: 10.0.0.0/8 atau 2001:db8::/32).");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().map_err(|_| invalid())?;
        let width = Self::width(network);
        let prefix = match prefix {
            None => width,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(invalid)?,
            Some(_) => return Err(invalid()),
        };
        let cidr = Self { network, prefix };
        if cidr.masked(network) != Self::bits(network) {
            return Err(format!(
                "\"{text}\": alamat blok harus alamat pertamanya (bagian di luar /{prefix} bernilai nol)."
            ));
        }
        Ok(cidr)
    }

    fn width(ip: IpAddr) -> u8 {
        match ip {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        }
    }

    fn bits(ip: IpAddr) -> u128 {
        match ip {
            IpAddr::V4(v4) => u32::from(v4) as u128,
            IpAddr::V6(v6) => u128::from(v6),
        }
    }

    fn masked(&self, ip: IpAddr) -> u128 {
        let width = Self::width(ip);
        let host_bits = u32::from(width - self.prefix.min(width));
        let bits = Self::bits(ip);
        if host_bits >= 128 {
            0
        } else {
            bits >> host_bits << host_bits
        }
    }

    /// Whether `ip` is in the block; an IPv4 address seen as IPv6
    /// (`::ffff:10.0.0.1`) counts as the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        Self::width(ip) == Self::width(self.network) && self.masked(ip) == Self::bits(self.network)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// A list of address blocks (`TPO_TRUSTED_PROXIES`, `TPO_METRICS_ALLOW`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressBlocks(Vec<Cidr>);

impl AddressBlocks {
    /// Blocks separated by commas (spaces around them allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split([',', ' '])
            .filter(|item| !item.trim().is_empty())
            .map(Cidr::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether `ip` is in one of the blocks.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }
}

impl fmt::Display for AddressBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let blocks: Vec<String> = self.0.iter().map(Cidr::to_string).collect();
        f.write_str(&blocks.join(","))
    }
}

/// The proxies in front of the server (`TPO_TRUSTED_PROXIES`): only when
/// the socket peer is one of them is `X-Forwarded-For` read, and then only
/// the hops they appended count. Empty (the default): the peer is the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(AddressBlocks);

impl TrustedProxies {
    /// Blocks separated by commas (spaces around them allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        AddressBlocks::parse(text).map(Self)
    }

    /// Whether `ip` is one of the proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(ip.to_canonical())
    }

    /// The client of a request from `peer` carrying these `X-Forwarded-For`
    /// values (each header a comma-separated list, oldest hop first): walking
    /// from the peer leftwards, the first address that is not a trusted
    /// proxy. Everything left of it was written by the client and is ignored.
    /// An entry that is not an address ends the walk at the last trusted hop:
    /// what lies beyond it cannot be told apart from a forgery.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .into_iter()
            .flat_map(|header| header.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`203.0.113.9:443`, `[2001:db8::1]:443`), as some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The key a client's request budget is counted under: an IPv4 address as
/// it is (also when seen as `::ffff:a.b.c.d`), an IPv6 address by its /64,
/// the smallest block a provider hands one subscriber, so a client cannot
/// get a fresh budget from each address of its own network.
pub fn rate_limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !(u64::MAX as u128))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn cidr_blocks_match_their_addresses() {
        let block = Cidr::parse("10.20.0.0/16").unwrap();
        assert!(block.contains(ip("10.20.255.1")));
        assert!(!block.contains(ip("10.21.0.1")));
        assert!(block.contains(ip("::ffff:10.20.0.9")), "IPv4 seen as IPv6");
        assert!(!block.contains(ip("2001:db8::1")));
        let one = Cidr::parse("127.0.0.1").unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        let all = Cidr::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("203.0.113.7")));
        assert!(!all.contains(ip("::1")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::1")));
    }

    #[test]
    fn malformed_cidr_blocks_are_refused() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0/8",
            "2001:db8::/129",
            "10.1.2.3/16",
            "example.com",
            "",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad:?}");
        }
    }

    /// The client that `trusted` proxies make of a request from `peer`
    /// carrying these `X-Forwarded-For` headers.
    fn client(trusted: &str, peer: &str, headers: &[&str]) -> String {
        TrustedProxies::parse(trusted)
            .unwrap()
            .client(ip(peer), headers.iter().copied())
            .to_string()
    }

    #[test]
    fn forwarded_for_is_read_only_from_a_trusted_peer() {
        for (trusted, peer, headers, expected, why) in [
            (
                "",
                "10.0.0.1",
                &["203.0.113.9"][..],
                "10.0.0.1",
                "no proxy: the peer",
            ),
            (
                " ",
                "10.0.0.1",
                &["203.0.113.9"],
                "10.0.0.1",
                "blank list: no proxy",
            ),
            (
                "10.0.0.0/8",
                "198.51.100.7",
                &["203.0.113.9"],
                "198.51.100.7",
                "direct client",
            ),
            (
                "10.0.0.0/8",
                "10.0.0.1",
                &["203.0.113.9"],
                "203.0.113.9",
                "through the proxy",
            ),
            (
                "10.0.0.0/8",
                "10.0.0.1",
                &[],
                "10.0.0.1",
                "proxy forwarded nothing",
            ),
        ] {
            assert_eq!(client(trusted, peer, headers), expected, "{why}");
        }
    }

    #[test]
    fn a_spoofed_first_hop_is_ignored() {
        // The client wrote the first hop; the proxy appended what it saw.
        for forged in ["1.2.3.4, 198.51.100.7", "10.0.0.1, 198.51.100.7"] {
            assert_eq!(
                client("10.0.0.1", "10.0.0.1", &[forged]),
                "198.51.100.7",
                "{forged}"
            );
        }
    }

    #[test]
    fn a_chain_of_proxies_is_walked_from_the_right() {
        let trusted = "10.0.0.0/8, 192.0.2.10, 2001:db8:ffff::/48";
        for (peer, headers, expected, why) in [
            (
                "10.0.0.1",
                &["6.6.6.6, 198.51.100.7, 192.0.2.10", "10.1.2.3"][..],
                "198.51.100.7",
                "two headers read as one list, oldest hop first",
            ),
            (
                "2001:db8:ffff::1",
                &["2001:db8:1::5, 2001:db8:ffff::2"],
                "2001:db8:1::5",
                "IPv6",
            ),
            (
                "10.0.0.1",
                &["10.0.0.3, 10.0.0.2"],
                "10.0.0.3",
                "all trusted: the farthest",
            ),
            (
                "::ffff:10.0.0.1",
                &["::ffff:198.51.100.7"],
                "198.51.100.7",
                "IPv4 seen as IPv6",
            ),
            (
                "10.0.0.1",
                &["[2001:db8::7]:443, 198.51.100.7:5000"],
                "198.51.100.7",
                "ports",
            ),
        ] {
            assert_eq!(client(trusted, peer, headers), expected, "{why}");
        }
    }

    #[test]
    fn garbage_entries_never_become_the_client() {
        for garbage in ["unknown", "", "<script>", "999.1.1.1", "10.0.0.0/8", "::g"] {
            let right = format!("198.51.100.7, {garbage}");
            let left = format!("{garbage}, 198.51.100.7");
            // Right of the client it ends the walk at the last trusted hop;
            // left of it, it is ignored.
            assert_eq!(
                client("10.0.0.0/8", "10.0.0.1", &[&right]),
                "10.0.0.1",
                "{right:?}"
            );
            assert_eq!(
                client("10.0.0.0/8", "10.0.0.1", &[&left]),
                "198.51.100.7",
                "{left:?}"
            );
        }
        assert!(TrustedProxies::parse("10.0.0.0/8, nope").is_err());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        assert_eq!(
            rate_limit_key(ip("2001:db8:1:2:aaaa::1")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            rate_limit_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            rate_limit_key(ip("2001:db8:1:2::9"))
        );
        assert_ne!(
            rate_limit_key(ip("2001:db8:1:2::1")),
            rate_limit_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(rate_limit_key(ip("198.51.100.7")), ip("198.51.100.7"));
        assert_eq!(
            rate_limit_key(ip("::ffff:198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_ne!(
            rate_limit_key(ip("198.51.100.7")),
            rate_limit_key(ip("198.51.100.8"))
        );
    }
}
