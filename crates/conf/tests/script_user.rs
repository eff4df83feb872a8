//! The default script user, checked against keepalived 2.2.7: with
//! `enable_script_security` and no `script_user`, scripts run as the user
//! `keepalived_script`, never as root by default. Where that user does not
//! exist keepalived removes every vrrp_script, notify and FIFO script
//! without a user of its own (measured: `Unable to set default user for
//! vrrp script chk - removing`, `(VI_1) track script chk not found,
//! ignoring...`, `Failed to set default user for notify script … -
//! ignoring`), and `keepalived -t` exits 5. keepvip does the same, with
//! warnings that say why and what to do.

use keepvip_conf::{parse_str_for_host, Host, Loaded, Severity};
use keepvip_proto::TrackerKey;

const WITHOUT_USER: Host = Host {
    default_script_user_exists: Some(false),
    interfaces: None,
    script_user_exists: Some(true),
};
const WITH_USER: Host = Host {
    default_script_user_exists: Some(true),
    interfaces: None,
    script_user_exists: Some(true),
};

fn conf(global: &str, script_user_line: &str) -> String {
    format!(
        "global_defs {{\n{global}}}\n\
         vrrp_script chk {{\n    script \"/bin/true\"\n    weight 10\n{script_user_line}}}\n\
         vrrp_script own {{\n    script \"/bin/true\"\n    weight 5\n    user nobody\n}}\n\
         vrrp_instance VI_1 {{\n    interface eth0\n    virtual_router_id 51\n    priority 100\n\
         \x20   track_script {{\n        chk\n        own\n    }}\n\
         \x20   notify_master \"/usr/bin/touch /tmp/m\"\n\
         \x20   notify_backup \"/usr/bin/touch /tmp/b\" nobody\n\
         \x20   virtual_ipaddress {{\n        192.0.2.10/24\n    }}\n}}\n"
    )
}

fn script_trackers(l: &Loaded) -> Vec<String> {
    l.config.router.instances[0]
        .trackers
        .iter()
        .filter_map(|t| match &t.key {
            TrackerKey::Script(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn warnings(l: &Loaded) -> Vec<(u32, String)> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| (d.span.map_or(0, |s| s.line), d.message.clone()))
        .collect()
}

#[test]
fn without_the_default_user_scripts_without_a_user_of_their_own_are_removed() {
    let l = parse_str_for_host(&conf("    enable_script_security\n", ""), &WITHOUT_USER);
    assert_eq!(l.error_count(true), 0, "{:?}", l.diagnostics);
    let names: Vec<&str> = l.config.scripts.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["own"]);
    assert_eq!(script_trackers(&l), ["own"]);
    let notify = &l.config.instances[0].notify;
    assert!(notify.master.is_none(), "{notify:?}");
    assert!(notify.backup.is_some(), "a notify with its own user stays");
    let w = warnings(&l);
    let has = |line: u32, text: &str| w.iter().any(|(l, m)| *l == line && m.contains(text));
    assert!(
        has(
            4,
            "vrrp_script chk is removed: with enable_script_security and no script_user"
        ),
        "{w:?}"
    );
    assert!(
        has(18, "(VI_1) track script chk not found, ignoring..."),
        "{w:?}"
    );
    assert!(
        has(
            21,
            "`Failed to set default user for notify script /usr/bin/touch - ignoring`"
        ),
        "{w:?}"
    );
}

#[test]
fn a_script_user_the_default_user_or_no_script_security_keeps_them() {
    for (global, host) in [
        (
            "    enable_script_security\n    script_user root\n",
            WITHOUT_USER,
        ),
        ("    enable_script_security\n", WITH_USER),
        ("", WITHOUT_USER),
    ] {
        let l = parse_str_for_host(&conf(global, ""), &host);
        assert_eq!(script_trackers(&l), ["chk", "own"], "{global:?} {host:?}");
        assert!(l.config.instances[0].notify.master.is_some());
        assert!(
            warnings(&l).iter().all(|(_, m)| !m.contains("removed")),
            "{:?}",
            warnings(&l)
        );
    }
    // a user on the script's own line
    let l = parse_str_for_host(
        &conf("    enable_script_security\n", "    user nobody\n"),
        &WITHOUT_USER,
    );
    assert_eq!(script_trackers(&l), ["chk", "own"]);
}

/// `script_user` that does not exist: keepalived 2.2.7 reports `Error
/// setting global script uid/gid` (`-t` exits 5) and then removes every
/// script and notify without a user of its own, with or without
/// enable_script_security: a check error, the daemon does the same with a
/// warning, and nothing runs as root instead.
#[test]
fn a_script_user_that_does_not_exist_removes_the_scripts_without_a_user() {
    let host = Host {
        script_user_exists: Some(false),
        ..WITH_USER
    };
    for global in [
        "    script_user nosuchuser\n",
        "    enable_script_security\n    script_user nosuchuser\n",
    ] {
        let l = parse_str_for_host(&conf(global, ""), &host);
        let text = l.render();
        assert!(l.error_count(true) > 0, "{text}");
        assert_eq!(l.error_count(false), 0, "{text}");
        let d = l
            .diagnostics
            .iter()
            .find(|d| d.message.starts_with("Error setting global script uid/gid"))
            .expect("the error");
        assert!(d.fallback, "{text}");
        assert!(
            d.message.contains("the user nosuchuser does not exist"),
            "{text}"
        );
        assert_eq!(script_trackers(&l), ["own"], "{text}");
        assert!(l.config.instances[0].notify.master.is_none());
        assert!(l.config.instances[0].notify.backup.is_some());
        assert!(
            warnings(&l).iter().any(|(_, m)| m
                .contains("vrrp_script chk is removed: the script_user nosuchuser cannot be used")),
            "{text}"
        );
    }
    // looked up on this machine (the test host has root, not this one)
    let l = parse_str_for_host(
        &conf("    script_user keepvip-no-such-user-x\n", ""),
        &Host {
            script_user_exists: None,
            ..WITH_USER
        },
    );
    assert!(l.error_count(true) > 0, "{}", l.render());
    let l = parse_str_for_host(
        &conf("    script_user root keepvip-no-such-group-x\n", ""),
        &Host {
            script_user_exists: None,
            ..WITH_USER
        },
    );
    assert!(
        l.render()
            .contains("the group keepvip-no-such-group-x does not exist"),
        "{}",
        l.render()
    );
    let l = parse_str_for_host(
        &conf("    script_user root root\n", ""),
        &Host {
            script_user_exists: None,
            ..WITH_USER
        },
    );
    assert_eq!(l.error_count(true), 0, "{}", l.render());
}
