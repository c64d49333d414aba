//! The board's clock for promises and tree heads (`spec/api.md` §4.1, *Time*):
//! never backwards, and never further ahead of the time the board has
//! measured since it started than a small allowance, so that a wall
//! clock stepped back does not date an entry before an earlier one, and a
//! wall clock jumped forward (a bad NTP answer, an operator's typo) does
//! not stick a future date in every later head. Written by hand: it is a
//! `max` and a `min` over `std::time`, no crate does less.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How far the wall clock may run ahead of the measured time (1 minute:
/// NTP corrections are smaller; a bigger step is a jump).
pub const MAX_AHEAD_MS: u64 = 60_000;

/// Milliseconds since the Unix epoch by the wall clock; at least 1.
pub fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(1)
        .max(1)
}

/// A monotonic, jump-bounded millisecond clock.
#[derive(Debug)]
pub struct Clock {
    /// Wall time at the start, and the instant it was read.
    start_ms: u64,
    start: Instant,
    /// The last time handed out.
    last: u64,
}

impl Clock {
    /// A clock that never hands out less than `floor` (the newest
    /// timestamp already signed, e.g. the latest tree head of any election).
    pub fn new(floor: u64) -> Self {
        Self::at(wall_ms(), Instant::now(), floor)
    }

    fn at(start_ms: u64, start: Instant, floor: u64) -> Self {
        Clock {
            start_ms,
            start,
            last: floor.max(1),
        }
    }

    /// The time for the next commit.
    pub fn now(&mut self) -> u64 {
        self.read(wall_ms(), Instant::now())
    }

    fn read(&mut self, wall: u64, at: Instant) -> u64 {
        let measured = self
            .start_ms
            .saturating_add(at.duration_since(self.start).as_millis() as u64);
        let bound = measured.saturating_add(MAX_AHEAD_MS);
        if wall > bound {
            tracing::warn!(
                wall_ms = wall,
                measured_ms = measured,
                "the wall clock is ahead of the time measured since start; using the measured time"
            );
        }
        self.last = wall.min(bound).max(self.last);
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_clock_stepped_back_never_dates_backwards() {
        let t0 = Instant::now();
        let mut c = Clock::at(1_000_000, t0, 0);
        assert_eq!(
            c.read(1_000_500, t0 + Duration::from_millis(500)),
            1_000_500
        );
        // The wall clock steps back ten minutes: time stands still, then resumes.
        assert_eq!(
            c.read(1_000_500 - 600_000, t0 + Duration::from_millis(600)),
            1_000_500
        );
        assert_eq!(
            c.read(1_000_700, t0 + Duration::from_millis(700)),
            1_000_700
        );
    }

    #[test]
    fn a_forward_jump_does_not_stick() {
        let t0 = Instant::now();
        let mut c = Clock::at(1_000_000, t0, 0);
        // A jump a year ahead is capped at the measured time plus the allowance…
        let year = 365 * 24 * 3_600_000;
        let t = c.read(1_000_000 + year, t0 + Duration::from_millis(10));
        assert_eq!(t, 1_000_010 + MAX_AHEAD_MS);
        // …so when the wall clock comes back, timestamps go on from there,
        // not from a year ahead.
        let t = c.read(
            1_000_000 + MAX_AHEAD_MS + 5_000,
            t0 + Duration::from_secs(70),
        );
        assert_eq!(t, 1_000_000 + MAX_AHEAD_MS + 5_000);
        // A small NTP correction ahead is taken as it is.
        let t = c.read(1_000_000 + 100_000, t0 + Duration::from_secs(80));
        assert_eq!(t, 1_000_000 + 100_000);
    }

    #[test]
    fn never_below_the_floor() {
        let t0 = Instant::now();
        let mut c = Clock::at(1_000, t0, 5_000_000);
        assert_eq!(c.read(1_000, t0), 5_000_000);
    }
}
