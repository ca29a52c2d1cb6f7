//! cargo fuzz run changes — body in `fuzz/src/lib.rs` (`crm_policy_fuzz::changes`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    crm_policy_fuzz::changes(data);
});
