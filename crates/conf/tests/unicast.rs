//! Unicast keywords without peers: keepalived 2.2.7 falls back to
//! multicast with a deprecation warning, or with `unicast_fault_no_peer`
//! keeps the instance in FAULT.

use keepvip_conf::{parse_str, Loaded, Severity};

fn load(extra: &str) -> Loaded {
    parse_str(&format!(
        "vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority 150\n{extra}    virtual_ipaddress {{\n        192.0.2.10/24\n    }}\n}}\n"
    ))
}

fn warnings(l: &Loaded) -> Vec<(u32, String)> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| (d.span.unwrap_or_default().line, d.message.clone()))
        .collect()
}

#[test]
fn a_unicast_keyword_without_peers_falls_back_to_multicast_with_a_warning() {
    let l = load("    unicast_src_ip 192.0.2.11\n");
    let w = warnings(&l);
    assert!(
        w.iter().any(|(line, m)| *line == 5
            && m.contains("without any unicast peers. Defaulting to multicast")),
        "{w:?}"
    );
    assert!(!l.config.router.instances[0].unicast_without_peers);
}

#[test]
fn unicast_fault_no_peer_means_fault_instead() {
    let l = load("    unicast_src_ip 192.0.2.11\n    unicast_fault_no_peer\n");
    assert!(
        warnings(&l).iter().all(|(_, m)| !m.contains("Defaulting")),
        "{:?}",
        warnings(&l)
    );
    assert!(l.config.router.instances[0].unicast_without_peers);
    // with a peer it is plain unicast
    let l = load("    unicast_fault_no_peer\n    unicast_peer {\n        192.0.2.12\n    }\n");
    assert!(!l.config.router.instances[0].unicast_without_peers);
    assert!(warnings(&l).is_empty(), "{:?}", warnings(&l));
}
