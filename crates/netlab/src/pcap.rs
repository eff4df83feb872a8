//! A minimal reader for classic pcap files (as written by `tcpdump -w`).
//!
//! Format: a 24-byte global header (magic, version, thiszone, sigfigs,
//! snaplen, linktype), then records of a 16-byte header (ts_sec, ts_frac,
//! incl_len, orig_len) followed by `incl_len` bytes. The magic tells the byte
//! order and whether `ts_frac` is micro- (`a1b2c3d4`) or nanoseconds
//! (`a1b23c4d`). A truncated last record (tcpdump killed mid-write) is
//! ignored.

use std::time::Duration;

use crate::LabError;

/// Linktype of Ethernet (DLT_EN10MB).
pub const LINKTYPE_ETHERNET: u32 = 1;

/// One captured frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Capture time, since the Unix epoch.
    pub ts: Duration,
    /// The captured bytes (at most the snap length), starting with the
    /// Ethernet header for [`LINKTYPE_ETHERNET`] captures.
    pub data: Vec<u8>,
    /// The frame's length on the wire.
    pub orig_len: u32,
}

impl Packet {
    /// Seconds since the epoch as a float.
    pub fn ts_secs(&self) -> f64 {
        self.ts.as_secs_f64()
    }

    /// Destination MAC (Ethernet frames only).
    pub fn eth_dst(&self) -> Option<[u8; 6]> {
        self.data.get(0..6).map(|s| s.try_into().expect("6 bytes"))
    }

    /// Source MAC (Ethernet frames only).
    pub fn eth_src(&self) -> Option<[u8; 6]> {
        self.data.get(6..12).map(|s| s.try_into().expect("6 bytes"))
    }

    /// EtherType (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP).
    pub fn ethertype(&self) -> Option<u16> {
        self.data
            .get(12..14)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
    }

    /// The bytes after the 14-byte Ethernet header.
    pub fn eth_payload(&self) -> &[u8] {
        self.data.get(14..).unwrap_or(&[])
    }

    /// The IP protocol number (IPv4) or the first next-header (IPv6).
    pub fn ip_proto(&self) -> Option<u8> {
        let p = self.eth_payload();
        match self.ethertype()? {
            0x0800 => p.get(9).copied(),
            0x86dd => p.get(6).copied(),
            _ => None,
        }
    }
}

/// A parsed pcap file.
#[derive(Debug, Clone)]
pub struct PcapFile {
    /// Link-layer type from the global header.
    pub linktype: u32,
    /// Snap length from the global header.
    pub snaplen: u32,
    /// The records, in file order.
    pub packets: Vec<Packet>,
}

fn rd(b: &[u8], off: usize, le: bool) -> u32 {
    let a = [b[off], b[off + 1], b[off + 2], b[off + 3]];
    if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    }
}

/// Parses a classic pcap file from memory.
pub fn parse(bytes: &[u8]) -> Result<PcapFile, LabError> {
    if bytes.len() < 24 {
        return Err(LabError::Parse(format!(
            "pcap: file of {} bytes has no global header",
            bytes.len()
        )));
    }
    let magic_le = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    let (le, nanos) = match magic_le {
        0xa1b2_c3d4 => (true, false),
        0xa1b2_3c4d => (true, true),
        0xd4c3_b2a1 => (false, false),
        0x4d3c_b2a1 => (false, true),
        m => return Err(LabError::Parse(format!("pcap: bad magic {m:#010x}"))),
    };
    let snaplen = rd(bytes, 16, le);
    let linktype = rd(bytes, 20, le);
    let mut packets = Vec::new();
    let mut off = 24usize;
    // Bounded by the file length: every iteration advances by >= 16 bytes.
    while off + 16 <= bytes.len() {
        let ts_sec = rd(bytes, off, le);
        let ts_frac = rd(bytes, off + 4, le);
        let incl = rd(bytes, off + 8, le) as usize;
        let orig_len = rd(bytes, off + 12, le);
        let start = off + 16;
        let Some(end) = start.checked_add(incl) else {
            break;
        };
        if end > bytes.len() {
            break; // truncated last record
        }
        let frac_ns = if nanos {
            ts_frac
        } else {
            ts_frac.saturating_mul(1000)
        };
        packets.push(Packet {
            ts: Duration::new(u64::from(ts_sec), frac_ns.min(999_999_999)),
            data: bytes[start..end].to_vec(),
            orig_len,
        });
        off = end;
    }
    Ok(PcapFile {
        linktype,
        snaplen,
        packets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(le: bool, magic: u32) -> Vec<u8> {
        let f = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut h = Vec::new();
        h.extend(f(magic));
        h.extend(if le {
            2u16.to_le_bytes()
        } else {
            2u16.to_be_bytes()
        });
        h.extend(if le {
            4u16.to_le_bytes()
        } else {
            4u16.to_be_bytes()
        });
        h.extend(f(0));
        h.extend(f(0));
        h.extend(f(256));
        h.extend(f(1));
        h
    }

    fn record(le: bool, sec: u32, frac: u32, data: &[u8]) -> Vec<u8> {
        let f = |v: u32| if le { v.to_le_bytes() } else { v.to_be_bytes() };
        let mut r = Vec::new();
        r.extend(f(sec));
        r.extend(f(frac));
        r.extend(f(data.len() as u32));
        r.extend(f(data.len() as u32 + 10));
        r.extend(data);
        r
    }

    #[test]
    fn parses_both_byte_orders_and_truncation() {
        for le in [true, false] {
            let mut f = header(le, 0xa1b2_c3d4);
            let mut frame = vec![0xffu8; 12];
            frame.extend([0x08, 0x00]);
            frame.extend([0x45, 0, 0, 0, 0, 0, 0, 0, 64, 1]);
            f.extend(record(le, 10, 500_000, &frame));
            f.extend(record(le, 11, 1, b"abc"));
            f.extend(&record(le, 12, 0, b"truncated")[..20]);
            let p = parse(&f).unwrap();
            assert_eq!(p.linktype, LINKTYPE_ETHERNET);
            assert_eq!(p.snaplen, 256);
            assert_eq!(p.packets.len(), 2);
            assert_eq!(p.packets[0].ts, Duration::new(10, 500_000_000));
            assert_eq!(p.packets[0].ethertype(), Some(0x0800));
            assert_eq!(p.packets[0].ip_proto(), Some(1));
            assert_eq!(p.packets[0].orig_len, frame.len() as u32 + 10);
            assert_eq!(p.packets[1].data, b"abc");
            assert_eq!(p.packets[1].ts, Duration::new(11, 1000));
        }
    }

    #[test]
    fn nanosecond_magic_and_errors() {
        let mut f = header(true, 0xa1b2_3c4d);
        f.extend(record(true, 1, 7, b"x"));
        assert_eq!(parse(&f).unwrap().packets[0].ts, Duration::new(1, 7));
        assert!(parse(&[0u8; 10]).is_err());
        assert!(parse(&[0u8; 24]).is_err());
    }
}
