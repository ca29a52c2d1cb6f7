// The changeset panel (ordered operations, reorder / remove, validation errors
// next to each operation), the dialogs that add operations, and the impact
// views (summary in the side panel, drill-down in the Impact tab).

import { app, inSubtree } from "./state.js";
import { h, $, setChildren, n, plural } from "./util.js";
import { combo, openDialog, errorTable, toast } from "./ui.js";
import { describeOp, RIGHTS, rightLabel, kindLabel, namer, humanize } from "./text.js";
import { unitOptions, userSearch, openAccess, selectTab, invalidate } from "./views.js";

export const describe = (op) => describeOp(op, app.idx);

export function init() {
  renderChangeset();
  renderImpact();
}

// ---------------------------------------------------------------- changeset panel

let dragFrom = -1;

function moveOp(from, to) {
  if (from === to || from < 0 || to < 0 || from >= app.changes.length || to >= app.changes.length) return;
  const [op] = app.changes.splice(from, 1);
  app.changes.splice(to, 0, op);
  app.act.changesChanged();
  setTimeout(() => $(`#changeset li[data-i="${to}"] .op-num`)?.focus(), 0);
}

function removeOp(i) {
  app.changes.splice(i, 1);
  app.act.changesChanged();
  setTimeout(() => ($(`#changeset li[data-i="${Math.min(i, app.changes.length - 1)}"] .op-num`) || $("#btn-add-move"))?.focus(), 0);
}

function sideEffectNote(i) {
  const k = (app.impact?.sideEffects || []).filter((e) => e.change === i).length;
  return k ? h("span", { style: { fontFamily: "inherit" } }, ` · ${plural(k, "side effect")}`) : null;
}

export function renderChangeset() {
  const host = $("#changeset");
  if (!host) return;
  // Keep keyboard focus on the same control across re-renders.
  const active = host.contains(document.activeElement) ? document.activeElement : null;
  const focusKey = active ? active.getAttribute("aria-label") || active.id || active.textContent : null;
  const focusClass = active ? active.className : null;
  queueMicrotask(() => {
    if (!focusKey || host.contains(document.activeElement)) return;
    const again = [...host.querySelectorAll("button, [tabindex]")].find((el) => (el.getAttribute("aria-label") || el.id || el.textContent) === focusKey && el.className === focusClass);
    again?.focus();
  });
  const C = app.changes;
  const items = C.map((op, i) => {
    const errs = app.changeErrors[i] || [];
    const li = h(
      "li.op",
      { class: `op${errs.length ? " invalid" : ""}`, draggable: "true", dataset: { i: String(i) }, "aria-label": `Change ${i + 1}: ${app.idx ? describe(op) : op.op}` },
      h("span.op-num", { tabindex: "0", title: "Drag to reorder (or use the arrows)", "aria-label": `Change ${i + 1}, reorder with Alt+Up and Alt+Down` }, String(i + 1)),
      h("div.op-text", app.idx ? describe(op) : op.op, h("div.op-kind", op.op, sideEffectNote(i))),
      h(
        "div.op-btns",
        h("button.btn.icon.small.ghost", { type: "button", "aria-label": `Move change ${i + 1} up`, title: "Move up", disabled: i === 0, onclick: () => moveOp(i, i - 1) }, "↑"),
        h("button.btn.icon.small.ghost", { type: "button", "aria-label": `Move change ${i + 1} down`, title: "Move down", disabled: i === C.length - 1, onclick: () => moveOp(i, i + 1) }, "↓"),
        h("button.btn.icon.small.ghost.danger", { type: "button", "aria-label": `Remove change ${i + 1}`, title: "Remove", onclick: () => removeOp(i) }, "✕"),
      ),
      errs.length
        ? h(
            "ul.op-errors",
            { role: "alert" },
            errs.map((e) => h("li", h("code", e.code), " ", e.message, e.path ? h("span", " ", h("code.muted", e.path)) : null, e.help ? h("div.err-help", e.help) : null)),
          )
        : null,
    );
    li.addEventListener("keydown", (e) => {
      if (e.altKey && e.key === "ArrowUp") {
        e.preventDefault();
        moveOp(i, i - 1);
      } else if (e.altKey && e.key === "ArrowDown") {
        e.preventDefault();
        moveOp(i, i + 1);
      } else if (e.key === "Delete" && e.target.classList.contains("op-num")) {
        e.preventDefault();
        removeOp(i);
      }
    });
    li.addEventListener("dragstart", (e) => {
      dragFrom = i;
      e.dataTransfer.setData("application/x-crm-op", String(i));
      e.dataTransfer.effectAllowed = "move";
      li.classList.add("dragging");
    });
    li.addEventListener("dragend", () => li.classList.remove("dragging"));
    li.addEventListener("dragover", (e) => {
      if (!Array.from(e.dataTransfer.types).includes("application/x-crm-op")) return;
      e.preventDefault();
      li.classList.add("drag-over");
    });
    li.addEventListener("dragleave", () => li.classList.remove("drag-over"));
    li.addEventListener("drop", (e) => {
      if (!Array.from(e.dataTransfer.types).includes("application/x-crm-op")) return;
      e.preventDefault();
      li.classList.remove("drag-over");
      moveOp(dragFrom, i);
    });
    return li;
  });
  setChildren(
    host,
    h(
      "div.section-head",
      h("h2", { id: "changeset-heading" }, "Changeset ", h("span.count", { "data-stat": "changes" }, String(C.length))),
      h(
        "div.btns",
        h("button.btn.small", { type: "button", onclick: jsonDialog, title: "View or edit the changeset as JSON" }, "JSON…"),
        h(
          "button.btn.small.ghost",
          {
            type: "button",
            disabled: !C.length,
            onclick: () => {
              app.act.setChanges([]);
              toast("Changeset cleared");
            },
          },
          "Clear",
        ),
      ),
    ),
    C.length ? h("ol.ops", { "aria-labelledby": "changeset-heading" }, items) : h("p.changeset-empty", "No pending changes. Drag users onto a business unit, or add a change below."),
    app.changesetErrors.length ? h("div", { style: { marginTop: "8px" } }, errorTable(app.changesetErrors)) : null,
    h(
      "div.add-change",
      { role: "group", "aria-label": "Add a change" },
      h("button.btn.small", { type: "button", id: "btn-add-move", onclick: () => moveDialog([...app.selected]) }, "+ Move users"),
      h("button.btn.small", { type: "button", onclick: () => reparentDialog(null) }, "+ Reparent unit"),
      h("button.btn.small", { type: "button", onclick: () => mergeDialog(null) }, "+ Merge units"),
      h("button.btn.small", { type: "button", onclick: () => disableDialog([...app.selected]) }, "+ Leaver"),
      h("button.btn.small", { type: "button", onclick: () => roleDialog([...app.selected], "assignRole") }, "+ Role"),
      h("button.btn.small", { type: "button", onclick: () => teamDialog([...app.selected]) }, "+ Team members"),
    ),
  );
}

// ---------------------------------------------------------------- impact

/** Totals and per (table, right) rows of an impact. */
export function aggregate(impact) {
  const rows = new Map();
  let usersGaining = 0;
  let usersLosing = 0;
  let gained = 0;
  let lost = 0;
  for (const uc of impact?.accessChanges || []) {
    if ((uc.gained || []).length) usersGaining++;
    if ((uc.lost || []).length) usersLosing++;
    for (const [dir, list] of [["gain", uc.gained || []], ["loss", uc.lost || []]]) {
      for (const g of list) {
        const key = `${g.table}|${g.right}`;
        if (!rows.has(key)) rows.set(key, { table: g.table, right: g.right, gainUsers: 0, gainCount: 0, lossUsers: 0, lossCount: 0, gain: [], loss: [] });
        const r = rows.get(key);
        r[`${dir}Users`]++;
        r[`${dir}Count`] += g.count;
        r[dir].push({ user: uc.user, count: g.count, sample: g.sample || [] });
        if (dir === "gain") gained += g.count;
        else lost += g.count;
      }
    }
  }
  const tableOrder = new Map((app.idx?.tables || []).map((t, i) => [t, i]));
  const list = [...rows.values()].sort((a, b) => (tableOrder.get(a.table) ?? 999) - (tableOrder.get(b.table) ?? 999) || RIGHTS.indexOf(a.right) - RIGHTS.indexOf(b.right));
  return { rows: list, usersGaining, usersLosing, gained, lost, usersAffected: (impact?.accessChanges || []).length };
}

export function renderImpactStatus() {
  const el = $("#impact-status");
  if (!el) return;
  const s = app.impactState;
  el.className = `impact-status ${s}`;
  const text =
    s === "running"
      ? "Simulating…"
      : s === "invalid"
        ? "Fix the changeset errors to see the impact"
        : s === "error"
          ? "The simulation failed"
          : s === "ok"
            ? `Up to date${app.impactEngineMs !== null && app.impactEngineMs !== undefined ? ` · simulate ${app.impactEngineMs.toFixed(0)} ms` : ""}`
            : "No pending changes";
  setChildren(el, h("span.dot", { "aria-hidden": "true" }), text);
}

function stat(key, value, label, cls = "") {
  return h("div.stat", { class: `stat ${cls}` }, h("span.v", { "data-stat": key }, n(value)), h("span.l", label));
}

export function renderImpact() {
  const host = $("#impact-summary");
  if (!host) return;
  const imp = app.impact;
  const agg = aggregate(imp);
  const warnings = imp?.warnings || [];
  const effects = imp?.sideEffects || [];
  const assertions = imp?.assertions || [];
  const hasChanges = app.changes.length > 0;
  const body = [];
  if (app.impactState === "error" && app.impactError) body.push(errorTable(app.impactError));
  if (imp) {
    body.push(
      h(
        "div.stats",
        stat("users-gaining", agg.usersGaining, "users gain access", "gain"),
        stat("users-losing", agg.usersLosing, "users lose access", "loss"),
        stat("grants-gained", agg.gained, "record rights gained", "gain"),
        stat("grants-lost", agg.lost, "record rights lost", "loss"),
        stat("side-effects", effects.length, "side effects"),
        stat("warnings", warnings.length, "warnings", warnings.length ? "warn" : ""),
      ),
    );
    if (agg.rows.length) {
      body.push(
        h(
          "table.data-table.impact-table",
          { "aria-label": "Access changes per table and right" },
          h("thead", h("tr", h("th", "Table · right"), h("th.num", "Gain"), h("th.num", "Loss"))),
          h(
            "tbody",
            agg.rows.slice(0, 10).map((r) => {
              const tr = h(
                "tr",
                { tabindex: "0", dataset: { table: r.table, right: r.right }, title: "Show the users and sample records" },
                h("td", `${r.table} · ${rightLabel(r.right)}`),
                h("td.num.gain", r.gainUsers ? `+${n(r.gainUsers)} users (${n(r.gainCount)})` : "—"),
                h("td.num.loss", r.lossUsers ? `−${n(r.lossUsers)} users (${n(r.lossCount)})` : "—"),
              );
              const go = () => {
                app.impactFocus = { table: r.table, right: r.right };
                invalidate("impact");
                selectTab("impact");
              };
              tr.addEventListener("click", go);
              tr.addEventListener("keydown", (e) => {
                if (e.key === "Enter" || e.key === " ") {
                  e.preventDefault();
                  go();
                }
              });
              return tr;
            }),
          ),
        ),
      );
      if (agg.rows.length > 10) body.push(h("p.muted", `and ${agg.rows.length - 10} more rows in the Impact tab`));
    } else {
      body.push(h("p.muted", "No user gains or loses access to any record."));
    }
    if (warnings.length) {
      body.push(h("h3", { style: { marginTop: "10px" } }, "Warnings"), h("ul.warning-list", warnings.slice(0, 4).map((w) => h("li", { title: w.message || "" }, h("strong", kindLabel(w.kind)), ": ", humanize(w.message, app.idx)))));
      if (warnings.length > 4) body.push(h("p.muted", `${warnings.length - 4} more warnings in the Impact tab`));
    }
    if (assertions.length) body.push(h("p", h("span.chip.warn", `${plural(assertions.length, "assertion")} would change`)));
    if (imp.records && imp.records.before !== imp.records.after) body.push(h("p.muted", `Records: ${n(imp.records.before)} → ${n(imp.records.after)}`));
  }
  setChildren(
    host,
    h(
      "div.section-head",
      h("h2", { id: "impact-heading" }, "Impact"),
      h(
        "button.btn.small",
        {
          type: "button",
          disabled: !imp,
          onclick: () => {
            invalidate("impact");
            selectTab("impact");
          },
        },
        "Details →",
      ),
    ),
    h("div#impact-status.impact-status", { role: "status" }),
    body,
    h(
      "div.apply-bar",
      h("button.btn.primary", { type: "button", id: "btn-apply", disabled: !hasChanges || app.impactState === "invalid", onclick: app.act.applyChanges }, hasChanges ? `Apply ${plural(app.changes.length, "change")}` : "Apply"),
      h("button.btn", { type: "button", disabled: !imp, onclick: () => app.act.exportWhat("impact"), title: "Download the access changes as CSV" }, "CSV"),
    ),
  );
  renderImpactStatus();
  invalidate("impact");
}

let drillLimit = 100;

/** Warnings grouped by kind, each group collapsible (the first few open). */
function warningGroups(warnings) {
  const groups = new Map();
  for (const w of warnings) {
    if (!groups.has(w.kind)) groups.set(w.kind, []);
    groups.get(w.kind).push(w);
  }
  return [...groups.entries()].map(([kind, list], i) =>
    h(
      "details.group",
      { open: i < 2 },
      h("summary", h("span.chip.warn", n(list.length)), kindLabel(kind)),
      h(
        "div.group-body",
        h("ul.warning-list", list.slice(0, 200).map((w) => h("li", { title: w.message || "" }, humanize(w.message, app.idx) || JSON.stringify(w)))),
        list.length > 200 ? h("p.muted", `… and ${n(list.length - 200)} more`) : null,
      ),
    ),
  );
}

export function renderImpactTab() {
  const panel = $("#panel-impact");
  const imp = app.impact;
  const idx = app.idx;
  const N = namer(idx);
  if (!imp) {
    setChildren(
      panel,
      h("div.panel-title", h("h2", "Impact")),
      h("p.empty-state", app.changes.length ? (app.impactState === "invalid" ? "The changeset has errors; fix them to see the impact." : "Simulating…") : "Add changes to the changeset to preview who gains and loses access."),
    );
    return;
  }
  const agg = aggregate(imp);
  if (!app.impactFocus && agg.rows.length) app.impactFocus = { table: agg.rows[0].table, right: agg.rows[0].right };
  const focus = app.impactFocus && agg.rows.find((r) => r.table === app.impactFocus.table && r.right === app.impactFocus.right);
  const drill = h("div.drill", { id: "impact-drill" });
  const rowsTable = h(
    "table.data-table.impact-table",
    h("caption.visually-hidden", "Access changes per table and right; select a row for the users and sample records"),
    h("thead", h("tr", h("th", "Table"), h("th", "Right"), h("th.num", "Users gaining"), h("th.num", "Records gained"), h("th.num", "Users losing"), h("th.num", "Records lost"))),
    h(
      "tbody",
      agg.rows.map((r) => {
        const sel = focus === r;
        const tr = h(
          "tr",
          { tabindex: "0", "aria-selected": String(sel), dataset: { table: r.table, right: r.right } },
          h("td", r.table),
          h("td", rightLabel(r.right)),
          h("td.num.gain", r.gainUsers ? `+${n(r.gainUsers)}` : "—"),
          h("td.num.gain", r.gainCount ? `+${n(r.gainCount)}` : "—"),
          h("td.num.loss", r.lossUsers ? `−${n(r.lossUsers)}` : "—"),
          h("td.num.loss", r.lossCount ? `−${n(r.lossCount)}` : "—"),
        );
        const go = () => {
          app.impactFocus = { table: r.table, right: r.right };
          drillLimit = 100;
          renderImpactTab();
          $(`#panel-impact tr[data-table="${CSS.escape(r.table)}"][data-right="${r.right}"]`)?.focus();
        };
        tr.addEventListener("click", go);
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            go();
          }
        });
        return tr;
      }),
    ),
  );
  if (focus) {
    const userList = (list, dir) =>
      list.length
        ? h(
            "div.table-scroll",
            h(
              "table.data-table",
              h("thead", h("tr", h("th", "User"), h("th", "Unit"), h("th.num", "Records"), h("th", "Sample records (explain)"))),
              h(
                "tbody",
                list
                  .slice()
                  .sort((a, b) => b.count - a.count)
                  .slice(0, drillLimit)
                  .map((g) =>
                    h(
                      "tr",
                      h("td", h("button.linklike", { type: "button", onclick: () => openAccess({ user: g.user, right: focus.right }) }, N.user(g.user))),
                      h("td.muted", N.unit(idx.userById.get(g.user)?.businessUnit)),
                      h("td.num", { class: `num ${dir}` }, `${dir === "gain" ? "+" : "−"}${n(g.count)}`),
                      h(
                        "td",
                        h(
                          "div.sample-list",
                          g.sample.slice(0, 5).map((rid) =>
                            h(
                              "button.chip",
                              {
                                type: "button",
                                title: `Explain ${focus.right} for ${N.user(g.user)} on ${N.record(rid)} (current version)`,
                                onclick: () => openAccess({ user: g.user, right: focus.right, record: rid, table: "" }),
                                style: { cursor: "pointer" },
                              },
                              N.record(rid),
                            ),
                          ),
                          g.count > g.sample.length ? h("span.muted", `+${n(g.count - g.sample.length)}`) : null,
                        ),
                      ),
                    ),
                  ),
              ),
            ),
            list.length > drillLimit
              ? h(
                  "button.btn.small",
                  {
                    type: "button",
                    onclick: () => {
                      drillLimit += 200;
                      renderImpactTab();
                    },
                  },
                  `Show more (${n(list.length - drillLimit)} left)`,
                )
              : null,
          )
        : h("p.muted", "None");
    setChildren(
      drill,
      h("h3", `${focus.table} · ${rightLabel(focus.right)}`),
      h("h3.gain", { style: { marginTop: "8px" } }, `Gaining (${n(focus.gainUsers)} users, ${n(focus.gainCount)} records)`),
      userList(focus.gain, "gain"),
      h("h3.loss", { style: { marginTop: "12px" } }, `Losing (${n(focus.lossUsers)} users, ${n(focus.lossCount)} records)`),
      userList(focus.loss, "loss"),
    );
  }
  const effects = imp.sideEffects || [];
  const warnings = imp.warnings || [];
  const asserts = imp.assertions || [];
  setChildren(
    panel,
    h("div.panel-title", h("h2", "Impact of the changeset"), h("span.muted", `${plural(app.changes.length, "change")} · ${plural(agg.usersAffected, "user")} affected`)),
    h(
      "div.stats",
      { style: { gridTemplateColumns: "repeat(auto-fit, minmax(140px, 1fr))" } },
      stat("users-gaining", agg.usersGaining, "users gain access", "gain"),
      stat("users-losing", agg.usersLosing, "users lose access", "loss"),
      stat("grants-gained", agg.gained, "record rights gained", "gain"),
      stat("grants-lost", agg.lost, "record rights lost", "loss"),
      stat("side-effects", effects.length, "side effects"),
      stat("warnings", warnings.length, "warnings", warnings.length ? "warn" : ""),
    ),
    h("div.card", h("h3", "Access changes"), agg.rows.length ? h("div.table-scroll", rowsTable) : h("p.muted", "No user gains or loses access to any record."), focus ? drill : null),
    warnings.length ? h("div.card", h("h3", `Warnings (${n(warnings.length)})`), warningGroups(warnings)) : null,
    h(
      "div.card",
      h("h3", `Side effects (${n(effects.length)})`),
      effects.length
        ? h(
            "ul.warning-list.side",
            effects.slice(0, 300).map((s) => h("li", typeof s.change === "number" ? h("span.chip", { title: describe(app.changes[s.change] || {}) }, `#${s.change + 1}`) : null, " ", h("strong", kindLabel(s.kind)), ": ", h("span", { title: s.message || "" }, humanize(s.message, app.idx) || JSON.stringify(s)))),
          )
        : h("p.muted", "None"),
      effects.length > 300 ? h("p.muted", `… and ${n(effects.length - 300)} more (export the impact CSV or the resulting snapshot)`) : null,
    ),
    asserts.length
      ? h(
          "div.card",
          h("h3", `Assertions that change (${asserts.length})`),
          h(
            "ul.warning-list",
            asserts.map((a) => {
              const as = a.assertion || a;
              return h(
                "li",
                h("span", { class: a.pass ? "chip ok" : "chip bad" }, a.pass ? "passes" : "fails"),
                " ",
                `${N.user(as.user)} ${as.expect ? "should" : "should not"} be able to ${as.right} ${N.record(as.record)}: `,
                `${a.before ? "allowed" : "denied"} → ${a.after ? "allowed" : "denied"}`,
                as.note ? h("span.muted", ` (${as.note})`) : null,
              );
            }),
          ),
        )
      : null,
    imp.records ? h("p.muted", `Records before: ${n(imp.records.before)} · after: ${n(imp.records.after)}`) : null,
  );
}

// ---------------------------------------------------------------- dialogs that add changes

/** A multi-user picker: combo + removable chips. */
function usersPicker(initial, label = "Users") {
  const ids = [...new Set(initial)];
  const chips = h("div.sample-list", { "aria-live": "polite" });
  const N = namer(app.idx);
  const draw = () =>
    setChildren(
      chips,
      ids.length
        ? ids.slice(0, 60).map((id, i) =>
            h(
              "span.chip",
              N.user(id),
              " ",
              h(
                "button.linklike",
                {
                  type: "button",
                  "aria-label": `Remove ${N.user(id)}`,
                  onclick: () => {
                    ids.splice(i, 1);
                    draw();
                  },
                },
                "✕",
              ),
            ),
          )
        : h("span.muted", "No user selected"),
      ids.length > 60 ? h("span.muted", `and ${n(ids.length - 60)} more`) : null,
    );
  const c = combo({
    label: ids.length ? `Add more ${label.toLowerCase()}` : label,
    placeholder: "Name or id…",
    search: (q) => userSearch(q),
    onPick: (it) => {
      if (it && !ids.includes(it.value)) ids.push(it.value);
      c.set(null);
      draw();
    },
  });
  draw();
  return { el: h("div.field", chips, c.el), ids };
}

function unitSelect(label, id, opts) {
  const sel = h(
    "select",
    { id, required: true },
    opts.map((o) => h("option", { value: o.value }, o.label)),
  );
  return { el: h("div.field", h("label", { for: id }, label), sel), sel };
}

export function moveDialog(ids) {
  const idx = app.idx;
  const users = usersPicker(ids);
  const unit = unitSelect("Move to business unit", "dlg-move-unit", unitOptions(idx, { any: "Choose a unit…" }));
  const moveRecords = h("input", { type: "checkbox", id: "dlg-move-records", checked: true });
  const handover = combo({ label: "Hand their records over to (optional)", placeholder: "Keep them", search: (q) => userSearch(q), id: "dlg-move-handover" });
  openDialog({
    title: "Move users",
    describe: "Moving a user removes their direct roles (unless the org keeps them), swaps default teams and may clear managers. The impact preview shows the consequences.",
    body: [users.el, unit.el, h("label.check", { for: "dlg-move-records" }, moveRecords, "Move their records to the new unit"), handover.el],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!users.ids.length) throw new Error("Pick at least one user");
      if (!unit.sel.value) throw new Error("Pick a business unit");
      const extra = {};
      if (!moveRecords.checked) extra.moveRecords = false;
      if (handover.value) extra.reassignRecordsTo = { user: handover.value };
      const moving = users.ids.filter((id) => idx.userById.get(id)?.businessUnit !== unit.sel.value);
      if (!moving.length) throw new Error("They are already in that unit");
      app.act.addChanges([moving.length === 1 ? { op: "moveUser", user: moving[0], businessUnit: unit.sel.value, ...extra } : { op: "moveUsers", users: moving, businessUnit: unit.sel.value, ...extra }]);
      return true;
    },
  });
}

export function roleDialog(ids, op = "assignRole") {
  const idx = app.idx;
  const users = usersPicker(ids);
  const modeId = "dlg-role-mode";
  const mode = h("select", { id: modeId }, h("option", { value: "assignRole", selected: op === "assignRole" }, "Assign"), h("option", { value: "removeRole", selected: op === "removeRole" }, "Remove"));
  const role = h(
    "select",
    { id: "dlg-role", required: true },
    h("option", { value: "" }, "Choose a role…"),
    idx.rolesSorted.map((r) => h("option", { value: r.id }, r.name)),
  );
  const across = !!idx.settings.ownershipAcrossBusinessUnits;
  const anchor = across ? unitSelect("Anchor business unit (optional)", "dlg-role-bu", unitOptions(idx, { any: "The user's own unit" })) : null;
  if (anchor) anchor.sel.required = false;
  openDialog({
    title: "Assign or remove a role",
    body: [users.el, h("div.form-grid", h("div.field", h("label", { for: modeId }, "Action"), mode), h("div.field", h("label", { for: "dlg-role" }, "Role"), role)), anchor?.el],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!users.ids.length) throw new Error("Pick at least one user");
      if (!role.value) throw new Error("Pick a role");
      const m = mode.value;
      const bu = anchor?.sel.value || undefined;
      const ops = [];
      let skipped = 0;
      for (const id of users.ids) {
        const u = idx.userById.get(id);
        const has = (u?.roles || []).some((r) => r.role === role.value && (r.businessUnit || undefined) === bu);
        if ((m === "assignRole" && has) || (m === "removeRole" && !has)) {
          skipped++;
          continue;
        }
        ops.push({ op: m, principal: { user: id }, role: role.value, ...(bu ? { businessUnit: bu } : {}) });
      }
      if (!ops.length) throw new Error(m === "assignRole" ? "They all hold this role already" : "None of them holds this role");
      app.act.addChanges(ops, { quiet: ops.length > 1 });
      if (ops.length > 1 || skipped) toast(`Added ${plural(ops.length, "role change")}${skipped ? ` (${n(skipped)} skipped: nothing to do)` : ""}`);
      return true;
    },
  });
}

export function teamDialog(ids) {
  const idx = app.idx;
  const users = usersPicker(ids);
  const teams = [...idx.teams.values()].sort((a, b) => a.name.localeCompare(b.name));
  const team = h(
    "select",
    { id: "dlg-team", required: true },
    h("option", { value: "" }, "Choose a team…"),
    teams.map((t) => h("option", { value: t.id }, `${t.name} (${t.kind}, ${n((t.members || []).length)} members)`)),
  );
  openDialog({
    title: "Add team members",
    body: [users.el, h("div.field", h("label", { for: "dlg-team" }, "Team"), team), teams.length ? null : h("p.muted", "This org has no owner or access teams.")],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!users.ids.length) throw new Error("Pick at least one user");
      if (!team.value) throw new Error("Pick a team");
      const t = idx.teams.get(team.value);
      const members = new Set(t?.members || []);
      const add = users.ids.filter((id) => !members.has(id));
      if (!add.length) throw new Error("They are all members already");
      app.act.addChanges([{ op: "addTeamMembers", team: team.value, users: add }]);
      return true;
    },
  });
}

export function disableDialog(ids) {
  const idx = app.idx;
  const N = namer(idx);
  const users = usersPicker(ids, "Leavers");
  const firstManager = ids.map((id) => idx.userById.get(id)?.manager).find(Boolean) || null;
  const handover = combo({
    label: "Hand their records over to",
    placeholder: "Nobody (records stay with the disabled user)",
    search: (q) => userSearch(q),
    id: "dlg-handover",
    value: firstManager,
    display: N.user,
  });
  const owned = ids.reduce((k, id) => k + (idx.ownedBy.get(id) || 0), 0);
  openDialog({
    title: "Disable a leaver",
    describe: ids.length ? `${ids.length === 1 ? N.user(ids[0]) + " owns" : "They own"} ${plural(owned, "record")}. Records owned by a disabled user stay reachable only through roles with a wide enough level.` : "Disable users and hand their records over.",
    body: [users.el, handover.el],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!users.ids.length) throw new Error("Pick at least one user");
      const to = handover.value;
      if (to && users.ids.includes(to)) throw new Error("Hand the records to someone who stays");
      app.act.addChanges(
        users.ids.map((id) => ({ op: "disableUser", user: id, ...(to ? { reassignRecordsTo: { user: to } } : {}) })),
        { quiet: users.ids.length > 1 },
      );
      if (users.ids.length > 1) toast(`Added ${plural(users.ids.length, "leaver")}`);
      return true;
    },
  });
}

export function reparentDialog(unitId) {
  const idx = app.idx;
  const from = unitSelect("Unit", "dlg-reparent-unit", unitOptions(idx, { any: "Choose a unit…", exclude: (u) => !u.parent }));
  if (unitId) from.sel.value = unitId;
  const to = unitSelect("New parent", "dlg-reparent-parent", []);
  const refill = () => {
    const f = from.sel.value;
    setChildren(
      to.sel,
      unitOptions(idx, { any: "Choose the new parent…", exclude: (u) => !!f && inSubtree(idx, u.id, f) }).map((o) => h("option", { value: o.value }, o.label)),
    );
  };
  from.sel.addEventListener("change", refill);
  refill();
  openDialog({
    title: "Reparent a business unit",
    describe: "Tip: you can also drag a unit onto another in the tree.",
    body: [from.el, to.el],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!from.sel.value || !to.sel.value) throw new Error("Pick both units");
      if (idx.units.get(from.sel.value)?.parent === to.sel.value) throw new Error("It is already there");
      app.act.addChanges([{ op: "reparentBusinessUnit", businessUnit: from.sel.value, parent: to.sel.value }]);
      return true;
    },
  });
}

export function mergeDialog(unitId) {
  const idx = app.idx;
  const from = unitSelect("Merge this unit…", "dlg-merge-from", unitOptions(idx, { any: "Choose a unit…", exclude: (u) => !u.parent }));
  if (unitId) from.sel.value = unitId;
  const into = unitSelect("…into", "dlg-merge-into", []);
  const refill = () => {
    const f = from.sel.value;
    setChildren(
      into.sel,
      unitOptions(idx, { any: "Choose the surviving unit…", exclude: (u) => !!f && inSubtree(idx, u.id, f) }).map((o) => h("option", { value: o.value }, o.label)),
    );
  };
  from.sel.addEventListener("change", refill);
  refill();
  openDialog({
    title: "Merge business units",
    describe: "Moves the child units, users, teams and records of the first unit into the second, then deletes the first.",
    body: [from.el, into.el],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!from.sel.value || !into.sel.value) throw new Error("Pick both units");
      app.act.addChanges([{ op: "mergeBusinessUnits", from: from.sel.value, into: into.sel.value }]);
      return true;
    },
  });
}

export function newUnitDialog(parent) {
  const idx = app.idx;
  const name = h("input", { type: "text", id: "dlg-unit-name", required: true, placeholder: "e.g. Sales North" });
  const id = h("input", { type: "text", id: "dlg-unit-id", required: true, placeholder: "e.g. sales-north" });
  name.addEventListener("input", () => {
    if (!id.dataset.touched) id.value = name.value.toLowerCase().trim().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  });
  id.addEventListener("input", () => (id.dataset.touched = "1"));
  openDialog({
    title: `New unit under ${idx.units.get(parent)?.name || parent}`,
    body: [h("div.field", h("label", { for: "dlg-unit-name" }, "Name"), name), h("div.field", h("label", { for: "dlg-unit-id" }, "Id"), id)],
    submitLabel: "Add to changeset",
    onSubmit: () => {
      if (!id.value.trim() || !name.value.trim()) throw new Error("Give the unit a name and an id");
      app.act.addChanges([{ op: "createBusinessUnit", id: id.value.trim(), name: name.value.trim(), parent }]);
      return true;
    },
  });
}

export function jsonDialog() {
  const ta = h("textarea", { id: "dlg-json", rows: "16", spellcheck: "false" });
  ta.value = JSON.stringify(app.changes, null, 2);
  const file = h("input", { type: "file", id: "dlg-json-file", accept: ".json,application/json" });
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (f) ta.value = await f.text();
  });
  openDialog({
    title: "Changeset as JSON",
    describe: "An array of SPEC §6 operations, or { \"changes\": [...] }. Edit it here or load a file.",
    wide: true,
    body: [h("label.visually-hidden", { for: "dlg-json" }, "Changeset JSON"), ta, h("div.field", h("label", { for: "dlg-json-file" }, "Load a changeset file"), file)],
    submitLabel: "Use this changeset",
    onSubmit: () => {
      let v;
      try {
        v = JSON.parse(ta.value || "[]");
      } catch (err) {
        throw new Error(`Invalid JSON: ${err.message}`);
      }
      const ops = Array.isArray(v) ? v : v && Array.isArray(v.changes) ? v.changes : null;
      if (!ops) throw new Error('Expected an array of operations or { "changes": [...] }');
      if (ops.some((o) => !o || typeof o !== "object" || typeof o.op !== "string")) throw new Error('Every operation needs an "op" name');
      app.act.setChanges(ops);
      return true;
    },
  });
}
