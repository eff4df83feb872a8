//! Fuzz the VRRP advert parser: any bytes, any claimed addresses, never a
//! panic; whatever parses must re-emit to bytes that parse to the same Repr.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepvip_wire::VrrpRepr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let v4 = (
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        IpAddr::V4(keepvip_wire::VRRP_MCAST_V4),
    );
    let v6 = (
        IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
        IpAddr::V6(keepvip_wire::VRRP_MCAST_V6),
    );
    let _ = keepvip_wire::peek_vrid(data);
    for (src, dst) in [v4, v6] {
        if let Ok((repr, mode)) = VrrpRepr::parse(data, src, dst) {
            let mut buf = vec![0u8; repr.buffer_len()];
            let n = repr.emit(&mut buf, src, dst, mode);
            let again = VrrpRepr::parse(&buf[..n], src, dst).map(|(r, _)| format!("{r:?}"));
            assert_eq!(again.ok(), Some(format!("{repr:?}")));
        }
    }
});
