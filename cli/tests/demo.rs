//! Short `demo` runs: the summary, with and without injected faults.

mod common;

use common::{authwire, summary_row};

#[test]
fn a_short_demo_without_faults_has_no_errors() {
    let run = authwire(&["demo", "--duration", "3", "--workers", "8"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary_row(&run.stdout, "errors"), Some("0"), "{run:?}");
    assert_eq!(
        summary_row(&run.stdout, "expired token reached the resource"),
        Some("no"),
        "{run:?}"
    );
    let served: u64 = summary_row(&run.stdout, "calls served (HTTP 200 from /resource)")
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("a served count");
    assert!(served > 0, "{run:?}");
    assert!(
        run.stderr.contains("token server http://127.0.0.1:"),
        "{run:?}"
    );
}

#[test]
fn with_faults_no_expired_token_reaches_the_resource() {
    // 1-second tokens, so that the run refreshes several times, and 5xx or 429 (with
    // Retry-After: 1) on 30 % of the token requests: retries, back-off and waits happen, and
    // tokens run out while their refresh is still failing. None may reach the resource expired.
    let run = authwire(
        &[
            "demo",
            "--duration",
            "3",
            "--workers",
            "16",
            "--lifetime",
            "1",
            "--faults",
            "5xx,429",
            "--fault-rate",
            "0.3",
        ],
        &[],
    );
    assert_eq!(
        summary_row(&run.stdout, "expired token reached the resource"),
        Some("no"),
        "{run:?}"
    );
    assert!(
        summary_row(&run.stdout, "faults injected (5xx / 429 / slow / revoke)").is_some(),
        "{run:?}"
    );
    // Exit 1 is allowed only for the other reason: bad luck made every attempt at the first
    // token fail within the 3 seconds, so no call could be served.
    assert!(
        run.code == 0 || (run.code == 1 && run.stderr.contains("no call was served")),
        "{run:?}"
    );
}

#[test]
fn bad_demo_flags_are_usage_errors() {
    for args in [
        &["demo", "--faults", "5xx,teapot"][..],
        &["demo", "--workers", "0"],
        &["demo", "--duration", "0"],
        &["demo", "--fault-rate", "1.5", "--faults", "429"],
        &["demo", "--lifetime", "0"],
    ] {
        let run = authwire(args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
    }
}

#[test]
fn revoked_tokens_are_recovered_by_invalidate_and_one_refresh() {
    // Every issued token is revoked partway through its life: the workers in flight all get
    // 401, call invalidate, and share one refresh per revocation.
    let run = authwire(
        &[
            "demo",
            "--duration",
            "3",
            "--workers",
            "16",
            "--lifetime",
            "2",
            "--faults",
            "revoke",
            "--fault-rate",
            "1",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(summary_row(&run.stdout, "errors"), Some("0"), "{run:?}");
    let number = |label: &str| -> u64 {
        summary_row(&run.stdout, label)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{label}: {run:?}"))
    };
    let revoked = summary_row(&run.stdout, "faults injected (5xx / 429 / slow / revoke)")
        .and_then(|v| v.rsplit(" / ").next())
        .and_then(|v| v.parse::<u64>().ok())
        .expect("a revoke count");
    assert!(
        revoked >= 1,
        "a 2-second token is revoked within 1.6 s: {run:?}"
    );
    assert!(
        number("401s recovered by invalidate + retry") >= 1,
        "{run:?}"
    );
    assert!(
        number("invalidations that started a refresh") <= revoked,
        "{run:?}"
    );
}

#[cfg(unix)]
#[test]
fn serve_mode_answers_token_resource_and_csrf_requests_from_the_cli() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let key = common::TempFile::new("key.json", "");
    // --duration bounds the server even if this test dies before killing it.
    /// Stops the server when the test ends, passed or not.
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut server = Command::new(env!("CARGO_BIN_EXE_authwire"))
        .args([
            "demo",
            "--serve",
            "--key-file",
            key.path_str(),
            "--lifetime",
            "60",
            "--duration",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = server.stdout.take().unwrap();
    let _server = KillOnDrop(server);
    let mut base = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut base)
        .unwrap();
    let base = base.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let token_url = format!("{base}/v1/token");
    let run = authwire(
        &[
            "token",
            "--api-key-file",
            key.path_str(),
            "--token-url",
            &token_url,
            "exec",
            "--",
            "sh",
            "-c",
            "case \"$AUTHORIZATION\" in 'Bearer '*.*.*) exit 0;; *) exit 9;; esac",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "a JWT-shaped bearer token: {run:?}");

    let oauth_url = format!("{base}/oauth/token");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "demo-client",
            "--token-url",
            &oauth_url,
            "--scope",
            "read",
            "--value",
        ],
        &[("AUTHWIRE_CLIENT_SECRET", "demo-secret")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("Bearer "), "{run:?}");
    let run = authwire(
        &[
            "token",
            "--client-id",
            "demo-client",
            "--token-url",
            &oauth_url,
        ],
        &[("AUTHWIRE_CLIENT_SECRET", "wrong-Zq81")],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("invalid_client"), "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
    let run = authwire(
        &[
            "csrf",
            "--url",
            &format!("{base}/csrf"),
            "--user",
            "demo",
            "--json",
        ],
        &[("AUTHWIRE_PASSWORD", "demo")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let headers: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(headers["Authorization"], "Basic ZGVtbzpkZW1v");
    assert!(
        headers["Cookie"]
            .as_str()
            .unwrap()
            .starts_with("demo-session="),
        "{run:?}"
    );

    let run = authwire(
        &["csrf", "--url", &format!("{base}/csrf"), "--user", "demo"],
        &[("AUTHWIRE_PASSWORD", "wrong")],
    );
    assert_eq!(run.code, 4, "{run:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is private");
    }
}

#[test]
fn a_fleet_of_processes_sends_fewer_token_requests_with_a_store() {
    let run = authwire(
        &[
            "demo",
            "--processes",
            "4",
            "--duration",
            "3",
            "--lifetime",
            "1",
            "--workers",
            "2",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let row = summary_row(&run.stdout, "token requests").expect("a token requests row");
    let counts: Vec<u64> = row.split_whitespace().map(|n| n.parse().unwrap()).collect();
    // Without the store each process requests its own; with it, the fleet shares.
    assert!(counts[1] * 2 < counts[0], "{run:?}");
    let expired = summary_row(&run.stdout, "expired token reached the resource").unwrap();
    assert_eq!(
        expired.split_whitespace().collect::<Vec<_>>(),
        ["no", "no"],
        "{run:?}"
    );
}
