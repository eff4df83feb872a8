//! The keepalived command line as a user types it (no root needed).

use std::process::Command;

const KEEPVIP: &str = env!("CARGO_BIN_EXE_keepvip");

#[test]
fn config_test_writes_to_stderr_or_appends_to_the_named_file() {
    let dir = std::env::temp_dir().join(format!("keepvip-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.conf");
    std::fs::write(
        &bad,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 300\n}\n",
    )
    .unwrap();
    let good = dir.join("good.conf");
    std::fs::write(
        &good,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n",
    )
    .unwrap();
    let run = |args: &[&str]| Command::new(KEEPVIP).args(args).output().unwrap();

    let out = run(&["-t", "-f", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.conf:3"), "{stderr}");

    let report = dir.join("report.log");
    let flag = format!("--config-test={}", report.display());
    for _ in 0..2 {
        let out = run(&[&flag, "-f", bad.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(5));
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        text.matches("bad.conf:3").count(),
        2,
        "appended twice:\n{text}"
    );

    let out = run(&[&flag, "-f", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    // a report file that cannot be opened: keepalived's message, exit 1
    let out = run(&[
        "--config-test=/nonexistent-dir/x.log",
        "-f",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("Unable to open config-test log file /nonexistent-dir/x.log"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A value keepalived runs with a fallback (here `priority 300`, which it
/// replaces with 100): `-t` exits 5 as keepalived's does, the message says
/// what the daemon uses instead, and the run-time model holds it.
#[test]
fn config_test_fails_on_a_fallback_value_the_daemon_runs_with() {
    let dir = std::env::temp_dir().join(format!("keepvip-cli-fb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("fb.conf");
    std::fs::write(
        &conf,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 300\n    virtual_ipaddress {\n        192.0.2.10/24\n    }\n}\n",
    )
    .unwrap();
    let out = Command::new(KEEPVIP)
        .args(["-t", "-f", conf.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fb.conf:4:14: error:") && stderr.contains("using 100, as keepalived does"),
        "{stderr}"
    );
    // what the daemon reads at start: no error, keepalived's fallback
    let l = keepvip_conf::load(&conf, &keepvip_conf::LoadOptions::default()).unwrap();
    assert_eq!(l.error_count(false), 0, "{}", l.render());
    assert!(l.reload_error_count() > 0);
    assert_eq!(l.config.router.instances[0].priority, 100);
    assert!(l.render().contains("warning: "), "{}", l.render());
    std::fs::remove_dir_all(&dir).unwrap();
}
