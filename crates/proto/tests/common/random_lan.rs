//! Random LANs with fault schedules for property tests: one segment,
//! routers with distinct random priorities, VRRPv2 or v3, a health check
//! with a random weight, and kill -9 / SIGTERM / partition / failing check
//! / link failures at random times; with `Limits::sync_groups`, some cases
//! give every router a second instance (VI_2, VRID 52 on eth1, a second
//! segment) in a sync group with VI_1, so a partition or a link failure
//! of eth0 takes away one member's segment only. Used by proto's
//! `properties.rs` and by
//! the watcher's `crates/keepvip/tests/watch_sim.rs`, which includes this
//! file by path so that both test the same scenarios.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepvip_proto::sim::{LinkParams, NodeId, Port, Sim};
use keepvip_proto::{
    InstanceConfig, RouterConfig, SyncGroupConfig, TrackRef, TrackerKey, TrackerState, Version,
    VipConfig,
};
use proptest::prelude::*;

/// The VIP every router carries.
pub const LAN_VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 200);

/// Router `n`'s IPv4 address: 192.0.2.(11 + n).
pub fn router_v4(n: NodeId) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11 + n as u8))
}

/// `s` seconds, to the microsecond.
pub fn secs(s: f64) -> Duration {
    Duration::from_micros((s * 1e6).round() as u64)
}

/// One scheduled fault.
#[derive(Debug, Clone)]
pub enum Fault {
    /// kill -9, restart `down` seconds later
    Kill { node: usize, down: f64 },
    /// SIGTERM, restart later
    Stop { node: usize, down: f64 },
    /// cut off the LAN for a while
    Partition { node: usize, len: f64 },
    /// the health check fails for a while
    Check { node: usize, len: f64 },
    /// the interface goes down for a while
    Link { node: usize, len: f64 },
    /// SIGHUP with periodic GARPs every `garp_cs` centiseconds (0: off),
    /// maybe a second VIP, and maybe a new priority: the first one from
    /// `new_prio` up that no router has yet (kept at or above the lowest
    /// start-up priority, so the settle time still holds)
    Reload {
        node: usize,
        garp_cs: u64,
        extra_vip: bool,
        new_prio: Option<u8>,
    },
}

/// One random LAN and its faults.
#[derive(Debug, Clone)]
pub struct Case {
    pub seed: u64,
    pub prios: Vec<u8>,
    pub v3: bool,
    /// advert interval in centiseconds (v2: whole seconds)
    pub adv_cs: u64,
    pub weight: i32,
    pub delay_us: u64,
    /// VI_1 and VI_2 (eth1) in a sync group on every router
    pub grouped: bool,
    /// (start in seconds, fault)
    pub faults: Vec<(f64, Fault)>,
}

/// How big the random cases get.
pub struct Limits {
    /// routers: 2 up to this
    pub max_routers: usize,
    /// faults start within this many seconds
    pub horizon: f64,
    /// a fault lasts 0.5 s up to this
    pub max_len: f64,
    /// at most this many faults (exclusive)
    pub max_faults: usize,
    /// half the cases with a sync group (see the module)
    pub sync_groups: bool,
}

/// Random cases within `l`.
pub fn case(l: Limits) -> impl Strategy<Value = Case> {
    let Limits {
        max_routers,
        horizon,
        max_len,
        max_faults,
        sync_groups,
    } = l;
    (2usize..=max_routers).prop_flat_map(move |n| {
        (
            any::<u64>(),
            proptest::sample::subsequence((1u8..=254).collect::<Vec<_>>(), n).prop_shuffle(),
            any::<bool>(),
            prop_oneof![Just(10u64), Just(50), Just(100)],
            prop_oneof![Just(0i32), Just(-20), Just(-120)],
            0u64..3_000,
            any::<bool>().prop_map(move |g| g && sync_groups),
            proptest::collection::vec(
                (
                    0.0f64..horizon,
                    prop_oneof![
                        (0..n, 0.5f64..max_len).prop_map(|(node, down)| Fault::Kill { node, down }),
                        (0..n, 0.5f64..max_len).prop_map(|(node, down)| Fault::Stop { node, down }),
                        (0..n, 0.5f64..max_len)
                            .prop_map(|(node, len)| Fault::Partition { node, len }),
                        (0..n, 0.5f64..max_len).prop_map(|(node, len)| Fault::Check { node, len }),
                        (0..n, 0.5f64..max_len).prop_map(|(node, len)| Fault::Link { node, len }),
                        (
                            0..n,
                            prop_oneof![Just(0u64), Just(30), Just(100)],
                            any::<bool>(),
                            proptest::option::of(1u8..=254)
                        )
                            .prop_map(
                                |(node, garp_cs, extra_vip, new_prio)| {
                                    Fault::Reload {
                                        node,
                                        garp_cs,
                                        extra_vip,
                                        new_prio,
                                    }
                                }
                            ),
                    ],
                ),
                0..max_faults,
            ),
        )
            .prop_map(
                |(seed, prios, v3, adv_cs, weight, delay_us, grouped, faults)| Case {
                    seed,
                    prios,
                    v3,
                    adv_cs: if v3 { adv_cs } else { 100 },
                    weight,
                    delay_us,
                    grouped,
                    faults,
                },
            )
    })
}

/// Instance VI_1 (VRID 51, VIP 192.0.2.200 on eth0) at `prio`, tracking
/// the script `chk` with the case's weight.
pub fn instance(c: &Case, prio: u8) -> InstanceConfig {
    let mut i = InstanceConfig::new("VI_1", "eth0", 51);
    i.priority = prio;
    i.vips.push(VipConfig::new(IpAddr::V4(LAN_VIP)));
    if c.v3 {
        i.version = Version::V3;
        i.advert_interval = Duration::from_millis(c.adv_cs * 10);
    }
    i.trackers.push(TrackRef {
        key: TrackerKey::Script("chk".into()),
        weight: c.weight,
        reverse: false,
    });
    i
}

/// A router's configuration: VI_1 as `vi_1` makes it, and in a grouped
/// case VI_2 (VRID 52, 198.51.100.200 on eth1, no tracker, the same
/// priority) in sync group G1 with it.
fn router_config(c: &Case, vi_1: InstanceConfig) -> RouterConfig {
    if !c.grouped {
        return RouterConfig {
            instances: vec![vi_1],
            sync_groups: Vec::new(),
        };
    }
    let mut vi_2 = InstanceConfig::new("VI_2", "eth1", 52);
    vi_2.priority = vi_1.priority;
    vi_2.version = vi_1.version;
    vi_2.advert_interval = vi_1.advert_interval;
    vi_2.vips
        .push(VipConfig::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 200))));
    RouterConfig {
        instances: vec![vi_1, vi_2],
        sync_groups: vec![SyncGroupConfig {
            name: "G1".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
            trackers: vec![],
            tracking_weight: false,
        }],
    }
}

/// The case's LAN with every router started at 0 and every fault
/// scheduled; also the time the last fault ends.
pub fn build(c: &Case) -> (Sim, Vec<NodeId>, f64) {
    let link = LinkParams {
        delay: Duration::from_micros(c.delay_us),
        jitter: Duration::from_micros(c.delay_us / 2),
        loss: 0.0,
        duplicate: 0.0,
    };
    let mut sim = Sim::new(c.seed);
    let seg = sim.add_segment(link.clone());
    let seg1 = c.grouped.then(|| sim.add_segment(link));
    let nodes: Vec<NodeId> = c
        .prios
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let cfg = router_config(c, instance(c, *p));
            let mut ports = vec![Port {
                iface: "eth0".into(),
                segment: seg,
                addrs: vec![
                    router_v4(i),
                    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 11 + i as u16)),
                ],
            }];
            if let Some(seg1) = seg1 {
                ports.push(Port {
                    iface: "eth1".into(),
                    segment: seg1,
                    addrs: vec![IpAddr::V4(Ipv4Addr::new(198, 51, 100, 11 + i as u8))],
                });
            }
            sim.add_router(&format!("r{}", i + 1), cfg, ports)
        })
        .collect();
    for n in &nodes {
        sim.start(*n, Duration::ZERO);
    }
    let mut quiet_from = 0.0f64;
    // each router's priority as the reloads leave it (they are applied in
    // time order by the simulator; the faults are listed in any order)
    let mut prios = c.prios.clone();
    let lowest = *c.prios.iter().min().expect("two routers or more");
    let mut faults: Vec<&(f64, Fault)> = c.faults.iter().collect();
    faults.sort_by(|a, b| a.0.total_cmp(&b.0));
    // a router killed -9 keeps its VIPs until it starts again, and then
    // removes only those its configuration names: a configuration edited
    // while it was dead leaves the others behind, with keepvip as with
    // keepalived. That is not the protocol's business, so no reload is
    // scheduled while its router is dead.
    let dead = |node: usize, at: f64| {
        c.faults.iter().any(|(t, f)| {
            matches!(*f, Fault::Kill { node: n, down } if n == node && (*t..=t + down).contains(&at))
        })
    };
    for (t, f) in faults {
        let end = match *f {
            Fault::Kill { node, down } => {
                sim.kill(node, secs(*t));
                sim.start(node, secs(t + down));
                t + down
            }
            Fault::Stop { node, down } => {
                sim.stop(node, secs(*t));
                sim.start(node, secs(t + down));
                t + down
            }
            Fault::Partition { node, len } => {
                sim.partition(node, 0, secs(*t), secs(t + len));
                t + len
            }
            Fault::Check { node, len } => {
                let k = TrackerKey::Script("chk".into());
                sim.tracker(node, k.clone(), TrackerState::Down, secs(*t));
                sim.tracker(node, k, TrackerState::Up, secs(t + len));
                t + len
            }
            Fault::Link { node, len } => {
                sim.link(node, "eth0", false, secs(*t));
                sim.link(node, "eth0", true, secs(t + len));
                t + len
            }
            Fault::Reload {
                node,
                garp_cs,
                extra_vip,
                new_prio,
            } => {
                if dead(node, *t) {
                    continue;
                }
                if let Some(want) = new_prio {
                    // unique, so the highest priority names one master
                    let mut p = want.max(lowest);
                    while prios.iter().enumerate().any(|(k, q)| k != node && *q == p) {
                        p = if p >= 254 { lowest } else { p + 1 };
                    }
                    prios[node] = p;
                }
                let mut i = instance(c, prios[node]);
                let every = Duration::from_millis(garp_cs * 10);
                i.garp.master_refresh = every;
                i.garp.extra_if = every;
                i.garp.extra_if_targets = vec![("eth0".into(), IpAddr::V4(LAN_VIP))];
                if extra_vip {
                    i.vips
                        .push(VipConfig::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 201))));
                }
                sim.reload(node, router_config(c, i), secs(*t));
                *t
            }
        };
        quiet_from = quiet_from.max(end);
    }
    (sim, nodes, quiet_from)
}
