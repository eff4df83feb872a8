//! Running Rust code inside a network namespace (on a dedicated thread that
//! `setns(2)`s into `/run/netns/NAME`), and a built-in ICMP echo ("ping")
//! that does not need the `ping` binary.

use std::fs::File;
use std::io;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use crate::LabError;

/// Runs `f` on a new thread whose network namespace is `/run/netns/<ns>`.
/// Sockets created by `f` stay in that namespace after it returns. A panic
/// in `f` is propagated.
pub(crate) fn in_netns<T: Send>(ns: &str, f: impl FnOnce() -> T + Send) -> Result<T, LabError> {
    let path = format!("/run/netns/{ns}");
    let file = File::open(&path).map_err(|e| LabError::io(format!("opening {path}"), e))?;
    std::thread::scope(|s| {
        let h = s.spawn(move || {
            // SAFETY: setns on a valid fd; affects only this thread.
            let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            if r != 0 {
                return Err(LabError::io(
                    format!("setns into {path}"),
                    io::Error::last_os_error(),
                ));
            }
            drop(file);
            Ok(f())
        });
        match h.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        }
    })
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

struct Fd(i32);
impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: closing an fd we own.
        unsafe { libc::close(self.0) };
    }
}

static ECHO_SEQ: AtomicU16 = AtomicU16::new(1);

/// Sends one ICMP / ICMPv6 echo request to `addr` from the *current*
/// namespace (call inside [`in_netns`]) and waits up to `timeout` for the
/// matching reply. `ifindex` scopes an IPv6 link-local destination.
pub(crate) fn icmp_echo(addr: IpAddr, ifindex: u32, timeout: Duration) -> io::Result<bool> {
    let (domain, proto) = match addr {
        IpAddr::V4(_) => (libc::AF_INET, libc::IPPROTO_ICMP),
        IpAddr::V6(_) => (libc::AF_INET6, libc::IPPROTO_ICMPV6),
    };
    // SAFETY: plain socket(2).
    let fd = unsafe { libc::socket(domain, libc::SOCK_RAW | libc::SOCK_CLOEXEC, proto) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = Fd(fd);
    let id = (std::process::id() as u16) ^ 0x4b56;
    let seq = ECHO_SEQ.fetch_add(1, Ordering::Relaxed);
    let mut pkt = vec![0u8; 8 + 24];
    pkt[0] = if addr.is_ipv4() { 8 } else { 128 };
    pkt[4..6].copy_from_slice(&id.to_be_bytes());
    pkt[6..8].copy_from_slice(&seq.to_be_bytes());
    pkt[8..].copy_from_slice(b"netlab echo payload 0123");
    if addr.is_ipv4() {
        let c = checksum(&pkt);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
    } // ICMPv6 raw sockets: the kernel fills in the checksum.

    let r = match addr {
        IpAddr::V4(a) => {
            // SAFETY: zeroed sockaddr_in is a valid value.
            let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
            sa.sin_family = libc::AF_INET as libc::sa_family_t;
            sa.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
            // SAFETY: pointers and lengths describe live buffers.
            unsafe {
                libc::sendto(
                    fd.0,
                    pkt.as_ptr().cast(),
                    pkt.len(),
                    0,
                    (&sa as *const libc::sockaddr_in).cast(),
                    std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                )
            }
        }
        IpAddr::V6(a) => {
            // SAFETY: zeroed sockaddr_in6 is a valid value.
            let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
            sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sa.sin6_addr.s6_addr = a.octets();
            sa.sin6_scope_id = ifindex;
            // SAFETY: pointers and lengths describe live buffers.
            unsafe {
                libc::sendto(
                    fd.0,
                    pkt.as_ptr().cast(),
                    pkt.len(),
                    0,
                    (&sa as *const libc::sockaddr_in6).cast(),
                    std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                )
            }
        }
    };
    if r < 0 {
        let e = io::Error::last_os_error();
        // No route / unreachable: the ping failed, not the harness.
        return match e.raw_os_error() {
            Some(libc::ENETUNREACH) | Some(libc::EHOSTUNREACH) | Some(libc::EADDRNOTAVAIL) => {
                Ok(false)
            }
            _ => Err(e),
        };
    }

    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 2048];
    // Bounded by `deadline`.
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let mut pfd = libc::pollfd {
            fd: fd.0,
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().clamp(1, 60_000) as i32;
        // SAFETY: one valid pollfd.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            continue;
        }
        // SAFETY: we own `buf`; the source address is not needed.
        let len = unsafe {
            libc::recvfrom(
                fd.0,
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if len < 0 {
            continue;
        }
        let data = &buf[..len as usize];
        let (icmp, src_ok) = match addr {
            IpAddr::V4(a) => {
                // Raw IPv4 sockets deliver the IP header too.
                if data.len() < 20 {
                    continue;
                }
                let ihl = usize::from(data[0] & 0x0f) * 4;
                let src_ok = data[12..16] == a.octets();
                (data.get(ihl..).unwrap_or(&[]), src_ok)
            }
            IpAddr::V6(_) => (data, true),
        };
        let reply_type = if addr.is_ipv4() { 0 } else { 129 };
        if src_ok
            && icmp.len() >= 8
            && icmp[0] == reply_type
            && icmp[4..6] == id.to_be_bytes()
            && icmp[6..8] == seq.to_be_bytes()
        {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::checksum;

    #[test]
    fn rfc1071_checksum() {
        // Example from RFC 1071 section 3: sum of 0001 f203 f4f5 f6f7 = ddf2.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
        assert_eq!(checksum(&[0xff]), !0xff00);
    }
}
