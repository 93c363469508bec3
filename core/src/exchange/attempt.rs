//! Classification of every token-request outcome for the retry policy. How requests are
//! sent (and the HTTPS, timeout, body and redirect rules) lives in `crate::transport`.

use std::time::Duration;

use super::Response;
use crate::error::AuthError;

/// One failed attempt, and whether the retry policy may try again.
#[derive(Debug, Clone)]
pub(crate) struct AttemptError {
    pub(crate) error: AuthError,
    pub(crate) retry: Retry,
}

/// Whether a failed attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    No,
    /// Retry, after at least the server's `Retry-After` when it sent one.
    Yes {
        after: Option<Duration>,
    },
}

impl AttemptError {
    pub(crate) fn fatal(error: AuthError) -> Self {
        Self {
            error,
            retry: Retry::No,
        }
    }
}

/// Classifies a non-success status. RFC 6749 §5.2 error bodies become [`AuthError::OAuth`];
/// 408, 429 and 5xx are retryable; other 4xx are not.
pub(crate) fn status_error(response: &Response, scrub: &dyn Fn(String) -> String) -> AttemptError {
    let status = response.status;
    let json: Option<serde_json::Value> = serde_json::from_slice(&response.body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|v| v.get(name))
            .and_then(|v| v.as_str())
            // Scrubbed before it is cut to one line, so a secret at the cut is still found.
            .map(|s| one_line(&scrub(s.to_owned())))
    };
    let message = field("message")
        .or_else(|| field("error_description"))
        .or_else(|| field("error"))
        .or_else(|| field("detail"))
        .or_else(|| {
            let text = String::from_utf8_lossy(&response.body);
            let text = text.trim();
            (!text.is_empty() && json.is_none()).then(|| one_line(&scrub(text.to_owned())))
        })
        .unwrap_or_else(|| "no message".to_owned());
    match status {
        429 => AttemptError {
            error: AuthError::RateLimited {
                retry_after_ms: retry_after(response)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            },
            retry: Retry::Yes {
                after: retry_after(response),
            },
        },
        408 | 500..=599 => AttemptError {
            error: AuthError::Server { status, message },
            retry: Retry::Yes {
                after: retry_after(response),
            },
        },
        400..=499 => {
            let error = match field("error") {
                Some(code) => AuthError::OAuth {
                    status,
                    error: code,
                    description: field("error_description").unwrap_or_default(),
                },
                None if status == 401 || status == 403 => {
                    AuthError::Unauthorized { status, message }
                }
                None => AuthError::HttpStatus { status, message },
            };
            AttemptError::fatal(error)
        }
        _ => AttemptError::fatal(AuthError::HttpStatus { status, message }),
    }
}

/// The longest `Retry-After` honoured: a server that asks for more (or sends a date far in
/// the future) is tried again after an hour instead of locking the manager out until the
/// process restarts.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3), at most [`MAX_RETRY_AFTER`]. An
/// HTTP-date is read against the wall clock once.
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    let delay = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate_parse(value)?
            .duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    };
    Some(delay.min(MAX_RETRY_AFTER))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only date format servers must send
/// (RFC 9110 §5.6.7), as in `Date` and `Retry-After`.
pub(crate) fn httpdate_parse(value: &str) -> Option<std::time::SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    let secs = epoch_secs(year, month, day, *h, *m, *s)?;
    let secs = u64::try_from(secs).ok()?;
    std::time::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Seconds since the Unix epoch of a civil UTC date and time (Howard Hinnant's algorithm).
/// Years outside 1..=9999 (which no server sends) are refused, so the arithmetic cannot
/// overflow.
fn epoch_secs(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64) -> Option<i64> {
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&s)
    {
        return None;
    }
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// An RFC 3339 date-time (`2016-07-11T22:14:10Z`, `2016-07-11T22:14:10.5+02:00`) as
/// seconds since the Unix epoch.
pub(crate) fn rfc3339_secs(value: &str) -> Option<f64> {
    let value = value.trim();
    let (date, time) = value.split_once(['T', 't', ' '])?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(at) => time.split_at(at),
        None => return None,
    };
    let offset_secs = match offset {
        "Z" | "z" => 0,
        _ => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (oh, om) = offset[1..].split_once(':')?;
            let (oh, om) = (oh.parse::<i64>().ok()?, om.parse::<i64>().ok()?);
            // RFC 3339 §5.6: time-numoffset is 00-23 hours and 00-59 minutes.
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let mut parts = clock.splitn(3, ':');
    let (h, m) = (
        parts.next()?.parse::<i64>().ok()?,
        parts.next()?.parse::<i64>().ok()?,
    );
    let seconds: f64 = parts.next()?.parse().ok()?;
    if !seconds.is_finite() || !(0.0..61.0).contains(&seconds) {
        return None;
    }
    let whole = epoch_secs(year, month, day, h, m, 0)?;
    Some((whole - offset_secs) as f64 + seconds)
}

/// A server message cut to one short line, so it can never smuggle a line into a log.
pub(crate) fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect();
    cleaned.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let with = |value: &str| Response {
            status: 429,
            headers: vec![("retry-after".to_owned(), value.to_owned())],
            body: Vec::new(),
        };
        assert_eq!(retry_after(&with("2")), Some(Duration::from_secs(2)));
        assert_eq!(retry_after(&with("99999999999")), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after(&with("Fri, 31 Dec 9999 23:59:59 GMT")),
            Some(MAX_RETRY_AFTER)
        );
        let at = httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
            784_111_777
        );
        assert_eq!(
            retry_after(&with("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn dates_far_out_of_range_are_refused_without_overflow() {
        for value in [
            "Sun, 06 Nov 292277026596 08:49:37 GMT",
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 0 08:49:37 GMT",
            "Sun, 06 Nov 1994 -1:49:37 GMT",
        ] {
            assert_eq!(httpdate_parse(value), None, "{value}");
        }
        assert!(httpdate_parse("Fri, 31 Dec 9999 23:59:59 GMT").is_some());
        let with = |value: &str| Response {
            status: 503,
            headers: vec![("retry-after".to_owned(), value.to_owned())],
            body: Vec::new(),
        };
        assert_eq!(
            retry_after(&with("Sun, 06 Nov 292277026596 08:49:37 GMT")),
            None
        );
        for value in [
            "9223372036854775807-01-01T00:00:00Z",
            "-9223372036854775807-01-01T00:00:00Z",
            "2016-07-11T22:14:10+9223372036854775807:00",
            "2016-07-11T22:14:10-99999:30",
            "2016-07-11T22:14:10+24:00",
        ] {
            assert_eq!(rfc3339_secs(value), None, "{value}");
        }
        assert_eq!(
            rfc3339_secs("2016-07-11T23:59:10+23:59"),
            Some(1_468_195_210.0)
        );
    }

    #[test]
    fn server_text_is_scrubbed_before_it_is_cut() {
        let secret = "S3cretValue-0123456789";
        let scrub = |text: String| text.replace(secret, "[redacted]");
        for filler in [190, 195, 199, 200] {
            let message = format!("{}{secret} tail", "x".repeat(filler));
            for body in [
                serde_json::json!({ "message": message }).to_string(),
                message.clone(),
            ] {
                let response = Response {
                    status: 500,
                    headers: Vec::new(),
                    body: body.into_bytes(),
                };
                let text = status_error(&response, &scrub).error.to_string();
                assert!(!text.contains("S3cr"), "{filler}: {text}");
            }
        }
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339_secs("2016-07-11T22:14:10Z"), Some(1_468_275_250.0));
        assert_eq!(
            rfc3339_secs("2016-07-12T00:14:10+02:00"),
            Some(1_468_275_250.0)
        );
        assert_eq!(
            rfc3339_secs("2016-07-11T22:14:10.5Z"),
            Some(1_468_275_250.5)
        );
        assert_eq!(rfc3339_secs("2016-07-11"), None);
        assert_eq!(rfc3339_secs("2016-13-11T22:14:10Z"), None);
        assert_eq!(rfc3339_secs("not a date"), None);
    }
}
