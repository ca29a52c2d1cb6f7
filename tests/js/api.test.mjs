// The JS API of SPEC §9 on a small org: results as plain objects, changes with
// apply / undo / redo, errors as PolicyError with exact codes and paths, freed Orgs.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as pkg from "crm-policy";
import { Org, PolicyError, init, initSync } from "crm-policy";
import { sampleSnapshot } from "./helpers.mjs";

/** Run `fn`, expect a PolicyError with `code` (and `path` when given); return it. */
function throwsPolicy(fn, code, path) {
  let thrown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown !== undefined, `expected ${code}, nothing was thrown`);
  assert.ok(thrown instanceof PolicyError, `expected a PolicyError, got ${thrown && thrown.stack}`);
  assert.equal(thrown.code, code, `code (message: ${thrown.message})`);
  if (path !== undefined) assert.equal(thrown.path, path, `path (message: ${thrown.message})`);
  assert.equal(thrown.name, "PolicyError");
  assert.ok(Array.isArray(thrown.errors) && thrown.errors.length >= 1);
  assert.equal(thrown.errors[0].code, thrown.code);
  return thrown;
}

const load = () => Org.fromJSON(sampleSnapshot());

describe("the package", () => {
  test("exports Org, PolicyError, init, initSync and a default init", async () => {
    assert.equal(typeof Org, "function");
    assert.equal(typeof PolicyError, "function");
    assert.equal(typeof pkg.default, "function");
    await init(); // a no-op outside the web build
    initSync();
  });

  test("PolicyError is a real Error subclass", () => {
    const e = new PolicyError("boom", { code: "x-y", path: "/a", help: "h" });
    assert.ok(e instanceof Error);
    assert.equal(e.name, "PolicyError");
    assert.deepEqual([e.code, e.path, e.help, e.message], ["x-y", "/a", "h", "boom"]);
    assert.deepEqual(e.errors, [{ code: "x-y", message: "boom", path: "/a", help: "h" }]);
  });
});

describe("decisions and queries", () => {
  test("check, rights, checkMany", () => {
    const org = load();
    assert.equal(org.check("u1", "write", "a1"), true);
    assert.equal(org.check("u1", "delete", "a1"), false);
    assert.equal(org.check("u3", "read", "a1"), true); // auditor: global read
    assert.equal(org.check("u3", "write", "a1"), false);
    const rights = org.rights("u1", "a1");
    assert.ok(Array.isArray(rights));
    assert.ok(rights.includes("read") && rights.includes("write") && !rights.includes("delete"));
    const order = ["create", "read", "write", "delete", "append", "appendTo", "assign", "share"];
    assert.deepEqual(rights, order.filter((r) => rights.includes(r)), "SPEC §1 order");
    const many = org.checkMany([
      ["u1", "write", "a1"],
      ["u1", "delete", "a1"],
      ["u3", "read", "a2"],
    ]);
    assert.ok(many instanceof Uint8Array);
    assert.deepEqual([...many], [1, 0, 1]);
    assert.deepEqual([...org.checkMany([])], []);
    org.free();
  });

  test("explain returns a plain object naming the paths, or the denial", () => {
    const org = load();
    const yes = org.explain("u1", "write", "a1");
    assert.equal(Object.getPrototypeOf(yes), Object.prototype);
    assert.equal(yes.allowed, true);
    assert.ok(yes.reasons.some((r) => r.kind === "owner"), JSON.stringify(yes));
    assert.equal(yes.denial, undefined);
    const no = org.explain("u4", "read", "a2");
    assert.equal(no.allowed, false);
    assert.deepEqual(no.reasons, []);
    assert.equal(typeof no.denial.kind, "string");
    org.free();
  });

  test("canCreate and canAppend", () => {
    const org = load();
    assert.equal(org.canCreate("u1", "account"), true);
    assert.equal(org.canCreate("u1", "account", {}), true);
    assert.equal(org.canCreate("u1", "account", { owner: { user: "u1" }, businessUnit: "sales" }), true);
    assert.equal(org.canCreate("u1", "account", { owner: { user: "u3" } }), false);
    assert.equal(org.canCreate("u4", "account"), false);
    assert.equal(typeof org.canAppend("u1", "c1", "a1"), "boolean");
    // append on the child and appendTo on the parent, each as check decides it
    for (const u of ["u1", "u2", "u3", "u4"]) {
      for (const [c, p] of [["c1", "a1"], ["a1", "c1"], ["a1", "a1"]]) {
        assert.equal(org.canAppend(u, c, p), org.check(u, "append", c) && org.check(u, "appendTo", p), `${u} ${c} ${p}`);
      }
    }
    // the arguments' types first (user, child, parent), then unknown ids in the same order
    throwsPolicy(() => org.canAppend("zz", "c1", 5), "bad-type", "/parent");
    throwsPolicy(() => org.canAppend("u1", 5, 6), "bad-type", "/child");
    throwsPolicy(() => org.canAppend("zz", "zz", "zz"), "unknown-user", "/user");
    throwsPolicy(() => org.canAppend("u1", "zz", "zz"), "unknown-record", "/child");
    throwsPolicy(() => org.canAppend("u4", "c1", "zz"), "unknown-record", "/parent");
    assert.deepEqual(org.toJSON(), JSON.parse(org.toJSONString()));
    org.free();
  });

  test("whoCan, accessibleRecords with paging, effectivePrivileges", () => {
    const org = load();
    const who = org.whoCan("read", "a1");
    assert.ok(who.includes("u1") && who.includes("u3"));
    assert.deepEqual(who, [...who].sort());
    const all = org.accessibleRecords("u3", "read", { table: "account" });
    assert.deepEqual(all, { total: 3, records: ["a1", "a2", "a3"] });
    assert.deepEqual(org.accessibleRecords("u3", "read", { table: "account", offset: 1, limit: 1 }), { total: 3, records: ["a2"] });
    const anyTable = org.accessibleRecords("u3", "read");
    assert.ok(anyTable.total >= 4);
    const eff = org.effectivePrivileges("u1");
    assert.ok(Array.isArray(eff));
    const account = eff.find((t) => t.table === "account");
    assert.ok(account, JSON.stringify(eff));
    const read = account.rights.find((r) => r.right === "read");
    assert.equal(read.level, "local");
    assert.ok(read.sources.length >= 1);
    org.free();
  });

  test("checkAssertions and riskReport", () => {
    const org = load();
    const results = org.checkAssertions();
    assert.equal(results.length, 2);
    for (const r of results) {
      assert.equal(r.pass, true, JSON.stringify(r));
      assert.equal(r.actual, r.assertion.expect);
    }
    const risks = org.riskReport();
    assert.ok(Array.isArray(risks));
    // the kinds named by index.d.ts (FindingKind): a new kind needs the types updated
    const kinds = ["globalPrivilege", "userWithoutRole", "recordsOwnedByDisabledUser", "ineffectiveShare",
      "accessTeamMemberWithoutPrivilege", "emptyBusinessUnit", "disabledUnitWithUsers", "ownerCannotRead"];
    for (const f of risks) {
      assert.ok(kinds.includes(f.kind), `finding kind ${f.kind} is not in index.d.ts`);
      assert.ok(["high", "medium", "low"].includes(f.severity), f.severity);
    }
    assert.ok(risks.some((f) => f.user === "u4"), "u4 has no role: " + JSON.stringify(risks));
    org.free();
  });
});

describe("non-ASCII ids", () => {
  test("check, rights and checkMany agree on ids outside ASCII", () => {
    const ids = { u: "Zoë-😀", w: "ünïcødé", a: "rec-é", b: "記録-2", c: "plain" };
    const org = Org.fromJSON({
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      roles: [{ id: "r", name: "R", privileges: { account: { read: "basic", write: "basic" } } }],
      users: [
        { id: ids.u, name: "U", businessUnit: "root", roles: [{ role: "r" }] },
        { id: ids.w, name: "W", businessUnit: "root", roles: [{ role: "r" }] },
      ],
      records: [
        { id: ids.a, table: "account", owner: { user: ids.u } },
        { id: ids.b, table: "account", owner: { user: ids.w } },
        { id: ids.c, table: "account", owner: { user: ids.u } },
      ],
    });
    const requests = [];
    for (const user of [ids.u, ids.w]) for (const record of [ids.a, ids.b, ids.c]) for (const right of ["read", "delete"]) requests.push([user, right, record]);
    const expected = requests.map(([user, right, record]) => (org.check(user, right, record) ? 1 : 0));
    assert.deepEqual(expected, requests.map(([user, right, record]) => (right === "read" && (record === ids.b) === (user === ids.w) ? 1 : 0)));
    assert.deepEqual([...org.checkMany(requests)], expected);
    assert.deepEqual(org.rights(ids.u, ids.a), ["read", "write"]);
    assert.throws(() => org.checkMany([[ids.u, "read", ids.a], [ids.u, "read", "rec-e"]]), (e) => e instanceof PolicyError && e.code === "unknown-record" && e.path === "/1/2");
    org.free();
  });

  test("checkMany over more requests than one bulk buffer holds (1 MiB) agrees with check", () => {
    // ids of 1,000 characters: about 500 requests per buffer, so 2,000 requests take 4 calls
    const long = (p, i) => p + String(i).padStart(1000 - p.length, "0");
    const users = [0, 1, 2].map((i) => long("u", i));
    const records = [0, 1, 2, 3].map((i) => long("a", i));
    const org = Org.fromJSON({
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      roles: [{ id: "r", name: "R", privileges: { account: { read: "basic", write: "local" } } }],
      users: users.map((id, i) => ({ id, name: "U", businessUnit: "root", roles: i < 2 ? [{ role: "r" }] : [] })),
      records: records.map((id, i) => ({ id, table: "account", owner: { user: users[i % 3] } })),
    });
    const rights = ["read", "write", "delete"];
    const requests = Array.from({ length: 2000 }, (_, i) => [users[i % 3], rights[i % 3], records[(i * 7) % 4]]);
    const expected = requests.map(([u, r, x]) => (org.check(u, r, x) ? 1 : 0));
    assert.ok(expected.includes(1) && expected.includes(0));
    assert.deepEqual([...org.checkMany(requests)], expected);
    // short ids: tens of thousands per buffer
    const short = Array.from({ length: 100000 }, (_, i) => ["u1", "read", i % 2 ? "a1" : "a2"]);
    const one = load();
    const want = [one.check("u1", "read", "a2") ? 1 : 0, one.check("u1", "read", "a1") ? 1 : 0];
    assert.deepEqual([...one.checkMany(short)], short.map((_, i) => want[i % 2]));
    // an error in a later buffer still names its request
    const bad = requests.slice();
    bad[1700] = [users[0], "read", "nope"];
    assert.throws(() => org.checkMany(bad), (e) => e instanceof PolicyError && e.code === "unknown-record" && e.path === "/1700/2");
    // a non-ASCII id or a lone surrogate in a later block: the general path answers
    bad[1700] = [users[0], "read", "r\u00e9c"];
    assert.throws(() => org.checkMany(bad), (e) => e instanceof PolicyError && e.code === "unknown-record" && e.path === "/1700/2");
    bad[1700] = [users[0], "read", "\ud800"];
    assert.throws(() => org.checkMany(bad), (e) => e instanceof PolicyError && e.code === "unknown-record" && e.path === "/1700/2");
    const mixed = requests.slice();
    mixed[1300] = [users[0], "read", records[1]];
    mixed[1301] = [users[0], "read", records[1] + "\u00e9"];
    assert.throws(() => org.checkMany(mixed), (e) => e instanceof PolicyError && e.code === "unknown-record" && e.path === "/1301/2");
    bad[1700] = [users[0], "reed", records[0]];
    assert.throws(() => org.checkMany(bad), (e) => e instanceof PolicyError && e.code === "bad-right" && e.path === "/1700/1");
    org.free();
    one.free();
  });

  test("checkMany names each user once per call: thousands of users over several bulk calls, non-ASCII blocks", () => {
    // 3,000 users (every seventh with a non-ASCII id), 2,000 records; 150,000 requests take
    // three bulk calls (65,536 requests each at most), users first seen in every one of them
    const uid = (i) => (i % 7 === 0 ? `usér-${i}` : `user-${i}`);
    const rid = (i) => (i % 11 === 0 ? `réc-${i}` : `rec-${i}`);
    const units = ["root", "a", "b", "c"];
    const org = Org.fromJSON({
      version: 1,
      businessUnits: units.map((id, i) => ({ id, name: id, parent: i ? "root" : null })),
      tables: [{ name: "account", ownership: "user" }],
      roles: [{ id: "r", name: "R", privileges: { account: { read: "local", write: "basic", share: "deep" } } }],
      users: Array.from({ length: 3000 }, (_, i) => ({ id: uid(i), name: "U", businessUnit: units[i % 4], roles: i % 5 ? [{ role: "r" }] : [] })),
      records: Array.from({ length: 2000 }, (_, i) => ({ id: rid(i), table: "account", owner: { user: uid((i * 13) % 3000) } })),
    });
    const rights = ["read", "write", "share", "delete"];
    // users 0..999 in the first call, 1000..1999 from the second, 2000..2999 from the third
    const requests = Array.from({ length: 150000 }, (_, i) => [uid(((i >> 16) * 1000 + (i * 31) % 1000) % 3000), rights[i % 4], rid((i * 17) % 2000)]);
    const expected = requests.map(([u, r, x]) => (org.check(u, r, x) ? 1 : 0));
    assert.ok(expected.filter((x) => x).length > 1000 && expected.includes(0));
    assert.deepEqual([...org.checkMany(requests)], expected);
    // the same users again in a second call: numbered afresh
    assert.deepEqual([...org.checkMany(requests.slice(70000, 80000))], expected.slice(70000, 80000));
    // an unknown user first named in the third bulk call, after earlier users
    const bad = requests.slice();
    bad[140000] = ["nobody", "read", rid(1)];
    throwsPolicy(() => org.checkMany(bad), "unknown-user", "/140000/0");
    org.free();
  });

  test("ids written straight into wasm memory: longest ids, errors, memory growth", () => {
    // check / rights write ASCII ids into a scratch buffer in wasm memory; anything the
    // fast path cannot answer goes the general way, with the same answers and errors.
    const long = (c) => c.repeat(1024);
    const org = Org.fromJSON({
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      roles: [{ id: "r", name: "R", privileges: { account: { read: "basic", share: "basic" } } }],
      users: [{ id: long("u"), name: "U", businessUnit: "root", roles: [{ role: "r" }] }, { id: "", name: "Empty", businessUnit: "root", roles: [{ role: "r" }] }],
      records: [{ id: long("r"), table: "account", owner: { user: long("u") } }, { id: "e", table: "account", owner: { user: "" } }],
    });
    assert.equal(org.check(long("u"), "read", long("r")), true);
    assert.deepEqual(org.rights(long("u"), long("r")), ["read", "share"]);
    assert.equal(org.check("", "read", "e"), true, "empty user id");
    assert.equal(org.check("", "read", long("r")), false);
    throwsPolicy(() => org.check(long("u"), "read", "missing"), "unknown-record", "/record");
    throwsPolicy(() => org.check("nobody", "read", "e"), "unknown-user", "/user");
    throwsPolicy(() => org.rights("nobody", "e"), "unknown-user", "/user");
    // a short id after a long one: nothing of the long one is read
    assert.equal(org.check("", "write", "e"), false);
    // wasm memory grows (another big org); the fast path still reads the right bytes
    const big = Org.fromJSON({
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      users: [{ id: "x", name: "X", businessUnit: "root" }],
      records: Array.from({ length: 50000 }, (_, i) => ({ id: `big-${i}`, table: "account", owner: { user: "x" } })),
    });
    assert.equal(org.check(long("u"), "read", long("r")), true);
    assert.equal(big.check("x", "read", "big-49999"), false);
    big.free();
    org.free();
  });

  test("String objects, sparse arrays and odd rights take the checked path", () => {
    const org = load();
    throwsPolicy(() => org.check(new String("u1"), "read", "a1"), "bad-type", "/user");
    throwsPolicy(() => org.checkMany([["u1", "read", "a1"], , ["u1", "read", "a1"]]), "bad-type", "/1");
    throwsPolicy(() => org.checkMany([["u1", "toString", "a1"]]), "bad-right", "/0/1");
    throwsPolicy(() => org.checkMany([["u1", "read", "a1", "extra"]]), "bad-type", "/0");
    throwsPolicy(() => org.rights("u1", "x".repeat(1025)), "bad-type", "/record");
    org.free();
  });
});

describe("snapshots", () => {
  test("toJSON is a plain object; JSON.stringify(org) equals toJSONString()", () => {
    const org = load();
    const snap = org.toJSON();
    assert.equal(Object.getPrototypeOf(snap), Object.prototype);
    assert.equal(snap.version, 1);
    assert.equal(snap.users.length, 4);
    assert.equal(JSON.stringify(org), org.toJSONString());
    assert.deepEqual(JSON.parse(org.toJSONString()), snap);
    org.free();
  });

  test("long snapshot text (one encodeInto into wasm) keeps every character", () => {
    // over 4,096 UTF-16 units: passed by the long-string path; non-ASCII names first,
    // in the middle (after the first buffer fills) and last, and a surrogate pair
    const names = (i) => (i === 0 ? "\u00c9lodie" : i === 150 ? "Zo\u00eb \ud83d\ude00" : i === 299 ? "\u5f20\u4f1f" : `User ${i}`);
    const snap = {
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      roles: [],
      users: Array.from({ length: 300 }, (_, i) => ({ id: `u${i}`, name: names(i), businessUnit: "root", roles: [] })),
      records: [],
    };
    const text = JSON.stringify(snap);
    assert.ok(text.length > 4096);
    for (const input of [text, "  " + text.replace(/"User 1"/, '"User \u00ee"'), snap]) {
      const org = Org.fromJSON(input);
      const back = org.toJSON();
      const want = typeof input === "string" ? JSON.parse(input) : input;
      const byId = (users) => Object.fromEntries(users.map((u) => [u.id, u.name]));
      assert.deepEqual(byId(back.users), byId(want.users));
      org.free();
    }
    // ASCII only, long: the exact text length reaches wasm (a syntax error names its place)
    assert.throws(() => Org.fromJSON(text + " x"), (e) => e instanceof PolicyError && e.code === "invalid-json" && /column/.test(e.message));
  });

  test("an export of several MB (written to JS in pieces) is the whole canonical text", () => {
    // 40,000 records with a multibyte name each: about 7 MB of JSON, two pieces of 4 MiB
    // and a last one, each cut between two items of a list
    const snap = {
      version: 1,
      businessUnits: [{ id: "root", name: "Root", parent: null }],
      tables: [{ name: "account", ownership: "user" }],
      roles: [],
      users: [{ id: "u0", name: "\u00c9lodie", businessUnit: "root", roles: [] }],
      records: Array.from({ length: 40000 }, (_, i) => ({
        id: `account-${String(i).padStart(6, "0")}`,
        name: `Account \u5f20 ${i} with a longer name to make the text several megabytes`,
        table: "account",
        owner: { user: "u0" },
      })),
    };
    const org = Org.fromJSON(snap);
    const text = org.toJSONString();
    assert.ok(text.length > 6_000_000, `${text.length}`);
    assert.equal(JSON.stringify(org.toJSON()), text);
    const back = JSON.parse(text);
    assert.equal(back.records.length, 40000);
    assert.equal(back.records[39999].name, snap.records[39999].name);
    const again = Org.fromJSON(text);
    assert.equal(again.toJSONString(), text);
    assert.equal(Org.fromBytes(org.toBytes()).toJSONString(), text);
    org.free();
    again.free();
  });

  test("toBytes / fromBytes round trip (Uint8Array, Buffer, ArrayBuffer)", () => {
    const org = load();
    const bytes = org.toBytes();
    assert.ok(bytes instanceof Uint8Array);
    assert.ok(bytes.length > 0);
    for (const input of [bytes, Buffer.from(bytes), bytes.slice().buffer]) {
      const back = Org.fromBytes(input);
      assert.equal(back.toJSONString(), org.toJSONString());
      assert.deepEqual(back.toBytes(), bytes);
      back.free();
    }
    org.free();
  });
});

describe("changes", () => {
  // u2 (salesperson, write: basic) gets write on u1's account a1 and, by share inheritance, on contact c1
  const share = [{ op: "share", record: "a1", principal: { user: "u2" }, rights: ["read", "write"] }];

  test("validateChanges: [] when valid, every error otherwise (never throws)", () => {
    const org = load();
    assert.deepEqual(org.validateChanges(share), []);
    assert.deepEqual(org.validateChanges({ changes: share }), []);
    assert.deepEqual(org.validateChanges(JSON.stringify(share)), []);
    const errs = org.validateChanges([
      { op: "moveUser", user: "ghost", businessUnit: "sales" },
      { op: "setManager", user: "u2", manager: "nobody" },
    ]);
    assert.ok(errs.length >= 2, JSON.stringify(errs));
    assert.equal(errs[0].code, "unknown-user");
    assert.ok(errs[0].path.startsWith("/changes/0"), errs[0].path);
    assert.ok(errs.some((e) => e.path.startsWith("/changes/1")));
    const bad = org.validateChanges([{ op: "teleport" }]);
    assert.equal(bad.length >= 1, true);
    assert.ok(bad[0].path.startsWith("/changes/0"), JSON.stringify(bad));
    assert.deepEqual([org.validateChanges(undefined)[0].code, org.validateChanges(undefined)[0].path], ["bad-type", "/changes"]);
    assert.equal(org.validateChanges(42)[0].code, "bad-type");
    assert.equal(org.validateChanges("{").at(0).code, "invalid-json");
    org.free();
  });

  test("simulate reports the impact and changes nothing", () => {
    const org = load();
    const before = org.toJSONString();
    const impact = org.simulate(share);
    assert.equal(org.toJSONString(), before);
    assert.deepEqual(Object.keys(impact).sort(), ["accessChanges", "assertions", "records", "sideEffects", "warnings"]);
    assert.deepEqual(impact.records, { before: 5, after: 5 });
    const u2 = impact.accessChanges.find((c) => c.user === "u2");
    assert.ok(u2, JSON.stringify(impact));
    assert.ok(u2.gained.some((g) => g.table === "account" && g.right === "write" && g.count === 1 && g.sample.includes("a1")), JSON.stringify(u2));
    assert.ok(u2.gained.some((g) => g.table === "contact" && g.right === "write" && g.sample.includes("c1")), JSON.stringify(u2));
    assert.deepEqual(u2.lost, []);
    org.free();
  });

  test("apply / undo / redo: toJSON identical, history lists the changesets", () => {
    const org = load();
    const v0 = org.toJSONString();
    assert.equal(org.undo(), false);
    assert.equal(org.redo(), false);
    assert.deepEqual(org.history(), []);
    assert.equal(org.check("u2", "write", "a1"), false);
    assert.deepEqual(org.apply(share), { version: 1 });
    assert.equal(org.check("u2", "write", "a1"), true);
    const v1 = org.toJSONString();
    assert.notEqual(v1, v0);
    assert.deepEqual(org.apply({ changes: [{ op: "disableUser", user: "u2" }] }), { version: 2 });
    const v2 = org.toJSONString();
    const hist = org.history();
    assert.equal(hist.length, 2);
    assert.equal(hist[0].version, 1);
    assert.equal(hist[0].changes[0].op, "share");
    assert.equal(typeof hist[0].summary, "string");
    assert.equal(org.undo(), true);
    assert.equal(org.toJSONString(), v1);
    assert.equal(org.undo(), true);
    assert.equal(org.toJSONString(), v0);
    assert.deepEqual(org.toJSON(), Org.fromJSON(sampleSnapshot()).toJSON());
    assert.equal(org.check("u2", "write", "a1"), false);
    assert.equal(org.undo(), false);
    assert.equal(org.redo(), true);
    assert.equal(org.toJSONString(), v1);
    assert.equal(org.redo(), true);
    assert.equal(org.toJSONString(), v2);
    assert.equal(org.redo(), false);
    org.free();
  });

  test("a failing changeset throws every error and changes nothing", () => {
    const org = load();
    const before = org.toJSONString();
    const e = throwsPolicy(() => org.apply([...share, { op: "deleteTeam", team: "nope" }, { op: "enableUser", user: "ghost" }]), "unknown-team");
    assert.ok(e.path.startsWith("/changes/1"), e.path);
    assert.ok(e.errors.length >= 2, JSON.stringify(e.errors));
    assert.equal(org.toJSONString(), before);
    assert.deepEqual(org.history(), []);
    throwsPolicy(() => org.simulate([{ op: "enableUser", user: "ghost" }]), "unknown-user");
    org.free();
  });
});

describe("errors", () => {
  test("bad snapshots", () => {
    throwsPolicy(() => Org.fromJSON("{"), "invalid-json", "");
    throwsPolicy(() => Org.fromJSON(undefined), "bad-type", "");
    throwsPolicy(() => Org.fromJSON(() => 1), "bad-type", "");
    throwsPolicy(() => Org.fromJSON(Symbol("s")), "bad-type", "");
    throwsPolicy(() => Org.fromJSON({ version: 1n }), "bad-type", "");
    const cyclic = { version: 1 };
    cyclic.self = cyclic;
    throwsPolicy(() => Org.fromJSON(cyclic), "bad-type", "");
    throwsPolicy(() => Org.fromJSON(42), "bad-type", "");
    throwsPolicy(() => Org.fromJSON({ version: 2 }), "unsupported-version", "/version");
    const snap = sampleSnapshot();
    snap.users[1].businessUnit = "nowhere";
    snap.records[0].owner = { user: "ghost" };
    const e = throwsPolicy(() => Org.fromJSON(snap), "unknown-business-unit", "/users/1/businessUnit");
    assert.ok(e.errors.some((x) => x.code === "unknown-user" && x.path === "/records/0/owner/user"), JSON.stringify(e.errors));
    assert.match(e.message, /unknown-business-unit/);
  });

  test("bad bytes", () => {
    throwsPolicy(() => Org.fromBytes("abc"), "bad-type", "");
    throwsPolicy(() => Org.fromBytes(undefined), "bad-type", "");
    throwsPolicy(() => Org.fromBytes([1, 2, 3]), "bad-type", "");
    for (const junk of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array(1000).fill(255)]) {
      let thrown;
      try {
        Org.fromBytes(junk);
      } catch (e) {
        thrown = e;
      }
      assert.ok(thrown instanceof PolicyError, String(thrown));
    }
    const bytes = load().toBytes();
    for (let cut = 1; cut < bytes.length; cut += Math.max(1, Math.floor(bytes.length / 40))) {
      try {
        Org.fromBytes(bytes.subarray(0, cut)).free();
      } catch (e) {
        assert.ok(e instanceof PolicyError, `truncated at ${cut}: ${e}`);
      }
    }
  });

  test("mutated bytes load or throw a PolicyError, never trap", () => {
    const good = load().toBytes();
    let seed = 12345;
    const rnd = (n) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 1500; i++) {
      const b = good.slice();
      for (let k = 1 + rnd(4); k > 0; k--) b[rnd(b.length)] = rnd(256);
      try {
        Org.fromBytes(b).free();
      } catch (e) {
        assert.ok(e instanceof PolicyError, `mutation ${i}: ${e && e.stack}`);
      }
    }
  });

  test("checkMany's errors: every request's types first, then the first unknown id, with the engine's messages", () => {
    const org = load();
    const err = (requests) => {
      try {
        org.checkMany(requests);
      } catch (e) {
        assert.ok(e instanceof PolicyError);
        assert.deepEqual(e.errors, [e.help === undefined ? { code: e.code, message: e.errors[0].message, path: e.path } : { code: e.code, message: e.errors[0].message, path: e.path, help: e.help }]);
        assert.equal(e.message, `${e.code} at ${e.path || "/"}: ${e.errors[0].message}`);
        return [e.code, e.path, e.errors[0].message];
      }
      assert.fail("no error");
    };
    assert.deepEqual(err(5), ["bad-type", "", "expected an array of [user, right, record] requests, got a number"]);
    assert.deepEqual(err([["u1", "read", "a1"], "x"]), ["bad-type", "/1", "expected a [user, right, record] request, got a string of 1 characters"]);
    assert.deepEqual(err([["u1", "read", "a1"], null]), ["bad-type", "/1", "expected a [user, right, record] request, got null"]);
    // a type error in a later request wins over an unknown id in an earlier one
    assert.deepEqual(err([["u1", "read", "zz"], ["u1", 7, "a1"]]), ["bad-type", "/1/1", "expected a right name (a string), got a number"]);
    assert.deepEqual(err([["u1", "reed", "a1"]]), ["bad-right", "/0/1", "unknown right `reed`"]);
    assert.equal(err([["u1", "reed", "a1"]]).length, 3);
    assert.deepEqual(err([[{}, "read", "a1"]]), ["bad-type", "/0/0", "expected a user id (a string), got an object"]);
    assert.deepEqual(err([["u1", "read", "a1"], ["u1", "read", "zz"], ["zz", "read", "a1"]]), ["unknown-record", "/1/2", "record `zz` does not exist"]);
    assert.deepEqual(err([["zz", "read", "zz"]]), ["unknown-user", "/0/0", "user `zz` does not exist"]);
    org.free();
  });

  test("wrong argument types throw bad-type with the argument's path", () => {
    const org = load();
    throwsPolicy(() => org.check(1, "read", "a1"), "bad-type", "/user");
    throwsPolicy(() => org.check(undefined, "read", "a1"), "bad-type", "/user");
    throwsPolicy(() => org.check("u1", "read"), "bad-type", "/record");
    throwsPolicy(() => org.check("u1", 3, "a1"), "bad-type", "/right");
    throwsPolicy(() => org.check("u1", "fly", "a1"), "bad-right", "/right");
    throwsPolicy(() => org.check("u1", "read".repeat(100), "a1"), "bad-right", "/right");
    throwsPolicy(() => org.check("x".repeat(5_000_000), "read", "a1"), "bad-type", "/user");
    throwsPolicy(() => org.check({ toString: () => "u1" }, "read", "a1"), "bad-type", "/user");
    throwsPolicy(() => org.rights("u1", null), "bad-type", "/record");
    throwsPolicy(() => org.explain("u1", undefined, "a1"), "bad-type", "/right");
    throwsPolicy(() => org.whoCan("read", 7), "bad-type", "/record");
    throwsPolicy(() => org.canAppend("u1", "c1", {}), "bad-type", "/parent");
    throwsPolicy(() => org.canCreate("u1", 5), "bad-type", "/table");
    throwsPolicy(() => org.canCreate("u1", "account", "sales"), "bad-type");
    throwsPolicy(() => org.canCreate("u1", "account", { owner: "u1" }), "bad-type", "/owner");
    throwsPolicy(() => org.canCreate("u1", "account", { owner: { user: 1 } }), "bad-type", "/owner/user");
    throwsPolicy(() => org.canCreate("u1", "account", { owner: { user: "u1", team: "t1" } }), "bad-type", "/owner");
    throwsPolicy(() => org.canCreate("u1", "account", { businessUnit: 3 }), "bad-type", "/businessUnit");
    throwsPolicy(() => org.canCreate("u1", "account", { bussinessUnit: "sales" }), "unknown-field", "/bussinessUnit");
    // the first arguments' types come before the options, the options before unknown ids
    throwsPolicy(() => org.canCreate(5, "account", { bussinessUnit: "sales" }), "bad-type", "/user");
    throwsPolicy(() => org.canCreate("nobody", "account", { "a/b": 1 }), "unknown-field", "/a~1b");
    throwsPolicy(() => org.accessibleRecords("u1", "fly", { tabel: "account" }), "bad-right", "/right");
    throwsPolicy(() => org.accessibleRecords("nobody", "read", []), "bad-type");
    assert.deepEqual(org.accessibleRecords("u1", "read", null), org.accessibleRecords("u1", "read", {}));
    throwsPolicy(() => org.accessibleRecords("u1", "read", { offset: -1 }), "bad-type", "/offset");
    throwsPolicy(() => org.accessibleRecords("u1", "read", { limit: 1.5 }), "bad-type", "/limit");
    throwsPolicy(() => org.accessibleRecords("u1", "read", { limit: "10" }), "bad-type", "/limit");
    throwsPolicy(() => org.accessibleRecords("u1", "read", { table: 1 }), "bad-type", "/table");
    throwsPolicy(() => org.effectivePrivileges(), "bad-type", "/user");
    throwsPolicy(() => org.checkMany("u1"), "bad-type", "");
    throwsPolicy(() => org.checkMany([["u1", "read"]]), "bad-type", "/0");
    throwsPolicy(() => org.checkMany([["u1", "read", "a1"], ["u1", 5, "a1"]]), "bad-type", "/1/1");
    throwsPolicy(() => org.checkMany([["u1", "read", "a1"], "u1 read a1"]), "bad-type", "/1");
    throwsPolicy(() => org.apply(undefined), "bad-type", "/changes");
    throwsPolicy(() => org.apply("not json"), "invalid-json");
    throwsPolicy(() => org.simulate(() => 1), "bad-type", "/changes");
    throwsPolicy(() => org.apply({ changes: "all" }), "bad-type", "/changes");
    // the org is intact after all of that
    assert.equal(org.check("u1", "write", "a1"), true);
    org.free();
  });

  test("unknown ids", () => {
    const org = load();
    throwsPolicy(() => org.check("ghost", "read", "a1"), "unknown-user", "/user");
    throwsPolicy(() => org.check("u1", "read", "zz"), "unknown-record", "/record");
    throwsPolicy(() => org.checkMany([["u1", "read", "a1"], ["u1", "read", "zz"]]), "unknown-record", "/1/2");
    throwsPolicy(() => org.checkMany([["ghost", "read", "a1"]]), "unknown-user", "/0/0");
    throwsPolicy(() => org.canCreate("u1", "planet"), "unknown-table", "/table");
    throwsPolicy(() => org.canCreate("u1", "account", { businessUnit: "mars" }), "unknown-business-unit", "/businessUnit");
    throwsPolicy(() => org.whoCan("read", "zz"), "unknown-record", "/record");
    throwsPolicy(() => org.accessibleRecords("ghost", "read"), "unknown-user", "/user");
    org.free();
  });

  test("no argument of any type makes a method throw anything but a PolicyError", () => {
    const org = load();
    const odd = [undefined, null, 0, -1, NaN, 1e300, true, "", "u1", "a1", "read", {}, [], [[]], [["u1", "read", "a1"]],
      Symbol("s"), 10n, () => 1, new Uint8Array(3), new Date(0), "x".repeat(3000), { owner: { team: "t1" } }, { offset: 2 }];
    const methods = {
      check: 3, rights: 2, checkMany: 1, explain: 3, canCreate: 3, canAppend: 3, whoCan: 2,
      accessibleRecords: 3, effectivePrivileges: 1, validateChanges: 1, simulate: 1,
    };
    let calls = 0;
    for (const [name, arity] of Object.entries(methods)) {
      for (let i = 0; i < odd.length; i++) {
        const args = Array.from({ length: arity }, (_, k) => odd[(i * (k + 3) + k) % odd.length]);
        for (let pos = 0; pos < arity; pos++) {
          const a = [...args];
          for (const v of odd) {
            a[pos] = v;
            calls++;
            try {
              org[name](...a);
            } catch (e) {
              assert.ok(e instanceof PolicyError, `${name}(${a.map(String)}) threw ${e}`);
            }
          }
        }
      }
    }
    assert.ok(calls > 1000);
    assert.equal(org.toJSONString(), load().toJSONString());
    org.free();
  });
});

describe("lifecycle", () => {
  test("a freed Org throws a clear Error; a second free() does nothing", () => {
    const org = load();
    org.free();
    for (const call of [() => org.check("u1", "read", "a1"), () => org.toJSON(), () => org.apply([]), () => org.undo()]) {
      assert.throws(call, (e) => e instanceof Error && !(e instanceof PolicyError) && /freed/.test(e.message));
    }
    org.free();
  });

  test("an Org not made by fromJSON / fromBytes is refused clearly", () => {
    let fake;
    try {
      fake = new Org();
    } catch {
      return; // no constructor at all: fine too
    }
    assert.throws(() => fake.check("u1", "read", "a1"), (e) => e instanceof Error && /freed|not created/.test(e.message));
  });
});

describe("generateDemo", () => {
  test("a deterministic, valid demo org as JSON text", async () => {
    // a separate module (crm_policy_demo_bg.wasm): the engine's .wasm does not carry it
    const { generateDemo } = await import("crm-policy/demo");
    assert.equal(typeof (await import("crm-policy")).generateDemo, "undefined");
    const text = generateDemo(7, 100, 8, 2000);
    assert.equal(typeof text, "string");
    assert.equal(generateDemo(7, 100, 8, 2000), text, "same seed, same org");
    assert.notEqual(generateDemo(8, 100, 8, 2000), text);
    const org = Org.fromJSON(text);
    const snap = org.toJSON();
    assert.equal(snap.users.length, 100);
    assert.equal(snap.records.length, 2000);
    assert.equal(org.toJSONString(), text, "the generator writes the canonical form");
    org.free();
    throwsPolicy(() => generateDemo(1, 0), "limit-exceeded", "/users");
    throwsPolicy(() => generateDemo(1, 10, 2, 1e9), "limit-exceeded", "/records");
    throwsPolicy(() => generateDemo("x"), "bad-type", "/seed");
  });
});
