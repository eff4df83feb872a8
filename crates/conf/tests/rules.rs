//! virtual_rules / static_rules: ip-rule syntax, as keepalived 2.2.7's
//! `-t` accepts it, into proto's `RuleConfig`, and each bad value reported
//! at its place.

use std::net::IpAddr;

use keepvip_conf::{parse_str, Loaded, Severity};
use keepvip_proto::{Family, RuleAction, RuleConfig};

/// An IPv4 (or, with `v6`, IPv6) instance whose virtual_rules block holds
/// `rules` (one per line; the first is on line 9).
fn instance_with(rules: &[&str], v6: bool) -> String {
    let vip = if v6 {
        "2001:db8::10/64"
    } else {
        "192.0.2.10/24"
    };
    format!(
        "vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority 150\n    \
         virtual_ipaddress {{\n        {vip}\n    }}\n    virtual_rules {{\n{}\n    }}\n}}\n",
        rules
            .iter()
            .map(|r| format!("        {r}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

fn rules_of(l: &Loaded) -> Vec<RuleConfig> {
    l.config.router.instances[0].rules.clone()
}

fn errors(l: &Loaded) -> Vec<(usize, usize, String)> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let s = d.span.unwrap_or_default();
            (s.line as usize, s.col as usize, d.message.clone())
        })
        .collect()
}

fn one_rule(rule: &str) -> RuleConfig {
    let l = parse_str(&instance_with(&[rule], false));
    assert!(errors(&l).is_empty(), "{rule}: {}", l.render());
    let r = rules_of(&l);
    assert_eq!(r.len(), 1, "{rule}");
    r[0].clone()
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn a_source_rule_with_table_and_priority() {
    let r = one_rule("from 192.0.2.10 table 100 priority 50");
    let mut want = RuleConfig::new(Family::V4);
    want.src = ip("192.0.2.10");
    want.src_len = 32;
    want.table = Some(100);
    want.priority = 50;
    assert_eq!(r, want);
}

#[test]
fn every_supported_selector() {
    let r = one_rule(
        "not from 192.0.2.0/24 to 198.51.100.0/25 iif eth0 oif eth1 fwmark 0x10/0xff \
         tos 0x10 order 100 lookup 200 suppress_prefixlength 0 suppress_ifgroup 3 \
         uidrange 1000-2000 sport 1024-2048 dport 443-443 ipproto tcp protocol 4 no_track",
    );
    assert!(r.invert);
    assert_eq!((r.src, r.src_len), (ip("192.0.2.0"), 24));
    assert_eq!((r.dst, r.dst_len), (ip("198.51.100.0"), 25));
    assert_eq!(r.iif.as_deref(), Some("eth0"));
    assert_eq!(r.oif.as_deref(), Some("eth1"));
    assert_eq!((r.fwmark, r.fwmask), (Some(0x10), Some(0xff)));
    assert_eq!(r.tos, 0x10);
    assert_eq!(r.priority, 100);
    assert_eq!(r.table, Some(200));
    assert_eq!(r.action, RuleAction::ToTable);
    assert_eq!(r.suppress_prefixlen, Some(0));
    assert_eq!(r.suppress_ifgroup, Some(3));
    assert_eq!(r.uid_range, Some((1000, 2000)));
    assert_eq!(r.sport, Some((1024, 2048)));
    assert_eq!(r.dport, Some((443, 443)));
    assert_eq!(r.ip_proto, Some(6));
    // no_track: the protocol given is kept
    assert_eq!(r.protocol, 4);
    assert!(r.no_track);
}

#[test]
fn one_action_each() {
    for (text, action) in [
        (
            "from 192.0.2.1 priority 10 blackhole",
            RuleAction::Blackhole,
        ),
        (
            "from 192.0.2.1 priority 10 type unreachable",
            RuleAction::Unreachable,
        ),
        ("from 192.0.2.1 priority 10 prohibit", RuleAction::Prohibit),
        ("from 192.0.2.1 priority 10 type nop", RuleAction::Nop),
        ("from 192.0.2.1 priority 10 goto 20", RuleAction::Goto(20)),
    ] {
        let r = one_rule(text);
        assert_eq!(r.action, action, "{text}");
        assert_eq!(r.table, None, "{text}");
        // tracked: keepalived's protocol
        assert_eq!(r.protocol, 18, "{text}");
    }
    let r = one_rule("from all l3mdev priority 1000");
    assert!(r.l3mdev);
    assert_eq!(
        (r.src, r.table, r.action),
        (None, None, RuleAction::ToTable)
    );
    assert_eq!(one_rule("from all table main priority 1").table, Some(254));
    assert_eq!(one_rule("from all table local priority 1").table, Some(255));
    assert_eq!(
        one_rule("from all lookup default priority 1").table,
        Some(253)
    );
}

fn warnings(l: &Loaded) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn keepalived_defaults_with_their_warnings() {
    // no priority: keepalived's 16384, with its warning
    let l = parse_str(&instance_with(&["to 203.0.113.0/24 table 10"], false));
    assert!(errors(&l).is_empty(), "{}", l.render());
    assert_eq!(rules_of(&l)[0].priority, 16384);
    assert!(warnings(&l).iter().any(|w| w.contains("no `priority`")));
    // no action: keepalived ignores the rule
    let l = parse_str(&instance_with(&["to 203.0.113.0/24 priority 5"], false));
    assert!(errors(&l).is_empty(), "{}", l.render());
    assert!(rules_of(&l).is_empty());
    assert!(warnings(&l)
        .iter()
        .any(|w| w.contains("rule has no action")));
    // a tracked rule keeps protocol 18, as keepalived resets it
    let l = parse_str(&instance_with(
        &["from all table 10 priority 5 protocol 4"],
        false,
    ));
    assert!(errors(&l).is_empty(), "{}", l.render());
    assert_eq!(rules_of(&l)[0].protocol, 18);
    assert!(warnings(&l).iter().any(|w| w.contains("rule protocol 4")));
}

#[test]
fn the_family_comes_from_the_prefixes_else_the_instance() {
    let l = parse_str(&instance_with(
        &[
            "from 2001:db8::10/128 table 100 priority 50",
            "fwmark 1 table 100 priority 60",
        ],
        false,
    ));
    assert!(errors(&l).is_empty(), "{}", l.render());
    let r = rules_of(&l);
    assert_eq!(r[0].family, Family::V6);
    assert_eq!(r[1].family, Family::V4);
    // an IPv6 instance's rule without a prefix is IPv6
    let l = parse_str(&instance_with(&["fwmark 1 table 100 priority 60"], true));
    assert!(errors(&l).is_empty(), "{}", l.render());
    assert_eq!(rules_of(&l)[0].family, Family::V6);
}

#[test]
fn static_rules_are_parsed_into_the_daemon_config() {
    let text = format!(
        "static_rules {{\n    from 198.51.100.0/24 table 300 priority 70\n    to 2001:db8:1::/48 prohibit priority 71\n}}\n{}",
        instance_with(&["from 192.0.2.10 table 100 priority 50"], false)
    );
    let l = parse_str(&text);
    assert!(errors(&l).is_empty(), "{}", l.render());
    let s = &l.config.static_rules;
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].family, s[0].table), (Family::V4, Some(300)));
    assert_eq!(
        (s[1].family, s[1].action),
        (Family::V6, RuleAction::Prohibit)
    );
    // no "not acted on" warning any more, for virtual or static rules
    assert!(
        !l.diagnostics
            .iter()
            .any(|d| d.message.contains("not acted on")),
        "{}",
        l.render()
    );
}

#[test]
fn each_bad_value_is_an_error_at_its_place_and_drops_the_rule() {
    // (rule, column of the bad word on line 9, message substring)
    let cases = [
        ("from 192.0.2.300 table 1", 14, "is not a rule prefix"),
        ("from 192.0.2.0/33 table 1", 14, "bad prefix length"),
        ("to 2001:db8::/129 table 1", 12, "bad prefix length"),
        (
            "from 192.0.2.1 to 2001:db8::1 table 1",
            27,
            "mixes address families",
        ),
        ("from 192.0.2.1 priority x", 33, "bad priority"),
        ("from 192.0.2.1 priority 4294967296", 33, "bad priority"),
        (
            "from 192.0.2.1 pref 1 table 1",
            24,
            "unknown rule option `pref`",
        ),
        ("from 192.0.2.1 table 0", 30, "bad table"),
        ("from 192.0.2.1 table moon", 30, "bad table"),
        ("from 192.0.2.1 table 1 tos 256", 36, "bad tos"),
        ("from 192.0.2.1 table 1 fwmark 1/x", 39, "bad fwmark"),
        ("from 192.0.2.1 goto y", 29, "bad goto"),
        ("from 192.0.2.1 type unicast", 29, "unknown rule type"),
        ("from 192.0.2.1 type nat", 29, "unknown rule type"),
        (
            "from 192.0.2.1 nat 192.0.2.2",
            24,
            "unknown rule option `nat`",
        ),
        ("from 192.0.2.1 table 1 goto 5", 32, "only one of"),
        ("from 192.0.2.1 table 1 lookup 2", 32, "only one of"),
        ("from all l3mdev table 10", 25, "only one of"),
        ("from 192.0.2.1 table 1 uidrange 9-1", 41, "bad uidrange"),
        ("from 192.0.2.1 table 1 uidrange 5", 41, "bad uidrange"),
        ("from 192.0.2.1 table 1 dport 3", 38, "bad dport"),
        ("from 192.0.2.1 table 1 dport 1-70000", 38, "bad dport"),
        ("from 192.0.2.1 table 1 sport 1-x", 38, "bad sport"),
        ("from 192.0.2.1 table 1 ipproto 300", 40, "bad ipproto"),
        ("from 192.0.2.1 table 1 ipproto icmpv6", 40, "bad ipproto"),
        ("from 192.0.2.1 table 1 protocol static", 41, "bad protocol"),
        (
            "from 192.0.2.1 table 1 suppress_prefixlength x",
            54,
            "bad suppress_prefixlength",
        ),
        (
            "from 192.0.2.1 table 1 iif averyveryverylongname",
            36,
            "is too long",
        ),
        ("from 192.0.2.1 priority 1 table", 35, "needs a value"),
        (
            "from 192.0.2.1 table 1 tabel 100",
            32,
            "unknown rule option `tabel`",
        ),
    ];
    for (rule, col, msg) in cases {
        let l = parse_str(&instance_with(&[rule], false));
        let errs = errors(&l);
        assert!(
            errs.iter()
                .any(|(line, c, m)| *line == 9 && *c == col && m.contains(msg)),
            "{rule}: want 9:{col} {msg}, got {errs:?}"
        );
        assert!(rules_of(&l).is_empty(), "{rule}: the bad rule is dropped");
    }
}

#[test]
fn a_typo_gets_a_suggestion_and_unsupported_options_a_warning() {
    let l = parse_str(&instance_with(
        &["from 192.0.2.1 priority 1 tabel 100"],
        false,
    ));
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("tabel"))
        .unwrap();
    assert_eq!(d.help.as_deref(), Some("did you mean `table`?"));
    let l = parse_str(&instance_with(&["from 192.0.2.1 pref 1 table 100"], false));
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("pref"))
        .unwrap();
    assert_eq!(
        d.help.as_deref(),
        Some("keepalived 2.2.7 takes `priority`, `preference` or `order`")
    );
    let l = parse_str(&instance_with(
        &["from 192.0.2.1 priority 1 table 100 realms 1/2"],
        false,
    ));
    assert!(errors(&l).is_empty(), "{}", l.render());
    assert!(l.diagnostics.iter().any(|d| d.severity == Severity::Warning
        && d.message == "rule option `realms` is not supported by keepvip: ignored"));
    assert_eq!(rules_of(&l).len(), 1);
}
