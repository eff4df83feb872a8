//! Gratuitous ARP: what a new IPv4 master broadcasts so neighbours move
//! the VIP to its MAC.
//!
//! ```text
//! Ethernet: dst ff:ff:ff:ff:ff:ff | src MAC | type 0x0806
//! ARP:      htype 1 | ptype 0x0800 | hlen 6 | plen 4 | op 1 (request)
//!           sender MAC | sender IP = VIP | target MAC ff:ff:ff:ff:ff:ff | target IP = VIP
//! ```
//! keepalived sends a request (not a reply) with the broadcast address as
//! target MAC; the captures in the fixtures show exactly this.

use core::net::Ipv4Addr;

use crate::GARP_FRAME_LEN;

/// EtherType of ARP.
pub const ETHERTYPE_ARP: u16 = 0x0806;
const BROADCAST: [u8; 6] = [0xff; 6];

/// Build a gratuitous ARP request frame. Returns the frame length, or 0 if
/// `buf` is shorter than `GARP_FRAME_LEN`.
pub fn emit_garp(buf: &mut [u8], mac: [u8; 6], vip: Ipv4Addr) -> usize {
    let Some(f) = buf.get_mut(..GARP_FRAME_LEN) else {
        return 0;
    };
    f[0..6].copy_from_slice(&BROADCAST);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&1u16.to_be_bytes()); // Ethernet
    f[16..18].copy_from_slice(&0x0800u16.to_be_bytes()); // IPv4
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&1u16.to_be_bytes()); // request
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&BROADCAST);
    f[38..42].copy_from_slice(&vip.octets());
    GARP_FRAME_LEN
}

/// The fields of an ARP frame (for tests and the watcher).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpFrame {
    /// Ethernet source
    pub eth_src: [u8; 6],
    /// operation (1 request, 2 reply)
    pub op: u16,
    /// sender hardware address
    pub sender_mac: [u8; 6],
    /// sender protocol address
    pub sender_ip: Ipv4Addr,
    /// target protocol address
    pub target_ip: Ipv4Addr,
}

impl ArpFrame {
    /// Parse an Ethernet frame carrying IPv4-over-Ethernet ARP.
    pub fn parse(frame: &[u8]) -> Option<ArpFrame> {
        if frame.len() < GARP_FRAME_LEN || frame[12..14] != ETHERTYPE_ARP.to_be_bytes() {
            return None;
        }
        if frame[14..16] != [0, 1] || frame[16..18] != [8, 0] || frame[18] != 6 || frame[19] != 4 {
            return None;
        }
        let mac = |r: core::ops::Range<usize>| {
            let mut m = [0u8; 6];
            m.copy_from_slice(&frame[r]);
            m
        };
        let ip = |i: usize| Ipv4Addr::new(frame[i], frame[i + 1], frame[i + 2], frame[i + 3]);
        Some(ArpFrame {
            eth_src: mac(6..12),
            op: u16::from_be_bytes([frame[20], frame[21]]),
            sender_mac: mac(22..28),
            sender_ip: ip(28),
            target_ip: ip(38),
        })
    }

    /// A gratuitous ARP announces the sender's own address.
    pub fn is_gratuitous(&self) -> bool {
        self.sender_ip == self.target_ip
    }
}
