//! Per-field and per-error tests on fixed byte arrays, and property tests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepvip_wire::{
    AddrList, Auth, ChecksumMode, Error, Family, Ipv4Info, Version, VrrpPacket, VrrpRepr,
};
use proptest::prelude::*;

const SRC4: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11));
const DST4: IpAddr = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
const VIP: [Ipv4Addr; 1] = [Ipv4Addr::new(192, 0, 2, 200)];

/// keepalived 2.2.7's v2 advert from the fixtures (vrid 51, prio 150, adv 1 s, no auth).
static V2_BYTES: [u8; 20] = [
    0x21, 0x33, 0x96, 0x01, 0x00, 0x01, 0x00, 0x00, 192, 0, 2, 200, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn v2_packet() -> Vec<u8> {
    let repr = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 150,
        max_adver_int: 1,
        family: Family::V4,
        addrs: AddrList::V4(&VIP),
        auth: Auth::None,
    };
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut b, SRC4, DST4, ChecksumMode::V2);
    b
}

#[test]
fn deconstruct() {
    let p = v2_packet();
    assert_eq!(&p[..6], &V2_BYTES[..6]);
    let v = VrrpPacket::new_checked(&p[..]).unwrap();
    assert_eq!(v.version(), 2);
    assert_eq!(v.kind(), 1);
    assert_eq!(v.vrid(), 51);
    assert_eq!(v.priority(), 150);
    assert_eq!(v.addr_count(), 1);
    assert_eq!(v.auth_type(), 0);
    assert_eq!(v.adver_int_v2(), 1);
    assert_ne!(v.checksum(), 0);
}

#[test]
fn construct_and_parse() {
    let p = v2_packet();
    let (r, mode) = VrrpRepr::parse(&p, SRC4, DST4).unwrap();
    assert_eq!(mode, ChecksumMode::V2);
    assert_eq!((r.vrid, r.priority, r.max_adver_int), (51, 150, 1));
    assert!(r.addrs.same_set(&AddrList::V4(&VIP)));
    assert_eq!(r.addrs.iter().collect::<Vec<_>>(), vec![IpAddr::V4(VIP[0])]);
}

#[test]
fn emit_into_short_buffer_writes_nothing() {
    let p = v2_packet();
    let (r, _) = VrrpRepr::parse(&p, SRC4, DST4).unwrap();
    let mut short = [0u8; 5];
    assert_eq!(r.emit(&mut short, SRC4, DST4, ChecksumMode::V2), 0);
    assert_eq!(short, [0u8; 5]);
}

fn fix_checksum(p: &mut [u8]) {
    p[6] = 0;
    p[7] = 0;
    let s = keepvip_wire::checksum::checksum(p);
    p[6..8].copy_from_slice(&s.to_be_bytes());
}

#[test]
fn error_truncated() {
    assert_eq!(
        VrrpRepr::parse(&[0x21, 1, 2], SRC4, DST4).unwrap_err(),
        Error::Truncated
    );
}

#[test]
fn error_bad_version() {
    let mut p = v2_packet();
    p[0] = 0x41;
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::BadVersion(4)
    );
}

#[test]
fn error_bad_type() {
    let mut p = v2_packet();
    p[0] = 0x22;
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::BadType(2)
    );
}

#[test]
fn error_count_mismatch() {
    let mut p = v2_packet();
    p[3] = 2;
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::AddrCountMismatch { count: 2, len: 20 }
    );
}

#[test]
fn error_wrong_family_for_length() {
    // a v3 packet with one IPv4 address, received over IPv6
    let repr = VrrpRepr {
        version: Version::V3,
        vrid: 1,
        priority: 100,
        max_adver_int: 100,
        family: Family::V4,
        addrs: AddrList::V4(&VIP),
        auth: Auth::None,
    };
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut b, SRC4, DST4, ChecksumMode::V3PseudoHeader);
    let s6: IpAddr = "fe80::1".parse().unwrap();
    let d6: IpAddr = "ff02::12".parse().unwrap();
    // count 1 with 4 bytes of address: the length of one IPv4 address,
    // received over IPv6
    assert_eq!(
        VrrpRepr::parse(&b, s6, d6).unwrap_err(),
        Error::WrongFamilyForLength
    );
    let mut b2 = b.clone();
    b2.push(0);
    assert_eq!(
        VrrpRepr::parse(&b2, s6, d6).unwrap_err(),
        Error::AddrCountMismatch { count: 1, len: 13 }
    );
}

#[test]
fn error_v2_over_ipv6() {
    let p = v2_packet();
    let s6: IpAddr = "fe80::1".parse().unwrap();
    assert_eq!(VrrpRepr::parse(&p, s6, s6).unwrap_err(), Error::V2OverIpv6);
}

#[test]
fn error_bad_checksum() {
    let mut p = v2_packet();
    p[7] ^= 0xff;
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::BadChecksum
    );
}

#[test]
fn error_auth_ah_and_unknown() {
    let mut p = v2_packet();
    p[4] = 2;
    fix_checksum(&mut p);
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::AuthAhUnsupported
    );
    p[4] = 7;
    fix_checksum(&mut p);
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::BadAuthType(7)
    );
}

#[test]
fn error_zero_interval() {
    let mut p = v2_packet();
    p[5] = 0;
    fix_checksum(&mut p);
    assert_eq!(
        VrrpRepr::parse(&p, SRC4, DST4).unwrap_err(),
        Error::ZeroAdvertInterval
    );
}

#[test]
fn v3_ipv4_both_checksum_variants_accepted_and_reported() {
    let repr = VrrpRepr {
        version: Version::V3,
        vrid: 51,
        priority: 100,
        max_adver_int: 10,
        family: Family::V4,
        addrs: AddrList::V4(&VIP),
        auth: Auth::None,
    };
    for mode in [ChecksumMode::V3PseudoHeader, ChecksumMode::V3NoPseudoHeader] {
        let mut b = vec![0u8; repr.buffer_len()];
        repr.emit(&mut b, SRC4, DST4, mode);
        let (r, got) = VrrpRepr::parse(&b, SRC4, DST4).unwrap();
        assert_eq!(got, mode);
        assert_eq!(r.max_adver_int, 10);
    }
}

/// keepalived before 1.3.7 (and `old_unicast_checksum`) puts the
/// multicast group, not the unicast destination, in the pseudo-header of
/// a unicast VRRPv3 advert: recognised as its own variant, and emitted.
#[test]
fn v3_unicast_with_the_group_in_the_pseudo_header() {
    let repr = VrrpRepr {
        version: Version::V3,
        vrid: 51,
        priority: 100,
        max_adver_int: 100,
        family: Family::V4,
        addrs: AddrList::V4(&VIP),
        auth: Auth::None,
    };
    let peer: IpAddr = "192.0.2.20".parse().unwrap();
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut b, SRC4, peer, ChecksumMode::V3PseudoHeaderGroup);
    let (_, got) = VrrpRepr::parse(&b, SRC4, peer).unwrap();
    assert_eq!(got, ChecksumMode::V3PseudoHeaderGroup);
    // the same bytes to the group are the ordinary variant
    let group = IpAddr::V4(keepvip_wire::VRRP_MCAST_V4);
    let (_, got) = VrrpRepr::parse(&b, SRC4, group).unwrap();
    assert_eq!(got, ChecksumMode::V3PseudoHeader);
    // a checksum that fits no variant is still bad
    b[6] ^= 0x55;
    assert_eq!(
        VrrpRepr::parse(&b, SRC4, peer).unwrap_err(),
        Error::BadChecksum
    );
}

#[test]
fn v3_interval_is_twelve_bits() {
    let repr = VrrpRepr {
        version: Version::V3,
        vrid: 1,
        priority: 1,
        max_adver_int: 4095,
        family: Family::V4,
        addrs: AddrList::V4(&VIP),
        auth: Auth::None,
    };
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut b, SRC4, DST4, ChecksumMode::V3PseudoHeader);
    assert_eq!(b[4] & 0xf0, 0, "reserved bits zero");
    assert_eq!(
        VrrpRepr::parse(&b, SRC4, DST4).unwrap().0.max_adver_int,
        4095
    );
}

#[test]
fn ipv4_header_errors() {
    assert_eq!(Ipv4Info::parse(&[0x45; 10]).unwrap_err(), Error::Truncated);
    let mut h = [0u8; 20];
    h[0] = 0x65;
    assert_eq!(Ipv4Info::parse(&h).unwrap_err(), Error::NotIpv4(6));
    h[0] = 0x4f;
    assert_eq!(Ipv4Info::parse(&h).unwrap_err(), Error::BadHeaderLength(60));
    h[0] = 0x45;
    h[8] = 255;
    h[9] = 112;
    let i = Ipv4Info::parse(&h).unwrap();
    assert_eq!((i.ttl, i.protocol, i.header_len), (255, 112, 20));
}

fn arb_v4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}
fn arb_v6() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn roundtrip_v2(vrid in 1u8.., prio in any::<u8>(), int in 1u16..=255, addrs in prop::collection::vec(arb_v4(), 0..20),
                    pass in prop::option::of(any::<[u8; 8]>()), src in arb_v4(), dst in arb_v4()) {
        let repr = VrrpRepr { version: Version::V2, vrid, priority: prio, max_adver_int: int, family: Family::V4,
            addrs: AddrList::V4(&addrs), auth: pass.map_or(Auth::None, Auth::Pass) };
        let mut b = vec![0u8; repr.buffer_len()];
        let n = repr.emit(&mut b, src.into(), dst.into(), ChecksumMode::V2);
        let (r, m) = VrrpRepr::parse(&b[..n], src.into(), dst.into()).unwrap();
        prop_assert_eq!(m, ChecksumMode::V2);
        prop_assert_eq!((r.vrid, r.priority, r.max_adver_int, r.auth), (vrid, prio, int, repr.auth));
        prop_assert!(r.addrs.same_set(&repr.addrs));
    }

    #[test]
    fn roundtrip_v3_v4(vrid in 1u8.., prio in any::<u8>(), int in 1u16..=4095, addrs in prop::collection::vec(arb_v4(), 0..20),
                       pseudo in any::<bool>(), src in arb_v4(), dst in arb_v4()) {
        let mode = if pseudo { ChecksumMode::V3PseudoHeader } else { ChecksumMode::V3NoPseudoHeader };
        let repr = VrrpRepr { version: Version::V3, vrid, priority: prio, max_adver_int: int, family: Family::V4,
            addrs: AddrList::V4(&addrs), auth: Auth::None };
        let mut b = vec![0u8; repr.buffer_len()];
        repr.emit(&mut b, src.into(), dst.into(), mode);
        let (r, m) = VrrpRepr::parse(&b, src.into(), dst.into()).unwrap();
        // A packet can verify both ways only if the pseudo-header sums to 0
        // (mod 0xffff); then parse reports the pseudo-header variant.
        prop_assert!(m == mode || m == ChecksumMode::V3PseudoHeader);
        prop_assert_eq!((r.vrid, r.priority, r.max_adver_int), (vrid, prio, int));
        prop_assert!(r.addrs.same_set(&repr.addrs));
    }

    #[test]
    fn roundtrip_v3_v6(vrid in 1u8.., prio in any::<u8>(), int in 1u16..=4095, addrs in prop::collection::vec(arb_v6(), 0..20),
                       src in arb_v6(), dst in arb_v6()) {
        let repr = VrrpRepr { version: Version::V3, vrid, priority: prio, max_adver_int: int, family: Family::V6,
            addrs: AddrList::V6(&addrs), auth: Auth::None };
        let mut b = vec![0u8; repr.buffer_len()];
        repr.emit(&mut b, src.into(), dst.into(), ChecksumMode::V3PseudoHeader);
        let (r, m) = VrrpRepr::parse(&b, src.into(), dst.into()).unwrap();
        prop_assert_eq!(m, ChecksumMode::V3PseudoHeader);
        prop_assert_eq!((r.vrid, r.priority, r.max_adver_int), (vrid, prio, int));
        prop_assert!(r.addrs.same_set(&repr.addrs));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), v6 in any::<bool>()) {
        let (s, d): (IpAddr, IpAddr) = if v6 { ("fe80::1".parse().unwrap(), "ff02::12".parse().unwrap()) } else { (SRC4, DST4) };
        let _ = VrrpRepr::parse(&bytes, s, d);
        let _ = Ipv4Info::parse(&bytes);
        if let Ok(i) = Ipv4Info::parse(&bytes) { let _ = i.payload(&bytes); }
        let _ = keepvip_wire::ArpFrame::parse(&bytes);
    }
}
