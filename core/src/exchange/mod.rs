//! What a token exchange is made of, beneath the engine, the transports and the stores: the
//! request and the answer as the core sees them ([`Request`], [`Response`]), and how one
//! failed attempt is classified for the retry policy ([`AttemptError`], [`Retry`]).

mod attempt;
mod endpoint;
mod message;

#[cfg(feature = "fuzzing")]
pub(crate) use attempt::retry_after;
pub(crate) use attempt::{
    AttemptError, Retry, httpdate_parse, one_line, rfc3339_secs, status_error,
};
pub(crate) use endpoint::Endpoint;
pub(crate) use message::{Request, Response};
