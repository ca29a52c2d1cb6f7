// Simulation worker: holds a copy of the org and answers simulate / result
// snapshot requests off the main thread. The page replays every state change
// (load, apply, undo, redo) here so both copies stay identical.

const pkgUrl = new URL(self.location.href).searchParams.get("pkg");
const demoUrl = new URL(self.location.href).searchParams.get("demo");
let mod = null;
let demo = null;
let org = null;
let latestSimulate = 0;

const ready = (async () => {
  mod = await import(pkgUrl);
  await mod.default();
  if (demoUrl) {
    // generateDemo lives in the package's separate demo module (crm-policy/demo)
    demo = await import(demoUrl);
    await demo.default();
  }
})();

function errorInfo(err) {
  const info = {
    name: err && err.name,
    code: (err && err.code) || "error",
    path: (err && err.path) || "",
    message: (err && err.message) || String(err),
    help: (err && err.help) || undefined,
  };
  if (err && Array.isArray(err.errors)) {
    info.errors = err.errors.map((e) => ({ code: e.code, path: e.path || "", message: e.message, help: e.help || undefined }));
  }
  return info;
}

function need() {
  if (!org) throw Object.assign(new Error("No org loaded in the worker"), { code: "no-org" });
  return org;
}

async function handle(msg) {
  await ready;
  switch (msg.type) {
    case "loadDemo": {
      const snap = (demo || mod).generateDemo(msg.seed, msg.users, msg.units, msg.records);
      if (org) org.free?.();
      org = mod.Org.fromJSON(typeof snap === "string" ? snap : JSON.stringify(snap));
      return { ok: true };
    }
    case "loadJSON": {
      const next = mod.Org.fromJSON(msg.text);
      if (org) org.free?.();
      org = next;
      return { ok: true };
    }
    case "apply":
      return need().apply(msg.changes);
    case "undo":
      return need().undo();
    case "redo":
      return need().redo();
    case "simulate": {
      if (msg.id < latestSimulate) return { skipped: true };
      const t0 = performance.now();
      const impact = need().simulate(msg.changes);
      return { impact, ms: performance.now() - t0 };
    }
    case "resultSnapshot": {
      const copy = mod.Org.fromJSON(need().toJSON());
      try {
        if (msg.changes.length) copy.apply(msg.changes);
        return JSON.stringify(copy.toJSON(), null, 2);
      } finally {
        copy.free?.();
      }
    }
    default:
      throw new Error(`unknown worker command ${msg.type}`);
  }
}

let chain = Promise.resolve();
self.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === "simulate") latestSimulate = Math.max(latestSimulate, msg.id);
  chain = chain.then(async () => {
    try {
      const result = await handle(msg);
      self.postMessage({ id: msg.id, ok: true, result });
    } catch (err) {
      self.postMessage({ id: msg.id, ok: false, error: errorInfo(err) });
    }
  });
};
