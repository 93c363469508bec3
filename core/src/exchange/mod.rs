//! What a token exchange is made of, beneath the engine, the transports and the stores: the
//! request and the answer as the core sees them ([`Request`], [`Response`]), and how one
//! failed attempt is classified for the retry policy ([`AttemptError`], [`Retry`]).

mod attempt;
mod message;

pub(crate) use attempt::{AttemptError, Retry, one_line, status_error};
pub(crate) use message::{Request, Response};
