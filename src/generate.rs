//! Deterministic Contoso-like demo and benchmark orgs.
//!
//! [`generate`] builds a valid [`Snapshot`] (SPEC §1) from a seed and a
//! [`GenerateSize`]: a business-unit tree (Contoso → regions → countries →
//! departments → sub-departments, plus one disabled "Legacy" unit), users with
//! managers forming a valid tree, a realistic role catalogue, owner and access
//! teams, accounts / contacts / opportunities / cases / leads plus the
//! organization-owned currency and product tables, shares, record access teams,
//! manager hierarchy security and a dozen assertions. The PRNG is splitmix64, so
//! the same seed and size always give the same org, on every platform.
//!
//! Ids are zero-padded (`bu0001`, `u00042`, `t0007`, `acc0001234`) so that
//! their sorted order is their creation order; every collection comes out
//! sorted by id.

use crate::sort::SortTotal;
use std::collections::HashSet;

use crate::access::{Level, Right};
use crate::model::{
    AccessTeam, AccessTeamTemplate, Assertion, BusinessUnit, Cascade, CascadeScope, DeleteCascade,
    Hierarchy, HierarchyModel, Inheritance, Ownership, Principal, Record, Relationship, Role,
    RoleAssignment, Settings, Share, Snapshot, Table, TablePrivileges, Team, TeamKind, User,
};

/// How big an org to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSize {
    /// Number of users.
    pub users: usize,
    /// Number of business units (at least one: the root).
    pub business_units: usize,
    /// Number of teams (owner teams and a few access teams; default teams are implicit).
    pub teams: usize,
    /// Number of records (all tables, organization-owned ones included).
    pub records: usize,
    /// Number of shares.
    pub shares: usize,
}

impl GenerateSize {
    /// The playground's demo org: 2,000 users, 60 units, 40 teams, 50,000 records, 5,000 shares.
    pub fn demo() -> Self {
        GenerateSize {
            users: 2_000,
            business_units: 60,
            teams: 40,
            records: 50_000,
            shares: 5_000,
        }
    }

    /// The benchmark org: 10,000 users, 500 units, 200 teams, 1,000,000 records, 100,000 shares.
    pub fn bench() -> Self {
        GenerateSize {
            users: 10_000,
            business_units: 500,
            teams: 200,
            records: 1_000_000,
            shares: 100_000,
        }
    }

    /// An org of `users` users with 100 records per user, one unit per 20 users,
    /// one team per 50 users and one share per 10 records.
    pub fn scaled(users: usize) -> Self {
        GenerateSize {
            users,
            business_units: (users / 20).max(1),
            teams: users / 50,
            records: users.saturating_mul(100),
            shares: users.saturating_mul(10),
        }
    }

    /// Every count multiplied by `factor` (e.g. a benchmark's `BENCH_SCALE`), at least one unit.
    pub fn times(&self, factor: f64) -> Self {
        let f = |n: usize| -> usize {
            let v = (n as f64 * factor).round();
            if v.is_finite() && v > 0.0 {
                v as usize
            } else {
                0
            }
        };
        GenerateSize {
            users: f(self.users),
            business_units: f(self.business_units).max(1),
            teams: f(self.teams),
            records: f(self.records),
            shares: f(self.shares),
        }
    }
}

// ---------------------------------------------------------------------------
// PRNG

/// splitmix64: tiny, fast, good enough, identical everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (((self.next() >> 32) * (n as u64 & 0xffff_ffff)) >> 32) as usize
    }

    /// `true` with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: usize) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let i = self.below(items.len());
        items.get(i).copied()
    }
}

// ---------------------------------------------------------------------------
// Vocabulary

const REGIONS: [&str; 4] = ["North America", "Europe", "Asia Pacific", "Latin America"];

const COUNTRIES: [[&str; 12]; 4] = [
    [
        "United States",
        "Canada",
        "Mexico",
        "Costa Rica",
        "Panama",
        "Jamaica",
        "Bahamas",
        "Guatemala",
        "Honduras",
        "Dominican Republic",
        "Barbados",
        "Trinidad and Tobago",
    ],
    [
        "United Kingdom",
        "Germany",
        "France",
        "Netherlands",
        "Spain",
        "Italy",
        "Sweden",
        "Poland",
        "Switzerland",
        "Ireland",
        "Belgium",
        "Denmark",
    ],
    [
        "Japan",
        "Australia",
        "India",
        "Singapore",
        "China",
        "South Korea",
        "New Zealand",
        "Indonesia",
        "Malaysia",
        "Thailand",
        "Philippines",
        "Vietnam",
    ],
    [
        "Brazil",
        "Argentina",
        "Chile",
        "Colombia",
        "Peru",
        "Uruguay",
        "Ecuador",
        "Paraguay",
        "Bolivia",
        "Venezuela",
        "El Salvador",
        "Nicaragua",
    ],
];

/// The function of a unit (and of the users in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Exec,
    Sales,
    Service,
    Marketing,
    Finance,
    It,
    Operations,
    Legacy,
}

const DEPTS: [(Func, &str); 6] = [
    (Func::Sales, "Sales"),
    (Func::Service, "Customer Service"),
    (Func::Marketing, "Marketing"),
    (Func::Finance, "Finance"),
    (Func::It, "IT"),
    (Func::Operations, "Operations"),
];

fn sub_departments(f: Func) -> &'static [&'static str] {
    match f {
        Func::Sales => &[
            "Enterprise Sales",
            "SMB Sales",
            "Partner Sales",
            "Inside Sales",
        ],
        Func::Service => &["Tier 1 Support", "Tier 2 Support", "Field Service"],
        Func::Marketing => &["Digital Marketing", "Events"],
        Func::Finance => &["Accounts Receivable", "Controlling"],
        Func::It => &["Helpdesk", "Infrastructure"],
        Func::Operations => &["Logistics", "Procurement"],
        Func::Exec | Func::Legacy => &["Office"],
    }
}

const FIRST: [&str; 64] = [
    "Ana",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kate",
    "Luca",
    "Maria",
    "Nikhil",
    "Olivia",
    "Pedro",
    "Qing",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aiko",
    "Bruno",
    "Chloe",
    "Diego",
    "Emma",
    "Felix",
    "Gabriela",
    "Hannah",
    "Ivan",
    "Julia",
    "Kenji",
    "Leila",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Rafael",
    "Sofia",
    "Tomas",
    "Valentina",
    "William",
    "Yara",
    "Adele",
    "Bilal",
    "Camille",
    "Dmitri",
    "Esther",
    "Fatima",
    "Gustavo",
    "Helga",
    "Isabel",
    "Jonas",
    "Keiko",
    "Lars",
    "Mei",
    "Noah",
    "Paula",
    "Samuel",
];

const LAST: [&str; 64] = [
    "Silva",
    "Novak",
    "Garcia",
    "Smith",
    "Rossi",
    "Haddad",
    "Kim",
    "Tanaka",
    "Moreau",
    "Okafor",
    "Jensen",
    "Bianchi",
    "Kowalski",
    "Patel",
    "Brown",
    "Santos",
    "Li",
    "Fernandez",
    "Larsen",
    "Aziz",
    "Sharma",
    "Petrov",
    "Wang",
    "Lopez",
    "Demir",
    "Muller",
    "Sato",
    "Costa",
    "Dubois",
    "Ramirez",
    "Wilson",
    "Schmidt",
    "Alvarez",
    "Cohen",
    "Ivanov",
    "Nielsen",
    "Yamamoto",
    "Nasser",
    "Herrera",
    "Berg",
    "Khan",
    "Gupta",
    "Oliveira",
    "Martin",
    "Svoboda",
    "Romero",
    "Taylor",
    "Chen",
    "Fischer",
    "Mendes",
    "Nakamura",
    "Volkov",
    "Lindqvist",
    "Mensah",
    "Ortega",
    "Park",
    "Quinn",
    "Reyes",
    "Sousa",
    "Weber",
    "Zhang",
    "Andersen",
    "Becker",
    "Murphy",
];

const COMPANY: [&str; 32] = [
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Adventure Works",
    "Alpine Ski House",
    "Blue Yonder",
    "Coho Winery",
    "Fourth Coffee",
    "Litware",
    "Lucerne Publishing",
    "Margie's Travel",
    "Proseware",
    "Tailspin Toys",
    "Wide World Importers",
    "Woodgrove Bank",
    "Wingtip Toys",
    "Humongous Insurance",
    "Trey Research",
    "A. Datum",
    "VanArsdel",
    "Relecloud",
    "Lamna",
    "Munson's Pickles",
    "Fincher Architects",
    "Consolidated Messenger",
    "City Power & Light",
    "Southridge Video",
    "Graphic Design Institute",
    "Best For You Organics",
    "First Up Consultants",
    "Nod Publishers",
    "Bellows College",
];

const COMPANY_MID: [&str; 12] = [
    "",
    "",
    "",
    "",
    " Trading",
    " Systems",
    " Logistics",
    " Foods",
    " Health",
    " Energy",
    " Consulting",
    " Retail",
];

const COMPANY_SUFFIX: [&str; 10] = [
    "Ltd", "Inc.", "GmbH", "S.A.", "Corp.", "LLC", "plc", "AG", "B.V.", "K.K.",
];

const PRODUCTS: [&str; 20] = [
    "Surface Laptop",
    "Surface Pro",
    "Surface Hub",
    "Xbox Series X",
    "HoloLens",
    "Dynamics 365 Sales",
    "Dynamics 365 Customer Service",
    "Dynamics 365 Field Service",
    "Power BI Pro",
    "Power Apps",
    "Teams Rooms",
    "Azure Credits",
    "Microsoft 365 E3",
    "Microsoft 365 E5",
    "Copilot Studio",
    "Premier Support",
    "Onboarding Package",
    "Training Day",
    "Extended Warranty",
    "Data Migration",
];

const CURRENCIES: [&str; 12] = [
    "US Dollar",
    "Euro",
    "Pound Sterling",
    "Japanese Yen",
    "Canadian Dollar",
    "Australian Dollar",
    "Swiss Franc",
    "Indian Rupee",
    "Brazilian Real",
    "Mexican Peso",
    "Singapore Dollar",
    "Swedish Krona",
];

const CASE_TOPICS: [&str; 16] = [
    "Printer offline",
    "Invoice dispute",
    "Login failure",
    "Delivery delayed",
    "Damaged item",
    "Refund request",
    "Warranty claim",
    "Installation help",
    "Billing address change",
    "License activation",
    "Performance issue",
    "Data export request",
    "Missing parts",
    "Upgrade question",
    "Contract renewal question",
    "Password reset",
];

const OPP_TOPICS: [&str; 8] = [
    "rollout",
    "renewal",
    "upgrade",
    "expansion",
    "pilot",
    "migration",
    "refresh",
    "bundle",
];

// ---------------------------------------------------------------------------
// Tables, roles

const T_ACCOUNT: u8 = 0;
const T_CASE: u8 = 1;
const T_CONTACT: u8 = 2;
const T_CURRENCY: u8 = 3;
const T_LEAD: u8 = 4;
const T_OPPORTUNITY: u8 = 5;
const T_PRODUCT: u8 = 6;

/// Table name and id prefix, in id order (so records come out sorted by id).
const TABLES: [(&str, &str, Ownership); 7] = [
    ("account", "acc", Ownership::User),
    ("incident", "cas", Ownership::User),
    ("contact", "con", Ownership::User),
    ("currency", "cur", Ownership::Organization),
    ("lead", "lead", Ownership::User),
    ("opportunity", "opp", Ownership::User),
    ("product", "prd", Ownership::Organization),
];

fn table_name(t: u8) -> &'static str {
    TABLES.get(t as usize).map_or("account", |x| x.0)
}

use Level::{Basic as B, Deep as D, Global as G, Local as L, None as N};

/// Levels in SPEC order: create, read, write, delete, append, appendTo, assign, share.
fn privs(levels: [Level; 8]) -> TablePrivileges {
    let mut p = TablePrivileges::default();
    for (right, level) in Right::ALL.into_iter().zip(levels) {
        p.set_level(right, level);
    }
    p
}

const READ_GLOBAL: [Level; 8] = [N, G, N, N, N, N, N, N];

fn role_catalogue() -> Vec<Role> {
    type Spec = (&'static str, &'static str, Vec<(&'static str, [Level; 8])>);
    let all_tables = [
        "account",
        "contact",
        "currency",
        "incident",
        "lead",
        "opportunity",
        "product",
    ];
    let catalogue: Vec<Spec> = vec![
        (
            "auditor",
            "Auditor",
            all_tables.iter().map(|t| (*t, READ_GLOBAL)).collect(),
        ),
        (
            "basic-user",
            "Basic User",
            vec![("currency", READ_GLOBAL), ("product", READ_GLOBAL)],
        ),
        (
            "customer-service-manager",
            "Customer Service Manager",
            vec![
                ("account", [N, D, L, N, D, D, N, N]),
                ("contact", [L, D, D, N, D, D, N, N]),
                ("currency", READ_GLOBAL),
                ("incident", [D, D, D, D, D, D, D, D]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "customer-service-rep",
            "Customer Service Representative",
            vec![
                ("account", [N, L, N, N, B, L, N, N]),
                ("contact", [B, L, B, N, B, L, N, N]),
                ("currency", READ_GLOBAL),
                ("incident", [B, L, B, N, B, B, B, B]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "executive",
            "Executive",
            vec![
                ("account", READ_GLOBAL),
                ("contact", READ_GLOBAL),
                ("currency", READ_GLOBAL),
                ("incident", READ_GLOBAL),
                ("lead", READ_GLOBAL),
                ("opportunity", [N, G, D, N, N, N, N, N]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "key-account-team",
            "Key Account Team",
            vec![
                ("account", [N, B, B, N, B, B, N, B]),
                ("contact", [N, B, B, N, B, B, N, N]),
                ("opportunity", [B, B, B, N, B, B, N, B]),
            ],
        ),
        (
            "marketing-manager",
            "Marketing Manager",
            vec![
                ("account", [N, D, N, N, N, D, N, N]),
                ("contact", [L, D, D, N, D, D, N, D]),
                ("currency", READ_GLOBAL),
                ("lead", [D, D, D, D, D, D, D, D]),
                ("opportunity", [N, D, N, N, N, N, N, N]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "marketing-professional",
            "Marketing Professional",
            vec![
                ("account", [N, L, N, N, N, B, N, N]),
                ("contact", [B, L, B, N, B, B, N, B]),
                ("currency", READ_GLOBAL),
                ("lead", [B, L, B, B, B, B, B, B]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "product-manager",
            "Product Manager",
            vec![
                ("currency", READ_GLOBAL),
                ("product", [G, G, G, G, G, G, N, N]),
            ],
        ),
        (
            "sales-manager",
            "Sales Manager",
            vec![
                ("account", [L, D, D, L, D, D, D, D]),
                ("contact", [L, D, D, L, D, D, D, D]),
                ("currency", READ_GLOBAL),
                ("incident", [N, D, N, N, N, D, N, N]),
                ("lead", [L, D, D, L, D, D, D, D]),
                ("opportunity", [L, D, D, L, D, D, D, D]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "salesperson",
            "Salesperson",
            vec![
                ("account", [B, L, B, N, B, B, B, B]),
                ("contact", [B, L, B, B, B, B, B, B]),
                ("currency", READ_GLOBAL),
                ("incident", [N, L, N, N, N, B, N, N]),
                ("lead", [B, B, B, B, B, B, B, B]),
                ("opportunity", [B, B, B, B, B, B, B, B]),
                ("product", READ_GLOBAL),
            ],
        ),
        (
            "system-administrator",
            "System Administrator",
            all_tables
                .iter()
                .map(|t| {
                    if *t == "currency" || *t == "product" {
                        (*t, [G, G, G, G, G, G, N, N])
                    } else {
                        (*t, [G; 8])
                    }
                })
                .collect(),
        ),
    ];
    catalogue
        .into_iter()
        .map(|(id, name, tables)| Role {
            id: id.to_string(),
            name: name.to_string(),
            privileges: tables
                .into_iter()
                .map(|(t, levels)| (t.to_string(), privs(levels)))
                .collect(),
        })
        .collect()
}

fn relationships() -> Vec<Relationship> {
    let rel = |child: &str, share: CascadeScope, assign: CascadeScope, delete: DeleteCascade| {
        Relationship {
            parent: "account".to_string(),
            child: child.to_string(),
            cascade: Cascade {
                assign,
                share,
                unshare: share,
                reparent: assign,
                delete,
            },
        }
    };
    vec![
        rel(
            "contact",
            CascadeScope::All,
            CascadeScope::All,
            DeleteCascade::RemoveLink,
        ),
        rel(
            "incident",
            CascadeScope::Active,
            CascadeScope::Active,
            DeleteCascade::Restrict,
        ),
        rel(
            "opportunity",
            CascadeScope::UserOwned,
            CascadeScope::UserOwned,
            DeleteCascade::All,
        ),
    ]
}

// ---------------------------------------------------------------------------
// Internal model

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    Root,
    Region,
    Country,
    Dept,
    Sub,
    Legacy,
}

struct Unit {
    parent: Option<usize>,
    name: String,
    kind: UnitKind,
    func: Func,
    country: &'static str,
}

struct Person {
    name: String,
    unit: usize,
    manager: Option<usize>,
    disabled: bool,
    func: Func,
    roles: Vec<&'static str>,
    head: bool,
    reports: usize,
    in_team: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    None,
    User(usize),
    Team(usize),
}

struct Rec {
    table: u8,
    index: usize,
    owner: Owner,
    parent: Option<usize>,
    active: bool,
    name: String,
}

struct TeamDef {
    name: String,
    unit: usize,
    func: Func,
    access: bool,
    inheritance: Inheritance,
    members: Vec<usize>,
    role: Option<&'static str>,
}

fn width(count: usize, min: usize) -> usize {
    let mut digits = 1;
    let mut n = count;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits.max(min)
}

/// `prefix` then `n` zero-padded to `w` digits (hand-rolled: a million ids, no `format!`).
fn pad(prefix: &str, n: usize, w: usize) -> String {
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut v = n;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (v % 10) as u8;
        }
        len += 1;
        v /= 10;
        if v == 0 || len == digits.len() {
            break;
        }
    }
    let mut s = String::with_capacity(prefix.len() + w.max(len));
    s.push_str(prefix);
    for _ in len..w {
        s.push('0');
    }
    for d in digits.iter().take(len).rev() {
        s.push(char::from(*d));
    }
    s
}

/// Concatenate pieces into a string allocated once.
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

// ---------------------------------------------------------------------------
// Business units

fn build_units(n: usize) -> Vec<Unit> {
    let n = n.max(1);
    let mut units = vec![Unit {
        parent: None,
        name: "Contoso".to_string(),
        kind: UnitKind::Root,
        func: Func::Exec,
        country: "",
    }];
    let legacy = n >= 10;
    let mut budget = n - 1 - usize::from(legacy);
    let regions = if budget == 0 {
        0
    } else {
        (budget / 12).clamp(1, REGIONS.len())
    };
    for name in REGIONS.iter().take(regions) {
        units.push(Unit {
            parent: Some(0),
            name: (*name).to_string(),
            kind: UnitKind::Region,
            func: Func::Exec,
            country: "",
        });
    }
    budget -= regions;
    let countries = if budget == 0 || regions == 0 {
        0
    } else {
        (budget / 7).clamp(1, regions * 12)
    };
    let mut country_units = Vec::new();
    for c in 0..countries {
        let region = c % regions;
        let name = COUNTRIES
            .get(region)
            .and_then(|list| list.get(c / regions))
            .copied()
            .unwrap_or("Elsewhere");
        country_units.push(units.len());
        units.push(Unit {
            parent: Some(1 + region),
            name: name.to_string(),
            kind: UnitKind::Country,
            func: Func::Exec,
            country: name,
        });
    }
    budget -= countries;
    let mut dept_units = Vec::new();
    'depts: for (func, label) in DEPTS {
        for &c in &country_units {
            if budget == 0 {
                break 'depts;
            }
            let country = units.get(c).map_or("", |u| u.country);
            dept_units.push(units.len());
            units.push(Unit {
                parent: Some(c),
                name: format!("{country} {label}"),
                kind: UnitKind::Dept,
                func,
                country,
            });
            budget -= 1;
        }
    }
    let mut round = 0usize;
    while budget > 0 && !dept_units.is_empty() {
        for &d in &dept_units {
            if budget == 0 {
                break;
            }
            let (func, country) = units
                .get(d)
                .map_or((Func::Sales, ""), |u| (u.func, u.country));
            let subs = sub_departments(func);
            let base = subs
                .get(round % subs.len().max(1))
                .copied()
                .unwrap_or("Office");
            let name = if round < subs.len() {
                format!("{country} {base}")
            } else {
                format!("{country} {base} {}", round / subs.len().max(1) + 1)
            };
            units.push(Unit {
                parent: Some(d),
                name,
                kind: UnitKind::Sub,
                func,
                country,
            });
            budget -= 1;
        }
        round += 1;
    }
    if legacy {
        units.push(Unit {
            parent: Some(0),
            name: "Legacy Acquisitions".to_string(),
            kind: UnitKind::Legacy,
            func: Func::Legacy,
            country: "",
        });
    }
    units
}

// ---------------------------------------------------------------------------
// Users

fn category(f: Func) -> &'static str {
    match f {
        Func::Sales | Func::Marketing | Func::Legacy => "commercial",
        Func::Service => "front-office",
        Func::Exec | Func::Finance | Func::It | Func::Operations => "back-office",
    }
}

fn person_name(rng: &mut Rng) -> String {
    let first = rng.pick(&FIRST).unwrap_or("Alex");
    let last = rng.pick(&LAST).unwrap_or("Doe");
    concat(&[first, " ", last])
}

fn build_people(rng: &mut Rng, units: &[Unit], total: usize) -> Vec<Person> {
    // How many users per unit: one head per unit (in order), two in the legacy unit,
    // the rest spread with weights favouring departments.
    let mut count = vec![0usize; units.len()];
    let mut left = total;
    for (u, c) in units.iter().zip(count.iter_mut()) {
        if left > 0 && u.kind != UnitKind::Legacy {
            *c = 1;
            left -= 1;
        }
    }
    if let Some((u, c)) = units.iter().zip(count.iter_mut()).last() {
        if u.kind == UnitKind::Legacy {
            let n = left.min(2);
            *c += n;
            left -= n;
        }
    }
    let weights: Vec<usize> = units
        .iter()
        .map(|u| match u.kind {
            UnitKind::Root | UnitKind::Region => 1,
            UnitKind::Country => 2,
            UnitKind::Dept => 12,
            UnitKind::Sub => 10,
            UnitKind::Legacy => 0,
        })
        .collect();
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut sum = 0usize;
    for w in &weights {
        sum += w;
        cumulative.push(sum);
    }
    for _ in 0..left {
        let x = rng.below(sum);
        let i = cumulative.partition_point(|&c| c <= x);
        if let Some(c) = count.get_mut(i) {
            *c += 1;
        }
    }

    let mut people: Vec<Person> = Vec::with_capacity(total);
    let mut head_of: Vec<Option<usize>> = vec![None; units.len()];
    let mut sysadmins_left = (total / 2500).max(1);
    let mut product_manager_left = 1usize;
    for (ui, unit) in units.iter().enumerate() {
        let n = count.get(ui).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        // The nearest ancestor unit with a head manages this unit's head.
        let mut up = unit.parent;
        let mut boss = None;
        while let Some(p) = up {
            if let Some(h) = head_of.get(p).copied().flatten() {
                boss = Some(h);
                break;
            }
            up = units.get(p).and_then(|u| u.parent);
        }
        let head = people.len();
        if let Some(slot) = head_of.get_mut(ui) {
            *slot = Some(head);
        }
        let func = unit.func;
        // Team leads: one per 8 reports beyond the head.
        let leads = if n > 9 { (n - 1) / 8 } else { 0 };
        let mut lead_ids = Vec::new();
        for k in 0..n {
            let is_head = k == 0 && unit.kind != UnitKind::Legacy;
            let is_lead = k >= 1 && k <= leads;
            let id = people.len();
            let manager = if unit.kind == UnitKind::Legacy || is_head {
                boss
            } else if is_lead || lead_ids.is_empty() {
                Some(head)
            } else {
                lead_ids.get((k - 1 - leads) % lead_ids.len()).copied()
            };
            if is_lead {
                lead_ids.push(id);
            }
            let mut roles: Vec<&'static str> = Vec::new();
            match func {
                Func::Exec => {
                    if is_head {
                        roles.push("executive");
                    }
                    roles.push("basic-user");
                }
                Func::Sales => {
                    roles.push(if is_head {
                        "sales-manager"
                    } else {
                        "salesperson"
                    });
                    roles.push("basic-user");
                }
                Func::Service => {
                    // Representatives get their role through the unit's default team.
                    if is_head {
                        roles.push("customer-service-manager");
                    }
                    roles.push("basic-user");
                }
                Func::Marketing => {
                    if is_head {
                        roles.push("marketing-manager");
                        if product_manager_left > 0 {
                            product_manager_left -= 1;
                            roles.push("product-manager");
                        }
                    } else {
                        roles.push("marketing-professional");
                    }
                    roles.push("basic-user");
                }
                Func::Finance => {
                    if k == 1 || (is_head && n == 1) {
                        roles.push("auditor");
                    }
                    roles.push("basic-user");
                }
                Func::It => {
                    if is_head && sysadmins_left > 0 {
                        sysadmins_left -= 1;
                        roles.push("system-administrator");
                    }
                    roles.push("basic-user");
                }
                Func::Operations => roles.push("basic-user"),
                Func::Legacy => roles.push("salesperson"),
            }
            let plain = !is_head && !is_lead && unit.kind != UnitKind::Legacy;
            let mut disabled = false;
            if plain && !roles.contains(&"auditor") {
                if matches!(func, Func::Finance | Func::It | Func::Operations) && rng.chance(8) {
                    roles.clear();
                }
                disabled = rng.chance(20);
            }
            people.push(Person {
                name: person_name(rng),
                unit: ui,
                manager,
                disabled,
                func,
                roles,
                head: is_head,
                reports: 0,
                in_team: false,
            });
        }
    }
    let managers: Vec<usize> = people.iter().filter_map(|p| p.manager).collect();
    for m in managers {
        if let Some(p) = people.get_mut(m) {
            p.reports += 1;
        }
    }
    people
}

// ---------------------------------------------------------------------------
// Teams

fn build_teams(rng: &mut Rng, units: &[Unit], people: &mut [Person], total: usize) -> Vec<TeamDef> {
    let mut teams = Vec::with_capacity(total);
    let access = if total >= 4 { (total / 8).max(1) } else { 0 };
    let owner = total - access;
    let units_of = |f: Func| -> Vec<usize> {
        units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.func == f && matches!(u.kind, UnitKind::Dept | UnitKind::Sub))
            .map(|(i, _)| i)
            .collect()
    };
    let pool_of = |people: &[Person], f: Func| -> Vec<usize> {
        people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.func == f)
            .map(|(i, _)| i)
            .collect()
    };
    let mut members_by_unit: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    for (i, p) in people.iter().enumerate() {
        if let Some(v) = members_by_unit.get_mut(p.unit) {
            v.push(i);
        }
    }
    let everyone: Vec<usize> = (0..people.len())
        .filter(|&i| people.get(i).is_some_and(|p| p.func != Func::Legacy))
        .collect();
    for t in 0..total {
        let is_access = t >= owner;
        let func = if is_access {
            Func::Sales
        } else {
            match t % 20 {
                0..=9 => Func::Sales,
                10..=16 => Func::Service,
                _ => Func::Marketing,
            }
        };
        let candidates = units_of(func);
        let unit = rng.pick(&candidates).unwrap_or(0);
        let unit_name = units.get(unit).map_or("Contoso", |u| u.name.as_str());
        let label = if is_access {
            ["Deal Desk", "Bid Team", "Account Review Board"]
                .get(t % 3)
                .copied()
                .unwrap_or("Deal Desk")
        } else {
            let labels: &[&str] = match func {
                Func::Sales => &[
                    "Key Accounts",
                    "Strategic Deals",
                    "Renewals",
                    "Public Sector",
                ],
                Func::Service => &["Escalations", "VIP Support", "Onboarding"],
                _ => &["Campaigns", "Events Crew"],
            };
            labels.get(t % labels.len()).copied().unwrap_or("Team")
        };
        let mut pool = pool_of(people, func);
        if pool.is_empty() {
            pool.clone_from(&everyone);
        }
        let local: Vec<usize> = members_by_unit
            .get(unit)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|&i| pool.binary_search(&i).is_ok())
                    .collect()
            })
            .unwrap_or_default();
        let size = 3 + rng.below(10);
        let mut members: Vec<usize> = Vec::with_capacity(size);
        let mut tries = 0;
        while members.len() < size && tries < size * 4 && !pool.is_empty() {
            tries += 1;
            let m = if !local.is_empty() && rng.chance(700) {
                rng.pick(&local)
            } else {
                rng.pick(&pool)
            };
            if let Some(m) = m {
                if !members.contains(&m) {
                    members.push(m);
                }
            }
        }
        members.sort_total();
        for &m in &members {
            if let Some(p) = people.get_mut(m) {
                p.in_team = true;
            }
        }
        let role = if is_access {
            None
        } else {
            Some(match func {
                Func::Sales => "key-account-team",
                Func::Service => "customer-service-rep",
                _ => "marketing-professional",
            })
        };
        teams.push(TeamDef {
            name: format!("{unit_name} {label}"),
            unit,
            func,
            access: is_access,
            inheritance: if t % 3 == 2 {
                Inheritance::Team
            } else {
                Inheritance::Direct
            },
            members,
            role,
        });
    }
    teams
}

// ---------------------------------------------------------------------------
// Records

fn company_name(rng: &mut Rng) -> String {
    let a = rng.pick(&COMPANY).unwrap_or("Contoso");
    let b = rng.pick(&COMPANY_MID).unwrap_or("");
    let c = rng.pick(&COMPANY_SUFFIX).unwrap_or("Ltd");
    concat(&[a, b, " ", c])
}

struct Pools {
    sales: Vec<usize>,
    service: Vec<usize>,
    marketing: Vec<usize>,
    sales_teams: Vec<usize>,
    service_teams: Vec<usize>,
    marketing_teams: Vec<usize>,
}

impl Pools {
    fn new(people: &[Person], teams: &[TeamDef]) -> Pools {
        let users = |f: Func| -> Vec<usize> {
            let v: Vec<usize> = people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.func == f)
                .map(|(i, _)| i)
                .collect();
            if v.is_empty() {
                (0..people.len()).collect()
            } else {
                v
            }
        };
        let teams_of = |f: Func| -> Vec<usize> {
            teams
                .iter()
                .enumerate()
                .filter(|(_, t)| t.func == f && !t.access)
                .map(|(i, _)| i)
                .collect()
        };
        Pools {
            sales: users(Func::Sales),
            service: users(Func::Service),
            marketing: users(Func::Marketing),
            sales_teams: teams_of(Func::Sales),
            service_teams: teams_of(Func::Service),
            marketing_teams: teams_of(Func::Marketing),
        }
    }
}

/// Pick an owner: a team with probability `team_per_mille` when there is one, else a user.
fn owner(rng: &mut Rng, users: &[usize], teams: &[usize], team_per_mille: usize) -> Owner {
    if !teams.is_empty() && rng.chance(team_per_mille) {
        return rng.pick(teams).map_or(Owner::None, Owner::Team);
    }
    rng.pick(users).map_or(Owner::None, Owner::User)
}

fn build_records(rng: &mut Rng, pools: &Pools, total: usize) -> Vec<Rec> {
    let have_owners = !pools.sales.is_empty();
    let currencies = if total >= 100 {
        CURRENCIES.len().min(total / 1000 + 4)
    } else {
        total.min(2)
    };
    let products = if have_owners {
        (total / 2000)
            .clamp(total.min(5), 500)
            .min(total - currencies)
    } else {
        total - currencies
    };
    let rest = total - currencies - products;
    let accounts = if rest > 0 {
        (rest * 15 / 100).max(1)
    } else {
        0
    };
    let contacts = rest * 30 / 100;
    let opportunities = rest * 20 / 100;
    let cases = rest * 20 / 100;
    let leads = rest - accounts - contacts - opportunities - cases;

    let mut recs: Vec<Rec> = Vec::with_capacity(total);
    // Accounts.
    for i in 0..accounts {
        let o = owner(rng, &pools.sales, &pools.sales_teams, 30);
        recs.push(Rec {
            table: T_ACCOUNT,
            index: i + 1,
            owner: o,
            parent: None,
            active: !rng.chance(50),
            name: company_name(rng),
        });
    }
    let account_owner = |recs: &[Rec], a: usize| recs.get(a).map_or(Owner::None, |r| r.owner);
    // Cases, owned by customer service, mostly about an account.
    for i in 0..cases {
        let parent = if accounts > 0 && rng.chance(850) {
            Some(rng.below(accounts))
        } else {
            None
        };
        let o = owner(rng, &pools.service, &pools.service_teams, 40);
        let topic = rng.pick(&CASE_TOPICS).unwrap_or("Question");
        recs.push(Rec {
            table: T_CASE,
            index: i + 1,
            owner: o,
            parent,
            active: rng.chance(400),
            name: topic.to_string(),
        });
    }
    // Contacts, mostly owned like their account.
    for i in 0..contacts {
        let parent = if accounts > 0 && rng.chance(900) {
            Some(rng.below(accounts))
        } else {
            None
        };
        let o = match parent {
            Some(a) if rng.chance(850) => account_owner(&recs, a),
            _ => owner(rng, &pools.sales, &[], 0),
        };
        recs.push(Rec {
            table: T_CONTACT,
            index: i + 1,
            owner: o,
            parent,
            active: !rng.chance(30),
            name: person_name(rng),
        });
    }
    // Currencies (organization-owned).
    for i in 0..currencies {
        recs.push(Rec {
            table: T_CURRENCY,
            index: i + 1,
            owner: Owner::None,
            parent: None,
            active: true,
            name: CURRENCIES
                .get(i % CURRENCIES.len())
                .copied()
                .unwrap_or("Currency")
                .to_string(),
        });
    }
    // Leads: marketing and sales.
    for i in 0..leads {
        let o = if rng.chance(400) {
            owner(rng, &pools.marketing, &pools.marketing_teams, 30)
        } else {
            owner(rng, &pools.sales, &[], 0)
        };
        let who = person_name(rng);
        let company = rng.pick(&COMPANY).unwrap_or("Contoso");
        recs.push(Rec {
            table: T_LEAD,
            index: i + 1,
            owner: o,
            parent: None,
            active: rng.chance(600),
            name: concat(&[&who, " (", company, ")"]),
        });
    }
    // Opportunities: under an account, mostly owned by the account's owner.
    for i in 0..opportunities {
        let parent = if accounts > 0 && rng.chance(950) {
            Some(rng.below(accounts))
        } else {
            None
        };
        let o = match parent {
            Some(a) if rng.chance(700) => account_owner(&recs, a),
            _ => owner(rng, &pools.sales, &pools.sales_teams, 30),
        };
        let product = rng.pick(&PRODUCTS).unwrap_or("Product");
        let topic = rng.pick(&OPP_TOPICS).unwrap_or("deal");
        let qty = 5 + rng.below(500);
        recs.push(Rec {
            table: T_OPPORTUNITY,
            index: i + 1,
            owner: o,
            parent,
            active: rng.chance(700),
            name: concat(&[&pad("", qty, 1), " ", product, " ", topic]),
        });
    }
    // Products (organization-owned).
    for i in 0..products {
        let base = PRODUCTS
            .get(i % PRODUCTS.len())
            .copied()
            .unwrap_or("Product");
        let generation = i / PRODUCTS.len();
        recs.push(Rec {
            table: T_PRODUCT,
            index: i + 1,
            owner: Owner::None,
            parent: None,
            active: true,
            name: if generation == 0 {
                base.to_string()
            } else {
                format!("{base} {}", generation + 1)
            },
        });
    }
    recs
}

// ---------------------------------------------------------------------------
// The generator

/// Generate a valid, deterministic Contoso-like org snapshot.
///
/// The same `seed` and `size` always produce the same snapshot. Every
/// collection is sorted by id, every reference exists, record owning units
/// equal their owner's unit (`ownershipAcrossBusinessUnits` is off), managers
/// are in the same or an ancestor unit and form a tree.
pub fn generate(seed: u64, size: &GenerateSize) -> Snapshot {
    let mut rng = Rng::new(seed);
    let units = build_units(size.business_units);
    let mut people = build_people(&mut rng, &units, size.users);
    let team_defs = build_teams(&mut rng, &units, &mut people, size.teams);
    let pools = Pools::new(&people, &team_defs);
    let recs = build_records(&mut rng, &pools, size.records);

    // Id formats.
    let bu_w = width(units.len(), 4);
    let u_w = width(people.len(), 5);
    let t_w = width(team_defs.len(), 4);
    let mut table_counts = [0usize; 7];
    for r in &recs {
        if let Some(c) = table_counts.get_mut(r.table as usize) {
            *c += 1;
        }
    }
    let rec_w: Vec<usize> = table_counts.iter().map(|&c| width(c, 7)).collect();
    let bu_ids: Vec<String> = (0..units.len()).map(|i| pad("bu", i + 1, bu_w)).collect();
    let user_ids: Vec<String> = (0..people.len()).map(|i| pad("u", i + 1, u_w)).collect();
    let team_ids: Vec<String> = (0..team_defs.len()).map(|i| pad("t", i + 1, t_w)).collect();
    let bu_id = |i: usize| bu_ids.get(i).cloned().unwrap_or_default();
    let user_id = |i: usize| user_ids.get(i).cloned().unwrap_or_default();
    let team_id = |i: usize| team_ids.get(i).cloned().unwrap_or_default();
    let rec_id = |r: &Rec| {
        let prefix = TABLES.get(r.table as usize).map_or("rec", |t| t.1);
        pad(
            prefix,
            r.index,
            rec_w.get(r.table as usize).copied().unwrap_or(7),
        )
    };
    let mut rec_ids: Vec<String> = recs.iter().map(rec_id).collect();
    let rid = |i: usize| rec_ids.get(i).cloned().unwrap_or_default();

    let team_unit = |t: usize| team_defs.get(t).map_or(0, |d| d.unit);
    let user_unit = |u: usize| people.get(u).map_or(0, |p| p.unit);

    let business_units: Vec<BusinessUnit> = units
        .iter()
        .enumerate()
        .map(|(i, u)| BusinessUnit {
            id: bu_id(i),
            name: u.name.clone(),
            parent: u.parent.map(bu_id),
            disabled: u.kind == UnitKind::Legacy,
            default_team_roles: if u.func == Func::Service {
                vec![RoleAssignment {
                    role: "customer-service-rep".to_string(),
                    business_unit: None,
                }]
            } else {
                Vec::new()
            },
        })
        .collect();

    let tables: Vec<Table> = {
        let mut t: Vec<Table> = TABLES
            .iter()
            .map(|(name, _, ownership)| Table {
                name: (*name).to_string(),
                ownership: *ownership,
            })
            .collect();
        t.sort_total_by(|a, b| a.name.cmp(&b.name));
        t
    };

    let users: Vec<User> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut roles: Vec<RoleAssignment> = p
                .roles
                .iter()
                .map(|r| RoleAssignment {
                    role: (*r).to_string(),
                    business_unit: None,
                })
                .collect();
            roles.sort_total();
            User {
                id: user_id(i),
                name: p.name.clone(),
                business_unit: bu_id(p.unit),
                manager: p.manager.map(user_id),
                disabled: p.disabled,
                category: Some(category(p.func).to_string()),
                roles,
            }
        })
        .collect();

    let teams: Vec<Team> = team_defs
        .iter()
        .enumerate()
        .map(|(i, t)| Team {
            id: team_id(i),
            name: t.name.clone(),
            kind: if t.access {
                TeamKind::Access
            } else {
                TeamKind::Owner
            },
            business_unit: bu_id(t.unit),
            members: t.members.iter().map(|&m| user_id(m)).collect(),
            roles: t
                .role
                .map(|r| {
                    vec![RoleAssignment {
                        role: r.to_string(),
                        business_unit: None,
                    }]
                })
                .unwrap_or_default(),
            inheritance: t.inheritance,
        })
        .collect();

    // ---- scenario picks (for assertions and a showcase share)
    let enabled = |u: usize| {
        people
            .get(u)
            .is_some_and(|p| !p.disabled && p.func != Func::Legacy)
    };
    let has_role = |u: usize, role: &str| people.get(u).is_some_and(|p| p.roles.contains(&role));
    let owned_by_user = |table: u8, pred: &dyn Fn(usize) -> bool| -> Option<(usize, usize)> {
        recs.iter().enumerate().find_map(|(i, r)| match r.owner {
            Owner::User(u) if r.table == table && pred(u) => Some((i, u)),
            _ => None,
        })
    };
    // A plain salesperson (no manager role, in no team) owning an account.
    let seller_account = owned_by_user(T_ACCOUNT, &|u| {
        enabled(u)
            && has_role(u, "salesperson")
            && people.get(u).is_some_and(|p| !p.in_team && p.reports == 0)
    });
    // A plain customer service representative, in no team, managing nobody.
    let service_rep = (0..people.len()).find(|&u| {
        enabled(u)
            && people
                .get(u)
                .is_some_and(|p| p.func == Func::Service && !p.head && !p.in_team && p.reports == 0)
            && seller_account.is_some_and(|(_, s)| user_unit(s) != user_unit(u))
    });

    // ---- shares
    let mut share_keys: HashSet<(usize, u8, usize)> = HashSet::with_capacity(size.shares);
    let mut share_defs: Vec<(usize, u8, usize, Vec<Right>)> = Vec::with_capacity(size.shares);
    if let (Some((acc, _)), Some(rep)) = (seller_account, service_rep) {
        if size.shares > 0 {
            share_keys.insert((acc, 0, rep));
            share_defs.push((acc, 0, rep, vec![Right::Read, Right::Write]));
        }
    }
    let owned: usize = recs.iter().filter(|r| r.owner != Owner::None).count();
    let owner_teams: Vec<usize> = (0..team_defs.len())
        .filter(|&t| team_defs.get(t).is_some_and(|d| !d.access))
        .collect();
    let units_with = |f: Func| -> Vec<usize> {
        (0..units.len())
            .filter(|&u| units.get(u).is_some_and(|x| x.func == f))
            .collect()
    };
    let sales_units = units_with(Func::Sales);
    let service_units = units_with(Func::Service);
    let access_teams: Vec<usize> = (0..team_defs.len())
        .filter(|&t| team_defs.get(t).is_some_and(|d| d.access))
        .collect();
    let patterns: [&[Right]; 6] = [
        &[Right::Read],
        &[Right::Read, Right::Write],
        &[Right::Read, Right::Write, Right::Append, Right::AppendTo],
        &[Right::Read, Right::AppendTo],
        &[Right::Read, Right::Share],
        &[Right::Read, Right::Write, Right::Share],
    ];
    let mut attempts = 0usize;
    while owned > 0
        && !people.is_empty()
        && share_defs.len() < size.shares
        && attempts < size.shares.saturating_mul(20)
    {
        attempts += 1;
        let rec = rng.below(recs.len());
        let Some(r) = recs.get(rec) else { continue };
        if r.owner == Owner::None {
            continue;
        }
        // Mostly shared with colleagues who work with that table (cases with
        // customer service, the rest with sales), sometimes with anyone.
        let service = r.table == T_CASE;
        let colleagues = if service {
            &pools.service
        } else {
            &pools.sales
        };
        let (teams_of_kind, units_of_kind) = if service {
            (&pools.service_teams, &service_units)
        } else {
            (&pools.sales_teams, &sales_units)
        };
        // kind: 0 user, 1 owner/access team, 2 default team of a unit.
        let roll = rng.below(100);
        let (kind, who) = if roll < 58 && !colleagues.is_empty() {
            (0u8, rng.pick(colleagues).unwrap_or(0))
        } else if roll < 70 {
            (0u8, rng.below(people.len()))
        } else if roll < 82 && !owner_teams.is_empty() {
            let t = if teams_of_kind.is_empty() || rng.chance(200) {
                rng.pick(&owner_teams)
            } else {
                rng.pick(teams_of_kind)
            };
            (1u8, t.unwrap_or(0))
        } else if roll < 92 && !access_teams.is_empty() {
            (1u8, rng.pick(&access_teams).unwrap_or(0))
        } else if !units_of_kind.is_empty() && !rng.chance(200) {
            (2u8, rng.pick(units_of_kind).unwrap_or(0))
        } else {
            (2u8, rng.below(units.len()))
        };
        if (kind == 0 && r.owner == Owner::User(who)) || (kind == 1 && r.owner == Owner::Team(who))
        {
            continue;
        }
        if !share_keys.insert((rec, kind, who)) {
            continue;
        }
        let rights = patterns
            .get(rng.below(100).min(99) * patterns.len() / 100)
            .map(|p| p.to_vec())
            .unwrap_or_else(|| vec![Right::Read]);
        share_defs.push((rec, kind, who, rights));
    }
    let mut shares: Vec<Share> = share_defs
        .into_iter()
        .map(|(rec, kind, who, rights)| Share {
            record: rid(rec),
            principal: match kind {
                0 => Principal::User(user_id(who)),
                1 => Principal::Team(team_id(who)),
                _ => Principal::Team(format!("default:{}", bu_id(who))),
            },
            rights,
        })
        .collect();
    shares.sort_total_by(|a, b| {
        a.record
            .cmp(&b.record)
            .then_with(|| a.principal.cmp(&b.principal))
    });

    // ---- access team templates and record access teams
    let access_team_templates = vec![
        AccessTeamTemplate {
            id: "account-team".to_string(),
            table: "account".to_string(),
            rights: vec![Right::Read, Right::Write, Right::Append, Right::AppendTo],
        },
        AccessTeamTemplate {
            id: "opportunity-deal-team".to_string(),
            table: "opportunity".to_string(),
            rights: vec![
                Right::Read,
                Right::Write,
                Right::Append,
                Right::AppendTo,
                Right::Share,
            ],
        },
    ];
    let opp_idx: Vec<usize> = (0..recs.len())
        .filter(|&i| recs.get(i).is_some_and(|r| r.table == T_OPPORTUNITY))
        .collect();
    let acc_idx: Vec<usize> = (0..recs.len())
        .filter(|&i| recs.get(i).is_some_and(|r| r.table == T_ACCOUNT))
        .collect();
    let mut at_keys: HashSet<(u8, usize)> = HashSet::new();
    let mut at_defs: Vec<(u8, usize, Vec<usize>)> = Vec::new();
    let wanted = (size.records / 500).max(usize::from(!opp_idx.is_empty()));
    let mut tries = 0usize;
    let sellers: Vec<usize> = pools
        .sales
        .iter()
        .copied()
        .filter(|&u| enabled(u) || rng.chance(100))
        .collect();
    while at_defs.len() < wanted && tries < wanted * 10 && !sellers.is_empty() {
        tries += 1;
        let (template, rec) = if rng.chance(800) || acc_idx.is_empty() {
            (1u8, rng.pick(&opp_idx))
        } else {
            (0u8, rng.pick(&acc_idx))
        };
        let Some(rec) = rec else { break };
        if !at_keys.insert((template, rec)) {
            continue;
        }
        let n = 2 + rng.below(3);
        let mut members: Vec<usize> = Vec::with_capacity(n);
        for _ in 0..n * 3 {
            if members.len() >= n {
                break;
            }
            if let Some(m) = rng.pick(&sellers) {
                if !members.contains(&m) {
                    members.push(m);
                }
            }
        }
        members.sort_total();
        at_defs.push((template, rec, members));
    }
    at_defs.sort_total_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let template_id = |t: u8| {
        if t == 0 {
            "account-team"
        } else {
            "opportunity-deal-team"
        }
    };
    let deal_member = at_defs.iter().find_map(|(t, rec, members)| {
        if *t != 1 {
            return None;
        }
        members
            .iter()
            .find(|&&m| enabled(m) && has_role(m, "salesperson"))
            .map(|&m| (*rec, m))
    });
    let access_teams_out: Vec<AccessTeam> = at_defs
        .iter()
        .map(|(t, rec, members)| AccessTeam {
            template: template_id(*t).to_string(),
            record: rid(*rec),
            members: members.iter().map(|&m| user_id(m)).collect(),
        })
        .collect();

    // ---- assertions
    let mut assertions: Vec<Assertion> = Vec::new();
    let mut add = |user: usize, right: Right, rec: usize, expect: bool, note: &str| {
        assertions.push(Assertion {
            user: user_id(user),
            right,
            record: rid(rec),
            expect,
            note: Some(note.to_string()),
        });
    };
    if let Some((acc, seller)) = seller_account {
        add(
            seller,
            Right::Write,
            acc,
            true,
            "a salesperson edits the accounts they own",
        );
        add(
            seller,
            Right::Delete,
            acc,
            false,
            "salespeople cannot delete accounts",
        );
        if let Some(rep) = service_rep {
            add(
                rep,
                Right::Read,
                acc,
                true,
                "an account shared with a service rep is readable",
            );
            add(
                rep,
                Right::Write,
                acc,
                false,
                "sharing write to someone without the write privilege is ineffective",
            );
        }
        if let Some(prd) = recs.iter().position(|r| r.table == T_PRODUCT) {
            add(
                seller,
                Right::Write,
                prd,
                false,
                "only product managers edit the product catalogue",
            );
            add(
                seller,
                Right::Read,
                prd,
                true,
                "everyone reads the product catalogue",
            );
        }
    }
    let auditor = (0..people.len()).find(|&u| {
        enabled(u) && has_role(u, "auditor") && !people.get(u).is_some_and(|p| p.in_team)
    });
    if let (Some(a), Some(acc)) = (auditor, acc_idx.last().copied()) {
        add(a, Right::Read, acc, true, "auditors read every account");
        add(a, Right::Write, acc, false, "auditors are read-only");
    }
    let disabled_owner = recs.iter().enumerate().find_map(|(i, r)| match r.owner {
        Owner::User(u) if people.get(u).is_some_and(|p| p.disabled) => Some((i, u)),
        _ => None,
    });
    if let Some((rec, u)) = disabled_owner {
        add(
            u,
            Right::Read,
            rec,
            false,
            "disabled users have no access, not even to their own records",
        );
    }
    let admin = (0..people.len()).find(|&u| enabled(u) && has_role(u, "system-administrator"));
    if let (Some(a), Some(case)) = (admin, recs.iter().position(|r| r.table == T_CASE)) {
        add(
            a,
            Right::Delete,
            case,
            true,
            "system administrators delete anything",
        );
    }
    // A sales manager reads an opportunity owned by one of their direct reports.
    let managed = recs.iter().enumerate().find_map(|(i, r)| match r.owner {
        Owner::User(u) if r.table == T_OPPORTUNITY => {
            let m = people.get(u).and_then(|p| p.manager)?;
            (enabled(m) && has_role(m, "sales-manager")).then_some((i, m))
        }
        _ => None,
    });
    if let Some((opp, m)) = managed {
        add(
            m,
            Right::Read,
            opp,
            true,
            "managers read their reports' opportunities",
        );
    }
    if let Some((opp, m)) = deal_member {
        add(
            m,
            Right::Write,
            opp,
            true,
            "deal team members edit the opportunity",
        );
    }
    let roleless = (0..people.len()).find(|&u| {
        enabled(u)
            && people
                .get(u)
                .is_some_and(|p| p.roles.is_empty() && !p.in_team && p.reports == 0)
    });
    if let (Some(u), Some(acc)) = (roleless, acc_idx.first().copied()) {
        add(
            u,
            Right::Read,
            acc,
            false,
            "a user without any role sees nothing",
        );
    }

    // Built backwards so that each record's id can be moved out of `rec_ids`:
    // parents (accounts) always come before their children.
    let mut records: Vec<Record> = Vec::with_capacity(recs.len());
    for (i, r) in recs.into_iter().enumerate().rev() {
        let (owner, unit) = match r.owner {
            Owner::None => (None, None),
            Owner::User(u) => (Some(Principal::User(user_id(u))), Some(bu_id(user_unit(u)))),
            Owner::Team(t) => (Some(Principal::Team(team_id(t))), Some(bu_id(team_unit(t)))),
        };
        let parent = r.parent.and_then(|p| rec_ids.get(p).cloned());
        let id = rec_ids.get_mut(i).map(std::mem::take).unwrap_or_default();
        records.push(Record {
            id,
            name: Some(r.name),
            table: table_name(r.table).to_string(),
            owner,
            business_unit: unit,
            parent,
            active: r.active,
        });
    }
    records.reverse();

    let hierarchy = Some(Hierarchy {
        model: HierarchyModel::Manager,
        depth: 2 + (rng.below(2) as u32),
        tables: vec![
            "account".to_string(),
            "contact".to_string(),
            "incident".to_string(),
            "opportunity".to_string(),
        ],
    });

    Snapshot {
        version: 1,
        settings: Settings::default(),
        business_units,
        tables,
        relationships: relationships(),
        roles: role_catalogue(),
        users,
        teams,
        access_team_templates,
        records,
        shares,
        access_teams: access_teams_out,
        hierarchy,
        assertions,
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn small() -> GenerateSize {
        GenerateSize {
            users: 300,
            business_units: 40,
            teams: 16,
            records: 6_000,
            shares: 600,
        }
    }

    #[test]
    fn deterministic() {
        let a = generate(7, &small());
        let b = generate(7, &small());
        assert_eq!(a, b);
        let c = generate(8, &small());
        assert_ne!(a, c);
    }

    #[test]
    fn sizes_are_exact() {
        for size in [small(), GenerateSize::demo(), GenerateSize::scaled(50)] {
            let s = generate(1, &size);
            assert_eq!(s.users.len(), size.users);
            assert_eq!(s.business_units.len(), size.business_units);
            assert_eq!(s.teams.len(), size.teams);
            assert_eq!(s.records.len(), size.records);
            assert_eq!(s.shares.len(), size.shares);
            check_valid(&s);
        }
    }

    #[test]
    fn tiny_and_degenerate_sizes_are_valid() {
        for (u, b, t, r, sh) in [
            (0, 1, 0, 0, 0),
            (0, 1, 0, 10, 5),
            (1, 1, 0, 5, 3),
            (3, 2, 1, 50, 10),
            (5, 12, 4, 200, 30),
            (40, 9, 5, 1, 1),
            (100, 200, 30, 1000, 100),
        ] {
            let size = GenerateSize {
                users: u,
                business_units: b,
                teams: t,
                records: r,
                shares: sh,
            };
            let s = generate(3, &size);
            assert_eq!(s.users.len(), u);
            assert_eq!(s.business_units.len(), b.max(1));
            assert_eq!(s.records.len(), r);
            check_valid(&s);
        }
    }

    #[test]
    fn demo_shape() {
        let s = generate(42, &GenerateSize::demo());
        let root: Vec<_> = s
            .business_units
            .iter()
            .filter(|b| b.parent.is_none())
            .collect();
        assert_eq!(root.len(), 1);
        assert_eq!(root[0].name, "Contoso");
        assert!(s.business_units.iter().any(|b| b.disabled));
        assert!(s.business_units.iter().any(|b| b.name.ends_with("Sales")));
        let tables: HashSet<_> = s.records.iter().map(|r| r.table.as_str()).collect();
        for t in [
            "account",
            "contact",
            "opportunity",
            "incident",
            "lead",
            "currency",
            "product",
        ] {
            assert!(tables.contains(t), "{t}");
        }
        assert!(s.teams.iter().any(|t| t.kind == TeamKind::Access));
        assert!(s
            .teams
            .iter()
            .any(|t| t.kind == TeamKind::Owner && t.inheritance == Inheritance::Team));
        assert!(s
            .teams
            .iter()
            .any(|t| t.kind == TeamKind::Owner && t.inheritance == Inheritance::Direct));
        assert!(s
            .records
            .iter()
            .any(|r| matches!(r.owner, Some(Principal::Team(_)))));
        assert!(s.users.iter().any(|u| u.disabled));
        assert!(s.users.iter().any(|u| u.roles.is_empty()));
        let admins = s
            .users
            .iter()
            .filter(|u| u.roles.iter().any(|r| r.role == "system-administrator"))
            .count();
        assert!((1..=3).contains(&admins));
        assert!(!s.access_teams.is_empty());
        assert!(s.assertions.len() >= 10, "{}", s.assertions.len());
        assert!(s.assertions.iter().any(|a| a.expect));
        assert!(s.assertions.iter().any(|a| !a.expect));
        assert!(s
            .shares
            .iter()
            .any(|sh| sh.principal.id().starts_with("default:")));
        let h = s.hierarchy.as_ref().unwrap();
        assert!((2..=3).contains(&h.depth));
        assert_eq!(s.users[0].id, "u00001");
        assert!(s.records[0].id.starts_with("acc"));
        // Manager chains reach depth >= 3.
        let mgr: HashMap<&str, Option<&str>> = s
            .users
            .iter()
            .map(|u| (u.id.as_str(), u.manager.as_deref()))
            .collect();
        let deepest = s
            .users
            .iter()
            .map(|u| {
                let mut d = 0;
                let mut cur = u.manager.as_deref();
                while let Some(m) = cur {
                    d += 1;
                    cur = mgr[m];
                }
                d
            })
            .max()
            .unwrap();
        assert!(deepest >= 4, "{deepest}");
        // Round-trips through JSON.
        let json = crate::json::text(&s);
        let back: Snapshot = crate::validate::parse_snapshot(&json).unwrap();
        assert_eq!(back, s);
    }

    /// The SPEC §1 rules that the generator promises.
    pub(crate) fn check_valid(s: &Snapshot) {
        fn sorted_unique<'a>(ids: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
            let v: Vec<&str> = ids.collect();
            for w in v.windows(2) {
                assert!(w[0] < w[1], "ids not sorted/unique: {} {}", w[0], w[1]);
            }
            v.into_iter().collect()
        }
        let bus = sorted_unique(s.business_units.iter().map(|b| b.id.as_str()));
        let users = sorted_unique(s.users.iter().map(|u| u.id.as_str()));
        let teams = sorted_unique(s.teams.iter().map(|t| t.id.as_str()));
        let roles = sorted_unique(s.roles.iter().map(|r| r.id.as_str()));
        let tables = sorted_unique(s.tables.iter().map(|t| t.name.as_str()));
        let records = sorted_unique(s.records.iter().map(|r| r.id.as_str()));
        let templates = sorted_unique(s.access_team_templates.iter().map(|t| t.id.as_str()));
        let bu_parent: HashMap<&str, Option<&str>> = s
            .business_units
            .iter()
            .map(|b| (b.id.as_str(), b.parent.as_deref()))
            .collect();
        assert_eq!(
            s.business_units
                .iter()
                .filter(|b| b.parent.is_none())
                .count(),
            1
        );
        fn chain<'a>(parents: &HashMap<&'a str, Option<&'a str>>, b: &'a str) -> Vec<&'a str> {
            let mut out = vec![];
            let mut cur = Some(b);
            while let Some(c) = cur {
                assert!(out.len() <= parents.len(), "unit cycle");
                out.push(c);
                cur = parents[c];
            }
            out
        }
        for b in &s.business_units {
            if let Some(p) = &b.parent {
                assert!(bus.contains(p.as_str()));
            }
            chain(&bu_parent, &b.id);
            for r in &b.default_team_roles {
                assert!(roles.contains(r.role.as_str()));
                assert!(r.business_unit.is_none());
            }
        }
        for r in &s.roles {
            for t in r.privileges.keys() {
                assert!(tables.contains(t.as_str()));
            }
        }
        let org_owned: HashSet<&str> = s
            .tables
            .iter()
            .filter(|t| t.ownership == Ownership::Organization)
            .map(|t| t.name.as_str())
            .collect();
        let mut children = HashSet::new();
        for r in &s.relationships {
            assert!(tables.contains(r.parent.as_str()) && tables.contains(r.child.as_str()));
            assert!(children.insert(r.child.as_str()));
        }
        let user_bu: HashMap<&str, &str> = s
            .users
            .iter()
            .map(|u| (u.id.as_str(), u.business_unit.as_str()))
            .collect();
        let manager: HashMap<&str, Option<&str>> = s
            .users
            .iter()
            .map(|u| (u.id.as_str(), u.manager.as_deref()))
            .collect();
        for u in &s.users {
            assert!(bus.contains(u.business_unit.as_str()));
            let mut seen = HashSet::new();
            for r in &u.roles {
                assert!(roles.contains(r.role.as_str()));
                assert!(r.business_unit.is_none());
                assert!(seen.insert(&r.role));
            }
            if let Some(m) = &u.manager {
                assert!(users.contains(m.as_str()));
                assert!(
                    chain(&bu_parent, &u.business_unit).contains(&user_bu[m.as_str()]),
                    "manager out of scope for {}",
                    u.id
                );
            }
            let mut steps = 0;
            let mut cur = u.manager.as_deref();
            while let Some(m) = cur {
                steps += 1;
                assert!(steps <= users.len(), "manager cycle");
                cur = manager[m];
            }
        }
        let team_bu: HashMap<&str, &str> = s
            .teams
            .iter()
            .map(|t| (t.id.as_str(), t.business_unit.as_str()))
            .collect();
        let access_team: HashSet<&str> = s
            .teams
            .iter()
            .filter(|t| t.kind == TeamKind::Access)
            .map(|t| t.id.as_str())
            .collect();
        for t in &s.teams {
            assert!(bus.contains(t.business_unit.as_str()));
            assert!(!t.id.starts_with("default:"));
            sorted_unique(t.members.iter().map(String::as_str));
            for m in &t.members {
                assert!(users.contains(m.as_str()));
            }
            if t.kind == TeamKind::Access {
                assert!(t.roles.is_empty());
            }
            for r in &t.roles {
                assert!(roles.contains(r.role.as_str()));
            }
        }
        let rel_parent: HashMap<&str, &str> = s
            .relationships
            .iter()
            .map(|r| (r.child.as_str(), r.parent.as_str()))
            .collect();
        let rec_table: HashMap<&str, &str> = s
            .records
            .iter()
            .map(|r| (r.id.as_str(), r.table.as_str()))
            .collect();
        for r in &s.records {
            assert!(tables.contains(r.table.as_str()));
            if org_owned.contains(r.table.as_str()) {
                assert!(r.owner.is_none() && r.business_unit.is_none());
            } else {
                let unit = match r.owner.as_ref().expect("missing owner") {
                    Principal::User(u) => user_bu[u.as_str()],
                    Principal::Team(t) => {
                        assert!(!access_team.contains(t.as_str()));
                        team_bu[t.as_str()]
                    }
                };
                assert_eq!(r.business_unit.as_deref(), Some(unit));
            }
            if let Some(p) = &r.parent {
                assert_eq!(
                    rel_parent.get(r.table.as_str()).copied(),
                    Some(rec_table[p.as_str()])
                );
                assert!(rec_table[p.as_str()] != r.table, "parent cycles impossible");
            }
        }
        let mut share_keys = HashSet::new();
        for sh in &s.shares {
            assert!(records.contains(sh.record.as_str()));
            assert!(!org_owned.contains(rec_table[sh.record.as_str()]));
            assert!(!sh.rights.is_empty());
            match &sh.principal {
                Principal::User(u) => assert!(users.contains(u.as_str())),
                Principal::Team(t) => match t.strip_prefix("default:") {
                    Some(b) => assert!(bus.contains(b)),
                    None => assert!(teams.contains(t.as_str())),
                },
            }
            assert!(share_keys.insert((&sh.record, &sh.principal)));
        }
        let template_table: HashMap<&str, &str> = s
            .access_team_templates
            .iter()
            .map(|t| (t.id.as_str(), t.table.as_str()))
            .collect();
        let mut at_keys = HashSet::new();
        for at in &s.access_teams {
            assert!(templates.contains(at.template.as_str()));
            assert_eq!(
                template_table[at.template.as_str()],
                rec_table[at.record.as_str()]
            );
            assert!(at_keys.insert((&at.template, &at.record)));
            sorted_unique(at.members.iter().map(String::as_str));
            for m in &at.members {
                assert!(users.contains(m.as_str()));
            }
        }
        if let Some(h) = &s.hierarchy {
            for t in &h.tables {
                assert!(tables.contains(t.as_str()));
            }
        }
        for a in &s.assertions {
            assert!(users.contains(a.user.as_str()));
            assert!(records.contains(a.record.as_str()));
        }
    }
}
