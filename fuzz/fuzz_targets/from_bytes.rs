//! cargo fuzz run from_bytes — body in `fuzz/src/lib.rs` (`crm_policy_fuzz::from_bytes`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    crm_policy_fuzz::from_bytes(data);
});
