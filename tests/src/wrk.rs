//! wrk's report, read by the bench's load generator (benches/http_load.rs),
//! which drives `/healthz` with wrk.

/// A latency as wrk prints it (`412.00us`, `1.20ms`, `2.00s`), in milliseconds.
fn wrk_milliseconds(text: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else {
        (text.strip_suffix('s')?, 1000.0)
    };
    Some(number.parse::<f64>().ok()? * scale)
}

/// The figures of a wrk report.
pub struct WrkReport {
    pub answered: usize,
    pub rate: f64,
    /// Milliseconds.
    pub p50: f64,
    pub p99: f64,
    /// Answers other than 2xx or 3xx, and connection errors.
    pub errors: usize,
}

/// The figures of wrk's report (run with `--latency`); `None` if it is not one.
pub fn parse_wrk(report: &str) -> Option<WrkReport> {
    let after = |label: &str| -> Option<Vec<&str>> {
        let line = report.lines().find(|l| l.trim_start().starts_with(label))?;
        Some(
            line.trim_start()[label.len()..]
                .split_whitespace()
                .collect(),
        )
    };
    // "82460 requests in 2.00s, 10.23MB read"
    let answered = report
        .lines()
        .find(|l| l.contains(" requests in "))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let p50 = wrk_milliseconds(after("50%")?.first()?)?;
    let p99 = wrk_milliseconds(after("99%")?.first()?)?;
    // "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N".
    let refused = after("Non-2xx or 3xx responses:")
        .and_then(|f| f.first()?.parse().ok())
        .unwrap_or(0);
    let socket = after("Socket errors:").map_or(0, |fields| {
        fields
            .iter()
            .filter_map(|f| f.trim_end_matches(',').parse::<usize>().ok())
            .sum()
    });
    Some(WrkReport {
        answered,
        rate: after("Requests/sec:")?.first()?.parse().ok()?,
        p50,
        p99,
        errors: refused + socket,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What wrk 4.1 printed against a server answering 404.
    const REPORT: &str = "Running 1s test @ http://127.0.0.1:18777/nothing
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.47ms    7.07ms  57.80ms   95.51%
    Req/Sec   458.70     89.02   590.00     70.00%
  Latency Distribution
     50%    3.89ms
     75%    5.19ms
     90%    7.08ms
     99%   47.29ms
  918 requests in 1.01s, 466.17KB read
  Non-2xx or 3xx responses: 918
Requests/sec:    908.82
Transfer/sec:    461.51KB
";

    #[test]
    fn a_report_gives_its_counts_rate_and_percentiles() {
        let report = parse_wrk(REPORT).unwrap();
        assert_eq!(report.answered, 918);
        assert_eq!(report.rate, 908.82);
        assert_eq!((report.p50, report.p99), (3.89, 47.29));
        assert_eq!(report.errors, 918);
    }

    #[test]
    fn socket_errors_count_and_microseconds_are_converted() {
        let report = REPORT
            .replace(
                "  Non-2xx or 3xx responses: 918\n",
                "  Socket errors: connect 0, read 2, write 1, timeout 4\n",
            )
            .replace("3.89ms", "412.00us")
            .replace("47.29ms", "1.50s");
        let report = parse_wrk(&report).unwrap();
        assert_eq!(report.errors, 7);
        assert!((report.p50 - 0.412).abs() < 1e-9);
        assert_eq!(report.p99, 1500.0);
    }

    #[test]
    fn anything_else_is_not_a_report() {
        assert!(parse_wrk("unable to connect to 127.0.0.1:1 Connection refused").is_none());
    }
}
