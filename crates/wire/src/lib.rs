//! keepvip-wire: bytes ⇄ typed packets.
//!
//! CONTRACT (written before the implementation so proto/daemon can code
//! against it). The wire implementation replaces the `unimplemented!()`
//! bodies; names and signatures below are the agreed public API and may only
//! be extended, not changed, without updating every user.

#![forbid(unsafe_code)]

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// placeholder until the wire implementation lands
    Truncated,
}

impl<'a> VrrpRepr<'a> {
    /// Parse and validate a VRRP message (the IP payload). `src`/`dst` are the
    /// IP addresses, needed for the v3 pseudo-header checksum. Returns the
    /// representation and the checksum variant the sender used.
    pub fn parse(
        _payload: &'a [u8],
        _src: IpAddr,
        _dst: IpAddr,
    ) -> Result<(VrrpRepr<'a>, ChecksumMode), Error> {
        unimplemented!("wire")
    }

    /// Length of the emitted VRRP message.
    pub fn buffer_len(&self) -> usize {
        unimplemented!("wire")
    }

    /// Emit into `buf` (at least `buffer_len()` bytes) with the checksum
    /// computed per `mode`; returns the number of bytes written.
    pub fn emit(&self, _buf: &mut [u8], _src: IpAddr, _dst: IpAddr, _mode: ChecksumMode) -> usize {
        unimplemented!("wire")
    }
}

impl AddrList<'_> {
    /// number of addresses
    pub fn len(&self) -> usize {
        unimplemented!("wire")
    }
    /// true if no address
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// iterate as `IpAddr`
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        core::iter::empty()
    }
}

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

impl Ipv4Info {
    /// Read an IPv4 header (as a raw IPv4 socket delivers it).
    pub fn parse(_packet: &[u8]) -> Result<Ipv4Info, Error> {
        unimplemented!("wire")
    }
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

/// Build a gratuitous ARP request frame: Ethernet broadcast, sender MAC =
/// `mac`, sender IP = target IP = `vip`. Returns the frame length.
pub fn emit_garp(_buf: &mut [u8], _mac: [u8; 6], _vip: Ipv4Addr) -> usize {
    unimplemented!("wire")
}

/// Build an unsolicited neighbour advertisement frame (ICMPv6 136, override
/// flag, target link-layer address option) from `src` (link-local) to
/// ff02::1 with hop limit 255, announcing `target` at `mac`. Returns the length.
pub fn emit_unsolicited_na(
    _buf: &mut [u8],
    _mac: [u8; 6],
    _src: Ipv6Addr,
    _target: Ipv6Addr,
) -> usize {
    unimplemented!("wire")
}
