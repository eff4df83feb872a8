//! keepalived 2.2.x log texts, exactly as keepalived prints them (see
//! shared/reference/keepalived-behaviour.md §3 and the fixtures' logs).
//! Kept as plain functions so the wording is tested in one place.

use std::net::IpAddr;
use std::time::Duration;

use keepvip_proto::FaultCause;

/// `(VI_1) Entering MASTER STATE`, `(VI_1) Entering BACKUP STATE (init)`
pub fn entering_state(instance: &str, state: &str, init: bool) -> String {
    match (init, state) {
        // keepalived puts instances in FAULT while it reads the
        // configuration (vrrp_complete_init), with this line
        (true, "FAULT") => format!("({instance}) entering FAULT state"),
        (true, _) => format!("({instance}) Entering {state} STATE (init)"),
        (false, _) => format!("({instance}) Entering {state} STATE"),
    }
}

/// two address owners on the link (keepalived's words)
pub fn two_owners(instance: &str) -> String {
    format!("({instance}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority")
}

/// an advert at our priority from our own address (keepalived's words)
pub fn equal_priority_from_our_address(instance: &str) -> String {
    format!("({instance}) WARNING - equal priority advert received from remote host with our IP address.")
}

/// `VRRP_Group(VG): Syncing VI_1 to FAULT state` (at start)
pub fn group_fault_at_start(group: &str, instance: &str) -> String {
    format!("VRRP_Group({group}): Syncing {instance} to FAULT state")
}

/// `(VI_1) Receive advertisement timeout` (-D)
pub fn receive_timeout(instance: &str) -> String {
    format!("({instance}) Receive advertisement timeout")
}

/// `Assigned address 192.0.2.1 for interface eth0`
pub fn address_assigned(iface: &str, addr: IpAddr) -> String {
    format!("Assigned address {addr} for interface {iface}")
}

/// `Deassigned address 192.0.2.1 from interface eth0`
pub fn address_deassigned(iface: &str, addr: IpAddr) -> String {
    format!("Deassigned address {addr} from interface {iface}")
}

/// `(VI_1) Master received advert from 192.0.2.12 with higher priority 150, ours 100`
pub fn master_rx_higher(instance: &str, from: IpAddr, theirs: u8, ours: u8) -> String {
    format!("({instance}) Master received advert from {from} with higher priority {theirs}, ours {ours}")
}

/// `(VI_1) Master received advert from X with same priority 100 but higher IP address than ours`
pub fn master_rx_same_higher_ip(instance: &str, from: IpAddr, prio: u8) -> String {
    format!("({instance}) Master received advert from {from} with same priority {prio} but higher IP address than ours")
}

/// `(VI_1) Received advert from X with lower priority 90, ours 100, forcing
/// new election` (the last part only when an advert answers it)
pub fn master_rx_lower(
    instance: &str,
    from: IpAddr,
    theirs: u8,
    ours: u8,
    forcing: bool,
) -> String {
    let forcing = if forcing {
        ", forcing new election"
    } else {
        ""
    };
    format!("({instance}) Received advert from {from} with lower priority {theirs}, ours {ours}{forcing}")
}

/// `(VI_1) received lower priority (90) advert from X - discarding`
pub fn backup_rx_lower(instance: &str, from: IpAddr, theirs: u8) -> String {
    format!("({instance}) received lower priority ({theirs}) advert from {from} - discarding")
}

/// `(VI_1) start preempt delay (2.000000)` (-D)
pub fn preempt_delay_start(instance: &str, delay: std::time::Duration) -> String {
    format!(
        "({instance}) start preempt delay ({}.{:06})",
        delay.as_secs(),
        delay.subsec_micros()
    )
}

/// `(VI_1) stop preempt delay` (-D)
pub fn preempt_delay_stop(instance: &str) -> String {
    format!("({instance}) stop preempt delay")
}

/// `(VI_1) Backup received priority 0 advertisement` (-D)
pub fn backup_rx_prio0(instance: &str) -> String {
    format!("({instance}) Backup received priority 0 advertisement")
}

/// `(VI_1) Master received priority 0 message`
pub fn master_rx_prio0(instance: &str) -> String {
    format!("({instance}) Master received priority 0 message")
}

/// `(VI_1) sent 0 priority` (-D)
pub fn sent_prio0(instance: &str) -> String {
    format!("({instance}) sent 0 priority")
}

/// `(VI_1) setting VIPs.`
pub fn setting_vips(instance: &str) -> String {
    format!("({instance}) setting VIPs.")
}

/// `(VI_1) setting Virtual Routes`, `(VI_1) removing Virtual Rules`
pub fn virtual_routes_or_rules(instance: &str, what: &str, set: bool) -> String {
    let verb = if set { "setting" } else { "removing" };
    format!("({instance}) {verb} Virtual {what}")
}

/// `(VI_1) ip address 192.0.2.201/24 dev eth0, no longer exist`
pub fn vip_gone(instance: &str, addr: IpAddr, prefix_len: u8, dev: &str) -> String {
    format!("({instance}) ip address {addr}/{prefix_len} dev {dev}, no longer exist")
}

/// `(VI_1) removing VIPs.`
pub fn removing_vips(instance: &str) -> String {
    format!("({instance}) removing VIPs.")
}

/// `(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.0.2.200` (-D)
pub fn queueing_garps(instance: &str, iface: &str, addr: IpAddr) -> String {
    if addr.is_ipv6() {
        format!("({instance}) Sending/queueing Unsolicited Neighbour Adverts on {iface} for {addr}")
    } else {
        format!("({instance}) Sending/queueing gratuitous ARPs on {iface} for {addr}")
    }
}

/// `Sending gratuitous ARP on eth0 for 192.0.2.200` (-D)
pub fn sending_garp(iface: &str, addr: IpAddr) -> String {
    if addr.is_ipv6() {
        format!("Sending unsolicited Neighbour Advert on {iface} for {addr}")
    } else {
        format!("Sending gratuitous ARP on {iface} for {addr}")
    }
}

/// `(VI_1) Changing effective priority from 100 to 80`
pub fn priority_change(instance: &str, from: u8, to: u8) -> String {
    format!("({instance}) Changing effective priority from {from} to {to}")
}

/// `(VI_1) advertisement interval mismatch mine=1 sec rcv'd=3 sec`
pub fn interval_mismatch_v2(instance: &str, mine_s: u16, theirs_s: u16) -> String {
    format!("({instance}) advertisement interval mismatch mine={mine_s} sec rcv'd={theirs_s} sec")
}

/// `(VI_1) advertisement interval updated from 100ms to 1000ms by master` (-D)
pub fn master_adver_int_updated(instance: &str, from: Duration, to: Duration) -> String {
    format!(
        "({instance}) advertisement interval updated from {}ms to {}ms by master",
        from.as_millis(),
        to.as_millis()
    )
}

/// `(VI_1) changing advert interval from 1000ms to locally configured 100ms` (-D)
pub fn adver_int_restored(instance: &str, from: Duration, to: Duration) -> String {
    format!(
        "({instance}) changing advert interval from {}ms to locally configured {}ms",
        from.as_millis(),
        to.as_millis()
    )
}

/// `(VI_1) received an unexpected ip number count 2, expected 1!`
pub fn addr_count_mismatch(instance: &str, got: usize, expected: usize) -> String {
    format!("({instance}) received an unexpected ip number count {got}, expected {expected}!")
}

/// `(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.0.2.200`
pub fn addr_missing(instance: &str, vrid: u8, addr: IpAddr) -> String {
    format!(
        "({instance}) ip address associated with VRID {vrid} not present in MASTER advert: {addr}"
    )
}

/// `(VI_1) wrong version. Received 3 and expect 2`
pub fn wrong_version(instance: &str, got: u8, expected: u8) -> String {
    format!("({instance}) wrong version. Received {got} and expect {expected}")
}

/// `(VI_1) invalid TTL/HL. Received 64 and expect 255`
pub fn invalid_ttl(instance: &str, got: u8) -> String {
    format!("({instance}) invalid TTL/HL. Received {got} and expect 255")
}

/// `(VI_1) received an invalid passwd!`
pub fn invalid_passwd(instance: &str) -> String {
    format!("({instance}) received an invalid passwd!")
}

/// `(VI_1) received a 0 auth, expecting 1!`
pub fn auth_type_mismatch(instance: &str, got: u8, expected: u8) -> String {
    format!("({instance}) received a {got} auth, expecting {expected}!")
}

/// `(VI_1) Invalid VRRPv2 checksum`
pub fn bad_checksum(instance: &str, version: u8) -> String {
    format!("({instance}) Invalid VRRPv{version} checksum")
}

/// `VRRP_Group(G1) Syncing instances to MASTER state`
pub fn group_syncing(group: &str, state: &str) -> String {
    format!("VRRP_Group({group}) Syncing instances to {state} state")
}

/// Why an instance starts in FAULT, one keepalived line per cause:
/// `(VI_1): entering FAULT state due to script chk_nginx`,
/// `(VI_1) entering FAULT state (no IPv4 address for interface)`, …
pub fn fault_due_to(instance: &str, cause: &FaultCause) -> String {
    match cause {
        FaultCause::Script(s) => format!("({instance}): entering FAULT state due to script {s}"),
        // keepalived words these with a colon after the name, and the
        // process and address ones without
        FaultCause::Interface(_) | FaultCause::File { .. } | FaultCause::SourceMissing(_) => {
            format!("({instance}): entering FAULT state ({cause})")
        }
        FaultCause::Process(_) | FaultCause::NoAddress(_) => {
            format!("({instance}) entering FAULT state ({cause})")
        }
        FaultCause::NoUnicastPeers => {
            format!("({instance}) Cannot use unicast without any peers - going to fault state")
        }
        // keepalived has no line of its own for this one
        FaultCause::GroupMember(_) => format!("({instance}) entering FAULT state ({cause})"),
    }
}

/// `Netlink reports eth0 down` / `up`
pub fn netlink_link(iface: &str, up: bool) -> String {
    format!("Netlink reports {iface} {}", if up { "up" } else { "down" })
}

/// A route in ip-route words: `198.51.100.0/24 via 192.0.2.1 dev eth0 table 100`.
pub fn route(r: &keepvip_proto::RouteConfig) -> String {
    let mut w = vec![format!("{}/{}", r.dst, r.dst_len)];
    if let Some(g) = r.gateway {
        w.push(format!("via {g}"));
    }
    if let Some(d) = &r.dev {
        w.push(format!("dev {d}"));
    }
    if let Some(t) = r.table {
        w.push(format!("table {t}"));
    }
    w.join(" ")
}

/// A rule in ip-rule words, for warnings: `from 192.0.2.1/32 pref 50 table 100`.
pub fn rule(r: &keepvip_proto::RuleConfig) -> String {
    use keepvip_proto::RuleAction;
    let mut w = Vec::new();
    if r.invert {
        w.push("not".to_string());
    }
    match r.src {
        Some(a) => w.push(format!("from {a}/{}", r.src_len)),
        None => w.push("from all".into()),
    }
    if let Some(a) = r.dst {
        w.push(format!("to {a}/{}", r.dst_len));
    }
    w.push(format!("pref {}", r.priority));
    match r.action {
        RuleAction::ToTable => {}
        RuleAction::Goto(t) => w.push(format!("goto {t}")),
        RuleAction::Nop => w.push("nop".into()),
        RuleAction::Blackhole => w.push("blackhole".into()),
        RuleAction::Unreachable => w.push("unreachable".into()),
        RuleAction::Prohibit => w.push("prohibit".into()),
    }
    if let Some(t) = r.table {
        w.push(format!("table {t}"));
    }
    w.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_match_keepalived_fixtures() {
        let ip: IpAddr = "192.0.2.12".parse().unwrap();
        assert_eq!(
            entering_state("VI_1", "BACKUP", true),
            "(VI_1) Entering BACKUP STATE (init)"
        );
        // keepalived's "%lu.%6.6lu" of the delay in µs
        assert_eq!(
            preempt_delay_start("VI_1", std::time::Duration::from_millis(2500)),
            "(VI_1) start preempt delay (2.500000)"
        );
        assert_eq!(preempt_delay_stop("VI_1"), "(VI_1) stop preempt delay");
        assert_eq!(
            entering_state("VI_1", "MASTER", false),
            "(VI_1) Entering MASTER STATE"
        );
        assert_eq!(
            master_rx_higher("VI_1", ip, 100, 90),
            "(VI_1) Master received advert from 192.0.2.12 with higher priority 100, ours 90"
        );
        assert_eq!(
            backup_rx_lower("VI_1", ip, 100),
            "(VI_1) received lower priority (100) advert from 192.0.2.12 - discarding"
        );
        assert_eq!(
            queueing_garps("VI_1", "eth0", "192.0.2.200".parse().unwrap()),
            "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 192.0.2.200"
        );
        assert_eq!(
            sending_garp("eth0", "192.0.2.200".parse().unwrap()),
            "Sending gratuitous ARP on eth0 for 192.0.2.200"
        );
        assert_eq!(
            priority_change("VI_1", 150, 90),
            "(VI_1) Changing effective priority from 150 to 90"
        );
        assert_eq!(
            interval_mismatch_v2("VI_1", 1, 3),
            "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=3 sec"
        );
        assert_eq!(
            invalid_ttl("VI_1", 64),
            "(VI_1) invalid TTL/HL. Received 64 and expect 255"
        );
        assert_eq!(
            auth_type_mismatch("VI_1", 0, 1),
            "(VI_1) received a 0 auth, expecting 1!"
        );
        use keepvip_proto::wire::Family;
        let fault = |c| fault_due_to("VI_1", &c);
        assert_eq!(
            fault(FaultCause::Script("chk_nginx".into())),
            "(VI_1): entering FAULT state due to script chk_nginx"
        );
        assert_eq!(
            fault(FaultCause::Interface("eth1".into())),
            "(VI_1): entering FAULT state (interface eth1 down)"
        );
        assert_eq!(
            fault(FaultCause::File {
                name: "maint".into(),
                value: 3
            }),
            "(VI_1): entering FAULT state (tracked file maint has status 3)"
        );
        assert_eq!(
            fault(FaultCause::Process("nginx".into())),
            "(VI_1) entering FAULT state (tracked process nginx quorum not achieved)"
        );
        assert_eq!(
            fault(FaultCause::NoAddress(Family::V4)),
            "(VI_1) entering FAULT state (no IPv4 address for interface)"
        );
        assert_eq!(
            fault(FaultCause::SourceMissing("192.0.2.11".parse().unwrap())),
            "(VI_1): entering FAULT state (src address not configured)"
        );
        assert_eq!(
            fault(FaultCause::NoUnicastPeers),
            "(VI_1) Cannot use unicast without any peers - going to fault state"
        );
        assert_eq!(
            fault(FaultCause::NoAddress(Family::V6)),
            "(VI_1) entering FAULT state (no IPv6 address for interface)"
        );
        assert_eq!(
            master_rx_lower("VI_1", "192.0.2.5".parse().unwrap(), 150, 150, true),
            "(VI_1) Received advert from 192.0.2.5 with lower priority 150, ours 150, forcing new election"
        );
        // lower_prio_no_advert: no advert, no "forcing"
        assert_eq!(
            master_rx_lower("VI_1", "192.0.2.5".parse().unwrap(), 50, 100, false),
            "(VI_1) Received advert from 192.0.2.5 with lower priority 50, ours 100"
        );
    }

    /// Every instance line in the fixtures' logs that our texts can produce
    /// must be one of our texts (a guard against wording drift).
    #[test]
    fn fixture_log_lines_are_known_shapes() {
        let log = include_str!("../../tests/fixtures/v2-adv1-r2.log");
        let mut seen = 0;
        for line in log.lines() {
            let Some(msg) = line.split_once(" 2026: ").map(|(_, m)| m) else {
                continue;
            };
            if msg.starts_with("(VI_1) Entering") {
                assert!(
                    msg == entering_state("VI_1", "MASTER", false)
                        || msg == entering_state("VI_1", "BACKUP", false)
                        || msg == entering_state("VI_1", "BACKUP", true)
                        || msg == entering_state("VI_1", "FAULT", false),
                    "{msg}"
                );
                seen += 1;
            }
        }
        assert!(seen >= 3, "fixture has state lines");
    }

    #[test]
    fn rule_text_names_the_selector_priority_and_table() {
        let mut r = keepvip_proto::RuleConfig::new(keepvip_proto::Family::V4);
        r.src = Some("192.0.2.1".parse().unwrap());
        r.src_len = 32;
        r.priority = 50;
        r.table = Some(100);
        assert_eq!(rule(&r), "from 192.0.2.1/32 pref 50 table 100");
        r.src = None;
        r.invert = true;
        r.action = keepvip_proto::RuleAction::Blackhole;
        r.table = None;
        assert_eq!(rule(&r), "not from all pref 50 blackhole");
    }
}
