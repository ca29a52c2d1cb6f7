//! The snapshot reader: the schema of the snapshot (SPEC §1) as tables (`Ty` / `Shape`:
//! field names and types, required fields, serde's `expecting` texts), and one reader of
//! our own JSON tokenizer (`crate::json_read`) driven by them, straight into the model types.
//!
//! It reads as serde's derived `Deserialize` of [`Snapshot`] reads from serde_json, call for
//! call: a struct from an object or an array, a `Vec` from an array, the field identifier,
//! the duplicate / unknown / missing field checks in the same order, enums by name or as
//! `{ "name": content }`, and every error raised at the byte serde_json raises it, with its
//! message (`tests/snapshot_reader.rs` compares both on mutated snapshots). The values go to
//! plain, non-generic sinks (the model types themselves).

use crate::access::{Level, Right};
use crate::json_read::{unknown_field, unknown_variant, Fail, Lexer, Pending, Res, Seg};
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, Cascade, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Privileges, Record, Relationship,
    Role, RoleAssignment, Settings, Share, Snapshot, Table, TablePrivileges, Team, TeamKind, User,
};

/// Read a snapshot from JSON text (nothing but whitespace may follow it).
pub(crate) fn snapshot(json: &str) -> Res<Snapshot> {
    let mut snap = Snapshot::blank();
    let mut lx = Lexer::new(json);
    value(&mut lx, &SNAPSHOT_TY, &mut snap, 0, true)?;
    lx.end()?;
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

/// A leaf value.
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
// The reader

const RIGHTS: &[&str] = &[
    "create", "read", "write", "delete", "append", "appendTo", "assign", "share",
];
const LEVELS: &[&str] = &["none", "basic", "local", "deep", "global"];
const LEVEL_VALUES: [Level; 5] = [
    Level::None,
    Level::Basic,
    Level::Local,
    Level::Deep,
    Level::Global,
];

/// Reads one value of type `ty` into field `field` of `sink` (`top`: into `sink` itself).
fn value(
    lx: &mut Lexer<'_>,
    ty: &'static Ty,
    sink: &mut dyn Sink,
    field: usize,
    top: bool,
) -> Res<()> {
    let leaf = match ty {
        Ty::Str => Leaf::Str(lx.str_value()?),
        Ty::OptStr => Leaf::OptStr(if lx.null()? {
            None
        } else {
            Some(lx.str_value()?)
        }),
        Ty::Bool => Leaf::Bool(lx.bool_value()?),
        Ty::U32 => Leaf::U32(lx.u32_value()?),
        Ty::Right => Leaf::Right(
            Right::ALL
                .get(unit_enum(lx, RIGHTS)?)
                .copied()
                .unwrap_or(Right::Read),
        ),
        Ty::Level => Leaf::Level(
            LEVEL_VALUES
                .get(unit_enum(lx, LEVELS)?)
                .copied()
                .unwrap_or_default(),
        ),
        Ty::Principal => Leaf::Principal(principal(lx)?),
        Ty::OptPrincipal => Leaf::OptPrincipal(if lx.null()? {
            None
        } else {
            Some(principal(lx)?)
        }),
        Ty::Ownership => Leaf::Ownership(match unit_enum(lx, &["user", "organization"])? {
            0 => Ownership::User,
            _ => Ownership::Organization,
        }),
        Ty::Scope => Leaf::Scope(
            match unit_enum(lx, &["all", "active", "userOwned", "none"])? {
                0 => CascadeScope::All,
                1 => CascadeScope::Active,
                2 => CascadeScope::UserOwned,
                _ => CascadeScope::None,
            },
        ),
        Ty::DeleteCascade => {
            Leaf::DeleteCascade(match unit_enum(lx, &["all", "removeLink", "restrict"])? {
                0 => DeleteCascade::All,
                1 => DeleteCascade::RemoveLink,
                _ => DeleteCascade::Restrict,
            })
        }
        Ty::TeamKind => Leaf::TeamKind(match unit_enum(lx, &["owner", "access"])? {
            0 => TeamKind::Owner,
            _ => TeamKind::Access,
        }),
        Ty::Inheritance => Leaf::Inheritance(match unit_enum(lx, &["team", "direct"])? {
            0 => Inheritance::Team,
            _ => Inheritance::Direct,
        }),
        Ty::HierarchyModel => {
            unit_enum(lx, &["manager"])?;
            Leaf::HierarchyModel(HierarchyModel::Manager)
        }
        container => {
            let sink = if top {
                Some(sink)
            } else {
                sink.child(field, None)
            };
            let Some(sink) = sink else {
                return Err(lx.data_err("internal: no sink".into()));
            };
            return match container {
                Ty::Seq(item) => seq(lx, item, sink),
                Ty::Struct(shape) => structure(lx, shape, sink),
                Ty::Opt(inner) => {
                    if lx.null()? {
                        Ok(())
                    } else {
                        value(lx, inner, sink, 0, false)
                    }
                }
                _ => privileges(lx, sink),
            };
        }
    };
    sink.leaf(field, leaf);
    Ok(())
}

/// The end of a container read by `read` (serde_json's `deserialize_seq` / `_map` /
/// `_struct` after the opening bracket was checked): the nesting level, the closing
/// bracket, and the position of an error the reader raised without one.
macro_rules! nested {
    ($lx:ident, $read:expr, $end:ident) => {{
        $lx.enter()?;
        $lx.eat();
        let ret = $read;
        $lx.leave();
        let end = $lx.$end();
        (ret, end)
    }};
}

/// A `Vec` (serde_json's `deserialize_seq` with serde's `Vec` visitor).
fn seq(lx: &mut Lexer<'_>, item: &'static Ty, sink: &mut dyn Sink) -> Res<()> {
    if lx.ws() != Some(b'[') {
        return Err(match lx.peek() {
            None => lx.peek_err(crate::json_read::code::EOF_VALUE),
            Some(_) => lx.invalid_type("a sequence"),
        });
    }
    let (ret, end) = nested!(lx, seq_items(lx, item, sink), end_seq);
    match (ret, end) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), _) | (_, Err((e, _))) => Err(lx.fix(e)),
    }
}

/// The items of a `Vec`, `[` consumed.
fn seq_items(lx: &mut Lexer<'_>, item: &'static Ty, sink: &mut dyn Sink) -> Res<()> {
    let mut first = true;
    let mut i = 0;
    while lx.next_element(&mut first)? {
        value(lx, item, sink, 0, false).map_err(|e| e.under(Seg::Index(i)))?;
        i += 1;
    }
    Ok(())
}

/// A struct, from an object or an array (serde_json's `deserialize_struct`).
fn structure(lx: &mut Lexer<'_>, shape: &'static Shape, sink: &mut dyn Sink) -> Res<()> {
    match lx.ws() {
        Some(b'{') => {
            let (ret, end) = nested!(lx, struct_map(lx, shape, sink), end_map);
            match (ret, end) {
                (Ok(()), Ok(())) => Ok(()),
                (Ok(()), Err(e)) => Err(e),
                (Err(e), end) => Err(place(lx, e, end.is_ok(), false)),
            }
        }
        Some(b'[') => {
            let (ret, end) = nested!(lx, struct_seq(lx, shape, sink), end_seq);
            match (ret, end) {
                (Ok(()), Ok(())) => Ok(()),
                (Ok(()), Err((e, _))) => Err(e),
                (Err(e), Ok(())) => Err(place(lx, e, true, false)),
                (Err(e), Err((_, comma))) => Err(place(lx, e, false, comma)),
            }
        }
        None => Err(lx.peek_err(crate::json_read::code::EOF_VALUE)),
        Some(_) => Err(lx.invalid_type(shape.expecting)),
    }
}

/// Place an error a struct reader raised without a position, where serde_json does (the
/// offset after its attempt at the closing bracket), with the JSON pointer that the place
/// names: `closed`, the struct's bracket was consumed (the place is past the struct);
/// `comma`, a `,` after the field was (the place is in the next element).
#[cold]
fn place(lx: &Lexer<'_>, mut e: Box<Fail>, closed: bool, comma: bool) -> Box<Fail> {
    if e.at.is_some() {
        return e;
    }
    e.at = Some(lx.i);
    let pending = std::mem::replace(&mut e.pending, Pending::Here);
    let seg = match pending {
        Pending::Here => None,
        Pending::Key(k) => (!closed).then_some(Seg::Key(k)),
        Pending::Field(Seg::Index(i)) if comma => Some(Seg::Index(i + 1)),
        Pending::Field(seg) => (!closed).then_some(seg),
    };
    if let Some(seg) = seg {
        e.path.push(seg);
    }
    e
}

/// A field's error: under its key or index if placed; else the field, pending.
fn in_field(mut e: Box<Fail>, seg: Seg) -> Box<Fail> {
    if e.at.is_some() {
        e.under(seg)
    } else {
        e.pending = Pending::Field(seg);
        e
    }
}

/// The fields of a struct from an object (the derive's `visit_map`).
fn struct_map<'a>(lx: &mut Lexer<'a>, shape: &'static Shape, sink: &mut dyn Sink) -> Res<()> {
    let mut seen = 0u64;
    let mut first = true;
    // the field expected next (fields usually come in declaration order)
    let mut next = 0;
    while lx.next_key(&mut first)? {
        lx.eat();
        let key: Option<&'a str> = lx.string()?;
        let found = match key {
            Some(key) => field_index(shape.names, key, next),
            None => field_index(shape.names, &lx.scratch, next),
        };
        let Some(i) = found else {
            let key = key.map_or_else(|| lx.scratch.clone(), str::to_owned);
            return Err(Fail::data(
                unknown_field(&key, shape.names),
                Pending::Key(key),
            ));
        };
        let name = shape.names.get(i).copied().unwrap_or_default();
        let bit = 1u64 << (i % 64);
        if seen & bit != 0 {
            return Err(Fail::data(
                format!("duplicate field `{name}`"),
                Pending::Here,
            ));
        }
        seen |= bit;
        next = i + 1;
        let Some(ty) = shape.types.get(i) else {
            return Err(Fail::data("internal: no field type".into(), Pending::Here));
        };
        lx.colon()?;
        value(lx, ty, sink, i, false).map_err(|e| in_field(e, Seg::Key(name.to_owned())))?;
    }
    for (i, (name, required)) in shape.names.iter().zip(shape.required).enumerate() {
        if *required && seen & (1u64 << (i % 64)) == 0 {
            return Err(Fail::data(format!("missing field `{name}`"), Pending::Here));
        }
    }
    Ok(())
}

/// The index of field `key` (`guess` tried first).
#[inline]
fn field_index(names: &[&str], key: &str, guess: usize) -> Option<usize> {
    if names.get(guess).is_some_and(|n| *n == key) {
        return Some(guess);
    }
    names.iter().position(|n| *n == key)
}

/// The fields of a struct from an array (the derive's `visit_seq`).
fn struct_seq(lx: &mut Lexer<'_>, shape: &'static Shape, sink: &mut dyn Sink) -> Res<()> {
    let mut first = true;
    for (i, ty) in shape.types.iter().enumerate() {
        if !lx.next_element(&mut first)? {
            if shape.required.get(i).copied().unwrap_or(false) {
                return Err(Fail::data(
                    format!("invalid length {i}, expected {}", shape.seq_expecting),
                    Pending::Here,
                ));
            }
            continue;
        }
        value(lx, ty, sink, i, false).map_err(|e| in_field(e, Seg::Index(i)))?;
    }
    Ok(())
}

/// `Role::privileges`: an object keyed by table name, a key given twice an error
/// (serde_json's `deserialize_map` with `model::unique_keys`).
fn privileges(lx: &mut Lexer<'_>, sink: &mut dyn Sink) -> Res<()> {
    if lx.ws() != Some(b'{') {
        return Err(match lx.peek() {
            None => lx.peek_err(crate::json_read::code::EOF_VALUE),
            Some(_) => lx.invalid_type("an object keyed by table name"),
        });
    }
    let (ret, end) = nested!(lx, privileges_entries(lx, sink), end_map);
    match (ret, end) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), _) | (_, Err(e)) => Err(lx.fix(e)),
    }
}

/// The entries of `Role::privileges`, `{` consumed.
fn privileges_entries(lx: &mut Lexer<'_>, sink: &mut dyn Sink) -> Res<()> {
    let mut first = true;
    while lx.next_key(&mut first)? {
        lx.eat();
        let key = lx.string_owned()?;
        // `None`: the key was given before
        let Some(entry) = sink.child(0, Some(key.clone())) else {
            return Err(Fail::data(
                format!("duplicate field `{key}`"),
                Pending::Here,
            ));
        };
        lx.colon()?;
        value(lx, &PRIVILEGES_ENTRY, entry, 0, true).map_err(|e| e.under(Seg::Key(key)))?;
    }
    Ok(())
}

/// A unit-only enum, by name or as `{ "name": null }` (serde_json's `deserialize_enum`
/// with the derive's visitor): the index of its variant in `names`.
fn unit_enum(lx: &mut Lexer<'_>, names: &'static [&'static str]) -> Res<usize> {
    match lx.ws() {
        Some(b'"') => {
            lx.eat();
            variant(lx, names)
        }
        Some(b'{') => map_form(lx, |lx| unit_content(lx, names)),
        Some(_) => Err(lx.peek_err(crate::json_read::code::EXPECTED_VALUE)),
        None => Err(lx.peek_err(crate::json_read::code::EOF_VALUE)),
    }
}

/// A unit variant in map form, `{` consumed: its name and `null`.
fn unit_content(lx: &mut Lexer<'_>, names: &'static [&'static str]) -> Res<usize> {
    let i = variant_key(lx, names)?;
    lx.colon()?;
    let name = names.get(i).copied().unwrap_or_default();
    lx.unit_value()
        .map_err(|e| e.under(Seg::Key(name.to_owned())))?;
    Ok(i)
}

/// A principal, `{ "user": id }` or `{ "team": id }` (serde_json's `deserialize_enum` with
/// the derive's visitor of newtype variants).
fn principal(lx: &mut Lexer<'_>) -> Res<Principal> {
    const NAMES: &[&str] = &["user", "team"];
    match lx.ws() {
        Some(b'"') => {
            lx.eat();
            variant(lx, NAMES)?;
            // placed by the enclosing struct
            Err(Fail::data(
                "invalid type: unit variant, expected newtype variant".into(),
                Pending::Here,
            ))
        }
        Some(b'{') => map_form(lx, |lx| principal_content(lx, NAMES)),
        Some(_) => Err(lx.peek_err(crate::json_read::code::EXPECTED_VALUE)),
        None => Err(lx.peek_err(crate::json_read::code::EOF_VALUE)),
    }
}

/// A principal in map form, `{` consumed: its variant and id.
fn principal_content(lx: &mut Lexer<'_>, names: &'static [&'static str]) -> Res<Principal> {
    let i = variant_key(lx, names)?;
    lx.colon()?;
    let name = names.get(i).copied().unwrap_or_default();
    let id = lx
        .str_value()
        .map_err(|e| e.under(Seg::Key(name.to_owned())))?;
    Ok(if i == 0 {
        Principal::User(id)
    } else {
        Principal::Team(id)
    })
}

/// A variant name, its opening quote consumed.
fn variant(lx: &mut Lexer<'_>, names: &'static [&'static str]) -> Res<usize> {
    let s = lx.string()?;
    let text: &str = match s {
        Some(s) => s,
        None => &lx.scratch,
    };
    match names.iter().position(|n| *n == text) {
        Some(i) => Ok(i),
        None => {
            let msg = unknown_variant(text, names);
            Err(lx.data_err(msg))
        }
    }
}

/// The variant key of an enum in map form, `{` consumed (serde_json's `VariantAccess`).
fn variant_key(lx: &mut Lexer<'_>, names: &'static [&'static str]) -> Res<usize> {
    use crate::json_read::code;
    match lx.ws() {
        Some(b'"') => {}
        Some(b'}') => return Err(lx.peek_err(code::EXPECTED_VALUE)),
        Some(_) => return Err(lx.peek_err(code::KEY_MUST_BE_A_STRING)),
        None => return Err(lx.peek_err(code::EOF_OBJECT)),
    }
    lx.eat();
    variant(lx, names)
}

/// An enum in map form, at its `{`: one nesting level entered, `content` read, then the
/// closing `}`.
fn map_form<T>(lx: &mut Lexer<'_>, content: impl FnOnce(&mut Lexer<'_>) -> Res<T>) -> Res<T> {
    lx.enter()?;
    lx.eat();
    let ret = content(lx);
    lx.leave();
    let v = ret?;
    enum_end(lx)?;
    Ok(v)
}

/// The `}` of an enum in map form.
fn enum_end(lx: &mut Lexer<'_>) -> Res<()> {
    use crate::json_read::code;
    match lx.ws() {
        Some(b'}') => {
            lx.eat();
            Ok(())
        }
        Some(_) => Err(lx.err(code::EXPECTED_VALUE)),
        None => Err(lx.err(code::EOF_OBJECT)),
    }
}

static SNAPSHOT_TY: Ty = Ty::Struct(&SNAPSHOT);
static PRIVILEGES_ENTRY: Ty = Ty::Struct(&TABLE_PRIVILEGES);

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

impl Sink for Privileges {
    fn leaf(&mut self, _: usize, _: Leaf) {}
    fn child(&mut self, _: usize, key: Option<String>) -> Option<&mut dyn Sink> {
        Some(self.add(key?)?)
    }
}

impl Blank for Role {
    fn blank() -> Self {
        Role {
            id: String::new(),
            name: String::new(),
            privileges: Privileges::new(),
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
