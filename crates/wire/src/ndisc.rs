//! Unsolicited neighbour advertisement (RFC 4861 §4.4, §7.2.6): what a new
//! IPv6 master sends to all nodes so they update the VIP's link address.
//!
//! ```text
//! Ethernet: dst 33:33:00:00:00:01 | src MAC | type 0x86dd
//! IPv6:     version 6 | payload length 32 | next header 58 | hop limit 255
//!           src | dst ff02::1
//! ICMPv6:   type 136 | code 0 | checksum
//!           R=0 S=0 O=1 | reserved
//!           target address (16)
//!           option: type 2 (target link-layer address) | length 1 | MAC
//! ```
//! keepalived 2.2.7 sends it from the VIP itself (see the takeover
//! capture); the caller chooses `src`.

use core::net::Ipv6Addr;

use crate::checksum;
use crate::NA_FRAME_LEN;

/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
/// ICMPv6 next-header value.
pub const IPPROTO_ICMPV6: u8 = 58;
/// ICMPv6 type of a neighbour advertisement.
pub const ICMPV6_NEIGHBOR_ADVERT: u8 = 136;
/// Router flag: the sender is a router (RFC 4861 §4.4).
pub const NA_FLAG_ROUTER: u8 = 0x80;
/// Override flag.
pub const NA_FLAG_OVERRIDE: u8 = 0x20;
/// ff02::1
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
const ICMP_LEN: usize = 32;

/// Build an unsolicited NA frame announcing `target` at `mac`, from `src`
/// to ff02::1, hop limit 255, with the Router flag when `router` (a host
/// seeing it clear drops the sender from its default routers, RFC 4861
/// §7.2.5). Returns the length, or 0 if `buf` is too short.
pub fn emit_unsolicited_na(
    buf: &mut [u8],
    mac: [u8; 6],
    src: Ipv6Addr,
    target: Ipv6Addr,
    router: bool,
) -> usize {
    let Some(f) = buf.get_mut(..NA_FRAME_LEN) else {
        return 0;
    };
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    // IPv6 header
    f[14..18].copy_from_slice(&[0x60, 0, 0, 0]);
    f[18..20].copy_from_slice(&(ICMP_LEN as u16).to_be_bytes());
    f[20] = IPPROTO_ICMPV6;
    f[21] = 255;
    f[22..38].copy_from_slice(&src.octets());
    f[38..54].copy_from_slice(&ALL_NODES.octets());
    // ICMPv6
    let icmp = &mut f[54..54 + ICMP_LEN];
    icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
    icmp[1] = 0;
    icmp[2..4].copy_from_slice(&[0, 0]);
    let flags = if router {
        NA_FLAG_ROUTER | NA_FLAG_OVERRIDE
    } else {
        NA_FLAG_OVERRIDE
    };
    icmp[4..8].copy_from_slice(&[flags, 0, 0, 0]);
    icmp[8..24].copy_from_slice(&target.octets());
    icmp[24] = 2; // target link-layer address
    icmp[25] = 1; // in units of 8 bytes
    icmp[26..32].copy_from_slice(&mac);
    let sum = checksum::fold(
        checksum::pseudo_header_sum(src.into(), ALL_NODES.into(), IPPROTO_ICMPV6, ICMP_LEN)
            + checksum::sum_words(icmp),
    );
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    NA_FRAME_LEN
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4861 §4.4 field by field.
    #[test]
    fn fields_per_rfc4861() {
        let mac = [2, 0x6b, 0x6c, 0, 0, 2];
        let target: Ipv6Addr = "2001:db8::200".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
        let src: Ipv6Addr = "fe80::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
        let mut f = [0u8; NA_FRAME_LEN];
        assert_eq!(
            emit_unsolicited_na(&mut f, mac, src, target, false),
            NA_FRAME_LEN
        );
        assert_eq!(
            &f[0..6],
            &[0x33, 0x33, 0, 0, 0, 1],
            "all-nodes multicast MAC"
        );
        assert_eq!(&f[6..12], &mac);
        assert_eq!(f[14] >> 4, 6);
        assert_eq!(u16::from_be_bytes([f[18], f[19]]), 32, "payload length");
        assert_eq!(f[20], 58, "next header ICMPv6");
        assert_eq!(f[21], 255, "hop limit 255 (RFC 4861 §7.1.2)");
        assert_eq!(&f[38..54], &ALL_NODES.octets());
        let icmp = &f[54..];
        assert_eq!((icmp[0], icmp[1]), (136, 0));
        assert_eq!(icmp[4] & 0x80, 0, "R clear");
        assert_eq!(icmp[4] & 0x40, 0, "S clear: unsolicited");
        assert_eq!(icmp[4] & 0x20, 0x20, "O set");
        assert_eq!(&icmp[8..24], &target.octets());
        assert_eq!(
            (icmp[24], icmp[25]),
            (2, 1),
            "target link-layer address option"
        );
        assert_eq!(&icmp[26..32], &mac);
        let sum = checksum::fold(
            checksum::pseudo_header_sum(src.into(), ALL_NODES.into(), 58, 32)
                + checksum::sum_words(icmp),
        );
        assert_eq!(sum, 0, "checksum verifies");
        // a router's: R set too, the checksum still right
        assert_eq!(
            emit_unsolicited_na(&mut f, mac, src, target, true),
            NA_FRAME_LEN
        );
        let icmp = &f[54..];
        assert_eq!(icmp[4], 0x80 | 0x20, "R and O set");
        let sum = checksum::fold(
            checksum::pseudo_header_sum(src.into(), ALL_NODES.into(), 58, 32)
                + checksum::sum_words(icmp),
        );
        assert_eq!(sum, 0, "checksum verifies with R set");
    }
}
