//! cargo fuzz run from_json — body in `fuzz/src/lib.rs` (`crm_policy_fuzz::from_json`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    crm_policy_fuzz::from_json(data);
});
