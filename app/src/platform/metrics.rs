//! The process's counters in the Prometheus text format (`/metrics`):
//! requests and latency per route template, OTP checks by outcome, the
//! batches right codes are written in, selfie processing time, and gauges
//! the caller reads at scrape time (queues).
//! A small registry of atomics: label sets are few and fixed by the code
//! (route templates, methods, status codes), never by request data.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Observations of a duration: counts per bucket, their sum and count.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    /// In microseconds, so an atomic integer can hold it.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, seconds: f64) {
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.sum_micros
            .fetch_add((seconds * 1e6).round() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// `name_bucket`, `name_sum` and `name_count` lines under `labels`
    /// (`route="/login"`, or empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let comma = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{comma}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{comma}le=\"+Inf\"}} {count}");
        let braces = |labels: &str| {
            if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            }
        };
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {count}", braces(labels));
    }
}

/// Series created on first use, keyed by their rendered labels.
struct Family<T> {
    series: RwLock<BTreeMap<String, Arc<T>>>,
}

impl<T: Default> Family<T> {
    fn new() -> Self {
        Self {
            series: RwLock::default(),
        }
    }

    fn get(&self, labels: String) -> Arc<T> {
        let known = self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&labels)
            .cloned();
        known.unwrap_or_else(|| {
            self.series
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(labels)
                .or_default()
                .clone()
        })
    }

    fn each(&self, mut f: impl FnMut(&str, &T)) {
        for (labels, series) in self
            .series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            f(labels, series);
        }
    }
}

/// What a one-time code check came to (site login and validation API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpOutcome {
    Accepted,
    /// Wrong, or of a period an earlier login already passed.
    Rejected,
    /// Right but already used.
    Replayed,
    /// Not checked: the account is paused or blocked.
    Locked,
}

impl OtpOutcome {
    const ALL: [Self; 4] = [Self::Accepted, Self::Rejected, Self::Replayed, Self::Locked];

    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Replayed => "replayed",
            Self::Locked => "locked",
        }
    }
}

/// A value read when scraped (a queue's depth), rendered as a gauge.
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub value: f64,
}

pub struct Metrics {
    requests: Family<AtomicU64>,
    latency: Family<Histogram>,
    otp_checks: [AtomicU64; 4],
    /// Batches of right codes written together: rolled back, committed.
    code_batches: [AtomicU64; 2],
    batched_codes: AtomicU64,
    code_batch_seconds: Histogram,
    selfie_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: Family::new(),
            latency: Family::new(),
            otp_checks: Default::default(),
            code_batches: Default::default(),
            batched_codes: AtomicU64::new(0),
            code_batch_seconds: Histogram::default(),
            selfie_seconds: Histogram::default(),
        }
    }
}

/// A label value as the text format wants it (`\`, `"` and newlines escaped).
fn escaped(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// One answered request: `route` is the matched route template
    /// (`/otp/atur/{token}`), never the raw path.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let route = escaped(route);
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "other",
        };
        self.requests
            .get(format!(
                "method=\"{method}\",route=\"{route}\",status=\"{status}\""
            ))
            .fetch_add(1, Ordering::Relaxed);
        self.latency
            .get(format!("route=\"{route}\""))
            .observe(seconds);
    }

    pub fn otp_check(&self, outcome: OtpOutcome) {
        self.otp_checks[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A batch of `codes` right codes written together (group commit) in
    /// `seconds`, from taking the batch to its commit or rollback.
    pub fn code_batch(&self, codes: usize, committed: bool, seconds: f64) {
        self.code_batches[usize::from(committed)].fetch_add(1, Ordering::Relaxed);
        self.batched_codes
            .fetch_add(codes as u64, Ordering::Relaxed);
        self.code_batch_seconds.observe(seconds);
    }

    /// A selfie checked and stored, from the upload's first byte.
    pub fn selfie_processed(&self, seconds: f64) {
        self.selfie_seconds.observe(seconds);
    }

    /// Everything, with `gauges` read by the caller, in the text format.
    pub fn render(&self, gauges: &[Gauge]) -> String {
        let mut out = String::new();
        let name = "tpo_http_requests_total";
        describe(
            &mut out,
            name,
            "counter",
            "HTTP requests answered, per route template.",
        );
        self.requests.each(|labels, count| {
            let _ = writeln!(out, "{name}{{{labels}}} {}", count.load(Ordering::Relaxed));
        });
        let name = "tpo_http_request_duration_seconds";
        describe(
            &mut out,
            name,
            "histogram",
            "Time to answer, per route template.",
        );
        self.latency.each(|labels, histogram| {
            histogram.render(&mut out, name, labels);
        });
        let name = "tpo_otp_checks_total";
        let help = "One-time code checks (login and validation API), by outcome.";
        describe(&mut out, name, "counter", help);
        for outcome in OtpOutcome::ALL {
            let count = self.otp_checks[outcome as usize].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}{{outcome=\"{}\"}} {count}", outcome.as_str());
        }
        let name = "tpo_otp_write_batches_total";
        let help = "Batches of right codes written together, by whether they committed (a rolled-back batch's codes are checked again one by one).";
        describe(&mut out, name, "counter", help);
        for (committed, count) in ["false", "true"].iter().zip(&self.code_batches) {
            let count = count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}{{committed=\"{committed}\"}} {count}");
        }
        let name = "tpo_otp_write_batch_codes_total";
        let help = "Right codes in those batches (over the batches: their average size).";
        describe(&mut out, name, "counter", help);
        let _ = writeln!(out, "{name} {}", self.batched_codes.load(Ordering::Relaxed));
        let name = "tpo_otp_write_batch_seconds";
        let help = "Time to write one batch of right codes, from taking it to its commit.";
        describe(&mut out, name, "histogram", help);
        self.code_batch_seconds.render(&mut out, name, "");
        let name = "tpo_selfie_processing_seconds";
        let help = "Time to check and store an uploaded selfie.";
        describe(&mut out, name, "histogram", help);
        self.selfie_seconds.render(&mut out, name, "");
        for gauge in gauges {
            describe(&mut out, gauge.name, "gauge", gauge.help);
            let _ = writeln!(out, "{} {}", gauge.name, gauge.value);
        }
        out
    }
}

/// A series' `# HELP` and `# TYPE` lines.
fn describe(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, start: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no line {start} in\n{text}"))
    }

    #[test]
    fn requests_are_counted_per_route_method_and_status() {
        let metrics = Metrics::default();
        metrics.request("GET", "/otp/atur/{token}", 200, 0.003);
        metrics.request("GET", "/otp/atur/{token}", 200, 0.2);
        metrics.request("BREW", "/otp/atur/{token}", 404, 0.001);
        let text = metrics.render(&[]);
        assert!(text.contains(
            "tpo_http_requests_total{method=\"GET\",route=\"/otp/atur/{token}\",status=\"200\"} 2\n"
        ));
        assert!(text.contains(
            "tpo_http_requests_total{method=\"other\",route=\"/otp/atur/{token}\",status=\"404\"} 1\n"
        ));
        let route = "route=\"/otp/atur/{token}\"";
        assert_eq!(
            line(
                &text,
                &format!("tpo_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}}")
            ),
            format!("tpo_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}} 2")
        );
        assert!(text.contains(&format!(
            "tpo_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}} 3\n"
        )));
        assert!(text.contains(&format!(
            "tpo_http_request_duration_seconds_sum{{{route}}} 0.204\n"
        )));
    }

    #[test]
    fn code_batches_are_counted_by_outcome_with_their_codes_and_time() {
        let metrics = Metrics::default();
        metrics.code_batch(5, true, 0.0004);
        metrics.code_batch(3, true, 0.003);
        metrics.code_batch(2, false, 0.0006);
        let text = metrics.render(&[]);
        for expected in [
            "tpo_otp_write_batches_total{committed=\"true\"} 2",
            "tpo_otp_write_batches_total{committed=\"false\"} 1",
            "tpo_otp_write_batch_codes_total 10",
            "tpo_otp_write_batch_seconds_bucket{le=\"0.001\"} 2",
            "tpo_otp_write_batch_seconds_bucket{le=\"0.005\"} 3",
            "tpo_otp_write_batch_seconds_sum 0.004",
            "tpo_otp_write_batch_seconds_count 3",
        ] {
            assert!(text.lines().any(|l| l == expected), "{expected} in\n{text}");
        }
    }

    #[test]
    fn otp_outcomes_selfies_and_gauges_are_rendered() {
        let metrics = Metrics::default();
        metrics.otp_check(OtpOutcome::Accepted);
        metrics.otp_check(OtpOutcome::Replayed);
        metrics.otp_check(OtpOutcome::Replayed);
        metrics.selfie_processed(0.3);
        let text = metrics.render(&[Gauge {
            name: "tpo_mail_outbox_depth",
            help: "Mails waiting.",
            value: 4.0,
        }]);
        assert!(text.contains("tpo_otp_checks_total{outcome=\"accepted\"} 1\n"));
        assert!(text.contains("tpo_otp_checks_total{outcome=\"rejected\"} 0\n"));
        assert!(text.contains("tpo_otp_checks_total{outcome=\"replayed\"} 2\n"));
        assert!(text.contains("tpo_selfie_processing_seconds_bucket{le=\"0.25\"} 0\n"));
        assert!(text.contains("tpo_selfie_processing_seconds_bucket{le=\"0.5\"} 1\n"));
        assert!(text.contains("tpo_selfie_processing_seconds_count 1\n"));
        assert!(text.contains("# TYPE tpo_mail_outbox_depth gauge\ntpo_mail_outbox_depth 4\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escaped("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
