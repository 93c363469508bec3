//! The shared Python servers of `tests/scenarios/`, started as child processes: the scenario
//! server (standard library only) and the real OAuth2 servers (Authlib, django-oauth-toolkit
//! and a literal server; they need the `test` extra of bindings-python).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};

/// A server process; it stops when its stdin closes, which `Drop` does.
pub struct PythonServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The first line the server printed.
    pub ready_line: String,
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}

pub fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

fn start(python: &str, script: &str) -> PythonServer {
    start_with(python, script, &[])
}

fn start_with(python: &str, script: &str, args: &[&str]) -> PythonServer {
    let mut child = Command::new(python)
        .arg(scenarios_dir().join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {python} {script}: {err}"));
    let stdin = child.stdin.take();
    let mut ready_line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut ready_line)
        .unwrap();
    assert!(
        !ready_line.is_empty(),
        "{script} exited before it was ready"
    );
    let mut stdin = stdin;
    stdin.as_mut().unwrap().flush().unwrap();
    PythonServer {
        child,
        stdin,
        ready_line,
    }
}

/// `tests/scenarios/server.py` on a free port; returns the server and its base URL.
pub fn scenario_server() -> (PythonServer, String) {
    let server = start("python3", "server.py");
    let port = server
        .ready_line
        .trim()
        .strip_prefix("PORT ")
        .unwrap_or_else(|| panic!("unexpected first line {:?}", server.ready_line))
        .to_owned();
    (server, format!("http://127.0.0.1:{port}"))
}

/// The Python that has Authlib, Flask, Django and django-oauth-toolkit: `AUTHWIRE_TEST_PYTHON`
/// (tests/run-all sets it), else the repository's `.venv`. `None` when neither exists.
pub fn oauth_python() -> Option<String> {
    if let Ok(python) = std::env::var("AUTHWIRE_TEST_PYTHON") {
        return Some(python);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    venv.exists().then(|| venv.to_string_lossy().into_owned())
}

/// A script of `tests/scenarios/` that prints one JSON line when ready
/// (`oauth_servers.py`, `jwt_servers.py`); returns the server and that line.
pub fn json_servers(python: &str, script: &str) -> (PythonServer, serde_json::Value) {
    let server = start(python, script);
    let info = serde_json::from_str(&server.ready_line)
        .unwrap_or_else(|err| panic!("{script} said {:?}: {err}", server.ready_line));
    (server, info)
}

/// `tests/scenarios/tls_servers.py --out <out>`: HTTPS servers with good, untrusted, expired
/// and wrong-name certificates, a server that resets mid-answer, a closed port, and their
/// counters; returns the server and its ready line as JSON (the CA is `<out>/ca.pem`).
pub fn tls_servers(python: &str, out: &std::path::Path) -> (PythonServer, serde_json::Value) {
    let server = start_with(python, "tls_servers.py", &["--out", &out.to_string_lossy()]);
    let info = serde_json::from_str(&server.ready_line)
        .unwrap_or_else(|err| panic!("tls_servers.py said {:?}: {err}", server.ready_line));
    (server, info)
}

/// `tests/scenarios/oauth_servers.py`; returns the server and its ready line as JSON.
pub fn oauth_servers(python: &str) -> (PythonServer, serde_json::Value) {
    json_servers(python, "oauth_servers.py")
}

/// `GET url` over a fresh connection (plain HTTP/1.1 on loopback), with an optional
/// Authorization header; the status and the body (chunked transfer coding decoded).
pub fn http_get(url: &str, authorization: Option<&str>) -> (u16, String) {
    use std::io::Read;
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{authorization}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer[9..12].parse().unwrap();
    let (head, body) = answer.split_at(answer.find("\r\n\r\n").unwrap() + 4);
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return (status, body.to_owned());
    }
    // Werkzeug (the Authlib and DOT servers) answers with chunked transfer coding.
    let (mut rest, mut decoded) = (body, String::new());
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        decoded.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    (status, decoded)
}

/// `tests/scenarios/session_servers.py` with `args` (`--access-lifetime S`, `--grace S`);
/// returns the server and its ready line as JSON.
pub fn session_servers(python: &str, args: &[&str]) -> (PythonServer, serde_json::Value) {
    let server = start_with(python, "session_servers.py", args);
    let info = serde_json::from_str(&server.ready_line)
        .unwrap_or_else(|err| panic!("session_servers.py said {:?}: {err}", server.ready_line));
    (server, info)
}

/// One plain HTTP/1.1 request on loopback, redirects not followed: the status, the head
/// (lower-case names) and the body (chunked transfer coding decoded).
pub fn http_raw(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, Vec<(String, String)>, String) {
    use std::io::Read;
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some(body) = body {
        stream.write_all(body.as_bytes()).unwrap();
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer[9..12].parse().unwrap();
    let split = answer.find("\r\n\r\n").unwrap();
    let (head, body) = (&answer[..split], &answer[split + 4..]);
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.push_str(&tail[..size]);
            rest = &tail[size + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    (status, headers, body)
}
