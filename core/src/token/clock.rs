//! Time for token deadlines.
//!
//! Deadlines run on a monotonic clock that keeps counting while the device sleeps
//! (`CLOCK_BOOTTIME` on Linux and Android, `CLOCK_MONOTONIC_RAW` on Apple platforms, which
//! Darwin counts across sleep). `std::time::Instant` stops during suspend on these systems,
//! which would let a phone that slept for an hour serve a token that expired meanwhile.
//! The wall clock is read exactly once per token, to turn an absolute expiry (a JWT `exp`,
//! epoch seconds) into a remaining lifetime; a later wall-clock jump cannot move a deadline.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point on the monotonic clock, as time since an arbitrary origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Mono(pub(crate) Duration);

impl Mono {
    pub(crate) fn saturating_add(self, d: Duration) -> Self {
        Mono(self.0.saturating_add(d))
    }

    /// Time from `self` until `later`, zero if `later` has passed.
    pub(crate) fn until(self, later: Mono) -> Duration {
        later.0.saturating_sub(self.0)
    }
}

/// The source of time for a token manager. Production code uses [`SystemClock`]; tests may
/// substitute a clock whose wall time jumps.
pub(crate) trait Clock: Send + Sync + 'static {
    /// Now, on the monotonic clock.
    fn monotonic(&self) -> Mono;
    /// Now, on the wall clock, as time since the Unix epoch.
    fn wall(&self) -> Duration;
}

/// The real clocks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn monotonic(&self) -> Mono {
        Mono(monotonic_now())
    }

    fn wall(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
fn monotonic_now() -> Duration {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const CLOCK: libc::clockid_t = libc::CLOCK_BOOTTIME;
    #[cfg(target_vendor = "apple")]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_RAW;
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and CLOCK is supported on these targets.
    let rc = unsafe { libc::clock_gettime(CLOCK, &mut ts) };
    if rc != 0 {
        return fallback_now();
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
fn monotonic_now() -> Duration {
    fallback_now()
}

/// `Instant` measured from the first call: monotonic, though it may pause during suspend.
fn fallback_now() -> Duration {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monotonic_clock_advances() {
        let a = SystemClock.monotonic();
        std::thread::sleep(Duration::from_millis(5));
        let b = SystemClock.monotonic();
        assert!(a.until(b) >= Duration::from_millis(5));
        assert_eq!(b.until(a), Duration::ZERO);
    }
}
