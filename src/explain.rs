//! Explanations (SPEC §3): every path that grants a right, or why it is denied.

use crate::sort::SortTotal;
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::access::{Level, Right};
use crate::decide::{for_each_hierarchy_path, share_chain};
use crate::grants::{grant_sources, GrantSource};
use crate::model::Principal;
use crate::state::{as_team, State, NONE};

/// The role grant behind a path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct GrantInfo {
    /// Role id.
    pub role: String,
    /// Role display name.
    pub role_name: String,
    /// `user` (direct assignment) or `team`.
    pub via: String,
    /// The team the role comes through.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub team: Option<String>,
    /// The access level.
    pub level: Level,
    /// The anchor unit (absent for organization-owned tables).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub anchor: Option<String>,
}

/// One path that grants the right.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        tag = "kind",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum Reason {
    /// The user owns the record.
    Owner {
        /// The covering grant.
        grant: GrantInfo,
    },
    /// A team the user belongs to owns the record.
    TeamOwner {
        /// The owning team.
        team: String,
        /// The covering grant.
        grant: GrantInfo,
    },
    /// Role depth: local, deep or global level.
    Role {
        /// The grant.
        grant: GrantInfo,
    },
    /// A share with the user or a team of the user.
    Share {
        /// The sharee.
        principal: Principal,
        /// The covering grant.
        grant: GrantInfo,
    },
    /// A record access team.
    AccessTeam {
        /// The template.
        template: String,
        /// The covering grant.
        grant: GrantInfo,
    },
    /// A share or access team inherited from an ancestor record.
    InheritedShare {
        /// The ancestor record.
        from_record: String,
        /// The sharee, for a share.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        principal: Option<Principal>,
        /// The template, for an access team.
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        template: Option<String>,
        /// The covering grant.
        grant: GrantInfo,
    },
    /// Manager hierarchy.
    Hierarchy {
        /// The report through whom access flows.
        report: String,
        /// 1 = direct report.
        distance: u32,
        /// The manager's privilege.
        grant: GrantInfo,
    },
}

/// Why a right is denied.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        tag = "kind",
        rename_all = "camelCase",
        rename_all_fields = "camelCase"
    )
)]
pub enum Denial {
    /// The user is disabled.
    DisabledUser,
    /// The user's unit or one of its ancestors is disabled.
    DisabledBusinessUnit {
        /// The disabled unit.
        business_unit: String,
    },
    /// No role grants the right on the table.
    NoPrivilege {
        /// Table.
        table: String,
        /// Right.
        right: Right,
    },
    /// The best level does not reach the record.
    LevelTooLow {
        /// Best level held.
        best: Level,
        /// Level needed to reach the record.
        needed: Level,
    },
    /// The record is shared with the user, but no grant covers the sharee.
    ShareWithoutPrivilege {
        /// The sharee.
        principal: Principal,
    },
}

/// The answer of `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct Explanation {
    /// The decision (equals `check`).
    pub allowed: bool,
    /// Every granting path.
    pub reasons: Vec<Reason>,
    /// Why not, when denied.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub denial: Option<Denial>,
}

/// Describe a grant source.
pub fn grant_info(st: &State, s: &GrantSource, org_owned: bool) -> GrantInfo {
    GrantInfo {
        role: st.role_id(s.role).to_string(),
        role_name: st
            .roles
            .get(s.role as usize)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        via: if s.via_team == NONE { "user" } else { "team" }.to_string(),
        team: (s.via_team != NONE).then(|| st.team_id(s.via_team).to_string()),
        level: s.grant.level,
        anchor: (!org_owned).then(|| st.unit_id(s.grant.anchor).to_string()),
    }
}

fn covers_principal(st: &State, u: u32, s: &GrantSource, principal: u32) -> bool {
    if s.grant.personal() {
        st.names_user(principal, u)
    } else {
        as_team(principal) == Some(s.grant.team) && st.is_member(u, s.grant.team)
    }
}

/// Explain user `u`'s `right` on record `r`.
pub fn explain(st: &State, u: u32, right: Right, r: u32) -> Explanation {
    let deny = |d: Denial| Explanation {
        allowed: false,
        reasons: Vec::new(),
        denial: Some(d),
    };
    let Some(user) = st.user(u) else {
        return deny(Denial::DisabledUser);
    };
    if user.disabled {
        return deny(Denial::DisabledUser);
    }
    if !st.tree.is_active(user.unit) {
        // the highest disabled unit on the path to the root
        let mut cur = user.unit;
        let mut found = user.unit;
        let mut steps = 0;
        while let Some(b) = st.unit(cur) {
            if b.disabled {
                found = cur;
            }
            cur = b.parent;
            steps += 1;
            if cur == NONE || steps > st.units.len() {
                break;
            }
        }
        return deny(Denial::DisabledBusinessUnit {
            business_unit: st.unit_id(found).to_string(),
        });
    }
    let table = st.records.table(r);
    let sources = grant_sources(st, u, table, right);
    if sources.is_empty() {
        return deny(Denial::NoPrivilege {
            table: st.table_name(table).to_string(),
            right,
        });
    }
    let org = st.org_owned(table);
    let mut reasons = Vec::new();
    if org {
        for s in &sources {
            reasons.push(Reason::Role {
                grant: grant_info(st, s, true),
            });
        }
        return Explanation {
            allowed: true,
            reasons,
            denial: None,
        };
    }
    let owner = st.records.owner(r);
    let unit = st.records.unit(r);
    // ownership
    for s in &sources {
        let ok = if s.grant.personal() {
            owner != NONE && st.names_user(owner, u)
        } else {
            as_team(owner) == Some(s.grant.team)
        };
        if ok {
            let grant = grant_info(st, s, false);
            reasons.push(match as_team(owner) {
                Some(t) => Reason::TeamOwner {
                    team: st.team_id(t).to_string(),
                    grant,
                },
                None => Reason::Owner { grant },
            });
        }
    }
    // role depth
    for s in &sources {
        let ok = match s.grant.level {
            Level::Global => true,
            Level::Deep => st.tree.in_subtree(unit, s.grant.anchor),
            Level::Local => unit == s.grant.anchor,
            _ => false,
        };
        if ok {
            reasons.push(Reason::Role {
                grant: grant_info(st, s, false),
            });
        }
    }
    let mut uncovered_share: Option<u32> = None;
    if right != Right::Create {
        for rec in share_chain(st, r) {
            let inherited = rec != r;
            for sh in st.shares_of(rec) {
                if !sh.rights.has(right) || !st.names_user(sh.principal, u) {
                    continue;
                }
                match sources
                    .iter()
                    .find(|s| covers_principal(st, u, s, sh.principal))
                {
                    Some(s) => {
                        let grant = grant_info(st, s, false);
                        let principal = st.principal(sh.principal);
                        reasons.push(if inherited {
                            Reason::InheritedShare {
                                from_record: st.records.id(rec).to_string(),
                                principal: Some(principal),
                                template: None,
                                grant,
                            }
                        } else {
                            Reason::Share { principal, grant }
                        });
                    }
                    None => uncovered_share = uncovered_share.or(Some(sh.principal)),
                }
            }
            for at in st.access_teams_of(rec) {
                if !st.template_rights(at.template).has(right)
                    || at.members.binary_search(&u).is_err()
                {
                    continue;
                }
                let template = st
                    .templates
                    .get(at.template as usize)
                    .map(|t| t.id.clone())
                    .unwrap_or_default();
                match sources.iter().find(|s| s.grant.personal()) {
                    Some(s) => {
                        let grant = grant_info(st, s, false);
                        reasons.push(if inherited {
                            Reason::InheritedShare {
                                from_record: st.records.id(rec).to_string(),
                                principal: None,
                                template: Some(template),
                                grant,
                            }
                        } else {
                            Reason::AccessTeam { template, grant }
                        });
                    }
                    None => uncovered_share = uncovered_share.or(Some(u)),
                }
            }
        }
        if let Some(first) = sources.first() {
            let grant = grant_info(st, first, false);
            let mut seen: Vec<(u32, u32)> = Vec::new();
            for_each_hierarchy_path(st, u, r, |v, d, rights| {
                if rights.has(right) && !seen.contains(&(v, d)) {
                    seen.push((v, d));
                }
            });
            seen.sort_total_by(|a, b| a.1.cmp(&b.1).then(st.user_id(a.0).cmp(st.user_id(b.0))));
            for (v, d) in seen {
                reasons.push(Reason::Hierarchy {
                    report: st.user_id(v).to_string(),
                    distance: d,
                    grant: grant.clone(),
                });
            }
        }
    }
    if !reasons.is_empty() {
        return Explanation {
            allowed: true,
            reasons,
            denial: None,
        };
    }
    if let Some(p) = uncovered_share {
        return deny(Denial::ShareWithoutPrivilege {
            principal: st.principal(p),
        });
    }
    let best = sources.iter().max_by_key(|s| s.grant.level);
    let (best_level, anchor) = best
        .map(|s| (s.grant.level, s.grant.anchor))
        .unwrap_or((Level::None, user.unit));
    let needed = if unit == anchor {
        Level::Local
    } else if st.tree.in_subtree(unit, anchor) {
        Level::Deep
    } else {
        Level::Global
    };
    deny(Denial::LevelTooLow {
        best: best_level,
        needed,
    })
}
