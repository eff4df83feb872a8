//! keepvip-wire: bytes ⇄ typed packets, with no I/O and no allocation.
//!
//! - [`VrrpRepr`] parses and emits VRRPv2 (RFC 3768) and VRRPv3 (RFC 9568)
//!   adverts, over IPv4 and IPv6 ([`vrrp`] has the layouts); [`VrrpPacket`]
//!   is the zero-copy view underneath.
//! - [`Ipv4Info`] reads the IPv4 header fields the receive rules need (TTL
//!   255, protocol 112).
//! - [`VrrpFrame`] finds a VRRP message and its sender in an Ethernet
//!   frame (the watcher's view of a segment).
//! - [`emit_garp`] and [`emit_unsolicited_na`] build the frames a new master
//!   sends ([`arp`], [`ndisc`]).
//!
//! Every check has its own [`Error`] variant, so the daemon can count drops
//! by reason the way keepalived's statistics do.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arp;
pub mod checksum;
pub mod frame;
pub mod ipv4;
pub mod ndisc;
pub mod vrrp;

pub use arp::{emit_garp, ArpFrame};
pub use frame::VrrpFrame;
pub use ndisc::emit_unsolicited_na;
pub use vrrp::VrrpPacket;

use core::net::{Ipv4Addr, Ipv6Addr};

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// IPv4 multicast group for VRRP adverts.
pub const VRRP_MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 multicast group for VRRP adverts.
pub const VRRP_MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);

/// VRRP protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Version {
    /// RFC 3768: IPv4 only, advert interval in seconds, optional PASS auth.
    V2,
    /// RFC 9568: IPv4 and IPv6, advert interval in centiseconds.
    V3,
}

/// Address family of the VRRP instance (and of the addresses in the advert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Family {
    /// IPv4
    V4,
    /// IPv6
    V6,
}

/// Authentication carried in a VRRPv2 advert (VRRPv3 has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// auth type 0
    None,
    /// auth type 1: the 8 bytes of the password, zero padded.
    Pass([u8; 8]),
}

/// The address list of an advert, without allocating.
#[derive(Debug, Clone, Copy)]
pub enum AddrList<'a> {
    /// Packed addresses as they are on the wire (4 or 16 bytes each, per `family`).
    Raw(Family, &'a [u8]),
    /// Typed IPv4 addresses (for emitting).
    V4(&'a [Ipv4Addr]),
    /// Typed IPv6 addresses (for emitting).
    V6(&'a [Ipv6Addr]),
}

/// Which checksum a VRRPv3-over-IPv4 sender used (IPv6 always has the pseudo-header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ChecksumMode {
    /// VRRPv2: over the VRRP message only.
    V2,
    /// VRRPv3 with the IPv4/IPv6 pseudo-header (keepalived 2.2.7, FRR default, RFC 5798).
    V3PseudoHeader,
    /// VRRPv3 over IPv4 without the pseudo-header (RFC 9568 revision, some vendors).
    V3NoPseudoHeader,
    /// VRRPv3 over IPv4 unicast with the multicast group 224.0.0.18, not
    /// the packet's destination, in the pseudo-header: keepalived before
    /// 1.3.7, and `old_unicast_checksum`.
    V3PseudoHeaderGroup,
}

/// An owned-enough, parsed VRRP advertisement.
#[derive(Debug, Clone, Copy)]
pub struct VrrpRepr<'a> {
    /// protocol version
    pub version: Version,
    /// virtual router id, 1..=255
    pub vrid: u8,
    /// advertised priority (0 = master is leaving)
    pub priority: u8,
    /// Max advert interval in the packet's unit: seconds (v2, 8 bits) or centiseconds (v3, 12 bits).
    pub max_adver_int: u16,
    /// family of the addresses
    pub family: Family,
    /// virtual addresses carried
    pub addrs: AddrList<'a>,
    /// authentication (v2 only; always `Auth::None` for v3)
    pub auth: Auth,
}

/// Everything that can be wrong with a received packet; one variant per check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Error {
    /// shorter than the fixed header
    Truncated,
    /// version nibble not 2 or 3
    BadVersion(u8),
    /// type nibble not 1 (advertisement)
    BadType(u8),
    /// the address count does not match the message length
    AddrCountMismatch {
        /// count field
        count: u8,
        /// message length
        len: usize,
    },
    /// the length fits the other address family (IPv4 addresses in an IPv6 packet or the reverse)
    WrongFamilyForLength,
    /// VRRPv2 received over IPv6
    V2OverIpv6,
    /// checksum does not verify (v2 over the message; v3 with or without pseudo-header)
    BadChecksum,
    /// VRRPv2 auth type 2 (IPsec AH): not supported
    AuthAhUnsupported,
    /// VRRPv2 auth type other than 0, 1, 2
    BadAuthType(u8),
    /// advert interval 0
    ZeroAdvertInterval,
    /// IP version nibble not 4
    NotIpv4(u8),
    /// IPv4 header length out of range
    BadHeaderLength(usize),
    /// IP version nibble not 6 in a frame of EtherType IPv6
    NotIpv6(u8),
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Truncated => write!(f, "packet too short"),
            Error::BadVersion(v) => write!(f, "unknown VRRP version {v}"),
            Error::BadType(t) => write!(f, "unknown VRRP packet type {t}"),
            Error::AddrCountMismatch { count, len } => {
                write!(f, "address count {count} does not match length {len}")
            }
            Error::WrongFamilyForLength => {
                write!(f, "addresses of the wrong family for the length")
            }
            Error::V2OverIpv6 => write!(f, "VRRPv2 over IPv6"),
            Error::BadChecksum => write!(f, "invalid checksum"),
            Error::AuthAhUnsupported => write!(f, "IPsec AH authentication is not supported"),
            Error::BadAuthType(t) => write!(f, "unknown authentication type {t}"),
            Error::ZeroAdvertInterval => write!(f, "advert interval 0"),
            Error::NotIpv4(v) => write!(f, "IP version {v}, expected 4"),
            Error::BadHeaderLength(l) => write!(f, "bad IPv4 header length {l}"),
            Error::NotIpv6(v) => write!(f, "IP version {v}, expected 6"),
        }
    }
}

impl std::error::Error for Error {}

/// The fields of a received IPv4 header that the receive rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Info {
    /// source address
    pub src: Ipv4Addr,
    /// destination address
    pub dst: Ipv4Addr,
    /// time to live (must be 255 for multicast adverts)
    pub ttl: u8,
    /// protocol (112 for VRRP)
    pub protocol: u8,
    /// header length in bytes (IHL × 4); the payload starts here
    pub header_len: usize,
    /// total length from the header (payload ends here)
    pub total_len: usize,
}

/// The VRID byte of a VRRP message, if it is long enough to have one
/// (to count a malformed packet against its instance).
pub fn peek_vrid(payload: &[u8]) -> Option<u8> {
    payload.get(1).copied()
}

/// Length of a gratuitous ARP Ethernet frame (without FCS).
pub const GARP_FRAME_LEN: usize = 42;
/// Length of an unsolicited NA Ethernet frame with a target link-layer option.
pub const NA_FRAME_LEN: usize = 86;
