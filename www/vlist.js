// A fixed-row-height virtual list: only the rows in view (plus a margin) are in
// the DOM, so lists of tens of thousands of users stay responsive.

export class VirtualList {
  /**
   * @param {HTMLElement} viewport scrollable element (overflow: auto, fixed height)
   * @param {{rowHeight:number, renderRow:(item:any, index:number)=>HTMLElement, label?:string}} opts
   */
  constructor(viewport, { rowHeight, renderRow, label }) {
    this.viewport = viewport;
    this.rowHeight = rowHeight;
    this.renderRow = renderRow;
    this.items = [];
    this.viewport.classList.add("vlist");
    this.viewport.setAttribute("role", "list");
    if (label) this.viewport.setAttribute("aria-label", label);
    this.spacer = document.createElement("div");
    this.spacer.className = "vlist-spacer";
    this.layer = document.createElement("div");
    this.layer.className = "vlist-layer";
    this.spacer.append(this.layer);
    this.viewport.append(this.spacer);
    this.first = -1;
    this.last = -1;
    this.viewport.addEventListener("scroll", () => this.update(), { passive: true });
    if (typeof ResizeObserver !== "undefined") {
      new ResizeObserver(() => this.update(true)).observe(this.viewport);
    }
  }

  setItems(items, { keepScroll = false } = {}) {
    this.items = items;
    this.spacer.style.height = `${items.length * this.rowHeight}px`;
    if (!keepScroll) this.viewport.scrollTop = 0;
    this.update(true);
  }

  refresh() {
    this.update(true);
  }

  scrollToIndex(i) {
    const top = i * this.rowHeight;
    const vh = this.viewport.clientHeight;
    if (top < this.viewport.scrollTop) this.viewport.scrollTop = top;
    else if (top + this.rowHeight > this.viewport.scrollTop + vh) {
      this.viewport.scrollTop = top + this.rowHeight - vh;
    }
  }

  update(force = false) {
    const vh = this.viewport.clientHeight || 600;
    const top = this.viewport.scrollTop;
    const margin = 8;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - margin);
    const last = Math.min(this.items.length, Math.ceil((top + vh) / this.rowHeight) + margin);
    if (!force && first === this.first && last === this.last) return;
    this.first = first;
    this.last = last;
    const frag = document.createDocumentFragment();
    for (let i = first; i < last; i++) {
      const row = this.renderRow(this.items[i], i);
      row.style.position = "absolute";
      row.style.top = `${i * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      row.style.left = "0";
      row.style.right = "0";
      row.setAttribute("role", "listitem");
      row.setAttribute("aria-setsize", String(this.items.length));
      row.setAttribute("aria-posinset", String(i + 1));
      frag.append(row);
    }
    // Keep focus on the same row across re-renders when possible.
    const focusedIndex = this.layer.contains(document.activeElement)
      ? Number(document.activeElement.closest("[data-index]")?.dataset.index ?? -1)
      : -1;
    this.layer.replaceChildren(frag);
    if (focusedIndex >= 0) {
      const el = this.layer.querySelector(`[data-index="${focusedIndex}"]`);
      if (el) (el.matches("[tabindex]") ? el : el.querySelector("[tabindex],button,input") || el).focus({ preventScroll: true });
    }
  }
}
