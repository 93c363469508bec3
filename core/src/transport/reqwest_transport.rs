//! The built-in transport (cargo feature `reqwest-transport`, on by default): reqwest over
//! rustls with the ring provider and the platform's trust store (rustls-platform-verifier);
//! no OpenSSL. Used by the Python wheel, the CLI and the JVM JAR when no transport is given.

use std::ffi::OsString;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};

use super::{
    HttpHeader, HttpRequest, HttpResponse, HttpTransport, HttpTransportError, TransportSettings,
};
use crate::error::{AuthError, NetworkErrorKind, Result};

/// reqwest with the manager's connect timeout, no redirects, and no proxy for loopback.
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// The client for a manager with these settings, shared by every manager of this process
    /// with the same connect timeout, proxy rule and trust set-up: one connection pool and one
    /// copy of the platform's root certificates, however many managers there are (10 000
    /// managers with a client each held about 120 KB apiece). Requests to loopback never go
    /// through a proxy (`HTTP_PROXY` and friends would otherwise send them to the proxy host).
    /// A forked child makes its own (the key holds the process id), and a change of
    /// `SSL_CERT_FILE` or `SSL_CERT_DIR`, or of the file or directory they name, gives a new
    /// client that reads the new trust set-up.
    pub(crate) fn shared(options: &TransportSettings, loopback: bool) -> Result<Arc<Self>> {
        type Trust = Option<(OsString, Option<(std::time::SystemTime, u64)>)>;
        type Key = (u32, Duration, bool, Trust, Trust);
        static CLIENTS: Mutex<Vec<(Key, Arc<ReqwestTransport>)>> = Mutex::new(Vec::new());
        // The trust set-up as the platform verifier reads it: the variable and, when it names
        // a file or directory, when that was last changed (a CA file written anew is read anew).
        let trust = |name: &str| {
            std::env::var_os(name).map(|path| {
                let changed = std::fs::metadata(&path)
                    .ok()
                    .and_then(|m| Some((m.modified().ok()?, m.len())));
                (path, changed)
            })
        };
        let key: Key = (
            std::process::id(),
            options.connect_timeout,
            loopback,
            trust("SSL_CERT_FILE"),
            trust("SSL_CERT_DIR"),
        );
        let mut clients = CLIENTS.lock().unwrap_or_else(|e| e.into_inner());
        // Clients of a parent process are of no use after a fork.
        clients.retain(|(k, _)| k.0 == key.0);
        if let Some((_, client)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(Arc::clone(client));
        }
        let client = Arc::new(Self::new(options, loopback)?);
        clients.push((key, Arc::clone(&client)));
        Ok(client)
    }

    fn new(options: &TransportSettings, loopback: bool) -> Result<Self> {
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // The host app may have installed another provider already: that one is kept.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = reqwest::Client::builder();
        if loopback {
            builder = builder.no_proxy();
        }
        let client = builder
            .connect_timeout(options.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("authwire/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| AuthError::invalid_configuration("the HTTP client could not be set up"))?;
        Ok(Self { client })
    }
}

#[async_trait::async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        let url = reqwest::Url::parse(&request.url).map_err(|_| HttpTransportError::Network {
            reason: "the URL is not valid".to_owned(),
        })?;
        let where_to = crate::exchange::Endpoint::parse(url.as_str())
            .map(|endpoint| endpoint.origin().to_owned())
            .unwrap_or_else(|_| "the token endpoint".to_owned());
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
            HttpTransportError::Network {
                reason: "the method is not valid".to_owned(),
            }
        })?;
        let timeout = Duration::from_millis(request.timeout_ms);
        let mut builder = self.client.request(method, url).timeout(timeout);
        for header in &request.headers {
            let name = HeaderName::from_bytes(header.name.as_bytes());
            let value = HeaderValue::from_str(&header.value);
            let (Ok(name), Ok(mut value)) = (name, value) else {
                return Err(HttpTransportError::Network {
                    reason: format!("the header {:?} cannot be sent", header.name),
                });
            };
            // Kept out of reqwest's and hyper's debug output (octocrab does the same).
            value.set_sensitive(true);
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let error = |err: reqwest::Error| transport_error(&where_to, timeout, &err);
        let mut response = builder.send().await.map_err(error)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| HttpHeader {
                name: name.as_str().to_owned(),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        // Read at most one byte past the limit: the guard rejects what is over it.
        let limit = usize::try_from(request.max_body_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let mut body = Vec::new();
        if response
            .content_length()
            .is_some_and(|len| len >= limit as u64)
        {
            body.resize(limit, 0);
        } else {
            while let Some(chunk) = response.chunk().await.map_err(error)? {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= limit {
                    break;
                }
            }
        }
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Classifies a reqwest failure by walking its source chain (reqwest → hyper-util → hyper,
/// rustls, `std::io::Error`, the resolver's message). The detail is the lowest cause's own
/// words; reqwest's top-level messages are left out because they quote the URL (and so a
/// query string).
fn transport_error(where_to: &str, timeout: Duration, err: &reqwest::Error) -> HttpTransportError {
    let (kind, detail) = classify(err);
    let detail = match kind {
        NetworkErrorKind::ConnectTimeout | NetworkErrorKind::ReadTimeout if detail.is_empty() => {
            format!(
                "no answer from {where_to} within {} ms",
                timeout.as_millis()
            )
        }
        _ => detail,
    };
    HttpTransportError::Classified {
        kind,
        reason: detail,
    }
}

/// The kind of a reqwest failure, and the words of its deepest cause.
fn classify(err: &reqwest::Error) -> (NetworkErrorKind, String) {
    let mut kind = None;
    let mut detail = String::new();
    let mut dns = false;
    let mut proxy = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return (tls_kind(tls), tls.to_string());
        }
        let io = cause.downcast_ref::<std::io::Error>();
        if let Some(io) = io {
            kind = kind.or_else(|| io_kind(io.kind()));
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_closed() || hyper.is_canceled())
        {
            kind = kind.or(Some(NetworkErrorKind::ConnectionReset));
        }
        let text = cause.to_string();
        dns |= text.contains("dns error") || text.contains("failed to lookup address");
        proxy |= text.contains("proxy") || text.contains("tunnel");
        if !text.contains("://") {
            detail = text;
        }
        // An io::Error's source() skips the error it wraps (which may be another io::Error
        // around a rustls::Error): step into it instead.
        source = match io {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        };
    }
    let kind = if dns {
        // getaddrinfo's words (EAI_NONAME, EAI_NODATA) for a name that does not exist;
        // anything else (EAI_AGAIN: no DNS server answered) may recover.
        let permanent = [
            "Name or service not known",
            "No address associated",
            "nodename nor servname",
            "No such host",
        ];
        if permanent.iter().any(|words| detail.contains(words)) {
            NetworkErrorKind::NameNotResolved
        } else {
            NetworkErrorKind::NameResolutionTemporary
        }
    } else if err.is_timeout() {
        if err.is_connect() {
            NetworkErrorKind::ConnectTimeout
        } else {
            NetworkErrorKind::ReadTimeout
        }
    } else if let Some(kind) = kind {
        kind
    } else if proxy {
        NetworkErrorKind::Proxy
    } else if err.is_body() || err.is_decode() {
        NetworkErrorKind::ConnectionReset
    } else {
        NetworkErrorKind::Other
    };
    (kind, detail)
}

/// The kind of a rustls failure: a certificate the verifier refused, or another handshake
/// failure.
fn tls_kind(error: &rustls::Error) -> NetworkErrorKind {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => NetworkErrorKind::CertificateExpired,
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                NetworkErrorKind::CertificateWrongName
            }
            C::Revoked => NetworkErrorKind::CertificateRevoked,
            _ => NetworkErrorKind::CertificateUntrusted,
        },
        _ => NetworkErrorKind::TlsHandshake,
    }
}

/// The kind of an I/O failure, when the OS error says it.
fn io_kind(kind: std::io::ErrorKind) -> Option<NetworkErrorKind> {
    use std::io::ErrorKind as K;
    Some(match kind {
        K::ConnectionRefused | K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => {
            NetworkErrorKind::ConnectionRefused
        }
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            NetworkErrorKind::ConnectionReset
        }
        K::TimedOut => NetworkErrorKind::ReadTimeout,
        _ => return None,
    })
}
