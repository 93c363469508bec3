//! `basic`, `bearer`, `open-connectors`, `scheme`, `exec`, exit codes and `--help`.

mod common;

use common::{TempFile, authwire, authwire_with};

#[test]
fn basic_prints_the_rfc_7617_example_from_the_default_variable() {
    let run = authwire(
        &["basic", "--user", "Aladdin"],
        &[("AUTHWIRE_PASSWORD", "open sesame")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn basic_reads_the_password_from_every_source() {
    let expected = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n";
    let file = TempFile::new("pw", "open sesame\n");
    let runs = [
        authwire(
            &[
                "basic",
                "--user",
                "Aladdin",
                "--password-env",
                "MY_PW",
                "--value",
            ],
            &[("MY_PW", "open sesame")],
        ),
        authwire(
            &[
                "basic",
                "--user",
                "Aladdin",
                "--password-file",
                file.path_str(),
                "--value",
            ],
            &[],
        ),
        authwire_with(
            &["basic", "--user", "Aladdin", "--password-stdin", "--value"],
            &[],
            Some("open sesame\r\n"),
        ),
        authwire(
            &[
                "basic",
                "--user",
                "Aladdin",
                "--password-arg",
                "open sesame",
                "--value",
            ],
            &[],
        ),
        authwire(
            &["basic", "--value"],
            &[
                ("AUTHWIRE_USER", "Aladdin"),
                ("AUTHWIRE_PASSWORD", "open sesame"),
            ],
        ),
    ];
    for run in runs {
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(run.stdout, expected, "{run:?}");
    }
}

#[test]
fn an_empty_password_is_allowed() {
    let run = authwire(
        &["basic", "--user", "u", "--value"],
        &[("AUTHWIRE_PASSWORD", "")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Basic dTo=\n");
}

#[test]
fn a_colon_in_the_user_id_is_invalid_input_and_the_password_stays_hidden() {
    let run = authwire(
        &["basic", "--user", "ali:ce"],
        &[("AUTHWIRE_PASSWORD", "pw-Zq81-secret")],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("':'"), "{run:?}");
    assert!(
        run.stderr.starts_with("authwire: error: invalid input"),
        "{run:?}"
    );
    assert!(!run.all_output().contains("pw-Zq81-secret"), "{run:?}");
}

#[test]
fn cr_and_lf_are_rejected_everywhere_without_echoing_the_value() {
    let injected = "pw-Zq81\r\nX-Injected: 1";
    let file = TempFile::new("token", "tok-Zq81\nX-Injected: 1\n");
    let runs = [
        authwire(
            &["basic", "--user", "alice"],
            &[("AUTHWIRE_PASSWORD", injected)],
        ),
        authwire(
            &["basic", "--user", "ali\nce"],
            &[("AUTHWIRE_PASSWORD", "x")],
        ),
        authwire(&["bearer", "--token-file", file.path_str()], &[]),
        authwire(
            &["scheme", "--scheme", "Token"],
            &[("AUTHWIRE_CREDENTIALS", injected)],
        ),
        authwire(
            &["open-connectors"],
            &[("AUTHWIRE_OC_USER_SECRET", injected)],
        ),
    ];
    for run in runs {
        assert_eq!(run.code, 3, "{run:?}");
        assert_eq!(run.stdout, "", "{run:?}");
        assert!(run.stderr.contains("control character"), "{run:?}");
        assert!(!run.all_output().contains("Zq81"), "{run:?}");
        assert!(!run.all_output().contains("X-Injected"), "{run:?}");
    }
}

#[test]
fn a_missing_secret_is_a_usage_error_that_names_every_way_to_give_it() {
    let run = authwire(&["basic", "--user", "alice"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    for hint in [
        "AUTHWIRE_PASSWORD",
        "--password-file",
        "--password-stdin",
        "--password-arg",
    ] {
        assert!(run.stderr.contains(hint), "{hint}: {run:?}");
    }
    let run = authwire(&["bearer", "--token-env", "NOT_SET_ANYWHERE_Q"], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("NOT_SET_ANYWHERE_Q"), "{run:?}");
    let run = authwire(&["basic", "--password-arg", "x"], &[]);
    assert_eq!(run.code, 2, "no user: {run:?}");
}

#[test]
fn two_sources_for_one_secret_or_stdin_for_two_secrets_are_usage_errors() {
    let file = TempFile::new("pw", "x");
    let run = authwire(
        &[
            "basic",
            "--user",
            "a",
            "--password-file",
            file.path_str(),
            "--password-arg",
            "y",
        ],
        &[],
    );
    assert_eq!(run.code, 2, "{run:?}");
    let run = authwire_with(
        &[
            "open-connectors",
            "--user-secret-stdin",
            "--org-secret-stdin",
        ],
        &[],
        Some("abc"),
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("standard input"), "{run:?}");
}

#[test]
fn unreadable_files_are_invalid_input() {
    let run = authwire(
        &["bearer", "--token-file", "/nonexistent/authwire/token"],
        &[],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("/nonexistent/authwire/token"),
        "{run:?}"
    );
}

#[test]
fn bearer_takes_visible_ascii_tokens_and_refuses_spaces() {
    let run = authwire(&["bearer"], &[("AUTHWIRE_TOKEN", "abc.DEF-_~+/==")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Bearer abc.DEF-_~+/==\n");
    let run = authwire(&["bearer"], &[("AUTHWIRE_TOKEN", "00Dx!AR8%2F|a=b")]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Bearer 00Dx!AR8%2F|a=b\n");
    let run = authwire(
        &["scheme", "--scheme", "Token"],
        &[("AUTHWIRE_CREDENTIALS", "token=\"abc\", realm=\"x\"")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "Authorization: Token token=\"abc\", realm=\"x\"\n"
    );
    let run = authwire(&["bearer"], &[("AUTHWIRE_TOKEN", "has space-Zq81")]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(!run.all_output().contains("Zq81"), "{run:?}");
}

#[test]
fn open_connectors_joins_the_parts_that_are_given() {
    let run = authwire(
        &["open-connectors"],
        &[
            ("AUTHWIRE_OC_USER_SECRET", "u1"),
            ("AUTHWIRE_OC_ORG_SECRET", "o2"),
            ("AUTHWIRE_OC_ELEMENT_TOKEN", "e3"),
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "Authorization: User u1, Organization o2, Element e3\n"
    );
    let run = authwire(
        &[
            "open-connectors",
            "--user-secret-arg",
            "u1",
            "--element-token-env",
            "EL",
            "--value",
        ],
        &[("EL", "e3")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "User u1, Element e3\n");
    let run = authwire(&["open-connectors", "--user-secret-arg", "u,1"], &[]);
    assert_eq!(run.code, 3, "{run:?}");
    let run = authwire(&["open-connectors"], &[]);
    assert_eq!(run.code, 2, "the user secret is required: {run:?}");
}

#[test]
fn scheme_builds_any_scheme_and_checks_its_name() {
    let run = authwire(
        &["scheme", "--scheme", "Token"],
        &[("AUTHWIRE_CREDENTIALS", "abc")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Authorization: Token abc\n");
    let run = authwire(
        &["scheme", "--scheme", "To ken"],
        &[("AUTHWIRE_CREDENTIALS", "abc")],
    );
    assert_eq!(run.code, 3, "{run:?}");
}

#[test]
fn unknown_flags_and_missing_subcommands_exit_2() {
    assert_eq!(authwire(&["basic", "--nope"], &[]).code, 2);
    assert_eq!(authwire(&[], &[]).code, 2);
    assert_eq!(authwire(&["frobnicate"], &[]).code, 2);
    assert_eq!(
        authwire(&["bearer", "--token-arg", "x", "exec"], &[]).code,
        2,
        "exec without a command"
    );
}

#[cfg(unix)]
#[test]
fn exec_sets_authorization_to_the_value_and_propagates_the_exit_code() {
    let run = authwire(
        &[
            "bearer",
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$AUTHORIZATION\"; exit 7",
        ],
        &[("AUTHWIRE_TOKEN", "tok-123")],
    );
    assert_eq!(run.code, 7, "{run:?}");
    assert_eq!(
        run.stdout, "Bearer tok-123",
        "only the child prints: {run:?}"
    );

    let run = authwire(
        &[
            "basic",
            "--user",
            "Aladdin",
            "exec",
            "--",
            "sh",
            "-c",
            "printf '%s' \"$AUTHORIZATION\"",
        ],
        &[("AUTHWIRE_PASSWORD", "open sesame")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");

    // The child's own flags stay its own, with or without `--`.
    let run = authwire(
        &[
            "scheme",
            "--scheme",
            "Token",
            "exec",
            "sh",
            "-c",
            "printf '%s' \"$AUTHORIZATION\"",
            "-x",
        ],
        &[("AUTHWIRE_CREDENTIALS", "abc")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "Token abc");
}

#[cfg(unix)]
#[test]
fn exec_reports_signals_and_missing_commands_like_a_shell() {
    let run = authwire(
        &["bearer", "exec", "--", "sh", "-c", "kill -TERM $$"],
        &[("AUTHWIRE_TOKEN", "t")],
    );
    assert_eq!(run.code, 128 + 15, "{run:?}");
    let run = authwire(
        &["bearer", "exec", "--", "authwire-no-such-command-q"],
        &[("AUTHWIRE_TOKEN", "t")],
    );
    assert_eq!(run.code, 127, "{run:?}");
    assert!(run.stderr.contains("command not found"), "{run:?}");
    // No header is built, so nothing runs, when the input is bad.
    let run = authwire(
        &["bearer", "exec", "--", "sh", "-c", "echo ran"],
        &[("AUTHWIRE_TOKEN", "a b")],
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(run.stdout, "");
}

#[test]
fn every_subcommand_help_has_examples() {
    let commands: &[&[&str]] = &[
        &[],
        &["basic"],
        &["bearer"],
        &["open-connectors"],
        &["scheme"],
        &["token"],
        &["csrf"],
        &["demo"],
        &["basic", "exec"],
        &["bearer", "exec"],
        &["open-connectors", "exec"],
        &["scheme", "exec"],
        &["token", "exec"],
        &["csrf", "exec"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let run = authwire(&args, &[]);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(run.stdout.contains("Examples:"), "{args:?}: {run:?}");
        let example = run
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with("Examples:"))
            .nth(1)
            .unwrap_or_default();
        assert!(example.contains("authwire "), "{args:?}: {run:?}");
    }
}

#[test]
fn help_warns_that_arg_flags_show_the_secret_in_ps() {
    let run = authwire(&["basic", "--help"], &[]);
    assert!(run.stdout.contains("--password-arg"), "{run:?}");
    assert!(run.stdout.contains("`ps`"), "{run:?}");
}
