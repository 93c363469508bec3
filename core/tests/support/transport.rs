//! Test transports without reqwest or hyper: plain HTTP/1.1 over a TCP connection to the
//! loopback test server, async (tokio `TcpStream`) and blocking (`std::net::TcpStream`).
//! They let the token-manager scenarios run on the mobile build (`--no-default-features`).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use authwire::{
    BlockingHttpTransport, HttpHeader, HttpRequest, HttpResponse, HttpTransport,
    HttpTransportError, TokenOptions,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Async HTTP/1.1 over tokio; counts its calls.
#[derive(Default)]
pub struct TcpTransport {
    pub calls: AtomicUsize,
}

/// Blocking HTTP/1.1 over std; counts its calls.
#[derive(Default)]
pub struct BlockingTcpTransport {
    pub calls: AtomicUsize,
}

/// `host:port` and the request bytes (the server closes the connection after answering).
fn encode(request: &HttpRequest) -> Result<(String, Vec<u8>), HttpTransportError> {
    let rest = request
        .url
        .strip_prefix("http://")
        .ok_or_else(|| network("the test transport speaks plain HTTP to loopback only"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n",
        request.method
    );
    for header in &request.headers {
        head.push_str(&format!("{}: {}\r\n", header.name, header.value));
    }
    let body = request.body.clone().unwrap_or_default();
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&body);
    Ok((authority.to_owned(), bytes))
}

fn decode(raw: &[u8], head_only: bool) -> Result<HttpResponse, HttpTransportError> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| network("the response broke off"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| network("no status line"))?;
    let headers: Vec<HttpHeader> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| HttpHeader {
            name: n.trim().to_owned(),
            value: v.trim().to_owned(),
        })
        .collect();
    let body = if head_only {
        Vec::new()
    } else {
        raw[split + 4..].to_vec()
    };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn network(reason: &str) -> HttpTransportError {
    HttpTransportError::Network {
        reason: reason.to_owned(),
    }
}

#[async_trait::async_trait]
impl HttpTransport for TcpTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let (authority, bytes) = encode(&request)?;
        let mut stream = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| network(&format!("could not connect to {authority}: {e}")))?;
        stream
            .write_all(&bytes)
            .await
            .map_err(|e| network(&e.to_string()))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .await
            .map_err(|e| network(&e.to_string()))?;
        decode(&raw, request.method == "HEAD")
    }
}

impl BlockingHttpTransport for BlockingTcpTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, HttpTransportError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let (authority, bytes) = encode(&request)?;
        let mut stream = std::net::TcpStream::connect(&authority)
            .map_err(|e| network(&format!("could not connect to {authority}: {e}")))?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_millis(request.timeout_ms)))
            .map_err(|e| network(&e.to_string()))?;
        stream
            .write_all(&bytes)
            .map_err(|e| network(&e.to_string()))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .map_err(|e| network(&e.to_string()))?;
        decode(&raw, request.method == "HEAD")
    }
}

/// Which transport the scenario tests use: the built-in client in the default build, the
/// async test transport in the mobile build, or as `AUTHWIRE_TEST_TRANSPORT` says
/// (`builtin`, `tcp`, `blocking`).
pub fn chosen() -> &'static str {
    match std::env::var("AUTHWIRE_TEST_TRANSPORT").as_deref() {
        Ok("tcp") => "tcp",
        Ok("blocking") => "blocking",
        Ok("builtin") => "builtin",
        _ if cfg!(feature = "reqwest-transport") => "builtin",
        _ => "tcp",
    }
}

/// `options` (or the defaults) with the chosen transport.
pub fn with_transport(options: Option<TokenOptions>) -> Option<TokenOptions> {
    let mut options = match (chosen(), options) {
        ("builtin", options) => return options,
        (_, options) => options.unwrap_or_default(),
    };
    options = if chosen() == "blocking" {
        options.blocking_transport(Arc::new(BlockingTcpTransport::default()))
    } else {
        options.transport(Arc::new(TcpTransport::default()))
    };
    Some(options)
}
