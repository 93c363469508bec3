//! Printing header lines, and the `exec` subcommand that hands them to another program.

use std::ffi::OsString;
use std::io::Write as _;
use std::process::Command;

use clap::{Args, Subcommand};

use crate::error::{CliError, CliResult, EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND};

/// The environment variable `exec` sets to the `Authorization` header value.
pub const ENV_AUTHORIZATION: &str = "AUTHORIZATION";
/// The environment variable `csrf ... exec` sets to the `X-CSRF-Token` value.
pub const ENV_CSRF_TOKEN: &str = "X_CSRF_TOKEN";
/// The environment variable `csrf ... exec` sets to the `Cookie` value (removed when the
/// server set no cookie).
pub const ENV_COOKIE: &str = "COOKIE";

const EXEC_HELP: &str = "\
What is set:
  AUTHORIZATION   the header value only, e.g. `Bearer eyJ...` or `Basic QWxh...`
                  (no `Authorization: ` prefix, no line ending)
  csrf also sets X_CSRF_TOKEN (the token) and COOKIE (the cookies, `a=1; b=2`;
  removed from the environment when the server set none).
Everything else is inherited. Nothing is printed on stdout by authwire itself.
The exit code is the command's; 128+N when it was killed by signal N; 127 when
it cannot be found; 126 when it cannot be run.

Examples:
  authwire bearer --token-env MY_TOKEN exec -- sh -c 'curl -sf -H \"Authorization: $AUTHORIZATION\" https://api.example.com/v1/items'
  authwire token --api-key-file key.json --token-url https://xtd.example.com/v1/token \\
      exec -- sh -c 'curl -sf -H \"Authorization: $AUTHORIZATION\" https://api.example.com/v1/items'";

/// The optional `exec` subcommand of every header-producing command.
#[derive(Subcommand, Debug, Clone)]
pub enum Then {
    /// Run a command with the header value in its environment (AUTHORIZATION)
    #[command(after_help = EXEC_HELP)]
    Exec(ExecArgs),
}

/// The command `exec` runs.
#[derive(Args, Debug, Clone)]
pub struct ExecArgs {
    /// The command and its arguments; put `--` before it so its own flags stay its own
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// `--value`: print only the value instead of the whole header line.
#[derive(Args, Debug, Clone, Default)]
pub struct ValueFlag {
    /// Print only the header value (e.g. `Basic QWxh...`), not `Authorization: <value>`
    #[arg(long)]
    pub value: bool,
}

/// Writes lines to stdout; a closed pipe (`| head`) ends the output quietly.
///
/// # Errors
/// Invalid input (exit 3) for any other write error.
pub fn print_lines<S: AsRef<str>>(lines: &[S]) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    let result = lines
        .iter()
        .try_for_each(|line| writeln!(out, "{}", line.as_ref()))
        .and_then(|()| out.flush());
    match result {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(CliError::invalid(format!(
            "cannot write to standard output: {err}"
        ))),
    }
}

/// Prints an `Authorization` value (as `Authorization: <value>`, or alone with `--value`)
/// or, with `exec`, runs the command with it in `AUTHORIZATION`. Returns the exit code.
///
/// # Errors
/// From printing or starting the command.
pub fn deliver_authorization(value: &str, flag: &ValueFlag, then: Option<&Then>) -> CliResult<i32> {
    match then {
        Some(Then::Exec(exec)) => run(&exec.command, &[(ENV_AUTHORIZATION, Some(value))]),
        None if flag.value => print_lines(&[value]).map(|()| 0),
        None => print_lines(&[format!("{}: {value}", authwire::AUTHORIZATION)]).map(|()| 0),
    }
}

/// Runs `command` with `env` set (a `None` value removes the variable) and returns the exit
/// code to end with: the command's own, 128+N for a signal, 127 or 126 when it cannot start.
///
/// # Errors
/// A `CliError` carrying 127 or 126 when the command cannot be started.
pub fn run(command: &[OsString], env: &[(&str, Option<&str>)]) -> CliResult<i32> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| CliError::usage("exec needs a command to run"))?;
    let mut child = Command::new(program);
    child.args(args);
    for (name, value) in env {
        match value {
            Some(value) => child.env(name, value),
            None => child.env_remove(name),
        };
    }
    let status = child.status().map_err(|err| {
        let shown = program.to_string_lossy();
        match err.kind() {
            std::io::ErrorKind::NotFound => {
                CliError::with_code(EXIT_NOT_FOUND, format!("exec: command not found: {shown}"))
            }
            std::io::ErrorKind::PermissionDenied => CliError::with_code(
                EXIT_NOT_EXECUTABLE,
                format!("exec: permission denied: {shown}"),
            ),
            _ => CliError::with_code(
                EXIT_NOT_EXECUTABLE,
                format!("exec: cannot run {shown}: {err}"),
            ),
        }
    })?;
    if let Some(code) = status.code() {
        return Ok(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return Ok(128 + signal);
        }
    }
    Ok(1)
}
