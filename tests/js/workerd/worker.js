// A Worker using the package: loads an org from bytes once, answers checks over HTTP.
//   GET /check?user=u1&right=read&record=a1  -> {"allowed":true}
//   GET /rights?user=u1&record=a1            -> {"rights":[...]}
//   anything invalid                         -> 400 {"code","path","message"}
import { Org, PolicyError } from "crm-policy";
import orgBytes from "org.bin";

const org = Org.fromBytes(new Uint8Array(orgBytes));

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const q = (name) => url.searchParams.get(name) ?? undefined;
    try {
      switch (url.pathname) {
        case "/check":
          return json({ allowed: org.check(q("user"), q("right"), q("record")) });
        case "/rights":
          return json({ rights: org.rights(q("user"), q("record")) });
        case "/checkMany": {
          const requests = await request.json();
          return json({ decisions: [...org.checkMany(requests)] });
        }
        case "/health":
          return json({ ok: true, users: org.toJSON().users.length });
        default:
          return json({ code: "not-found" }, 404);
      }
    } catch (e) {
      if (e instanceof PolicyError) return json({ code: e.code, path: e.path, message: e.message }, 400);
      return json({ code: "internal", message: String(e) }, 500);
    }
  },
};
