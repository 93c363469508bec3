//! `basic`, `bearer`, `open-connectors` and `scheme`: one header value from local secrets.

use clap::Args;

use crate::error::CliResult;
use crate::output::{Then, ValueFlag, deliver_authorization};
use crate::secret::secret_args;

secret_args! {
    /// Where the Basic password comes from.
    PasswordArgs {
        what: "password",
        flag: "password",
        default_env: "AUTHWIRE_PASSWORD",
    }
}

secret_args! {
    /// Where the Bearer token comes from.
    BearerTokenArgs {
        what: "bearer token",
        flag: "token",
        default_env: "AUTHWIRE_TOKEN",
    }
}

secret_args! {
    /// Where the credentials of another scheme come from.
    CredentialsArgs {
        what: "credentials",
        flag: "credentials",
        default_env: "AUTHWIRE_CREDENTIALS",
    }
}

secret_args! {
    /// Where the Open Connectors user secret comes from.
    UserSecretArgs {
        what: "user secret",
        flag: "user-secret",
        default_env: "AUTHWIRE_OC_USER_SECRET",
    }
}

secret_args! {
    /// Where the Open Connectors organization secret comes from (optional).
    OrgSecretArgs {
        what: "organization secret",
        flag: "org-secret",
        default_env: "AUTHWIRE_OC_ORG_SECRET",
    }
}

secret_args! {
    /// Where the Open Connectors element token comes from (optional).
    ElementTokenArgs {
        what: "element token",
        flag: "element-token",
        default_env: "AUTHWIRE_OC_ELEMENT_TOKEN",
    }
}

/// Examples shown under `authwire basic --help`.
pub const BASIC_EXAMPLES: &str = "\
Examples:
  AUTHWIRE_PASSWORD='open sesame' authwire basic --user Aladdin
      Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
  authwire basic --user alice --password-file ~/.secrets/alice --value
  printf '%s' \"$PW\" | authwire basic --user alice --password-stdin
  authwire basic --user alice exec -- sh -c 'curl -sf -H \"Authorization: $AUTHORIZATION\" https://api.example.com/'

The user-id must not contain ':' (RFC 7617); no part may contain CR, LF or another
control character. Without a --password-* flag the password is read from $AUTHWIRE_PASSWORD.";

/// Examples shown under `authwire bearer --help`.
pub const BEARER_EXAMPLES: &str = "\
Examples:
  AUTHWIRE_TOKEN=abc123 authwire bearer
      Authorization: Bearer abc123
  authwire bearer --token-file token.txt --value
  authwire bearer --token-env GITHUB_TOKEN exec -- sh -c 'curl -sf -H \"Authorization: $AUTHORIZATION\" https://api.github.com/user'

The token may be any visible ASCII (Salesforce's '!', X's '%', Facebook's '|' included);
a space, a control character, DEL or non-ASCII is refused.";

/// Examples shown under `authwire open-connectors --help`.
pub const OPEN_CONNECTORS_EXAMPLES: &str = "\
Examples:
  AUTHWIRE_OC_USER_SECRET=u1 AUTHWIRE_OC_ORG_SECRET=o2 AUTHWIRE_OC_ELEMENT_TOKEN=e3 authwire open-connectors
      Authorization: User u1, Organization o2, Element e3
  authwire open-connectors --user-secret-file user.txt --org-secret-env ORG --value

The user secret is required; the organization secret and element token are added
when given (or when their default variables are set). No part may contain ',',
whitespace or a control character.";

/// Examples shown under `authwire scheme --help`.
pub const SCHEME_EXAMPLES: &str = "\
Examples:
  AUTHWIRE_CREDENTIALS=abc authwire scheme --scheme Token
      Authorization: Token abc
  authwire scheme --scheme DPoP --credentials-file token.txt --value
  AUTHWIRE_CREDENTIALS='token=\"abc\"' authwire scheme --scheme Token
      Authorization: Token token=\"abc\"

The scheme must be an RFC 9110 token; the credentials a token68-like value (visible ASCII,
no spaces) or RFC 9110 auth-params (name=value or name=\"quoted\", separated by commas).";

/// `authwire basic`.
#[derive(Args, Debug, Clone)]
pub struct BasicCmd {
    /// The user-id (must not contain ':')
    #[arg(long, env = "AUTHWIRE_USER", value_name = "USER")]
    pub user: String,
    #[command(flatten)]
    password: PasswordArgs,
    #[command(flatten)]
    output: ValueFlag,
    #[command(subcommand)]
    then: Option<Then>,
}

/// `authwire bearer`.
#[derive(Args, Debug, Clone)]
pub struct BearerCmd {
    #[command(flatten)]
    token: BearerTokenArgs,
    #[command(flatten)]
    output: ValueFlag,
    #[command(subcommand)]
    then: Option<Then>,
}

/// `authwire open-connectors`.
#[derive(Args, Debug, Clone)]
pub struct OpenConnectorsCmd {
    #[command(flatten)]
    user_secret: UserSecretArgs,
    #[command(flatten)]
    org_secret: OrgSecretArgs,
    #[command(flatten)]
    element_token: ElementTokenArgs,
    #[command(flatten)]
    output: ValueFlag,
    #[command(subcommand)]
    then: Option<Then>,
}

/// `authwire scheme`.
#[derive(Args, Debug, Clone)]
pub struct SchemeCmd {
    /// The scheme name, e.g. Token, DPoP, Negotiate
    #[arg(long, value_name = "SCHEME")]
    pub scheme: String,
    #[command(flatten)]
    credentials: CredentialsArgs,
    #[command(flatten)]
    output: ValueFlag,
    #[command(subcommand)]
    then: Option<Then>,
}

impl BasicCmd {
    /// Builds and delivers the Basic value; returns the exit code.
    ///
    /// # Errors
    /// A missing or unreadable password, or input the core rejects.
    pub fn run(&self) -> CliResult<i32> {
        let password = self.password.read_required()?;
        let value = zeroize::Zeroizing::new(authwire::basic_auth(&self.user, &password)?);
        deliver_authorization(&value, &self.output, self.then.as_ref())
    }
}

impl BearerCmd {
    /// Builds and delivers the Bearer value; returns the exit code.
    ///
    /// # Errors
    /// A missing or unreadable token, or a token the core rejects.
    pub fn run(&self) -> CliResult<i32> {
        let token = self.token.read_required()?;
        let value = zeroize::Zeroizing::new(authwire::bearer_auth(&token)?);
        deliver_authorization(&value, &self.output, self.then.as_ref())
    }
}

impl OpenConnectorsCmd {
    /// Builds and delivers the Open Connectors value; returns the exit code.
    ///
    /// # Errors
    /// A missing or unreadable secret, or a part the core rejects.
    pub fn run(&self) -> CliResult<i32> {
        let user = self.user_secret.read_required()?;
        let org = self.org_secret.read_optional()?;
        let element = self.element_token.read_optional()?;
        let value = zeroize::Zeroizing::new(authwire::open_connectors_auth(
            &user,
            org.as_ref().map(|s| s.as_str()),
            element.as_ref().map(|s| s.as_str()),
        )?);
        deliver_authorization(&value, &self.output, self.then.as_ref())
    }
}

impl SchemeCmd {
    /// Builds and delivers the `<scheme> <credentials>` value; returns the exit code.
    ///
    /// # Errors
    /// Missing or unreadable credentials, or a scheme or credentials the core rejects.
    pub fn run(&self) -> CliResult<i32> {
        let credentials = self.credentials.read_required()?;
        let value = zeroize::Zeroizing::new(authwire::scheme_auth(&self.scheme, &credentials)?);
        deliver_authorization(&value, &self.output, self.then.as_ref())
    }
}
