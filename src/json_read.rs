//! The JSON reader: a byte-level tokenizer over `&str` (no serde), with serde_json's
//! errors — the same messages, line/column positions and JSON pointers.
//!
//! [`Lexer`] holds the primitives (whitespace, literals, strings, numbers, and the
//! comma/colon/bracket checks of serde_json's `SeqAccess`/`MapAccess`, ported so that each
//! error is raised at the byte serde_json raises it). `crate::read` drives it to read a
//! snapshot straight into the model types; [`parse_value`] reads any JSON value into the
//! small owned tree [`Value`] (a changeset, SPEC §6), with a key repeated in one object an
//! error. On an error, the JSON pointer of the value at fault is built while the error
//! goes up through the readers of the enclosing containers (nothing is tracked on the
//! way down).

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::error::{pointer_token, short_id, PolicyError};

// ---------------------------------------------------------------------------
// Errors

/// serde_json's syntax error messages (its `ErrorCode`s).
pub(crate) mod code {
    pub(crate) const EOF_LIST: &str = "EOF while parsing a list";
    pub(crate) const EOF_OBJECT: &str = "EOF while parsing an object";
    pub(crate) const EOF_STRING: &str = "EOF while parsing a string";
    pub(crate) const EOF_VALUE: &str = "EOF while parsing a value";
    pub(crate) const EXPECTED_COLON: &str = "expected `:`";
    pub(crate) const LIST_COMMA_OR_END: &str = "expected `,` or `]`";
    pub(crate) const OBJECT_COMMA_OR_END: &str = "expected `,` or `}`";
    pub(crate) const EXPECTED_IDENT: &str = "expected ident";
    pub(crate) const EXPECTED_VALUE: &str = "expected value";
    pub(crate) const INVALID_ESCAPE: &str = "invalid escape";
    pub(crate) const INVALID_NUMBER: &str = "invalid number";
    pub(crate) const NUMBER_OUT_OF_RANGE: &str = "number out of range";
    pub(crate) const CONTROL_CHARACTER: &str =
        "control character (\\u0000-\\u001F) found while parsing a string";
    pub(crate) const KEY_MUST_BE_A_STRING: &str = "key must be a string";
    pub(crate) const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
    pub(crate) const TRAILING_COMMA: &str = "trailing comma";
    pub(crate) const TRAILING_CHARACTERS: &str = "trailing characters";
    pub(crate) const END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";
    pub(crate) const RECURSION_LIMIT: &str = "recursion limit exceeded";
}

/// One step of a JSON pointer.
#[derive(Debug)]
pub(crate) enum Seg {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Where the JSON pointer of a data error raised without a position (by a struct reader,
/// or the unit-variant error of a principal) ends, once the enclosing struct reader has
/// placed it (see `crate::read`).
#[derive(Debug)]
pub(crate) enum Pending {
    /// At the struct itself.
    Here,
    /// An unknown key of the struct: at the key, unless the struct's `}` followed it.
    Key(String),
    /// A field's value (its key or index): at the field, or elsewhere depending on what
    /// follows it (the struct's `}` / `]`, or a `,`).
    Field(Seg),
}

/// A read error.
#[derive(Debug)]
pub(crate) struct Fail {
    /// A syntax error (reported at the root, no pointer).
    pub(crate) syntax: bool,
    /// The message, without its position.
    pub(crate) msg: Cow<'static, str>,
    /// The byte offset serde_json reports the error at (`None`: not placed yet).
    pub(crate) at: Option<usize>,
    /// The pointer, innermost step first.
    pub(crate) path: Vec<Seg>,
    /// For an error not placed yet: where its pointer ends.
    pub(crate) pending: Pending,
}

/// A read result (the error boxed: the `Ok` path stays small).
pub(crate) type Res<T> = Result<T, Box<Fail>>;

impl Fail {
    /// A data error not placed yet.
    pub(crate) fn data(msg: String, pending: Pending) -> Box<Fail> {
        Box::new(Fail {
            syntax: false,
            msg: Cow::Owned(msg),
            at: None,
            path: Vec::new(),
            pending,
        })
    }

    /// Add the step of the enclosing container (for an error already placed).
    pub(crate) fn under(mut self: Box<Self>, seg: Seg) -> Box<Self> {
        self.path.push(seg);
        self
    }

    /// The error as a [`PolicyError`]: the message with serde_json's position, the code
    /// following the message, the pointer under `root`.
    pub(crate) fn into_error(self, json: &str, root: &str) -> PolicyError {
        let (line, column) = position(json, self.at.unwrap_or(0));
        let msg = format!("{} at line {line} column {column}", self.msg);
        if self.syntax {
            let code = if self.msg == code::RECURSION_LIMIT {
                "limit-exceeded"
            } else {
                "invalid-json"
            };
            return PolicyError::new(code, root, msg);
        }
        let mut pointer = String::from(root);
        for seg in self.path.iter().rev() {
            pointer.push('/');
            match seg {
                Seg::Key(k) => pointer.push_str(&pointer_token(k)),
                Seg::Index(i) => {
                    let _ = write!(pointer, "{i}");
                }
            }
        }
        crate::validate::error_at_pointer(pointer, &msg)
    }
}

/// serde_json's position of byte offset `i`: 1-based line, column = bytes before `i` on
/// its line.
fn position(json: &str, i: usize) -> (usize, usize) {
    let b = json.as_bytes();
    let i = i.min(b.len());
    let head = b.get(..i).unwrap_or_default();
    let start = head.iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
    let lines = head
        .get(..start)
        .unwrap_or_default()
        .iter()
        .filter(|&&c| c == b'\n')
        .count();
    (1 + lines, i - start)
}

// ---------------------------------------------------------------------------
// serde's message texts

/// What a value turned out to be (serde's `Unexpected`, as serde_json reports it).
pub(crate) enum Unexp<'x> {
    /// `null`.
    Unit,
    /// A boolean.
    Bool(bool),
    /// A non-negative integer.
    Unsigned(u64),
    /// A negative integer.
    Signed(i64),
    /// Any other number.
    Float(&'x Float),
    /// A string.
    Str(&'x str),
    /// An array.
    Seq,
    /// An object.
    Map,
    /// A unit variant (an enum given by its name alone).
    UnitVariant,
}

/// Whether a message writes `c` as `\u{…}`: the characters Rust's `Debug` escapes that one
/// cannot see or tell apart — controls (C0, DEL, C1), spaces but ' ' (Zs), the line and
/// paragraph separators, the common format characters (soft hyphen, zero-width and
/// direction marks, word joiners, BOM, interlinear annotation, tags), private use and
/// noncharacters. Rust's `Debug` also escapes unassigned code points and combining marks
/// (grapheme extenders), by Unicode tables (3.9 KB raw, 2.8 KB gzipped of the module): those are
/// written as they are.
fn escaped(c: char) -> bool {
    matches!(c as u32,
        0..=0x1f | 0x7f..=0xa0 | 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x8e2
        | 0x1680 | 0x180e | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x206f | 0x3000
        | 0xd800..=0xf8ff | 0xfdd0..=0xfdef | 0xfeff | 0xfff0..=0xfffb | 0xe0000..=0xe007f
        | 0xf0000..=0x10ffff)
        || c as u32 & 0xfffe == 0xfffe
}

/// What `{s:?}` writes for a `str` (its `Debug`), but for the characters [`escaped`] leaves
/// alone, without linking `str`'s `Debug`, `char::escape_debug` and their Unicode tables.
fn debug_str(f: &mut std::fmt::Formatter<'_>, s: &str) -> std::fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\0' => f.write_str("\\0")?,
            c if escaped(c) => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl std::fmt::Display for Unexp<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unexp::Unit => f.write_str("null"),
            Unexp::Bool(b) => write!(f, "boolean `{b}`"),
            Unexp::Unsigned(n) => write!(f, "integer `{n}`"),
            Unexp::Signed(n) => write!(f, "integer `{n}`"),
            Unexp::Float(x) => write!(f, "floating point `{}`", x.text()),
            Unexp::Str(s) => {
                f.write_str("string ")?;
                debug_str(f, s)
            }
            Unexp::Seq => f.write_str("sequence"),
            Unexp::Map => f.write_str("map"),
            Unexp::UnitVariant => f.write_str("unit variant"),
        }
    }
}

/// "invalid type: …, expected …".
pub(crate) fn invalid_type(u: &Unexp<'_>, expected: &str) -> String {
    format!("invalid type: {u}, expected {expected}")
}

/// "invalid value: …, expected …".
pub(crate) fn invalid_value(u: &Unexp<'_>, expected: &str) -> String {
    format!("invalid value: {u}, expected {expected}")
}

/// serde's list of alternatives: "`a`", "`a` or `b`", "one of `a`, `b`, `c`".
fn one_of(names: &[&str]) -> String {
    match names {
        [a] => format!("`{a}`"),
        [a, b] => format!("`{a}` or `{b}`"),
        _ => {
            let mut s = String::from("one of ");
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write!(s, "`{n}`");
            }
            s
        }
    }
}

/// "unknown field `x`, expected …".
pub(crate) fn unknown_field(field: &str, names: &[&str]) -> String {
    if names.is_empty() {
        format!("unknown field `{field}`, there are no fields")
    } else {
        format!("unknown field `{field}`, expected {}", one_of(names))
    }
}

/// "unknown variant `x`, expected …".
pub(crate) fn unknown_variant(variant: &str, names: &[&str]) -> String {
    if names.is_empty() {
        format!("unknown variant `{variant}`, there are no variants")
    } else {
        format!("unknown variant `{variant}`, expected {}", one_of(names))
    }
}

// ---------------------------------------------------------------------------
// Numbers

/// A number that is neither a `u64` nor an `i64` (what serde_json reads as an `f64`):
/// `significand × 10^exponent`, as serde_json's parser leaves it before its float
/// arithmetic (no float arithmetic or formatting here).
#[derive(Debug, Clone, PartialEq)]
pub struct Float {
    negative: bool,
    significand: u64,
    exponent: i32,
}

impl Float {
    /// The number as serde_json writes an `f64` in a message (its shortest digits, fixed
    /// notation from 1e-5 to below 1e16 with a `.0` on integers, else `1.5e+16` / `1e-6`).
    /// Exact when the number has at most 15 significant digits (the shortest digits are
    /// then the written ones, trailing zeros dropped); past that, these are the written
    /// digits rounded to 17, not always the shortest ones of the nearest `f64` (serde_json
    /// writes `0.1000000000000000055511` as `0.1`, this as `0.10000000000000001`): no float
    /// formatting code in the module for a message about a value that is wrong anyway.
    pub fn text(&self) -> String {
        let mut out = String::new();
        if self.negative {
            out.push('-');
        }
        let mut digits = self.significand.to_string();
        let mut exponent = i64::from(self.exponent);
        if digits.len() > 17 {
            // an f64 has at most 17 significant digits: rounded to 17
            exponent += digits.len() as i64 - 17;
            let up = digits.as_bytes().get(17).is_some_and(|&d| d >= b'5');
            digits.truncate(17);
            if up {
                let mut n: u64 = digits.parse().unwrap_or(0) + 1;
                if n >= 100_000_000_000_000_000 {
                    n /= 10;
                    exponent += 1;
                }
                digits = n.to_string();
            }
        }
        while digits.len() > 1 && digits.ends_with('0') {
            digits.pop();
            exponent += 1;
        }
        let len = digits.len() as i64;
        // the value is d.ddd × 10^dec_exp
        let dec_exp = len - 1 + exponent;
        if self.significand == 0 || dec_exp < -324 {
            out.push_str("0.0");
        } else if (-5..=15).contains(&dec_exp) {
            if len - 1 <= dec_exp {
                out.push_str(&digits);
                out.extend(std::iter::repeat_n('0', (dec_exp - (len - 1)) as usize));
                out.push_str(".0");
            } else if dec_exp >= 0 {
                let (int, frac) = digits
                    .split_at_checked(dec_exp as usize + 1)
                    .unwrap_or((&digits, ""));
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            } else {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', (-dec_exp - 1) as usize));
                out.push_str(&digits);
            }
        } else {
            let (first, rest) = digits.split_at_checked(1).unwrap_or((&digits, ""));
            out.push_str(first);
            if !rest.is_empty() {
                out.push('.');
                out.push_str(rest);
            }
            let _ = write!(
                out,
                "e{}{}",
                if dec_exp < 0 { "-" } else { "+" },
                dec_exp.abs()
            );
        }
        out
    }
}

/// A number as serde_json's parser reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// A non-negative integer that fits a `u64`.
    Unsigned(u64),
    /// A negative integer that fits an `i64`.
    Signed(i64),
    /// Anything else (a fraction, an exponent, `-0`, an integer out of range).
    Float(Float),
}

impl Number {
    fn unexpected(&self) -> Unexp<'_> {
        match self {
            Number::Unsigned(n) => Unexp::Unsigned(*n),
            Number::Signed(n) => Unexp::Signed(*n),
            Number::Float(f) => Unexp::Float(f),
        }
    }
}

/// Whether `significand × 10^exponent` is infinite as an `f64` in serde_json's
/// arithmetic (`f64_from_parts`: the significand as an `f64` times `1e{exponent}`).
fn overflows(significand: u64, exponent: i32) -> bool {
    if significand == 0 || exponent <= 288 {
        // below 1.9e19 × 1e288: finite
        return false;
    }
    if exponent > 308 {
        return true;
    }
    // the largest powers of ten as serde_json's table has them (literals)
    const POW10_HIGH: [f64; 20] = [
        1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301,
        1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308,
    ];
    let pow = POW10_HIGH
        .get(exponent as usize - 289)
        .copied()
        .unwrap_or(f64::INFINITY);
    (significand as f64 * pow).is_infinite()
}

// ---------------------------------------------------------------------------
// The tokenizer

/// serde_json's nesting limit (`remaining_depth`).
const DEPTH: u8 = 128;

/// The tokenizer: the input and the offset of the next byte (serde_json's `index`).
pub(crate) struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    /// The next byte to read.
    pub(crate) i: usize,
    /// Nesting levels left before the recursion limit.
    depth: u8,
    /// The text of the last string read that had an escape.
    pub(crate) scratch: String,
}

/// Bytes `"`, `\` and below 0x20 in an 8-byte word: the high bit of each such byte
/// (exact for the lowest one).
#[inline]
fn special(x: u64) -> u64 {
    const ONES: u64 = u64::MAX / 255;
    let ctrl = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * u64::from(b'"'));
    let quote = q.wrapping_sub(ONES) & !q;
    let s = x ^ (ONES * u64::from(b'\\'));
    let slash = s.wrapping_sub(ONES) & !s;
    (ctrl | quote | slash) & (ONES << 7)
}

impl<'a> Lexer<'a> {
    /// A tokenizer at the start of `src`.
    pub(crate) fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            b: src.as_bytes(),
            i: 0,
            depth: DEPTH,
            scratch: String::new(),
        }
    }

    /// The next byte, not consumed.
    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Consume the next byte.
    #[inline]
    pub(crate) fn eat(&mut self) {
        self.i += 1;
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    /// A syntax error at the current offset (serde_json's `error`).
    #[cold]
    pub(crate) fn err(&self, msg: &'static str) -> Box<Fail> {
        self.err_at(msg, self.i)
    }

    /// A syntax error past the next byte (serde_json's `peek_error`).
    #[cold]
    pub(crate) fn peek_err(&self, msg: &'static str) -> Box<Fail> {
        self.err_at(msg, (self.i + 1).min(self.b.len()))
    }

    #[cold]
    fn err_at(&self, msg: &'static str, at: usize) -> Box<Fail> {
        Box::new(Fail {
            syntax: true,
            msg: Cow::Borrowed(msg),
            at: Some(at),
            path: Vec::new(),
            pending: Pending::Here,
        })
    }

    /// A data error placed at the current offset.
    #[cold]
    pub(crate) fn data_err(&self, msg: String) -> Box<Fail> {
        self.fix(Fail::data(msg, Pending::Here))
    }

    /// Place an error not placed yet at the current offset (serde_json's `fix_position`).
    pub(crate) fn fix(&self, mut f: Box<Fail>) -> Box<Fail> {
        if f.at.is_none() {
            f.at = Some(self.i);
        }
        f
    }

    /// Skip whitespace; the next byte, not consumed.
    #[inline]
    pub(crate) fn ws(&mut self) -> Option<u8> {
        loop {
            match self.b.get(self.i) {
                Some(b' ' | b'\n' | b'\t' | b'\r') => self.i += 1,
                other => return other.copied(),
            }
        }
    }

    /// One nesting level more (before consuming `[` or `{`).
    #[inline]
    pub(crate) fn enter(&mut self) -> Res<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            return Err(self.peek_err(code::RECURSION_LIMIT));
        }
        Ok(())
    }

    /// One nesting level less.
    #[inline]
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_add(1);
    }

    /// The rest of a literal (`ull`, `rue`, `alse`).
    pub(crate) fn ident(&mut self, rest: &[u8]) -> Res<()> {
        for &want in rest {
            match self.next() {
                None => return Err(self.err(code::EOF_VALUE)),
                Some(c) if c != want => return Err(self.err(code::EXPECTED_IDENT)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// `null` (consumed) or not (serde_json's `deserialize_option`).
    #[inline]
    pub(crate) fn null(&mut self) -> Res<bool> {
        if self.ws() == Some(b'n') {
            self.eat();
            self.ident(b"ull")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Past bytes that need no attention in a string (`"`, `\`, control characters).
    #[inline]
    fn skip_plain(&mut self) {
        let b = self.b;
        let mut i = self.i;
        while let Some(chunk) = b.get(i..i + 8) {
            let Ok(word) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            let m = special(u64::from_le_bytes(word));
            if m != 0 {
                self.i = i + (m.trailing_zeros() / 8) as usize;
                return;
            }
            i += 8;
        }
        while let Some(&c) = b.get(i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            i += 1;
        }
        self.i = i;
    }

    /// A string's text, the opening quote consumed: borrowed from the input when it has
    /// no escape, else `None` and the text is in `self.scratch`.
    #[inline]
    pub(crate) fn string(&mut self) -> Res<Option<&'a str>> {
        let start = self.i;
        self.skip_plain();
        if self.peek() == Some(b'"') {
            let s = self.src.get(start..self.i).unwrap_or_default();
            self.i += 1;
            return Ok(Some(s));
        }
        self.escaped(start)?;
        Ok(None)
    }

    /// A string's text as an owned `String`.
    #[inline]
    pub(crate) fn string_owned(&mut self) -> Res<String> {
        Ok(match self.string()? {
            Some(s) => s.to_owned(),
            None => self.scratch.clone(),
        })
    }

    /// The rest of a string that needs attention, from `start`, into `self.scratch`.
    #[cold]
    fn escaped(&mut self, start: usize) -> Res<()> {
        self.scratch.clear();
        let mut run = start;
        loop {
            self.skip_plain();
            match self.peek() {
                None => return Err(self.err(code::EOF_STRING)),
                Some(b'"') => {
                    self.scratch
                        .push_str(self.src.get(run..self.i).unwrap_or_default());
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.scratch
                        .push_str(self.src.get(run..self.i).unwrap_or_default());
                    self.i += 1;
                    self.escape()?;
                    run = self.i;
                }
                Some(_) => {
                    self.i += 1;
                    return Err(self.err(code::CONTROL_CHARACTER));
                }
            }
        }
    }

    /// One escape, its `\` consumed (serde_json's `parse_escape`).
    fn escape(&mut self) -> Res<()> {
        let Some(c) = self.next() else {
            return Err(self.err(code::EOF_STRING));
        };
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(self.err(code::INVALID_ESCAPE)),
        };
        self.scratch.push(ch);
        Ok(())
    }

    /// Four hex digits (serde_json's `decode_hex_escape`).
    fn hex4(&mut self) -> Res<u16> {
        let Some(digits) = self.b.get(self.i..self.i + 4) else {
            self.i = self.b.len();
            return Err(self.err(code::EOF_STRING));
        };
        self.i += 4;
        let mut n: u16 = 0;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.err(code::INVALID_ESCAPE)),
            };
            n = (n << 4) | u16::from(v);
        }
        Ok(n)
    }

    /// A `\u` escape, `\u` consumed: a character, or a surrogate pair (a lone surrogate is
    /// an error, as serde_json reads strings).
    fn unicode_escape(&mut self) -> Res<()> {
        let n = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.err(code::LONE_SURROGATE));
        }
        if !(0xD800..=0xDBFF).contains(&n) {
            self.scratch
                .push(char::from_u32(u32::from(n)).unwrap_or('\u{FFFD}'));
            return Ok(());
        }
        for want in [b'\\', b'u'] {
            match self.peek() {
                None => return Err(self.err(code::EOF_STRING)),
                Some(c) => {
                    self.i += 1;
                    if c != want {
                        return Err(self.err(code::END_OF_HEX_ESCAPE));
                    }
                }
            }
        }
        let n2 = self.hex4()?;
        if !(0xDC00..=0xDFFF).contains(&n2) {
            return Err(self.err(code::LONE_SURROGATE));
        }
        let c = (((u32::from(n) - 0xD800) << 10) | (u32::from(n2) - 0xDC00)) + 0x1_0000;
        self.scratch.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
        Ok(())
    }

    /// A number, its `-` consumed when `!positive` (serde_json's `parse_integer`).
    pub(crate) fn number(&mut self, positive: bool) -> Res<Number> {
        let Some(c) = self.next() else {
            return Err(self.err(code::EOF_VALUE));
        };
        let mut significand = match c {
            b'0' => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_err(code::INVALID_NUMBER));
                }
                0
            }
            b'1'..=b'9' => u64::from(c - b'0'),
            _ => return Err(self.err(code::INVALID_NUMBER)),
        };
        if c != b'0' {
            while let Some(d @ b'0'..=b'9') = self.peek() {
                let digit = u64::from(d - b'0');
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(digit))
                {
                    Some(s) => {
                        self.i += 1;
                        significand = s;
                    }
                    None => {
                        // parse_long_integer: the remaining digits only scale it
                        let mut exponent = 0i32;
                        while let Some(b'0'..=b'9') = self.peek() {
                            self.i += 1;
                            exponent = exponent.saturating_add(1);
                        }
                        return self.fraction(positive, significand, exponent);
                    }
                }
            }
        }
        match self.peek() {
            Some(b'.' | b'e' | b'E') => self.fraction(positive, significand, 0),
            _ if positive => Ok(Number::Unsigned(significand)),
            _ => match i64::try_from(significand) {
                Ok(n) if n > 0 => Ok(Number::Signed(-n)),
                Ok(_) => Ok(self.float(false, 0, 0)),
                Err(_) if significand == 1 << 63 => Ok(Number::Signed(i64::MIN)),
                Err(_) => Ok(self.float(false, significand, 0)),
            },
        }
    }

    fn float(&self, positive: bool, significand: u64, exponent: i32) -> Number {
        Number::Float(Float {
            negative: !positive,
            significand,
            exponent,
        })
    }

    /// The fraction and exponent of a number, if any (serde_json's `parse_decimal` and
    /// `parse_exponent`, `f64_from_parts` reduced to its range check).
    fn fraction(&mut self, positive: bool, mut significand: u64, mut exponent: i32) -> Res<Number> {
        if self.peek() == Some(b'.') {
            self.i += 1;
            let mut digits = 0;
            let mut overflowed = false;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.i += 1;
                digits += 1;
                if overflowed {
                    continue;
                }
                match significand
                    .checked_mul(10)
                    .and_then(|s| s.checked_add(u64::from(d - b'0')))
                {
                    Some(s) => {
                        significand = s;
                        exponent = exponent.saturating_sub(1);
                    }
                    // parse_decimal_overflow: the remaining digits are dropped
                    None => overflowed = true,
                }
            }
            if digits == 0 {
                return Err(match self.peek() {
                    Some(_) => self.peek_err(code::INVALID_NUMBER),
                    None => self.peek_err(code::EOF_VALUE),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            let positive_exp = match self.peek() {
                Some(b'+') => {
                    self.i += 1;
                    true
                }
                Some(b'-') => {
                    self.i += 1;
                    false
                }
                _ => true,
            };
            let mut exp = match self.next() {
                None => return Err(self.err(code::EOF_VALUE)),
                Some(d @ b'0'..=b'9') => i32::from(d - b'0'),
                Some(_) => return Err(self.err(code::INVALID_NUMBER)),
            };
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.i += 1;
                match exp
                    .checked_mul(10)
                    .and_then(|e| e.checked_add(i32::from(d - b'0')))
                {
                    Some(e) => exp = e,
                    None => {
                        // parse_exponent_overflow
                        if significand != 0 && positive_exp {
                            return Err(self.err(code::NUMBER_OUT_OF_RANGE));
                        }
                        while let Some(b'0'..=b'9') = self.peek() {
                            self.i += 1;
                        }
                        return Ok(self.float(positive, 0, 0));
                    }
                }
            }
            exponent = if positive_exp {
                exponent.saturating_add(exp)
            } else {
                exponent.saturating_sub(exp)
            };
        }
        if overflows(significand, exponent) {
            return Err(self.err(code::NUMBER_OUT_OF_RANGE));
        }
        Ok(self.float(positive, significand, exponent))
    }

    /// The error for a value of the wrong type, `expected` being what was wanted
    /// (serde_json's `peek_invalid_type`: the value is read to be described).
    #[cold]
    pub(crate) fn invalid_type(&mut self, expected: &str) -> Box<Fail> {
        let msg = match self.peek() {
            Some(b'n') => {
                self.eat();
                if let Err(e) = self.ident(b"ull") {
                    return e;
                }
                invalid_type(&Unexp::Unit, expected)
            }
            Some(b't') => {
                self.eat();
                if let Err(e) = self.ident(b"rue") {
                    return e;
                }
                invalid_type(&Unexp::Bool(true), expected)
            }
            Some(b'f') => {
                self.eat();
                if let Err(e) = self.ident(b"alse") {
                    return e;
                }
                invalid_type(&Unexp::Bool(false), expected)
            }
            Some(c @ (b'-' | b'0'..=b'9')) => {
                if c == b'-' {
                    self.eat();
                }
                match self.number(c != b'-') {
                    Ok(n) => invalid_type(&n.unexpected(), expected),
                    Err(e) => return e,
                }
            }
            Some(b'"') => {
                self.eat();
                match self.string() {
                    Ok(Some(s)) => invalid_type(&Unexp::Str(s), expected),
                    Ok(None) => invalid_type(&Unexp::Str(&self.scratch), expected),
                    Err(e) => return e,
                }
            }
            Some(b'[') => invalid_type(&Unexp::Seq, expected),
            Some(b'{') => invalid_type(&Unexp::Map, expected),
            _ => return self.peek_err(code::EXPECTED_VALUE),
        };
        self.data_err(msg)
    }

    /// A string value (serde_json's `deserialize_str`).
    #[inline]
    pub(crate) fn str_value(&mut self) -> Res<String> {
        match self.ws() {
            Some(b'"') => {
                self.eat();
                self.string_owned()
            }
            None => Err(self.peek_err(code::EOF_VALUE)),
            Some(_) => Err(self.invalid_type("a string")),
        }
    }

    /// A boolean value (serde_json's `deserialize_bool`).
    #[inline]
    pub(crate) fn bool_value(&mut self) -> Res<bool> {
        match self.ws() {
            Some(b't') => {
                self.eat();
                self.ident(b"rue")?;
                Ok(true)
            }
            Some(b'f') => {
                self.eat();
                self.ident(b"alse")?;
                Ok(false)
            }
            None => Err(self.peek_err(code::EOF_VALUE)),
            Some(_) => Err(self.invalid_type("a boolean")),
        }
    }

    /// A `u32` value (serde_json's `deserialize_number` with serde's `u32` visitor).
    pub(crate) fn u32_value(&mut self) -> Res<u32> {
        let n = match self.ws() {
            Some(b'-') => {
                self.eat();
                self.number(false)?
            }
            Some(b'0'..=b'9') => self.number(true)?,
            None => return Err(self.peek_err(code::EOF_VALUE)),
            Some(_) => return Err(self.invalid_type("u32")),
        };
        match n {
            Number::Unsigned(v) => {
                u32::try_from(v).map_err(|_| self.data_err(invalid_value(&n.unexpected(), "u32")))
            }
            Number::Signed(_) => Err(self.data_err(invalid_value(&n.unexpected(), "u32"))),
            Number::Float(_) => Err(self.data_err(invalid_type(&n.unexpected(), "u32"))),
        }
    }

    /// `()` (serde_json's `deserialize_unit`: the content of a unit variant in map form).
    pub(crate) fn unit_value(&mut self) -> Res<()> {
        match self.ws() {
            Some(b'n') => {
                self.eat();
                self.ident(b"ull")
            }
            None => Err(self.peek_err(code::EOF_VALUE)),
            Some(_) => Err(self.invalid_type("unit")),
        }
    }

    /// The `:` after a key.
    #[inline]
    pub(crate) fn colon(&mut self) -> Res<()> {
        match self.ws() {
            Some(b':') => {
                self.eat();
                Ok(())
            }
            Some(_) => Err(self.peek_err(code::EXPECTED_COLON)),
            None => Err(self.peek_err(code::EOF_OBJECT)),
        }
    }

    /// Whether an array has one more element (serde_json's `has_next_element`).
    #[inline]
    pub(crate) fn next_element(&mut self, first: &mut bool) -> Res<bool> {
        match self.ws() {
            None => Err(self.peek_err(code::EOF_LIST)),
            Some(b']') => Ok(false),
            Some(_) if *first => {
                *first = false;
                Ok(true)
            }
            Some(b',') => {
                self.eat();
                match self.ws() {
                    Some(b']') => Err(self.peek_err(code::TRAILING_COMMA)),
                    Some(_) => Ok(true),
                    None => Err(self.peek_err(code::EOF_VALUE)),
                }
            }
            Some(_) => Err(self.peek_err(code::LIST_COMMA_OR_END)),
        }
    }

    /// Whether an object has one more key (serde_json's `has_next_key`); then its opening
    /// quote is next.
    #[inline]
    pub(crate) fn next_key(&mut self, first: &mut bool) -> Res<bool> {
        match self.ws() {
            None => Err(self.peek_err(code::EOF_OBJECT)),
            Some(b'}') => Ok(false),
            Some(c) if *first => {
                *first = false;
                if c == b'"' {
                    Ok(true)
                } else {
                    Err(self.peek_err(code::KEY_MUST_BE_A_STRING))
                }
            }
            Some(b',') => {
                self.eat();
                match self.ws() {
                    Some(b'"') => Ok(true),
                    Some(b'}') => Err(self.peek_err(code::TRAILING_COMMA)),
                    Some(_) => Err(self.peek_err(code::KEY_MUST_BE_A_STRING)),
                    None => Err(self.peek_err(code::EOF_VALUE)),
                }
            }
            Some(_) => Err(self.peek_err(code::OBJECT_COMMA_OR_END)),
        }
    }

    /// The end of an array (serde_json's `end_seq`); on an error, whether a `,` was
    /// consumed.
    pub(crate) fn end_seq(&mut self) -> Result<(), (Box<Fail>, bool)> {
        match self.ws() {
            Some(b']') => {
                self.eat();
                Ok(())
            }
            Some(b',') => {
                self.eat();
                Err((
                    match self.ws() {
                        Some(b']') => self.peek_err(code::TRAILING_COMMA),
                        _ => self.peek_err(code::TRAILING_CHARACTERS),
                    },
                    true,
                ))
            }
            Some(_) => Err((self.peek_err(code::TRAILING_CHARACTERS), false)),
            None => Err((self.peek_err(code::EOF_LIST), false)),
        }
    }

    /// The end of an object (serde_json's `end_map`).
    pub(crate) fn end_map(&mut self) -> Res<()> {
        match self.ws() {
            Some(b'}') => {
                self.eat();
                Ok(())
            }
            Some(b',') => Err(self.peek_err(code::TRAILING_COMMA)),
            Some(_) => Err(self.peek_err(code::TRAILING_CHARACTERS)),
            None => Err(self.peek_err(code::EOF_OBJECT)),
        }
    }

    /// Nothing but whitespace left (serde_json's `Deserializer::end`).
    pub(crate) fn end(&mut self) -> Res<()> {
        match self.ws() {
            Some(_) => Err(self.peek_err(code::TRAILING_CHARACTERS)),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------
// Any value, into an owned tree

/// A JSON value (what a changeset is read into before its operations are).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object: its entries sorted by key (the order serde_json's map iterates in), keys
    /// unique.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// What the value is, for a message.
    pub(crate) fn unexpected(&self) -> Unexp<'_> {
        match self {
            Value::Null => Unexp::Unit,
            Value::Bool(b) => Unexp::Bool(*b),
            Value::Number(n) => n.unexpected(),
            Value::String(s) => Unexp::Str(s),
            Value::Array(_) => Unexp::Seq,
            Value::Object(_) => Unexp::Map,
        }
    }
}

/// Parse JSON text into a [`Value`]: a key repeated in one object is an error
/// (`duplicate-field`, at the key), like every syntax error (`invalid-json`, at `root`),
/// with serde_json's messages.
pub fn parse_value(json: &str, root: &str) -> Result<Value, PolicyError> {
    if let Some(e) = crate::validate::too_long(json, root) {
        return Err(e);
    }
    let mut lx = Lexer::new(json);
    let v = any(&mut lx).and_then(|v| lx.end().map(|()| v));
    v.map_err(|f| f.into_error(json, root))
}

/// Objects with more keys than this check duplicates through a hash set.
const LINEAR_KEYS: usize = 16;

/// Any value (serde_json's `deserialize_any`).
fn any(lx: &mut Lexer<'_>) -> Res<Value> {
    let v = match lx.ws() {
        None => return Err(lx.peek_err(code::EOF_VALUE)),
        Some(b'n') => {
            lx.eat();
            lx.ident(b"ull")?;
            Value::Null
        }
        Some(b't') => {
            lx.eat();
            lx.ident(b"rue")?;
            Value::Bool(true)
        }
        Some(b'f') => {
            lx.eat();
            lx.ident(b"alse")?;
            Value::Bool(false)
        }
        Some(b'-') => {
            lx.eat();
            Value::Number(lx.number(false)?)
        }
        Some(b'0'..=b'9') => Value::Number(lx.number(true)?),
        Some(b'"') => {
            lx.eat();
            Value::String(lx.string_owned()?)
        }
        Some(b'[') => {
            lx.enter()?;
            lx.eat();
            let ret = array(lx);
            lx.leave();
            let end = lx.end_seq().map_err(|(e, _)| e);
            match (ret, end) {
                (Ok(v), Ok(())) => v,
                (Err(e), _) | (_, Err(e)) => return Err(lx.fix(e)),
            }
        }
        Some(b'{') => {
            lx.enter()?;
            lx.eat();
            let ret = object(lx);
            lx.leave();
            let end = lx.end_map();
            match (ret, end) {
                (Ok(v), Ok(())) => v,
                (Err(e), _) | (_, Err(e)) => return Err(lx.fix(e)),
            }
        }
        Some(_) => return Err(lx.peek_err(code::EXPECTED_VALUE)),
    };
    Ok(v)
}

fn array(lx: &mut Lexer<'_>) -> Res<Value> {
    let mut items = Vec::new();
    let mut first = true;
    while lx.next_element(&mut first)? {
        let i = items.len();
        items.push(any(lx).map_err(|e| e.under(Seg::Index(i)))?);
    }
    Ok(Value::Array(items))
}

fn object(lx: &mut Lexer<'_>) -> Res<Value> {
    let mut entries: Vec<(String, Value)> = Vec::new();
    // (a map to `u32`, not a set: the module already has that instantiation, the id maps')
    let mut seen: crate::state::Map<String, u32> = crate::state::new_map();
    let mut first = true;
    while lx.next_key(&mut first)? {
        lx.eat();
        let key = lx.string_owned()?;
        let repeated = if entries.len() < LINEAR_KEYS {
            entries.iter().any(|(k, _)| *k == key)
        } else {
            if seen.is_empty() {
                seen.extend(entries.iter().map(|(k, _)| (k.clone(), 0)));
            }
            seen.insert(key.clone(), 0).is_some()
        };
        if repeated {
            return Err(Fail::data(
                format!("duplicate field `{}`", short_id(&key)),
                Pending::Here,
            ));
        }
        lx.colon()?;
        let v = any(lx).map_err(|e| e.under(Seg::Key(key.clone())))?;
        entries.push((key, v));
    }
    use crate::sort::SortTotal;
    entries.sort_total_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::Object(entries))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    /// `debug_str` writes what `{:?}` writes, for every character class `Debug` treats
    /// apart (quotes, backslash, controls, spaces, separators, format characters, private
    /// use, noncharacters, astral planes), but for the ones it finds by its Unicode tables
    /// (unassigned code points, combining marks), which it writes as they are.
    #[test]
    fn debug_str_is_str_debug() {
        struct D<'a>(&'a str);
        impl std::fmt::Display for D<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                super::debug_str(f, self.0)
            }
        }
        for s in [
            "",
            "plain",
            "it's",
            "say \"hi\"",
            "back\\slash",
            "\0\t\r\n\u{7}\u{1b}\u{7f}",
            "\u{200b}\u{200d}",
            "\u{ad}",
            "é",
            "日本",
            "\u{fffe}",
            "\u{feff}x",
            "\u{10ffff}",
            "\u{1f600}",
            "\u{e000}",
            "\u{2028}\u{2029}",
            "\u{85}",
            "\u{a0}",
            "\u{3000}\u{202f}\u{2066}\u{1fffe}\u{e0001}\u{600}",
        ] {
            assert_eq!(D(s).to_string(), format!("{s:?}"), "{s:?}");
        }
        // the two left to the tables: written as they are
        assert_eq!(D("a\u{301}").to_string(), "\"a\u{301}\"");
        assert_eq!(D("\u{378}").to_string(), "\"\u{378}\"");
        // every 97th code point, alone and after a letter: escaped exactly as `Debug` does,
        // or written as it is where `Debug` escapes it by a table
        for c in (0..=0x10ffffu32).step_by(97).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}b")] {
                let (ours, theirs) = (D(&s).to_string(), format!("{s:?}"));
                if ours != theirs {
                    assert!(!super::escaped(c), "{s:?}");
                    assert_eq!(ours, format!("\"{s}\""), "{s:?}");
                }
            }
        }
    }

    fn err(json: &str) -> PolicyError {
        parse_value(json, "/changes").unwrap_err()
    }

    #[test]
    fn positions_are_serde_jsons() {
        assert_eq!(position("ab\ncd", 4), (2, 1));
        assert_eq!(position("ab\ncd", 3), (2, 0));
        assert_eq!(position("ab", 0), (1, 0));
    }

    #[test]
    fn floats_are_written_as_serde_writes_them() {
        let f = |s: &str| match parse_value(s, "").unwrap() {
            Value::Number(Number::Float(x)) => x.text(),
            other => panic!("{other:?}"),
        };
        assert_eq!(f("1.5"), "1.5");
        assert_eq!(f("1.50"), "1.5");
        assert_eq!(f("1e5"), "100000.0");
        assert_eq!(f("1e16"), "1e+16");
        assert_eq!(f("0.00000125"), "1.25e-6");
        assert_eq!(f("1E+2"), "100.0");
        assert_eq!(f("-0"), "-0.0");
        assert_eq!(f("0.0"), "0.0");
        assert_eq!(f("-2.5e-3"), "-0.0025");
        assert_eq!(f("12.0"), "12.0");
        assert_eq!(f("1e-400"), "0.0");
        assert_eq!(f("0e999999999999"), "0.0");
    }

    #[test]
    fn numbers_out_of_range() {
        assert_eq!(
            err("1e400").message,
            "number out of range at line 1 column 5"
        );
        assert_eq!(err("[1e309]").code, "invalid-json");
        assert_eq!(
            err("1e99999999999").message,
            "number out of range at line 1 column 12"
        );
        assert!(parse_value("1.7976931348623157e308", "").is_ok());
        assert!(parse_value("1.7976931348623159e308", "").is_err());
        assert_eq!(
            parse_value("18446744073709551615", "").unwrap(),
            Value::Number(Number::Unsigned(u64::MAX))
        );
        assert_eq!(
            parse_value("-9223372036854775808", "").unwrap(),
            Value::Number(Number::Signed(i64::MIN))
        );
        assert!(matches!(
            parse_value("18446744073709551616", "").unwrap(),
            Value::Number(Number::Float(_))
        ));
        assert_eq!(err("01").message, "invalid number at line 1 column 2");
        assert_eq!(
            err("1.").message,
            "EOF while parsing a value at line 1 column 2"
        );
        assert_eq!(err("1.x").message, "invalid number at line 1 column 3");
        assert_eq!(
            err("-").message,
            "EOF while parsing a value at line 1 column 1"
        );
    }

    #[test]
    fn escapes_and_surrogates() {
        let s = |j: &str| match parse_value(j, "").unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        };
        assert_eq!(s(r#""a\"\\\/\b\f\n\r\tz""#), "a\"\\/\u{8}\u{c}\n\r\tz");
        assert_eq!(s(r#""\u00e9\u4E2D""#), "é中");
        assert_eq!(s(r#""\ud83d\ude00!""#), "😀!");
        assert_eq!(
            s("\"plain ünïcödé text, long enough for the word scan\""),
            "plain ünïcödé text, long enough for the word scan"
        );
        assert_eq!(
            err(r#""\ude00""#).message,
            "lone leading surrogate in hex escape at line 1 column 7"
        );
        assert_eq!(
            err(r#""\ud83dx""#).message,
            "unexpected end of hex escape at line 1 column 8"
        );
        assert_eq!(
            err(r#""\ud83d\n""#).message,
            "unexpected end of hex escape at line 1 column 9"
        );
        assert_eq!(
            err(r#""\ud83d\u0041""#).message,
            "lone leading surrogate in hex escape at line 1 column 13"
        );
        assert_eq!(err(r#""\x""#).message, "invalid escape at line 1 column 3");
        assert_eq!(
            err(r#""\u12""#).message,
            "EOF while parsing a string at line 1 column 6"
        );
        assert_eq!(
            err(r#""\u12g4""#).message,
            "invalid escape at line 1 column 7"
        );
        assert_eq!(
            err("\"a\u{1}\"").message,
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"
        );
        assert_eq!(
            err("\"abc").message,
            "EOF while parsing a string at line 1 column 4"
        );
    }

    #[test]
    fn structure_errors() {
        assert_eq!(
            err("").message,
            "EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            err("\u{feff}[]").message,
            "expected value at line 1 column 1"
        );
        assert_eq!(
            err(" [1 2]").message,
            "expected `,` or `]` at line 1 column 5"
        );
        assert_eq!(err("[1,]").message, "trailing comma at line 1 column 4");
        assert_eq!(
            err("{\"a\":1,}").message,
            "trailing comma at line 1 column 8"
        );
        assert_eq!(err("{\"a\" 1}").message, "expected `:` at line 1 column 6");
        assert_eq!(
            err("{1:1}").message,
            "key must be a string at line 1 column 2"
        );
        assert_eq!(
            err("[] x").message,
            "trailing characters at line 1 column 4"
        );
        assert_eq!(err("[nul]").message, "expected ident at line 1 column 5");
        assert_eq!(
            err("\n\n  tru").message,
            "EOF while parsing a value at line 3 column 5"
        );
        assert_eq!(err("[] x").code, "invalid-json");
        assert!(parse_value(" \t\r\n[ ] \n", "").is_ok());
    }

    #[test]
    fn nesting_is_limited_like_serde_json() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(parse_value(&deep(127), "").is_ok());
        let e = err(&deep(128));
        assert_eq!(e.code, "limit-exceeded");
        assert_eq!(e.path, "/changes");
        assert_eq!(e.message, "recursion limit exceeded at line 1 column 128");
        let e = err(&"{\"a\":".repeat(200));
        assert_eq!(e.code, "limit-exceeded");
    }

    #[test]
    fn repeated_keys_are_errors_at_the_key() {
        let e = err(r#"[{"op":"x"},{"a":{"b":1,"b":2}}]"#);
        assert_eq!(e.code, "duplicate-field");
        assert_eq!(e.path, "/changes/1/a/b");
        assert_eq!(e.message, "duplicate field `b` at line 1 column 27");
        // many keys: the hash set
        let keys: Vec<String> = (0..100).map(|i| format!("\"k{i}\":{i}")).collect();
        let ok = format!("{{{}}}", keys.join(","));
        match parse_value(&ok, "").unwrap() {
            Value::Object(m) => {
                assert_eq!(m.len(), 100);
                assert!(m.windows(2).all(|w| w[0].0 < w[1].0));
            }
            other => panic!("{other:?}"),
        }
        let dup = format!("{{{},\"k7\":0}}", keys.join(","));
        assert_eq!(err(&dup).path, "/changes/k7");
    }

    /// Syntax errors and numbers as serde_json reads them into its `Value`, on inputs
    /// without repeated keys.
    #[test]
    fn syntax_errors_are_serde_jsons() {
        let cases = [
            "",
            " ",
            "\u{feff}{}",
            "[",
            "[1",
            "[1,",
            "[1,]",
            "[1 2]",
            "{",
            "{\"a\"",
            "{\"a\":",
            "{\"a\":1",
            "{\"a\":1,",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:1}",
            "{,}",
            "[,]",
            "nul",
            "nulx",
            "tru",
            "falsy",
            "-",
            "-x",
            "01",
            "1.",
            "1.e5",
            "1e",
            "1e+",
            "1ex",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678901234567890",
            "1.5e308",
            "9e307",
            "2e308",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "\"\\ud800\"",
            "\"\\ud800\\n\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "\"a\u{1}\"",
            "\"abc",
            "\"\\",
            "[] x",
            "{} {}",
            "[\n1,\n2\n,]",
            "\n\n  {\"a\":[1,{\"b\":tru}]}",
            "[\"\\ud83d\\ude00\", \"é\", 1.25, -7, 18446744073709551616]",
            "\u{a0}1",
            "[1]\u{0}",
            "{\"a\":1 \"b\":2}",
            "[{]",
            "{[}",
        ];
        for json in cases {
            let ours = parse_value(json, "");
            let theirs = serde_json::from_str::<serde_json::Value>(json);
            match (ours, theirs) {
                (Ok(_), Ok(_)) => {}
                (Err(a), Err(b)) => assert_eq!(a.message, b.to_string(), "input {json:?}"),
                (a, b) => panic!("input {json:?}: {a:?} vs {b:?}"),
            }
        }
        let deep = format!("{}1{}", "[".repeat(130), "]".repeat(130));
        let b = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
        assert_eq!(err(&deep).message, b.to_string());
    }

    /// Floats as serde writes them in a message, where they agree (at most 15 significant
    /// digits).
    #[test]
    fn float_texts_are_serdes() {
        for json in [
            "1.5",
            "-1.5",
            "1e5",
            "1.25e-3",
            "123456.789",
            "0.1",
            "-0.0",
            "0.000001",
            "1e21",
            "1e22",
            "12345678901234.5",
            "5e-324",
            "1e300",
            "7.0e-10",
            "1e15",
            "1.5e16",
            "0.00001",
            "0.000015",
            "-1.5e-9",
            "2.5e20",
            "1e-5",
            "123456789012345.6",
            "9.99e15",
        ] {
            let ours = match parse_value(json, "").unwrap() {
                Value::Number(Number::Float(x)) => x.text(),
                other => panic!("{other:?}"),
            };
            let v: f64 = serde_json::from_str(json).unwrap();
            let e = <serde_json::Error as serde::de::Error>::invalid_type(
                serde::de::Unexpected::Float(v),
                &"x",
            );
            assert_eq!(
                format!("invalid type: floating point `{ours}`, expected x"),
                e.to_string(),
                "input {json}"
            );
        }
    }

    #[test]
    fn huge_inputs() {
        let n = 200_000;
        let big = format!("[{}]", vec!["\"abcdefghij\\n\""; n].join(","));
        match parse_value(&big, "").unwrap() {
            Value::Array(a) => assert_eq!(a.len(), n),
            other => panic!("{other:?}"),
        }
        let long = format!("\"{}\"", "x".repeat(5_000_000));
        assert!(parse_value(&long, "").is_ok());
    }
}
