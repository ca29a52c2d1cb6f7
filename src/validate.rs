//! Loading a snapshot: JSON parsing with exact error paths, every rule of SPEC §1/§7
//! checked (all problems collected at once), and compilation into a [`State`].

use crate::access::{Level, Right, RightSet};
use crate::error::{
    at, cat, in_other_unit, pointer_token, q, q2, quote, short_id, Errors, PolicyError,
};
use crate::limits;
use crate::model::{Ownership, Principal, RoleAssignment, Snapshot, TeamKind};
use crate::sort::SortTotal;
use crate::state::{
    team_principal, AccessTeamEntry, Assignment, HierarchyRow, RelRow, RoleRow, ShareEntry, State,
    TableRow, TeamRow, TemplateRow, UnitRow, UserRow, NONE,
};

/// Whether `needle` occurs in `hay` (`str::contains` by bytes: no two-way searcher in the wasm).
fn has(hay: &str, needle: &str) -> bool {
    needle.is_empty()
        || hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
}

/// The error of serde message `msg` at JSON pointer `pointer` (the code follows the message).
pub(crate) fn error_at_pointer(mut pointer: String, msg: &str) -> PolicyError {
    let code = if msg.starts_with("unknown field") {
        "unknown-field"
    } else if msg.starts_with("missing field") {
        "missing-field"
    } else if msg.starts_with("duplicate field") {
        "duplicate-field"
    } else if has(msg, "recursion limit") {
        "limit-exceeded"
    } else if msg.starts_with("unknown variant") && has(&pointer, "/privileges/") {
        "bad-access-level"
    } else if msg.starts_with("unknown variant")
        && (has(&pointer, "/rights") || pointer.ends_with("/right"))
    {
        "bad-right"
    } else {
        "bad-type"
    };
    if code == "duplicate-field" {
        // (what follows the first backquote, up to the next: the key serde_json names)
        if let Some(key) = msg
            .split_once('`')
            .map(|(_, rest)| rest.split_once('`').map_or(rest, |(k, _)| k))
        {
            pointer.push('/');
            pointer.push_str(&pointer_token(key));
        }
    }
    let mut e = PolicyError::new(code, pointer, msg.to_string());
    if code == "bad-access-level" {
        e = e.with_help("levels are none, basic, local, deep, global");
    } else if code == "bad-right" {
        e = e.with_help("rights are create, read, write, delete, append, appendTo, assign, share");
    }
    e
}

/// The error for an input over [`limits::MAX_INPUT_BYTES`], if it is.
pub(crate) fn too_long(json: &str, root: &str) -> Option<PolicyError> {
    (json.len() > limits::MAX_INPUT_BYTES).then(|| {
        PolicyError::new(
            "limit-exceeded",
            root,
            format!(
                "input is {} bytes; the limit is {}",
                json.len(),
                limits::MAX_INPUT_BYTES
            ),
        )
    })
}

/// Parse a snapshot (SPEC §1) from JSON text (`crate::read`), with serde_json's errors: a
/// syntax error is `invalid-json` at the root (`limit-exceeded` past 128 nested levels), a
/// data error has the code of its message and the JSON pointer of the value at fault.
pub fn parse_snapshot(json: &str) -> Result<Snapshot, PolicyError> {
    if let Some(e) = too_long(json, "") {
        return Err(e);
    }
    crate::read::snapshot(json).map_err(|f| f.into_error(json, ""))
}

/// Parse JSON text into `T` through serde_json and `T`'s `Deserialize`, with the errors of
/// [`parse_snapshot`] (the pointer of a data error recovered from its position). The
/// reference that `tests/snapshot_reader.rs` holds the snapshot reader to.
#[cfg(feature = "serde")]
pub fn parse_json<T: serde::de::DeserializeOwned>(
    json: &str,
    root: &str,
) -> Result<T, PolicyError> {
    if let Some(e) = too_long(json, root) {
        return Err(e);
    }
    // serde_json reports where a data error was raised (line and column); the JSON
    // pointer of that place is recovered by re-reading the text up to there
    // (`pointer_at`).
    let mut de = serde_json::Deserializer::from_str(json);
    let parsed = T::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(v) => Ok(v),
        Err(err) => {
            let msg = err.to_string();
            if err.is_syntax() || err.is_eof() {
                return Err(if has(&msg, "recursion limit") {
                    PolicyError::new("limit-exceeded", root, msg)
                } else {
                    PolicyError::new("invalid-json", root, msg)
                });
            }
            let offset = byte_offset(json, err.line(), err.column());
            let mut pointer = String::from(root);
            pointer.push_str(&pointer_at(json, offset, msg.starts_with("unknown field")));
            Err(error_at_pointer(pointer, &msg))
        }
    }
}

#[cfg(feature = "serde")]
/// The byte offset of serde_json's error position (1-based line, column = bytes consumed
/// on that line).
fn byte_offset(json: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    let mut lines = line.saturating_sub(1);
    if lines > 0 {
        for (i, b) in json.bytes().enumerate() {
            if b == b'\n' {
                lines -= 1;
                if lines == 0 {
                    start = i + 1;
                    break;
                }
            }
        }
    }
    start.saturating_add(column).min(json.len())
}

/// The JSON pointer (relative) of the value a data error raised at byte `offset` of
/// `json` is about, as `serde_path_to_error` would name it: re-reads the (lexically
/// valid) text up to `offset`, tracking the key or index of every open container.
/// Raised right after an object key: an unknown field names the key (`key_error`);
/// anything else there (a duplicate key, an unknown enum variant) names the object.
#[cfg(feature = "serde")]
fn pointer_at(json: &str, offset: usize, key_error: bool) -> String {
    enum Frame {
        Obj(Option<String>),
        Arr(usize),
    }
    #[derive(PartialEq)]
    enum Last {
        Open,
        Key,
        Other,
        Comma,
    }
    let bytes = json.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut last = Last::Other;
    let mut i = 0;
    while i < end {
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'{' => {
                stack.push(Frame::Obj(None));
                last = Last::Open;
            }
            b'[' => {
                stack.push(Frame::Arr(0));
                last = Last::Open;
            }
            b'}' | b']' => {
                stack.pop();
                last = Last::Other;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Arr(n)) => *n += 1,
                    Some(Frame::Obj(k)) => *k = None,
                    None => {}
                }
                last = Last::Comma;
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                let is_key = matches!(stack.last(), Some(Frame::Obj(_)))
                    && (last == Last::Open || last == Last::Comma);
                if is_key {
                    let raw = json.get(start..=i).unwrap_or("\"\"");
                    let key = serde_json::from_str::<String>(raw).unwrap_or_default();
                    if let Some(Frame::Obj(k)) = stack.last_mut() {
                        *k = Some(key);
                    }
                    last = Last::Key;
                } else {
                    last = Last::Other;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => last = Last::Other,
        }
        i += 1;
    }
    let mut pointer = String::new();
    let n = stack.len();
    for (depth, frame) in stack.iter().enumerate() {
        match frame {
            Frame::Obj(Some(key)) => {
                if depth + 1 == n && last == Last::Key && !key_error {
                    break;
                }
                pointer.push('/');
                pointer.push_str(&pointer_token(key));
            }
            Frame::Obj(None) => {}
            Frame::Arr(index) => {
                pointer.push('/');
                pointer.push_str(&index.to_string());
            }
        }
    }
    pointer
}

/// The problems a load collects (at most [`limits::MAX_ERRORS`]), for the JSON and the
/// binary loaders.
#[derive(Default)]
pub(crate) struct Ctx {
    pub(crate) errors: Vec<PolicyError>,
}

/// The `no-relationship` error of record `i`, whose parent's table `pt` no parental
/// relationship links to its own table `ct` (both loaders, JSON and bytes, report it).
pub(crate) fn no_relationship(ctx: &mut Ctx, st: &State, i: usize, pt: u32, ct: u32) {
    ctx.err(
        "no-relationship",
        at("/records/", i, "/parent"),
        q2(
            "no parental relationship links table `",
            st.table_name(pt),
            "` to table `",
            st.table_name(ct),
            "`",
        ),
    );
}

impl Ctx {
    /// Record a problem (dropped past the limit).
    pub(crate) fn err(&mut self, code: &str, path: String, msg: String) {
        if self.errors.len() < limits::MAX_ERRORS {
            self.errors.push(PolicyError::new(code, path, msg));
        }
    }
}

fn dup(ctx: &mut Ctx, kind: &str, id: &str, path: String) {
    ctx.err(
        "duplicate-id",
        path,
        cat(kind, " id `", &short_id(id), "` is used twice", "", ""),
    );
}

/// Validate a snapshot and compile it into a [`State`].
pub fn load(s: &Snapshot) -> Result<State, Errors> {
    load_with(s, s.records.as_slice())
}

/// A principal as the loader reads it.
#[derive(Debug, Clone, Copy)]
pub enum PrincipalIn<'a> {
    /// A user id.
    User(&'a str),
    /// A team id.
    Team(&'a str),
}

/// One record as the loader reads it, borrowed from a snapshot or from the string table
/// of a binary snapshot (so a binary load allocates no string per record).
#[derive(Debug, Clone, Copy)]
pub struct RecordIn<'a> {
    /// Id.
    pub id: &'a str,
    /// Display name.
    pub name: Option<&'a str>,
    /// Table name.
    pub table: &'a str,
    /// Owner.
    pub owner: Option<PrincipalIn<'a>>,
    /// Owning business unit.
    pub business_unit: Option<&'a str>,
    /// Parent record id.
    pub parent: Option<&'a str>,
    /// Active flag.
    pub active: bool,
}

/// Where the loader's records come from: the snapshot's own list, or a decoded binary.
pub trait RecordSource {
    /// Number of records.
    fn count(&self) -> usize;
    /// Record `i` (`None` past the end).
    fn record(&self, i: usize) -> Option<RecordIn<'_>>;
    /// Bytes of all record ids (to size the id arena before loading).
    fn id_bytes(&self) -> usize {
        (0..self.count())
            .filter_map(|i| self.record(i))
            .map(|r| r.id.len())
            .sum()
    }
}

impl RecordSource for [crate::model::Record] {
    fn count(&self) -> usize {
        self.len()
    }
    #[inline]
    fn record(&self, i: usize) -> Option<RecordIn<'_>> {
        self.get(i).map(RecordIn::of)
    }
}

impl<'a> RecordIn<'a> {
    /// The borrowed view of a record.
    pub fn of(r: &'a crate::model::Record) -> RecordIn<'a> {
        RecordIn {
            id: &r.id,
            name: r.name.as_deref(),
            table: &r.table,
            owner: r.owner.as_ref().map(|p| match p {
                Principal::User(u) => PrincipalIn::User(u),
                Principal::Team(t) => PrincipalIn::Team(t),
            }),
            business_unit: r.business_unit.as_deref(),
            parent: r.parent.as_deref(),
            active: r.active,
        }
    }

    /// The record, owned.
    pub fn to_record(&self) -> crate::model::Record {
        crate::model::Record {
            id: self.id.to_string(),
            name: self.name.map(str::to_string),
            table: self.table.to_string(),
            owner: self.owner.map(|p| match p {
                PrincipalIn::User(u) => Principal::User(u.to_string()),
                PrincipalIn::Team(t) => Principal::Team(t.to_string()),
            }),
            business_unit: self.business_unit.map(str::to_string),
            parent: self.parent.map(str::to_string),
            active: self.active,
        }
    }
}

/// [`load`] with the records taken from `records` instead of `s.records` (which is then
/// ignored).
pub fn load_with<R: RecordSource + ?Sized>(s: &Snapshot, records: &R) -> Result<State, Errors> {
    load_dyn(s, &Source(records))
}

/// `records` seen through one trait object, so the loader is compiled once for every
/// kind of record source (two copies of it were ~25 KB of wasm).
struct Source<'a, R: ?Sized>(&'a R);

impl<R: RecordSource + ?Sized> RecordSource for Source<'_, R> {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn record(&self, i: usize) -> Option<RecordIn<'_>> {
        self.0.record(i)
    }
    fn id_bytes(&self) -> usize {
        self.0.id_bytes()
    }
}

fn load_dyn(s: &Snapshot, records: &dyn RecordSource) -> Result<State, Errors> {
    let mut ctx = Ctx { errors: Vec::new() };
    if s.version != 1 {
        ctx.err(
            "unsupported-version",
            "/version".into(),
            format!("snapshot version {} is not supported (only 1)", s.version),
        );
    }
    limits::check_snapshot(s, records, &mut ctx.errors);
    if !ctx.errors.is_empty() {
        return Err(Errors(ctx.errors));
    }
    let mut st = State::empty(s.settings);
    let across = s.settings.ownership_across_business_units;

    // ---- business units
    for (i, b) in s.business_units.iter().enumerate() {
        let idx = i as u32;
        if st.unit_ids.contains_key(&b.id) {
            dup(
                &mut ctx,
                "business unit",
                &b.id,
                at("/businessUnits/", i, "/id"),
            );
        } else {
            st.unit_ids.insert(b.id.clone(), idx);
        }
        st.units.push(UnitRow {
            id: b.id.clone(),
            name: b.name.clone(),
            parent: NONE,
            disabled: b.disabled,
            alive: true,
            default_team: NONE,
        });
    }
    let mut roots = Vec::new();
    for (i, b) in s.business_units.iter().enumerate() {
        match &b.parent {
            None => roots.push(i),
            Some(p) => match st.unit_ids.get(p) {
                Some(&pi) => {
                    if let Some(u) = st.units.get_mut(i) {
                        u.parent = pi;
                    }
                }
                None => ctx.err(
                    "unknown-business-unit",
                    at("/businessUnits/", i, "/parent"),
                    q("parent business unit `", p, "` does not exist"),
                ),
            },
        }
    }
    if roots.is_empty() && ctx.errors.is_empty() {
        ctx.err(
            "no-root",
            "/businessUnits".into(),
            "there must be exactly one root business unit (parent null)".into(),
        );
    }
    for &i in roots.iter().skip(1) {
        ctx.err(
            "multiple-roots",
            at("/businessUnits/", i, "/parent"),
            format!(
                "business unit `{}` is a second root; only one unit may have parent null",
                short_id(s.business_units.get(i).map(|b| b.id.as_str()).unwrap_or(""))
            ),
        );
    }
    let unit_parents: Vec<u32> = st.units.iter().map(|u| u.parent).collect();
    for i in find_cycles(&unit_parents) {
        ctx.err(
            "cycle",
            at("/businessUnits/", i, "/parent"),
            q(
                "business unit `",
                st.unit_id(i as u32),
                "` is its own ancestor",
            ),
        );
    }
    // (the path `{a0}{i}{a1}` is formatted only for an unknown unit)
    let unit_ref = |ctx: &mut Ctx, st: &State, id: &str, (a0, i, a1): (&str, usize, &str)| -> u32 {
        match st.unit_ids.get(id) {
            Some(&b) => b,
            None => {
                ctx.err(
                    "unknown-business-unit",
                    at(a0, i, a1),
                    q("business unit `", id, "` does not exist"),
                );
                NONE
            }
        }
    };

    // ---- tables and relationships
    for (i, t) in s.tables.iter().enumerate() {
        if st.table_ids.contains_key(&t.name) {
            dup(&mut ctx, "table", &t.name, at("/tables/", i, "/name"));
            continue;
        }
        st.table_ids.insert(t.name.clone(), st.tables.len() as u32);
        st.tables.push(TableRow {
            name: t.name.clone(),
            ownership: t.ownership,
            parent_rel: NONE,
            hierarchy: false,
        });
    }
    let table_ref = |ctx: &mut Ctx, st: &State, name: &str, path: String| -> u32 {
        match st.table_ids.get(name) {
            Some(&t) => t,
            None => {
                ctx.err(
                    "unknown-table",
                    path,
                    q("table `", name, "` does not exist"),
                );
                NONE
            }
        }
    };
    for (i, r) in s.relationships.iter().enumerate() {
        let p = table_ref(
            &mut ctx,
            &st,
            &r.parent,
            at("/relationships/", i, "/parent"),
        );
        let c = table_ref(&mut ctx, &st, &r.child, at("/relationships/", i, "/child"));
        if p == NONE || c == NONE {
            continue;
        }
        let rel = st.rels.len() as u32;
        let Some(child) = st.tables.get_mut(c as usize) else {
            continue;
        };
        if child.parent_rel != NONE {
            ctx.err(
                "multiple-parent-relationships",
                at("/relationships/", i, "/child"),
                q("table `", &r.child, "` already has a parental relationship"),
            );
            continue;
        }
        child.parent_rel = rel;
        st.rels.push(RelRow {
            parent: p,
            child: c,
            assign: r.cascade.assign,
            share: r.cascade.share,
            unshare: r.cascade.unshare,
            reparent: r.cascade.reparent,
            delete: r.cascade.delete,
        });
    }

    // ---- roles
    for (i, r) in s.roles.iter().enumerate() {
        if st.role_ids.contains_key(&r.id) {
            dup(&mut ctx, "role", &r.id, at("/roles/", i, "/id"));
            continue;
        }
        let mut levels = vec![[Level::None; 8]; st.tables.len()];
        for (table, privs) in &r.privileges {
            let t = table_ref(
                &mut ctx,
                &st,
                table,
                format!("/roles/{i}/privileges/{}", pointer_token(table)),
            );
            if let Some(row) = levels.get_mut(t as usize) {
                for right in Right::ALL {
                    if let Some(l) = row.get_mut(right.index()) {
                        *l = privs.level(right);
                    }
                }
            }
        }
        st.role_ids.insert(r.id.clone(), st.roles.len() as u32);
        st.roles.push(RoleRow {
            id: r.id.clone(),
            name: r.name.clone(),
            levels,
        });
    }
    let assignments = |ctx: &mut Ctx,
                       st: &State,
                       list: &[RoleAssignment],
                       holder_unit: u32,
                       (a0, i, a1): (&str, usize, &str)|
     -> Vec<Assignment> {
        // the path of assignment j (`{a0}{i}{a1}/{j}{tail}`), formatted only for an error
        let path = |j: usize, tail: &str| format!("{}/{j}{tail}", at(a0, i, a1));
        let mut out = Vec::with_capacity(list.len());
        for (j, a) in list.iter().enumerate() {
            let role = match st.role_ids.get(&a.role) {
                Some(&r) => r,
                None => {
                    ctx.err(
                        "unknown-role",
                        path(j, "/role"),
                        q("role `", &a.role, "` does not exist"),
                    );
                    continue;
                }
            };
            let mut unit = NONE;
            if let Some(b) = &a.business_unit {
                unit = match st.unit_ids.get(b) {
                    Some(&x) => x,
                    None => {
                        ctx.err(
                            "unknown-business-unit",
                            path(j, "/businessUnit"),
                            q("business unit `", b, "` does not exist"),
                        );
                        continue;
                    }
                };
                if unit == holder_unit {
                    unit = NONE; // canonical: the implicit anchor
                } else if !across {
                    ctx.err(
                        "role-anchor-not-allowed",
                        path(j, "/businessUnit"),
                        q2(
                            "role `",
                            &a.role,
                            "` is anchored at `",
                            b,
                            "`, another unit than its holder's; that needs ownershipAcrossBusinessUnits",
                        ),
                    );
                }
            }
            let asg = Assignment { role, unit };
            if out.contains(&asg) {
                ctx.err(
                    "duplicate-id",
                    path(j, ""),
                    q("role `", &a.role, "` is assigned twice"),
                );
                continue;
            }
            out.push(asg);
        }
        out
    };

    // ---- default teams (one per unit), then explicit teams
    for (i, b) in s.business_units.iter().enumerate() {
        let t = st.teams.len() as u32;
        let roles = assignments(
            &mut ctx,
            &st,
            &b.default_team_roles,
            i as u32,
            ("/businessUnits/", i, "/defaultTeamRoles"),
        );
        if let Some(u) = st.units.get_mut(i) {
            u.default_team = t;
        }
        let id = format!("default:{}", b.id);
        st.team_ids.insert(id.clone(), t);
        st.teams.push(TeamRow {
            id,
            name: b.name.clone(),
            kind: TeamKind::Owner,
            unit: i as u32,
            members: Vec::new(),
            roles,
            inheritance: crate::model::Inheritance::Direct,
            alive: true,
            default_of: i as u32,
        });
    }

    // ---- users (before teams: members refer to them)
    for (i, u) in s.users.iter().enumerate() {
        if st.user_ids.contains_key(&u.id) {
            dup(&mut ctx, "user", &u.id, at("/users/", i, "/id"));
        } else {
            st.user_ids.insert(u.id.clone(), i as u32);
        }
    }
    for (i, u) in s.users.iter().enumerate() {
        let unit = unit_ref(
            &mut ctx,
            &st,
            &u.business_unit,
            ("/users/", i, "/businessUnit"),
        );
        let manager = match &u.manager {
            None => NONE,
            Some(m) => match st.user_ids.get(m) {
                Some(&x) => x,
                None => {
                    ctx.err(
                        "unknown-user",
                        at("/users/", i, "/manager"),
                        q("manager `", m, "` does not exist"),
                    );
                    NONE
                }
            },
        };
        let roles = assignments(&mut ctx, &st, &u.roles, unit, ("/users/", i, "/roles"));
        st.users.push(UserRow {
            id: u.id.clone(),
            name: u.name.clone(),
            unit,
            manager,
            disabled: u.disabled,
            category: u.category.clone(),
            roles,
            alive: true,
        });
    }
    let managers: Vec<u32> = st.users.iter().map(|u| u.manager).collect();
    let manager_cycles = find_cycles(&managers);
    for &i in &manager_cycles {
        ctx.err(
            "cycle",
            at("/users/", i, "/manager"),
            q(
                "user `",
                st.user_id(i as u32),
                "` is their own (indirect) manager",
            ),
        );
    }
    if s.settings.managers_must_be_in_same_or_parent_business_unit && ctx.errors.is_empty() {
        let tree = unit_tree(&st);
        for (i, u) in st.users.iter().enumerate() {
            if let Some(m) = st.user(u.manager) {
                if !tree.in_subtree(u.unit, m.unit) {
                    ctx.err(
                        "manager-out-of-scope",
                        at("/users/", i, "/manager"),
                        quote(&[
                            "manager `",
                            &m.id,
                            "` is in `",
                            st.unit_id(m.unit),
                            "`, which is neither `",
                            st.unit_id(u.unit),
                            "` nor one of its ancestors",
                        ]),
                    );
                }
            }
        }
    }

    // ---- explicit teams
    for (i, t) in s.teams.iter().enumerate() {
        if t.id.starts_with("default:") {
            ctx.err(
                "reserved-id",
                at("/teams/", i, "/id"),
                q("team id `", &t.id, "` is reserved for default teams"),
            );
            continue;
        }
        if st.team_ids.contains_key(&t.id) {
            dup(&mut ctx, "team", &t.id, at("/teams/", i, "/id"));
            continue;
        }
        let unit = unit_ref(
            &mut ctx,
            &st,
            &t.business_unit,
            ("/teams/", i, "/businessUnit"),
        );
        let mut members = Vec::with_capacity(t.members.len());
        for (j, m) in t.members.iter().enumerate() {
            match st.user_ids.get(m) {
                Some(&u) => members.push(u),
                None => ctx.err(
                    "unknown-user",
                    format!("/teams/{i}/members/{j}"),
                    q("member `", m, "` does not exist"),
                ),
            }
        }
        let n = members.len();
        members.sort_total();
        members.dedup();
        if members.len() != n {
            ctx.err(
                "duplicate-id",
                at("/teams/", i, "/members"),
                q("team `", &t.id, "` lists a member twice"),
            );
        }
        if t.kind == TeamKind::Access && !t.roles.is_empty() {
            ctx.err(
                "access-team-roles",
                at("/teams/", i, "/roles"),
                q("access team `", &t.id, "` cannot hold roles"),
            );
        }
        let roles = assignments(&mut ctx, &st, &t.roles, unit, ("/teams/", i, "/roles"));
        let idx = st.teams.len() as u32;
        st.team_ids.insert(t.id.clone(), idx);
        st.teams.push(TeamRow {
            id: t.id.clone(),
            name: t.name.clone(),
            kind: t.kind,
            unit,
            members,
            roles,
            inheritance: t.inheritance,
            alive: true,
            default_of: NONE,
        });
    }

    // ---- access team templates
    for (i, t) in s.access_team_templates.iter().enumerate() {
        if st.template_ids.contains_key(&t.id) {
            dup(
                &mut ctx,
                "access team template",
                &t.id,
                at("/accessTeamTemplates/", i, "/id"),
            );
            continue;
        }
        let table = table_ref(
            &mut ctx,
            &st,
            &t.table,
            at("/accessTeamTemplates/", i, "/table"),
        );
        if st.org_owned(table) {
            ctx.err(
                "organization-owned",
                at("/accessTeamTemplates/", i, "/table"),
                q(
                    "table `",
                    &t.table,
                    "` is organization-owned; its records cannot be shared",
                ),
            );
        }
        st.template_ids
            .insert(t.id.clone(), st.templates.len() as u32);
        st.templates.push(TemplateRow {
            id: t.id.clone(),
            table,
            rights: RightSet::from_rights(&t.rights),
        });
    }

    // ---- records
    let n = records.count();
    st.records.core.reserve(n);
    st.records.name_at.reserve(n);
    st.records.ids.reserve(n, records.id_bytes());
    st.list_pos.reserve(n);
    let mut parents: Vec<(usize, u32, &str)> = Vec::new();
    for (i, r) in (0..n).filter_map(|i| Some((i, records.record(i)?))) {
        let ci = match st.records.ids.push_new(r.id) {
            Some(Ok(ci)) => ci,
            Some(Err(_)) => {
                dup(&mut ctx, "record", r.id, at("/records/", i, "/id"));
                continue;
            }
            None => {
                ctx.err(
                    "limit-exceeded",
                    at("/records/", i, ""),
                    "too many records".into(),
                );
                break;
            }
        };
        let table = match st.table_ids.get(r.table) {
            Some(&t) => t,
            None => table_ref(&mut ctx, &st, r.table, at("/records/", i, "/table")),
        };
        let ownership = st.tables.get(table as usize).map(|t| t.ownership);
        let mut owner = NONE;
        let mut unit = NONE;
        match (ownership, r.owner) {
            (Some(Ownership::Organization), Some(_)) => ctx.err(
                "organization-owned",
                at("/records/", i, "/owner"),
                q(
                    "table `",
                    r.table,
                    "` is organization-owned; its records have no owner",
                ),
            ),
            (Some(Ownership::User), None) => ctx.err(
                "missing-owner",
                at("/records/", i, "/owner"),
                q2(
                    "record `",
                    r.id,
                    "` of user-owned table `",
                    r.table,
                    "` needs an owner",
                ),
            ),
            (_, Some(PrincipalIn::User(u))) => match st.user_ids.get(u) {
                Some(&x) => {
                    owner = x;
                    unit = st.user(x).map(|u| u.unit).unwrap_or(NONE);
                }
                None => ctx.err(
                    "unknown-user",
                    format!("/records/{i}/owner/user"),
                    q("owner `", u, "` does not exist"),
                ),
            },
            (_, Some(PrincipalIn::Team(t))) => match st.team_ids.get(t) {
                Some(&x) => {
                    let team = st.team(x);
                    if team.is_some_and(|t| t.kind == TeamKind::Access) {
                        ctx.err(
                            "access-team-owner",
                            format!("/records/{i}/owner/team"),
                            q("access team `", t, "` cannot own records"),
                        );
                    }
                    owner = team_principal(x);
                    unit = team.map(|t| t.unit).unwrap_or(NONE);
                }
                None => ctx.err(
                    "unknown-team",
                    format!("/records/{i}/owner/team"),
                    q("owner team `", t, "` does not exist"),
                ),
            },
            _ => {}
        }
        if let Some(b) = r.business_unit {
            if ownership == Some(Ownership::Organization) {
                ctx.err(
                    "organization-owned",
                    at("/records/", i, "/businessUnit"),
                    q(
                        "table `",
                        r.table,
                        "` is organization-owned; its records have no owning unit",
                    ),
                );
            } else {
                let bu = unit_ref(&mut ctx, &st, b, ("/records/", i, "/businessUnit"));
                if bu != NONE && unit != NONE && bu != unit && !across {
                    ctx.err(
                        "business-unit-mismatch",
                        at("/records/", i, "/businessUnit"),
                        in_other_unit(r.id, b, st.unit_id(unit)),
                    );
                }
                if bu != NONE {
                    unit = bu;
                }
            }
        }
        let Some(()) = st.attach_record(ci, r.name, table, owner, unit, NONE, r.active) else {
            ctx.err(
                "limit-exceeded",
                at("/records/", i, ""),
                "too many records".into(),
            );
            break;
        };
        if let Some(p) = r.parent {
            parents.push((i, ci, p));
        }
    }
    // record indexes equal input positions only when no duplicate was skipped
    let positions_match = st.records.len() == n;
    for (i, ci, p) in parents {
        let Some(pi) = st.records.ids.find(p) else {
            ctx.err(
                "unknown-record",
                at("/records/", i, "/parent"),
                q("parent record `", p, "` does not exist"),
            );
            continue;
        };
        let ct = st.records.table(ci);
        let pt = st.records.table(pi);
        let expected = st.parent_rel(ct).map(|r| r.parent);
        if expected != Some(pt) {
            no_relationship(&mut ctx, &st, i, pt, ct);
            continue;
        }
        st.set_record_parent(ci, pi);
    }
    if positions_match {
        let parent_col: Vec<u32> = st.records.core.iter().map(|c| c.parent).collect();
        for i in find_cycles(&parent_col) {
            ctx.err(
                "cycle",
                at("/records/", i, "/parent"),
                q("record `", st.records.id(i as u32), "` is its own ancestor"),
            );
        }
    }

    // ---- shares
    // (the path `{a0}{i}{a1}` is formatted only for an unknown record)
    let record_ref =
        |ctx: &mut Ctx, st: &State, id: &str, (a0, i, a1): (&str, usize, &str)| -> u32 {
            match st.records.ids.find(id) {
                Some(r) => r,
                None => {
                    ctx.err(
                        "unknown-record",
                        at(a0, i, a1),
                        q("record `", id, "` does not exist"),
                    );
                    NONE
                }
            }
        };
    let mut share_lists: crate::state::Map<u32, Vec<ShareEntry>> = crate::state::new_map();
    let mut seen_shares: crate::map::Set<(u32, u32)> = crate::map::Set::new();
    for (i, sh) in s.shares.iter().enumerate() {
        let r = record_ref(&mut ctx, &st, &sh.record, ("/shares/", i, "/record"));
        let p = match crate::decide::principal_index(&st, &sh.principal) {
            Some(p) => p,
            None => principal_ref(
                &mut ctx,
                &st,
                &sh.principal,
                at("/shares/", i, "/principal"),
            ),
        };
        if r == NONE || p == NONE {
            continue;
        }
        if st.org_owned(st.records.table(r)) {
            ctx.err(
                "organization-owned",
                at("/shares/", i, "/record"),
                q(
                    "record `",
                    &sh.record,
                    "` is organization-owned and cannot be shared",
                ),
            );
            continue;
        }
        let list = share_lists.entry(r).or_default();
        if !seen_shares.insert((r, p)) {
            ctx.err(
                "duplicate-id",
                at("/shares/", i, ""),
                q(
                    "record `",
                    &sh.record,
                    "` is shared twice with the same principal",
                ),
            );
            continue;
        }
        list.push(ShareEntry {
            principal: p,
            rights: RightSet::from_rights(&sh.rights),
        });
    }
    let mut share_lists: Vec<(u32, Vec<ShareEntry>)> = share_lists.into_iter().collect();
    share_lists.sort_total_by_key(|(r, _)| *r);
    for (r, list) in share_lists {
        st.set_shares(r, list);
    }

    // ---- access teams
    let mut at_lists = AccessTeamLists::default();
    for (i, a) in s.access_teams.iter().enumerate() {
        let template = match st.template_ids.get(&a.template) {
            Some(&t) => t,
            None => {
                ctx.err(
                    "unknown-template",
                    at("/accessTeams/", i, "/template"),
                    q("access team template `", &a.template, "` does not exist"),
                );
                NONE
            }
        };
        let r = record_ref(&mut ctx, &st, &a.record, ("/accessTeams/", i, "/record"));
        let mut members = Vec::with_capacity(a.members.len());
        for (j, m) in a.members.iter().enumerate() {
            match st.user_ids.get(m) {
                Some(&u) => members.push(u),
                None => ctx.err(
                    "unknown-user",
                    format!("/accessTeams/{i}/members/{j}"),
                    q("member `", m, "` does not exist"),
                ),
            }
        }
        if template == NONE || r == NONE {
            continue;
        }
        let team = ResolvedAccessTeam {
            i,
            template,
            template_id: &a.template,
            record: r,
            record_id: &a.record,
            record_table: st.records.table(r),
        };
        add_access_team(&st, &mut at_lists, &team, members, &mut ctx);
    }
    set_access_team_lists(&mut st, at_lists);

    // ---- hierarchy
    if let Some(h) = &s.hierarchy {
        if h.depth == 0 || h.depth > limits::MAX_HIERARCHY_DEPTH {
            ctx.err(
                "bad-value",
                "/hierarchy/depth".into(),
                format!(
                    "hierarchy depth must be between 1 and {}",
                    limits::MAX_HIERARCHY_DEPTH
                ),
            );
        }
        for (i, t) in h.tables.iter().enumerate() {
            let table = table_ref(&mut ctx, &st, t, format!("/hierarchy/tables/{i}"));
            if let Some(row) = st.tables.get_mut(table as usize) {
                row.hierarchy = true;
            }
        }
        st.hierarchy = Some(HierarchyRow {
            model: h.model,
            depth: h.depth,
        });
    }

    // ---- assertions
    for (i, a) in s.assertions.iter().enumerate() {
        if !st.user_ids.contains_key(&a.user) {
            ctx.err(
                "unknown-user",
                at("/assertions/", i, "/user"),
                q("user `", &a.user, "` does not exist"),
            );
        }
        if st.records.ids.find(&a.record).is_none() {
            ctx.err(
                "unknown-record",
                at("/assertions/", i, "/record"),
                q("record `", &a.record, "` does not exist"),
            );
        }
    }
    st.assertions = s.assertions.clone();

    if !ctx.errors.is_empty() {
        return Err(Errors(ctx.errors));
    }
    // derived: default team members, user teams, reports, grants
    let n_users = st.users.len();
    st.user_teams.resize_with(n_users, Vec::new);
    st.reports.resize_with(n_users, Vec::new);
    st.owned_by_user.resize_with(n_users, Vec::new);
    st.grants.resize_with(n_users, Default::default);
    let n_teams = st.teams.len();
    st.owned_by_team.resize_with(n_teams, Vec::new);
    for u in 0..st.users.len() as u32 {
        if let Some(row) = st.user(u).cloned() {
            st.set_user(u, row);
        }
    }
    for t in 0..st.teams.len() as u32 {
        let Some(row) = st.team(t) else { continue };
        if row.default_of != NONE {
            continue;
        }
        for m in row.members.clone() {
            if let Some(v) = st.user_teams.get_mut(m as usize) {
                if let Err(pos) = v.binary_search(&t) {
                    v.insert(pos, t);
                }
            }
        }
    }
    st.refresh_all();
    Ok(st)
}

/// Access teams being loaded, by record.
pub(crate) type AccessTeamLists = crate::state::Map<u32, Vec<AccessTeamEntry>>;

/// Access team `i` of a snapshot, with its template and record resolved.
pub(crate) struct ResolvedAccessTeam<'a> {
    pub i: usize,
    pub template: u32,
    pub template_id: &'a str,
    pub record: u32,
    pub record_id: &'a str,
    /// The record's table.
    pub record_table: u32,
}

/// The SPEC §7 checks of an access team whose template, record and members are resolved
/// (the template's table, a member listed twice, two teams of one template on a record),
/// for the JSON and the binary loaders alike; adds it to `lists` unless it is refused.
pub(crate) fn add_access_team(
    st: &State,
    lists: &mut AccessTeamLists,
    a: &ResolvedAccessTeam<'_>,
    mut members: Vec<u32>,
    ctx: &mut Ctx,
) {
    let i = a.i;
    let ttable = st
        .templates
        .get(a.template as usize)
        .map_or(NONE, |t| t.table);
    if ttable != a.record_table {
        ctx.err(
            "bad-value",
            at("/accessTeams/", i, "/template"),
            quote(&[
                "template `",
                a.template_id,
                "` is for table `",
                st.table_name(ttable),
                "`, record `",
                a.record_id,
                "` is a `",
                st.table_name(a.record_table),
                "`",
            ]),
        );
        return;
    }
    let n = members.len();
    members.sort_total();
    members.dedup();
    if members.len() != n {
        ctx.err(
            "duplicate-id",
            at("/accessTeams/", i, "/members"),
            "an access team lists a member twice".into(),
        );
    }
    let list = lists.entry(a.record).or_default();
    if list.iter().any(|e| e.template == a.template) {
        ctx.err(
            "duplicate-id",
            at("/accessTeams/", i, ""),
            q2(
                "record `",
                a.record_id,
                "` has two access teams of template `",
                a.template_id,
                "`",
            ),
        );
        return;
    }
    list.push(AccessTeamEntry {
        template: a.template,
        members,
    });
}

/// Store the loaded access teams, record by record in index order.
pub(crate) fn set_access_team_lists(st: &mut State, lists: AccessTeamLists) {
    let mut lists: Vec<(u32, Vec<AccessTeamEntry>)> = lists.into_iter().collect();
    lists.sort_total_by_key(|(r, _)| *r);
    for (r, list) in lists {
        st.set_access_teams(r, list);
    }
}

fn principal_ref(ctx: &mut Ctx, st: &State, p: &Principal, path: String) -> u32 {
    match p {
        Principal::User(u) => match st.user_ids.get(u) {
            Some(&x) => x,
            None => {
                ctx.err(
                    "unknown-user",
                    format!("{path}/user"),
                    q("user `", u, "` does not exist"),
                );
                NONE
            }
        },
        Principal::Team(t) => match st.team_ids.get(t) {
            Some(&x) => team_principal(x),
            None => {
                ctx.err(
                    "unknown-team",
                    format!("{path}/team"),
                    q("team `", t, "` does not exist"),
                );
                NONE
            }
        },
    }
}

fn unit_tree(st: &State) -> crate::units::UnitTree {
    let parent: Vec<u32> = st.units.iter().map(|u| u.parent).collect();
    let disabled: Vec<bool> = st.units.iter().map(|u| u.disabled).collect();
    let alive: Vec<bool> = st.units.iter().map(|u| u.alive).collect();
    crate::units::UnitTree::build(&parent, &disabled, &alive)
}

/// Indexes of nodes lying on a cycle of the functional graph `next` (`NONE` = end), in O(n).
pub fn find_cycles(next: &[u32]) -> Vec<usize> {
    // 0 = unvisited, 1 = on current path, 2 = done
    let mut color = vec![0u8; next.len()];
    let mut out = Vec::new();
    let mut path = Vec::new();
    for start in 0..next.len() {
        if color.get(start).copied() != Some(0) {
            continue;
        }
        let mut cur = start;
        loop {
            match color.get(cur).copied() {
                Some(0) => {
                    if let Some(c) = color.get_mut(cur) {
                        *c = 1;
                    }
                    path.push(cur);
                    let n = next.get(cur).copied().unwrap_or(NONE);
                    if n == NONE {
                        break;
                    }
                    cur = n as usize;
                }
                Some(1) => {
                    // cur is on the current path: the cycle is path[pos..]
                    if let Some(pos) = path.iter().position(|&x| x == cur) {
                        out.extend(path.iter().skip(pos).copied());
                    }
                    break;
                }
                _ => break,
            }
        }
        for &p in &path {
            if let Some(c) = color.get_mut(p) {
                *c = 2;
            }
        }
        path.clear();
    }
    out.sort_total();
    out
}
