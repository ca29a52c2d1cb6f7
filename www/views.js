// Views over the current org: the unit tree and org chart, the user list, a
// user's effective privileges, the access checker, assertions, risks, history.

import { app, inSubtree, unitPath } from "./state.js";
import { h, $, $$, setChildren, n, plural, debounce, listJoin } from "./util.js";
import { combo, select, toast, errorTable } from "./ui.js";
import { VirtualList } from "./vlist.js";
import { RIGHTS, rightLabel, levelLabel, LEVEL_SHORT, categoryLabel, namer, explanationSentence, reasonClause, denialClause, kindLabel, humanize } from "./text.js";
import { errorList } from "./engine.js";
import * as changes from "./changes.js";

const TABS = ["users", "chart", "user", "access", "impact", "assertions", "risks", "history"];
const dirty = new Set();

export function init() {
  const tablist = $(".tabs");
  tablist.addEventListener("click", (e) => {
    const tab = e.target.closest("[role=tab]");
    if (tab) selectTab(tab.id.slice(4));
  });
  tablist.addEventListener("keydown", (e) => {
    const tabs = $$("[role=tab]", tablist);
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (e.key === "ArrowRight") j = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = tabs.length - 1;
    if (j !== null) {
      e.preventDefault();
      selectTab(tabs[j].id.slice(4), { focusTab: true });
    }
  });
  $("#unit-filter").addEventListener("input", debounce(renderTree, 120));
  initUsersPanel();
}

export function selectTab(name, { focusTab = false } = {}) {
  if (!TABS.includes(name)) return;
  app.tab = name;
  for (const t of TABS) {
    const tab = $(`#tab-${t}`);
    const on = t === name;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`#panel-${t}`).hidden = !on;
  }
  if (focusTab) $(`#tab-${name}`).focus();
  if (dirty.has(name) || name === "users") renderTab(name);
}

function renderTab(name) {
  dirty.delete(name);
  if (!app.idx) return;
  switch (name) {
    case "users":
      renderUsers();
      break;
    case "chart":
      renderChart();
      break;
    case "user":
      renderUser();
      break;
    case "access":
      renderAccess();
      break;
    case "impact":
      changes.renderImpactTab();
      break;
    case "assertions":
      renderAssertions();
      break;
    case "risks":
      renderRisks();
      break;
    case "history":
      renderHistory();
      break;
  }
}

/** Re-render after the org changed. */
export function renderAll() {
  renderTree();
  for (const t of TABS) dirty.add(t);
  renderTab(app.tab);
  renderTabBadges();
}

/** Mark a tab stale and re-render it if visible. */
export function invalidate(name) {
  dirty.add(name);
  if (app.tab === name) renderTab(name);
}

export function renderTabBadges() {
  const badge = (id, text, cls) => {
    const tab = $(`#tab-${id}`);
    let b = tab.querySelector(".tab-badge");
    if (!text) {
      b?.remove();
      return;
    }
    if (!b) {
      b = h("span.tab-badge");
      tab.append(b);
    }
    b.className = `tab-badge ${cls || ""}`;
    b.textContent = text;
  };
  if (!app.org) return;
  try {
    const res = app.org.checkAssertions();
    const failing = res.filter((r) => !r.pass).length;
    badge("assertions", res.length ? (failing ? `${failing}✗` : "✓") : "", failing ? "bad" : "");
    $("#tab-assertions").setAttribute("aria-description", failing ? `${failing} failing` : "all passing");
  } catch {
    badge("assertions", "");
  }
  const users = app.impact?.accessChanges?.length || 0;
  badge("impact", app.impact ? (users ? n(users) : "0") : "", users ? "warn" : "");
}

// ---------------------------------------------------------------- unit tree

const expanded = new Set();
let expandedFor = null;

function unitDragTypes(e) {
  const types = Array.from(e.dataTransfer?.types || []);
  return { users: types.includes("application/x-crm-users"), unit: types.includes("application/x-crm-unit") };
}

/** Make an element a drop target for users (move) and units (reparent). */
function dropTarget(el, unitId) {
  el.addEventListener("dragover", (e) => {
    const t = unitDragTypes(e);
    if (!t.users && !t.unit) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    el.classList.add("drop-target");
  });
  el.addEventListener("dragleave", () => el.classList.remove("drop-target"));
  el.addEventListener("drop", (e) => {
    el.classList.remove("drop-target");
    const t = unitDragTypes(e);
    if (!t.users && !t.unit) return;
    e.preventDefault();
    e.stopPropagation();
    if (t.users) {
      const ids = JSON.parse(e.dataTransfer.getData("application/x-crm-users") || "[]");
      moveUsersTo(ids, unitId);
    } else {
      const from = e.dataTransfer.getData("application/x-crm-unit");
      reparentUnit(from, unitId);
    }
  });
}

export function moveUsersTo(ids, unitId, extra = {}) {
  const idx = app.idx;
  const moving = ids.filter((id) => idx.userById.get(id)?.businessUnit !== unitId);
  if (!moving.length) {
    toast(`${ids.length === 1 ? "That user is" : "Those users are"} already in ${idx.units.get(unitId)?.name || unitId}`);
    return;
  }
  const op = moving.length === 1 ? { op: "moveUser", user: moving[0], businessUnit: unitId, ...extra } : { op: "moveUsers", users: moving, businessUnit: unitId, ...extra };
  app.act.addChanges([op]);
}

function reparentUnit(from, to) {
  const idx = app.idx;
  if (!from || from === to) return;
  if (inSubtree(idx, to, from)) {
    toast(`Cannot move ${idx.units.get(from)?.name} under its own sub-unit`, "error");
    return;
  }
  if (idx.units.get(from)?.parent === to) {
    toast(`${idx.units.get(from)?.name} is already under ${idx.units.get(to)?.name}`);
    return;
  }
  app.act.addChanges([{ op: "reparentBusinessUnit", businessUnit: from, parent: to }]);
}

export function renderTree() {
  const idx = app.idx;
  const host = $("#unit-tree");
  if (!idx || !idx.root) {
    setChildren(host);
    return;
  }
  if (expandedFor !== idx.root.id) {
    expanded.clear();
    for (const u of idx.unitOrder) if (u.depth < 2) expanded.add(u.id);
    expandedFor = idx.root.id;
  }
  const q = $("#unit-filter").value.trim().toLowerCase();
  let visibleSet = null;
  if (q) {
    visibleSet = new Set();
    for (const u of idx.unitOrder) {
      if (u.name.toLowerCase().includes(q) || u.id.toLowerCase().includes(q)) {
        let a = u;
        while (a && !visibleSet.has(a.id)) {
          visibleSet.add(a.id);
          a = a.parent ? idx.units.get(a.parent) : null;
        }
      }
    }
  }
  const maxUsers = Math.max(1, ...idx.unitOrder.map((u) => u.subtreeUsers));
  const selectedUnit = app.filters.unit;
  let focusable = false;
  const node = (u) => {
    if (visibleSet && !visibleSet.has(u.id)) return null;
    const kids = u.children.filter((c) => !visibleSet || visibleSet.has(c.id));
    const open = visibleSet ? true : expanded.has(u.id);
    const isSel = selectedUnit === u.id;
    const item = h("div.tree-item", {
      role: "treeitem",
      "aria-level": String(u.depth + 1),
      "aria-selected": String(isSel),
      "aria-expanded": kids.length ? String(open) : undefined,
      "aria-label": `${u.name}, ${plural(u.users, "user")}${u.children.length ? `, ${n(u.subtreeUsers)} with sub-units` : ""}${u.disabled ? ", disabled" : ""}`,
      tabindex: isSel || (!selectedUnit && u === idx.root) ? "0" : "-1",
      dataset: { unit: u.id },
    });
    if (item.tabIndex === 0) focusable = true;
    const row = h(
      "div.tree-row",
      {
        class: `tree-row${u.blocked ? " disabled" : ""}`,
        "aria-selected": String(isSel),
        style: { paddingLeft: `${u.depth * 12}px` },
        draggable: u.parent ? "true" : "false",
        title: `${unitPath(idx, u.id)}\n${plural(u.users, "user")} directly, ${n(u.subtreeUsers)} including sub-units`,
      },
      h(
        "button.tree-toggle",
        {
          type: "button",
          tabindex: "-1",
          "aria-hidden": "true",
          class: `tree-toggle${kids.length ? "" : " leaf"}`,
          onclick: (e) => {
            e.stopPropagation();
            toggle(u.id);
          },
        },
        open ? "▾" : "▸",
      ),
      h("span.tree-name", u.name),
      h("span.count", u.children.length ? n(u.subtreeUsers) : n(u.users)),
    );
    row.addEventListener("click", () => focusUnit(u.id));
    row.addEventListener("dragstart", (e) => {
      e.dataTransfer.setData("application/x-crm-unit", u.id);
      e.dataTransfer.setData("text/plain", u.name);
      e.dataTransfer.effectAllowed = "move";
    });
    dropTarget(row, u.id);
    item.append(row);
    if (kids.length && open) item.append(h("div", { role: "group" }, kids.map(node)));
    void maxUsers;
    return item;
  };
  const prevFocus = host.contains(document.activeElement) ? document.activeElement.dataset.unit : null;
  setChildren(host, node(idx.root));
  if (!focusable) host.querySelector("[role=treeitem]")?.setAttribute("tabindex", "0");
  if (prevFocus) host.querySelector(`[data-unit="${CSS.escape(prevFocus)}"]`)?.focus();
}

function toggle(id) {
  if (expanded.has(id)) expanded.delete(id);
  else expanded.add(id);
  renderTree();
}

function focusUnit(id) {
  app.filters.unit = app.filters.unit === id && app.tab === "users" ? "" : id;
  renderTree();
  selectTab("users");
  renderUsers({ resetScroll: true });
}

$("#unit-tree")?.addEventListener("keydown", (e) => {
  const item = e.target.closest("[role=treeitem]");
  if (!item) return;
  const items = $$("[role=treeitem]", $("#unit-tree"));
  const i = items.indexOf(item);
  const id = item.dataset.unit;
  const go = (el) => {
    if (!el) return;
    items.forEach((x) => (x.tabIndex = -1));
    el.tabIndex = 0;
    el.focus();
  };
  switch (e.key) {
    case "ArrowDown":
      e.preventDefault();
      go(items[i + 1]);
      break;
    case "ArrowUp":
      e.preventDefault();
      go(items[i - 1]);
      break;
    case "ArrowRight":
      e.preventDefault();
      if (item.getAttribute("aria-expanded") === "false") toggle(id);
      else go(items[i + 1]);
      break;
    case "ArrowLeft": {
      e.preventDefault();
      if (item.getAttribute("aria-expanded") === "true") toggle(id);
      else go(item.parentElement?.closest("[role=treeitem]"));
      break;
    }
    case "Enter":
    case " ":
      e.preventDefault();
      focusUnit(id);
      break;
  }
});

// ---------------------------------------------------------------- org chart

let chartFocus = null;

/** Drill-down org chart: the path to the focused unit, the unit, and a card per child unit. */
function renderChart() {
  const idx = app.idx;
  const panel = $("#panel-chart");
  if (!idx.root) {
    setChildren(panel, h("p.empty-state", "No business units"));
    return;
  }
  if (!chartFocus || !idx.units.get(chartFocus)) chartFocus = idx.root.id;
  const focus = idx.units.get(chartFocus);
  const maxUsers = Math.max(1, ...focus.children.map((u) => u.subtreeUsers));
  const path = [];
  for (let u = focus; u; u = u.parent ? idx.units.get(u.parent) : null) path.unshift(u);
  const drill = (id) => {
    chartFocus = id;
    renderChart();
    $("#panel-chart .oc-focus .oc-name")?.focus();
  };
  const usersBtn = (u) => h("button.btn.small", { type: "button", onclick: () => focusUnit(u.id), "aria-label": `Show the users of ${u.name}` }, "Users");
  const card = (u) => {
    const el = h(
      "div.oc-card",
      { class: `oc-card${u.blocked ? " disabled" : ""}`, draggable: "true", dataset: { unit: u.id } },
      h(
        "div.oc-head",
        u.children.length
          ? h("button.linklike.oc-name", { type: "button", onclick: () => drill(u.id), title: `Open ${u.name}` }, u.name, " ›")
          : h("span.oc-name", u.name),
        usersBtn(u),
      ),
      h("div.oc-meta", h("span", plural(u.users, "user")), u.children.length ? h("span", `${n(u.subtreeUsers)} in subtree`) : null, u.disabled ? h("span.chip.bad", "disabled") : null),
      h("span.oc-bar", { "aria-hidden": "true" }, h("span", { style: { width: `${Math.max(2, (100 * u.subtreeUsers) / maxUsers)}%` } })),
      u.children.length
        ? h(
            "div.oc-subs",
            u.children.slice(0, 8).map((c) => {
              const chip = h("button.chip.oc-sub", { type: "button", dataset: { unit: c.id }, title: `${c.name}: ${plural(c.subtreeUsers, "user")}`, onclick: () => drill(c.children.length ? c.id : u.id) }, `${c.name} · ${n(c.subtreeUsers)}`);
              dropTarget(chip, c.id);
              return chip;
            }),
            u.children.length > 8 ? h("span.muted", `+${u.children.length - 8} more`) : null,
          )
        : null,
    );
    el.addEventListener("dragstart", (e) => {
      if (e.target !== el) return;
      e.dataTransfer.setData("application/x-crm-unit", u.id);
      e.dataTransfer.effectAllowed = "move";
    });
    dropTarget(el, u.id);
    return el;
  };
  const focusCard = h(
    "div.oc-focus",
    { dataset: { unit: focus.id } },
    h(
      "div.oc-head",
      h("h3.oc-name", { tabindex: "-1" }, focus.name),
      h("span.muted", `${plural(focus.users, "user")} directly · ${n(focus.subtreeUsers)} in subtree · ${plural(focus.children.length, "sub-unit")}`),
      focus.disabled ? h("span.chip.bad", "disabled") : null,
      h("span", { style: { flex: "1" } }),
      usersBtn(focus),
    ),
  );
  dropTarget(focusCard, focus.id);
  setChildren(
    panel,
    h("div.panel-title", h("h2", "Org chart"), h("span.muted", `${plural(idx.unitOrder.length, "business unit")} · ${plural(idx.users.length, "user")}. Drop users on a unit to move them, or a unit on another to reparent it.`)),
    h(
      "nav.breadcrumb",
      { "aria-label": "Path to the unit" },
      path.map((u, i) =>
        i < path.length - 1
          ? [h("button.linklike", { type: "button", onclick: () => drill(u.id) }, u.name), h("span.muted", { "aria-hidden": "true" }, " › ")]
          : h("span", { "aria-current": "page" }, u.name),
      ),
    ),
    focusCard,
    focus.children.length ? h("div.oc-grid", focus.children.map(card)) : h("p.empty-state", "No sub-units."),
  );
}

// ---------------------------------------------------------------- users list

let usersVList = null;
let filteredUsers = [];
let lastClicked = -1;
let usersEls = null;

function initUsersPanel() {
  const panel = $("#panel-users");
  const f = app.filters;
  const q = h("input", { type: "search", id: "user-search", placeholder: "Name or id…", autocomplete: "off" });
  q.addEventListener(
    "input",
    debounce(() => {
      f.q = q.value;
      renderUsers({ resetScroll: true });
    }, 120),
  );
  const unitSel = h("select", { id: "filter-unit" });
  const sub = h("input", { type: "checkbox", id: "filter-sub", checked: true });
  const roleSel = h("select", { id: "filter-role" });
  const catSel = h("select", { id: "filter-category" });
  const statusSel = h(
    "select",
    { id: "filter-status" },
    h("option", { value: "" }, "Any status"),
    h("option", { value: "enabled" }, "Enabled"),
    h("option", { value: "disabled" }, "Disabled"),
    h("option", { value: "norole" }, "No direct role"),
  );
  const on = (el, key, prop = "value") =>
    el.addEventListener("change", () => {
      f[key] = el[prop];
      if (key === "unit") renderTree();
      renderUsers({ resetScroll: true });
    });
  on(unitSel, "unit");
  on(sub, "sub", "checked");
  on(roleSel, "role");
  on(catSel, "category");
  on(statusSel, "status");
  const context = h("div.unit-context", { hidden: true });
  const selBar = h("div.selection-bar", { role: "toolbar", "aria-label": "Selected users" });
  const selectAll = h("input", { type: "checkbox", id: "select-all", "aria-label": "Select all listed users" });
  selectAll.addEventListener("change", () => {
    if (selectAll.checked) for (const u of filteredUsers) app.selected.add(u.id);
    else for (const u of filteredUsers) app.selected.delete(u.id);
    usersVList.refresh();
    renderSelectionBar();
  });
  const viewport = h("div.users-list-viewport", { tabindex: "-1" });
  panel.append(
    context,
    h(
      "div.filters",
      { role: "search", "aria-label": "Filter users" },
      h("div.field.grow", h("label", { for: "user-search" }, "Search users"), q),
      h("div.field", h("label", { for: "filter-unit" }, "Business unit"), unitSel),
      h("label.check", { for: "filter-sub" }, sub, "incl. sub-units"),
      h("div.field", h("label", { for: "filter-role" }, "Role"), roleSel),
      h("div.field", h("label", { for: "filter-category" }, "Category"), catSel),
      h("div.field", h("label", { for: "filter-status" }, "Status"), statusSel),
    ),
    selBar,
    h(
      "div.users-table",
      h("div.users-head", { "aria-hidden": "false" }, h("div", selectAll), h("div", "User"), h("div", "Business unit"), h("div", "Roles"), h("div", "Category")),
      viewport,
    ),
  );
  usersEls = { q, unitSel, sub, roleSel, catSel, statusSel, context, selBar, selectAll, viewport };
  usersVList = new VirtualList(viewport, { rowHeight: 40, renderRow: userRow, label: "Users" });
}

function fillSelect(sel, options, value) {
  const key = JSON.stringify(options);
  if (sel.dataset.key !== key) {
    setChildren(
      sel,
      options.map((o) => h("option", { value: o.value }, o.label)),
    );
    sel.dataset.key = key;
  }
  sel.value = value;
  if (sel.value !== value) sel.value = "";
}

export function unitOptions(idx, { any = null, exclude = null } = {}) {
  const opts = any ? [{ value: "", label: any }] : [];
  for (const u of idx.unitOrder) {
    if (exclude && exclude(u)) continue;
    opts.push({ value: u.id, label: `${"\u00a0\u00a0".repeat(u.depth)}${u.name}${u.disabled ? " (disabled)" : ""}` });
  }
  return opts;
}

function filterUsers() {
  const idx = app.idx;
  const f = app.filters;
  const q = f.q.trim().toLowerCase();
  let unitSet = null;
  if (f.unit) {
    unitSet = new Set([f.unit]);
    if (f.sub) for (const u of idx.unitOrder) if (inSubtree(idx, u.id, f.unit)) unitSet.add(u.id);
  }
  return idx.users.filter((u) => {
    if (unitSet && !unitSet.has(u.businessUnit)) return false;
    if (f.role && !(u.roles || []).some((r) => r.role === f.role)) return false;
    if (f.category && (u.category || "") !== f.category) return false;
    if (f.status === "enabled" && u.disabled) return false;
    if (f.status === "disabled" && !u.disabled) return false;
    if (f.status === "norole" && (u.roles || []).length) return false;
    if (q && !u.name.toLowerCase().includes(q) && !u.id.toLowerCase().includes(q)) return false;
    return true;
  });
}

export function renderUsers({ resetScroll = false } = {}) {
  const idx = app.idx;
  if (!idx || !usersEls) return;
  const f = app.filters;
  const E = usersEls;
  fillSelect(E.unitSel, unitOptions(idx, { any: "Any unit" }), f.unit);
  fillSelect(E.roleSel, [{ value: "", label: "Any role" }, ...idx.rolesSorted.map((r) => ({ value: r.id, label: r.name }))], f.role);
  const cats = [...new Set(["front-office", "back-office", "commercial", ...idx.categories])];
  fillSelect(E.catSel, [{ value: "", label: "Any category" }, ...cats.map((c) => ({ value: c, label: categoryLabel(c) }))], f.category);
  E.statusSel.value = f.status;
  E.sub.checked = f.sub;
  if (E.q.value !== f.q) E.q.value = f.q;

  // Unit context bar with unit actions.
  const unit = f.unit ? idx.units.get(f.unit) : null;
  E.context.hidden = !unit;
  if (unit) {
    setChildren(
      E.context,
      h("span", h("strong", unit.name), " ", h("span.muted", `${plural(unit.users, "user")}${unit.children.length ? `, ${n(unit.subtreeUsers)} with sub-units` : ""}${unit.disabled ? " · disabled" : ""}`)),
      h("span", { style: { flex: "1" } }),
      unit.parent ? h("button.btn.small", { type: "button", onclick: () => changes.reparentDialog(unit.id) }, "Reparent…") : null,
      unit.parent ? h("button.btn.small", { type: "button", onclick: () => changes.mergeDialog(unit.id) }, "Merge into…") : null,
      h("button.btn.small", { type: "button", onclick: () => changes.newUnitDialog(unit.id) }, "New sub-unit…"),
      unit.parent
        ? h(
            "button.btn.small",
            { type: "button", onclick: () => app.act.addChanges([{ op: unit.disabled ? "enableBusinessUnit" : "disableBusinessUnit", businessUnit: unit.id }]) },
            unit.disabled ? "Enable" : "Disable",
          )
        : null,
      h(
        "button.btn.small.ghost",
        {
          type: "button",
          onclick: () => {
            f.unit = "";
            renderTree();
            renderUsers({ resetScroll: true });
          },
        },
        "✕ Clear unit",
      ),
    );
  }
  filteredUsers = filterUsers();
  usersVList.setItems(filteredUsers, { keepScroll: !resetScroll });
  lastClicked = -1;
  renderSelectionBar();
}

function renderSelectionBar() {
  const E = usersEls;
  const sel = [...app.selected];
  const shownSelected = filteredUsers.reduce((k, u) => k + (app.selected.has(u.id) ? 1 : 0), 0);
  E.selectAll.checked = filteredUsers.length > 0 && shownSelected === filteredUsers.length;
  E.selectAll.indeterminate = shownSelected > 0 && shownSelected < filteredUsers.length;
  const total = app.idx.users.length;
  const countText = h("span.muted", { id: "users-count", "aria-live": "polite" }, filteredUsers.length === total ? `${plural(total, "user")}` : `${n(filteredUsers.length)} of ${plural(total, "user")}`);
  if (!sel.length) {
    countText.append(" · select users to move them, change roles or teams, or drag them onto a unit");
    setChildren(E.selBar, countText);
    return;
  }
  setChildren(
    E.selBar,
    h("span.sel-count", `${n(sel.length)} selected`),
    h("button.btn.small.primary", { type: "button", onclick: () => changes.moveDialog(sel) }, "Move to…"),
    h("button.btn.small", { type: "button", onclick: () => changes.roleDialog(sel, "assignRole") }, "Assign role…"),
    h("button.btn.small", { type: "button", onclick: () => changes.roleDialog(sel, "removeRole") }, "Remove role…"),
    h("button.btn.small", { type: "button", onclick: () => changes.teamDialog(sel) }, "Add to team…"),
    h("button.btn.small", { type: "button", onclick: () => changes.disableDialog(sel) }, "Disable & hand over…"),
    h(
      "button.btn.small.ghost",
      {
        type: "button",
        onclick: () => {
          app.selected.clear();
          usersVList.refresh();
          renderSelectionBar();
        },
      },
      "Clear selection",
    ),
    countText,
  );
}

function userRow(u, i) {
  const idx = app.idx;
  const selected = app.selected.has(u.id);
  const cb = h("input", { type: "checkbox", checked: selected, "aria-label": `Select ${u.name}` });
  cb.addEventListener("click", (e) => {
    if (e.shiftKey && lastClicked >= 0) {
      const [a, b] = [Math.min(lastClicked, i), Math.max(lastClicked, i)];
      for (let k = a; k <= b; k++) {
        if (cb.checked) app.selected.add(filteredUsers[k].id);
        else app.selected.delete(filteredUsers[k].id);
      }
    } else if (cb.checked) app.selected.add(u.id);
    else app.selected.delete(u.id);
    lastClicked = i;
    usersVList.refresh();
    renderSelectionBar();
  });
  const roles = (u.roles || []).map((r) => idx.roles.get(r.role)?.name || r.role);
  const unit = idx.units.get(u.businessUnit);
  const row = h(
    "div.user-row",
    { class: `user-row${selected ? " selected" : ""}`, draggable: "true", dataset: { index: String(i), user: u.id } },
    h("div.cell", cb),
    h(
      "div.cell",
      h("button.linklike.user-name", { type: "button", onclick: () => openUser(u.id) }, u.name),
      h("span.user-id", u.id),
      u.disabled ? h("span.chip.disabled", { style: { marginLeft: "6px" } }, "disabled") : null,
    ),
    h("div.cell", { title: unitPath(idx, u.businessUnit) }, unit ? unit.name : u.businessUnit),
    h(
      "div.cell",
      { title: roles.join(", ") },
      roles.length ? [h("span.chip", roles[0]), roles.length > 1 ? h("span.chip", { "aria-label": `and ${roles.length - 1} more` }, `+${roles.length - 1}`) : null] : h("span.chip.warn", "no role"),
    ),
    h("div.cell", u.category ? h(`span.chip.cat-${u.category}`, categoryLabel(u.category)) : null),
  );
  row.addEventListener("dragstart", (e) => {
    const ids = app.selected.has(u.id) ? [...app.selected] : [u.id];
    e.dataTransfer.setData("application/x-crm-users", JSON.stringify(ids));
    e.dataTransfer.setData("text/plain", ids.map((id) => idx.userById.get(id)?.name || id).join(", "));
    e.dataTransfer.effectAllowed = "move";
    const ghost = h("div.toast", { style: { position: "fixed", top: "-100px", left: "0" } }, ids.length === 1 ? `Move ${u.name}` : `Move ${n(ids.length)} users`);
    document.body.append(ghost);
    e.dataTransfer.setDragImage(ghost, 10, 10);
    setTimeout(() => ghost.remove(), 0);
    row.classList.add("dragging");
  });
  row.addEventListener("dragend", () => row.classList.remove("dragging"));
  return row;
}

// ---------------------------------------------------------------- user detail

export function openUser(id) {
  app.currentUser = id;
  dirty.add("user");
  selectTab("user");
  $("#panel-user h2")?.focus?.();
}

export function userSearch(q, limit = 40) {
  const idx = app.idx;
  const s = q.toLowerCase();
  const out = [];
  for (const u of idx.users) {
    if (!s || u.name.toLowerCase().includes(s) || u.id.toLowerCase().includes(s)) {
      out.push({ value: u.id, label: u.name, detail: `${u.id} · ${idx.units.get(u.businessUnit)?.name || u.businessUnit}${u.disabled ? " · disabled" : ""}` });
      if (out.length >= limit) break;
    }
  }
  return out;
}

export function recordSearch(q, table = "", limit = 40) {
  const idx = app.idx;
  const s = q.toLowerCase();
  const out = [];
  const pool = table ? idx.recordsByTable.get(table) || [] : app.snap.records;
  for (const r of pool) {
    const name = r.name || r.id;
    if (!s || name.toLowerCase().includes(s) || r.id.toLowerCase().includes(s)) {
      const owner = r.owner ? (r.owner.user ? idx.userById.get(r.owner.user)?.name || r.owner.user : `team ${idx.teams.get(r.owner.team)?.name || r.owner.team}`) : "organization";
      out.push({ value: r.id, label: name, detail: `${r.table} · ${r.id} · ${owner}` });
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Normalise effectivePrivileges() output into Map(table -> {right -> {level, sources}}). */
function normPrivileges(list) {
  const out = new Map();
  const arr = Array.isArray(list) ? list : list && typeof list === "object" ? Object.entries(list).map(([table, v]) => ({ table, ...v })) : [];
  for (const ta of arr) {
    const m = {};
    const put = (right, v) => {
      if (v === null || v === undefined) return;
      m[right] = typeof v === "string" ? { level: v, sources: [] } : { level: v.level || v.best || "none", sources: v.sources || v.grants || [] };
    };
    if (Array.isArray(ta.rights)) for (const r of ta.rights) put(r.right, r);
    else if (Array.isArray(ta.privileges)) for (const r of ta.privileges) put(r.right, r);
    else if (ta.privileges && typeof ta.privileges === "object") for (const [k, v] of Object.entries(ta.privileges)) put(k, v);
    else for (const k of RIGHTS) if (ta[k] !== undefined) put(k, ta[k]);
    out.set(ta.table, m);
  }
  return out;
}

function sourceText(s, N) {
  if (typeof s === "string") return s;
  const role = s.role ? `role ${N.role(s.role)}` : "a role";
  const viaTeam = s.team || (s.via && typeof s.via === "object" && s.via.team);
  const via = viaTeam ? ` via team ${N.team(viaTeam)}` : s.via === "team" ? " via a team" : " assigned directly";
  const lvl = s.level ? ` — ${levelLabel(s.level)}` : "";
  const anchor = s.anchor || s.businessUnit;
  const scope = s.scope && s.scope !== "personal" ? ` (team scope${typeof s.scope === "object" && s.scope.team ? ` ${N.team(s.scope.team)}` : ""})` : "";
  return `${role}${via}${lvl}${anchor ? `, anchored at ${N.unit(anchor)}` : ""}${scope}`;
}

let privFocus = null;

function renderUser() {
  const idx = app.idx;
  const panel = $("#panel-user");
  const N = namer(idx);
  const picker = combo({
    label: "User",
    placeholder: "Find a user by name or id…",
    search: (q) => userSearch(q),
    onPick: (it) => it && openUser(it.value),
  });
  const u = app.currentUser ? idx.userById.get(app.currentUser) : null;
  if (!u) {
    setChildren(panel, h("div.panel-title", h("h2", { tabindex: "-1" }, "User")), h("div", { style: { maxWidth: "420px" } }, picker.el), h("p.empty-state", "Pick a user here or click a name in the Users list."));
    return;
  }
  let privs;
  let privError = null;
  try {
    privs = normPrivileges(app.org.effectivePrivileges(u.id));
  } catch (err) {
    privs = new Map();
    privError = errorList(err);
  }
  const counts = new Map();
  for (const t of idx.tables) {
    try {
      const r = app.org.accessibleRecords(u.id, "read", { table: t, offset: 0, limit: 0 }).total;
      const w = app.org.accessibleRecords(u.id, "write", { table: t, offset: 0, limit: 0 }).total;
      counts.set(t, { r, w, of: (idx.recordsByTable.get(t) || []).length });
    } catch {
      counts.set(t, null);
    }
  }
  const teams = idx.teamsByUser.get(u.id) || [];
  const reports = idx.reports.get(u.id) || [];
  const unit = idx.units.get(u.businessUnit);
  const initials = u.name
    .split(/\s+/)
    .map((p) => p[0])
    .slice(0, 2)
    .join("")
    .toUpperCase();
  const sourcesBox = h("div.sources", { id: "priv-sources", "aria-live": "polite" }, "Select a level to see where it comes from.");
  const showSources = (table, right, cell) => {
    privFocus = { table, right };
    $$(".lvl-btn[aria-pressed=true]", panel).forEach((b) => b.setAttribute("aria-pressed", "false"));
    cell?.setAttribute("aria-pressed", "true");
    const p = privs.get(table)?.[right];
    if (!p || !p.level || p.level === "none") {
      setChildren(sourcesBox, h("strong", `${rightLabel(right)} on ${table}: `), "none — no role grants it.");
      return;
    }
    setChildren(
      sourcesBox,
      h("strong", `${rightLabel(right)} on ${table}: ${levelLabel(p.level)}`),
      h("ul", (p.sources.length ? p.sources : ["(no source listed)"]).map((s) => h("li", sourceText(s, N)))),
    );
  };
  const tableRows = idx.tables.map((t) => {
    const p = privs.get(t) || {};
    const c = counts.get(t);
    return h(
      "tr",
      h("th", { scope: "row" }, t),
      RIGHTS.map((r) => {
        const lv = p[r]?.level || "none";
        const btn = h(
          "button.lvl-btn",
          {
            type: "button",
            class: `lvl-btn lvl-${lv}`,
            "aria-pressed": "false",
            "aria-label": `${rightLabel(r)} on ${t}: ${levelLabel(lv)}`,
            title: p[r]?.sources?.length ? p[r].sources.map((s) => sourceText(s, N)).join("\n") : levelLabel(lv),
            dataset: { table: t, right: r },
          },
          LEVEL_SHORT[lv] || lv,
        );
        btn.addEventListener("click", () => showSources(t, r, btn));
        return h("td.lvl", btn);
      }),
      h("td.num", c ? h("span", { title: `of ${n(c.of)} ${t} records` }, n(c.r)) : "—"),
      h("td.num", c ? n(c.w) : "—"),
    );
  });
  const roleItems = (u.roles || []).map((r) =>
    h(
      "li",
      h("span", N.role(r.role), r.businessUnit ? h("span.muted", ` in ${N.unit(r.businessUnit)}`) : null),
      " ",
      h(
        "button.btn.small.ghost",
        {
          type: "button",
          "aria-label": `Remove role ${N.role(r.role)} from ${u.name}`,
          onclick: () => app.act.addChanges([{ op: "removeRole", principal: { user: u.id }, role: r.role, ...(r.businessUnit ? { businessUnit: r.businessUnit } : {}) }]),
        },
        "Remove",
      ),
    ),
  );
  const owned = idx.ownedBy.get(u.id) || 0;
  setChildren(
    panel,
    h("div", { style: { maxWidth: "420px", marginBottom: "12px" } }, picker.el),
    h(
      "div.user-header",
      h("div.avatar", { "aria-hidden": "true" }, initials),
      h(
        "div",
        { style: { flex: "1", minWidth: "240px" } },
        h("h2", { tabindex: "-1", style: { fontSize: "19px" } }, u.name, " ", h("span.user-id", u.id)),
        h(
          "div",
          u.disabled ? h("span.chip.disabled", "disabled") : h("span.chip.ok", "enabled"),
          u.category ? h(`span.chip.cat-${u.category}`, categoryLabel(u.category)) : null,
          unit?.blocked ? h("span.chip.bad", "unit disabled") : null,
        ),
        h(
          "dl.kv",
          h("dt", "Business unit"),
          h("dd", h("button.linklike", { type: "button", onclick: () => focusUnit(u.businessUnit) }, unitPath(idx, u.businessUnit))),
          h("dt", "Manager"),
          h("dd", u.manager ? h("button.linklike", { type: "button", onclick: () => openUser(u.manager) }, N.user(u.manager)) : h("span.muted", "none")),
          h("dt", "Direct reports"),
          h("dd", reports.length ? listJoin(reports.map(N.user), 5) : h("span.muted", "none")),
          h("dt", "Teams"),
          h("dd", teams.length ? listJoin(teams.map(N.team), 6) : h("span.muted", "default team only")),
          h("dt", "Owns"),
          h("dd", plural(owned, "record")),
        ),
      ),
      h(
        "div",
        { style: { minWidth: "220px" } },
        h("h3", "Roles"),
        roleItems.length ? h("ul", { style: { margin: "4px 0", paddingLeft: "18px" } }, roleItems) : h("p.muted", "No direct role"),
        h(
          "div.actions",
          h("button.btn.small", { type: "button", onclick: () => changes.roleDialog([u.id], "assignRole") }, "Assign role…"),
          h("button.btn.small", { type: "button", onclick: () => changes.moveDialog([u.id]) }, "Move to…"),
          h("button.btn.small", { type: "button", onclick: () => changes.teamDialog([u.id]) }, "Add to team…"),
          u.disabled
            ? h("button.btn.small", { type: "button", onclick: () => app.act.addChanges([{ op: "enableUser", user: u.id }]) }, "Enable")
            : h("button.btn.small", { type: "button", onclick: () => changes.disableDialog([u.id]) }, "Disable & hand over…"),
          h("button.btn.small", { type: "button", onclick: () => openAccess({ user: u.id }) }, "Check access…"),
        ),
      ),
    ),
    h(
      "div.card",
      h("h3", "Effective privileges"),
      privError ? errorTable(privError) : null,
      h(
        "div.legend",
        "Levels:",
        ["basic", "local", "deep", "global"].map((l) => h("span", h("span.lvl-btn", { class: `lvl-btn lvl-${l}` }, LEVEL_SHORT[l]), " ", levelLabel(l))),
      ),
      h(
        "div.table-scroll",
        h(
          "table.priv-table",
          h("caption.visually-hidden", `Effective privileges of ${u.name}: access level per table and right, and records readable and writable`),
          h(
            "thead",
            h(
              "tr",
              h("th", { scope: "col" }, "Table"),
              RIGHTS.map((r) => h("th", { scope: "col", style: { textAlign: "center" } }, rightLabel(r))),
              h("th.num", { scope: "col" }, "Can read"),
              h("th.num", { scope: "col" }, "Can write"),
            ),
          ),
          h("tbody", tableRows),
        ),
      ),
      sourcesBox,
    ),
  );
  if (privFocus) {
    const b = panel.querySelector(`.lvl-btn[data-table="${CSS.escape(privFocus.table)}"][data-right="${privFocus.right}"]`);
    if (b) showSources(privFocus.table, privFocus.right, b);
  }
}

// ---------------------------------------------------------------- access checker

export function openAccess(partial) {
  Object.assign(app.access, partial);
  dirty.add("access");
  selectTab("access");
}

let whoVList = null;

function renderAccess() {
  const idx = app.idx;
  const panel = $("#panel-access");
  const A = app.access;
  if (A.user && !idx.userById.has(A.user)) A.user = null;
  if (A.record && !idx.recordById.has(A.record)) A.record = null;
  const N = namer(idx);
  const userCombo = combo({
    label: "User",
    placeholder: "Name or id…",
    search: (q) => userSearch(q),
    value: A.user,
    display: N.user,
    id: "check-user",
    onPick: (it) => {
      A.user = it ? it.value : null;
      update();
    },
  });
  const rightSel = select({
    label: "Right",
    id: "check-right",
    value: A.right,
    options: RIGHTS.map((r) => ({ value: r, label: rightLabel(r) })),
    onChange: (v) => {
      A.right = v;
      update();
    },
  });
  const tableSel = select({
    label: "Table",
    id: "check-table",
    value: A.table,
    options: [{ value: "", label: "Any table" }, ...idx.tables.map((t) => ({ value: t, label: t }))],
    onChange: (v) => {
      A.table = v;
    },
  });
  const recordCombo = combo({
    label: "Record",
    placeholder: "Name or id…",
    search: (q) => recordSearch(q, A.table),
    value: A.record,
    display: N.record,
    id: "check-record",
    onPick: (it) => {
      A.record = it ? it.value : null;
      update();
    },
  });
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const who = h("div.card", { id: "who-can" });
  setChildren(
    panel,
    h("div.panel-title", h("h2", "Access checker"), h("span.muted", "Why can (or can't) a user do something to a record?")),
    h("div.card", h("div.form-grid", userCombo.el, rightSel.el, tableSel.el, recordCombo.el), result),
    who,
  );

  function update() {
    renderDecision(result);
    renderWhoCan(who);
  }
  update();
}

function renderDecision(host) {
  const idx = app.idx;
  const A = app.access;
  const N = namer(idx);
  if (!A.user || !A.record) {
    setChildren(host, h("p.muted", { style: { marginTop: "10px" } }, "Pick a user, a right and a record."));
    return;
  }
  let ex;
  let rights = [];
  try {
    ex = app.org.explain(A.user, A.right, A.record);
    rights = app.org.rights(A.user, A.record) || [];
  } catch (err) {
    setChildren(host, errorTable(errorList(err)));
    return;
  }
  const rec = idx.recordById.get(A.record);
  const sentence = explanationSentence(ex, A.user, A.right, A.record, idx);
  const reasons = ex.allowed ? (ex.reasons || []).map((r) => h("li", reasonClause(r, A.right, N), " ", h("code.muted", r.kind))) : [];
  const ownerText = rec?.owner ? (rec.owner.user ? N.user(rec.owner.user) : `team ${N.team(rec.owner.team)}`) : "the organization";
  setChildren(
    host,
    h(
      "div.decision",
      { class: `decision ${ex.allowed ? "allowed" : "denied"}`, "data-allowed": String(!!ex.allowed) },
      h("span.verdict", ex.allowed ? "ALLOWED" : "DENIED"),
      h(
        "div",
        h("div.sentence", { id: "explanation-text" }, sentence),
        reasons.length > 1 ? h("div", { style: { marginTop: "6px", fontSize: "13px" } }, h("strong", "Every path that grants it:"), h("ul.reasons", reasons)) : null,
        !ex.allowed && ex.denial ? h("div.muted", { style: { fontSize: "12.5px", marginTop: "4px" } }, h("code", ex.denial.kind)) : null,
      ),
    ),
    h(
      "div",
      h("span.muted", `All rights of ${N.user(A.user)} on this record: `),
      h(
        "span.rights-row",
        { style: { display: "inline-flex" } },
        RIGHTS.map((r) => h("span.chip", { class: `chip ${rights.includes(r) ? "ok" : ""}`, title: rights.includes(r) ? "held" : "not held" }, rights.includes(r) ? `✓ ${rightLabel(r)}` : rightLabel(r))),
      ),
    ),
    rec
      ? h(
          "p.muted",
          { style: { fontSize: "12.5px" } },
          `${rec.table} record ${rec.id}, owned by ${ownerText}`,
          rec.businessUnit ? ` in ${N.unit(rec.businessUnit)}` : "",
          rec.parent ? `, child of ${N.record(rec.parent)}` : "",
          rec.active === false ? ", inactive" : "",
        )
      : null,
  );
}

function renderWhoCan(host) {
  const idx = app.idx;
  const A = app.access;
  const N = namer(idx);
  if (!A.record) {
    setChildren(host, h("h3", "Who can…"), h("p.muted", "Pick a record to see every user who holds the chosen right on it."));
    return;
  }
  let ids;
  try {
    ids = app.org.whoCan(A.right, A.record);
  } catch (err) {
    setChildren(host, h("h3", "Who can…"), errorTable(errorList(err)));
    return;
  }
  const filter = h("input", { type: "search", id: "who-filter", placeholder: "Filter…", autocomplete: "off" });
  const viewport = h("div.who-list-viewport");
  const count = h("span.muted", { "aria-live": "polite" });
  setChildren(
    host,
    h("div.section-head", h("h3", { id: "who-can-heading" }, `Who can ${A.right === "appendTo" ? "append to" : A.right} ${N.record(A.record)}: ${plural(ids.length, "user")}`)),
    h("div.filters", h("div.field.grow", h("label", { for: "who-filter" }, "Filter these users"), filter), count),
    viewport,
  );
  whoVList = new VirtualList(viewport, {
    rowHeight: 34,
    label: "Users who hold the right",
    renderRow: (id, i) => {
      const u = idx.userById.get(id);
      return h(
        "div.who-row",
        { dataset: { index: String(i) } },
        h("button.linklike.cell", { type: "button", onclick: () => openAccess({ user: id }) }, u ? u.name : id),
        h("span.muted.cell", id),
        h("span.muted.cell", { style: { marginLeft: "auto" } }, N.unit(u?.businessUnit)),
      );
    },
  });
  const apply = () => {
    const q = filter.value.trim().toLowerCase();
    const list = q ? ids.filter((id) => id.toLowerCase().includes(q) || (idx.userById.get(id)?.name || "").toLowerCase().includes(q)) : ids;
    count.textContent = q ? `${n(list.length)} match` : "";
    whoVList.setItems(list);
  };
  filter.addEventListener("input", debounce(apply, 100));
  apply();
}

// ---------------------------------------------------------------- assertions

let assertionFilter = "all";

function renderAssertions() {
  const idx = app.idx;
  const panel = $("#panel-assertions");
  const N = namer(idx);
  let results;
  try {
    results = app.org.checkAssertions();
  } catch (err) {
    setChildren(panel, h("h2", "Assertions"), errorTable(errorList(err)));
    return;
  }
  const failing = results.filter((r) => !r.pass).length;
  const simChanges = new Map();
  for (const a of app.impact?.assertions || []) {
    const as = a.assertion || a;
    simChanges.set(`${as.user}|${as.right}|${as.record}`, a);
  }
  const shown = results.filter((r) => assertionFilter === "all" || (assertionFilter === "failing" ? !r.pass : r.pass));
  const sel = select({
    label: "Show",
    id: "assert-filter",
    value: assertionFilter,
    options: [
      { value: "all", label: `All (${results.length})` },
      { value: "failing", label: `Failing (${failing})` },
      { value: "passing", label: `Passing (${results.length - failing})` },
    ],
    onChange: (v) => {
      assertionFilter = v;
      renderAssertions();
    },
  });
  setChildren(
    panel,
    h(
      "div.panel-title",
      h("h2", "Assertions"),
      h("span", { class: failing ? "chip bad" : "chip ok" }, failing ? `${failing} failing` : "all passing"),
      h("span.muted", `${plural(results.length, "assertion")} in the snapshot. The Impact panel shows those the changeset would flip.`),
    ),
    h("div", { style: { maxWidth: "220px", marginBottom: "10px" } }, sel.el),
    results.length
      ? h(
          "div.table-scroll",
          h(
            "table.data-table",
            h("thead", h("tr", h("th", "Result"), h("th", "Expectation"), h("th", "Actual"), h("th", "After changeset"), h("th", "Note"), h("th", h("span.visually-hidden", "Actions")))),
            h(
              "tbody",
              shown.slice(0, 1000).map((r) => {
                const a = r.assertion;
                const sim = simChanges.get(`${a.user}|${a.right}|${a.record}`);
                return h(
                  "tr",
                  h("td", h("span", { class: r.pass ? "chip ok" : "chip bad" }, r.pass ? "pass" : "fail")),
                  h("td", `${N.user(a.user)} ${a.expect ? "can" : "cannot"} ${a.right} ${N.record(a.record)}`),
                  h("td", r.actual ? "allowed" : "denied"),
                  h("td", sim ? h("span.chip.warn", sim.pass === false || sim.after?.pass === false ? "would fail" : "would change") : h("span.muted", "—")),
                  h("td.muted", a.note || ""),
                  h("td", h("button.btn.small", { type: "button", onclick: () => openAccess({ user: a.user, right: a.right, record: a.record }) }, "Explain")),
                );
              }),
            ),
          ),
        )
      : h("p.empty-state", "This org has no assertions. Add them to the snapshot (\"assertions\": [{ user, right, record, expect }])."),
  );
}

// ---------------------------------------------------------------- risks

const riskShown = new Map();

function renderRisks() {
  const panel = $("#panel-risks");
  let findings;
  try {
    findings = app.org.riskReport();
  } catch (err) {
    setChildren(panel, h("h2", "Risks"), errorTable(errorList(err)));
    return;
  }
  const groups = new Map();
  for (const f of findings) {
    if (!groups.has(f.kind)) groups.set(f.kind, []);
    groups.get(f.kind).push(f);
  }
  const sevRank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  const ordered = [...groups.entries()].sort((a, b) => (sevRank[a[1][0].severity] ?? 5) - (sevRank[b[1][0].severity] ?? 5) || b[1].length - a[1].length);
  setChildren(
    panel,
    h("div.panel-title", h("h2", "Risk report"), h("span.muted", `${plural(findings.length, "finding")} in ${plural(groups.size, "category", "categories")}`)),
    ordered.length
      ? ordered.map(([kind, list]) => {
          const limit = riskShown.get(kind) || 50;
          const sev = list[0].severity || "info";
          return h(
            "details.group",
            { open: ordered.indexOf(ordered.find(([k]) => k === kind)) < 2 },
            h("summary", h("span", { class: `chip ${sev === "high" || sev === "critical" ? "bad" : sev === "medium" ? "warn" : ""}` }, sev), kindLabel(kind), h("span.count", n(list.length))),
            h(
              "div.group-body",
              h("ul.warning-list", list.slice(0, limit).map((f) => h("li", { title: f.message || "" }, humanize(f.message, app.idx) || JSON.stringify(f)))),
              list.length > limit
                ? h(
                    "button.btn.small",
                    {
                      type: "button",
                      style: { marginTop: "6px" },
                      onclick: () => {
                        riskShown.set(kind, limit + 200);
                        renderRisks();
                      },
                    },
                    `Show ${n(Math.min(200, list.length - limit))} more`,
                  )
                : null,
            ),
          );
        })
      : h("p.empty-state", "No findings."),
  );
}

// ---------------------------------------------------------------- history

function renderHistory() {
  const idx = app.idx;
  const panel = $("#panel-history");
  let hist = [];
  try {
    hist = app.org.history() || [];
  } catch (err) {
    setChildren(panel, h("h2", "History"), errorTable(errorList(err)));
    return;
  }
  setChildren(
    panel,
    h(
      "div.panel-title",
      h("h2", "History"),
      h("span.muted", `${plural(hist.length, "applied changeset")}`),
      h("button.btn.small", { type: "button", onclick: app.act.undo, disabled: !app.applied.length }, "↶ Undo"),
      h("button.btn.small", { type: "button", onclick: app.act.redo, disabled: !app.redoStack.length }, "↷ Redo"),
    ),
    hist.length
      ? h(
          "ol.ops",
          { reversed: true },
          hist
            .slice()
            .reverse()
            .map((e) =>
              h(
                "li",
                h(
                  "details.group",
                  h("summary", h("span.chip", `v${e.version}`), e.summary || plural((e.changes || []).length, "change")),
                  h(
                    "div.group-body",
                    h("ol", (e.changes || []).map((op) => h("li", changes.describe(op)))),
                    h(
                      "button.btn.small",
                      {
                        type: "button",
                        onclick: () => {
                          app.act.setChanges(structuredClone(e.changes || []));
                          toast("Copied into the changeset");
                        },
                      },
                      "Copy into changeset",
                    ),
                  ),
                ),
              ),
            ),
        )
      : h("p.empty-state", "Nothing applied yet. Build a changeset and press Apply."),
  );
  void idx;
}

export { denialClause };
