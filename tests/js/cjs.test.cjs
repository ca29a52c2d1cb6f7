// CommonJS: require("crm-policy") resolves to the synchronous CommonJS build.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { Org, PolicyError, init, initSync } = require("crm-policy");

test("require() gives a ready Org and PolicyError", async () => {
  assert.equal(typeof init, "function");
  assert.equal(typeof initSync, "function");
  await init();
  const org = Org.fromJSON({
    version: 1,
    businessUnits: [{ id: "root", name: "Root", parent: null }],
    tables: [{ name: "account", ownership: "user" }],
    roles: [{ id: "r", name: "R", privileges: { account: { read: "basic" } } }],
    users: [{ id: "u1", name: "U1", businessUnit: "root", roles: [{ role: "r" }] }, { id: "u2", name: "U2", businessUnit: "root" }],
    records: [{ id: "a1", table: "account", owner: { user: "u1" } }],
  });
  assert.equal(org.check("u1", "read", "a1"), true);
  assert.equal(org.check("u2", "read", "a1"), false);
  assert.deepEqual([...org.checkMany([["u1", "read", "a1"], ["u1", "write", "a1"]])], [1, 0]);
  const back = Org.fromBytes(org.toBytes());
  assert.equal(back.toJSONString(), org.toJSONString());
  assert.throws(() => org.check("u1", "read", 5), (e) => e instanceof PolicyError && e.code === "bad-type" && e.path === "/record");
  assert.throws(() => Org.fromJSON("[]"), (e) => e instanceof PolicyError && e instanceof Error && e.code === "bad-type");
  org.free();
  back.free();
  assert.throws(() => org.check("u1", "read", "a1"), /freed/);
});

test("the CommonJS build is the package's require condition", () => {
  const resolved = require.resolve("crm-policy");
  assert.match(resolved, /node\.cjs$/);
});
