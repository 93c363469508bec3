//! The XTD platform's downloaded API-key file.

use std::path::Path;
use std::sync::Arc;

use crate::error::{AuthError, Result};
use crate::secret::Secret;

/// An XTD API key: the downloaded key file's `appClientId`, `appClientSecret` and
/// `encodedKey`. The `encodedKey` is what the token exchange sends as `{"apiKey": ...}`.
///
/// Printing an `ApiKey` (Debug, Display, Python `repr`/`str`, Kotlin `toString`) shows the
/// client id and `[redacted]` for both secrets.
#[derive(uniffi::Object, Clone, PartialEq, Eq, Hash)]
#[uniffi::export(Debug, Display, Eq, Hash)]
pub struct ApiKey {
    app_client_id: Option<String>,
    app_client_secret: Option<Secret>,
    encoded_key: Secret,
}

impl ApiKey {
    /// Reads an API key from the JSON text of a downloaded key file. To read the file
    /// itself, use [`ApiKey::from_file`].
    ///
    /// ```
    /// let key = authwire::ApiKey::from_json(
    ///     r#"{"appClientId": "app-1", "appClientSecret": "s3cret", "encodedKey": "ZW5j"}"#,
    /// )?;
    /// assert_eq!(key.app_client_id(), Some("app-1"));
    /// assert_eq!(key.encoded_key(), "ZW5j");
    /// # Ok::<(), authwire::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the text is not a JSON object or a field is
    /// missing, not a string, or empty. The message names the field, never its value.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::parse(text)
    }

    /// Reads an API key from a downloaded key file on disk.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the file cannot be read or is not a valid
    /// key file (see [`ApiKey::from_json`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let text = crate::credential::read_credential_file(path.as_ref(), "API-key")?;
        Self::parse(&text)
    }

    /// Wraps an `encodedKey` for users who hold only the key, not the whole file.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the key is empty or contains whitespace or a
    /// control character.
    pub fn from_encoded_key(encoded_key: &str) -> Result<Self> {
        check_field("encodedKey", encoded_key)?;
        Ok(Self {
            app_client_id: None,
            app_client_secret: None,
            encoded_key: Secret::new(encoded_key),
        })
    }

    /// The `appClientId`, or `None` for a key made with [`from_encoded_key`](Self::from_encoded_key).
    #[must_use]
    pub fn app_client_id(&self) -> Option<&str> {
        self.app_client_id.as_deref()
    }

    /// The `appClientSecret` in clear, or `None` for a key made with
    /// [`from_encoded_key`](Self::from_encoded_key). Keep it out of logs.
    #[must_use]
    pub fn app_client_secret(&self) -> Option<&str> {
        self.app_client_secret.as_ref().map(Secret::expose)
    }

    /// The `encodedKey` in clear: the value sent as `{"apiKey": ...}`. Keep it out of logs.
    #[must_use]
    pub fn encoded_key(&self) -> &str {
        self.encoded_key.expose()
    }
}

// The bindings' constructors and getters: the same names, with the shapes uniffi carries
// (shared handles, owned strings, a path as text).
#[uniffi::export]
impl ApiKey {
    /// Reads an API key from the JSON text of a downloaded key file.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the text is not a JSON object or a field is
    /// missing, not a string, or empty. The message names the field, never its value.
    #[uniffi::constructor(name = "from_json")]
    fn ffi_from_json(text: &str) -> Result<Arc<Self>> {
        Self::parse(text).map(Arc::new)
    }

    /// Reads an API key from a downloaded key file on disk.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the file cannot be read or is not a valid
    /// key file (see [`ApiKey::from_json`]).
    #[uniffi::constructor(name = "from_file")]
    fn ffi_from_file(path: &str) -> Result<Arc<Self>> {
        Self::from_file(path).map(Arc::new)
    }

    /// Wraps an `encodedKey` for users who hold only the key, not the whole file.
    ///
    /// # Errors
    /// [`AuthError::InvalidConfiguration`] when the key is empty or contains whitespace or a
    /// control character.
    #[uniffi::constructor(name = "from_encoded_key")]
    fn ffi_from_encoded_key(encoded_key: &str) -> Result<Arc<Self>> {
        Self::from_encoded_key(encoded_key).map(Arc::new)
    }

    /// The `appClientId`, or `None` for a key made with `from_encoded_key`.
    #[uniffi::method(name = "app_client_id")]
    fn ffi_app_client_id(&self) -> Option<String> {
        self.app_client_id.clone()
    }

    /// The `appClientSecret` in clear, or `None` for a key made with `from_encoded_key`.
    /// Keep it out of logs.
    #[uniffi::method(name = "app_client_secret")]
    fn ffi_app_client_secret(&self) -> Option<String> {
        self.app_client_secret
            .as_ref()
            .map(|s| s.expose().to_owned())
    }

    /// The `encodedKey` in clear: the value sent as `{"apiKey": ...}`. Keep it out of logs.
    #[uniffi::method(name = "encoded_key")]
    fn ffi_encoded_key(&self) -> String {
        self.encoded_key.expose().to_owned()
    }
}

impl ApiKey {
    fn parse(text: &str) -> Result<Self> {
        // serde_json's own messages can quote the input, so only its position is kept.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|err| {
            AuthError::invalid_configuration(format!(
                "the API-key file is not valid JSON (line {}, column {})",
                err.line(),
                err.column()
            ))
        })?;
        let object = value.as_object().ok_or_else(|| {
            AuthError::invalid_configuration("the API-key file must be a JSON object")
        })?;
        let field = |name: &str| -> Result<String> {
            let text = match object.get(name) {
                None | Some(serde_json::Value::Null) => {
                    return Err(AuthError::invalid_configuration(format!(
                        "the API-key file has no \"{name}\" field"
                    )));
                }
                Some(serde_json::Value::String(text)) => text,
                Some(_) => {
                    return Err(AuthError::invalid_configuration(format!(
                        "the API-key file's \"{name}\" field must be a string"
                    )));
                }
            };
            check_field(name, text)?;
            Ok(text.clone())
        };
        Ok(Self {
            app_client_id: Some(field("appClientId")?),
            app_client_secret: Some(Secret::new(field("appClientSecret")?)),
            encoded_key: Secret::new(field("encodedKey")?),
        })
    }

    /// The `encodedKey` for the token request, without copying it out of its [`Secret`].
    pub(crate) fn encoded_key_secret(&self) -> &Secret {
        &self.encoded_key
    }
}

fn check_field(name: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(AuthError::invalid_configuration(format!(
            "the API-key field \"{name}\" is empty"
        )));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(AuthError::invalid_configuration(format!(
            "the API-key field \"{name}\" contains whitespace or a control character"
        )));
    }
    Ok(())
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("app_client_id", &self.app_client_id)
            .field("app_client_secret", &self.app_client_secret)
            .field("encoded_key", &self.encoded_key)
            .finish()
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.app_client_id {
            Some(id) => write!(f, "ApiKey(app_client_id={id:?}, secrets=[redacted])"),
            None => write!(f, "ApiKey(encoded_key=[redacted])"),
        }
    }
}
