//! crm-policy: a CRM access-control engine with the Microsoft Dataverse security model
//! (business units, security roles with access levels, owner and access teams, ownership,
//! sharing, manager hierarchy), plus simulation of organisation changes.
//!
//! The engine is free of wasm code; [`wasm`] (only on `wasm32`) is a thin binding.
//!
//! ```
//! let org = crm_policy::Org::from_json(r#"{"version":1,
//!   "businessUnits":[{"id":"root","name":"Contoso","parent":null}],
//!   "tables":[{"name":"account","ownership":"user"}],
//!   "roles":[{"id":"sp","name":"Salesperson","privileges":{"account":{"read":"basic"}}}],
//!   "users":[{"id":"u1","name":"Ana","businessUnit":"root","roles":[{"role":"sp"}]}],
//!   "records":[{"id":"a1","table":"account","owner":{"user":"u1"}}]}"#).unwrap();
//! assert!(org.check("u1", crm_policy::Right::Read, "a1").unwrap());
//! ```

pub mod access;
pub mod bytes;
pub mod change;
pub mod decide;
pub mod error;
pub mod explain;
pub mod export;
pub mod generate;
pub mod grants;
pub mod history;
pub mod ids;
pub mod impact;
pub mod journal;
#[doc(hidden)]
pub mod json;
mod json_read;
pub mod limits;
pub mod map;
pub mod model;
pub mod pages;
pub mod query;
mod reach;
mod read;
mod sort;
pub mod state;
pub mod units;
pub mod validate;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use access::{Level, Right, RightSet};
pub use change::Change;
pub use error::{Errors, PolicyError};
pub use explain::{Denial, Explanation, Reason};
pub use impact::Impact;
pub use model::{Principal, Privileges, Snapshot};
pub use query::{AssertionResult, Finding, RecordPage, TableAccess};

/// The error for a record id that does not exist.
#[cold]
#[inline(never)]
fn unknown_user(user: &str) -> PolicyError {
    PolicyError::new(
        "unknown-user",
        "/user",
        error::q("user `", user, "` does not exist"),
    )
}

#[cold]
#[inline(never)]
fn unknown_record(record: &str, path: &str) -> PolicyError {
    PolicyError::new(
        "unknown-record",
        path,
        error::q("record `", record, "` does not exist"),
    )
}
use state::{State, NONE};

/// A compiled org: decisions, queries, and versioned changes.
#[derive(Debug, Clone)]
pub struct Org {
    pub(crate) st: State,
    pub(crate) history: history::History,
}

impl Org {
    /// Load a snapshot from JSON text (SPEC §1), reporting every problem at once.
    pub fn from_json(json: &str) -> Result<Org, Errors> {
        // serde reads structs from arrays too; a snapshot is an object (SPEC §1)
        // (JSON's whitespace only: `trim_start` would link Unicode's White_Space table)
        if json
            .trim_start_matches([' ', '\t', '\n', '\r'])
            .starts_with('[')
        {
            return Err(PolicyError::new(
                "bad-type",
                "",
                "a snapshot is a JSON object, not an array",
            )
            .into());
        }
        let snapshot = validate::parse_snapshot(json)?;
        Org::from_snapshot(&snapshot)
    }

    /// Load a snapshot already parsed.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Org, Errors> {
        Ok(Org {
            st: validate::load(snapshot)?,
            history: history::History::default(),
        })
    }

    /// Load the compact binary form written by [`Org::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Org, Errors> {
        Ok(Org {
            st: bytes::load(bytes)?,
            history: history::History::default(),
        })
    }

    /// The canonical snapshot.
    pub fn to_snapshot(&self) -> Snapshot {
        export::snapshot(&self.st)
    }

    /// The canonical snapshot as JSON text.
    pub fn to_json(&self) -> String {
        json::text(&export::export(&self.st))
    }

    /// [`Org::to_json`]'s text, handed to `sink` in pieces of a few MB (cut between two
    /// items of a list): for writing a large org out without its whole text in memory.
    pub fn write_json(&self, sink: &mut dyn FnMut(&str)) {
        json::text_in_pieces(&export::export(&self.st), sink);
    }

    /// The canonical snapshot in the compact binary form.
    pub fn to_bytes(&self) -> Vec<u8> {
        let e = export::export(&self.st);
        bytes::encode_with(&e.snapshot, &e.records)
    }

    /// The compiled state, read-only (for benchmarks and tools that break a decision down).
    #[doc(hidden)]
    pub fn state(&self) -> &State {
        &self.st
    }

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub(crate) fn user_index(&self, user: &str) -> Result<u32, PolicyError> {
        match self.st.user_ids.get(user) {
            Some(&u) => Ok(u),
            None => Err(unknown_user(user)),
        }
    }

    pub(crate) fn record_index(&self, record: &str, path: &str) -> Result<u32, PolicyError> {
        self.st
            .records
            .ids
            .find(record)
            .ok_or_else(|| unknown_record(record, path))
    }

    /// The user and the record (with its slot fields) of a request. The record is looked
    /// up first so that its slot's cache miss overlaps the user lookup; an unknown user is
    /// still the error reported first.
    #[inline(always)]
    fn request(&self, user: &str, record: &str) -> Result<(u32, u32, state::Hot), PolicyError> {
        let found = self.st.records.ids.find_hot(record);
        let u = self.user_index(user)?;
        let Some((r, hot)) = found else {
            return Err(unknown_record(record, "/record"));
        };
        Ok((u, r, hot))
    }

    pub(crate) fn table_index(&self, table: &str) -> Result<u32, PolicyError> {
        self.st.table_ids.get(table).copied().ok_or_else(|| {
            PolicyError::new(
                "unknown-table",
                "/table",
                error::q("table `", table, "` does not exist"),
            )
        })
    }

    /// Whether `user` holds `right` on `record`.
    #[inline]
    pub fn check(&self, user: &str, right: Right, record: &str) -> Result<bool, PolicyError> {
        Ok(self.rights_among(user, record, right.bit_set())?.has(right))
    }

    /// Every right `user` holds on `record`.
    pub fn rights(&self, user: &str, record: &str) -> Result<RightSet, PolicyError> {
        self.rights_among(user, record, RightSet::FULL)
    }

    /// The rights of `want` that `user` holds on `record` (what [`Org::check`] and
    /// [`Org::rights`] ask; one copy in the size-built wasm).
    #[doc(hidden)]
    #[cfg_attr(not(target_arch = "wasm32"), inline(always))]
    pub fn rights_among(
        &self,
        user: &str,
        record: &str,
        want: RightSet,
    ) -> Result<RightSet, PolicyError> {
        let (u, r, hot) = self.request(user, record)?;
        Ok(decide::rights_hot(&self.st, u, r, hot, want))
    }

    /// One decision per request, for bulk use.
    ///
    /// The users are resolved first (an unknown one is reported at its request, unless a
    /// record of an earlier request is unknown), then [`Org::check_resolved`] decides.
    pub fn check_many(&self, requests: &[(&str, Right, &str)]) -> Result<Vec<bool>, PolicyError> {
        let mut resolved = Vec::with_capacity(requests.len());
        let mut bad_user = None;
        for (i, &(u, right, r)) in requests.iter().enumerate() {
            match self.st.user_ids.get(u) {
                Some(&u) => resolved.push((u, right, r.as_bytes())),
                None => {
                    bad_user = Some(i);
                    break;
                }
            }
        }
        let mut out = Vec::with_capacity(requests.len());
        let at = |i: usize, field: u8, e: PolicyError| PolicyError {
            path: format!("/{i}/{field}"),
            ..e
        };
        if let Err(i) = self.check_resolved(&resolved, &mut out) {
            let record = requests.get(i).map_or("", |q| q.2);
            return Err(at(i, 2, unknown_record(record, "/record")));
        }
        if let Some(i) = bad_user {
            let user = requests.get(i).map_or("", |q| q.0);
            return Err(at(i, 0, unknown_user(user)));
        }
        Ok(out)
    }

    /// One decision per request whose user is already resolved to its index (as
    /// `state().user_ids` gives it) and whose record id is given as its UTF-8 bytes (bytes
    /// that are not UTF-8 name no record), appended to `out`; `Err(i)` when the record of
    /// request `i` does not exist (the decisions before it are in `out`).
    ///
    /// Requests are taken in blocks of 64, in passes: the record ids are hashed; the first
    /// word of each one's home slot is read, and a word of the next cache line
    /// ([`state::Interner::touch_home`]); every lookup is finished; each request's user's
    /// grants on the record's table are read ([`State::user_table`]); then the block is
    /// decided. The reading passes have only independent loads and nothing else, so the
    /// processor has many of the block's cache misses in flight at once instead of
    /// waiting for each in turn (on a million-record org, most of a single check is that
    /// miss, and in wasm a TLB miss with it).
    #[doc(hidden)]
    pub fn check_resolved(
        &self,
        requests: &[(u32, Right, &[u8])],
        out: &mut Vec<bool>,
    ) -> Result<(), usize> {
        const BLOCK: usize = 64;
        let st = &self.st;
        let ids = &st.records.ids;
        let mut started = [(0u64, 0u32); BLOCK];
        let mut found: Vec<(u32, state::Hot)> = Vec::with_capacity(BLOCK);
        let mut tables = [grants::UserTable::default(); BLOCK];
        for (b, block) in requests.chunks(BLOCK).enumerate() {
            for (s, (_, _, r)) in started.iter_mut().zip(block) {
                s.0 = ids.hash_of(r);
            }
            let mut ahead = 0;
            for s in started.iter_mut().take(block.len()) {
                let (first, next) = ids.touch_home(s.0);
                s.1 = first;
                ahead ^= next;
            }
            std::hint::black_box(ahead);
            found.clear();
            for (j, ((_, _, r), &s)) in block.iter().zip(&started).enumerate() {
                found.push(ids.find_hot_from(r, s).ok_or(b * BLOCK + j)?);
            }
            for ((tg, &(u, _, _)), &(_, hot)) in tables.iter_mut().zip(block).zip(&found) {
                *tg = st.user_table(u, u32::from(hot.table));
            }
            out.extend(block.iter().zip(&found).zip(&tables).map(
                |((&(u, right, _), &(r, hot)), &tg)| {
                    decide::rights_read(st, u, r, hot, tg, right.bit_set()).has(right)
                },
            ));
        }
        Ok(())
    }

    /// Whether `user` may create a record of `table` with this owner (default: the user) and
    /// unit (default: the owner's).
    pub fn can_create(
        &self,
        user: &str,
        table: &str,
        owner: Option<&Principal>,
        business_unit: Option<&str>,
    ) -> Result<bool, PolicyError> {
        let u = self.user_index(user)?;
        let t = self.table_index(table)?;
        if self.st.org_owned(t) {
            return Ok(decide::can_create(&self.st, u, t, NONE, NONE));
        }
        let owner = match owner {
            None => u,
            Some(p) => decide::principal_index(&self.st, p).ok_or_else(|| {
                PolicyError::new(
                    if matches!(p, Principal::User(_)) {
                        "unknown-user"
                    } else {
                        "unknown-team"
                    },
                    "/owner",
                    error::q("owner `", p.id(), "` does not exist"),
                )
            })?,
        };
        let unit = match business_unit {
            None => self.st.owner_unit(owner),
            Some(b) => self.st.unit_ids.get(b).copied().ok_or_else(|| {
                PolicyError::new(
                    "unknown-business-unit",
                    "/businessUnit",
                    error::q("business unit `", b, "` does not exist"),
                )
            })?,
        };
        Ok(decide::can_create(&self.st, u, t, owner, unit))
    }

    /// Whether `user` may append `child` to `parent` (append on the child, appendTo on the parent).
    pub fn can_append(&self, user: &str, child: &str, parent: &str) -> Result<bool, PolicyError> {
        let u = self.user_index(user)?;
        let c = self.record_index(child, "/child")?;
        let p = self.record_index(parent, "/parent")?;
        Ok(
            decide::rights_of(&self.st, u, c, Right::Append.bit_set()).has(Right::Append)
                && decide::rights_of(&self.st, u, p, Right::AppendTo.bit_set())
                    .has(Right::AppendTo),
        )
    }

    /// Number of live records.
    pub fn record_count(&self) -> usize {
        self.st.live_records()
    }

    /// Number of users.
    pub fn user_count(&self) -> usize {
        self.st.user_ids.len()
    }
}

impl Org {
    /// Parse a changeset (a JSON array of operations, or `{ "changes": [...] }`).
    pub fn parse_changes(json: &str) -> Result<Vec<Change>, Errors> {
        change::parse_changes(json)
    }

    /// Every error the changeset would raise (empty when valid); changes nothing.
    pub fn validate_changes(&mut self, changes: &[Change]) -> Vec<PolicyError> {
        let out = change::run(&mut self.st, changes);
        journal::revert_all(&mut self.st, out.log);
        out.errors
    }

    /// The impact of a changeset, without changing anything (SPEC §6).
    pub fn simulate(&mut self, changes: &[Change]) -> Result<Impact, Errors> {
        impact::simulate(&mut self.st, changes)
    }

    /// Apply a changeset as one version, all or nothing; returns the new version number.
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<u64, Errors> {
        let out = change::run(&mut self.st, &changes);
        if !out.errors.is_empty() {
            journal::revert_all(&mut self.st, out.log);
            return Err(Errors(out.errors));
        }
        let version = self.history.version() + 1;
        let summary = history::summarize(&changes);
        self.history.applied.push(history::Version {
            version,
            changes,
            summary,
            undo: out.log,
        });
        self.history.undone.clear();
        Ok(version)
    }

    /// Undo the last applied changeset; `false` when there is none.
    pub fn undo(&mut self) -> bool {
        match self.history.applied.pop() {
            Some(mut v) => {
                journal::revert_all(&mut self.st, std::mem::take(&mut v.undo));
                self.history.undone.push(v);
                true
            }
            None => false,
        }
    }

    /// Redo the last undone changeset; `false` when there is none.
    pub fn redo(&mut self) -> bool {
        let Some(v) = self.history.undone.pop() else {
            return false;
        };
        let out = change::run(&mut self.st, &v.changes);
        if !out.errors.is_empty() {
            // cannot happen: the state is exactly the one the changeset applied to
            journal::revert_all(&mut self.st, out.log);
            self.history.undone.push(v);
            return false;
        }
        self.history
            .applied
            .push(history::Version { undo: out.log, ..v });
        true
    }

    /// The applied changesets, oldest first.
    pub fn history(&self) -> Vec<history::HistoryEntry> {
        self.history.entries()
    }

    /// The current version number (0 = as loaded).
    pub fn version(&self) -> u64 {
        self.history.version()
    }

    /// Explain `user`'s `right` on `record`: every granting path, or why not (SPEC §3).
    pub fn explain(
        &self,
        user: &str,
        right: Right,
        record: &str,
    ) -> Result<Explanation, PolicyError> {
        let u = self.user_index(user)?;
        let r = self.record_index(record, "/record")?;
        Ok(explain::explain(&self.st, u, right, r))
    }
}
