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
            .map(|s| scrub(one_line(s)))
    };
    let message = field("message")
        .or_else(|| field("error_description"))
        .or_else(|| field("error"))
        .or_else(|| field("detail"))
        .or_else(|| {
            let text = String::from_utf8_lossy(&response.body);
            let text = text.trim();
            (!text.is_empty() && json.is_none()).then(|| scrub(one_line(text)))
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

/// `Retry-After` as delay-seconds (RFC 9110 §10.2.3). An HTTP-date is read against the
/// wall clock once.
pub(crate) fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate_parse(value)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
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
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Seconds since the Unix epoch of a civil UTC date and time (Howard Hinnant's algorithm).
fn epoch_secs(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
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
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
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
