//! Fuzz the keepalived.conf reader (preprocessor, lexer, parser,
//! validation, lowering, rendering): no input may panic it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = keepvip_conf::parse_str(&text);
    let _ = loaded.render();
    let _ = keepvip_conf::check::render(&loaded.diagnostics, &loaded.sources);
    let _ = format!("{:?}", loaded.config);
});
