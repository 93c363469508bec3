//! Sealing of stored tokens: a store sees only ciphertext under an opaque key name.
//!
//! Both the AEAD key and the key names are derived from the credential with HKDF-SHA256
//! (RFC 5869), under different `info` strings, so that:
//! - someone who reads the file or Redis learns neither the token nor the credential;
//! - a process without the credential can neither read an entry nor find the entry of a
//!   credential it knows only partly;
//! - an entry moved to another credential's key, altered, or written by anything but a
//!   manager with the same credential fails authentication and is never served.
//!
//! The derivation is a KDF, not a password hash: API keys and client secrets are long random
//! strings. A short, guessable credential would make its entries as guessable as itself.
//!
//! An entry is `"aw1" || nonce (24 bytes) || XChaCha20-Poly1305(plaintext, aad = key name)`.
//! The 192-bit random nonce makes nonce reuse under one key negligible without any counter
//! shared between processes.

use std::time::Duration;

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

use crate::credential::Source;
use crate::secret::Secret;

const MAGIC: &[u8] = b"aw1";
const NONCE_LEN: usize = 24;
const SALT: &[u8] = b"authwire token store v1";
const SESSION_SALT: &[u8] = b"authwire user session v1";
const INFO_KEY: &[u8] = b"authwire sealing key v1";
const INFO_NAME: &[u8] = b"authwire store key name v1";

/// A token as kept in a store, before sealing.
#[derive(Clone)]
pub(crate) struct Entry {
    pub(crate) token: Secret,
    pub(crate) authorization: Secret,
    pub(crate) cookie: Option<Secret>,
    /// When the token was requested, on the wall clock (the only clock processes share).
    pub(crate) issued_at: Duration,
    /// The lifetime the server announced (or the assumed default).
    pub(crate) lifetime: Duration,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Plain {
    t: String,
    a: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    i: u64,
    l: u64,
}

impl Drop for Plain {
    fn drop(&mut self) {
        self.t.zeroize();
        self.a.zeroize();
        if let Some(c) = &mut self.c {
            c.zeroize();
        }
    }
}

/// Why a stored entry was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// Not an authwire entry at all (wrong format or version).
    Malformed,
    /// Authentication failed: tampered, or sealed with another credential.
    Unauthentic,
}

impl Rejected {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Rejected::Malformed => "the stored entry is not an authwire token entry",
            Rejected::Unauthentic => {
                "the stored entry failed authentication (tampered, or sealed with another credential)"
            }
        }
    }
}

/// The sealing key and key names of one credential.
pub(crate) struct Sealer {
    cipher: XChaCha20Poly1305,
    /// Where the token lives in the store.
    pub(crate) token_key: String,
    /// The name of the lock that elects the one requester.
    pub(crate) lock_key: String,
}

impl Sealer {
    /// Derives the key and names from `source`'s credential; `None` for a static token,
    /// which has nothing to share.
    pub(crate) fn for_source(source: &Source) -> Option<Self> {
        let mut ikm = identity(source)?;
        let sealer = Self::derive(SALT, &ikm, "token");
        ikm.zeroize();
        Some(sealer)
    }

    /// A sealer whose key comes from the host (a user session's [`SealingKey`]) rather than
    /// from a credential: the AEAD key and the key names are derived from `key` and
    /// `identity` (what makes this session distinct: its endpoint and client).
    ///
    /// [`SealingKey`]: crate::SealingKey
    pub(crate) fn from_host_key(key: &[u8], identity: &[u8]) -> Self {
        let mut ikm = Vec::with_capacity(key.len() + identity.len() + 16);
        for part in [key, identity] {
            ikm.extend_from_slice(&(part.len() as u64).to_be_bytes());
            ikm.extend_from_slice(part);
        }
        let sealer = Self::derive(SESSION_SALT, &ikm, "session");
        ikm.zeroize();
        sealer
    }

    fn derive(salt: &[u8], ikm: &[u8], kind: &str) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(salt), ikm);
        let mut key = [0u8; 32];
        let mut name = [0u8; 16];
        hkdf.expand(INFO_KEY, &mut key)
            .expect("32 bytes is a valid HKDF length");
        hkdf.expand(INFO_NAME, &mut name)
            .expect("16 bytes is a valid HKDF length");
        let cipher = XChaCha20Poly1305::new_from_slice(&key).expect("the key is 32 bytes");
        key.zeroize();
        let hex: String = name.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            cipher,
            token_key: format!("{hex}.{kind}"),
            lock_key: format!("{hex}.lock"),
        }
    }

    /// Encrypts `entry` for this credential's token key.
    pub(crate) fn seal(&self, entry: &Entry) -> Vec<u8> {
        let plain = Plain {
            t: entry.token.expose().to_owned(),
            a: entry.authorization.expose().to_owned(),
            c: entry.cookie.as_ref().map(|c| c.expose().to_owned()),
            i: u64::try_from(entry.issued_at.as_millis()).unwrap_or(u64::MAX),
            l: u64::try_from(entry.lifetime.as_millis()).unwrap_or(u64::MAX),
        };
        let mut json = serde_json::to_vec(&plain).expect("strings and numbers always serialize");
        let out = self.seal_bytes(&json);
        json.zeroize();
        out
    }

    /// Encrypts any plaintext for this sealer's token key.
    pub(crate) fn seal_bytes(&self, plain: &[u8]) -> Vec<u8> {
        let nonce = XNonce::try_generate().expect("the operating system's random source failed");
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: self.token_key.as_bytes(),
                },
            )
            .expect("a token entry is far below the AEAD's size limit");
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Decrypts what [`seal_bytes`](Self::seal_bytes) made; the caller zeroizes the result.
    pub(crate) fn open_bytes(&self, bytes: &[u8]) -> Result<Vec<u8>, Rejected> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(Rejected::Malformed)?;
        if rest.len() < NONCE_LEN + 16 {
            return Err(Rejected::Malformed);
        }
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| Rejected::Malformed)?;
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: self.token_key.as_bytes(),
                },
            )
            .map_err(|_| Rejected::Unauthentic)
    }

    /// Decrypts an entry read from this credential's token key.
    pub(crate) fn open(&self, bytes: &[u8]) -> Result<Entry, Rejected> {
        let mut json = self.open_bytes(bytes)?;
        let parsed = serde_json::from_slice::<Plain>(&json);
        json.zeroize();
        // Authentic but unreadable: written by an incompatible authwire with this credential.
        let plain = parsed.map_err(|_| Rejected::Malformed)?;
        Ok(Entry {
            token: Secret::new(plain.t.as_str()),
            authorization: Secret::new(plain.a.as_str()),
            cookie: plain.c.as_deref().map(Secret::new),
            issued_at: Duration::from_millis(plain.i),
            lifetime: Duration::from_millis(plain.l),
        })
    }
}

/// The credential and everything that makes its tokens distinct (endpoint, scopes, request
/// shape), length-prefixed so that no two configurations share an encoding.
fn identity(source: &Source) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut put = |part: &[u8]| {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    };
    match source {
        // Nothing to share: a static token is given, a self-signed JWT made in each process.
        Source::Static { .. } | Source::SelfSigned { .. } => return None,
        // A user session is sealed with the host's key (session::sync), not the credential's.
        Source::Session(_) => return None,
        Source::ApiKeyExchange { url, encoded_key } => {
            put(b"api_key_exchange");
            put(url.as_str().as_bytes());
            put(encoded_key.expose().as_bytes());
        }
        Source::ClientCredentials {
            url,
            client_id,
            client_secret,
            scopes,
            method,
            private_key_jwt,
        } => {
            put(b"client_credentials");
            put(url.as_str().as_bytes());
            put(client_id.expose().as_bytes());
            put(client_secret.expose().as_bytes());
            put(format!("{method:?}").as_bytes());
            for scope in scopes {
                put(scope.as_bytes());
            }
            if let Some(assertion) = private_key_jwt {
                put(&assertion.seal_material()?);
            }
        }
        Source::JwtBearer {
            url,
            assertion,
            scopes,
        } => {
            put(b"jwt_bearer");
            put(url.as_str().as_bytes());
            put(assertion.identity().as_bytes());
            for scope in scopes {
                put(scope.as_bytes());
            }
            put(&assertion.seal_material()?);
        }
        Source::GitHubApp { url, assertion } => {
            put(b"github_app");
            put(url.as_str().as_bytes());
            put(assertion.identity().as_bytes());
            put(&assertion.seal_material()?);
        }
        Source::Custom {
            url,
            body,
            headers,
            token_field,
            expiry_field,
            expiry_format,
            scheme,
        } => {
            put(b"custom_exchange");
            put(url.as_str().as_bytes());
            put(body.expose().as_bytes());
            for (name, value) in headers {
                put(name.as_str().as_bytes());
                put(value.expose().as_bytes());
            }
            put(token_field.as_bytes());
            put(expiry_field.as_deref().unwrap_or("").as_bytes());
            put(format!("{expiry_format:?}").as_bytes());
            put(scheme.as_bytes());
        }
        Source::Csrf {
            url,
            method,
            authorization,
        } => {
            put(b"csrf_session");
            put(url.as_str().as_bytes());
            put(format!("{method:?}").as_bytes());
            put(authorization.expose().as_bytes());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(key: &str) -> Source {
        Source::ApiKeyExchange {
            url: crate::exchange::Endpoint::parse("https://auth.example.com/token").unwrap(),
            encoded_key: Secret::new(key),
        }
    }

    fn entry() -> Entry {
        Entry {
            token: Secret::new("tok-ABCDEFGH"),
            authorization: Secret::new("Bearer tok-ABCDEFGH"),
            cookie: None,
            issued_at: Duration::from_millis(1_700_000_000_000),
            lifetime: Duration::from_secs(300),
        }
    }

    #[test]
    fn round_trip_and_nothing_in_clear() {
        let sealer = Sealer::for_source(&source("key-0123456789")).unwrap();
        let bytes = sealer.seal(&entry());
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("tok-ABCDEFGH") && !text.contains("key-0123456789"));
        assert!(!sealer.token_key.contains("key-0123456789"));
        let back = sealer.open(&bytes).unwrap();
        assert_eq!(back.token.expose(), "tok-ABCDEFGH");
        assert_eq!(back.lifetime, Duration::from_secs(300));
        // A fresh nonce each time: two seals of one entry differ.
        assert_ne!(bytes, sealer.seal(&entry()));
    }

    #[test]
    fn tampered_foreign_and_garbage_entries_are_refused() {
        let sealer = Sealer::for_source(&source("key-0123456789")).unwrap();
        let other = Sealer::for_source(&source("key-9876543210")).unwrap();
        assert_ne!(sealer.token_key, other.token_key);
        let mut bytes = sealer.seal(&entry());
        assert_eq!(
            other.open(&bytes).err(),
            Some(Rejected::Unauthentic),
            "foreign"
        );
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(sealer.open(&bytes).err(), Some(Rejected::Unauthentic));
        assert_eq!(sealer.open(b"garbage").err(), Some(Rejected::Malformed));
        assert_eq!(sealer.open(b"").err(), Some(Rejected::Malformed));
    }
}
