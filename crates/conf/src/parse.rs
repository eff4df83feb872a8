//! Statement tree → typed [`Model`]: one function per block, per-keyword
//! syntax checks (numbers and their ranges, addresses, known keywords).
//! Rules that look at several keywords together are in `validate`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use keepvip_proto::{
    Family, RouteAddMode, RouteConfig, RuleAction, RuleConfig, StateHint, UnicastPeer, VipConfig,
};

use crate::diag::{Diagnostic, Span};
use crate::keywords;
use crate::model::{
    Authentication, ExtraIfGarp, Fifo, GarpGroup, Global, InterfaceDelay, Model, NotifyCmd,
    StaticKind, StaticTrack, SyncGroup, TrackEntry, TrackFile, TrackGroup, TrackProcess, UseVmac,
    VrrpInstance, VrrpScript,
};
use crate::tree::{Node, Word};

/// keepalived's largest GARP delay in seconds (UINT_MAX / TIMER_HZ).
const GARP_SECS_MAX: i64 = (u32::MAX / 1_000_000) as i64;
/// keepalived's largest GARP repeat count and refresh (UINT_MAX).
const GARP_REP_MAX: i64 = u32::MAX as i64;

/// Longest interface name (IFNAMSIZ - 1).
const IFNAMSIZ: usize = 15;

/// Build the model from the statement tree.
pub fn build(nodes: &[Node], diags: &mut Vec<Diagnostic>) -> Model {
    let mut p = Parser { diags };
    let mut m = Model::default();
    for n in nodes {
        p.top(n, &mut m);
    }
    m
}

struct Parser<'d> {
    diags: &'d mut Vec<Diagnostic>,
}

/// Join script words back into a command line, quoting words that need it
/// (a quoted argument with blanks stays one argument).
pub fn join_words(words: &[Word]) -> String {
    // one (usually quoted) word is the whole command line
    if let [one] = words {
        return one.text.clone();
    }
    words
        .iter()
        .map(|w| {
            let t = &w.text;
            if t.is_empty() || t.contains(char::is_whitespace) {
                format!("'{}'", t.replace('\'', "'\\''"))
            } else {
                t.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Parser<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(span), msg));
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(Some(span), msg));
    }

    /// An invalid value keepalived reports and runs with `instead`.
    fn fallback(&mut self, span: Span, msg: impl Into<String>, instead: &str) {
        self.diags
            .push(Diagnostic::fallback(Some(span), msg, instead));
    }

    /// Read `n` with `f`; the errors it reports about a value that is
    /// there become fallback ones: keepalived reports them and runs with
    /// `instead` (a missing value stays an error).
    fn fb<T>(&mut self, n: &Node, instead: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.diags.len();
        let r = f(self);
        if !n.args.is_empty() {
            for d in &mut self.diags[before..] {
                if d.severity == crate::diag::Severity::Error {
                    d.mark_fallback(instead);
                }
            }
        }
        r
    }

    /// [`Parser::fb`] for an item of a block (a VIP, a route, a peer),
    /// whose errors all become fallback ones.
    fn fb_item<T>(&mut self, instead: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let before = self.diags.len();
        let r = f(self);
        for d in &mut self.diags[before..] {
            if d.severity == crate::diag::Severity::Error {
                d.mark_fallback(instead);
            }
        }
        r
    }

    /// keepalived's `garp_master_repeat` and the like: 0..=`max`, 0 made 1
    /// (`must be greater than 0, setting to 1`), an invalid value ignored.
    fn garp_repeat(&mut self, n: &Node, max: i64, zero_is_one: bool) -> Option<u32> {
        let v = self.fb(n, "ignored", |p| p.num(n, 0, 0, max))?;
        if v == 0 && zero_is_one {
            self.fallback(
                n.arg_span(0),
                format!("{} must be greater than 0", n.key.text),
                "setting to 1",
            );
            return Some(1);
        }
        Some(v as u32)
    }

    /// keepalived's GARP delays: whole seconds, 0..=4294 (UINT_MAX µs).
    fn garp_secs(&mut self, n: &Node) -> Option<Duration> {
        self.fb(n, "ignored", |p| p.num(n, 0, 0, GARP_SECS_MAX))
            .map(|v| Duration::from_secs(v as u64))
    }

    fn unknown(&mut self, w: &Word, known: &[&str], context: &str) {
        self.diags
            .push(Diagnostic::unknown_keyword(w.span, &w.text, context, known));
    }

    /// `use_vmac [NAME] [MAC]`, either order (a MAC has colons, a name
    /// cannot), as keepalived reads it.
    fn use_vmac(&mut self, n: &Node) -> UseVmac {
        let mut v = UseVmac::default();
        for (k, w) in n.args.iter().enumerate().take(2) {
            if w.text.contains(':') {
                match parse_mac(&w.text) {
                    Some(m) if m[0] & 1 != 0 => self.err(
                        n.arg_span(k),
                        format!("VMAC MAC address {} is multicast", w.text),
                    ),
                    Some(m) if m[..4] == [0, 0, 0x5e, 0] && matches!(m[4], 1 | 2) => self.err(
                        n.arg_span(k),
                        format!(
                            "VMAC MAC address {} is an RFC 5798 address: leave it out and keepvip uses 00:00:5e:00:01:VRID",
                            w.text
                        ),
                    ),
                    Some(m) => v.mac = Some(m),
                    None => self.err(
                        n.arg_span(k),
                        format!("VMAC invalid MAC address {}", w.text),
                    ),
                }
            } else if w.text.len() > 15
                || w.text.is_empty()
                || w.text.contains(|c: char| c == '/' || c.is_whitespace())
            {
                self.err(
                    n.arg_span(k),
                    format!(
                        "VMAC interface name `{}` is too long or has invalid characters",
                        w.text
                    ),
                );
            } else {
                v.name = Some(w.text.clone());
            }
        }
        v
    }

    fn not_acted_on(&mut self, n: &Node, why: &str) {
        self.warn(
            n.key.span,
            format!(
                "`{}` is parsed but not acted on by keepvip yet ({why})",
                n.key.text
            ),
        );
    }

    /// The block of a keyword that needs one.
    fn block<'n>(&mut self, n: &'n Node) -> &'n [Node] {
        if n.block.is_none() {
            self.err(
                n.key.span,
                format!("`{}` needs a block: `{} {{ ... }}`", n.key.text, n.key.text),
            );
        }
        n.children()
    }

    /// A keyword that takes no block.
    fn no_block(&mut self, n: &Node) {
        if let Some(open) = n.open {
            self.err(
                open,
                format!("`{}` does not take a `{{ }}` block", n.key.text),
            );
        }
    }

    fn arg<'n>(&mut self, n: &'n Node, i: usize) -> Option<&'n Word> {
        let a = n.args.get(i);
        if a.is_none() {
            let what = if i == 0 {
                format!("`{}` needs a value", n.key.text)
            } else {
                format!("`{}` needs more values", n.key.text)
            };
            self.err(
                n.key.span.to(n.arg_span(n.args.len().saturating_sub(1))),
                what,
            );
        }
        a
    }

    fn num(&mut self, n: &Node, i: usize, min: i64, max: i64) -> Option<i64> {
        let w = self.arg(n, i)?;
        match parse_int(&w.text) {
            None => {
                self.err(w.span, format!("`{}` is not a whole number", w.text));
                None
            }
            Some(v) if (min..=max).contains(&v) => Some(v),
            Some(v) => {
                self.err(
                    w.span,
                    format!("{} {v} is outside the range {min}..={max}", n.key.text),
                );
                None
            }
        }
    }

    /// `[all] SECONDS` of `garp_extra_if` (SECONDS from `min`, keepalived's
    /// 0 per instance and 1 in global_defs, up to a day); the old spelling
    /// warns.
    fn extra_if(&mut self, n: &Node, min: i64) -> Option<ExtraIfGarp> {
        if let Some(new) = match n.key.text.as_str() {
            "vmac_garp_intvl" => Some("garp_extra_if"),
            "vrrp_vmac_garp_intvl" => Some("vrrp_garp_extra_if"),
            _ => None,
        } {
            self.warn(
                n.key.span,
                format!("`{}` is deprecated: write `{new}`", n.key.text),
            );
        }
        let mut out = ExtraIfGarp::default();
        let mut every = None;
        for (k, w) in n.args.iter().enumerate() {
            if w.text == "all" {
                out.all = true;
            } else {
                every = Some(self.num(n, k, min, 86_400)? as u32);
            }
        }
        let Some(every) = every else {
            self.err(n.key.span, format!("{} specified without time", n.key.text));
            return None;
        };
        out.every = every;
        Some(out)
    }

    /// `0 2-3 …`: CPU numbers and ranges (vrrp_cpu_affinity).
    fn cpu_list(&mut self, n: &Node) -> Vec<usize> {
        let mut cpus = Vec::new();
        for w in &n.args {
            let range = match w.text.split_once('-') {
                Some((a, b)) => a.parse::<usize>().ok().zip(b.parse::<usize>().ok()),
                None => w.text.parse::<usize>().ok().map(|c| (c, c)),
            };
            match range {
                Some((a, b)) if a <= b && b < 1024 => cpus.extend(a..=b),
                _ => self.err(
                    w.span,
                    format!(
                        "`{}` is not a CPU number or range (such as 0 or 2-3)",
                        w.text
                    ),
                ),
            }
        }
        if n.args.is_empty() {
            self.err(n.key.span, "vrrp_cpu_affinity needs at least one CPU");
        }
        cpus.sort_unstable();
        cpus.dedup();
        cpus
    }

    fn float(&mut self, n: &Node, i: usize, min: f64, max: f64) -> Option<f64> {
        let w = self.arg(n, i)?;
        match parse_decimal(&w.text) {
            Some(v) if v >= min && v <= max => Some(v),
            Some(_) => {
                self.err(
                    w.span,
                    format!(
                        "{} {} is outside the range {min}..={max}",
                        n.key.text, w.text
                    ),
                );
                None
            }
            None => {
                self.err(w.span, format!("`{}` is not a number", w.text));
                None
            }
        }
    }

    fn secs(&mut self, n: &Node, i: usize, min: f64, max: f64) -> Option<Duration> {
        self.float(n, i, min, max).map(Duration::from_secs_f64)
    }

    /// keepalived's optional `true|on|yes|false|off|no` (absent: true).
    fn flag(&mut self, n: &Node) -> Option<bool> {
        match n.args.first().map(|w| w.text.as_str()) {
            None | Some("true" | "on" | "yes") => Some(true),
            Some("false" | "off" | "no") => Some(false),
            Some(other) => {
                // keepalived: `invalid … specified`, and goes on without it
                self.fallback(
                    n.arg_span(0),
                    format!(
                        "invalid {} `{other}` (true/on/yes or false/off/no)",
                        n.key.text
                    ),
                    "ignored",
                );
                None
            }
        }
    }

    fn ip(&mut self, w: &Word) -> Option<IpAddr> {
        match parse_ip(&w.text) {
            Some(a) => Some(a),
            None => {
                self.err(w.span, format!("`{}` is not an IP address", w.text));
                None
            }
        }
    }

    fn name(&mut self, n: &Node) -> Option<String> {
        match n.args.first() {
            Some(w) => Some(w.text.clone()),
            None => {
                self.err(n.key.span, format!("`{}` needs a name", n.key.text));
                None
            }
        }
    }

    fn notify_cmd(&mut self, n: &Node) -> Option<NotifyCmd> {
        self.no_block(n);
        let cmd = self.arg(n, 0)?.text.clone();
        if n.args.len() > 3 {
            self.diags.push(
                Diagnostic::warning(
                    Some(n.arg_span(3)),
                    format!("`{}`: words after the user and group are ignored", n.key.text),
                )
                .with_help("quote the command with its arguments: notify_master \"/path/script arg1 arg2\""),
            );
        }
        let user = n.args.get(1).map(|w| w.text.clone());
        Some(NotifyCmd {
            command: cmd,
            user,
            group: n.args.get(2).map(|w| w.text.clone()),
        })
    }

    fn set_notify(&mut self, slot: &mut Option<NotifyCmd>, n: &Node, owner: &str) {
        if slot.is_some() {
            self.fallback(
                n.key.span,
                format!("({owner}) {} already specified", n.key.text),
                "ignoring this one",
            );
            return;
        }
        *slot = self.notify_cmd(n);
    }

    fn top(&mut self, n: &Node, m: &mut Model) {
        let k = n.key.text.as_str();
        match k {
            "global_defs" => {
                let children = self.block(n);
                self.global_defs(children, &mut m.global);
            }
            "vrrp_script" => {
                if let Some(s) = self.script(n) {
                    if m.scripts.iter().any(|o| o.name == s.name) {
                        self.err(
                            n.arg_span(0),
                            format!("vrrp_script {} is defined twice", s.name),
                        );
                    } else {
                        m.tracker_spans
                            .insert(format!("script:{}", s.name), n.arg_span(0));
                        if let Some(c) = n.children().iter().find(|c| c.key.text == "script") {
                            m.tracker_spans
                                .insert(format!("script-command:{}", s.name), c.arg_span(0));
                        }
                        m.scripts.push(s);
                    }
                }
            }
            "track_file" | "vrrp_track_file" => {
                if k == "vrrp_track_file" {
                    self.warn(
                        n.key.span,
                        "`vrrp_track_file` is deprecated: write `track_file`",
                    );
                }
                if let Some(f) = self.track_file(n) {
                    if m.track_files.iter().any(|o| o.name == f.name) {
                        self.err(
                            n.arg_span(0),
                            format!("track_file {} is defined twice", f.name),
                        );
                    } else {
                        m.tracker_spans
                            .insert(format!("file:{}", f.name), n.arg_span(0));
                        m.track_files.push(f);
                    }
                }
            }
            "vrrp_track_process" => {
                if let Some(p) = self.track_process(n) {
                    if m.track_processes.iter().any(|o| o.name == p.name) {
                        self.err(
                            n.arg_span(0),
                            format!("vrrp_track_process {} is defined twice", p.name),
                        );
                    } else {
                        m.tracker_spans
                            .insert(format!("process:{}", p.name), n.arg_span(0));
                        m.track_processes.push(p);
                    }
                }
            }
            "vrrp_instance" => {
                if let Some(i) = self.instance(n) {
                    self.push_named(
                        n,
                        &mut m.instances,
                        i,
                        |i| &i.name,
                        |x| format!("vrrp instance {x} is defined twice"),
                    );
                }
            }
            "vrrp_sync_group" => {
                if let Some(g) = self.sync_group(n) {
                    self.push_named(
                        n,
                        &mut m.sync_groups,
                        g,
                        |g| &g.name,
                        |x| format!("vrrp sync group {x} is defined twice"),
                    );
                }
            }
            "track_group" => {
                if let Some(g) = self.track_group(n) {
                    self.push_named(
                        n,
                        &mut m.track_groups,
                        g,
                        |g| &g.name,
                        |x| format!("track_group {x} already defined"),
                    );
                }
            }
            "static_ipaddress" => {
                for c in self.block(n) {
                    if let Some(v) = self.vip(c) {
                        // before the push: the entry's index is the length
                        self.static_track(c, StaticKind::Address, m);
                        if v.dev.is_none() {
                            self.err(
                                c.key.span,
                                format!("static address {} needs `dev IF`", v.addr),
                            );
                        }
                        m.static_ipaddress.push(v);
                    }
                }
            }
            "static_routes" => {
                for c in self.block(n) {
                    if let Some(r) = self.route(c) {
                        // before the push: the entry's index is the length
                        self.static_track(c, StaticKind::Route, m);
                        m.static_routes.push(r);
                    }
                }
            }
            "static_rules" => {
                for c in self.block(n) {
                    if let Some(r) = self.rule(c) {
                        // before the push: the entry's index is the length
                        self.static_track(c, StaticKind::Rule, m);
                        m.static_rules.push(r);
                    }
                }
            }
            "net_namespace" | "instance" => {
                self.no_block(n);
                let slot = if k == "net_namespace" {
                    &mut m.global.net_namespace
                } else {
                    &mut m.global.instance
                };
                match (n.args.first(), slot.is_some()) {
                    // keepalived's words, and it goes on without the line
                    (None, _) => self.warn(n.key.span, format!("{k} name missing - ignoring")),
                    (Some(w), true) => {
                        self.warn(
                            n.arg_span(0),
                            format!("Duplicate {k} definition {} - ignoring", w.text),
                        );
                    }
                    (Some(w), false) => {
                        *slot = Some(w.text.clone());
                        m.global.use_pid_dir = true;
                    }
                }
            }
            "use_pid_dir" => {
                self.no_block(n);
                m.global.use_pid_dir = true;
            }
            "interface_up_down_delays" => {
                for c in self.block(n) {
                    // the interface is the line's keyword, the delays its words
                    let Some(down) = self.secs(c, 0, 0.0, 255.0) else {
                        continue;
                    };
                    let up = if c.args.len() > 1 {
                        self.secs(c, 1, 0.0, 255.0).unwrap_or(down)
                    } else {
                        down
                    };
                    m.interface_delays.push(InterfaceDelay {
                        interface: c.key.text.clone(),
                        down,
                        up,
                        span: c.key.span,
                    });
                }
            }
            "garp_group" => {
                if let Some(g) = self.garp_group(n, &m.garp_groups) {
                    m.garp_groups.push(g);
                }
            }
            _ => {
                if let Some((_, why)) = keywords::TOP_LEVEL_ACCEPTED.iter().find(|(kw, _)| *kw == k)
                {
                    self.warn(
                        n.key.span,
                        format!("`{k}` is accepted but not acted on by keepvip: {why}"),
                    );
                } else if keywords::OTHER_PARTS.contains(&k) {
                    self.warn(
                        n.key.span,
                        format!("keepvip implements the VRRP side only; `{k}` block ignored"),
                    );
                    m.skipped.push(k.to_string());
                } else {
                    self.unknown(&n.key, &keywords::all_top_level(), "the top level");
                }
            }
        }
    }

    /// Add a named block, unless one of that name came before (`twice`
    /// says so, at the name).
    fn push_named<T>(
        &mut self,
        n: &Node,
        list: &mut Vec<T>,
        item: T,
        name: impl Fn(&T) -> &str,
        twice: impl FnOnce(&str) -> String,
    ) {
        if list.iter().any(|o| name(o) == name(&item)) {
            self.err(n.arg_span(0), twice(name(&item)));
        } else {
            list.push(item);
        }
    }

    /// `track_group NAME { group { VI_1 … } }`, with keepalived 2.2.7's
    /// messages.
    fn track_group(&mut self, n: &Node) -> Option<TrackGroup> {
        if n.args.len() != 1 {
            self.err(n.key.span, "track_group must have a name - skipping");
            return None;
        }
        let mut g = TrackGroup {
            name: n.args[0].text.clone(),
            span: n.arg_span(0),
            ..TrackGroup::default()
        };
        let mut seen_group = false;
        for c in self.block(n) {
            if c.key.text != "group" {
                self.unknown(&c.key, &["group"], "track_group");
                continue;
            }
            if seen_group {
                self.err(
                    c.key.span,
                    format!("Group list already specified for sync group {}", g.name),
                );
                continue;
            }
            seen_group = true;
            for w in self
                .block(c)
                .iter()
                .flat_map(|l| std::iter::once(&l.key).chain(l.args.iter()))
            {
                g.members.push(w.text.clone());
                g.member_spans.push(w.span);
            }
            if g.members.is_empty() {
                self.warn(
                    c.key.span,
                    format!("Warning - track group {} has empty group block", g.name),
                );
            }
        }
        Some(g)
    }

    /// `track_group` on an instance's address, route or rule: keepalived
    /// takes it on static ones only (the instance tracks the interfaces of
    /// its own anyway).
    fn track_group_not_here(&mut self, c: &Node) {
        if let Some(w) = c.args.iter().find(|w| w.text == "track_group") {
            self.warn(
                w.span,
                "`track_group` applies to static addresses, routes and rules only: ignored (an instance tracks the interfaces of its own addresses, routes and rules)",
            );
        }
    }

    /// The `track_group G` option of a static address, route or rule (the
    /// line's parser skips it). keepalived reads the group when it reads
    /// the line, so it must be defined above it.
    fn static_track(&mut self, c: &Node, kind: StaticKind, m: &mut Model) {
        let index = match kind {
            StaticKind::Address => m.static_ipaddress.len(),
            StaticKind::Route => m.static_routes.len(),
            StaticKind::Rule => m.static_rules.len(),
        };
        let words: Vec<&Word> = std::iter::once(&c.key).chain(c.args.iter()).collect();
        let mut found = false;
        for k in 0..words.len() {
            if words[k].text != "track_group" {
                continue;
            }
            let Some(w) = words.get(k + 1) else {
                continue; // the line's parser reports the missing value
            };
            if found {
                self.err(w.span, format!("track_group {} is a duplicate", w.text));
                continue;
            }
            found = true;
            if !m.track_groups.iter().any(|g| g.name == w.text) {
                self.err(w.span, format!("track_group {} not found", w.text));
                continue;
            }
            m.static_tracks.push(StaticTrack {
                kind,
                index,
                group: w.text.clone(),
                span: w.span,
            });
        }
    }

    /// `garp_group { garp_interval S; gna_interval S; interface IF;
    /// interfaces { IF… } }`, with keepalived 2.2.7's messages. None when
    /// it sets no interval (keepalived removes it).
    fn garp_group(&mut self, n: &Node, earlier: &[GarpGroup]) -> Option<GarpGroup> {
        let mut g = GarpGroup {
            span: n.key.span,
            ..GarpGroup::default()
        };
        // an interface belongs to one group at most
        let add = |p: &mut Self, g: &mut GarpGroup, w: &Word| {
            let taken = g.interfaces.contains(&w.text)
                || earlier.iter().any(|e| e.interfaces.contains(&w.text));
            if taken {
                p.warn(
                    w.span,
                    format!("garp_group already specified for {} - ignoring", w.text),
                );
            } else {
                g.interfaces.push(w.text.clone());
                g.interface_spans.push(w.span);
            }
        };
        for c in self.block(n) {
            match c.key.text.as_str() {
                k @ ("garp_interval" | "gna_interval") => {
                    self.no_block(c);
                    let Some(w) = self.arg(c, 0) else {
                        continue;
                    };
                    // keepalived: a non-negative decimal with up to 6 places
                    let Some(v) = parse_decimal(&w.text).filter(|v| (0.0..=2_147.0).contains(v))
                    else {
                        self.err(w.span, format!("garp_group {k} '{}' invalid", w.text));
                        continue;
                    };
                    if v >= 1.0 {
                        let what = &k[..k.len() - "_interval".len()];
                        self.warn(
                            w.span,
                            format!("The {what}_interval is very large - {} seconds", w.text),
                        );
                    }
                    let d = Some(Duration::from_secs_f64(v));
                    if k == "garp_interval" {
                        g.garp_interval = d;
                    } else {
                        g.gna_interval = d;
                    }
                }
                "interface" => {
                    self.no_block(c);
                    if let Some(w) = self.arg(c, 0) {
                        add(self, &mut g, w);
                    }
                }
                "interfaces" => {
                    let names: Vec<&Word> = self
                        .block(c)
                        .iter()
                        .flat_map(|l| std::iter::once(&l.key).chain(l.args.iter()))
                        .collect();
                    if names.is_empty() {
                        self.warn(c.key.span, "Warning - empty garp_group interfaces block");
                        continue;
                    }
                    // keepalived numbers the groups that have such a block
                    g.number = 1 + earlier.iter().filter(|e| e.number > 0).count();
                    for w in names {
                        add(self, &mut g, w);
                    }
                }
                _ => self.unknown(&c.key, keywords::GARP_GROUP, "garp_group"),
            }
        }
        if g.garp_interval.is_none() && g.gna_interval.is_none() {
            self.warn(
                n.key.span,
                format!(
                    "garp group {} does not have any delay set - removing",
                    g.number
                ),
            );
            return None;
        }
        Some(g)
    }

    fn fifo(&mut self, c: &Node) -> Option<Fifo> {
        self.no_block(c);
        let w = self.arg(c, 0)?;
        Some(Fifo {
            path: PathBuf::from(&w.text),
            script: None,
            user: c.args.get(1).map(|w| w.text.clone()),
            group: c.args.get(2).map(|w| w.text.clone()),
        })
    }

    /// `notification_email ADDR` (no `{` first): keepalived 2.2.7 reports
    /// `Block notification_email has extra parameters ADDR ...` (parser.c
    /// alloc_value_block), drops ADDR and reads the lines after it, up to
    /// the `}` that closes global_defs, as addresses; that `}` closes only
    /// the email block, so whatever follows global_defs in the file is read
    /// as global_defs keywords (unknown there: the instances after it do
    /// not run). `keepalived -t` exits 5. keepvip keeps ADDR and reads on:
    /// an error for `check`, a warning when the daemon starts.
    fn email_without_block(&mut self, c: &Node, first: &Word, siblings: &[Node]) {
        let eaten: Vec<String> = siblings
            .iter()
            .skip_while(|s| !std::ptr::eq(*s, c))
            .skip(1)
            .map(|s| format!("`{}`", s.key.text))
            .collect();
        let mut note = String::from(
            "keepalived reads the lines after it up to the `}` of global_defs as addresses",
        );
        if !eaten.is_empty() {
            note.push_str(&format!(" ({} among them)", eaten.join(", ")));
        }
        note.push_str(", and the rest of the file after global_defs as global_defs keywords: no instance defined after it runs under keepalived, and `keepalived -t` exits 5");
        let mut d = Diagnostic::fallback(
            Some(first.span),
            format!(
                "`notification_email` takes a block (keepalived: `Block notification_email has extra parameters {} ...`): keepvip takes the address and reads on",
                first.text
            ),
            "",
        )
        .with_help(format!(
            "write `notification_email {{ {} }}`",
            c.args
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        if c.block.is_some() {
            note =
                "keepalived drops the addresses on the keyword's line and `keepalived -t` exits 5"
                    .into();
        }
        d.note = Some(note);
        self.diags.push(d);
    }

    fn global_defs(&mut self, children: &[Node], g: &mut Global) {
        for c in children {
            let k = c.key.text.as_str();
            g.spans.entry(k.to_string()).or_insert(c.key.span);
            if k != "notification_email" && keywords::all_global().contains(&k) {
                self.no_block(c);
            }
            match k {
                "router_id" => match c.args.first() {
                    Some(w) => g.router_id = Some(w.text.clone()),
                    None => self.fallback(c.key.span, "`router_id` needs a value", "ignored"),
                },
                "vmac_prefix" | "vmac_addr_prefix" => {
                    let (slot, what) = if c.key.text == "vmac_prefix" {
                        (&mut g.vmac_prefix, "vmac")
                    } else {
                        (&mut g.vmac_addr_prefix, "vmac_addr")
                    };
                    if let Some(w) = self.arg(c, 0) {
                        if slot.is_some() {
                            self.err(
                                w.span,
                                format!(
                                    "{what} prefix has already been specified - ignoring {}",
                                    w.text
                                ),
                            );
                        } else {
                            *slot = Some(w.text.clone());
                        }
                    }
                }
                "enable_script_security" => g.enable_script_security = true,
                "script_user" => {
                    if let Some(u) = self.arg(c, 0) {
                        g.script_user =
                            Some((u.text.clone(), c.args.get(1).map(|w| w.text.clone())));
                    }
                }
                "notification_email" => {
                    if let Some(first) = c.args.first() {
                        self.email_without_block(c, first, children);
                    }
                    g.notification_email
                        .extend(c.args.iter().map(|w| w.text.clone()));
                    for e in c.children() {
                        g.notification_email.push(e.key.text.clone());
                        g.notification_email
                            .extend(e.args.iter().map(|w| w.text.clone()));
                    }
                }
                "notification_email_from" => {
                    g.notification_email_from = self.arg(c, 0).map(|w| w.text.clone())
                }
                "smtp_server" => {
                    g.smtp_server = self.arg(c, 0).map(|w| w.text.clone());
                    if c.args.len() > 1 {
                        g.smtp_port = self.num(c, 1, 1, 65535).map(|v| v as u16);
                    }
                    self.warn(
                        c.key.span,
                        "`smtp_server`: keepvip does not send email (smtp_alert is ignored)",
                    );
                }
                "smtp_helo_name" => g.smtp_helo_name = self.arg(c, 0).map(|w| w.text.clone()),
                "smtp_connect_timeout" => {
                    g.smtp_connect_timeout = self.num(c, 0, 1, 1_000_000).map(|v| v as u32)
                }
                "smtp_alert" | "smtp_alert_vrrp" => {
                    let v = self.flag(c);
                    if k == "smtp_alert" {
                        g.smtp_alert = v;
                    } else {
                        g.smtp_alert_vrrp = v;
                    }
                    if v == Some(true) {
                        self.warn(c.key.span, format!("`{k}`: keepvip does not send email"));
                    }
                }
                "vrrp_version" => {
                    g.vrrp_version = self
                        .fb(c, "ignored", |p| p.num(c, 0, 2, 3))
                        .map(|v| v as u8)
                }
                "vrrp_strict" => g.vrrp_strict = true,
                "vrrp_skip_check_adv_addr" => {
                    // keepalived's global handler reads no argument: the
                    // option is on whatever follows it
                    if let Some(w) = c.args.first() {
                        self.diags.push(
                            Diagnostic::warning(
                                Some(w.span),
                                format!("vrrp_skip_check_adv_addr takes no argument: `{}` is ignored and the option is on, as keepalived does", w.text),
                            )
                            .with_help("write `vrrp_skip_check_adv_addr` alone, or remove the line to check the addresses"),
                        );
                    }
                    g.vrrp_skip_check_adv_addr = true;
                }
                "vrrp_check_unicast_src" => g.vrrp_check_unicast_src = true,
                "vrrp_garp_master_repeat" => {
                    g.vrrp_garp_master_repeat = self.garp_repeat(c, GARP_REP_MAX, true)
                }
                "vrrp_garp_master_delay" => g.vrrp_garp_master_delay = self.garp_secs(c),
                "vrrp_garp_master_refresh" => {
                    g.vrrp_garp_master_refresh = Some(
                        self.fb(c, "using 0 (no refresh)", |p| p.num(c, 0, 0, GARP_REP_MAX))
                            .map_or(Duration::ZERO, |v| Duration::from_secs(v as u64)),
                    )
                }
                "vrrp_garp_master_refresh_repeat" => {
                    g.vrrp_garp_master_refresh_repeat = self.garp_repeat(c, GARP_REP_MAX, true)
                }
                "vrrp_garp_interval" => g.vrrp_garp_interval = self.secs(c, 0, 0.0, 4_294.0),
                "vrrp_gna_interval" => g.vrrp_gna_interval = self.secs(c, 0, 0.0, 4_294.0),
                "vrrp_garp_lower_prio_repeat" => {
                    g.vrrp_garp_lower_prio_repeat = self.garp_repeat(c, i64::from(i32::MAX), false)
                }
                "vrrp_garp_lower_prio_delay" => g.vrrp_garp_lower_prio_delay = self.garp_secs(c),
                "vrrp_min_garp" => {
                    g.vrrp_min_garp = self.flag(c).unwrap_or(true);
                    if g.vrrp_min_garp {
                        // keepalived: 1 GARP, no second burst
                        g.vrrp_garp_master_repeat.get_or_insert(1);
                        g.vrrp_garp_master_delay.get_or_insert(Duration::ZERO);
                    }
                }
                "vrrp_lower_prio_no_advert" => g.vrrp_lower_prio_no_advert = self.flag(c),
                "vrrp_higher_prio_send_advert" => g.vrrp_higher_prio_send_advert = self.flag(c),
                "vrrp_down_timer_adverts" => {
                    g.vrrp_down_timer_adverts = self
                        .fb(c, "ignored", |p| p.num(c, 0, 1, 100))
                        .map(|v| v as u32)
                }
                "vrrp_mcast_group4" | "vrrp_mcast_group6" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        if let Some(a) = self.fb(c, "skipped", |p| p.ip(&w)) {
                            let v4 = k.ends_with('4');
                            if a.is_ipv4() != v4 || !a.is_multicast() {
                                self.fallback(
                                    w.span,
                                    format!(
                                        "{k} {a} is not an IPv{} multicast address",
                                        if v4 { 4 } else { 6 }
                                    ),
                                    "skipped",
                                );
                            } else if v4 {
                                g.vrrp_mcast_group4 = Some(a);
                            } else {
                                g.vrrp_mcast_group6 = Some(a);
                            }
                        }
                    }
                }
                "vrrp_notify_fifo" => g.vrrp_notify_fifo = self.fifo(c),
                "notify_fifo" => g.notify_fifo = self.fifo(c),
                "vrrp_notify_fifo_script" | "notify_fifo_script" => {
                    let cmd = self.notify_cmd(c);
                    let fifo = if k == "notify_fifo_script" {
                        &mut g.notify_fifo
                    } else {
                        &mut g.vrrp_notify_fifo
                    };
                    match fifo {
                        Some(f) => f.script = cmd,
                        None => self.err(
                            c.key.span,
                            format!(
                                "`{k}` without its FIFO: set `{}` first",
                                k.trim_end_matches("_script")
                            ),
                        ),
                    }
                }
                "vrrp_notify_priority_changes" => {
                    g.vrrp_notify_priority_changes = self.flag(c).unwrap_or(false);
                }
                "fifo_write_vrrp_states_on_reload" => {
                    g.fifo_write_vrrp_states_on_reload = true;
                }
                "max_auto_priority" => {
                    g.max_auto_priority = if c.args.is_empty() {
                        Some(99)
                    } else {
                        self.fb(c, "ignored", |p| p.num(c, 0, -1, 99))
                            .map(|v| v as i32)
                    };
                }
                "min_auto_priority_delay" => {
                    g.min_auto_priority_delay = self.num(c, 0, 1, 10_000_000).map(|v| v as u64)
                }
                "vrrp_priority" => {
                    g.vrrp_priority = self
                        .fb(c, "ignored", |p| p.num(c, 0, -20, 19))
                        .map(|v| v as i32)
                }
                "vrrp_rt_priority" => {
                    // keepalived clamps to SCHED_RR's 1..=99
                    g.vrrp_rt_priority = match c.args.first().and_then(|w| parse_int(&w.text)) {
                        Some(v) if !(1..=99).contains(&v) => {
                            let to = v.clamp(1, 99);
                            self.fallback(
                                c.arg_span(0),
                                format!("vrrp_rt_priority {v} is outside the range 1..=99"),
                                &format!("setting to {to}"),
                            );
                            Some(to as i32)
                        }
                        _ => self
                            .fb(c, "ignored", |p| p.num(c, 0, 1, 99))
                            .map(|v| v as i32),
                    }
                }
                "vrrp_no_swap" => g.vrrp_no_swap = true,
                "vrrp_cpu_affinity" => g.vrrp_cpu_affinity = self.cpu_list(c),
                "vrrp_rlimit_rttime" | "vrrp_rlimit_rtime" => {
                    g.vrrp_rlimit_rttime = self.num(c, 0, 1, 1 << 40).map(|v| v as u64)
                }
                "vrrp_owner_ignore_adverts" => {
                    g.vrrp_owner_ignore_adverts = true;
                    self.warn(
                        c.key.span,
                        "`vrrp_owner_ignore_adverts` is parsed but not acted on by keepvip yet",
                    );
                }
                "vrrp_startup_delay" => {
                    g.vrrp_startup_delay = self.fb(c, "ignored", |p| p.secs(c, 0, 0.0, 3600.0));
                }
                "dynamic_interfaces" => {
                    g.dynamic_interfaces = true;
                    // keepalived 2.2.7 knows one option, allow_if_changes
                    // (keepvip follows interface changes anyway)
                    if let Some(w) = c.args.first().filter(|w| w.text != "allow_if_changes") {
                        self.fallback(
                            w.span,
                            format!("Unknown dynamic_interfaces option '{}'", w.text),
                            "ignored",
                        );
                    }
                }
                "disable_local_igmp" => g.disable_local_igmp = true,
                "vrrp_garp_extra_if" | "vrrp_vmac_garp_intvl" => {
                    if let Some(e) = self.extra_if(c, 1) {
                        g.vrrp_garp_extra_if = Some(e);
                    }
                }
                "log_unknown_vrids" => g.log_unknown_vrids = true,
                "vrrp_netlink_monitor_rcv_bufs" => {
                    g.vrrp_netlink_monitor_rcv_bufs =
                        self.num(c, 0, 0, i64::from(u32::MAX)).map(|v| v as u32)
                }
                "vrrp_netlink_monitor_rcv_bufs_force" => {
                    g.vrrp_netlink_monitor_rcv_bufs_force = self.flag(c).unwrap_or(false)
                }
                "data_use_instance" => {
                    g.data_use_instance = self.flag(c).unwrap_or(g.data_use_instance)
                }
                k if keywords::GLOBAL_OTHER_PARTS.contains(&k) => {
                    self.warn(
                        c.key.span,
                        format!("keepvip implements the VRRP side only; `{k}` ignored"),
                    );
                }
                k if keywords::GLOBAL_ACCEPTED.contains(&k) => {
                    g.accepted.push(k.to_string());
                    self.warn(
                        c.key.span,
                        format!("global_defs `{k}` is accepted but not acted on by keepvip"),
                    );
                }
                k if keywords::GLOBAL_NEWER.contains(&k) => {
                    g.accepted.push(k.to_string());
                    self.diags.push(
                        Diagnostic::warning(
                            Some(c.key.span),
                            format!("global_defs `{k}` is accepted but not acted on by keepvip"),
                        )
                        .with_note(
                            "keepalived 2.2.7 does not know this keyword (later versions do)",
                        ),
                    );
                }
                _ => self.unknown(&c.key, &keywords::all_global(), "global_defs"),
            }
        }
    }

    fn script(&mut self, n: &Node) -> Option<VrrpScript> {
        let name = self.name(n)?;
        let mut s = VrrpScript {
            name,
            script: String::new(),
            interval: Duration::from_secs(1),
            timeout: Duration::ZERO,
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            user: None,
            group: None,
            init_fail: false,
        };
        for c in self.block(n) {
            if keywords::SCRIPT.contains(&c.key.text.as_str()) {
                self.no_block(c);
            }
            match c.key.text.as_str() {
                "script" => {
                    s.script = join_words(&c.args);
                    if s.script.is_empty() {
                        self.err(c.key.span, "`script` needs a command");
                    }
                }
                // keepalived: whole seconds, 0 made 1, an invalid value ignored
                k @ ("interval" | "timeout") => {
                    if let Some(v) = self.fb(c, "ignored", |p| p.num(c, 0, 0, GARP_SECS_MAX)) {
                        let v = if v == 0 {
                            self.fallback(
                                c.arg_span(0),
                                format!("vrrp_script {k} must be greater than 0"),
                                "setting to 1",
                            );
                            1
                        } else {
                            v
                        };
                        let d = Duration::from_secs(v as u64);
                        if k == "interval" {
                            s.interval = d;
                        } else {
                            s.timeout = d;
                        }
                    }
                }
                "weight" => {
                    s.weight = self
                        .fb(c, "using 0", |p| p.num(c, 0, -253, 253))
                        .unwrap_or(0) as i32;
                    s.reverse = self.weight_option(c, 1);
                }
                "rise" => {
                    s.rise = self
                        .fb(c, "defaulting to 1", |p| {
                            p.num(c, 0, 1, i64::from(i32::MAX))
                        })
                        .unwrap_or(1) as u32
                }
                "fall" => {
                    s.fall = self
                        .fb(c, "defaulting to 1", |p| {
                            p.num(c, 0, 1, i64::from(i32::MAX))
                        })
                        .unwrap_or(1) as u32
                }
                "user" => {
                    s.user = self.arg(c, 0).map(|w| w.text.clone());
                    s.group = c.args.get(1).map(|w| w.text.clone());
                }
                "init_fail" => s.init_fail = true,
                _ => self.unknown(&c.key, keywords::SCRIPT, "vrrp_script"),
            }
        }
        if s.script.is_empty() {
            // keepalived removes it, and the instances tracking it go on
            // without it (`track script … not found, ignoring...`)
            self.fallback(
                n.key.span,
                format!("vrrp_script {} has no `script`", s.name),
                "removed",
            );
            return None;
        }
        if s.timeout.is_zero() {
            s.timeout = s.interval;
        }
        Some(s)
    }

    /// `reverse` after a weight (at arg `i`).
    fn weight_option(&mut self, c: &Node, i: usize) -> bool {
        match c.args.get(i).map(|w| w.text.as_str()) {
            None => false,
            Some("reverse") => true,
            Some("noreverse") => false,
            Some(other) => {
                self.err(
                    c.arg_span(i),
                    format!("unknown weight option `{other}` (reverse)"),
                );
                false
            }
        }
    }

    fn track_file(&mut self, n: &Node) -> Option<TrackFile> {
        let name = self.name(n)?;
        let mut f = TrackFile {
            name,
            file: PathBuf::new(),
            weight: 1,
            reverse: false,
            init_file: None,
            overwrite: false,
        };
        for c in self.block(n) {
            if keywords::TRACK_FILE.contains(&c.key.text.as_str()) {
                self.no_block(c);
            }
            match c.key.text.as_str() {
                "file" => {
                    if let Some(w) = self.arg(c, 0) {
                        f.file = PathBuf::from(&w.text);
                    }
                }
                "weight" => {
                    f.weight = self.num(c, 0, -254, 254).unwrap_or(1) as i32;
                    f.reverse = self.weight_option(c, 1);
                }
                "init_file" => {
                    let mut value = 0;
                    for (i, w) in c.args.iter().enumerate() {
                        if w.text == "overwrite" {
                            f.overwrite = true;
                        } else if i == 0 {
                            match parse_int(&w.text) {
                                Some(v) => value = v,
                                None => self.err(
                                    w.span,
                                    format!("track_file init value `{}` is not a number", w.text),
                                ),
                            }
                        } else {
                            self.err(
                                w.span,
                                format!("unknown init_file option `{}` (overwrite)", w.text),
                            );
                        }
                    }
                    f.init_file = Some(value);
                }
                _ => self.unknown(&c.key, keywords::TRACK_FILE, "track_file"),
            }
        }
        if f.file.as_os_str().is_empty() {
            self.err(n.key.span, format!("track_file {} has no `file`", f.name));
            return None;
        }
        Some(f)
    }

    fn track_process(&mut self, n: &Node) -> Option<TrackProcess> {
        let name = self.name(n)?;
        let mut p = TrackProcess {
            name,
            process: String::new(),
            params: Vec::new(),
            param_match: None,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: None,
            delay: Duration::ZERO,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
            full_command: false,
        };
        let mut delay = None;
        let mut fork = None;
        let mut term = None;
        for c in self.block(n) {
            if keywords::TRACK_PROCESS.contains(&c.key.text.as_str()) {
                self.no_block(c);
            }
            match c.key.text.as_str() {
                "process" => {
                    p.process = self.arg(c, 0).map(|w| w.text.clone()).unwrap_or_default();
                    p.params = c.args.iter().skip(1).map(|w| w.text.clone()).collect();
                }
                "param_match" => match c.args.first().map(|w| w.text.as_str()) {
                    Some(m @ ("initial" | "partial" | "exact")) => {
                        p.param_match = Some(m.to_string())
                    }
                    _ => self.err(
                        c.arg_span(0),
                        "param_match must be initial, partial or exact",
                    ),
                },
                "weight" => {
                    p.weight = self.num(c, 0, -254, 254).unwrap_or(0) as i32;
                    p.reverse = self.weight_option(c, 1);
                }
                "quorum" => p.quorum = self.num(c, 0, 1, 65535).unwrap_or(1) as u32,
                "quorum_max" => p.quorum_max = self.num(c, 0, 1, 65535).map(|v| v as u32),
                "delay" => delay = self.secs(c, 0, 0.0, 3600.0),
                "fork_delay" => fork = self.secs(c, 0, 0.0, 3600.0),
                "terminate_delay" => term = self.secs(c, 0, 0.0, 3600.0),
                "full_command" => p.full_command = true,
                _ => self.unknown(&c.key, keywords::TRACK_PROCESS, "vrrp_track_process"),
            }
        }
        p.fork_delay = fork.or(delay).unwrap_or_default();
        p.terminate_delay = term.or(delay).unwrap_or_default();
        p.delay = delay
            .unwrap_or_default()
            .max(p.fork_delay)
            .max(p.terminate_delay);
        if let Some(max) = p.quorum_max {
            if max < p.quorum {
                self.err(
                    n.key.span,
                    format!(
                        "vrrp_track_process {}: quorum_max {max} is less than quorum {}",
                        p.name, p.quorum
                    ),
                );
            }
        }
        if p.process.is_empty() {
            self.err(
                n.key.span,
                format!("vrrp_track_process {} has no `process`", p.name),
            );
            return None;
        }
        Some(p)
    }

    /// `IP[/len] [brd X] [dev IF] [scope S] [label L] [peer IP] [no_track] ...`
    pub fn vip(&mut self, c: &Node) -> Option<VipConfig> {
        if let Some(open) = c.open {
            self.err(open, "an address does not take a `{ }` block");
        }
        let first = &c.key;
        let (addr_s, len_s) = match first.text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (first.text.as_str(), None),
        };
        let Some(addr) = parse_ip(addr_s) else {
            self.err(first.span, format!("`{}` is not an IP address", first.text));
            return None;
        };
        let mut v = VipConfig::new(addr);
        if let Some(l) = len_s {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            // keepalived reads the length up to a further `/`, and uses
            // the host length for an invalid one
            let (num, more) = l.split_once('/').unwrap_or((l, ""));
            match num.parse::<u8>() {
                Ok(p) if p <= max => {
                    v.prefix_len = p;
                    if !more.is_empty() {
                        self.warn(
                            first.span,
                            format!("`/{more}` after the prefix length of {addr} is ignored, as keepalived does"),
                        );
                    }
                }
                _ => {
                    self.fallback(
                        first.span,
                        format!("bad prefix length `/{l}` for {addr} (at most /{max})"),
                        &format!("using /{max}"),
                    );
                    v.prefix_len = max;
                }
            }
        }
        let rest = &c.args;
        // `brd +` / `brd -`: the broadcast address from the prefix, after
        // the line is read (a peer changes the prefix)
        let mut brd_from_prefix: Option<bool> = None;
        let mut have_broadcast = false;
        let mut lft_set = false;
        let mut i = 0;
        while i < rest.len() {
            let k = rest[i].text.as_str();
            let val = rest.get(i + 1);
            let needs_value = matches!(
                k,
                "brd"
                    | "broadcast"
                    | "dev"
                    | "scope"
                    | "label"
                    | "peer"
                    | "preferred_lft"
                    | "valid_lft"
                    | "track_group"
            );
            if needs_value && val.is_none() {
                self.err(
                    rest[i].span,
                    format!("no `{k}` value given for {}", first.text),
                );
                return None;
            }
            match (k, val) {
                ("brd" | "broadcast", Some(w)) => {
                    if addr.is_ipv6() {
                        self.err(
                            w.span,
                            format!("a broadcast address for the IPv6 address {addr}"),
                        );
                    } else if w.text == "+" || w.text == "-" {
                        brd_from_prefix = Some(w.text == "+");
                        have_broadcast = true;
                    } else {
                        v.broadcast = Some(self.ip(w)?);
                        have_broadcast = true;
                    }
                    i += 2;
                }
                ("dev", Some(w)) => {
                    if v.dev.is_some() {
                        self.err(w.span, "`dev` given twice");
                    }
                    if w.text.len() > IFNAMSIZ {
                        self.err(
                            w.span,
                            format!(
                                "interface name `{}` is too long (at most {IFNAMSIZ} characters)",
                                w.text
                            ),
                        );
                        return None;
                    }
                    v.dev = Some(w.text.clone());
                    i += 2;
                }
                ("scope", Some(w)) => {
                    let s = match w.text.as_str() {
                        "global" | "universe" => Some(0),
                        "site" => Some(200),
                        "link" => Some(253),
                        "host" => Some(254),
                        "nowhere" => Some(255),
                        n => n.parse().ok(),
                    };
                    match s {
                        None => self.fallback(
                            w.span,
                            format!("invalid scope `{}`", w.text),
                            "the option is ignored",
                        ),
                        Some(_) if addr.is_ipv6() => self.warn(
                            w.span,
                            format!("a scope cannot be set for the IPv6 address {addr}: ignored"),
                        ),
                        Some(s) => v.scope = Some(s),
                    }
                    i += 2;
                }
                ("label", Some(w)) => {
                    if addr.is_ipv6() {
                        self.warn(
                            w.span,
                            format!("a label cannot be set for the IPv6 address {addr}: ignored"),
                        );
                    } else if w.text.len() > IFNAMSIZ {
                        self.err(
                            w.span,
                            format!("label `{}` is longer than {IFNAMSIZ} characters", w.text),
                        );
                        return None;
                    } else {
                        v.label = Some(w.text.clone());
                    }
                    i += 2;
                }
                // keepalived 2.2.7 (vrrp_ipaddress.c alloc_ipaddress): the
                // peer is a plain address (no /len), a second one is
                // reported and its address then read as an option, and
                // with a peer the address's prefix is the host length
                ("peer", Some(w)) => {
                    if v.peer.is_some() {
                        self.fallback(
                            w.span,
                            format!("Peer {} - another peer has already been specified", w.text),
                            "ignored",
                        );
                        i += 1;
                        continue;
                    }
                    match parse_ip(&w.text) {
                        Some(p) if p.is_ipv4() == addr.is_ipv4() => {
                            let max = if addr.is_ipv4() { 32 } else { 128 };
                            if v.prefix_len != max {
                                self.fallback(
                                    first.span,
                                    format!(
                                        "Cannot specify address prefix when specifying peer address (/{} for {addr} peer {p})",
                                        v.prefix_len
                                    ),
                                    &format!("using /{max}"),
                                );
                                v.prefix_len = max;
                            }
                            v.peer = Some(p);
                        }
                        Some(_) => self.fallback(
                            w.span,
                            format!("Peer address {} does not match address family", w.text),
                            "the peer is ignored",
                        ),
                        None => self.fallback(
                            w.span,
                            format!("Invalid peer address {}", w.text),
                            "the peer is ignored",
                        ),
                    }
                    i += 2;
                }
                ("no_track", _) => {
                    v.no_track = true;
                    i += 1;
                }
                ("preferred_lft", Some(w)) => {
                    if w.text == "forever" {
                        v.preferred_lft = None;
                        lft_set = true;
                    } else {
                        match parse_int(&w.text).and_then(|n| u32::try_from(n).ok()) {
                            Some(n) => {
                                v.preferred_lft = Some(n);
                                lft_set = true;
                            }
                            None => self.diags.push(Diagnostic::fallback(
                                Some(w.span),
                                format!("preferred_lft {} is invalid", w.text),
                                "ignored",
                            )),
                        }
                    }
                    i += 2;
                }
                // keepalived 2.2.7 knows no `valid_lft`: read and dropped
                ("valid_lft", Some(_)) => i += 2,
                // the kernel's IFA_F_* flags, as keepalived's parse_ipaddress
                ("home", _) => {
                    v.ifa_flags |= IFA_F_HOMEADDRESS;
                    i += 1;
                }
                ("mngtmpaddr", _) => {
                    v.ifa_flags |= IFA_F_MANAGETEMPADDR;
                    i += 1;
                }
                ("noprefixroute", _) => {
                    v.ifa_flags |= IFA_F_NOPREFIXROUTE;
                    i += 1;
                }
                ("autojoin", _) => {
                    v.ifa_flags |= IFA_F_MCAUTOJOIN;
                    i += 1;
                }
                ("-nodad", _) => {
                    v.dad = true;
                    i += 1;
                }
                ("nodad", _) => i += 1,
                ("use_vmac", _) => {
                    v.use_vmac = true;
                    i += 1;
                }
                // read by static_track() for static addresses; an
                // instance's VIPs warn about it there
                ("track_group", Some(_)) => i += 2,
                _ => {
                    let mut d = Diagnostic::fallback(
                        Some(rest[i].span),
                        format!(
                            "unknown option `{k}` for an address (brd, dev, scope, label, peer, no_track, ...)"
                        ),
                        "the option is ignored",
                    );
                    if parse_ip(k.split('/').next().unwrap_or(k)).is_some() {
                        d = d.with_help("write one address per line");
                    } else if let Some(s) = crate::diag::suggest(
                        k,
                        &[
                            "brd",
                            "broadcast",
                            "dev",
                            "scope",
                            "label",
                            "peer",
                            "no_track",
                            "home",
                            "noprefixroute",
                            "autojoin",
                            "preferred_lft",
                        ],
                    ) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    i += 1;
                }
            }
        }
        if v.peer.is_some() && have_broadcast {
            self.warn(
                first.span,
                "both `brd` and `peer`: the broadcast address is ignored (keepalived: `Cannot specify broadcast and peer addresses - ignoring broadcast address`)",
            );
            v.broadcast = None;
        } else if let (Some(plus), IpAddr::V4(a)) = (brd_from_prefix, addr) {
            // keepalived: `+` sets the host bits, `-` clears them (the
            // network address)
            if v.prefix_len >= 31 {
                self.warn(
                    first.span,
                    format!(
                        "prefix length /{} is too long for `brd {}`: ignored (keepalived: `Address prefix length {} too long for broadcast`)",
                        v.prefix_len,
                        if plus { '+' } else { '-' },
                        v.prefix_len
                    ),
                );
            } else {
                let mask = u32::MAX.checked_shr(u32::from(v.prefix_len)).unwrap_or(0);
                let a = u32::from(a);
                let b = if plus { a | mask } else { a & !mask };
                v.broadcast = Some(IpAddr::V4(b.into()));
            }
        }
        // keepalived's default when `preferred_lft` is not given: a /128
        // VIP deprecated (preferred_lft 0), so the kernel never picks it
        // as the source of the router's own connections
        if addr.is_ipv6() && !lft_set && v.prefix_len == 128 {
            v.preferred_lft = Some(0);
        }
        if addr.is_ipv4() && (v.preferred_lft.is_some() || v.dad) {
            self.warn(
                first.span,
                format!("`preferred_lft` and `-nodad` apply to IPv6 addresses: ignored for {addr}"),
            );
            v.preferred_lft = None;
            v.dad = false;
        }
        Some(v)
    }

    /// A multipath route's next hops (`nexthop via GW [dev IF] [weight N]
    /// [onlink] nexthop ...`): keepvip installs the first one only, and
    /// says so (keepalived installs them all).
    fn first_next_hop(&mut self, words: &[&Word], r: &mut RouteConfig) {
        let mut hops = 0;
        let mut i = 0;
        while i < words.len() {
            let w = words[i].text.as_str();
            let v = words.get(i + 1).copied();
            match (w, v) {
                ("nexthop", _) => {
                    hops += 1;
                    i += 1;
                }
                ("onlink", _) => i += 1,
                ("via" | "gw", Some(a)) => {
                    let (a, skip) = match (a.text.as_str(), words.get(i + 2)) {
                        ("inet" | "inet6", Some(b)) => (*b, 1),
                        _ => (a, 0),
                    };
                    if hops == 1 {
                        r.gateway = self.ip(a);
                    }
                    i += 2 + skip;
                }
                ("dev", Some(d)) => {
                    if hops == 1 && r.dev.is_none() {
                        r.dev = Some(d.text.clone());
                    }
                    i += 2;
                }
                ("weight", Some(_)) => i += 2,
                _ => {
                    self.warn(
                        words[i].span,
                        format!("next hop option `{w}` is not supported by keepvip: ignored"),
                    );
                    i += 1;
                }
            }
        }
        if hops > 1 {
            self.warn(
                words[0].span,
                format!(
                    "multipath route to {}/{}: keepvip installs its first next hop only (keepalived installs all {hops})",
                    r.dst, r.dst_len
                ),
            );
        }
    }

    /// ip-route style: `[src IP] [to] DST[/len] [via GW] [dev IF] [src IP]
    /// [metric N] [table N] [scope S] [no_track]`, or
    /// `blackhole|unreachable|prohibit|throw DST`.
    pub fn route(&mut self, c: &Node) -> Option<RouteConfig> {
        if let Some(open) = c.open {
            self.err(open, "a route does not take a `{ }` block");
        }
        let words: Vec<&Word> = std::iter::once(&c.key).chain(c.args.iter()).collect();
        let mut i = 0;
        let mut route_type = None;
        let mut src = None;
        // a leading `src IP`
        if words[0].text == "src" {
            let w = words.get(1).copied();
            match w {
                Some(w) => src = self.ip(w),
                None => self.err(words[0].span, "`src` needs an address"),
            }
            i = 2;
        }
        if let Some(t) = words.get(i).and_then(|w| match w.text.as_str() {
            "unicast" => Some(1u8),
            "blackhole" => Some(6),
            "unreachable" => Some(7),
            "prohibit" => Some(8),
            "throw" => Some(9),
            _ => None,
        }) {
            route_type = Some(t).filter(|t| *t != 1);
            i += 1;
        }
        if words.get(i).is_some_and(|w| w.text == "to") {
            i += 1;
        }
        let Some(w) = words.get(i) else {
            self.err(c.key.span, "a route needs a destination");
            return None;
        };
        let (dst, dst_len) = match w.text.as_str() {
            "default" | "any" | "all" => {
                // the family follows the gateway when there is one
                let v6 = words
                    .iter()
                    .skip(i + 1)
                    .any(|w| parse_ip(&w.text).is_some_and(|a| a.is_ipv6()));
                (
                    if v6 {
                        IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED)
                    } else {
                        IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
                    },
                    0,
                )
            }
            _ => self.prefix(w, "a route destination")?,
        };
        let mut r = RouteConfig {
            dst,
            dst_len,
            gateway: None,
            dev: None,
            src,
            metric: None,
            table: None,
            scope: None,
            route_type,
            no_track: false,
            add_mode: RouteAddMode::Prepend,
        };
        i += 1;
        while i < words.len() {
            let k = words[i].text.as_str();
            let v = words.get(i + 1).copied();
            let flag = matches!(
                k,
                "no_track" | "onlink" | "pervasive" | "add" | "prepend" | "append"
            );
            if !flag && v.is_none() {
                self.err(words[i].span, format!("route option `{k}` needs a value"));
                break;
            }
            match (k, v) {
                ("no_track", _) => r.no_track = true,
                // keepalived's: how it goes in beside someone else's route
                ("add", _) => r.add_mode = RouteAddMode::Add,
                ("prepend", _) => r.add_mode = RouteAddMode::Prepend,
                ("append", _) => r.add_mode = RouteAddMode::Append,
                // static_track() reads it (static routes only)
                ("track_group", Some(_)) => {}
                ("onlink" | "pervasive", _) => {}
                ("via" | "gw", Some(w)) => {
                    if k == "gw" {
                        // keepalived 2.2.7 reports it (`keepalived -t`
                        // exits 5) and installs the route
                        self.diags.push(
                            Diagnostic::warning(
                                Some(words[i].span),
                                "\"gw\" for routes is deprecated. Please use \"via\" (keepalived 2.2.7 reports this as a configuration error, and `keepalived -t` exits 5; both install the route)",
                            )
                            .with_help("write `via` for `gw`"),
                        );
                    }
                    // `via inet6 ADDR`
                    let (w, skip) = if matches!(w.text.as_str(), "inet" | "inet6") {
                        match words.get(i + 2) {
                            Some(a) => (*a, 1),
                            None => (w, 0),
                        }
                    } else {
                        (w, 0)
                    };
                    r.gateway = self.ip(w);
                    i += skip;
                }
                ("dev" | "oif", Some(w)) => r.dev = Some(w.text.clone()),
                ("src", Some(w)) => r.src = self.ip(w),
                ("metric" | "preference" | "priority", Some(w)) => match w.text.parse() {
                    Ok(m) => r.metric = Some(m),
                    Err(_) => self.err(w.span, format!("bad metric `{}`", w.text)),
                },
                ("table", Some(w)) => {
                    r.table = match w.text.as_str() {
                        "main" => Some(254),
                        "local" => Some(255),
                        "default" => Some(253),
                        t => match t.parse() {
                            Ok(t) => Some(t),
                            Err(_) => {
                                self.err(w.span, format!("bad table `{t}`"));
                                None
                            }
                        },
                    }
                }
                ("scope", Some(w)) => {
                    r.scope = match w.text.as_str() {
                        "global" | "universe" => Some(0),
                        "site" => Some(200),
                        "link" => Some(253),
                        "host" => Some(254),
                        "nowhere" => Some(255),
                        n => match n.parse() {
                            Ok(s) => Some(s),
                            Err(_) => {
                                self.err(w.span, format!("invalid scope `{n}`"));
                                None
                            }
                        },
                    }
                }
                // `nexthop via GW [dev IF] [weight N] nexthop ...`: the rest
                // of the line
                ("nexthop", _) => {
                    self.first_next_hop(&words[i..], &mut r);
                    break;
                }
                // keepalived 2.2.7 knows these (vrrp_iproute.c); keepvip
                // installs the route without them
                (k, Some(w)) if KEEPALIVED_ONLY_ROUTE_OPTIONS.contains(&k) => {
                    self.warn(
                        words[i].span,
                        format!("route option `{k}` is not supported by keepvip: ignored (keepalived sets it)"),
                    );
                    // `mtu lock 1400`
                    if w.text == "lock" {
                        i += 1;
                    }
                }
                (_, _) => {
                    self.fallback(
                        words[i].span,
                        format!("unknown route option `{k}`"),
                        "the route is skipped",
                    );
                    return None;
                }
            }
            i += if flag { 1 } else { 2 };
        }
        if let Some(gw) = r.gateway {
            if gw.is_ipv4() != r.dst.is_ipv4() {
                self.err(
                    c.key.span,
                    format!(
                        "route to {}/{} via {gw}: mixed address families",
                        r.dst, r.dst_len
                    ),
                );
            }
        }
        Some(r)
    }

    /// ip-rule style, as keepalived 2.2.7 takes it (measured with
    /// `keepalived -t`): `[not] [from P] [to P] [iif|dev IF] [oif IF]
    /// [fwmark N[/M]] [tos|dsfield N] [priority|preference|order N]`, one
    /// action (`table|lookup T`, `goto N`, `l3mdev`, `[type]
    /// blackhole|unreachable|prohibit|nop`), and `[suppress_prefixlength N]
    /// [suppress_ifgroup G] [uidrange A-B] [sport A-B] [dport A-B]
    /// [ipproto P] [protocol N] [no_track]`. The family comes from the
    /// prefixes (IPv4 without one; an instance's rule then takes the
    /// instance's family, in `lower`). A bad value is an error and drops
    /// the rule; a rule with no action is dropped with a warning, as
    /// keepalived does.
    pub fn rule(&mut self, c: &Node) -> Option<RuleConfig> {
        if let Some(open) = c.open {
            self.err(open, "a rule does not take a `{ }` block");
        }
        let words: Vec<&Word> = std::iter::once(&c.key).chain(c.args.iter()).collect();
        let errors_before = self.error_count();
        let mut r = RuleConfig::new(Family::V4);
        let mut priority = None;
        let mut protocol = None;
        let mut family: Option<(Family, Span)> = None;
        // the one action keepalived allows, and where it was given
        let mut action: Option<(RuleAction, Option<u32>, Span)> = None;
        let mut i = 0;
        while i < words.len() {
            let kw = words[i];
            let k = kw.text.as_str();
            let flag = matches!(
                k,
                "not" | "l3mdev" | "no_track" | "blackhole" | "unreachable" | "prohibit" | "nop"
            );
            // an action word, checked for "only one action" below
            let mut this_action: Option<(RuleAction, Option<u32>)> = None;
            let Some(v) = words.get(i + 1).copied().filter(|_| !flag) else {
                if !flag {
                    self.err(kw.span, format!("rule option `{k}` needs a value"));
                    break;
                }
                match k {
                    "not" => r.invert = true,
                    "no_track" => r.no_track = true,
                    "l3mdev" => {
                        r.l3mdev = true;
                        this_action = Some((RuleAction::ToTable, None));
                    }
                    t => this_action = rule_type(t).map(|a| (a, None)),
                }
                if let Some((a, t)) = this_action {
                    self.rule_action(&mut action, a, t, kw.span);
                }
                i += 1;
                continue;
            };
            match k {
                // static_track() reads it (static rules only)
                "track_group" => {}
                "from" | "to" => {
                    if let Some((addr, len)) = self.rule_prefix(v) {
                        let f = if addr.is_ipv4() {
                            Family::V4
                        } else {
                            Family::V6
                        };
                        match family {
                            Some((g, at)) if g != f => {
                                self.diags.push(
                                    Diagnostic::error(
                                        Some(v.span),
                                        format!("rule mixes address families: `{}`", v.text),
                                    )
                                    .with_help(format!(
                                        "the other prefix is at {}:{}",
                                        at.line, at.col
                                    )),
                                );
                            }
                            _ => family = Some((f, v.span)),
                        }
                        if k == "from" {
                            (r.src, r.src_len) = (Some(addr), len);
                        } else {
                            (r.dst, r.dst_len) = (Some(addr), len);
                        }
                    }
                }
                "priority" | "preference" | "order" => {
                    priority = self.rule_num(k, v, u64::from(u32::MAX)).map(|n| n as u32)
                }
                "tos" | "dsfield" => r.tos = self.rule_num(k, v, 255).map_or(0, |n| n as u8),
                "fwmark" => {
                    let (mark, mask) = v.text.split_once('/').unwrap_or((&v.text, ""));
                    let mark = parse_u64(mark).and_then(|m| u32::try_from(m).ok());
                    let mask = match mask {
                        "" => Some(None),
                        m => parse_u64(m).and_then(|m| u32::try_from(m).ok()).map(Some),
                    };
                    match (mark, mask) {
                        (Some(m), Some(k)) => (r.fwmark, r.fwmask) = (Some(m), k),
                        _ => self.err(
                            v.span,
                            format!("bad fwmark `{}` (N[/MASK], 32 bits)", v.text),
                        ),
                    }
                }
                "iif" | "dev" | "oif" => {
                    if v.text.len() > IFNAMSIZ {
                        self.err(
                            v.span,
                            format!(
                                "interface name `{}` is too long (at most {IFNAMSIZ} characters)",
                                v.text
                            ),
                        );
                    } else if k == "oif" {
                        r.oif = Some(v.text.clone());
                    } else {
                        r.iif = Some(v.text.clone());
                    }
                }
                "table" | "lookup" => {
                    let t = match v.text.as_str() {
                        "main" => Some(254),
                        "local" => Some(255),
                        "default" => Some(253),
                        t => match parse_u64(t) {
                            Some(n @ 1..=0xffff_ffff) => Some(n as u32),
                            _ => {
                                self.err(
                                    v.span,
                                    format!(
                                        "bad table `{t}` (1..4294967295, main, local or default)"
                                    ),
                                );
                                None
                            }
                        },
                    };
                    this_action = t.map(|t| (RuleAction::ToTable, Some(t)));
                }
                "goto" => {
                    this_action = self
                        .rule_num(k, v, u64::from(u32::MAX))
                        .map(|n| (RuleAction::Goto(n as u32), None));
                }
                "type" => match rule_type(&v.text) {
                    Some(a) => this_action = Some((a, None)),
                    None => self.err(
                        v.span,
                        format!(
                            "unknown rule type `{}` (blackhole, unreachable, prohibit or nop)",
                            v.text
                        ),
                    ),
                },
                "suppress_prefixlength" | "sup_pl" => {
                    r.suppress_prefixlen =
                        self.rule_num(k, v, u64::from(u32::MAX)).map(|n| n as u32)
                }
                "suppress_ifgroup" | "sup_group" => {
                    r.suppress_ifgroup = if v.text == "default" {
                        Some(0)
                    } else {
                        self.rule_num(k, v, u64::from(u32::MAX)).map(|n| n as u32)
                    }
                }
                "uidrange" => {
                    r.uid_range = self
                        .rule_range(k, v, u64::from(u32::MAX))
                        .map(|(a, b)| (a as u32, b as u32))
                }
                "sport" | "dport" => {
                    let range = self
                        .rule_range(k, v, 65535)
                        .map(|(a, b)| (a as u16, b as u16));
                    if k == "sport" {
                        r.sport = range;
                    } else {
                        r.dport = range;
                    }
                }
                "ipproto" => {
                    // the /etc/protocols names keepalived resolves, or a number
                    r.ip_proto = match v.text.as_str() {
                        "icmp" => Some(1),
                        "igmp" => Some(2),
                        "ipip" => Some(4),
                        "tcp" => Some(6),
                        "udp" => Some(17),
                        "gre" => Some(47),
                        "esp" => Some(50),
                        "ah" => Some(51),
                        "ipv6-icmp" => Some(58),
                        "sctp" => Some(132),
                        "udplite" => Some(136),
                        _ => self.rule_num(k, v, 255).map(|n| n as u8),
                    }
                }
                "protocol" => protocol = self.rule_num(k, v, 255).map(|n| (n as u8, v.span)),
                // accepted by keepalived, but not carried by keepvip
                "realms" | "tunnel-id" => self.warn(
                    kw.span,
                    format!("rule option `{k}` is not supported by keepvip: ignored"),
                ),
                _ => {
                    let mut d = Diagnostic::error(
                        Some(kw.span),
                        format!("unknown rule option `{k}` (from, to, iif, oif, fwmark, tos, priority, table, goto, type, ...)"),
                    );
                    if k == "pref" {
                        d = d.with_help(
                            "keepalived 2.2.7 takes `priority`, `preference` or `order`",
                        );
                    } else if k == "nat" || k == "map-to" {
                        d = d.with_help("the kernel no longer does rule NAT");
                    } else if let Some(s) = crate::diag::suggest(k, RULE_OPTIONS) {
                        d = d.with_help(format!("did you mean `{s}`?"));
                    }
                    self.diags.push(d);
                    // what follows may or may not be its value: one error is enough
                    break;
                }
            }
            if let Some((a, t)) = this_action {
                self.rule_action(&mut action, a, t, kw.span);
            }
            i += 2;
        }
        if let Some((f, _)) = family {
            r.family = f;
        }
        if self.error_count() != errors_before {
            return None;
        }
        let Some((a, table, _)) = action else {
            self.warn(
                c.key.span,
                "rule has no action (table, goto, l3mdev, blackhole, unreachable, prohibit or nop): ignored, as keepalived does",
            );
            return None;
        };
        // keepalived 2.2.7 (vrrp_iprule.c): a goto rule needs a priority
        // below its target, or it is dropped (the kernel refuses it too)
        if let (RuleAction::Goto(target), Some((_, _, at))) = (a, action) {
            match priority {
                Some(p) if p >= target => {
                    self.fallback(
                        at,
                        format!("Invalid rule - preference {p} >= goto target {target}"),
                        "the rule is skipped",
                    );
                    return None;
                }
                None => {
                    self.fallback(
                        at,
                        format!("Invalid rule - goto target {target} specified without preference"),
                        "the rule is skipped",
                    );
                    return None;
                }
                Some(_) => {}
            }
        }
        (r.action, r.table) = (a, table);
        match priority {
            Some(p) => r.priority = p,
            None => self.warn(
                c.key.span,
                "rule has no `priority`: keepalived gives it 16384, probably not what you want",
            ),
        }
        // keepalived tags the rules it tracks with its own protocol (18)
        match protocol {
            Some((p, _)) if r.no_track => r.protocol = p,
            Some((p, at)) if p != RULE_PROTO_KEEPALIVED => self.warn(
                at,
                format!("rule protocol {p}: a tracked rule has protocol 18 (keepalived), as keepalived resets it"),
            ),
            _ => {}
        }
        Some(r)
    }

    /// Record a rule's action: keepalived takes exactly one of table, goto,
    /// l3mdev, nop, blackhole, unreachable and prohibit.
    fn rule_action(
        &mut self,
        slot: &mut Option<(RuleAction, Option<u32>, Span)>,
        a: RuleAction,
        table: Option<u32>,
        at: Span,
    ) {
        if let Some((_, _, first)) = slot {
            let d = Diagnostic::error(
                Some(at),
                "a rule takes only one of table, goto, l3mdev, nop, blackhole, unreachable and prohibit",
            )
            .with_help(format!("the first is at {}:{}", first.line, first.col));
            self.diags.push(d);
        } else {
            *slot = Some((a, table, at));
        }
    }

    fn error_count(&self) -> usize {
        self.diags
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .count()
    }

    /// A rule's `from`/`to` value: `all`/`any`/`default` (None) or IP[/len].
    fn rule_prefix(&mut self, w: &Word) -> Option<(IpAddr, u8)> {
        let t = w.text.as_str();
        if matches!(t, "all" | "any" | "default") {
            return None;
        }
        self.prefix(w, "a rule prefix (IP[/len] or all)")
    }

    /// `IP[/len]` (no length: the whole address); `what` names it in the
    /// error when it is not one.
    fn prefix(&mut self, w: &Word, what: &str) -> Option<(IpAddr, u8)> {
        let t = w.text.as_str();
        let (a, l) = t.split_once('/').unwrap_or((t, ""));
        let Some(addr) = parse_ip(a) else {
            self.err(w.span, format!("`{t}` is not {what}"));
            return None;
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = if l.is_empty() {
            Some(max)
        } else {
            l.parse::<u8>().ok().filter(|l| *l <= max)
        };
        if len.is_none() {
            self.err(
                w.span,
                format!("bad prefix length in `{t}` (at most /{max})"),
            );
        }
        len.map(|len| (addr, len))
    }

    /// A rule option's number (decimal or 0x hex) in 0..=max.
    fn rule_num(&mut self, k: &str, w: &Word, max: u64) -> Option<u64> {
        match parse_u64(&w.text) {
            Some(n) if n <= max => Some(n),
            _ => {
                self.err(w.span, format!("bad {k} `{}` (0..{max})", w.text));
                None
            }
        }
    }

    /// `A-B`, each in 0..=max, A <= B (keepalived wants both ends).
    fn rule_range(&mut self, k: &str, w: &Word, max: u64) -> Option<(u64, u64)> {
        let (a, b) = w.text.split_once('-').unwrap_or((&w.text, ""));
        match (parse_u64(a), parse_u64(b)) {
            (Some(a), Some(b)) if a <= b && b <= max => Some((a, b)),
            _ => {
                self.err(
                    w.span,
                    format!("bad {k} `{}` (A-B with A <= B <= {max})", w.text),
                );
                None
            }
        }
    }

    /// A `track_*` block. keepalived reads weights in -254..=254; an
    /// invalid one is ignored (track_interface: weight 0; the others: the
    /// tracked object's own weight), ±254 is made ±253 for interfaces and
    /// scripts, and an entry with `weight` and no value is dropped.
    fn tracks(&mut self, c: &Node, max: i32, out: &mut Vec<TrackEntry>) {
        let interface = c.key.text == "track_interface";
        let clamps = interface || c.key.text == "track_script";
        for t in self.block(c) {
            if let Some(open) = t.open {
                self.err(open, "a tracked name does not take a `{ }` block");
            }
            let mut e = TrackEntry {
                name: t.key.text.clone(),
                weight: None,
                reverse: None,
                span: t.key.span,
            };
            let mut i = 0;
            while i < t.args.len() {
                match t.args[i].text.as_str() {
                    "weight" if t.args.len() == i + 1 => {
                        let s = t.args[i].span;
                        self.fallback(
                            s,
                            format!("weight without value for `{}`", e.name),
                            "the entry is ignored",
                        );
                        e.name.clear();
                        i += 1;
                    }
                    "weight" => {
                        let w = &t.args[i + 1];
                        let instead = if interface {
                            "using weight 0"
                        } else {
                            "using its own weight"
                        };
                        e.weight = match parse_int(&w.text) {
                            Some(v) if clamps && v.abs() == 254 => {
                                let to = v.signum() * 253;
                                self.fallback(
                                    w.span,
                                    format!("weight for `{}` cannot be {v}", e.name),
                                    &format!("setting to {to}"),
                                );
                                Some(to as i32)
                            }
                            Some(v) if v.abs() <= i64::from(max) => Some(v as i32),
                            _ => {
                                self.fallback(
                                    w.span,
                                    format!(
                                        "weight {} for `{}` must be in -{max}..={max}",
                                        w.text, e.name
                                    ),
                                    instead,
                                );
                                if interface {
                                    Some(0)
                                } else {
                                    None
                                }
                            }
                        };
                        i += 2;
                    }
                    r @ ("reverse" | "noreverse") => {
                        if e.weight.is_none() {
                            let s = t.args[i].span;
                            self.err(s, format!("`{r}` must follow `weight N`"));
                        }
                        e.reverse = Some(r == "reverse");
                        i += 1;
                    }
                    other => {
                        let s = t.args[i].span;
                        self.fallback(
                            s,
                            format!("unexpected `{other}` (weight N [reverse|noreverse])"),
                            "ignored",
                        );
                        i += 1;
                    }
                }
            }
            if e.name.is_empty() {
                continue;
            }
            if out.iter().any(|o| o.name == e.name) {
                self.warn(
                    e.span,
                    format!(
                        "`{}` is tracked twice in `{}`: the first wins",
                        e.name, c.key.text
                    ),
                );
                continue;
            }
            out.push(e);
        }
    }

    fn instance(&mut self, n: &Node) -> Option<VrrpInstance> {
        let name = self.name(n)?;
        let mut i = VrrpInstance {
            name: name.clone(),
            span: n.key.span.to(n.arg_span(0)),
            ..VrrpInstance::default()
        };
        for c in self.block(n) {
            let k = c.key.text.as_str();
            let takes_block = matches!(
                k,
                "unicast_peer"
                    | "virtual_ipaddress"
                    | "virtual_ipaddress_excluded"
                    | "virtual_routes"
                    | "virtual_rules"
                    | "track_interface"
                    | "track_script"
                    | "track_file"
                    | "track_process"
                    | "track_bfd"
                    | "authentication"
            );
            if keywords::INSTANCE.contains(&k) {
                if !takes_block {
                    self.no_block(c);
                }
                // where the value is, for the keywords whose value validate judges
                let span = if matches!(k, "advert_int" | "state" | "version" | "priority") {
                    c.arg_span(0)
                } else {
                    c.key.span
                };
                i.spans.insert(k.to_string(), span);
            }
            match k {
                "state" => match c.args.first().map(|w| w.text.as_str()) {
                    Some("MASTER") => i.state = Some(StateHint::Master),
                    Some("BACKUP") => {
                        if i.state == Some(StateHint::Master) {
                            self.fallback(c.arg_span(0), format!("({name}) state previously set as MASTER"), "ignoring BACKUP");
                        } else {
                            i.state = Some(StateHint::Backup);
                        }
                    }
                    Some(other) => {
                        self.diags.push(
                            Diagnostic::fallback(
                                Some(c.arg_span(0)),
                                format!("({name}) unknown state '{other}' (MASTER or BACKUP, in capitals)"),
                                "defaulting to BACKUP",
                            ),
                        );
                        i.state = Some(StateHint::Backup);
                    }
                    None => self.err(c.key.span, "state must be MASTER or BACKUP"),
                },
                "interface" => {
                    if let Some(w) = self.arg(c, 0) {
                        if w.text.len() > IFNAMSIZ {
                            self.err(
                                w.span,
                                format!("interface name `{}` is too long (at most {IFNAMSIZ} characters)", w.text),
                            );
                        } else {
                            i.interface = Some(w.text.clone());
                        }
                    }
                }
                "virtual_router_id" => i.virtual_router_id = self.num(c, 0, 1, 255).map(|v| v as u8),
                "priority" => {
                    // keepalived: `Priority not valid! … Using default 100`
                    let before = self.diags.len();
                    i.priority = self.fb(c, "using 100", |p| p.num(c, 0, 1, 255)).map(|v| v as u8);
                    if self.diags.len() != before && !c.args.is_empty() {
                        i.priority = Some(100);
                    }
                }
                "advert_int" => {
                    if let Some(v) = self.fb(c, "ignored (1 s)", |p| p.float(c, 0, 0.0, 255.0)) {
                        if v < 0.01 {
                            self.fallback(c.arg_span(0), format!("({name}) advert_int must be at least 0.01 s"), "ignored (1 s)");
                        } else {
                            i.advert_int = Some(v);
                        }
                    }
                }
                "version" => i.version = self.fb(c, "ignored", |p| p.num(c, 0, 2, 3)).map(|v| v as u8),
                "nopreempt" => i.nopreempt = true,
                "preempt" => i.nopreempt = false,
                "preempt_delay" => {
                    i.preempt_delay = self.fb(c, "using 0", |p| p.float(c, 0, 0.0, 1000.0))
                }
                "accept" => i.accept = Some(true),
                "no_accept" => i.accept = Some(false),
                "mcast_src_ip" | "unicast_src_ip" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        let a = self.fb(c, "ignored", |p| p.ip(&w));
                        if k == "mcast_src_ip" {
                            i.mcast_src_ip = a;
                        } else {
                            i.unicast_src_ip = a;
                        }
                    }
                }
                "mcast_dst_ip" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        if let Some(a) = self.ip(&w) {
                            if a.is_multicast() {
                                i.mcast_dst_ip = Some(a);
                            } else {
                                self.fallback(w.span, format!("mcast_dst_ip {a} is not a multicast address"), "ignored");
                            }
                        }
                    }
                }
                "unicast_peer" => {
                    for p in self.block(c) {
                        if let Some(open) = p.open {
                            self.err(open, "a unicast peer does not take a `{ }` block");
                        }
                        // keepalived skips a peer it cannot read
                        let Some(addr) = self.fb_item("the peer is skipped", |me| me.ip(&p.key)) else {
                            continue;
                        };
                        let mut peer = UnicastPeer {
                            addr,
                            min_ttl: None,
                            max_ttl: None,
                        };
                        let mut j = 0;
                        let mut skip = false;
                        while j < p.args.len() {
                            match p.args[j].text.as_str() {
                                "min_ttl" => {
                                    peer.min_ttl = self.num(p, j + 1, 0, 255).map(|v| v as u8)
                                }
                                "max_ttl" => {
                                    peer.max_ttl = self.num(p, j + 1, 0, 255).map(|v| v as u8)
                                }
                                other => {
                                    let s = p.args[j].span;
                                    self.fallback(
                                        s,
                                        format!("unknown unicast_peer option `{other}` (min_ttl N, max_ttl N)"),
                                        "the peer is skipped",
                                    );
                                    skip = true;
                                }
                            }
                            j += 2;
                        }
                        if skip {
                            continue;
                        }
                        if let (Some(lo), Some(hi)) = (peer.min_ttl, peer.max_ttl) {
                            if lo > hi {
                                // keepalived takes it as it is
                                self.warn(p.key.span, format!("({name}) min_ttl {lo} > max_ttl {hi}: every advert from this peer will be dropped"));
                            }
                        }
                        if i.unicast_peers.iter().any(|q| q.addr == addr) {
                            self.warn(p.key.span, format!("({name}) unicast_peer {addr} is listed twice"));
                            continue;
                        }
                        i.unicast_peers.push(peer);
                        i.peer_spans.push(p.key.span);
                    }
                }
                "unicast_ttl" => {
                    i.unicast_ttl = self.fb(c, "ignored", |p| p.num(c, 0, 0, 255)).map(|v| v as u8)
                }
                "track_src_ip" => i.track_src_ip = true,
                "check_unicast_src" => i.check_unicast_src = true,
                "unicast_fault_no_peer" => i.unicast_fault_no_peer = true,
                // keepalived's vrrp_unicast_chksum_handler
                "old_unicast_checksum" => match c.args.first().map(|w| w.text.as_str()) {
                    None => i.old_unicast_checksum = Some(keepvip_proto::OldUnicastChecksum::Always),
                    Some("never") => i.old_unicast_checksum = Some(keepvip_proto::OldUnicastChecksum::Never),
                    Some(other) => self.diags.push(Diagnostic::fallback(
                        Some(c.arg_span(0)),
                        format!("({}) Unknown old_unicast_chksum mode {other}", i.name),
                        "ignored",
                    )),
                },
                "native_ipv6" => i.native_ipv6 = true,
                "virtual_ipaddress" | "virtual_ipaddress_excluded" => {
                    for v in self.block(c) {
                        self.track_group_not_here(v);
                        // keepalived skips an address it cannot read
                        if let Some(vip) = self.fb_item("the address is skipped", |p| p.vip(v)) {
                            if k == "virtual_ipaddress" {
                                i.virtual_ipaddress.push(vip);
                                i.vip_spans.push(v.key.span);
                            } else {
                                i.virtual_ipaddress_excluded.push(vip);
                            }
                        }
                    }
                }
                "no_virtual_ipaddress" => i.no_virtual_ipaddress = true,
                "promote_secondaries" => i.promote_secondaries = true,
                "linkbeat_use_polling" => self.warn(
                    c.key.span,
                    "`linkbeat_use_polling` in vrrp_instance is deprecated (and keepvip follows link state by netlink)",
                ),
                "virtual_routes" => {
                    for r in self.block(c) {
                        self.track_group_not_here(r);
                        // keepalived skips a route it cannot read
                        let before = self.error_count();
                        let route = self.fb_item("the route is skipped", |p| p.route(r));
                        if let Some(route) = route.filter(|_| self.error_count() == before) {
                            i.virtual_routes.push(route);
                            i.route_spans.push(r.key.span);
                        }
                    }
                }
                "virtual_rules" => {
                    for r in self.block(c) {
                        self.track_group_not_here(r);
                        // keepalived skips a rule it cannot read
                        if let Some(rule) = self.fb_item("the rule is skipped", |p| p.rule(r)) {
                            i.virtual_rules.push(rule);
                        }
                    }
                }
                "track_interface" => self.tracks(c, 253, &mut i.track_interface),
                "track_script" => self.tracks(c, 253, &mut i.track_script),
                "track_file" => self.tracks(c, 254, &mut i.track_file),
                "track_process" => self.tracks(c, 254, &mut i.track_process),
                "track_bfd" => {
                    for t in self.block(c) {
                        i.track_bfd.push(t.key.text.clone());
                    }
                    self.not_acted_on(c, "BFD is not part of keepvip");
                }
                "dont_track_primary" => i.dont_track_primary = true,
                "authentication" => {
                    let mut a = Authentication::default();
                    for x in self.block(c) {
                        if keywords::AUTH.contains(&x.key.text.as_str()) {
                            self.no_block(x);
                        }
                        match x.key.text.as_str() {
                            "auth_type" => {
                                if let Some(w) = self.arg(x, 0) {
                                    match w.text.as_str() {
                                        "PASS" => a.auth_type = Some("PASS".into()),
                                        "AH" => {
                                            let s = w.span;
                                            self.diags.push(
                                                Diagnostic::error(Some(s), "auth_type AH is not supported by keepvip")
                                                    .with_note("IPSEC-AH authentication is deprecated in keepalived too (RFC 3768 removed it)")
                                                    .with_help("use auth_type PASS, or no authentication"),
                                            );
                                            a.auth_type = Some("AH".into());
                                        }
                                        other => {
                                            let s = w.span;
                                            self.fallback(s, format!("({name}) unknown authentication type `{other}` (PASS or AH, in capitals)"), "no authentication");
                                        }
                                    }
                                }
                            }
                            "auth_pass" => a.auth_pass = self.arg(x, 0).map(|w| w.text.clone()),
                            _ => self.unknown(&x.key, keywords::AUTH, "authentication"),
                        }
                    }
                    if let Some(p) = &a.auth_pass {
                        if p.len() > 8 {
                            let s = c
                                .children()
                                .iter()
                                .find(|x| x.key.text == "auth_pass")
                                .map_or(c.key.span, |x| x.arg_span(0));
                            let cut: String = p.bytes().take(8).map(char::from).collect();
                            self.diags.push(
                                Diagnostic::warning(
                                    Some(s),
                                    format!("({name}) auth_pass is longer than 8 characters: truncated to `{cut}`"),
                                )
                                .with_note("VRRPv2 carries 8 bytes of password; peers compare only those"),
                            );
                        }
                    }
                    i.authentication = Some(a);
                }
                "notify_master" => self.set_notify(&mut i.notify.master, c, &name),
                "notify_backup" => self.set_notify(&mut i.notify.backup, c, &name),
                "notify_fault" => self.set_notify(&mut i.notify.fault, c, &name),
                "notify_stop" => self.set_notify(&mut i.notify.stop, c, &name),
                "notify" => self.set_notify(&mut i.notify.generic, c, &name),
                "notify_master_rx_lower_pri" => {
                    self.set_notify(&mut i.notify.master_rx_lower_pri, c, &name)
                }
                "notify_deleted" => {
                    if i.notify.deleted_set {
                        self.err(c.key.span, format!("({name}) notify_deleted already specified"));
                    } else {
                        i.notify.deleted_set = true;
                        if !c.args.is_empty() {
                            i.notify.deleted = self.notify_cmd(c);
                        }
                    }
                }
                "smtp_alert" => {
                    i.notify.smtp_alert = self.flag(c).unwrap_or(false);
                    if i.notify.smtp_alert {
                        self.warn(c.key.span, "`smtp_alert`: keepvip does not send email");
                    }
                }
                "notify_priority_changes" => {
                    i.notify.priority_changes = self.flag(c);
                }
                "lvs_sync_daemon_interface" => self.warn(
                    c.key.span,
                    "keepvip implements the VRRP side only; `lvs_sync_daemon_interface` ignored",
                ),
                "garp_master_delay" => i.garp.master_delay = self.garp_secs(c),
                "garp_master_refresh" => {
                    // keepalived: an invalid value sets no refresh
                    i.garp.master_refresh = Some(
                        self.fb(c, "using 0 (no refresh)", |p| p.num(c, 0, 0, GARP_REP_MAX))
                            .map_or(Duration::ZERO, |v| Duration::from_secs(v as u64)),
                    )
                }
                "garp_master_repeat" => i.garp.master_repeat = self.garp_repeat(c, GARP_REP_MAX, true),
                "garp_master_refresh_repeat" => {
                    i.garp.master_refresh_repeat = self.garp_repeat(c, GARP_REP_MAX, true)
                }
                "garp_lower_prio_delay" => i.garp.lower_prio_delay = self.garp_secs(c),
                "garp_lower_prio_repeat" => {
                    i.garp.lower_prio_repeat = self.garp_repeat(c, i64::from(i32::MAX), false)
                }
                "down_timer_adverts" => {
                    i.down_timer_adverts =
                        self.fb(c, "ignored", |p| p.num(c, 0, 1, 100)).map(|v| v as u32)
                }
                "garp_extra_if" | "vmac_garp_intvl" => {
                    if let Some(e) = self.extra_if(c, 0) {
                        i.garp.extra_if = Some(e);
                    }
                }
                "strict_mode" => i.strict_mode = self.flag(c),
                "skip_check_adv_addr" => {
                    // keepalived sets the option for any valid boolean,
                    // `false` included
                    i.skip_check_adv_addr = self.flag(c).map(|v| {
                        if !v {
                            self.diags.push(
                                Diagnostic::warning(
                                    Some(c.arg_span(0)),
                                    format!("({name}) skip_check_adv_addr `{}` turns the option on, as keepalived does", c.args[0].text),
                                )
                                .with_help("remove the line to check the addresses"),
                            );
                        }
                        true
                    })
                }
                "lower_prio_no_advert" => i.lower_prio_no_advert = self.flag(c),
                "higher_prio_send_advert" => i.higher_prio_send_advert = self.flag(c),
                "use_vmac" => {
                    // keepalived ignores a bad name or MAC and keeps the VMAC
                    i.use_vmac = Some(self.fb(c, "ignored", |p| p.use_vmac(c)))
                }
                "vmac_xmit_base" => i.vmac_xmit_base = true,
                "use_vmac_addr" => i.use_vmac_addr = true,
                "use_ipvlan" => {
                    i.use_ipvlan = Some(c.args.iter().map(|w| w.text.clone()).collect());
                    self.not_acted_on(c, "ipvlan is not implemented");
                }
                "vrf" => self.not_acted_on(c, "VRF binding is not implemented"),
                "debug" => {
                    i.debug = if c.args.is_empty() {
                        Some(0)
                    } else {
                        self.fb(c, "ignored", |p| p.num(c, 0, 0, 4)).map(|v| v as u32)
                    }
                }
                "kernel_rx_buf_size" => {
                    i.kernel_rx_buf_size = self.num(c, 0, 0, i64::MAX).map(|v| v as u64)
                }
                _ => self.unknown(&c.key, keywords::INSTANCE, "vrrp_instance"),
            }
        }
        Some(i)
    }

    fn sync_group(&mut self, n: &Node) -> Option<SyncGroup> {
        let name = self.name(n)?;
        let mut g = SyncGroup {
            name: name.clone(),
            span: n.key.span.to(n.arg_span(0)),
            ..SyncGroup::default()
        };
        let mut had_group = false;
        for c in self.block(n) {
            let k = c.key.text.as_str();
            if keywords::SYNC_GROUP.contains(&k)
                && !matches!(
                    k,
                    "group"
                        | "track_interface"
                        | "track_script"
                        | "track_file"
                        | "track_process"
                        | "track_bfd"
                )
            {
                self.no_block(c);
            }
            match k {
                "group" => {
                    if had_group {
                        self.err(
                            c.key.span,
                            format!("group list already given for sync group {name}"),
                        );
                    }
                    had_group = true;
                    let children = self.block(c);
                    for w in c.args.iter() {
                        g.group.push(w.text.clone());
                        g.member_spans.push(w.span);
                    }
                    for m in children {
                        for w in std::iter::once(&m.key).chain(m.args.iter()) {
                            g.group.push(w.text.clone());
                            g.member_spans.push(w.span);
                        }
                    }
                    if g.group.is_empty() {
                        self.fallback(
                            c.key.span,
                            format!("sync group {name} has an empty group block"),
                            "the group is removed",
                        );
                    }
                }
                "notify_master" => self.set_notify(&mut g.notify.master, c, &name),
                "notify_backup" => self.set_notify(&mut g.notify.backup, c, &name),
                "notify_fault" => self.set_notify(&mut g.notify.fault, c, &name),
                "notify_stop" => self.set_notify(&mut g.notify.stop, c, &name),
                "notify" => self.set_notify(&mut g.notify.generic, c, &name),
                "smtp_alert" => {
                    g.notify.smtp_alert = self.flag(c).unwrap_or(false);
                    if g.notify.smtp_alert {
                        self.warn(c.key.span, "`smtp_alert`: keepvip does not send email");
                    }
                }
                "notify_priority_changes" => {
                    g.notify.priority_changes = self.flag(c);
                }
                "sync_group_tracking_weight" => g.sync_group_tracking_weight = true,
                "global_tracking" => {
                    g.sync_group_tracking_weight = true;
                    self.warn(
                        c.key.span,
                        "`global_tracking` is deprecated: track_* on the sync group, or sync_group_tracking_weight",
                    );
                }
                "track_interface" => self.tracks(c, 253, &mut g.track_interface),
                "track_script" => self.tracks(c, 253, &mut g.track_script),
                "track_file" => self.tracks(c, 254, &mut g.track_file),
                "track_process" => self.tracks(c, 254, &mut g.track_process),
                "track_bfd" => {
                    for t in self.block(c) {
                        g.track_bfd.push(t.key.text.clone());
                    }
                    self.not_acted_on(c, "BFD is not part of keepvip");
                }
                _ => self.unknown(&c.key, keywords::SYNC_GROUP, "vrrp_sync_group"),
            }
        }
        if g.group.is_empty() && !had_group {
            self.err(
                n.key.span,
                format!("vrrp_sync_group {name} has no `group {{ ... }}` members"),
            );
        }
        Some(g)
    }
}

/// An integer as keepalived reads it (decimal, optional sign).
/// Route options keepalived 2.2.7 reads (vrrp_iproute.c) that keepvip
/// does not set: a route with one is installed without it, with a warning.
const KEEPALIVED_ONLY_ROUTE_OPTIONS: &[&str] = &[
    "advmss",
    "as",
    "congctl",
    "cwnd",
    "encap",
    "expires",
    "fastopen_no_cookie",
    "features",
    "hoplimit",
    "initcwnd",
    "initrwnd",
    "mtu",
    "pref",
    "protocol",
    "quickack",
    "realms",
    "reordering",
    "rto_min",
    "rtt",
    "rttvar",
    "ssthresh",
    "tos",
    "ttl-propagate",
    "vrf",
    "window",
];

/// IFA_F_HOMEADDRESS (`home`)
const IFA_F_HOMEADDRESS: u32 = 0x10;
/// IFA_F_MANAGETEMPADDR (`mngtmpaddr`)
const IFA_F_MANAGETEMPADDR: u32 = 0x100;
/// IFA_F_NOPREFIXROUTE (`noprefixroute`)
const IFA_F_NOPREFIXROUTE: u32 = 0x200;
/// IFA_F_MCAUTOJOIN (`autojoin`)
const IFA_F_MCAUTOJOIN: u32 = 0x400;

pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.strip_prefix('+').unwrap_or(s);
    if t.is_empty()
        || !t
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    t.parse().ok()
}

/// A decimal number (`1`, `0.5`, `.5`), as keepalived's timers: no
/// exponent, no `inf`/`nan`, at most 6 decimals are significant.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.strip_prefix('+').unwrap_or(s);
    let body = t.strip_prefix('-').unwrap_or(t);
    if body.is_empty()
        || body == "."
        || !body.chars().all(|c| c.is_ascii_digit() || c == '.')
        || body.matches('.').count() > 1
        || body.len() > 24
    {
        return None;
    }
    t.parse().ok()
}

/// The ip-rule options, for "did you mean".
const RULE_OPTIONS: &[&str] = &[
    "from",
    "to",
    "not",
    "order",
    "lookup",
    "iif",
    "oif",
    "fwmark",
    "tos",
    "dsfield",
    "priority",
    "preference",
    "table",
    "goto",
    "type",
    "suppress_prefixlength",
    "suppress_ifgroup",
    "uidrange",
    "sport",
    "dport",
    "ipproto",
    "protocol",
    "l3mdev",
    "no_track",
    "blackhole",
    "unreachable",
    "prohibit",
];

/// RTPROT_KEEPALIVED: the protocol keepalived puts on the rules it tracks.
const RULE_PROTO_KEEPALIVED: u8 = 18;

/// `type X` / a bare action word of an ip rule (keepalived refuses `unicast`).
fn rule_type(t: &str) -> Option<RuleAction> {
    Some(match t {
        "blackhole" => RuleAction::Blackhole,
        "unreachable" => RuleAction::Unreachable,
        "prohibit" => RuleAction::Prohibit,
        "nop" => RuleAction::Nop,
        _ => return None,
    })
}

/// An unsigned number as ip(8) reads one: decimal or `0x` hex.
fn parse_u64(s: &str) -> Option<u64> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) if !h.is_empty() => u64::from_str_radix(h, 16).ok(),
        _ if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    }
}

/// An IP address; IPv6 may carry a `%zone` (ignored).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.split('%').next().unwrap_or(s);
    s.parse().ok()
}

/// `00:00:5e:00:01:33` (six hex octets) as bytes.
fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut parts = text.split(':');
    for b in &mut mac {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    parts.next().is_none().then_some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-20"), Some(-20));
        assert_eq!(parse_int("+3"), Some(3));
        assert_eq!(parse_int("1e3"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_decimal("0.5"), Some(0.5));
        assert_eq!(parse_decimal(".5"), Some(0.5));
        assert_eq!(parse_decimal("1e3"), None);
        assert_eq!(parse_decimal("nan"), None);
        assert_eq!(parse_decimal("inf"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_ip("fe80::1%eth0"), "fe80::1".parse().ok());
    }

    #[test]
    fn join() {
        let w = |t: &str| Word {
            text: t.into(),
            span: Span::default(),
        };
        assert_eq!(
            join_words(&[w("/bin/sh"), w("-c"), w("pidof nginx")]),
            "/bin/sh -c 'pidof nginx'"
        );
        assert_eq!(
            join_words(&[w("killall"), w("-0"), w("nginx")]),
            "killall -0 nginx"
        );
        assert_eq!(join_words(&[w("killall -0 nginx")]), "killall -0 nginx");
    }
}
