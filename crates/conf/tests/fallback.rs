//! Invalid values keepalived 2.2.7 reports and then runs with a fallback
//! (a default, a clamped value, the item ignored): `keepvip check` fails
//! on them (as `keepalived -t` exits 5), the daemon starts with a warning
//! and keepalived's fallback in the model, and a reload refuses them.

use std::time::Duration;

use keepvip_conf::{parse_str, Loaded};
use keepvip_proto::{StateHint, TrackerKey, Version};

fn inst(body: &str) -> String {
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n virtual_ipaddress {{\n  192.0.2.100/24\n }}\n}}\n"
    )
}

/// The configuration has fallback diagnostics only, among its errors:
/// check fails, the start does not, a reload does; and `needle` is in
/// one of them.
fn fallback_only(l: &Loaded, needle: &str) {
    let text = l.render();
    assert!(l.error_count(true) > 0, "check must fail:\n{text}");
    assert_eq!(l.error_count(false), 0, "the start must not fail:\n{text}");
    assert!(l.reload_error_count() > 0, "a reload must fail:\n{text}");
    assert!(
        l.diagnostics
            .iter()
            .any(|d| d.fallback && d.message.contains(needle)),
        "no fallback diagnostic with `{needle}`:\n{text}"
    );
    assert!(
        l.diagnostics
            .iter()
            .filter(|d| d.fallback)
            .all(|d| d.message.contains("as keepalived does")),
        "{text}"
    );
}

fn one(body: &str, needle: &str) -> Loaded {
    let l = parse_str(&inst(body));
    fallback_only(&l, needle);
    l
}

#[test]
fn state_in_other_case_is_backup() {
    for s in ["master", "Master", "backup", "FAULT"] {
        let l = one(&format!(" state {s}"), "defaulting to BACKUP");
        let i = &l.config.router.instances[0];
        assert_eq!((i.state_hint, i.priority), (StateHint::Backup, 100), "{s}");
    }
}

#[test]
fn invalid_priority_is_100() {
    for p in ["0", "256", "-5", "abc", "0x64", "100.5"] {
        let l = one(&format!(" priority {p}"), "using 100");
        assert_eq!(l.config.router.instances[0].priority, 100, "{p}");
    }
    // with state MASTER too (keepalived sets 100 explicitly)
    let l = one(" state MASTER\n priority 300", "using 100");
    assert_eq!(l.config.router.instances[0].priority, 100);
}

#[test]
fn invalid_advert_int_is_ignored_and_v3_clamped() {
    for a in ["0", "-1", "256", "0x2", "1e0", "abc", "0.001"] {
        let l = one(&format!(" advert_int {a}"), "ignored (1 s)");
        assert_eq!(
            l.config.router.instances[0].advert_interval,
            Duration::from_secs(1),
            "{a}"
        );
    }
    for a in ["41", "255", "40.96"] {
        let l = one(&format!(" version 3\n advert_int {a}"), "using 40.95");
        assert_eq!(
            l.config.router.instances[0].advert_interval,
            Duration::from_millis(40_950),
            "{a}"
        );
    }
}

#[test]
fn invalid_versions_are_ignored() {
    for v in ["1", "4", "2.0", "abc"] {
        let l = one(&format!(" version {v}"), "ignored");
        assert_eq!(l.config.router.instances[0].version, Version::V2, "{v}");
    }
    for v in ["4", "three"] {
        let l = parse_str(&format!(
            "global_defs {{\n vrrp_version {v}\n}}\n{}",
            inst("")
        ));
        fallback_only(&l, "ignored");
        assert_eq!(l.config.router.instances[0].version, Version::V2, "{v}");
    }
}

#[test]
fn instance_values_out_of_range_are_ignored() {
    let l = one(" preempt_delay 1001", "using 0");
    assert_eq!(l.config.router.instances[0].preempt_delay, Duration::ZERO);
    one(" debug 9", "ignored");
    for d in ["0", "101"] {
        let l = one(&format!(" down_timer_adverts {d}"), "ignored");
        assert_eq!(l.config.router.instances[0].down_timer_adverts, 3, "{d}");
    }
    let l = one(" unicast_ttl 256", "ignored");
    assert_eq!(l.config.router.instances[0].unicast_ttl, 255);
}

#[test]
fn garp_ranges_are_keepalived_ones_and_zero_repeats_are_one() {
    // keepalived -t accepts these: no diagnostic at all
    let l = parse_str(&inst(
        " garp_master_repeat 300\n garp_master_delay 300\n garp_lower_prio_repeat 300\n garp_lower_prio_delay 300\n garp_master_refresh 5000",
    ));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    let g = &l.config.router.instances[0].garp;
    assert_eq!(
        (g.master_repeat, g.master_delay, g.lower_prio_repeat),
        (300, Duration::from_secs(300), 300)
    );
    assert_eq!(g.master_refresh, Duration::from_secs(5000));
    // 0 repeats: 1, with keepalived's message
    let l = one(" garp_master_repeat 0", "setting to 1");
    assert_eq!(l.config.router.instances[0].garp.master_repeat, 1);
    let l = one(" garp_master_refresh_repeat 0", "setting to 1");
    assert_eq!(l.config.router.instances[0].garp.master_refresh_repeat, 1);
    let l = parse_str(&format!(
        "global_defs {{\n vrrp_garp_master_repeat 0\n}}\n{}",
        inst("")
    ));
    fallback_only(&l, "setting to 1");
    assert_eq!(l.config.router.instances[0].garp.master_repeat, 1);
    // negative: ignored
    let l = one(" garp_master_repeat -1", "ignored");
    assert_eq!(l.config.router.instances[0].garp.master_repeat, 5);
}

#[test]
fn global_values_out_of_range() {
    for (k, needle) in [
        ("vrrp_garp_master_delay 100000", "ignored"),
        ("vrrp_priority 50", "ignored"),
        ("max_auto_priority 200", "ignored"),
        ("vrrp_startup_delay abc", "ignored"),
        ("vrrp_rt_priority 200", "setting to 99"),
        ("router_id", "ignored"),
        ("vrrp_mcast_group4 192.0.2.5", "skipped"),
    ] {
        let l = parse_str(&format!("global_defs {{\n {k}\n}}\n{}", inst("")));
        fallback_only(&l, needle);
    }
    let l = parse_str(&format!(
        "global_defs {{\n vrrp_rt_priority 200\n}}\n{}",
        inst("")
    ));
    assert_eq!(l.config.global.scheduling.rt_priority, Some(99));
}

#[test]
fn skip_check_adv_addr_with_an_argument_is_on() {
    for a in ["extra", "false", "off"] {
        let l = parse_str(&format!(
            "global_defs {{\n vrrp_skip_check_adv_addr {a}\n}}\n{}",
            inst("")
        ));
        assert_eq!(l.error_count(true), 0, "{}", l.render());
        assert!(l.render().contains("option is on"), "{}", l.render());
        assert!(l.config.router.instances[0].skip_check_adv_addr, "{a}");
    }
    let l = parse_str(&inst(" skip_check_adv_addr false"));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert!(l.config.router.instances[0].skip_check_adv_addr);
    // not a boolean: ignored
    let l = one(" skip_check_adv_addr extra", "ignored");
    assert!(!l.config.router.instances[0].skip_check_adv_addr);
    let l = one(" strict_mode maybe", "ignored");
    assert!(!l.config.router.instances[0].strict);
}

#[test]
fn undefined_trackers_are_dropped() {
    let l = one(
        " track_script {\n  nosuch\n }\n track_file {\n  nofile\n }\n track_process {\n  noproc\n }",
        "the tracker is ignored",
    );
    assert!(l.config.router.instances[0].trackers.is_empty());
    // a vrrp_script without `script` is removed, and so is its tracker
    let l = parse_str(&format!(
        "vrrp_script chk {{\n interval 2\n}}\n{}",
        inst(" track_script {\n  chk\n }")
    ));
    fallback_only(&l, "removed");
    assert!(l.config.router.instances[0].trackers.is_empty());
}

#[test]
fn track_weights_out_of_range() {
    let script = "vrrp_script chk {\n script /bin/true\n weight -7\n}\n";
    let l = parse_str(&format!(
        "{script}{}",
        inst(" track_script {\n  chk weight 300\n }")
    ));
    fallback_only(&l, "using its own weight");
    let t = &l.config.router.instances[0].trackers;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].weight, -7);
    let l = one(
        " track_interface {\n  eth1 weight 300\n }",
        "using weight 0",
    );
    let t = &l.config.router.instances[0].trackers;
    assert_eq!((t.len(), t[0].weight), (1, 0));
    assert_eq!(t[0].key, TrackerKey::Interface("eth1".into()));
    let l = one(
        " track_interface {\n  eth1 weight 254\n }",
        "setting to 253",
    );
    assert_eq!(l.config.router.instances[0].trackers[0].weight, 253);
}

#[test]
fn sync_group_members_are_ignored_and_empty_groups_removed() {
    let two = format!(
        "{}{}",
        inst(""),
        inst("")
            .replace("VI_1", "VI_2")
            .replace(" 51\n", " 52\n")
            .replace(".100/", ".101/")
    );
    let l = parse_str(&format!(
        "{two}vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n  nosuch\n }}\n}}\n"
    ));
    fallback_only(&l, "ignored");
    assert_eq!(l.config.router.sync_groups[0].members, ["VI_1", "VI_2"]);
    let l = parse_str(&format!(
        "{two}vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_1\n  VI_2\n }}\n}}\n"
    ));
    fallback_only(&l, "listed twice");
    assert!(!l.render().contains("(G and G)"), "{}", l.render());
    assert_eq!(l.config.router.sync_groups[0].members, ["VI_1", "VI_2"]);
    let l = parse_str(&format!(
        "{two}vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n}}\nvrrp_sync_group H {{\n group {{\n  VI_2\n }}\n}}\n"
    ));
    fallback_only(&l, "cannot be in two sync groups (G and H)");
    assert_eq!(l.config.router.sync_groups.len(), 1);
    let l = parse_str(&format!(
        "{two}vrrp_sync_group G {{\n group {{\n  nosuch\n }}\n}}\n"
    ));
    fallback_only(&l, "the group is removed");
    assert!(l.config.router.sync_groups.is_empty());
}

#[test]
fn a_second_notify_is_ignored() {
    let l = one(
        " notify_master /bin/one\n notify_master /bin/two",
        "ignoring this one",
    );
    let n = l.config.instances[0].notify.master.as_ref().unwrap();
    assert_eq!(n.command, "/bin/one");
}

fn vips(l: &Loaded) -> Vec<String> {
    l.config.router.instances[0]
        .vips
        .iter()
        .map(|v| format!("{}/{}", v.addr, v.prefix_len))
        .collect()
}

#[test]
fn bad_vips_are_skipped_or_clamped() {
    let with = |v: &str| {
        parse_str(&format!(
            "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {{\n  192.0.2.50/24\n  {v}\n }}\n}}\n"
        ))
    };
    for v in [
        "192.0.2.256/24",
        "192.0.2/24",
        "host.example",
        "192.0.2.100/24 brd foo",
        "192.0.2.100/24 brd",
        "192.0.2.100/24 dev",
        "192.0.2.100/24 label eth0:abcdefghijklmn",
        "2001:db8::100/64",
    ] {
        let l = with(v);
        fallback_only(&l, "skipped");
        assert_eq!(vips(&l), ["192.0.2.50/24"], "{v}");
        assert!(!l.render().contains("has no virtual_ipaddress"), "{v}");
    }
    for (v, want) in [
        ("192.0.2.100/33", "192.0.2.100/32"),
        ("192.0.2.100/-1", "192.0.2.100/32"),
    ] {
        let l = with(v);
        fallback_only(&l, "using /");
        assert_eq!(vips(&l)[1], want, "{v}");
    }
    let l = parse_str(
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  2001:db8::100/129\n }\n}\n",
    );
    fallback_only(&l, "using /128");
    assert_eq!(vips(&l), ["2001:db8::100/128"]);
    for v in [
        "192.0.2.100/24 foo",
        "192.0.2.100/24 scope 256",
        "192.0.2.100/24 192.0.2.101/24",
    ] {
        let l = with(v);
        fallback_only(&l, "the option is ignored");
        assert_eq!(vips(&l), ["192.0.2.50/24", "192.0.2.100/24"], "{v}");
    }
    // all gone: then it says so
    let l = parse_str(
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.256\n }\n}\n",
    );
    assert!(
        l.render().contains("has no virtual_ipaddress"),
        "{}",
        l.render()
    );
}

#[test]
fn bad_routes_rules_and_peers_are_skipped() {
    for (block, needle) in [
        (
            " virtual_routes {\n  198.51.100.0/33 dev eth0\n }",
            "the route is skipped",
        ),
        (
            " virtual_routes {\n  198.51.100.0/24 dev eth0 metric -1\n }",
            "the route is skipped",
        ),
        (
            " virtual_rules {\n  from 192.0.2.100 table 0\n }",
            "the rule is skipped",
        ),
        (
            " virtual_rules {\n  from 192.0.2.100 table 100 goto 200\n }",
            "the rule is skipped",
        ),
        (
            " unicast_peer {\n  192.0.2.999\n  192.0.2.2\n }",
            "the peer is skipped",
        ),
        (
            " unicast_peer {\n  192.0.2.3 foo 1\n  192.0.2.2\n }",
            "the peer is skipped",
        ),
        (" unicast_src_ip 192.0.2.999", "ignored"),
        (
            " authentication {\n  auth_type pass\n  auth_pass secret\n }",
            "no authentication",
        ),
        (" mcast_dst_ip 192.0.2.5", "ignored"),
    ] {
        let l = one(block, needle);
        let i = &l.config.router.instances[0];
        assert!(i.routes.is_empty() && i.rules.is_empty(), "{block}");
        if block.contains("unicast_peer") {
            assert_eq!(i.unicast_peers.len(), 1, "{block}");
        }
    }
    // min_ttl > max_ttl: keepalived takes it; a warning
    let l = parse_str(&inst(
        " unicast_peer {\n  192.0.2.2 min_ttl 10 max_ttl 5\n }",
    ));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
}

/// What keepalived refuses to run stays an error at start too.
#[test]
fn permanent_errors_still_stop_the_start() {
    for body in [
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 0\n}\n",
        "vrrp_instance VI_1 {\n virtual_router_id 51\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n notify_master\n}\n",
    ] {
        let l = parse_str(body);
        assert!(l.error_count(false) > 0, "{body}\n{}", l.render());
    }
}

/// An error for `check` only, with `needle` (keepvip does not do what
/// keepalived does there, so no "as keepalived does").
fn check_fails_start_runs(l: &Loaded, needle: &str) {
    let text = l.render();
    assert!(l.error_count(true) > 0, "check must fail:\n{text}");
    assert_eq!(l.error_count(false), 0, "the start must not fail:\n{text}");
    assert!(
        l.diagnostics.iter().any(|d| d.message.contains(needle)),
        "{text}"
    );
}

/// `notification_email ADDR` without braces: keepalived 2.2.7 reports
/// `Block notification_email has extra parameters ADDR ...`, reads the
/// lines after it as addresses and, after the `}` of global_defs, the rest
/// of the file as global_defs (`-t` exits 5). keepvip's check fails; the
/// daemon starts and runs the instances (since 2026-12-08).
#[test]
fn notification_email_without_a_block_fails_the_check() {
    // first in global_defs, instances after it
    let l = parse_str(&format!(
        "global_defs {{\n    notification_email admin@example.com\n    router_id R9\n}}\n{}",
        inst("")
    ));
    check_fails_start_runs(
        &l,
        "keepalived: `Block notification_email has extra parameters admin@example.com ...`",
    );
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("notification_email"))
        .unwrap();
    assert_eq!(d.span.unwrap().line, 2);
    let note = d.note.as_deref().unwrap();
    assert!(note.contains("(`router_id` among them)"), "{note}");
    assert!(note.contains("`keepalived -t` exits 5"), "{note}");
    assert_eq!(
        d.help.as_deref(),
        Some("write `notification_email { admin@example.com }`")
    );
    assert_eq!(l.config.router.instances.len(), 1);
    // the last keyword of global_defs, after the instances: still an error
    let l = parse_str(&format!(
        "{}global_defs {{\n    router_id R9\n    notification_email admin@example.com\n}}\n",
        inst("")
    ));
    check_fails_start_runs(&l, "has extra parameters admin@example.com");
    // braces: nothing to say
    for g in [
        "notification_email {\n        admin@example.com\n    }",
        "notification_email { admin@example.com }",
    ] {
        let l = parse_str(&format!("global_defs {{\n    {g}\n}}\n{}", inst("")));
        assert_eq!(l.error_count(true), 0, "{g}\n{}", l.render());
    }
}

/// keepalived 2.2.7 (vrrp_iprule.c): a goto rule whose priority is not
/// below its target, or that has none, is dropped (`Invalid rule -
/// preference 110 >= goto target 110`); the kernel refuses it too.
#[test]
fn a_goto_rule_needs_a_priority_below_its_target() {
    for (rule, needle) in [
        (
            "from 192.0.2.105 goto 110 priority 110",
            "Invalid rule - preference 110 >= goto target 110",
        ),
        (
            "from 192.0.2.106 goto 100 priority 120",
            "Invalid rule - preference 120 >= goto target 100",
        ),
        (
            "from 192.0.2.106 goto 100",
            "Invalid rule - goto target 100 specified without preference",
        ),
    ] {
        let l = one(&format!(" virtual_rules {{\n  {rule}\n }}"), needle);
        assert!(l.config.router.instances[0].rules.is_empty(), "{rule}");
        assert!(l.render().contains("the rule is skipped"), "{rule}");
        // static_rules too
        let l = parse_str(&format!("static_rules {{\n  {rule}\n}}\n{}", inst("")));
        fallback_only(&l, needle);
        assert!(l.model.static_rules.is_empty(), "{rule}");
    }
    let l = parse_str(&inst(
        " virtual_rules {\n  from 192.0.2.105 goto 111 priority 110\n }",
    ));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert_eq!(l.config.router.instances[0].rules.len(), 1);
}

/// keepalived 2.2.7 (vrrp_ipaddress.c alloc_ipaddress): with a peer the
/// address takes the host length (`Cannot specify address prefix when
/// specifying peer address - ignoring`, installed as `192.0.2.100 peer
/// 192.0.2.200/32`), a peer with a /len is not an address (`Invalid peer
/// address`, the VIP stays without a peer), a second peer is reported and
/// its address read as an unknown option, and a peer drops `brd`.
#[test]
fn a_vip_with_a_peer_is_a_host_address() {
    let vip = |line: &str| {
        let l = parse_str(&inst(&format!(" virtual_ipaddress {{\n  {line}\n }}")));
        let v = l.config.router.instances[0].vips[0].clone();
        (l, v)
    };
    let (l, v) = vip("192.0.2.101/24 peer 192.0.2.200");
    fallback_only(
        &l,
        "Cannot specify address prefix when specifying peer address",
    );
    assert!(l.render().contains("using /32, as keepalived does"));
    assert_eq!(
        (v.prefix_len, v.peer),
        (32, Some("192.0.2.200".parse().unwrap()))
    );
    let (l, v) = vip("2001:db8::5/64 peer 2001:db8::6");
    assert!(l.render().contains("using /128"), "{}", l.render());
    assert_eq!(v.prefix_len, 128);
    // no prefix given: nothing to say
    let (l, v) = vip("192.0.2.101 peer 192.0.2.200");
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert_eq!(v.prefix_len, 32);
    let (l, v) = vip("192.0.2.101 peer 192.0.2.200/24");
    fallback_only(&l, "Invalid peer address 192.0.2.200/24");
    assert_eq!((v.prefix_len, v.peer), (32, None));
    let (l, v) = vip("192.0.2.101/24 peer 2001:db8::6");
    fallback_only(&l, "does not match address family");
    assert_eq!((v.prefix_len, v.peer), (24, None));
    let (l, v) = vip("192.0.2.101 peer 192.0.2.200 peer 192.0.2.201");
    fallback_only(
        &l,
        "Peer 192.0.2.201 - another peer has already been specified",
    );
    assert!(l.render().contains("unknown option `192.0.2.201`"));
    assert_eq!(v.peer, Some("192.0.2.200".parse().unwrap()));
    // brd +/- with a peer: ignored
    let (l, v) = vip("192.0.2.101 brd + peer 192.0.2.200");
    assert!(l.render().contains("broadcast address is ignored"));
    assert_eq!(v.broadcast, None);
}

/// `brd -`: the network address (keepalived clears the host bits), `brd
/// +` the broadcast one; too long a prefix: none, with a warning.
#[test]
fn brd_minus_is_the_network_address() {
    let vip = |line: &str| {
        let l = parse_str(&inst(&format!(" virtual_ipaddress {{\n  {line}\n }}")));
        assert_eq!(l.error_count(true), 0, "{}", l.render());
        (l.config.router.instances[0].vips[0].broadcast, l.render())
    };
    assert_eq!(
        vip("192.0.2.101/24 brd -").0,
        Some("192.0.2.0".parse().unwrap())
    );
    assert_eq!(
        vip("192.0.2.101/24 brd +").0,
        Some("192.0.2.255".parse().unwrap())
    );
    assert_eq!(
        vip("10.1.2.3/12 brd -").0,
        Some("10.0.0.0".parse().unwrap())
    );
    assert_eq!(vip("10.1.2.3/0 brd -").0, Some("0.0.0.0".parse().unwrap()));
    let (b, text) = vip("192.0.2.101/31 brd -");
    assert_eq!(b, None);
    assert!(
        text.contains("Address prefix length 31 too long for broadcast"),
        "{text}"
    );
}

/// keepalived 2.2.7 drops a track_interface on the instance's own
/// interface (`(VI_1) Ignoring track_interface eth0 since own interface`):
/// its weight is not used.
#[test]
fn track_interface_on_the_own_interface_is_dropped() {
    let l = one(
        " track_interface {\n  eth0 weight 10\n  eth1 weight -10\n }",
        "(VI_1) Ignoring track_interface eth0 since own interface",
    );
    let names: Vec<&str> = l.model.instances[0]
        .track_interface
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["eth1"]);
    assert_eq!(l.config.router.instances[0].priority, 100);
}

/// `dynamic_interfaces` takes `allow_if_changes` only (`Unknown
/// dynamic_interfaces option 'foo'`, the option ignored).
#[test]
fn dynamic_interfaces_knows_one_option() {
    for (opt, bad) in [("", false), (" allow_if_changes", false), (" foo", true)] {
        let l = parse_str(&format!(
            "global_defs {{\n    dynamic_interfaces{opt}\n}}\n{}",
            inst("")
        ));
        if bad {
            fallback_only(&l, "Unknown dynamic_interfaces option 'foo'");
        } else {
            assert_eq!(l.error_count(true), 0, "{opt}: {}", l.render());
        }
        assert!(l.model.global.dynamic_interfaces);
    }
}

/// `gw` in a route: keepalived 2.2.7's `"gw" for routes is deprecated.
/// Please use "via"`, as a warning; the route goes in.
#[test]
fn gw_in_a_route_is_deprecated() {
    let l = parse_str(&inst(
        " virtual_routes {\n  198.51.100.0/24 gw 192.0.2.1 dev eth0\n }",
    ));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.severity == keepvip_conf::Severity::Warning
            && d.message
                .starts_with("\"gw\" for routes is deprecated. Please use \"via\"")
            && d.span.unwrap().line == 5));
    assert_eq!(
        l.config.router.instances[0].routes[0].gateway,
        Some("192.0.2.1".parse().unwrap())
    );
}
