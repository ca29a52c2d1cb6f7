// Every decision fixture of tests/fixtures/*.json and every invalid-snapshot case of
// tests/fixtures/errors/*.json, run through the npm package exactly as a user imports it:
// through both engines, crm-policy and the read-only crm-policy/edge.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Org as FullOrg, PolicyError } from "crm-policy";
import { Org as EdgeOrg } from "crm-policy/edge";
import { decisionFixtures, errorCases } from "./helpers.mjs";

for (const [entry, Org] of [["crm-policy", FullOrg], ["crm-policy/edge", EdgeOrg]]) describe(entry, () => {
  const fixtures = decisionFixtures();

  test("there are decision fixtures", () => {
    assert.ok(fixtures.length >= 5, `only ${fixtures.length} fixtures`);
  });

  for (const [file, fx] of fixtures) {
    describe(file, () => {
      const loaders = {
        "fromJSON(object)": () => Org.fromJSON(fx.snapshot),
        "fromJSON(string)": () => Org.fromJSON(JSON.stringify(fx.snapshot)),
        "fromBytes(toBytes())": () => {
          const first = Org.fromJSON(fx.snapshot);
          const bytes = first.toBytes();
          first.free();
          return Org.fromBytes(bytes);
        },
      };
      for (const [how, load] of Object.entries(loaders)) {
        test(`${how}: every expectation holds`, () => {
          const org = load();
          try {
            for (const c of fx.checks ?? []) {
              assert.equal(org.check(c.user, c.right, c.record), c.expect,
                `check(${c.user}, ${c.right}, ${c.record}) — ${c.rule ?? ""}`);
            }
            for (const c of fx.rights ?? []) {
              assert.deepEqual(org.rights(c.user, c.record), c.expect, `rights(${c.user}, ${c.record})`);
            }
            for (const c of fx.whoCan ?? []) {
              assert.deepEqual(org.whoCan(c.right, c.record), c.expect, `whoCan(${c.right}, ${c.record})`);
            }
            for (const c of fx.canCreate ?? []) {
              const opts = {};
              if (c.owner !== undefined) opts.owner = c.owner;
              if (c.businessUnit !== undefined) opts.businessUnit = c.businessUnit;
              assert.equal(org.canCreate(c.user, c.table, opts), c.expect,
                `canCreate(${c.user}, ${c.table}, ${JSON.stringify(opts)})`);
            }
            for (const c of fx.canAppend ?? []) {
              assert.equal(org.canAppend(c.user, c.child, c.parent), c.expect,
                `canAppend(${c.user}, ${c.child}, ${c.parent})`);
            }
          } finally {
            org.free();
          }
        });
      }

      test("checkMany agrees with check, explain agrees with check", () => {
        const org = Org.fromJSON(fx.snapshot);
        try {
          const checks = fx.checks ?? [];
          const got = org.checkMany(checks.map((c) => [c.user, c.right, c.record]));
          assert.ok(got instanceof Uint8Array);
          assert.deepEqual([...got], checks.map((c) => (c.expect ? 1 : 0)));
          for (const c of checks) {
            const ex = org.explain(c.user, c.right, c.record);
            assert.equal(ex.allowed, c.expect, `explain(${c.user}, ${c.right}, ${c.record})`);
            assert.ok(Array.isArray(ex.reasons));
            if (c.expect) assert.ok(ex.reasons.length > 0, "an allowed decision has a reason");
            else assert.equal(ex.reasons.length, 0);
          }
        } finally {
          org.free();
        }
      });

      test("toJSON is canonical: a reload gives the same snapshot and bytes", () => {
        const org = Org.fromJSON(fx.snapshot);
        const again = Org.fromJSON(org.toJSON());
        assert.deepEqual(again.toJSON(), org.toJSON());
        assert.equal(again.toJSONString(), org.toJSONString());
        assert.deepEqual(again.toBytes(), org.toBytes());
        org.free();
        again.free();
      });
    });
  }

  describe("invalid snapshots (tests/fixtures/errors)", () => {
    const cases = errorCases();
    test("there are error cases", () => assert.ok(cases.length > 10));
    for (const [label, c] of cases) {
      test(label, () => {
        let thrown;
        try {
          Org.fromJSON(c.snapshot).free();
        } catch (e) {
          thrown = e;
        }
        assert.ok(thrown, "accepted");
        assert.ok(thrown instanceof PolicyError, `threw ${thrown}`);
        assert.ok(thrown instanceof Error);
        assert.equal(thrown.name, "PolicyError");
        assert.ok(Array.isArray(thrown.errors) && thrown.errors.length >= c.errors.length);
        assert.equal(thrown.code, thrown.errors[0].code);
        assert.equal(thrown.path, thrown.errors[0].path);
        for (const want of c.errors) {
          assert.ok(
            thrown.errors.some((e) => e.code === want.code && e.path === want.path),
            `expected ${want.code} at "${want.path}", got ${JSON.stringify(thrown.errors.map((e) => [e.code, e.path]))}`,
          );
        }
        for (const e of thrown.errors) {
          assert.equal(typeof e.message, "string");
          assert.ok(e.message.length > 0);
          assert.ok(e.path === "" || e.path.startsWith("/"), `path ${e.path}`);
        }
      });
    }
  });
});

describe("crm-policy/edge answers exactly as crm-policy", () => {
  for (const [file, fx] of decisionFixtures()) {
    test(file, () => {
      const full = FullOrg.fromJSON(fx.snapshot);
      const edge = EdgeOrg.fromBytes(full.toBytes());
      try {
        assert.equal(edge.toJSONString(), full.toJSONString());
        assert.deepEqual(edge.toBytes(), full.toBytes());
        for (const c of fx.checks ?? []) {
          assert.deepEqual(edge.explain(c.user, c.right, c.record), full.explain(c.user, c.right, c.record));
          assert.deepEqual(edge.rights(c.user, c.record), full.rights(c.user, c.record));
          assert.deepEqual(edge.whoCan(c.right, c.record), full.whoCan(c.right, c.record));
          assert.deepEqual(edge.effectivePrivileges(c.user), full.effectivePrivileges(c.user));
          assert.deepEqual(edge.accessibleRecords(c.user, c.right, { limit: 5 }), full.accessibleRecords(c.user, c.right, { limit: 5 }));
        }
        assert.deepEqual(edge.checkAssertions(), full.checkAssertions());
        assert.deepEqual(edge.riskReport(), full.riskReport());
        for (const m of ["validateChanges", "simulate", "apply", "undo", "redo", "history"]) {
          assert.throws(() => edge[m]([]), (e) => e instanceof PolicyError && e.code === "read-only-build" && e.message.startsWith(`${m}()`));
        }
      } finally {
        full.free();
        edge.free();
      }
    });
  }
});
