//! The event loop (see the module docs of `daemon`).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use keepvip_conf::{Config, LoadOptions};
use keepvip_proto::wire::{self, Family, VrrpRepr};
use keepvip_proto::{
    Action, Destination, IfaceId, Input, LogEvent, NotifyState, NotifyTarget, RouteConfig, Router,
    RuleConfig, State, TrackerKey, TrackerState, VipConfig,
};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use super::garp_pacing::GarpPacer;
use super::ifaces::IfaceTable;
use super::notify_fifo::NotifyFifos;
use super::own::OwnRemovals;
use super::render::Renderer;
use super::{scripts, DaemonError, Event, Packet, Signal};
use crate::control;
use crate::net::garp::GarpSender;
use crate::net::netlink::{NetEvent, Netlink};
use crate::net::vrrp_socket::{SendBatch, VrrpSocket};
use crate::timer::{self, DeadlineTimer};

/// Daemon settings from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// keepalived.conf
    pub config: PathBuf,
    /// `-i`
    pub config_id: Option<String>,
    /// control socket path
    pub control_socket: PathBuf,
    /// `-V`: leave VIPs in place on stop
    pub dont_release_vrrp: bool,
    /// namespace, instance and the file names they give
    pub naming: crate::naming::Naming,
}

/// A VRRP socket and the adverts waiting to go out on it: sent together
/// when the router's run of SendAdvert actions ends. Kept side by side so
/// an advert costs one map lookup.
struct SocketSlot {
    socket: Arc<VrrpSocket>,
    outbox: SendBatch,
    /// the task reading the socket: it holds the socket too, so it is
    /// stopped with the slot (the interface went away), not left waiting
    /// on a socket bound to a deleted interface
    reader: tokio::task::AbortHandle,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

struct Daemon {
    router: Router,
    config: Config,
    ifaces: IfaceTable,
    /// kernel index of each of the router's interfaces, by `IfaceId`
    /// (None: not present): the per-advert lookup without hashing names
    iface_index: Vec<Option<u32>>,
    /// one VRRP socket per (kernel index, family), with its outbox (a
    /// BTreeMap: a few comparisons per advert where a HashMap hashes the
    /// key with SipHash)
    sockets: BTreeMap<(u32, Family), SocketSlot>,
    garp: HashMap<u32, GarpSender>,
    netlink: Netlink,
    /// the loop's one event channel (socket, script and tracker tasks
    /// started later get a clone)
    events: mpsc::Sender<Event>,
    script_tasks: Vec<tokio::task::JoinHandle<()>>,
    /// each script's last exit code, kept across reloads
    script_last_codes: HashMap<String, std::sync::Arc<std::sync::atomic::AtomicI32>>,
    renderer: Renderer,
    /// log lines held back while a takeover's VIPs and GARPs go out, so
    /// no write sits between the advert and the first GARP (written, in
    /// order, right after)
    deferred_logs: Vec<Deferred>,
    opts: Options,
    /// addresses, routes and rules keepvip removed itself, whose deletion
    /// events are not someone else's (a VIP removed as its instance leaves
    /// MASTER could otherwise come back as an event after the instance is
    /// MASTER again, a Skew_Time later, and send it round again)
    own_removals: OwnRemovals<IpAddr>,
    own_route_removals: OwnRemovals<RouteConfig>,
    own_rule_removals: OwnRemovals<RuleConfig>,
    /// when to re-read links and addresses, or re-install routes and
    /// rules, after netlink dropped events
    resync_links_at: Option<std::time::Instant>,
    resync_routes_at: Option<std::time::Instant>,
    /// GARPs / NAs waiting for their interface's spacing
    garp_pacer: GarpPacer,
    /// the notify FIFOs, open while the daemon runs, and their scripts
    fifos: NotifyFifos,
    /// while a reload is carried out: who got a notify (for
    /// fifo_write_vrrp_states_on_reload)
    notified_in_reload: Option<Vec<NotifyTarget>>,
    /// while a reload is carried out: the notify scripts of the instances
    /// and groups it removes (their DELETED / FAULT runs after the new
    /// configuration is in place)
    removed_notifies: Vec<(NotifyTarget, keepvip_conf::model::Notifies)>,
    /// SCHED_RR priority now (vrrp_rt_priority, raised by max_auto_priority)
    rt_priority: Option<i32>,
    /// the use_vmac interfaces this daemon made
    vmacs: super::vmac::Vmacs,
    /// link changes held back by interface_up_down_delays: (due, name, up)
    held_links: Vec<(std::time::Instant, String, bool)>,
    /// when each instance last changed state (for the dumps)
    last_transition: HashMap<keepvip_proto::InstanceId, std::time::SystemTime>,
}

/// The notify scripts of the instances and groups in `old` that `new`
/// no longer has.
fn removed_notifies(
    old: &Config,
    new: &Config,
) -> Vec<(NotifyTarget, keepvip_conf::model::Notifies)> {
    let instances = old
        .instances
        .iter()
        .filter(|i| !new.instances.iter().any(|n| n.name == i.name))
        .map(|i| (NotifyTarget::Instance(i.name.clone()), i.notify.clone()));
    let groups = old
        .groups
        .iter()
        .filter(|g| !new.groups.iter().any(|n| n.name == g.name))
        .map(|g| (NotifyTarget::Group(g.name.clone()), g.notify.clone()));
    instances.chain(groups).collect()
}

fn load(opts: &Options) -> Result<keepvip_conf::Loaded, DaemonError> {
    keepvip_conf::load(
        &opts.config,
        &LoadOptions {
            config_id: opts.config_id.clone(),
            ..Default::default()
        },
    )
    .map_err(|e| DaemonError::Config(e.to_string()))
}

/// One tracker's line of `keepvip status`.
fn tracker_status(
    e: &keepvip_proto::TrackerEffect<'_>,
    group: Option<&str>,
) -> control::TrackerStatus {
    let (kind, name) = match &e.tracker.key {
        TrackerKey::Script(n) => ("script", n),
        TrackerKey::File(n) => ("file", n),
        TrackerKey::Process(n) => ("process", n),
        TrackerKey::Interface(n) => ("interface", n),
    };
    control::TrackerStatus {
        kind: kind.into(),
        name: name.clone(),
        group: e.from_group.then(|| group.unwrap_or_default().to_string()),
        weight: e.tracker.weight,
        reverse: e.tracker.reverse,
        weight_counts: e.weight_counts,
        dropped: e.dropped,
        state: match e.state {
            None => "not run yet".into(),
            Some(TrackerState::Up) => "up".into(),
            Some(TrackerState::Down) => "down".into(),
            Some(TrackerState::Value(v)) => format!("value {v}"),
        },
        priority_change: *e.effect.as_ref().unwrap_or(&0),
        fault: e.effect.is_err(),
    }
}

/// keepalived's lines for a configuration just read: `Opening file 'F'.`
/// for each file, includes too (-D), then `Configuration file MAIN`.
pub fn log_config_files(loaded: &keepvip_conf::Loaded, main: &std::path::Path) {
    for f in loaded.sources.files() {
        tracing::debug!("Opening file '{}'.", f.path.display());
    }
    tracing::info!("Configuration file {}", main.display());
}

impl Daemon {
    fn ifindex(&self, id: IfaceId) -> Option<u32> {
        self.iface_index.get(id.0 as usize).copied().flatten()
    }

    /// The router's interface behind a kernel index.
    fn iface_of(&self, ifindex: u32) -> Option<IfaceId> {
        let pos = self.iface_index.iter().position(|i| *i == Some(ifindex))?;
        Some(IfaceId(pos as u32))
    }

    /// Recompute `iface_index` after links or the configuration changed.
    fn refresh_iface_index(&mut self) {
        let mut index = Vec::new();
        for (id, name) in self.router.ifaces() {
            let pos = id.0 as usize;
            if index.len() <= pos {
                index.resize(pos + 1, None);
            }
            index[pos] = self.ifaces.by_name(name).map(|i| i.index);
        }
        self.iface_index = index;
    }

    /// Tell the router everything known about its interfaces.
    fn feed_interfaces(&mut self, now: keepvip_proto::Instant) {
        let all: Vec<IfaceId> = self.router.ifaces().map(|(i, _)| i).collect();
        self.feed_these_interfaces(now, &all);
    }

    /// Tell the router the links and addresses of the interfaces `ids`.
    fn feed_these_interfaces(&mut self, now: keepvip_proto::Instant, ids: &[IfaceId]) {
        let ids: Vec<(IfaceId, String)> = self
            .router
            .ifaces()
            .filter(|(i, _)| ids.contains(i))
            .map(|(i, n)| (i, n.to_string()))
            .collect();
        for (id, name) in ids {
            let Some(ifc) = self.ifaces.by_name(&name).cloned() else {
                tracing::warn!("interface {name} does not exist (yet): treated as down");
                self.router.handle(
                    now,
                    Input::Link {
                        iface: id,
                        up: false,
                    },
                );
                continue;
            };
            for (addr, prefix_len) in ifc.addrs() {
                self.router.handle(
                    now,
                    Input::Address {
                        iface: id,
                        addr,
                        prefix_len,
                        added: true,
                    },
                );
            }
            self.router.handle(
                now,
                Input::Link {
                    iface: id,
                    up: ifc.up,
                },
            );
        }
    }

    fn open_sockets(&mut self) {
        for (iface, family, groups) in self.router.sockets() {
            let Some(name) = self.router.iface_name(iface).map(str::to_string) else {
                continue;
            };
            let Some(idx) = self.ifaces.by_name(&name).map(|i| i.index) else {
                continue;
            };
            if let Some(s) = self.sockets.get(&(idx, family)) {
                for g in groups {
                    let _ = s.socket.join(g);
                }
                continue;
            }
            match VrrpSocket::open(&name, idx, family, None) {
                Ok(sock) => {
                    for g in &groups {
                        if let Err(e) = sock.join(*g) {
                            tracing::warn!("cannot join {g} on {name}: {e}");
                        }
                    }
                    let sock = Arc::new(sock);
                    let socket = sock.clone();
                    let tx = self.events.clone();
                    let reader = tokio::spawn(async move {
                        let mut buf = vec![0u8; 2048];
                        loop {
                            match sock.recv(&mut buf).await {
                                Ok(r) => {
                                    let payload = buf[r.offset..r.offset + r.len].to_vec();
                                    let p = Packet {
                                        arrival: r.arrival,
                                        ifindex: r.ifindex,
                                        family,
                                        src: r.src,
                                        dst: r.dst,
                                        ttl: r.ttl,
                                        payload,
                                    };
                                    if tx.send(Event::Packet(p)).await.is_err() {
                                        return;
                                    }
                                }
                                Err(e) => {
                                    tracing::debug!("VRRP socket receive: {e}");
                                    tokio::time::sleep(Duration::from_millis(10)).await;
                                }
                            }
                        }
                    });
                    self.sockets.insert(
                        (idx, family),
                        SocketSlot {
                            socket,
                            outbox: SendBatch::default(),
                            reader: reader.abort_handle(),
                        },
                    );
                }
                Err(e) => tracing::error!("cannot open VRRP socket on {name}: {e}"),
            }
        }
    }

    /// Start the scripts and file/process trackers; `reload`: a script
    /// that ran before keeps the state it reported.
    fn start_scripts(&mut self, reload: bool) {
        for t in self.script_tasks.drain(..) {
            t.abort();
        }
        for s in self.config.scripts.clone() {
            let tx = self.events.clone();
            let policy = self.policy();
            let key = TrackerKey::Script(s.name.clone());
            let carried_up = reload
                .then(|| self.router.tracker_state(&key))
                .flatten()
                .map(|st| st == TrackerState::Up);
            let last = self
                .script_last_codes
                .entry(s.name.clone())
                .or_default()
                .clone();
            self.script_tasks.push(tokio::spawn(scripts::run_script(
                s, policy, carried_up, last, tx,
            )));
        }
        for f in self.config.track_files.clone() {
            let tx = self.events.clone();
            self.script_tasks
                .push(tokio::spawn(super::trackers::run_track_file(f, tx)));
        }
        for p in self.config.track_processes.clone() {
            let tx = self.events.clone();
            self.script_tasks
                .push(tokio::spawn(super::trackers::run_track_process(p, tx)));
        }
    }

    fn policy(&self) -> scripts::ScriptPolicy {
        scripts::ScriptPolicy {
            default_user: self.config.global.script_user.clone(),
            security: self.config.global.script_security,
        }
    }

    /// Open the notify FIFOs and start their scripts (which get the FIFO's
    /// path as their last argument); on a reload, only the changed ones.
    async fn open_fifos(&mut self) {
        let policy = self.policy();
        let g = &self.config.global;
        let wanted: Vec<&keepvip_conf::model::Fifo> = [&g.vrrp_notify_fifo, &g.notify_fifo]
            .into_iter()
            .flatten()
            .collect();
        self.fifos.apply(&wanted, &policy).await;
    }

    /// Handle a packet dated `at` (its arrival: see `arrival`).
    fn on_packet(&mut self, p: Packet, now: keepvip_proto::Instant) {
        let Some(iface) = self.iface_of(p.ifindex) else {
            return;
        };
        match VrrpRepr::parse(&p.payload, p.src, p.dst) {
            Ok((advert, checksum)) => self.router.handle(
                now,
                Input::Advert {
                    iface,
                    src: p.src,
                    dst: p.dst,
                    ttl: p.ttl,
                    advert,
                    checksum,
                },
            ),
            Err(error) => self.router.handle(
                now,
                Input::Malformed {
                    iface,
                    family: p.family,
                    vrid: wire::peek_vrid(&p.payload),
                    src: p.src,
                    error,
                },
            ),
        }
    }

    /// Handle one event from the loop's channel.
    async fn on_event(&mut self, ev: Event) -> Flow {
        match ev {
            Event::Packet(p) => {
                let at = arrival(&p, timer::now(), MAX_QUEUED);
                self.on_packet(p, at);
            }
            Event::Net(ev) => self.on_net(ev).await,
            Event::Tracker(key, state) => self
                .router
                .handle(timer::now(), Input::Tracker { key, state }),
            Event::Control(p) => self.answer(p),
            Event::Signal(Signal::Stop) => return Flow::Stop,
            Event::Signal(Signal::Reload) => self.reload().await,
            Event::Signal(Signal::CpuTime) => tracing::info!(
                "VRRP process has used too much CPU time, vrrp_rlimit_rttime may need to be increased"
            ),
            Event::Signal(dump) => self.dump(dump),
        }
        Flow::Continue
    }

    /// Woken `late` (the host stalled us): what arrived meanwhile is
    /// handled before the timers that fell due, in arrival order, as if
    /// the loop had not stalled. Else a backup paused past its down timer
    /// would take over although its master's adverts sit in its socket
    /// (keepalived reads ready sockets before expired timers, and stays
    /// BACKUP). The caller then handles the timers still due.
    async fn catch_up(&mut self, events: &mut mpsc::Receiver<Event>, late: Duration) -> Flow {
        // the socket tasks woken with us read what waits in the kernel
        tokio::task::yield_now().await;
        let now = timer::now();
        let mut waiting = Vec::new();
        while waiting.len() < super::EVENT_QUEUE {
            match events.try_recv() {
                Ok(ev) => waiting.push(ev),
                Err(_) => break,
            }
        }
        // packets by arrival (sockets are read by tasks of their own, so
        // the channel interleaves them); everything else after them
        let mut dated: Vec<(keepvip_proto::Instant, Event)> = waiting
            .into_iter()
            .map(|ev| match &ev {
                Event::Packet(p) => (arrival(p, now, late + MAX_QUEUED), ev),
                _ => (now, ev),
            })
            .collect();
        dated.sort_by_key(|(at, _)| *at);
        let mut flow = Flow::Continue;
        for (at, ev) in dated {
            self.router.handle_timeout(at);
            match ev {
                Event::Packet(p) => self.on_packet(p, at),
                // a stop still lets the rest be handled: none is lost
                other => {
                    if let Flow::Stop = self.on_event(other).await {
                        flow = Flow::Stop;
                    }
                }
            }
        }
        flow
    }

    async fn on_net(&mut self, ev: NetEvent) {
        // overruns come in bursts: one re-read a little after the first
        // covers the whole burst
        let soon = std::time::Instant::now() + Duration::from_millis(20);
        match ev {
            NetEvent::Overrun => {
                self.resync_links_at.get_or_insert(soon);
            }
            NetEvent::RoutesOverrun => {
                self.resync_routes_at.get_or_insert(soon);
            }
            ev => self.on_net_event(ev).await,
        }
    }

    /// The earlier of the pending re-reads after an overrun.
    fn resync_due(&self) -> Option<std::time::Instant> {
        match (self.resync_links_at, self.resync_routes_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Do the re-reads that are due.
    async fn resync(&mut self) {
        let now = std::time::Instant::now();
        if self.resync_links_at.is_some_and(|t| t <= now) {
            self.resync_links_at = None;
            // keepalived re-reads everything after ENOBUFS as well
            tracing::warn!(
                "netlink: link and address events were lost (receive buffer full): reading them again"
            );
            let (links, addrs) = (self.netlink.links().await, self.netlink.addresses().await);
            match (links, addrs) {
                (Ok(links), Ok(addrs)) => {
                    self.ifaces.events_caught_up();
                    for e in self.ifaces.resync_events(&links, &addrs) {
                        self.on_net_event(e).await;
                    }
                }
                (Err(e), _) | (_, Err(e)) => tracing::error!("netlink: cannot list them: {e}"),
            }
        }
        if self.resync_routes_at.is_some_and(|t| t <= now) {
            self.resync_routes_at = None;
            // a deletion may be among the lost: put back what should be
            // there (already there is fine)
            tracing::warn!(
                "netlink: route and rule events were lost (receive buffer full): installing the static and the MASTERs' routes and rules again"
            );
            let (statics, rules) = (
                self.config.static_routes.clone(),
                self.config.static_rules.clone(),
            );
            self.apply_routes(&statics, true).await;
            self.apply_rules(&rules, true).await;
            let (routes, rules) = self.virtual_routes_and_rules(true);
            self.apply_routes(&routes, true).await;
            self.apply_rules(&rules, true).await;
        }
    }

    /// The virtual routes and rules of every instance, or of those that
    /// are MASTER.
    fn virtual_routes_and_rules(&self, masters_only: bool) -> (Vec<RouteConfig>, Vec<RuleConfig>) {
        let (mut routes, mut rules) = (Vec::new(), Vec::new());
        for v in self.router.instances() {
            if !masters_only || v.state == State::Master {
                routes.extend(v.config.routes.iter().cloned());
                rules.extend(v.config.rules.iter().cloned());
            }
        }
        (routes, rules)
    }

    async fn on_net_event(&mut self, ev: NetEvent) {
        let now = timer::now();
        match ev {
            NetEvent::Link(l) => {
                // queued before a dump that already told us this link's
                // state (a VMAC just made): acting on it would flap the
                // instances on it through FAULT. A link keepvip deleted
                // (a leftover VMAC made anew) has the name of the new one:
                // taking it for that one would leave its instance in FAULT
                if self.ifaces.is_stale(l.index, l.up) || self.vmacs.is_retired(l.index) {
                    return;
                }
                let before = self
                    .ifaces
                    .by_index(l.index)
                    .map(|i| (i.name.clone(), i.up));
                let was = before.as_ref().map(|(_, up)| *up);
                self.ifaces.upsert_link(l.index, &l.name, l.mac, l.up);
                self.refresh_iface_index();
                // an interface made again under a name of its own and then
                // renamed (as udev and container tools do) is one of ours
                // on a new index: it needs its sockets, and the router the
                // addresses it got under the other name
                let renamed_to_ours = match &before {
                    Some((old, _)) if *old != l.name => {
                        let id = self.router.iface_id(&l.name);
                        if id.is_some() || self.router.iface_id(old).is_some() {
                            tracing::info!("Interface name has changed from {old} to {}", l.name);
                        }
                        id
                    }
                    _ => None,
                };
                if let Some(id) = renamed_to_ours {
                    self.feed_these_interfaces(now, &[id]);
                    self.open_sockets();
                    if self.vmacs.missing(&wanted_vmacs(&self.config)) {
                        self.recreate_vmacs().await;
                    }
                }
                if was != Some(l.up) {
                    // keepalived reports only interfaces something tracks
                    let tracked = self.router.iface_id(&l.name).is_some()
                        || vmac_bases(&self.config).values().any(|b| *b == l.name);
                    if was.is_some() && tracked {
                        tracing::info!("{}", super::text::netlink_link(&l.name, l.up));
                    }
                    // the kernel's state, whatever the instances are told
                    // and when (interface_up_down_delays)
                    if was == Some(false) && l.up {
                        self.reinstate_statics_on(&l.name).await;
                    }
                    if was.is_some() && self.hold_link_change(&l.name, l.up) {
                        return;
                    }
                    if let Some(id) = self.router.iface_id(&l.name) {
                        self.router.handle(
                            now,
                            Input::Link {
                                iface: id,
                                up: l.up,
                            },
                        );
                        if was.is_none() {
                            self.open_sockets();
                        }
                    }
                    // a new interface may be the one a missing VMAC sits on
                    if was.is_none() && self.vmacs.missing(&wanted_vmacs(&self.config)) {
                        self.recreate_vmacs().await;
                    }
                }
            }
            NetEvent::LinkRemoved { index } if self.vmacs.retirement_done(index) => {
                self.ifaces.remove_link(index);
                self.refresh_iface_index();
                self.sockets.retain(|(i, _), _| *i != index);
                self.garp.remove(&index);
            }
            NetEvent::LinkRemoved { index } => {
                if let Some(name) = self.ifaces.by_index(index).map(|i| i.name.clone()) {
                    if self.router.iface_id(&name).is_some() {
                        tracing::info!("Interface {name} deleted");
                    }
                    self.held_links.retain(|(_, n, _)| *n != name);
                    if let Some(id) = self.router.iface_id(&name) {
                        self.router.handle(
                            now,
                            Input::Link {
                                iface: id,
                                up: false,
                            },
                        );
                    }
                }
                self.ifaces.remove_link(index);
                self.refresh_iface_index();
                self.sockets.retain(|(i, _), _| *i != index);
                self.garp.remove(&index);
                // a VMAC of ours deleted by someone: made again, as
                // keepalived does (if the interface under it is there)
                if self.vmacs.deleted(index).is_some() {
                    self.recreate_vmacs().await;
                }
            }
            NetEvent::AddrAdded(a) => {
                self.ifaces.add_addr(a.index, a.addr, a.prefix_len);
                if let Some(id) = self.iface_of(a.index) {
                    self.router.handle(
                        now,
                        Input::Address {
                            iface: id,
                            addr: a.addr,
                            prefix_len: a.prefix_len,
                            added: true,
                        },
                    );
                }
            }
            NetEvent::AddrRemoved(a) if self.own_removals.take(|x| *x == a.addr) => {
                self.ifaces.remove_addr(a.index, a.addr);
                // the router's list too: the address may have been its
                // advert source (a link-local VIP a killed daemon left)
                if let Some(id) = self.iface_of(a.index) {
                    self.router.handle(
                        now,
                        Input::OwnAddressRemoved {
                            iface: id,
                            addr: a.addr,
                        },
                    );
                }
            }
            NetEvent::AddrRemoved(a) if self.is_static_address(&a) => {
                self.ifaces.remove_addr(a.index, a.addr);
                let statics: Vec<VipConfig> = self
                    .config
                    .static_addresses
                    .iter()
                    .filter(|s| s.addr == a.addr && !s.no_track)
                    .cloned()
                    .collect();
                self.restore_static_addresses(&statics).await;
            }
            NetEvent::Overrun | NetEvent::RoutesOverrun => {}
            NetEvent::RouteRemoved(key) => self.route_removed(&key).await,
            NetEvent::RuleRemoved(key) => self.rule_removed(&key).await,
            NetEvent::AddrRemoved(a) => {
                self.ifaces.remove_addr(a.index, a.addr);
                if let Some(id) = self.iface_of(a.index) {
                    self.router.handle(
                        now,
                        Input::Address {
                            iface: id,
                            addr: a.addr,
                            prefix_len: a.prefix_len,
                            added: false,
                        },
                    );
                }
            }
        }
    }

    /// An interface came back up: put back the static addresses and routes
    /// on it, as keepalived's interface_up. The kernel drops IPv4 routes
    /// with the link without telling anyone, and IPv6 addresses with it
    /// (their restore, tried at once, may have failed while it was down).
    async fn reinstate_statics_on(&mut self, ifname: &str) {
        let on_it = |dev: &Option<String>| dev.as_deref() == Some(ifname);
        let present: Vec<IpAddr> = self
            .ifaces
            .by_name(ifname)
            .map(|i| i.addrs().into_iter().map(|(a, _)| a).collect())
            .unwrap_or_default();
        let addrs: Vec<VipConfig> = self
            .config
            .static_addresses
            .iter()
            .filter(|a| !a.no_track && on_it(&a.dev) && !present.contains(&a.addr))
            .cloned()
            .collect();
        self.restore_static_addresses(&addrs).await;
        let routes: Vec<RouteConfig> = self
            .config
            .static_routes
            .iter()
            .filter(|r| !r.no_track && on_it(&r.dev))
            .cloned()
            .collect();
        for r in &routes {
            self.restore_static_route(r).await;
        }
    }

    /// Put back static addresses someone (or a link going down) took away.
    async fn restore_static_addresses(&mut self, addrs: &[VipConfig]) {
        for a in addrs {
            tracing::info!(
                "Restoring deleted static address {}/{} dev {}",
                a.addr,
                a.prefix_len,
                a.dev.as_deref().unwrap_or("?")
            );
        }
        self.apply_static_addresses(addrs, true).await;
    }

    /// Put back a static route that is gone, unless its interface is down:
    /// the kernel takes IPv6 routes with a link that goes down (and says
    /// so), and the link's return puts them back (reinstate_statics_on).
    /// One that is there already is left alone, without a word.
    async fn restore_static_route(&mut self, r: &RouteConfig) {
        let dev = r.dev.as_deref().and_then(|d| self.ifaces.by_name(d));
        let went = || {
            tracing::info!(
                "static route {} went with its interface {}: it is put back when the interface is up",
                super::text::route(r),
                r.dev.as_deref().unwrap_or("?")
            )
        };
        if dev.is_some_and(|i| !i.up) {
            went();
            return;
        }
        let index = dev.map(|i| i.index);
        match self.netlink.add_route_if_missing(index, r).await {
            Ok(true) => tracing::info!("Restoring deleted static route {}", super::text::route(r)),
            Ok(false) => {}
            // the link event is on another socket and may come later
            Err(e) if e.raw_os_error() == Some(libc::ENETDOWN) => went(),
            Err(e) => tracing::warn!("cannot add route {}/{}: {e}", r.dst, r.dst_len),
        }
    }

    /// Someone deleted a route with keepalived's protocol: a static one is
    /// put back, a MASTER's virtual one sends it to BACKUP for a moment
    /// (keepalived's behaviour for both; `no_track` ones are left alone).
    /// A deletion keepvip made itself is not someone's.
    async fn route_removed(&mut self, key: &crate::net::netlink::RouteKey) {
        if self.own_route_removals.take(|r| key.matches(r)) {
            return;
        }
        let theirs = |r: &RouteConfig| !r.no_track && key.matches(r);
        let statics: Vec<RouteConfig> = self
            .config
            .static_routes
            .iter()
            .filter(|r| theirs(r))
            .cloned()
            .collect();
        let virtuals: Vec<RouteConfig> = self
            .virtual_routes_and_rules(false)
            .0
            .into_iter()
            .filter(|r| theirs(r))
            .collect();
        for r in &statics {
            self.restore_static_route(r).await;
        }
        for r in &virtuals {
            self.router.handle(timer::now(), Input::RouteRemoved(r));
        }
    }

    /// Remove an address of ours, noting it so that its deletion event is
    /// known for ours.
    async fn remove_own_address(&mut self, dev: u32, a: &VipConfig) -> std::io::Result<()> {
        if self.netlink.remove_address(dev, a).await? {
            self.own_removals.note(a.addr);
        }
        Ok(())
    }

    /// Whether a deleted address is one of the static ones (tracked, on
    /// its own interface).
    fn is_static_address(&self, a: &crate::net::netlink::AddrInfo) -> bool {
        let dev = self.ifaces.by_index(a.index).map(|i| i.name.as_str());
        self.config
            .static_addresses
            .iter()
            .any(|s| s.addr == a.addr && !s.no_track && s.dev.as_deref() == dev)
    }

    /// Make the configured VMACs that are missing, and hand them to the
    /// router as at start.
    async fn recreate_vmacs(&mut self) {
        let wanted: Vec<keepvip_conf::lower::Vmac> =
            wanted_vmacs(&self.config).into_iter().cloned().collect();
        let refs: Vec<&keepvip_conf::lower::Vmac> = wanted.iter().collect();
        if !self.vmacs.create(&self.netlink, &refs).await {
            return;
        }
        let Ok(links) = self.netlink.links().await else {
            return;
        };
        for l in &links {
            self.ifaces.upsert_listed_link(l);
        }
        self.refresh_iface_index();
        self.feed_interfaces(timer::now());
        self.open_sockets();
    }

    /// The same for rules.
    async fn rule_removed(&mut self, key: &crate::net::netlink::RuleKey) {
        if self.own_rule_removals.take(|r| key.matches(r)) {
            return;
        }
        let theirs = |r: &RuleConfig| !r.no_track && key.matches(r);
        let statics: Vec<RuleConfig> = self
            .config
            .static_rules
            .iter()
            .filter(|r| theirs(r))
            .cloned()
            .collect();
        let virtuals: Vec<RuleConfig> = self
            .virtual_routes_and_rules(false)
            .1
            .into_iter()
            .filter(|r| theirs(r))
            .collect();
        for r in &statics {
            tracing::info!("Restoring deleted static rule {}", super::text::rule(r));
        }
        self.apply_rules(&statics, true).await;
        for r in &virtuals {
            self.router.handle(timer::now(), Input::RuleRemoved(r));
        }
    }

    /// Carry out every queued action, in order, except that adverts go
    /// first: a run of adverts is sent as one batch per socket before the
    /// next action with an effect (VIPs, GARPs, notifies), and log lines
    /// queued before or among them are written after it. So a takeover's
    /// advert leaves right at the deadline even when `-D` logs "Receive
    /// advertisement timeout" ahead of it, and log lines keep their order.
    async fn drain(&mut self) {
        while let Some(action) = self.router.poll_action() {
            match action {
                Action::SendAdvert { .. } => self.queue_advert(&action),
                Action::Log(ev) => self.deferred_logs.push(Deferred::Event(ev)),
                // a takeover's critical path: the advert, the VIPs (routes
                // and rules), the GARPs; the log lines queued so far wait
                // until the GARPs are out (a failure's warning writes them
                // first, so the log keeps its order)
                a @ (Action::StateChange { .. }
                | Action::AddVips { .. }
                | Action::AddRoutes { .. }
                | Action::AddRules { .. }
                | Action::Garp { .. }) => {
                    let garp = matches!(a, Action::Garp { .. });
                    self.flush_adverts();
                    self.execute(a).await;
                    // right after this instance's first GARPs, not after
                    // every instance's (1,000 taking over in one turn would
                    // date their lines late)
                    if garp {
                        self.flush_logs();
                    }
                }
                other => {
                    self.flush_adverts();
                    self.flush_logs();
                    self.execute(other).await;
                }
            }
        }
        self.flush_adverts();
        self.flush_logs();
    }

    /// Write the held-back log lines, in order.
    fn flush_logs(&mut self) {
        for d in std::mem::take(&mut self.deferred_logs) {
            match d {
                Deferred::Event(ev) => self.log_event(&ev),
                Deferred::Debug(line) => tracing::debug!("{line}"),
                Deferred::Warn(line) => tracing::warn!("{line}"),
            }
        }
    }

    /// Write a log line, and with notify_priority_changes tell the FIFOs
    /// of a new effective priority (keepalived: `INSTANCE "VI_1"
    /// MASTER_PRIORITY 80`, BACKUP_PRIORITY in any other state).
    fn log_event(&mut self, ev: &LogEvent) {
        if let LogEvent::UnknownVrid { iface, vrid, .. } = ev {
            // off by default, as keepalived: a shared segment floods it
            if self.config.global.log_unknown_vrids {
                let name = self.router.iface_name(*iface).unwrap_or("?");
                tracing::info!("Unknown VRID({vrid}) received on interface({name}). ignoring...");
            }
            return;
        }
        self.renderer.log(ev);
        let LogEvent::PriorityChange { instance, to, .. } = ev else {
            return;
        };
        let wanted = self
            .config
            .instances
            .iter()
            .any(|i| &i.name == instance && i.notify_priority_changes);
        if !wanted {
            return;
        }
        let word = match self.router.instance_by_name(instance).map(|v| v.state) {
            Some(State::Master) => "MASTER_PRIORITY",
            _ => "BACKUP_PRIORITY",
        };
        self.fifo_line(&format!("INSTANCE \"{instance}\" {word} {to}\n"));
    }

    /// The protocol timer fired `late` after its deadline (a host too busy
    /// to run us): say so as keepalived does, and with max_auto_priority
    /// move to (or up in) realtime scheduling.
    fn running_late(&mut self, late: Duration) {
        tracing::info!(
            "A thread timer expired {}.{:06} seconds ago",
            late.as_secs(),
            late.subsec_micros()
        );
        let s = &self.config.global.scheduling;
        let Some(max) = s.max_auto_priority else {
            return;
        };
        match crate::sys::raise_rt_priority(self.rt_priority, max, s.rlimit_rttime) {
            Ok(Some(p)) => {
                self.rt_priority = Some(p);
                tracing::info!("Set realtime priority {p}");
            }
            Ok(None) => {}
            Err(e) => tracing::warn!("max_auto_priority: cannot raise the priority: {e}"),
        }
    }

    /// One line to the notify FIFOs (vrrp_notify_fifo and notify_fifo).
    fn fifo_line(&self, line: &str) {
        self.fifos.write(line);
    }

    async fn execute(&mut self, action: Action) {
        match action {
            Action::SendAdvert { .. } => {
                self.queue_advert(&action);
                self.flush_adverts();
            }
            Action::AddVips { iface, vips, .. } => self.apply_vips(iface, &vips, true).await,
            Action::RemoveVips { iface, vips, .. } => {
                // no GARP still waiting for these may go out once they are gone
                let addrs: Vec<IpAddr> = vips.iter().map(|v| v.addr).collect();
                self.garp_pacer.cancel(&addrs);
                self.apply_vips(iface, &vips, false).await
            }
            Action::AddRoutes { routes, .. } => self.apply_routes(&routes, true).await,
            Action::RemoveRoutes { routes, .. } => self.apply_routes(&routes, false).await,
            Action::AddRules { rules, .. } => self.apply_rules(&rules, true).await,
            Action::RemoveRules { rules, .. } => self.apply_rules(&rules, false).await,
            Action::Garp {
                iface,
                addrs,
                repeat,
                instance,
            } => {
                self.garp_burst(instance, iface, &addrs, repeat);
            }
            Action::Notify {
                target,
                state,
                priority,
            } => self.notify(&target, state, priority),
            Action::StateChange { instance, .. } => {
                self.last_transition
                    .insert(instance, std::time::SystemTime::now());
            }
            Action::Log(ev) => self.log_event(&ev),
        }
    }

    /// The kernel index of a `dev` named in the config (None: not present).
    fn dev_index(&self, dev: Option<&str>) -> Option<u32> {
        dev.and_then(|d| self.ifaces.by_name(d)).map(|i| i.index)
    }

    /// Add or remove VIPs: on their own `dev`, else the instance's interface.
    async fn apply_vips(&mut self, iface: IfaceId, vips: &[VipConfig], add: bool) {
        let Some(idx) = self.ifindex(iface) else {
            return;
        };
        for v in vips {
            let dev = self.dev_index(v.dev.as_deref()).unwrap_or(idx);
            let r = if add {
                self.netlink.add_address(dev, v).await
            } else {
                self.remove_own_address(dev, v).await
            };
            if let Err(e) = r {
                // after the lines held back before it
                self.flush_logs();
                let verb = if add { "add" } else { "remove" };
                tracing::warn!("cannot {verb} VIP {}/{}: {e}", v.addr, v.prefix_len);
            }
        }
    }

    /// Add or remove virtual routes.
    async fn apply_routes(&mut self, routes: &[RouteConfig], add: bool) {
        for r in routes {
            let dev = self.dev_index(r.dev.as_deref());
            let res = if add {
                self.netlink.add_route(dev, r).await
            } else {
                match self.netlink.remove_route(dev, r).await {
                    // its deletion event is ours, not someone's
                    Ok(true) => {
                        self.own_route_removals.note(r.clone());
                        Ok(())
                    }
                    other => other.map(|_| ()),
                }
            };
            if let Err(e) = res {
                self.flush_logs();
                let verb = if add { "add" } else { "remove" };
                tracing::warn!("cannot {verb} route {}/{}: {e}", r.dst, r.dst_len);
            }
        }
    }

    /// Add or remove policy-routing rules.
    async fn apply_rules(&mut self, rules: &[RuleConfig], add: bool) {
        for r in rules {
            let res = if add {
                self.netlink.add_rule(r).await
            } else {
                match self.netlink.remove_rule(r).await {
                    Ok(true) => {
                        self.own_rule_removals.note(r.clone());
                        Ok(())
                    }
                    other => other.map(|_| ()),
                }
            };
            if let Err(e) = res {
                self.flush_logs();
                let verb = if add { "add" } else { "remove" };
                tracing::warn!("cannot {verb} rule {}: {e}", super::text::rule(r));
            }
        }
    }

    /// static_ipaddress / static_routes / static_rules: installed whatever
    /// the VRRP state. `old` is the running configuration on a reload: what
    /// it had and `new` lacks is removed (rules, then routes, then
    /// addresses), then everything in `new` is added (addresses first, so
    /// routes via them work): what is already there stays (EEXIST), and
    /// what someone deleted comes back, as keepalived does on reload.
    async fn install_statics(&mut self, old: Option<&Config>) {
        if let Some(old) = old {
            let c = &self.config;
            let rules: Vec<RuleConfig> = old
                .static_rules
                .iter()
                .filter(|r| !c.static_rules.contains(r))
                .cloned()
                .collect();
            let routes: Vec<RouteConfig> = old
                .static_routes
                .iter()
                .filter(|r| !c.static_routes.contains(r))
                .cloned()
                .collect();
            let addrs: Vec<VipConfig> = old
                .static_addresses
                .iter()
                .filter(|a| !c.static_addresses.contains(a))
                .cloned()
                .collect();
            self.apply_rules(&rules, false).await;
            self.apply_routes(&routes, false).await;
            self.apply_static_addresses(&addrs, false).await;
        }
        let c = &self.config;
        let (addrs, routes, rules) = (
            c.static_addresses.clone(),
            c.static_routes.clone(),
            c.static_rules.clone(),
        );
        self.apply_static_addresses(&addrs, true).await;
        self.apply_routes(&routes, true).await;
        self.apply_rules(&rules, true).await;
    }

    /// Remove every static rule, route and address (on stop; also with
    /// `-V`, which only keeps the VRRP addresses, as in keepalived).
    async fn remove_statics(&mut self) {
        let c = &self.config;
        let (addrs, routes, rules) = (
            c.static_addresses.clone(),
            c.static_routes.clone(),
            c.static_rules.clone(),
        );
        self.apply_rules(&rules, false).await;
        self.apply_routes(&routes, false).await;
        self.apply_static_addresses(&addrs, false).await;
    }

    /// Add or remove static addresses, each on its own `dev` (conf makes
    /// `dev` mandatory for them).
    async fn apply_static_addresses(&mut self, addrs: &[VipConfig], add: bool) {
        let verb = if add { "add" } else { "remove" };
        for a in addrs {
            let Some(dev) = self.dev_index(a.dev.as_deref()) else {
                tracing::warn!(
                    "cannot {verb} static address {}/{}: no interface {}",
                    a.addr,
                    a.prefix_len,
                    a.dev.as_deref().unwrap_or("?")
                );
                continue;
            };
            let r = if add {
                self.netlink.add_address(dev, a).await
            } else {
                self.remove_own_address(dev, a).await
            };
            if let Err(e) = r {
                tracing::warn!(
                    "cannot {verb} static address {}/{}: {e}",
                    a.addr,
                    a.prefix_len
                );
            }
        }
    }

    /// Build the advert of a SendAdvert action into its socket's outbox.
    fn queue_advert(&mut self, action: &Action) {
        let Action::SendAdvert {
            iface,
            src,
            dst,
            family,
            checksum,
            ttl,
            ..
        } = action
        else {
            return;
        };
        let Some(idx) = self.ifindex(*iface) else {
            return;
        };
        let src = match (src, family) {
            (Some(s), _) => *s,
            (None, family) => {
                let Some(ifc) = self.ifaces.by_index(idx) else {
                    return;
                };
                let r = &self.router;
                let found = match family {
                    Family::V4 => ifc.primary_v4(&|a| r.is_vip(a)).map(IpAddr::V4),
                    Family::V6 => ifc.link_local_v6().map(IpAddr::V6),
                };
                match found {
                    Some(a) => a,
                    None => return,
                }
            }
        };
        let Some(repr) = self.router.advert_repr(action) else {
            return;
        };
        let dsts: &[IpAddr] = match dst {
            Destination::Multicast(g) => std::slice::from_ref(g),
            Destination::Unicast(peers) => peers,
        };
        let Some(slot) = self.sockets.get_mut(&(idx, *family)) else {
            return;
        };
        for d in dsts {
            slot.outbox
                .push(Some(src), *d, *ttl, repr.buffer_len(), |buf| {
                    repr.emit(buf, src, *d, *checksum)
                });
        }
    }

    /// Send every queued advert.
    fn flush_adverts(&mut self) {
        for slot in self.sockets.values_mut() {
            if slot.outbox.is_empty() {
                continue;
            }
            for (d, e) in slot.socket.send_batch(&mut slot.outbox) {
                tracing::warn!("cannot send advert to {d}: {e}");
            }
        }
    }

    /// A burst as the interface's pacing lets it out: what may go now
    /// goes, the rest waits in the pacer.
    /// The burst's log lines come after its packets (held back with the
    /// rest), in keepalived's order: one per address, then one per packet.
    fn garp_burst(
        &mut self,
        instance: keepvip_proto::InstanceId,
        iface: IfaceId,
        addrs: &[IpAddr],
        repeat: u32,
    ) {
        let Some(ifname) = self.router.iface_name(iface).map(str::to_string) else {
            return;
        };
        let now = std::time::Instant::now();
        let sends = self.garp_pacer.burst(now, iface, &ifname, addrs, repeat);
        let mut results: Vec<(IpAddr, Option<Deferred>)> = sends
            .iter()
            .map(|s| (s.addr, self.send_garp(s.iface, s.addr)))
            .collect();
        // keepalived's order: each address's `Sending/queueing` line with
        // its first GARP, then the rest as they went
        if tracing::enabled!(tracing::Level::DEBUG) {
            if let Some(name) = self
                .router
                .instance(instance)
                .map(|v| v.config.name.clone())
            {
                for a in addrs {
                    self.deferred_logs
                        .push(Deferred::Debug(super::text::queueing_garps(
                            &name, &ifname, *a,
                        )));
                    if let Some(pos) = results.iter().position(|(x, _)| x == a) {
                        let (_, line) = results.remove(pos);
                        self.deferred_logs.extend(line);
                    }
                }
            }
        }
        self.deferred_logs
            .extend(results.into_iter().filter_map(|(_, line)| line));
    }

    /// One GARP (IPv4) or unsolicited NA (IPv6) for `addr` on `iface`;
    /// returns its log line, for the caller to write.
    fn send_garp(&mut self, iface: IfaceId, addr: IpAddr) -> Option<Deferred> {
        let idx = self.ifindex(iface)?;
        let ifc = self.ifaces.by_index(idx)?;
        let mac = ifc.mac;
        let ifname = ifc.name.clone();
        if let std::collections::hash_map::Entry::Vacant(slot) = self.garp.entry(idx) {
            match GarpSender::open(idx) {
                Ok(s) => {
                    slot.insert(s);
                }
                Err(e) => {
                    return Some(Deferred::Warn(format!(
                        "cannot open ARP socket on {ifname}: {e}"
                    )));
                }
            }
        }
        let sender = self.garp.get_mut(&idx)?;
        let r = match addr {
            IpAddr::V4(v4) => sender.send_garp(mac, v4),
            // keepalived sends the NA from the VIP itself
            IpAddr::V6(v6) => {
                let router = sender.forwards_ipv6(&ifname);
                sender.send_na(mac, v6, v6, router)
            }
        };
        match r {
            Ok(()) if tracing::enabled!(tracing::Level::DEBUG) => {
                Some(Deferred::Debug(super::text::sending_garp(&ifname, addr)))
            }
            Ok(()) => None,
            // keepalived's lines (vrrp_arp.c, vrrp_ndisc.c)
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                Some(Deferred::Warn(match addr {
                    IpAddr::V4(_) => format!(
                        "Error {errno} ({}) sending gratuitous ARP on {ifname} for {addr}",
                        nix::errno::Errno::from_raw(errno).desc()
                    ),
                    IpAddr::V6(_) => format!(
                        "Error {errno} sending ndisc unsolicited neighbour advert on {ifname} for {addr}"
                    ),
                }))
            }
        }
    }

    /// interface_up_down_delays: hold a link change back for its delay.
    /// A change that undoes a held one cancels both, so a link that
    /// bounces within the delay changes nothing. Returns true when the
    /// change is held (or cancelled) rather than fed now.
    fn hold_link_change(&mut self, name: &str, up: bool) -> bool {
        if let Some(pos) = self.held_links.iter().position(|(_, n, _)| n == name) {
            // the held change was the other way: back where it started
            self.held_links.remove(pos);
            tracing::info!(
                "{name} is {} again within its delay: no change",
                if up { "up" } else { "down" }
            );
            return true;
        }
        let Some(d) = self.config.link_delays.iter().find(|d| d.interface == name) else {
            return false;
        };
        let delay = if up { d.up } else { d.down };
        if delay.is_zero() {
            return false;
        }
        self.held_links
            .push((std::time::Instant::now() + delay, name.to_string(), up));
        true
    }

    /// Feed the held link changes whose delay is over; returns when the
    /// next one is due.
    fn pump_link_changes(&mut self) -> Option<std::time::Instant> {
        if self.held_links.is_empty() {
            return None;
        }
        let now = std::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held_links)
            .into_iter()
            .partition(|e| e.0 <= now);
        self.held_links = later;
        for (_, name, up) in due {
            if let Some(id) = self.router.iface_id(&name) {
                self.router
                    .handle(timer::now(), Input::Link { iface: id, up });
            }
        }
        self.held_links.iter().map(|e| e.0).min()
    }

    /// Send the paced GARPs whose turn has come; returns when the next is.
    fn pump_garp_queue(&mut self) -> Option<std::time::Instant> {
        self.garp_pacer.next_deadline()?;
        for s in self.garp_pacer.due(std::time::Instant::now()) {
            if let Some(line) = self.send_garp(s.iface, s.addr) {
                self.deferred_logs.push(line);
            }
        }
        self.flush_logs();
        self.garp_pacer.next_deadline()
    }

    fn notify(&mut self, target: &NotifyTarget, state: NotifyState, priority: u8) {
        if let Some(list) = &mut self.notified_in_reload {
            list.push(target.clone());
        }
        let (kind, name, notifies) = match target {
            NotifyTarget::Instance(n) => (
                "INSTANCE",
                n,
                self.config
                    .instances
                    .iter()
                    .find(|i| &i.name == n)
                    .map(|i| &i.notify),
            ),
            NotifyTarget::Group(n) => (
                "GROUP",
                n,
                self.config
                    .groups
                    .iter()
                    .find(|g| &g.name == n)
                    .map(|g| &g.notify),
            ),
        };
        let notifies = notifies.or_else(|| {
            self.removed_notifies
                .iter()
                .find(|(t, _)| t == target)
                .map(|(_, n)| n)
        });
        let deleted_set = notifies.is_some_and(|n| n.deleted_set);
        // without notify_deleted, a removed instance reports FAULT (keepalived)
        let state = if state == NotifyState::Deleted && !deleted_set {
            NotifyState::Fault
        } else {
            state
        };
        let word = match state {
            NotifyState::Master => "MASTER",
            NotifyState::Backup => "BACKUP",
            NotifyState::Fault => "FAULT",
            NotifyState::Stop => "STOP",
            NotifyState::Deleted => "DELETED",
            NotifyState::MasterRxLowerPri => "MASTER_RX_LOWER_PRI",
        };
        self.fifo_line(&format!("{kind} \"{name}\" {word} {priority}\n"));
        let Some(n) = notifies else { return };
        let specific = match state {
            NotifyState::Master => &n.master,
            NotifyState::Backup => &n.backup,
            NotifyState::Fault => &n.fault,
            NotifyState::Stop => &n.stop,
            NotifyState::Deleted => &n.deleted,
            NotifyState::MasterRxLowerPri => &n.master_rx_lower_pri,
        };
        let policy = self.policy();
        if let Some(cmd) = specific {
            scripts::notify(&policy, cmd, &[]);
        }
        if state != NotifyState::MasterRxLowerPri {
            if let Some(g) = &n.generic {
                let prio = if kind == "GROUP" { 0 } else { priority };
                scripts::notify(
                    &policy,
                    g,
                    &[
                        kind.to_string(),
                        name.clone(),
                        word.to_string(),
                        prio.to_string(),
                    ],
                );
            }
        }
    }

    fn status(&self) -> control::Status {
        let mut st = control::Status {
            pid: std::process::id(),
            config: self.opts.config.display().to_string(),
            instances: Vec::new(),
            unknown_vrid_adverts: self.router.unknown_vrid_count(),
            sync_groups: Vec::new(),
        };
        for id in self.router.instance_ids() {
            let Some(v) = self.router.instance(id) else {
                continue;
            };
            let c = v.counters;
            st.instances.push(control::InstanceStatus {
                name: v.config.name.clone(),
                interface: v.config.interface.clone(),
                vrid: v.config.vrid,
                family: if v.config.family == Family::V4 {
                    "IPv4".into()
                } else {
                    "IPv6".into()
                },
                version: if v.config.version == keepvip_proto::Version::V2 {
                    2
                } else {
                    3
                },
                state: super::render::state_word(v.state).into(),
                base_priority: v.config.priority,
                effective_priority: v.effective_priority,
                master: v.master_ip.map(|m| m.to_string()),
                vips: v
                    .config
                    .vips
                    .iter()
                    .map(|x| format!("{}/{}", x.addr, x.prefix_len))
                    .collect(),
                counters: vec![
                    ("adverts_rx".into(), c.adverts_rx),
                    ("adverts_tx".into(), c.adverts_tx),
                    ("became_master".into(), c.became_master),
                    ("released_master".into(), c.released_master),
                    ("prio0_rx".into(), c.prio0_rx),
                    ("prio0_tx".into(), c.prio0_tx),
                    ("drop_ttl".into(), c.drop_ttl),
                    ("drop_version".into(), c.drop_version),
                    ("drop_auth_type".into(), c.drop_auth_type),
                    ("drop_auth_failure".into(), c.drop_auth_failure),
                    ("drop_interval".into(), c.drop_interval),
                    ("drop_unknown_peer".into(), c.drop_unknown_peer),
                    ("drop_checksum".into(), c.drop_checksum),
                    ("drop_malformed".into(), c.drop_malformed),
                    ("addr_list_mismatch".into(), c.addr_list_mismatch),
                ],
                fault_cause: (v.state == State::Fault)
                    .then(|| v.fault_cause.as_ref().map(ToString::to_string))
                    .flatten(),
                last_transition: self
                    .last_transition
                    .get(&id)
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map(|d| d.as_secs_f64()),
                waiting_for: self.router.awaited_scripts(id),
                group_waits_for: self.router.awaited_members(id),
                trackers: self
                    .router
                    .tracker_effects(id)
                    .iter()
                    .map(|e| tracker_status(e, v.sync_group))
                    .collect(),
            });
        }
        st.sync_groups = self
            .router
            .groups()
            .map(|(g, state)| control::GroupStatus {
                name: g.name.clone(),
                state: super::render::state_word(state).into(),
                members: g.members.clone(),
            })
            .collect();
        st
    }

    /// SIGUSR1 / SIGUSR2 / STATS_CLEAR / SIGJSON: write keepalived's dump.
    fn dump(&mut self, sig: Signal) {
        let pid = std::process::id();
        let (now, wall) = (timer::now(), std::time::SystemTime::now());
        let instances: Vec<super::dump::DumpInstance<'_>> = self
            .router
            .instance_ids()
            .into_iter()
            .filter_map(|id| self.router.instance(id))
            .map(|view| super::dump::DumpInstance {
                extra: self
                    .config
                    .instances
                    .iter()
                    .find(|e| e.name == view.config.name),
                last_transition: self.last_transition.get(&view.id).copied(),
                track_scripts: view
                    .config
                    .trackers
                    .iter()
                    .filter_map(|t| match &t.key {
                        TrackerKey::Script(n) => self
                            .config
                            .scripts
                            .iter()
                            .find(|s| &s.name == n)
                            .map(|s| s.script.clone()),
                        _ => None,
                    })
                    .collect(),
                ifindex: self.ifaces.by_name(&view.config.interface).map(|f| f.index),
                fd: self
                    .ifaces
                    .by_name(&view.config.interface)
                    .and_then(|f| self.sockets.get(&(f.index, view.config.family)))
                    .map(|slot| slot.socket.raw_fd()),
                read_timeout: view.next_timer.map(|t| {
                    let left = t.as_micros().saturating_sub(now.as_micros());
                    wall + Duration::from_micros(left)
                }),
                view,
            })
            .collect();
        let groups: Vec<super::dump::DumpGroup<'_>> = self
            .router
            .groups()
            .map(|(config, state)| super::dump::DumpGroup {
                config,
                state,
                notify: self
                    .config
                    .groups
                    .iter()
                    .find(|g| g.name == config.name)
                    .map(|g| &g.notify),
            })
            .collect();
        let policy = self.policy();
        // SAFETY: geteuid/getegid have no preconditions.
        let own = unsafe { (libc::geteuid(), libc::getegid()) };
        let runs_as = |cmd: &keepvip_conf::model::NotifyCmd| match policy
            .identity(cmd.user.as_deref(), cmd.group.as_deref())
        {
            Ok(Some(id)) => id,
            _ => own,
        };
        let (file, text, clear) = match sig {
            Signal::Data => {
                tracing::info!("Printing VRRP data for process({pid}) on signal");
                (
                    "keepalived.data",
                    super::dump::data(&instances, &groups, &runs_as),
                    false,
                )
            }
            Signal::Stats { clear } => {
                let and = if clear { "and clearing " } else { "" };
                tracing::info!("Printing {and}VRRP stats for process({pid}) on signal");
                ("keepalived.stats", super::dump::stats(&instances), clear)
            }
            Signal::Json => {
                tracing::info!("Printing VRRP as json for process({pid}) on signal");
                ("keepalived.json", super::dump::json(&instances), false)
            }
            Signal::Stop | Signal::Reload | Signal::CpuTime => return,
        };
        drop(instances);
        drop(groups);
        let file = self.opts.naming.dump_file(file);
        if let Err(e) = super::dump::write_dump(&file, &text) {
            tracing::info!(
                "Can't open {}/{file} ({e})",
                super::dump::dump_dir().display()
            );
        }
        if clear {
            self.router.clear_counters();
        }
    }

    fn answer(&self, p: control::Pending) {
        let st = self.status();
        let text = match p.request {
            control::Request::Status => serde_json::to_string(&st).unwrap_or_default(),
            control::Request::Metrics => st.render_metrics(),
        };
        let _ = p.reply.send(text);
    }

    async fn reload(&mut self) {
        // keepalived's parent, then its VRRP child
        tracing::info!("Reloading ...");
        let loaded = match load(&self.opts) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("reload: {e}; keeping the running configuration");
                return;
            }
        };
        log_config_files(&loaded, &self.opts.config);
        tracing::info!("Reloading");
        // a value keepalived would run with a fallback is an error here:
        // a bad configuration on reload changes nothing
        for d in &loaded.diagnostics {
            if d.fallback {
                let line = d.render_line_as(keepvip_conf::Severity::Error, &loaded.sources);
                tracing::error!("{line}");
            } else {
                tracing::warn!("{}", d.render_line(&loaded.sources));
            }
        }
        if loaded.reload_error_count() > 0 {
            tracing::error!("reload: the new configuration has errors; keeping the running one");
            return;
        }
        for line in self.opts.naming.unchangeable(&loaded.config.global.naming) {
            tracing::info!("{line}");
        }
        // the router keeps the instance descriptions; the daemon keeps the
        // rest; the model and source text go at the end of this block
        let mut config = {
            let l = loaded;
            l.config
        };
        super::script_check::check_scripts(&mut config);
        let router_config = std::mem::take(&mut config.router);
        // new VMACs before the router moves instances onto them
        // (listed again only if one was made: the router needs their index now)
        if self
            .vmacs
            .create(&self.netlink, &wanted_vmacs(&config))
            .await
        {
            if let Ok(links) = self.netlink.links().await {
                for l in &links {
                    self.ifaces.upsert_listed_link(l);
                }
            }
        }
        self.garp_pacer.reconfigure(
            std::time::Instant::now(),
            config.garp_pacing.clone(),
            vmac_bases(&config),
        );
        let old = std::mem::replace(&mut self.config, config);
        self.removed_notifies = removed_notifies(&old, &self.config);
        self.install_statics(Some(&old)).await;
        drop(old);
        // a FIFO the reload names differently is closed and the new one
        // opened before any line of this reload is written
        self.open_fifos().await;
        let now = timer::now();
        // the links and addresses of interfaces new to the router before
        // the reload starts instances on them (else: FAULT for a moment)
        let new_ifaces = self.router.declare_interfaces(&router_config);
        self.refresh_iface_index();
        self.feed_these_interfaces(now, &new_ifaces);
        // keepalived's clear_diff_script, before the instances are matched
        for sc in &self.config.scripts {
            let key = TrackerKey::Script(sc.name.clone());
            if let Some(st) = self.router.tracker_state(&key) {
                let how = if st == TrackerState::Up {
                    "successful"
                } else {
                    "unsuccessful"
                };
                tracing::info!("VRRP_Script({}) considered {how} on reload", sc.name);
            }
        }
        for f in &self.config.track_files {
            super::trackers::init_file(f, true);
        }
        self.router.handle(now, Input::Reload(router_config));
        // a reload allocates a whole new model: give the old one back
        // SAFETY: malloc_trim only returns free heap pages to the OS.
        unsafe { libc::malloc_trim(0) };
        self.open_sockets();
        self.start_scripts(true);
        if self.config.global.fifo_write_states_on_reload {
            self.notified_in_reload = Some(Vec::new());
            self.drain().await;
            self.fifo_write_unchanged_states();
            self.notified_in_reload = None;
        }
        // the VMACs no instance uses any more go once their VIPs are off
        self.drain().await;
        let wanted = wanted_vmacs(&self.config);
        self.vmacs.remove_except(&self.netlink, &wanted).await;
        self.removed_notifies.clear();
        tracing::info!("Reload complete");
    }

    /// fifo_write_vrrp_states_on_reload: after a reload, every group and
    /// instance whose state it did not change (and so got no notify) has
    /// its state written to the FIFOs again, groups first, as keepalived.
    fn fifo_write_unchanged_states(&mut self) {
        let notified = self.notified_in_reload.take().unwrap_or_default();
        // an instance still in INIT has no state to repeat
        let word = |s: State| (s != State::Init).then(|| super::render::state_word(s));
        let mut lines = Vec::new();
        for g in &self.config.groups {
            let target = NotifyTarget::Group(g.name.clone());
            if notified.contains(&target) {
                continue;
            }
            if let Some(w) = self.router.group_state(&g.name).and_then(word) {
                lines.push(format!("GROUP \"{}\" {w} 0\n", g.name));
            }
        }
        for id in self.router.instance_ids() {
            let Some(v) = self.router.instance(id) else {
                continue;
            };
            let target = NotifyTarget::Instance(v.config.name.clone());
            if notified.contains(&target) {
                continue;
            }
            if let Some(w) = word(v.state) {
                lines.push(format!(
                    "INSTANCE \"{}\" {w} {}\n",
                    v.config.name, v.effective_priority
                ));
            }
        }
        for l in &lines {
            self.fifo_line(l);
        }
    }
}

/// The VMACs the configuration asks for.
fn wanted_vmacs(config: &Config) -> Vec<&keepvip_conf::lower::Vmac> {
    let mut out: Vec<&keepvip_conf::lower::Vmac> = Vec::new();
    for i in &config.instances {
        for v in i.vmac.iter().chain(&i.address_vmacs) {
            // an address VMAC two instances share is made once
            if !out.iter().any(|o| o.name == v.name) {
                out.push(v);
            }
        }
    }
    out
}

/// A log line held back (see `Daemon::deferred_logs`).
enum Deferred {
    Event(LogEvent),
    Debug(String),
    Warn(String),
}

/// Each VMAC and the interface under it (its GARPs are paced with it).
fn vmac_bases(config: &Config) -> HashMap<String, String> {
    wanted_vmacs(config)
        .into_iter()
        .map(|v| (v.name.clone(), v.base.clone()))
        .collect()
}

/// How long the FIFO scripts have at stop to read the last lines and
/// exit on end of file before they get SIGTERM.
const FIFO_SCRIPT_GRACE: Duration = Duration::from_millis(200);

/// What the loop does after an event.
enum Flow {
    Continue,
    Stop,
}

/// A deadline met this late means the loop (or the whole host) stalled,
/// and events may have queued up behind it: see `Daemon::catch_up`.
/// Normal wake-ups are tens of microseconds late.
const STALL: Duration = Duration::from_millis(1);

/// How long a packet may have waited and still be dated by its arrival:
/// beyond it the kernel's CLOCK_REALTIME stamp is more likely a clock
/// step than a queue (a stall extends it by how late the loop woke).
const MAX_QUEUED: Duration = Duration::from_millis(100);

/// When `p` arrived, on the monotonic clock: `now` less the time it
/// waited since the kernel stamped it, if that is under `max_queued`.
/// The down timer then counts from when the advert reached us, not from
/// when the loop got to it.
fn arrival(
    p: &Packet,
    now: keepvip_proto::Instant,
    max_queued: Duration,
) -> keepvip_proto::Instant {
    let real = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    match (p.arrival, real) {
        (Some(arrived), Ok(real)) if real.saturating_sub(arrived) < max_queued => {
            let queued = real.saturating_sub(arrived);
            keepvip_proto::Instant::from_micros(
                now.as_micros().saturating_sub(queued.as_micros() as u64),
            )
        }
        _ => now,
    }
}

/// keepalived's `--signum`: the signal that asks for `func`.
pub fn signum(func: &str) -> Option<i32> {
    Some(match func {
        "STOP" => libc::SIGTERM,
        "RELOAD" => libc::SIGHUP,
        "DATA" => libc::SIGUSR1,
        "STATS" => libc::SIGUSR2,
        "STATS_CLEAR" => libc::SIGRTMAX() - 1,
        "JSON" => libc::SIGRTMIN() + 2,
        _ => return None,
    })
}

/// The signals, folded into the loop's event channel by a task of their
/// own. The loop then waits on one receiver instead of a signal stream
/// each, whose futures register with (and, dropped when the timer wins,
/// unregister from) a locked wait list on every turn of the loop: 100
/// times a second at advert_int 0.01.
fn signals(tx: mpsc::Sender<Event>) -> Result<(), DaemonError> {
    let listen = |kind| signal(kind).map_err(|e| DaemonError::io("signal", e));
    let mut sigterm = listen(SignalKind::terminate())?;
    let mut sigint = listen(SignalKind::interrupt())?;
    let mut sighup = listen(SignalKind::hangup())?;
    // keepalived's dump signals: without a handler each would kill the daemon
    let mut sigusr1 = listen(SignalKind::user_defined1())?;
    let mut sigusr2 = listen(SignalKind::user_defined2())?;
    let mut sigclear = listen(SignalKind::from_raw(libc::SIGRTMAX() - 1))?;
    let mut sigjson = listen(SignalKind::from_raw(libc::SIGRTMIN() + 2))?;
    // at realtime priority, RLIMIT_RTTIME's soft limit: a warning, not death
    let mut sigxcpu = listen(SignalKind::from_raw(libc::SIGXCPU))?;
    tokio::spawn(async move {
        loop {
            let sig = tokio::select! {
                _ = sigterm.recv() => Signal::Stop,
                _ = sigint.recv() => Signal::Stop,
                _ = sighup.recv() => Signal::Reload,
                _ = sigusr1.recv() => Signal::Data,
                _ = sigusr2.recv() => Signal::Stats { clear: false },
                _ = sigclear.recv() => Signal::Stats { clear: true },
                _ = sigjson.recv() => Signal::Json,
                _ = sigxcpu.recv() => Signal::CpuTime,
            };
            if tx.send(Event::Signal(sig)).await.is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Run until SIGTERM/SIGINT: the whole life of the daemon.
/// `loaded` is the configuration `main` read (and checked) before forking;
/// it is not read a second time.
pub async fn run(opts: Options, loaded: keepvip_conf::Loaded) -> Result<(), DaemonError> {
    for d in &loaded.diagnostics {
        tracing::warn!("{}", d.render_line(&loaded.sources));
    }
    if loaded.error_count(false) > 0 {
        return Err(DaemonError::Config(format!(
            "{}: configuration errors (see above)",
            opts.config.display()
        )));
    }
    // keep only the resolved configuration: the model as written and the
    // source text (1.4 MB at 1,000 instances) were for the diagnostics,
    // and go when `l` does, at the end of this block
    let mut config = {
        let l = loaded;
        l.config
    };
    super::script_check::check_scripts(&mut config);
    // the signal handlers before realtime scheduling, whose CPU-time
    // limit is a signal too; signals that come during start-up wait
    let (events, mut events_rx) = super::event_channel();
    signals(events.clone())?;
    for w in crate::sys::apply_scheduling(&config.global.scheduling) {
        tracing::warn!("cannot apply {w}");
    }
    let netlink = Netlink::connect(config.global.netlink_rcvbuf, events.clone())
        .map_err(|e| DaemonError::io("cannot open a netlink socket", e))?;
    let local_igmp = config
        .global
        .disable_local_igmp
        .then(super::vmac::LocalIgmp::disable);
    // the VMACs first, so the interface list below has them
    let mut vmacs = super::vmac::Vmacs::default();
    vmacs.create(&netlink, &wanted_vmacs(&config)).await;
    let mut ifaces = IfaceTable::default();
    for link in netlink
        .links()
        .await
        .map_err(|e| DaemonError::io("cannot list interfaces", e))?
    {
        // a VMAC made a moment ago: its creation events are still queued
        // and older than this (acting on them would flap its instances
        // through FAULT at start)
        if vmacs.made_indexes().contains(&link.index) {
            ifaces.upsert_listed_link(&link);
        } else {
            ifaces.upsert_link(link.index, &link.name, link.mac, link.up);
        }
    }
    for a in netlink
        .addresses()
        .await
        .map_err(|e| DaemonError::io("cannot list addresses", e))?
    {
        ifaces.add_addr(a.index, a.addr, a.prefix_len);
    }
    let now = timer::now();
    let garp_pacer = GarpPacer::new(config.garp_pacing.clone(), vmac_bases(&config));
    let mut d = Daemon {
        router: Router::new(std::mem::take(&mut config.router), now),
        config,
        ifaces,
        iface_index: Vec::new(),
        sockets: BTreeMap::new(),
        garp: HashMap::new(),
        netlink,
        events: events.clone(),
        script_tasks: Vec::new(),
        script_last_codes: HashMap::new(),
        renderer: Renderer::default(),
        deferred_logs: Vec::new(),
        opts,
        own_removals: OwnRemovals::default(),
        own_route_removals: OwnRemovals::default(),
        own_rule_removals: OwnRemovals::default(),
        resync_links_at: None,
        resync_routes_at: None,
        garp_pacer,
        fifos: NotifyFifos::default(),
        notified_in_reload: None,
        removed_notifies: Vec::new(),
        rt_priority: crate::sys::current_rt_priority(),
        vmacs,
        held_links: Vec::new(),
        last_transition: HashMap::new(),
    };
    // scripts that start failed (init_fail) are known before the start
    for s in &d.config.scripts {
        if s.init_fail {
            d.router.handle(
                now,
                Input::Tracker {
                    key: TrackerKey::Script(s.name.clone()),
                    state: TrackerState::Down,
                },
            );
        }
    }
    // files and processes are read before the start, so instances start in
    // the right state (keepalived does the same)
    for f in &d.config.track_files {
        // keepalived writes init_file while it reads the configuration,
        // so the first value read is the one written
        super::trackers::init_file(f, false);
        let v = super::trackers::read_value(&f.file).unwrap_or(0);
        d.router.handle(
            now,
            Input::Tracker {
                key: TrackerKey::File(f.name.clone()),
                state: TrackerState::Value(v),
            },
        );
    }
    for p in &d.config.track_processes {
        let up = super::trackers::process_in_quorum(p);
        d.router.handle(
            now,
            Input::Tracker {
                key: TrackerKey::Process(p.name.clone()),
                state: if up {
                    TrackerState::Up
                } else {
                    TrackerState::Down
                },
            },
        );
    }
    d.refresh_iface_index();
    d.feed_interfaces(now);
    d.open_sockets();
    d.open_fifos().await;
    // static addresses, routes and rules first: they do not depend on the
    // VRRP state, and virtual routes may go via a static address
    d.install_statics(None).await;
    // keepalived's VRRP child reads its interfaces (the `Assigned address`
    // lines) before its parent writes `Startup complete`, and starts the
    // instances after it
    d.drain().await;
    let startup_delay = d.config.global.startup_delay.filter(|t| !t.is_zero());
    if let Some(delay) = startup_delay {
        tracing::info!("Delaying startup for {} seconds", delay.as_secs_f64());
    }
    tracing::info!("Startup complete");
    match startup_delay {
        Some(delay) => d.router.start_delayed(timer::now(), delay),
        None => d.router.start(timer::now()),
    }
    d.start_scripts(false);
    let ctl_path = d.opts.control_socket.clone();
    tokio::spawn(async move {
        if let Err(e) = control::serve(ctl_path.clone(), events).await {
            tracing::warn!("control socket {}: {e}", ctl_path.display());
        }
    });
    let mut deadline = DeadlineTimer::new().map_err(|e| DaemonError::io("timerfd", e))?;
    crate::sys::sd_notify("READY=1");
    // start-up (config text, tokens, the first netlink round-trips) leaves
    // freed heap behind; hand it back once the instances have settled
    let mut trimmed = false;
    let trim = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(trim);
    // one Sleep for the GARP queue and held link changes, moved rather
    // than rebuilt, so a wake-up that has neither costs no timer-wheel work
    let garp_sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(garp_sleep);
    let resync_sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(resync_sleep);
    loop {
        // held link changes first: what they make the router do is drained
        // with the rest
        let links_next = d.pump_link_changes();
        d.drain().await;
        let garp_next = match (d.pump_garp_queue(), links_next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(t) = garp_next {
            let t = tokio::time::Instant::from_std(t);
            if garp_sleep.deadline() != t {
                garp_sleep.as_mut().reset(t);
            }
        }
        let resync_next = d.resync_due();
        if let Some(t) = resync_next {
            let t = tokio::time::Instant::from_std(t);
            if resync_sleep.deadline() != t {
                resync_sleep.as_mut().reset(t);
            }
        }
        deadline
            .arm(d.router.poll_timeout())
            .map_err(|e| DaemonError::io("timerfd", e))?;
        tokio::select! {
            biased;
            r = deadline.expired() => {
                let due = r.map_err(|e| DaemonError::io("timerfd", e))?;
                let now = timer::now();
                let late = now - due;
                if late > d.config.global.scheduling.min_auto_priority_delay {
                    d.running_late(late);
                }
                if late > STALL {
                    if let Flow::Stop = d.catch_up(&mut events_rx, late).await {
                        break;
                    }
                }
                d.router.handle_timeout(timer::now());
            }
            Some(ev) = events_rx.recv() => {
                if let Flow::Stop = d.on_event(ev).await {
                    break;
                }
            }
            _ = &mut garp_sleep, if garp_next.is_some() => {}
            _ = &mut resync_sleep, if resync_next.is_some() => d.resync().await,
            _ = &mut trim, if !trimmed => {
                trimmed = true;
                // SAFETY: malloc_trim only returns free heap pages to the OS.
                unsafe { libc::malloc_trim(0) };
            }
        }
    }
    tracing::info!("Stopping");
    for t in d.script_tasks.drain(..) {
        t.abort();
    }
    if d.opts.dont_release_vrrp {
        // -V: leave the VIPs; still tell peers we are leaving
        while d.router.poll_action().is_some() {}
    }
    d.router.handle(timer::now(), Input::Shutdown);
    if d.opts.dont_release_vrrp {
        while let Some(a) = d.router.poll_action() {
            if !matches!(
                a,
                Action::RemoveVips { .. }
                    | Action::RemoveRoutes { .. }
                    | Action::RemoveRules { .. }
            ) {
                d.execute(a).await;
            }
        }
    } else {
        d.drain().await;
    }
    // after the VRRP addresses, as keepalived: step 3 of its shutdown
    d.remove_statics().await;
    if !d.opts.dont_release_vrrp {
        // -V keeps the VIPs, so it keeps the VMACs they are on
        d.vmacs.remove_except(&d.netlink, &[]).await;
    }
    if let Some(igmp) = local_igmp {
        igmp.restore();
    }
    // after the STOP lines: each reader gets them, then end of file
    d.fifos.close(FIFO_SCRIPT_GRACE).await;
    let _ = std::fs::remove_file(&d.opts.control_socket);
    tracing::info!("Stopped");
    Ok(())
}
