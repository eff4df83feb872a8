//! The preprocessor with real files: includes (globs, `{a,b}`, relative
//! to the including file, nested, missing), `@ID` / `@^ID`, definitions
//! that span files and lines, `~SEQ`, and diagnostics that name the
//! included file.

use std::path::{Path, PathBuf};

use keepvip_conf::{load, load_for_check, LoadOptions, Loaded};

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("kvconf-pp-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn check(p: &Path, id: &str) -> Loaded {
    load_for_check(
        p,
        &LoadOptions {
            config_id: Some(id.into()),
            ..Default::default()
        },
    )
    .unwrap()
}

fn instance(name: &str, vrid: u8, vip: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    interface eth0\n    virtual_router_id {vrid}\n    virtual_ipaddress {{\n        {vip}\n    }}\n}}\n"
    )
}

fn names(l: &Loaded) -> Vec<String> {
    l.config
        .router
        .instances
        .iter()
        .map(|i| i.name.clone())
        .collect()
}

#[test]
fn include_glob_in_a_subdirectory_sorted() {
    let t = TempDir::new("glob");
    t.write("conf.d/20-b.conf", &instance("VI_B", 2, "192.0.2.2"));
    t.write("conf.d/10-a.conf", &instance("VI_A", 1, "192.0.2.1"));
    t.write("conf.d/README", "not a config\n");
    let main = t.write("keepalived.conf", "include conf.d/*.conf\n");
    let l = check(&main, "lb1");
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert_eq!(names(&l), vec!["VI_A", "VI_B"]);
}

#[test]
fn relative_includes_follow_the_including_file() {
    let t = TempDir::new("rel");
    t.write("sub/inner/leaf.conf", &instance("VI_LEAF", 3, "192.0.2.3"));
    t.write("sub/mid.conf", "include inner/leaf.conf\n");
    t.write("sub/{x}.conf", "");
    let main = t.write("main.conf", "include sub/mid.conf\n");
    let l = check(&main, "lb1");
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert_eq!(names(&l), vec!["VI_LEAF"]);
}

#[test]
fn brace_alternatives() {
    let t = TempDir::new("brace");
    t.write("a.conf", &instance("VI_A", 1, "192.0.2.1"));
    t.write("b.conf", &instance("VI_B", 2, "192.0.2.2"));
    t.write("c.conf", &instance("VI_C", 3, "192.0.2.3"));
    let main = t.write("main.conf", "include {c,a}.conf\n");
    let l = check(&main, "lb1");
    assert_eq!(names(&l), vec!["VI_C", "VI_A"]);
}

#[test]
fn missing_includes_warn_and_includem_fails() {
    let t = TempDir::new("missing");
    let main = t.write(
        "main.conf",
        &format!(
            "include nothere.conf\ninclude none/*.conf\n{}",
            instance("VI_1", 1, "192.0.2.1")
        ),
    );
    let l = check(&main, "lb1");
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    let r = l.render();
    assert!(
        r.contains("main.conf:1:9: warning: include nothere.conf: no such file"),
        "{r}"
    );
    assert!(
        r.contains("main.conf:2:9: warning: include none/*.conf: no file matches"),
        "{r}"
    );
    let strict = t.write(
        "strict.conf",
        &format!(
            "includem nothere.conf\n{}",
            instance("VI_1", 1, "192.0.2.1")
        ),
    );
    assert_eq!(check(&strict, "lb1").error_count(true), 1);
}

#[test]
fn executable_files_and_directories_are_skipped() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new("exec");
    let x = t.write("d/x.conf", &instance("VI_X", 9, "192.0.2.9"));
    std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::create_dir_all(t.0.join("d/dir.conf")).unwrap();
    t.write("d/ok.conf", &instance("VI_OK", 1, "192.0.2.1"));
    let main = t.write("main.conf", "include d/*.conf\n");
    let l = check(&main, "lb1");
    assert_eq!(names(&l), vec!["VI_OK"]);
    assert!(l.render().contains("not a regular non-executable file"));
    assert!(l.render().contains("is a directory"));
}

#[test]
fn diagnostics_name_the_included_file_and_line() {
    let t = TempDir::new("diag");
    t.write(
        "inc/bad.conf",
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priorty 100\n}\n",
    );
    let main = t.write("main.conf", "# main\ninclude inc/bad.conf\n");
    let l = check(&main, "lb1");
    let r = l.render();
    let want = format!(
        "{}:4:5: error: unknown keyword `priorty`",
        t.0.join("inc/bad.conf").display()
    );
    assert!(r.contains(&want), "{r}");
    assert!(r.contains("4 |     priorty 100\n  |     ^^^^^^^"), "{r}");
}

#[test]
fn definitions_cross_files_and_conditionals_pick_the_node() {
    let t = TempDir::new("defs");
    t.write(
        "vars.conf",
        "@lb1 $PRIO=150\n@lb2 $PRIO=100\n@^lb1 $ROLE=BACKUP\n@lb1 $ROLE=MASTER\n$VIPS=192.0.2.10/24 \\\n    192.0.2.11/24\n",
    );
    let main = t.write(
        "main.conf",
        "include vars.conf\nvrrp_instance VI_1 {\n    state $ROLE\n    interface eth0\n    virtual_router_id 51\n    priority $PRIO\n    virtual_ipaddress {\n        $VIPS\n    }\n}\n",
    );
    let a = check(&main, "lb1");
    assert_eq!(a.error_count(true), 0, "{}", a.render());
    let i = &a.config.router.instances[0];
    assert_eq!(i.priority, 150);
    assert_eq!(i.state_hint, keepvip_proto::StateHint::Master);
    assert_eq!(i.vips.len(), 2);
    let b = check(&main, "lb2");
    let i = &b.config.router.instances[0];
    assert_eq!(
        (i.priority, i.state_hint),
        (100, keepvip_proto::StateHint::Backup)
    );
}

#[test]
fn seq_makes_instances_and_errors_point_into_the_seq_line() {
    let t = TempDir::new("seq");
    let main = t.write(
        "main.conf",
        "$I=vrrp_instance VI_${n} { \\\n  interface eth0 \\\n  virtual_router_id ${n} \\\n  virtual_ipaddress { \\\n    192.0.2.${n} \\\n  } \\\n}\n\n~SEQ(n, 1, 4) $I\n~SEQ(n, 300, 300) $I\n",
    );
    let l = check(&main, "lb1");
    assert_eq!(names(&l), vec!["VI_1", "VI_2", "VI_3", "VI_4"]);
    // VRID 300 and the address 192.0.2.300 are reported at the `$I` that produced them
    let bad: Vec<_> = l.diagnostics.iter().filter(|d| d.is_error(true)).collect();
    assert!(!bad.is_empty());
    for d in bad {
        let s = d.span.unwrap();
        assert_eq!((s.line, s.col, s.len), (10, 19, 2), "{d:?}");
    }
}

#[test]
fn run_time_load_reads_the_same() {
    let t = TempDir::new("runtime");
    let main = t.write("main.conf", &instance("VI_1", 1, "192.0.2.1"));
    let l = load(&main, &LoadOptions::default()).unwrap();
    assert!(l.is_ok());
    assert_eq!(names(&l), vec!["VI_1"]);
    assert!(load(&t.0.join("nope.conf"), &LoadOptions::default()).is_err());
}
