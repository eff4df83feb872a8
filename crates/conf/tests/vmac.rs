//! use_vmac / vmac_xmit_base: what the daemon is told to create, where the
//! instance then lives, and what is refused.

use keepvip_conf::{parse_str, Loaded, Severity};

fn load(extra: &str, vip: &str) -> Loaded {
    parse_str(&format!(
        "vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority 150\n{extra}    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    ))
}

fn messages(l: &Loaded, sev: Severity) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == sev)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn use_vmac_moves_the_instance_onto_vrrp_vrid() {
    let l = load("    use_vmac\n", "192.0.2.10/24");
    // the one warning: a backup's VMAC would send IGMP reports
    let w = messages(&l, Severity::Warning);
    assert!(w.len() == 1 && w[0].contains("IGMP reports"), "{w:?}");
    let quiet = parse_str("global_defs {\n    disable_local_igmp\n}\nvrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    use_vmac\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n");
    assert!(
        messages(&quiet, Severity::Warning).is_empty(),
        "{:?}",
        quiet.diagnostics
    );
    assert!(quiet.config.global.disable_local_igmp);
    let v = l.config.instances[0].vmac.clone().unwrap();
    assert_eq!((v.name.as_str(), v.base.as_str()), ("vrrp.51", "eth0"));
    assert_eq!(v.mac, [0, 0, 0x5e, 0, 1, 51]);
    let i = &l.config.router.instances[0];
    assert_eq!(i.interface, "vrrp.51");
    assert_eq!(i.source_iface.as_deref(), Some("eth0"));
    assert_eq!(i.vips[0].dev, None);
}

#[test]
fn vmac_xmit_base_keeps_the_adverts_on_the_interface() {
    let l = load(
        "    use_vmac 02:11:22:33:44:55 vout\n    vmac_xmit_base\n",
        "192.0.2.10/24",
    );
    let v = l.config.instances[0].vmac.clone().unwrap();
    assert_eq!(v.name, "vout");
    assert_eq!(v.mac, [2, 0x11, 0x22, 0x33, 0x44, 0x55]);
    let i = &l.config.router.instances[0];
    assert_eq!(i.interface, "eth0");
    assert_eq!(i.source_iface, None);
    assert_eq!(i.vips[0].dev.as_deref(), Some("vout"));
}

#[test]
fn bad_vmacs_are_errors() {
    for (arg, want) in [
        ("01:00:5e:00:00:01", "is multicast"),
        ("00:00:5e:00:01:33", "RFC 5798"),
        ("00:11:22", "invalid MAC"),
        ("a-name-far-too-long", "too long"),
    ] {
        let l = load(&format!("    use_vmac {arg}\n"), "192.0.2.10/24");
        let errs = messages(&l, Severity::Error);
        assert!(errs.iter().any(|e| e.contains(want)), "{arg}: {errs:?}");
    }
    let l = load("    vmac_xmit_base\n", "192.0.2.10/24");
    assert!(messages(&l, Severity::Warning)
        .iter()
        .any(|w| w.contains("without `use_vmac`")));
}

#[test]
fn an_ipv6_vmac_has_the_ipv6_vrrp_mac() {
    let l = load("    use_vmac\n", "2001:db8::10/64");
    assert!(messages(&l, Severity::Error).is_empty());
    // no IGMP warning for IPv6
    assert!(
        messages(&l, Severity::Warning)
            .iter()
            .all(|w| !w.contains("IGMP")),
        "{:?}",
        l.diagnostics
    );
    let v = l.config.instances[0].vmac.clone().unwrap();
    assert_eq!(v.mac, [0, 0, 0x5e, 0, 2, 51]);
    assert!(v.ipv6);
    let i = &l.config.router.instances[0];
    assert_eq!(i.interface, "vrrp.51");
    assert_eq!(i.source_iface.as_deref(), Some("eth0"));
}

fn extra(l: &Loaded) -> (std::time::Duration, Vec<(String, std::net::IpAddr)>) {
    let g = &l.config.router.instances[0].garp;
    (g.extra_if, g.extra_if_targets.clone())
}

#[test]
fn garp_extra_if_picks_keepalived_s_interfaces() {
    use std::time::Duration;
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    let vips =
        "192.0.2.10/24\n        198.51.100.10/24 dev eth1\n        198.51.100.11/24 dev eth1";
    // a VMAC and a VIP on a plain interface: keepalived sends only on
    // VMACs other than its own unless `all`, so nothing
    let l = load("    use_vmac\n    garp_extra_if 100\n", vips);
    assert!(l.error_count(false) == 0, "{:?}", l.diagnostics);
    assert_eq!(extra(&l), (Duration::ZERO, vec![]));
    // with `all`: the first VIP of eth1, not the VMAC the adverts leave by
    let l = load("    use_vmac\n    garp_extra_if all 100\n", vips);
    assert_eq!(
        extra(&l),
        (
            Duration::from_secs(100),
            vec![("eth1".into(), ip("198.51.100.10"))]
        )
    );
    // from global_defs, with its own `all`; the instance's own value wins
    let text = |inst: &str| {
        format!("global_defs {{\n    vrrp_garp_extra_if all 60\n}}\nvrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n{inst}    virtual_ipaddress {{\n        {vips}\n    }}\n}}\n")
    };
    let l = parse_str(&text(""));
    assert_eq!(
        extra(&l),
        (
            Duration::from_secs(60),
            vec![("eth1".into(), ip("198.51.100.10"))]
        )
    );
    let l = parse_str(&text("    garp_extra_if 0\n"));
    assert_eq!(extra(&l), (Duration::ZERO, vec![]));
    // vmac_xmit_base alone: the VIPs are on keepalived's own interface
    // (the VMAC), so none; with a VIP elsewhere and `all`, the VMAC too
    let l = load(
        "    use_vmac\n    vmac_xmit_base\n    garp_extra_if all 30\n",
        "192.0.2.10/24",
    );
    assert_eq!(extra(&l), (Duration::ZERO, vec![]));
    let l = load(
        "    use_vmac\n    vmac_xmit_base\n    garp_extra_if all 30\n",
        vips,
    );
    assert_eq!(
        extra(&l),
        (
            Duration::from_secs(30),
            vec![
                ("vrrp.51".into(), ip("192.0.2.10")),
                ("eth1".into(), ip("198.51.100.10"))
            ]
        )
    );
}

#[test]
fn garp_extra_if_a_vip_on_another_instance_s_vmac_is_refreshed_without_all() {
    let l = parse_str(
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    garp_extra_if 100\n    virtual_ipaddress {\n        192.0.2.10/24\n        198.51.100.10/24 dev vrrp.52\n    }\n}\nvrrp_instance VI_2 {\n    interface eth1\n    virtual_router_id 52\n    use_vmac\n    virtual_ipaddress {\n        198.51.100.20/24\n    }\n}\n",
    );
    let g = &l.config.router.instances[0].garp;
    assert_eq!(g.extra_if, std::time::Duration::from_secs(100));
    assert_eq!(
        g.extra_if_targets,
        vec![("vrrp.52".to_string(), "198.51.100.10".parse().unwrap())]
    );
}

#[test]
fn garp_extra_if_bad_values_and_the_old_spelling() {
    let l = load("    vmac_garp_intvl 100\n", "192.0.2.10/24");
    assert_eq!(
        messages(&l, Severity::Warning),
        vec!["`vmac_garp_intvl` is deprecated: write `garp_extra_if`"]
    );
    for (line, want) in [
        ("garp_extra_if all", "garp_extra_if specified without time"),
        (
            "garp_extra_if 86401",
            "garp_extra_if 86401 is outside the range 0..=86400",
        ),
        ("garp_extra_if soon", "`soon` is not a whole number"),
    ] {
        let l = load(&format!("    {line}\n"), "192.0.2.10/24");
        assert_eq!(messages(&l, Severity::Error), vec![want], "{line}");
    }
    let l = parse_str("global_defs {\n    vrrp_garp_extra_if 0\n}\n");
    assert_eq!(
        messages(&l, Severity::Error),
        vec!["vrrp_garp_extra_if 0 is outside the range 1..=86400"]
    );
}

/// `use_vmac` on an address: a VMAC of its own, on the instance's own
/// interface too; redundant beside the instance's `use_vmac` or
/// `use_vmac_addr`, with keepalived 2.2.7's messages.
#[test]
fn use_vmac_on_an_address_gives_it_a_vmac_of_its_own() {
    let l = load(
        "",
        "192.0.2.10/24 use_vmac\n        192.0.2.11/24\n        198.51.100.10/24 dev eth1 use_vmac",
    );
    assert!(messages(&l, Severity::Warning).is_empty(), "{}", l.render());
    let names: Vec<(String, String)> = l.config.instances[0]
        .address_vmacs
        .iter()
        .map(|v| (v.name.clone(), v.base.clone()))
        .collect();
    assert_eq!(
        names,
        [
            ("vrrp.51".to_string(), "eth0".to_string()),
            ("vrrp1.51".to_string(), "eth1".to_string())
        ]
    );
    let devs: Vec<Option<&str>> = l.config.router.instances[0]
        .vips
        .iter()
        .map(|v| v.dev.as_deref())
        .collect();
    assert_eq!(devs, [Some("vrrp.51"), None, Some("vrrp1.51")]);
    // beside the instance's own VMAC: stays there, warned
    let own = load("    use_vmac\n", "192.0.2.10/24 use_vmac");
    assert!(
        own.render()
            .contains("(VI_1) use_vmac specified for VIP/eVIP 192.0.2.10 and vrrp instance"),
        "{}",
        own.render()
    );
    assert!(own.config.instances[0].address_vmacs.is_empty());
    assert_eq!(own.config.router.instances[0].vips[0].dev, None);
    // beside use_vmac_addr: the VMAC use_vmac_addr gives, warned
    let both = load("    use_vmac_addr\n", "198.51.100.10/24 dev eth1 use_vmac");
    assert!(
        both.render().contains(
            "(VI_1) use_vmac_addr specified and use_vmac specified for VIP/eVIP 198.51.100.10"
        ),
        "{}",
        both.render()
    );
    assert_eq!(
        both.config.router.instances[0].vips[0].dev.as_deref(),
        Some("vrrp.51")
    );
}

/// A dual-stack pair of instances sharing the VRID, both with `use_vmac`:
/// the IPv6 one is `vrrp6.51`, as keepalived names it (before, both were
/// `vrrp.51` and the IPv6 instance ended up on the IPv4 VMAC). A name
/// given elsewhere is not taken by a default one.
#[test]
fn default_vmac_names_do_not_collide() {
    let inst = |name: &str, vmac: &str, vip: &str| {
        format!("vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id 51\n    {vmac}\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n")
    };
    let l = parse_str(&format!(
        "{}{}",
        inst("V4", "use_vmac", "192.0.2.10/24"),
        inst("V6", "use_vmac", "fe80::51")
    ));
    let names: Vec<(String, [u8; 6])> = l
        .config
        .instances
        .iter()
        .map(|i| {
            let v = i.vmac.clone().unwrap();
            (v.name, v.mac)
        })
        .collect();
    assert_eq!(
        names,
        [
            ("vrrp.51".to_string(), [0, 0, 0x5e, 0, 1, 51]),
            ("vrrp6.51".to_string(), [0, 0, 0x5e, 0, 2, 51])
        ],
        "{}",
        l.render()
    );
    assert_eq!(l.config.router.instances[1].interface, "vrrp6.51");
    let given = parse_str(&format!(
        "{}{}",
        inst("A", "use_vmac", "192.0.2.10/24"),
        inst("B", "use_vmac vrrp.51", "fe80::51")
    ));
    let names: Vec<String> = given
        .config
        .instances
        .iter()
        .map(|i| i.vmac.clone().unwrap().name)
        .collect();
    assert_eq!(names, ["vrrp1.51", "vrrp.51"], "{}", given.render());
}

/// keepalived refuses a VMAC name another instance already has.
#[test]
fn a_vmac_name_is_one_instance_s() {
    let inst = |name: &str, vrid: u8| {
        format!("vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    use_vmac vmac1\n    virtual_ipaddress {{\n        192.0.2.{vrid}/24\n    }}\n}}\n")
    };
    let l = parse_str(&format!("{}{}", inst("A", 51), inst("B", 52)));
    let e = messages(&l, Severity::Error);
    assert_eq!(
        e,
        ["(B) VRRP instance A is already using vmac1"],
        "{}",
        l.render()
    );
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .unwrap();
    assert_eq!(d.span.unwrap().line, 12, "{}", l.render());
}

/// global_defs vmac_prefix names the instances' VMACs, vmac_addr_prefix
/// (else vmac_prefix) the addresses'; each may be given once.
#[test]
fn vmac_prefixes_name_the_vmacs() {
    let conf = |globals: &str| {
        parse_str(&format!("global_defs {{\n{globals}}}\nvrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    use_vmac\n    use_vmac_addr\n    virtual_ipaddress {{\n        192.0.2.10/24\n        198.51.100.10/24 dev eth1\n    }}\n}}\n"))
    };
    let names = |l: &Loaded| -> (String, Vec<String>) {
        let i = &l.config.instances[0];
        (
            i.vmac.clone().unwrap().name,
            i.address_vmacs.iter().map(|v| v.name.clone()).collect(),
        )
    };
    let both = conf("    vmac_prefix vm\n    vmac_addr_prefix va\n");
    assert_eq!(
        names(&both),
        ("vm.51".into(), vec!["va.51".into()]),
        "{}",
        both.render()
    );
    let one = conf("    vmac_prefix vm\n");
    assert_eq!(names(&one), ("vm.51".into(), vec!["vm1.51".into()]));
    let none = conf("");
    assert_eq!(names(&none), ("vrrp.51".into(), vec!["vrrp1.51".into()]));
    let twice = conf("    vmac_prefix vm\n    vmac_prefix vx\n");
    assert_eq!(
        messages(&twice, Severity::Error),
        ["vmac prefix has already been specified - ignoring vx"]
    );
}
