//! Signing JWT assertions: the [`JwtSigner`] seam, which a host implements over its keystore
//! (Android Keystore through JCA, Apple's Secure Enclave through `SecKey`, Python's
//! `cryptography`), and the built-in signer over a PEM key (ring; not in the mobile build).

use std::sync::Arc;

use crate::error::Result;

/// A JWS signature algorithm (RFC 7518 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[non_exhaustive]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: Google service accounts, GitHub Apps, Salesforce.
    Rs256,
    /// ECDSA on P-256 with SHA-256: App Store Connect and other Apple APIs.
    Es256,
}

impl JwtAlgorithm {
    /// The JWS `alg` name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            JwtAlgorithm::Rs256 => "RS256",
            JwtAlgorithm::Es256 => "ES256",
        }
    }
}

/// Why a [`JwtSigner`] could not sign. A host signer returns `Failed` with a reason that
/// names no key material; the core reports it as [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
#[non_exhaustive]
pub enum SignerError {
    /// The key or the keystore refused to sign (key revoked, user authentication required,
    /// hardware unavailable).
    #[error("{reason}")]
    Failed {
        /// What went wrong, without any key material.
        reason: String,
    },
    /// The host's signer threw something it did not declare.
    #[error("the JWT signer failed unexpectedly: {reason}")]
    Unexpected {
        /// The host's description of the failure.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SignerError {
    fn from(error: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Unexpected {
            reason: error.reason,
        }
    }
}

/// Signs JWT assertions with a private key that may never leave its keystore.
///
/// Implement it in Kotlin over a JCA `PrivateKey` and `Signature` (the Android Keystore's
/// API), in Swift over a `SecKey` (the Secure Enclave), or in Python over a `cryptography`
/// private key; or use [`pem_signer`] for a PEM key the core reads itself.
#[uniffi::export(with_foreign)]
pub trait JwtSigner: Send + Sync {
    /// The algorithm of every signature this signer makes.
    fn algorithm(&self) -> JwtAlgorithm;
    /// The key id for the JWT header's `kid`, when the server needs one (Google's
    /// `private_key_id`, App Store Connect's key id); `None` leaves `kid` out.
    fn key_id(&self) -> Option<String>;
    /// Signs `message`, the JWS signing input (`base64url(header) "." base64url(claims)`),
    /// hashing it with SHA-256 as the algorithm says. For ES256, return either the raw
    /// 64-byte `r || s` or the DER `ECDSA-Sig-Value` that JCA, `SecKeyCreateSignature` and
    /// `cryptography` produce: the core converts it.
    ///
    /// # Errors
    /// [`SignerError::Failed`] when the key cannot sign; its reason must not contain key
    /// material.
    fn sign(&self, message: Vec<u8>) -> std::result::Result<Vec<u8>, SignerError>;
}

/// A signer over a PEM private key, read by the core: PKCS#8 (`PRIVATE KEY`: Google's JSON
/// key files, Apple's `.p8`), PKCS#1 (`RSA PRIVATE KEY`: GitHub's download) or SEC1
/// (`EC PRIVATE KEY`). RSA keys sign RS256, P-256 keys ES256. The key bytes are zeroed once
/// ring has read them; the signer prints as `[redacted]`.
///
/// # Errors
/// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) naming what is wrong with the key (no PEM block, a
/// truncated block, a password-protected key, an unsupported curve or size), never its
/// content; and in the mobile build, which has no built-in signer, always: give a host
/// [`JwtSigner`] there.
///
/// ```no_run
/// # fn main() -> authwire::Result<()> {
/// let pem = std::fs::read_to_string("AuthKey_ABC123.p8").expect("the key file");
/// let signer = authwire::pem_signer(&pem, "ABC123")?;
/// let unnamed = authwire::pem_signer(&pem, None)?;
/// # let _ = (signer, unnamed);
/// # Ok(())
/// # }
/// ```
pub fn pem_signer<'a>(pem: &str, key_id: impl Into<Option<&'a str>>) -> Result<Arc<dyn JwtSigner>> {
    builtin::PemSigner::new(pem, key_id.into().map(str::to_owned))
        .map(|signer| Arc::new(signer) as Arc<dyn JwtSigner>)
}

/// As [`pem_signer`], over the PEM file at `path` (a `.pem` or `.p8` download): the file is
/// read here, so a path is never mistaken for the key's text.
///
/// ```no_run
/// # fn main() -> authwire::Result<()> {
/// let signer = authwire::pem_signer_from_file("AuthKey_ABC123.p8", "ABC123")?;
/// # let _ = signer;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`pem_signer`], and [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration)
/// naming the file when it cannot be read.
pub fn pem_signer_from_file<'a>(
    path: impl AsRef<std::path::Path>,
    key_id: impl Into<Option<&'a str>>,
) -> Result<Arc<dyn JwtSigner>> {
    let pem = zeroize::Zeroizing::new(super::read_credential_file(path.as_ref(), "PEM key")?);
    pem_signer(&pem, key_id)
}

/// A signer over a PEM private key, read by the core: PKCS#8 (`PRIVATE KEY`: Google's JSON
/// key files, Apple's `.p8`), PKCS#1 (`RSA PRIVATE KEY`: GitHub's download) or SEC1
/// (`EC PRIVATE KEY`). RSA keys sign RS256, P-256 keys ES256. The key bytes are zeroed once
/// ring has read them; the signer prints as `[redacted]`.
///
/// # Errors
/// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) naming what is wrong with the key (no PEM block, a
/// truncated block, a password-protected key, an unsupported curve or size), never its
/// content; and in the mobile build, which has no built-in signer, always: give a host
/// [`JwtSigner`] there.
#[uniffi::export(name = "pem_signer", default(key_id = None))]
fn ffi_pem_signer(pem: &str, key_id: Option<String>) -> Result<Arc<dyn JwtSigner>> {
    pem_signer(pem, key_id.as_deref())
}

#[cfg(feature = "jwt-signer")]
mod builtin {
    use ring::rand::SystemRandom;
    use ring::signature::{
        ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    };

    use super::{JwtAlgorithm, JwtSigner, SignerError};
    use crate::credential::pem::{KeyDer, read_private_key};
    use crate::error::{AuthError, Result};

    enum Key {
        Rsa(RsaKeyPair),
        Ec(EcdsaKeyPair),
    }

    /// The built-in signer (ring).
    pub(super) struct PemSigner {
        key: Key,
        key_id: Option<String>,
        rng: SystemRandom,
    }

    impl std::fmt::Debug for PemSigner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "PemSigner({}, key={})",
                self.algorithm().name(),
                crate::secret::REDACTED
            )
        }
    }

    impl PemSigner {
        pub(super) fn new(pem: &str, key_id: Option<String>) -> Result<Self> {
            let bad =
                |why: String| AuthError::invalid_configuration(format!("the private key: {why}"));
            let rng = SystemRandom::new();
            let key = match read_private_key(pem).map_err(bad)? {
                KeyDer::Pkcs1(der) => Key::Rsa(RsaKeyPair::from_der(&der).map_err(|err| {
                    bad(format!("ring cannot use this RSA key ({err}); RSA keys of 2048 to 8192 bits are supported"))
                })?),
                KeyDer::Pkcs8(der) | KeyDer::Sec1(der) => match RsaKeyPair::from_pkcs8(&der) {
                    Ok(rsa) => Key::Rsa(rsa),
                    Err(_) => Key::Ec(
                        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
                            .map_err(|_| {
                                bad("it is neither an RSA key nor a P-256 EC key with its public key \
                                     (other curves, Ed25519 and keys without a public key are not supported)"
                                    .to_owned())
                            })?,
                    ),
                },
            };
            Ok(Self { key, key_id, rng })
        }
    }

    impl JwtSigner for PemSigner {
        fn algorithm(&self) -> JwtAlgorithm {
            match self.key {
                Key::Rsa(_) => JwtAlgorithm::Rs256,
                Key::Ec(_) => JwtAlgorithm::Es256,
            }
        }

        fn key_id(&self) -> Option<String> {
            self.key_id.clone()
        }

        fn sign(&self, message: Vec<u8>) -> std::result::Result<Vec<u8>, SignerError> {
            let failed = |_| SignerError::Failed {
                reason: "ring could not sign".to_owned(),
            };
            match &self.key {
                Key::Rsa(key) => {
                    let mut signature = vec![0; key.public().modulus_len()];
                    key.sign(&RSA_PKCS1_SHA256, &self.rng, &message, &mut signature)
                        .map_err(failed)?;
                    Ok(signature)
                }
                Key::Ec(key) => Ok(key
                    .sign(&self.rng, &message)
                    .map_err(failed)?
                    .as_ref()
                    .to_vec()),
            }
        }
    }
}

#[cfg(not(feature = "jwt-signer"))]
mod builtin {
    use super::{JwtAlgorithm, JwtSigner, SignerError};
    use crate::error::{AuthError, Result};

    /// Never made: the mobile build has no built-in signer.
    pub(super) enum PemSigner {}

    impl PemSigner {
        pub(super) fn new(_pem: &str, _key_id: Option<String>) -> Result<Self> {
            Err(AuthError::invalid_configuration(
                "this build of authwire has no built-in JWT signer (it was built without the \
                 jwt-signer feature, as the mobile builds are): give a JwtSigner backed by the \
                 platform keystore (Android Keystore through JCA, Secure Enclave through SecKey)",
            ))
        }
    }

    impl JwtSigner for PemSigner {
        fn algorithm(&self) -> JwtAlgorithm {
            match *self {}
        }
        fn key_id(&self) -> Option<String> {
            match *self {}
        }
        fn sign(&self, _message: Vec<u8>) -> std::result::Result<Vec<u8>, SignerError> {
            match *self {}
        }
    }
}
