//! How times are shown: Indonesian month names, Western Indonesia Time
//! (WIB, UTC+7), the zone of most signers and of the operator.

use ::time::{OffsetDateTime, UtcOffset};

use crate::time::UnixTime;

const MONTHS: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

fn wib(unix: i64) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_hms(7, 0, 0).ok()?;
    Some(
        OffsetDateTime::from_unix_timestamp(unix)
            .ok()?
            .to_offset(offset),
    )
}

/// "28 November 2026 16.42 WIB"
pub fn date_time(time: UnixTime) -> String {
    wib(time.secs())
        .map(|t| {
            format!(
                "{} {} {} {:02}.{:02} WIB",
                t.day(),
                MONTHS[t.month() as usize - 1],
                t.year(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|| "-".into())
}

/// "28 November 2026"
pub fn date(time: UnixTime) -> String {
    wib(time.secs())
        .map(|t| {
            format!(
                "{} {} {}",
                t.day(),
                MONTHS[t.month() as usize - 1],
                t.year()
            )
        })
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_wib() {
        // 2026-11-28 09:42:00 UTC
        assert_eq!(
            date_time(UnixTime::from_secs(1_795_858_920)),
            "28 November 2026 16.42 WIB"
        );
        assert_eq!(date(UnixTime::from_secs(1_795_858_920)), "28 November 2026");
        // Late evening UTC is already the next day in Jakarta.
        assert_eq!(date(UnixTime::from_secs(1_795_903_200)), "29 November 2026");
    }
}
