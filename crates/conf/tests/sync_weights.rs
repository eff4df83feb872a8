//! A sync group member's own weighted trackers, as keepalived 2.2.7 loads
//! them (vrrp.c vrrp_complete_instance, checked against keepalived): in a
//! group without sync_group_tracking_weight a weighted track_script is
//! dropped (`(VI_1) ignoring tracked script c1 with weights due to SYNC
//! group`, and `Warning - script c1 is not used` when nothing else tracks
//! it: it never runs); the interface and file weights are for the router.
//! Since 2026-12-08.

use keepvip_conf::{parse_str_for_host, Host, Severity};
use keepvip_proto::TrackerKey;

const HOST: Host = Host {
    default_script_user_exists: Some(true),
    interfaces: None,
    script_user_exists: Some(true),
};

fn conf(group_extra: &str) -> String {
    format!(
        "global_defs {{\n    script_user root\n}}\n\
         vrrp_script c1 {{\n    script \"/bin/true\"\n}}\n\
         vrrp_script c2 {{\n    script \"/bin/true\"\n}}\n\
         vrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_2\n    }}\n{group_extra}}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority 100\n\
         \x20   track_script {{\n        c1 weight -20\n        c2\n    }}\n\
         \x20   virtual_ipaddress {{\n        192.0.2.10/24\n    }}\n}}\n\
         vrrp_instance VI_2 {{\n    interface eth0\n    virtual_router_id 52\n    priority 100\n\
         \x20   virtual_ipaddress {{\n        192.0.2.11/24\n    }}\n}}\n"
    )
}

fn scripts_of_vi_1(l: &keepvip_conf::Loaded) -> Vec<String> {
    l.config.router.instances[0]
        .trackers
        .iter()
        .filter_map(|t| match &t.key {
            TrackerKey::Script(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_member_s_weighted_script_is_dropped_and_never_runs() {
    let l = parse_str_for_host(&conf(""), &HOST);
    assert_eq!(l.error_count(true), 0, "{:?}", l.diagnostics);
    assert_eq!(scripts_of_vi_1(&l), ["c2"]);
    let names: Vec<&str> = l.config.scripts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["c2"]);
    let warnings: Vec<&str> = l
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("(VI_1) ignoring tracked script c1 with weights due to SYNC group")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("Warning - script c1 is not used")),
        "{warnings:?}"
    );
}

#[test]
fn with_sync_group_tracking_weight_the_script_stays() {
    let l = parse_str_for_host(&conf("    sync_group_tracking_weight\n"), &HOST);
    assert_eq!(l.error_count(true), 0, "{:?}", l.diagnostics);
    assert_eq!(scripts_of_vi_1(&l), ["c1", "c2"]);
    assert_eq!(l.config.scripts.len(), 2);
}
