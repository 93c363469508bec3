//! One token request and its answer as the core sees them, whatever transport carried them.

use super::Endpoint;
use crate::secret::Secret;

/// A request to send. The body and header values may hold secrets.
pub(crate) struct Request {
    pub(crate) method: &'static str,
    pub(crate) url: Endpoint,
    /// Lower-case names.
    pub(crate) headers: Vec<(String, Secret)>,
    pub(crate) body: Option<Secret>,
}

/// A response whose body was read in full (within the size limit).
pub(crate) struct Response {
    pub(crate) status: u16,
    /// Lower-case names, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (lower-case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (lower-case), in order.
    pub(crate) fn headers_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
