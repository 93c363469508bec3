//! The sealing-key seam: where a user session's store key comes from.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use zeroize::Zeroize;

use crate::store::StoreError;

/// The stable secret that seals a user session in a shared [`TokenStore`](crate::TokenStore).
///
/// A rotating refresh token cannot be the sealing key's source (the key would change with
/// every refresh), so the host provides one: on iOS a Keychain item in the app group's access
/// group (`KeychainSealingKey` in the Swift package), on Android a key wrapped by the Android
/// Keystore (`AndroidKeystoreSealingKey` in the Kotlin package), on a desktop or server a
/// key file ([`KeyFileSealingKey`]). Every process that shares the session must get the same
/// key.
///
/// `key()` is called from authwire's own threads whenever the store is used (authwire keeps
/// the key only while it seals or opens). When the key cannot be read right now (the
/// Keychain before the first unlock after a reboot, `errSecInteractionNotAllowed`), fail with
/// [`StoreError::Unavailable`]: that is a transient failure, the session stays and is tried
/// again; it is never read as "no session".
#[uniffi::export(with_foreign)]
pub trait SealingKey: Send + Sync {
    /// The key: at least 32 bytes of random data, the same on every call.
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when the key cannot be read now (the device is locked);
    /// [`StoreError::InvalidConfiguration`] when it never can.
    fn key(&self) -> Result<Vec<u8>, StoreError>;
}

/// A [`SealingKey`] kept in a file of 32 random bytes (mode 0600), created on first use:
/// for desktop apps, CLIs and servers, and the stand-in for the Keychain and Keystore keys
/// where those do not exist. Put it where only the user can read it, next to (not inside)
/// the session store.
#[derive(uniffi::Object)]
#[uniffi::export(Debug, Display)]
pub struct KeyFileSealingKey {
    path: PathBuf,
}

impl std::fmt::Debug for KeyFileSealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyFileSealingKey({:?})", self.path)
    }
}

impl std::fmt::Display for KeyFileSealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl KeyFileSealingKey {
    /// The key file at `path`; nothing is read or created until the key is needed.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

#[uniffi::export]
impl KeyFileSealingKey {
    /// The key file at `path` (created with 32 random bytes, mode 0600, on first use; its
    /// directory must exist).
    #[uniffi::constructor(name = "new")]
    fn ffi_new(path: String) -> Arc<Self> {
        Arc::new(Self::new(path))
    }

    /// The key file's bytes, the file created first with 32 random bytes when it does not
    /// exist (see [`SealingKey::key`]).
    ///
    /// # Errors
    /// [`StoreError::InvalidConfiguration`] for a file of fewer than 32 bytes,
    /// [`StoreError::Unavailable`] when it cannot be read or created now.
    #[uniffi::method(name = "key")]
    fn ffi_key(&self) -> Result<Vec<u8>, StoreError> {
        SealingKey::key(self)
    }
}

/// The [`KeyFileSealingKey`] at `path` as a [`SealingKey`] that can be passed to
/// `TokenManager.user_session` in every language (the bindings' `sealing_key` argument).
#[uniffi::export]
pub(crate) fn key_file_sealing_key(path: String) -> Arc<dyn SealingKey> {
    Arc::new(KeyFileSealingKey::new(path))
}

impl SealingKey for KeyFileSealingKey {
    fn key(&self) -> Result<Vec<u8>, StoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) if bytes.len() >= 32 => return Ok(bytes),
            Ok(_) => {
                return Err(StoreError::invalid_configuration(
                    "the sealing key file holds fewer than 32 bytes",
                ));
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(StoreError::unavailable(format!(
                    "cannot read the sealing key file: {}",
                    err.kind()
                )));
            }
        }
        let mut key = vec![0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|_| StoreError::unavailable("the operating system's random source failed"))?;
        // Created exclusively: when two processes start at once, one key wins and both use it.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(
            ".{}-{}.tmp",
            std::process::id(),
            super::random_token(6)
        ));
        let tmp = self.path.with_file_name(name);
        let written = options
            .open(&tmp)
            .and_then(|mut f| f.write_all(&key).and_then(|()| f.sync_all()));
        key.zeroize();
        if let Err(err) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(StoreError::unavailable(format!(
                "cannot create the sealing key file: {}",
                err.kind()
            )));
        }
        // A hard link fails if the key file appeared meanwhile: then the other key wins.
        let _ = std::fs::hard_link(&tmp, &self.path);
        let _ = std::fs::remove_file(&tmp);
        std::fs::read(&self.path).map_err(|err| {
            StoreError::unavailable(format!("cannot read the sealing key file: {}", err.kind()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_and_the_same_for_every_caller() {
        let dir = tempfile::tempdir().unwrap();
        let key = Arc::new(KeyFileSealingKey::new(dir.path().join("k.key")));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let key = Arc::clone(&key);
                std::thread::spawn(move || key.key())
            })
            .collect();
        let keys: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert!(keys.iter().all(|k| k.len() == 32 && *k == keys[0]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("k.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
