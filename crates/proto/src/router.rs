//! The `Router`: every VRRP instance of one daemon, their timers and sync
//! groups. Pure: inputs carry the time, outputs are queued actions.
//!
//! Rules are RFC 9568 section 6 with keepalived's deviations (see
//! docs/compat.md): start as BACKUP unless priority 255, equal priority never
//! preempts from BACKUP, a lower-priority advert does not reset a backup's
//! down timer, a master answers a lower-priority advert at once, priority 0
//! on stop and on FAULT, effective priority clamped to 1..=254.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use keepvip_wire::{AddrList, Auth, ChecksumMode, Family, Version, VrrpRepr};

use crate::timing::{field_interval, interval_field, master_down_interval, skew};
use crate::{
    Action, AuthConfig, Counters, Destination, DropReason, FaultCause, IfaceId, Input,
    InstanceConfig, InstanceId, Instant, LogEvent, NotifyState, NotifyTarget, OldUnicastChecksum,
    RouterConfig, State, StateHint, SyncGroupConfig, TrackRef, TrackerKey, TrackerState, VipConfig,
};

/// The per-instance timers. `Main` is the advert timer of a MASTER or the
/// down timer of a BACKUP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum TimerKind {
    Main = 0,
    GarpDelayed = 1,
    GarpRefresh = 2,
    GarpLowerPrio = 3,
    GarpExtraIf = 4,
}

const TIMER_KINDS: usize = 5;

/// A heap entry; stale entries (the instance's deadline moved) are skipped.
/// Timers due at the same instant fire in the order they were set (the
/// sequence number), as keepalived's do: its clock has moved on by the
/// time it sets the second one. A sync group leaving FAULT sets its
/// members' timers one after the other, and which fires last decides which
/// member takes the group to MASTER.
type TimerEntry = Reverse<(Instant, u64, u32, TimerKind)>;

#[derive(Debug, Clone)]
struct Iface {
    name: String,
    up: bool,
    /// addresses reported by the system, in the order they appeared
    addrs: Vec<IpAddr>,
    /// where adverts leave from, worked out when `addrs` or the VIPs
    /// change rather than for every advert: the first IPv4 address that
    /// is no VIP, and the first IPv6 link-local address
    primary_v4: Option<IpAddr>,
    link_local_v6: Option<IpAddr>,
}

impl Iface {
    fn new(name: &str) -> Iface {
        Iface {
            name: name.to_string(),
            up: true,
            addrs: Vec::new(),
            primary_v4: None,
            link_local_v6: None,
        }
    }

    /// Work the advert sources out again from `addrs`.
    fn refresh_sources(&mut self, vip_set: &HashSet<IpAddr>) {
        self.primary_v4 = self
            .addrs
            .iter()
            .copied()
            .find(|a| a.is_ipv4() && !vip_set.contains(a));
        // a link-local VIP is not the router's own address (one left by a
        // daemon killed with -9 would be gone at the first takeover)
        self.link_local_v6 = self.addrs.iter().copied().find(|a| {
            matches!(a, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
                && !vip_set.contains(a)
        });
    }
}

/// What one tracker does to an instance now ([`Router::tracker_effects`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerEffect<'a> {
    /// the tracker, with its configured weight
    pub tracker: &'a TrackRef,
    /// the sync group's tracker, not the instance's own
    pub from_group: bool,
    /// false: keepalived ignores the weight (a sync group member without
    /// `sync_group_tracking_weight`, an address owner): weight 0, a failure
    /// means FAULT, or the tracker is dropped (`dropped`)
    pub weight_counts: bool,
    /// keepalived drops the tracker at load (a weighted track_script or
    /// track_file of such an instance): it does nothing
    pub dropped: bool,
    /// its state now; None: a script that has not answered yet
    pub state: Option<TrackerState>,
    /// what it adds to the priority now, or the FAULT it causes
    pub effect: Result<i32, FaultCause>,
}

/// A read-only view of one instance, for status output and tests.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InstanceView<'a> {
    /// id
    pub id: InstanceId,
    /// configuration
    pub config: &'a InstanceConfig,
    /// current state
    pub state: State,
    /// effective priority (base + tracker weights, clamped)
    pub effective_priority: u8,
    /// Master_Adver_Interval in use (v3: learned from the master)
    pub master_adver_int: Duration,
    /// address of the master whose adverts we last accepted
    pub master_ip: Option<IpAddr>,
    /// the priority in that master's last accepted advert
    pub master_priority: Option<u8>,
    /// when we last accepted a master's advert (BACKUP)
    pub last_accepted: Option<Instant>,
    /// when we last received a priority-0 advert
    pub last_prio0: Option<Instant>,
    /// why the instance is in FAULT
    pub fault_cause: Option<FaultCause>,
    /// sync group name
    pub sync_group: Option<&'a str>,
    /// counters
    pub counters: &'a Counters,
    /// when its advert (MASTER) or down (BACKUP) timer runs out
    pub next_timer: Option<Instant>,
    /// its Master_Down_Interval now (from the interval it follows)
    pub master_down_interval: Duration,
    /// the address its adverts leave from (None: none yet)
    pub source: Option<IpAddr>,
}

#[derive(Debug, Clone)]
struct Instance {
    id: InstanceId,
    cfg: InstanceConfig,
    iface: IfaceId,
    /// whose addresses the advert source comes from (`iface` unless VMAC)
    source_iface: IfaceId,
    group: Option<usize>,
    state: State,
    /// held in INIT at start until its weight-0 scripts (and its sync
    /// group's) have given a first result, as keepalived's num_script_init
    awaiting_scripts: bool,
    /// keepalived's wantstate MASTER: its down timer fired (or `state
    /// MASTER` at start) and no master's advert has kept it BACKUP since. A
    /// sync group goes MASTER only when every member wants to
    wants_master: bool,
    /// an owner (priority 255) that heard another owner: keepalived lowers
    /// its base priority to 254 until the next reload
    owner_demoted: bool,
    effective: u8,
    master_adver_int: Duration,
    deadlines: [Option<Instant>; TIMER_KINDS],
    master_ip: Option<IpAddr>,
    master_priority: Option<u8>,
    last_accepted: Option<Instant>,
    last_prio0: Option<Instant>,
    preempt_until: Option<Instant>,
    fault_cause: Option<FaultCause>,
    /// the VIPs carried in adverts, packed as on the wire
    advert_addrs: Vec<u8>,
    mcast_dst: IpAddr,
    warned_checksum: bool,
    /// sends unicast VRRPv3 with the old checksum (configured, or heard)
    old_unicast_checksum: bool,
    counters: Counters,
}

impl Instance {
    fn own_interval_field(&self) -> u16 {
        interval_field(self.cfg.version, self.cfg.advert_interval)
    }

    fn mdi(&self) -> Duration {
        master_down_interval(
            self.cfg.version,
            self.effective,
            self.master_adver_int,
            self.cfg.down_timer_adverts,
        )
    }

    /// The configured priority, or 254 for an owner that met another one.
    fn base(&self) -> u8 {
        if self.owner_demoted {
            254
        } else {
            self.cfg.priority
        }
    }

    fn skew(&self) -> Duration {
        skew(self.cfg.version, self.effective, self.master_adver_int)
    }

    fn is_unicast(&self) -> bool {
        !self.cfg.unicast_peers.is_empty()
    }

    /// Every address the instance installs as MASTER (VIPs, then excluded VIPs).
    fn all_vips(&self) -> Vec<VipConfig> {
        self.cfg
            .vips
            .iter()
            .chain(self.cfg.excluded_vips.iter())
            .cloned()
            .collect()
    }

    fn view<'a>(&'a self, groups: &'a [Group]) -> InstanceView<'a> {
        InstanceView {
            id: self.id,
            config: &self.cfg,
            state: self.state,
            effective_priority: self.effective,
            master_adver_int: self.master_adver_int,
            master_ip: self.master_ip,
            master_priority: self.master_priority,
            last_accepted: self.last_accepted,
            last_prio0: self.last_prio0,
            fault_cause: self.fault_cause.clone(),
            sync_group: self.group.map(|g| groups[g].cfg.name.as_str()),
            counters: &self.counters,
            next_timer: self.deadlines[TimerKind::Main as usize],
            master_down_interval: self.mdi(),
            source: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Group {
    cfg: SyncGroupConfig,
    members: Vec<InstanceId>,
    state: State,
}

/// All VRRP instances of one daemon.
#[derive(Debug, Clone)]
pub struct Router {
    now: Instant,
    started: bool,
    stopped: bool,
    ifaces: Vec<Iface>,
    instances: Vec<Option<Instance>>,
    /// instances a reload removed, kept until the actions they queued (their
    /// priority-0 advert) have been polled: `advert_repr` still needs them
    retired: Vec<Instance>,
    groups: Vec<Group>,
    by_key: HashMap<(IfaceId, Family, u8), InstanceId>,
    trackers: HashMap<TrackerKey, TrackerState>,
    timers: BinaryHeap<TimerEntry>,
    /// how many timers have been set: the sequence number of the last
    timers_set: u64,
    actions: VecDeque<Action>,
    vip_set: HashSet<IpAddr>,
    unknown_vrid: u64,
    /// end of `vrrp_startup_delay`: until then no instance becomes MASTER
    hold_until: Option<Instant>,
}

impl Router {
    /// A router for `config`. Nothing runs until [`Router::start`]: first
    /// tell it the interfaces' state and addresses (`handle` with `Link` and
    /// `Address` inputs, and any tracker already known), so that instances
    /// start in the right state.
    pub fn new(config: RouterConfig, now: Instant) -> Router {
        let mut r = Router {
            now,
            started: false,
            stopped: false,
            ifaces: Vec::new(),
            instances: Vec::new(),
            retired: Vec::new(),
            groups: Vec::new(),
            by_key: HashMap::new(),
            trackers: HashMap::new(),
            timers: BinaryHeap::new(),
            timers_set: 0,
            actions: VecDeque::new(),
            vip_set: HashSet::new(),
            unknown_vrid: 0,
            hold_until: None,
        };
        let RouterConfig {
            instances,
            sync_groups,
        } = config;
        for cfg in instances {
            let id = InstanceId(r.instances.len() as u32);
            let inst = r.make_instance(id, cfg);
            r.instances.push(Some(inst));
        }
        r.rebuild_indexes(sync_groups, &HashMap::new());
        r
    }

    /// Start every instance: remove addresses a previous run may have left
    /// behind, then enter BACKUP (or MASTER for an address owner, FAULT when
    /// a tracked thing is down).
    pub fn start(&mut self, now: Instant) {
        self.start_delayed(now, Duration::ZERO);
    }

    /// [`Router::start`] with keepalived's `vrrp_startup_delay` (2.2.x):
    /// instances enter their states now, but none becomes MASTER before
    /// `delay` has passed. A BACKUP's timers count from the end of the
    /// delay (Master_Down_Interval after it, at the earliest), and an
    /// address owner waits, silent, until it ends. Adverts are still
    /// heard meanwhile.
    pub fn start_delayed(&mut self, now: Instant, delay: Duration) {
        if self.started {
            return;
        }
        self.now = now;
        self.started = true;
        if !delay.is_zero() {
            self.hold_until = Some(now + delay);
        }
        let all: Vec<usize> = (0..self.instances.len())
            .filter(|&i| self.instances[i].is_some())
            .collect();
        self.start_instances(&all, true);
    }

    /// keepalived's vrrp_restore_interfaces_startup, at the first start
    /// only: what a previous run may have left behind (after kill -9) goes.
    fn remove_leftovers(&mut self, indices: &[usize]) {
        for &idx in indices {
            let inst = self.inst(idx);
            let (vips, routes, rules, iface, id, name) = (
                inst.all_vips(),
                inst.cfg.routes.clone(),
                inst.cfg.rules.clone(),
                inst.iface,
                inst.id,
                inst.cfg.name.clone(),
            );
            let any = !vips.is_empty() || !routes.is_empty() || !rules.is_empty();
            self.remove_routes_and_rules(id, &name, routes, rules);
            if any {
                self.log(LogEvent::RemovingVips { instance: name });
            }
            if !vips.is_empty() {
                self.push(Action::RemoveVips {
                    instance: id,
                    iface,
                    vips,
                });
            }
        }
    }

    /// Start `indices` in keepalived's order: the trackers' verdicts first
    /// (a priority they change, `(VI_1): entering FAULT state (interface
    /// eth1 down)`, and once per
    /// sync group `VRRP_Group(VG): Syncing VI_1 to FAULT state`), a new
    /// BACKUP group's notify, the instances (a FAULT one as
    /// `(VI_1) entering FAULT state`), then a new FAULT group's notify.
    /// At the first start (`first`) an instance whose weight-0 scripts have
    /// not answered yet is held instead, and the order is keepalived's
    /// start-up: vrrp_complete_init puts the FAULT instances in FAULT
    /// first, vrrp_restore_interfaces_startup removes every instance's
    /// leftovers, vrrp_init_state notifies the groups (in their order),
    /// then starts the others.
    fn start_instances(&mut self, indices: &[usize], first: bool) {
        let mut announced = Vec::new();
        for &idx in indices {
            // keepalived sets the trackers' priority before any state:
            // `(VI_1) Changing effective priority from 150 to 120`
            let (prio, fault) = self.own_priority(idx);
            let base = self.inst(idx).base();
            if prio != base {
                let name = self.inst(idx).cfg.name.clone();
                self.log(LogEvent::PriorityChange {
                    instance: name,
                    from: base,
                    to: prio,
                });
            }
            let Some(cause) = fault else {
                continue;
            };
            let name = self.inst(idx).cfg.name.clone();
            self.log(LogEvent::FaultDueTo {
                instance: name.clone(),
                cause,
            });
            if let Some(g) = self.inst(idx).group {
                if !announced.contains(&g) {
                    announced.push(g);
                    self.log(LogEvent::GroupFaultAtStart {
                        group: self.groups[g].cfg.name.clone(),
                        instance: name,
                    });
                }
            }
        }
        if first {
            let (faulty, others): (Vec<usize>, Vec<usize>) = indices
                .iter()
                .partition(|&&idx| self.evaluate(idx).1.is_some());
            // a group with a member down is in FAULT before its members
            // enter it (so they do not sync it); notified below
            let fault_groups: Vec<usize> = (0..self.groups.len())
                .filter(|&g| {
                    self.groups[g].state == State::Init
                        && self.groups[g].members.iter().any(|m| {
                            self.instances[m.0 as usize].is_some()
                                && self.own_priority(m.0 as usize).1.is_some()
                        })
                })
                .collect();
            for &g in &fault_groups {
                self.groups[g].state = State::Fault;
            }
            for &idx in &faulty {
                self.start_instance(idx, true);
            }
            self.remove_leftovers(indices);
            for g in fault_groups {
                let name = self.groups[g].cfg.name.clone();
                self.push(Action::Notify {
                    target: NotifyTarget::Group(name),
                    state: NotifyState::Fault,
                    priority: 0,
                });
            }
            self.init_group_states(true);
            for idx in others {
                if self.scripts_pending(idx) {
                    // silent: no state line, no notify, no timer
                    self.inst_mut(idx).awaiting_scripts = true;
                    continue;
                }
                self.start_instance(idx, true);
            }
            return;
        }
        let fault_groups = self.init_group_states(first);
        for &idx in indices {
            if first && self.scripts_pending(idx) && self.own_priority(idx).1.is_none() {
                // silent: no state line, no notify, no timer
                self.inst_mut(idx).awaiting_scripts = true;
                continue;
            }
            self.start_instance(idx, true);
        }
        for g in fault_groups {
            let name = self.groups[g].cfg.name.clone();
            self.push(Action::Notify {
                target: NotifyTarget::Group(name),
                state: NotifyState::Fault,
                priority: 0,
            });
        }
    }

    /// Whether instance `idx` or a member of its sync group tracks a
    /// script with weight 0 (as it counts) that has not given a result yet.
    fn scripts_pending(&self, idx: usize) -> bool {
        !self.pending_scripts(idx).is_empty()
    }

    /// The weight-0 scripts (as they count) of instance `idx` and of the
    /// members of its sync group that have not given a result yet.
    fn pending_scripts(&self, idx: usize) -> Vec<String> {
        let mut names = Vec::new();
        let mut pending = |i: usize| {
            let Some(inst) = self.instances[i].as_ref() else {
                return;
            };
            let group = inst.group.map(|g| &self.groups[g]);
            let own = inst.cfg.trackers.iter().map(|t| (t, false));
            let shared = group
                .into_iter()
                .flat_map(|g| g.cfg.trackers.iter().map(|t| (t, true)));
            for (t, from_group) in own.chain(shared) {
                if let TrackerKey::Script(name) = &t.key {
                    if self.load_weight(i, t, from_group) == Some(0)
                        && !self.trackers.contains_key(&t.key)
                        && !names.contains(name)
                    {
                        names.push(name.clone());
                    }
                }
            }
        };
        match self.inst(idx).group {
            Some(g) => {
                for m in &self.groups[g].members {
                    pending(m.0 as usize);
                }
            }
            None => pending(idx),
        }
        names
    }

    /// The members a BACKUP instance's sync group waits for: its own down
    /// timer ran out, theirs did not (they still hear a master), so the
    /// group stays BACKUP (empty otherwise): for `keepvip status`.
    pub fn awaited_members(&self, id: InstanceId) -> Vec<String> {
        let Some(inst) = self.instances.get(id.0 as usize).and_then(|i| i.as_ref()) else {
            return Vec::new();
        };
        let Some(g) = inst.group else {
            return Vec::new();
        };
        if inst.state != State::Backup
            || !inst.wants_master
            || self.groups[g].state == State::Master
        {
            return Vec::new();
        }
        self.groups[g]
            .members
            .iter()
            .filter_map(|m| self.instances[m.0 as usize].as_ref())
            .filter(|m| m.id != id && !m.wants_master)
            .map(|m| m.cfg.name.clone())
            .collect()
    }

    /// The scripts a held instance waits for (empty unless it is held in
    /// INIT at start): for `keepvip status`.
    pub fn awaited_scripts(&self, id: InstanceId) -> Vec<String> {
        let idx = id.0 as usize;
        match self.instances.get(idx).and_then(|i| i.as_ref()) {
            Some(i) if i.awaiting_scripts => self.pending_scripts(idx),
            _ => Vec::new(),
        }
    }

    /// keepalived's process_script_update_priority and try_up_instance for
    /// an instance held at start: once the scripts have spoken it enters
    /// BACKUP (`(VI_1) Entering BACKUP STATE`, no "(init)"), or FAULT
    /// without a state line (keepalived was already in FAULT inside), or,
    /// as an owner, MASTER.
    fn release_awaiting(&mut self) {
        for idx in 0..self.instances.len() {
            let held = self.instances[idx]
                .as_ref()
                .is_some_and(|i| i.awaiting_scripts);
            if !held || self.scripts_pending(idx) {
                continue;
            }
            self.inst_mut(idx).awaiting_scripts = false;
            self.release_held(idx);
        }
    }

    /// A held instance enters the state its trackers give it.
    fn release_held(&mut self, idx: usize) {
        let (prio, fault) = self.evaluate(idx);
        self.inst_mut(idx).effective = prio;
        if let Some(cause) = fault {
            // keepalived was in FAULT inside already: no state line
            self.set_state(idx, State::Fault);
            self.settle_in_fault(idx, cause);
        } else if self.inst(idx).base() == 255 {
            self.become_master(idx);
        } else {
            self.enter_backup(idx, false);
        }
    }

    /// keepalived's vrrp_sync_set_group and vrrp_init_state: a new group
    /// (at start, or of new instances at a reload) starts MASTER if all its
    /// members are address owners, FAULT if one of them is down, else
    /// BACKUP; one a reload makes of running instances is MASTER if they
    /// all are, FAULT if one is, else BACKUP. At the first start (`first`)
    /// a group whose members wait for their scripts is left to the first
    /// of them. A BACKUP group is notified here, before any member enters
    /// its state (no "Syncing" line); the FAULT ones are returned, to be
    /// notified after their members (keepalived notifies those members
    /// while it reads the configuration).
    fn init_group_states(&mut self, first: bool) -> Vec<usize> {
        let mut fault = Vec::new();
        let mut restart = Vec::new();
        for g in 0..self.groups.len() {
            if self.groups[g].state != State::Init {
                continue;
            }
            let members: Vec<usize> = self.groups[g]
                .members
                .iter()
                .map(|m| m.0 as usize)
                .filter(|&m| self.instances[m].is_some())
                .collect();
            let running = members
                .iter()
                .filter(|&&m| self.inst(m).state != State::Init)
                .count();
            // members held for their scripts: the group comes up with the
            // first of them (keepalived: num_member_init)
            if running == 0 && first && members.iter().any(|&m| self.scripts_pending(m)) {
                continue;
            }
            let state = if running == 0 {
                if !members.is_empty() && members.iter().all(|&m| self.inst(m).base() == 255) {
                    State::Master
                } else if members.iter().any(|&m| self.own_priority(m).1.is_some()) {
                    State::Fault
                } else {
                    State::Backup
                }
            } else if running == members.len() {
                // a group a reload makes of running instances (keepalived's
                // reload in vrrp_complete_init): MASTER if they all are
                let all = |s: State| members.iter().all(|&m| self.inst(m).state == s);
                if all(State::Master) {
                    State::Master
                } else if members.iter().any(|&m| self.inst(m).state == State::Fault) {
                    State::Fault
                } else {
                    State::Backup
                }
            } else if members
                .iter()
                .any(|&m| self.inst(m).state == State::Fault || self.own_priority(m).1.is_some())
            {
                // old and new members mixed, one of them down: its FAULT
                // takes the group along
                continue;
            } else {
                // old and new members mixed (keepalived's vrrp_init_state
                // at a reload): the group starts anew, BACKUP, and its
                // MASTERs with it, after the group's notify
                restart.extend(
                    members
                        .iter()
                        .filter(|&&m| self.inst(m).state == State::Master),
                );
                State::Backup
            };
            self.groups[g].state = state;
            match state {
                State::Backup => {
                    let name = self.groups[g].cfg.name.clone();
                    self.push(Action::Notify {
                        target: NotifyTarget::Group(name),
                        state: NotifyState::Backup,
                        priority: 0,
                    });
                }
                State::Fault => fault.push(g),
                _ => {}
            }
            for m in restart.drain(..) {
                self.restart_in_backup(m);
            }
        }
        fault
    }

    /// keepalived's vrrp_init_state for a MASTER whose sync group a reload
    /// made anew with new members: its addresses go (no priority 0: it is
    /// not leaving), `(VI_1) Entering BACKUP STATE (init)`, and it still
    /// wants MASTER, due one advert interval and the least skew later;
    /// the group follows once the new members want it too.
    fn restart_in_backup(&mut self, idx: usize) {
        let now = self.now;
        let name = self.inst(idx).cfg.name.clone();
        self.release_addresses(idx, name.clone());
        self.log(LogEvent::EnteringState {
            instance: name,
            state: State::Backup,
            init: true,
        });
        self.set_state(idx, State::Backup);
        let inst = self.inst_mut(idx);
        inst.preempt_until = None;
        let mai = inst.master_adver_int;
        let at = now + mai + skew(inst.cfg.version, 255, mai);
        self.set_timer(idx, TimerKind::Main, at);
        self.notify(idx, NotifyState::Backup);
    }

    /// Interned id of an interface name used by the configuration.
    pub fn iface_id(&self, name: &str) -> Option<IfaceId> {
        self.ifaces
            .iter()
            .position(|i| i.name == name)
            .map(|p| IfaceId(p as u32))
    }

    /// Name of an interned interface.
    pub fn iface_name(&self, id: IfaceId) -> Option<&str> {
        self.ifaces.get(id.0 as usize).map(|i| i.name.as_str())
    }

    /// Every interface the configuration uses.
    pub fn ifaces(&self) -> impl Iterator<Item = (IfaceId, &str)> {
        self.ifaces
            .iter()
            .enumerate()
            .map(|(i, f)| (IfaceId(i as u32), f.name.as_str()))
    }

    /// The sockets the daemon must open: (interface, family) with the
    /// multicast groups to join there (empty for unicast-only).
    pub fn sockets(&self) -> Vec<(IfaceId, Family, Vec<IpAddr>)> {
        let mut out: Vec<(IfaceId, Family, Vec<IpAddr>)> = Vec::new();
        for inst in self.instances.iter().flatten() {
            let key = (inst.iface, inst.cfg.family);
            let pos = match out.iter().position(|(i, f, _)| (*i, *f) == key) {
                Some(p) => p,
                None => {
                    out.push((key.0, key.1, Vec::new()));
                    out.len() - 1
                }
            };
            if !inst.is_unicast() && !out[pos].2.contains(&inst.mcast_dst) {
                out[pos].2.push(inst.mcast_dst);
            }
        }
        out
    }

    /// True if `addr` is a VIP (or excluded VIP) of any instance.
    pub fn is_vip(&self, addr: IpAddr) -> bool {
        self.vip_set.contains(&addr)
    }

    /// The addresses an instance puts in its adverts.
    pub fn advert_addrs(&self, id: InstanceId) -> AddrList<'_> {
        match self.get(id) {
            Some(i) => AddrList::Raw(i.cfg.family, &i.advert_addrs),
            None => AddrList::Raw(Family::V4, &[]),
        }
    }

    /// The advert a `SendAdvert` action asks for, with the instance's VIP
    /// list (None for any other action). An instance a reload removed is
    /// known here until the actions it queued have all been polled.
    pub fn advert_repr(&self, action: &Action) -> Option<VrrpRepr<'_>> {
        let Action::SendAdvert {
            instance,
            version,
            family,
            vrid,
            priority,
            max_adver_int,
            auth,
            ..
        } = action
        else {
            return None;
        };
        let inst = self
            .get(*instance)
            .or_else(|| self.retired.iter().find(|r| r.id == *instance))?;
        Some(VrrpRepr {
            version: *version,
            vrid: *vrid,
            priority: *priority,
            max_adver_int: *max_adver_int,
            family: *family,
            addrs: AddrList::Raw(*family, &inst.advert_addrs),
            auth: match auth {
                Some(AuthConfig::Pass(p)) => Auth::Pass(*p),
                None => Auth::None,
            },
        })
    }

    /// Ids of the running instances, in configuration order.
    pub fn instance_ids(&self) -> Vec<InstanceId> {
        self.instances.iter().flatten().map(|i| i.id).collect()
    }

    /// A view of every instance.
    pub fn instances(&self) -> impl Iterator<Item = InstanceView<'_>> {
        self.instances.iter().flatten().map(|i| self.view_of(i))
    }

    /// A view of one instance.
    pub fn instance(&self, id: InstanceId) -> Option<InstanceView<'_>> {
        self.get(id).map(|i| self.view_of(i))
    }

    /// Find an instance by name.
    pub fn instance_by_name(&self, name: &str) -> Option<InstanceView<'_>> {
        self.instances
            .iter()
            .flatten()
            .find(|i| i.cfg.name == name)
            .map(|i| self.view_of(i))
    }

    /// What each tracker of an instance does to its priority now (its
    /// own trackers, then its sync group's), for `keepvip status`.
    pub fn tracker_effects(&self, id: InstanceId) -> Vec<TrackerEffect<'_>> {
        match self.get(id) {
            Some(_) => self.effects_at(id.0 as usize).collect(),
            None => Vec::new(),
        }
    }

    /// The last state reported for a tracker (None: never reported).
    pub fn tracker_state(&self, key: &TrackerKey) -> Option<TrackerState> {
        self.trackers.get(key).copied()
    }

    /// Every sync group, with its state, in configuration order.
    pub fn groups(&self) -> impl Iterator<Item = (&SyncGroupConfig, State)> {
        self.groups.iter().map(|g| (&g.cfg, g.state))
    }

    /// Sync group state by name.
    pub fn group_state(&self, name: &str) -> Option<State> {
        self.groups
            .iter()
            .find(|g| g.cfg.name == name)
            .map(|g| g.state)
    }

    /// Zero every instance's counters (keepalived's STATS_CLEAR).
    pub fn clear_counters(&mut self) {
        for inst in self.instances.iter_mut().flatten() {
            inst.counters = Counters::default();
        }
    }

    /// Adverts received for VRIDs this router does not run.
    pub fn unknown_vrid_count(&self) -> u64 {
        self.unknown_vrid
    }

    /// The next queued action.
    pub fn poll_action(&mut self) -> Option<Action> {
        let next = self.actions.pop_front();
        if next.is_none() {
            // every action a removed instance queued has been taken
            self.retired.clear();
        }
        next
    }

    /// When `handle_timeout` must next be called.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, _, idx, kind))) = self.timers.peek().copied() {
            if self.timer_is_live(at, idx, kind) {
                return Some(at);
            }
            self.timers.pop();
        }
        None
    }

    /// Fire every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = self.now.max(now);
        // At most as many entries as were queued when called: a timer that
        // a handler re-arms at `now` waits for the next call (poll_timeout
        // says it is due), so such a bug cannot hang the caller here.
        let mut budget = self.timers.len();
        while let Some(Reverse((at, _, idx, kind))) = self.timers.peek().copied() {
            if at > now || budget == 0 {
                break;
            }
            budget -= 1;
            self.timers.pop();
            if !self.timer_is_live(at, idx, kind) {
                continue;
            }
            if let Some(inst) = self.instances[idx as usize].as_mut() {
                inst.deadlines[kind as usize] = None;
            }
            self.fire(idx as usize, kind);
        }
    }

    /// Feed one input.
    pub fn handle(&mut self, now: Instant, input: Input<'_>) {
        self.now = self.now.max(now);
        match input {
            Input::Advert {
                iface,
                src,
                dst,
                ttl,
                advert,
                checksum,
            } => self.on_advert(iface, src, dst, ttl, &advert, checksum),
            Input::Malformed {
                iface,
                family,
                vrid,
                src,
                error,
            } => self.on_malformed(iface, family, vrid, src, error),
            Input::Tracker { key, state } => {
                if let TrackerKey::Interface(name) = &key {
                    if let Some(id) = self.iface_id(name) {
                        self.ifaces[id.0 as usize].up = state != TrackerState::Down;
                    }
                }
                self.trackers.insert(key, state);
                self.reevaluate_all();
                self.release_awaiting();
            }
            Input::Link { iface, up } => {
                let Some(f) = self.ifaces.get_mut(iface.0 as usize) else {
                    return;
                };
                if f.up == up {
                    return;
                }
                f.up = up;
                let key = TrackerKey::Interface(f.name.clone());
                self.trackers.insert(
                    key,
                    if up {
                        TrackerState::Up
                    } else {
                        TrackerState::Down
                    },
                );
                self.reevaluate_all();
            }
            Input::Address {
                iface,
                addr,
                prefix_len: _,
                added,
            } => self.on_address(iface, addr, added, false),
            Input::OwnAddressRemoved { iface, addr } => self.on_address(iface, addr, false, true),
            Input::RouteRemoved(route) => {
                let text = format!(
                    "virtual route {}/{} was deleted: leaving MASTER",
                    route.dst, route.dst_len
                );
                self.on_tracked_removed(&text, |c| {
                    c.routes.iter().any(|r| r == route && !r.no_track)
                });
            }
            Input::RuleRemoved(rule) => {
                let text = format!(
                    "virtual rule (priority {}) was deleted: leaving MASTER",
                    rule.priority
                );
                self.on_tracked_removed(&text, |c| {
                    c.rules.iter().any(|r| r == rule && !r.no_track)
                });
            }
            Input::Shutdown => self.shutdown(),
            Input::Reload(cfg) => self.reload(cfg),
        }
    }

    // ---- internals: bookkeeping ----

    fn get(&self, id: InstanceId) -> Option<&Instance> {
        self.instances.get(id.0 as usize).and_then(|i| i.as_ref())
    }

    fn inst(&self, idx: usize) -> &Instance {
        self.instances[idx].as_ref().expect("live instance")
    }

    fn inst_mut(&mut self, idx: usize) -> &mut Instance {
        self.instances[idx].as_mut().expect("live instance")
    }

    fn intern(&mut self, name: &str) -> IfaceId {
        if let Some(id) = self.iface_id(name) {
            return id;
        }
        self.ifaces.push(Iface::new(name));
        IfaceId(self.ifaces.len() as u32 - 1)
    }

    /// Intern every interface an instance uses; returns its own and the
    /// one its adverts leave from.
    fn intern_interfaces_of(&mut self, cfg: &InstanceConfig) -> (IfaceId, IfaceId) {
        let iface = self.intern(&cfg.interface);
        let source_iface = match &cfg.source_iface {
            Some(name) => self.intern(name),
            None => iface,
        };
        for v in cfg.vips.iter().chain(cfg.excluded_vips.iter()) {
            if let Some(d) = &v.dev {
                self.intern(d);
            }
        }
        for t in &cfg.trackers {
            if let TrackerKey::Interface(n) = &t.key {
                self.intern(n);
            }
        }
        (iface, source_iface)
    }

    fn make_instance(&mut self, id: InstanceId, cfg: InstanceConfig) -> Instance {
        let (iface, source_iface) = self.intern_interfaces_of(&cfg);
        let mut advert_addrs = Vec::new();
        for v in &cfg.vips {
            match (cfg.family, v.addr) {
                (Family::V4, IpAddr::V4(a)) => advert_addrs.extend_from_slice(&a.octets()),
                (Family::V6, IpAddr::V6(a)) => advert_addrs.extend_from_slice(&a.octets()),
                _ => {}
            }
        }
        let mcast_dst = cfg.mcast_dst.unwrap_or(match cfg.family {
            Family::V4 => IpAddr::V4(keepvip_wire::VRRP_MCAST_V4),
            Family::V6 => IpAddr::V6(keepvip_wire::VRRP_MCAST_V6),
        });
        let effective = cfg.priority;
        Instance {
            id,
            iface,
            source_iface,
            group: None,
            state: State::Init,
            effective,
            master_adver_int: cfg.advert_interval,
            deadlines: [None; TIMER_KINDS],
            master_ip: None,
            master_priority: None,
            last_accepted: None,
            last_prio0: None,
            preempt_until: None,
            awaiting_scripts: false,
            wants_master: cfg.state_hint == StateHint::Master,
            owner_demoted: false,
            fault_cause: None,
            advert_addrs,
            mcast_dst,
            warned_checksum: false,
            old_unicast_checksum: cfg.old_unicast_checksum == OldUnicastChecksum::Always,
            counters: Counters::default(),
            cfg,
        }
    }

    /// Rebuild the lookup tables, the VIP set and the sync groups.
    fn rebuild_indexes(
        &mut self,
        sync_groups: Vec<SyncGroupConfig>,
        old_group_states: &HashMap<String, State>,
    ) {
        self.by_key.clear();
        self.vip_set.clear();
        for inst in self.instances.iter_mut().flatten() {
            inst.group = None;
            self.by_key
                .insert((inst.iface, inst.cfg.family, inst.cfg.vrid), inst.id);
            for v in inst.cfg.vips.iter().chain(inst.cfg.excluded_vips.iter()) {
                self.vip_set.insert(v.addr);
            }
        }
        // a VIP is never an advert source
        for f in &mut self.ifaces {
            f.refresh_sources(&self.vip_set);
        }
        self.groups.clear();
        for cfg in sync_groups {
            // a sync group's track_interface is tracked by every member
            for t in &cfg.trackers {
                if let TrackerKey::Interface(n) = &t.key {
                    self.intern(n);
                }
            }
            let gidx = self.groups.len();
            let mut members = Vec::new();
            for m in &cfg.members {
                if let Some(inst) = self
                    .instances
                    .iter_mut()
                    .flatten()
                    .find(|i| &i.cfg.name == m)
                {
                    inst.group = Some(gidx);
                    members.push(inst.id);
                }
            }
            // a group that gains a new member starts anew, as keepalived's
            // reload (a member in INIT keeps it from MASTER), unless it is
            // down (FAULT stays FAULT)
            let gains_member = members.iter().any(|m| {
                self.instances[m.0 as usize]
                    .as_ref()
                    .is_some_and(|i| i.state == State::Init && !i.awaiting_scripts)
            });
            let state = match old_group_states.get(&cfg.name).copied() {
                Some(State::Master | State::Backup) if gains_member => State::Init,
                Some(old) => old,
                None => State::Init,
            };
            self.groups.push(Group {
                cfg,
                members,
                state,
            });
        }
    }

    fn push(&mut self, a: Action) {
        self.actions.push_back(a);
    }

    fn log(&mut self, e: LogEvent) {
        self.actions.push_back(Action::Log(e));
    }

    fn timer_is_live(&self, at: Instant, idx: u32, kind: TimerKind) -> bool {
        !self.stopped
            && self
                .instances
                .get(idx as usize)
                .and_then(|i| i.as_ref())
                .is_some_and(|i| i.deadlines[kind as usize] == Some(at))
    }

    fn set_timer(&mut self, idx: usize, kind: TimerKind, mut at: Instant) {
        if let Some(hold) = self.hold_until {
            if self.now >= hold {
                self.hold_until = None;
            } else if kind == TimerKind::Main && self.inst(idx).state == State::Backup {
                // during the start-up delay a BACKUP's wait starts when it ends
                at += hold - self.now;
            }
        }
        self.set_timer_at(idx, kind, at);
    }

    /// [`Router::set_timer`] for a deadline that already allows for the
    /// start-up delay (one moved, not set anew).
    fn set_timer_at(&mut self, idx: usize, kind: TimerKind, at: Instant) {
        self.inst_mut(idx).deadlines[kind as usize] = Some(at);
        self.timers_set += 1;
        self.timers
            .push(Reverse((at, self.timers_set, idx as u32, kind)));
    }

    fn clear_timer(&mut self, idx: usize, kind: TimerKind) {
        self.inst_mut(idx).deadlines[kind as usize] = None;
    }

    fn clear_garp_timers(&mut self, idx: usize) {
        self.clear_timer(idx, TimerKind::GarpDelayed);
        self.clear_timer(idx, TimerKind::GarpRefresh);
        self.clear_timer(idx, TimerKind::GarpLowerPrio);
        self.clear_timer(idx, TimerKind::GarpExtraIf);
    }

    /// The view of an instance, with its advert source.
    fn view_of<'a>(&'a self, inst: &'a Instance) -> InstanceView<'a> {
        InstanceView {
            source: self.source_of(inst),
            ..inst.view(&self.groups)
        }
    }

    /// Our address for the equal-priority tie-break and the advert source.
    fn primary_ip(&self, idx: usize) -> Option<IpAddr> {
        self.source_of(self.inst(idx))
    }

    fn source_of(&self, inst: &Instance) -> Option<IpAddr> {
        if let Some(ip) = inst.cfg.src_ip {
            return Some(ip);
        }
        let iface = self.ifaces.get(inst.source_iface.0 as usize)?;
        match inst.cfg.family {
            Family::V4 => iface.primary_v4,
            Family::V6 => iface.link_local_v6,
        }
    }

    // ---- priority and FAULT ----

    /// A tracker's state as the priority sees it: an interface's from the
    /// link, one never reported as keepalived starts it (up; a file 0).
    /// None: a script that has not answered yet.
    fn tracker_state_now(&self, key: &TrackerKey) -> Option<TrackerState> {
        Some(match key {
            // keepalived's SCRIPT_INIT_STATE_INIT
            TrackerKey::Script(_) => *self.trackers.get(key)?,
            TrackerKey::Interface(name) => match self.iface_id(name) {
                Some(id) if !self.ifaces[id.0 as usize].up => TrackerState::Down,
                Some(_) => TrackerState::Up,
                None => self.trackers.get(key).copied().unwrap_or(TrackerState::Up),
            },
            TrackerKey::File(_) => self
                .trackers
                .get(key)
                .copied()
                .unwrap_or(TrackerState::Value(0)),
            TrackerKey::Process(_) => self.trackers.get(key).copied().unwrap_or(TrackerState::Up),
        })
    }

    fn tracker_contribution(&self, t: &TrackRef, weight: i32) -> Result<i32, FaultCause> {
        // a script that has not reported yet moves no priority either way
        // (a weight-0 one holds the instance at start instead, see
        // `awaiting_scripts`)
        let Some(state) = self.tracker_state_now(&t.key) else {
            return Ok(0);
        };
        let what = || match &t.key {
            TrackerKey::Script(n) => FaultCause::Script(n.clone()),
            TrackerKey::File(n) => FaultCause::File {
                name: n.clone(),
                value: 0,
            },
            TrackerKey::Process(n) => FaultCause::Process(n.clone()),
            TrackerKey::Interface(n) => FaultCause::Interface(n.clone()),
        };
        match state {
            TrackerState::Value(v) => {
                let file = || match what() {
                    FaultCause::File { name, .. } => FaultCause::File { name, value: v },
                    other => other,
                };
                if weight == 0 {
                    // keepalived: `!!status == (multiplier == 1)` is FAULT:
                    // non-zero, or with reverse 0
                    return if (v != 0) != t.reverse {
                        Err(file())
                    } else {
                        Ok(0)
                    };
                }
                let mut c = v.saturating_mul(i64::from(weight));
                if t.reverse {
                    c = -c;
                }
                if c < -253 {
                    Err(file())
                } else {
                    Ok(c.min(253) as i32)
                }
            }
            s => {
                // keepalived: `reverse` multiplies the weight by -1; the
                // weight still applies in the same condition (a positive
                // one while up, a negative one while down). Only weight 0
                // reads the state the other way round (down means fine)
                let up = s == TrackerState::Up;
                let multiplier = if t.reverse { -1 } else { 1 };
                match weight {
                    0 if up == t.reverse => Err(what()),
                    0 => Ok(0),
                    w if (w > 0) == up => Ok(w * multiplier),
                    _ => Ok(0),
                }
            }
        }
    }

    /// The instance's own priority and FAULT cause, ignoring its group.
    fn own_priority(&self, idx: usize) -> (u8, Option<FaultCause>) {
        let inst = self.inst(idx);
        let mut fault = None;
        if inst.cfg.track_primary
            && self
                .ifaces
                .get(inst.iface.0 as usize)
                .is_some_and(|f| !f.up)
        {
            fault = Some(FaultCause::Interface(inst.cfg.interface.clone()));
        }
        if inst.cfg.unicast_without_peers {
            fault = Some(FaultCause::NoUnicastPeers);
        }
        if let (true, Some(src)) = (inst.cfg.track_src_ip, inst.cfg.src_ip) {
            let present = self
                .ifaces
                .get(inst.iface.0 as usize)
                .is_some_and(|f| f.addrs.contains(&src));
            if !present && fault.is_none() {
                fault = Some(FaultCause::SourceMissing(src));
            }
        }
        if fault.is_none() && self.primary_ip(idx).is_none() {
            // nothing to send adverts from (keepalived: FAULT until the
            // interface gets an address)
            fault = Some(FaultCause::NoAddress(inst.cfg.family));
        }
        let mut sum: i32 = 0;
        for e in self.effects_at(idx) {
            match e.effect {
                Ok(c) => sum += c,
                Err(cause) => {
                    fault.get_or_insert(cause);
                }
            }
        }
        let base = inst.base();
        let effective = if base == 255 {
            255
        } else {
            (i32::from(base) + sum).clamp(1, 254) as u8
        };
        (effective, fault)
    }

    /// The weight a tracker of instance `idx` has, as keepalived 2.2.7
    /// works it out at load (vrrp.c vrrp_complete_instance and
    /// sync_group_tracking_init). None: keepalived drops the tracker.
    ///
    /// - a sync group's own trackers keep their weights on every member
    ///   (`sync_group_tracking_weight` does not matter to them), unless a
    ///   member is an address owner: then weight 0;
    /// - an instance's own trackers, when it is in a sync group without
    ///   `sync_group_tracking_weight` or is an address owner: a weighted
    ///   track_interface gets weight 0 (an owner's is dropped), a weighted
    ///   track_script is dropped, a track_file of weight 1 (its default)
    ///   gets weight 0 and one of another weight is dropped; a
    ///   track_process keeps its weight.
    fn load_weight(&self, idx: usize, t: &TrackRef, from_group: bool) -> Option<i32> {
        let inst = self.inst(idx);
        let group = inst.group.map(|g| &self.groups[g]);
        if from_group {
            let has_owner = group.is_some_and(|g| {
                g.members.iter().any(|m| {
                    self.instances[m.0 as usize]
                        .as_ref()
                        .is_some_and(|i| i.cfg.priority == 255)
                })
            });
            return Some(if has_owner { 0 } else { t.weight });
        }
        let owner = inst.cfg.priority == 255;
        let sync_no_weight = group.is_some_and(|g| !g.cfg.tracking_weight);
        if t.weight == 0 || !(owner || sync_no_weight) {
            return Some(t.weight);
        }
        match &t.key {
            TrackerKey::Interface(_) if sync_no_weight => Some(0),
            TrackerKey::Interface(_) | TrackerKey::Script(_) => None,
            TrackerKey::File(_) if t.weight == 1 => Some(0),
            TrackerKey::File(_) => None,
            TrackerKey::Process(_) => Some(t.weight),
        }
    }

    /// What each tracker of instance `idx` does to it now: its own, then
    /// its sync group's, with the weights of [`Router::load_weight`] (a
    /// dropped tracker does nothing).
    fn effects_at(&self, idx: usize) -> impl Iterator<Item = TrackerEffect<'_>> {
        let inst = self.inst(idx);
        let group = inst.group.map(|g| &self.groups[g]);
        let own = inst.cfg.trackers.iter().map(|t| (t, false));
        let of_group = group
            .into_iter()
            .flat_map(|g| g.cfg.trackers.iter().map(|t| (t, true)));
        own.chain(of_group).map(move |(tracker, from_group)| {
            let weight = self.load_weight(idx, tracker, from_group);
            TrackerEffect {
                tracker,
                from_group,
                weight_counts: weight == Some(tracker.weight),
                dropped: weight.is_none(),
                state: self.tracker_state_now(&tracker.key),
                effect: match weight {
                    Some(w) => self.tracker_contribution(tracker, w),
                    None => Ok(0),
                },
            }
        })
    }

    /// Priority and FAULT cause including sync-group members' faults.
    fn evaluate(&self, idx: usize) -> (u8, Option<FaultCause>) {
        let (prio, mut fault) = self.own_priority(idx);
        if fault.is_none() {
            if let Some(g) = self.inst(idx).group {
                for m in &self.groups[g].members {
                    if m.0 as usize == idx {
                        continue;
                    }
                    if let (_, Some(_)) = self.own_priority(m.0 as usize) {
                        fault = Some(FaultCause::GroupMember(
                            self.inst(m.0 as usize).cfg.name.clone(),
                        ));
                        break;
                    }
                }
            }
        }
        (prio, fault)
    }

    fn reevaluate_all(&mut self) {
        if !self.started || self.stopped {
            // remember only; start() evaluates
            for idx in 0..self.instances.len() {
                if self.instances[idx].is_some() {
                    let (p, _) = self.evaluate(idx);
                    self.inst_mut(idx).effective = p;
                }
            }
            return;
        }
        // keepalived moves the sync-group member whose own tracker changed
        // first and syncs the group from it (the others follow, the group
        // notify comes last); the rest in configuration order. Into FAULT
        // the first such member takes its group along; out of it, the last
        // (keepalived counts the members' faults down in order, and the
        // group comes up with the member that clears the last one)
        let changed: Vec<usize> = (0..self.instances.len())
            .filter(|&idx| self.own_fault_changed(idx))
            .collect();
        let leaving = |r: &Self, idx: usize| r.inst(idx).state == State::Fault;
        let mut first: Vec<usize> = changed
            .iter()
            .copied()
            .filter(|&idx| !leaving(self, idx))
            .collect();
        for (k, &idx) in changed.iter().enumerate() {
            let group = self.inst(idx).group;
            let last_of_group = !changed[k + 1..]
                .iter()
                .any(|&o| leaving(self, o) && self.inst(o).group == group);
            if leaving(self, idx) && last_of_group {
                first.push(idx);
            }
        }
        for idx in first.into_iter().chain(0..self.instances.len()) {
            if self.instances[idx].is_some() {
                self.reevaluate(idx);
            }
        }
    }

    /// Whether sync-group member `idx` is going into or out of a FAULT of
    /// its own (not one its group put it in).
    fn own_fault_changed(&self, idx: usize) -> bool {
        let Some(inst) = self.instances[idx].as_ref() else {
            return false;
        };
        if inst.group.is_none() {
            return false;
        }
        let was = inst.state == State::Fault
            && !matches!(inst.fault_cause, Some(FaultCause::GroupMember(_)));
        was != self.own_priority(idx).1.is_some()
    }

    fn reevaluate(&mut self, idx: usize) {
        let (prio, fault) = self.evaluate(idx);
        let now = self.now;
        let old = self.inst(idx).effective;
        if prio != old {
            let name = self.inst(idx).cfg.name.clone();
            self.log(LogEvent::PriorityChange {
                instance: name,
                from: old,
                to: prio,
            });
            self.inst_mut(idx).effective = prio;
            // A BACKUP's down timer moves by the change of its
            // Master_Down_Interval (the skew of the new priority), as
            // keepalived's vrrp_set_effective_priority moves it: after an
            // advert, a priority 0, and during the start-up wait alike
            // (until 2026-12-08 keepvip left the start-up wait alone, so a
            // router whose check failed at start took over with the
            // lowered priority before the better one could)
            let inst = self.inst(idx);
            if let (State::Backup, Some(due)) =
                (inst.state, inst.deadlines[TimerKind::Main as usize])
            {
                let (version, mai, adverts) = (
                    inst.cfg.version,
                    inst.master_adver_int,
                    inst.cfg.down_timer_adverts,
                );
                let before = crate::timing::master_down_interval(version, old, mai, adverts);
                let after = inst.mdi();
                let at = if after >= before {
                    due + (after - before)
                } else {
                    Instant::from_micros(
                        due.as_micros()
                            .saturating_sub((before - after).as_micros() as u64),
                    )
                };
                self.set_timer_at(idx, TimerKind::Main, at.max(now));
            }
        }
        let state = self.inst(idx).state;
        match (fault, state) {
            (Some(cause), s) if s != State::Fault && s != State::Init => {
                self.enter_fault(idx, cause, false);
            }
            (Some(cause), State::Fault) => self.inst_mut(idx).fault_cause = Some(cause),
            (None, State::Fault) => {
                self.inst_mut(idx).fault_cause = None;
                self.leave_fault(idx);
            }
            _ => {}
        }
    }

    // ---- state transitions ----

    fn start_instance(&mut self, idx: usize, init: bool) {
        let now = self.now;
        let (prio, fault) = self.evaluate(idx);
        self.inst_mut(idx).effective = prio;
        if let Some(cause) = fault {
            self.enter_fault(idx, cause, init);
            return;
        }
        let inst = self.inst(idx);
        if inst.base() == 255 {
            if self.hold_until.is_some_and(|h| now < h) {
                // keepalived's owner is a silent BACKUP whose down timer
                // is the start-up delay: no log line, no notify
                self.set_state(idx, State::Backup);
                self.set_timer(idx, TimerKind::Main, now);
                return;
            }
            // the address owner takes over at once: keepalived times its
            // BACKUP state out after 1 µs, with the usual detail line
            let name = self.inst(idx).cfg.name.clone();
            self.log(LogEvent::ReceiveTimeout { instance: name });
            self.become_master(idx);
            return;
        }
        self.enter_backup(idx, init);
    }

    fn set_state(&mut self, idx: usize, to: State) -> State {
        let inst = self.inst_mut(idx);
        let from = inst.state;
        inst.state = to;
        match to {
            State::Master => inst.counters.became_master += 1,
            State::Backup => inst.counters.became_backup += 1,
            State::Fault => inst.counters.became_fault += 1,
            State::Init => {}
        }
        if from == State::Master && to != State::Master {
            inst.counters.released_master += 1;
        }
        let id = inst.id;
        self.push(Action::StateChange {
            instance: id,
            from,
            to,
        });
        from
    }

    fn notify(&mut self, idx: usize, state: NotifyState) {
        let inst = self.inst(idx);
        let (name, prio) = (inst.cfg.name.clone(), inst.effective);
        self.push(Action::Notify {
            target: NotifyTarget::Instance(name),
            state,
            priority: prio,
        });
    }

    fn send_advert(&mut self, idx: usize, priority: u8) {
        let src = self.primary_ip(idx);
        let inst = self.inst_mut(idx);
        let (dst, count) = if inst.is_unicast() {
            let peers: Vec<IpAddr> = inst.cfg.unicast_peers.iter().map(|p| p.addr).collect();
            let n = peers.len() as u64;
            (Destination::Unicast(peers), n)
        } else {
            (Destination::Multicast(inst.mcast_dst), 1)
        };
        inst.counters.adverts_tx += count;
        inst.counters.advert_events_tx += 1;
        if priority == 0 {
            inst.counters.prio0_tx += count;
        }
        let version = inst.cfg.version;
        let checksum = match (version, inst.cfg.family) {
            (Version::V2, _) => ChecksumMode::V2,
            (Version::V3, Family::V4) if inst.old_unicast_checksum && inst.is_unicast() => {
                ChecksumMode::V3PseudoHeaderGroup
            }
            (Version::V3, Family::V4) if !inst.cfg.v3_checksum_pseudo_header => {
                ChecksumMode::V3NoPseudoHeader
            }
            (Version::V3, _) => ChecksumMode::V3PseudoHeader,
        };
        let action = Action::SendAdvert {
            instance: inst.id,
            iface: inst.iface,
            src,
            dst,
            version,
            family: inst.cfg.family,
            vrid: inst.cfg.vrid,
            priority,
            max_adver_int: inst.own_interval_field(),
            auth: if version == Version::V2 {
                inst.cfg.auth
            } else {
                None
            },
            checksum,
            ttl: if inst.is_unicast() {
                inst.cfg.unicast_ttl
            } else {
                255
            },
        };
        self.push(action);
    }

    /// GARP / NA bursts for the instance's addresses, one action per interface.
    fn garp(&mut self, idx: usize, repeat: u32) {
        if repeat == 0 {
            return;
        }
        let inst = self.inst(idx);
        let mut per_iface: Vec<(IfaceId, Vec<IpAddr>)> = Vec::new();
        for v in inst.cfg.vips.iter().chain(inst.cfg.excluded_vips.iter()) {
            let iface = v
                .dev
                .as_deref()
                .and_then(|d| self.iface_id(d))
                .unwrap_or(inst.iface);
            match per_iface.iter_mut().find(|(i, _)| *i == iface) {
                Some((_, list)) => list.push(v.addr),
                None => per_iface.push((iface, vec![v.addr])),
            }
        }
        let id = inst.id;
        for (iface, addrs) in per_iface {
            self.push(Action::Garp {
                instance: id,
                iface,
                addrs,
                repeat,
            });
        }
    }

    fn become_master(&mut self, idx: usize) {
        let now = self.now;
        // The advert goes first: nothing sits between the deadline and it.
        let prio = self.inst(idx).effective;
        self.send_advert(idx, prio);
        let name = self.inst(idx).cfg.name.clone();
        self.log(LogEvent::EnteringState {
            instance: name.clone(),
            state: State::Master,
            init: false,
        });
        self.set_state(idx, State::Master);
        self.inst_mut(idx).wants_master = true;
        let inst = self.inst(idx);
        if inst.cfg.version == Version::V3 && inst.master_adver_int != inst.cfg.advert_interval {
            self.log(LogEvent::AdverIntRestored {
                instance: name.clone(),
                from: inst.master_adver_int,
                to: inst.cfg.advert_interval,
            });
        }
        let inst = self.inst(idx);
        let (id, iface, vips, routes, rules, garp_cfg, adv) = (
            inst.id,
            inst.iface,
            inst.all_vips(),
            inst.cfg.routes.clone(),
            inst.cfg.rules.clone(),
            inst.cfg.garp.clone(),
            inst.cfg.advert_interval,
        );
        if !vips.is_empty() {
            self.log(LogEvent::SettingVips {
                instance: name.clone(),
            });
            if !self.inst(idx).cfg.excluded_vips.is_empty() {
                self.log(LogEvent::ExcludedVips {
                    instance: name.clone(),
                    set: true,
                });
            }
            self.push(Action::AddVips {
                instance: id,
                iface,
                vips,
            });
        }
        // keepalived's order: addresses, routes, rules
        if !routes.is_empty() {
            self.log(LogEvent::VirtualRoutes {
                instance: name.clone(),
                set: true,
            });
            self.push(Action::AddRoutes {
                instance: id,
                routes,
            });
        }
        if !rules.is_empty() {
            self.log(LogEvent::VirtualRules {
                instance: name,
                set: true,
            });
            self.push(Action::AddRules {
                instance: id,
                rules,
            });
        }
        self.garp(idx, garp_cfg.master_repeat);
        {
            let inst = self.inst_mut(idx);
            inst.master_ip = None;
            inst.master_priority = None;
            inst.preempt_until = None;
            inst.master_adver_int = inst.cfg.advert_interval;
        }
        self.set_timer(idx, TimerKind::Main, now + adv);
        if !garp_cfg.master_delay.is_zero() && garp_cfg.master_repeat > 0 {
            self.set_timer(idx, TimerKind::GarpDelayed, now + garp_cfg.master_delay);
        }
        if !garp_cfg.master_refresh.is_zero() {
            self.set_timer(idx, TimerKind::GarpRefresh, now + garp_cfg.master_refresh);
        }
        if !garp_cfg.extra_if.is_zero() && !garp_cfg.extra_if_targets.is_empty() {
            self.set_timer(idx, TimerKind::GarpExtraIf, now + garp_cfg.extra_if);
        }
        self.notify(idx, NotifyState::Master);
        self.sync_group(idx, State::Master);
    }

    /// Enter BACKUP (from INIT, MASTER or FAULT) with a full down timer.
    fn enter_backup(&mut self, idx: usize, init: bool) {
        let now = self.now;
        let was = self.inst(idx).state;
        let name = self.inst(idx).cfg.name.clone();
        self.log(LogEvent::EnteringState {
            instance: name.clone(),
            state: State::Backup,
            init,
        });
        self.set_state(idx, State::Backup);
        if was == State::Master {
            self.release_addresses(idx, name);
        }
        // keepalived forgets a running preempt delay on entering BACKUP,
        // and wants BACKUP (at start: what `state` says)
        let inst = self.inst_mut(idx);
        inst.preempt_until = None;
        if !init {
            inst.wants_master = false;
        }
        let mdi = self.inst(idx).mdi();
        self.set_timer(idx, TimerKind::Main, now + mdi);
        self.notify(idx, NotifyState::Backup);
        self.sync_group(idx, State::Backup);
    }

    fn release_addresses(&mut self, idx: usize, name: String) {
        self.clear_garp_timers(idx);
        let inst = self.inst(idx);
        let (id, iface, vips, routes, rules) = (
            inst.id,
            inst.iface,
            inst.all_vips(),
            inst.cfg.routes.clone(),
            inst.cfg.rules.clone(),
        );
        self.remove_routes_and_rules(id, &name, routes, rules);
        if !vips.is_empty() {
            let excluded = !self.inst(idx).cfg.excluded_vips.is_empty();
            self.log(LogEvent::RemovingVips {
                instance: name.clone(),
            });
            if excluded {
                self.log(LogEvent::ExcludedVips {
                    instance: name,
                    set: false,
                });
            }
            self.push(Action::RemoveVips {
                instance: id,
                iface,
                vips,
            });
        }
    }

    /// keepalived's vrrp_restore_interface order: rules, then routes, each
    /// with its detail line; the caller removes the addresses after them.
    fn remove_routes_and_rules(
        &mut self,
        id: InstanceId,
        name: &str,
        routes: Vec<crate::RouteConfig>,
        rules: Vec<crate::RuleConfig>,
    ) {
        if !rules.is_empty() {
            self.log(LogEvent::VirtualRules {
                instance: name.to_string(),
                set: false,
            });
            self.push(Action::RemoveRules {
                instance: id,
                rules,
            });
        }
        if !routes.is_empty() {
            self.log(LogEvent::VirtualRoutes {
                instance: name.to_string(),
                set: false,
            });
            self.push(Action::RemoveRoutes {
                instance: id,
                routes,
            });
        }
    }

    fn enter_fault(&mut self, idx: usize, cause: FaultCause, init: bool) {
        let was = self.inst(idx).state;
        let name = self.inst(idx).cfg.name.clone();
        // keepalived's vrrp_sync_fault sets a BACKUP member's state to FAULT
        // before its vrrp_state_leave_fault ("a bit of a bodge"), which then
        // sees no change to log: only the notifies tell
        let silent = was == State::Backup && matches!(cause, FaultCause::GroupMember(_));
        if !silent {
            self.log(LogEvent::EnteringState {
                instance: name.clone(),
                state: State::Fault,
                init,
            });
        }
        if was == State::Master {
            // not into its own interface when that is what went down: the
            // send could only fail (and warn)
            let link_up = self
                .ifaces
                .get(self.inst(idx).iface.0 as usize)
                .is_some_and(|f| f.up);
            if link_up {
                self.send_advert(idx, 0);
            }
            // keepalived logs it for the instance whose tracker failed, not
            // for the members its sync group takes along
            if !matches!(cause, FaultCause::GroupMember(_)) {
                self.log(LogEvent::SentPrio0 {
                    instance: name.clone(),
                });
            }
        }
        self.set_state(idx, State::Fault);
        if was == State::Master {
            self.release_addresses(idx, name);
        }
        self.settle_in_fault(idx, cause);
    }

    /// What an instance now in FAULT does whatever it came from: no
    /// timers, its notifies, and its sync group with it.
    fn settle_in_fault(&mut self, idx: usize, cause: FaultCause) {
        let inst = self.inst_mut(idx);
        inst.fault_cause = Some(cause);
        inst.deadlines = [None; TIMER_KINDS];
        self.notify(idx, NotifyState::Fault);
        self.sync_group(idx, State::Fault);
    }

    fn leave_fault(&mut self, idx: usize) {
        let now = self.now;
        let inst = self.inst_mut(idx);
        inst.master_adver_int = inst.cfg.advert_interval;
        inst.last_accepted = None;
        if inst.base() == 255 {
            // the owner waits one advert interval, then takes over
            let name = inst.cfg.name.clone();
            let adv = inst.cfg.advert_interval;
            self.log(LogEvent::EnteringState {
                instance: name,
                state: State::Backup,
                init: false,
            });
            self.set_state(idx, State::Backup);
            self.set_timer(idx, TimerKind::Main, now + adv);
            self.notify(idx, NotifyState::Backup);
            self.sync_group(idx, State::Backup);
            return;
        }
        self.enter_backup(idx, false);
    }

    /// keepalived's vrrp_sync_can_goto_master: a member whose down timer
    /// fired takes its group to MASTER only if the group is MASTER already
    /// or every other member wants MASTER too. One member still hearing the
    /// other router's adverts (a partition of one segment) keeps the group
    /// BACKUP; before 2026-12-02 keepvip's group went MASTER and at once
    /// back, every down interval, with GARPs each time.
    fn group_lets_go_master(&self, idx: usize) -> bool {
        let Some(g) = self.inst(idx).group else {
            return true;
        };
        let group = &self.groups[g];
        group.state == State::Master
            || group.members.iter().all(|m| {
                let m = m.0 as usize;
                m == idx || self.instances[m].as_ref().is_none_or(|i| i.wants_master)
            })
    }

    /// Move the rest of `idx`'s sync group to `to`.
    fn sync_group(&mut self, idx: usize, to: State) {
        let Some(g) = self.inst(idx).group else {
            return;
        };
        if self.groups[g].state == to {
            return;
        }
        self.groups[g].state = to;
        let name = self.groups[g].cfg.name.clone();
        self.log(LogEvent::GroupSyncing {
            group: name.clone(),
            state: to,
        });
        let members = self.groups[g].members.clone();
        for m in members {
            let midx = m.0 as usize;
            if midx == idx || self.instances[midx].is_none() {
                continue;
            }
            let st = self.inst(midx).state;
            match (to, st) {
                (State::Master, State::Backup) => self.become_master(midx),
                (State::Backup, State::Master) => self.enter_backup(midx, false),
                // the member that left FAULT brings the others with it
                // (keepalived's vrrp_sync_backup: vrrp_state_leave_fault)
                (State::Backup, State::Fault) if self.evaluate(midx).1.is_none() => {
                    self.inst_mut(midx).fault_cause = None;
                    self.leave_fault(midx);
                }
                // members held for their scripts come up (or go down) with
                // the first one the scripts let go
                (State::Backup | State::Fault, State::Init) if self.inst(midx).awaiting_scripts => {
                    self.inst_mut(midx).awaiting_scripts = false;
                    self.release_held(midx);
                }
                (State::Fault, s) if s != State::Fault && s != State::Init => {
                    let cause = FaultCause::GroupMember(self.inst(idx).cfg.name.clone());
                    self.enter_fault(midx, cause, false);
                }
                _ => {}
            }
        }
        let notify = match to {
            State::Master => Some(NotifyState::Master),
            State::Backup => Some(NotifyState::Backup),
            State::Fault => Some(NotifyState::Fault),
            State::Init => None,
        };
        if let Some(state) = notify {
            self.push(Action::Notify {
                target: NotifyTarget::Group(name),
                state,
                priority: 0,
            });
        }
    }

    // ---- timers ----

    fn fire(&mut self, idx: usize, kind: TimerKind) {
        let now = self.now;
        let state = self.inst(idx).state;
        match (kind, state) {
            (TimerKind::Main, State::Master) => {
                let prio = self.inst(idx).effective;
                self.send_advert(idx, prio);
                let adv = self.inst(idx).cfg.advert_interval;
                self.set_timer(idx, TimerKind::Main, now + adv);
            }
            (TimerKind::Main, State::Backup) => {
                // also for an owner (held by the start-up delay, or made one
                // by a reload while BACKUP), as keepalived logs it
                let name = self.inst(idx).cfg.name.clone();
                self.log(LogEvent::ReceiveTimeout { instance: name });
                self.inst_mut(idx).wants_master = true;
                if !self.group_lets_go_master(idx) {
                    // keepalived's vrrp_sync_can_goto_master: wait for the
                    // others, another down interval at a time
                    let at = now + self.inst(idx).mdi();
                    self.set_timer(idx, TimerKind::Main, at);
                    return;
                }
                self.become_master(idx);
            }
            (TimerKind::GarpDelayed, State::Master) => {
                let n = self.inst(idx).cfg.garp.master_repeat;
                self.garp(idx, n);
            }
            (TimerKind::GarpRefresh, State::Master) => {
                let g = self.inst(idx).cfg.garp.clone();
                // a reload may have turned it off: re-arming at `now` would
                // spin this loop forever
                if !g.master_refresh.is_zero() {
                    self.garp(idx, g.master_refresh_repeat);
                    self.set_timer(idx, TimerKind::GarpRefresh, now + g.master_refresh);
                }
            }
            (TimerKind::GarpLowerPrio, State::Master) => {
                let n = self.inst(idx).cfg.garp.lower_prio_repeat;
                self.garp(idx, n);
            }
            (TimerKind::GarpExtraIf, State::Master) => {
                let inst = self.inst(idx);
                let (id, home, g) = (inst.id, inst.iface, inst.cfg.garp.clone());
                if g.extra_if.is_zero() {
                    return; // turned off by a reload
                }
                for (ifname, addr) in &g.extra_if_targets {
                    let iface = self.iface_id(ifname).unwrap_or(home);
                    self.push(Action::Garp {
                        instance: id,
                        iface,
                        addrs: vec![*addr],
                        repeat: 1,
                    });
                }
                self.set_timer(idx, TimerKind::GarpExtraIf, now + g.extra_if);
            }
            _ => {}
        }
    }

    // ---- received packets ----

    fn drop_advert(&mut self, idx: usize, from: IpAddr, reason: DropReason) {
        let inst = self.inst_mut(idx);
        let c = &mut inst.counters;
        match reason {
            DropReason::Ttl { .. } => c.drop_ttl += 1,
            DropReason::TtlRange { .. } => {
                c.drop_ttl += 1;
                c.drop_ttl_range += 1;
            }
            DropReason::Version { .. } => c.drop_version += 1,
            DropReason::AuthType { .. } => c.drop_auth_type += 1,
            DropReason::AuthFailure => c.drop_auth_failure += 1,
            DropReason::Interval { .. } => c.drop_interval += 1,
            DropReason::UnknownPeer => c.drop_unknown_peer += 1,
            DropReason::CastMismatch => c.drop_cast_mismatch += 1,
            DropReason::Checksum { .. } => c.drop_checksum += 1,
            DropReason::Malformed(e) => {
                c.drop_malformed += 1;
                match e {
                    keepvip_wire::Error::Truncated
                    | keepvip_wire::Error::AddrCountMismatch { .. }
                    | keepvip_wire::Error::WrongFamilyForLength => c.drop_length += 1,
                    keepvip_wire::Error::BadType(_) => c.drop_type += 1,
                    _ => {}
                }
            }
            DropReason::NotRunning => {
                c.drop_not_running += 1;
                return;
            }
        }
        let name = inst.cfg.name.clone();
        self.log(LogEvent::Dropped {
            instance: name,
            from,
            reason,
        });
    }

    fn on_malformed(
        &mut self,
        iface: IfaceId,
        family: Family,
        vrid: Option<u8>,
        src: IpAddr,
        error: keepvip_wire::Error,
    ) {
        let Some(id) = vrid.and_then(|v| self.by_key.get(&(iface, family, v)).copied()) else {
            return;
        };
        let idx = id.0 as usize;
        let reason = match error {
            keepvip_wire::Error::BadChecksum => DropReason::Checksum {
                version: match self.inst(idx).cfg.version {
                    Version::V2 => 2,
                    Version::V3 => 3,
                },
            },
            e => DropReason::Malformed(e),
        };
        self.drop_advert(idx, src, reason);
    }

    /// An address added to or removed from an interface; `ours`: removed
    /// by the daemon itself.
    fn on_address(&mut self, iface: IfaceId, addr: IpAddr, added: bool, ours: bool) {
        let Some(f) = self.ifaces.get_mut(iface.0 as usize) else {
            return;
        };
        let before = (f.primary_v4, f.link_local_v6);
        if added {
            if !f.addrs.contains(&addr) {
                f.addrs.push(addr);
            }
        } else {
            f.addrs.retain(|a| *a != addr);
        }
        f.refresh_sources(&self.vip_set);
        let after = (f.primary_v4, f.link_local_v6);
        self.log_source_change(iface, [(before.0, after.0), (before.1, after.1)]);
        if !self.started || self.stopped {
            return;
        }
        if !self.vip_set.contains(&addr) {
            // the interface's own addresses decide the advert source: an
            // instance with none to send from is in FAULT
            for idx in 0..self.instances.len() {
                if self.instances[idx].as_ref().is_some_and(|i| {
                    (i.source_iface == iface && i.cfg.src_ip.is_none())
                        || (i.iface == iface && i.cfg.track_src_ip)
                }) {
                    self.reevaluate(idx);
                }
            }
            return;
        }
        if added || ours {
            return;
        }
        // A tracked VIP deleted by someone else while MASTER: keepalived
        // goes to BACKUP (and takes over again after its Skew_Time).
        let Some(ifname) = self.iface_name(iface).map(str::to_string) else {
            return;
        };
        let text = format!("VIP {addr} was removed from the interface: leaving MASTER");
        self.on_tracked_removed(&text, |c| {
            c.vips.iter().chain(c.excluded_vips.iter()).any(|v| {
                v.addr == addr && !v.no_track && v.dev.as_deref().unwrap_or(&c.interface) == ifname
            })
        });
    }

    /// keepalived's netlink_if_address_filter (detail lines): an interface
    /// an instance uses or tracks got its first address to send adverts
    /// from (IPv4, or IPv6 link-local), or lost its last one.
    fn log_source_change(
        &mut self,
        iface: IfaceId,
        changes: [(Option<IpAddr>, Option<IpAddr>); 2],
    ) {
        // most address events (a VIP added) change no source: done at once
        if changes
            .iter()
            .all(|(before, after)| before.is_some() == after.is_some())
        {
            return;
        }
        let Some(name) = self.iface_name(iface).map(str::to_string) else {
            return;
        };
        // (keepalived knows the tracked interfaces only once it has read
        // the addresses at start: their first ones are not logged)
        let started = self.started;
        let in_use = self.instances.iter().flatten().any(|i| {
            i.iface == iface
                || i.source_iface == iface
                || (started
                    && i.cfg
                        .trackers
                        .iter()
                        .any(|t| matches!(&t.key, TrackerKey::Interface(n) if *n == name)))
        });
        if !in_use {
            return;
        }
        for change in changes {
            match change {
                (None, Some(addr)) => self.log(LogEvent::AddressAssigned {
                    iface: name.clone(),
                    addr,
                }),
                (Some(addr), None) => self.log(LogEvent::AddressDeassigned {
                    iface: name.clone(),
                    addr,
                }),
                _ => {}
            }
        }
    }

    /// keepalived's set_vrrp_backup, for something a MASTER installed that
    /// someone deleted: it (and its sync group) leaves MASTER, removing the
    /// rest, and comes back after its Skew_Time, putting everything back,
    /// unless a better router's advert arrives first.
    fn bounce_master(&mut self, idx: usize) {
        let mut masters = vec![idx];
        if let Some(g) = self.inst(idx).group {
            for m in self.groups[g].members.clone() {
                let m = m.0 as usize;
                if m != idx
                    && self.instances[m]
                        .as_ref()
                        .is_some_and(|i| i.state == State::Master)
                {
                    masters.push(m);
                }
            }
        }
        self.enter_backup(idx, false);
        let now = self.now;
        for m in masters {
            if self.inst(m).state == State::Backup {
                let skew = self.inst(m).skew();
                self.set_timer(m, TimerKind::Main, now + skew);
            }
        }
    }

    /// Every MASTER that `owns` what someone else deleted (a tracked VIP,
    /// virtual route or rule) logs `text` and bounces.
    fn on_tracked_removed(&mut self, text: &str, owns: impl Fn(&InstanceConfig) -> bool) {
        if !self.started || self.stopped {
            return;
        }
        for idx in 0..self.instances.len() {
            let Some(inst) = self.instances[idx].as_ref() else {
                continue;
            };
            if inst.state != State::Master || !owns(&inst.cfg) {
                continue;
            }
            let name = inst.cfg.name.clone();
            self.log(LogEvent::Other {
                instance: Some(name),
                text: text.to_string(),
            });
            self.bounce_master(idx);
        }
    }

    fn on_advert(
        &mut self,
        iface: IfaceId,
        src: IpAddr,
        dst: IpAddr,
        ttl: u8,
        advert: &VrrpRepr<'_>,
        checksum: ChecksumMode,
    ) {
        let Some(id) = self
            .by_key
            .get(&(iface, advert.family, advert.vrid))
            .copied()
        else {
            self.unknown_vrid += 1;
            self.log(LogEvent::UnknownVrid {
                iface,
                vrid: advert.vrid,
                from: src,
            });
            return;
        };
        let idx = id.0 as usize;
        if self.stopped || !matches!(self.inst(idx).state, State::Backup | State::Master) {
            self.drop_advert(idx, src, DropReason::NotRunning);
            return;
        }
        if let Err(reason) = self.check_advert(idx, src, dst, ttl, advert) {
            self.drop_advert(idx, src, reason);
            return;
        }
        if checksum == ChecksumMode::V3PseudoHeaderGroup && !self.hear_old_unicast_checksum(idx) {
            self.drop_advert(idx, src, DropReason::Checksum { version: 3 });
            return;
        }
        self.check_soft(idx, src, advert, checksum);
        let inst = self.inst_mut(idx);
        inst.counters.adverts_rx += 1;
        if advert.priority == 0 {
            inst.counters.prio0_rx += 1;
        }
        match inst.state {
            State::Backup => self.backup_rx(idx, src, advert),
            State::Master => self.master_rx(idx, src, advert),
            _ => {}
        }
    }

    /// The checks that drop an advert (keepalived's `vrrp_check_packet`).
    fn check_advert(
        &self,
        idx: usize,
        src: IpAddr,
        dst: IpAddr,
        ttl: u8,
        advert: &VrrpRepr<'_>,
    ) -> Result<(), DropReason> {
        let inst = self.inst(idx);
        if inst.is_unicast() {
            if dst.is_multicast() {
                return Err(DropReason::CastMismatch);
            }
            let Some(peer) = inst.cfg.unicast_peers.iter().find(|p| p.addr == src) else {
                return Err(DropReason::UnknownPeer);
            };
            let (min, max) = (peer.min_ttl.unwrap_or(0), peer.max_ttl.unwrap_or(255));
            if !(min..=max).contains(&ttl) {
                return Err(DropReason::TtlRange { got: ttl, min, max });
            }
        } else {
            if !dst.is_multicast() {
                return Err(DropReason::CastMismatch);
            }
            if ttl != 255 {
                return Err(DropReason::Ttl { got: ttl });
            }
        }
        if advert.version != inst.cfg.version {
            return Err(DropReason::Version {
                got: match advert.version {
                    Version::V2 => 2,
                    Version::V3 => 3,
                },
            });
        }
        if inst.cfg.version == Version::V2 {
            match (inst.cfg.auth, advert.auth) {
                (None, Auth::None) => {}
                (Some(AuthConfig::Pass(ours)), Auth::Pass(theirs)) => {
                    if ours != theirs {
                        return Err(DropReason::AuthFailure);
                    }
                }
                (ours, theirs) => {
                    return Err(DropReason::AuthType {
                        got: u8::from(theirs != Auth::None),
                        expected: u8::from(ours.is_some()),
                    })
                }
            }
            let mine = inst.own_interval_field();
            if advert.max_adver_int != mine {
                return Err(DropReason::Interval {
                    got: advert.max_adver_int,
                    ours: mine,
                });
            }
        }
        Ok(())
    }

    /// An advert with the old unicast checksum (the group in the
    /// pseudo-header): keepalived's vrrp_check_packet takes it on a unicast
    /// instance unless `old_unicast_checksum never`, and from then on sends
    /// the old one too. Whether it is taken.
    fn hear_old_unicast_checksum(&mut self, idx: usize) -> bool {
        let inst = self.inst_mut(idx);
        if !inst.is_unicast() || inst.cfg.old_unicast_checksum == OldUnicastChecksum::Never {
            return false;
        }
        if !inst.old_unicast_checksum {
            inst.old_unicast_checksum = true;
            let name = inst.cfg.name.clone();
            self.log(LogEvent::Other {
                instance: Some(name),
                text: "Setting unicast VRRPv3 checksum to old version".into(),
            });
        }
        true
    }

    /// Checks that are logged and counted but do not drop the advert.
    fn check_soft(
        &mut self,
        idx: usize,
        src: IpAddr,
        advert: &VrrpRepr<'_>,
        checksum: ChecksumMode,
    ) {
        let mut events = Vec::new();
        let inst = self.inst_mut(idx);
        if inst.cfg.version == Version::V3 {
            let mine = inst.own_interval_field();
            if advert.max_adver_int != mine {
                // counted; the interval learnt from a master is logged
                // when it changes (learn_master_adver_int), as keepalived
                inst.counters.interval_mismatch += 1;
            }
            if inst.cfg.family == Family::V4 {
                let ours = if inst.cfg.v3_checksum_pseudo_header {
                    ChecksumMode::V3PseudoHeader
                } else {
                    ChecksumMode::V3NoPseudoHeader
                };
                if checksum != ours && checksum != ChecksumMode::V3PseudoHeaderGroup {
                    inst.counters.checksum_variant_mismatch += 1;
                    if !inst.warned_checksum {
                        inst.warned_checksum = true;
                        events.push(LogEvent::PeerChecksumVariant {
                            instance: inst.cfg.name.clone(),
                            from: src,
                            theirs: checksum,
                        });
                    }
                }
            }
        }
        let skip = inst.cfg.skip_check_adv_addr && inst.master_ip == Some(src);
        if !skip && advert.priority != 0 {
            let ours = AddrList::Raw(inst.cfg.family, &inst.advert_addrs);
            if ours.len() != advert.addrs.len() {
                inst.counters.addr_list_mismatch += 1;
                events.push(LogEvent::AddrCountMismatch {
                    instance: inst.cfg.name.clone(),
                    got: advert.addrs.len(),
                    expected: ours.len(),
                });
            } else if let Some(missing) = ours.iter().find(|a| !advert.addrs.contains(*a)) {
                inst.counters.addr_list_mismatch += 1;
                events.push(LogEvent::AddrMissing {
                    instance: inst.cfg.name.clone(),
                    vrid: inst.cfg.vrid,
                    addr: missing,
                });
            }
        }
        for e in events {
            self.log(e);
        }
    }

    /// VRRPv3: adopt the master's advert interval (RFC 5798 6.4.2), and
    /// say so when it changes (keepalived's update_master_adver_int, -D).
    fn learn_master_adver_int(&mut self, idx: usize, field: u16) {
        let inst = self.inst_mut(idx);
        if inst.cfg.version != Version::V3 {
            return;
        }
        let learnt = field_interval(Version::V3, field);
        if learnt == inst.master_adver_int {
            return;
        }
        let (name, from) = (inst.cfg.name.clone(), inst.master_adver_int);
        inst.master_adver_int = learnt;
        self.log(LogEvent::MasterAdverIntUpdated {
            instance: name,
            from,
            to: learnt,
        });
    }

    fn backup_rx(&mut self, idx: usize, src: IpAddr, advert: &VrrpRepr<'_>) {
        let now = self.now;
        let name = self.inst(idx).cfg.name.clone();
        if advert.priority == 0 {
            // the master is leaving: take over after Skew_Time
            self.log(LogEvent::BackupRxPrio0 { instance: name });
            let inst = self.inst_mut(idx);
            inst.last_prio0 = Some(now);
            let at = now + inst.skew();
            self.set_timer(idx, TimerKind::Main, at);
            return;
        }
        let inst = self.inst_mut(idx);
        let ours = inst.effective;
        let delay = inst.cfg.preempt_delay;
        // keepalived's vrrp_state_backup: a lower-priority advert is still
        // accepted while a preempt delay runs, and the first one starts it
        let accept = inst.cfg.nopreempt
            || advert.priority >= ours
            || (!delay.is_zero() && inst.preempt_until.is_none_or(|until| now < until));
        if accept && !delay.is_zero() {
            if advert.priority >= ours {
                if inst.preempt_until.take().is_some() {
                    self.log(LogEvent::PreemptDelayStop {
                        instance: name.clone(),
                    });
                }
            } else if inst.preempt_until.is_none() {
                inst.preempt_until = Some(now + delay);
                self.log(LogEvent::PreemptDelayStart {
                    instance: name.clone(),
                    delay,
                });
            }
        }
        if !accept {
            self.log(LogEvent::BackupRxLower {
                instance: name,
                from: src,
                theirs: advert.priority,
            });
            return;
        }
        self.learn_master_adver_int(idx, advert.max_adver_int);
        let inst = self.inst_mut(idx);
        inst.master_ip = Some(src);
        inst.master_priority = Some(advert.priority);
        inst.last_accepted = Some(now);
        // a master it accepts: it wants BACKUP again (keepalived: "we might
        // have been held in backup by a sync group")
        inst.wants_master = false;
        let at = now + inst.mdi();
        self.set_timer(idx, TimerKind::Main, at);
    }

    fn master_rx(&mut self, idx: usize, src: IpAddr, advert: &VrrpRepr<'_>) {
        let now = self.now;
        let name = self.inst(idx).cfg.name.clone();
        let ours = self.inst(idx).effective;
        if advert.priority == 0 {
            self.log(LogEvent::MasterRxPrio0 { instance: name });
            self.send_advert(idx, ours);
            return;
        }
        let our_ip = self.primary_ip(idx);
        let mut ours = ours;
        if advert.priority == ours {
            if our_ip == Some(src) {
                self.log(LogEvent::EqualPriorityFromOurAddress { instance: name });
                return;
            }
            if ours == 255 {
                // keepalived: both are address owners; this one steps down
                // to 254 (and so to BACKUP just below) until a reload
                self.log(LogEvent::TwoOwners {
                    instance: name.clone(),
                });
                let inst = self.inst_mut(idx);
                inst.owner_demoted = true;
                inst.effective = 254;
                ours = 254;
            }
        }
        let higher = advert.priority > ours;
        let same_higher_ip = advert.priority == ours && our_ip.is_none_or(|mine| src > mine);
        if higher || same_higher_ip {
            self.log(if higher {
                LogEvent::MasterRxHigher {
                    instance: name,
                    from: src,
                    theirs: advert.priority,
                    ours,
                }
            } else {
                LogEvent::MasterRxSameHigherIp {
                    instance: name,
                    from: src,
                    prio: ours,
                }
            });
            if self.inst(idx).cfg.higher_prio_send_advert {
                self.send_advert(idx, ours);
            }
            self.learn_master_adver_int(idx, advert.max_adver_int);
            let inst = self.inst_mut(idx);
            inst.master_ip = Some(src);
            inst.master_priority = Some(advert.priority);
            inst.last_accepted = Some(now);
            self.enter_backup(idx, false);
            return;
        }
        let cfg = &self.inst(idx).cfg;
        let (no_advert, garp) = (cfg.lower_prio_no_advert, cfg.garp.clone());
        self.log(LogEvent::MasterRxLower {
            instance: name.clone(),
            from: src,
            theirs: advert.priority,
            ours,
            forcing: !no_advert,
        });
        if !no_advert {
            self.send_advert(idx, ours);
        }
        if garp.lower_prio_repeat > 0 {
            // keepalived: a burst now, and another after garp_lower_prio_delay
            self.garp(idx, garp.lower_prio_repeat);
            if !garp.lower_prio_delay.is_zero()
                && self.inst(idx).deadlines[TimerKind::GarpLowerPrio as usize].is_none()
            {
                self.set_timer(idx, TimerKind::GarpLowerPrio, now + garp.lower_prio_delay);
            }
        }
        self.push(Action::Notify {
            target: NotifyTarget::Instance(name),
            state: NotifyState::MasterRxLowerPri,
            priority: ours,
        });
    }

    // ---- shutdown and reload ----

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        for idx in 0..self.instances.len() {
            if self.instances[idx].is_none() {
                continue;
            }
            self.leave(idx, NotifyState::Stop);
        }
        let groups: Vec<String> = self.groups.iter().map(|g| g.cfg.name.clone()).collect();
        for name in groups {
            self.push(Action::Notify {
                target: NotifyTarget::Group(name),
                state: NotifyState::Stop,
                priority: 0,
            });
        }
        self.stopped = true;
        self.timers.clear();
    }

    /// An instance stops (shutdown) or is deleted (reload): a MASTER sends
    /// priority 0 and removes its addresses; then the notify.
    fn leave(&mut self, idx: usize, why: NotifyState) {
        let inst = self.inst(idx);
        let (name, state) = (inst.cfg.name.clone(), inst.state);
        if state == State::Master {
            self.send_advert(idx, 0);
            self.log(LogEvent::SentPrio0 {
                instance: name.clone(),
            });
            self.release_addresses(idx, name);
        }
        if state != State::Init {
            self.set_state(idx, State::Init);
        }
        self.inst_mut(idx).deadlines = [None; TIMER_KINDS];
        self.notify(idx, why);
    }

    /// Before [`Input::Reload`]: learn the interfaces `cfg` uses and return
    /// those new to the router, whose links and addresses the caller then
    /// reports (as before the start). Without it an instance the reload
    /// adds on an interface no instance used saw no address there and
    /// entered FAULT for a moment, notifies and all.
    pub fn declare_interfaces(&mut self, cfg: &RouterConfig) -> Vec<IfaceId> {
        let known = self.ifaces.len();
        for c in &cfg.instances {
            self.intern_interfaces_of(c);
        }
        for g in &cfg.sync_groups {
            for t in &g.trackers {
                if let TrackerKey::Interface(n) = &t.key {
                    self.intern(n);
                }
            }
        }
        (known..self.ifaces.len())
            .map(|i| IfaceId(i as u32))
            .collect()
    }

    fn reload(&mut self, cfg: RouterConfig) {
        if self.stopped {
            return;
        }
        let now = self.now;
        let RouterConfig {
            instances: new_cfgs,
            sync_groups,
        } = cfg;
        let old_group_states: HashMap<String, State> = self
            .groups
            .iter()
            .map(|g| (g.cfg.name.clone(), g.state))
            .collect();
        // match by interface + family + VRID + unicast/multicast, not by name
        let mut matched: Vec<Option<usize>> = Vec::with_capacity(new_cfgs.len());
        let mut taken = vec![false; self.instances.len()];
        for c in &new_cfgs {
            let m = self.instances.iter().enumerate().position(|(i, o)| {
                o.as_ref().is_some_and(|o| {
                    !taken[i]
                        && o.cfg.interface == c.interface
                        && o.cfg.family == c.family
                        && o.cfg.vrid == c.vrid
                        && o.cfg.unicast_peers.is_empty() == c.unicast_peers.is_empty()
                })
            });
            if let Some(i) = m {
                taken[i] = true;
            }
            matched.push(m);
        }
        // instances that are gone leave first
        for (idx, t) in taken.iter().enumerate() {
            if !t && self.instances[idx].is_some() {
                self.leave(idx, NotifyState::Deleted);
                if let Some(gone) = self.instances[idx].take() {
                    self.retired.push(gone);
                }
            }
        }
        let mut fresh = Vec::new();
        let mut changed = Vec::new();
        for (c, m) in new_cfgs.into_iter().zip(matched) {
            match m {
                Some(idx) => {
                    let id = self.inst(idx).id;
                    let mut updated = self.make_instance(id, c);
                    let old = self.instances[idx].take().expect("matched instance");
                    updated.state = old.state;
                    updated.effective = old.effective;
                    updated.deadlines = old.deadlines;
                    updated.master_ip = old.master_ip;
                    updated.master_priority = old.master_priority;
                    updated.last_accepted = old.last_accepted;
                    updated.last_prio0 = old.last_prio0;
                    updated.preempt_until = old.preempt_until;
                    updated.awaiting_scripts = old.awaiting_scripts;
                    updated.wants_master = old.wants_master;
                    updated.owner_demoted = false;
                    updated.fault_cause = old.fault_cause.clone();
                    updated.counters = old.counters.clone();
                    if updated.cfg.version == old.cfg.version {
                        updated.master_adver_int = old.master_adver_int;
                    }
                    self.instances[idx] = Some(updated);
                    changed.push((idx, old));
                }
                None => {
                    let id = InstanceId(self.instances.len() as u32);
                    let inst = self.make_instance(id, c);
                    self.instances.push(Some(inst));
                    fresh.push(id.0 as usize);
                }
            }
        }
        self.rebuild_indexes(sync_groups, &old_group_states);
        // keepalived reads its interfaces' addresses again at a reload and
        // logs those it sends from (detail lines)
        for i in 0..self.ifaces.len() {
            let f = &self.ifaces[i];
            let sources = [(None, f.primary_v4), (None, f.link_local_v6)];
            self.log_source_change(IfaceId(i as u32), sources);
        }
        // new weights and base priorities first, so a MASTER advertises its
        // new priority right away
        self.reevaluate_all();
        for (idx, old) in changed {
            self.apply_reload(idx, &old, now);
        }
        self.start_instances(&fresh, false);
        // one still held at start may no longer wait for anything
        self.release_awaiting();
    }

    /// A matched instance keeps its state; only the difference is applied.
    fn apply_reload(&mut self, idx: usize, old: &Instance, now: Instant) {
        let inst = self.inst(idx);
        match inst.state {
            State::Master => {
                let name = inst.cfg.name.clone();
                let (id, iface) = (inst.id, inst.iface);
                let (new_vips, old_vips) = (inst.all_vips(), old.all_vips());
                let removed = missing_from(&old_vips, &new_vips);
                let added = missing_from(&new_vips, &old_vips);
                let routes_removed = missing_from(&old.cfg.routes, &inst.cfg.routes);
                let routes_added = missing_from(&inst.cfg.routes, &old.cfg.routes);
                let rules_removed = missing_from(&old.cfg.rules, &inst.cfg.rules);
                let rules_added = missing_from(&inst.cfg.rules, &old.cfg.rules);
                let (prio, adv) = (inst.effective, inst.cfg.advert_interval);
                let repeat = inst.cfg.garp.master_repeat;
                let (has_routes, has_rules) =
                    (!inst.cfg.routes.is_empty(), !inst.cfg.rules.is_empty());
                let dev = self.iface_name(iface).unwrap_or_default().to_string();
                for v in &removed {
                    self.log(LogEvent::VipGone {
                        instance: name.clone(),
                        addr: v.addr,
                        prefix_len: v.prefix_len,
                        dev: v.dev.clone().unwrap_or_else(|| dev.clone()),
                    });
                }
                self.log(LogEvent::SettingVips {
                    instance: name.clone(),
                });
                // keepalived sets a MASTER's routes and rules again at a reload
                if has_routes {
                    self.log(LogEvent::VirtualRoutes {
                        instance: name.clone(),
                        set: true,
                    });
                }
                if has_rules {
                    self.log(LogEvent::VirtualRules {
                        instance: name,
                        set: true,
                    });
                }
                if !rules_removed.is_empty() {
                    self.push(Action::RemoveRules {
                        instance: id,
                        rules: rules_removed,
                    });
                }
                if !removed.is_empty() {
                    self.push(Action::RemoveVips {
                        instance: id,
                        iface,
                        vips: removed,
                    });
                }
                if !routes_removed.is_empty() {
                    self.push(Action::RemoveRoutes {
                        instance: id,
                        routes: routes_removed,
                    });
                }
                if !added.is_empty() {
                    // keepalived 2.2.7 (measured): GARPs for every VIP, not
                    // only the new ones, once any was added
                    let addrs: Vec<IpAddr> = new_vips.iter().map(|v| v.addr).collect();
                    self.push(Action::AddVips {
                        instance: id,
                        iface,
                        vips: added,
                    });
                    if repeat > 0 {
                        self.push(Action::Garp {
                            instance: id,
                            iface,
                            addrs,
                            repeat,
                        });
                    }
                }
                if !routes_added.is_empty() {
                    self.push(Action::AddRoutes {
                        instance: id,
                        routes: routes_added,
                    });
                }
                if !rules_added.is_empty() {
                    self.push(Action::AddRules {
                        instance: id,
                        rules: rules_added,
                    });
                }
                // keepalived advertises the (possibly new) priority at once
                // and restarts its advert timer
                self.send_advert(idx, prio);
                self.set_timer(idx, TimerKind::Main, now + adv);
                // periodic GARPs a reload turned on start now (the running
                // ones keep their phase, and stop if turned off)
                let g = &self.inst(idx).cfg.garp;
                let periodic = [
                    (TimerKind::GarpRefresh, g.master_refresh),
                    (TimerKind::GarpExtraIf, g.extra_if),
                ];
                for (kind, every) in periodic {
                    if !every.is_zero() && self.inst(idx).deadlines[kind as usize].is_none() {
                        self.set_timer(idx, kind, now + every);
                    }
                }
            }
            State::Backup => {
                let at = now + inst.mdi();
                self.set_timer(idx, TimerKind::Main, at);
            }
            State::Fault | State::Init => {}
        }
    }
}

/// The items of `these` that `others` lacks, in `these`' order (what a
/// reload adds or takes away).
fn missing_from<T: PartialEq + Clone>(these: &[T], others: &[T]) -> Vec<T> {
    these
        .iter()
        .filter(|t| !others.contains(t))
        .cloned()
        .collect()
}
