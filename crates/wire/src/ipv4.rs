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

use crate::{Error, Ipv4Info};

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
