// Browser tests of the playground (www/) against the real package (pkg/), in
// Debian Chromium driven by playwright-core. Serves the repository on a free
// 127.0.0.1 port. Screenshots go to test-output/screenshots/; timings are
// printed, not asserted.
//
//   node --test tests/browser/playground.test.mjs      (or: bash tests/browser/run.sh)

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "./server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SHOTS = path.join(ROOT, "test-output", "screenshots");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const BIG = process.env.PLAYGROUND_BIG !== "0"; // the 20,000-user responsiveness run

let server;
let browser;
let page;
const problems = []; // console errors and page errors
const timings = {};

function log(...args) {
  console.log("[playground]", ...args);
}

async function newPage(viewport = { width: 1280, height: 800 }) {
  const p = await browser.newPage({ viewport });
  p.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
    if (m.text().startsWith("[timing]")) log(m.text());
  });
  p.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return p;
}

async function shot(p, name, opts = {}) {
  await p.waitForTimeout(150);
  await p.screenshot({ path: path.join(SHOTS, `${name}.png`), ...opts });
}

/** Wait until the page has loaded an org `count` times (body[data-ready] counts loads). */
async function waitReady(p, count = 1) {
  await p.waitForFunction((c) => Number(document.body.dataset.ready || 0) >= c || document.querySelector(".banner"), count, { timeout: 180_000 });
  const ready = await p.evaluate((c) => Number(document.body.dataset.ready || 0) >= c, count);
  if (!ready) throw new Error(`the page shows an error instead of the org: ${await p.textContent(".banner")}`);
}

async function waitImpact(p) {
  await p.waitForFunction(() => ["ok", "error", "invalid", "idle"].includes(document.body.dataset.impact) && document.body.dataset.impact !== "running", null, { timeout: 60_000 });
  await p.waitForFunction(() => document.body.dataset.impact !== "running", null, { timeout: 60_000 });
}

function measureOf(p, name) {
  return p.evaluate((n) => {
    const m = performance.getEntriesByName(n, "measure");
    return m.length ? m[m.length - 1].duration : null;
  }, name);
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  server = await startServer(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"],
  });
  page = await newPage();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  log("timings (ms, not asserted):", JSON.stringify(timings));
});

test("the demo org loads and the main screens render", async () => {
  const t0 = Date.now();
  await page.goto(`${server.url}/www/`);
  await waitReady(page);
  timings.orgReadyWall = Date.now() - t0;
  timings.orgReady = Math.round(await measureOf(page, "org-ready"));
  log(`demo org ready: ${timings.orgReady} ms after load start (${timings.orgReadyWall} ms wall from navigation)`);
  const stats = await page.textContent("#org-stats");
  assert.match(stats, /2,000\s*users/);
  assert.match(stats, /50,000\s*records/);
  const counts = await page.evaluate(() => ({
    users: playground.snap.users.length,
    units: playground.snap.businessUnits.length,
    records: playground.snap.records.length,
    rows: document.querySelectorAll(".user-row").length,
  }));
  assert.equal(counts.users, 2000);
  assert.equal(counts.units, 60);
  assert.equal(counts.records, 50000);
  assert.ok(counts.rows > 5 && counts.rows < 200, `the user list is virtualised (${counts.rows} rows in the DOM)`);
  assert.equal(await page.locator(".banner").count(), 0, "no error banner");
  await shot(page, "01-users");
  await page.click("#tab-chart");
  await shot(page, "02-org-chart");
  await page.click("#tab-risks");
  await shot(page, "03-risks");
  await page.click("#tab-users");
});

let moved; // { user, from, to }

test("dragging a user onto a unit adds a move and the impact shown equals simulate()", async () => {
  // An enabled user with a direct role who owns records, and a visible unit that is not theirs.
  moved = await page.evaluate(() => {
    const idx = playground.idx;
    const u = idx.users.find((x) => !x.disabled && x.roles.length && (idx.ownedBy.get(x.id) || 0) > 5 && !idx.units.get(x.businessUnit).blocked);
    const rows = [...document.querySelectorAll("#unit-tree .tree-item")];
    const target = rows.find((r) => r.dataset.unit !== u.businessUnit && idx.units.get(r.dataset.unit).parent && !idx.units.get(r.dataset.unit).blocked);
    return { user: u.id, from: u.businessUnit, to: target.dataset.unit };
  });
  await page.fill("#user-search", moved.user);
  await page.waitForFunction((u) => document.querySelector(".user-row")?.dataset.user === u, moved.user);
  await page.dragAndDrop(`.user-row[data-user="${moved.user}"]`, `#unit-tree .tree-item[data-unit="${moved.to}"] > .tree-row`);
  await page.waitForFunction(() => playground.changes.length === 1);
  const op = await page.evaluate(() => playground.changes[0]);
  assert.deepEqual(op, { op: "moveUser", user: moved.user, businessUnit: moved.to });
  await waitImpact(page);
  assert.equal(await page.evaluate(() => document.body.dataset.impact), "ok", "the impact was computed");
  timings.impactUpdated = Math.round(await measureOf(page, "impact-updated"));
  timings.simulateEngine = await page.evaluate(() => Math.round(playground.impactEngineMs * 10) / 10);
  log(`impact updated ${timings.impactUpdated} ms after the edit (debounce included); simulate ${timings.simulateEngine} ms`);

  const shown = await page.evaluate(() => {
    const get = (k) => Number(document.querySelector(`#impact-summary [data-stat="${k}"]`).textContent.replace(/[^0-9]/g, ""));
    return {
      usersGaining: get("users-gaining"),
      usersLosing: get("users-losing"),
      gained: get("grants-gained"),
      lost: get("grants-lost"),
      sideEffects: get("side-effects"),
      warnings: get("warnings"),
      rows: [...document.querySelectorAll("#impact-summary .impact-table tbody tr")].map((tr) => [tr.dataset.table, tr.dataset.right, tr.children[1].textContent, tr.children[2].textContent]),
    };
  });
  // The engine's own answer for the same changeset, computed independently here.
  const expected = await page.evaluate(() => {
    const imp = playground.org.simulate(playground.changes);
    let usersGaining = 0;
    let usersLosing = 0;
    let gained = 0;
    let lost = 0;
    const rows = new Map();
    for (const uc of imp.accessChanges) {
      if (uc.gained.length) usersGaining++;
      if (uc.lost.length) usersLosing++;
      for (const g of uc.gained) {
        gained += g.count;
        const k = `${g.table}|${g.right}`;
        rows.set(k, { ...(rows.get(k) || { gu: 0, gc: 0, lu: 0, lc: 0 }) });
        rows.get(k).gu++;
        rows.get(k).gc += g.count;
      }
      for (const g of uc.lost) {
        lost += g.count;
        const k = `${g.table}|${g.right}`;
        rows.set(k, { ...(rows.get(k) || { gu: 0, gc: 0, lu: 0, lc: 0 }) });
        rows.get(k).lu++;
        rows.get(k).lc += g.count;
      }
    }
    return { usersGaining, usersLosing, gained, lost, sideEffects: imp.sideEffects.length, warnings: imp.warnings.length, rows: Object.fromEntries(rows) };
  });
  log("impact of moving one user:", JSON.stringify({ ...expected, rows: Object.keys(expected.rows).length }));
  for (const k of ["usersGaining", "usersLosing", "gained", "lost", "sideEffects", "warnings"]) {
    assert.equal(shown[k], expected[k], `displayed ${k}`);
  }
  for (const [table, right, gainText, lossText] of shown.rows) {
    const e = expected.rows[`${table}|${right}`];
    assert.ok(e, `row ${table}|${right} exists in simulate()`);
    const nums = (s) => (s.match(/[0-9][0-9,]*/g) || []).map((x) => Number(x.replace(/,/g, "")));
    assert.deepEqual(nums(gainText), e.gu ? [e.gu, e.gc] : [], `gain of ${table}|${right}`);
    assert.deepEqual(nums(lossText), e.lu ? [e.lu, e.lc] : [], `loss of ${table}|${right}`);
  }
  assert.ok(expected.usersLosing + expected.usersGaining > 0, "moving an active user changes someone's access");
  await page.fill("#user-search", "");
  await shot(page, "04-impact-panel");
  await page.click("#tab-impact");
  await shot(page, "05-impact-details");
});

test("apply, undo and redo restore the org exactly", async () => {
  const before = await page.evaluate(() => JSON.stringify(playground.org.toJSON()));
  await page.click("#btn-apply");
  await page.waitForFunction(() => playground.changes.length === 0 && playground.applied.length === 1);
  const after = await page.evaluate((u) => playground.snap.users.find((x) => x.id === u).businessUnit, moved.user);
  assert.equal(after, moved.to, "the user moved");
  assert.match(await page.textContent("#org-stats"), /v\s*1/);
  await page.click("#tab-history");
  assert.match(await page.textContent("#panel-history"), /v1/);
  await shot(page, "06-history");
  await page.click("#btn-undo");
  await page.waitForFunction(() => playground.applied.length === 0);
  const undone = await page.evaluate(() => JSON.stringify(playground.org.toJSON()));
  assert.equal(undone, before, "undo restores the snapshot byte for byte");
  const unit = await page.evaluate((u) => playground.snap.users.find((x) => x.id === u).businessUnit, moved.user);
  assert.equal(unit, moved.from);
  await page.click("#btn-redo");
  await page.waitForFunction(() => playground.applied.length === 1);
  assert.equal(await page.evaluate((u) => playground.snap.users.find((x) => x.id === u).businessUnit, moved.user), moved.to);
  await page.click("#btn-undo");
  await page.waitForFunction(() => playground.applied.length === 0);
});

test("the access checker explains a decision in words", async () => {
  // A user who owns a record they can read.
  const pick = await page.evaluate(() => {
    const s = playground.snap;
    for (const r of s.records) {
      const o = r.owner && r.owner.user;
      if (!o) continue;
      const u = playground.idx.userById.get(o);
      if (u.disabled) continue;
      const ex = playground.org.explain(o, "read", r.id);
      if (ex.allowed && ex.reasons.some((x) => x.kind === "owner")) return { user: o, name: u.name, record: r.id, recordName: r.name || r.id };
    }
    return null;
  });
  assert.ok(pick, "some owner can read their record");
  await page.click("#tab-access");
  await page.fill("#check-user", pick.user);
  await page.waitForSelector("#check-user[aria-expanded=true]");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.selectOption("#check-right", "read");
  await page.fill("#check-record", pick.record);
  await page.waitForSelector("#check-record[aria-expanded=true]");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#explanation-text");
  const text = await page.textContent("#explanation-text");
  log("explanation:", text);
  assert.ok(text.startsWith(`${pick.name} can read ${pick.recordName} because `), text);
  assert.match(text, /they own it and (their role|the role) .+ grants Read at .+ level/);
  assert.equal(await page.getAttribute(".decision", "data-allowed"), "true");
  const who = await page.textContent("#who-can-heading");
  const expectedWho = await page.evaluate((r) => playground.org.whoCan("read", r).length, pick.record);
  assert.match(who.replace(/,/g, ""), new RegExp(`: ${expectedWho} users?$`));
  await shot(page, "07-access-checker");

  // A denial is explained too.
  const denied = await page.evaluate((rec) => {
    for (const u of playground.snap.users) {
      const ex = playground.org.explain(u.id, "delete", rec);
      if (!ex.allowed && ex.denial) return { user: u.id, name: u.name, kind: ex.denial.kind };
    }
    return null;
  }, pick.record);
  if (denied) {
    await page.fill("#check-user", denied.user);
    await page.waitForSelector("#check-user[aria-expanded=true]");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.selectOption("#check-right", "delete");
    await page.waitForFunction(() => document.querySelector(".decision")?.dataset.allowed === "false");
    const t2 = await page.textContent("#explanation-text");
    log("denial:", t2);
    assert.ok(t2.startsWith(`${denied.name} cannot delete `), t2);
  }

  // The user view: privileges table with sources and record counts.
  await page.click("#tab-users");
  await page.fill("#user-search", pick.user);
  await page.waitForFunction((u) => document.querySelector(".user-row")?.dataset.user === u, pick.user);
  await page.click(`.user-row[data-user="${pick.user}"] .user-name`);
  await page.waitForSelector(".priv-table");
  await page.locator(".priv-table .lvl-btn:not(.lvl-none)").first().click();
  assert.match(await page.textContent("#priv-sources"), /role/);
  await shot(page, "08-user-privileges");
  await page.click("#tab-users");
  await page.fill("#user-search", "");
});

test("a bad snapshot shows the engine's errors next to the input and keeps the org", async () => {
  const bad = {
    version: 1,
    businessUnits: [{ id: "root", name: "Root", parent: null }],
    tables: [{ name: "account", ownership: "user" }],
    roles: [],
    users: [
      { id: "u1", name: "Ana", businessUnit: "root", roles: [] },
      { id: "u2", name: "Bob", businessUnit: "nowhere", roles: [] },
    ],
  };
  await page.setInputFiles("#file-snapshot", { name: "bad.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(bad)) });
  await page.waitForSelector(".banner");
  const banner = await page.textContent(".banner");
  assert.match(banner, /bad\.json/);
  assert.match(banner, /unknown-business-unit/);
  assert.match(banner, /\/users\/1\/businessUnit/);
  assert.match(banner, /"nowhere"/, "the offending value is shown");
  assert.equal(await page.evaluate(() => playground.snap.users.length), 2000, "the current org is kept");
  await shot(page, "09-bad-snapshot");

  await page.setInputFiles("#file-snapshot", { name: "broken.json", mimeType: "application/json", buffer: Buffer.from('{"version": 1, "users": [') });
  await page.waitForFunction(() => /broken\.json/.test(document.querySelector(".banner")?.textContent || ""));
  assert.match(await page.textContent(".banner"), /invalid-json/);
  await page.click(".banner .close");
});

test("a users CSV merges into the org; a bad one points at the line", async () => {
  const info = await page.evaluate(() => ({ unit: playground.snap.businessUnits[1].id, role: playground.snap.roles[0], n: playground.snap.users.length, mgr: playground.snap.users[0].id }));
  const csv = [
    "id,name,businessUnit,manager,roles,category",
    `csv-1,Zoe Csv,${info.unit},,${info.role.id},front office`,
    `csv-2,"Yann, Csv",${info.unit},csv-1,${info.role.name},back-office`,
  ].join("\n");
  await page.setInputFiles("#file-csv", { name: "users.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.waitForFunction((n) => playground.snap.users.length === n + 2, info.n);
  const zoe = await page.evaluate(() => playground.snap.users.find((u) => u.id === "csv-2"));
  assert.equal(zoe.name, "Yann, Csv");
  assert.equal(zoe.manager, "csv-1");
  assert.equal(zoe.category, "back-office");
  assert.deepEqual(zoe.roles.map((r) => r.role), [info.role.id]);

  const badCsv = ["id,name,businessUnit,manager,roles,category", `csv-3,Ok,${info.unit},,,`, "csv-4,Bad,no-such-unit,,,"].join("\n");
  await page.setInputFiles("#file-csv", { name: "bad-users.csv", mimeType: "text/csv", buffer: Buffer.from(badCsv) });
  await page.waitForSelector(".banner");
  const banner = await page.textContent(".banner");
  assert.match(banner, /unknown-business-unit/);
  assert.match(banner, /bad-users\.csv line 3, column businessUnit/);
  await shot(page, "10-bad-csv");
  await page.click(".banner .close");
});

test("a share link reproduces the org, the applied changes and the changeset", async () => {
  // Back to the demo org (the CSV made it a custom snapshot).
  await page.evaluate(() => playground.act.loadDemo({ seed: 42 }));
  await waitReady(page, 2);
  const state = await page.evaluate(() => {
    const users = playground.idx.users.filter((u) => !u.disabled).slice(0, 3).map((u) => u.id);
    const units = playground.idx.unitOrder.filter((u) => u.parent);
    const to = units[units.length - 1].id;
    return { users, to };
  });
  // One applied change, and a pending changeset of two operations.
  await page.evaluate((s) => {
    playground.act.addChanges([{ op: "moveUser", user: s.users[0], businessUnit: s.to }], { quiet: true });
  }, state);
  await waitImpact(page);
  await page.click("#btn-apply");
  await page.waitForFunction(() => playground.applied.length === 1);
  await page.evaluate((s) => {
    playground.act.addChanges([{ op: "moveUsers", users: s.users.slice(1), businessUnit: s.to }], { quiet: true });
    playground.act.addChanges([{ op: "disableUser", user: s.users[0], reassignRecordsTo: { user: s.users[1] } }], { quiet: true });
  }, state);
  await waitImpact(page);
  await page.waitForFunction(() => location.hash.startsWith("#s="));
  await page.waitForTimeout(600); // the hash is written after a short debounce
  const url = await page.evaluate(() => location.href);
  const original = await page.evaluate(() => ({
    snapshot: JSON.stringify(playground.org.toJSON()),
    changes: JSON.stringify(playground.changes),
    stats: document.querySelector("#impact-summary .stats")?.textContent,
  }));
  log(`share link: ${url.length} characters`);
  assert.ok(url.length < 2000, "a demo-org link stays short");

  const other = await newPage();
  await other.goto(url);
  await waitReady(other);
  await waitImpact(other);
  const copy = await other.evaluate(() => ({
    snapshot: JSON.stringify(playground.org.toJSON()),
    changes: JSON.stringify(playground.changes),
    stats: document.querySelector("#impact-summary .stats")?.textContent,
    applied: playground.applied.length,
  }));
  assert.equal(copy.changes, original.changes, "same changeset");
  assert.equal(copy.snapshot, original.snapshot, "same org");
  assert.equal(copy.applied, 1, "the applied changeset was replayed");
  assert.equal(copy.stats, original.stats, "same impact numbers");
  await shot(other, "11-shared-link");

  // The Share button opens a dialog with the link.
  await page.click("#btn-share");
  await page.waitForSelector("dialog[open] #share-url");
  const shared = await page.inputValue("#share-url");
  assert.ok(shared.includes("#s="));
  await page.keyboard.press("Escape");
  await other.close();
});

test("select and move with the dialog; export the changeset, the impact CSV and the resulting snapshot", async () => {
  // The share test left two pending changes; add a third through the selection toolbar.
  const before = await page.evaluate(() => playground.changes.length);
  await page.click("#tab-users");
  const target = await page.evaluate(() => {
    const idx = playground.idx;
    const rows = [...document.querySelectorAll(".user-row")].slice(0, 2).map((r) => r.dataset.user);
    const unit = idx.unitOrder.find((u) => u.parent && !u.blocked && rows.every((id) => idx.userById.get(id).businessUnit !== u.id));
    return { users: rows, unit: unit.id };
  });
  for (const id of target.users) await page.check(`.user-row[data-user="${id}"] input[type=checkbox]`);
  assert.match(await page.textContent(".selection-bar"), /2 selected/);
  await page.click(".selection-bar >> text=Move to…");
  await page.waitForSelector("dialog[open] #dlg-move-unit");
  await page.selectOption("#dlg-move-unit", target.unit);
  await shot(page, "12-move-dialog");
  await page.click("dialog[open] button[type=submit]");
  await page.waitForFunction((n) => playground.changes.length === n + 1, before);
  const op = await page.evaluate(() => playground.changes[playground.changes.length - 1]);
  assert.deepEqual(op, { op: "moveUsers", users: target.users, businessUnit: target.unit });
  await waitImpact(page);
  const state = await page.evaluate(() => ({ state: playground.impactState, errors: playground.changeErrors, other: playground.changesetErrors, impactError: playground.impactError }));
  assert.equal(state.state, "ok", JSON.stringify(state));
  await page.click(".selection-bar >> text=Clear selection");

  const download = async (kind) => {
    await page.click("#btn-export");
    const [d] = await Promise.all([page.waitForEvent("download"), page.click(`#export-menu [data-export="${kind}"]`)]);
    const chunks = [];
    for await (const c of await d.createReadStream()) chunks.push(c);
    return { name: d.suggestedFilename(), text: Buffer.concat(chunks).toString("utf8") };
  };
  const cs = await download("changeset");
  assert.match(cs.name, /^changeset-.*\.json$/);
  assert.deepEqual(JSON.parse(cs.text).changes, await page.evaluate(() => playground.changes));

  const csv = await download("impact");
  assert.match(csv.name, /\.csv$/);
  const lines = csv.text.trim().split("\n");
  assert.equal(lines[0], "user,userName,change,table,right,count,sampleRecords");
  const entries = await page.evaluate(() => playground.org.simulate(playground.changes).accessChanges.reduce((k, u) => k + u.gained.length + u.lost.length, 0));
  assert.equal(lines.length - 1, entries, "one CSV line per user, table, right and direction");

  const result = await download("result");
  const snap = JSON.parse(result.text);
  const moved = snap.users.filter((u) => target.users.includes(u.id)).map((u) => u.businessUnit);
  assert.deepEqual(moved, [target.unit, target.unit], "the resulting snapshot has the changes applied");
  assert.equal(await page.evaluate(() => playground.applied.length), 1, "exporting the result does not apply the changeset");
});

test("the layout works on a narrow screen and is keyboard reachable", async () => {
  const narrow = await newPage({ width: 400, height: 860 });
  await narrow.goto(`${server.url}/www/`);
  await waitReady(narrow);
  await shot(narrow, "13-narrow");
  await shot(narrow, "14-narrow-full", { fullPage: true });
  // Every interactive control has an accessible name.
  const unnamed = await narrow.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll("button, input, select, textarea, [role=tab], [role=treeitem]")) {
      if (el.closest("[hidden]") || el.type === "file") continue;
      const name = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || (el.labels && el.labels.length && el.labels[0].textContent.trim()) || el.textContent.trim() || el.title;
      if (!name) out.push(el.outerHTML.slice(0, 80));
    }
    return out;
  });
  assert.deepEqual(unnamed, [], "controls without an accessible name");
  // Tabs are reachable with the keyboard.
  await narrow.focus("#tab-users");
  await narrow.keyboard.press("ArrowRight");
  assert.equal(await narrow.evaluate(() => document.activeElement.id), "tab-chart");
  await narrow.close();
});

test("crm-policy/edge in the browser: init() from its web entry, the same decisions as the playground's engine", async () => {
  const r = await page.evaluate(async () => {
    const edge = await import("/pkg/edge/web.js");
    const { PolicyError } = await import("/pkg/policy-error.js");
    await edge.default(); // fetches edge/crm_policy_edge_bg.wasm next to the entry
    const full = playground.org;
    const org = edge.Org.fromBytes(full.toBytes());
    const users = playground.snap.users.map((u) => u.id);
    const records = playground.snap.records.map((x) => x.id);
    const rights = ["create", "read", "write", "delete", "append", "appendTo", "assign", "share"];
    let same = 0, allowed = 0, n = 0;
    for (let i = 0; i < 2000; i++) {
      const q = [users[(i * 7919) % users.length], rights[i % 8], records[(i * 104729) % records.length]];
      const a = org.check(...q);
      if (a === full.check(...q)) same++;
      if (a) allowed++;
      n++;
    }
    const reqs = Array.from({ length: 500 }, (_, i) => [users[i % users.length], "read", records[(i * 31) % records.length]]);
    const many = [...org.checkMany(reqs)].join() === [...full.checkMany(reqs)].join();
    let code = null, shared = false;
    try {
      org.simulate([]);
    } catch (e) {
      code = e.code;
      shared = e instanceof PolicyError;
    }
    org.free();
    return { same, allowed, n, many, code, shared };
  });
  assert.equal(r.same, r.n, "every check agrees with the full engine");
  assert.ok(r.allowed > 0 && r.allowed < r.n, `a mix of decisions (${r.allowed} of ${r.n} allowed)`);
  assert.ok(r.many, "checkMany agrees");
  assert.equal(r.code, "read-only-build");
  assert.ok(r.shared, "one PolicyError class for both entries");
});

test("a 20,000-user org stays responsive", { skip: !BIG }, async (t) => {
  const big = await newPage();
  await big.goto(`${server.url}/www/`);
  await waitReady(big);
  if (!(await big.evaluate(() => typeof playground.mod.generateDemo === "function"))) {
    t.skip("the package exports no generateDemo()");
    await big.close();
    return;
  }
  const t0 = Date.now();
  await big.evaluate(() => playground.act.loadDemo({ seed: 7, users: 20000, units: 300, records: 200000 }));
  await waitReady(big, 2);
  timings.bigOrgReady = Math.round(await measureOf(big, "org-ready"));
  timings.bigOrgReadyWall = Date.now() - t0;
  assert.equal(await big.evaluate(() => playground.snap.users.length), 20000);
  // Filtering and scrolling the list.
  const filterMs = await big.evaluate(async () => {
    const input = document.querySelector("#user-search");
    const t = performance.now();
    input.value = "an";
    input.dispatchEvent(new Event("input"));
    await new Promise((r) => setTimeout(r, 130));
    await new Promise((r) => requestAnimationFrame(() => r()));
    return performance.now() - t - 120;
  });
  const scrollMs = await big.evaluate(async () => {
    const vp = document.querySelector(".users-list-viewport");
    const t = performance.now();
    for (let i = 0; i < 20; i++) {
      vp.scrollTop = i * 3000;
      vp.dispatchEvent(new Event("scroll"));
      await new Promise((r) => requestAnimationFrame(() => r()));
    }
    return (performance.now() - t) / 20;
  });
  const domRows = await big.evaluate(() => document.querySelectorAll(".user-row").length);
  assert.ok(domRows < 200, `virtualised list (${domRows} rows in the DOM)`);
  // A move in the big org.
  await big.evaluate(() => {
    const u = playground.idx.users[0];
    const to = playground.idx.unitOrder.find((x) => x.id !== u.businessUnit && x.parent).id;
    playground.act.addChanges([{ op: "moveUser", user: u.id, businessUnit: to }], { quiet: true });
  });
  await waitImpact(big);
  timings.bigImpactUpdated = Math.round(await measureOf(big, "impact-updated"));
  timings.bigSimulate = await big.evaluate(() => Math.round(playground.impactEngineMs));
  timings.bigFilter = Math.round(filterMs);
  timings.bigScrollFrame = Math.round(scrollMs * 10) / 10;
  log(`20,000 users / 200,000 records: org ready ${timings.bigOrgReady} ms, filter ${timings.bigFilter} ms, scroll ${timings.bigScrollFrame} ms/frame, impact ${timings.bigImpactUpdated} ms (simulate ${timings.bigSimulate} ms)`);
  await shot(big, "15-big-org");
  await big.close();
});

test("no console errors or page errors", () => {
  const real = problems.filter((p) => !/favicon|Failed to load resource.*404/.test(p));
  assert.deepEqual(real, []);
});
