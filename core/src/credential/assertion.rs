//! JWT assertions (RFC 7519, RFC 7523): the claims every signed-JWT source needs, signed by a
//! [`JwtSigner`]. `iat`, `nbf` and `exp` come from the time the caller gives, which the
//! engine corrects by the token server's clock (see `token/server_time.rs`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::signer::{JwtAlgorithm, JwtSigner, SignerError};
use crate::error::{AuthError, Result};
use crate::secret::Secret;

/// The claims reserved to the assertion itself: extra claims may not set them.
const RESERVED: [&str; 6] = ["iss", "sub", "aud", "iat", "exp", "jti"];

/// What one signed-JWT source puts in each assertion.
pub(crate) struct Assertion {
    pub(crate) signer: Arc<dyn JwtSigner>,
    pub(crate) issuer: String,
    pub(crate) subject: Option<String>,
    pub(crate) audience: String,
    /// `exp - now`.
    pub(crate) lifetime: Duration,
    /// `now - iat`: GitHub asks for 60 s in the past, against clock drift.
    pub(crate) backdate: Duration,
    /// A unique `jti` in every assertion (RFC 7523 §3, `private_key_jwt`).
    pub(crate) unique_id: bool,
    pub(crate) extra: Map<String, Value>,
    /// The algorithm the service requires, when it requires one (App Store Connect: ES256).
    pub(crate) required: Option<JwtAlgorithm>,
}

impl Assertion {
    /// Checks what can be checked before the first signature: a required algorithm, and
    /// extra claims that would override the assertion's own.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(required) = self.required {
            let given = self.signer.algorithm();
            if given != required {
                return Err(AuthError::invalid_configuration(format!(
                    "this service needs a {} key, and the signer's key is {}",
                    required.name(),
                    given.name()
                )));
            }
        }
        if let Some(name) = self.extra.keys().find(|k| RESERVED.contains(&k.as_str())) {
            return Err(AuthError::invalid_configuration(format!(
                "the extra claims may not set \"{name}\", which the assertion sets itself"
            )));
        }
        Ok(())
    }

    /// What tells this assertion's tokens apart from others' (not secret).
    pub(crate) fn identity(&self) -> String {
        format!(
            "{:?}\n{}\n{}\n{}\n{}\n{}",
            self.signer.algorithm(),
            self.signer.key_id().unwrap_or_default(),
            self.issuer,
            self.subject.as_deref().unwrap_or(""),
            self.audience,
            Value::Object(self.extra.clone())
        )
    }

    /// Secret bytes only the key's holder can produce, from which a token store derives its
    /// sealing key: the signature of a fixed label, when the signer signs deterministically
    /// (RS256: RSASSA-PKCS1-v1_5 is; ECDSA is not, so ES256 gives `None`).
    pub(crate) fn seal_material(&self) -> Option<Vec<u8>> {
        const LABEL: &[u8] = b"authwire token store sealing key v1";
        let first = self.signer.sign(LABEL.to_vec()).ok()?;
        let second = self.signer.sign(LABEL.to_vec()).ok()?;
        (first == second).then_some(first)
    }

    /// A signed JWT for the time `now` (seconds since the Unix epoch).
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the signer fails or returns a signature of
    /// the wrong form.
    pub(crate) fn sign(&self, now: Duration) -> Result<Secret> {
        let now_secs = now.as_secs();
        let algorithm = self.signer.algorithm();
        let mut header = json!({"alg": algorithm.name(), "typ": "JWT"});
        if let Some(kid) = self.signer.key_id() {
            header["kid"] = Value::String(kid);
        }
        let mut claims = self.extra.clone();
        claims.insert("iss".into(), Value::String(self.issuer.clone()));
        if let Some(subject) = &self.subject {
            claims.insert("sub".into(), Value::String(subject.clone()));
        }
        claims.insert("aud".into(), Value::String(self.audience.clone()));
        claims.insert(
            "iat".into(),
            json!(now_secs.saturating_sub(self.backdate.as_secs())),
        );
        claims.insert("exp".into(), json!(now_secs + self.lifetime.as_secs()));
        if self.unique_id {
            let jti = format!("{:032x}", fastrand::u128(..));
            claims.insert("jti".into(), Value::String(jti));
        }
        let mut input = URL_SAFE_NO_PAD.encode(header.to_string());
        input.push('.');
        input.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims).to_string()));
        let signature = self
            .signer
            .sign(input.clone().into_bytes())
            .map_err(|err| match err {
                // A declared failure: the host's reason, which must name no key material.
                SignerError::Failed { reason } => {
                    AuthError::invalid_configuration(format!("the JWT signer failed: {reason}"))
                }
                // An undeclared exception's text is the host's, unchecked: left out.
                SignerError::Unexpected { .. } => AuthError::invalid_configuration(
                    "the JWT signer failed: it threw an error it does not declare (a bug in \
                     the signer; its text is left out, as it could hold key material)",
                ),
            })?;
        let signature = match algorithm {
            JwtAlgorithm::Rs256 if signature.len() >= 256 => signature,
            JwtAlgorithm::Rs256 => {
                return Err(AuthError::invalid_configuration(
                    "the JWT signer returned an RS256 signature shorter than 2048 bits",
                ));
            }
            JwtAlgorithm::Es256 => es256_raw(&signature).ok_or_else(|| {
                AuthError::invalid_configuration(
                    "the JWT signer returned an ES256 signature that is neither 64 raw bytes nor DER",
                )
            })?,
        };
        input.push('.');
        input.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(Secret::new(input))
    }
}

/// JWS ES256 wants `r || s`, 32 bytes each (RFC 7518 §3.4); JCA, `SecKeyCreateSignature` and
/// `cryptography` return the DER `SEQUENCE { INTEGER r, INTEGER s }` (RFC 3279 §2.2.3).
fn es256_raw(signature: &[u8]) -> Option<Vec<u8>> {
    if signature.len() == 64 {
        return Some(signature.to_vec());
    }
    let body = match signature {
        [0x30, len, rest @ ..] if usize::from(*len) == rest.len() && *len < 0x80 => rest,
        [0x30, 0x81, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        _ => return None,
    };
    let mut out = Vec::with_capacity(64);
    let mut rest = body;
    for _ in 0..2 {
        let [0x02, len, tail @ ..] = rest else {
            return None;
        };
        let len = usize::from(*len);
        if len == 0 || len > tail.len() {
            return None;
        }
        let (integer, after) = tail.split_at(len);
        let integer = match integer {
            [0, unsigned @ ..] => unsigned,
            signed => signed,
        };
        if integer.len() > 32 {
            return None;
        }
        out.extend(std::iter::repeat_n(0, 32 - integer.len()));
        out.extend_from_slice(integer);
        rest = after;
    }
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An ES256 assertion from the built-in signer over a fresh SEC1 PEM key, checked with
    /// ring's verifier: the signature, the header and the claims.
    #[cfg(feature = "jwt-signer")]
    #[test]
    fn es256_assertions_verify_with_the_public_key() {
        use ring::rand::SystemRandom;
        use ring::signature::{
            ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
            UnparsedPublicKey,
        };
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let signer = crate::credential::signer::pem_signer(&pem, "kid-1").unwrap();
        assert_eq!(signer.algorithm(), JwtAlgorithm::Es256);
        let assertion = Assertion {
            signer,
            issuer: "issuer-1".into(),
            subject: None,
            audience: "appstoreconnect-v1".into(),
            lifetime: Duration::from_secs(1200),
            backdate: Duration::ZERO,
            unique_id: true,
            extra: Map::new(),
            required: Some(JwtAlgorithm::Es256),
        };
        assertion.check().unwrap();
        let jwt = assertion.sign(Duration::from_secs(1_700_000_000)).unwrap();
        let parts: Vec<&str> = jwt.expose().split('.').collect();
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref())
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .expect("the signature verifies");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(
            header,
            json!({"alg": "ES256", "typ": "JWT", "kid": "kid-1"})
        );
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "issuer-1");
        assert_eq!(claims["aud"], "appstoreconnect-v1");
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["exp"], 1_700_001_200);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
        // ECDSA is not deterministic: no sealing key for a token store.
        assert_eq!(assertion.seal_material(), None);
        // A reserved claim among the extras, or the wrong algorithm, is refused up front.
        let mut extra = Map::new();
        extra.insert("exp".into(), json!(1));
        let bad = Assertion { extra, ..assertion };
        assert!(bad.check().unwrap_err().to_string().contains("\"exp\""));
        let wrong = Assertion {
            extra: Map::new(),
            required: Some(JwtAlgorithm::Rs256),
            ..bad
        };
        assert!(wrong.check().unwrap_err().to_string().contains("RS256"));
    }

    #[test]
    fn es256_der_becomes_raw() {
        let mut der = vec![0x30, 0x45, 0x02, 0x21, 0x00];
        der.extend([0xAB; 32]);
        der.extend([0x02, 0x20]);
        der.extend([0x01; 32]);
        let raw = es256_raw(&der).unwrap();
        assert_eq!(&raw[..32], &[0xAB; 32]);
        assert_eq!(&raw[32..], &[0x01; 32]);
        // A short integer is left-padded.
        let der = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07];
        let raw = es256_raw(&der).unwrap();
        assert_eq!(raw[31], 5);
        assert_eq!(raw[63], 7);
        assert!(raw[..31].iter().all(|&b| b == 0));
        assert_eq!(es256_raw(&[0x30, 0x02, 0x02, 0x00]), None);
        assert_eq!(es256_raw(&[1, 2, 3]), None);
        assert_eq!(es256_raw(&[7; 64]), Some(vec![7; 64]));
    }
}
