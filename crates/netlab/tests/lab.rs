//! The lab builds, connects, cleans up (also after a panic).

use std::net::IpAddr;
use std::time::Duration;

use netlab::{is_root, Lab, LabSpec};

fn spec() -> LabSpec {
    LabSpec {
        family: "kvnl".into(),
        routers: 2,
        client: true,
    }
}

fn namespaces_with(prefix: &str) -> usize {
    let out = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .count()
}

#[test]
fn builds_a_lan_and_tears_it_down() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(&spec()).unwrap();
    let prefix = lab.prefix().to_string();
    let c = lab.client_ns().unwrap().to_string();
    for i in 0..2 {
        let a = lab.router_v4(i).to_string();
        lab.exec(&c, &["ping", "-c1", "-W1", &a]).unwrap();
        let mac = lab.neighbour_mac(&c, IpAddr::V4(lab.router_v4(i))).unwrap();
        assert_eq!(mac, Some(lab.router_mac(i)));
        assert!(lab.has_addr(lab.router_ns(i), "eth0", IpAddr::V4(lab.router_v4(i))));
        assert!(lab.has_addr(lab.router_ns(i), "eth0", IpAddr::V6(lab.router_v6(i))));
    }
    let mut p = lab
        .spawn(lab.router_ns(0), &["sleep", "100"], None)
        .unwrap();
    assert!(p.is_running());
    let pid = p.pid();
    drop(lab);
    assert_eq!(namespaces_with(&prefix), 0);
    p.kill9();
    assert!(!std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists() || !p.is_running());
}

#[test]
fn a_panic_still_tears_down_and_leftovers_are_removed() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let prefix = std::sync::Mutex::new(String::new());
    let r = std::panic::catch_unwind(|| {
        let lab = Lab::new(&spec()).unwrap();
        *prefix.lock().unwrap() = lab.prefix().to_string();
        panic!("test panic inside a lab");
    });
    assert!(r.is_err());
    assert_eq!(namespaces_with(&prefix.lock().unwrap()), 0);
    // a leftover from a dead pid of the same family
    let dead = "kvnl999999999x0-r1";
    let _ = std::process::Command::new("ip")
        .args(["netns", "add", dead])
        .status();
    let _lab = Lab::new(&spec()).unwrap();
    assert_eq!(namespaces_with("kvnl999999999x"), 0);
    let _ = Duration::ZERO;
}
