//! The lab's fixed address plan (see the crate docs for the table).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Most L2 segments a lab can have.
pub const MAX_SEGMENTS: usize = 4;
/// Most routers a lab can have.
pub const MAX_ROUTERS: usize = 50;
/// Host number of router 0 (router `i` is `ROUTER_HOST_BASE + i`).
pub const ROUTER_HOST_BASE: u8 = 11;
/// Host number of the client.
pub const CLIENT_HOST: u8 = 100;
/// Host number of virtual address 0 (VIP `n` is `VIP_HOST_BASE + n`).
pub const VIP_HOST_BASE: u8 = 101;
/// Most VIPs per segment that [`vip_v4`] / [`vip_v6`] hand out.
pub const MAX_VIPS: usize = 20;
/// The IPv6 prefix length of every segment.
pub const V6_PREFIX_LEN: u8 = 64;

fn check_seg(seg: usize) {
    assert!(
        seg < MAX_SEGMENTS,
        "segment {seg} out of range 0..{MAX_SEGMENTS}"
    );
}

/// IPv4 subnet (network address, prefix length) of segment `seg`.
///
/// Panics if `seg >= MAX_SEGMENTS`.
pub fn segment_v4(seg: usize) -> (Ipv4Addr, u8) {
    check_seg(seg);
    match seg {
        0 => (Ipv4Addr::new(192, 0, 2, 0), 24),
        1 => (Ipv4Addr::new(198, 51, 100, 0), 24),
        2 => (Ipv4Addr::new(203, 0, 113, 0), 25),
        _ => (Ipv4Addr::new(203, 0, 113, 128), 25),
    }
}

/// IPv6 subnet of segment `seg`: `2001:db8:<seg>::/64`.
pub fn segment_v6(seg: usize) -> (Ipv6Addr, u8) {
    check_seg(seg);
    (
        Ipv6Addr::new(0x2001, 0x0db8, seg as u16, 0, 0, 0, 0, 0),
        V6_PREFIX_LEN,
    )
}

/// IPv4 address of host number `host` (1..=126) on segment `seg`.
pub fn host_v4(seg: usize, host: u8) -> Ipv4Addr {
    assert!(
        (1..=126).contains(&host),
        "host number {host} out of 1..=126"
    );
    let (net, _) = segment_v4(seg);
    let o = net.octets();
    Ipv4Addr::new(o[0], o[1], o[2], o[3] + host)
}

/// The decimal digits of `n` read as hex: 11 -> 0x11, 100 -> 0x100.
fn dec_as_hex(n: u8) -> u16 {
    u16::from_str_radix(&n.to_string(), 16).expect("decimal digits are hex digits")
}

/// IPv6 address of host number `host` on segment `seg`:
/// `2001:db8:<seg>::<host written in decimal>`.
pub fn host_v6(seg: usize, host: u8) -> Ipv6Addr {
    let (net, _) = segment_v6(seg);
    let s = net.segments();
    Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, dec_as_hex(host))
}

fn check_router(i: usize) {
    assert!(i < MAX_ROUTERS, "router {i} out of range 0..{MAX_ROUTERS}");
}

/// IPv4 address of router `i` on segment `seg`.
pub fn router_v4(i: usize, seg: usize) -> Ipv4Addr {
    check_router(i);
    host_v4(seg, ROUTER_HOST_BASE + i as u8)
}

/// IPv6 address of router `i` on segment `seg`.
pub fn router_v6(i: usize, seg: usize) -> Ipv6Addr {
    check_router(i);
    host_v6(seg, ROUTER_HOST_BASE + i as u8)
}

/// IPv4 address of the client on segment `seg`.
pub fn client_v4(seg: usize) -> Ipv4Addr {
    host_v4(seg, CLIENT_HOST)
}

/// IPv6 address of the client on segment `seg`.
pub fn client_v6(seg: usize) -> Ipv6Addr {
    host_v6(seg, CLIENT_HOST)
}

/// A free IPv4 address on segment `seg` for virtual address `n`
/// (`n < MAX_VIPS`): host `101 + n`, e.g. 192.0.2.101.
pub fn vip_v4(seg: usize, n: usize) -> Ipv4Addr {
    assert!(n < MAX_VIPS, "vip {n} out of range 0..{MAX_VIPS}");
    host_v4(seg, VIP_HOST_BASE + n as u8)
}

/// A free IPv6 address on segment `seg` for virtual address `n`, e.g.
/// 2001:db8::101.
pub fn vip_v6(seg: usize, n: usize) -> Ipv6Addr {
    assert!(n < MAX_VIPS, "vip {n} out of range 0..{MAX_VIPS}");
    host_v6(seg, VIP_HOST_BASE + n as u8)
}

/// MAC of router `i`'s interface on segment `seg`: `02:00:00:<seg>:<i>:01`.
pub fn router_mac(i: usize, seg: usize) -> [u8; 6] {
    check_router(i);
    check_seg(seg);
    [0x02, 0, 0, seg as u8, i as u8, 0x01]
}

/// MAC of the client's interface on segment `seg`: `02:00:00:<seg>:64:01`.
pub fn client_mac(seg: usize) -> [u8; 6] {
    check_seg(seg);
    [0x02, 0, 0, seg as u8, CLIENT_HOST, 0x01]
}

/// Formats a MAC as `aa:bb:cc:dd:ee:ff`.
pub fn fmt_mac(m: &[u8; 6]) -> String {
    format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    )
}

/// Parses `aa:bb:cc:dd:ee:ff` (case-insensitive).
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = s.split(':');
    for b in out.iter_mut() {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan() {
        assert_eq!(router_v4(0, 0), Ipv4Addr::new(192, 0, 2, 11));
        assert_eq!(router_v4(1, 1), Ipv4Addr::new(198, 51, 100, 12));
        assert_eq!(router_v4(2, 2), Ipv4Addr::new(203, 0, 113, 13));
        assert_eq!(router_v4(0, 3), Ipv4Addr::new(203, 0, 113, 139));
        assert_eq!(client_v4(0), Ipv4Addr::new(192, 0, 2, 100));
        assert_eq!(client_v4(3), Ipv4Addr::new(203, 0, 113, 228));
        assert_eq!(vip_v4(0, 0), Ipv4Addr::new(192, 0, 2, 101));
        assert_eq!(router_v6(0, 0), "2001:db8::11".parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            router_v6(9, 2),
            "2001:db8:2::20".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(client_v6(1), "2001:db8:1::100".parse::<Ipv6Addr>().unwrap());
        assert_eq!(vip_v6(3, 1), "2001:db8:3::102".parse::<Ipv6Addr>().unwrap());
        assert_eq!(router_mac(1, 2), [2, 0, 0, 2, 1, 1]);
        assert_eq!(fmt_mac(&client_mac(0)), "02:00:00:00:64:01");
        // Every host of every segment lies in its subnet, and segments are
        // disjoint.
        for seg in 0..MAX_SEGMENTS {
            let (net, len) = segment_v4(seg);
            let mask = u32::MAX << (32 - len);
            for h in [
                router_v4(MAX_ROUTERS - 1, seg),
                client_v4(seg),
                vip_v4(seg, MAX_VIPS - 1),
            ] {
                assert_eq!(u32::from(h) & mask, u32::from(net), "{h} in seg {seg}");
            }
            for other in 0..MAX_SEGMENTS {
                if other != seg {
                    let (n2, _) = segment_v4(other);
                    assert_ne!(u32::from(n2) & mask, u32::from(net));
                }
            }
        }
    }

    #[test]
    fn macs_parse() {
        assert_eq!(parse_mac("02:00:00:01:0A:01"), Some([2, 0, 0, 1, 10, 1]));
        assert_eq!(parse_mac("02:00:00:01:0a"), None);
        assert_eq!(parse_mac("02:00:00:01:0a:01:02"), None);
        assert_eq!(parse_mac("zz:00:00:01:0a:01"), None);
    }
}
