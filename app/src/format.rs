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

/// The start of a day in WIB typed as `YYYY-MM-DD` (a date input's value),
/// or `None` when the text is no such day.
pub fn day_start(text: &str) -> Option<UnixTime> {
    let mut parts = text.trim().splitn(3, '-').map(str::parse::<i32>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    let month = ::time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date = ::time::Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let offset = UtcOffset::from_hms(7, 0, 0).ok()?;
    Some(UnixTime::from_secs(
        date.midnight().assume_offset(offset).unix_timestamp(),
    ))
}

/// Midnight WIB of the day `time` falls on.
pub fn start_of_day(time: UnixTime) -> UnixTime {
    let offset = 7 * 3600;
    UnixTime::from_secs((time.secs() + offset).div_euclid(86_400) * 86_400 - offset)
}

/// Midnight WIB of the Monday of the week `time` falls on.
pub fn start_of_week(time: UnixTime) -> UnixTime {
    let day = start_of_day(time);
    // 1970-01-01 was a Thursday: days since then, shifted so Monday is 0.
    let weekday = ((day.secs() + 7 * 3600).div_euclid(86_400) + 3).rem_euclid(7);
    day - weekday * 86_400
}

/// A filter's "from" and "to" days as typed (`YYYY-MM-DD`, WIB, either may
/// be empty): the start of the first day and the end of the last (the start
/// of the day after, so "to" is inclusive), or an Indonesian message naming
/// the field that is wrong.
pub fn day_range(from: &str, to: &str) -> Result<(Option<UnixTime>, Option<UnixTime>), String> {
    let day = |text: &str, what: &str| match text.trim() {
        "" => Ok(None),
        text => day_start(text)
            .map(Some)
            .ok_or_else(|| format!("{what}: isi tanggal dengan format TTTT-BB-HH.")),
    };
    let start = day(from, "Dari tanggal")?;
    let end = day(to, "Sampai tanggal")?.map(|start| start + 86_400);
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        return Err(
            "Sampai tanggal: isi tanggal yang sama dengan atau sesudah Dari tanggal.".into(),
        );
    }
    Ok((start, end))
}

fn utc(unix: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix).ok()
}

fn stamp(t: OffsetDateTime, between: char, suffix: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}{between}{:02}:{:02}:{:02}{suffix}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// "2026-11-28T09:42:00Z" (RFC 3339, UTC): for files read by programs.
pub fn rfc3339_utc(time: UnixTime) -> String {
    utc(time.secs())
        .map(|t| stamp(t, 'T', "Z"))
        .unwrap_or_default()
}

/// "2026-11-28 16:42:00" (WIB, sortable): for files read by people.
pub fn wib_timestamp(time: UnixTime) -> String {
    wib(time.secs())
        .map(|t| stamp(t, ' ', ""))
        .unwrap_or_default()
}

/// "20261128" (the WIB day), for file names.
pub fn compact_day(time: UnixTime) -> String {
    wib(time.secs())
        .map(|t| format!("{:04}{:02}{:02}", t.year(), t.month() as u8, t.day()))
        .unwrap_or_default()
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

    #[test]
    fn days_and_weeks_start_at_midnight_wib_on_monday() {
        // Sunday 29 November 2026 05.30 WIB (Saturday 22.30 UTC).
        let sunday = UnixTime::from_secs(1_795_905_000);
        assert_eq!(date_time(sunday), "29 November 2026 05.30 WIB");
        assert_eq!(
            date_time(start_of_day(sunday)),
            "29 November 2026 00.00 WIB"
        );
        assert_eq!(
            date_time(start_of_week(sunday)),
            "23 November 2026 00.00 WIB"
        );
        let monday = day_start("2026-11-30").unwrap();
        assert_eq!(start_of_week(monday), monday);
    }

    #[test]
    fn a_typed_day_starts_at_midnight_wib() {
        let start = day_start("2026-11-29").unwrap();
        assert_eq!(date_time(start), "29 November 2026 00.00 WIB");
        for bad in ["", "2026-13-01", "2026-02-30", "29-11-2026x", "kemarin"] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_day_range_includes_its_last_day_and_names_a_wrong_field() {
        let (from, to) = day_range("2026-11-01", "2026-11-01").unwrap();
        assert_eq!(to.unwrap() - from.unwrap(), 86_400);
        assert_eq!(day_range(" ", "").unwrap(), (None, None));
        assert!(
            day_range("1/11/2026", "")
                .unwrap_err()
                .starts_with("Dari tanggal")
        );
        assert!(
            day_range("", "besok")
                .unwrap_err()
                .starts_with("Sampai tanggal")
        );
        assert!(day_range("2026-11-02", "2026-11-01").is_err());
    }

    #[test]
    fn file_stamps_are_utc_and_wib() {
        let at = UnixTime::from_secs(1_795_858_920);
        assert_eq!(rfc3339_utc(at), "2026-11-28T09:42:00Z");
        assert_eq!(wib_timestamp(at), "2026-11-28 16:42:00");
        assert_eq!(compact_day(UnixTime::from_secs(1_795_903_200)), "20261129");
    }
}
