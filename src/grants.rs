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

/// A user's grants: `entries[offsets[t*8+r]..offsets[t*8+r+1]]`, highest level first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserGrants {
    offsets: Vec<u32>,
    entries: Vec<Grant>,
}

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
    UserGrants { offsets, entries }
}
