//! The undo journal: every mutation of a changeset goes through [`Tx`], which calls a
//! [`State`] primitive and logs its exact inverse, so a failed changeset rolls back and
//! `undo` restores the previous version without rebuilding any index.

use crate::model::Settings;
use crate::state::{AccessTeamEntry, ShareEntry, State, TeamRow, UnitRow, UserRow};

/// The inverse of one primitive mutation.
#[derive(Debug, Clone)]
pub enum Undo {
    /// Restore a record's owner and unit.
    RecordOwner(u32, u32, u32),
    /// Restore a record's parent.
    RecordParent(u32, u32),
    /// Restore a record's active flag.
    RecordActive(u32, bool),
    /// Restore a record's alive flag.
    RecordAlive(u32, bool),
    /// Remove the last record.
    PopRecord,
    /// Restore a record's shares.
    Shares(u32, Vec<ShareEntry>),
    /// Restore a record's access teams.
    AccessTeams(u32, Vec<AccessTeamEntry>),
    /// Restore a user row.
    User(u32, Box<UserRow>),
    /// Remove the last user.
    PopUser,
    /// Restore a team row.
    Team(u32, Box<TeamRow>),
    /// Remove the last team.
    PopTeam,
    /// Restore a unit row.
    Unit(u32, Box<UnitRow>),
    /// Remove the last unit.
    PopUnit,
    /// Restore the settings.
    Settings(Settings),
    /// Restore the assertions.
    Assertions(Vec<crate::model::Assertion>),
}

/// Apply an inverse.
pub fn revert(st: &mut State, u: Undo) {
    match u {
        Undo::RecordOwner(r, o, b) => {
            st.set_record_owner(r, o, b);
        }
        Undo::RecordParent(r, p) => {
            st.set_record_parent(r, p);
        }
        Undo::RecordActive(r, a) => {
            st.set_record_active(r, a);
        }
        Undo::RecordAlive(r, a) => {
            st.set_record_alive(r, a);
        }
        Undo::PopRecord => st.pop_record(),
        Undo::Shares(r, l) => {
            st.set_shares(r, l);
        }
        Undo::AccessTeams(r, l) => {
            st.set_access_teams(r, l);
        }
        Undo::User(u, row) => {
            st.set_user(u, *row);
        }
        Undo::PopUser => st.pop_user(),
        Undo::Team(t, row) => {
            st.set_team(t, *row);
        }
        Undo::PopTeam => st.pop_team(),
        Undo::Unit(b, row) => {
            st.set_unit(b, *row);
        }
        Undo::PopUnit => st.pop_unit(),
        Undo::Settings(s) => st.settings = s,
        Undo::Assertions(a) => st.assertions = a,
    }
}

/// Revert a whole log (last entry first) and refresh derived data.
pub fn revert_all(st: &mut State, log: Vec<Undo>) {
    // user rows restored one by one move default-team members back in one pass
    st.defer_members();
    for u in log.into_iter().rev() {
        revert(st, u);
    }
    st.refresh();
}

/// Records touched by a transaction (for impact).
#[derive(Debug, Default, Clone)]
pub struct Touched {
    /// Records whose owner, unit, parent, flags, shares or access teams changed.
    pub records: Vec<u32>,
    /// Users whose row, teams or grants changed.
    pub users: Vec<u32>,
    /// Teams changed.
    pub teams: Vec<u32>,
    /// Some unit changed (tree or flags).
    pub units: bool,
    /// Settings changed.
    pub settings: bool,
}

/// A transaction: mutations with their inverses.
pub struct Tx<'a> {
    /// The state being changed.
    pub st: &'a mut State,
    /// Inverses, in order.
    pub log: Vec<Undo>,
    /// What was touched.
    pub touched: Touched,
}

impl<'a> Tx<'a> {
    /// Start a transaction.
    pub fn new(st: &'a mut State) -> Tx<'a> {
        Tx {
            st,
            log: Vec::new(),
            touched: Touched::default(),
        }
    }

    /// Set owner and unit of a record.
    pub fn record_owner(&mut self, r: u32, owner: u32, unit: u32) {
        let (o, b) = self.st.set_record_owner(r, owner, unit);
        if (o, b) != (owner, unit) {
            self.log.push(Undo::RecordOwner(r, o, b));
            self.touched.records.push(r);
        }
    }
    /// Set a record's parent.
    pub fn record_parent(&mut self, r: u32, parent: u32) {
        let old = self.st.set_record_parent(r, parent);
        if old != parent {
            self.log.push(Undo::RecordParent(r, old));
            self.touched.records.push(r);
        }
    }
    /// Set a record's active flag.
    pub fn record_active(&mut self, r: u32, active: bool) {
        let old = self.st.set_record_active(r, active);
        if old != active {
            self.log.push(Undo::RecordActive(r, old));
            self.touched.records.push(r);
        }
    }
    /// Delete a record (keeps its slot for undo).
    pub fn delete_record(&mut self, r: u32) {
        let shares = self.st.set_shares(r, Vec::new());
        if !shares.is_empty() {
            self.log.push(Undo::Shares(r, shares));
        }
        let ats = self.st.set_access_teams(r, Vec::new());
        if !ats.is_empty() {
            self.log.push(Undo::AccessTeams(r, ats));
        }
        let old = self.st.set_record_alive(r, false);
        self.log.push(Undo::RecordAlive(r, old));
        self.touched.records.push(r);
    }
    /// Create a record.
    #[allow(clippy::too_many_arguments)]
    pub fn create_record(
        &mut self,
        id: &str,
        name: Option<&str>,
        table: u32,
        owner: u32,
        unit: u32,
        parent: u32,
        active: bool,
    ) -> Option<u32> {
        let r = self
            .st
            .push_record(id, name, table, owner, unit, parent, active)?;
        self.log.push(Undo::PopRecord);
        self.touched.records.push(r);
        Some(r)
    }
    /// Replace shares of a record.
    pub fn shares(&mut self, r: u32, list: Vec<ShareEntry>) {
        let old = self.st.set_shares(r, list);
        self.log.push(Undo::Shares(r, old));
        self.touched.records.push(r);
    }
    /// Replace access teams of a record.
    pub fn access_teams(&mut self, r: u32, list: Vec<AccessTeamEntry>) {
        let old = self.st.set_access_teams(r, list);
        self.log.push(Undo::AccessTeams(r, old));
        self.touched.records.push(r);
    }
    /// Replace or create a user.
    pub fn user(&mut self, u: u32, row: UserRow) {
        let members: Vec<u32> = Vec::new();
        let _ = members;
        match self.st.set_user(u, row) {
            Some(old) => self.log.push(Undo::User(u, Box::new(old))),
            None => self.log.push(Undo::PopUser),
        }
        self.touched.users.push(u);
    }
    /// Replace or create a team.
    pub fn team(&mut self, t: u32, row: TeamRow) {
        let new_members = row.members.clone();
        match self.st.set_team(t, row) {
            Some(old) => {
                self.touched.users.extend(old.members.iter().copied());
                self.log.push(Undo::Team(t, Box::new(old)));
            }
            None => self.log.push(Undo::PopTeam),
        }
        self.touched.users.extend(new_members);
        self.touched.teams.push(t);
    }
    /// Replace or create a unit.
    pub fn unit(&mut self, b: u32, row: UnitRow) {
        match self.st.set_unit(b, row) {
            Some(old) => self.log.push(Undo::Unit(b, Box::new(old))),
            None => self.log.push(Undo::PopUnit),
        }
        self.touched.units = true;
    }
    /// Change the settings.
    pub fn settings(&mut self, s: Settings) {
        let old = std::mem::replace(&mut self.st.settings, s);
        self.log.push(Undo::Settings(old));
        self.touched.settings = true;
    }
}
