//! Organisation changes (SPEC §6): the operations, their validation against the state as
//! it is when they run, and their Dataverse side effects. A changeset is applied inside
//! one [`Tx`]; any error rolls the whole changeset back.

use crate::json_read::{
    invalid_type as invalid_type_msg, unknown_field, unknown_variant, Unexp, Value,
};
use crate::sort::SortTotal;
#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use crate::access::{Right, RightSet};
use crate::error::{cat, cat3, q, q2, short_id, sub, subn, Errors, PolicyError};
use crate::journal::{Touched, Tx, Undo};
use crate::model::{CascadeScope, DeleteCascade, Inheritance, Principal, RoleAssignment, TeamKind};
use crate::state::{
    as_team, as_user, team_principal, AccessTeamEntry, Assignment, ShareEntry, State, TeamRow,
    UnitRow, UserRow, NONE,
};

/// One operation of a changeset, `{ "op": name, ...fields }`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(
        tag = "op",
        rename_all = "camelCase",
        rename_all_fields = "camelCase",
        deny_unknown_fields
    )
)]
#[allow(missing_docs)]
pub enum Change {
    CreateBusinessUnit {
        id: String,
        name: String,
        parent: String,
    },
    RenameBusinessUnit {
        business_unit: String,
        name: String,
    },
    ReparentBusinessUnit {
        business_unit: String,
        parent: String,
    },
    DisableBusinessUnit {
        business_unit: String,
    },
    EnableBusinessUnit {
        business_unit: String,
    },
    DeleteBusinessUnit {
        business_unit: String,
    },
    MergeBusinessUnits {
        from: String,
        into: String,
    },
    CreateUser {
        id: String,
        name: String,
        business_unit: String,
        #[cfg_attr(feature = "serde", serde(default))]
        manager: Option<String>,
        #[cfg_attr(feature = "serde", serde(default))]
        disabled: bool,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        category: Option<String>,
        #[cfg_attr(feature = "serde", serde(default))]
        roles: Vec<RoleAssignment>,
    },
    MoveUser {
        user: String,
        business_unit: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        move_records: Option<bool>,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        reassign_records_to: Option<Principal>,
    },
    MoveUsers {
        users: Vec<String>,
        business_unit: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        move_records: Option<bool>,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        reassign_records_to: Option<Principal>,
    },
    SetManager {
        user: String,
        manager: Option<String>,
    },
    DisableUser {
        user: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        reassign_records_to: Option<Principal>,
    },
    EnableUser {
        user: String,
    },
    AssignRole {
        principal: Principal,
        role: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        business_unit: Option<String>,
    },
    RemoveRole {
        principal: Principal,
        role: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        business_unit: Option<String>,
    },
    CreateTeam {
        id: String,
        name: String,
        kind: TeamKind,
        business_unit: String,
        #[cfg_attr(feature = "serde", serde(default))]
        members: Vec<String>,
        #[cfg_attr(feature = "serde", serde(default))]
        roles: Vec<RoleAssignment>,
        #[cfg_attr(feature = "serde", serde(default))]
        inheritance: Inheritance,
    },
    DeleteTeam {
        team: String,
    },
    AddTeamMembers {
        team: String,
        users: Vec<String>,
    },
    RemoveTeamMembers {
        team: String,
        users: Vec<String>,
    },
    MoveTeam {
        team: String,
        business_unit: String,
    },
    AssignRecord {
        record: String,
        owner: Principal,
    },
    ReassignRecords {
        from: Principal,
        to: Principal,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        table: Option<String>,
    },
    SetRecordBusinessUnit {
        record: String,
        business_unit: String,
    },
    CreateRecord {
        id: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        name: Option<String>,
        table: String,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        owner: Option<Principal>,
        #[cfg_attr(
            feature = "serde",
            serde(default, skip_serializing_if = "Option::is_none")
        )]
        business_unit: Option<String>,
        #[cfg_attr(feature = "serde", serde(default))]
        parent: Option<String>,
        #[cfg_attr(feature = "serde", serde(default = "yes"))]
        active: bool,
    },
    DeleteRecord {
        record: String,
    },
    Share {
        record: String,
        principal: Principal,
        rights: Vec<Right>,
    },
    ModifyShare {
        record: String,
        principal: Principal,
        rights: Vec<Right>,
    },
    Unshare {
        record: String,
        principal: Principal,
    },
    AddAccessTeamMember {
        record: String,
        template: String,
        user: String,
    },
    RemoveAccessTeamMember {
        record: String,
        template: String,
        user: String,
    },
    SetSetting {
        name: String,
        value: bool,
    },
}

#[cfg(feature = "serde")]
fn yes() -> bool {
    true
}

/// Every operation name, as written in `op`.
pub const OPS: [&str; 31] = [
    "createBusinessUnit",
    "renameBusinessUnit",
    "reparentBusinessUnit",
    "disableBusinessUnit",
    "enableBusinessUnit",
    "deleteBusinessUnit",
    "mergeBusinessUnits",
    "createUser",
    "moveUser",
    "moveUsers",
    "setManager",
    "disableUser",
    "enableUser",
    "assignRole",
    "removeRole",
    "createTeam",
    "deleteTeam",
    "addTeamMembers",
    "removeTeamMembers",
    "moveTeam",
    "assignRecord",
    "reassignRecords",
    "setRecordBusinessUnit",
    "createRecord",
    "deleteRecord",
    "share",
    "modifyShare",
    "unshare",
    "addAccessTeamMember",
    "removeAccessTeamMember",
    "setSetting",
];

impl Change {
    /// The operation name.
    pub fn op(&self) -> &'static str {
        match self {
            Change::CreateBusinessUnit { .. } => "createBusinessUnit",
            Change::RenameBusinessUnit { .. } => "renameBusinessUnit",
            Change::ReparentBusinessUnit { .. } => "reparentBusinessUnit",
            Change::DisableBusinessUnit { .. } => "disableBusinessUnit",
            Change::EnableBusinessUnit { .. } => "enableBusinessUnit",
            Change::DeleteBusinessUnit { .. } => "deleteBusinessUnit",
            Change::MergeBusinessUnits { .. } => "mergeBusinessUnits",
            Change::CreateUser { .. } => "createUser",
            Change::MoveUser { .. } => "moveUser",
            Change::MoveUsers { .. } => "moveUsers",
            Change::SetManager { .. } => "setManager",
            Change::DisableUser { .. } => "disableUser",
            Change::EnableUser { .. } => "enableUser",
            Change::AssignRole { .. } => "assignRole",
            Change::RemoveRole { .. } => "removeRole",
            Change::CreateTeam { .. } => "createTeam",
            Change::DeleteTeam { .. } => "deleteTeam",
            Change::AddTeamMembers { .. } => "addTeamMembers",
            Change::RemoveTeamMembers { .. } => "removeTeamMembers",
            Change::MoveTeam { .. } => "moveTeam",
            Change::AssignRecord { .. } => "assignRecord",
            Change::ReassignRecords { .. } => "reassignRecords",
            Change::SetRecordBusinessUnit { .. } => "setRecordBusinessUnit",
            Change::CreateRecord { .. } => "createRecord",
            Change::DeleteRecord { .. } => "deleteRecord",
            Change::Share { .. } => "share",
            Change::ModifyShare { .. } => "modifyShare",
            Change::Unshare { .. } => "unshare",
            Change::AddAccessTeamMember { .. } => "addAccessTeamMember",
            Change::RemoveAccessTeamMember { .. } => "removeAccessTeamMember",
            Change::SetSetting { .. } => "setSetting",
        }
    }
}

/// A side effect of an operation, reported by `simulate`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct SideEffect {
    /// Index of the operation in the changeset.
    pub change: usize,
    /// `roleRemoved`, `roleReanchored`, `managerCleared`, `managerChanged`, `recordsMoved`,
    /// `recordsReassigned`, `recordAssigned`, `teamMembershipChanged`, `shareAdded`, `sharesRemoved`,
    /// `recordDeleted`, `parentLinkRemoved`, `unitMoved`, `teamMoved`, `userMoved`, `assertionRemoved`.
    pub kind: String,
    /// Human-readable.
    pub message: String,
    /// The user concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub user: Option<String>,
    /// The team concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub team: Option<String>,
    /// The record concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub record: Option<String>,
    /// The role concerned.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub role: Option<String>,
    /// How many items.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub count: Option<usize>,
}

/// The outcome of running a changeset in a transaction.
pub struct Outcome {
    /// Inverses (to roll back or undo).
    pub log: Vec<Undo>,
    /// What was touched.
    pub touched: Touched,
    /// Side effects.
    pub effects: Vec<SideEffect>,
    /// Errors (the changeset must then be rolled back).
    pub errors: Vec<PolicyError>,
}

fn not_a_changeset() -> PolicyError {
    PolicyError::new(
        "bad-type",
        "/changes",
        "a changeset is an array of operations or {\"changes\": [...]}",
    )
}

/// Parse a changeset: a JSON array of operations or `{ "changes": [...] }`.
pub fn parse_changes(json: &str) -> Result<Vec<Change>, Errors> {
    let value = crate::json_read::parse_value(json, "/changes")?;
    let list = match value {
        Value::Array(l) => l,
        // (the map's entries are read by iterating it: `BTreeMap::remove` is several KB of wasm)
        Value::Object(m) if m.len() == 1 => match m.into_iter().next() {
            Some((key, Value::Array(l))) if key == "changes" => l,
            _ => return Err(not_a_changeset().into()),
        },
        _ => return Err(not_a_changeset().into()),
    };
    if list.len() > crate::limits::MAX_CHANGES {
        return Err(PolicyError::new(
            "limit-exceeded",
            "/changes",
            format!(
                "at most {} operations per changeset",
                crate::limits::MAX_CHANGES
            ),
        )
        .into());
    }
    let mut out = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (i, v) in list.into_iter().enumerate() {
        let root = subn("/changes", i);
        let Value::Object(map) = v else {
            errors.push(PolicyError::new(
                "bad-type",
                root,
                "an operation is an object `{ \"op\": name, ... }`",
            ));
            continue;
        };
        let mut op = None;
        let mut obj = Vec::with_capacity(map.len());
        for (key, value) in map {
            if key == "op" {
                op = Some(value);
            } else {
                obj.push((key, value));
            }
        }
        let op = match op {
            Some(Value::String(op)) => op,
            None => {
                errors.push(PolicyError::new(
                    "missing-field",
                    sub(&root, "/op"),
                    "every operation needs an `op`",
                ));
                continue;
            }
            Some(_) => {
                errors.push(PolicyError::new(
                    "bad-type",
                    sub(&root, "/op"),
                    "`op` is the operation name, a string",
                ));
                continue;
            }
        };
        let Some(k) = OPS.iter().position(|o| *o == op) else {
            errors.push(
                PolicyError::new(
                    "unknown-operation",
                    sub(&root, "/op"),
                    q("unknown operation `", &op, "`"),
                )
                .with_help(format!("operations are {}", OPS.join(", "))),
            );
            continue;
        };
        match parse_op(k, obj, &root) {
            Ok(c) => out.push(c),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Errors(errors))
    }
}

/// The fields of one operation object, read as serde's derive would read them: keys in
/// map order, the first failing key wins (an unknown key, or a value of the wrong type),
/// then the first missing field in declaration order. Hand-written instead of a derived
/// externally tagged twin of [`Change`]: one non-generic reader is a fraction of the code
/// (it matters in the wasm build), with the same messages and JSON pointers.
struct Fields {
    root: String,
    names: &'static [&'static str],
    /// Per declared field: its rank among the object's keys and its value.
    values: Vec<Option<(usize, Value)>>,
    /// The error to report, with the rank of its key (`usize::MAX`: a missing field).
    error: Option<(usize, PolicyError)>,
}

impl Fields {
    fn new(obj: Vec<(String, Value)>, root: &str, names: &'static [&'static str]) -> Fields {
        let mut f = Fields {
            root: root.to_string(),
            names,
            // (not `vec![None; n]`, which clones a `None` and so instantiates `Value::clone`)
            values: std::iter::repeat_with(|| None).take(names.len()).collect(),
            error: None,
        };
        for (rank, (key, value)) in obj.into_iter().enumerate() {
            match names.iter().position(|n| *n == key) {
                Some(i) => {
                    if let Some(slot) = f.values.get_mut(i) {
                        *slot = Some((rank, value));
                    }
                }
                None => {
                    let msg = unknown_field(&key, names);
                    let at = f.key_path(&key);
                    f.fail(rank, crate::validate::error_at_pointer(at, &msg));
                }
            }
        }
        f
    }

    fn key_path(&self, key: &str) -> String {
        cat3(&self.root, "/", &crate::error::pointer_token(key))
    }

    fn fail(&mut self, rank: usize, e: PolicyError) {
        if self.error.as_ref().is_none_or(|(r, _)| rank < *r) {
            self.error = Some((rank, e));
        }
    }

    fn take(&mut self, name: &'static str) -> Option<(usize, Value)> {
        let i = self.names.iter().position(|n| *n == name)?;
        self.values.get_mut(i)?.take()
    }

    /// A declared field's rank, value and JSON pointer, when present (non-generic, once in
    /// the wasm; a `required` field's absence is recorded as the error).
    fn field(&mut self, name: &'static str, required: bool) -> Option<(usize, Value, String)> {
        match self.take(name) {
            Some((rank, v)) => Some((rank, v, self.key_path(name))),
            None => {
                if required {
                    let msg = cat3("missing field `", name, "`");
                    let e = crate::validate::error_at_pointer(self.root.clone(), &msg);
                    self.fail(usize::MAX, e);
                }
                None
            }
        }
    }

    /// A field's read value, its error recorded at the field's rank.
    fn got<T>(&mut self, rank: usize, read: Result<T, PolicyError>) -> Option<T> {
        match read {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(rank, e);
                None
            }
        }
    }

    /// A required field (`placeholder` is returned only along with an error).
    fn req<T>(&mut self, name: &'static str, read: Reader<T>, placeholder: T) -> T {
        match self.field(name, true) {
            Some((rank, v, at)) => {
                let r = read(v, &at);
                self.got(rank, r).unwrap_or(placeholder)
            }
            None => placeholder,
        }
    }

    /// A required string.
    fn s(&mut self, name: &'static str) -> String {
        self.req(name, read_string, String::new())
    }

    /// A required list of strings.
    fn list(&mut self, name: &'static str) -> Vec<String> {
        self.req(name, read_strings, Vec::new())
    }

    /// A principal.
    fn p(&mut self, name: &'static str) -> Principal {
        self.req(name, read_principal, Principal::User(String::new()))
    }

    /// A field with a default value.
    fn or<T>(&mut self, name: &'static str, read: Reader<T>, default: T) -> T {
        match self.field(name, false) {
            Some((rank, v, at)) => {
                let r = read(v, &at);
                self.got(rank, r).unwrap_or(default)
            }
            None => default,
        }
    }

    /// An `Option` field: absent or `null` is `None`.
    fn opt<T>(&mut self, name: &'static str, read: Reader<T>) -> Option<T> {
        match self.field(name, false) {
            Some((_, Value::Null, _)) | None => None,
            Some((rank, v, at)) => {
                let r = read(v, &at);
                self.got(rank, r)
            }
        }
    }

    /// An optional string.
    fn opt_s(&mut self, name: &'static str) -> Option<String> {
        self.opt(name, read_string)
    }

    fn done(self, change: Change) -> Result<Change, PolicyError> {
        match self.error {
            Some((_, e)) => Err(e),
            None => Ok(change),
        }
    }
}

/// Reads one JSON value at a JSON pointer, as serde's derived `Deserialize` reads it from a
/// `serde_json::Value` (same messages; the pointer names the innermost value at fault).
type Reader<T> = fn(Value, &str) -> Result<T, PolicyError>;

fn value_error(at: &str, msg: String) -> PolicyError {
    crate::validate::error_at_pointer(at.to_string(), &msg)
}

fn invalid_type(at: &str, v: &Value, expected: &str) -> PolicyError {
    value_error(at, invalid_type_msg(&v.unexpected(), expected))
}

fn read_string(v: Value, at: &str) -> Result<String, PolicyError> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(invalid_type(at, &other, "a string")),
    }
}

fn read_bool(v: Value, at: &str) -> Result<bool, PolicyError> {
    match v {
        Value::Bool(b) => Ok(b),
        other => Err(invalid_type(at, &other, "a boolean")),
    }
}

fn read_list<T>(v: Value, at: &str, read: Reader<T>) -> Result<Vec<T>, PolicyError> {
    match v {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, x)| read(x, &subn(at, i)))
            .collect(),
        other => Err(invalid_type(at, &other, "a sequence")),
    }
}

fn read_strings(v: Value, at: &str) -> Result<Vec<String>, PolicyError> {
    read_list(v, at, read_string)
}

/// An enum (serde_json's `deserialize_enum` on a `Value`): the variant's index and content.
fn read_enum(
    v: Value,
    at: &str,
    variants: &'static [&'static str],
) -> Result<(usize, &'static str, Option<Value>), PolicyError> {
    let (name, content) = match v {
        Value::String(name) => (name, None),
        Value::Object(m) if m.len() == 1 => match m.into_iter().next() {
            Some((name, content)) => (name, Some(content)),
            None => (String::new(), None),
        },
        Value::Object(_) => {
            let msg = crate::json_read::invalid_value(&Unexp::Map, "map with a single key");
            return Err(value_error(at, msg));
        }
        other => return Err(invalid_type(at, &other, "string or map")),
    };
    match variants.iter().position(|n| *n == name) {
        Some(i) => Ok((i, variants.get(i).copied().unwrap_or_default(), content)),
        None => Err(value_error(at, unknown_variant(&name, variants))),
    }
}

/// A unit-only enum: the variant's index.
fn read_unit_enum(
    v: Value,
    at: &str,
    variants: &'static [&'static str],
) -> Result<usize, PolicyError> {
    let (i, name, content) = read_enum(v, at, variants)?;
    match content {
        None | Some(Value::Null) => Ok(i),
        Some(other) => Err(invalid_type(
            &cat3(at, "/", &crate::error::pointer_token(name)),
            &other,
            "unit",
        )),
    }
}

fn read_principal(v: Value, at: &str) -> Result<Principal, PolicyError> {
    let (i, name, content) = read_enum(v, at, &["user", "team"])?;
    let at = cat3(at, "/", name);
    let id = match content {
        Some(content) => read_string(content, &at)?,
        None => {
            let msg = invalid_type_msg(&Unexp::UnitVariant, "newtype variant");
            return Err(value_error(&at, msg));
        }
    };
    Ok(if i == 0 {
        Principal::User(id)
    } else {
        Principal::Team(id)
    })
}

fn read_right(v: Value, at: &str) -> Result<Right, PolicyError> {
    const NAMES: &[&str] = &[
        "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
    ];
    let i = read_unit_enum(v, at, NAMES)?;
    Ok(Right::ALL.get(i).copied().unwrap_or(Right::Read))
}

fn read_rights(v: Value, at: &str) -> Result<Vec<Right>, PolicyError> {
    read_list(v, at, read_right)
}

fn read_team_kind(v: Value, at: &str) -> Result<TeamKind, PolicyError> {
    Ok(match read_unit_enum(v, at, &["owner", "access"])? {
        0 => TeamKind::Owner,
        _ => TeamKind::Access,
    })
}

fn read_inheritance(v: Value, at: &str) -> Result<Inheritance, PolicyError> {
    Ok(match read_unit_enum(v, at, &["team", "direct"])? {
        0 => Inheritance::Team,
        _ => Inheritance::Direct,
    })
}

/// A role assignment: an object `{ role, businessUnit? }` (or, as serde allows, an array).
fn read_role(v: Value, at: &str) -> Result<RoleAssignment, PolicyError> {
    match v {
        Value::Object(obj) => {
            let mut f = Fields::new(obj.into_iter().collect(), at, &["role", "businessUnit"]);
            let role = RoleAssignment {
                role: f.s("role"),
                business_unit: f.opt_s("businessUnit"),
            };
            match f.error {
                Some((_, e)) => Err(e),
                None => Ok(role),
            }
        }
        Value::Array(items) => {
            let len = items.len();
            let mut items = items.into_iter();
            let role = match items.next() {
                Some(v) => read_string(v, &sub(at, "/0"))?,
                None => {
                    let msg = "invalid length 0, expected struct RoleAssignment with 2 elements";
                    return Err(value_error(at, msg.to_string()));
                }
            };
            let business_unit = match items.next() {
                None | Some(Value::Null) => None,
                Some(v) => Some(read_string(v, &sub(at, "/1"))?),
            };
            if items.next().is_some() {
                let msg = format!("invalid length {len}, expected fewer elements in array");
                return Err(value_error(at, msg));
            }
            Ok(RoleAssignment {
                role,
                business_unit,
            })
        }
        other => Err(invalid_type(at, &other, "struct RoleAssignment")),
    }
}

fn read_roles(v: Value, at: &str) -> Result<Vec<RoleAssignment>, PolicyError> {
    read_list(v, at, read_role)
}

/// The declared fields of each operation of [`OPS`], in its order (camelCase, declaration
/// order; `op` excluded).
const OP_FIELDS: [&[&str]; 31] = [
    &["id", "name", "parent"],
    &["businessUnit", "name"],
    &["businessUnit", "parent"],
    &["businessUnit"],
    &["businessUnit"],
    &["businessUnit"],
    &["from", "into"],
    crate::read::USER_FIELDS,
    &["user", "businessUnit", "moveRecords", "reassignRecordsTo"],
    &["users", "businessUnit", "moveRecords", "reassignRecordsTo"],
    &["user", "manager"],
    &["user", "reassignRecordsTo"],
    &["user"],
    &["principal", "role", "businessUnit"],
    &["principal", "role", "businessUnit"],
    crate::read::TEAM_FIELDS,
    &["team"],
    &["team", "users"],
    &["team", "users"],
    &["team", "businessUnit"],
    &["record", "owner"],
    &["from", "to", "table"],
    &["record", "businessUnit"],
    crate::read::RECORD_FIELDS,
    &["record"],
    &["record", "principal", "rights"],
    &["record", "principal", "rights"],
    &["record", "principal"],
    &["record", "template", "user"],
    &["record", "template", "user"],
    &["name", "value"],
];

/// One operation object (its entries in key order, without its `op`) read as operation
/// `OPS[k]` (matched on its index: one string comparison per name, in `parse_changes`,
/// instead of two matches on the name).
fn parse_op(k: usize, obj: Vec<(String, Value)>, root: &str) -> Result<Change, PolicyError> {
    let mut f = Fields::new(obj, root, OP_FIELDS.get(k).copied().unwrap_or_default());
    let c = match k {
        0 => Change::CreateBusinessUnit {
            id: f.s("id"),
            name: f.s("name"),
            parent: f.s("parent"),
        },
        1 => Change::RenameBusinessUnit {
            business_unit: f.s("businessUnit"),
            name: f.s("name"),
        },
        2 => Change::ReparentBusinessUnit {
            business_unit: f.s("businessUnit"),
            parent: f.s("parent"),
        },
        3 => Change::DisableBusinessUnit {
            business_unit: f.s("businessUnit"),
        },
        4 => Change::EnableBusinessUnit {
            business_unit: f.s("businessUnit"),
        },
        5 => Change::DeleteBusinessUnit {
            business_unit: f.s("businessUnit"),
        },
        6 => Change::MergeBusinessUnits {
            from: f.s("from"),
            into: f.s("into"),
        },
        7 => Change::CreateUser {
            id: f.s("id"),
            name: f.s("name"),
            business_unit: f.s("businessUnit"),
            manager: f.opt_s("manager"),
            disabled: f.or("disabled", read_bool, false),
            category: f.opt_s("category"),
            roles: f.or("roles", read_roles, Vec::new()),
        },
        8 => Change::MoveUser {
            user: f.s("user"),
            business_unit: f.s("businessUnit"),
            move_records: f.opt("moveRecords", read_bool),
            reassign_records_to: f.opt("reassignRecordsTo", read_principal),
        },
        9 => Change::MoveUsers {
            users: f.list("users"),
            business_unit: f.s("businessUnit"),
            move_records: f.opt("moveRecords", read_bool),
            reassign_records_to: f.opt("reassignRecordsTo", read_principal),
        },
        10 => Change::SetManager {
            user: f.s("user"),
            manager: f.opt_s("manager"),
        },
        11 => Change::DisableUser {
            user: f.s("user"),
            reassign_records_to: f.opt("reassignRecordsTo", read_principal),
        },
        12 => Change::EnableUser { user: f.s("user") },
        13 => Change::AssignRole {
            principal: f.p("principal"),
            role: f.s("role"),
            business_unit: f.opt_s("businessUnit"),
        },
        14 => Change::RemoveRole {
            principal: f.p("principal"),
            role: f.s("role"),
            business_unit: f.opt_s("businessUnit"),
        },
        15 => Change::CreateTeam {
            id: f.s("id"),
            name: f.s("name"),
            kind: f.req("kind", read_team_kind, TeamKind::Owner),
            business_unit: f.s("businessUnit"),
            members: f.or("members", read_strings, Vec::new()),
            roles: f.or("roles", read_roles, Vec::new()),
            inheritance: f.or("inheritance", read_inheritance, Inheritance::default()),
        },
        16 => Change::DeleteTeam { team: f.s("team") },
        17 => Change::AddTeamMembers {
            team: f.s("team"),
            users: f.list("users"),
        },
        18 => Change::RemoveTeamMembers {
            team: f.s("team"),
            users: f.list("users"),
        },
        19 => Change::MoveTeam {
            team: f.s("team"),
            business_unit: f.s("businessUnit"),
        },
        20 => Change::AssignRecord {
            record: f.s("record"),
            owner: f.p("owner"),
        },
        21 => Change::ReassignRecords {
            from: f.p("from"),
            to: f.p("to"),
            table: f.opt_s("table"),
        },
        22 => Change::SetRecordBusinessUnit {
            record: f.s("record"),
            business_unit: f.s("businessUnit"),
        },
        23 => Change::CreateRecord {
            id: f.s("id"),
            name: f.opt_s("name"),
            table: f.s("table"),
            owner: f.opt("owner", read_principal),
            business_unit: f.opt_s("businessUnit"),
            parent: f.opt_s("parent"),
            active: f.or("active", read_bool, true),
        },
        24 => Change::DeleteRecord {
            record: f.s("record"),
        },
        25 => Change::Share {
            record: f.s("record"),
            principal: f.p("principal"),
            rights: f.req("rights", read_rights, Vec::new()),
        },
        26 => Change::ModifyShare {
            record: f.s("record"),
            principal: f.p("principal"),
            rights: f.req("rights", read_rights, Vec::new()),
        },
        27 => Change::Unshare {
            record: f.s("record"),
            principal: f.p("principal"),
        },
        28 => Change::AddAccessTeamMember {
            record: f.s("record"),
            template: f.s("template"),
            user: f.s("user"),
        },
        29 => Change::RemoveAccessTeamMember {
            record: f.s("record"),
            template: f.s("template"),
            user: f.s("user"),
        },
        30 => Change::SetSetting {
            name: f.s("name"),
            value: f.req("value", read_bool, false),
        },
        _ => {
            return Err(PolicyError::new(
                "unknown-operation",
                sub(root, "/op"),
                q(
                    "unknown operation `",
                    OPS.get(k).copied().unwrap_or_default(),
                    "`",
                ),
            ))
        }
    };
    f.done(c)
}

/// Run a changeset inside a transaction on `st`. The caller keeps or reverts `log`.
pub fn run(st: &mut State, changes: &[Change]) -> Outcome {
    let mut tx = Tx::new(st);
    let mut effects = Vec::new();
    let mut errors = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let mut op = Op {
            tx: &mut tx,
            i,
            effects: &mut effects,
        };
        let before = op.tx.log.len();
        if let Err(mut errs) = op.run(c) {
            // an operation validates before it mutates, but be safe: undo its partial work
            let partial = op.tx.log.split_off(before);
            crate::journal::revert_all(op.tx.st, partial);
            for e in errs.iter_mut() {
                *e = e.clone().under(&subn("/changes", i));
            }
            errors.extend(errs);
        }
        tx.st.refresh();
    }
    let Tx { log, touched, .. } = tx;
    Outcome {
        log,
        touched,
        effects,
        errors,
    }
}

type R = Result<(), Vec<PolicyError>>;

#[inline(never)]
fn e(code: &str, path: &str, msg: String) -> Vec<PolicyError> {
    vec![PolicyError::new(code, path, msg)]
}

/// [`e`] with a literal message.
#[inline(never)]
fn el(code: &str, path: &str, msg: &str) -> Vec<PolicyError> {
    e(code, path, msg.to_string())
}

/// `modifyShare` / `unshare` of a share that does not exist.
fn not_shared(record: &str, principal: &Principal) -> Vec<PolicyError> {
    let msg = q2(
        "record `",
        record,
        "` is not shared with `",
        principal.id(),
        "`",
    );
    e("not-shared", "/principal", msg)
}

/// [`cat`] with the count `n` first.
#[inline(never)]
fn ncat(n: usize, b: &str, c: &str, d: &str, f: &str) -> String {
    cat(&n.to_string(), b, c, d, f, "")
}

/// [`e`] with the message `pre`, the id (shortened), `post`.
#[inline(never)]
fn eq(code: &str, path: &str, pre: &str, id: &str, post: &str) -> Vec<PolicyError> {
    e(code, path, q(pre, id, post))
}

/// Role anchors at unit `f` moved to `into` (implicit when `into` is the holder's unit
/// `holder`): whether any was.
fn reanchor(roles: &mut Vec<Assignment>, holder: u32, f: u32, into: u32) -> bool {
    if !roles.iter().any(|a| a.unit == f) {
        return false;
    }
    for a in roles.iter_mut().filter(|a| a.unit == f) {
        a.unit = if holder == into { NONE } else { into };
    }
    roles.dedup();
    true
}

struct Op<'t, 'a> {
    tx: &'t mut Tx<'a>,
    i: usize,
    effects: &'t mut Vec<SideEffect>,
}

impl Op<'_, '_> {
    fn st(&self) -> &State {
        self.tx.st
    }

    fn effect(&mut self, kind: &str, message: String) -> &mut SideEffect {
        self.effects.push(SideEffect {
            change: self.i,
            kind: kind.into(),
            message,
            user: None,
            team: None,
            record: None,
            role: None,
            count: None,
        });
        let n = self.effects.len() - 1;
        #[allow(clippy::indexing_slicing)]
        &mut self.effects[n]
    }

    /// [`Op::effect`] on user `user`.
    fn user_effect(&mut self, kind: &str, message: String, user: &str) -> &mut SideEffect {
        let eff = self.effect(kind, message);
        eff.user = Some(user.to_string());
        eff
    }
    fn unit(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st().unit_ids.get(id).copied().ok_or_else(|| {
            eq(
                "unknown-business-unit",
                path,
                "business unit `",
                id,
                "` does not exist",
            )
        })
    }
    fn user(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st()
            .user_ids
            .get(id)
            .copied()
            .ok_or_else(|| eq("unknown-user", path, "user `", id, "` does not exist"))
    }
    /// Item `j` of the list of user ids at `list` (its path made only for the error).
    fn user_at(&self, id: &str, list: &str, j: usize) -> Result<u32, Vec<PolicyError>> {
        match self.st().user_ids.get(id) {
            Some(&u) => Ok(u),
            None => self.user(id, &subn(list, j)),
        }
    }
    fn team(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st()
            .team_ids
            .get(id)
            .copied()
            .ok_or_else(|| eq("unknown-team", path, "team `", id, "` does not exist"))
    }
    fn role(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st()
            .role_ids
            .get(id)
            .copied()
            .ok_or_else(|| eq("unknown-role", path, "role `", id, "` does not exist"))
    }
    fn record(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st()
            .records
            .ids
            .find(id)
            .ok_or_else(|| eq("unknown-record", path, "record `", id, "` does not exist"))
    }
    fn table(&self, id: &str, path: &str) -> Result<u32, Vec<PolicyError>> {
        self.st()
            .table_ids
            .get(id)
            .copied()
            .ok_or_else(|| eq("unknown-table", path, "table `", id, "` does not exist"))
    }
    fn principal(&self, p: &Principal, path: &str) -> Result<u32, Vec<PolicyError>> {
        match p {
            Principal::User(u) => self.user(u, &sub(path, "/user")),
            Principal::Team(t) => self.team(t, &sub(path, "/team")).map(team_principal),
        }
    }
    /// An owner: an enabled user or an owner team.
    fn owner(&self, p: &Principal, path: &str) -> Result<u32, Vec<PolicyError>> {
        let o = self.principal(p, path)?;
        if let Some(t) = as_team(o) {
            if self
                .st()
                .team(t)
                .is_some_and(|t| t.kind == TeamKind::Access)
            {
                return Err(eq(
                    "access-team-owner",
                    &sub(path, "/team"),
                    "access team `",
                    p.id(),
                    "` cannot own records",
                ));
            }
        } else if self.st().user(o).is_some_and(|u| u.disabled) {
            return Err(eq(
                "disabled-user",
                &sub(path, "/user"),
                "user `",
                p.id(),
                "` is disabled and cannot own records",
            ));
        }
        Ok(o)
    }
    fn id_free(&self, kind: &str, taken: bool, id: &str, path: &str) -> R {
        if id.is_empty() || id.len() > crate::limits::MAX_ID_BYTES {
            return Err(e(
                "bad-value",
                path,
                cat(
                    kind,
                    " id must be 1 to ",
                    &crate::limits::MAX_ID_BYTES.to_string(),
                    " bytes",
                    "",
                    "",
                ),
            ));
        }
        if taken {
            return Err(e(
                "duplicate-id",
                path,
                cat(kind, " id `", &short_id(id), "` already exists", "", ""),
            ));
        }
        Ok(())
    }
    fn assignments(
        &self,
        list: &[RoleAssignment],
        holder_unit: u32,
        path: &str,
    ) -> Result<Vec<Assignment>, Vec<PolicyError>> {
        let mut out = Vec::new();
        let mut errs = Vec::new();
        for (j, a) in list.iter().enumerate() {
            match self.assignment(
                &a.role,
                a.business_unit.as_deref(),
                holder_unit,
                &subn(path, j),
            ) {
                Ok(x) if !out.contains(&x) => out.push(x),
                Ok(_) => errs.push(PolicyError::new(
                    "duplicate-id",
                    subn(path, j),
                    q("role `", &a.role, "` is assigned twice"),
                )),
                Err(mut e) => errs.append(&mut e),
            }
        }
        if errs.is_empty() {
            Ok(out)
        } else {
            Err(errs)
        }
    }
    fn assignment(
        &self,
        role: &str,
        unit: Option<&str>,
        holder_unit: u32,
        path: &str,
    ) -> Result<Assignment, Vec<PolicyError>> {
        let role = self.role(role, &sub(path, "/role"))?;
        let mut anchor = NONE;
        if let Some(b) = unit {
            anchor = self.unit(b, &sub(path, "/businessUnit"))?;
            if anchor == holder_unit {
                anchor = NONE;
            } else if !self.st().settings.ownership_across_business_units {
                return Err(eq(
                    "role-anchor-not-allowed",
                    &sub(path, "/businessUnit"),
                    "a role anchored at `",
                    b,
                    "`, another unit than its holder's, needs ownershipAcrossBusinessUnits",
                ));
            }
        }
        Ok(Assignment { role, unit: anchor })
    }
    fn manager_ok(&self, user_unit: u32, manager: u32) -> bool {
        let st = self.st();
        !st.settings.managers_must_be_in_same_or_parent_business_unit
            || st
                .user(manager)
                .is_some_and(|m| st.tree.in_subtree(user_unit, m.unit))
    }
    fn users_in(&self, b: u32) -> Vec<u32> {
        let st = self.st();
        (0..st.users.len() as u32)
            .filter(|&u| st.user(u).is_some_and(|x| x.alive && x.unit == b))
            .collect()
    }

    fn run(&mut self, c: &Change) -> R {
        let name = match c {
            Change::CreateBusinessUnit { name, .. }
            | Change::RenameBusinessUnit { name, .. }
            | Change::CreateUser { name, .. }
            | Change::CreateTeam { name, .. } => Some(name.as_str()),
            Change::CreateRecord { name, .. } => name.as_deref(),
            _ => None,
        };
        if name.is_some_and(|n| n.len() > crate::limits::MAX_ID_BYTES) {
            return Err(e(
                "limit-exceeded",
                "/name",
                format!("names are limited to {} bytes", crate::limits::MAX_ID_BYTES),
            ));
        }
        match c {
            Change::CreateBusinessUnit { id, name, parent } => {
                self.id_free(
                    "business unit",
                    self.st().unit_ids.contains_key(id),
                    id,
                    "/id",
                )?;
                let p = self.unit(parent, "/parent")?;
                let b = self.st().units.len() as u32;
                let t = self.st().teams.len() as u32;
                self.tx.unit(
                    b,
                    UnitRow {
                        id: id.clone(),
                        name: name.clone(),
                        parent: p,
                        disabled: false,
                        alive: true,
                        default_team: t,
                    },
                );
                self.tx.team(
                    t,
                    TeamRow {
                        id: cat3("default:", id, ""),
                        name: name.clone(),
                        kind: TeamKind::Owner,
                        unit: b,
                        members: Vec::new(),
                        roles: Vec::new(),
                        inheritance: Inheritance::Direct,
                        alive: true,
                        default_of: b,
                    },
                );
                Ok(())
            }
            Change::RenameBusinessUnit {
                business_unit,
                name,
            } => {
                let b = self.unit(business_unit, "/businessUnit")?;
                let Some(mut row) = self.st().unit(b).cloned() else {
                    return Ok(());
                };
                row.name = name.clone();
                self.tx.unit(b, row);
                Ok(())
            }
            Change::ReparentBusinessUnit {
                business_unit,
                parent,
            } => {
                let b = self.unit(business_unit, "/businessUnit")?;
                let p = self.unit(parent, "/parent")?;
                self.reparent_unit(b, p, "/parent")
            }
            Change::DisableBusinessUnit { business_unit }
            | Change::EnableBusinessUnit { business_unit } => {
                let b = self.unit(business_unit, "/businessUnit")?;
                let Some(mut row) = self.st().unit(b).cloned() else {
                    return Ok(());
                };
                row.disabled = matches!(c, Change::DisableBusinessUnit { .. });
                self.tx.unit(b, row);
                Ok(())
            }
            Change::DeleteBusinessUnit { business_unit } => {
                let b = self.unit(business_unit, "/businessUnit")?;
                self.delete_unit(b)
            }
            Change::MergeBusinessUnits { from, into } => {
                let f = self.unit(from, "/from")?;
                let t = self.unit(into, "/into")?;
                self.merge_units(f, t)
            }
            Change::CreateUser {
                id,
                name,
                business_unit,
                manager,
                disabled,
                category,
                roles,
            } => {
                self.id_free("user", self.st().user_ids.contains_key(id), id, "/id")?;
                let b = self.unit(business_unit, "/businessUnit")?;
                let m = match manager {
                    Some(m) => self.user(m, "/manager")?,
                    None => NONE,
                };
                if m != NONE && !self.manager_ok(b, m) {
                    return Err(e(
                        "manager-out-of-scope",
                        "/manager",
                        q2(
                            "manager `",
                            manager.as_deref().unwrap_or(""),
                            "` is not in `",
                            business_unit,
                            "` or one of its ancestors",
                        ),
                    ));
                }
                let roles = self.assignments(roles, b, "/roles")?;
                let u = self.st().users.len() as u32;
                self.tx.user(
                    u,
                    UserRow {
                        id: id.clone(),
                        name: name.clone(),
                        unit: b,
                        manager: m,
                        disabled: *disabled,
                        category: category.clone(),
                        roles,
                        alive: true,
                    },
                );
                Ok(())
            }
            Change::MoveUser {
                user,
                business_unit,
                move_records,
                reassign_records_to,
            } => {
                let u = self.user(user, "/user")?;
                let b = self.unit(business_unit, "/businessUnit")?;
                let to = self.reassign_target(reassign_records_to.as_ref())?;
                self.move_user(u, b, move_records.unwrap_or(true), to)
            }
            Change::MoveUsers {
                users,
                business_unit,
                move_records,
                reassign_records_to,
            } => {
                let b = self.unit(business_unit, "/businessUnit")?;
                let to = self.reassign_target(reassign_records_to.as_ref())?;
                let mut ids = Vec::new();
                let mut errs = Vec::new();
                for (j, id) in users.iter().enumerate() {
                    match self.user_at(id, "/users", j) {
                        Ok(u) => ids.push(u),
                        Err(mut x) => errs.append(&mut x),
                    }
                }
                if !errs.is_empty() {
                    return Err(errs);
                }
                // default-team membership follows in one pass per team (at the refresh
                // after this operation, or on revert)
                self.tx.st.defer_members();
                for u in ids {
                    self.move_user(u, b, move_records.unwrap_or(true), to)?;
                }
                self.tx.st.flush_members();
                Ok(())
            }
            Change::SetManager { user, manager } => {
                let u = self.user(user, "/user")?;
                let m = match manager {
                    Some(m) => self.user(m, "/manager")?,
                    None => NONE,
                };
                if m != NONE {
                    if m == u || self.st().manager_distance(u, m, u32::MAX).is_some() {
                        return Err(e(
                            "cycle",
                            "/manager",
                            q2(
                                "`",
                                manager.as_deref().unwrap_or(""),
                                "` reports (indirectly) to `",
                                user,
                                "`",
                            ),
                        ));
                    }
                    let unit = self.st().user(u).map(|x| x.unit).unwrap_or(NONE);
                    if !self.manager_ok(unit, m) {
                        return Err(eq(
                            "manager-out-of-scope",
                            "/manager",
                            "manager `",
                            manager.as_deref().unwrap_or(""),
                            "` is not in the user's unit or one of its ancestors",
                        ));
                    }
                }
                let Some(mut row) = self.st().user(u).cloned() else {
                    return Ok(());
                };
                row.manager = m;
                self.tx.user(u, row);
                Ok(())
            }
            Change::DisableUser {
                user,
                reassign_records_to,
            } => {
                let u = self.user(user, "/user")?;
                let to = self.reassign_target(reassign_records_to.as_ref())?;
                if to == Some(u) {
                    return Err(el(
                        "bad-value",
                        "/reassignRecordsTo",
                        "cannot hand records over to the user being disabled",
                    ));
                }
                if let Some(to) = to {
                    let records = self.st().owned_by(u).to_vec();
                    self.check_can_own(to, &records, "/reassignRecordsTo")?;
                }
                let Some(mut row) = self.st().user(u).cloned() else {
                    return Ok(());
                };
                row.disabled = true;
                self.tx.user(u, row);
                if let Some(to) = to {
                    self.hand_over(u, to);
                }
                Ok(())
            }
            Change::EnableUser { user } => {
                let u = self.user(user, "/user")?;
                let Some(mut row) = self.st().user(u).cloned() else {
                    return Ok(());
                };
                row.disabled = false;
                self.tx.user(u, row);
                Ok(())
            }
            Change::AssignRole {
                principal,
                role,
                business_unit,
            }
            | Change::RemoveRole {
                principal,
                role,
                business_unit,
            } => {
                let assign = matches!(c, Change::AssignRole { .. });
                let p = self.principal(principal, "/principal")?;
                match as_team(p) {
                    None => {
                        let Some(mut row) = self.st().user(p).cloned() else {
                            return Ok(());
                        };
                        let a = self.assignment(role, business_unit.as_deref(), row.unit, "")?;
                        self.edit_roles(&mut row.roles, a, assign, role)?;
                        self.tx.user(p, row);
                    }
                    Some(t) => {
                        let Some(mut row) = self.st().team(t).cloned() else {
                            return Ok(());
                        };
                        if row.kind == TeamKind::Access {
                            return Err(eq(
                                "access-team-roles",
                                "/principal/team",
                                "access team `",
                                &row.id,
                                "` cannot hold roles",
                            ));
                        }
                        let a = self.assignment(role, business_unit.as_deref(), row.unit, "")?;
                        self.edit_roles(&mut row.roles, a, assign, role)?;
                        self.tx.team(t, row);
                    }
                }
                Ok(())
            }
            Change::CreateTeam {
                id,
                name,
                kind,
                business_unit,
                members,
                roles,
                inheritance,
            } => {
                if id.starts_with("default:") {
                    return Err(eq(
                        "reserved-id",
                        "/id",
                        "team id `",
                        id,
                        "` is reserved for default teams",
                    ));
                }
                self.id_free("team", self.st().team_ids.contains_key(id), id, "/id")?;
                let b = self.unit(business_unit, "/businessUnit")?;
                if *kind == TeamKind::Access && !roles.is_empty() {
                    return Err(eq(
                        "access-team-roles",
                        "/roles",
                        "access team `",
                        id,
                        "` cannot hold roles",
                    ));
                }
                let mut ms = Vec::new();
                for (j, m) in members.iter().enumerate() {
                    ms.push(self.user_at(m, "/members", j)?);
                }
                let roles = self.assignments(roles, b, "/roles")?;
                let t = self.st().teams.len() as u32;
                self.tx.team(
                    t,
                    TeamRow {
                        id: id.clone(),
                        name: name.clone(),
                        kind: *kind,
                        unit: b,
                        members: ms,
                        roles,
                        inheritance: *inheritance,
                        alive: true,
                        default_of: NONE,
                    },
                );
                Ok(())
            }
            Change::DeleteTeam { team } => {
                let t = self.team(team, "/team")?;
                self.not_default(t, "/team")?;
                let owned = self.st().owned_by(team_principal(t)).len();
                if owned > 0 {
                    return Err(vec![PolicyError::new(
                        "not-empty",
                        "/team",
                        cat(
                            "team `",
                            &short_id(team),
                            "` still owns ",
                            &owned.to_string(),
                            " records",
                            "",
                        ),
                    )
                    .with_help("reassign its records first (reassignRecords)")]);
                }
                self.drop_shares_to(team_principal(t));
                self.kill_team(t);
                Ok(())
            }
            Change::AddTeamMembers { team, users } | Change::RemoveTeamMembers { team, users } => {
                let add = matches!(c, Change::AddTeamMembers { .. });
                let t = self.team(team, "/team")?;
                self.not_default(t, "/team")?;
                let Some(mut row) = self.st().team(t).cloned() else {
                    return Ok(());
                };
                let mut ids = Vec::with_capacity(users.len());
                for (j, id) in users.iter().enumerate() {
                    let u = self.user_at(id, "/users", j)?;
                    ids.push(u);
                }
                ids.sort_total();
                ids.dedup();
                if add {
                    row.members.extend_from_slice(&ids);
                    row.members.sort_total();
                    row.members.dedup();
                } else {
                    row.members.retain(|m| ids.binary_search(m).is_err());
                }
                self.tx.team(t, row);
                Ok(())
            }
            Change::MoveTeam {
                team,
                business_unit,
            } => {
                let t = self.team(team, "/team")?;
                self.not_default(t, "/team")?;
                let b = self.unit(business_unit, "/businessUnit")?;
                self.move_team(t, b);
                Ok(())
            }
            Change::AssignRecord { record, owner } => {
                let r = self.record(record, "/record")?;
                self.user_owned(r, "/record")?;
                let o = self.owner(owner, "/owner")?;
                self.check_can_own(o, &[r], "/owner")?;
                self.assign(r, o, true);
                Ok(())
            }
            Change::ReassignRecords { from, to, table } => {
                let f = self.principal(from, "/from")?;
                let t = self.owner(to, "/to")?;
                let tab = match table {
                    Some(x) => Some(self.table(x, "/table")?),
                    None => None,
                };
                let records: Vec<u32> = self
                    .st()
                    .owned_by(f)
                    .iter()
                    .copied()
                    .filter(|&r| tab.is_none_or(|x| self.st().records.table(r) == x))
                    .collect();
                self.check_can_own(t, &records, "/to")?;
                let mut sorted = records;
                sorted.sort_total();
                for r in &sorted {
                    self.assign(*r, t, false);
                }
                let n = sorted.len();
                self.effect(
                    "recordsReassigned",
                    ncat(n, " records of ", from.id(), " reassigned to ", to.id()),
                )
                .count = Some(n);
                Ok(())
            }
            Change::SetRecordBusinessUnit {
                record,
                business_unit,
            } => {
                if !self.st().settings.ownership_across_business_units {
                    return Err(el(
                        "setting-required",
                        "",
                        "setRecordBusinessUnit needs ownershipAcrossBusinessUnits",
                    ));
                }
                let r = self.record(record, "/record")?;
                self.user_owned(r, "/record")?;
                let b = self.unit(business_unit, "/businessUnit")?;
                let o = self.st().records.owner(r);
                self.tx.record_owner(r, o, b);
                Ok(())
            }
            Change::CreateRecord {
                id,
                name,
                table,
                owner,
                business_unit,
                parent,
                active,
            } => {
                if self.st().records.ids.find(id).is_some() {
                    return Err(eq(
                        "duplicate-id",
                        "/id",
                        "record id `",
                        id,
                        "` already exists",
                    ));
                }
                self.id_free("record", false, id, "/id")?;
                let t = self.table(table, "/table")?;
                let org = self.st().org_owned(t);
                let (o, mut b) = match (org, owner) {
                    (true, Some(_)) => {
                        return Err(eq(
                            "organization-owned",
                            "/owner",
                            "table `",
                            table,
                            "` is organization-owned; its records have no owner",
                        ))
                    }
                    (true, None) => (NONE, NONE),
                    (false, None) => {
                        return Err(eq(
                            "missing-owner",
                            "/owner",
                            "records of `",
                            table,
                            "` need an owner",
                        ))
                    }
                    (false, Some(p)) => {
                        let o = self.owner(p, "/owner")?;
                        (o, self.st().owner_unit(o))
                    }
                };
                if let Some(bu) = business_unit {
                    if org {
                        return Err(eq(
                            "organization-owned",
                            "/businessUnit",
                            "table `",
                            table,
                            "` is organization-owned; its records have no owning unit",
                        ));
                    }
                    let x = self.unit(bu, "/businessUnit")?;
                    if x != b && !self.st().settings.ownership_across_business_units {
                        return Err(eq(
                            "business-unit-mismatch",
                            "/businessUnit",
                            "record unit `",
                            bu,
                            "` differs from its owner's; that needs ownershipAcrossBusinessUnits",
                        ));
                    }
                    b = x;
                }
                let p = match parent {
                    Some(pid) => {
                        let p = self.record(pid, "/parent")?;
                        let expected = self.st().parent_rel(t).map(|r| r.parent);
                        if expected != Some(self.st().records.table(p)) {
                            return Err(e(
                                "no-relationship",
                                "/parent",
                                q2(
                                    "no parental relationship links `",
                                    self.st().table_name(self.st().records.table(p)),
                                    "` to `",
                                    table,
                                    "`",
                                ),
                            ));
                        }
                        p
                    }
                    None => NONE,
                };
                if self
                    .tx
                    .create_record(id, name.as_deref(), t, o, b, p, *active)
                    .is_none()
                {
                    return Err(el("limit-exceeded", "", "too many records"));
                }
                Ok(())
            }
            Change::DeleteRecord { record } => {
                let r = self.record(record, "/record")?;
                let mut doomed = Vec::new();
                self.collect_delete(r, &mut doomed)?;
                for &d in doomed.iter().rev() {
                    self.drop_record(d);
                }
                Ok(())
            }
            Change::Share {
                record,
                principal,
                rights,
            }
            | Change::ModifyShare {
                record,
                principal,
                rights,
            } => {
                let r = self.record(record, "/record")?;
                self.user_owned(r, "/record")?;
                let p = self.principal(principal, "/principal")?;
                let set = RightSet::from_rights(rights);
                let mut list = self.st().shares_of(r).to_vec();
                match list.iter_mut().find(|s| s.principal == p) {
                    Some(s) if matches!(c, Change::Share { .. }) => s.rights = s.rights | set,
                    Some(s) => s.rights = set,
                    None if matches!(c, Change::ModifyShare { .. }) => {
                        return Err(not_shared(record, principal));
                    }
                    None => list.push(ShareEntry {
                        principal: p,
                        rights: set,
                    }),
                }
                list.retain(|s| !s.rights.is_empty());
                self.tx.shares(r, list);
                Ok(())
            }
            Change::Unshare { record, principal } => {
                let r = self.record(record, "/record")?;
                let p = self.principal(principal, "/principal")?;
                let mut list = self.st().shares_of(r).to_vec();
                let n = list.len();
                list.retain(|s| s.principal != p);
                if list.len() == n {
                    return Err(not_shared(record, principal));
                }
                self.tx.shares(r, list);
                Ok(())
            }
            Change::AddAccessTeamMember {
                record,
                template,
                user,
            }
            | Change::RemoveAccessTeamMember {
                record,
                template,
                user,
            } => {
                let add = matches!(c, Change::AddAccessTeamMember { .. });
                let r = self.record(record, "/record")?;
                let tpl = self
                    .st()
                    .template_ids
                    .get(template)
                    .copied()
                    .ok_or_else(|| {
                        eq(
                            "unknown-template",
                            "/template",
                            "access team template `",
                            template,
                            "` does not exist",
                        )
                    })?;
                if self.st().templates.get(tpl as usize).map(|t| t.table)
                    != Some(self.st().records.table(r))
                {
                    return Err(e(
                        "bad-value",
                        "/template",
                        q2(
                            "template `",
                            template,
                            "` is for another table than record `",
                            record,
                            "`",
                        ),
                    ));
                }
                let u = self.user(user, "/user")?;
                let mut list = self.st().access_teams_of(r).to_vec();
                match list.iter_mut().find(|a| a.template == tpl) {
                    Some(a) => {
                        if add {
                            if let Err(pos) = a.members.binary_search(&u) {
                                a.members.insert(pos, u);
                            }
                        } else {
                            a.members.retain(|&m| m != u);
                        }
                    }
                    None if add => list.push(AccessTeamEntry {
                        template: tpl,
                        members: vec![u],
                    }),
                    None => {}
                }
                list.retain(|a| !a.members.is_empty());
                self.tx.access_teams(r, list);
                Ok(())
            }
            Change::SetSetting { name, value } => {
                let mut s = self.st().settings;
                if !s.set(name, *value) {
                    return Err(vec![PolicyError::new(
                        "unknown-setting",
                        "/name",
                        q("unknown setting `", name, "`"),
                    )
                    .with_help(format!(
                        "settings are {}",
                        crate::model::SETTING_NAMES.join(", ")
                    ))]);
                }
                self.check_setting(name, *value)?;
                self.tx.settings(s);
                Ok(())
            }
        }
    }

    fn check_setting(&self, name: &str, value: bool) -> R {
        let st = self.st();
        if name == "ownershipAcrossBusinessUnits" && !value {
            let bad = (0..st.records.len() as u32)
                .filter(|&r| {
                    st.records.alive(r)
                        && st.records.owner(r) != NONE
                        && st.records.unit(r) != st.owner_unit(st.records.owner(r))
                })
                .count();
            let anchors = st
                .users
                .iter()
                .filter(|u| u.alive)
                .flat_map(|u| u.roles.iter())
                .chain(
                    st.teams
                        .iter()
                        .filter(|t| t.alive)
                        .flat_map(|t| t.roles.iter()),
                )
                .filter(|a| a.unit != NONE)
                .count();
            if bad + anchors > 0 {
                return Err(e(
                    "setting-violation",
                    "/value",
                    ncat(
                        bad,
                        " records are in another unit than their owner and ",
                        &anchors.to_string(),
                        " roles are anchored explicitly; fix them first",
                        "",
                    ),
                ));
            }
        }
        if name == "managersMustBeInSameOrParentBusinessUnit" && value {
            let bad = st
                .users
                .iter()
                .filter(|u| {
                    u.alive
                        && u.manager != NONE
                        && !st
                            .user(u.manager)
                            .is_some_and(|m| st.tree.in_subtree(u.unit, m.unit))
                })
                .count();
            if bad > 0 {
                return Err(e(
                    "setting-violation",
                    "/value",
                    ncat(
                        bad,
                        " users have a manager outside their unit and its ancestors",
                        "",
                        "",
                        "",
                    ),
                ));
            }
        }
        Ok(())
    }

    fn not_default(&self, t: u32, path: &str) -> R {
        if self.st().team(t).is_some_and(|t| t.default_of != NONE) {
            return Err(el(
                "reserved-id",
                path,
                "default teams are managed by the engine",
            ));
        }
        Ok(())
    }

    fn user_owned(&self, r: u32, path: &str) -> R {
        if self.st().org_owned(self.st().records.table(r)) {
            return Err(eq(
                "organization-owned",
                path,
                "record `",
                self.st().records.id(r),
                "` is organization-owned",
            ));
        }
        Ok(())
    }

    fn edit_roles(
        &self,
        roles: &mut Vec<Assignment>,
        a: Assignment,
        assign: bool,
        role: &str,
    ) -> R {
        let held = roles.contains(&a);
        if assign {
            if held {
                return Err(eq(
                    "duplicate-id",
                    "/role",
                    "role `",
                    role,
                    "` is already assigned",
                ));
            }
            roles.push(a);
        } else {
            if !held {
                return Err(eq(
                    "not-assigned",
                    "/role",
                    "role `",
                    role,
                    "` is not assigned",
                ));
            }
            roles.retain(|x| *x != a);
        }
        Ok(())
    }

    fn reassign_target(&self, p: Option<&Principal>) -> Result<Option<u32>, Vec<PolicyError>> {
        p.map(|p| self.owner(p, "/reassignRecordsTo")).transpose()
    }

    /// The new owner must hold a read grant on each record's table.
    fn check_can_own(&self, owner: u32, records: &[u32], path: &str) -> R {
        let st = self.st();
        let mut tables: Vec<u32> = records.iter().map(|&r| st.records.table(r)).collect();
        tables.sort_total();
        tables.dedup();
        for t in tables {
            let ok = match as_team(owner) {
                Some(team) => st.team(team).is_some_and(|row| {
                    row.roles.iter().any(|a| {
                        crate::grants::level_of(st, a.role, t, Right::Read)
                            >= crate::access::Level::Basic
                    })
                }),
                None => !crate::grants::grant_sources(st, owner, t, Right::Read).is_empty(),
            };
            if !ok {
                return Err(vec![PolicyError::new(
                    "owner-lacks-privilege",
                    path,
                    q2(
                        "`",
                        st.principal(owner).id(),
                        "` has no read privilege on `",
                        st.table_name(t),
                        "` and cannot own its records",
                    ),
                )
                .with_help("assign a role with read on the table first")]);
            }
        }
        Ok(())
    }

    /// Assign record `r` to `owner` (SPEC §6), cascading to children when `cascade`.
    fn assign(&mut self, r: u32, owner: u32, cascade: bool) {
        let mut stack = vec![r];
        let mut first = true;
        while let Some(x) = stack.pop() {
            let st = self.st();
            let old_owner = st.records.owner(x);
            if !first && old_owner == owner {
                continue;
            }
            first = false;
            if cascade {
                if let Some(kids) = st.children.get(x) {
                    let mut kids: Vec<u32> = kids
                        .iter()
                        .copied()
                        .filter(
                            |&k| match st.parent_rel(st.records.table(k)).map(|r| r.assign) {
                                Some(CascadeScope::All) => true,
                                Some(CascadeScope::Active) => st.records.active(k),
                                Some(CascadeScope::UserOwned) => st.records.owner(k) == old_owner,
                                _ => false,
                            },
                        )
                        .collect();
                    kids.sort_total();
                    stack.extend(kids.into_iter().rev());
                }
            }
            let keep_unit = st.settings.ownership_across_business_units
                && !st.settings.always_move_record_to_owner_business_unit;
            let unit = if keep_unit {
                st.records.unit(x)
            } else {
                st.owner_unit(owner)
            };
            let share_back = st.settings.share_to_previous_owner_on_assign
                && old_owner != owner
                && old_owner != NONE;
            self.tx.record_owner(x, owner, unit);
            if share_back {
                let mut list = self.st().shares_of(x).to_vec();
                match list.iter_mut().find(|s| s.principal == old_owner) {
                    Some(s) => s.rights = RightSet(!Right::Create.bit()),
                    None => list.push(ShareEntry {
                        principal: old_owner,
                        rights: RightSet(!Right::Create.bit()),
                    }),
                }
                self.tx.shares(x, list);
            }
            let id = self.st().records.id(x).to_string();
            let msg = cat(
                "record ",
                &id,
                " assigned from ",
                self.st().principal(old_owner).id(),
                " to ",
                self.st().principal(owner).id(),
            );
            if x != r || cascade {
                self.effect("recordAssigned", msg).record = Some(id.clone());
            }
        }
    }

    fn hand_over(&mut self, from: u32, to: u32) {
        let mut records = self.st().owned_by(from).to_vec();
        records.sort_total();
        for &r in &records {
            self.assign(r, to, false);
        }
        let n = records.len();
        if n > 0 {
            let from_id = self.st().user_id(from).to_string();
            let to_id = self.st().principal(to).id().to_string();
            self.user_effect(
                "recordsReassigned",
                ncat(n, " records of ", &from_id, " handed over to ", &to_id),
                &from_id,
            )
            .count = Some(n);
        }
    }

    fn move_user(&mut self, u: u32, b: u32, move_records: bool, reassign_to: Option<u32>) -> R {
        let Some(mut row) = self.st().user(u).cloned() else {
            return Ok(());
        };
        if reassign_to == Some(u) {
            return Err(el(
                "bad-value",
                "/reassignRecordsTo",
                "cannot reassign a user's records to the same user",
            ));
        }
        if let Some(to) = reassign_to {
            let records = self.st().owned_by(u).to_vec();
            self.check_can_own(to, &records, "/reassignRecordsTo")?;
        }
        let old_unit = row.unit;
        if old_unit == b {
            return Ok(());
        }
        let uid = row.id.clone();
        let (old_name, new_name) = (
            self.st().unit_id(old_unit).to_string(),
            self.st().unit_id(b).to_string(),
        );
        self.user_effect(
            "userMoved",
            cat(&uid, " moved from ", &old_name, " to ", &new_name, ""),
            &uid,
        );
        if !self
            .st()
            .settings
            .do_not_remove_roles_on_change_business_unit
        {
            for a in std::mem::take(&mut row.roles) {
                let role = self.st().role_id(a.role).to_string();
                let eff = self.user_effect(
                    "roleRemoved",
                    cat(&uid, " loses role ", &role, " on moving to ", &new_name, ""),
                    &uid,
                );
                eff.role = Some(role);
            }
        } else {
            for a in &row.roles {
                if a.unit == NONE {
                    let role = self.st().role_id(a.role).to_string();
                    let eff = self.user_effect(
                        "roleReanchored",
                        cat(
                            &uid,
                            "'s role ",
                            &role,
                            " is now anchored at ",
                            &new_name,
                            "",
                        ),
                        &uid,
                    );
                    eff.role = Some(role);
                }
            }
        }
        for a in row.roles.iter_mut().filter(|a| a.unit == b) {
            a.unit = NONE; // an anchor equal to the holder's unit is implicit
        }
        row.roles.dedup();
        row.unit = b;
        let old_manager = row.manager;
        if old_manager != NONE && !self.manager_ok(b, old_manager) {
            row.manager = NONE;
            let mid = self.st().user_id(old_manager).to_string();
            self.user_effect(
                "managerCleared",
                cat(
                    &uid,
                    "'s manager ",
                    &mid,
                    " is outside ",
                    &new_name,
                    " and its ancestors; cleared",
                ),
                &uid,
            );
        }
        self.tx.user(u, row);
        // direct reports for whom u is no longer a valid manager
        let reports = self
            .st()
            .reports
            .get(u as usize)
            .cloned()
            .unwrap_or_default();
        for v in reports {
            let Some(mut vr) = self.st().user(v).cloned() else {
                continue;
            };
            if self.manager_ok(vr.unit, u) {
                continue;
            }
            let vid = vr.id.clone();
            vr.manager =
                if old_manager != NONE && self.manager_ok(vr.unit, old_manager) && old_manager != v
                {
                    old_manager
                } else {
                    NONE
                };
            let msg = if vr.manager == NONE {
                cat(
                    &vid,
                    "'s manager ",
                    &uid,
                    " moved out of reach; cleared",
                    "",
                    "",
                )
            } else {
                cat(
                    &vid,
                    "'s manager ",
                    &uid,
                    " moved out of reach; now reports to ",
                    self.st().user_id(vr.manager),
                    "",
                )
            };
            self.user_effect(
                if vr.manager == NONE {
                    "managerCleared"
                } else {
                    "managerChanged"
                },
                msg,
                &vid,
            );
            self.tx.user(v, vr);
        }
        // records
        if let Some(to) = reassign_to {
            self.hand_over(u, to);
        } else {
            let st = self.st();
            let follow = (move_records && st.settings.always_move_record_to_owner_business_unit)
                || !st.settings.ownership_across_business_units;
            if follow {
                let mut records = st.owned_by(u).to_vec();
                records.sort_total();
                let n = records.len();
                for r in records {
                    self.tx.record_owner(r, u, b);
                }
                if n > 0 {
                    self.user_effect(
                        "recordsMoved",
                        ncat(n, " records of ", &uid, " moved to ", &new_name),
                        &uid,
                    )
                    .count = Some(n);
                }
            }
        }
        Ok(())
    }

    fn move_team(&mut self, t: u32, b: u32) {
        let Some(mut row) = self.st().team(t).cloned() else {
            return;
        };
        if row.unit == b {
            return;
        }
        let tid = row.id.clone();
        let new_name = self.st().unit_id(b).to_string();
        if !self
            .st()
            .settings
            .do_not_remove_roles_on_change_business_unit
        {
            for a in std::mem::take(&mut row.roles) {
                let role = self.st().role_id(a.role).to_string();
                let eff = self.effect(
                    "roleRemoved",
                    cat(
                        "team ",
                        &tid,
                        " loses role ",
                        &role,
                        " on moving to ",
                        &new_name,
                    ),
                );
                eff.team = Some(tid.clone());
                eff.role = Some(role);
            }
        }
        for a in row.roles.iter_mut().filter(|a| a.unit == b) {
            a.unit = NONE;
        }
        row.roles.dedup();
        row.unit = b;
        self.tx.team(t, row);
        self.effect(
            "teamMoved",
            cat("team ", &tid, " moved to ", &new_name, "", ""),
        )
        .team = Some(tid.clone());
        let st = self.st();
        if st.settings.always_move_record_to_owner_business_unit
            || !st.settings.ownership_across_business_units
        {
            let mut records = st.owned_by(team_principal(t)).to_vec();
            records.sort_total();
            for r in records {
                self.tx.record_owner(r, team_principal(t), b);
            }
        }
    }

    fn reparent_unit(&mut self, b: u32, p: u32, path: &str) -> R {
        if self.st().tree.in_subtree(p, b) {
            return Err(e(
                "cycle",
                path,
                q2(
                    "`",
                    self.st().unit_id(p),
                    "` is inside `",
                    self.st().unit_id(b),
                    "`; reparenting would create a cycle",
                ),
            ));
        }
        let Some(mut row) = self.st().unit(b).cloned() else {
            return Ok(());
        };
        row.parent = p;
        self.tx.unit(b, row);
        self.tx.st.refresh();
        self.fix_managers();
        Ok(())
    }

    /// Clear managers made invalid by a change of the unit tree.
    fn fix_managers(&mut self) {
        if !self
            .st()
            .settings
            .managers_must_be_in_same_or_parent_business_unit
        {
            return;
        }
        let bad: Vec<u32> = (0..self.st().users.len() as u32)
            .filter(|&u| {
                self.st().user(u).is_some_and(|x| {
                    x.alive && x.manager != NONE && !self.manager_ok(x.unit, x.manager)
                })
            })
            .collect();
        for u in bad {
            let Some(mut row) = self.st().user(u).cloned() else {
                continue;
            };
            row.manager = NONE;
            let uid = row.id.clone();
            self.tx.user(u, row);
            self.user_effect(
                "managerCleared",
                cat3(
                    &uid,
                    "'s manager is no longer in their unit or its ancestors; cleared",
                    "",
                ),
                &uid,
            );
        }
    }

    fn delete_unit(&mut self, b: u32) -> R {
        let st = self.st();
        let Some(row) = st.unit(b).cloned() else {
            return Ok(());
        };
        let mut blockers = Vec::new();
        if row.parent == NONE {
            blockers.push("it is the root".to_string());
        }
        if !row.disabled {
            return Err(vec![PolicyError::new(
                "not-disabled",
                "/businessUnit",
                q(
                    "business unit `",
                    &row.id,
                    "` must be disabled before it is deleted",
                ),
            )
            .with_help("add a disableBusinessUnit operation first")]);
        }
        let users = self.users_in(b).len();
        let teams = st
            .teams
            .iter()
            .filter(|t| t.alive && t.default_of == NONE && t.unit == b)
            .count();
        let kids = st.units.iter().filter(|u| u.alive && u.parent == b).count();
        let records = st.by_unit.get(b as usize).map(Vec::len).unwrap_or(0);
        let anchors = st
            .users
            .iter()
            .filter(|u| u.alive)
            .flat_map(|u| u.roles.iter())
            .chain(
                st.teams
                    .iter()
                    .filter(|t| t.alive)
                    .flat_map(|t| t.roles.iter()),
            )
            .filter(|a| a.unit == b)
            .count();
        let shares = st
            .shared_with
            .get(&team_principal(row.default_team))
            .map(Vec::len)
            .unwrap_or(0);
        let owned = st.owned_by(team_principal(row.default_team)).len();
        for (n, what) in [
            (users, "users"),
            (teams, "teams"),
            (kids, "child units"),
            (records, "records"),
            (anchors, "role assignments anchored at it"),
            (shares, "records shared with its default team"),
            (owned, "records owned by its default team"),
        ] {
            if n > 0 {
                blockers.push(ncat(n, " ", what, "", ""));
            }
        }
        if !blockers.is_empty() {
            return Err(vec![PolicyError::new(
                "not-empty",
                "/businessUnit",
                cat(
                    "business unit `",
                    &short_id(&row.id),
                    "` still holds ",
                    &blockers.join(", "),
                    "",
                    "",
                ),
            )
            .with_help("move or delete them first, or use mergeBusinessUnits")]);
        }
        self.kill_team(row.default_team);
        let mut row = row;
        row.alive = false;
        self.tx.unit(b, row);
        Ok(())
    }

    fn merge_units(&mut self, f: u32, into: u32) -> R {
        if f == into {
            return Err(el("bad-value", "/into", "cannot merge a unit into itself"));
        }
        if self.st().unit(f).is_some_and(|u| u.parent == NONE) {
            return Err(el(
                "bad-value",
                "/from",
                "the root unit cannot be merged away",
            ));
        }
        if self.st().tree.in_subtree(into, f) {
            return Err(e(
                "cycle",
                "/into",
                q2(
                    "`",
                    self.st().unit_id(into),
                    "` is inside `",
                    self.st().unit_id(f),
                    "`",
                ),
            ));
        }
        // child units
        let kids: Vec<u32> = (0..self.st().units.len() as u32)
            .filter(|&c| self.st().unit(c).is_some_and(|x| x.alive && x.parent == f))
            .collect();
        for c in kids {
            if let Some(mut row) = self.st().unit(c).cloned() {
                row.parent = into;
                self.tx.unit(c, row);
            }
        }
        self.tx.st.refresh();
        // explicit role anchors at `from` follow to `into`
        for u in 0..self.st().users.len() as u32 {
            let Some(mut row) = self.st().user(u).cloned() else {
                continue;
            };
            if row.alive && reanchor(&mut row.roles, row.unit, f, into) {
                self.tx.user(u, row);
            }
        }
        for t in 0..self.st().teams.len() as u32 {
            let Some(mut row) = self.st().team(t).cloned() else {
                continue;
            };
            if row.alive && reanchor(&mut row.roles, row.unit, f, into) {
                self.tx.team(t, row);
            }
        }
        // users and teams
        for u in self.users_in(f) {
            self.move_user(u, into, true, None)?;
        }
        let teams: Vec<u32> = (0..self.st().teams.len() as u32)
            .filter(|&t| {
                self.st()
                    .team(t)
                    .is_some_and(|x| x.alive && x.default_of == NONE && x.unit == f)
            })
            .collect();
        for t in teams {
            self.move_team(t, into);
        }
        // records still in `from` (owned across units)
        let mut rest = self
            .st()
            .by_unit
            .get(f as usize)
            .cloned()
            .unwrap_or_default();
        rest.sort_total();
        for r in rest {
            let o = self.st().records.owner(r);
            self.tx.record_owner(r, o, into);
        }
        // shares to the default team of `from` go to the default team of `into`
        let (fd, td) = (
            self.st().unit(f).map(|u| u.default_team).unwrap_or(NONE),
            self.st().unit(into).map(|u| u.default_team).unwrap_or(NONE),
        );
        let mut shared = self
            .st()
            .shared_with
            .get(&team_principal(fd))
            .cloned()
            .unwrap_or_default();
        shared.sort_total();
        for r in shared {
            let mut list = self.st().shares_of(r).to_vec();
            let moved = list
                .iter()
                .filter(|s| s.principal == team_principal(fd))
                .fold(RightSet::EMPTY, |a, s| a | s.rights);
            list.retain(|s| s.principal != team_principal(fd));
            match list.iter_mut().find(|s| s.principal == team_principal(td)) {
                Some(s) => s.rights = s.rights | moved,
                None => list.push(ShareEntry {
                    principal: team_principal(td),
                    rights: moved,
                }),
            }
            self.tx.shares(r, list);
        }
        // records owned by the default team of `from` go to the default team of `into`
        let mut owned = self.st().owned_by(team_principal(fd)).to_vec();
        owned.sort_total();
        let keep_unit = self.st().settings.ownership_across_business_units
            && !self.st().settings.always_move_record_to_owner_business_unit;
        for r in owned {
            let unit = if keep_unit {
                self.st().records.unit(r)
            } else {
                into
            };
            self.tx
                .record_owner(r, team_principal(td), if unit == f { into } else { unit });
        }
        self.kill_team(fd);
        if let Some(mut row) = self.st().unit(f).cloned() {
            row.alive = false;
            self.tx.unit(f, row);
        }
        self.tx.st.refresh();
        self.fix_managers();
        Ok(())
    }

    /// Delete team `t` (its members cleared).
    fn kill_team(&mut self, t: u32) {
        if let Some(mut team) = self.st().team(t).cloned() {
            team.alive = false;
            team.members.clear();
            self.tx.team(t, team);
        }
    }

    fn drop_shares_to(&mut self, p: u32) {
        let mut recs = self.st().shared_with.get(&p).cloned().unwrap_or_default();
        recs.sort_total();
        recs.dedup();
        let n = recs.len();
        for r in recs {
            let mut list = self.st().shares_of(r).to_vec();
            list.retain(|s| s.principal != p);
            self.tx.shares(r, list);
        }
        if n > 0 {
            let id = self.st().principal(p).id().to_string();
            self.effect(
                "sharesRemoved",
                ncat(n, " shares with ", &id, " removed", ""),
            )
            .count = Some(n);
        }
    }

    fn collect_delete(&self, r: u32, out: &mut Vec<u32>) -> R {
        let st = self.st();
        let mut stack = vec![r];
        while let Some(x) = stack.pop() {
            out.push(x);
            let kids = st.children.get(x).map(<[u32]>::to_vec).unwrap_or_default();
            if kids.is_empty() {
                continue;
            }
            for k in kids {
                match st.parent_rel(st.records.table(k)).map(|r| r.delete) {
                    Some(DeleteCascade::Restrict) => {
                        return Err(vec![PolicyError::new(
                            "restricted",
                            "/record",
                            q2(
                                "record `",
                                st.records.id(x),
                                "` has child record `",
                                st.records.id(k),
                                "` and their relationship restricts delete",
                            ),
                        )
                        .with_help("delete or re-link the children first")]);
                    }
                    Some(DeleteCascade::All) => stack.push(k),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn drop_record(&mut self, r: u32) {
        let kids = self
            .st()
            .children
            .get(r)
            .map(<[u32]>::to_vec)
            .unwrap_or_default();
        for k in kids {
            if self.st().records.alive(k) {
                self.tx.record_parent(k, NONE);
                let id = self.st().records.id(k).to_string();
                self.effect(
                    "parentLinkRemoved",
                    cat3("record ", &id, " no longer has a parent"),
                )
                .record = Some(id.clone());
            }
        }
        let id = self.st().records.id(r).to_string();
        let before = self.tx.st.assertions.len();
        let kept: Vec<_> = self
            .tx
            .st
            .assertions
            .iter()
            .filter(|a| a.record != id)
            .cloned()
            .collect();
        if kept.len() != before {
            let old = std::mem::replace(&mut self.tx.st.assertions, kept);
            self.tx.log.push(Undo::Assertions(old));
            self.effect(
                "assertionRemoved",
                cat3("assertions on record ", &id, " removed"),
            )
            .record = Some(id.clone());
        }
        self.tx.delete_record(r);
        self.effect("recordDeleted", cat3("record ", &id, " deleted"))
            .record = Some(id.clone());
    }
}

/// Whether an owner principal is a user.
pub fn is_user(p: u32) -> bool {
    as_user(p).is_some()
}
