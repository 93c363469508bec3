//! Reading the `exp` claim of a JWT (RFC 7519 §4.1.4). The signature is not verified: the
//! claim is used only to schedule a refresh, never to trust the token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The lifetime a JWT announces, in seconds: `exp - iat` when both claims are present (the
/// server's own clock on both ends, so a skewed client clock cannot shorten or stretch it),
/// else `exp - wall_now`. `None` when `token` is not a JWT with an `exp` claim.
pub(crate) fn lifetime_secs(token: &str, wall_now_secs: f64) -> Option<f64> {
    let claims = claims(token)?;
    let exp = claims.get("exp")?.as_f64()?;
    match claims.get("iat").and_then(|v| v.as_f64()) {
        Some(iat) if iat <= exp => Some(exp - iat),
        _ => Some(exp - wall_now_secs),
    }
}

fn claims(token: &str) -> Option<serde_json::Value> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lifetime_of_a_jwt() {
        let jwt =
            |claims: &str| format!("eyJhbGciOiJub25lIn0.{}.sig", URL_SAFE_NO_PAD.encode(claims));
        let now = 1_686_337_500.0;
        assert_eq!(
            lifetime_secs(&jwt(r#"{"exp":1686337789,"iat":1686337489}"#), now),
            Some(300.0)
        );
        assert_eq!(
            lifetime_secs(&jwt(r#"{"exp":1686337789}"#), now),
            Some(289.0)
        );
        assert_eq!(lifetime_secs(&jwt(r#"{"sub":"x"}"#), now), None);
        assert_eq!(lifetime_secs("not-a-jwt", now), None);
        assert_eq!(lifetime_secs("a.b.c.d", now), None);
    }
}
