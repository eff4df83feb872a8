//! The IPv4 header fields the VRRP receive rules need.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version|  IHL  |Type of Service|          Total Length         |
//! |         Identification        |Flags|      Fragment Offset    |
//! |  Time to Live |    Protocol   |         Header Checksum       |
//! |                       Source Address                          |
//! |                    Destination Address                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use core::net::Ipv4Addr;

use crate::{Error, Ipv4Info, IPPROTO_VRRP};

/// Length of the IPv4 header an advert is sent with (no options).
pub const VRRP_HEADER_LEN: usize = 20;

/// The IPv4 header of an advert carrying `payload_len` bytes of VRRP, as
/// keepalived writes it: TOS 0xc0 (internetwork control), no DF, the given
/// TTL (255, or `unicast_ttl`), protocol 112, the given identification,
/// header checksum filled in.
pub fn emit_vrrp_header(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    payload_len: usize,
    ttl: u8,
    id: u16,
) -> [u8; VRRP_HEADER_LEN] {
    let total = (VRRP_HEADER_LEN + payload_len).min(usize::from(u16::MAX)) as u16;
    let mut h = [0u8; VRRP_HEADER_LEN];
    h[0] = 0x45;
    h[1] = 0xc0;
    h[2..4].copy_from_slice(&total.to_be_bytes());
    h[4..6].copy_from_slice(&id.to_be_bytes());
    h[8] = ttl;
    h[9] = IPPROTO_VRRP;
    h[12..16].copy_from_slice(&src.octets());
    h[16..20].copy_from_slice(&dst.octets());
    let sum = crate::checksum::checksum(&h);
    h[10..12].copy_from_slice(&sum.to_be_bytes());
    h
}

impl Ipv4Info {
    /// Read an IPv4 header (as a raw IPv4 socket delivers it). The payload
    /// is `&packet[info.header_len..info.total_len]`.
    pub fn parse(packet: &[u8]) -> Result<Ipv4Info, Error> {
        if packet.len() < 20 {
            return Err(Error::Truncated);
        }
        if packet[0] >> 4 != 4 {
            return Err(Error::NotIpv4(packet[0] >> 4));
        }
        let header_len = usize::from(packet[0] & 0x0f) * 4;
        if header_len < 20 || header_len > packet.len() {
            return Err(Error::BadHeaderLength(header_len));
        }
        let total_len = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
        // The kernel may hand us the header with total length in host or
        // network order depending on the path; trust the buffer when the
        // field is unusable.
        let total_len = if total_len < header_len || total_len > packet.len() {
            packet.len()
        } else {
            total_len
        };
        Ok(Ipv4Info {
            src: Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]),
            dst: Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]),
            ttl: packet[8],
            protocol: packet[9],
            header_len,
            total_len,
        })
    }

    /// The payload of `packet` described by this header.
    pub fn payload<'a>(&self, packet: &'a [u8]) -> &'a [u8] {
        packet.get(self.header_len..self.total_len).unwrap_or(&[])
    }
}

#[cfg(test)]
mod emit_tests {
    use super::*;

    #[test]
    fn an_emitted_header_parses_back_and_checks() {
        let src = Ipv4Addr::new(192, 0, 2, 11);
        let dst = Ipv4Addr::new(224, 0, 0, 18);
        let h = emit_vrrp_header(src, dst, 20, 255, 7);
        let mut packet = h.to_vec();
        packet.extend_from_slice(&[0u8; 20]);
        let info = Ipv4Info::parse(&packet).unwrap();
        assert_eq!((info.src, info.dst), (src, dst));
        assert_eq!((info.ttl, info.protocol), (255, IPPROTO_VRRP));
        assert_eq!((info.header_len, info.total_len), (20, 40));
        assert_eq!(h[1], 0xc0, "TOS internetwork control");
        assert_eq!(u16::from_be_bytes([h[6], h[7]]), 0, "no DF, no fragment");
        assert_eq!(u16::from_be_bytes([h[4], h[5]]), 7);
        // a header with its checksum in place sums to zero
        assert_eq!(crate::checksum::checksum(&h), 0);
    }
}
