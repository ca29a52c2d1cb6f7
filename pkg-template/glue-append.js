
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
// to wasm directly (no call back into JS per argument) and checkMany passes all its
// requests in one string; anything else takes the general method, which converts
// each argument itself and throws the exact PolicyError.
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
// The scratch buffer in wasm memory (allocated once; its address never changes; 0 when wasm
// could not reach it, and then no fast path) and an ASCII writer: -1 for any other
// character (the caller then passes the string normally).
let __crmScratch = 0;
const __crmScratchAt = () => __crmScratch || (__crmScratch = Org.__scratchPtr());
function __crmPutAscii(mem, at, s) {
    const n = s.length;
    for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) return -1;
        mem[at + i] = c;
    }
    return n;
}
// checkMany's fastest path: requests go straight into wasm memory, as many as fit, then
// are decided in one call per buffer: their rights and lengths into the bulk meta buffer
// (three u16 each), their ids, joined, into the bulk id buffer by one TextEncoder call
// per block of requests. Per block, a first pass checks every request and reads the
// lengths of its ids (so the ids' cache lines load in parallel rather than one after the
// other), then the ids are joined into one flat string for encodeInto. Returns null when
// anything is unusual (a bad request, a non-ASCII id): the caller then takes the general
// path, which gives the exact answer or PolicyError.
const __crmBulkBytes = 1 << 20;
const __crmBulkMax = 1 << 16;
const __crmBlock = 256;
let __crmBulk = 0;
let __crmBulkMeta = 0;
let __crmBulkOut = 0;
const __crmEncoder = new TextEncoder();
const __crmBlockMeta = new Uint16Array(3 * __crmBlock);
const __crmBlockIds = new Array(2 * __crmBlock);
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
    const ids = __crmBlockIds;
    let start = 0; // first request of the pending bulk call
    let at = 0; // id bytes of the pending call
    const flush = (end) => {
        const count = end - start;
        if (count === 0) return true;
        if (org.__checkManyBulk(at, count) !== count) return false;
        const mem = getUint8ArrayMemory0();
        out.set(mem.subarray(__crmBulkOut, __crmBulkOut + count), start);
        start = end;
        at = 0;
        return true;
    };
    for (let b = 0; b < n; b += __crmBlock) {
        const e = Math.min(n, b + __crmBlock);
        let chars = 0;
        for (let i = b, k = 0; i < e; i++, k++) {
            const q = requests[i];
            if (!Array.isArray(q) || q.length !== 3) return null;
            const user = q[0];
            const right = q[1];
            const record = q[2];
            if (!__crmIsId(user) || !__crmIsId(record) || typeof right !== "string") return null;
            const r = __crmRightOf(right);
            if (r < 0) return null;
            meta[3 * k] = r;
            meta[3 * k + 1] = user.length;
            meta[3 * k + 2] = record.length;
            ids[2 * k] = user;
            ids[2 * k + 1] = record;
            chars += user.length + record.length;
        }
        if (e - start > __crmBulkMax || at + chars > __crmBulkBytes) {
            if (!flush(b)) return null;
        }
        // one flat string (Array.prototype.join copies once; a rope of 512 pieces cost
        // ~50 ns more per request in allocations and its flattening by encodeInto)
        if (ids.length !== 2 * (e - b)) ids.length = 2 * (e - b);
        const joined = ids.join("");
        const mem = getUint8ArrayMemory0();
        const to = __crmBulk + at;
        const w = __crmEncoder.encodeInto(joined, mem.subarray(to, to + chars));
        // all ASCII exactly when every character became one byte
        if (w.read !== chars || w.written !== chars) return null;
        const m16 = new Uint16Array(mem.buffer, __crmBulkMeta + 6 * (b - start), 3 * (e - b));
        m16.set(meta.subarray(0, 3 * (e - b)));
        at += chars;
    }
    ids.fill(undefined);
    return flush(n) ? out : null;
}
{
    const slowCheck = Org.prototype.check;
    const slowRights = Org.prototype.rights;
    const slowCheckMany = Org.prototype.checkMany;
    Object.defineProperty(Org.prototype, "check", {
        configurable: true,
        writable: true,
        value: function check(user, right, record) {
            if (__crmIsId(user) && __crmIsId(record) && typeof right === "string") {
                const r = __crmRightOf(right);
                if (r >= 0) {
                    const mem = getUint8ArrayMemory0();
                    const at = __crmScratchAt();
                    const ul = at ? __crmPutAscii(mem, at, user) : -1;
                    const rl = ul < 0 ? -1 : __crmPutAscii(mem, at + ul, record);
                    if (rl >= 0) {
                        const v = this.__checkScratch(ul, r, rl);
                        if (v >= 0) return v === 1;
                    }
                    return this.__checkStr(user, r, record);
                }
            }
            return slowCheck.call(this, user, right, record);
        },
    });
    Object.defineProperty(Org.prototype, "rights", {
        configurable: true,
        writable: true,
        value: function rights(user, record) {
            if (!__crmIsId(user) || !__crmIsId(record)) return slowRights.call(this, user, record);
            const mem = getUint8ArrayMemory0();
            const at = __crmScratchAt();
            const ul = at ? __crmPutAscii(mem, at, user) : -1;
            const rl = ul < 0 ? -1 : __crmPutAscii(mem, at + ul, record);
            let bits = rl >= 0 ? this.__rightsScratch(ul, rl) : -1;
            if (bits < 0) bits = this.__rightsBits(user, record);
            const out = [];
            for (let i = 0; i < 8; i++) if (bits & (1 << i)) out.push(__crmRights[i]);
            return out;
        },
    });
    Object.defineProperty(Org.prototype, "checkMany", {
        configurable: true,
        writable: true,
        value: function checkMany(requests) {
            if (!Array.isArray(requests)) return slowCheckMany.call(this, requests);
            const bulk = __crmCheckManyBulk(this, requests);
            if (bulk) return bulk;
            const n = requests.length;
            const parts = new Array(2 * n);
            const lens = new Uint32Array(2 * n);
            const rights = new Uint8Array(n);
            for (let i = 0; i < n; i++) {
                const q = requests[i];
                if (!Array.isArray(q) || q.length !== 3) return slowCheckMany.call(this, requests);
                const user = q[0];
                const right = q[1];
                const record = q[2];
                if (!__crmIsId(user) || !__crmIsId(record) || typeof right !== "string") return slowCheckMany.call(this, requests);
                const r = __crmRightOf(right);
                if (r < 0) return slowCheckMany.call(this, requests);
                parts[2 * i] = user;
                parts[2 * i + 1] = record;
                lens[2 * i] = user.length;
                lens[2 * i + 1] = record.length;
                rights[i] = r;
            }
            return this.__checkManyPacked(parts.join(""), lens, rights);
        },
    });
}
