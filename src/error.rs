//! `PolicyError` (SPEC §7): a stable kebab-case code, a message, a JSON-pointer path and help.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// Ids up to this many characters are quoted in full in messages; longer ones are shortened
/// by [`short_id`] (a 10 MB unknown id must not make a 10 MB message).
pub const MAX_SHOWN_ID_CHARS: usize = 64;
/// Characters of a long id kept by [`short_id`].
const SHOWN_PREFIX_CHARS: usize = 40;
/// Messages and help texts longer than this are cut (a backstop for whatever a message
/// quotes: input text echoed by the JSON parser, names, ids not passed through [`short_id`]).
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// An id as quoted in a message: itself when at most [`MAX_SHOWN_ID_CHARS`] characters,
/// else its first 40 characters, an ellipsis and its length in bytes.
pub fn short_id(id: &str) -> Cow<'_, str> {
    if id.len() <= MAX_SHOWN_ID_CHARS || char_start(id, MAX_SHOWN_ID_CHARS).is_none() {
        return Cow::Borrowed(id);
    }
    let cut = char_start(id, SHOWN_PREFIX_CHARS).unwrap_or(id.len());
    Cow::Owned(format!(
        "{}… ({} bytes)",
        id.get(..cut).unwrap_or(""),
        id.len()
    ))
}

/// The byte offset of character `n` of `s` (counted from 0), `None` when `s` has at most
/// `n` characters. (A loop over the bytes: `chars().nth` links core's vectorised counter.)
fn char_start(s: &str, n: usize) -> Option<usize> {
    let mut seen = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if seen == n {
                return Some(i);
            }
            seen += 1;
        }
    }
    None
}

// Message and path builders: one out-of-line call in place of a `format!` at each of
// the many error sites of the loaders and the operations (it matters in the wasm build).

/// A message of literal pieces and ids, alternating: `parts[0]`, `short_id(parts[1])`,
/// `parts[2]`, ...
#[inline(never)]
pub(crate) fn quote(parts: &[&str]) -> String {
    let mut s = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            s.push_str(&short_id(p));
        } else {
            s.push_str(p);
        }
    }
    s
}

/// `pre`, the id (shortened), `post`.
#[inline(never)]
pub(crate) fn q(pre: &str, id: &str, post: &str) -> String {
    quote(&[pre, id, post])
}

/// Two ids (shortened) between literal pieces.
#[inline(never)]
pub(crate) fn q2(pre: &str, a: &str, mid: &str, b: &str, post: &str) -> String {
    quote(&[pre, a, mid, b, post])
}

/// "record `r` is in `b` but its owner is in `o`; …" (both loaders).
#[inline(never)]
pub(crate) fn in_other_unit(record: &str, unit: &str, owner_unit: &str) -> String {
    quote(&[
        "record `",
        record,
        "` is in `",
        unit,
        "` but its owner is in `",
        owner_unit,
        "`; that needs ownershipAcrossBusinessUnits",
    ])
}

/// The pieces concatenated (the side-effect messages, which hold full ids: one
/// out-of-line builder instead of a `format!` per site).
#[inline(never)]
pub(crate) fn cat(a: &str, b: &str, c: &str, d: &str, f: &str, g: &str) -> String {
    let mut s = String::new();
    for p in [a, b, c, d, f, g] {
        s.push_str(p);
    }
    s
}

/// [`cat`] of three pieces.
#[inline(never)]
pub(crate) fn cat3(a: &str, b: &str, c: &str) -> String {
    cat(a, b, c, "", "", "")
}

/// The JSON pointer `path` + `tail` (`tail` starts with `/`).
#[inline(never)]
pub(crate) fn sub(path: &str, tail: &str) -> String {
    cat3(path, tail, "")
}

/// The JSON pointer of item `i` under `path`.
#[inline(never)]
pub(crate) fn subn(path: &str, i: usize) -> String {
    cat3(path, "/", &i.to_string())
}

/// The JSON pointer `a` + `i` + `b` (`at("/users/", 3, "/manager")`).
#[inline(never)]
pub(crate) fn at(a: &str, i: usize, b: &str) -> String {
    cat3(a, &i.to_string(), b)
}

/// `text` cut to at most [`MAX_MESSAGE_BYTES`] (at a character boundary), with its length.
fn bounded(text: String) -> String {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut cut = MAX_MESSAGE_BYTES - 32;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", text.get(..cut).unwrap_or(""), text.len())
}

/// One problem with an input: never a panic, always a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct PolicyError {
    /// Stable kebab-case identifier, e.g. `unknown-business-unit`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
    /// JSON pointer into the input, e.g. `/users/3/businessUnit`.
    pub path: String,
    /// How to fix it, when there is something to say.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub help: Option<String>,
}

impl PolicyError {
    /// A new error (a message longer than [`MAX_MESSAGE_BYTES`] is cut).
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        PolicyError {
            code: code.to_string(),
            message: bounded(message.into()),
            path: path.into(),
            help: None,
        }
    }

    /// Attach help text (cut like the message).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(bounded(help.into()));
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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_stay_short() {
        assert_eq!(short_id("u1"), "u1");
        let exact = "é".repeat(MAX_SHOWN_ID_CHARS);
        assert_eq!(short_id(&exact), exact.as_str());
        let long = "é".repeat(MAX_SHOWN_ID_CHARS + 1);
        let s = short_id(&long);
        assert_eq!(s, format!("{}… (130 bytes)", "é".repeat(40)));
        let big = "x".repeat(10 << 20);
        assert!(short_id(&big).chars().count() <= MAX_SHOWN_ID_CHARS);
        // mixed widths: the cut is on a character boundary, 40 characters in
        let mixed = "a€😀é".repeat(20);
        assert_eq!(
            short_id(&mixed),
            format!("{}… (200 bytes)", "a€😀é".repeat(10))
        );
        for s in ["", "abc", "€€", &mixed] {
            for n in 0..=s.chars().count() + 1 {
                assert_eq!(
                    char_start(s, n),
                    s.char_indices().nth(n).map(|(i, _)| i),
                    "{s} {n}"
                );
            }
        }
    }

    #[test]
    fn messages_are_bounded() {
        let e = PolicyError::new("x", "/a", "€".repeat(10_000)).with_help("h".repeat(5000));
        assert!(e.message.len() <= MAX_MESSAGE_BYTES);
        assert!(e.message.ends_with("… (30000 bytes)"));
        assert!(e.help.is_some_and(|h| h.len() <= MAX_MESSAGE_BYTES));
        assert_eq!(PolicyError::new("x", "", "short").message, "short");
    }
}
