//! The token server's time, learned from the `Date` header of its answers, for the `iat`,
//! `nbf` and `exp` of signed assertions. A phone or laptop whose clock is minutes off signs
//! assertions that the server rejects ("Invalid JWT: Token must be a short-lived token … check
//! your iat and exp values"); signing with the server's time instead avoids that.
//!
//! The correction is kept on the monotonic clock: the server's time at one monotonic instant,
//! advanced by the monotonic clock since, so that a later jump of the local wall clock does
//! not disturb it.

use std::sync::Mutex;
use std::time::Duration;

use super::clock::{Clock, Mono};
use crate::exchange::httpdate_parse;

/// Below this difference the local clock is used as it is: `Date` has a resolution of one
/// second and the answer took time to arrive.
pub(crate) const TOLERANCE: Duration = Duration::from_secs(5);
/// A `Date` further off than this is not trusted (a broken proxy or server), and ignored.
const BOUND: Duration = Duration::from_secs(48 * 3600);

/// The server's time at a monotonic instant.
#[derive(Clone, Copy)]
struct Sample {
    at: Mono,
    server: Duration,
}

/// What the engine knows of the token server's clock.
#[derive(Default)]
pub(crate) struct ServerTime {
    sample: Mutex<Option<Sample>>,
}

impl ServerTime {
    /// The time to sign with: the server's when it differs from the local clock by more than
    /// [`TOLERANCE`], else the local wall clock.
    pub(crate) fn now(&self, clock: &dyn Clock) -> Duration {
        match *self.sample.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(sample) => sample.server + sample.at.until(clock.monotonic()),
            None => clock.wall(),
        }
    }

    /// The current correction in seconds (server minus local), 0 when none is applied.
    pub(crate) fn offset_secs(&self, clock: &dyn Clock) -> f64 {
        self.now(clock).as_secs_f64() - clock.wall().as_secs_f64()
    }

    /// Learns from one answer's `Date` header. Returns `true` when the correction changed by
    /// more than [`TOLERANCE`], so an assertion signed before this answer used a wrong time.
    pub(crate) fn learn(&self, date: Option<&str>, clock: &dyn Clock) -> bool {
        let Some(server) = date
            .and_then(httpdate_parse)
            .and_then(|at| at.duration_since(std::time::UNIX_EPOCH).ok())
        else {
            return false;
        };
        // `Date` is truncated to the second: the middle of that second is the best guess.
        let server = server + Duration::from_millis(500);
        let before = self.offset_secs(clock);
        let local = clock.wall();
        let difference = server.abs_diff(local);
        let sample = if difference > BOUND {
            return false;
        } else if difference > TOLERANCE {
            Some(Sample {
                at: clock.monotonic(),
                server,
            })
        } else {
            None
        };
        *self.sample.lock().unwrap_or_else(|e| e.into_inner()) = sample;
        (self.offset_secs(clock) - before).abs() > TOLERANCE.as_secs_f64()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    struct TestClock {
        mono_ms: AtomicU64,
        wall_ms: AtomicU64,
    }

    impl Clock for TestClock {
        fn monotonic(&self) -> Mono {
            Mono(Duration::from_millis(self.mono_ms.load(Ordering::Relaxed)))
        }
        fn wall(&self) -> Duration {
            Duration::from_millis(self.wall_ms.load(Ordering::Relaxed))
        }
    }

    fn date(epoch_secs: u64) -> String {
        // 1994-11-06T08:49:37Z is 784111777.
        let base = 784_111_777;
        assert!(epoch_secs >= base && epoch_secs < base + 60 * 60);
        let minutes = 49 + (epoch_secs - base + 37) / 60;
        let seconds = (epoch_secs - base + 37) % 60;
        format!(
            "Sun, 06 Nov 1994 {:02}:{:02}:{:02} GMT",
            8 + minutes / 60,
            minutes % 60,
            seconds
        )
    }

    #[test]
    fn a_server_ten_minutes_ahead_corrects_the_time_and_survives_a_wall_clock_jump() {
        let local = 784_111_777;
        let clock = TestClock {
            mono_ms: AtomicU64::new(1_000),
            wall_ms: AtomicU64::new(local * 1000),
        };
        let time = ServerTime::default();
        assert_eq!(time.now(&clock).as_secs(), local);
        assert!(time.learn(Some(&date(local + 600)), &clock));
        assert_eq!(time.now(&clock).as_secs(), local + 600);
        // The same answer again changes nothing.
        assert!(!time.learn(Some(&date(local + 600)), &clock));
        // The local wall clock jumps; the monotonic clock runs on by 10 s.
        clock
            .wall_ms
            .store((local - 3000) * 1000, Ordering::Relaxed);
        clock.mono_ms.fetch_add(10_000, Ordering::Relaxed);
        assert_eq!(time.now(&clock).as_secs(), local + 610);
        // Within the tolerance, the local clock is used.
        clock.wall_ms.store((local + 612) * 1000, Ordering::Relaxed);
        assert!(!time.learn(Some(&date(local + 614)), &clock));
        assert_eq!(time.now(&clock).as_secs(), local + 612);
        // No or broken Date: nothing learned.
        assert!(!time.learn(None, &clock));
        assert!(!time.learn(Some("yesterday"), &clock));
    }
}
