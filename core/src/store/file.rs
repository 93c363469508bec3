//! A token store in one file, for the processes of one host.
//!
//! - The entries live in the store file as a small JSON map, replaced atomically (a temporary
//!   file in the same directory, then `rename`), mode 0600.
//! - Changes (write, compare-and-delete) are serialised by an OS file lock on `<path>.lock`,
//!   held for the few microseconds of a read-modify-replace. Reads take no lock: a rename is
//!   atomic, so a reader sees the old file or the new one.
//! - The lock that elects the one requester is an OS file lock on `<path>.<hash>.lock`, held
//!   across the token request. The OS releases it when the holder's process dies, however it
//!   dies, so the lock's TTL is not needed (a holder that hangs keeps it; the others stop
//!   waiting after the TTL and request on their own).
//!
//! File locks on network filesystems (NFS, SMB/CIFS) fail or silently do nothing
//! (portalocker #92, filelock #6): on Linux such a directory is refused.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

use super::{StoreError, TokenStore};

/// A [`TokenStore`] in a file on a local filesystem: one token for every process of a host
/// that uses the same credential; give it to [`TokenOptions::store`](crate::TokenOptions::store).
pub struct FileStore {
    path: PathBuf,
    /// Requester locks this process holds: key → (owner, the locked file).
    held: Mutex<HashMap<String, (String, File)>>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FileStore({:?})", self.path)
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    /// The value, base64.
    v: String,
    /// When it expires, in milliseconds since the Unix epoch.
    e: u64,
}

type Entries = HashMap<String, Stored>;

impl FileStore {
    /// A store in the file at `path`, whose directory must exist on a local filesystem.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`](crate::AuthError::InvalidConfiguration) when the
    /// directory does not exist or is on a network filesystem.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use authwire::{FileStore, TokenOptions};
    ///
    /// let store = FileStore::new("/var/lib/myapp/tokens")?;
    /// let options = TokenOptions::default().store(Arc::new(store));
    /// # let _ = options;
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    pub fn new(path: impl Into<PathBuf>) -> crate::Result<Self> {
        Ok(Self::open(path.into())?)
    }

    /// [`FileStore::new`], failing as the bindings' `file_store` does.
    pub(crate) fn open(path: PathBuf) -> Result<Self, StoreError> {
        if path.file_name().is_none() {
            return Err(StoreError::invalid_configuration(
                "the file store path must name a file",
            ));
        }
        let dir = directory(&path);
        if !dir.is_dir() {
            return Err(StoreError::invalid_configuration(
                "the file store's directory does not exist",
            ));
        }
        if let Some(kind) = network_filesystem(&dir) {
            return Err(StoreError::invalid_configuration(format!(
                "the file store's directory is on {kind}, where file locks are unreliable; \
                 use a local directory, or a Redis store to share across hosts"
            )));
        }
        Ok(Self {
            path,
            held: Mutex::new(HashMap::new()),
        })
    }

    fn sidecar(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn load(&self) -> Result<Entries, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Entries::new()),
            Err(err) => return Err(io("read the store file", &err)),
        };
        if bytes.is_empty() {
            return Ok(Entries::new());
        }
        serde_json::from_slice(&bytes)
            .map_err(|_| StoreError::unavailable("the store file is not an authwire store"))
    }

    /// Read-modify-replace under the change lock.
    fn change<R>(&self, f: impl FnOnce(&mut Entries) -> R) -> Result<R, StoreError> {
        let lock = open_private(&self.sidecar(".lock"))?;
        lock.lock().map_err(|e| io("lock the store file", &e))?;
        // A corrupt file is replaced rather than kept failing forever.
        let mut entries = self.load().unwrap_or_default();
        let now = now_ms();
        entries.retain(|_, stored| stored.e > now);
        let result = f(&mut entries);
        self.replace(&entries)?;
        drop(lock);
        Ok(result)
    }

    fn replace(&self, entries: &Entries) -> Result<(), StoreError> {
        let json = serde_json::to_vec(entries).expect("strings and numbers always serialize");
        let mut name = std::ffi::OsString::from(".");
        name.push(self.path.file_name().unwrap_or_default());
        name.push(format!(
            ".{}.{:08x}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        let temp = self.path.with_file_name(name);
        let result = (|| {
            let mut file = private_options()
                .create_new(true)
                .open(&temp)
                .map_err(|e| io("create a temporary file", &e))?;
            file.write_all(&json)
                .map_err(|e| io("write a temporary file", &e))?;
            file.sync_all()
                .map_err(|e| io("write a temporary file", &e))?;
            std::fs::rename(&temp, &self.path).map_err(|e| io("replace the store file", &e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, File)>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl TokenStore for FileStore {
    fn read(&self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
        let entries = self.load()?;
        let Some(stored) = entries.get(&key).filter(|s| s.e > now_ms()) else {
            return Ok(None);
        };
        BASE64
            .decode(&stored.v)
            .map(Some)
            .map_err(|_| StoreError::unavailable("the store file holds an invalid value"))
    }

    fn write(&self, key: String, value: Vec<u8>, ttl_ms: u64) -> Result<(), StoreError> {
        let stored = Stored {
            v: BASE64.encode(value),
            e: now_ms().saturating_add(ttl_ms),
        };
        self.change(|entries| {
            entries.insert(key, stored);
        })
    }

    fn compare_and_delete(&self, key: String, expected: Vec<u8>) -> Result<bool, StoreError> {
        let expected = BASE64.encode(expected);
        self.change(|entries| {
            let matches = entries.get(&key).is_some_and(|s| s.v == expected);
            if matches {
                entries.remove(&key);
            }
            matches
        })
    }

    fn try_lock(&self, key: String, owner: String, _ttl_ms: u64) -> Result<bool, StoreError> {
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let file = open_private(&self.sidecar(&format!(".{hex}.lock")))?;
        match file.try_lock() {
            Ok(()) => {
                self.held().insert(key, (owner, file));
                Ok(true)
            }
            Err(TryLockError::WouldBlock) => Ok(false),
            Err(TryLockError::Error(e)) => Err(io("lock", &e)),
        }
    }

    fn unlock(&self, key: String, owner: String) -> Result<(), StoreError> {
        let mut held = self.held();
        if held.get(&key).is_some_and(|(o, _)| *o == owner) {
            // Closing the file releases its lock.
            held.remove(&key);
        }
        Ok(())
    }
}

fn directory(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options
}

fn open_private(path: &Path) -> Result<File, StoreError> {
    private_options()
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io("open a lock file", &e))
}

/// An I/O failure, described without the path (it may name a user or a secret directory).
fn io(what: &str, error: &std::io::Error) -> StoreError {
    StoreError::unavailable(format!("could not {what}: {}", error.kind()))
}

fn now_ms() -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    u64::try_from(now.as_millis()).unwrap_or(u64::MAX)
}

/// The kind of network filesystem `dir` is on, if it can be told.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn network_filesystem(dir: &Path) -> Option<&'static str> {
    use std::os::unix::ffi::OsStrExt as _;
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: an all-zero statfs is a valid value to be overwritten.
    let mut stat: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a NUL-terminated path and `stat` a writable statfs.
    if unsafe { libc::statfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    // Magic numbers from linux/magic.h; f_type's width differs between targets.
    #[allow(clippy::unnecessary_cast)]
    let magic = (stat.f_type as u64 & 0xFFFF_FFFF) as u32;
    match magic {
        0x6969 => Some("NFS"),
        0x517B => Some("SMB"),
        0xFF53_4D42 => Some("CIFS"),
        0xFE53_4D42 => Some("SMB2"),
        0x5346_414F | 0x6B41_4653 => Some("AFS"),
        0x00C3_6400 => Some("CephFS"),
        0x0102_1997 => Some("9P"),
        0x564C => Some("NCP"),
        0x7375_7245 => Some("Coda"),
        _ => None,
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn network_filesystem(_dir: &Path) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_expire_and_compare_and_delete_compares() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("tokens")).unwrap();
        assert_eq!(store.read("k".into()).unwrap(), None);
        store.write("k".into(), b"one".to_vec(), 60_000).unwrap();
        assert_eq!(
            store.read("k".into()).unwrap().as_deref(),
            Some(&b"one"[..])
        );
        assert!(
            !store
                .compare_and_delete("k".into(), b"two".to_vec())
                .unwrap()
        );
        assert!(
            store
                .compare_and_delete("k".into(), b"one".to_vec())
                .unwrap()
        );
        assert_eq!(store.read("k".into()).unwrap(), None);
        store.write("k".into(), b"short".to_vec(), 1).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(store.read("k".into()).unwrap(), None);
    }

    #[test]
    fn the_lock_excludes_other_holders_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let a = FileStore::new(dir.path().join("tokens")).unwrap();
        let b = FileStore::new(dir.path().join("tokens")).unwrap();
        assert!(a.try_lock("l".into(), "a".into(), 1000).unwrap());
        assert!(!b.try_lock("l".into(), "b".into(), 1000).unwrap());
        b.unlock("l".into(), "b".into()).unwrap();
        assert!(!b.try_lock("l".into(), "b".into(), 1000).unwrap());
        a.unlock("l".into(), "a".into()).unwrap();
        assert!(b.try_lock("l".into(), "b".into(), 1000).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        let store = FileStore::new(&path).unwrap();
        store.write("k".into(), b"v".to_vec(), 60_000).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_missing_directory_is_refused() {
        assert!(matches!(
            FileStore::new("/nonexistent-authwire-dir/tokens"),
            Err(crate::AuthError::InvalidConfiguration { .. })
        ));
    }
}
