// A tiny static file server for the playground: serves the repository root
// (www/ and pkg/) with the right MIME types (application/wasm for .wasm).
//
//   node tests/browser/server.mjs [port]      (default 8080; 0 = any free port)
//   import { startServer } from "./server.mjs"; const { url, close } = await startServer(0);

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".cjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".d.ts": "text/plain; charset=utf-8",
};

function handler(req, res) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
  } catch {
    res.writeHead(400).end("bad request");
    return;
  }
  if (pathname === "/" || pathname === "/www") {
    res.writeHead(302, { Location: "/www/" }).end();
    return;
  }
  let file = path.resolve(ROOT, "." + pathname);
  // CRM_DEMO_JSON: a demo snapshot served as /www/demo-org.json, used by the
  // playground when the package has no generateDemo().
  if (process.env.CRM_DEMO_JSON && pathname === "/www/demo-org.json") file = path.resolve(process.env.CRM_DEMO_JSON);
  // CRM_PKG_DIR serves another build of the package under /pkg/ (development aid).
  if (process.env.CRM_PKG_DIR && pathname.startsWith("/pkg/")) file = path.resolve(process.env.CRM_PKG_DIR, "." + pathname.slice(4));
  const allowed = [
    path.join(ROOT, "www"),
    path.join(ROOT, "pkg"),
    ...(process.env.CRM_PKG_DIR ? [path.resolve(process.env.CRM_PKG_DIR)] : []),
    ...(process.env.CRM_DEMO_JSON ? [path.dirname(path.resolve(process.env.CRM_DEMO_JSON))] : []),
  ];
  if (!allowed.some((dir) => file === dir || file.startsWith(dir + path.sep))) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    return;
  }
  let target = file;
  try {
    if (fs.statSync(target).isDirectory()) target = path.join(target, "index.html");
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    return;
  }
  fs.readFile(target, (err, data) => {
    if (err) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const ext = Object.keys(MIME).find((e) => target.endsWith(e)) || "";
    res.writeHead(200, {
      "Content-Type": MIME[ext] || "application/octet-stream",
      "Cache-Control": "no-cache",
      "Content-Length": data.length,
    });
    res.end(req.method === "HEAD" ? undefined : data);
  });
}

export function startServer(port = 0, host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
    server.on("error", reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ url: `http://${host}:${p}`, port: p, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? 8080);
  const { url } = await startServer(port);
  console.log(`crm-policy playground: ${url}/www/  (Ctrl+C to stop)`);
}
