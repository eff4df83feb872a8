//! net_namespace, instance, use_pid_dir and data_use_instance: read into
//! the daemon's process naming, with keepalived's warnings.

use keepvip_conf::{parse_str, Severity};

const INSTANCE: &str = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n";

fn warnings(text: &str) -> Vec<String> {
    parse_str(text)
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn namespace_and_instance_are_read_without_warnings() {
    let text = format!(
        "net_namespace blue\ninstance web\nglobal_defs {{\n    data_use_instance\n}}\n{INSTANCE}"
    );
    let l = parse_str(&text);
    assert!(warnings(&text).is_empty(), "{:?}", l.diagnostics);
    let n = &l.config.global.naming;
    assert_eq!(n.net_namespace.as_deref(), Some("blue"));
    assert_eq!(n.instance.as_deref(), Some("web"));
    assert!(n.use_pid_dir && n.data_use_instance);
}

#[test]
fn none_of_them_is_the_default() {
    let l = parse_str(INSTANCE);
    let n = &l.config.global.naming;
    assert_eq!(
        (n.net_namespace.as_ref(), n.instance.as_ref()),
        (None, None)
    );
    assert!(!n.use_pid_dir && !n.data_use_instance);
    let l = parse_str(&format!(
        "use_pid_dir\nglobal_defs {{\n    data_use_instance false\n}}\n{INSTANCE}"
    ));
    assert!(l.config.global.naming.use_pid_dir);
    assert!(!l.config.global.naming.data_use_instance);
}

#[test]
fn duplicates_and_missing_names_warn_as_keepalived_and_the_first_stays() {
    let text = format!("net_namespace blue\nnet_namespace red\ninstance\n{INSTANCE}");
    assert_eq!(
        warnings(&text),
        vec![
            "Duplicate net_namespace definition red - ignoring",
            "instance name missing - ignoring"
        ]
    );
    let l = parse_str(&text);
    assert_eq!(
        l.config.global.naming.net_namespace.as_deref(),
        Some("blue")
    );
    assert_eq!(l.config.global.naming.instance, None);
}
