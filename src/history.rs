//! Versions: applied changesets with their undo logs, and the redo stack.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::journal::Undo;

/// One applied changeset.
#[derive(Debug, Clone)]
pub struct Version {
    /// Version number reached by applying it (1 = first apply).
    pub version: u64,
    /// The changeset.
    pub changes: Vec<Change>,
    /// A one-line summary.
    pub summary: String,
    /// The inverses to undo it.
    pub undo: Vec<Undo>,
}

/// Applied and undone changesets.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Applied, oldest first.
    pub applied: Vec<Version>,
    /// Undone, most recently undone last.
    pub undone: Vec<Version>,
}

/// One entry of `history()`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct HistoryEntry {
    /// Sequence number (no timestamps).
    pub version: u64,
    /// Short summary.
    pub summary: String,
    /// The changeset.
    pub changes: Vec<Change>,
}

impl History {
    /// The current version number.
    pub fn version(&self) -> u64 {
        self.applied.last().map(|v| v.version).unwrap_or(0)
    }

    /// The entries of `history()`.
    pub fn entries(&self) -> Vec<HistoryEntry> {
        self.applied
            .iter()
            .map(|v| HistoryEntry {
                version: v.version,
                summary: v.summary.clone(),
                changes: v.changes.clone(),
            })
            .collect()
    }
}

/// A one-line summary of a changeset, e.g. `moveUser ×3, assignRole`.
pub fn summarize(changes: &[Change]) -> String {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for c in changes {
        match counts.iter_mut().find(|(op, _)| *op == c.op()) {
            Some(x) => x.1 += 1,
            None => counts.push((c.op(), 1)),
        }
    }
    if counts.is_empty() {
        return "empty changeset".to_string();
    }
    counts
        .iter()
        .map(|(op, n)| {
            if *n > 1 {
                format!("{op} ×{n}")
            } else {
                op.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
