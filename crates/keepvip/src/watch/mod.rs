//! `keepvip watch`: listen to VRRP on a segment and say who is master,
//! when that changes, and when it goes wrong (split brain, VRID
//! conflicts, adverts every receiver drops). [`observer`] holds the rules
//! and no I/O; this module is the loop around the packet socket, and
//! [`render`] the output.

pub mod observer;
pub mod render;

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use keepvip_proto::Instant;
use keepvip_wire::{VrrpFrame, VrrpRepr};

use crate::cli::WatchArgs;
use crate::net::listener::VrrpListener;
use observer::{Event, Heard, Mac, Observer, Speaker};

/// How often the watcher looks at its interfaces' link state.
const LINK_CHECK: Duration = Duration::from_millis(500);

/// Exit status when a split brain or a VRID conflict was seen.
pub const EXIT_TROUBLE: i32 = 3;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

/// The interfaces to listen on: the named ones, or every interface but
/// loopback.
fn interfaces(named: &[String]) -> Result<Vec<(u32, String)>, String> {
    let all = nix::net::if_::if_nameindex().map_err(|e| format!("cannot list interfaces: {e}"))?;
    let all: Vec<(u32, String)> = all
        .iter()
        .map(|i| (i.index(), i.name().to_string_lossy().into_owned()))
        .collect();
    if named.is_empty() {
        return Ok(all.into_iter().filter(|(_, n)| n != "lo").collect());
    }
    named
        .iter()
        .map(|n| {
            all.iter()
                .find(|(_, name)| name == n)
                .cloned()
                .ok_or_else(|| format!("no interface named {n}"))
        })
        .collect()
}

/// Wall-clock time of a protocol-clock instant.
fn wall(at: Instant, now: Instant) -> SystemTime {
    SystemTime::now() - now.saturating_duration_since(at)
}

struct Output {
    json: bool,
    out: std::io::Stdout,
}

impl Output {
    fn event(&mut self, ev: &Event, now: Instant) {
        let time = render::utc(wall(ev.at(), now));
        let line = if self.json {
            render::json(ev, &time).to_string()
        } else {
            format!("{time} {}", render::text(ev))
        };
        // a closed pipe (`| head`) is not an error worth a panic
        let _ = writeln!(self.out, "{line}");
        let _ = self.out.flush();
    }
}

/// Run until SIGINT/SIGTERM or the end of `--duration`. Exit status 0, or
/// [`EXIT_TROUBLE`] when a split brain or a VRID conflict was seen, 4
/// without CAP_NET_RAW, 1 on other errors.
pub fn run(args: &WatchArgs) -> i32 {
    let ifaces = match interfaces(&args.interfaces) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("keepvip watch: {e}");
            return 1;
        }
    };
    let indexes: Vec<u32> = ifaces.iter().map(|(i, _)| *i).collect();
    let names: HashMap<u32, String> = ifaces.into_iter().collect();
    let listener = match VrrpListener::open(&indexes, args.promiscuous) {
        Ok(l) => l,
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            eprintln!("keepvip watch: missing CAP_NET_RAW: a packet socket needs it; run as root or grant it");
            return 4;
        }
        Err(e) => {
            eprintln!("keepvip watch: cannot open a packet socket: {e}");
            return 1;
        }
    };
    {
        use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
        let act = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::empty(),
            SigSet::empty(),
        );
        for sig in [Signal::SIGINT, Signal::SIGTERM] {
            // SAFETY: the handler only stores to an atomic.
            let _ = unsafe { sigaction(sig, &act) };
        }
    }
    let mut listed: Vec<&str> = names.values().map(String::as_str).collect();
    listed.sort();
    if !args.json {
        println!("keepvip watch: listening for VRRP on {}", listed.join(", "));
    }
    let end = args
        .duration
        .map(|d| crate::timer::now() + Duration::from_secs_f64(d));
    let mut observer = Observer::new();
    let mut out = Output {
        json: args.json,
        out: std::io::stdout(),
    };
    let mut trouble = false;
    let mut buf = vec![0u8; 65_536];
    // links are looked at twice a second, and at once when the socket
    // says one went down
    let mut links_checked: Option<Instant> = None;
    let mut last_at = Instant::ZERO;
    while !STOP.load(Ordering::Relaxed) {
        let now = crate::timer::now();
        if end.is_some_and(|e| now >= e) {
            break;
        }
        let wake = [observer.poll_timeout(), end].into_iter().flatten().min();
        // at least every LINK_CHECK, for the links and so that a signal
        // between the check and the poll is not missed for long
        let timeout = wake.map_or(LINK_CHECK, |w| w.saturating_duration_since(now));
        let timeout_ms = timeout.min(LINK_CHECK).as_micros().div_ceil(1_000) as libc::c_int;
        let mut pfd = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        unsafe { libc::poll(&mut pfd, 1, timeout_ms) };
        loop {
            let frame = match listener.recv(&mut buf) {
                Ok(Some(f)) => f,
                Ok(None) => break,
                // the socket reports an interface going down once; the
                // watcher goes on and hears it again when it comes back
                Err(e) if e.raw_os_error() == Some(libc::ENETDOWN) => {
                    links_checked = None;
                    break;
                }
                Err(e) => {
                    eprintln!("keepvip watch: receive failed: {e}");
                    return 1;
                }
            };
            let Some(iface) = names.get(&frame.ifindex) else {
                continue;
            };
            // the kernel's receive time on the protocol clock, never
            // before the last frame's (the two clocks can step apart)
            let now = crate::timer::now();
            let at = frame
                .arrival
                .and_then(|a| {
                    let wall = SystemTime::now()
                        .duration_since(SystemTime::UNIX_EPOCH)
                        .ok()?;
                    let ago = wall.checked_sub(a)?;
                    let ago = u64::try_from(ago.as_micros()).ok()?;
                    Some(Instant::from_micros(now.as_micros().saturating_sub(ago)))
                })
                .unwrap_or(now)
                .max(last_at)
                .min(now);
            last_at = at;
            hear(&mut observer, at, iface, frame.vlan, frame.bytes);
        }
        let now = crate::timer::now();
        if links_checked.is_none_or(|t| now.saturating_duration_since(t) >= LINK_CHECK) {
            links_checked = Some(now);
            for name in names.values() {
                if let Ok(up) = listener.can_hear(name) {
                    observer.link(now, name, up);
                }
            }
        }
        observer.handle_timeout(now);
        while let Some(ev) = observer.poll_event() {
            trouble |= matches!(ev, Event::SplitBrain { .. } | Event::Conflict { .. });
            out.event(&ev, now);
        }
    }
    let summary = observer.summary();
    let mut invalid: Vec<render::InvalidCount> = observer
        .malformed_counts()
        .map(|((iface, src, error), n)| (iface.clone(), *src, *error, *n))
        .collect();
    invalid.sort_by(|a, b| (&a.0, a.1, a.3).cmp(&(&b.0, b.1, b.3)));
    let time = render::utc(SystemTime::now());
    if args.json {
        let _ = writeln!(
            out.out,
            "{}",
            render::summary_json(&summary, &invalid, &time)
        );
    } else {
        let _ = writeln!(
            out.out,
            "keepvip watch: stopped; what each virtual router looks like now:"
        );
        let _ = write!(out.out, "{}", render::summary_text(&summary, &invalid));
    }
    if trouble {
        EXIT_TROUBLE
    } else {
        0
    }
}

/// Hand one frame to the observer.
fn hear(observer: &mut Observer, at: Instant, iface: &str, vlan: Option<u16>, bytes: &[u8]) {
    let mac = Mac(bytes
        .get(6..12)
        .and_then(|m| m.try_into().ok())
        .unwrap_or_default());
    let frame = match VrrpFrame::parse(bytes) {
        Ok(Some(f)) => f,
        Ok(None) => return,
        Err(e) => {
            observer.malformed(at, iface, IpAddr::V4(Ipv4Addr::UNSPECIFIED), mac, e);
            return;
        }
    };
    match VrrpRepr::parse(frame.payload, frame.src, frame.dst) {
        Ok((advert, checksum)) => observer.advert(Heard {
            at,
            iface: iface.to_string(),
            vlan,
            vrid: advert.vrid,
            speaker: Speaker::from_advert(frame.src, mac, &advert, checksum),
            ttl: frame.ttl,
            multicast: frame.dst.is_multicast(),
        }),
        Err(e) => observer.malformed(at, iface, frame.src, mac, e),
    }
}
