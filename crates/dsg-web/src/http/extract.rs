//! The API's extractors: axum's own, with their refusals answered in the
//! one JSON error shape ([`Rejected`]) instead of plain text.

use axum::extract::FromRequest;
use axum::extract::FromRequestParts;

use super::error::Rejected;

/// A JSON request body; a missing content type, bad syntax, a body that
/// does not fit the type or one over the size limit is a [`Rejected`].
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(Rejected))]
pub struct ApiJson<T>(pub T);

/// The query string, deserialized; a query that does not fit is a
/// [`Rejected`] (`invalid_query`).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Rejected))]
pub struct ApiQuery<T>(pub T);

/// The path parameters, deserialized; one that does not fit is a
/// [`Rejected`] (`invalid_path`).
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Rejected))]
pub struct ApiPath<T>(pub T);
