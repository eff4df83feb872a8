//! Helpers shared by the simulation tests.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use keepvip_proto::sim::{LinkParams, NodeId, Port, Sim};
use keepvip_proto::{Family, InstanceConfig, Instant, RouterConfig, Version, VipConfig};

pub const VIP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 200);

pub fn secs(s: f64) -> Duration {
    Duration::from_micros((s * 1e6).round() as u64)
}

pub fn at(us: u64) -> Instant {
    Instant::from_micros(us)
}

pub fn ip4(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

pub fn ll6(last: u16) -> IpAddr {
    IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, last))
}

/// VRRPv2, 1 s, VIP 192.0.2.200 on eth0.
pub fn v2(name: &str, vrid: u8, prio: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new(name, "eth0", vrid);
    c.priority = prio;
    c.vips.push(VipConfig::new(IpAddr::V4(VIP)));
    c
}

/// VRRPv3 over IPv4 at `adv` seconds.
pub fn v3(name: &str, vrid: u8, prio: u8, adv: f64) -> InstanceConfig {
    let mut c = v2(name, vrid, prio);
    c.version = Version::V3;
    c.advert_interval = secs(adv);
    c
}

/// VRRPv3 over IPv6 with a link-local and a global VIP.
pub fn v6(name: &str, vrid: u8, prio: u8, adv: f64) -> InstanceConfig {
    let mut c = InstanceConfig::new(name, "eth0", vrid);
    c.priority = prio;
    c.family = Family::V6;
    c.version = Version::V3;
    c.advert_interval = secs(adv);
    c.vips.push(VipConfig::new("fe80::200".parse().unwrap()));
    c.vips
        .push(VipConfig::new("2001:db8::200".parse().unwrap()));
    c
}

pub fn cfg(instances: Vec<InstanceConfig>) -> RouterConfig {
    RouterConfig {
        instances,
        sync_groups: Vec::new(),
    }
}

/// Router `i` (0-based): 192.0.2.(11+i) and fe80::(11+i) on every segment.
pub fn port(i: usize, seg: usize, iface: &str) -> Port {
    Port {
        iface: iface.to_string(),
        segment: seg,
        addrs: vec![
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11 + i as u8)),
            ll6(11 + i as u16),
        ],
    }
}

/// One segment, one router per config, none started.
pub fn lan(seed: u64, link: LinkParams, configs: Vec<RouterConfig>) -> (Sim, Vec<NodeId>) {
    let mut sim = Sim::new(seed);
    let seg = sim.add_segment(link);
    let nodes = configs
        .into_iter()
        .enumerate()
        .map(|(i, c)| sim.add_router(&format!("r{}", i + 1), c, vec![port(i, seg, "eth0")]))
        .collect();
    (sim, nodes)
}

/// Two routers with one instance each, both started at 0.
pub fn pair(a: InstanceConfig, b: InstanceConfig) -> (Sim, NodeId, NodeId) {
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a]), cfg(vec![b])]);
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    (sim, n[0], n[1])
}

/// Assert and show the trace on failure.
#[macro_export]
macro_rules! check {
    ($sim:expr, $cond:expr) => {
        assert!($cond, "{}\ntrace:\n{}", stringify!($cond), $sim.render_trace(400));
    };
    ($sim:expr, $cond:expr, $($arg:tt)+) => {
        assert!($cond, "{}\ntrace:\n{}", format!($($arg)+), $sim.render_trace(400));
    };
}
