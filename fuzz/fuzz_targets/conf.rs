//! Fuzz the keepalived.conf reader (preprocessor, lexer, parser, model):
//! no input may panic it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let loaded = keepvip_conf::parse_str(text);
        let _ = loaded.render();
    }
});
