//! Gratuitous ARP and unsolicited neighbour advertisements through an
//! AF_PACKET socket bound to the interface (frames built by keepvip-wire).

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, OwnedFd};

/// A send-only packet socket on one interface.
#[derive(Debug)]
pub struct GarpSender {
    fd: OwnedFd,
    ifindex: u32,
}

impl GarpSender {
    /// Open it (needs CAP_NET_RAW).
    pub fn open(ifindex: u32) -> io::Result<GarpSender> {
        // never bound with a protocol: this socket receives nothing
        let fd = super::packet_socket()?;
        Ok(GarpSender { fd, ifindex })
    }

    fn send(&self, frame: &[u8], dst_mac: [u8; 6], ethertype: u16) -> io::Result<()> {
        // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = ethertype.to_be();
        sll.sll_ifindex = self.ifindex as i32;
        sll.sll_halen = 6;
        sll.sll_addr[..6].copy_from_slice(&dst_mac);
        // SAFETY: frame and sll are valid for the lengths given.
        let rc = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr().cast(),
                frame.len(),
                0,
                (&sll as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// One gratuitous ARP for `vip` from `mac`.
    pub fn send_garp(&self, mac: [u8; 6], vip: Ipv4Addr) -> io::Result<()> {
        let mut buf = [0u8; keepvip_wire::GARP_FRAME_LEN];
        let n = keepvip_wire::emit_garp(&mut buf, mac, vip);
        self.send(&buf[..n], [0xff; 6], keepvip_wire::arp::ETHERTYPE_ARP)
    }

    /// One unsolicited NA for `vip` (source `src`, to ff02::1).
    pub fn send_na(&self, mac: [u8; 6], src: Ipv6Addr, vip: Ipv6Addr) -> io::Result<()> {
        let mut buf = [0u8; keepvip_wire::NA_FRAME_LEN];
        let n = keepvip_wire::emit_unsolicited_na(&mut buf, mac, src, vip);
        self.send(
            &buf[..n],
            [0x33, 0x33, 0, 0, 0, 1],
            keepvip_wire::ndisc::ETHERTYPE_IPV6,
        )
    }
}
