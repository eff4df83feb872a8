//! Linux I/O for the daemon: raw VRRP sockets, rtnetlink (addresses,
//! routes, link and address events), AF_PACKET gratuitous ARP / NA.
//! No policy here: the protocol core decides, these modules carry out.

pub mod garp;
pub mod netlink;
pub mod vrrp_socket;

use std::io;

/// Turn a libc return value into an io::Result.
pub(crate) fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}
