//! keepalived's rules (`vrrp_complete_instance`, `vrrp_complete_init`,
//! `check_vrid_conflicts`, `vrrp_sync_set_group`): defaults that depend on
//! other keywords, fix-ups with warnings, and errors. After `validate`,
//! every instance option that has a default is `Some` and the model is
//! ready for `lower`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use keepvip_proto::{Family, StateHint, TrackerKey};

use crate::diag::{Diagnostic, Span};
use crate::model::{Model, NotifyCmd, StaticKind, TrackEntry, VrrpInstance};

/// The most VIPs one advert carries on a 1500-byte link (keepalived moves
/// the rest to the excluded list): 255 for IPv4, 89 for IPv6.
const MAX_VIPS_V4: usize = 255;
const MAX_VIPS_V6: usize = 89;

/// Apply keepalived's defaults and checks.
pub fn validate(m: &mut Model, host: &Host, diags: &mut Vec<Diagnostic>) {
    let mut v = Validator { diags };
    let script_names: Vec<String> = m.scripts.iter().map(|s| s.name.clone()).collect();
    let mut member_of: BTreeMap<String, String> = BTreeMap::new();
    for g in &m.sync_groups {
        for name in &g.group {
            member_of
                .entry(name.clone())
                .or_insert_with(|| g.name.clone());
        }
    }
    let global = m.global.clone();
    for i in &mut m.instances {
        v.instance(i, &global);
    }
    v.unweighted_members(m, &member_of);
    v.interface_delays(m);
    v.vmac_names(m);
    v.garp_groups(m);
    v.track_groups(m);
    v.weights_lost_to_own_interfaces(m);
    v.trackers(m);
    v.vrid_conflicts(m);
    v.sync_groups(m);
    v.scripts(m, &script_names);
    v.scripts_without_a_user(m, host);
    v.missing_interfaces(m, host);
}

/// What validation needs to know about the machine the configuration is
/// for (the parts of keepalived's checks that depend on it).
#[derive(Debug, Clone)]
pub struct Host {
    /// the user `keepalived_script` exists: scripts without a user of their
    /// own run as it (with `enable_script_security` there is no other
    /// default). None: look it up on this machine, and only when it
    /// matters (the lookup loads the NSS modules: about 1 MB of a daemon
    /// that has no scripts)
    pub default_script_user_exists: Option<bool>,
    /// the interfaces that exist (in this network namespace), when a check
    /// should say which of the configured ones do not (the daemon waits
    /// for them and says so itself)
    pub interfaces: Option<Vec<String>>,
    /// the global `script_user` (and its group, when one is given)
    /// exists. None: look it up on this machine, when one is set
    pub script_user_exists: Option<bool>,
}

impl Host {
    /// This machine, for the daemon.
    pub fn this() -> Host {
        Host {
            default_script_user_exists: None,
            interfaces: None,
            script_user_exists: None,
        }
    }

    /// This machine, for `keepvip check`: also its interfaces.
    pub fn this_for_check() -> Host {
        Host {
            interfaces: Some(interface_names()),
            ..Host::this()
        }
    }
}

/// The interfaces of this network namespace (if_nameindex).
fn interface_names() -> Vec<String> {
    let mut out = Vec::new();
    // SAFETY: if_nameindex returns an array ended by a zero entry, freed
    // below with if_freenameindex; the names are NUL-terminated.
    unsafe {
        let list = libc::if_nameindex();
        if list.is_null() {
            return out;
        }
        let mut p = list;
        while (*p).if_index != 0 && !(*p).if_name.is_null() {
            out.push(
                std::ffi::CStr::from_ptr((*p).if_name)
                    .to_string_lossy()
                    .into_owned(),
            );
            p = p.add(1);
        }
        libc::if_freenameindex(list);
    }
    out
}

/// keepalived's default script user.
pub const DEFAULT_SCRIPT_USER: &str = "keepalived_script";

/// Whether the user exists here. root always does: looking it up would
/// load the NSS modules into the daemon for nothing (+0.35 MB RSS,
/// measured with `script_user root`).
fn user_exists(name: &str) -> bool {
    if name == "root" {
        return true;
    }
    let Ok(cname) = std::ffi::CString::new(name) else {
        return false;
    };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: all-zero is a valid `passwd` (it is only written to).
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf.len() is its size.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    rc == 0 && !found.is_null()
}

/// Whether the group exists here (root always does, as [`user_exists`]).
fn group_exists(name: &str) -> bool {
    if name == "root" {
        return true;
    }
    let Ok(cname) = std::ffi::CString::new(name) else {
        return false;
    };
    let mut buf = vec![0 as libc::c_char; 64 * 1024];
    // SAFETY: all-zero is a valid `group` (it is only written to).
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call and buf.len() is its size.
    let rc = unsafe {
        libc::getgrnam_r(
            cname.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut found,
        )
    };
    rc == 0 && !found.is_null()
}

struct Validator<'d> {
    diags: &'d mut Vec<Diagnostic>,
}

impl Validator<'_> {
    /// A weighted track_interface on an interface the instance tracks
    /// anyway (a VIP, route or rule on it): keepalived drops the weight.
    fn weights_lost_to_own_interfaces(&mut self, m: &Model) {
        // worked out only if some instance has a weighted track_interface
        let mut vmacs = None;
        for i in &m.instances {
            if !i
                .track_interface
                .iter()
                .any(|e| e.weight.is_some_and(|w| w != 0))
            {
                continue;
            }
            let vmacs = vmacs.get_or_insert_with(|| crate::lower::VmacPlan::new(m));
            let tracked = crate::lower::interfaces_tracked_for(m, i, vmacs);
            for e in &i.track_interface {
                match e.weight {
                    Some(w) if w != 0 && tracked.contains(&e.name) => self.warn(
                        e.span,
                        format!(
                            "({}) track_interface {} weight {w}: an address, route or rule of the instance (or of its track_group) is on {}, so it going down means FAULT and the weight is not used (as in keepalived)",
                            i.name, e.name, e.name
                        ),
                    ),
                    _ => {}
                }
            }
        }
    }

    /// keepalived's static_track_group_init: members that are not
    /// instances are dropped, a group left with none is removed (and so
    /// are the options naming it); a `no_track` entry is not tracked.
    fn track_groups(&mut self, m: &mut Model) {
        let names: Vec<String> = m.instances.iter().map(|i| i.name.clone()).collect();
        let mut removed = Vec::new();
        for g in &mut m.track_groups {
            if g.members.is_empty() {
                self.warn(
                    g.span,
                    format!("Static track group {} has no virtual router(s)", g.name),
                );
            }
            let mut k = 0;
            while k < g.members.len() {
                if names.contains(&g.members[k]) {
                    k += 1;
                    continue;
                }
                self.warn(
                    g.member_spans[k],
                    format!(
                        "vrrp instance {} specified in track group {} doesn't exist - ignoring",
                        g.members[k], g.name
                    ),
                );
                g.members.remove(k);
                g.member_spans.remove(k);
            }
            if g.members.is_empty() {
                self.warn(
                    g.span,
                    format!("Static track group {} init fails - removing", g.name),
                );
                removed.push(g.name.clone());
            }
        }
        m.track_groups.retain(|g| !removed.contains(&g.name));
        let mut kept = Vec::new();
        for t in std::mem::take(&mut m.static_tracks) {
            if removed.contains(&t.group) {
                continue;
            }
            let (what, no_track) = match t.kind {
                StaticKind::Address => (
                    "address",
                    m.static_ipaddress.get(t.index).is_none_or(|a| a.no_track),
                ),
                StaticKind::Route => (
                    "route",
                    m.static_routes.get(t.index).is_none_or(|r| r.no_track),
                ),
                StaticKind::Rule => (
                    "rule",
                    m.static_rules.get(t.index).is_none_or(|r| r.no_track),
                ),
            };
            if no_track {
                self.warn(
                    t.span,
                    format!("Static {what} has both track_group and no_track set - not tracking"),
                );
                continue;
            }
            kept.push(t);
        }
        m.static_tracks = kept;
    }

    /// `use_vmac` on an address that gets no VMAC of its own from it, with
    /// keepalived 2.2.7's messages: the instance's own VMAC already carries
    /// it, or `use_vmac_addr` already gives it one.
    fn address_use_vmac(&mut self, i: &VrrpInstance, family: Family) {
        let name = i.name.clone();
        let own = i.interface.as_deref().unwrap_or("");
        let excluded_span = Self::span(i, "virtual_ipaddress_excluded");
        let vips = i
            .virtual_ipaddress
            .iter()
            .enumerate()
            .map(|(k, v)| (v, i.vip_spans.get(k).copied().unwrap_or(i.span)));
        let evips = i
            .virtual_ipaddress_excluded
            .iter()
            .map(|v| (v, excluded_span));
        for (vip, span) in vips.chain(evips) {
            if !vip.use_vmac {
                continue;
            }
            let on_own = vip.dev.as_deref().is_none_or(|d| d == own);
            let same_family = family_of(vip.addr) == family;
            if on_own && same_family && i.use_vmac.is_some() {
                self.warn(
                    span,
                    format!(
                        "({name}) use_vmac specified for VIP/eVIP {} and vrrp instance",
                        vip.addr
                    ),
                );
            } else if (!on_own || !same_family) && i.use_vmac_addr {
                self.warn(
                    span,
                    format!(
                        "({name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP {}",
                        vip.addr
                    ),
                );
            }
        }
    }

    /// keepalived: two instances cannot give their VMACs the same name.
    fn vmac_names(&mut self, m: &Model) {
        let mut named: Vec<(&str, &str)> = Vec::new();
        for i in &m.instances {
            let Some(name) = i.use_vmac.as_ref().and_then(|v| v.name.as_deref()) else {
                continue;
            };
            match named.iter().find(|(n, _)| *n == name) {
                Some((_, other)) => self.err(
                    Self::span(i, "use_vmac"),
                    format!("({}) VRRP instance {other} is already using {name}", i.name),
                ),
                None => named.push((name, &i.name)),
            }
        }
    }

    /// keepalived: a garp_group cannot name a VMAC (its GARPs are paced
    /// with the interface under it).
    fn garp_groups(&mut self, m: &mut Model) {
        if m.garp_groups.is_empty() {
            return;
        }
        let vmacs = crate::lower::VmacPlan::new(m);
        for g in &mut m.garp_groups {
            let mut k = 0;
            while k < g.interfaces.len() {
                if vmacs.is_vmac(&g.interfaces[k]) {
                    self.warn(
                        g.interface_spans[k],
                        format!(
                            "Cannot specify garp_delay on a vmac ({}) - ignoring",
                            g.interfaces[k]
                        ),
                    );
                    g.interfaces.remove(k);
                    g.interface_spans.remove(k);
                } else {
                    k += 1;
                }
            }
        }
    }

    /// keepalived's bound on interface_up_down_delays: a delay must end
    /// before (down_timer_adverts - 1) advert intervals of every instance
    /// on the interface, or a backup elsewhere times out and takes over
    /// before this instance has gone to FAULT. Longer ones are cut to just
    /// under it.
    fn interface_delays(&mut self, m: &mut Model) {
        for d in &mut m.interface_delays {
            for i in m
                .instances
                .iter()
                .filter(|i| i.interface.as_deref() == Some(d.interface.as_str()))
            {
                let dta = i.down_timer_adverts.unwrap_or(3);
                if dta <= 1 {
                    continue;
                }
                let adv = crate::lower::advert_interval(i);
                let bound = adv * (dta - 1);
                if d.down >= bound || d.up >= bound {
                    let below = bound - adv / 256;
                    d.down = d.down.min(below);
                    d.up = d.up.min(below);
                    self.warn(
                        d.span,
                        format!(
                            "({}): interface {} debounce timer(s) not less that {} * advert_int - resetting",
                            i.name,
                            d.interface,
                            dta - 1
                        ),
                    );
                }
            }
        }
    }
}

fn family_of(a: IpAddr) -> Family {
    if a.is_ipv4() {
        Family::V4
    } else {
        Family::V6
    }
}

fn family_name(f: Family) -> &'static str {
    if f == Family::V4 {
        "IPv4"
    } else {
        "IPv6"
    }
}

fn is_link_local(a: IpAddr) -> bool {
    match a {
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
        IpAddr::V4(v4) => v4.is_link_local(),
    }
}

impl Validator<'_> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(span), msg));
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(Some(span), msg));
    }

    fn span(i: &VrrpInstance, key: &str) -> Span {
        i.spans.get(key).copied().unwrap_or(i.span)
    }

    #[allow(clippy::too_many_lines)]
    fn instance(&mut self, i: &mut VrrpInstance, g: &crate::model::Global) {
        let name = i.name.clone();
        if i.interface.is_none() {
            self.diags.push(
                Diagnostic::error(
                    Some(i.span),
                    format!("vrrp_instance {name} has no `interface`"),
                )
                .with_help("add `interface eth0` (the interface the adverts are sent on)"),
            );
        }
        if i.virtual_router_id.is_none() {
            self.err(
                i.span,
                format!("vrrp_instance {name} has no `virtual_router_id` (1..255)"),
            );
        }
        // keepalived 2.2.7 (vrrp.c vrrp_complete_instance) drops a
        // track_interface on the instance's own interface: that one going
        // down means FAULT anyway, and its weight is not used
        if let Some(own) = i.interface.clone() {
            let diags = &mut *self.diags;
            i.track_interface.retain(|e| {
                if e.name != own {
                    return true;
                }
                diags.push(Diagnostic::fallback(
                    Some(e.span),
                    format!("({name}) Ignoring track_interface {own} since own interface"),
                    "the tracker is dropped",
                ));
                false
            });
        }

        // the address family: the first VIP, or native_ipv6, or the
        // source / peer addresses
        let family = i
            .virtual_ipaddress
            .first()
            .map(|v| family_of(v.addr))
            .or(i.native_ipv6.then_some(Family::V6))
            .or(i.unicast_src_ip.map(family_of))
            .or(i.mcast_src_ip.map(family_of))
            .or(i.unicast_peers.first().map(|p| family_of(p.addr)))
            .unwrap_or(Family::V4);
        i.family = Some(family);
        if i.native_ipv6 && family == Family::V4 {
            self.err(
                Self::span(i, "native_ipv6"),
                format!("({name}) native_ipv6 with IPv4 addresses"),
            );
        }
        let unicast_keyword = i.unicast_src_ip.is_some()
            || i.check_unicast_src
            || i.spans.contains_key("unicast_peer");
        if i.unicast_peers.is_empty() && unicast_keyword && !i.unicast_fault_no_peer {
            let key = ["unicast_peer", "unicast_src_ip", "check_unicast_src"]
                .into_iter()
                .find(|k| i.spans.contains_key(*k))
                .unwrap_or("unicast_peer");
            self.warn(
                Self::span(i, key),
                format!("({name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."),
            );
        }
        if i.use_vmac.is_some() && family == Family::V4 && !g.disable_local_igmp {
            self.diags.push(
                Diagnostic::warning(
                    Some(Self::span(i, "use_vmac")),
                    format!("({name}) with `use_vmac` a BACKUP's VMAC sends IGMP reports for 224.0.0.18 from the shared MAC, which can pull the VMAC to its switch port"),
                )
                .with_help("add `disable_local_igmp` to global_defs (keepvip installs no firewall rules to drop them)"),
            );
        }
        if i.vmac_xmit_base && i.use_vmac.is_none() {
            self.warn(
                Self::span(i, "vmac_xmit_base"),
                format!("({name}) `vmac_xmit_base` without `use_vmac`: ignored"),
            );
        }
        let mut keep = Vec::new();
        let mut keep_spans = Vec::new();
        for (k, vip) in i.virtual_ipaddress.iter().enumerate() {
            let span = i.vip_spans.get(k).copied().unwrap_or(i.span);
            if family_of(vip.addr) != family {
                self.diags.push(
                    Diagnostic::fallback(
                        Some(span),
                        format!(
                            "({name}) virtual_ipaddress mixes IPv4 and IPv6: {} is {} but the instance is {}",
                            vip.addr,
                            family_name(family_of(vip.addr)),
                            family_name(family)
                        ),
                        "the address is skipped",
                    )
                    .with_note("one address family per instance (the adverts carry one)")
                    .with_help("put addresses of the other family in virtual_ipaddress_excluded, or in an instance of their own"),
                );
            } else {
                keep.push(vip.clone());
                keep_spans.push(span);
            }
        }
        i.virtual_ipaddress = keep;
        i.vip_spans = keep_spans;
        self.address_use_vmac(i, family);

        // version: IPv6 is always VRRPv3
        let mut version = i.version.or(g.vrrp_version).unwrap_or(2);
        if family == Family::V6 && version == 2 {
            if i.version == Some(2) {
                self.warn(
                    Self::span(i, "version"),
                    format!("({name}) IPv6 needs VRRPv3: using version 3 (keepalived 2.2.7 outside strict mode sends VRRPv2 over IPv6, which keepvip does not speak: a keepalived peer needs `version 3` too)"),
                );
            }
            version = 3;
        }
        i.version = Some(version);
        let strict = i.strict_mode.unwrap_or(g.vrrp_strict);
        i.strict_mode = Some(strict);

        // priority from the state, and the state from the priority
        let priority = i.priority.unwrap_or(if i.state == Some(StateHint::Master) {
            255
        } else {
            100
        });
        i.priority = Some(priority);
        let state = match i.state {
            None => {
                if priority == 255 {
                    StateHint::Master
                } else {
                    StateHint::Backup
                }
            }
            Some(s) => {
                if strict && (s == StateHint::Master) != (priority == 255) {
                    self.diags.push(
                        Diagnostic::warning(
                            Some(Self::span(i, "state")),
                            format!("({name}) strict mode: state MASTER must match being the address owner (priority 255): using {}", if priority == 255 { "MASTER" } else { "BACKUP" }),
                        ),
                    );
                    if priority == 255 {
                        StateHint::Master
                    } else {
                        StateHint::Backup
                    }
                } else {
                    s
                }
            }
        };
        i.state = Some(state);

        // addresses in the advert
        let vips_required = version == 3 || family == Family::V6 || strict;
        if i.virtual_ipaddress.is_empty() && !i.no_virtual_ipaddress {
            if vips_required {
                let why = if strict { "strict mode" } else { "VRRPv3" };
                self.diags.push(
                    Diagnostic::error(
                        Some(i.span),
                        format!("({name}) has no virtual_ipaddress: {why} needs at least one"),
                    )
                    .with_help("add a virtual_ipaddress block (or `no_virtual_ipaddress` if that is really wanted)"),
                );
            } else {
                self.warn(
                    i.span,
                    format!("({name}) has no virtual_ipaddress; at least one is sensible"),
                );
            }
        }
        let unicast = !i.unicast_peers.is_empty();
        if family == Family::V6 && !unicast {
            if let Some(first) = i.virtual_ipaddress.first() {
                if !is_link_local(first.addr) {
                    let span = i.vip_spans.first().copied().unwrap_or(i.span);
                    let msg = format!(
                        "({name}) the first IPv6 VIP should be link-local (fe80::/10), not {}",
                        first.addr
                    );
                    let d = if strict {
                        Diagnostic::error(Some(span), msg)
                    } else {
                        Diagnostic::warning(Some(span), msg)
                    };
                    self.diags.push(d.with_note("RFC 5798 §5.2.9: the first address of an IPv6 advert is the link-local one; keepalived requires it in strict mode"));
                }
            }
        }
        let max = if family == Family::V4 {
            MAX_VIPS_V4
        } else {
            MAX_VIPS_V6
        };
        if i.virtual_ipaddress.len() > max {
            let span = i.vip_spans.get(max).copied().unwrap_or(i.span);
            self.warn(
                span,
                format!(
                    "({name}) {} VIPs do not fit in one advert (at most {max}): the rest are moved to virtual_ipaddress_excluded",
                    i.virtual_ipaddress.len()
                ),
            );
            let rest = i.virtual_ipaddress.split_off(max);
            i.vip_spans.truncate(max);
            i.virtual_ipaddress_excluded.splice(0..0, rest);
        }

        // advertisement interval
        let adv = i.advert_int.unwrap_or(1.0);
        let adv_span = Self::span(i, "advert_int");
        let micros = (adv * 1e6).round() as u64;
        let adv = if version == 2 {
            if micros % 1_000_000 != 0 {
                let rounded = ((micros + 500_000) / 1_000_000).max(1) as f64;
                self.warn(
                    adv_span,
                    format!("({name}) VRRPv2 advertisement interval {adv}s must be an integer: rounded to {rounded}"),
                );
                rounded
            } else {
                adv
            }
        } else if micros >= 4096 * 10_000 {
            self.diags.push(
                Diagnostic::fallback(
                    Some(adv_span),
                    format!(
                        "({name}) VRRPv3 advertisement interval must be 0.01..40.95 s (not {adv})"
                    ),
                    "using 40.95",
                )
                .with_note("VRRPv3 carries the interval in 12 bits of centiseconds"),
            );
            40.95
        } else if micros % 10_000 != 0 {
            let rounded = ((micros + 5_000) / 10_000).max(1) as f64 / 100.0;
            self.warn(
                adv_span,
                format!("({name}) VRRPv3 advertisement interval {adv}s must be in units of 10 ms: rounded to {rounded}"),
            );
            rounded
        } else {
            adv
        };
        i.advert_int = Some(adv);

        // preemption
        if priority == 255 && i.nopreempt {
            self.warn(
                Self::span(i, "nopreempt"),
                format!("({name}) nopreempt is incompatible with priority 255 (the address owner always preempts): cleared"),
            );
            i.nopreempt = false;
        }
        let delay_set = i.preempt_delay.is_some_and(|d| d > 0.0);
        if state == StateHint::Master && (i.nopreempt || delay_set) {
            let what = match (i.nopreempt, delay_set) {
                (true, true) => "nopreempt and preempt_delay are cleared (they work",
                (true, false) => "nopreempt is cleared (it works",
                _ => "preempt_delay is cleared (it works",
            };
            let span = if i.nopreempt {
                Self::span(i, "nopreempt")
            } else {
                Self::span(i, "preempt_delay")
            };
            self.diags.push(
                Diagnostic::warning(
                    Some(span),
                    format!("({name}) state MASTER: {what} only with state BACKUP)"),
                )
                .with_help("for a sticky master, set `state BACKUP` on every node"),
            );
            i.nopreempt = false;
            i.preempt_delay = None;
        }
        if i.preempt_delay.is_some_and(|d| d > 0.0) {
            if strict {
                self.warn(
                    Self::span(i, "preempt_delay"),
                    format!("({name}) preempt_delay is incompatible with strict mode: cleared"),
                );
                i.preempt_delay = None;
            } else if i.nopreempt {
                self.warn(
                    Self::span(i, "preempt_delay"),
                    format!("({name}) preempt_delay is incompatible with nopreempt: cleared"),
                );
                i.preempt_delay = None;
            }
        }

        // authentication
        if let Some(a) = i.authentication.clone() {
            let span = Self::span(i, "authentication");
            let drop_reason = if strict && a.auth_type.is_some() {
                Some("strict mode does not support authentication")
            } else if version == 3 && a.auth_type.is_some() {
                Some("VRRPv3 has no authentication")
            } else if a.auth_type.is_some() && a.auth_pass.as_deref().is_none_or(str::is_empty) {
                Some("authentication without auth_pass")
            } else if a.auth_type.is_none() && a.auth_pass.is_some() {
                Some("auth_pass without auth_type")
            } else {
                None
            };
            if let Some(why) = drop_reason {
                self.warn(span, format!("({name}) {why}: authentication ignored"));
                i.authentication = None;
            }
        }

        // unicast
        if unicast && strict {
            self.diags.push(
                Diagnostic::warning(
                    Some(Self::span(i, "unicast_peer")),
                    format!("({name}) unicast peers are not RFC-compliant in strict mode"),
                )
                .with_note("keepalived 2.2.7 accepts them (its check runs before unicast is known); later versions refuse them on multicast-capable interfaces"),
            );
        }
        for (k, p) in i.unicast_peers.iter().enumerate() {
            if family_of(p.addr) != family {
                let span = i
                    .peer_spans
                    .get(k)
                    .copied()
                    .unwrap_or_else(|| Self::span(i, "unicast_peer"));
                self.diags.push(Diagnostic::error(
                    Some(span),
                    format!(
                        "({name}) unicast_peer {} is not of the instance's address family ({})",
                        p.addr,
                        family_name(family)
                    ),
                ));
            }
        }
        for key in ["unicast_src_ip", "mcast_src_ip"] {
            let src = if key == "unicast_src_ip" {
                i.unicast_src_ip
            } else {
                i.mcast_src_ip
            };
            if let Some(src) = src {
                if family_of(src) != family {
                    self.err(
                        Self::span(i, key),
                        format!(
                            "({name}) {key} {src} is not of the instance's address family ({})",
                            family_name(family)
                        ),
                    );
                }
            }
        }
        // adverts go from the interface's link-local address unless
        // unicast_src_ip says otherwise; keepalived binds its unicast socket
        // to that source, so a peer listed by its global address never
        // hears ours, and its adverts (from its link-local) are not from a
        // listed peer for keepvip. Measured with two keepalived 2.2.7.
        let link_local = |a: &std::net::IpAddr| matches!(a, std::net::IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80);
        if unicast && family == Family::V6 && i.unicast_src_ip.is_none_or(|s| link_local(&s)) {
            if let Some(p) = i.unicast_peers.iter().find(|p| !link_local(&p.addr)) {
                self.warn(
                    Self::span(i, "unicast_peer"),
                    format!(
                        "({name}) unicast_peer {} is a global address but the adverts go from the link-local one: a keepalived peer does not hear them and keepvip drops its adverts (they come from its link-local address); set unicast_src_ip to this node's global address, or list the peers' link-local addresses",
                        p.addr
                    ),
                );
            }
        }
        if !unicast {
            if i.unicast_src_ip.is_some() {
                self.warn(
                    Self::span(i, "unicast_src_ip"),
                    format!("({name}) unicast_src_ip without unicast_peer: multicast is used (keepalived deprecates this)"),
                );
            }
            if i.unicast_ttl.is_some() {
                self.warn(
                    Self::span(i, "unicast_ttl"),
                    format!("({name}) unicast_ttl without unicast_peer: ignored"),
                );
                i.unicast_ttl = None;
            }
        }
        if let Some(dst) = i.mcast_dst_ip {
            if unicast {
                self.warn(
                    Self::span(i, "mcast_dst_ip"),
                    format!("({name}) mcast_dst_ip with unicast peers: ignored"),
                );
                i.mcast_dst_ip = None;
            } else if family_of(dst) != family {
                self.err(
                    Self::span(i, "mcast_dst_ip"),
                    format!(
                        "({name}) mcast_dst_ip {dst} is not of the instance's address family ({})",
                        family_name(family)
                    ),
                );
                i.mcast_dst_ip = None;
            }
        }
        if i.mcast_dst_ip.is_none() && !unicast {
            i.mcast_dst_ip = if family == Family::V4 {
                g.vrrp_mcast_group4
            } else {
                g.vrrp_mcast_group6
            };
        }

        // strict-mode resets
        let owner = priority == 255;
        if strict {
            if i.down_timer_adverts.is_some_and(|d| d != 3) {
                self.warn(
                    Self::span(i, "down_timer_adverts"),
                    format!(
                        "({name}) down_timer_adverts is incompatible with strict mode: reset to 3"
                    ),
                );
                i.down_timer_adverts = Some(3);
            }
            if i.garp.lower_prio_repeat.is_some_and(|r| r != 0) {
                self.warn(
                    Self::span(i, "garp_lower_prio_repeat"),
                    format!("({name}) strict mode requires no lower-priority GARP repeats: reset"),
                );
            }
            i.garp.lower_prio_repeat = Some(0);
            if i.garp.lower_prio_delay.is_some_and(|d| !d.is_zero()) {
                self.warn(
                    Self::span(i, "garp_lower_prio_delay"),
                    format!("({name}) strict mode requires no lower-priority GARP delay: reset"),
                );
            }
            i.garp.lower_prio_delay = Some(std::time::Duration::ZERO);
            if i.lower_prio_no_advert == Some(false) {
                self.warn(
                    Self::span(i, "lower_prio_no_advert"),
                    format!("({name}) strict mode requires lower_prio_no_advert: set"),
                );
            }
            i.lower_prio_no_advert = Some(true);
            if i.higher_prio_send_advert == Some(true) {
                self.warn(
                    Self::span(i, "higher_prio_send_advert"),
                    format!("({name}) strict mode requires higher_prio_send_advert to be clear: cleared"),
                );
            }
            i.higher_prio_send_advert = Some(false);
        }
        i.down_timer_adverts = Some(
            i.down_timer_adverts
                .or(g.vrrp_down_timer_adverts)
                .unwrap_or(3),
        );
        i.lower_prio_no_advert = Some(
            i.lower_prio_no_advert
                .or(g.vrrp_lower_prio_no_advert)
                .unwrap_or(false),
        );
        i.higher_prio_send_advert = Some(
            i.higher_prio_send_advert
                .or(g.vrrp_higher_prio_send_advert)
                .unwrap_or(false),
        );
        i.skip_check_adv_addr = Some(i.skip_check_adv_addr.unwrap_or(g.vrrp_skip_check_adv_addr));

        // accept mode: keepalived defaults to accept unless strict
        let mut accept = i.accept.unwrap_or(owner || !strict);
        if accept && !owner && strict && version == 2 && i.accept == Some(true) {
            self.warn(
                Self::span(i, "accept"),
                format!("({name}) accept mode with VRRPv2 does not comply with RFC 3768 in strict mode: reset"),
            );
            accept = false;
        }
        if !accept {
            let span = i.spans.get("no_accept").copied().unwrap_or(i.span);
            self.diags.push(
                Diagnostic::warning(
                    Some(span),
                    format!("({name}) accept mode is off (no_accept or strict mode), but keepvip installs no firewall rules: traffic to the VIPs is accepted"),
                )
                .with_note("keepalived adds nftables/iptables DROP rules here, a common cause of \"cannot ping the VIP\""),
            );
        }
        i.accept = Some(accept);

        // routes that cannot be tracked
        for (k, r) in i.virtual_routes.iter().enumerate() {
            if r.dev.is_none() && !r.no_track {
                let span = i.route_spans.get(k).copied().unwrap_or(i.span);
                self.diags.push(
                    Diagnostic::warning(
                        Some(span),
                        format!(
                            "({name}) virtual route {}/{} has no `dev`: it is installed but not tracked",
                            r.dst, r.dst_len
                        ),
                    )
                    .with_help("add `dev IF`, or `no_track`"),
                );
            }
        }

        // notify commands whose "user" looks like an argument
        for (key, cmd) in [
            ("notify_master", &i.notify.master),
            ("notify_backup", &i.notify.backup),
            ("notify_fault", &i.notify.fault),
            ("notify_stop", &i.notify.stop),
            ("notify", &i.notify.generic),
        ] {
            if let Some(c) = cmd {
                if let Some(u) = &c.user {
                    if matches!(
                        u.to_ascii_uppercase().as_str(),
                        "MASTER" | "BACKUP" | "FAULT" | "STOP"
                    ) || u.starts_with('-')
                        || u.contains('/')
                    {
                        self.diags.push(
                            Diagnostic::warning(
                                Some(Self::span(i, key)),
                                format!(
                                    "({name}) {key}: `{u}` is taken as the user to run `{}` as",
                                    c.command
                                ),
                            )
                            .with_help(format!(
                                "quote the command with its arguments: {key} \"{} {u}\"",
                                c.command
                            )),
                        );
                    }
                }
            }
        }
    }

    /// track_* entries name defined trackers; keepalived drops those that
    /// do not (`track script nosuch not found, ignoring...`) and runs.
    fn trackers(&mut self, m: &mut Model) {
        let scripts: Vec<String> = m.scripts.iter().map(|s| s.name.clone()).collect();
        let files: Vec<String> = m.track_files.iter().map(|s| s.name.clone()).collect();
        let processes: Vec<String> = m.track_processes.iter().map(|s| s.name.clone()).collect();
        let check = |me: &mut Self,
                     owner: &str,
                     entries: &mut Vec<TrackEntry>,
                     what: &str,
                     defined: &[String]| {
            entries.retain(|e| {
                if defined.contains(&e.name) {
                    return true;
                }
                me.diags.push(
                    Diagnostic::fallback(
                        Some(e.span),
                        format!("({owner}) tracks {what} `{}`, which is not defined", e.name),
                        "the tracker is ignored",
                    )
                    .with_help(format!("define it: {what} {} {{ ... }}", e.name)),
                );
                false
            });
        };
        for i in &mut m.instances {
            check(self, &i.name, &mut i.track_script, "vrrp_script", &scripts);
            check(self, &i.name, &mut i.track_file, "track_file", &files);
            check(
                self,
                &i.name,
                &mut i.track_process,
                "vrrp_track_process",
                &processes,
            );
        }
        for g in &mut m.sync_groups {
            check(self, &g.name, &mut g.track_script, "vrrp_script", &scripts);
            check(self, &g.name, &mut g.track_file, "track_file", &files);
            check(
                self,
                &g.name,
                &mut g.track_process,
                "vrrp_track_process",
                &processes,
            );
        }
        for i in &m.instances {
            self.nopreempt_with_weights(m, i);
        }
    }

    /// nopreempt and a tracker that changes the priority: when the check
    /// lowers a master's priority, a backup running nopreempt accepts the
    /// lower adverts and does not take over (keepalived does the same), so
    /// the VIP stays on the node whose check failed. Users of the sticky
    /// pattern expect the opposite.
    fn nopreempt_with_weights(&mut self, m: &Model, i: &VrrpInstance) {
        if !i.nopreempt {
            return;
        }
        let mut refs = Vec::new();
        crate::lower::trackers_of(
            m,
            &i.track_interface,
            &i.track_script,
            &i.track_file,
            &i.track_process,
            &mut refs,
        );
        let Some(weighted) = refs.iter().find(|r| r.weight != 0) else {
            return;
        };
        let (what, name) = match &weighted.key {
            TrackerKey::Script(n) => ("vrrp_script", n),
            TrackerKey::Interface(n) => ("interface", n),
            TrackerKey::File(n) => ("track_file", n),
            TrackerKey::Process(n) => ("vrrp_track_process", n),
        };
        let w = weighted.weight;
        self.diags.push(
            Diagnostic::warning(
                Some(Self::span(i, "nopreempt")),
                format!(
                    "({}) nopreempt with {what} `{name}` weight {w}: when it lowers a master's priority, a backup running nopreempt does not take over, and the VIP stays on the node whose check failed",
                    i.name
                ),
            )
            .with_help("to move the VIP when the check fails, give it `weight 0` (the node goes to FAULT), or drop nopreempt"),
        );
    }

    /// keepalived's `check_vrid_conflicts`.
    fn vrid_conflicts(&mut self, m: &Model) {
        let is = &m.instances;
        for (k, a) in is.iter().enumerate() {
            for b in &is[..k] {
                let (Some(va), Some(vb)) = (a.virtual_router_id, b.virtual_router_id) else {
                    continue;
                };
                if va != vb || a.family != b.family || a.interface != b.interface {
                    continue;
                }
                let (ua, ub) = (!a.unicast_peers.is_empty(), !b.unicast_peers.is_empty());
                if ua != ub {
                    continue; // unicast and multicast are separate VRID spaces
                }
                let conflict = if ua {
                    let src = |i: &VrrpInstance| i.unicast_src_ip.or(i.mcast_src_ip);
                    src(a) == src(b)
                        && a.unicast_peers
                            .iter()
                            .any(|p| b.unicast_peers.iter().any(|q| q.addr == p.addr))
                } else {
                    a.mcast_dst_ip == b.mcast_dst_ip
                };
                if conflict {
                    self.diags.push(
                        Diagnostic::error(
                            Some(a.span),
                            format!(
                                "{} and {} both use VRID {va} with {} on interface {}",
                                b.name,
                                a.name,
                                family_name(a.family.unwrap_or(Family::V4)),
                                a.interface.as_deref().unwrap_or("?")
                            ),
                        )
                        .with_note(
                            "one VRID per interface and address family (their adverts would mix)",
                        ),
                    );
                }
            }
        }
    }

    /// keepalived's `vrrp_sync_set_group`.
    /// keepalived ignores a member that is not an instance or is already
    /// in a group, and removes a group left without members.
    fn sync_groups(&mut self, m: &mut Model) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        let mut groups = std::mem::take(&mut m.sync_groups);
        for g in &mut groups {
            let mut found = 0;
            let mut owners = (0, 0);
            let mut keep = Vec::new();
            for (k, member) in g.group.iter().enumerate() {
                let span = g.member_spans.get(k).copied().unwrap_or(g.span);
                let Some(i) = m.instance(member) else {
                    self.diags.push(Diagnostic::fallback(
                        Some(span),
                        format!(
                            "vrrp_sync_group {}: member {member} is not a vrrp_instance",
                            g.name
                        ),
                        "ignored",
                    ));
                    continue;
                };
                if let Some(other) = seen.get(member.as_str()) {
                    let msg = if *other == g.name {
                        format!(
                            "vrrp_sync_group {}: member {member} is listed twice",
                            g.name
                        )
                    } else {
                        format!(
                            "vrrp_instance {member} cannot be in two sync groups ({other} and {})",
                            g.name
                        )
                    };
                    self.diags.push(Diagnostic::fallback(
                        Some(span),
                        msg,
                        &format!("ignoring it in {}", g.name),
                    ));
                    continue;
                }
                seen.insert(member.clone(), g.name.clone());
                keep.push(k);
                found += 1;
                if i.priority == Some(255) && i.state == Some(StateHint::Master) {
                    owners.0 += 1;
                } else {
                    owners.1 += 1;
                }
            }
            if found == 1 {
                self.warn(
                    g.span,
                    format!("vrrp_sync_group {} has only one member: this is probably not what you want", g.name),
                );
            }
            if owners.0 > 0 && owners.1 > 0 {
                self.warn(
                    g.span,
                    format!("vrrp_sync_group {} mixes address owners (priority 255) and other members: this will not work", g.name),
                );
            }
            if keep.len() != g.group.len() {
                g.group = keep.iter().map(|&k| g.group[k].clone()).collect();
                g.member_spans = keep
                    .iter()
                    .filter_map(|&k| g.member_spans.get(k).copied())
                    .collect();
                if found == 0 {
                    self.diags.push(Diagnostic::fallback(
                        Some(g.span),
                        format!("vrrp_sync_group {}: no matching vrrp_instance", g.name),
                        "the group is removed",
                    ));
                }
            }
        }
        groups.retain(|g| !g.group.is_empty());
        m.sync_groups = groups;
    }

    /// keepalived 2.2.7 (vrrp.c vrrp_complete_instance) on the trackers of
    /// an instance in a sync group without `sync_group_tracking_weight`
    /// (or of an address owner): a weighted track_interface gets weight 0
    /// (an owner's goes), a weighted track_script goes (and, used nowhere
    /// else, never runs), a track_file of weight 1 (the default) gets
    /// weight 0 and one of another weight goes; a track_process keeps its
    /// weight. The scripts are removed here; the router applies the rest
    /// (so `keepvip status` can show it). keepalived's messages.
    fn unweighted_members(&mut self, m: &mut Model, member_of: &BTreeMap<String, String>) {
        let scripts = m.scripts.clone();
        let files = m.track_files.clone();
        for i in &mut m.instances {
            let group = member_of.get(&i.name).and_then(|g| {
                m.sync_groups
                    .iter()
                    .find(|x| &x.name == g)
                    .map(|x| (g.clone(), x.sync_group_tracking_weight))
            });
            let sync = matches!(group, Some((_, false)));
            if !sync && i.priority != Some(255) {
                continue;
            }
            let why = if sync { "SYNC group" } else { "address_owner" };
            let name = i.name.clone();
            let help = group.as_ref().filter(|_| sync).map(|(g, _)| {
                format!(
                    "add `sync_group_tracking_weight` to vrrp_sync_group {g} to use the weights"
                )
            });
            let warn = |diags: &mut Vec<Diagnostic>, span, text: String| {
                let d = Diagnostic::warning(Some(span), text);
                diags.push(match &help {
                    Some(h) => d.with_help(h.clone()),
                    None => d,
                });
            };
            for e in &i.track_interface {
                if e.weight.is_some_and(|w| w != 0) {
                    let text = if sync {
                        format!("({name}) ignoring {} tracked interface weight due to SYNC group: its going down means FAULT", e.name)
                    } else {
                        format!(
                            "({name}) ignoring {} tracked interface due to address owner",
                            e.name
                        )
                    };
                    warn(self.diags, e.span, text);
                }
            }
            i.track_script.retain(|e| {
                let weight = e.weight.unwrap_or_else(|| {
                    scripts
                        .iter()
                        .find(|s| s.name == e.name)
                        .map_or(0, |s| s.weight)
                });
                if weight == 0 {
                    return true;
                }
                warn(
                    self.diags,
                    e.span,
                    format!(
                        "({name}) ignoring tracked script {} with weights due to {why}",
                        e.name
                    ),
                );
                false
            });
            for e in &i.track_file {
                let Some(f) = files.iter().find(|f| f.name == e.name) else {
                    continue;
                };
                let weight = e.weight.unwrap_or(f.weight);
                if weight == 1 {
                    warn(
                        self.diags,
                        e.span,
                        format!("({name}) ignoring weight from tracked file {} due to {why}. specify weight 0", f.file.display()),
                    );
                } else if weight != 0 {
                    warn(
                        self.diags,
                        e.span,
                        format!(
                            "({name}) ignoring tracked file {} with weight {weight} due to {why}",
                            f.file.display()
                        ),
                    );
                }
            }
        }
    }

    /// Scripts: unused ones, and script security.
    /// keepalived with `enable_script_security` and no `script_user` runs
    /// scripts as `keepalived_script` and never as root by default: when
    /// that user does not exist, every vrrp_script, notify and FIFO script
    /// without a user of its own is removed (`Unable to set default user
    /// for vrrp script chk - removing`, `Failed to set default user for
    /// notify script … - ignoring`), and whatever tracked such a script
    /// goes on without it. keepvip does the same, so a configuration
    /// behaves as it did under keepalived and nothing runs as root that
    /// was not asked to, but says so in `keepvip check` as well.
    fn scripts_without_a_user(&mut self, m: &mut Model, host: &Host) {
        let has_notify = m.instances.iter().any(|i| i.notify.any_script())
            || m.sync_groups.iter().any(|g| g.notify.any_script())
            || [&m.global.vrrp_notify_fifo, &m.global.notify_fifo]
                .into_iter()
                .flatten()
                .any(|f| f.script.is_some());
        let (why, help) = if let Some((user, group)) = &m.global.script_user {
            // keepalived 2.2.7 (global_parser.c script_user_handler): `Error
            // setting global script uid/gid` (`keepalived -t` exits 5), and
            // then no script without a user of its own runs: each is
            // removed as below, whatever enable_script_security says
            let missing = match host.script_user_exists {
                Some(true) => None,
                Some(false) => Some(format!("the user {user} does not exist")),
                None if !user_exists(user) => Some(format!("the user {user} does not exist")),
                None => group
                    .as_ref()
                    .filter(|g| !group_exists(g))
                    .map(|g| format!("the group {g} does not exist")),
            };
            let Some(missing) = missing else {
                return;
            };
            let span = m.global.spans.get("script_user").copied();
            self.diags.push(
                Diagnostic::fallback(
                    span,
                    format!("Error setting global script uid/gid: script_user {user}: {missing} on this machine"),
                    "the scripts and notifies without a user of their own are removed",
                )
                .with_help("create it, or name one that exists"),
            );
            (
                format!("the script_user {user} cannot be used ({missing} on this machine)"),
                "create it, set a `script_user` that exists, or give the script a `user`",
            )
        } else {
            if !m.global.enable_script_security
                || (m.scripts.is_empty() && !has_notify)
                || host
                    .default_script_user_exists
                    .unwrap_or_else(|| user_exists(DEFAULT_SCRIPT_USER))
            {
                return;
            }
            (
                "with enable_script_security and no script_user, scripts run as the user keepalived_script, which does not exist on this machine".to_string(),
                "create the user (useradd -r -s /usr/sbin/nologin keepalived_script), set `script_user USER` in global_defs (`script_user root` runs scripts as root), or give the script a `user`",
            )
        };
        let removed: Vec<String> = m
            .scripts
            .iter()
            .filter(|s| s.user.is_none())
            .map(|s| s.name.clone())
            .collect();
        for name in &removed {
            let span = m.tracker_spans.get(&format!("script:{name}")).copied();
            self.diags.push(
                Diagnostic::warning(
                    span,
                    format!("vrrp_script {name} is removed: {why} (keepalived: `Unable to set default user for vrrp script {name} - removing`)"),
                )
                .with_help(help),
            );
        }
        m.scripts.retain(|s| !removed.contains(&s.name));
        let drop_tracks =
            |owner: &str, entries: &mut Vec<TrackEntry>, diags: &mut Vec<Diagnostic>| {
                entries.retain(|e| {
                    let gone = removed.contains(&e.name);
                    if gone {
                        diags.push(Diagnostic::warning(
                            Some(e.span),
                            format!("({owner}) track script {} not found, ignoring...", e.name),
                        ));
                    }
                    !gone
                });
            };
        for i in &mut m.instances {
            drop_tracks(&i.name, &mut i.track_script, self.diags);
        }
        for g in &mut m.sync_groups {
            drop_tracks(&g.name, &mut g.track_script, self.diags);
        }
        let drop_notify = |cmd: &mut Option<NotifyCmd>, span: Span, diags: &mut Vec<Diagnostic>| {
            if cmd.as_ref().is_some_and(|c| c.user.is_none()) {
                let c = cmd.take().expect("checked above");
                diags.push(
                    Diagnostic::warning(
                        Some(span),
                        format!(
                            "notify script `{}` is not run: {why} (keepalived: `Failed to set default user for notify script {} - ignoring`)",
                            c.command,
                            c.command.split_whitespace().next().unwrap_or_default()
                        ),
                    )
                    .with_help(help),
                );
            }
        };
        for i in &mut m.instances {
            let spans = i.spans.clone();
            let at = |k: &str| spans.get(k).copied().unwrap_or(i.span);
            for (key, cmd) in i.notify.commands_mut() {
                drop_notify(cmd, at(key), self.diags);
            }
        }
        for g in &mut m.sync_groups {
            for (_, cmd) in g.notify.commands_mut() {
                drop_notify(cmd, g.span, self.diags);
            }
        }
        let gspans = m.global.spans.clone();
        for (fifo, key) in [
            (&mut m.global.vrrp_notify_fifo, "vrrp_notify_fifo_script"),
            (&mut m.global.notify_fifo, "notify_fifo_script"),
        ] {
            if let (Some(f), Some(span)) = (fifo.as_mut(), gspans.get(key)) {
                drop_notify(&mut f.script, *span, self.diags);
            }
        }
    }

    /// keepalived's VRRP process stops when an instance's interface or a
    /// tracked one does not exist (`WARNING - interface eth9 for
    /// vrrp_instance VI_1 doesn't exist`, `(VI_1) tracked interface dum0
    /// doesn't exist`); keepvip runs and waits for it, but a check on the
    /// machine should say so. VMACs the configuration makes are not looked for.
    fn missing_interfaces(&mut self, m: &Model, host: &Host) {
        let Some(present) = &host.interfaces else {
            return;
        };
        let vmac_names: Vec<&str> = m
            .instances
            .iter()
            .filter_map(|i| i.use_vmac.as_ref()?.name.as_deref())
            .collect();
        let missing =
            |name: &str| !present.iter().any(|p| p == name) && !vmac_names.contains(&name);
        for i in &m.instances {
            if let Some(ifname) = i.interface.as_deref().filter(|n| missing(n)) {
                self.diags.push(
                    Diagnostic::warning(
                        Some(Self::span(i, "interface")),
                        format!(
                            "interface {ifname} for vrrp_instance {} does not exist on this machine: keepalived 2.2.7 stops (`Non-existent interface specified in configuration`); keepvip keeps the instance in FAULT until it appears",
                            i.name
                        ),
                    ),
                );
            }
            for e in i.track_interface.iter().filter(|e| missing(&e.name)) {
                self.diags.push(Diagnostic::warning(
                    Some(e.span),
                    format!(
                        "({}) tracked interface {} does not exist on this machine: keepalived 2.2.7 stops; keepvip counts it as down until it appears",
                        i.name, e.name
                    ),
                ));
            }
        }
    }

    fn scripts(&mut self, m: &mut Model, names: &[String]) {
        let mut unused = Vec::new();
        for s in names {
            let used = m
                .instances
                .iter()
                .flat_map(|i| i.track_script.iter())
                .chain(m.sync_groups.iter().flat_map(|g| g.track_script.iter()))
                .any(|t| &t.name == s);
            if !used {
                let span = m.tracker_spans.get(&format!("script:{s}")).copied();
                self.diags.push(Diagnostic::warning(
                    span,
                    format!("vrrp_script {s} is not used by any track_script: it does not run (keepalived: `Warning - script {s} is not used`)"),
                ));
                unused.push(s.clone());
            }
        }
        m.scripts.retain(|s| !unused.contains(&s.name));
        let has_notify = m.instances.iter().any(|i| i.notify.any_script())
            || m.sync_groups.iter().any(|g| g.notify.any_script())
            || m.global
                .vrrp_notify_fifo
                .as_ref()
                .is_some_and(|f| f.script.is_some())
            || m.global
                .notify_fifo
                .as_ref()
                .is_some_and(|f| f.script.is_some());
        if (!m.scripts.is_empty() || has_notify) && !m.global.enable_script_security {
            self.diags.push(
                Diagnostic::warning(
                    None,
                    "scripts are configured but enable_script_security is not set: keepalived logs SECURITY VIOLATION (and `keepalived -t` fails), then runs them, as keepvip does, even where a non-root user could replace a script run as root",
                )
                .with_help("add `enable_script_security` (and `script_user USER`) to global_defs"),
            );
        }
        for s in &m.scripts {
            let Some(prog) = s.script.split_whitespace().next() else {
                continue;
            };
            if prog.starts_with('/') && !std::path::Path::new(prog).exists() {
                let span = m
                    .tracker_spans
                    .get(&format!("script-command:{}", s.name))
                    .or_else(|| m.tracker_spans.get(&format!("script:{}", s.name)))
                    .copied();
                self.diags.push(Diagnostic::warning(
                    span,
                    format!(
                        "vrrp_script {}: {prog} does not exist here; the check will fail until it does",
                        s.name
                    ),
                ));
            }
        }
    }
}
