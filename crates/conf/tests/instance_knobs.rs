//! Instance and interface knobs checked against keepalived 2.2.7. Unicast
//! keywords without peers: keepalived falls back to
//! multicast with a deprecation warning, or with `unicast_fault_no_peer`
//! keeps the instance in FAULT.

use std::time::Duration;

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

#[test]
fn interface_up_down_delays_are_read_and_cut_to_keepalived_bound() {
    let l = parse_str(
        "interface_up_down_delays {\n    eth0 0.5\n    eth1 0.1 2\n}\nvrrp_instance VI_1 {\n    interface eth1\n    virtual_router_id 51\n    version 3\n    advert_int 0.5\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n",
    );
    let d = &l.config.link_delays;
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0].interface.as_str(), d[0].down, d[0].up),
        (
            "eth0",
            Duration::from_millis(500),
            Duration::from_millis(500)
        )
    );
    // eth1's 2 s up delay is not under (3 - 1) × 0.5 s: cut to just under 1 s
    assert_eq!(d[1].down, Duration::from_millis(100));
    assert_eq!(
        d[1].up,
        Duration::from_millis(1000) - Duration::from_millis(500) / 256
    );
    let w = warnings(&l);
    assert!(
        w.iter().any(|(line, m)| *line == 3
            && m == "(VI_1): interface eth1 debounce timer(s) not less that 2 * advert_int - resetting"),
        "{w:?}"
    );
    // a delay that is not a number is an error where it is written
    let l = parse_str("interface_up_down_delays {\n    eth0 soon\n}\n");
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && d.span.unwrap_or_default().line == 2));
}

/// IPv6 unicast to global peers from the default link-local source is a
/// configuration two keepalived never elect over (each binds its socket to
/// its source and hears nothing): a warning says how to fix it.
#[test]
fn ipv6_unicast_to_global_peers_from_a_link_local_source_warns() {
    let v6 = |extra: &str| {
        parse_str(&format!(
            "vrrp_instance VI_6 {{\n    interface eth0\n    virtual_router_id 61\n    priority 150\n{extra}    virtual_ipaddress {{\n        2001:db8::200/64\n    }}\n}}\n"
        ))
    };
    let hint = |l: &Loaded| {
        warnings(l)
            .into_iter()
            .filter(|(_, m)| m.contains("set unicast_src_ip to this node's global address"))
            .collect::<Vec<_>>()
    };
    let global = v6("    unicast_peer {\n        2001:db8::12\n    }\n");
    let w = hint(&global);
    assert_eq!(w.len(), 1, "{:?}", global.diagnostics);
    assert_eq!(w[0].0, 5);
    assert!(w[0]
        .1
        .starts_with("(VI_6) unicast_peer 2001:db8::12 is a global address"));
    for fine in [
        "    unicast_src_ip 2001:db8::11\n    unicast_peer {\n        2001:db8::12\n    }\n",
        "    unicast_peer {\n        fe80::12\n    }\n",
    ] {
        let l = v6(fine);
        assert!(hint(&l).is_empty(), "{fine}: {:?}", l.diagnostics);
    }
}

/// `keepvip check` on the machine: keepalived 2.2.7 stops when an
/// instance's interface or a tracked one does not exist (measured:
/// `WARNING - interface eth9 for vrrp_instance VI_1 doesn't exist`, `-t`
/// exits 5); keepvip runs and waits for it, and its check says so (a warning, no
/// more: the check may run on another machine). A VMAC the configuration
/// makes is not looked for.
#[test]
fn interfaces_missing_on_this_machine_are_named() {
    let host = keepvip_conf::Host {
        default_script_user_exists: Some(true),
        interfaces: Some(vec!["lo".into(), "eth0".into()]),
        script_user_exists: Some(true),
    };
    let text = "vrrp_instance VI_1 {\n    interface eth9\n    virtual_router_id 51\n    priority 150\n    track_interface {\n        dum0\n        eth0\n    }\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\nvrrp_instance VI_2 {\n    interface eth0\n    use_vmac vmac52\n    virtual_router_id 52\n    priority 150\n    virtual_ipaddress {\n        192.0.2.11/24\n    }\n}\n";
    let l = keepvip_conf::parse_str_for_host(text, &host);
    assert_eq!(l.error_count(true), 0, "{:?}", l.diagnostics);
    let w = warnings(&l);
    let missing: Vec<&(u32, String)> = w
        .iter()
        .filter(|(_, m)| m.contains("does not exist on this machine"))
        .collect();
    assert_eq!(missing.len(), 2, "{w:?}");
    assert!(
        missing[0].0 == 2
            && missing[0]
                .1
                .starts_with("interface eth9 for vrrp_instance VI_1")
    );
    assert!(missing[1].0 == 6 && missing[1].1.starts_with("(VI_1) tracked interface dum0"));
    // the daemon's own load does not look (it says so when it runs)
    let l = keepvip_conf::parse_str(text);
    assert!(warnings(&l)
        .iter()
        .all(|(_, m)| !m.contains("this machine")));
}

/// IPv6 VIP options as keepalived 2.2.7's parse_ipaddress reads them: a
/// /128 without `preferred_lft` is deprecated (preferred_lft 0, so the
/// kernel never picks it as a source), `preferred_lft N|forever`,
/// `-nodad`, and the kernel flags `home`, `mngtmpaddr`, `noprefixroute`,
/// `autojoin`. Until 2026-12-08 keepvip read them and dropped them.
#[test]
fn ipv6_vip_lifetimes_and_flags_are_keepalived_s() {
    let l = parse_str(
        "vrrp_instance VI_6 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        fe80::51/64\n        2001:db8::105\n        2001:db8::101/64 preferred_lft 0\n        2001:db8::102/64 preferred_lft 3600\n        2001:db8::103/128 preferred_lft forever\n        2001:db8::104/64 -nodad home noprefixroute\n        2001:db8::106/64 mngtmpaddr autojoin\n    }\n}\n",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let got: Vec<(String, Option<u32>, bool, u32)> = l.config.router.instances[0]
        .vips
        .iter()
        .map(|v| (v.addr.to_string(), v.preferred_lft, v.dad, v.ifa_flags))
        .collect();
    let want = |a: &str, lft, dad, flags| (a.to_string(), lft, dad, flags);
    assert_eq!(
        got,
        vec![
            want("fe80::51", None, false, 0),
            want("2001:db8::105", Some(0), false, 0),
            want("2001:db8::101", Some(0), false, 0),
            want("2001:db8::102", Some(3600), false, 0),
            want("2001:db8::103", None, false, 0),
            want("2001:db8::104", None, true, 0x10 | 0x200),
            want("2001:db8::106", None, false, 0x100 | 0x400),
        ]
    );
    // a bad lifetime: keepalived reports it and goes on without it
    let l = parse_str(
        "vrrp_instance VI_6 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        2001:db8::101/64 preferred_lft soon\n    }\n}\n",
    );
    assert_eq!(l.config.router.instances[0].vips[0].preferred_lft, None);
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.fallback && d.message.contains("preferred_lft soon is invalid")),
        "{:?}",
        l.diagnostics
    );
}

/// Without `garp_lower_prio_repeat`, keepalived repeats the global
/// `vrrp_garp_master_repeat` (5), not the instance's `garp_master_repeat`
/// (vrrp.c 3204, 4507; measured: 5 GARPs, not 2). Until 2026-12-08 keepvip
/// took the instance's.
#[test]
fn the_lower_priority_garp_repeat_defaults_to_the_global_one() {
    let l = load("    garp_master_repeat 2\n");
    let g = &l.config.router.instances[0].garp;
    assert_eq!((g.master_repeat, g.lower_prio_repeat), (2, 5));
    let l = parse_str("global_defs {\n    vrrp_garp_master_repeat 3\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    garp_master_repeat 2\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n");
    let g = &l.config.router.instances[0].garp;
    assert_eq!((g.master_repeat, g.lower_prio_repeat), (2, 3));
}

/// Route options as keepalived 2.2.7 reads them: a multipath route goes
/// in with its first next hop (keepvip has no multipath; it says so), an
/// option keepalived knows but keepvip does not set is ignored with a
/// warning, and a word keepalived does not know skips the route (its
/// `unknown route keyword`). Until 2026-12-08 keepvip took the last `via`
/// of a multipath route, warned about its addresses as options, and
/// installed routes with unknown words.
#[test]
fn route_options_as_keepalived_reads_them() {
    let l = load("    virtual_routes {\n        198.51.100.128/25 nexthop via 192.0.2.254 dev eth0 weight 1 nexthop via 192.0.2.253 dev eth0 weight 2\n        203.0.113.64/26 via 192.0.2.254 dev eth0 mtu lock 1400 advmss 1300\n        203.0.113.128/25 dev eth0 proto 99\n    }\n");
    let routes = &l.config.router.instances[0].routes;
    assert_eq!(routes.len(), 2, "{routes:?}");
    assert_eq!(routes[0].gateway, Some("192.0.2.254".parse().unwrap()));
    assert_eq!(routes[0].dev.as_deref(), Some("eth0"));
    assert_eq!(routes[1].gateway, Some("192.0.2.254".parse().unwrap()));
    let messages: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
    for want in [
        "multipath route to 198.51.100.128/25: keepvip installs its first next hop only (keepalived installs all 2)",
        "route option `mtu` is not supported by keepvip: ignored (keepalived sets it)",
        "route option `advmss` is not supported by keepvip: ignored (keepalived sets it)",
        "unknown route option `proto`: the route is skipped, as keepalived does",
    ] {
        assert!(messages.contains(&want), "no {want:?} in {messages:?}");
    }
    assert_eq!(messages.len(), 4, "{messages:?}");
}
