//! The floor of a steady-state CPU measurement: the least work any VRRP
//! daemon has to do to keep a layout's adverts flowing. One thread on
//! router 0 wakes once per advert interval (an absolute `clock_nanosleep`)
//! and sends every instance's advert with one `sendmmsg` per interface on a
//! raw IPPROTO 112 socket; threads on router 1 read them. No timers per
//! instance, no parsing, no event loop: what is left is the kernel's cost
//! of the wake-ups and the packets, which no daemon can go below on this
//! machine. The bench prints it beside keepvip and keepalived. One more
//! variant wakes through tokio and keepvip's timerfd instead of sleeping,
//! to split what keepvip costs above the floor into the event loop's share
//! and its own code's; one wakes on the same kind of timerfd in a bare
//! `epoll_wait`, to split the event loop's share into the kernel's and
//! tokio's; and one sends nothing at all: the wake-ups alone.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use netlab::Lab;

use super::cpu::Cpu;
use crate::net::{bind_to_device, cvt, join_group, setsockopt};

/// Which adverts the floor sends.
pub struct FloorSpec {
    /// L2 segments; eth0 and eth1 carry IPv4, eth2 and eth3 IPv6
    pub segments: usize,
    /// adverts per segment per interval
    pub per_segment: usize,
    /// advert interval
    pub interval: Duration,
    /// how the adverts leave
    pub path: SendPath,
}

/// The sending path the floor measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendPath {
    /// a raw IPPROTO 112 socket, as keepvip and keepalived send: the
    /// kernel's IP output (route lookup, netfilter OUTPUT, IP header)
    RawIp,
    /// a raw IPPROTO 112 socket with IP_HDRINCL / IPV6_HDRINCL: the daemon
    /// writes the IP header (as keepalived does for IPv4), the kernel still
    /// routes it and runs netfilter OUTPUT, but skips building the header
    /// and the per-packet source checks of IP_PKTINFO
    RawHdrincl,
    /// whole Ethernet frames on an AF_PACKET socket: no route lookup and no
    /// netfilter OUTPUT. What a daemon would save by building the frames
    /// itself (and what it would give up: OUTPUT rules no longer see them)
    Packet,
    /// as `RawHdrincl`, but woken the way keepvip is: a current-thread
    /// tokio runtime waiting on keepvip's timerfd (`timer::DeadlineTimer`).
    /// Between this and `RawHdrincl` is what the event loop costs; between
    /// this and keepvip, what keepvip's own code costs.
    RawHdrinclTokio,
    /// as `RawHdrinclTokio` without tokio: a bare `epoll_wait` on a timerfd
    /// armed at the absolute deadline, as a hand-written event loop would
    /// wait. Between this and `RawHdrinclTokio` is tokio's own share.
    RawHdrinclEpoll,
    /// the same wake-ups and no packets: what sleeping until each interval
    /// costs by itself, whatever a daemon then sends
    WakeOnly,
}

impl SendPath {
    /// Every path, in the order the bench runs them.
    pub const ALL: [SendPath; 6] = [
        SendPath::RawIp,
        SendPath::RawHdrincl,
        SendPath::Packet,
        SendPath::RawHdrinclTokio,
        SendPath::RawHdrinclEpoll,
        SendPath::WakeOnly,
    ];

    /// Name in the bench's output.
    pub fn label(self) -> &'static str {
        match self {
            SendPath::RawIp => "raw IP socket",
            SendPath::RawHdrincl => "raw IP socket, HDRINCL",
            SendPath::Packet => "AF_PACKET frames",
            SendPath::RawHdrinclTokio => {
                "raw IP socket, HDRINCL, woken through tokio and a timerfd"
            }
            SendPath::RawHdrinclEpoll => "raw IP socket, HDRINCL, woken by epoll_wait on a timerfd",
            SendPath::WakeOnly => "nothing sent",
        }
    }

    /// What the floor does per interval, for the bench's output.
    pub fn description(self) -> String {
        match self {
            SendPath::WakeOnly => "one wake-up per interval, nothing sent".to_string(),
            p => format!(
                "one wake-up per interval, one sendmmsg per interface, {}",
                p.label()
            ),
        }
    }
}

fn is_v6(seg: usize) -> bool {
    seg >= 2
}

/// A raw VRRP socket on `eth{seg}` of the namespace this thread is in.
fn vrrp_socket(seg: usize) -> io::Result<(OwnedFd, u32)> {
    let domain = if is_v6(seg) {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // SAFETY: plain socket(2); the fd is owned right after.
    let fd = unsafe {
        OwnedFd::from_raw_fd(cvt(libc::socket(
            domain,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            112,
        ))?)
    };
    let name = format!("eth{seg}");
    let cname = std::ffi::CString::new(name.clone()).unwrap_or_default();
    // SAFETY: valid NUL-terminated name.
    let index = unsafe { libc::if_nametoindex(cname.as_ptr()) };
    if index == 0 {
        return Err(io::Error::last_os_error());
    }
    bind_to_device(&fd, &name)?;
    Ok((fd, index))
}

/// Read every advert on `eth{seg}` of router 1 until `stop`.
fn sink(ns: String, seg: usize, stop: Arc<AtomicBool>, got: Arc<AtomicU64>) -> io::Result<()> {
    super::enter_netns(&ns)?;
    let (fd, index) = vrrp_socket(seg)?;
    let group = if is_v6(seg) {
        IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))
    } else {
        IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18))
    };
    join_group(&fd, group, index)?;
    let tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 200_000,
    };
    setsockopt(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv)?;
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::Relaxed) {
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n > 0 {
            got.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Send the adverts from router 0 until `stop`; returns how many went out.
/// This thread's id goes to `tid` once it sends, so that it can be
/// measured from outside like a daemon.
fn sender(
    ns: String,
    spec: &FloorSpec,
    stop: &AtomicBool,
    tid: std::sync::mpsc::Sender<i32>,
) -> io::Result<u64> {
    super::enter_netns(&ns)?;
    // per segment: socket, destination, payloads, and the sendmmsg headers
    struct Out {
        fd: OwnedFd,
        dst: libc::sockaddr_in6,
        dst_len: u32,
        payloads: Vec<[u8; FRAME_MAX]>,
        len: usize,
    }
    let mut outs = Vec::new();
    for seg in 0..spec.segments {
        let (fd, index) = vrrp_socket(seg)?;
        // an advert's size (one VIP); VRIDs the daemons' configs don't use
        let adverts: Vec<[u8; 24]> = (0..spec.per_segment)
            .map(|i| {
                let mut p = [0u8; 24];
                p[0] = 0x31;
                p[1] = (i % 255 + 1) as u8;
                p[2] = 1;
                p[3] = 1;
                p
            })
            .collect();
        let vrrp_len = if is_v6(seg) { 24 } else { 20 };
        // SAFETY: plain data.
        let mut dst: libc::sockaddr_in6 = unsafe { zeroed() };
        let (fd, dst_len, header) = match spec.path {
            SendPath::RawIp | SendPath::WakeOnly => {
                let dst_len = raw_ip_destination(&fd, seg, index, &mut dst)?;
                (fd, dst_len, Vec::new())
            }
            SendPath::RawHdrincl | SendPath::RawHdrinclTokio | SendPath::RawHdrinclEpoll => {
                let dst_len = raw_ip_destination(&fd, seg, index, &mut dst)?;
                let one: libc::c_int = 1;
                if is_v6(seg) {
                    setsockopt(&fd, libc::IPPROTO_IPV6, IPV6_HDRINCL, &one)?;
                } else {
                    setsockopt(&fd, libc::IPPROTO_IP, libc::IP_HDRINCL, &one)?;
                }
                (fd, dst_len, ip_header(seg, vrrp_len))
            }
            SendPath::Packet => {
                drop(fd);
                let (pfd, mac) = packet_socket(seg)?;
                // SAFETY: sockaddr_ll fits in sockaddr_in6; both plain data.
                let ll = unsafe {
                    &mut *(&mut dst as *mut libc::sockaddr_in6).cast::<libc::sockaddr_ll>()
                };
                ll.sll_family = libc::AF_PACKET as u16;
                ll.sll_ifindex = index as i32;
                ll.sll_halen = 6;
                let ethertype = if is_v6(seg) {
                    libc::ETH_P_IPV6
                } else {
                    libc::ETH_P_IP
                };
                ll.sll_protocol = (ethertype as u16).to_be();
                (
                    pfd,
                    size_of::<libc::sockaddr_ll>() as u32,
                    frame_header(seg, mac, vrrp_len),
                )
            }
        };
        let len = header.len() + vrrp_len;
        let payloads = adverts
            .iter()
            .map(|a| {
                let mut f = [0u8; FRAME_MAX];
                f[..header.len()].copy_from_slice(&header);
                f[header.len()..len].copy_from_slice(&a[..vrrp_len]);
                f
            })
            .collect();
        outs.push(Out {
            fd,
            dst,
            dst_len,
            payloads,
            len,
        });
    }
    let mut iovs: Vec<Vec<libc::iovec>> = Vec::new();
    for o in &mut outs {
        iovs.push(
            o.payloads
                .iter_mut()
                .map(|p| libc::iovec {
                    iov_base: p.as_mut_ptr().cast(),
                    iov_len: o.len,
                })
                .collect(),
        );
    }
    let mut headers: Vec<Vec<libc::mmsghdr>> = Vec::new();
    for (o, iov) in outs.iter_mut().zip(iovs.iter_mut()) {
        let dst: *mut libc::sockaddr_in6 = &mut o.dst;
        headers.push(
            iov.iter_mut()
                .map(|v| {
                    // SAFETY: plain data, filled next.
                    let mut h: libc::mmsghdr = unsafe { zeroed() };
                    h.msg_hdr.msg_iov = v;
                    h.msg_hdr.msg_iovlen = 1;
                    h.msg_hdr.msg_name = dst.cast();
                    h.msg_hdr.msg_namelen = o.dst_len;
                    h
                })
                .collect(),
        );
    }
    // SAFETY: gettid(2) has no preconditions.
    let _ = tid.send(unsafe { libc::gettid() });
    let burst = |headers: &mut Vec<Vec<libc::mmsghdr>>| -> u64 {
        if spec.path == SendPath::WakeOnly {
            return 0;
        }
        let mut sent = 0;
        for (o, h) in outs.iter().zip(headers.iter_mut()) {
            // SAFETY: every header points at buffers alive in this frame.
            let n = unsafe { libc::sendmmsg(o.fd.as_raw_fd(), h.as_mut_ptr(), h.len() as u32, 0) };
            sent += n.max(0) as u64;
        }
        sent
    };
    match spec.path {
        SendPath::RawHdrinclTokio => {
            return tokio_loop(spec.interval, stop, || burst(&mut headers))
        }
        SendPath::RawHdrinclEpoll => {
            return epoll_loop(spec.interval, stop, || burst(&mut headers))
        }
        _ => {}
    }
    let mut next = crate::timer::monotonic();
    let mut sent = 0u64;
    while !stop.load(Ordering::Relaxed) {
        next += spec.interval;
        let ts = libc::timespec {
            tv_sec: next.as_secs() as libc::time_t,
            tv_nsec: next.subsec_nanos() as libc::c_long,
        };
        // SAFETY: valid timespec; an early return (EINTR) only sends early.
        unsafe {
            libc::clock_nanosleep(
                libc::CLOCK_MONOTONIC,
                libc::TIMER_ABSTIME,
                &ts,
                std::ptr::null_mut(),
            )
        };
        // a burst sent after the sinks were told to stop would count as lost
        if stop.load(Ordering::Relaxed) {
            break;
        }
        sent += burst(&mut headers);
    }
    Ok(sent)
}

/// The send loop woken as keepvip's main loop is: a current-thread tokio
/// runtime parked in epoll until keepvip's timerfd fires at the absolute
/// deadline.
fn tokio_loop(
    interval: Duration,
    stop: &AtomicBool,
    mut burst: impl FnMut() -> u64,
) -> io::Result<u64> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut timer = crate::timer::DeadlineTimer::new()?;
        let mut next = crate::timer::now();
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            next += interval;
            timer.arm(Some(next))?;
            timer.expired().await?;
            if stop.load(Ordering::Relaxed) {
                break;
            }
            sent += burst();
        }
        Ok(sent)
    })
}

/// The send loop woken by a bare `epoll_wait` on a timerfd armed with the
/// absolute deadline (edge-triggered and never read, as keepvip's
/// `DeadlineTimer`: re-arming clears it): the kernel's part of the event
/// loop's wake-up, without tokio's.
fn epoll_loop(
    interval: Duration,
    stop: &AtomicBool,
    mut burst: impl FnMut() -> u64,
) -> io::Result<u64> {
    // SAFETY: plain system calls; each fd is owned at once.
    let timer = unsafe {
        OwnedFd::from_raw_fd(cvt(libc::timerfd_create(
            libc::CLOCK_MONOTONIC,
            libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
        ))?)
    };
    // SAFETY: as above.
    let ep = unsafe { OwnedFd::from_raw_fd(cvt(libc::epoll_create1(libc::EPOLL_CLOEXEC))?) };
    let mut ev = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLET) as u32,
        u64: 0,
    };
    // SAFETY: both fds are open; ev is valid for the call.
    cvt(unsafe {
        libc::epoll_ctl(
            ep.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            timer.as_raw_fd(),
            &mut ev,
        )
    })?;
    let mut next = crate::timer::monotonic();
    let mut sent = 0u64;
    while !stop.load(Ordering::Relaxed) {
        next += interval;
        let at = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: libc::timespec {
                tv_sec: next.as_secs() as libc::time_t,
                tv_nsec: next.subsec_nanos() as libc::c_long,
            },
        };
        // SAFETY: valid fd and itimerspec.
        cvt(unsafe {
            libc::timerfd_settime(
                timer.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &at,
                std::ptr::null_mut(),
            )
        })?;
        let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
        // SAFETY: `out` has room for the 4 events asked for; an EINTR only
        // sends early.
        unsafe { libc::epoll_wait(ep.as_raw_fd(), out.as_mut_ptr(), 4, 1_000) };
        if stop.load(Ordering::Relaxed) {
            break;
        }
        sent += burst();
    }
    Ok(sent)
}

/// linux/in6.h; the libc crate does not carry it
const IPV6_HDRINCL: libc::c_int = 36;

/// Room for the largest thing sent: Ethernet + IPv6 + a 24-byte advert.
const FRAME_MAX: usize = 14 + 40 + 24;

/// Multicast options and the 224.0.0.18 / ff02::12 destination of a raw
/// VRRP socket; returns the address length.
fn raw_ip_destination(
    fd: &OwnedFd,
    seg: usize,
    index: u32,
    dst: &mut libc::sockaddr_in6,
) -> io::Result<u32> {
    let ttl: libc::c_int = 255;
    let zero: libc::c_int = 0;
    if is_v6(seg) {
        setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &ttl)?;
        setsockopt(fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &zero)?;
        dst.sin6_family = libc::AF_INET6 as u16;
        dst.sin6_addr.s6_addr = std::net::Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12).octets();
        dst.sin6_scope_id = index;
        Ok(size_of::<libc::sockaddr_in6>() as u32)
    } else {
        setsockopt(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_TTL, &ttl)?;
        setsockopt(fd, libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP, &zero)?;
        // SAFETY: sockaddr_in fits in sockaddr_in6; both plain data.
        let sa4 = unsafe { &mut *(dst as *mut libc::sockaddr_in6).cast::<libc::sockaddr_in>() };
        sa4.sin_family = libc::AF_INET as u16;
        sa4.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::new(224, 0, 0, 18)).to_be();
        Ok(size_of::<libc::sockaddr_in>() as u32)
    }
}

/// A send-only AF_PACKET socket (protocol 0: it receives nothing) and the
/// MAC address of `eth{seg}`.
fn packet_socket(seg: usize) -> io::Result<(OwnedFd, [u8; 6])> {
    // SAFETY: plain socket(2); the fd is owned right after.
    let fd = unsafe {
        OwnedFd::from_raw_fd(cvt(libc::socket(
            libc::AF_PACKET,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            0,
        ))?)
    };
    // SAFETY: plain data; the name is NUL-terminated by the zeroed tail.
    let mut req: libc::ifreq = unsafe { zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(format!("eth{seg}").bytes()) {
        *d = s as libc::c_char;
    }
    // SAFETY: SIOCGIFHWADDR fills the ifreq it is given.
    cvt(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR, &mut req) })?;
    let mut mac = [0u8; 6];
    // SAFETY: the union member SIOCGIFHWADDR filled.
    let hw = unsafe { req.ifr_ifru.ifru_hwaddr };
    for (m, b) in mac.iter_mut().zip(hw.sa_data.iter()) {
        *m = *b as u8;
    }
    Ok((fd, mac))
}

/// The IP header of a floor advert on `eth{seg}`: IPv4 to 224.0.0.18
/// from 192.0.2.11 (as keepvip and keepalived write it), or IPv6 to
/// ff02::12 from fe80::1.
fn ip_header(seg: usize, vrrp_len: usize) -> Vec<u8> {
    if !is_v6(seg) {
        let src = Ipv4Addr::new(192, 0, 2, 11);
        let dst = Ipv4Addr::new(224, 0, 0, 18);
        return keepvip_wire::ipv4::emit_vrrp_header(src, dst, vrrp_len, 255, 0).to_vec();
    }
    let mut h = vec![0x6c, 0, 0, 0];
    h.extend_from_slice(&(vrrp_len as u16).to_be_bytes());
    h.extend_from_slice(&[112, 255]);
    h.extend_from_slice(&Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).octets());
    h.extend_from_slice(&Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12).octets());
    h
}

/// Ethernet + IP header of a floor advert on `eth{seg}`, from `mac` to the
/// group's multicast MAC.
fn frame_header(seg: usize, mac: [u8; 6], vrrp_len: usize) -> Vec<u8> {
    let (group_mac, ethertype) = if is_v6(seg) {
        ([0x33, 0x33, 0x00, 0x00, 0x00, 0x12], [0x86, 0xdd])
    } else {
        ([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12], [0x08, 0x00])
    };
    let mut h = group_mac.to_vec();
    h.extend_from_slice(&mac);
    h.extend_from_slice(&ethertype);
    h.extend_from_slice(&ip_header(seg, vrrp_len));
    h
}

/// A floor sending on a lab until [`Running::finish`].
pub struct Running {
    /// tells the sender to stop
    stop: Arc<AtomicBool>,
    /// tells the sinks to stop, once the sender has and its last burst
    /// has had time to arrive
    stop_sinks: Arc<AtomicBool>,
    got: Arc<AtomicU64>,
    sinks: Vec<std::thread::JoinHandle<io::Result<()>>>,
    sending: std::thread::JoinHandle<io::Result<u64>>,
    tid: i32,
}

impl Running {
    /// Start the sinks on router 1 and the sender on router 0 of `lab`
    /// (two routers with `spec.segments` segments).
    pub fn start(lab: &Lab, spec: FloorSpec) -> io::Result<Running> {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_sinks = Arc::new(AtomicBool::new(false));
        let got = Arc::new(AtomicU64::new(0));
        let sinks = (0..spec.segments)
            .map(|seg| {
                let ns = lab.router_ns(1).to_string();
                let stop = stop_sinks.clone();
                let got = got.clone();
                std::thread::spawn(move || {
                    pin_to(1);
                    sink(ns, seg, stop, got)
                })
            })
            .collect();
        let ns = lab.router_ns(0).to_string();
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let sending = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                pin_to(0);
                sender(ns, &spec, &stop, tid_tx)
            })
        };
        let tid = tid_rx.recv_timeout(Duration::from_secs(10));
        let running = Running {
            stop,
            stop_sinks,
            got,
            sinks,
            sending,
            tid: tid.unwrap_or(0),
        };
        if tid.is_err() {
            running.finish()?;
            return Err(io::Error::other("the floor sender did not start"));
        }
        Ok(running)
    }

    /// CPU seconds the sender has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        super::cpu::thread_seconds(std::process::id() as i32, self.tid)
    }

    /// Stop; an error if router 1 did not receive nearly every advert
    /// (the floor must carry them all).
    pub fn finish(self) -> io::Result<()> {
        self.stop.store(true, Ordering::Relaxed);
        let r = self
            .sending
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("floor sender panicked")));
        std::thread::sleep(Duration::from_millis(300));
        self.stop_sinks.store(true, Ordering::Relaxed);
        for s in self.sinks {
            let _ = s.join();
        }
        let sent = r?;
        let got = self.got.load(Ordering::Relaxed);
        if got * 100 < sent * 95 {
            return Err(io::Error::other(format!(
                "router 1 received {got} of {sent} adverts"
            )));
        }
        Ok(())
    }
}

/// Run the floor on `lab` (two routers with `spec.segments` segments):
/// the sending thread's CPU over `window`, after 2 s to settle.
pub fn measure(lab: &Lab, spec: FloorSpec, window: Duration) -> io::Result<Cpu> {
    let running = Running::start(lab, spec)?;
    std::thread::sleep(Duration::from_secs(2));
    let cpu = super::cpu::sample(window, || running.cpu_seconds());
    running.finish()?;
    Ok(cpu)
}

/// Pin this thread to `core`, as the bench pins router `core`'s daemon
/// (nothing on a one-core machine).
fn pin_to(core: usize) {
    if std::thread::available_parallelism().map_or(1, |n| n.get()) <= core {
        return;
    }
    // SAFETY: plain data; sched_setaffinity on this thread only.
    unsafe {
        let mut set: libc::cpu_set_t = zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
    }
}
