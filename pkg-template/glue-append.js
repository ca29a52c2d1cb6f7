
// ---------------------------------------------------------------------------
// Appended to the wasm-bindgen glue by build.sh (crm-policy).
//
// A freed Org (or one not made by fromJSON / fromBytes) throws a clear Error
// instead of wasm-bindgen's "null pointer passed to rust".
function __crmPolicyLive(org) {
    const ptr = org.__wbg_ptr;
    if (!ptr) {
        throw new Error("crm-policy: this Org has been freed (org.free() was called) or was not created by Org.fromJSON / Org.fromBytes; load the org again");
    }
    return ptr;
}

// passStringToWasm0 for long strings (build.sh makes it call this one above 4,096 UTF-16
// units): one encodeInto into a buffer of one byte per unit, which an ASCII string fills
// exactly; else the rest is encoded into a buffer grown to three bytes per unit, then
// shrunk to what was written (what wasm-bindgen's own path ends with, without its loop
// over every character in JS).
function __crmPassLongString(arg, malloc, realloc) {
    const len = arg.length;
    let ptr = malloc(len, 1) >>> 0;
    const first = cachedTextEncoder.encodeInto(arg, getUint8ArrayMemory0().subarray(ptr, ptr + len));
    let written = first.written;
    if (first.read !== len) {
        const rest = arg.slice(first.read);
        const cap = written + rest.length * 3;
        ptr = realloc(ptr, len, cap, 1) >>> 0;
        written += cachedTextEncoder.encodeInto(rest, getUint8ArrayMemory0().subarray(ptr + written, ptr + cap)).written;
        ptr = realloc(ptr, cap, written, 1) >>> 0;
    }
    WASM_VECTOR_LEN = written;
    return ptr;
}

// Fast paths for the hot calls: when every argument has the right type, strings go
// to wasm directly (no call back into JS per argument) and checkMany passes its requests
// in bulk; anything else takes the general method, which converts each argument itself and
// throws the exact PolicyError (checkMany's is check, request by request).
const __crmRights = ["create", "read", "write", "delete", "append", "appendTo", "assign", "share"];
// The index of a right in __crmRights, or -1: a switch, whose cases V8 compares by identity
// first (a right is usually an internalized literal), costs a third of a Map look-up.
function __crmRightOf(right) {
    switch (right) {
        case "read": return 1;
        case "write": return 2;
        case "create": return 0;
        case "delete": return 3;
        case "append": return 4;
        case "appendTo": return 5;
        case "assign": return 6;
        case "share": return 7;
        default: return -1;
    }
}
const __crmIsId = (v) => typeof v === "string" && v.length <= 1024;
const __crmEncoder = new TextEncoder();
// The scratch buffer in wasm memory (allocated once; its address never changes; 0 when wasm
// could not reach it, and then no fast path): room for two ids of 1,024 UTF-16 units.
let __crmScratch = 0;
const __crmScratchAt = () => __crmScratch || (__crmScratch = Org.__scratchPtr());
const __crmIdRoom = 3 * 1024;
// Writes id `s` (at most 1,024 units) as UTF-8 at `at`: byte by byte while it is ASCII,
// else by one encodeInto (which, as the general path's conversion, writes a lone surrogate
// as U+FFFD; 3 bytes per unit at most). Returns the bytes written.
function __crmPutId(mem, at, s) {
    const n = s.length;
    for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) return __crmEncoder.encodeInto(s, mem.subarray(at, at + __crmIdRoom)).written;
        mem[at + i] = c;
    }
    return n;
}
// checkMany's fastest path: requests go straight into wasm memory, as many as fit, then are
// decided in one call per buffer. Per request, two u32 in the bulk meta buffer: the number
// of its user in this call (bit 31 when the user is named for the first time, its id then
// preceding the record id in the id buffer) and `right | recordBytes << 4 | userBytes <<
// 16`; the ids, joined, by one TextEncoder call per block of requests. So each distinct
// user is passed and looked up once per call, not once per request. A first pass over a
// block reads only its record ids (their cache lines load in parallel rather than one
// after the other). Returns null when anything is unusual (a bad request, an unknown id):
// the caller then takes the general path, which gives the exact answer or PolicyError.
const __crmBulkBytes = 1 << 20;
const __crmBulkMax = 1 << 16;
const __crmBlock = 128;
let __crmBulk = 0;
let __crmBulkMeta = 0;
let __crmBulkOut = 0;
const __crmBlockMeta = new Uint32Array(2 * __crmBlock);
// A block with non-ASCII ids: each id encoded alone, at `to`, its length in bytes put in
// the block's meta. Returns the bytes written.
function __crmBlockUtf8(requests, b, e, meta, mem, to) {
    let off = 0;
    for (let i = b, k = 0; i < e; i++, k += 2) {
        const q = requests[i];
        let userBytes = 0;
        if (meta[k] >= 0x80000000) {
            userBytes = __crmPutId(mem, to + off, q[0]);
            off += userBytes;
        }
        const recordBytes = __crmPutId(mem, to + off, q[2]);
        off += recordBytes;
        meta[k + 1] = (meta[k + 1] & 15) | (recordBytes << 4) | (userBytes << 16);
    }
    return off;
}
function __crmCheckManyBulk(org, requests) {
    if (!__crmBulk) {
        __crmBulk = Org.__bulkPtr();
        __crmBulkMeta = Org.__bulkMetaPtr();
        __crmBulkOut = Org.__bulkOutPtr();
        // (0: wasm could not reach its buffers; then the general path)
        if (!__crmBulk || !__crmBulkMeta || !__crmBulkOut) return (__crmBulk = 0), null;
    }
    const n = requests.length;
    const out = new Uint8Array(n);
    const meta = __crmBlockMeta;
    const users = new Map();
    let named = 0; // users named so far in this call
    let start = 0; // first request of the pending bulk call
    let at = 0; // id bytes of the pending call
    let fresh = true; // the next bulk call is this checkMany's first
    const flush = (end) => {
        const count = end - start;
        if (count === 0) return true;
        if (org.__checkManyBulk(at, count, fresh) !== count) return false;
        fresh = false;
        const mem = getUint8ArrayMemory0();
        out.set(mem.subarray(__crmBulkOut, __crmBulkOut + count), start);
        start = end;
        at = 0;
        return true;
    };
    for (let b = 0; b < n; b += __crmBlock) {
        const e = Math.min(n, b + __crmBlock);
        for (let i = b; i < e; i++) {
            const q = requests[i];
            if (!Array.isArray(q) || q.length !== 3 || !__crmIsId(q[2])) return null;
        }
        let ids = "";
        for (let i = b, k = 0; i < e; i++, k += 2) {
            const q = requests[i];
            const user = q[0];
            const record = q[2];
            const r = __crmRightOf(q[1]);
            if (r < 0) return null;
            let u = users.get(user);
            if (u === undefined) {
                if (!__crmIsId(user)) return null;
                u = named++;
                users.set(user, u);
                meta[k] = u | 0x80000000;
                meta[k + 1] = r | (record.length << 4) | (user.length << 16);
                ids += user;
            } else {
                meta[k] = u;
                meta[k + 1] = r | (record.length << 4);
            }
            ids += record;
        }
        const units = ids.length;
        if (e - start > __crmBulkMax || at + 3 * units > __crmBulkBytes) {
            if (!flush(b)) return null;
        }
        const mem = getUint8ArrayMemory0();
        const to = __crmBulk + at;
        const w = __crmEncoder.encodeInto(ids, mem.subarray(to, to + 3 * units));
        if (w.read !== units) return null;
        if (w.written === units) {
            at += units; // all ASCII: the lengths in units are the lengths in bytes
        } else {
            at += __crmBlockUtf8(requests, b, e, meta, mem, to);
        }
        new Uint32Array(mem.buffer, __crmBulkMeta + 8 * (b - start), 2 * (e - b)).set(meta.subarray(0, 2 * (e - b)));
    }
    return flush(n) ? out : null;
}
// checkMany's general path, for what the bulk path does not answer (a bad request, an
// unknown id): every request through check, and the errors of the engine's checkMany —
// every request's shape and argument types first, then the first unknown id, user before
// record — at /i, /i/0 (user), /i/1 (right), /i/2 (record).
const __crmDescribe = (v) =>
    v === undefined ? "undefined"
    : v === null ? "null"
    : typeof v === "string" ? `a string of ${v.length} characters`
    : Array.isArray(v) ? "an array"
    : typeof v === "object" ? "an object"
    : `a ${typeof v}`;
// A PolicyError with one problem, as the engine throws it.
function __crmError(code, path, message, help) {
    const one = help === undefined ? { code, message, path } : { code, message, path, help };
    return new PolicyError(`${code} at ${path || "/"}: ${message}`, { code, path, help, errors: [one] });
}
// `f()`, with a PolicyError it throws moved to `pathOf(its path)` (thrown as it is when
// that is undefined): the error of a call made on behalf of another, at the other's path.
function __crmMoved(f, pathOf) {
    try {
        return f();
    } catch (e) {
        const path = e instanceof PolicyError ? pathOf(e.path) : undefined;
        if (path === undefined) throw e;
        const first = e.errors[0];
        throw __crmError(first.code, path, first.message, first.help);
    }
}
// Puts `fn` on `target` under its own name, as a class method is (writable, configurable,
// not enumerable), in place of the generated one.
function __crmDefine(target, fn) {
    Object.defineProperty(target, fn.name, { configurable: true, writable: true, value: fn });
}
const __crmArgAt = { "/user": "/0", "/right": "/1", "/record": "/2" };
function __crmCheckManyGeneral(org, requests) {
    if (!Array.isArray(requests)) {
        throw __crmError("bad-type", "", `expected an array of [user, right, record] requests, got ${__crmDescribe(requests)}`);
    }
    const n = requests.length;
    const one = (i, q) => __crmMoved(() => org.check(q[0], q[1], q[2]), (path) => `/${i}${__crmArgAt[path] ?? path}`);
    for (let i = 0; i < n; i++) {
        const q = requests[i];
        if (!Array.isArray(q) || q.length !== 3) {
            throw __crmError("bad-type", `/${i}`, `expected a [user, right, record] request, got ${__crmDescribe(q)}`);
        }
        // (check converts all three arguments before it looks an id up: this throws the type error)
        if (!__crmIsId(q[0]) || __crmRightOf(q[1]) < 0 || !__crmIsId(q[2])) one(i, q);
    }
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = one(i, requests[i]) ? 1 : 0;
    return out;
}
// An options object whose keys are all in `allowed` (undefined or null: none), as the
// engine checked it: anything but an object is bad-type at "", an unknown key
// unknown-field at its pointer; the values go to wasm, which converts them.
function __crmOptions(v, allowed) {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v)) {
        throw __crmError("bad-type", "", `expected an options object, got ${__crmDescribe(v)}`);
    }
    for (const key of Object.keys(v)) {
        if (!allowed.includes(key)) {
            const at = `/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
            throw __crmError("unknown-field", at, `unknown option \`${key}\``, `the options are: ${allowed.join(", ")}`);
        }
    }
    return v;
}
// Snapshots and changesets go to wasm as JSON text: a string as it is, anything else
// through JSON.stringify; what cannot be is a PolicyError at `path` (the snapshot's "",
// a changeset's "/changes").
const __crmMaxInput = 1 << 30;
function __crmJsonText(v, what, path) {
    let text = v;
    if (typeof v !== "string") {
        try {
            text = JSON.stringify(v);
        } catch (e) {
            throw __crmError("bad-type", path, `${what} is not JSON-serialisable: ${e instanceof Error ? e.message : ""}`);
        }
    }
    if (typeof text !== "string") {
        throw __crmError("bad-type", path, `expected ${what} as an object or a JSON string, got ${__crmDescribe(v)}`);
    }
    if (text.length > __crmMaxInput) {
        throw __crmError("limit-exceeded", path, `${what} has ${text.length} characters; the limit is ${__crmMaxInput} bytes`);
    }
    return text;
}
{
    // fromBytes: a Uint8Array (a Node Buffer is one) or an ArrayBuffer, copied into wasm.
    const fromBinary = Org.fromBytes;
    __crmDefine(Org, function fromBytes(bytes) {
        const view = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
        if (!view) throw __crmError("bad-type", "", `expected a Uint8Array or an ArrayBuffer, got ${__crmDescribe(bytes)}`);
        if (view.length > __crmMaxInput) throw __crmError("limit-exceeded", "", "input too large");
        return fromBinary.call(this, view);
    });
    const fromText = Org.fromJSON;
    __crmDefine(Org, function fromJSON(snapshot) {
        return fromText.call(this, __crmJsonText(snapshot, "the snapshot", ""));
    });
    // (crm-policy/edge has no changes: its own glue replaces these three)
    const changeset = "a changeset (an array of operations, or { changes: [...] })";
    for (const name of ["validateChanges", "simulate", "apply"]) {
        const withText = Org.prototype[name];
        if (typeof withText !== "function") continue;
        __crmDefine(Org.prototype, {
            [name](changes) {
                __crmPolicyLive(this);
                let text;
                try {
                    text = __crmJsonText(changes, changeset, "/changes");
                } catch (e) {
                    // validateChanges returns the problems; simulate and apply throw them
                    if (name === "validateChanges" && e instanceof PolicyError) return e.errors;
                    throw e;
                }
                return withText.call(this, text);
            },
        }[name]);
    }
}
{
    const slowCheck = Org.prototype.check;
    __crmDefine(Org.prototype, function check(user, right, record) {
        const r = __crmRightOf(right);
        const at = r >= 0 && __crmIsId(user) && __crmIsId(record) ? __crmScratchAt() : 0;
        if (at) {
            const mem = getUint8ArrayMemory0();
            const ul = __crmPutId(mem, at, user);
            const rl = __crmPutId(mem, at + ul, record);
            const v = this.__checkScratch(ul, 1 << r, rl);
            if (v >= 0) return v !== 0;
        }
        return slowCheck.call(this, user, right, record);
    });
    __crmDefine(Org.prototype, function rights(user, record) {
        const at = __crmIsId(user) && __crmIsId(record) ? __crmScratchAt() : 0;
        let bits = -1;
        if (at) {
            const mem = getUint8ArrayMemory0();
            const ul = __crmPutId(mem, at, user);
            bits = this.__checkScratch(ul, 255, __crmPutId(mem, at + ul, record));
        }
        // the general way: check per right, which converts and looks the ids up as
        // rights does (same errors, at /user and /record)
        if (bits < 0) return __crmRights.filter((r) => this.check(user, r, record));
        const out = [];
        for (let i = 0; i < 8; i++) if (bits & (1 << i)) out.push(__crmRights[i]);
        return out;
    });
    // canAppend: append on the child and appendTo on the parent (SPEC §2), by two checks.
    // The engine's errors and order: the three arguments' types (user, child, parent), then
    // an unknown user, child, parent; a check's /record is the child's or the parent's path.
    const moved = (f, to) => __crmMoved(f, (path) => (path === "/record" ? to : undefined));
    __crmDefine(Org.prototype, function canAppend(user, child, parent) {
        if (!__crmIsId(user) || !__crmIsId(child)) moved(() => this.check(user, "append", child), "/child");
        if (!__crmIsId(parent)) moved(() => this.check(user, "appendTo", parent), "/parent");
        const append = moved(() => this.check(user, "append", child), "/child");
        const appendTo = moved(() => this.check(user, "appendTo", parent), "/parent");
        return append && appendTo;
    });
    // canCreate and accessibleRecords: the options' values as arguments. Their first
    // arguments are converted first, as the engine did (a wrong one is reported before the
    // options are looked at), then the options object, then its values (in wasm).
    const canCreateWith = Org.prototype.canCreate;
    __crmDefine(Org.prototype, function canCreate(user, table, options) {
        if (!__crmIsId(user) || !__crmIsId(table)) return canCreateWith.call(this, user, table);
        const o = __crmOptions(options, ["owner", "businessUnit"]);
        return canCreateWith.call(this, user, table, o.owner, o.businessUnit);
    });
    const accessibleWith = Org.prototype.accessibleRecords;
    __crmDefine(Org.prototype, function accessibleRecords(user, right, options) {
        if (!__crmIsId(user) || __crmRightOf(right) < 0) return accessibleWith.call(this, user, right);
        const o = __crmOptions(options, ["table", "offset", "limit"]);
        return accessibleWith.call(this, user, right, o.table, o.offset, o.limit);
    });
    // toJSON: the snapshot object, parsed from the canonical text.
    __crmDefine(Org.prototype, function toJSON() {
        return JSON.parse(this.toJSONString());
    });
    __crmDefine(Org.prototype, function checkMany(requests) {
        return (Array.isArray(requests) && __crmCheckManyBulk(this, requests)) || __crmCheckManyGeneral(this, requests);
    });
}
