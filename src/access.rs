//! Rights, access levels and right sets (SPEC §1): the vocabulary of every decision.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the eight record rights, in SPEC §1 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum Right {
    /// Create a record.
    Create,
    /// Read a record.
    Read,
    /// Write a record.
    Write,
    /// Delete a record.
    Delete,
    /// Append this record to another.
    Append,
    /// Have records appended to this one.
    AppendTo,
    /// Assign (change the owner).
    Assign,
    /// Share with other principals.
    Share,
}

impl Right {
    /// All rights in SPEC §1 order.
    pub const ALL: [Right; 8] = [
        Right::Create,
        Right::Read,
        Right::Write,
        Right::Delete,
        Right::Append,
        Right::AppendTo,
        Right::Assign,
        Right::Share,
    ];

    /// The position of the right in SPEC §1 order (0..8).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The bit of this right in a [`RightSet`].
    #[inline(always)]
    pub fn bit(self) -> u8 {
        1u8 << (self as u8)
    }

    /// The JSON name (`appendTo`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Right::Create => "create",
            Right::Read => "read",
            Right::Write => "write",
            Right::Delete => "delete",
            Right::Append => "append",
            Right::AppendTo => "appendTo",
            Right::Assign => "assign",
            Right::Share => "share",
        }
    }

    /// Parse a JSON name.
    pub fn parse(s: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Right {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An access level, ordered `none < basic < local < deep < global`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum Level {
    /// No access.
    #[default]
    None,
    /// User: own records and those of the user's teams.
    Basic,
    /// Business Unit: records of the anchor unit.
    Local,
    /// Parent: Child Business Units: records of the anchor's subtree.
    Deep,
    /// Organization: every record.
    Global,
}

impl Level {
    /// `true` for [`Level::None`] (used to omit it when serialising).
    pub fn is_none(&self) -> bool {
        *self == Level::None
    }

    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Basic => "basic",
            Level::Local => "local",
            Level::Deep => "deep",
            Level::Global => "global",
        }
    }
}

/// A set of rights as a bitmask (bit `i` = `Right::ALL[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RightSet(pub u8);

/// Iterator over the rights of a [`RightSet`] ([`RightSet::iter`]).
#[derive(Debug, Clone)]
pub struct RightIter(u8);

impl Iterator for RightIter {
    type Item = Right;
    #[inline(always)]
    fn next(&mut self) -> Option<Right> {
        if self.0 == 0 {
            return None;
        }
        let i = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Right::ALL.get(i).copied()
    }
}

impl RightSet {
    /// No right.
    pub const EMPTY: RightSet = RightSet(0);
    /// Every right.
    pub const FULL: RightSet = RightSet(0xff);

    /// The rights in the set, in SPEC §1 order (visits only the set bits).
    #[inline(always)]
    pub fn iter(self) -> RightIter {
        RightIter(self.0)
    }

    /// Whether the set holds `right`.
    #[inline(always)]
    pub fn has(self, right: Right) -> bool {
        self.0 & right.bit() != 0
    }

    /// Add a right.
    pub fn insert(&mut self, right: Right) {
        self.0 |= right.bit();
    }

    /// Build from a list.
    pub fn from_rights(rights: &[Right]) -> RightSet {
        RightSet(rights.iter().fold(0u8, |acc, r| acc | r.bit()))
    }

    /// The rights in SPEC §1 order.
    pub fn to_vec(self) -> Vec<Right> {
        Right::ALL.into_iter().filter(|r| self.has(*r)).collect()
    }

    /// Whether no right is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for RightSet {
    type Output = RightSet;
    fn bitor(self, rhs: RightSet) -> RightSet {
        RightSet(self.0 | rhs.0)
    }
}

impl std::ops::BitAnd for RightSet {
    type Output = RightSet;
    fn bitand(self, rhs: RightSet) -> RightSet {
        RightSet(self.0 & rhs.0)
    }
}
