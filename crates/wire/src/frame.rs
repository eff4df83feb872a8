//! VRRP inside an Ethernet frame, as a packet socket or a capture sees it.
//!
//! ```text
//! Ethernet: dst MAC | src MAC | type 0x0800 (IPv4) or 0x86dd (IPv6)
//! IPv4:     header (IHL × 4 bytes), protocol 112, then the VRRP message
//! IPv6:     40-byte fixed header, next header 112, then the VRRP message
//! ```
//!
//! Used by the VRRP watcher, which listens to a whole segment and must know
//! which station (source MAC) sent each advert. An IPv6 advert behind an
//! extension header is not recognised: no VRRP sender puts one there.

use core::net::{IpAddr, Ipv6Addr};

use crate::{Error, Ipv4Info, IPPROTO_VRRP};

/// EtherType of IPv4.
pub const ETHERTYPE_IPV4: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETHERTYPE_IPV6: u16 = 0x86dd;

const ETH_HEADER_LEN: usize = 14;
const IPV6_HEADER_LEN: usize = 40;

/// The addressing of one VRRP message carried in an Ethernet frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VrrpFrame<'a> {
    /// the sending station
    pub src_mac: [u8; 6],
    /// IP source address
    pub src: IpAddr,
    /// IP destination address (224.0.0.18, ff02::12 or a unicast peer)
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit as received
    pub ttl: u8,
    /// the VRRP message (the IP payload), for [`crate::VrrpRepr::parse`]
    pub payload: &'a [u8],
}

impl<'a> VrrpFrame<'a> {
    /// Find the VRRP message in an Ethernet frame. `Ok(None)` for anything
    /// that is not IP protocol 112; an error for a frame that claims to be
    /// VRRP but whose IP header is broken.
    pub fn parse(frame: &'a [u8]) -> Result<Option<VrrpFrame<'a>>, Error> {
        if frame.len() < ETH_HEADER_LEN {
            return Ok(None);
        }
        let mut src_mac = [0u8; 6];
        src_mac.copy_from_slice(&frame[6..12]);
        let ip = &frame[ETH_HEADER_LEN..];
        match u16::from_be_bytes([frame[12], frame[13]]) {
            ETHERTYPE_IPV4 => {
                if ip.len() < 20 || ip[9] != IPPROTO_VRRP {
                    return Ok(None);
                }
                let info = Ipv4Info::parse(ip)?;
                Ok(Some(VrrpFrame {
                    src_mac,
                    src: IpAddr::V4(info.src),
                    dst: IpAddr::V4(info.dst),
                    ttl: info.ttl,
                    payload: info.payload(ip),
                }))
            }
            ETHERTYPE_IPV6 => {
                if ip.len() < IPV6_HEADER_LEN || ip[6] != IPPROTO_VRRP {
                    return Ok(None);
                }
                if ip[0] >> 4 != 6 {
                    return Err(Error::NotIpv6(ip[0] >> 4));
                }
                let payload_len = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
                let end = (IPV6_HEADER_LEN + payload_len).min(ip.len());
                Ok(Some(VrrpFrame {
                    src_mac,
                    src: IpAddr::V6(v6(&ip[8..24])),
                    dst: IpAddr::V6(v6(&ip[24..40])),
                    ttl: ip[7],
                    payload: &ip[IPV6_HEADER_LEN..end],
                }))
            }
            _ => Ok(None),
        }
    }
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut o = [0u8; 16];
    o.copy_from_slice(b);
    Ipv6Addr::from(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipv4::emit_vrrp_header;
    use core::net::Ipv4Addr;

    fn eth(ethertype: u16) -> Vec<u8> {
        let mut f = vec![0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];
        f.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x0b]);
        f.extend_from_slice(&ethertype.to_be_bytes());
        f
    }

    #[test]
    fn finds_an_ipv4_advert_and_its_sender() {
        let src = Ipv4Addr::new(192, 0, 2, 11);
        let mut f = eth(ETHERTYPE_IPV4);
        f.extend_from_slice(&emit_vrrp_header(src, crate::VRRP_MCAST_V4, 20, 255, 1));
        f.extend_from_slice(&[0x31; 20]);
        f.extend_from_slice(&[0; 6]); // Ethernet padding after the IP packet
        let v = VrrpFrame::parse(&f).unwrap().unwrap();
        assert_eq!(v.src_mac, [0x02, 0, 0, 0, 0, 0x0b]);
        assert_eq!(v.src, IpAddr::V4(src));
        assert_eq!(v.dst, IpAddr::V4(crate::VRRP_MCAST_V4));
        assert_eq!(v.ttl, 255);
        assert_eq!(v.payload, &[0x31; 20][..], "padding is not payload");
    }

    #[test]
    fn finds_an_ipv6_advert() {
        let mut f = eth(ETHERTYPE_IPV6);
        let mut h = [0u8; 40];
        h[0] = 0x60;
        h[4..6].copy_from_slice(&24u16.to_be_bytes());
        h[6] = IPPROTO_VRRP;
        h[7] = 255;
        h[8] = 0xfe;
        h[9] = 0x80;
        h[23] = 0x0b;
        h[24..40].copy_from_slice(&crate::VRRP_MCAST_V6.octets());
        f.extend_from_slice(&h);
        f.extend_from_slice(&[0x31; 24]);
        let v = VrrpFrame::parse(&f).unwrap().unwrap();
        assert_eq!(v.src, "fe80::b".parse::<IpAddr>().unwrap());
        assert_eq!(v.dst, IpAddr::V6(crate::VRRP_MCAST_V6));
        assert_eq!(v.payload.len(), 24);
    }

    #[test]
    fn other_traffic_is_not_vrrp() {
        let mut arp = eth(0x0806);
        arp.extend_from_slice(&[0; 28]);
        assert_eq!(VrrpFrame::parse(&arp), Ok(None));
        let mut udp = eth(ETHERTYPE_IPV4);
        let mut h = emit_vrrp_header(Ipv4Addr::new(192, 0, 2, 1), crate::VRRP_MCAST_V4, 8, 1, 1);
        h[9] = 17;
        udp.extend_from_slice(&h);
        udp.extend_from_slice(&[0; 8]);
        assert_eq!(VrrpFrame::parse(&udp), Ok(None));
        assert_eq!(VrrpFrame::parse(&[0u8; 10]), Ok(None));
    }

    #[test]
    fn a_broken_ip_header_is_an_error() {
        let mut f = eth(ETHERTYPE_IPV4);
        let mut h = emit_vrrp_header(
            Ipv4Addr::new(192, 0, 2, 1),
            crate::VRRP_MCAST_V4,
            20,
            255,
            1,
        );
        h[0] = 0x4f; // IHL 60 bytes, longer than the packet
        f.extend_from_slice(&h);
        assert!(VrrpFrame::parse(&f).is_err());
    }
}
