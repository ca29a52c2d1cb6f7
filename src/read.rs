//! The snapshot reader: one schema-driven serde visitor for every struct and list of the
//! snapshot (SPEC §1), instead of the derived `Deserialize` of each type.
//!
//! serde_json still does all the parsing and raises every error, with its messages and
//! positions: the visitor makes exactly the calls the derived code makes (`deserialize_struct`
//! for a struct, `deserialize_seq` for a `Vec`, the field identifier, the duplicate / unknown /
//! missing field checks in the same order, the same `expecting` texts), so the outcome is the
//! derive's, byte for byte (`tests/snapshot_reader.rs` compares both on mutated snapshots). What
//! changes is the code size: the derive instantiates serde_json's struct and sequence readers
//! once per element type (~50 KB of wasm for the snapshot); here there is one of each, and the
//! values are handed to plain, non-generic sinks (the model types themselves).
//!
//! The leaves (strings, options of strings, booleans, numbers, rights, levels, principals and
//! the unit enums) are read by their own `Deserialize` impls, unchanged.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::access::{Level, Right};
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, Cascade, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Record, Relationship, Role,
    RoleAssignment, Settings, Share, Snapshot, Table, TablePrivileges, Team, TeamKind, User,
};

/// Read a snapshot from serde_json (then call `end()` on the deserializer, as `from_str` does).
pub fn snapshot<'de, D: Deserializer<'de>>(d: D) -> Result<Snapshot, D::Error> {
    let mut snap = Snapshot::blank();
    Value {
        ty: &SNAPSHOT_TY,
        sink: &mut snap,
        field: 0,
        top: true,
    }
    .deserialize(d)?;
    Ok(snap)
}

/// The type of a value, as the derive reads it.
enum Ty {
    Str,
    OptStr,
    Bool,
    U32,
    Right,
    Level,
    Principal,
    OptPrincipal,
    Ownership,
    Scope,
    DeleteCascade,
    TeamKind,
    Inheritance,
    HierarchyModel,
    /// `Vec<T>`.
    Seq(&'static Ty),
    /// A struct.
    Struct(&'static Shape),
    /// `Option<T>` of a struct `T` (`Ty::Struct`).
    Opt(&'static Ty),
    /// `Role::privileges` (`unique_keys` of `TablePrivileges`).
    Privileges,
}

/// A struct: its `expecting` text, field names and types (declaration order), and which
/// fields are required (no `#[serde(default)]`; `None` when the container has a default).
struct Shape {
    expecting: &'static str,
    /// "struct X with N elements", for a sequence too short.
    seq_expecting: &'static str,
    names: &'static [&'static str],
    types: &'static [Ty],
    required: &'static [bool],
}

/// A value read by a leaf `Deserialize` impl.
enum Leaf {
    Str(String),
    OptStr(Option<String>),
    Bool(bool),
    U32(u32),
    Right(Right),
    Level(Level),
    Principal(Principal),
    OptPrincipal(Option<Principal>),
    Ownership(Ownership),
    Scope(CascadeScope),
    DeleteCascade(DeleteCascade),
    TeamKind(TeamKind),
    Inheritance(Inheritance),
    HierarchyModel(HierarchyModel),
}

/// Where values go: a struct (by field index) or a list (index ignored). Never fails: the
/// reader only passes a field the type it declares.
trait Sink {
    /// Field `i` (or the next item of a list) is a leaf.
    fn leaf(&mut self, i: usize, v: Leaf);
    /// Field `i` is a struct, list or map (or the next item of a list is a struct, pushed
    /// blank): its sink. For a map, `key` is the entry's key (`None` when it is taken).
    fn child(&mut self, i: usize, key: Option<String>) -> Option<&mut dyn Sink>;
}

/// A struct value before its fields are read: the defaults of its optional fields.
trait Blank {
    fn blank() -> Self;
}

// ---------------------------------------------------------------------------
// The reader (generic over the deserializer only: one copy for serde_json).

/// Reads one value of type `ty` into field `field` of `sink`.
struct Value<'a> {
    ty: &'static Ty,
    sink: &'a mut dyn Sink,
    field: usize,
    /// The snapshot itself (read into `sink`, not into a child of it).
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Value<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let leaf = match self.ty {
            Ty::Str => Leaf::Str(String::deserialize(d)?),
            Ty::OptStr => Leaf::OptStr(Option::<String>::deserialize(d)?),
            Ty::Bool => Leaf::Bool(bool::deserialize(d)?),
            Ty::U32 => Leaf::U32(u32::deserialize(d)?),
            Ty::Right => Leaf::Right(Right::deserialize(d)?),
            Ty::Level => Leaf::Level(Level::deserialize(d)?),
            Ty::Principal => Leaf::Principal(Principal::deserialize(d)?),
            Ty::OptPrincipal => Leaf::OptPrincipal(Option::<Principal>::deserialize(d)?),
            Ty::Ownership => Leaf::Ownership(Ownership::deserialize(d)?),
            Ty::Scope => Leaf::Scope(CascadeScope::deserialize(d)?),
            Ty::DeleteCascade => Leaf::DeleteCascade(DeleteCascade::deserialize(d)?),
            Ty::TeamKind => Leaf::TeamKind(TeamKind::deserialize(d)?),
            Ty::Inheritance => Leaf::Inheritance(Inheritance::deserialize(d)?),
            Ty::HierarchyModel => Leaf::HierarchyModel(HierarchyModel::deserialize(d)?),
            container => {
                let sink = if self.top {
                    Some(self.sink)
                } else {
                    self.sink.child(self.field, None)
                };
                let Some(sink) = sink else {
                    return Err(de::Error::custom("internal: no sink"));
                };
                let v = Container {
                    ty: container,
                    sink,
                };
                return match container {
                    Ty::Seq(_) => d.deserialize_seq(v),
                    Ty::Struct(shape) => d.deserialize_struct("", shape.names, v),
                    Ty::Opt(_) => d.deserialize_option(v),
                    _ => d.deserialize_map(v),
                };
            }
        };
        self.sink.leaf(self.field, leaf);
        Ok(())
    }
}

/// The visitor of a list, struct, optional struct or privileges map.
struct Container<'a> {
    ty: &'static Ty,
    sink: &'a mut dyn Sink,
}

impl<'de> Visitor<'de> for Container<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.ty {
            Ty::Seq(_) => "a sequence",
            Ty::Struct(shape) => shape.expecting,
            Ty::Opt(_) => "option",
            _ => "an object keyed by table name",
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        match self.ty {
            // `None` is the blank value
            Ty::Opt(_) => Ok(()),
            _ => Err(de::Error::invalid_type(de::Unexpected::Option, &self)),
        }
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.ty {
            Ty::Opt(inner) => Value {
                ty: inner,
                sink: self.sink,
                field: 0,
                top: false,
            }
            .deserialize(d),
            _ => Err(de::Error::invalid_type(de::Unexpected::Option, &self)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.ty {
            Ty::Seq(item) => {
                while seq
                    .next_element_seed(Value {
                        ty: item,
                        sink: &mut *self.sink,
                        field: 0,
                        top: false,
                    })?
                    .is_some()
                {}
                Ok(())
            }
            Ty::Struct(shape) => {
                for (i, ty) in shape.types.iter().enumerate() {
                    let read = seq.next_element_seed(Value {
                        ty,
                        sink: &mut *self.sink,
                        field: i,
                        top: false,
                    })?;
                    if read.is_none() && shape.required.get(i).copied().unwrap_or(false) {
                        return Err(de::Error::invalid_length(i, &shape.seq_expecting));
                    }
                }
                Ok(())
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Seq, &self)),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match self.ty {
            Ty::Struct(shape) => {
                let mut seen = 0u64;
                while let Some(i) = map.next_key_seed(FieldName(shape.names))? {
                    let bit = 1u64 << (i % 64);
                    if seen & bit != 0 {
                        let name = shape.names.get(i).copied().unwrap_or_default();
                        return Err(de::Error::duplicate_field(name));
                    }
                    seen |= bit;
                    let Some(ty) = shape.types.get(i) else {
                        return Err(de::Error::custom("internal: no field type"));
                    };
                    map.next_value_seed(Value {
                        ty,
                        sink: &mut *self.sink,
                        field: i,
                        top: false,
                    })?;
                }
                for (i, (name, required)) in shape.names.iter().zip(shape.required).enumerate() {
                    if *required && seen & (1u64 << (i % 64)) == 0 {
                        return Err(de::Error::missing_field(name));
                    }
                }
                Ok(())
            }
            Ty::Privileges => {
                while let Some(k) = map.next_key::<String>()? {
                    // `None`: the key was given before
                    let message = format!("duplicate field `{k}`");
                    let Some(sink) = self.sink.child(0, Some(k)) else {
                        return Err(de::Error::custom(message));
                    };
                    map.next_value_seed(Value {
                        ty: &PRIVILEGES_ENTRY,
                        sink,
                        field: 0,
                        top: true,
                    })?;
                }
                Ok(())
            }
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

static SNAPSHOT_TY: Ty = Ty::Struct(&SNAPSHOT);
static PRIVILEGES_ENTRY: Ty = Ty::Struct(&TABLE_PRIVILEGES);

/// A field identifier of a struct with `deny_unknown_fields`: its index.
struct FieldName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldName {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldName {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                de::Unexpected::Unsigned(v),
                &FieldIndex(self.0.len()),
            )),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| *n == v)
            .ok_or_else(|| E::unknown_field(v, self.0))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| n.as_bytes() == v)
            .ok_or_else(|| E::unknown_field(&String::from_utf8_lossy(v), self.0))
    }
}

struct FieldIndex(usize);
impl de::Expected for FieldIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field index 0 <= i < {}", self.0)
    }
}

// ---------------------------------------------------------------------------
// The schema (field order, names and defaults as in `src/model.rs`).

const R: bool = true;
const O: bool = false;

static SNAPSHOT: Shape = Shape {
    expecting: "struct Snapshot",
    seq_expecting: "struct Snapshot with 14 elements",
    names: &[
        "version",
        "settings",
        "businessUnits",
        "tables",
        "relationships",
        "roles",
        "users",
        "teams",
        "accessTeamTemplates",
        "records",
        "shares",
        "accessTeams",
        "hierarchy",
        "assertions",
    ],
    types: &[
        Ty::U32,
        Ty::Struct(&SETTINGS),
        Ty::Seq(&Ty::Struct(&BUSINESS_UNIT)),
        Ty::Seq(&Ty::Struct(&TABLE)),
        Ty::Seq(&Ty::Struct(&RELATIONSHIP)),
        Ty::Seq(&Ty::Struct(&ROLE)),
        Ty::Seq(&Ty::Struct(&USER)),
        Ty::Seq(&Ty::Struct(&TEAM)),
        Ty::Seq(&Ty::Struct(&TEMPLATE)),
        Ty::Seq(&Ty::Struct(&RECORD)),
        Ty::Seq(&Ty::Struct(&SHARE)),
        Ty::Seq(&Ty::Struct(&ACCESS_TEAM)),
        Ty::Opt(&Ty::Struct(&HIERARCHY)),
        Ty::Seq(&Ty::Struct(&ASSERTION)),
    ],
    required: &[R, O, O, O, O, O, O, O, O, O, O, O, O, O],
};

static SETTINGS: Shape = Shape {
    expecting: "struct Settings",
    seq_expecting: "struct Settings with 5 elements",
    names: &crate::model::SETTING_NAMES,
    types: &[Ty::Bool, Ty::Bool, Ty::Bool, Ty::Bool, Ty::Bool],
    required: &[O, O, O, O, O],
};

static BUSINESS_UNIT: Shape = Shape {
    expecting: "struct BusinessUnit",
    seq_expecting: "struct BusinessUnit with 5 elements",
    names: &["id", "name", "parent", "disabled", "defaultTeamRoles"],
    types: &[Ty::Str, Ty::Str, Ty::OptStr, Ty::Bool, ROLE_ASSIGNMENTS_TY],
    required: &[R, R, O, O, O],
};

const ROLE_ASSIGNMENTS_TY: Ty = Ty::Seq(&Ty::Struct(&ROLE_ASSIGNMENT));

static TABLE: Shape = Shape {
    expecting: "struct Table",
    seq_expecting: "struct Table with 2 elements",
    names: &["name", "ownership"],
    types: &[Ty::Str, Ty::Ownership],
    required: &[R, R],
};

static CASCADE: Shape = Shape {
    expecting: "struct Cascade",
    seq_expecting: "struct Cascade with 5 elements",
    names: &["assign", "share", "unshare", "reparent", "delete"],
    types: &[
        Ty::Scope,
        Ty::Scope,
        Ty::Scope,
        Ty::Scope,
        Ty::DeleteCascade,
    ],
    required: &[O, O, O, O, O],
};

static RELATIONSHIP: Shape = Shape {
    expecting: "struct Relationship",
    seq_expecting: "struct Relationship with 3 elements",
    names: &["parent", "child", "cascade"],
    types: &[Ty::Str, Ty::Str, Ty::Struct(&CASCADE)],
    required: &[R, R, O],
};

static TABLE_PRIVILEGES: Shape = Shape {
    expecting: "struct TablePrivileges",
    seq_expecting: "struct TablePrivileges with 8 elements",
    names: &[
        "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
    ],
    types: &[
        Ty::Level,
        Ty::Level,
        Ty::Level,
        Ty::Level,
        Ty::Level,
        Ty::Level,
        Ty::Level,
        Ty::Level,
    ],
    required: &[O, O, O, O, O, O, O, O],
};

static ROLE: Shape = Shape {
    expecting: "struct Role",
    seq_expecting: "struct Role with 3 elements",
    names: &["id", "name", "privileges"],
    types: &[Ty::Str, Ty::Str, Ty::Privileges],
    required: &[R, R, O],
};

static ROLE_ASSIGNMENT: Shape = Shape {
    expecting: "struct RoleAssignment",
    seq_expecting: "struct RoleAssignment with 2 elements",
    names: &["role", "businessUnit"],
    types: &[Ty::Str, Ty::OptStr],
    required: &[R, O],
};

/// The fields of a snapshot user (also those of the `createUser` operation).
pub(crate) const USER_FIELDS: &[&str] = &[
    "id",
    "name",
    "businessUnit",
    "manager",
    "disabled",
    "category",
    "roles",
];

static USER: Shape = Shape {
    expecting: "struct User",
    seq_expecting: "struct User with 7 elements",
    names: USER_FIELDS,
    types: &[
        Ty::Str,
        Ty::Str,
        Ty::Str,
        Ty::OptStr,
        Ty::Bool,
        Ty::OptStr,
        ROLE_ASSIGNMENTS_TY,
    ],
    required: &[R, R, R, O, O, O, O],
};

/// The fields of a snapshot team (also those of the `createTeam` operation).
pub(crate) const TEAM_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "businessUnit",
    "members",
    "roles",
    "inheritance",
];

static TEAM: Shape = Shape {
    expecting: "struct Team",
    seq_expecting: "struct Team with 7 elements",
    names: TEAM_FIELDS,
    types: &[
        Ty::Str,
        Ty::Str,
        Ty::TeamKind,
        Ty::Str,
        Ty::Seq(&Ty::Str),
        ROLE_ASSIGNMENTS_TY,
        Ty::Inheritance,
    ],
    required: &[R, R, R, R, O, O, O],
};

static TEMPLATE: Shape = Shape {
    expecting: "struct AccessTeamTemplate",
    seq_expecting: "struct AccessTeamTemplate with 3 elements",
    names: &["id", "table", "rights"],
    types: &[Ty::Str, Ty::Str, Ty::Seq(&Ty::Right)],
    required: &[R, R, R],
};

/// The fields of a snapshot record (also those of the `createRecord` operation).
pub(crate) const RECORD_FIELDS: &[&str] = &[
    "id",
    "name",
    "table",
    "owner",
    "businessUnit",
    "parent",
    "active",
];

static RECORD: Shape = Shape {
    expecting: "struct Record",
    seq_expecting: "struct Record with 7 elements",
    names: RECORD_FIELDS,
    types: &[
        Ty::Str,
        Ty::OptStr,
        Ty::Str,
        Ty::OptPrincipal,
        Ty::OptStr,
        Ty::OptStr,
        Ty::Bool,
    ],
    required: &[R, O, R, O, O, O, O],
};

static SHARE: Shape = Shape {
    expecting: "struct Share",
    seq_expecting: "struct Share with 3 elements",
    names: &["record", "principal", "rights"],
    types: &[Ty::Str, Ty::Principal, Ty::Seq(&Ty::Right)],
    required: &[R, R, R],
};

static ACCESS_TEAM: Shape = Shape {
    expecting: "struct AccessTeam",
    seq_expecting: "struct AccessTeam with 3 elements",
    names: &["template", "record", "members"],
    types: &[Ty::Str, Ty::Str, Ty::Seq(&Ty::Str)],
    required: &[R, R, O],
};

static HIERARCHY: Shape = Shape {
    expecting: "struct Hierarchy",
    seq_expecting: "struct Hierarchy with 3 elements",
    names: &["model", "depth", "tables"],
    types: &[Ty::HierarchyModel, Ty::U32, Ty::Seq(&Ty::Str)],
    required: &[R, R, O],
};

static ASSERTION: Shape = Shape {
    expecting: "struct Assertion",
    seq_expecting: "struct Assertion with 5 elements",
    names: &["user", "right", "record", "expect", "note"],
    types: &[Ty::Str, Ty::Right, Ty::Str, Ty::Bool, Ty::OptStr],
    required: &[R, R, R, R, O],
};

// ---------------------------------------------------------------------------
// Sinks: the model types.

impl Leaf {
    fn str(self, slot: &mut String) {
        if let Leaf::Str(v) = self {
            *slot = v;
        }
    }
    fn opt(self, slot: &mut Option<String>) {
        if let Leaf::OptStr(v) = self {
            *slot = v;
        }
    }
    fn bool(self, slot: &mut bool) {
        if let Leaf::Bool(v) = self {
            *slot = v;
        }
    }
}

/// A list of items: leaves (strings, rights) or structs.
trait Item: Sized {
    fn from_leaf(_: Leaf) -> Option<Self> {
        None
    }
    fn blank_item() -> Option<Self> {
        None
    }
    fn sink(&mut self) -> Option<&mut dyn Sink> {
        None
    }
}

impl Item for String {
    fn from_leaf(v: Leaf) -> Option<Self> {
        match v {
            Leaf::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Item for Right {
    fn from_leaf(v: Leaf) -> Option<Self> {
        match v {
            Leaf::Right(r) => Some(r),
            _ => None,
        }
    }
}

impl<T: Item> Sink for Vec<T> {
    fn leaf(&mut self, _: usize, v: Leaf) {
        if let Some(x) = T::from_leaf(v) {
            self.push(x);
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        self.push(T::blank_item()?);
        self.last_mut()?.sink()
    }
}

/// A struct item of lists.
macro_rules! struct_item {
    ($($t:ty),*) => {$(
        impl Item for $t {
            fn blank_item() -> Option<Self> {
                Some(<$t>::blank())
            }
            fn sink(&mut self) -> Option<&mut dyn Sink> {
                Some(self)
            }
        }
    )*};
}
struct_item!(
    BusinessUnit,
    Table,
    Relationship,
    Role,
    RoleAssignment,
    User,
    Team,
    AccessTeamTemplate,
    Record,
    Share,
    AccessTeam,
    Assertion
);

impl Blank for Snapshot {
    fn blank() -> Self {
        Snapshot {
            version: 0,
            settings: Settings::default(),
            business_units: Vec::new(),
            tables: Vec::new(),
            relationships: Vec::new(),
            roles: Vec::new(),
            users: Vec::new(),
            teams: Vec::new(),
            access_team_templates: Vec::new(),
            records: Vec::new(),
            shares: Vec::new(),
            access_teams: Vec::new(),
            hierarchy: None,
            assertions: Vec::new(),
        }
    }
}

impl Sink for Snapshot {
    fn leaf(&mut self, _: usize, v: Leaf) {
        if let Leaf::U32(n) = v {
            self.version = n;
        }
    }
    fn child(&mut self, i: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(match i {
            1 => &mut self.settings,
            2 => &mut self.business_units,
            3 => &mut self.tables,
            4 => &mut self.relationships,
            5 => &mut self.roles,
            6 => &mut self.users,
            7 => &mut self.teams,
            8 => &mut self.access_team_templates,
            9 => &mut self.records,
            10 => &mut self.shares,
            11 => &mut self.access_teams,
            12 => &mut self.hierarchy,
            13 => &mut self.assertions,
            _ => return None,
        })
    }
}

impl Sink for Option<Hierarchy> {
    fn leaf(&mut self, _: usize, _: Leaf) {}
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(self.insert(Hierarchy {
            model: HierarchyModel::Manager,
            depth: 0,
            tables: Vec::new(),
        }))
    }
}

impl Sink for Settings {
    fn leaf(&mut self, i: usize, v: Leaf) {
        let slot = match i {
            0 => &mut self.ownership_across_business_units,
            1 => &mut self.always_move_record_to_owner_business_unit,
            2 => &mut self.do_not_remove_roles_on_change_business_unit,
            3 => &mut self.share_to_previous_owner_on_assign,
            _ => &mut self.managers_must_be_in_same_or_parent_business_unit,
        };
        v.bool(slot);
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Blank for BusinessUnit {
    fn blank() -> Self {
        BusinessUnit {
            id: String::new(),
            name: String::new(),
            parent: None,
            disabled: false,
            default_team_roles: Vec::new(),
        }
    }
}

impl Sink for BusinessUnit {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.id),
            1 => v.str(&mut self.name),
            2 => v.opt(&mut self.parent),
            _ => v.bool(&mut self.disabled),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.default_team_roles)
    }
}

impl Blank for Table {
    fn blank() -> Self {
        Table {
            name: String::new(),
            ownership: Ownership::User,
        }
    }
}

impl Sink for Table {
    fn leaf(&mut self, _: usize, v: Leaf) {
        match v {
            Leaf::Ownership(o) => self.ownership = o,
            v => v.str(&mut self.name),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Sink for Cascade {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match (i, v) {
            (0, Leaf::Scope(s)) => self.assign = s,
            (1, Leaf::Scope(s)) => self.share = s,
            (2, Leaf::Scope(s)) => self.unshare = s,
            (3, Leaf::Scope(s)) => self.reparent = s,
            (_, Leaf::DeleteCascade(d)) => self.delete = d,
            _ => {}
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Blank for Relationship {
    fn blank() -> Self {
        Relationship {
            parent: String::new(),
            child: String::new(),
            cascade: Cascade::default(),
        }
    }
}

impl Sink for Relationship {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.parent),
            _ => v.str(&mut self.child),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.cascade)
    }
}

impl Sink for TablePrivileges {
    fn leaf(&mut self, i: usize, v: Leaf) {
        if let (Leaf::Level(l), Some(r)) = (v, Right::ALL.get(i)) {
            self.set_level(*r, l);
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Sink for BTreeMap<String, TablePrivileges> {
    fn leaf(&mut self, _: usize, _: Leaf) {}
    fn child(&mut self, _: usize, key: Option<String>) -> Option<&mut dyn Sink> {
        match self.entry(key?) {
            std::collections::btree_map::Entry::Vacant(e) => {
                Some(e.insert(TablePrivileges::default()))
            }
            std::collections::btree_map::Entry::Occupied(_) => None,
        }
    }
}

impl Blank for Role {
    fn blank() -> Self {
        Role {
            id: String::new(),
            name: String::new(),
            privileges: BTreeMap::new(),
        }
    }
}

impl Sink for Role {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.id),
            _ => v.str(&mut self.name),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.privileges)
    }
}

impl Blank for RoleAssignment {
    fn blank() -> Self {
        RoleAssignment {
            role: String::new(),
            business_unit: None,
        }
    }
}

impl Sink for RoleAssignment {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.role),
            _ => v.opt(&mut self.business_unit),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Blank for User {
    fn blank() -> Self {
        User {
            id: String::new(),
            name: String::new(),
            business_unit: String::new(),
            manager: None,
            disabled: false,
            category: None,
            roles: Vec::new(),
        }
    }
}

impl Sink for User {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.id),
            1 => v.str(&mut self.name),
            2 => v.str(&mut self.business_unit),
            3 => v.opt(&mut self.manager),
            4 => v.bool(&mut self.disabled),
            _ => v.opt(&mut self.category),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.roles)
    }
}

impl Blank for Team {
    fn blank() -> Self {
        Team {
            id: String::new(),
            name: String::new(),
            kind: TeamKind::Owner,
            business_unit: String::new(),
            members: Vec::new(),
            roles: Vec::new(),
            inheritance: Inheritance::default(),
        }
    }
}

impl Sink for Team {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match (i, v) {
            (_, Leaf::TeamKind(k)) => self.kind = k,
            (_, Leaf::Inheritance(h)) => self.inheritance = h,
            (0, v) => v.str(&mut self.id),
            (1, v) => v.str(&mut self.name),
            (_, v) => v.str(&mut self.business_unit),
        }
    }
    fn child(&mut self, i: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        match i {
            4 => Some(&mut self.members),
            _ => Some(&mut self.roles),
        }
    }
}

impl Blank for AccessTeamTemplate {
    fn blank() -> Self {
        AccessTeamTemplate {
            id: String::new(),
            table: String::new(),
            rights: Vec::new(),
        }
    }
}

impl Sink for AccessTeamTemplate {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.id),
            _ => v.str(&mut self.table),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.rights)
    }
}

impl Blank for Record {
    fn blank() -> Self {
        Record {
            id: String::new(),
            name: None,
            table: String::new(),
            owner: None,
            business_unit: None,
            parent: None,
            active: true,
        }
    }
}

impl Sink for Record {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match (i, v) {
            (_, Leaf::OptPrincipal(p)) => self.owner = p,
            (0, v) => v.str(&mut self.id),
            (1, v) => v.opt(&mut self.name),
            (2, v) => v.str(&mut self.table),
            (4, v) => v.opt(&mut self.business_unit),
            (5, v) => v.opt(&mut self.parent),
            (_, v) => v.bool(&mut self.active),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}

impl Blank for Share {
    fn blank() -> Self {
        Share {
            record: String::new(),
            principal: Principal::User(String::new()),
            rights: Vec::new(),
        }
    }
}

impl Sink for Share {
    fn leaf(&mut self, _: usize, v: Leaf) {
        match v {
            Leaf::Principal(p) => self.principal = p,
            v => v.str(&mut self.record),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.rights)
    }
}

impl Blank for AccessTeam {
    fn blank() -> Self {
        AccessTeam {
            template: String::new(),
            record: String::new(),
            members: Vec::new(),
        }
    }
}

impl Sink for AccessTeam {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match i {
            0 => v.str(&mut self.template),
            _ => v.str(&mut self.record),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.members)
    }
}

impl Sink for Hierarchy {
    fn leaf(&mut self, _: usize, v: Leaf) {
        match v {
            Leaf::HierarchyModel(m) => self.model = m,
            Leaf::U32(n) => self.depth = n,
            _ => {}
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        Some(&mut self.tables)
    }
}

impl Blank for Assertion {
    fn blank() -> Self {
        Assertion {
            user: String::new(),
            right: Right::Read,
            record: String::new(),
            expect: false,
            note: None,
        }
    }
}

impl Sink for Assertion {
    fn leaf(&mut self, i: usize, v: Leaf) {
        match (i, v) {
            (_, Leaf::Right(r)) => self.right = r,
            (0, v) => v.str(&mut self.user),
            (2, v) => v.str(&mut self.record),
            (3, v) => v.bool(&mut self.expect),
            (_, v) => v.opt(&mut self.note),
        }
    }
    fn child(&mut self, _: usize, _: Option<String>) -> Option<&mut dyn Sink> {
        None
    }
}
