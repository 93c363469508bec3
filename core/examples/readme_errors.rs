//! The documentation's Rust network-error sample (docs/troubleshooting.md): `cargo run -p
//! authwire --example readme_errors`; tests/run-all runs it.
use authwire::{AuthError, NetworkErrorKind};

fn explain(error: &AuthError) -> &'static str {
    match error.network_kind() {
        Some(NetworkErrorKind::CertificateUntrusted) => "install the company CA",
        Some(kind) if kind.is_retried() => "offline? trying again later",
        Some(_) => "the token URL or its server is misconfigured",
        None => "not a network problem",
    }
}

fn main() {
    let typo = AuthError::Network {
        kind: NetworkErrorKind::NameNotResolved,
        reason: "no-such-host.invalid did not resolve".into(),
    };
    assert_eq!(
        explain(&typo),
        "the token URL or its server is misconfigured"
    );
    assert!(!NetworkErrorKind::CertificateExpired.is_retried());
    assert!(NetworkErrorKind::ConnectionReset.is_retried());
    println!("{typo}"); // network error: no-such-host.invalid did not resolve
}
