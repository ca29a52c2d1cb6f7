//! `PolicyError` (SPEC §7): a stable kebab-case code, a message, a JSON-pointer path and help.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem with an input: never a panic, always a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyError {
    /// Stable kebab-case identifier, e.g. `unknown-business-unit`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// JSON pointer into the input, e.g. `/users/3/businessUnit`.
    pub path: String,
    /// How to fix it, when there is something to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl PolicyError {
    /// A new error.
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            code: code.to_string(),
            message: message.into(),
            path: path.into(),
            help: None,
        }
    }

    /// Attach help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Prefix the path (e.g. `/changes/3`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = format!("{prefix}{}", self.path);
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at {}: {}",
            self.code,
            if self.path.is_empty() {
                "/"
            } else {
                &self.path
            },
            self.message
        )
    }
}

impl std::error::Error for PolicyError {}

/// Every problem found in one input (at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Errors(pub Vec<PolicyError>);

impl Errors {
    /// The first error (the one a single-error API reports).
    pub fn first(&self) -> Option<&PolicyError> {
        self.0.first()
    }
}

impl From<PolicyError> for Errors {
    fn from(e: PolicyError) -> Self {
        Errors(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no error"),
            [one] => write!(f, "{one}"),
            [first, rest @ ..] => write!(f, "{first} (and {} more)", rest.len()),
        }
    }
}

impl std::error::Error for Errors {}

/// Escape one JSON-pointer token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
