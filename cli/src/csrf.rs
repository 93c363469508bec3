//! `authwire csrf`: fetches a CSRF token and prints the headers for the write call.

use clap::{Args, ValueEnum};
use zeroize::Zeroizing;

use authwire::{CsrfFetchMethod, CsrfSession};

use crate::error::CliResult;
use crate::headers::PasswordArgs;
use crate::output::{ENV_AUTHORIZATION, ENV_COOKIE, ENV_CSRF_TOKEN, Then, print_lines, run};

/// Examples shown under `authwire csrf --help`.
pub const CSRF_EXAMPLES: &str = "\
Examples:
  AUTHWIRE_PASSWORD=s3cret authwire csrf --url https://apim.example.com/v1/orders --user alice
      X-CSRF-Token: 3f2a...
      Cookie: SAP_SESSIONID=abc; sap-usercontext=sap-client=100
      Authorization: Basic YWxpY2U6czNjcmV0
  authwire csrf --url https://apim.example.com/v1/orders --user alice --password-file pw.txt --method get --json
  authwire csrf --url https://apim.example.com/v1/orders --user alice exec -- sh -c \\
      'curl -sf -X POST -H \"X-CSRF-Token: $X_CSRF_TOKEN\" -H \"Cookie: $COOKIE\" -H \"Authorization: $AUTHORIZATION\" -d @order.json https://apim.example.com/v1/orders'

The fetch sends `X-CSRF-Token: fetch` with HTTP Basic credentials (HEAD unless
--method get) and reads the token from the answer's x-csrf-token header and the
cookies from its Set-Cookie headers. The Cookie line is left out when the server
set no cookie. exec sets AUTHORIZATION, X_CSRF_TOKEN and COOKIE.";

/// The request that fetches the token.
#[derive(ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FetchMethod {
    /// HEAD (no body is transferred; the default)
    #[default]
    Head,
    /// GET, for services that do not answer HEAD
    Get,
}

/// `authwire csrf`.
#[derive(Args, Debug, Clone)]
pub struct CsrfCmd {
    /// The URL to fetch the token from (usually the resource the write goes to)
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The Basic user-id (must not contain ':')
    #[arg(long, env = "AUTHWIRE_USER", value_name = "USER")]
    pub user: String,
    #[command(flatten)]
    password: PasswordArgs,
    /// The fetch request's method
    #[arg(long, value_enum, default_value_t = FetchMethod::Head)]
    pub method: FetchMethod,
    /// Print the headers as one JSON object instead of header lines
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    then: Option<Then>,
}

impl CsrfCmd {
    /// Fetches the token and prints the headers, or runs `exec` with them.
    ///
    /// # Errors
    /// Bad flags or credentials (2, 3), or the fetch's failure (4).
    pub fn run(&self) -> CliResult<i32> {
        let password = self.password.read_required()?;
        let method = match self.method {
            FetchMethod::Head => CsrfFetchMethod::Head,
            FetchMethod::Get => CsrfFetchMethod::Get,
        };
        let session = CsrfSession::new(&self.url, &self.user, &password, method, None)?;
        drop(password);
        let headers = session.headers()?;
        let token = Zeroizing::new(headers.csrf_token().to_owned());
        let cookie = headers
            .cookie()
            .map(|cookie| Zeroizing::new(cookie.to_owned()));
        let authorization = Zeroizing::new(headers.authorization().to_owned());
        if let Some(Then::Exec(exec)) = &self.then {
            return run(
                &exec.command,
                &[
                    (ENV_AUTHORIZATION, Some(authorization.as_str())),
                    (ENV_CSRF_TOKEN, Some(token.as_str())),
                    (ENV_COOKIE, cookie.as_deref().map(String::as_str)),
                ],
            );
        }
        if self.json {
            let mut object = serde_json::Map::new();
            object.insert("X-CSRF-Token".into(), token.as_str().into());
            if let Some(cookie) = &cookie {
                object.insert("Cookie".into(), cookie.as_str().into());
            }
            object.insert(
                authwire::AUTHORIZATION.into(),
                authorization.as_str().into(),
            );
            let text = Zeroizing::new(serde_json::Value::Object(object).to_string());
            return print_lines(&[text.as_str()]).map(|()| 0);
        }
        let mut lines = vec![Zeroizing::new(format!("X-CSRF-Token: {}", token.as_str()))];
        if let Some(cookie) = &cookie {
            lines.push(Zeroizing::new(format!("Cookie: {}", cookie.as_str())));
        }
        lines.push(Zeroizing::new(format!(
            "{}: {}",
            authwire::AUTHORIZATION,
            authorization.as_str()
        )));
        let lines: Vec<&str> = lines.iter().map(|l| l.as_str()).collect();
        print_lines(&lines).map(|()| 0)
    }
}
