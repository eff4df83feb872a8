//! A receive-only packet socket that sees every VRRP frame on a set of
//! interfaces, sent or received by this host, with the sender's MAC: the
//! watcher's ear. A classic BPF filter in the kernel passes only IPv4 or
//! IPv6 protocol 112, so other traffic never wakes the watcher.

use std::io;
use std::mem::{size_of, zeroed};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use super::{cvt, setsockopt};

/// A frame as the kernel handed it over.
pub struct Frame<'a> {
    /// interface it was seen on
    pub ifindex: u32,
    /// sent by this host (not received)
    pub outgoing: bool,
    /// the Ethernet frame
    pub bytes: &'a [u8],
    /// when the kernel received it (CLOCK_REALTIME, SO_TIMESTAMPNS): gaps
    /// are timed by arrival, not by when the watcher got to the frame
    pub arrival: Option<std::time::Duration>,
    /// the 802.1Q VLAN id, for a tagged frame heard on the parent
    /// interface (the kernel strips the tag into PACKET_AUXDATA)
    pub vlan: Option<u16>,
}

/// The packet socket.
pub struct VrrpListener {
    fd: OwnedFd,
}

/// `ldh [12]; ipv4 → ldb [23]; ipv6 → ldb [20]; accept protocol 112`.
fn vrrp_filter() -> [libc::sock_filter; 9] {
    let op = |code: u16, jt: u8, jf: u8, k: u32| libc::sock_filter { code, jt, jf, k };
    const LDH_ABS: u16 = 0x28;
    const LDB_ABS: u16 = 0x30;
    const JEQ_K: u16 = 0x15;
    const RET_K: u16 = 0x06;
    [
        op(LDH_ABS, 0, 0, 12),        // 0: EtherType
        op(JEQ_K, 0, 2, 0x0800),      // 1: IPv4 → 2, else → 4
        op(LDB_ABS, 0, 0, 14 + 9),    // 2: IPv4 protocol
        op(JEQ_K, 3, 4, 112),         // 3: VRRP → 7, else → 8
        op(JEQ_K, 0, 3, 0x86dd),      // 4: IPv6 → 5, else → 8
        op(LDB_ABS, 0, 0, 14 + 6),    // 5: IPv6 next header
        op(JEQ_K, 0, 1, 112),         // 6: VRRP → 7, else → 8
        op(RET_K, 0, 0, 0x0004_0000), // 7: the whole frame
        op(RET_K, 0, 0, 0),           // 8: drop
    ]
}

impl VrrpListener {
    /// Listen on `ifindexes` (empty: every interface). Multicast frames
    /// reach the socket whatever groups the host joined (ALLMULTI);
    /// `promiscuous` also takes frames addressed to other stations, for a
    /// mirror port or unicast VRRP between other hosts. Needs CAP_NET_RAW.
    pub fn open(ifindexes: &[u32], promiscuous: bool) -> io::Result<VrrpListener> {
        // nothing is queued until bind, after the filter is in
        let fd = super::packet_socket()?;
        let mut filter = vrrp_filter();
        let prog = libc::sock_fprog {
            len: filter.len() as u16,
            filter: filter.as_mut_ptr(),
        };
        setsockopt(&fd, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &prog)?;
        let one: libc::c_int = 1;
        setsockopt(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &one)?;
        setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_AUXDATA, &one)?;
        // SAFETY: plain data; zeroed is a valid sockaddr_ll.
        let mut sll: libc::sockaddr_ll = unsafe { zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sll.sll_ifindex = match ifindexes {
            [one] => *one as i32,
            _ => 0,
        };
        // SAFETY: sll is valid for its size.
        cvt(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as u32,
            )
        })?;
        let mode = if promiscuous {
            libc::PACKET_MR_PROMISC
        } else {
            libc::PACKET_MR_ALLMULTI
        };
        for &index in ifindexes {
            // SAFETY: plain data.
            let mut m: libc::packet_mreq = unsafe { zeroed() };
            m.mr_ifindex = index as i32;
            m.mr_type = mode as u16;
            setsockopt(&fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &m)?;
        }
        Ok(VrrpListener { fd })
    }

    /// The next queued frame, or None when there is none.
    pub fn recv<'b>(&self, buf: &'b mut [u8]) -> io::Result<Option<Frame<'b>>> {
        // SAFETY: plain data; zeroed is a valid sockaddr_ll and msghdr.
        let mut from: libc::sockaddr_ll = unsafe { zeroed() };
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut cbuf = [0u64; 16];
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&cbuf);
        // SAFETY: every pointer in msg is valid for the sizes given.
        let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                _ => Err(e),
            };
        }
        let mut arrival = None;
        let mut vlan = None;
        super::for_each_cmsg(&msg, |level, kind, data| match (level, kind) {
            // SAFETY: each arm reads the type its control message carries.
            (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
                arrival = Some(unsafe { super::timestamp_ns(data) });
            }
            (libc::SOL_PACKET, libc::PACKET_AUXDATA) => {
                let aux: libc::tpacket_auxdata = unsafe { std::ptr::read_unaligned(data.cast()) };
                if aux.tp_status & libc::TP_STATUS_VLAN_VALID != 0 {
                    vlan = Some(aux.tp_vlan_tci & 0x0fff);
                }
            }
            _ => {}
        });
        Ok(Some(Frame {
            ifindex: from.sll_ifindex as u32,
            outgoing: from.sll_pkttype == libc::PACKET_OUTGOING,
            bytes: &buf[..n as usize],
            arrival,
            vlan,
        }))
    }
}

impl VrrpListener {
    /// Is interface `name` up with a carrier (IFF_UP and IFF_RUNNING), so
    /// that anything can be heard on it? Asked through this socket, so it
    /// answers for the socket's network namespace whatever /sys shows.
    pub fn can_hear(&self, name: &str) -> io::Result<bool> {
        // SAFETY: plain data; zeroed is a valid ifreq.
        let mut req: libc::ifreq = unsafe { zeroed() };
        let bytes = name.as_bytes();
        if bytes.len() >= req.ifr_name.len() {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        for (d, b) in req.ifr_name.iter_mut().zip(bytes) {
            *d = *b as libc::c_char;
        }
        // SAFETY: req is a valid ifreq the kernel fills in.
        cvt(unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
        // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
        let flags = i32::from(unsafe { req.ifr_ifru.ifru_flags });
        Ok(flags & libc::IFF_UP != 0 && flags & libc::IFF_RUNNING != 0)
    }
}

impl AsRawFd for VrrpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
