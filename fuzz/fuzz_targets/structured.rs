//! cargo fuzz run structured — body in `fuzz/src/lib.rs` (`crm_policy_fuzz::structured`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    crm_policy_fuzz::structured(data);
});
