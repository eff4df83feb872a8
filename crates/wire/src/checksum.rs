//! The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 needs.

use core::net::IpAddr;

/// Sum of big-endian 16-bit words, not yet folded. A u64 accumulator lets
/// us add 4 words per step without carries escaping.
#[inline]
pub fn sum_words(data: &[u8]) -> u64 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]))
            + u64::from(u16::from_be_bytes([c[2], c[3]]))
            + u64::from(u16::from_be_bytes([c[4], c[5]]))
            + u64::from(u16::from_be_bytes([c[6], c[7]]));
    }
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for p in &mut pairs {
        acc += u64::from(u16::from_be_bytes([p[0], p[1]]));
    }
    if let [last] = pairs.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Fold a word sum into the ones' complement checksum.
#[inline]
pub fn fold(mut acc: u64) -> u16 {
    while acc >> 16 != 0 {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Word sum of the IPv4 or IPv6 pseudo-header for `upper_len` bytes of
/// protocol `proto` (RFC 768 / RFC 8200 §8.1).
#[inline]
pub fn pseudo_header_sum(src: IpAddr, dst: IpAddr, proto: u8, upper_len: usize) -> u64 {
    let mut acc = 0u64;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc += sum_words(&s.octets()) + sum_words(&d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            acc += sum_words(&s.octets()) + sum_words(&d.octets());
        }
        // Mixed families cannot happen on one socket; sum what we have.
        (s, d) => {
            acc += addr_sum(s) + addr_sum(d);
        }
    }
    acc + u64::from(proto) + upper_len as u64
}

fn addr_sum(a: IpAddr) -> u64 {
    match a {
        IpAddr::V4(a) => sum_words(&a.octets()),
        IpAddr::V6(a) => sum_words(&a.octets()),
    }
}

/// The checksum of `data` (with its checksum field zeroed or included:
/// a correct packet checks to 0).
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    fold(sum_words(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2, checksum 220d.
        let d = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&d), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(checksum(&[0x01]), checksum(&[0x01, 0x00]));
        assert_eq!(
            checksum(&[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            checksum(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0])
        );
    }
}
