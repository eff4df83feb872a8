//! keepalived 2.2.7's keyword tables for the VRRP process (from
//! `vrrp_parser.c`, `global_parser.c`, `track_file.c`), used to tell an
//! unknown keyword from one keepvip accepts, and for "did you mean".

/// Top-level blocks and keywords keepvip reads.
pub const TOP_LEVEL: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_process",
    "track_file",
    "vrrp_track_file",
    "vrrp_instance",
    "vrrp_sync_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "interface_up_down_delays",
    "garp_group",
    "track_group",
    "net_namespace",
    "instance",
    "use_pid_dir",
];

/// The keywords of a `garp_group` block.
pub const GARP_GROUP: &[&str] = &["garp_interval", "gna_interval", "interface", "interfaces"];

/// Top-level keywords keepalived knows that keepvip accepts without
/// acting on them (each with the reason given in the warning).
pub const TOP_LEVEL_ACCEPTED: &[(&str, &str)] = &[
    (
        "linkbeat_interfaces",
        "keepvip follows link state by netlink only",
    ),
    (
        "linkbeat_use_polling",
        "keepvip follows link state by netlink only",
    ),
    ("net_namespace_ipvs", "LVS is not part of keepvip"),
    (
        "namespace_with_ipsets",
        "keepvip installs no firewall rules",
    ),
    ("child_wait_time", "keepvip runs as one process"),
];

/// keepalived's other parts: skipped as whole blocks with one warning.
pub const OTHER_PARTS: &[&str] = &[
    "virtual_server",
    "virtual_server_group",
    "real_server",
    "SSL",
    "bfd_instance",
];

/// global_defs keywords keepvip reads.
pub const GLOBAL_USED: &[&str] = &[
    "router_id",
    "enable_script_security",
    "script_user",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_helo_name",
    "smtp_connect_timeout",
    "smtp_alert",
    "smtp_alert_vrrp",
    "vrrp_version",
    "vrrp_strict",
    "vrrp_skip_check_adv_addr",
    "vrrp_check_unicast_src",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_min_garp",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_down_timer_adverts",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_priority_changes",
    "fifo_write_vrrp_states_on_reload",
    "max_auto_priority",
    "vrrp_priority",
    "vrrp_rt_priority",
    "vrrp_no_swap",
    "vrrp_cpu_affinity",
    "vrrp_rlimit_rttime",
    "vrrp_rlimit_rtime",
    "vrrp_owner_ignore_adverts",
    "vrrp_startup_delay",
    "dynamic_interfaces",
    "data_use_instance",
    "vrrp_garp_extra_if",
    "vrrp_vmac_garp_intvl",
    "log_unknown_vrids",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "vmac_prefix",
    "vmac_addr_prefix",
];

/// global_defs keywords of keepalived's other parts (SNMP, D-Bus, LVS,
/// checkers, BFD): ignored with a "VRRP side only" warning.
pub const GLOBAL_OTHER_PARTS: &[&str] = &[
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_snmp_checker",
    "enable_traps",
    "snmp_socket",
    "enable_dbus",
    "dbus_service_name",
    "lvs_id",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_flush_onstop",
    "lvs_sync_daemon",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "lvs_process_name",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "checker_priority",
    "checker_no_swap",
    "checker_rt_priority",
    "checker_cpu_affinity",
    "checker_rlimit_rttime",
    "checker_rlimit_rtime",
    "checker_process_name",
    "checker_log_all_failures",
    "smtp_alert_checker",
    "no_checker_emails",
    "rs_init_notifies",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "bfd_priority",
    "bfd_no_swap",
    "bfd_rt_priority",
    "bfd_cpu_affinity",
    "bfd_rlimit_rttime",
    "bfd_rlimit_rtime",
    "bfd_process_name",
];

/// Other global_defs keywords keepalived knows: accepted without effect.
pub const GLOBAL_ACCEPTED: &[&str] = &[
    "process_names",
    "process_name",
    "vrrp_process_name",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "no_email_faults",
    "default_interface",
    "vrrp_iptables",
    "vrrp_ipsets",
    "nftables",
    "nftables_priority",
    "nftables_ifindex",
    "nftables_counters",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "umask",
    "random_seed",
    "reload_check_config",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "include_check",
    "config_save_dir",
    "tmp_config_directory",
];

/// global_defs keywords of later keepalived versions (2.3+) that 2.2.7
/// does not know: accepted without effect, with a warning saying so.
pub const GLOBAL_NEWER: &[&str] = &[
    "script_timeout",
    "set_supplementary_groups",
    "vrrp_delay_after_boot",
    "timer_expired_backup",
    "thread_timer_expired",
    "state_file_location",
    "stats_file_location",
    "json_file_location",
    "json_version",
    "vrrp_tracking_weight",
];

/// vrrp_instance keywords (keepalived 2.2.7, plus `no_virtual_ipaddress`
/// from later versions).
pub const INSTANCE: &[&str] = &[
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "use_ipvlan",
    "unicast_peer",
    "unicast_fault_no_peer",
    "check_unicast_src",
    "old_unicast_checksum",
    "native_ipv6",
    "state",
    "interface",
    "vrf",
    "dont_track_primary",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "track_src_ip",
    "virtual_router_id",
    "unicast_ttl",
    "version",
    "priority",
    "advert_int",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "no_virtual_ipaddress",
    "promote_secondaries",
    "linkbeat_use_polling",
    "virtual_routes",
    "virtual_rules",
    "accept",
    "no_accept",
    "skip_check_adv_addr",
    "strict_mode",
    "preempt",
    "nopreempt",
    "preempt_delay",
    "debug",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify",
    "notify_master_rx_lower_pri",
    "smtp_alert",
    "notify_priority_changes",
    "lvs_sync_daemon_interface",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_repeat",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "down_timer_adverts",
    "garp_extra_if",
    "vmac_garp_intvl",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "kernel_rx_buf_size",
    "authentication",
];

/// authentication { } keywords.
pub const AUTH: &[&str] = &["auth_type", "auth_pass"];

/// vrrp_script { } keywords.
pub const SCRIPT: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// vrrp_track_process { } keywords.
pub const TRACK_PROCESS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "terminate_delay",
    "fork_delay",
    "full_command",
];

/// track_file { } keywords.
pub const TRACK_FILE: &[&str] = &["file", "weight", "init_file"];

/// vrrp_sync_group { } keywords.
pub const SYNC_GROUP: &[&str] = &[
    "group",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify",
    "smtp_alert",
    "global_tracking",
    "sync_group_tracking_weight",
    "notify_priority_changes",
];

/// Every top-level keyword keepalived's VRRP process knows.
pub fn all_top_level() -> Vec<&'static str> {
    TOP_LEVEL
        .iter()
        .copied()
        .chain(TOP_LEVEL_ACCEPTED.iter().map(|(k, _)| *k))
        .chain(OTHER_PARTS.iter().copied())
        .collect()
}

/// Every global_defs keyword keepalived knows.
pub fn all_global() -> Vec<&'static str> {
    GLOBAL_USED
        .iter()
        .chain(GLOBAL_OTHER_PARTS)
        .chain(GLOBAL_ACCEPTED)
        .chain(GLOBAL_NEWER)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_duplicates() {
        for list in [
            all_top_level(),
            all_global(),
            INSTANCE.to_vec(),
            SCRIPT.to_vec(),
            TRACK_PROCESS.to_vec(),
            SYNC_GROUP.to_vec(),
        ] {
            let mut v = list.clone();
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), list.len(), "{list:?}");
        }
    }
}
