//! The JavaScript binding (SPEC §9): the `Org` class of the npm package `crm-policy`.
//!
//! The only module that imports wasm-bindgen. It is thin on purpose: every
//! argument arrives as a `JsValue` and is converted here, so a wrong type is a
//! `PolicyError` (`bad-type`) and never a trap; snapshots and changesets are
//! stringified in JS and parsed by the engine's own `from_json` /
//! `parse_changes`, so their error paths are exactly the Rust ones; outputs
//! are plain JS objects (written as JSON text by `crate::json`, byte for byte serde_json's
//! text, parsed by `JSON.parse`). Every error is
//! thrown as an instance of the JS class `PolicyError` defined in
//! `pkg-template/policy-error.js` (copied into the package by `build.sh`).

// The demo module (`--features demo-module`, `crm_policy_demo_bg.wasm`) exports only
// `generateDemo`: the helpers of the `Org` class are unused there.
#![cfg_attr(feature = "demo-module", allow(dead_code, unused_imports))]

use js_sys::{Array, JsString, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::{Errors, PolicyError};
use crate::limits::MAX_ID_BYTES;
use crate::model::Principal;
use crate::{Org as Engine, Right};

/// Size of the scratch buffer: two ids of at most 1,024 UTF-16 units, UTF-8.
const SCRATCH_BYTES: usize = 6 * MAX_ID_BYTES + 64;

thread_local! {
    /// Where the JS fast paths of `check` / `rights` put the two ids: no allocation and
    /// no string conversion per call (the glue writes the ids' UTF-8 bytes straight into memory).
    /// Allocated by `__scratchPtr`, which the glue calls before its first use (a const
    /// initialiser: no lazy thread-local machinery in the module).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Size of the bulk id buffer the JS `checkMany` fills in wasm memory: the ids of its
/// requests one after another, UTF-8: each request's record id, preceded by its user's id
/// when the call has not named that user before. Per request the bulk meta buffer holds two
/// `u32`: the user's number in the call (bit 31 set when its id comes first, see
/// [`NEW_USER`]), then `right | record bytes << 4 | user bytes << 16`. As many requests
/// as fit; then one `__checkManyBulk` call decides them all.
const BULK_BYTES: usize = 1 << 20;
/// Most requests one bulk call can hold (the meta buffer holds `2 * BULK_MAX` `u32`).
const BULK_MAX: usize = 1 << 16;
/// Bit of a request's first meta word: its user's id precedes its record id.
const NEW_USER: u32 = 1 << 31;

thread_local! {
    /// The bulk id buffer (allocated on first use, never moved).
    static BULK: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The bulk meta buffer: two `u32` per request (see [`BULK_BYTES`]).
    static BULK_META: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
    /// One 0/1 byte per request of the last bulk call.
    static BULK_OUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The users a `checkMany` has named so far, by their number in the call.
    static BULK_USERS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The requests of a bulk call: `ids` cut by the lengths in `meta` (see [`BULK_BYTES`]),
/// which must account for every byte; the users a request names first are resolved and
/// added to `users`. `None` for an unknown user, a bad right or number, or a length out of
/// bounds. Record ids stay bytes (not checked as UTF-8: bytes that are not name no record,
/// and the glue's general path then gives the error).
fn bulk_requests<'a>(
    org: &Engine,
    ids: &'a [u8],
    meta: &[u32],
    users: &mut Vec<u32>,
) -> Option<Vec<(u32, Right, &'a [u8])>> {
    let mut out = Vec::with_capacity(meta.len() / 2);
    let mut at = 0usize;
    for m in meta.chunks_exact(2) {
        let &[who, lens] = m else { return None };
        let right = *Right::ALL.get((lens & 15) as usize)?;
        if who & NEW_USER != 0 {
            let end = at + (lens >> 16) as usize;
            let user = std::str::from_utf8(ids.get(at..end)?).ok()?;
            let user = org.user_index(user).ok()?;
            (who & !NEW_USER == users.len() as u32).then(|| users.push(user))?;
            at = end;
        }
        let user = *users.get((who & !NEW_USER) as usize)?;
        let end = at + ((lens >> 4) & 0xfff) as usize;
        out.push((user, right, ids.get(at..end)?));
        at = end;
    }
    (at == ids.len()).then_some(out)
}

/// Run `f` on the ids in the scratch buffer; -1 when the lengths or the UTF-8 are bad.
fn with_scratch_ids(user_len: usize, record_len: usize, f: impl FnOnce(&str, &str) -> i32) -> i32 {
    SCRATCH
        .try_with(|s| {
            let s = s.borrow();
            let Some(end) = user_len.checked_add(record_len) else {
                return -1;
            };
            match (s.get(..user_len), s.get(user_len..end)) {
                (Some(u), Some(r)) => match (std::str::from_utf8(u), std::str::from_utf8(r)) {
                    (Ok(u), Ok(r)) => f(u, r),
                    _ => -1,
                },
                _ => -1,
            }
        })
        .unwrap_or(-1)
}

#[wasm_bindgen(module = "/pkg-template/policy-error.js")]
extern "C" {
    /// The JS error class (`class PolicyError extends Error`).
    #[wasm_bindgen(js_name = PolicyError)]
    type JsPolicyError;

    #[wasm_bindgen(constructor, js_class = PolicyError)]
    fn new(message: &str, details: &JsValue) -> JsPolicyError;
}

/// Installed when the module is instantiated (the start function runs once, so no
/// `Once`): panics (which the engine never means to raise) are logged to
/// `console.error` with their message.
#[wasm_bindgen(start)]
fn crm_policy_start() {
    std::panic::set_hook(Box::new(console_error_panic_hook::hook));
}

/// The module's allocator: talc, growing the wasm memory as it needs (instead of std's
/// dlmalloc: less code, faster allocations). The module is single-threaded (no `atomics`).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

type JsResult<T> = Result<T, JsValue>;

// ---------------------------------------------------------------------------
// Errors

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A plain `{ code, message, path, help? }` object.
fn error_object(e: &PolicyError) -> JsValue {
    let o = Object::new();
    set(&o, "code", &JsValue::from_str(&e.code));
    set(&o, "message", &JsValue::from_str(&e.message));
    set(&o, "path", &JsValue::from_str(&e.path));
    if let Some(help) = &e.help {
        set(&o, "help", &JsValue::from_str(help));
    }
    o.into()
}

fn error_array(errors: &[PolicyError]) -> Array {
    errors.iter().map(error_object).collect()
}

/// The thrown value: `new PolicyError(message, { code, path, help, errors })`.
fn throw_errors(errors: &[PolicyError]) -> JsValue {
    let fallback = PolicyError::new("internal", "", "unknown error");
    let first = errors.first().unwrap_or(&fallback);
    let message = match errors.len() {
        0 | 1 => first.to_string(),
        n => format!("{first} (and {} more)", n - 1),
    };
    let details = Object::new();
    set(&details, "code", &JsValue::from_str(&first.code));
    set(&details, "path", &JsValue::from_str(&first.path));
    if let Some(help) = &first.help {
        set(&details, "help", &JsValue::from_str(help));
    }
    set(&details, "errors", &error_array(errors));
    JsPolicyError::new(&message, &details).into()
}

fn throw_one(e: PolicyError) -> JsValue {
    throw_errors(std::slice::from_ref(&e))
}

fn throw_all(e: Errors) -> JsValue {
    throw_errors(&e.0)
}

fn bad_type(path: &str, message: String) -> JsValue {
    throw_one(PolicyError::new("bad-type", path, message))
}

// ---------------------------------------------------------------------------
// Argument conversion

/// What a JS value is, for error messages.
fn describe(v: &JsValue) -> String {
    if v.is_undefined() {
        "undefined".into()
    } else if v.is_null() {
        "null".into()
    } else if let Some(s) = v.dyn_ref::<JsString>() {
        format!("a string of {} characters", s.length())
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        match v.js_typeof().as_string() {
            Some(t) if t == "object" => "an object".into(),
            Some(t) => format!("a {t}"),
            None => "a value".into(),
        }
    }
}

/// `expected {what}, got ` and a description of `v`.
#[inline(never)]
fn expected(what: &str, v: &JsValue) -> String {
    crate::error::cat("expected ", what, ", got ", &describe(v), "", "")
}

/// An id value: a string of at most `MAX_ID_BYTES` characters (the error has no path yet).
fn id_value(v: &JsValue, what: &str) -> Result<String, PolicyError> {
    let wrong = |message: String| PolicyError::new("bad-type", "", message);
    match v.dyn_ref::<JsString>() {
        Some(s) if (s.length() as usize) <= MAX_ID_BYTES => v
            .as_string()
            .ok_or_else(|| wrong(format!("expected {what} id (a string)"))),
        Some(s) => Err(wrong(format!(
            "expected {what} id of at most {MAX_ID_BYTES} bytes, got a string of {} characters",
            s.length()
        ))),
        None => Err(wrong(crate::error::cat(
            "expected ",
            what,
            " id (a string), got ",
            &describe(v),
            "",
            "",
        ))),
    }
}

/// An id argument at `path`.
fn id_arg(v: &JsValue, path: &str, what: &str) -> JsResult<String> {
    id_value(v, what).map_err(|e| throw_one(e.under(path)))
}

/// A right name: one of the eight rights of SPEC §1 (the error has no path yet).
fn right_value(v: &JsValue) -> Result<Right, PolicyError> {
    let name = match v.dyn_ref::<JsString>() {
        Some(s) if s.length() <= 16 => v.as_string().unwrap_or_default(),
        Some(_) => String::from("(a long string)"),
        None => {
            return Err(PolicyError::new(
                "bad-type",
                "",
                expected("a right name (a string)", v),
            ))
        }
    };
    Right::parse(&name).ok_or_else(|| {
        PolicyError::new("bad-right", "", format!("unknown right `{name}`")).with_help(RIGHTS_HELP)
    })
}

const RIGHTS_HELP: &str = "rights are create, read, write, delete, append, appendTo, assign, share";

/// A right argument at `path`.
fn right_arg(v: &JsValue, path: &str) -> JsResult<Right> {
    right_value(v).map_err(|e| throw_one(e.under(path)))
}

fn absent(v: &JsValue) -> bool {
    v.is_undefined() || v.is_null()
}

/// A non-negative integer (offset, limit).
fn count_arg(v: &JsValue, path: &str) -> JsResult<usize> {
    match v.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => {
            Ok(if n >= usize::MAX as f64 {
                usize::MAX
            } else {
                n as usize
            })
        }
        _ => Err(bad_type(path, expected("a non-negative integer", v))),
    }
}

/// A principal `{ user: id }` or `{ team: id }`.
fn principal_arg(v: &JsValue, path: &str) -> JsResult<Principal> {
    let wrong = || {
        bad_type(
            path,
            expected("a principal { user: id } or { team: id }", v),
        )
    };
    if !v.is_object() || Array::is_array(v) {
        return Err(wrong());
    }
    let obj: &Object = v.unchecked_ref();
    let keys = Object::keys(obj);
    if keys.length() != 1 {
        return Err(wrong());
    }
    let key = keys.get(0).as_string().unwrap_or_default();
    let value = Reflect::get(obj, &JsValue::from_str(&key)).unwrap_or(JsValue::UNDEFINED);
    match key.as_str() {
        "user" => Ok(Principal::User(id_arg(
            &value,
            &crate::error::sub(path, "/user"),
            "a user",
        )?)),
        "team" => Ok(Principal::Team(id_arg(
            &value,
            &crate::error::sub(path, "/team"),
            "a team",
        )?)),
        _ => Err(wrong()),
    }
}

// ---------------------------------------------------------------------------
// Memory

/// Give the allocator about `bytes` of room ahead of a method that allocates a lot.
///
/// The allocator grows the wasm memory 64 KiB at a time as it needs it, and V8 may
/// start a full garbage collection of the JS heap at a `memory.grow`: a first
/// `simulate` of 500 moves on the million-record org grew the memory ~580 times and
/// spent 35 of its 38 s in the collector (later runs, on memory already grown, took
/// 2.2 s). One allocation of the room, freed at once, grows the memory in one step and
/// leaves the space to the allocator, which reuses it (it never returns memory to the
/// host anyway, so the room costs only what the method would have grown).
fn headroom(bytes: usize) {
    let mut block: Vec<u8> = Vec::new();
    // (a failure only means no room was made: the method then grows as it goes)
    let _ = block.try_reserve_exact(bytes.min(1 << 30));
    std::hint::black_box(&block);
}

/// An eighth of the current memory, 8 to 512 MiB: the room for a method whose needs grow
/// with the org (a changeset's simulation, application or undo). An eighth covers most of 500 moves on the million-record org (it grew the memory by a fifth):
/// its first `simulate` then spends 3.8 s instead of 42 s, and the memory settles 7%
/// above what it grows to without the room. A quarter saved another second but settled
/// 31% above, the room then being wanted in one piece.
#[cfg(not(feature = "edge"))]
fn changeset_room() -> usize {
    let memory = core::arch::wasm32::memory_size::<0>().saturating_mul(1 << 16);
    (memory / 8).clamp(8 << 20, 512 << 20)
}

// ---------------------------------------------------------------------------
// Outputs

/// An output as a JS value, through its JSON text (`crate::json`, the text serde_json
/// writes): JSON.parse builds plain objects faster than one call into JS per field.
fn to_js<T: crate::json::Json + ?Sized>(value: &T) -> JsResult<JsValue> {
    JSON::parse(&crate::json::text(value))
}

fn string_array<S: AsRef<str>>(items: &[S]) -> Array {
    items
        .iter()
        .map(|s| JsValue::from_str(s.as_ref()))
        .collect()
}

// ---------------------------------------------------------------------------
// Demo orgs

#[cfg(feature = "demo-module")]
/// A size argument of `generateDemo`: `undefined` for the default, else an integer in `1..=max`.
fn size_arg(v: &JsValue, path: &str, default: usize, max: usize) -> JsResult<usize> {
    if absent(v) {
        return Ok(default);
    }
    let n = count_arg(v, path)?;
    if n == 0 || n > max {
        return Err(throw_one(PolicyError::new(
            "limit-exceeded",
            path,
            format!("{n} is out of range: 1 to {max}"),
        )));
    }
    Ok(n)
}

/// A deterministic Contoso-like demo org (the engine's generator) as snapshot JSON
/// text, ready for `Org.fromJSON`: `generateDemo(seed?, users?, units?, records?)`;
/// defaults are the playground's demo (2,000 users, 60 units, 50,000 records).
#[cfg(feature = "demo-module")]
#[wasm_bindgen(js_name = generateDemo)]
pub fn generate_demo(
    seed: &JsValue,
    users: &JsValue,
    units: &JsValue,
    records: &JsValue,
) -> JsResult<String> {
    let demo = crate::generate::GenerateSize::demo();
    let seed = if absent(seed) {
        42
    } else {
        count_arg(seed, "/seed")? as u64
    };
    let users = size_arg(users, "/users", demo.users, 1_000_000)?;
    let units = size_arg(units, "/units", demo.business_units, 100_000)?;
    let records = size_arg(records, "/records", demo.records, 5_000_000)?;
    let size = crate::generate::GenerateSize {
        users,
        business_units: units,
        teams: (users / 50).max(1),
        records,
        shares: records / 10,
    };
    Ok(crate::json::text(&crate::generate::generate(seed, &size)))
}

// ---------------------------------------------------------------------------
// The class

/// A compiled org held inside WebAssembly (SPEC §9).
#[cfg(not(feature = "demo-module"))]
#[wasm_bindgen]
pub struct Org {
    inner: Engine,
}

#[cfg(not(feature = "demo-module"))]
#[wasm_bindgen]
impl Org {
    /// Load a snapshot from its JSON text (the glue stringifies a snapshot given as an
    /// object, and reports what cannot be).
    #[wasm_bindgen(js_name = fromJSON)]
    pub fn from_json(text: &str) -> JsResult<Org> {
        // (the compiled org of a generated snapshot takes about twice its text)
        headroom(text.len().saturating_mul(2));
        Engine::from_json(text)
            .map(|inner| Org { inner })
            .map_err(throw_all)
    }

    /// Load the compact binary form written by `toBytes()`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(data: &[u8]) -> JsResult<Org> {
        // (the compiled generated org took 9.8 times its compact form; 8 stays under that
        // for orgs whose sections compress less, the rest then grown as needed)
        headroom(data.len().saturating_mul(8));
        Engine::from_bytes(data)
            .map(|inner| Org { inner })
            .map_err(throw_all)
    }

    /// The canonical snapshot as JSON text. Written in pieces of a few MB, each passed to
    /// JS as it is done, so the text is only ever in the JS heap, whose memory is given
    /// back, never all of it in wasm memory, which is not (it grew by 400 B a record,
    /// the text and its doublings).
    #[wasm_bindgen(js_name = toJSONString)]
    pub fn to_json_string(&self) -> JsString {
        headroom(self.export_room(true));
        let mut text = JsString::from("");
        self.inner
            .write_json(&mut |piece| text = text.concat(&JsValue::from_str(piece)));
        text
    }

    /// The canonical snapshot in the compact binary form.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        headroom(self.export_room(false));
        self.inner.to_bytes()
    }

    /// The room an export takes ([`headroom`]): on the million-record org, the records'
    /// view (`export::Export`) and their order grow the memory by 60 B a record, the
    /// binary encoder's tables and output by 90 B more (before the view and the JSON in
    /// pieces: 270 B for the snapshot, 420 B for its JSON text). Without the room the
    /// first export took 53 s with a parsed snapshot in the JS heap, the next one 2.7 s.
    fn export_room(&self, text: bool) -> usize {
        let per_record = if text { 64 } else { 160 };
        self.inner.record_count().saturating_mul(per_record)
    }

    /// Whether `user` holds `right` on `record`.
    pub fn check(&self, user: &JsValue, right: &JsValue, record: &JsValue) -> JsResult<bool> {
        let user = id_arg(user, "/user", "a user")?;
        let right = right_arg(right, "/right")?;
        let record = id_arg(record, "/record", "a record")?;
        self.inner.check(&user, right, &record).map_err(throw_one)
    }

    /// Address of the scratch buffer the JS fast paths write ids into
    /// ([`SCRATCH_BYTES`] bytes, allocated once and never moved); 0 if the thread-local
    /// cannot be reached (only while a thread exits, which the module's never does: the
    /// glue then takes the general path; `try_with`, so that `AccessError`'s `Debug` and
    /// the formatting builders stay out of the module).
    #[wasm_bindgen(js_name = __scratchPtr)]
    pub fn scratch_ptr() -> u32 {
        SCRATCH
            .try_with(|s| {
                let mut s = s.borrow_mut();
                if s.is_empty() {
                    *s = vec![0; SCRATCH_BYTES];
                }
                s.as_ptr() as usize as u32
            })
            .unwrap_or(0)
    }

    /// Fastest path of `check` and `rights`: the user id is the first `user_len` bytes of
    /// the scratch buffer, the record id the next `record_len`; the rights of `want` (a
    /// bitmask, bit i = the i-th right of SPEC §1) the user holds, or -1 when anything is
    /// wrong (the JS glue then calls `check` the general way for the exact error).
    #[wasm_bindgen(js_name = __checkScratch)]
    pub fn check_scratch(&self, user_len: usize, want: u8, record_len: usize) -> i32 {
        with_scratch_ids(user_len, record_len, |user, record| {
            match self.inner.rights_among(user, record, crate::RightSet(want)) {
                Ok(bits) => i32::from(bits.0),
                Err(_) => -1,
            }
        })
    }

    /// Address of the bulk id buffer of `checkMany` ([`BULK_BYTES`] bytes; the three bulk
    /// buffers are allocated on the first call and never moved); 0 as for `__scratchPtr`.
    #[wasm_bindgen(js_name = __bulkPtr)]
    pub fn bulk_ptr() -> u32 {
        let out = BULK_OUT.try_with(|o| {
            let mut o = o.borrow_mut();
            if o.is_empty() {
                *o = vec![0; BULK_MAX];
            }
        });
        let meta = BULK_META.try_with(|m| {
            let mut m = m.borrow_mut();
            if m.is_empty() {
                *m = vec![0; 2 * BULK_MAX];
            }
        });
        if out.is_err() || meta.is_err() {
            return 0;
        }
        BULK.try_with(|b| {
            let mut b = b.borrow_mut();
            if b.is_empty() {
                *b = vec![0; BULK_BYTES];
            }
            b.as_ptr() as usize as u32
        })
        .unwrap_or(0)
    }

    /// Address of the bulk meta buffer (`2 * BULK_MAX` `u32`, see [`BULK_BYTES`]).
    #[wasm_bindgen(js_name = __bulkMetaPtr)]
    pub fn bulk_meta_ptr() -> u32 {
        Org::bulk_ptr();
        BULK_META
            .try_with(|m| m.borrow().as_ptr() as usize as u32)
            .unwrap_or(0)
    }

    /// Address of the decisions of the last `__checkManyBulk` call (one byte each).
    #[wasm_bindgen(js_name = __bulkOutPtr)]
    pub fn bulk_out_ptr() -> u32 {
        Org::bulk_ptr();
        BULK_OUT
            .try_with(|o| o.borrow().as_ptr() as usize as u32)
            .unwrap_or(0)
    }

    /// Fastest path of `checkMany`: decides the `count` requests whose ids are the first
    /// `len` bytes of the bulk id buffer (see [`BULK_BYTES`]) and writes one 0/1 byte each
    /// at `__bulkOutPtr()`; `fresh` starts a new `checkMany` (no user named yet). Returns
    /// `count`, or -1 when anything is wrong (the JS glue then takes the general path,
    /// which gives the exact error).
    #[wasm_bindgen(js_name = __checkManyBulk)]
    pub fn check_many_bulk(&self, len: usize, count: usize, fresh: bool) -> i32 {
        if count > BULK_MAX {
            return -1;
        }
        let mut decisions = Vec::with_capacity(count);
        let decided = BULK.try_with(|b| {
            BULK_META.try_with(|m| {
                BULK_USERS.try_with(|users| {
                    let (b, m, mut users) = (b.borrow(), m.borrow(), users.borrow_mut());
                    if fresh {
                        users.clear();
                    }
                    let ids = b.get(..len)?;
                    let requests =
                        bulk_requests(&self.inner, ids, m.get(..2 * count)?, &mut users)?;
                    self.inner.check_resolved(&requests, &mut decisions).ok()
                })
            })
        });
        let Ok(Ok(Ok(Some(())))) = decided else {
            return -1;
        };
        let written = BULK_OUT.try_with(|o| {
            for (x, d) in o.borrow_mut().iter_mut().zip(decisions) {
                *x = u8::from(d);
            }
        });
        if written.is_err() {
            return -1;
        }
        count as i32
    }

    /// The decision with every granting path, or why it is denied (SPEC §3).
    pub fn explain(&self, user: &JsValue, right: &JsValue, record: &JsValue) -> JsResult<JsValue> {
        let user = id_arg(user, "/user", "a user")?;
        let right = right_arg(right, "/right")?;
        let record = id_arg(record, "/record", "a record")?;
        to_js(
            &self
                .inner
                .explain(&user, right, &record)
                .map_err(throw_one)?,
        )
    }

    /// Whether `user` may create a record of `table`, with this owner and business unit
    /// (`undefined` or `null`: the defaults). The glue takes them out of the options
    /// object `{ owner, businessUnit }`, whose shape it checks.
    #[wasm_bindgen(js_name = canCreate)]
    pub fn can_create(
        &self,
        user: &JsValue,
        table: &JsValue,
        owner: &JsValue,
        unit: &JsValue,
    ) -> JsResult<bool> {
        let user = id_arg(user, "/user", "a user")?;
        let table = id_arg(table, "/table", "a table")?;
        let owner = if absent(owner) {
            None
        } else {
            Some(principal_arg(owner, "/owner")?)
        };
        let unit = if absent(unit) {
            None
        } else {
            Some(id_arg(unit, "/businessUnit", "a business unit")?)
        };
        self.inner
            .can_create(&user, &table, owner.as_ref(), unit.as_deref())
            .map_err(throw_one)
    }

    /// The users holding `right` on `record`, sorted.
    #[wasm_bindgen(js_name = whoCan)]
    pub fn who_can(&self, right: &JsValue, record: &JsValue) -> JsResult<Array> {
        let right = right_arg(right, "/right")?;
        let record = id_arg(record, "/record", "a record")?;
        Ok(string_array(
            &self.inner.who_can(right, &record).map_err(throw_one)?,
        ))
    }

    /// The records on which `user` holds `right`: `{ total, records }`, of one table, from
    /// an offset, at most a limit (`undefined` or `null`: all tables, 0, no limit). The glue
    /// takes them out of the options object `{ table, offset, limit }`, whose shape it checks.
    #[wasm_bindgen(js_name = accessibleRecords)]
    pub fn accessible_records(
        &self,
        user: &JsValue,
        right: &JsValue,
        table: &JsValue,
        offset: &JsValue,
        limit: &JsValue,
    ) -> JsResult<JsValue> {
        let user = id_arg(user, "/user", "a user")?;
        let right = right_arg(right, "/right")?;
        let table = if absent(table) {
            None
        } else {
            Some(id_arg(table, "/table", "a table")?)
        };
        let offset = if absent(offset) {
            0
        } else {
            count_arg(offset, "/offset")?
        };
        let limit = if absent(limit) {
            None
        } else {
            Some(count_arg(limit, "/limit")?)
        };
        let page = self
            .inner
            .accessible_records(&user, right, table.as_deref(), offset, limit)
            .map_err(throw_one)?;
        to_js(&page)
    }

    /// Per table and right: the best level and its sources.
    #[wasm_bindgen(js_name = effectivePrivileges)]
    pub fn effective_privileges(&self, user: &JsValue) -> JsResult<JsValue> {
        let user = id_arg(user, "/user", "a user")?;
        to_js(&self.inner.effective_privileges(&user).map_err(throw_one)?)
    }

    /// Evaluate every assertion of the snapshot.
    #[wasm_bindgen(js_name = checkAssertions)]
    pub fn check_assertions(&self) -> JsResult<JsValue> {
        to_js(&self.inner.check_assertions())
    }

    /// Risky configurations (SPEC §9).
    #[wasm_bindgen(js_name = riskReport)]
    pub fn risk_report(&self) -> JsResult<JsValue> {
        to_js(&self.inner.risk_report())
    }
}

/// The changes (SPEC §6): not in the read-only build (`--features edge`, the package's
/// `crm-policy/edge` entry), which keeps every other call at two thirds of the size.
#[cfg(not(any(feature = "edge", feature = "demo-module")))]
#[wasm_bindgen]
impl Org {
    /// The errors the changeset (JSON text) would raise (an empty array when it is valid).
    #[wasm_bindgen(js_name = validateChanges)]
    pub fn validate_changes(&mut self, changes: &str) -> Array {
        match Engine::parse_changes(changes) {
            Ok(changes) => error_array(&self.inner.validate_changes(&changes)),
            Err(errors) => error_array(&errors.0),
        }
    }

    /// The impact of a changeset (JSON text), changing nothing (SPEC §6).
    pub fn simulate(&mut self, changes: &str) -> JsResult<JsValue> {
        headroom(changeset_room());
        let changes = Engine::parse_changes(changes).map_err(throw_all)?;
        to_js(&self.inner.simulate(&changes).map_err(throw_all)?)
    }

    /// Apply a changeset (JSON text) as one version: `{ version }`; all or nothing.
    pub fn apply(&mut self, changes: &str) -> JsResult<JsValue> {
        headroom(changeset_room());
        let changes = Engine::parse_changes(changes).map_err(throw_all)?;
        let version = self.inner.apply(changes).map_err(throw_all)?;
        let out = Object::new();
        set(&out, "version", &JsValue::from_f64(version as f64));
        Ok(out.into())
    }

    /// Restore the previous version; `true` when something was undone.
    pub fn undo(&mut self) -> bool {
        headroom(changeset_room());
        self.inner.undo()
    }

    /// Restore the next version; `true` when something was redone.
    pub fn redo(&mut self) -> bool {
        headroom(changeset_room());
        self.inner.redo()
    }

    /// The applied changesets.
    pub fn history(&self) -> JsResult<JsValue> {
        // (the applied versions themselves: `history()` would clone every change)
        to_js(&self.inner.history.applied)
    }
}
