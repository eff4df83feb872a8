//! One raw IPPROTO 112 socket per (interface, family), bound to the
//! interface, shared by every instance on it.
//!
//! IPv4: the kernel hands us the IP header, which carries the source,
//! destination and TTL; we send with IP_HDRINCL and write the header
//! ourselves, as keepalived does (TOS 0xc0, no DF, TTL 255 or
//! `unicast_ttl`, an identification that counts up). The kernel still routes the packet and
//! runs netfilter OUTPUT on it, but skips building a header and checking
//! a source address per advert. IPv6: hop limit and destination come from
//! IPV6_HOPLIMIT / IPV6_PKTINFO control messages, and sending sets the
//! exact source address and the hop limit with the same two.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU16, Ordering};

use keepvip_wire::{ipv4, Family};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

use super::{bind_to_device, cvt, join_group, setsockopt};

/// A received VRRP packet.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    /// IP source
    pub src: IpAddr,
    /// IP destination
    pub dst: IpAddr,
    /// TTL / hop limit
    pub ttl: u8,
    /// interface
    pub ifindex: u32,
    /// VRRP payload length
    pub len: usize,
    /// where the VRRP payload starts in the buffer
    pub offset: usize,
    /// kernel receive time (CLOCK_REALTIME, SO_TIMESTAMPNS), to date the
    /// advert by its arrival rather than by when the loop got to it
    pub arrival: Option<std::time::Duration>,
}

/// The socket.
pub struct VrrpSocket {
    fd: AsyncFd<OwnedFd>,
    family: Family,
    ifindex: u32,
    /// identification of the next IPv4 header (never 0: the kernel
    /// replaces a 0 with one of its own, an extra hash per advert)
    next_ip_id: AtomicU16,
}

const IPTOS_PREC_INTERNETCONTROL: libc::c_int = 0xc0;

impl VrrpSocket {
    /// Open, bind to `ifname`, join `group` (if any).
    pub fn open(
        ifname: &str,
        ifindex: u32,
        family: Family,
        group: Option<IpAddr>,
    ) -> io::Result<VrrpSocket> {
        let domain = match family {
            Family::V4 => libc::AF_INET,
            Family::V6 => libc::AF_INET6,
        };
        // SAFETY: plain socket(2).
        let raw = cvt(unsafe {
            libc::socket(
                domain,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
                i32::from(keepvip_wire::IPPROTO_VRRP),
            )
        })?;
        // SAFETY: raw is a fresh fd owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        bind_to_device(&fd, ifname)?;
        let one: libc::c_int = 1;
        let zero: libc::c_int = 0;
        setsockopt(&fd, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, &one)?;
        let ttl: libc::c_int = 255;
        match family {
            Family::V4 => {
                // TTL and TOS are in the header we write
                setsockopt(&fd, libc::IPPROTO_IP, libc::IP_HDRINCL, &one)?;
                setsockopt(&fd, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &zero)?;
                // SAFETY: ip_mreqn is plain data.
                let mut m: libc::ip_mreqn = unsafe { zeroed() };
                m.imr_ifindex = ifindex as i32;
                setsockopt(&fd, libc::IPPROTO_IP, libc::IP_MULTICAST_IF, &m)?;
            }
            Family::V6 => {
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &ttl)?;
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS, &ttl)?;
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &zero)?;
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT, &one)?;
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, &one)?;
                setsockopt(
                    &fd,
                    libc::IPPROTO_IPV6,
                    libc::IPV6_TCLASS,
                    &IPTOS_PREC_INTERNETCONTROL,
                )?;
                let idx = ifindex as libc::c_int;
                setsockopt(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF, &idx)?;
            }
        }
        // SAFETY: `fd` is a valid open socket that only this AsyncFd holds.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }
            .map_err(io::Error::from)?;
        let sock = VrrpSocket {
            fd,
            family,
            ifindex,
            next_ip_id: AtomicU16::new(1),
        };
        if let Some(g) = group {
            sock.join(g)?;
        }
        Ok(sock)
    }

    /// Socket family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Interface index.
    pub fn ifindex(&self) -> u32 {
        self.ifindex
    }

    /// Join a multicast group on the interface.
    pub fn join(&self, group: IpAddr) -> io::Result<()> {
        join_group(self.fd.get_ref(), group, self.ifindex)
    }

    /// The socket's descriptor (keepalived's data dump shows it).
    pub fn raw_fd(&self) -> i32 {
        self.fd.get_ref().as_raw_fd()
    }

    /// Send every message in `batch` (in order) with as few `sendmmsg`
    /// calls as the kernel allows, and empty it. At 1,000 instances the
    /// adverts of one interval fall due together: one system call per
    /// interface instead of one per advert (and one return to user space
    /// where the scheduler can switch to the receiver, not a thousand).
    /// Returns the destination and error of each message that failed.
    pub fn send_batch(&self, batch: &mut SendBatch) -> Vec<(IpAddr, io::Error)> {
        let n = batch.msgs.len();
        let mut failed = Vec::new();
        // SAFETY: plain data, filled below.
        batch.headers.clear();
        batch.iovs.clear();
        batch.names.clear();
        batch.controls.clear();
        batch.ip_headers.clear();
        batch.headers.resize_with(n, || unsafe { zeroed() });
        batch.iovs.resize_with(n, || unsafe { zeroed() });
        batch.names.resize_with(n, || unsafe { zeroed() });
        batch.controls.resize(n, [0u64; 8]);
        batch.ip_headers.resize(n, [0u8; ipv4::VRRP_HEADER_LEN]);
        // every vector has its final size: the pointers below stay valid
        for (i, m) in batch.msgs.iter().enumerate() {
            let payload = libc::iovec {
                iov_base: batch.data[m.start..].as_ptr() as *mut libc::c_void,
                iov_len: m.len,
            };
            let hdr = &mut batch.headers[i].msg_hdr;
            match (self.family, m.dst) {
                (Family::V4, IpAddr::V4(dst)) => {
                    // 0.0.0.0: the kernel fills in the route's source
                    let src = match m.src {
                        Some(IpAddr::V4(s)) => s,
                        _ => Ipv4Addr::UNSPECIFIED,
                    };
                    let ip = &mut batch.ip_headers[i];
                    *ip = ipv4::emit_vrrp_header(src, dst, m.len, m.ttl, self.ip_id());
                    batch.iovs[i] = [
                        libc::iovec {
                            iov_base: ip.as_mut_ptr().cast(),
                            iov_len: ip.len(),
                        },
                        payload,
                    ];
                    hdr.msg_iovlen = 2;
                }
                _ => {
                    batch.iovs[i][0] = payload;
                    hdr.msg_iovlen = 1;
                    fill_control_v6(hdr, &mut batch.controls[i], m.src, m.ttl, self.ifindex);
                }
            }
            hdr.msg_iov = batch.iovs[i].as_mut_ptr();
            let name = &mut batch.names[i];
            hdr.msg_namelen = fill_sockaddr(name, m.dst, self.ifindex);
            hdr.msg_name = (name as *mut libc::sockaddr_in6).cast();
        }
        let fd = self.fd.get_ref().as_raw_fd();
        let mut done = 0usize;
        let mut stalls = 0;
        while done < n {
            let chunk = (n - done).min(1024) as libc::c_uint;
            // SAFETY: headers[done..] point at buffers that live until the
            // call returns (all owned by `batch`).
            let rc = unsafe { libc::sendmmsg(fd, batch.headers[done..].as_mut_ptr(), chunk, 0) };
            if rc > 0 {
                done += rc as usize;
                continue;
            }
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::WouldBlock && stalls < 3 {
                // send buffer full (a slow NIC): wait briefly for room
                stalls += 1;
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut pfd, 1, 10) };
                continue;
            }
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // the first unsent message failed: report it, go on with the rest
            failed.push((batch.msgs[done].dst, e));
            done += 1;
        }
        batch.msgs.clear();
        batch.data.clear();
        failed
    }

    /// The identification for the next IPv4 header.
    fn ip_id(&self) -> u16 {
        loop {
            let id = self.next_ip_id.fetch_add(1, Ordering::Relaxed);
            if id != 0 {
                return id;
            }
        }
    }

    /// Wait for one packet.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<Received> {
        loop {
            let mut guard = self.fd.readable().await?;
            match guard.try_io(|fd| self.recv_now(fd.get_ref(), buf)) {
                Ok(r) => return r,
                Err(_would_block) => continue,
            }
        }
    }

    fn recv_now(&self, fd: &OwnedFd, buf: &mut [u8]) -> io::Result<Received> {
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let mut cbuf = [0u64; 16];
        // SAFETY: plain data.
        let mut name: libc::sockaddr_in6 = unsafe { zeroed() };
        let mut msg: libc::msghdr = unsafe { zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_name = (&mut name as *mut libc::sockaddr_in6).cast();
        msg.msg_namelen = size_of::<libc::sockaddr_in6>() as u32;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&cbuf);
        // SAFETY: every pointer in msg is valid for the sizes given.
        let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        let mut arrival = None;
        let mut dst6 = IpAddr::V6(Ipv6Addr::UNSPECIFIED);
        let mut hoplimit = 0u8;
        super::for_each_cmsg(&msg, |level, kind, data| match (level, kind) {
            // SAFETY: each arm reads the type its control message carries.
            (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
                arrival = Some(unsafe { super::timestamp_ns(data) });
            }
            (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT) => {
                let v: libc::c_int = unsafe { std::ptr::read_unaligned(data.cast()) };
                hoplimit = v.clamp(0, 255) as u8;
            }
            (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO) => {
                let pi: libc::in6_pktinfo = unsafe { std::ptr::read_unaligned(data.cast()) };
                dst6 = IpAddr::V6(Ipv6Addr::from(pi.ipi6_addr.s6_addr));
            }
            _ => {}
        });
        match self.family {
            Family::V4 => {
                let info = keepvip_wire::Ipv4Info::parse(&buf[..n]).map_err(|e| {
                    io::Error::new(io::ErrorKind::InvalidData, format!("bad IPv4 header: {e}"))
                })?;
                let offset = info.header_len;
                let len = (info.total_len.min(n)).saturating_sub(offset);
                Ok(Received {
                    src: IpAddr::V4(info.src),
                    dst: IpAddr::V4(info.dst),
                    ttl: info.ttl,
                    ifindex: self.ifindex,
                    len,
                    offset,
                    arrival,
                })
            }
            Family::V6 => Ok(Received {
                src: IpAddr::V6(Ipv6Addr::from(name.sin6_addr.s6_addr)),
                dst: dst6,
                ttl: hoplimit,
                ifindex: self.ifindex,
                len: n,
                offset: 0,
                arrival,
            }),
        }
    }
}

/// The unspecified address of a family (for logs).
pub fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// Messages queued for one socket, sent together by
/// [`VrrpSocket::send_batch`]. Its buffers are kept between batches.
#[derive(Default)]
pub struct SendBatch {
    data: Vec<u8>,
    msgs: Vec<QueuedMessage>,
    headers: Vec<libc::mmsghdr>,
    /// per message: the IPv4 header (IPv4 only) and the payload
    iovs: Vec<[libc::iovec; 2]>,
    names: Vec<libc::sockaddr_in6>,
    controls: Vec<[u64; 8]>,
    ip_headers: Vec<[u8; ipv4::VRRP_HEADER_LEN]>,
}

struct QueuedMessage {
    start: usize,
    len: usize,
    src: Option<IpAddr>,
    dst: IpAddr,
    ttl: u8,
}

impl SendBatch {
    /// Queue one message of at most `max_len` bytes, written by `emit`
    /// (which returns the length it wrote), to leave from `src` (None: the
    /// kernel's choice) with TTL / hop limit `ttl`.
    pub fn push(
        &mut self,
        src: Option<IpAddr>,
        dst: IpAddr,
        ttl: u8,
        max_len: usize,
        emit: impl FnOnce(&mut [u8]) -> usize,
    ) {
        let start = self.data.len();
        self.data.resize(start + max_len, 0);
        let len = emit(&mut self.data[start..]).min(max_len);
        self.data.truncate(start + len);
        self.msgs.push(QueuedMessage {
            start,
            len,
            src,
            dst,
            ttl,
        });
    }

    /// Nothing queued.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }
}

/// Write `dst` into `name` (a sockaddr_in6 is big enough for either
/// family); returns the length to pass to the kernel.
fn fill_sockaddr(name: &mut libc::sockaddr_in6, dst: IpAddr, ifindex: u32) -> libc::socklen_t {
    match dst {
        IpAddr::V4(d) => {
            // SAFETY: sockaddr_in is smaller than sockaddr_in6 and both are
            // plain data; the kernel reads it as the family says.
            let sa4 =
                unsafe { &mut *(name as *mut libc::sockaddr_in6).cast::<libc::sockaddr_in>() };
            sa4.sin_family = libc::AF_INET as u16;
            sa4.sin_addr.s_addr = u32::from(d).to_be();
            size_of::<libc::sockaddr_in>() as u32
        }
        IpAddr::V6(d) => {
            name.sin6_family = libc::AF_INET6 as u16;
            name.sin6_addr.s6_addr = d.octets();
            name.sin6_scope_id = ifindex;
            size_of::<libc::sockaddr_in6>() as u32
        }
    }
}

/// The control messages of an IPv6 advert in `cbuf`: IPV6_PKTINFO for
/// source address `src` on `ifindex` (when given), and IPV6_HOPLIMIT
/// `hops`, which overrides the socket's 255 per message (`unicast_ttl`).
fn fill_control_v6(
    hdr: &mut libc::msghdr,
    cbuf: &mut [u64; 8],
    src: Option<IpAddr>,
    hops: u8,
    ifindex: u32,
) {
    hdr.msg_control = cbuf.as_mut_ptr().cast();
    // SAFETY: the CMSG macros walk `cbuf` (64 bytes), which holds one
    // in6_pktinfo (40 bytes with its header) and one int (24) message;
    // msg_controllen covers exactly the ones written.
    unsafe {
        let pktinfo_space = libc::CMSG_SPACE(size_of::<libc::in6_pktinfo>() as u32) as usize;
        let hops_space = libc::CMSG_SPACE(size_of::<libc::c_int>() as u32) as usize;
        hdr.msg_controllen = hops_space
            + match src {
                Some(IpAddr::V6(_)) => pktinfo_space,
                _ => 0,
            };
        let mut c = libc::CMSG_FIRSTHDR(hdr);
        if let Some(IpAddr::V6(s)) = src {
            (*c).cmsg_level = libc::IPPROTO_IPV6;
            (*c).cmsg_type = libc::IPV6_PKTINFO;
            (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::in6_pktinfo>() as u32) as usize;
            let pi = libc::in6_pktinfo {
                ipi6_addr: libc::in6_addr {
                    s6_addr: s.octets(),
                },
                ipi6_ifindex: ifindex,
            };
            std::ptr::write_unaligned(libc::CMSG_DATA(c).cast(), pi);
            c = libc::CMSG_NXTHDR(hdr, c);
        }
        (*c).cmsg_level = libc::IPPROTO_IPV6;
        (*c).cmsg_type = libc::IPV6_HOPLIMIT;
        (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::c_int>() as u32) as usize;
        std::ptr::write_unaligned(libc::CMSG_DATA(c).cast(), libc::c_int::from(hops));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_keeps_each_message_at_its_own_length_and_order() {
        let mut b = SendBatch::default();
        assert!(b.is_empty());
        let dst: IpAddr = Ipv4Addr::new(224, 0, 0, 18).into();
        b.push(None, dst, 255, 40, |buf| {
            buf[..3].copy_from_slice(b"one");
            3
        });
        b.push(
            Some(Ipv4Addr::new(192, 0, 2, 11).into()),
            dst,
            255,
            40,
            |buf| {
                buf[..5].copy_from_slice(b"three");
                5
            },
        );
        assert!(!b.is_empty());
        let texts: Vec<&[u8]> = b
            .msgs
            .iter()
            .map(|m| &b.data[m.start..m.start + m.len])
            .collect();
        assert_eq!(texts, [&b"one"[..], &b"three"[..]]);
        // an emitter that claims more than it may write is cut to max_len
        b.push(None, dst, 255, 4, |_| 99);
        assert_eq!(b.msgs[2].len, 4);
        assert_eq!(b.data.len(), 3 + 5 + 4);
    }
}
