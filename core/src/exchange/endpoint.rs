//! The absolute `http(s)` URL of a token or CSRF endpoint, parsed and checked once.
//!
//! A small parser of its own rather than the `url` crate: the `url` crate brings IDNA with
//! ICU's Unicode tables, which would cost the mobile core about a tenth of its size budget,
//! and a token endpoint needs none of it. A host with non-ASCII labels is given in its
//! punycode (`xn--`) form.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The host part of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Host {
    /// A lower-case DNS name.
    Domain(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

/// An absolute `http://` or `https://` URL without credentials or fragment, in normal form
/// (lower-case scheme and host, no default port, `/` for an empty path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    text: String,
    https: bool,
    host: Host,
    port: Option<u16>,
    /// Where the query starts in `text` (after `?`), if there is one.
    query_at: Option<usize>,
}

impl Endpoint {
    /// Parses `text`. The error says what is wrong, in a form fit for a message.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if let Some(at) = text.bytes().position(|b| !b.is_ascii_graphic()) {
            return Err(format!(
                "it contains a space, a control character or non-ASCII at byte {at} (percent-encode it; give a non-ASCII host in its xn-- form)"
            ));
        }
        let (scheme, rest) = text
            .split_once("://")
            .ok_or_else(|| "it is not an absolute URL (scheme://host/path)".to_owned())?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            other => return Err(format!("unsupported URL scheme {other:?}")),
        };
        if rest.contains('#') {
            return Err("a token endpoint URL has no fragment ('#')".to_owned());
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path_and_query) = rest.split_at(authority_end);
        if authority.contains('@') {
            return Err("credentials".to_owned());
        }
        let (host_text, port_text) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (address, after) = v6
                    .split_once(']')
                    .ok_or_else(|| "the IPv6 address has no closing ']'".to_owned())?;
                let port = match after {
                    "" => None,
                    _ => Some(
                        after
                            .strip_prefix(':')
                            .ok_or_else(|| "unexpected text after the IPv6 address".to_owned())?,
                    ),
                };
                (format!("[{address}]"), port)
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (authority.to_owned(), None),
            },
        };
        let host = parse_host(&host_text)?;
        let port = match port_text {
            None | Some("") => None,
            Some(port) => Some(
                port.parse::<u16>()
                    .map_err(|_| format!("the port {port:?} is not a number from 0 to 65535"))?,
            ),
        };
        let port = port.filter(|&p| p != if https { 443 } else { 80 });
        let mut normal = String::with_capacity(text.len() + 1);
        normal.push_str(if https { "https://" } else { "http://" });
        match &host {
            Host::Domain(name) => normal.push_str(name),
            Host::Ipv4(ip) => normal.push_str(&ip.to_string()),
            Host::Ipv6(ip) => {
                normal.push('[');
                normal.push_str(&ip.to_string());
                normal.push(']');
            }
        }
        if let Some(port) = port {
            normal.push(':');
            normal.push_str(&port.to_string());
        }
        if !path_and_query.starts_with('/') {
            normal.push('/');
        }
        normal.push_str(path_and_query);
        let query_at = normal.find('?').map(|at| at + 1);
        Ok(Self {
            text: normal,
            https,
            host,
            port,
            query_at,
        })
    }

    /// The whole URL, in normal form.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the scheme is `https`.
    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    /// Whether the host is a loopback address (127.0.0.0/8, `::1`) or `localhost`.
    pub(crate) fn is_loopback(&self) -> bool {
        match &self.host {
            Host::Domain(name) => name == "localhost",
            Host::Ipv4(ip) => ip.is_loopback(),
            Host::Ipv6(ip) => ip.is_loopback(),
        }
    }

    /// Scheme, host and port, never path or query: where a request went, for messages.
    pub(crate) fn origin(&self) -> &str {
        let after_scheme = if self.https { 8 } else { 7 };
        let end = self.text[after_scheme..]
            .find('/')
            .map_or(self.text.len(), |at| at + after_scheme);
        &self.text[..end]
    }

    /// The query, without `?`, if there is one.
    pub(crate) fn query(&self) -> Option<&str> {
        self.query_at.map(|at| &self.text[at..])
    }

    /// The port, when it is not the scheme's default.
    #[cfg(test)]
    fn port(&self) -> Option<u16> {
        self.port
    }
}

fn parse_host(text: &str) -> Result<Host, String> {
    if let Some(v6) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return v6
            .parse()
            .map(Host::Ipv6)
            .map_err(|_| "the IPv6 address is not valid".to_owned());
    }
    if text.is_empty() {
        return Err("it has no host".to_owned());
    }
    if let Ok(ip) = text.parse::<Ipv4Addr>() {
        return Ok(Host::Ipv4(ip));
    }
    // RFC 1123 labels (underscores too, as some internal names have them), and the root's
    // trailing dot.
    let valid = text
        .strip_suffix('.')
        .unwrap_or(text)
        .split('.')
        .all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid || text.len() > 253 {
        return Err(format!("the host {text:?} is not a valid host name"));
    }
    Ok(Host::Domain(text.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_form() {
        let e = Endpoint::parse("HTTPS://Auth.Example.COM:443/oauth/token?x=1").unwrap();
        assert_eq!(e.as_str(), "https://auth.example.com/oauth/token?x=1");
        assert_eq!(e.origin(), "https://auth.example.com");
        assert_eq!(e.query(), Some("x=1"));
        assert_eq!(e.port(), None);
        let e = Endpoint::parse("https://api.github.com").unwrap();
        assert_eq!(e.as_str(), "https://api.github.com/");
        let e = Endpoint::parse("http://127.0.0.1:8080/t").unwrap();
        assert_eq!(e.origin(), "http://127.0.0.1:8080");
        assert!(e.is_loopback() && !e.is_https());
        let e = Endpoint::parse("http://[::1]:9/token").unwrap();
        assert_eq!(e.as_str(), "http://[::1]:9/token");
        assert!(e.is_loopback());
        assert!(Endpoint::parse("http://LOCALHOST/x").unwrap().is_loopback());
        assert!(
            !Endpoint::parse("http://localhost.example.com/")
                .unwrap()
                .is_loopback()
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "not a url",
            "https://",
            "https://user:pw@host/",
            "https://host:99999/",
            "https://host/a b",
            "https://h\u{e9}st/",
            "https://host/#frag",
            "https://[::1/",
            "https://ho..st/",
            "ftp://host/",
        ] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
    }
}
