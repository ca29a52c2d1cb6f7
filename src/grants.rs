//! Grants: per user, per (table, right), the `(level, anchor, scope)` triples folded from
//! direct roles and owner-team roles (SPEC §2), compiled into one flat array per user.

use crate::access::{Level, Right};
use crate::model::{Inheritance, TeamKind};
use crate::sort::SortTotal;
use crate::state::{State, NONE};

/// One compiled grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// Access level (>= basic).
    pub level: Level,
    /// Anchor unit of local/deep levels.
    pub anchor: u32,
    /// `NONE` for a personal grant, else the team whose records/shares it covers.
    pub team: u32,
}

impl Grant {
    /// Whether the grant is personal (covers the user's and the user's teams' records and shares).
    #[inline]
    pub fn personal(&self) -> bool {
        self.team == NONE
    }
}

/// A user's grants: `entries[offsets[t*8+r]..offsets[t*8+r+1]]`, highest level first;
/// and the same grants folded across rights per table ([`TableGrants`], [`Reach`]), which
/// is what a decision reads: a handful of bitmask tests instead of a walk per right.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserGrants {
    offsets: Vec<u32>,
    entries: Vec<Grant>,
    tables: Vec<TableGrants>,
    reach: Vec<Reach>,
}

/// One table's grants folded across rights (bit `i` = right `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TableGrants {
    /// Rights with at least one grant: the privilege check passes.
    pub any: u8,
    /// Rights with a personal grant (the user's and the user's teams' records and shares).
    pub personal: u8,
    /// Rights with a global grant: every record of the table.
    pub global: u8,
    /// How many [`Reach`] entries follow `start`.
    reach_len: u32,
    /// First [`Reach`] entry of the table.
    reach_start: u32,
}

/// The part of a table's grants that depends on the record: a local or deep grant by its
/// anchor, or the team-scoped grants of one team (records the team owns, shares to it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reach {
    /// [`REACH_LOCAL`], [`REACH_DEEP`] or [`REACH_TEAM`].
    pub kind: u8,
    /// The rights it covers.
    pub rights: u8,
    /// The anchor unit (local, deep) or the team (team-scoped).
    pub key: u32,
}

/// A user's grants on one table as a check reads them first: the masks of [`TableGrants`]
/// and, when the table has at most one [`Reach`] entry (97% of the generated orgs' users
/// and tables), that entry too; a copy per user and table is [`crate::state::State::table_grants`],
/// so that most checks read nothing else of the user's grants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserTable {
    /// [`TableGrants::any`].
    pub any: u8,
    /// [`TableGrants::personal`].
    pub personal: u8,
    /// [`TableGrants::global`].
    pub global: u8,
    /// How many [`Reach`] entries the table has: 0, 1 (`first`), or 2 for more (then
    /// they are read from the user's [`UserGrants`]).
    reach: u8,
    /// The first [`Reach`] entry (when `reach` is 1).
    first: Reach,
}

impl UserTable {
    /// The user's grants `g` on `table`.
    pub fn of(g: &UserGrants, table: u32) -> UserTable {
        let t = g.table(table);
        let list = g.reach(t);
        UserTable {
            any: t.any,
            personal: t.personal,
            global: t.global,
            reach: list.len().min(2) as u8,
            first: list.first().copied().unwrap_or_default(),
        }
    }

    /// The table's [`Reach`] entries: the one kept here, or `g()`'s (the user's grants).
    #[inline(always)]
    pub fn reach<'a>(
        &'a self,
        table: u32,
        g: impl FnOnce() -> Option<&'a UserGrants>,
    ) -> &'a [Reach] {
        match self.reach {
            0 => &[],
            1 => std::slice::from_ref(&self.first),
            _ => g().map_or(&[], |g| g.reach(g.table(table))),
        }
    }
}

/// [`Reach::kind`]: records whose owning unit is the anchor.
pub const REACH_LOCAL: u8 = 0;
/// [`Reach::kind`]: records whose owning unit is in the anchor's subtree.
pub const REACH_DEEP: u8 = 1;
/// [`Reach::kind`]: the team's records and shares (team-scoped grants of any level).
pub const REACH_TEAM: u8 = 2;

impl UserGrants {
    /// The grants for (table, right).
    #[inline(always)]
    pub fn get(&self, table: u32, right: Right) -> &[Grant] {
        let slot = table as usize * 8 + right.index();
        match (self.offsets.get(slot), self.offsets.get(slot + 1)) {
            (Some(&a), Some(&b)) => self.entries.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The grants of `table` folded across rights (all empty for an unknown table).
    #[inline(always)]
    pub fn table(&self, table: u32) -> TableGrants {
        self.tables.get(table as usize).copied().unwrap_or_default()
    }

    /// The [`Reach`] entries of a table summary.
    #[inline(always)]
    pub fn reach(&self, t: TableGrants) -> &[Reach] {
        let a = t.reach_start as usize;
        self.reach.get(a..a + t.reach_len as usize).unwrap_or(&[])
    }

    /// Fold the per-right lists into [`TableGrants`] and [`Reach`] entries.
    fn fold(&mut self, ntables: usize) {
        self.tables.clear();
        self.reach.clear();
        let mut reach: Vec<Reach> = Vec::new();
        for t in 0..ntables as u32 {
            let mut tg = TableGrants {
                reach_start: self.reach.len() as u32,
                ..TableGrants::default()
            };
            reach.clear();
            for right in Right::ALL {
                let bit = right.bit();
                for g in self.get(t, right) {
                    tg.any |= bit;
                    let depth = match g.level {
                        Level::Global => {
                            tg.global |= bit;
                            None
                        }
                        Level::Deep => Some(REACH_DEEP),
                        Level::Local => Some(REACH_LOCAL),
                        _ => None,
                    };
                    if let Some(kind) = depth {
                        reach.push(Reach {
                            kind,
                            rights: bit,
                            key: g.anchor,
                        });
                    }
                    if g.personal() {
                        tg.personal |= bit;
                    } else {
                        reach.push(Reach {
                            kind: REACH_TEAM,
                            rights: bit,
                            key: g.team,
                        });
                    }
                }
            }
            // one entry per (kind, key), rights merged
            reach.sort_total_by(|a, b| a.kind.cmp(&b.kind).then(a.key.cmp(&b.key)));
            for e in &reach {
                let fresh = self.reach.len() == tg.reach_start as usize;
                match self.reach.last_mut() {
                    Some(last) if !fresh && last.kind == e.kind && last.key == e.key => {
                        last.rights |= e.rights
                    }
                    _ => self.reach.push(*e),
                }
            }
            tg.reach_len = self.reach.len() as u32 - tg.reach_start;
            self.tables.push(tg);
        }
    }

    /// Every grant, all slots together.
    pub fn entries(&self) -> &[Grant] {
        &self.entries
    }

    /// Whether any grant exists at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Where a grant comes from (for explanations and effective privileges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantSource {
    /// Role index.
    pub role: u32,
    /// `NONE` for a direct assignment, else the owner team it comes through.
    pub via_team: u32,
    /// The grant.
    pub grant: Grant,
}

/// Call `f(role, anchor, scope team, via team)` for every role assignment a user holds:
/// direct ones (anchored at the user's unit unless they name one), then those of the user's
/// live owner teams (anchored at the team's unit; scope `NONE` for direct inheritance).
fn each_source(st: &State, u: u32, mut f: impl FnMut(u32, u32, u32, u32)) {
    let Some(user) = st.user(u) else {
        return;
    };
    for a in &user.roles {
        let anchor = if a.unit == NONE { user.unit } else { a.unit };
        f(a.role, anchor, NONE, NONE);
    }
    for &t in st.teams_of(u) {
        let Some(team) = st.team(t) else { continue };
        if team.kind != TeamKind::Owner || !team.alive {
            continue;
        }
        let scope = match team.inheritance {
            Inheritance::Direct => NONE,
            Inheritance::Team => t,
        };
        for a in &team.roles {
            let anchor = if a.unit == NONE { team.unit } else { a.unit };
            f(a.role, anchor, scope, t);
        }
    }
}

/// Every role assignment a user holds, with its resolved anchor and scope.
pub fn sources(st: &State, u: u32) -> Vec<(u32, u32, u32, u32)> {
    // (role, anchor, scope team, via team)
    let mut out = Vec::new();
    each_source(st, u, |role, anchor, scope, via| {
        out.push((role, anchor, scope, via))
    });
    out
}

/// Every grant of a user for (table, right) with its source.
pub fn grant_sources(st: &State, u: u32, table: u32, right: Right) -> Vec<GrantSource> {
    let mut out = Vec::new();
    for (role, anchor, team, via_team) in sources(st, u) {
        let level = level_of(st, role, table, right);
        if level >= Level::Basic {
            out.push(GrantSource {
                role,
                via_team,
                grant: Grant {
                    level,
                    anchor,
                    team,
                },
            });
        }
    }
    out
}

/// A role's level for (table, right).
pub fn level_of(st: &State, role: u32, table: u32, right: Right) -> Level {
    st.roles
        .get(role as usize)
        .and_then(|r| r.levels.get(table as usize))
        .and_then(|l| l.get(right.index()))
        .copied()
        .unwrap_or(Level::None)
}

/// See [`grant_key`].
pub type GrantKey = Vec<(u32, u32, u32)>;

/// What a user's compiled grants depend on: the (role, anchor, scope team) of every
/// assignment, sorted and deduplicated (users with the same key have the same grants).
pub fn grant_key(st: &State, u: u32) -> GrantKey {
    let mut key: GrantKey = Vec::new();
    each_source(st, u, |role, anchor, scope, _| {
        key.push((role, anchor, scope))
    });
    if key.len() > 1 {
        crate::sort::SortTotal::sort_total(key.as_mut_slice());
        key.dedup();
    }
    key
}

/// Compile the grants of a [`grant_key`].
pub fn compile_key(st: &State, key: &[(u32, u32, u32)]) -> UserGrants {
    let ntables = st.tables.len();
    let mut flat: Vec<(u32, Grant)> = Vec::new();
    for &(role, anchor, team) in key {
        let Some(levels) = st.roles.get(role as usize).map(|r| &r.levels) else {
            continue;
        };
        for (t, row) in levels.iter().enumerate().take(ntables) {
            for (r, &level) in row.iter().enumerate() {
                if level >= Level::Basic {
                    flat.push((
                        (t * 8 + r) as u32,
                        Grant {
                            level,
                            anchor,
                            team,
                        },
                    ));
                }
            }
        }
    }
    if flat.is_empty() {
        return UserGrants::default();
    }
    // highest level first inside a slot
    flat.sort_total_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.level.cmp(&a.1.level))
            .then(a.1.cmp(&b.1))
    });
    flat.dedup();
    let mut offsets = Vec::with_capacity(ntables * 8 + 1);
    let mut entries = Vec::with_capacity(flat.len());
    let mut it = flat.into_iter().peekable();
    for slot in 0..(ntables * 8) as u32 {
        offsets.push(entries.len() as u32);
        let mut personal_global = false;
        while let Some((s, g)) = it.next_if(|(s, _)| *s == slot) {
            let _ = s;
            if personal_global {
                continue; // a personal global grant covers everything the rest could
            }
            if g.level == Level::Global && g.personal() {
                personal_global = true;
            }
            entries.push(g);
        }
    }
    offsets.push(entries.len() as u32);
    let mut g = UserGrants {
        offsets,
        entries,
        tables: Vec::new(),
        reach: Vec::new(),
    };
    g.fold(ntables);
    g
}
