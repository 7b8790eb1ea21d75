//! The single policy decision point of dsg, built on Cedar.
//!
//! The schema and policies are versioned files in `policy/`, embedded in the
//! binary and validated when the engine is built, so a gateway with a broken
//! policy never starts. Handlers never check roles themselves: they describe
//! the request as an [`AccessRequest`] and ask [`PolicyEngine::decide`].
#![deny(missing_docs)]

mod engine;
mod request;

pub use engine::{
    Decision, PolicyEngine, PolicyError, PreparedRequest, POLICIES, SCHEMA, SLICE_FORMAT,
};
pub use request::{
    AccessRequest, Action, ApplicationFacts, ChangeRequestFacts, CompanyFacts, CompartmentFacts,
    DeviceFacts, DisposalFacts, EndRequestFacts, Environment, FileFacts, LedgerItemFacts,
    PostureFacts, Principal, Resource, RoleDesignationFacts, SessionFacts, TerminalFacts,
    UserFacts,
};
