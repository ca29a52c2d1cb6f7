//! The org snapshot as written (SPEC §1): its types (serde's derives with the `serde`
//! feature), defaults and canonical order.
//!
//! These are the plain data objects that cross every boundary (JSON, bytes,
//! JS). The engine compiles them into the [`crate::store`] and
//! [`crate::index`]; [`crate::Org::to_snapshot`] turns the store back into
//! a canonical [`Snapshot`] (every collection sorted by id, defaults written
//! out), so two equal orgs serialise byte-identically.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::access::{Level, Right};

/// The whole org snapshot, `"version": 1`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Snapshot {
    /// Format version; only `1` exists.
    pub version: u32,
    /// Org-wide settings.
    #[cfg_attr(feature = "serde", serde(default))]
    pub settings: Settings,
    /// The business-unit tree (exactly one root).
    #[cfg_attr(feature = "serde", serde(default))]
    pub business_units: Vec<BusinessUnit>,
    /// The tables (entities) and their ownership type.
    #[cfg_attr(feature = "serde", serde(default))]
    pub tables: Vec<Table>,
    /// Parental relationships between tables with their cascade rules.
    #[cfg_attr(feature = "serde", serde(default))]
    pub relationships: Vec<Relationship>,
    /// Security roles.
    #[cfg_attr(feature = "serde", serde(default))]
    pub roles: Vec<Role>,
    /// Users.
    #[cfg_attr(feature = "serde", serde(default))]
    pub users: Vec<User>,
    /// Owner and access teams (default teams are implicit).
    #[cfg_attr(feature = "serde", serde(default))]
    pub teams: Vec<Team>,
    /// Access team templates.
    #[cfg_attr(feature = "serde", serde(default))]
    pub access_team_templates: Vec<AccessTeamTemplate>,
    /// Records.
    #[cfg_attr(feature = "serde", serde(default))]
    pub records: Vec<Record>,
    /// Shares (principal object access).
    #[cfg_attr(feature = "serde", serde(default))]
    pub shares: Vec<Share>,
    /// Record access teams (built from templates).
    #[cfg_attr(feature = "serde", serde(default))]
    pub access_teams: Vec<AccessTeam>,
    /// Manager hierarchy security, if enabled.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub hierarchy: Option<Hierarchy>,
    /// Expected-access assertions.
    #[cfg_attr(feature = "serde", serde(default))]
    pub assertions: Vec<Assertion>,
}

/// Org-wide settings (SPEC §1), with Dataverse's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields, default)
)]
pub struct Settings {
    /// Modernized business units: records and role anchors may be in another unit than the owner.
    pub ownership_across_business_units: bool,
    /// When ownership changes, the record moves to the new owner's unit.
    pub always_move_record_to_owner_business_unit: bool,
    /// Keep a user's roles when the user changes business unit.
    pub do_not_remove_roles_on_change_business_unit: bool,
    /// On assign, share every right with the previous owner.
    pub share_to_previous_owner_on_assign: bool,
    /// A manager must be in the user's unit or one of its ancestors.
    pub managers_must_be_in_same_or_parent_business_unit: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ownership_across_business_units: false,
            always_move_record_to_owner_business_unit: true,
            do_not_remove_roles_on_change_business_unit: false,
            share_to_previous_owner_on_assign: false,
            managers_must_be_in_same_or_parent_business_unit: true,
        }
    }
}

/// The names of the settings, in canonical order.
pub const SETTING_NAMES: [&str; 5] = [
    "ownershipAcrossBusinessUnits",
    "alwaysMoveRecordToOwnerBusinessUnit",
    "doNotRemoveRolesOnChangeBusinessUnit",
    "shareToPreviousOwnerOnAssign",
    "managersMustBeInSameOrParentBusinessUnit",
];

impl Settings {
    /// Read a setting by its JSON name.
    pub fn get(&self, name: &str) -> Option<bool> {
        Some(match name {
            "ownershipAcrossBusinessUnits" => self.ownership_across_business_units,
            "alwaysMoveRecordToOwnerBusinessUnit" => self.always_move_record_to_owner_business_unit,
            "doNotRemoveRolesOnChangeBusinessUnit" => {
                self.do_not_remove_roles_on_change_business_unit
            }
            "shareToPreviousOwnerOnAssign" => self.share_to_previous_owner_on_assign,
            "managersMustBeInSameOrParentBusinessUnit" => {
                self.managers_must_be_in_same_or_parent_business_unit
            }
            _ => return None,
        })
    }

    /// Set a setting by its JSON name; `false` when the name is unknown.
    pub fn set(&mut self, name: &str, value: bool) -> bool {
        let slot = match name {
            "ownershipAcrossBusinessUnits" => &mut self.ownership_across_business_units,
            "alwaysMoveRecordToOwnerBusinessUnit" => {
                &mut self.always_move_record_to_owner_business_unit
            }
            "doNotRemoveRolesOnChangeBusinessUnit" => {
                &mut self.do_not_remove_roles_on_change_business_unit
            }
            "shareToPreviousOwnerOnAssign" => &mut self.share_to_previous_owner_on_assign,
            "managersMustBeInSameOrParentBusinessUnit" => {
                &mut self.managers_must_be_in_same_or_parent_business_unit
            }
            _ => return false,
        };
        *slot = value;
        true
    }
}

/// A business unit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct BusinessUnit {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Parent unit; `null` for the root.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parent: Option<String>,
    /// A disabled unit blocks sign-in for its whole subtree.
    #[cfg_attr(feature = "serde", serde(default))]
    pub disabled: bool,
    /// Roles of the unit's implicit default team `default:<id>`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub default_team_roles: Vec<RoleAssignment>,
}

/// Who owns the records of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum Ownership {
    /// User or team owned.
    User,
    /// Organization owned: no owner, any privilege is global.
    Organization,
}

/// A table (entity).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Table {
    /// Logical name; the table's id.
    pub name: String,
    /// Ownership type.
    pub ownership: Ownership,
}

/// Cascade scope for assign, share, unshare and reparent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum CascadeScope {
    /// Every child.
    All,
    /// Only active children.
    Active,
    /// Only children owned by the parent's (previous) owner.
    UserOwned,
    /// No cascade.
    None,
}

/// Cascade behaviour on delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum DeleteCascade {
    /// Delete the children too.
    All,
    /// Clear the children's parent link.
    RemoveLink,
    /// Refuse to delete a parent that has children.
    Restrict,
}

/// The cascade rules of a parental relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields, default)
)]
pub struct Cascade {
    /// On assign of the parent.
    pub assign: CascadeScope,
    /// Share inheritance.
    pub share: CascadeScope,
    /// On unshare of the parent (inheritance is live, see SPEC §10).
    pub unshare: CascadeScope,
    /// On reparent.
    pub reparent: CascadeScope,
    /// On delete of the parent.
    pub delete: DeleteCascade,
}

impl Default for Cascade {
    fn default() -> Self {
        Cascade {
            assign: CascadeScope::All,
            share: CascadeScope::All,
            unshare: CascadeScope::All,
            reparent: CascadeScope::All,
            delete: DeleteCascade::All,
        }
    }
}

/// A parental relationship between two tables.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Relationship {
    /// Parent table.
    pub parent: String,
    /// Child table (at most one parental relationship per child table).
    pub child: String,
    /// Cascade rules.
    #[cfg_attr(feature = "serde", serde(default))]
    pub cascade: Cascade,
}

/// The eight access levels of one table in a role; missing means `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields, default)
)]
pub struct TablePrivileges {
    /// Create.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub create: Level,
    /// Read.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub read: Level,
    /// Write.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub write: Level,
    /// Delete.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub delete: Level,
    /// Append.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub append: Level,
    /// Append to.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub append_to: Level,
    /// Assign.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub assign: Level,
    /// Share.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Level::is_none"))]
    pub share: Level,
}

impl TablePrivileges {
    /// The level granted for one right.
    pub fn level(&self, right: Right) -> Level {
        match right {
            Right::Create => self.create,
            Right::Read => self.read,
            Right::Write => self.write,
            Right::Delete => self.delete,
            Right::Append => self.append,
            Right::AppendTo => self.append_to,
            Right::Assign => self.assign,
            Right::Share => self.share,
        }
    }

    /// Set the level for one right.
    pub fn set_level(&mut self, right: Right, level: Level) {
        let slot = match right {
            Right::Create => &mut self.create,
            Right::Read => &mut self.read,
            Right::Write => &mut self.write,
            Right::Delete => &mut self.delete,
            Right::Append => &mut self.append,
            Right::AppendTo => &mut self.append_to,
            Right::Assign => &mut self.assign,
            Right::Share => &mut self.share,
        };
        *slot = level;
    }
}

/// A security role: per table, per right, an access level.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Role {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Privileges per table name.
    #[cfg_attr(feature = "serde", serde(default))]
    pub privileges: Privileges,
}

/// A role's privileges per table name: a map kept as a list sorted by name, one entry per
/// table (a role names a handful of tables; a `BTreeMap` cost 4.9 KB of wasm).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Privileges(Vec<(String, TablePrivileges)>);

impl Privileges {
    /// No privileges.
    pub fn new() -> Privileges {
        Privileges(Vec::new())
    }

    fn find(&self, table: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(t, _)| t.as_str().cmp(table))
    }

    /// The privileges on `table`.
    pub fn get(&self, table: &str) -> Option<&TablePrivileges> {
        self.find(table)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, p)| p)
    }

    /// Set the privileges on `table`; returns the previous ones.
    pub fn insert(&mut self, table: String, p: TablePrivileges) -> Option<TablePrivileges> {
        match self.find(&table) {
            Ok(i) => self.0.get_mut(i).map(|e| std::mem::replace(&mut e.1, p)),
            Err(i) => {
                self.0.insert(i, (table, p));
                None
            }
        }
    }

    /// A new entry for `table` (at no privileges), or `None` when it has one already.
    pub fn add(&mut self, table: String) -> Option<&mut TablePrivileges> {
        let i = self.find(&table).err()?;
        self.0.insert(i, (table, TablePrivileges::default()));
        self.0.get_mut(i).map(|e| &mut e.1)
    }

    /// The entries, by table name.
    pub fn iter(&self) -> PrivilegesIter<'_> {
        fn entry(e: &(String, TablePrivileges)) -> (&String, &TablePrivileges) {
            (&e.0, &e.1)
        }
        self.0.iter().map(entry)
    }

    /// The table names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(t, _)| t)
    }

    /// How many tables.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no table is named.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The iterator of [`Privileges::iter`].
pub type PrivilegesIter<'a> = std::iter::Map<
    std::slice::Iter<'a, (String, TablePrivileges)>,
    fn(&'a (String, TablePrivileges)) -> (&'a String, &'a TablePrivileges),
>;

impl<'a> IntoIterator for &'a Privileges {
    type Item = (&'a String, &'a TablePrivileges);
    type IntoIter = PrivilegesIter<'a>;
    fn into_iter(self) -> PrivilegesIter<'a> {
        self.iter()
    }
}

/// Collects as a map does: a table given twice keeps its last privileges.
impl FromIterator<(String, TablePrivileges)> for Privileges {
    fn from_iter<I: IntoIterator<Item = (String, TablePrivileges)>>(items: I) -> Privileges {
        let mut out = Privileges::new();
        for (t, p) in items {
            out.insert(t, p);
        }
        out
    }
}

/// Serialized as a map (an object keyed by table name).
#[cfg(feature = "serde")]
impl Serialize for Privileges {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Read as a map, rejecting a table given twice (serde's maps keep the last silently).
#[cfg(feature = "serde")]
impl<'de> Deserialize<'de> for Privileges {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Privileges, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Privileges;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object keyed by table name")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Privileges, A::Error> {
                let mut out = Privileges::new();
                while let Some(k) = map.next_key::<String>()? {
                    if out.get(&k).is_some() {
                        return Err(serde::de::Error::custom(format!("duplicate field `{k}`")));
                    }
                    let v = map.next_value()?;
                    out.insert(k, v);
                }
                Ok(out)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A role held by a user or team, anchored at a business unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct RoleAssignment {
    /// The role id.
    pub role: String,
    /// Explicit anchor unit (only with `ownershipAcrossBusinessUnits`).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub business_unit: Option<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct User {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The user's business unit.
    pub business_unit: String,
    /// The user's manager, if any.
    #[cfg_attr(feature = "serde", serde(default))]
    pub manager: Option<String>,
    /// Disabled users have no rights.
    #[cfg_attr(feature = "serde", serde(default))]
    pub disabled: bool,
    /// Free-form category, e.g. `front-office`, `back-office`, `commercial`.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub category: Option<String>,
    /// Directly assigned roles.
    #[cfg_attr(feature = "serde", serde(default))]
    pub roles: Vec<RoleAssignment>,
}

/// Owner or access team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum TeamKind {
    /// Owns records and holds roles.
    Owner,
    /// Holds neither; used for sharing.
    Access,
}

/// How members of an owner team inherit its roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum Inheritance {
    /// Team privileges only.
    Team,
    /// Direct User (Basic) access level and Team privileges.
    #[default]
    Direct,
}

/// A team (default teams `default:<buId>` are implicit and never written).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Team {
    /// Unique id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Owner or access.
    pub kind: TeamKind,
    /// The team's business unit.
    pub business_unit: String,
    /// Member user ids.
    #[cfg_attr(feature = "serde", serde(default))]
    pub members: Vec<String>,
    /// Roles (owner teams only).
    #[cfg_attr(feature = "serde", serde(default))]
    pub roles: Vec<RoleAssignment>,
    /// Role inheritance (owner teams).
    #[cfg_attr(feature = "serde", serde(default))]
    pub inheritance: Inheritance,
}

/// A template for record access teams.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct AccessTeamTemplate {
    /// Unique id.
    pub id: String,
    /// The table it applies to.
    pub table: String,
    /// Rights its members get (subject to their privileges).
    pub rights: Vec<Right>,
}

/// A user or a team.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub enum Principal {
    /// `{ "user": id }`.
    User(String),
    /// `{ "team": id }`.
    Team(String),
}

impl Principal {
    /// The id, whichever kind.
    pub fn id(&self) -> &str {
        match self {
            Principal::User(id) | Principal::Team(id) => id,
        }
    }
}

/// A record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Record {
    /// Unique id.
    pub id: String,
    /// Display name (optional).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub name: Option<String>,
    /// The table.
    pub table: String,
    /// Owner; absent for organization-owned tables.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub owner: Option<Principal>,
    /// Owning business unit; defaults to the owner's.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub business_unit: Option<String>,
    /// Parent record through the table's parental relationship.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parent: Option<String>,
    /// Active (open) or inactive.
    #[cfg_attr(feature = "serde", serde(default = "yes"))]
    pub active: bool,
}

#[cfg(feature = "serde")]
fn yes() -> bool {
    true
}

/// A share of a record with a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Share {
    /// The record.
    pub record: String,
    /// Who it is shared with.
    pub principal: Principal,
    /// The rights shared.
    pub rights: Vec<Right>,
}

/// A record access team built from a template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct AccessTeam {
    /// Template id.
    pub template: String,
    /// The record.
    pub record: String,
    /// Member user ids.
    #[cfg_attr(feature = "serde", serde(default))]
    pub members: Vec<String>,
}

/// Hierarchy model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub enum HierarchyModel {
    /// Manager hierarchy through `user.manager`.
    Manager,
}

/// Hierarchy security settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Hierarchy {
    /// The model (only `manager`).
    pub model: HierarchyModel,
    /// How many levels of managers get access.
    pub depth: u32,
    /// Tables the hierarchy applies to.
    #[cfg_attr(feature = "serde", serde(default))]
    pub tables: Vec<String>,
}

/// An expected-access assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(rename_all = "camelCase", deny_unknown_fields)
)]
pub struct Assertion {
    /// User id.
    pub user: String,
    /// The right.
    pub right: Right,
    /// Record id.
    pub record: String,
    /// Expected decision.
    pub expect: bool,
    /// Free text.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub note: Option<String>,
}

/// The hand-written `Deserialize` parts (the unit enums).
#[cfg(feature = "serde")]
mod de {
    use super::*;
    use serde::Deserialize;

    // ---------------------------------------------------------------------------
    // Unit enums: `Deserialize` by hand, through one shared reader (the derive compiles a
    // visitor pair per enum; the behaviour and messages are the derive's).

    /// A unit-only enum as serde's derive reads it (a variant name; or the map form
    /// `{ "name": null }`), as the index of its variant in `variants`.
    fn unit_variant<'de, D: serde::Deserializer<'de>>(
        d: D,
        name: &'static str,
        variants: &'static [&'static str],
    ) -> Result<usize, D::Error> {
        use serde::de::{self, DeserializeSeed, EnumAccess, Unexpected, VariantAccess, Visitor};
        use std::fmt;

        struct Ident(&'static [&'static str]);
        struct IndexRange(usize);
        impl de::Expected for IndexRange {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "variant index 0 <= i < {}", self.0)
            }
        }
        impl<'de> DeserializeSeed<'de> for Ident {
            type Value = usize;
            fn deserialize<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<usize, D2::Error> {
                d.deserialize_identifier(self)
            }
        }
        impl Visitor<'_> for Ident {
            type Value = usize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("variant identifier")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
                match usize::try_from(v) {
                    Ok(i) if i < self.0.len() => Ok(i),
                    _ => Err(E::invalid_value(
                        Unexpected::Unsigned(v),
                        &IndexRange(self.0.len()),
                    )),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
                self.0
                    .iter()
                    .position(|n| *n == v)
                    .ok_or_else(|| E::unknown_variant(v, self.0))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
                self.0
                    .iter()
                    .position(|n| n.as_bytes() == v)
                    .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
            }
        }
        struct Enum(&'static str, &'static [&'static str]);
        impl<'de> Visitor<'de> for Enum {
            type Value = usize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "enum {}", self.0)
            }
            fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
                let (i, variant) = data.variant_seed(Ident(self.1))?;
                variant.unit_variant()?;
                Ok(i)
            }
        }
        d.deserialize_enum(name, variants, Enum(name, variants))
    }

    impl<'de> Deserialize<'de> for Ownership {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(
                match unit_variant(d, "Ownership", &["user", "organization"])? {
                    0 => Ownership::User,
                    _ => Ownership::Organization,
                },
            )
        }
    }

    impl<'de> Deserialize<'de> for CascadeScope {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(
                match unit_variant(d, "CascadeScope", &["all", "active", "userOwned", "none"])? {
                    0 => CascadeScope::All,
                    1 => CascadeScope::Active,
                    2 => CascadeScope::UserOwned,
                    _ => CascadeScope::None,
                },
            )
        }
    }

    impl<'de> Deserialize<'de> for DeleteCascade {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(
                match unit_variant(d, "DeleteCascade", &["all", "removeLink", "restrict"])? {
                    0 => DeleteCascade::All,
                    1 => DeleteCascade::RemoveLink,
                    _ => DeleteCascade::Restrict,
                },
            )
        }
    }

    impl<'de> Deserialize<'de> for TeamKind {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match unit_variant(d, "TeamKind", &["owner", "access"])? {
                0 => TeamKind::Owner,
                _ => TeamKind::Access,
            })
        }
    }

    impl<'de> Deserialize<'de> for Inheritance {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match unit_variant(d, "Inheritance", &["team", "direct"])? {
                0 => Inheritance::Team,
                _ => Inheritance::Direct,
            })
        }
    }

    impl<'de> Deserialize<'de> for HierarchyModel {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            unit_variant(d, "HierarchyModel", &["manager"]).map(|_| HierarchyModel::Manager)
        }
    }
}
