//! Integration tests of netlab. They need root (network namespaces); as
//! any other user they print "SKIPPED: needs root" and pass.

use std::net::IpAddr;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use netlab::{Lab, LabSpec, SpawnOpts};

const PING: Duration = Duration::from_secs(1);

fn skip(test: &str) -> bool {
    if let Some(r) = netlab::skip_reason() {
        eprintln!("SKIPPED: {test}: {r}");
        true
    } else {
        false
    }
}

fn netns_with_prefix(prefix: &str) -> Vec<String> {
    std::fs::read_dir("/run/netns")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn two_routers_and_client_on_one_segment() {
    if skip("two_routers_and_client_on_one_segment") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 2, 1, true)).unwrap();
    let prefix = lab.prefix().to_string();
    assert_eq!(netns_with_prefix(&prefix).len(), 4, "br, r0, r1, c");
    let c = lab.client_ns().unwrap().to_string();
    assert!(c.starts_with(&prefix));
    assert_eq!(lab.bridge_ns(), format!("{prefix}br"));

    for i in 0..2 {
        let a = lab.router_addr_v4(i, 0);
        assert_eq!(a.octets(), [192, 0, 2, 11 + i as u8]);
        assert!(lab.ping(&c, IpAddr::V4(a), PING).unwrap(), "ping {a}");
        let a6 = lab.router_addr_v6(i, 0);
        assert!(lab.ping(&c, IpAddr::V6(a6), PING).unwrap(), "ping {a6}");

        // The predictable MAC, on the interface and in the client's cache.
        let mac = lab.router_mac(i, 0);
        assert_eq!(mac, [2, 0, 0, 0, i as u8, 1]);
        let link = lab
            .exec_ok(lab.router_ns(i), &["cat", "/sys/class/net/eth0/address"])
            .unwrap();
        assert_eq!(link.trim(), netlab::fmt_mac(&mac));
        assert_eq!(lab.neighbour_mac(&c, IpAddr::V4(a)).unwrap(), Some(mac));

        let addrs = lab.addresses(lab.router_ns(i), "eth0").unwrap();
        assert!(addrs.contains(&(IpAddr::V4(a), 24)), "{addrs:?}");
        assert!(addrs.contains(&(IpAddr::V6(a6), 64)), "{addrs:?}");
        assert!(lab
            .link_local_v6(lab.router_ns(i), "eth0")
            .unwrap()
            .is_some());
    }
    // Router to router, and to the client.
    assert!(lab
        .ping(lab.router_ns(0), IpAddr::V4(lab.router_addr_v4(1, 0)), PING)
        .unwrap());
    assert!(lab
        .ping(lab.router_ns(1), IpAddr::V4(lab.client_addr_v4(0)), PING)
        .unwrap());
    // Link-local, scoped to the interface.
    let ll = lab
        .link_local_v6(lab.router_ns(1), "eth0")
        .unwrap()
        .unwrap();
    assert!(lab
        .ping_dev(lab.router_ns(0), "eth0", IpAddr::V6(ll), PING)
        .unwrap());
    // Nobody has this address: no reply, no error.
    assert!(!lab
        .ping(
            &c,
            IpAddr::V4(netlab::vip_v4(0, 0)),
            Duration::from_millis(300)
        )
        .unwrap());
    // The root namespace is not part of the lab.
    assert!(lab.exec("not-a-lab-ns", &["true"]).is_err());

    drop(lab);
    assert!(netns_with_prefix(&prefix).is_empty());
}

#[test]
fn three_segments() {
    if skip("three_segments") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 2, 3, true)).unwrap();
    for i in 0..2 {
        let ns = lab.router_ns(i);
        let out = lab.exec_ok(ns, &["ls", "/sys/class/net"]).unwrap();
        let mut ifs: Vec<&str> = out.split_whitespace().collect();
        ifs.sort();
        assert_eq!(ifs, ["eth0", "eth1", "eth2", "lo"]);
        for seg in 0..3 {
            let addrs = lab.addresses(ns, &format!("eth{seg}")).unwrap();
            let v4 = lab.router_addr_v4(i, seg);
            let len = netlab::segment_v4(seg).1;
            assert!(addrs.contains(&(IpAddr::V4(v4), len)), "{addrs:?}");
            assert!(addrs.contains(&(IpAddr::V6(lab.router_addr_v6(i, seg)), 64)));
            // Reachable from the client on that segment.
            assert!(lab
                .ping(lab.client_ns().unwrap(), IpAddr::V4(v4), PING)
                .unwrap());
        }
    }
    assert_eq!(
        lab.router_addr_v4(1, 1).to_string(),
        "198.51.100.12".to_string()
    );
    assert_eq!(lab.router_addr_v4(0, 2).to_string(), "203.0.113.11");
}

#[test]
fn spawned_process_is_killed_on_drop() {
    if skip("spawned_process_is_killed_on_drop") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 1, 1, false)).unwrap();
    let mut p = lab
        .spawn(lab.router_ns(0), &["sleep", "100"], SpawnOpts::default())
        .unwrap();
    let pid = p.pid();
    assert!(p.is_running());
    // It really runs in the router's namespace (once `ip netns exec` has
    // switched and exec'ed `sleep`, under the same PID).
    let lab_ns = lab
        .in_ns(lab.router_ns(0), || {
            std::fs::read_link("/proc/thread-self/ns/net").unwrap()
        })
        .unwrap();
    lab.wait_for(
        "sleep to run in the router ns",
        Duration::from_secs(5),
        || {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            let ns = std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
            comm.trim() == "sleep" && ns.as_ref() == Some(&lab_ns)
        },
    )
    .unwrap();
    assert_eq!(lab.running_pids(), vec![pid]);

    // A second one, stopped explicitly.
    let log = lab.path("echo.log");
    let mut q = lab
        .spawn(
            lab.router_ns(0),
            &["sh", "-c", "echo $NETLAB_T; exec sleep 100"],
            SpawnOpts::to_log(&log).env("NETLAB_T", "hello"),
        )
        .unwrap();
    lab.wait_for("echo.log to be written", Duration::from_secs(5), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("hello")
    })
    .unwrap();
    q.signal(libc::SIGTERM).unwrap();
    assert!(q.wait_timeout(Duration::from_secs(5)).is_some());
    assert!(!q.is_running());
    assert!(q.signal(libc::SIGTERM).is_err());

    drop(lab);
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
    assert!(!p.is_running());
}

#[test]
fn capture_sees_icmp() {
    if skip("capture_sees_icmp") {
        return;
    }
    if !netlab::have_program("tcpdump") {
        eprintln!("SKIPPED: capture_sees_icmp: needs tcpdump");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 1, 1, true)).unwrap();
    let c = lab.client_ns().unwrap();
    let cap = lab.capture(lab.router_ns(0), "eth0", "icmp").unwrap();
    let target = IpAddr::V4(lab.router_addr_v4(0, 0));
    for _ in 0..3 {
        assert!(lab.ping(c, target, PING).unwrap());
    }
    let pkts = cap.stop().unwrap();
    assert!(
        pkts.len() >= 6,
        "3 requests + 3 replies, got {}",
        pkts.len()
    );
    for p in &pkts {
        assert_eq!(p.ethertype(), Some(0x0800));
        assert_eq!(p.ip_proto(), Some(1));
        assert!(p.ts.as_secs() > 1_600_000_000);
    }
    let requests = pkts
        .iter()
        .filter(|p| p.eth_src() == Some(lab.client_mac(0)))
        .count();
    let replies = pkts
        .iter()
        .filter(|p| p.eth_src() == Some(lab.router_mac(0, 0)))
        .count();
    assert!(requests >= 3 && replies >= 3, "{requests} {replies}");

    // A capture in the bridge namespace sees the same traffic.
    let cap = lab
        .capture(lab.bridge_ns(), "br0", "icmp6 and ip6[40] == 128")
        .unwrap();
    assert!(lab
        .ping(c, IpAddr::V6(lab.router_addr_v6(0, 0)), PING)
        .unwrap());
    let pkts = cap.stop().unwrap();
    assert!(!pkts.is_empty());
    assert!(pkts.iter().all(|p| p.ethertype() == Some(0x86dd)));
}

#[test]
fn leftover_namespaces_of_dead_pids_are_removed() {
    if skip("leftover_namespaces_of_dead_pids_are_removed") {
        return;
    }
    // A pid that certainly is dead: a child we reaped.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    assert!(!Path::new(&format!("/proc/{dead}")).exists());
    let stale = format!("kvt{dead}x7-br");
    let status = std::process::Command::new("ip")
        .args(["netns", "add", &stale])
        .status()
        .unwrap();
    assert!(status.success());
    // One of a live pid (ours, an impossible counter) must survive.
    let live = format!("kvt{}x9999-zz", std::process::id());
    assert!(std::process::Command::new("ip")
        .args(["netns", "add", &live])
        .status()
        .unwrap()
        .success());

    let lab = Lab::new(LabSpec::new("kvt", 1, 1, false)).unwrap();
    let stale_gone = !Path::new("/run/netns").join(&stale).exists();
    let live_kept = Path::new("/run/netns").join(&live).exists();
    for ns in [&live, &stale] {
        if Path::new("/run/netns").join(ns).exists() {
            let _ = std::process::Command::new("ip")
                .args(["netns", "del", ns])
                .status();
        }
    }
    drop(lab);
    assert!(stale_gone, "{stale} should have been deleted");
    assert!(live_kept, "{live} belongs to a live pid");
}

#[test]
fn panic_still_tears_down() {
    if skip("panic_still_tears_down") {
        return;
    }
    let seen: Mutex<Option<(String, i32)>> = Mutex::new(None);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let lab = Lab::new(LabSpec::new("kvt", 2, 2, true)).unwrap();
        let p = lab
            .spawn(lab.router_ns(1), &["sleep", "100"], SpawnOpts::default())
            .unwrap();
        *seen.lock().unwrap() = Some((lab.prefix().to_string(), p.pid()));
        panic!("deliberate panic inside a lab");
    }));
    assert!(r.is_err());
    let (prefix, pid) = seen.lock().unwrap().clone().unwrap();
    assert!(netns_with_prefix(&prefix).is_empty(), "{prefix}");
    assert!(!Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn link_down_up_keeps_addresses_and_partition_heals() {
    if skip("link_down_up_keeps_addresses_and_partition_heals") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 2, 1, true)).unwrap();
    let r0 = lab.router_ns(0);
    let r1 = IpAddr::V4(lab.router_addr_v4(1, 0));
    let short = Duration::from_millis(300);
    assert!(lab.ping(r0, r1, PING).unwrap());

    lab.set_link(lab.router_ns(1), "eth0", false).unwrap();
    assert!(!lab.ping(r0, r1, short).unwrap());
    lab.set_link(lab.router_ns(1), "eth0", true).unwrap();
    let before = lab.addresses(lab.router_ns(1), "eth0").unwrap();
    assert!(before.contains(&(IpAddr::V6(lab.router_addr_v6(1, 0)), 64)));
    lab.wait_for("r1 reachable after link up", Duration::from_secs(5), || {
        lab.ping(r0, r1, short).unwrap_or(false)
    })
    .unwrap();

    // Silent partition: the router's own link stays up.
    lab.partition(1, 0).unwrap();
    assert!(!lab.ping(r0, r1, short).unwrap());
    let r0_addr = IpAddr::V4(lab.router_addr_v4(0, 0));
    lab.flush_neighbour(lab.router_ns(1), "eth0", r0_addr)
        .unwrap();
    assert!(!lab.ping(lab.router_ns(1), r0_addr, short).unwrap());
    // The rest of the segment is unaffected.
    assert!(lab.ping(lab.client_ns().unwrap(), r0_addr, PING).unwrap());
    let flags = lab
        .exec_ok(lab.router_ns(1), &["cat", "/sys/class/net/eth0/carrier"])
        .unwrap();
    assert_eq!(flags.trim(), "1");
    lab.heal(1, 0).unwrap();
    lab.wait_for("r1 reachable after heal", Duration::from_secs(5), || {
        lab.ping(r0, r1, short).unwrap_or(false)
    })
    .unwrap();
}

#[test]
fn in_ns_sockets_talk_across_the_lan() {
    if skip("in_ns_sockets_talk_across_the_lan") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 1, 1, true)).unwrap();
    let server_addr = std::net::SocketAddr::new(IpAddr::V4(lab.router_addr_v4(0, 0)), 7007);
    let server = lab
        .in_ns(lab.router_ns(0), || std::net::UdpSocket::bind(server_addr))
        .unwrap()
        .unwrap();
    let client = lab
        .in_ns(lab.client_ns().unwrap(), || {
            std::net::UdpSocket::bind("0.0.0.0:0")
        })
        .unwrap()
        .unwrap();
    client.send_to(b"hello", server_addr).unwrap();
    server
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = server.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
    assert_eq!(from.ip(), IpAddr::V4(lab.client_addr_v4(0)));
}

/// True if `pid` has exited (gone, or a zombie waiting for its reaper).
fn gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(s) => s
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z')),
    }
}

#[test]
fn daemonised_processes_are_stopped_on_drop() {
    if skip("daemonised_processes_are_stopped_on_drop") {
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 2, 1, false)).unwrap();
    let bg = |ns: &str| -> i32 {
        let out = lab
            .exec(ns, &["sh", "-c", "sleep 100 >/dev/null 2>&1 & echo $!"])
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    let adopted = bg(lab.router_ns(0));
    let stray = bg(lab.router_ns(1));
    lab.adopt_pid(adopted);
    assert!(lab.pid_in_lab(adopted) && lab.pid_in_lab(stray));
    assert!(!lab.pid_in_lab(std::process::id() as i32));
    drop(lab);
    assert!(gone(adopted), "adopted {adopted}");
    assert!(gone(stray), "stray {stray}");
}

#[test]
fn vrrp_multicast_group_floods_to_every_router() {
    if skip("vrrp_multicast_group_floods_to_every_router") {
        return;
    }
    if !netlab::have_program("tcpdump") {
        eprintln!("SKIPPED: vrrp_multicast_group_floods_to_every_router: needs tcpdump");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvt", 3, 1, false)).unwrap();
    let r0 = lab.router_ns(0);
    // A route for the multicast range, inside router 0 only.
    lab.ip(r0, &["route", "add", "224.0.0.0/4", "dev", "eth0"])
        .unwrap();
    let caps: Vec<_> = (1..3)
        .map(|i| {
            lab.capture(lab.router_ns(i), "eth0", "dst host 224.0.0.18")
                .unwrap()
        })
        .collect();
    // With router 2 partitioned away, only router 1 hears it.
    lab.partition(2, 0).unwrap();
    let src = std::net::SocketAddr::new(IpAddr::V4(lab.router_addr_v4(0, 0)), 0);
    let sock = lab
        .in_ns(r0, || std::net::UdpSocket::bind(src))
        .unwrap()
        .unwrap();
    sock.send_to(b"vrrp-ish", "224.0.0.18:9").unwrap();
    lab.heal(2, 0).unwrap();
    sock.send_to(b"vrrp-ish", "224.0.0.18:9").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut it = caps.into_iter();
    let seen1 = it.next().unwrap().stop().unwrap();
    let seen2 = it.next().unwrap().stop().unwrap();
    assert_eq!(seen1.len(), 2, "router 1 hears both");
    assert_eq!(seen2.len(), 1, "router 2 hears only the one after heal");
    for p in seen1.iter().chain(&seen2) {
        assert_eq!(p.eth_dst(), Some([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]));
        assert_eq!(p.eth_src(), Some(lab.router_mac(0, 0)));
    }
}
