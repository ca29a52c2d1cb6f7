// Types of the npm package `crm-policy` (SPEC §9). Hand-written to name the real shapes;
// every entry point (web, bundler, Node ESM/CommonJS, workerd, Deno) exports this API.

/** An id: a string unique within its kind (at most 1024 bytes). */
export type Id = string;

/** The eight record rights, in SPEC §1 order. */
export type Right = "create" | "read" | "write" | "delete" | "append" | "appendTo" | "assign" | "share";

/** Access levels: none < basic (User) < local (Business Unit) < deep (Parent: Child BUs) < global (Organization). */
export type Level = "none" | "basic" | "local" | "deep" | "global";

/** A user or a team (`default:<buId>` names a business unit's default team). */
export type Principal = { user: Id } | { team: Id };

// ---------------------------------------------------------------------------
// The snapshot (SPEC §1). Optional fields take their defaults; `toJSON()` writes them out.

export interface Settings {
  ownershipAcrossBusinessUnits: boolean;
  alwaysMoveRecordToOwnerBusinessUnit: boolean;
  doNotRemoveRolesOnChangeBusinessUnit: boolean;
  shareToPreviousOwnerOnAssign: boolean;
  managersMustBeInSameOrParentBusinessUnit: boolean;
}

export type SettingName = keyof Settings;

export interface RoleAssignment {
  role: Id;
  /** Anchor of the role's local/deep levels; defaults to the holder's unit. */
  businessUnit?: Id;
}

export interface BusinessUnit {
  id: Id;
  name: string;
  /** `null` for the one root. */
  parent?: Id | null;
  disabled?: boolean;
  /** Roles of the implicit default team `default:<id>`. */
  defaultTeamRoles?: RoleAssignment[];
}

export interface Table {
  name: string;
  ownership: "user" | "organization";
}

export type CascadeScope = "all" | "active" | "userOwned" | "none";
export type DeleteCascade = "all" | "removeLink" | "restrict";

export interface Cascade {
  assign?: CascadeScope;
  share?: CascadeScope;
  unshare?: CascadeScope;
  reparent?: CascadeScope;
  delete?: DeleteCascade;
}

export interface Relationship {
  parent: string;
  child: string;
  cascade?: Cascade;
}

/** Per right, an access level; a missing right means `none`. */
export type TablePrivileges = { [R in Right]?: Level };

export interface Role {
  id: Id;
  name: string;
  /** Per table name. */
  privileges?: { [table: string]: TablePrivileges };
}

export interface User {
  id: Id;
  name: string;
  businessUnit: Id;
  manager?: Id | null;
  disabled?: boolean;
  category?: string;
  roles?: RoleAssignment[];
}

export type TeamKind = "owner" | "access";
export type Inheritance = "team" | "direct";

export interface Team {
  id: Id;
  name: string;
  kind: TeamKind;
  businessUnit: Id;
  members?: Id[];
  /** Owner teams only. */
  roles?: RoleAssignment[];
  /** Owner teams: `direct` (default) or `team`. */
  inheritance?: Inheritance;
}

export interface AccessTeamTemplate {
  id: Id;
  table: string;
  rights: Right[];
}

/** A record (named `OrgRecord` to leave TypeScript's `Record<K, V>` alone). */
export interface OrgRecord {
  id: Id;
  name?: string;
  table: string;
  /** Absent for organization-owned tables. */
  owner?: Principal;
  /** Owning unit; defaults to the owner's. */
  businessUnit?: Id;
  parent?: Id | null;
  active?: boolean;
}

export interface Share {
  record: Id;
  principal: Principal;
  rights: Right[];
}

export interface AccessTeam {
  template: Id;
  record: Id;
  members?: Id[];
}

export interface Hierarchy {
  model: "manager";
  depth: number;
  tables?: string[];
}

export interface Assertion {
  user: Id;
  right: Right;
  record: Id;
  expect: boolean;
  note?: string;
}

export interface Snapshot {
  version: 1;
  settings?: Partial<Settings>;
  businessUnits?: BusinessUnit[];
  tables?: Table[];
  relationships?: Relationship[];
  roles?: Role[];
  users?: User[];
  teams?: Team[];
  accessTeamTemplates?: AccessTeamTemplate[];
  records?: OrgRecord[];
  shares?: Share[];
  accessTeams?: AccessTeam[];
  hierarchy?: Hierarchy;
  assertions?: Assertion[];
}

/** The canonical snapshot `toJSON()` returns: every collection present, sorted by id, defaults written. */
export interface CanonicalSnapshot extends Snapshot {
  settings: Settings;
  businessUnits: BusinessUnit[];
  tables: Table[];
  relationships: Relationship[];
  roles: Role[];
  users: User[];
  teams: Team[];
  accessTeamTemplates: AccessTeamTemplate[];
  records: OrgRecord[];
  shares: Share[];
  accessTeams: AccessTeam[];
  assertions: Assertion[];
}

// ---------------------------------------------------------------------------
// Changes (SPEC §6): a discriminated union on `op`.

export type Change =
  | { op: "createBusinessUnit"; id: Id; name: string; parent: Id }
  | { op: "renameBusinessUnit"; businessUnit: Id; name: string }
  | { op: "reparentBusinessUnit"; businessUnit: Id; parent: Id }
  | { op: "disableBusinessUnit"; businessUnit: Id }
  | { op: "enableBusinessUnit"; businessUnit: Id }
  | { op: "deleteBusinessUnit"; businessUnit: Id }
  | { op: "mergeBusinessUnits"; from: Id; into: Id }
  | ({ op: "createUser" } & User)
  | { op: "moveUser"; user: Id; businessUnit: Id; moveRecords?: boolean; reassignRecordsTo?: Principal }
  | { op: "moveUsers"; users: Id[]; businessUnit: Id; moveRecords?: boolean; reassignRecordsTo?: Principal }
  | { op: "setManager"; user: Id; manager: Id | null }
  | { op: "disableUser"; user: Id; reassignRecordsTo?: Principal }
  | { op: "enableUser"; user: Id }
  | { op: "assignRole"; principal: Principal; role: Id; businessUnit?: Id }
  | { op: "removeRole"; principal: Principal; role: Id; businessUnit?: Id }
  | ({ op: "createTeam" } & Team)
  | { op: "deleteTeam"; team: Id }
  | { op: "addTeamMembers"; team: Id; users: Id[] }
  | { op: "removeTeamMembers"; team: Id; users: Id[] }
  | { op: "moveTeam"; team: Id; businessUnit: Id }
  | { op: "assignRecord"; record: Id; owner: Principal }
  | { op: "reassignRecords"; from: Principal; to: Principal; table?: string }
  | { op: "setRecordBusinessUnit"; record: Id; businessUnit: Id }
  | ({ op: "createRecord" } & OrgRecord)
  | { op: "deleteRecord"; record: Id }
  | { op: "share"; record: Id; principal: Principal; rights: Right[] }
  | { op: "modifyShare"; record: Id; principal: Principal; rights: Right[] }
  | { op: "unshare"; record: Id; principal: Principal }
  | { op: "addAccessTeamMember"; record: Id; template: Id; user: Id }
  | { op: "removeAccessTeamMember"; record: Id; template: Id; user: Id }
  | { op: "setSetting"; name: SettingName; value: boolean };

/** The operation names. */
export type ChangeOp = Change["op"];

/** A changeset: an array of operations, or `{ changes: [...] }`; also accepted as JSON text. */
export type Changeset = Change[] | { changes: Change[] } | string;

// ---------------------------------------------------------------------------
// Results

/** One problem (SPEC §7): `path` is a JSON pointer into the input. */
export interface PolicyErrorInfo {
  code: string;
  message: string;
  path: string;
  help?: string;
}

/** The role grant behind a path. */
export interface GrantInfo {
  role: Id;
  roleName: string;
  /** `user`: a direct assignment; `team`: through the team named in `team`. */
  via: "user" | "team";
  team?: Id;
  level: Level;
  /** The anchor unit (absent for organization-owned tables). */
  anchor?: Id;
}

/** One path that grants a right (SPEC §3). */
export type Reason =
  | { kind: "owner"; grant: GrantInfo }
  | { kind: "teamOwner"; team: Id; grant: GrantInfo }
  | { kind: "role"; grant: GrantInfo }
  | { kind: "share"; principal: Principal; grant: GrantInfo }
  | { kind: "accessTeam"; template: Id; grant: GrantInfo }
  | { kind: "inheritedShare"; fromRecord: Id; principal?: Principal; template?: Id; grant: GrantInfo }
  | { kind: "hierarchy"; report: Id; distance: number; grant: GrantInfo };

/** Why a right is denied. */
export type Denial =
  | { kind: "disabledUser" }
  | { kind: "disabledBusinessUnit"; businessUnit: Id }
  | { kind: "noPrivilege"; table: string; right: Right }
  | { kind: "levelTooLow"; best: Level; needed: Level }
  | { kind: "shareWithoutPrivilege"; principal: Principal };

export interface Explanation {
  /** Equals `check()`. */
  allowed: boolean;
  /** Every granting path (empty when denied). */
  reasons: Reason[];
  /** Why not, when denied. */
  denial?: Denial;
}

export interface RecordPage {
  /** Matching records before paging. */
  total: number;
  /** Record ids, sorted, after `offset` / `limit`. */
  records: Id[];
}

export interface RightAccess {
  right: Right;
  /** The best level held. */
  level: Level;
  /** The grants giving it. */
  sources: GrantInfo[];
}

export interface TableAccess {
  table: string;
  rights: RightAccess[];
}

export interface AssertionResult {
  assertion: Assertion;
  actual: boolean;
  pass: boolean;
}

/** The kinds of risk findings and simulation warnings. */
export type FindingKind =
  | "globalPrivilege"
  | "userWithoutRole"
  | "recordsOwnedByDisabledUser"
  | "ineffectiveShare"
  | "accessTeamMemberWithoutPrivilege"
  | "emptyBusinessUnit"
  | "disabledUnitWithUsers"
  | "ownerCannotRead";

/** A risk finding (`riskReport`) or a simulation warning (`simulate().warnings`). */
export interface Finding {
  kind: FindingKind;
  severity: "high" | "medium" | "low";
  message: string;
  user?: Id;
  record?: Id;
  businessUnit?: Id;
  table?: string;
  rights?: Right[];
  count?: number;
  sample?: Id[];
}

export interface HistoryEntry {
  version: number;
  summary: string;
  changes: Change[];
}

/** Rights gained or lost on one table, with sample record ids. */
export interface AccessDelta {
  table: string;
  right: Right;
  count: number;
  sample: Id[];
}

export interface AccessChange {
  user: Id;
  gained: AccessDelta[];
  lost: AccessDelta[];
}

export interface SideEffect {
  /** Index of the operation in the changeset. */
  change: number;
  /** `roleRemoved`, `managerCleared`, `recordsMoved`, `recordAssigned`, `shareAdded`, ... */
  kind: string;
  message: string;
  user?: Id;
  team?: Id;
  record?: Id;
  role?: Id;
  count?: number;
}

export interface AssertionChange {
  assertion: Assertion;
  before: boolean;
  after: boolean;
  /** Whether the assertion holds after the changeset. */
  pass: boolean;
}

/** What a changeset would do (SPEC §6 `simulate`). */
export interface Impact {
  accessChanges: AccessChange[];
  sideEffects: SideEffect[];
  warnings: Finding[];
  assertions: AssertionChange[];
  records: { before: number; after: number };
}

export interface CanCreateOptions {
  /** Default: the user. */
  owner?: Principal;
  /** Default: the owner's unit. */
  businessUnit?: Id;
}

export interface AccessibleRecordsOptions {
  table?: string;
  /** Default 0. */
  offset?: number;
  /** Default: unlimited. */
  limit?: number;
}

/** A request of `checkMany`. */
export type CheckRequest = readonly [user: Id, right: Right, record: Id];

// ---------------------------------------------------------------------------
// The API

/**
 * Thrown by every method on a bad input (SPEC §7). `code` / `path` / `help` are those of
 * the first problem; `errors` lists every problem found.
 */
export declare class PolicyError extends Error {
  constructor(message: string, details?: { code?: string; path?: string; help?: string; errors?: PolicyErrorInfo[] });
  readonly name: "PolicyError";
  /** Stable kebab-case identifier, e.g. `unknown-user`, `bad-type`, `cycle`. */
  code: string;
  /** JSON pointer into the input, e.g. `/users/3/businessUnit` or `/changes/2/user`. */
  path: string;
  help?: string;
  /** Every problem (at least one). */
  errors: PolicyErrorInfo[];
}

/** A compiled org held inside WebAssembly. Call `free()` when done (or rely on GC). */
export declare class Org {
  private constructor();
  /** Load a snapshot (a plain object or JSON text); throws a PolicyError listing every problem. */
  static fromJSON(snapshot: Snapshot | string): Org;
  /** Load the compact binary form written by `toBytes()`. */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Org;
  /** The canonical snapshot (so `JSON.stringify(org)` works). */
  toJSON(): CanonicalSnapshot;
  /** The canonical snapshot as JSON text (byte-identical across undo/redo). */
  toJSONString(): string;
  /** The compact binary form. */
  toBytes(): Uint8Array;

  check(user: Id, right: Right, record: Id): boolean;
  /** The rights held, in SPEC §1 order. */
  rights(user: Id, record: Id): Right[];
  /** One decision (1 = allowed, 0 = denied) per request. */
  checkMany(requests: ReadonlyArray<CheckRequest>): Uint8Array;
  explain(user: Id, right: Right, record: Id): Explanation;
  canCreate(user: Id, table: string, options?: CanCreateOptions): boolean;
  canAppend(user: Id, child: Id, parent: Id): boolean;
  /** User ids, sorted. */
  whoCan(right: Right, record: Id): Id[];
  accessibleRecords(user: Id, right: Right, options?: AccessibleRecordsOptions): RecordPage;
  effectivePrivileges(user: Id): TableAccess[];

  /** The errors the changeset would raise; empty when it is valid. Never throws on input. */
  validateChanges(changes: Changeset): PolicyErrorInfo[];
  /** The impact of a changeset; changes nothing. */
  simulate(changes: Changeset): Impact;
  /** Apply a changeset as one new version; all or nothing. */
  apply(changes: Changeset): { version: number };
  /** `true` when a version was undone. */
  undo(): boolean;
  /** `true` when a version was redone. */
  redo(): boolean;
  history(): HistoryEntry[];
  checkAssertions(): AssertionResult[];
  riskReport(): Finding[];

  /** Release the wasm memory; any later call throws an Error. A second `free()` does nothing. */
  free(): void;
}

/** What `init` accepts: a URL or path to the .wasm, a fetch Response, bytes, or a compiled module. */
export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/**
 * Load the WebAssembly module. Needed once in browsers (`crm-policy/web`); everywhere else
 * (Node, bundlers, workerd, Deno) the package is ready on import and this resolves at once.
 */
export default function init(input?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<void>;
export { init };
/** Synchronous `init` from bytes or a compiled `WebAssembly.Module`. */
export declare function initSync(options: { module: BufferSource | WebAssembly.Module }): void;

