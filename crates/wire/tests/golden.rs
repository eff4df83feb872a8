//! Golden vectors: every VRRP advert, gratuitous ARP and unsolicited NA that
//! real keepalived 2.2.7 sent in the fixtures' captures is parsed, checked,
//! and re-emitted byte for byte from the parsed fields.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepvip_wire::{
    emit_garp, emit_unsolicited_na, ArpFrame, ChecksumMode, Family, Ipv4Info, Version, VrrpRepr,
    GARP_FRAME_LEN, NA_FRAME_LEN,
};

/// Frames of a classic little-endian pcap with Ethernet link type.
fn frames(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let d = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(&d[0..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian pcap");
    assert_eq!(
        u32::from_le_bytes(d[20..24].try_into().unwrap()),
        1,
        "Ethernet link type"
    );
    let mut out = Vec::new();
    let mut at = 24;
    while at + 16 <= d.len() {
        let incl = u32::from_le_bytes(d[at + 8..at + 12].try_into().unwrap()) as usize;
        out.push(d[at + 16..at + 16 + incl].to_vec());
        at += 16 + incl;
    }
    assert_eq!(at, d.len(), "{name}: trailing bytes");
    out
}

#[derive(Default, Debug)]
struct Counts {
    v2: usize,
    v3_4: usize,
    v3_6: usize,
    garp: usize,
    na: usize,
}

/// Check every packet of a capture; returns what was checked.
fn check_capture(name: &str) -> Counts {
    let mut c = Counts::default();
    for f in frames(name) {
        let ethertype = u16::from_be_bytes([f[12], f[13]]);
        match ethertype {
            0x0800 => {
                let ip = &f[14..];
                let info = Ipv4Info::parse(ip).unwrap();
                if info.protocol != 112 {
                    continue;
                }
                assert_eq!(info.ttl, 255, "keepalived sends TTL 255");
                let payload = info.payload(ip);
                let (src, dst) = (IpAddr::V4(info.src), IpAddr::V4(info.dst));
                let (repr, mode) = VrrpRepr::parse(payload, src, dst).unwrap();
                match repr.version {
                    Version::V2 => {
                        assert_eq!(mode, ChecksumMode::V2);
                        c.v2 += 1;
                    }
                    Version::V3 => {
                        assert_eq!(
                            mode,
                            ChecksumMode::V3PseudoHeader,
                            "keepalived 2.2.7 includes the pseudo-header"
                        );
                        c.v3_4 += 1;
                    }
                }
                let mut buf = vec![0u8; repr.buffer_len()];
                assert_eq!(repr.emit(&mut buf, src, dst, mode), payload.len());
                assert_eq!(buf, payload, "{name}: re-emitted advert differs");
            }
            0x86dd => {
                let ip6 = &f[14..];
                let next = ip6[6];
                let hlim = ip6[7];
                assert_eq!(hlim, 255);
                let src = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[8..24]).unwrap());
                let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&ip6[24..40]).unwrap());
                let plen = usize::from(u16::from_be_bytes([ip6[4], ip6[5]]));
                let payload = &ip6[40..40 + plen];
                if next == 112 {
                    let (repr, mode) = VrrpRepr::parse(payload, src.into(), dst.into()).unwrap();
                    assert_eq!(mode, ChecksumMode::V3PseudoHeader);
                    assert_eq!(repr.family, Family::V6);
                    let mut buf = vec![0u8; repr.buffer_len()];
                    repr.emit(&mut buf, src.into(), dst.into(), mode);
                    assert_eq!(buf, payload, "{name}: re-emitted v6 advert differs");
                    c.v3_6 += 1;
                } else if next == 58 && payload[0] == 136 {
                    let target = Ipv6Addr::from(<[u8; 16]>::try_from(&payload[8..24]).unwrap());
                    let mac: [u8; 6] = f[6..12].try_into().unwrap();
                    let mut buf = [0u8; NA_FRAME_LEN];
                    // keepalived sets R when the interface forwards IPv6
                    let router = payload[4] & 0x80 != 0;
                    assert_eq!(
                        emit_unsolicited_na(&mut buf, mac, src, target, router),
                        NA_FRAME_LEN
                    );
                    assert_eq!(
                        &buf[..],
                        &f[..NA_FRAME_LEN],
                        "{name}: re-emitted NA differs"
                    );
                    c.na += 1;
                }
            }
            0x0806 => {
                let arp = ArpFrame::parse(&f).unwrap();
                if !arp.is_gratuitous() {
                    // the client's own ARP traffic in the failover runs
                    continue;
                }
                let mut buf = [0u8; GARP_FRAME_LEN];
                assert_eq!(
                    emit_garp(&mut buf, arp.sender_mac, arp.sender_ip),
                    GARP_FRAME_LEN
                );
                assert_eq!(
                    &buf[..],
                    &f[..GARP_FRAME_LEN],
                    "{name}: re-emitted GARP differs"
                );
                assert!(
                    f[GARP_FRAME_LEN..].iter().all(|b| *b == 0),
                    "only padding after the ARP"
                );
                c.garp += 1;
            }
            other => panic!("{name}: unexpected ethertype {other:#06x}"),
        }
    }
    c
}

#[test]
fn v2_failover_capture() {
    let c = check_capture("v2-adv1-failover.pcap");
    assert!(c.v2 >= 100 && c.garp >= 10, "{c:?}");
}

#[test]
fn v3_failover_capture() {
    let c = check_capture("v3-adv0.1-failover.pcap");
    assert!(c.v3_4 >= 300 && c.garp >= 10, "{c:?}");
}

#[test]
fn short_captures() {
    for (name, v2, v3_4, v3_6) in [
        ("vrrpv2-noauth.pcap", 3, 0, 0),
        ("vrrpv2-auth-pass.pcap", 3, 0, 0),
        ("vrrpv2-prio0-graceful-stop.pcap", 4, 0, 0),
        ("vrrpv2-unicast.pcap", 3, 0, 0),
        ("vrrpv3-ipv4.pcap", 0, 3, 0),
        ("vrrpv3-ipv6.pcap", 0, 0, 3),
    ] {
        let c = check_capture(name);
        assert_eq!((c.v2, c.v3_4, c.v3_6), (v2, v3_4, v3_6), "{name}");
    }
}

#[test]
fn takeover_capture_has_garps_and_nas() {
    let c = check_capture("takeover-garp-na.pcap");
    assert_eq!((c.garp, c.na), (5, 5), "{c:?}");
    assert!(c.v3_4 >= 2 && c.v3_6 >= 2, "{c:?}");
}

#[test]
fn auth_pass_key_and_priority_zero() {
    let f = &frames("vrrpv2-auth-pass.pcap")[0];
    let info = Ipv4Info::parse(&f[14..]).unwrap();
    let (repr, _) =
        VrrpRepr::parse(info.payload(&f[14..]), info.src.into(), info.dst.into()).unwrap();
    assert_eq!(repr.auth, keepvip_wire::Auth::Pass(*b"kl-pass1"));
    assert_eq!(repr.vrid, 51);
    let f = &frames("vrrpv2-prio0-graceful-stop.pcap")[0];
    let info = Ipv4Info::parse(&f[14..]).unwrap();
    let (repr, _) =
        VrrpRepr::parse(info.payload(&f[14..]), info.src.into(), info.dst.into()).unwrap();
    assert_eq!(repr.priority, 0);
    assert_eq!(info.src, Ipv4Addr::new(192, 0, 2, 11));
}
