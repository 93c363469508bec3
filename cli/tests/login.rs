//! `login` (the device flow) and `session` against the real servers of
//! `tests/scenarios/session_servers.py` (django-oauth-toolkit's device flow and rotating
//! refresh tokens).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn python() -> String {
    std::env::var("AUTHWIRE_TEST_PYTHON").unwrap_or_else(|_| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../.venv/bin/python")
            .to_string_lossy()
            .into_owned()
    })
}

fn post(url: &str, body: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    (status, answer)
}

#[test]
fn login_runs_the_device_flow_and_session_prints_refreshes_and_signs_out() {
    let mut servers = Command::new(python())
        .arg(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios/session_servers.py"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the .venv with django-oauth-toolkit (tests/run-all makes it)");
    let mut ready = String::new();
    BufReader::new(servers.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&ready).unwrap();
    let dot = &info["dot"];
    let url = |name: &str| dot[name].as_str().unwrap().to_owned();
    let dir = std::env::temp_dir().join(format!("authwire-cli-login-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let session_file = dir.join("session");
    let files = [
        "--token-url".to_owned(),
        url("token"),
        "--client-id".to_owned(),
        "authwire-app".to_owned(),
        "--session-file".to_owned(),
        session_file.to_string_lossy().into_owned(),
        "--revocation-url".to_owned(),
        url("revoke"),
    ];
    assert_eq!(
        post(
            &format!("{}/device/script", url("control")),
            r#"{"interval": 1}"#
        )
        .0,
        200
    );

    let mut login = Command::new(env!("CARGO_BIN_EXE_authwire"))
        .args(["login", "--device-url", &url("device"), "--scope", "read"])
        .args(&files[..6])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut shown = String::new();
    BufReader::new(login.stderr.take().unwrap())
        .read_line(&mut shown)
        .unwrap();
    assert!(shown.starts_with("To sign in, open https://"), "{shown}");
    let user_code = shown
        .split("enter the code ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let approve = format!(r#"{{"user_code": "{user_code}"}}"#);
    assert_eq!(
        post(&format!("{}/device/approve", url("control")), &approve).0,
        200
    );
    let output = login.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("signed in;"));
    assert!(
        dir.join("session.key").exists(),
        "the sealing key file was created"
    );

    let session = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_authwire"))
            .arg("session")
            .args(&files)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = String::from_utf8(session(&[]).stdout).unwrap();
    assert!(first.starts_with("Authorization: Bearer "), "{first}");
    // Past the 2-second lifetime: the stored refresh token is rotated, the header is new.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    let second = String::from_utf8(session(&[]).stdout).unwrap();
    assert!(
        second.starts_with("Authorization: Bearer ") && second != first,
        "{second}"
    );
    let stored = std::fs::read_to_string(&session_file).unwrap();
    assert!(
        !stored.contains(second.trim().trim_start_matches("Authorization: Bearer ")),
        "sealed"
    );

    let out = session(&["--sign-out"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "signed out");
    let after = session(&[]);
    assert_eq!(after.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&after.stderr).contains("sign-in required"));

    drop(servers.stdin.take());
    let _ = servers.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
