//! `authwire`: HTTP `Authorization` headers and self-refreshing API tokens from the shell.
//!
//! Secrets come from environment variables, files or standard input, never from the
//! command line unless a `--*-arg` flag asks for it. See `authwire --help` and
//! `cli/README.md`.

#![warn(missing_docs)]

mod csrf;
mod demo;
mod error;
mod headers;
mod login;
mod output;
mod secret;
mod store;
mod token;

use clap::{Parser, Subcommand};

use crate::error::CliResult;

/// The text under `authwire --help`: examples, where secrets come from, exit codes.
const MAIN_HELP: &str = "\
Examples:
  AUTHWIRE_PASSWORD='open sesame' authwire basic --user Aladdin
  AUTHWIRE_TOKEN=abc123 authwire bearer --value
  authwire token --api-key-file xtd-key.json --token-url https://xtd.example.com/v1/token
  authwire token --api-key-file xtd-key.json --token-url https://xtd.example.com/v1/token \\
      exec -- sh -c 'curl -sf -H \"Authorization: $AUTHORIZATION\" https://api.example.com/v1/items'
  authwire demo

Secrets are read from an environment variable (each has a default, e.g.
AUTHWIRE_PASSWORD), a file (--*-file) or standard input (--*-stdin). --*-arg puts
a secret on the command line, where `ps` and shell history show it: avoid it.

Exit codes:
  0  success (exec: the command's own exit code)
  1  demo: an expired token reached the resource, or no call was served
  2  usage: bad or missing flags, a secret given nowhere
  3  invalid input or configuration: a ':' in the user-id, CR/LF, an unreadable
     or malformed file, a non-HTTPS URL
  4  the server side failed: rejected credentials, network, 5xx, 429, bad response";

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "authwire",
    version,
    about = "Correct HTTP Authorization headers and self-refreshing API tokens",
    after_help = MAIN_HELP,
    propagate_version = true
)]
struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; each one's doc line is its `--help` summary.
#[derive(Subcommand, Debug)]
enum Command {
    /// Print an HTTP Basic header (RFC 7617) for a user-id and password
    #[command(after_help = headers::BASIC_EXAMPLES)]
    Basic(headers::BasicCmd),
    /// Print a Bearer header (RFC 6750) for a token you hold
    #[command(after_help = headers::BEARER_EXAMPLES)]
    Bearer(headers::BearerCmd),
    /// Print an SAP Open Connectors header (User, Organization, Element)
    #[command(after_help = headers::OPEN_CONNECTORS_EXAMPLES)]
    OpenConnectors(headers::OpenConnectorsCmd),
    /// Print a header for any other scheme, `<scheme> <credentials>`
    #[command(after_help = headers::SCHEME_EXAMPLES)]
    Scheme(headers::SchemeCmd),
    /// Get a short-lived token (XTD API key, OAuth2 client credentials, custom) and print its header
    #[command(after_help = token::TOKEN_EXAMPLES)]
    Token(token::TokenCmd),
    /// Fetch a CSRF token and print the headers for a write call
    #[command(after_help = csrf::CSRF_EXAMPLES)]
    Csrf(csrf::CsrfCmd),
    /// Sign a user in with the device flow (RFC 8628) and keep the session in a file
    #[command(after_help = login::LOGIN_EXAMPLES)]
    Login(login::LoginCmd),
    /// Print the header of a session stored by `login` (refreshed as needed), or sign out
    #[command(after_help = login::LOGIN_EXAMPLES)]
    Session(login::SessionCmd),
    /// Run the token manager under load against local servers and print a summary
    #[command(after_help = demo::DEMO_EXAMPLES)]
    Demo(demo::DemoCmd),
}

/// Runs the chosen subcommand and returns the process exit code.
fn run(cli: &Cli) -> CliResult<i32> {
    match &cli.command {
        Command::Basic(cmd) => cmd.run(),
        Command::Bearer(cmd) => cmd.run(),
        Command::OpenConnectors(cmd) => cmd.run(),
        Command::Scheme(cmd) => cmd.run(),
        Command::Token(cmd) => cmd.run(),
        Command::Csrf(cmd) => cmd.run(),
        Command::Login(cmd) => cmd.run(),
        Command::Session(cmd) => cmd.run(),
        Command::Demo(cmd) => cmd.run(),
    }
}

fn main() {
    let cli = Cli::parse();
    let code = match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("authwire: error: {error}");
            error.code
        }
    };
    drop(cli);
    std::process::exit(code);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
