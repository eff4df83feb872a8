//! The seed setup (two nginx nodes behind one VIP, a `chk_nginx` health
//! check with weight -20, priorities 100 and 90) rendered as files: one
//! keepalived.conf, nginx.conf and check script per node.

use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// The VIP the demo and the seed tests use.
pub const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 200);
/// The VRID the demo uses (the seed articles' 51).
pub const VRID: u8 = 51;

/// How the health check reacts (the seed articles show each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStyle {
    /// `chk_nginx` with a weight (priority drops by |weight| when nginx is down)
    Weight(i32),
    /// weight 0: FAULT while nginx is down
    Fault,
    /// the seed's nginx_check.sh: try to restart nginx, else stop the daemon
    RestartOrStop,
}

/// One node of the demo.
#[derive(Debug, Clone)]
pub struct Node {
    /// short name, e.g. `r1`; the page says `node r1`
    pub name: String,
    /// primary address on eth0
    pub addr: Ipv4Addr,
    /// VRRP priority
    pub priority: u8,
    /// `state MASTER|BACKUP`
    pub master_hint: bool,
    /// directory for this node's files (configs, pid files, logs)
    pub dir: PathBuf,
}

/// Options shared by both nodes.
#[derive(Debug, Clone)]
pub struct Options {
    /// 2 or 3
    pub version: u8,
    /// advert_int in seconds (v3 may be fractional)
    pub advert_int: f64,
    /// `nopreempt` on both nodes
    pub nopreempt: bool,
    /// health-check behaviour
    pub check: CheckStyle,
    /// check interval in seconds
    pub check_interval: f64,
    /// notify script (gets keepalived's generic notify arguments)
    pub notify: Option<PathBuf>,
    /// notify FIFO path
    pub fifo: Option<PathBuf>,
    /// unicast instead of multicast
    pub unicast_peer: Option<Ipv4Addr>,
    /// global_defs `vrrp_rt_priority` (None: the normal policy)
    pub rt_priority: Option<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            version: 3,
            advert_int: 0.1,
            nopreempt: false,
            check: CheckStyle::Weight(-20),
            check_interval: 0.2,
            notify: None,
            fifo: None,
            unicast_peer: None,
            rt_priority: None,
        }
    }
}

impl Node {
    /// nginx pid file
    pub fn nginx_pid(&self) -> PathBuf {
        self.dir.join("nginx.pid")
    }
    /// nginx configuration file
    pub fn nginx_conf(&self) -> PathBuf {
        self.dir.join("nginx.conf")
    }
    /// keepalived.conf for this node
    pub fn vrrp_conf(&self) -> PathBuf {
        self.dir.join("keepalived.conf")
    }
    /// the health-check script
    pub fn check_script(&self) -> PathBuf {
        self.dir.join("chk_nginx.sh")
    }
    /// the daemon's pid file
    pub fn daemon_pid(&self) -> PathBuf {
        self.dir.join("keepvip.pid")
    }
    /// the daemon's control socket
    pub fn control_socket(&self) -> PathBuf {
        self.dir.join("keepvip.sock")
    }
}

/// nginx.conf serving `node NAME` on port 80, everything under the node's dir.
pub fn nginx_conf(node: &Node) -> String {
    let d = node.dir.display();
    format!(
        "worker_processes 1;\n\
         daemon on;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/nginx-error.log;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n\
         \x20   access_log off;\n\
         \x20   client_body_temp_path {d}/tmp-body;\n\
         \x20   proxy_temp_path {d}/tmp-proxy;\n\
         \x20   fastcgi_temp_path {d}/tmp-fastcgi;\n\
         \x20   uwsgi_temp_path {d}/tmp-uwsgi;\n\
         \x20   scgi_temp_path {d}/tmp-scgi;\n\
         \x20   server {{\n\
         \x20       listen 80;\n\
         \x20       default_type text/plain;\n\
         \x20       location / {{ return 200 \"node {name}\\n\"; }}\n\
         \x20   }}\n\
         }}\n",
        name = node.name
    )
}

/// The health check. Namespaces share one PID space, so `pidof nginx` would
/// see the other node's nginx: check this node's own pid file instead. It
/// is read once: nginx removes it as it stops, and a `[ -f ]` before a
/// `cat` could see it while the `cat` does not (then `kill -0 ""` exits 2,
/// not 1).
pub fn check_script(node: &Node, opts: &Options, keepvip_pid_file: &Path) -> String {
    let pid = node.nginx_pid();
    let alive = format!(
        "p=$(cat {} 2>/dev/null) && [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null",
        pid.display()
    );
    match opts.check {
        CheckStyle::Weight(_) | CheckStyle::Fault => format!(
            "#!/bin/sh\n# chk_nginx: is this node's nginx alive?\n{alive}\n"
        ),
        CheckStyle::RestartOrStop => format!(
            "#!/bin/sh\n# the seed articles' nginx_check.sh: restart nginx, else stop the VRRP daemon\n\
             if ! {{ {alive}; }}; then\n\
             \x20   nginx -c {conf} 2>/dev/null\n\
             \x20   sleep 0.2\n\
             \x20   if ! {{ {alive}; }}; then\n\
             \x20       kill \"$(cat {kv})\"\n\
             \x20       exit 1\n\
             \x20   fi\n\
             fi\n\
             exit 0\n",
            conf = node.nginx_conf().display(),
            kv = keepvip_pid_file.display()
        ),
    }
}

/// keepalived.conf for one node, in the seed articles' shape.
pub fn vrrp_conf(node: &Node, opts: &Options) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "! keepvip lab: node {}", node.name);
    let rt = opts
        .rt_priority
        .map_or(String::new(), |p| format!("    vrrp_rt_priority {p}\n"));
    let _ = writeln!(
        s,
        "global_defs {{\n    router_id {}\n    enable_script_security\n    script_user root\n{rt}}}\n",
        node.name
    );
    let weight = match opts.check {
        CheckStyle::Weight(w) => w,
        CheckStyle::Fault | CheckStyle::RestartOrStop => 0,
    };
    let _ = writeln!(
        s,
        "vrrp_script chk_nginx {{\n    script \"{}\"\n    interval {}\n    timeout 1\n    weight {}\n    fall 1\n    rise 1\n}}\n",
        node.check_script().display(),
        opts.check_interval,
        weight
    );
    let _ = writeln!(s, "vrrp_instance VI_1 {{");
    let _ = writeln!(
        s,
        "    state {}",
        if node.master_hint { "MASTER" } else { "BACKUP" }
    );
    let _ = writeln!(s, "    interface eth0");
    let _ = writeln!(s, "    virtual_router_id {VRID}");
    let _ = writeln!(s, "    priority {}", node.priority);
    let _ = writeln!(s, "    advert_int {}", opts.advert_int);
    let _ = writeln!(s, "    version {}", opts.version);
    if opts.nopreempt {
        let _ = writeln!(s, "    nopreempt");
    }
    if let Some(peer) = opts.unicast_peer {
        let _ = writeln!(
            s,
            "    unicast_src_ip {}\n    unicast_peer {{\n        {peer}\n    }}",
            node.addr
        );
    }
    let _ = writeln!(
        s,
        "    virtual_ipaddress {{\n        {VIP}/24 dev eth0 label eth0:vip\n    }}"
    );
    let _ = writeln!(s, "    track_script {{\n        chk_nginx\n    }}");
    if let Some(n) = &opts.notify {
        let _ = writeln!(s, "    notify \"{}\"", n.display());
    }
    let _ = writeln!(s, "}}");
    if let Some(f) = &opts.fifo {
        s = s.replacen(
            "    script_user root\n",
            &format!(
                "    script_user root\n    vrrp_notify_fifo {}\n",
                f.display()
            ),
            1,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> Node {
        Node {
            name: "r1".into(),
            addr: Ipv4Addr::new(192, 0, 2, 11),
            priority: 100,
            master_hint: true,
            dir: PathBuf::from("/run/kvlab/r1"),
        }
    }

    #[test]
    fn seed_conf_shape() {
        let c = vrrp_conf(&node(), &Options::default());
        assert!(c.contains("weight -20"), "{c}");
        assert!(c.contains("virtual_router_id 51"));
        assert!(c.contains("192.0.2.200/24 dev eth0 label eth0:vip"));
        assert!(c.contains("state MASTER"));
        let c = vrrp_conf(
            &node(),
            &Options {
                fifo: Some("/run/f".into()),
                ..Options::default()
            },
        );
        assert!(c.contains("vrrp_notify_fifo /run/f"), "{c}");
    }

    #[test]
    fn nginx_conf_serves_the_node_name() {
        let c = nginx_conf(&node());
        assert!(c.contains("return 200 \"node r1\\n\""), "{c}");
        assert!(c.contains("pid /run/kvlab/r1/nginx.pid;"));
    }
}
