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
