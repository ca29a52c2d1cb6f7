// Entry point: loads the engine, owns the org lifecycle (load, merge CSV,
// apply / undo / redo), the pending changeset and its live impact, share links
// and exports. Rendering lives in views.js and changes.js.

import { app, buildIndex, DEMO_DEFAULT } from "./state.js";
import { loadEngine, SimWorker, errorInfo, errorList } from "./engine.js";
import { h, $, $$, setChildren, debounce, n, plural, packState, unpackState, download, toCSV, nextFrame, parseCSV } from "./util.js";
import { showLoading, hideLoading, toast, errorTable, openDialog, select } from "./ui.js";
import { describeOp } from "./text.js";
import * as views from "./views.js";
import * as changesView from "./changes.js";

// ---------------------------------------------------------------- errors never blank the page

function showBanner(title, errors, opts = {}) {
  const area = $("#load-errors");
  const banner = h(
    "div.banner",
    { role: "alert" },
    h("h2", title),
    h("button.btn.small.close", { type: "button", onclick: () => banner.remove(), "aria-label": "Dismiss" }, "Dismiss"),
    errors && errors.length ? errorTable(errors, opts) : null,
  );
  setChildren(area, banner);
  return banner;
}

function clearBanner() {
  setChildren($("#load-errors"));
}

window.addEventListener("error", (e) => {
  if (!e.error && !e.message) return;
  showBanner("Something went wrong", [{ code: "script-error", path: "", message: e.message || String(e.error) }]);
  hideLoading();
});
window.addEventListener("unhandledrejection", (e) => {
  showBanner("Something went wrong", errorList(e.reason));
  hideLoading();
});

// ---------------------------------------------------------------- timing marks

function mark(name) {
  performance.mark(name);
}

// ---------------------------------------------------------------- org lifecycle

function snapshotOf(value) {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** Re-read the snapshot from the engine and re-render everything. */
function refreshFromOrg(snapHint = null) {
  app.snap = snapHint || app.org.toJSON();
  app.idx = buildIndex(app.snap);
  // Drop selections that no longer exist.
  for (const id of [...app.selected]) if (!app.idx.userById.has(id)) app.selected.delete(id);
  if (app.currentUser && !app.idx.userById.has(app.currentUser)) app.currentUser = null;
  renderHeader();
  views.renderAll();
  changesChanged({ silent: true });
}

/** Install a freshly loaded org. `snapHint`: the complete snapshot it was built from (skips a toJSON()). */
function setOrg(org, source, snapHint = null) {
  const old = app.org;
  app.org = org;
  app.source = source;
  app.applied = [];
  app.redoStack = [];
  if (old && old !== org) old.free?.();
  refreshFromOrg(snapHint);
}

function orgReady() {
  mark("org-ready");
  let d = null;
  try {
    d = performance.measure("org-ready", "org-load-start", "org-ready").duration;
  } catch {
    /* no start mark */
  }
  app.orgReadyMs = d;
  app.readyCount = (app.readyCount || 0) + 1;
  document.body.dataset.ready = String(app.readyCount);
  console.log(
    `[timing] org-ready ${d === null ? "?" : d.toFixed(0)} ms (${n(app.idx.users.length)} users, ${n(app.snap.records.length)} records; ${performance.now().toFixed(0)} ms since navigation)`,
  );
}

function workerCall(type, payload) {
  if (!app.worker) return Promise.resolve(null);
  return app.worker.call(type, payload).catch((err) => {
    console.warn("simulation worker failed; falling back to the main thread", err);
    app.worker?.terminate();
    app.worker = null;
    return null;
  });
}

/** Generate and load the demo org. */
async function loadDemo(opts = DEMO_DEFAULT, { ready = true } = {}) {
  const o = { ...DEMO_DEFAULT, ...opts };
  mark("org-load-start");
  showLoading(`Generating the demo org (${n(o.users)} users, ${n(o.units)} units, ${n(o.records)} records)…`);
  await nextFrame();
  try {
    let snap;
    let text;
    const t0 = performance.now();
    if (typeof app.mod.generateDemo === "function") {
      const out = app.mod.generateDemo(o.seed, o.users, o.units, o.records);
      // Org.fromJSON reads a string much faster than a large object.
      text = typeof out === "string" ? out : JSON.stringify(out);
      snap = typeof out === "string" ? JSON.parse(out) : out;
    } else {
      const res = await fetch(new URL("demo-org.json", import.meta.url));
      if (!res.ok) throw new Error("This engine build has no generateDemo() and www/demo-org.json is missing");
      text = await res.text();
      snap = JSON.parse(text);
    }
    const t1 = performance.now();
    showLoading("Indexing…");
    await nextFrame();
    const t2 = performance.now();
    const org = app.mod.Org.fromJSON(text);
    const t3 = performance.now();
    app.changes = [];
    // The generator's output is complete (every default written), so it can index the UI directly.
    setOrg(org, { kind: "demo", ...o }, snap);
    const t4 = performance.now();
    console.log(`[timing] demo load steps: generate ${(t1 - t0).toFixed(0)} ms, fromJSON ${(t3 - t2).toFixed(0)} ms, snapshot + index + render ${(t4 - t3).toFixed(0)} ms`);
    if (typeof app.mod.generateDemo === "function") workerCall("loadDemo", o);
    else workerCall("loadJSON", { text });
    clearBanner();
    if (ready) orgReady();
    scheduleHashUpdate();
    return true;
  } catch (err) {
    showBanner("Could not generate the demo org", errorList(err));
    return false;
  } finally {
    hideLoading();
  }
}

/** Load a snapshot (text or object). Errors are shown next to the input and leave the current org untouched. */
async function loadSnapshotText(text, name, { ready = true } = {}) {
  mark("org-load-start");
  showLoading(`Loading ${name}…`);
  await nextFrame();
  let parsed;
  try {
    parsed = typeof text === "string" ? JSON.parse(text) : text;
  } catch {
    parsed = undefined;
  }
  try {
    const org = app.mod.Org.fromJSON(typeof text === "string" ? text : JSON.stringify(text));
    app.changes = [];
    setOrg(org, { kind: "snapshot", name });
    workerCall("loadJSON", { text: typeof text === "string" ? text : JSON.stringify(text) });
    clearBanner();
    if (ready) orgReady();
    scheduleHashUpdate();
    toast(`Loaded ${name}`, "ok");
    return true;
  } catch (err) {
    const errors = errorList(err);
    showBanner(`Could not load ${name}: ${plural(errors.length, "problem")}`, errors, { source: parsed });
    return false;
  } finally {
    hideLoading();
  }
}

// ---------------------------------------------------------------- users CSV merge

const CSV_COLUMNS = ["id", "name", "businessUnit", "manager", "roles", "category"];

function normCategory(c) {
  const s = c.trim().toLowerCase().replace(/[\s_]+/g, "-");
  if (!s) return null;
  if (s === "front" || s === "frontoffice") return "front-office";
  if (s === "back" || s === "backoffice") return "back-office";
  return s;
}

/** Merge a users CSV into the current org (new users are added, existing ones updated). */
async function mergeUsersCSV(text, name) {
  if (!app.org) return;
  const rows = parseCSV(text);
  const problems = [];
  const at = (line, column, code, message, help) => problems.push({ code, path: "", message, help, where: `line ${line}${column ? `, column ${column}` : ""}` });
  if (!rows.length) {
    at(1, "", "empty-csv", "The file has no rows.");
  }
  const header = rows.length ? rows[0].fields.map((f) => f.trim()) : [];
  const col = Object.fromEntries(CSV_COLUMNS.map((c) => [c, header.findIndex((x) => x.toLowerCase() === c.toLowerCase())]));
  for (const c of ["id", "name", "businessUnit"]) if (rows.length && col[c] < 0) at(1, c, "missing-column", `The header has no "${c}" column.`, `Expected columns: ${CSV_COLUMNS.join(",")}`);
  for (const [i, hname] of header.entries()) {
    if (!CSV_COLUMNS.some((c) => c.toLowerCase() === hname.toLowerCase())) at(1, hname || `#${i + 1}`, "unknown-column", `Unknown column "${hname}".`, `Expected columns: ${CSV_COLUMNS.join(",")}`);
  }
  const snap = structuredClone(app.snap);
  const unitByName = new Map();
  for (const u of snap.businessUnits) unitByName.set(u.name.toLowerCase(), u.id);
  const unitIds = new Set(snap.businessUnits.map((u) => u.id));
  const roleByName = new Map();
  for (const r of snap.roles) roleByName.set(r.name.toLowerCase(), r.id);
  const roleIds = new Set(snap.roles.map((r) => r.id));
  const userIndex = new Map(snap.users.map((u, i) => [u.id, i]));
  const lineOfUser = new Map(); // users index -> csv line
  const seen = new Set();
  let added = 0;
  let updated = 0;
  if (!problems.length) {
    for (const row of rows.slice(1)) {
      const get = (c) => (col[c] >= 0 ? (row.fields[col[c]] ?? "").trim() : undefined);
      const id = get("id");
      if (!id) {
        at(row.line, "id", "missing-field", "The id is empty.");
        continue;
      }
      if (seen.has(id)) {
        at(row.line, "id", "duplicate-id", `User ${id} appears twice in the file.`);
        continue;
      }
      seen.add(id);
      let bu = get("businessUnit");
      if (bu !== undefined && bu !== "" && !unitIds.has(bu) && unitByName.has(bu.toLowerCase())) bu = unitByName.get(bu.toLowerCase());
      const rolesCell = get("roles");
      let roles;
      if (rolesCell !== undefined) {
        roles = [];
        for (const r of rolesCell.split(";").map((x) => x.trim()).filter(Boolean)) {
          const rid = roleIds.has(r) ? r : roleByName.get(r.toLowerCase()) || r;
          if (!roles.some((x) => x.role === rid)) roles.push({ role: rid });
        }
      }
      const existing = userIndex.get(id);
      const user = existing !== undefined ? snap.users[existing] : { id, name: id, businessUnit: bu, manager: null, disabled: false, roles: [] };
      const name = get("name");
      if (name) user.name = name;
      if (bu) user.businessUnit = bu;
      else if (existing === undefined) user.businessUnit = bu || "";
      const mgr = get("manager");
      if (mgr !== undefined) user.manager = mgr || null;
      if (roles) user.roles = roles;
      const cat = get("category");
      if (cat !== undefined) {
        const c = normCategory(cat);
        if (c) user.category = c;
        else delete user.category;
      }
      if (existing === undefined) {
        userIndex.set(id, snap.users.length);
        lineOfUser.set(snap.users.length, row.line);
        snap.users.push(user);
        added++;
      } else {
        lineOfUser.set(existing, row.line);
        updated++;
      }
    }
  }
  if (problems.length) {
    showBanner(`Could not merge ${name}: ${plural(problems.length, "problem")}`, problems, { locate: (e) => e.where });
    return false;
  }
  const fieldToColumn = { businessUnit: "businessUnit", manager: "manager", roles: "roles", name: "name", id: "id", category: "category" };
  const locate = (e) => {
    const m = /^\/users\/(\d+)(?:\/(\w+))?/.exec(e.path || "");
    if (!m) return null;
    const line = lineOfUser.get(Number(m[1]));
    const u = snap.users[Number(m[1])];
    const column = m[2] ? fieldToColumn[m[2]] || m[2] : "";
    if (line === undefined) return `existing user ${u ? u.id : m[1]}`;
    return `${name} line ${line}${column ? `, column ${column}` : ""} (user ${u ? u.id : "?"})`;
  };
  showLoading(`Merging ${name}…`);
  await nextFrame();
  try {
    mark("org-load-start");
    const text2 = JSON.stringify(snap);
    const org = app.mod.Org.fromJSON(text2);
    setOrg(org, { kind: "snapshot", name: `${app.source?.kind === "demo" ? "demo" : app.source?.name || "org"} + ${name}` });
    workerCall("loadJSON", { text: text2 });
    clearBanner();
    orgReady();
    scheduleHashUpdate();
    toast(`Merged ${name}: ${plural(added, "user")} added, ${n(updated)} updated`, "ok");
    return true;
  } catch (err) {
    const errors = errorList(err);
    showBanner(`Could not merge ${name}: ${plural(errors.length, "problem")}`, errors, { source: snap, locate });
    return false;
  } finally {
    hideLoading();
  }
}

async function openFile(file) {
  if (!file) return;
  const text = await file.text();
  if (/\.csv$/i.test(file.name) || file.type === "text/csv") return mergeUsersCSV(text, file.name);
  return loadSnapshotText(text, file.name);
}

// ---------------------------------------------------------------- the changeset

function opIndexOfPath(path) {
  const m = /^\/(?:changes\/)?(\d+)/.exec(path || "");
  return m ? Number(m[1]) : -1;
}

function validate() {
  app.changeErrors = app.changes.map(() => []);
  app.changesetErrors = [];
  if (!app.changes.length || !app.org) return true;
  let errs;
  try {
    errs = app.org.validateChanges(app.changes) || [];
  } catch (err) {
    errs = errorList(err);
  }
  for (const e of errs) {
    const i = opIndexOfPath(e.path);
    if (i >= 0 && i < app.changes.length) app.changeErrors[i].push(e);
    else app.changesetErrors.push(e);
  }
  return errs.length === 0;
}

/** Call after any edit of app.changes. */
function changesChanged({ silent = false } = {}) {
  validate();
  changesView.renderChangeset();
  scheduleImpact();
  if (!silent) scheduleHashUpdate();
}

function addChanges(ops, { quiet = false } = {}) {
  if (!ops.length) return;
  app.changes.push(...ops);
  changesChanged();
  if (!quiet) toast(ops.length === 1 ? `Added: ${describeOp(ops[0], app.idx)}` : `Added ${ops.length} changes`);
}

function setChanges(ops) {
  app.changes = ops;
  changesChanged();
}

// ---------------------------------------------------------------- live impact

const runImpact = debounce(async () => {
  const gen = ++app.impactGeneration;
  const changes = structuredClone(app.changes);
  if (!changes.length || !app.org) {
    app.impact = null;
    app.impactState = "idle";
    finishImpact(gen, null);
    return;
  }
  if (app.changeErrors.some((e) => e.length) || app.changesetErrors.length) {
    app.impact = null;
    app.impactState = "invalid";
    finishImpact(gen, null);
    return;
  }
  let result = null;
  let engineMs = null;
  try {
    const res = await workerCall("simulate", { changes });
    if (res && res.skipped) return;
    if (res) {
      result = res.impact;
      engineMs = res.ms;
    } else {
      const t0 = performance.now();
      result = app.org.simulate(changes);
      engineMs = performance.now() - t0;
    }
    if (gen !== app.impactGeneration) return;
    app.impact = result;
    app.impactState = "ok";
    app.impactError = null;
  } catch (err) {
    if (gen !== app.impactGeneration) return;
    app.impact = null;
    app.impactState = "error";
    app.impactError = errorList(err);
  }
  finishImpact(gen, engineMs);
}, 200);

function scheduleImpact() {
  mark("impact-start");
  app.impactState = app.changes.length ? "running" : "idle";
  document.body.dataset.impact = "running";
  changesView.renderImpactStatus();
  runImpact();
}

function finishImpact(gen, engineMs) {
  if (gen !== app.impactGeneration) return;
  app.impactEngineMs = engineMs;
  changesView.renderImpact();
  changesView.renderChangeset();
  views.renderTabBadges();
  mark("impact-updated");
  try {
    app.impactMs = performance.measure("impact-updated", "impact-start", "impact-updated").duration;
  } catch {
    app.impactMs = null;
  }
  if (app.impactState === "ok") {
    console.log(`[timing] impact-updated ${app.impactMs?.toFixed(0)} ms after the last edit (simulate ${engineMs?.toFixed(1)} ms, ${app.changes.length} changes)`);
  }
  document.body.dataset.impact = app.impactState;
}

// ---------------------------------------------------------------- apply / undo / redo

function applyChanges() {
  if (!app.changes.length) return;
  const changes = structuredClone(app.changes);
  let res;
  try {
    res = app.org.apply(changes);
  } catch (err) {
    const errors = errorList(err);
    app.changesetErrors = [];
    app.changeErrors = app.changes.map(() => []);
    for (const e of errors) {
      const i = opIndexOfPath(e.path);
      if (i >= 0 && i < app.changes.length) app.changeErrors[i].push(e);
      else app.changesetErrors.push(e);
    }
    changesView.renderChangeset();
    toast(`Apply failed: ${errors[0]?.message || "error"}`, "error", 6000);
    return;
  }
  app.applied.push(changes);
  app.redoStack = [];
  workerCall("apply", { changes });
  app.changes = [];
  refreshFromOrg();
  scheduleHashUpdate();
  toast(`Applied ${plural(changes.length, "change")} as version ${res && res.version !== undefined ? res.version : "?"}`, "ok");
}

function undo() {
  if (!app.org) return;
  if (!app.org.undo()) {
    toast("Nothing to undo");
    return;
  }
  if (app.applied.length) app.redoStack.push(app.applied.pop());
  workerCall("undo", {});
  refreshFromOrg();
  scheduleHashUpdate();
  toast("Undone", "ok");
}

function redo() {
  if (!app.org) return;
  if (!app.org.redo()) {
    toast("Nothing to redo");
    return;
  }
  if (app.redoStack.length) app.applied.push(app.redoStack.pop());
  workerCall("redo", {});
  refreshFromOrg();
  scheduleHashUpdate();
  toast("Redone", "ok");
}

// ---------------------------------------------------------------- share links

function demoBase(src) {
  const d = DEMO_DEFAULT;
  if (src.users === d.users && src.units === d.units && src.records === d.records) return `demo:${src.seed}`;
  return `demo:${src.seed}:${src.users}:${src.units}:${src.records}`;
}

function shareState({ full = false } = {}) {
  if (app.source?.kind === "demo" && !full) {
    return { v: 1, base: demoBase(app.source), applied: app.applied, changes: app.changes };
  }
  return { v: 1, org: app.snap, changes: app.changes };
}

async function shareLink() {
  const packed = await packState(shareState());
  const url = `${location.origin}${location.pathname}${location.search}#s=${packed}`;
  return url;
}

const scheduleHashUpdate = debounce(async () => {
  if (!app.org || app.restoring) return;
  if (app.source?.kind !== "demo") {
    // A full snapshot can be large: only written when the user asks for a link.
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    return;
  }
  const url = await shareLink();
  history.replaceState(null, "", url);
}, 400);

function parseDemoBase(base) {
  const parts = base.split(":");
  const num = (x, d) => (x === undefined || x === "" || !Number.isFinite(Number(x)) ? d : Number(x));
  return {
    seed: num(parts[1], DEMO_DEFAULT.seed),
    users: num(parts[2], DEMO_DEFAULT.users),
    units: num(parts[3], DEMO_DEFAULT.units),
    records: num(parts[4], DEMO_DEFAULT.records),
  };
}

async function restoreFromHash(hash) {
  const m = /^#?s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!m) return false;
  let state;
  try {
    state = await unpackState(m[1]);
  } catch (err) {
    showBanner("This share link is damaged", [{ code: "bad-link", path: "", message: `Could not decode the link: ${err.message}` }]);
    return false;
  }
  app.restoring = true;
  try {
    let ok;
    if (typeof state.base === "string" && state.base.startsWith("demo")) {
      ok = await loadDemo(parseDemoBase(state.base), { ready: false });
    } else if (state.org) {
      ok = await loadSnapshotText(JSON.stringify(state.org), "shared snapshot", { ready: false });
    } else {
      showBanner("This share link holds no org", []);
      return false;
    }
    if (!ok) return false;
    for (const [i, cs] of (state.applied || []).entries()) {
      try {
        app.org.apply(cs);
        app.applied.push(cs);
        workerCall("apply", { changes: cs });
      } catch (err) {
        showBanner(`Could not replay applied changeset ${i + 1} of the link`, errorList(err), { source: { changes: cs } });
        break;
      }
    }
    app.changes = Array.isArray(state.changes) ? state.changes : [];
    refreshFromOrg();
    orgReady();
    return true;
  } finally {
    app.restoring = false;
  }
}

// ---------------------------------------------------------------- exports

function impactCSV(impact) {
  const rows = [];
  const N = (id) => app.idx.userById.get(id)?.name || id;
  for (const uc of impact?.accessChanges || []) {
    for (const [dir, list] of [["gained", uc.gained || []], ["lost", uc.lost || []]]) {
      for (const g of list) rows.push([uc.user, N(uc.user), dir, g.table, g.right, g.count, (g.sample || []).join(";")]);
    }
  }
  return toCSV(["user", "userName", "change", "table", "right", "count", "sampleRecords"], rows);
}

async function exportWhat(kind) {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
  if (kind === "changeset") {
    download(`changeset-${stamp}.json`, JSON.stringify({ changes: app.changes }, null, 2));
  } else if (kind === "current") {
    download(`snapshot-${stamp}.json`, JSON.stringify(app.org.toJSON(), null, 2));
  } else if (kind === "result") {
    showLoading("Applying the changeset to a copy…");
    await nextFrame();
    try {
      let text = await workerCall("resultSnapshot", { changes: structuredClone(app.changes) });
      if (text === null) {
        const copy = app.mod.Org.fromJSON(app.org.toJSON());
        try {
          if (app.changes.length) copy.apply(app.changes);
          text = JSON.stringify(copy.toJSON(), null, 2);
        } finally {
          copy.free?.();
        }
      }
      download(`snapshot-after-${stamp}.json`, text);
    } catch (err) {
      toast(`Cannot export: ${errorInfo(err).message}`, "error", 6000);
    } finally {
      hideLoading();
    }
  } else if (kind === "impact") {
    if (!app.impact) {
      toast("No impact to export: add changes first");
      return;
    }
    download(`impact-${stamp}.csv`, impactCSV(app.impact), "text/csv");
  }
}

// ---------------------------------------------------------------- header

function renderHeader() {
  const s = app.snap;
  const src = app.source;
  const label = src?.kind === "demo" ? `Demo org (seed ${src.seed})` : src?.name || "";
  const version = (() => {
    try {
      const hist = app.org.history();
      return hist.length ? hist[hist.length - 1].version : 0;
    } catch {
      return null;
    }
  })();
  setChildren(
    $("#org-stats"),
    h("span.src.opt", { title: label }, label),
    h("span", h("strong", n(s.users.length)), " users"),
    h("span", h("strong", n(s.businessUnits.length)), " units"),
    h("span", h("strong", n(s.records.length)), " records"),
    version !== null ? h("span", { title: "Version" }, "v", h("strong", String(version))) : null,
  );
  $("#btn-undo").disabled = !app.applied.length;
  $("#btn-redo").disabled = !app.redoStack.length;
}

function demoDialog() {
  const src = app.source?.kind === "demo" ? app.source : DEMO_DEFAULT;
  const num = (label, name, value, min, max) => {
    const id = `demo-${name}`;
    return h("div.field", h("label", { for: id }, label), h("input", { id, name, type: "number", value: String(value), min: String(min), max: String(max), required: true }));
  };
  openDialog({
    title: "Generate a demo org",
    describe: "A deterministic org: the same seed and sizes always give the same org.",
    body: [
      h(
        "div.form-grid",
        num("Seed", "seed", src.seed, 0, 2 ** 31),
        num("Users", "users", src.users, 1, 200000),
        num("Business units", "units", src.units, 1, 5000),
        num("Records", "records", src.records, 0, 2000000),
      ),
    ],
    submitLabel: "Generate",
    onSubmit: async (form) => {
      const v = (k) => Number(form.elements[k].value);
      const opts = { seed: v("seed"), users: v("users"), units: v("units"), records: v("records") };
      setTimeout(() => loadDemo(opts), 0);
      return true;
    },
  });
}

function wireHeader() {
  $("#btn-demo").addEventListener("click", demoDialog);
  for (const [lbl, input] of [
    ["#lbl-snapshot", "#file-snapshot"],
    ["#lbl-csv", "#file-csv"],
  ]) {
    $(lbl).addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        $(input).click();
      }
    });
  }
  $("#file-snapshot").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    e.target.value = "";
    if (f) await loadSnapshotText(await f.text(), f.name);
  });
  $("#file-csv").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    e.target.value = "";
    if (f) await mergeUsersCSV(await f.text(), f.name);
  });
  $("#btn-undo").addEventListener("click", undo);
  $("#btn-redo").addEventListener("click", redo);
  $("#btn-share").addEventListener("click", async () => {
    const url = await shareLink();
    if (url.length > 2_000_000) {
      toast("This org is too large for a link; export the snapshot instead", "error", 6000);
      return;
    }
    history.replaceState(null, "", url);
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      /* clipboard may be unavailable */
    }
    const input = h("input", { type: "text", value: url, readonly: true, id: "share-url", style: { width: "100%" } });
    openDialog({
      title: "Share this state",
      describe: copied ? "The link is on your clipboard. It reproduces the org and the pending changeset." : "Copy this link; it reproduces the org and the pending changeset.",
      body: [h("label.visually-hidden", { for: "share-url" }, "Share link"), input, h("p.muted", `${n(url.length)} characters`)],
    });
    input.select();
  });
  const menuBtn = $("#btn-export");
  const menu = $("#export-menu");
  const closeMenu = () => {
    menu.hidden = true;
    menuBtn.setAttribute("aria-expanded", "false");
  };
  menuBtn.addEventListener("click", () => {
    const open = menu.hidden;
    menu.hidden = !open;
    menuBtn.setAttribute("aria-expanded", String(open));
    if (open) menu.querySelector("button").focus();
  });
  menu.addEventListener("keydown", (e) => {
    const items = $$("button", menu);
    const i = items.indexOf(document.activeElement);
    if (e.key === "ArrowDown") {
      e.preventDefault();
      items[(i + 1) % items.length].focus();
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      items[(i - 1 + items.length) % items.length].focus();
    } else if (e.key === "Escape") {
      closeMenu();
      menuBtn.focus();
    }
  });
  menu.addEventListener("click", (e) => {
    const b = e.target.closest("[data-export]");
    if (!b) return;
    closeMenu();
    exportWhat(b.dataset.export);
  });
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !e.target.closest(".menu")) closeMenu();
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.closest("input,textarea,select,dialog")) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z" && !e.shiftKey) {
      e.preventDefault();
      undo();
    } else if ((e.ctrlKey || e.metaKey) && (e.key.toLowerCase() === "y" || (e.key.toLowerCase() === "z" && e.shiftKey))) {
      e.preventDefault();
      redo();
    }
  });
  $("#btn-units-collapse").addEventListener("click", (e) => {
    const wrap = $("#unit-tree-wrap");
    wrap.hidden = !wrap.hidden;
    e.target.setAttribute("aria-expanded", String(!wrap.hidden));
    e.target.textContent = wrap.hidden ? "Show" : "Hide";
  });

  // Drag and drop of files anywhere on the page.
  let depth = 0;
  const isFileDrag = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  window.addEventListener("dragenter", (e) => {
    if (!isFileDrag(e)) return;
    depth++;
    $("#drop-overlay").hidden = false;
  });
  window.addEventListener("dragleave", (e) => {
    if (!isFileDrag(e)) return;
    depth = Math.max(0, depth - 1);
    if (!depth) $("#drop-overlay").hidden = true;
  });
  window.addEventListener("dragover", (e) => {
    if (isFileDrag(e)) e.preventDefault();
  });
  window.addEventListener("drop", (e) => {
    if (!isFileDrag(e)) return;
    e.preventDefault();
    depth = 0;
    $("#drop-overlay").hidden = true;
    const f = e.dataTransfer.files[0];
    if (f) openFile(f);
  });
  window.addEventListener("hashchange", async () => {
    if (location.hash.startsWith("#s=")) await restoreFromHash(location.hash);
  });
}

// ---------------------------------------------------------------- actions for the views

Object.assign(app.act, {
  addChanges,
  setChanges,
  changesChanged,
  applyChanges,
  undo,
  redo,
  exportWhat,
  loadDemo,
  loadSnapshotText,
  mergeUsersCSV,
  restoreFromHash,
  shareLink,
  impactCSV,
  showBanner,
  select,
});

// ---------------------------------------------------------------- boot

async function boot() {
  mark("org-load-start");
  wireHeader();
  views.init();
  changesView.init();
  showLoading("Loading the engine…");
  try {
    app.mod = await loadEngine();
  } catch (err) {
    hideLoading();
    showBanner("Could not load the engine", [
      { code: "engine-missing", path: "", message: err.message || String(err), help: "Build the WebAssembly package first: ./build.sh (creates pkg/), then serve the repository root (./serve.sh)." },
    ]);
    return;
  }
  try {
    const noWorker = new URLSearchParams(location.search).get("worker") === "0";
    app.worker = typeof Worker !== "undefined" && !noWorker ? new SimWorker() : null;
  } catch {
    app.worker = null;
  }
  if (location.hash.startsWith("#s=") && (await restoreFromHash(location.hash))) return;
  await loadDemo(DEMO_DEFAULT);
}

boot();
