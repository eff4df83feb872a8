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
    /// whether the interface forwards IPv6, and when that was read
    forwarding: Option<(std::time::Instant, bool)>,
}

/// How long a read of an interface's IPv6 `forwarding` holds (keepalived's
/// vrrp_ndisc.c checks again after 5 s).
const FORWARDING_RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

impl GarpSender {
    /// Open it (needs CAP_NET_RAW).
    pub fn open(ifindex: u32) -> io::Result<GarpSender> {
        // never bound with a protocol: this socket receives nothing
        let fd = super::packet_socket()?;
        Ok(GarpSender {
            fd,
            ifindex,
            forwarding: None,
        })
    }

    /// Whether `ifname` forwards IPv6 (net.ipv6.conf.IF.forwarding), read
    /// at most every 5 s: a router's unsolicited NAs carry the Router
    /// flag, as keepalived's, or hosts drop it from their default routers.
    pub fn forwards_ipv6(&mut self, ifname: &str) -> bool {
        let now = std::time::Instant::now();
        if let Some((at, yes)) = self.forwarding {
            if now.duration_since(at) < FORWARDING_RECHECK {
                return yes;
            }
        }
        let yes = std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{ifname}/forwarding"))
            .is_ok_and(|v| v.trim() != "0");
        self.forwarding = Some((now, yes));
        yes
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

    /// One unsolicited NA for `vip` (source `src`, to ff02::1), with the
    /// Router flag when `router`.
    pub fn send_na(
        &self,
        mac: [u8; 6],
        src: Ipv6Addr,
        vip: Ipv6Addr,
        router: bool,
    ) -> io::Result<()> {
        let mut buf = [0u8; keepvip_wire::NA_FRAME_LEN];
        let n = keepvip_wire::emit_unsolicited_na(&mut buf, mac, src, vip, router);
        self.send(
            &buf[..n],
            [0x33, 0x33, 0, 0, 0, 1],
            keepvip_wire::ndisc::ETHERTYPE_IPV6,
        )
    }
}
