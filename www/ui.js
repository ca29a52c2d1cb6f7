// Reusable widgets: an accessible combobox, a modal dialog, toasts, the loading
// indicator and the error list.

import { h, setChildren, $ } from "./util.js";

let uid = 0;
export const nextId = (p = "id") => `${p}-${++uid}`;

/**
 * ARIA 1.2 combobox with a filtered listbox.
 * search(q) -> [{ value, label, detail? }] (already limited); onPick(item|null).
 */
export function combo({ label, placeholder = "", search, onPick, value = null, display = (v) => v ?? "", id, required = false }) {
  const inputId = id || nextId("combo");
  const listId = nextId("listbox");
  let items = [];
  let active = -1;
  let current = value;
  const input = h("input", {
    id: inputId,
    type: "text",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
    required,
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": listId,
  });
  input.value = value ? display(value) : "";
  const list = h("ul.combo-list", { id: listId, role: "listbox", "aria-label": label, hidden: true });
  const wrap = h("div.combo", h("label", { for: inputId }, label), h("div.combo-box", input, list));

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const setActive = (i) => {
    active = i;
    for (const [j, li] of Array.from(list.children).entries()) {
      li.setAttribute("aria-selected", j === i ? "true" : "false");
      if (j === i) {
        input.setAttribute("aria-activedescendant", li.id);
        li.scrollIntoView({ block: "nearest" });
      }
    }
  };
  const open = () => {
    items = search(input.value.trim());
    setChildren(
      list,
      items.length
        ? items.map((it, i) =>
            h(
              "li",
              {
                id: `${listId}-${i}`,
                role: "option",
                "aria-selected": "false",
                onmousedown: (e) => {
                  e.preventDefault();
                  pick(it);
                },
              },
              h("span.opt-label", it.label),
              it.detail ? h("span.opt-detail", it.detail) : null,
            ),
          )
        : h("li.empty", { role: "option", "aria-disabled": "true" }, "No match"),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  };
  const pick = (it) => {
    current = it ? it.value : null;
    input.value = it ? it.label : "";
    close();
    onPick && onPick(it);
  };
  input.addEventListener("input", open);
  input.addEventListener("focus", () => input.select());
  input.addEventListener("click", open);
  input.addEventListener("blur", () => setTimeout(close, 120));
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden) open();
      setActive(Math.min(items.length - 1, active + 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive(Math.max(0, active - 1));
    } else if (e.key === "Enter") {
      if (!list.hidden && items.length) {
        e.preventDefault();
        pick(items[Math.max(0, active)]);
      }
    } else if (e.key === "Escape") {
      if (!list.hidden) {
        e.preventDefault();
        e.stopPropagation();
        close();
      }
    }
  });
  return {
    el: wrap,
    input,
    get value() {
      return current;
    },
    set(value, text) {
      current = value;
      input.value = value ? text ?? display(value) : "";
    },
  };
}

/** Labelled <select>. options: [{value,label}] */
export function select({ label, options, value = "", onChange, id }) {
  const sid = id || nextId("sel");
  const sel = h(
    "select",
    { id: sid, onchange: () => onChange && onChange(sel.value) },
    options.map((o) => h("option", { value: o.value, selected: o.value === value, disabled: !!o.disabled }, o.label)),
  );
  sel.value = value;
  return { el: h("div.field", h("label", { for: sid }, label), sel), select: sel };
}

/** A native <dialog> with a form. onSubmit returns true (or a promise of true) to close. */
export function openDialog({ title, body, submitLabel = "OK", onSubmit, wide = false, describe }) {
  const dlg = $("#dialog");
  const titleId = nextId("dlg-title");
  const errorBox = h("div.dialog-error", { role: "alert" });
  const form = h(
    "form",
    {
      method: "dialog",
      onsubmit: async (e) => {
        e.preventDefault();
        errorBox.textContent = "";
        try {
          const ok = await onSubmit(form);
          if (ok !== false) dlg.close();
        } catch (err) {
          errorBox.textContent = err.message || String(err);
        }
      },
    },
    h("h2", { id: titleId }, title),
    describe ? h("p.muted", describe) : null,
    h("div.dialog-body", body),
    errorBox,
    h(
      "div.dialog-actions",
      h("button.btn", { type: "button", onclick: () => dlg.close() }, "Cancel"),
      onSubmit ? h("button.btn.primary", { type: "submit" }, submitLabel) : null,
    ),
  );
  dlg.className = wide ? "wide" : "";
  dlg.setAttribute("aria-labelledby", titleId);
  setChildren(dlg, form);
  const opener = document.activeElement;
  dlg.addEventListener(
    "close",
    () => {
      if (opener && opener.isConnected) opener.focus();
    },
    { once: true },
  );
  dlg.showModal();
  const firstField = form.querySelector("input,select,textarea");
  if (firstField) firstField.focus();
  return { dlg, form, errorBox };
}

export function toast(message, kind = "info", ms = 3500) {
  const el = h(`div.toast.${kind}`, { role: kind === "error" ? "alert" : "status" }, message);
  $("#toasts").append(el);
  setTimeout(() => el.classList.add("out"), ms);
  setTimeout(() => el.remove(), ms + 400);
}

export function showLoading(text) {
  const el = $("#loading");
  $("#loading-text").textContent = text;
  el.hidden = false;
  document.body.setAttribute("aria-busy", "true");
}

export function hideLoading() {
  $("#loading").hidden = true;
  document.body.removeAttribute("aria-busy");
}

/** Resolve a JSON pointer against a value; undefined when it does not exist. */
export function pointerGet(value, pointer) {
  if (!pointer || pointer === "/") return value;
  let cur = value;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = cur[key];
  }
  return cur;
}

function short(v) {
  let s;
  try {
    s = JSON.stringify(v);
  } catch {
    s = String(v);
  }
  if (s === undefined) return "";
  return s.length > 120 ? s.slice(0, 117) + "…" : s;
}

/**
 * A table of errors: code, path, message, help, and (when `source` is the
 * parsed input) the offending value. `locate(err)` may return a better label
 * for the path (e.g. a CSV line).
 */
export function errorTable(errors, { source, locate, max = 200 } = {}) {
  const shown = errors.slice(0, max);
  return h(
    "div.error-list",
    h(
      "table.errors",
      h("thead", h("tr", h("th", { scope: "col" }, "Code"), h("th", { scope: "col" }, "Where"), h("th", { scope: "col" }, "Problem"))),
      h(
        "tbody",
        shown.map((e) => {
          const where = locate ? locate(e) : null;
          const val = source !== undefined && e.path ? pointerGet(source, e.path) : undefined;
          return h(
            "tr",
            h("td", h("code.err-code", e.code || "error")),
            h(
              "td",
              where ? h("div", where) : null,
              e.path ? h("code.err-path", e.path) : where ? null : h("span.muted", "—"),
              val !== undefined ? h("div.err-value", h("span.muted", "value: "), h("code", short(val))) : null,
            ),
            h("td", h("div", e.message || ""), e.help ? h("div.err-help", e.help) : null),
          );
        }),
      ),
    ),
    errors.length > max ? h("p.muted", `… and ${errors.length - max} more`) : null,
  );
}
