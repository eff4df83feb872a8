//! VRRP advertisements: a zero-copy view (`VrrpPacket`) and the parsed
//! representation (`VrrpRepr`) with parse and emit, smoltcp style.
//!
//! VRRPv2 (RFC 3768 §5.1), IPv4 only:
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IP Addrs|
//! |   Auth Type   |   Adver Int   |          Checksum             |
//! |                         IP Address (1) ...                    |
//! |                     Authentication Data (1)                   |
//! |                     Authentication Data (2)                   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Adver Int is in seconds; the checksum covers the VRRP message only.
//!
//! VRRPv3 (RFC 9568 §5.1), IPv4 or IPv6:
//! ```text
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
//! |(rsvd) |     Max Adver Int     |          Checksum             |
//! |                     IPvX Address(es) ...                      |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```
//! Max Adver Int is 12 bits of centiseconds; the checksum includes the
//! IPv6 pseudo-header, and over IPv4 either the IPv4 pseudo-header
//! (keepalived 2.2.7, FRR, RFC 5798) or none (the RFC 9568 revision).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::checksum;
use crate::{AddrList, Auth, ChecksumMode, Error, Family, Version, VrrpRepr, IPPROTO_VRRP};

/// Byte ranges of the fixed header.
mod field {
    /// version (high nibble) and type (low nibble)
    pub const VER_TYPE: usize = 0;
    /// virtual router id
    pub const VRID: usize = 1;
    /// priority
    pub const PRIORITY: usize = 2;
    /// count of addresses
    pub const COUNT: usize = 3;
    /// v2: auth type; v3: reserved nibble + high nibble of the interval
    pub const AUTH_TYPE: usize = 4;
    /// v2: advert interval (s); v3: low byte of the interval
    pub const ADVER_INT: usize = 5;
    /// checksum
    pub const CHECKSUM: core::ops::Range<usize> = 6..8;
    /// first address
    pub const ADDRS: usize = 8;
}

/// Fixed header length.
pub const HEADER_LEN: usize = 8;
/// VRRPv2 authentication data length.
pub const AUTH_LEN: usize = 8;
/// The only VRRP packet type.
pub const TYPE_ADVERTISEMENT: u8 = 1;

/// A read-only view over a VRRP message.
#[derive(Debug, Clone, Copy)]
pub struct VrrpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VrrpPacket<T> {
    /// Wrap without checks (accessors may panic on short buffers).
    pub const fn new_unchecked(buffer: T) -> Self {
        VrrpPacket { buffer }
    }

    /// Wrap, checking the fixed header is there.
    pub fn new_checked(buffer: T) -> Result<Self, Error> {
        if buffer.as_ref().len() < HEADER_LEN {
            return Err(Error::Truncated);
        }
        Ok(VrrpPacket { buffer })
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// Protocol version nibble.
    pub fn version(&self) -> u8 {
        self.b()[field::VER_TYPE] >> 4
    }
    /// Packet type nibble (1 = advertisement).
    pub fn kind(&self) -> u8 {
        self.b()[field::VER_TYPE] & 0x0f
    }
    /// Virtual router id.
    pub fn vrid(&self) -> u8 {
        self.b()[field::VRID]
    }
    /// Priority.
    pub fn priority(&self) -> u8 {
        self.b()[field::PRIORITY]
    }
    /// Count of addresses.
    pub fn addr_count(&self) -> u8 {
        self.b()[field::COUNT]
    }
    /// v2 auth type.
    pub fn auth_type(&self) -> u8 {
        self.b()[field::AUTH_TYPE]
    }
    /// v2 advert interval in seconds.
    pub fn adver_int_v2(&self) -> u8 {
        self.b()[field::ADVER_INT]
    }
    /// v3 max advert interval in centiseconds (12 bits).
    pub fn max_adver_int_v3(&self) -> u16 {
        u16::from_be_bytes([self.b()[field::AUTH_TYPE], self.b()[field::ADVER_INT]]) & 0x0fff
    }
    /// Checksum field.
    pub fn checksum(&self) -> u16 {
        u16::from_be_bytes([
            self.b()[field::CHECKSUM.start],
            self.b()[field::CHECKSUM.start + 1],
        ])
    }
    /// Whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.b()
    }
}

impl<'a> VrrpRepr<'a> {
    /// Parse and validate a VRRP message (the IP payload). `src`/`dst` are
    /// the IP addresses: their family is the advert's family, and they feed
    /// the v3 pseudo-header. Returns the representation and the checksum
    /// variant the sender used. Does not allocate.
    pub fn parse(
        payload: &'a [u8],
        src: IpAddr,
        dst: IpAddr,
    ) -> Result<(VrrpRepr<'a>, ChecksumMode), Error> {
        let pkt = VrrpPacket::new_checked(payload)?;
        let version = match pkt.version() {
            2 => Version::V2,
            3 => Version::V3,
            v => return Err(Error::BadVersion(v)),
        };
        if pkt.kind() != TYPE_ADVERTISEMENT {
            return Err(Error::BadType(pkt.kind()));
        }
        let family = if src.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        if version == Version::V2 && family == Family::V6 {
            return Err(Error::V2OverIpv6);
        }
        let count = usize::from(pkt.addr_count());
        let trailer = if version == Version::V2 { AUTH_LEN } else { 0 };
        let size = addr_size(family);
        let expected = HEADER_LEN + count * size + trailer;
        if payload.len() != expected {
            let other = HEADER_LEN + count * addr_size(other_family(family)) + trailer;
            if payload.len() == other && count > 0 {
                return Err(Error::WrongFamilyForLength);
            }
            return Err(Error::AddrCountMismatch {
                count: pkt.addr_count(),
                len: payload.len(),
            });
        }
        let mode = match version {
            Version::V2 => {
                if checksum::checksum(payload) != 0 {
                    return Err(Error::BadChecksum);
                }
                ChecksumMode::V2
            }
            Version::V3 => {
                let pseudo = checksum::pseudo_header_sum(src, dst, IPPROTO_VRRP, payload.len());
                let group = IpAddr::V4(crate::VRRP_MCAST_V4);
                let group_sum = || {
                    checksum::pseudo_header_sum(src, group, IPPROTO_VRRP, payload.len())
                        + checksum::sum_words(payload)
                };
                if checksum::fold(pseudo + checksum::sum_words(payload)) == 0 {
                    ChecksumMode::V3PseudoHeader
                } else if family == Family::V4 && checksum::checksum(payload) == 0 {
                    ChecksumMode::V3NoPseudoHeader
                } else if family == Family::V4 && dst != group && checksum::fold(group_sum()) == 0 {
                    ChecksumMode::V3PseudoHeaderGroup
                } else {
                    return Err(Error::BadChecksum);
                }
            }
        };
        let (auth, max_adver_int) = match version {
            Version::V2 => {
                let auth = match pkt.auth_type() {
                    0 => Auth::None,
                    1 => {
                        let mut key = [0u8; 8];
                        key.copy_from_slice(&payload[expected - AUTH_LEN..expected]);
                        Auth::Pass(key)
                    }
                    2 => return Err(Error::AuthAhUnsupported),
                    t => return Err(Error::BadAuthType(t)),
                };
                (auth, u16::from(pkt.adver_int_v2()))
            }
            Version::V3 => (Auth::None, pkt.max_adver_int_v3()),
        };
        if max_adver_int == 0 {
            return Err(Error::ZeroAdvertInterval);
        }
        let addrs = AddrList::Raw(family, &payload[field::ADDRS..field::ADDRS + count * size]);
        Ok((
            VrrpRepr {
                version,
                vrid: pkt.vrid(),
                priority: pkt.priority(),
                max_adver_int,
                family,
                addrs,
                auth,
            },
            mode,
        ))
    }

    /// Length of the emitted VRRP message.
    pub fn buffer_len(&self) -> usize {
        let trailer = if self.version == Version::V2 {
            AUTH_LEN
        } else {
            0
        };
        HEADER_LEN + self.addrs.len() * addr_size(self.family) + trailer
    }

    /// Emit into `buf` with the checksum computed per `mode` (`V2` and
    /// `V3NoPseudoHeader` sum the message only). Returns the bytes written,
    /// or 0 if `buf` is shorter than `buffer_len()` (nothing is written).
    pub fn emit(&self, buf: &mut [u8], src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> usize {
        let len = self.buffer_len();
        let Some(out) = buf.get_mut(..len) else {
            return 0;
        };
        let ver = match self.version {
            Version::V2 => 2u8,
            Version::V3 => 3u8,
        };
        out[field::VER_TYPE] = (ver << 4) | TYPE_ADVERTISEMENT;
        out[field::VRID] = self.vrid;
        out[field::PRIORITY] = self.priority;
        out[field::COUNT] = self.addrs.len().min(255) as u8;
        match self.version {
            Version::V2 => {
                out[field::AUTH_TYPE] = match self.auth {
                    Auth::None => 0,
                    Auth::Pass(_) => 1,
                };
                out[field::ADVER_INT] = self.max_adver_int.min(255) as u8;
            }
            Version::V3 => {
                let [hi, lo] = (self.max_adver_int & 0x0fff).to_be_bytes();
                out[field::AUTH_TYPE] = hi;
                out[field::ADVER_INT] = lo;
            }
        }
        out[field::CHECKSUM].copy_from_slice(&[0, 0]);
        let mut at = field::ADDRS;
        for a in self.addrs.iter() {
            match a {
                IpAddr::V4(v) => {
                    out[at..at + 4].copy_from_slice(&v.octets());
                    at += 4;
                }
                IpAddr::V6(v) => {
                    out[at..at + 16].copy_from_slice(&v.octets());
                    at += 16;
                }
            }
        }
        if self.version == Version::V2 {
            let key = match self.auth {
                Auth::Pass(k) => k,
                Auth::None => [0u8; 8],
            };
            out[at..at + AUTH_LEN].copy_from_slice(&key);
        }
        let sum = match mode {
            ChecksumMode::V3PseudoHeader => checksum::fold(
                checksum::pseudo_header_sum(src, dst, IPPROTO_VRRP, len) + checksum::sum_words(out),
            ),
            ChecksumMode::V3PseudoHeaderGroup => checksum::fold(
                checksum::pseudo_header_sum(
                    src,
                    IpAddr::V4(crate::VRRP_MCAST_V4),
                    IPPROTO_VRRP,
                    len,
                ) + checksum::sum_words(out),
            ),
            ChecksumMode::V2 | ChecksumMode::V3NoPseudoHeader => checksum::checksum(out),
        };
        out[field::CHECKSUM].copy_from_slice(&sum.to_be_bytes());
        len
    }
}

/// Bytes per address of `family`.
pub const fn addr_size(family: Family) -> usize {
    match family {
        Family::V4 => 4,
        Family::V6 => 16,
    }
}

const fn other_family(f: Family) -> Family {
    match f {
        Family::V4 => Family::V6,
        Family::V6 => Family::V4,
    }
}

impl<'a> AddrList<'a> {
    /// Number of addresses.
    pub fn len(&self) -> usize {
        match self {
            AddrList::Raw(f, b) => b.len() / addr_size(*f),
            AddrList::V4(v) => v.len(),
            AddrList::V6(v) => v.len(),
        }
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`th address.
    pub fn get(&self, i: usize) -> Option<IpAddr> {
        match self {
            AddrList::Raw(Family::V4, b) => {
                let c = b.get(i * 4..i * 4 + 4)?;
                Some(IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])))
            }
            AddrList::Raw(Family::V6, b) => {
                let c: [u8; 16] = b.get(i * 16..i * 16 + 16)?.try_into().ok()?;
                Some(IpAddr::V6(Ipv6Addr::from(c)))
            }
            AddrList::V4(v) => v.get(i).copied().map(IpAddr::V4),
            AddrList::V6(v) => v.get(i).copied().map(IpAddr::V6),
        }
    }

    /// Iterate as `IpAddr`.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }

    /// True if `addr` is in the list.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.iter().any(|a| a == addr)
    }

    /// Same addresses, in any order (lists are short: quadratic is fine and
    /// allocation-free).
    pub fn same_set(&self, other: &AddrList<'_>) -> bool {
        self.len() == other.len()
            && self.iter().all(|a| other.contains(a))
            && other.iter().all(|a| self.contains(a))
    }
}
