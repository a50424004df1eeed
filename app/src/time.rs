//! Points in time, as whole seconds since the Unix epoch (UTC): the one time
//! type of the database rows, the domain and the pages. Durations stay plain
//! seconds (`i64`), so `now + 3600` is a time and `until - now` a duration,
//! and two times cannot be added by mistake.

use std::fmt;
use std::ops::{Add, Sub};

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::Type), sqlx(transparent))]
#[serde(transparent)]
pub struct UnixTime(i64);

impl UnixTime {
    pub const fn from_secs(seconds: i64) -> Self {
        Self(seconds)
    }

    pub const fn secs(self) -> i64 {
        self.0
    }
}

impl Add<i64> for UnixTime {
    type Output = UnixTime;

    fn add(self, seconds: i64) -> UnixTime {
        UnixTime(self.0 + seconds)
    }
}

impl Sub<i64> for UnixTime {
    type Output = UnixTime;

    fn sub(self, seconds: i64) -> UnixTime {
        UnixTime(self.0 - seconds)
    }
}

/// The seconds from `earlier` to `self`.
impl Sub<UnixTime> for UnixTime {
    type Output = i64;

    fn sub(self, earlier: UnixTime) -> i64 {
        self.0 - earlier.0
    }
}

impl fmt::Debug for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnixTime({})", self.0)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_move_by_seconds_and_differ_by_seconds() {
        let start = UnixTime::from_secs(1_795_856_415);
        assert_eq!((start + 60).secs(), 1_795_856_475);
        assert_eq!((start + 60) - start, 60);
        assert!(start - 1 < start);
    }
}
