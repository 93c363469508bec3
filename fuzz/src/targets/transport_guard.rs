//! The transport guard's check of what a transport returns: any status, headers and body,
//! any body limit, and transport errors whose text carries a secret and the request URL.
//!
//! Invariants: never a panic; a status outside 100..=599 is refused as impossible, a 3xx as
//! a redirect, a body over the limit as too large (none of them retried); anything else
//! passes unchanged (header names lower-cased); a transport error becomes a network error,
//! retried exactly when its kind is, on one line, without the secret or the URL's query.

use authwire::fuzzing::{TOKEN_URL, guard_send};
use authwire::{AuthError, HttpHeader, HttpResponse, HttpTransportError, NetworkErrorKind};

use crate::input::{Input, filler, planted_secret};

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let secret = planted_secret(&mut input);
    let max_body = 1 + u64::from(input.u16() % 2048);
    if input.byte().is_multiple_of(4) {
        transport_error(&mut input, &secret, max_body);
        return;
    }
    let status = match input.byte() % 3 {
        0 => input.u16(),
        _ => 100 + input.u16() % 500,
    };
    let headers: Vec<HttpHeader> = (0..input.byte() % 6)
        .map(|_| HttpHeader {
            name: input.string(20),
            value: input.string(40),
        })
        .collect();
    let body = match input.byte() % 3 {
        0 => vec![b'x'; usize::from(input.u16() % 4096)],
        _ => input.rest().to_vec(),
    };
    let response = HttpResponse {
        status,
        headers: headers.clone(),
        body: body.clone(),
    };
    match guard_send(Ok(response), max_body, &secret) {
        Ok(answer) => {
            assert!((100..=599).contains(&status) && !(300..400).contains(&status));
            assert!(body.len() as u64 <= max_body);
            assert_eq!(answer.status, status);
            assert_eq!(answer.body, body);
            let expected: Vec<(String, String)> = headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
                .collect();
            assert_eq!(answer.headers, expected);
        }
        Err(refused) => {
            assert!(refused.retry.is_none(), "a refused response is retried");
            match refused.error {
                AuthError::InvalidResponse { .. } => assert!(
                    !(100..=599).contains(&status) || body.len() as u64 > max_body,
                    "status {status}, {} bytes of {max_body} refused",
                    body.len()
                ),
                AuthError::HttpStatus { status: s, .. } => {
                    assert!((300..400).contains(&status) && s == status);
                }
                other => panic!("status {status} refused with {other:?}"),
            }
        }
    }
}

fn transport_error(input: &mut Input<'_>, secret: &str, max_body: u64) {
    // A secret may run straight into the URL or its query: the guard scrubs secrets before
    // it replaces them (a finding of this target, fixed), so nothing of it may remain.
    let reason = format!(
        "{}{}{}{}{}",
        filler(input.bytes(60)),
        input.pick(&["", TOKEN_URL, "tenant=fuzz", "https://auth.example.com"]),
        filler(input.bytes(60)),
        if input.byte().is_multiple_of(4) {
            ""
        } else {
            secret
        },
        filler(input.bytes(200)),
    );
    let kind = *input.pick(&[
        NetworkErrorKind::NameNotResolved,
        NetworkErrorKind::NameResolutionTemporary,
        NetworkErrorKind::ConnectionRefused,
        NetworkErrorKind::ConnectTimeout,
        NetworkErrorKind::ReadTimeout,
        NetworkErrorKind::ConnectionReset,
        NetworkErrorKind::CertificateUntrusted,
        NetworkErrorKind::CertificateExpired,
        NetworkErrorKind::TlsHandshake,
        NetworkErrorKind::Proxy,
        NetworkErrorKind::Other,
    ]);
    let error = match input.byte() % 3 {
        0 => HttpTransportError::Network { reason },
        1 => HttpTransportError::Classified { kind, reason },
        _ => HttpTransportError::Unexpected { reason },
    };
    let refused =
        guard_send(Err(error.clone()), max_body, secret).expect_err("a transport error fails");
    let expected_kind = match &error {
        HttpTransportError::Classified { kind, .. } => *kind,
        _ => NetworkErrorKind::Other,
    };
    match &refused.error {
        AuthError::Network { kind, reason } => {
            assert_eq!(*kind, expected_kind);
            assert!(!reason.chars().any(char::is_control), "{reason:?}");
            assert!(
                !reason.contains("S3"),
                "part of the secret is in {reason:?}"
            );
            assert!(
                !reason.contains("tenant=fuzz"),
                "the query is in {reason:?}"
            );
        }
        other => panic!("a transport error became {other:?}"),
    }
    assert_eq!(refused.retry.is_some(), expected_kind.is_retried());
}
