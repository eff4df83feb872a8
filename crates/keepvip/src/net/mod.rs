//! Linux I/O for the daemon: raw VRRP sockets, rtnetlink (addresses,
//! routes, link and address events), AF_PACKET gratuitous ARP / NA, and
//! the watcher's packet socket.
//! No policy here: the protocol core decides, these modules carry out.

pub mod garp;
pub mod listener;
pub mod netlink;
pub mod vrrp_socket;

use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, OwnedFd};

/// Turn a libc return value into an io::Result.
pub(crate) fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// A non-blocking AF_PACKET raw socket with protocol 0: it receives
/// nothing until it is bound with a protocol (needs CAP_NET_RAW).
pub(crate) fn packet_socket() -> io::Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the fd is owned right after.
    let raw = cvt(unsafe {
        libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            0,
        )
    })?;
    // SAFETY: raw was just returned by socket(2) and is not owned elsewhere.
    Ok(unsafe { std::os::fd::FromRawFd::from_raw_fd(raw) })
}

/// Call `f(level, type, data)` for each control message the kernel put
/// in `msg` after a recvmsg(2).
pub(crate) fn for_each_cmsg(msg: &libc::msghdr, mut f: impl FnMut(i32, i32, *const u8)) {
    // SAFETY: the CMSG macros walk the control buffer of a msghdr that
    // recvmsg filled, staying inside msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            f((*c).cmsg_level, (*c).cmsg_type, libc::CMSG_DATA(c));
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
}

/// The time in an SCM_TIMESTAMPNS control message (CLOCK_REALTIME).
///
/// # Safety
/// `data` is the data of an SCM_TIMESTAMPNS message.
pub(crate) unsafe fn timestamp_ns(data: *const u8) -> std::time::Duration {
    // SAFETY: the caller says data holds a timespec.
    let ts: libc::timespec = unsafe { std::ptr::read_unaligned(data.cast()) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// setsockopt(2) with a value of type `T`.
pub(crate) fn setsockopt<T>(
    fd: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: &T,
) -> io::Result<()> {
    // SAFETY: value points to a T of the size given.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// Join multicast `group` on interface `ifindex`.
pub(crate) fn join_group(fd: &OwnedFd, group: std::net::IpAddr, ifindex: u32) -> io::Result<()> {
    match group {
        std::net::IpAddr::V4(g) => {
            // SAFETY: plain data.
            let mut m: libc::ip_mreqn = unsafe { std::mem::zeroed() };
            m.imr_multiaddr.s_addr = u32::from(g).to_be();
            m.imr_ifindex = ifindex as i32;
            setsockopt(fd, libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP, &m)
        }
        std::net::IpAddr::V6(g) => {
            let m = libc::ipv6_mreq {
                ipv6mr_multiaddr: libc::in6_addr {
                    s6_addr: g.octets(),
                },
                ipv6mr_interface: ifindex,
            };
            setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP, &m)
        }
    }
}

/// SO_BINDTODEVICE: the socket only sees and sends on `ifname`.
pub(crate) fn bind_to_device(fd: &OwnedFd, ifname: &str) -> io::Result<()> {
    let name = ifname.as_bytes();
    // SAFETY: name is valid for its length.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            name.as_ptr().cast(),
            name.len() as u32,
        )
    })
    .map(|_| ())
}
