//! The refresh policy: when a token is refreshed, how long it is handed out, and how long
//! to wait between attempts. Pure functions of the options, the clock and a random draw.

use std::time::Duration;

use super::clock::Mono;
use super::options::TokenOptions;

/// The deadlines of one token, all on the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Schedule {
    /// From here on, the token is still handed out but one background refresh starts.
    pub(crate) refresh_at: Mono,
    /// From here on, the token is no longer handed out: callers wait for a new one.
    pub(crate) usable_until: Mono,
}

/// Schedules a token that was requested at `requested_at` and lives `lifetime` from then.
///
/// `jitter_draw` is uniform in [0, 1); `last_fetch` is how long the last token request took,
/// so a slow server gets a larger margin.
pub(crate) fn schedule(
    options: &TokenOptions,
    requested_at: Mono,
    lifetime: Duration,
    last_fetch: Duration,
    jitter_draw: f64,
) -> Schedule {
    if lifetime == Duration::MAX {
        let never = Mono(Duration::MAX);
        return Schedule {
            refresh_at: never,
            usable_until: never,
        };
    }
    let skew = TokenOptions::ms(options.expiry_skew_ms).min(lifetime / 10);
    let usable = lifetime - skew;
    let half = usable / 2;
    let floor = TokenOptions::ms(options.refresh_floor_ms)
        .max(last_fetch.saturating_mul(3))
        .min(half);
    let cap = TokenOptions::ms(options.refresh_cap_ms).max(floor);
    let margin = usable.mul_f64(options.refresh_fraction).clamp(floor, cap);
    let margin = margin
        .mul_f64(1.0 + options.refresh_jitter * jitter_draw)
        .min(half.max(floor));
    Schedule {
        refresh_at: requested_at.saturating_add(usable - margin),
        usable_until: requested_at.saturating_add(usable),
    }
}

/// "Full jitter" backoff: a uniform draw below `initial * 2^(attempt-1)`, capped at `max`.
pub(crate) fn backoff(options: &TokenOptions, attempt: u32, draw: f64) -> Duration {
    backoff_ceiling(options, attempt).mul_f64(draw)
}

/// The ceiling that [`backoff`] draws below; also the cool-down after repeated failures.
pub(crate) fn backoff_ceiling(options: &TokenOptions, attempt: u32) -> Duration {
    let exp = attempt.saturating_sub(1).min(30);
    let ceiling = options.backoff_initial_ms.saturating_mul(1u64 << exp);
    TokenOptions::ms(ceiling.min(options.backoff_max_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: Schedule) -> (f64, f64) {
        (s.refresh_at.0.as_secs_f64(), s.usable_until.0.as_secs_f64())
    }

    #[test]
    fn refresh_point_is_relative_to_the_lifetime() {
        let o = TokenOptions::default();
        let z = Mono(Duration::ZERO);
        let zero = Duration::ZERO;
        // 2-second token: handed out until 1.8 s, refreshed from ~1.62 s (no jitter).
        let (refresh, usable) = at(schedule(&o, z, Duration::from_secs(2), zero, 0.0));
        assert!((usable - 1.8).abs() < 1e-9, "{usable}");
        assert!((1.5..1.6).contains(&refresh), "{refresh}");
        // 5-minute token (XTD): refreshed about 30 s before the end, not after 75 s.
        let (refresh, usable) = at(schedule(&o, z, Duration::from_secs(300), zero, 0.0));
        assert!((usable - 299.5).abs() < 1e-9);
        assert!((265.0..272.0).contains(&refresh), "{refresh}");
        // 24-hour token: the margin is capped at 5 minutes.
        let (refresh, _) = at(schedule(&o, z, Duration::from_secs(86_400), zero, 0.0));
        assert!((86_099.0..86_100.0).contains(&refresh), "{refresh}");
    }

    #[test]
    fn jitter_only_moves_the_refresh_earlier_within_bounds() {
        let o = TokenOptions::default();
        let z = Mono(Duration::ZERO);
        let life = Duration::from_secs(300);
        let early = schedule(&o, z, life, Duration::ZERO, 0.999);
        let late = schedule(&o, z, life, Duration::ZERO, 0.0);
        assert!(early.refresh_at < late.refresh_at);
        assert_eq!(early.usable_until, late.usable_until);
        assert!(early.refresh_at.0.as_secs_f64() > 150.0);
    }

    #[test]
    fn a_slow_server_gets_a_larger_margin_but_never_past_half_the_lifetime() {
        let o = TokenOptions::default();
        let z = Mono(Duration::ZERO);
        let s = schedule(&o, z, Duration::from_secs(10), Duration::from_secs(2), 0.0);
        assert!((s.refresh_at.0.as_secs_f64() - 4.75).abs() < 1e-6, "{s:?}");
        let s = schedule(&o, z, Duration::from_secs(2), Duration::from_secs(5), 0.999);
        assert!((s.refresh_at.0.as_secs_f64() - 0.9).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let o = TokenOptions::default();
        assert_eq!(backoff_ceiling(&o, 1), Duration::from_millis(200));
        assert_eq!(backoff_ceiling(&o, 3), Duration::from_millis(800));
        assert_eq!(backoff_ceiling(&o, 40), Duration::from_millis(10_000));
        assert!(backoff(&o, 3, 0.5) == Duration::from_millis(400));
    }
}
