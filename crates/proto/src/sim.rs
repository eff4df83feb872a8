//! A deterministic simulator: routers on virtual LAN segments, one virtual
//! clock, a seeded RNG, scheduled faults, and a trace of every action.
//!
//! Adverts travel as bytes (emitted and parsed with `keepvip-wire`), so the
//! simulator also exercises the packet layer. Nothing here reads a clock or
//! touches a socket: a run is a pure function of its setup and seed.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use keepvip_wire::{Family, VrrpRepr};

use crate::{
    Action, Destination, IfaceId, Input, Instant, RouteConfig, Router, RouterConfig, State,
    TrackerKey, TrackerState,
};

/// Index of a router in the simulation.
pub type NodeId = usize;
/// Index of a LAN segment.
pub type SegId = usize;

/// Link behaviour of a segment.
#[derive(Debug, Clone, Default)]
pub struct LinkParams {
    /// fixed one-way delay
    pub delay: Duration,
    /// extra random delay, uniform in 0..=jitter
    pub jitter: Duration,
    /// probability a packet is lost (0..1)
    pub loss: f64,
    /// probability a packet is delivered twice (0..1)
    pub duplicate: f64,
}

/// One interface of a simulated router.
#[derive(Debug, Clone)]
pub struct Port {
    /// interface name as the router's config uses it
    pub iface: String,
    /// segment it is plugged into
    pub segment: SegId,
    /// its addresses (IPv4 primary first, IPv6 link-local)
    pub addrs: Vec<IpAddr>,
}

/// Something that happened, with its time.
#[derive(Debug, Clone)]
pub struct TraceEntry {
    /// when
    pub at: Instant,
    /// which router
    pub node: NodeId,
    /// what
    pub what: TraceEvent,
}

/// Trace items.
#[derive(Debug, Clone)]
pub enum TraceEvent {
    /// the router asked for this
    Action(Action),
    /// a scheduled fault or operator event
    Event(String),
    /// a packet was delivered to the router
    Delivered {
        /// from
        src: IpAddr,
        /// VRID
        vrid: u8,
        /// priority
        priority: u8,
    },
}

/// Operator and fault events.
#[derive(Debug, Clone)]
enum Ev {
    Start(NodeId, Duration),
    Kill(NodeId),
    Stop(NodeId),
    Tracker(NodeId, TrackerKey, TrackerState),
    Link(NodeId, String, bool),
    Isolate(NodeId, SegId, bool),
    Reload(NodeId, RouterConfig),
    RouteGone(NodeId, RouteConfig),
    Deliver {
        node: NodeId,
        iface: String,
        src: IpAddr,
        dst: IpAddr,
        bytes: Vec<u8>,
    },
}

struct Node {
    name: String,
    config: RouterConfig,
    ports: Vec<Port>,
    router: Option<Router>,
    /// VIPs installed on the node (address, interface) — they stay after kill -9
    vips: BTreeSet<IpAddr>,
    isolated: BTreeSet<SegId>,
    links_down: BTreeSet<String>,
    /// the daemon's scripts give their first result before the instances
    /// start (a script taking no time); false: they stay unreported until
    /// a `tracker` event, as a slow first run
    scripts_answer_at_start: bool,
}

/// The simulation.
pub struct Sim {
    now: Instant,
    seq: u64,
    rng: u64,
    segments: Vec<LinkParams>,
    nodes: Vec<Node>,
    queue: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    events: Vec<Option<Ev>>,
    trace: Vec<TraceEntry>,
    /// checked after every step; the first violation is kept
    violation: Option<String>,
}

impl Sim {
    /// An empty simulation with a seed.
    pub fn new(seed: u64) -> Sim {
        Sim {
            now: Instant::ZERO,
            seq: 0,
            rng: seed ^ 0x9e37_79b9_7f4a_7c15,
            segments: Vec::new(),
            nodes: Vec::new(),
            queue: BinaryHeap::new(),
            events: Vec::new(),
            trace: Vec::new(),
            violation: None,
        }
    }

    /// Add a LAN segment.
    pub fn add_segment(&mut self, params: LinkParams) -> SegId {
        self.segments.push(params);
        self.segments.len() - 1
    }

    /// Add a router (not started: see [`Sim::start`]).
    pub fn add_router(&mut self, name: &str, config: RouterConfig, ports: Vec<Port>) -> NodeId {
        self.nodes.push(Node {
            name: name.to_string(),
            config,
            ports,
            router: None,
            vips: BTreeSet::new(),
            isolated: BTreeSet::new(),
            links_down: BTreeSet::new(),
            scripts_answer_at_start: true,
        });
        self.nodes.len() - 1
    }

    /// From now on `node`'s scripts give no result at start: they stay
    /// unreported until a [`Sim::tracker`] event says what they returned.
    pub fn slow_first_script_runs(&mut self, node: NodeId) {
        self.nodes[node].scripts_answer_at_start = false;
    }

    /// Current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Start (or restart) the daemon on `node` at `at`.
    pub fn start(&mut self, node: NodeId, at: Duration) {
        self.schedule(at, Ev::Start(node, Duration::ZERO));
    }
    /// Start the daemon on `node` at `at` with `vrrp_startup_delay` `delay`.
    pub fn start_delayed(&mut self, node: NodeId, at: Duration, delay: Duration) {
        self.schedule(at, Ev::Start(node, delay));
    }
    /// kill -9 at `at`: the router vanishes, its VIPs stay on the node.
    pub fn kill(&mut self, node: NodeId, at: Duration) {
        self.schedule(at, Ev::Kill(node));
    }
    /// SIGTERM at `at`: priority 0, VIPs removed, then gone.
    pub fn stop(&mut self, node: NodeId, at: Duration) {
        self.schedule(at, Ev::Stop(node));
    }
    /// A tracker result at `at`.
    pub fn tracker(&mut self, node: NodeId, key: TrackerKey, state: TrackerState, at: Duration) {
        self.schedule(at, Ev::Tracker(node, key, state));
    }
    /// Interface up/down at `at` (the port stops passing packets while down).
    pub fn link(&mut self, node: NodeId, iface: &str, up: bool, at: Duration) {
        self.schedule(at, Ev::Link(node, iface.to_string(), up));
    }
    /// Cut `node` off `seg` from `from` until `until` (the router does not notice).
    pub fn partition(&mut self, node: NodeId, seg: SegId, from: Duration, until: Duration) {
        self.schedule(from, Ev::Isolate(node, seg, true));
        self.schedule(until, Ev::Isolate(node, seg, false));
    }
    /// SIGHUP with a new configuration at `at`.
    pub fn reload(&mut self, node: NodeId, config: RouterConfig, at: Duration) {
        self.schedule(at, Ev::Reload(node, config));
    }
    /// Someone deletes `route` from the node's kernel at `at` (the daemon
    /// tells the router which configured route it was).
    pub fn route_deleted(&mut self, node: NodeId, route: RouteConfig, at: Duration) {
        self.schedule(at, Ev::RouteGone(node, route));
    }

    fn schedule(&mut self, at: Duration, ev: Ev) {
        self.schedule_at(Instant::ZERO + at, ev);
    }

    fn schedule_at(&mut self, at: Instant, ev: Ev) {
        self.events.push(Some(ev));
        self.seq += 1;
        self.queue
            .push(Reverse((at, self.seq, self.events.len() - 1)));
    }

    fn rand(&mut self) -> u64 {
        // xorshift64*: small, deterministic, good enough for loss and jitter
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && ((self.rand() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// Run until virtual time `until` (inclusive).
    pub fn run_until(&mut self, until: Duration) {
        let until = Instant::ZERO + until;
        let mut steps = 0u64;
        // steps without the clock moving: a timer re-armed at its own
        // instant would never let it move
        let (mut same_instant, mut last) = (0u32, self.now);
        loop {
            steps += 1;
            assert!(steps < 50_000_000, "simulation did not settle");
            let next_event = self.queue.peek().map(|Reverse((t, _, _))| *t);
            let next_timer = self
                .nodes
                .iter_mut()
                .enumerate()
                .filter_map(|(i, n)| n.router.as_mut()?.poll_timeout().map(|t| (t, i)))
                .min();
            // events before timers at the same instant: a packet that
            // arrives exactly at the deadline is processed first
            let (at, is_event, node) = match (next_event, next_timer) {
                (Some(e), Some((t, i))) if t < e => (t, false, i),
                (Some(e), _) => (e, true, 0),
                (None, Some((t, i))) => (t, false, i),
                (None, None) => break,
            };
            if at > until {
                break;
            }
            same_instant = if at == last { same_instant + 1 } else { 0 };
            last = at;
            assert!(
                same_instant < 100_000,
                "livelock: 100,000 steps at {:?} without time moving",
                at - Instant::ZERO
            );
            self.now = at;
            if is_event {
                let Some(Reverse((_, _, idx))) = self.queue.pop() else {
                    break;
                };
                if let Some(ev) = self.events[idx].take() {
                    self.apply(ev);
                }
            } else if let Some(r) = self.nodes[node].router.as_mut() {
                r.handle_timeout(at);
                self.drain(node);
            }
        }
        self.now = self.now.max(until);
    }

    fn apply(&mut self, ev: Ev) {
        let now = self.now;
        match ev {
            Ev::Start(n, delay) => {
                self.note(n, "start".into());
                let node = &mut self.nodes[n];
                let mut r = Router::new(node.config.clone(), now);
                let all: Vec<_> = r.ifaces().map(|(id, _)| id).collect();
                report_ports(&mut r, node, &all, now);
                if node.scripts_answer_at_start {
                    let c = &node.config;
                    let scripts: BTreeSet<TrackerKey> = c
                        .instances
                        .iter()
                        .flat_map(|i| &i.trackers)
                        .chain(c.sync_groups.iter().flat_map(|g| &g.trackers))
                        .filter(|t| matches!(t.key, TrackerKey::Script(_)))
                        .map(|t| t.key.clone())
                        .collect();
                    for key in scripts {
                        let state = TrackerState::Up;
                        r.handle(now, Input::Tracker { key, state });
                    }
                }
                r.start_delayed(now, delay);
                node.router = Some(r);
                self.drain(n);
            }
            Ev::Kill(n) => {
                self.note(n, "kill -9".into());
                self.nodes[n].router = None;
            }
            Ev::Stop(n) => {
                self.note(n, "SIGTERM".into());
                if let Some(r) = self.nodes[n].router.as_mut() {
                    r.handle(now, Input::Shutdown);
                    self.drain(n);
                }
                self.nodes[n].router = None;
            }
            Ev::Tracker(n, key, state) => {
                self.note(n, format!("tracker {key:?} -> {state:?}"));
                if let Some(r) = self.nodes[n].router.as_mut() {
                    r.handle(now, Input::Tracker { key, state });
                    self.drain(n);
                }
            }
            Ev::Link(n, iface, up) => {
                self.note(
                    n,
                    format!("link {iface} {}", if up { "up" } else { "down" }),
                );
                if up {
                    self.nodes[n].links_down.remove(&iface);
                } else {
                    self.nodes[n].links_down.insert(iface.clone());
                }
                if let Some(r) = self.nodes[n].router.as_mut() {
                    if let Some(id) = r.iface_id(&iface) {
                        r.handle(now, Input::Link { iface: id, up });
                        self.drain(n);
                    }
                }
            }
            Ev::Isolate(n, seg, on) => {
                self.note(
                    n,
                    format!("{} segment {seg}", if on { "cut from" } else { "rejoins" }),
                );
                if on {
                    self.nodes[n].isolated.insert(seg);
                } else {
                    self.nodes[n].isolated.remove(&seg);
                }
            }
            Ev::RouteGone(n, route) => {
                self.note(n, format!("ip route del {}/{}", route.dst, route.dst_len));
                if let Some(r) = self.nodes[n].router.as_mut() {
                    r.handle(now, Input::RouteRemoved(&route));
                    self.drain(n);
                }
            }
            Ev::Reload(n, cfg) => {
                self.note(n, "SIGHUP".into());
                self.nodes[n].config = cfg.clone();
                let node = &mut self.nodes[n];
                if let Some(mut r) = node.router.take() {
                    let new = r.declare_interfaces(&cfg);
                    report_ports(&mut r, node, &new, now);
                    r.handle(now, Input::Reload(cfg));
                    self.nodes[n].router = Some(r);
                    self.drain(n);
                }
            }
            Ev::Deliver {
                node,
                iface,
                src,
                dst,
                bytes,
            } => self.deliver(node, &iface, src, dst, &bytes),
        }
    }

    fn note(&mut self, node: NodeId, text: String) {
        self.trace.push(TraceEntry {
            at: self.now,
            node,
            what: TraceEvent::Event(text),
        });
    }

    fn deliver(&mut self, n: NodeId, iface: &str, src: IpAddr, dst: IpAddr, bytes: &[u8]) {
        let now = self.now;
        let Some(r) = self.nodes[n].router.as_mut() else {
            return;
        };
        let Some(id) = r.iface_id(iface) else { return };
        match VrrpRepr::parse(bytes, src, dst) {
            Ok((advert, checksum)) => {
                self.trace.push(TraceEntry {
                    at: now,
                    node: n,
                    what: TraceEvent::Delivered {
                        src,
                        vrid: advert.vrid,
                        priority: advert.priority,
                    },
                });
                r.handle(
                    now,
                    Input::Advert {
                        iface: id,
                        src,
                        dst,
                        ttl: 255,
                        advert,
                        checksum,
                    },
                );
            }
            Err(error) => r.handle(
                now,
                Input::Malformed {
                    iface: id,
                    family: if src.is_ipv4() {
                        Family::V4
                    } else {
                        Family::V6
                    },
                    vrid: keepvip_wire::peek_vrid(bytes),
                    src,
                    error,
                },
            ),
        }
        self.drain(n);
    }

    /// Carry out a router's actions: trace them, keep the node's VIP set,
    /// put adverts on the wire.
    fn drain(&mut self, n: NodeId) {
        while let Some(action) = self.nodes[n].router.as_mut().and_then(|r| r.poll_action()) {
            match &action {
                Action::AddVips { vips, .. } => {
                    for v in vips {
                        self.nodes[n].vips.insert(v.addr);
                    }
                }
                Action::RemoveVips { vips, .. } => {
                    for v in vips {
                        self.nodes[n].vips.remove(&v.addr);
                    }
                }
                Action::SendAdvert { .. } => self.transmit(n, &action),
                Action::StateChange {
                    instance,
                    from: State::Backup,
                    to: State::Master,
                } => self.check_takeover(n, *instance),
                _ => {}
            }
            self.trace.push(TraceEntry {
                at: self.now,
                node: n,
                what: TraceEvent::Action(action),
            });
        }
        self.check_vips(n);
    }

    /// Nobody holds a VIP unless one of its MASTER instances owns it.
    fn check_vips(&mut self, n: NodeId) {
        if self.violation.is_some() {
            return;
        }
        let node = &self.nodes[n];
        let Some(r) = node.router.as_ref() else {
            return;
        };
        for vip in &node.vips {
            let owned = r.instance_ids().into_iter().any(|id| {
                r.instance(id).is_some_and(|v| {
                    v.state == State::Master
                        && v.config
                            .vips
                            .iter()
                            .chain(v.config.excluded_vips.iter())
                            .any(|c| c.addr == *vip)
                })
            });
            if !owned {
                self.violation = Some(format!(
                    "{}: {} holds VIP {vip} without being MASTER",
                    self.fmt_time(self.now),
                    node.name
                ));
                return;
            }
        }
    }

    /// A backup never takes over before Master_Down_Interval since the last
    /// advert it accepted (or Skew_Time after a priority-0 advert). The
    /// formula is computed here, independently of the router's timers.
    fn check_takeover(&mut self, n: NodeId, id: crate::InstanceId) {
        if self.violation.is_some() {
            return;
        }
        let Some(v) = self.nodes[n].router.as_ref().and_then(|r| r.instance(id)) else {
            return;
        };
        if v.sync_group.is_some() {
            return; // members follow their group at once
        }
        let adv = v.master_adver_int.as_micros() as u64;
        let base = match v.config.version {
            keepvip_wire::Version::V2 => 1_000_000,
            keepvip_wire::Version::V3 => adv,
        };
        let skew = (256 - u64::from(v.effective_priority)) * base / 256;
        let mdi = u64::from(v.config.down_timer_adverts) * adv + skew;
        let now = self.now.as_micros();
        let earliest = match (v.last_accepted, v.last_prio0) {
            (Some(a), Some(p)) if p >= a => p.as_micros() + skew,
            (Some(a), _) => a.as_micros() + mdi,
            (None, Some(p)) => p.as_micros() + skew,
            (None, None) => return, // timed out from its start-up wait
        };
        if now < earliest {
            self.violation = Some(format!(
                "{}: {} {} took over {} µs early",
                self.fmt_time(self.now),
                self.nodes[n].name,
                v.config.name,
                earliest - now
            ));
        }
    }

    fn transmit(&mut self, n: NodeId, action: &Action) {
        let Action::SendAdvert {
            iface,
            src,
            dst,
            family,
            checksum,
            ..
        } = action
        else {
            return;
        };
        let Some(r) = self.nodes[n].router.as_ref() else {
            return;
        };
        let Some(iface_name) = r.iface_name(*iface).map(str::to_string) else {
            return;
        };
        let Some(port) = self.nodes[n]
            .ports
            .iter()
            .find(|p| p.iface == iface_name)
            .cloned()
        else {
            return;
        };
        if self.nodes[n].links_down.contains(&iface_name)
            || self.nodes[n].isolated.contains(&port.segment)
        {
            return;
        }
        let src = src.or_else(|| {
            port.addrs
                .iter()
                .copied()
                .find(|a| (a.is_ipv4()) == (*family == Family::V4))
        });
        let Some(src) = src else { return };
        let Some(repr) = r.advert_repr(action) else {
            return;
        };
        let dsts: &[IpAddr] = match dst {
            Destination::Multicast(g) => std::slice::from_ref(g),
            Destination::Unicast(p) => p,
        };
        // the bytes on the wire, one packet per destination
        let packets: Vec<(IpAddr, Vec<u8>)> = dsts
            .iter()
            .map(|d| {
                let mut bytes = vec![0u8; repr.buffer_len()];
                let len = repr.emit(&mut bytes, src, *d, *checksum);
                bytes.truncate(len);
                (*d, bytes)
            })
            .collect();
        let params = self.segments[port.segment].clone();
        for (d, bytes) in packets {
            for m in 0..self.nodes.len() {
                if m == n {
                    continue;
                }
                let Some(p) = self.nodes[m]
                    .ports
                    .iter()
                    .find(|p| p.segment == port.segment)
                    .cloned()
                else {
                    continue;
                };
                if self.nodes[m].isolated.contains(&port.segment)
                    || self.nodes[m].links_down.contains(&p.iface)
                {
                    continue;
                }
                if !d.is_multicast() && !p.addrs.contains(&d) {
                    continue;
                }
                let copies = if self.chance(params.duplicate) { 2 } else { 1 };
                for _ in 0..copies {
                    if self.chance(params.loss) {
                        continue;
                    }
                    let jitter = if params.jitter.is_zero() {
                        Duration::ZERO
                    } else {
                        Duration::from_micros(self.rand() % (params.jitter.as_micros() as u64 + 1))
                    };
                    let at = self.now + params.delay + jitter;
                    self.schedule_at(
                        at,
                        Ev::Deliver {
                            node: m,
                            iface: p.iface.clone(),
                            src,
                            dst: d,
                            bytes: bytes.clone(),
                        },
                    );
                }
            }
        }
    }

    // ---- queries ----

    /// The router on `node`, if running.
    pub fn router(&self, node: NodeId) -> Option<&Router> {
        self.nodes[node].router.as_ref()
    }

    /// State of instance `name` on `node` (Init when the daemon is not running).
    pub fn state(&self, node: NodeId, name: &str) -> State {
        self.router(node)
            .and_then(|r| r.instance_by_name(name))
            .map_or(State::Init, |v| v.state)
    }

    /// Effective priority of instance `name` on `node`.
    pub fn priority(&self, node: NodeId, name: &str) -> Option<u8> {
        self.router(node)
            .and_then(|r| r.instance_by_name(name))
            .map(|v| v.effective_priority)
    }

    /// VIPs installed on `node` now.
    pub fn vips(&self, node: NodeId) -> Vec<IpAddr> {
        self.nodes[node].vips.iter().copied().collect()
    }

    /// Nodes whose instance `name` is MASTER now.
    pub fn masters(&self, name: &str) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|n| self.state(*n, name) == State::Master)
            .collect()
    }

    /// The whole trace.
    pub fn trace(&self) -> &[TraceEntry] {
        &self.trace
    }

    /// Every state change of instance `name`: (time, node, from, to).
    pub fn transitions(&self, name: &str) -> Vec<(Instant, NodeId, State, State)> {
        let mut out = Vec::new();
        for e in &self.trace {
            if let TraceEvent::Action(Action::StateChange { instance, from, to }) = &e.what {
                let is = self.nodes[e.node]
                    .router
                    .as_ref()
                    .and_then(|r| r.instance(*instance))
                    .map(|v| v.config.name == name)
                    .unwrap_or_else(|| {
                        self.nodes[e.node]
                            .config
                            .instances
                            .get(instance.0 as usize)
                            .is_some_and(|c| c.name == name)
                    });
                if is {
                    out.push((e.at, e.node, *from, *to));
                }
            }
        }
        out
    }

    /// First time at or after `after` when `node` entered `to` for `name`.
    pub fn entered(&self, node: NodeId, name: &str, to: State, after: Duration) -> Option<Instant> {
        let after = Instant::ZERO + after;
        self.transitions(name)
            .into_iter()
            .find(|(t, n, _, s)| *n == node && *s == to && *t >= after)
            .map(|(t, ..)| t)
    }

    /// Times `node` sent an advert for `name`'s VRID with `priority` (None = any).
    pub fn adverts_sent(&self, node: NodeId, vrid: u8, priority: Option<u8>) -> Vec<Instant> {
        self.trace
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.what {
                TraceEvent::Action(Action::SendAdvert {
                    vrid: v,
                    priority: p,
                    ..
                }) if *v == vrid && priority.is_none_or(|q| q == *p) => Some(e.at),
                _ => None,
            })
            .collect()
    }

    /// The actions of `node`, with times, matching `f`.
    pub fn actions(&self, node: NodeId, f: impl Fn(&Action) -> bool) -> Vec<(Instant, Action)> {
        self.trace
            .iter()
            .filter(|e| e.node == node)
            .filter_map(|e| match &e.what {
                TraceEvent::Action(a) if f(a) => Some((e.at, a.clone())),
                _ => None,
            })
            .collect()
    }

    /// The first invariant violation seen (VIP held without MASTER).
    pub fn violation(&self) -> Option<&str> {
        self.violation.as_deref()
    }

    fn fmt_time(&self, t: Instant) -> String {
        let us = t.as_micros();
        format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
    }

    /// A readable trace (state changes, events, adverts), for failing tests.
    pub fn render_trace(&self, max_lines: usize) -> String {
        let mut out = String::new();
        let mut lines = 0;
        for e in &self.trace {
            let text = match &e.what {
                TraceEvent::Event(t) => t.clone(),
                TraceEvent::Action(Action::StateChange { instance, from, to }) => {
                    format!("instance {} {:?} -> {:?}", instance.0, from, to)
                }
                TraceEvent::Action(Action::SendAdvert { vrid, priority, .. }) => {
                    format!("advert vrid {vrid} prio {priority}")
                }
                TraceEvent::Action(Action::AddVips { vips, .. }) => {
                    format!(
                        "add VIPs {:?}",
                        vips.iter().map(|v| v.addr).collect::<Vec<_>>()
                    )
                }
                TraceEvent::Action(Action::RemoveVips { vips, .. }) => {
                    format!(
                        "remove VIPs {:?}",
                        vips.iter().map(|v| v.addr).collect::<Vec<_>>()
                    )
                }
                TraceEvent::Action(Action::Log(l)) => format!("log {l:?}"),
                TraceEvent::Action(_) => continue,
                TraceEvent::Delivered { .. } => continue,
            };
            let _ = writeln!(
                out,
                "{} {:>4} {}",
                self.fmt_time(e.at),
                self.nodes[e.node].name,
                text
            );
            lines += 1;
            if lines >= max_lines {
                let _ = writeln!(out, "... ({} trace entries in all)", self.trace.len());
                break;
            }
        }
        out
    }
}

/// Tell `r` the addresses and the down links of `node`'s ports on the
/// interfaces `ids`, as the daemon does from netlink before a start or a
/// reload.
fn report_ports(r: &mut Router, node: &Node, ids: &[IfaceId], now: Instant) {
    for p in &node.ports {
        let Some(id) = r.iface_id(&p.iface).filter(|id| ids.contains(id)) else {
            continue;
        };
        for a in &p.addrs {
            r.handle(
                now,
                Input::Address {
                    iface: id,
                    addr: *a,
                    prefix_len: 24,
                    added: true,
                },
            );
        }
        if node.links_down.contains(&p.iface) {
            r.handle(
                now,
                Input::Link {
                    iface: id,
                    up: false,
                },
            );
        }
    }
}
