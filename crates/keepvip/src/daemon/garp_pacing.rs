//! How far apart gratuitous ARPs and unsolicited NAs go out.
//!
//! keepalived paces them per interface, whatever instance sends them (a
//! VMAC's with the interface under it), or per `garp_group`, whose
//! interfaces share one spacing; IPv4 and IPv6 apart. So a takeover of many
//! instances at once is spread out for a switch that rate-limits ARP. A
//! packet that cannot go yet waits in its lane's queue, and every address
//! still gets every packet of its burst, round-robin with the others
//! queued (keepalived ≥ 2.3; 2.2.7 let a paced burst collapse to one or
//! two packets per address, which its maintainers fixed as a bug).
//!
//! No I/O here: the daemon hands in the time and sends what comes back.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use keepvip_conf::lower::GarpPacing;
use keepvip_proto::IfaceId;

/// One packet to send now: a GARP (IPv4) or an NA (IPv6) for `addr` on
/// the router's interface `iface`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GarpSend {
    /// the interface the address is on
    pub iface: IfaceId,
    /// the address announced
    pub addr: IpAddr,
}

/// Which spacing a packet shares: a garp_group's, or its (base)
/// interface's; and its family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum LaneId {
    Group(usize, bool),
    Iface(String, bool),
}

#[derive(Debug)]
struct Pending {
    send: GarpSend,
    /// the interface's name, to find its lane again after a reload
    ifname: String,
    /// packets still to go
    left: u32,
}

#[derive(Debug, Default)]
struct Lane {
    /// the next packet may not go before this
    next_free: Option<Instant>,
    queue: VecDeque<Pending>,
}

/// The pacing of every interface's GARPs and NAs.
#[derive(Debug, Default)]
pub struct GarpPacer {
    cfg: GarpPacing,
    /// VMAC name → the interface under it
    bases: HashMap<String, String>,
    lanes: HashMap<LaneId, Lane>,
}

impl GarpPacer {
    /// Pacing as configured; `bases` maps each VMAC to the interface under
    /// it.
    pub fn new(cfg: GarpPacing, bases: HashMap<String, String>) -> Self {
        GarpPacer {
            cfg,
            bases,
            lanes: HashMap::new(),
        }
    }

    /// After a reload: the new spacing. What is queued stays queued (in
    /// the lane its interface now belongs to), the spacing starting again
    /// from `now`.
    pub fn reconfigure(&mut self, now: Instant, cfg: GarpPacing, bases: HashMap<String, String>) {
        self.cfg = cfg;
        self.bases = bases;
        let old = std::mem::take(&mut self.lanes);
        for p in old.into_values().flat_map(|l| l.queue) {
            let (id, interval) = self.lane_of(&p.ifname, p.send.addr);
            let lane = self.lanes.entry(id).or_default();
            lane.next_free = Some(now + interval);
            lane.queue.push_back(p);
        }
    }

    /// The spacing a packet for `addr` on `ifname` keeps: its group's
    /// index (None: its base interface's own) and the interval.
    fn spacing(&self, ifname: &str, addr: IpAddr) -> (Option<usize>, Duration) {
        let base = self.base(ifname);
        let group = self
            .cfg
            .groups
            .iter()
            .position(|g| g.interfaces.iter().any(|i| i == base));
        (group, self.interval(group, addr.is_ipv6()))
    }

    /// A group's interval (None: global_defs'), for GARPs or (`v6`) NAs;
    /// a group a reload removed: none.
    fn interval(&self, group: Option<usize>, v6: bool) -> Duration {
        let (garp, gna) = match group {
            Some(k) => self
                .cfg
                .groups
                .get(k)
                .map_or((Duration::ZERO, Duration::ZERO), |g| (g.garp, g.gna)),
            None => (self.cfg.default_garp, self.cfg.default_gna),
        };
        if v6 {
            gna
        } else {
            garp
        }
    }

    fn base<'a>(&'a self, ifname: &'a str) -> &'a str {
        self.bases.get(ifname).map_or(ifname, String::as_str)
    }

    fn lane_of(&self, ifname: &str, addr: IpAddr) -> (LaneId, Duration) {
        let v6 = addr.is_ipv6();
        match self.spacing(ifname, addr) {
            (Some(k), d) => (LaneId::Group(k, v6), d),
            (None, d) => (LaneId::Iface(self.base(ifname).to_string(), v6), d),
        }
    }

    /// A burst: `repeat` rounds over `addrs` on `iface` (named `ifname`).
    /// Returns what goes out now, in order; the rest is queued. As
    /// keepalived: an address already queued gets more packets (up to
    /// `repeat`) instead of a second place in the queue.
    pub fn burst(
        &mut self,
        now: Instant,
        iface: IfaceId,
        ifname: &str,
        addrs: &[IpAddr],
        repeat: u32,
    ) -> Vec<GarpSend> {
        let mut out = Vec::new();
        for _ in 0..repeat {
            for &addr in addrs {
                let send = GarpSend { iface, addr };
                // unpaced (the default): no lane, nothing allocated
                if self.spacing(ifname, addr).1.is_zero() {
                    out.push(send);
                    continue;
                }
                let (id, interval) = self.lane_of(ifname, addr);
                let lane = self.lanes.entry(id).or_default();
                if let Some(p) = lane.queue.iter_mut().find(|p| p.send == send) {
                    if p.left < repeat {
                        p.left += 1;
                    }
                } else if lane.next_free.is_some_and(|t| now < t) {
                    lane.queue.push_back(Pending {
                        send,
                        ifname: ifname.to_string(),
                        left: 1,
                    });
                } else {
                    out.push(send);
                    lane.next_free = Some(now + interval);
                }
            }
        }
        out
    }

    /// What falls due by `now`: at most one packet per lane, the next one
    /// `interval` after it.
    pub fn due(&mut self, now: Instant) -> Vec<GarpSend> {
        let mut out = Vec::new();
        let ids: Vec<LaneId> = self
            .lanes
            .iter()
            .filter(|(_, l)| !l.queue.is_empty() && l.next_free.is_none_or(|t| t <= now))
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let interval = match &id {
                LaneId::Group(k, v6) => self.interval(Some(*k), *v6),
                LaneId::Iface(_, v6) => self.interval(None, *v6),
            };
            let Some(lane) = self.lanes.get_mut(&id) else {
                continue;
            };
            let Some(mut p) = lane.queue.pop_front() else {
                continue;
            };
            out.push(p.send);
            lane.next_free = Some(now + interval);
            p.left -= 1;
            if p.left > 0 {
                lane.queue.push_back(p);
            }
        }
        self.lanes
            .retain(|_, l| !l.queue.is_empty() || l.next_free.is_some_and(|t| t > now));
        out
    }

    /// When the next queued packet may go (None: nothing queued).
    pub fn next_deadline(&self) -> Option<Instant> {
        self.lanes
            .values()
            .filter(|l| !l.queue.is_empty())
            .map(|l| l.next_free.unwrap_or_else(Instant::now))
            .min()
    }

    /// The addresses are no longer ours (their instance left MASTER, or a
    /// reload removed them): nothing queued for them may go out.
    pub fn cancel(&mut self, addrs: &[IpAddr]) {
        for lane in self.lanes.values_mut() {
            lane.queue.retain(|p| !addrs.contains(&p.send.addr));
        }
    }

    /// Packets waiting.
    #[cfg(test)]
    fn queued(&self) -> usize {
        self.lanes
            .values()
            .flat_map(|l| l.queue.iter())
            .map(|p| p.left as usize)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepvip_conf::lower::GarpPacingGroup;

    const MS: Duration = Duration::from_millis(1);

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn pacing(garp_ms: u64) -> GarpPacing {
        GarpPacing {
            default_garp: MS * garp_ms as u32,
            default_gna: Duration::ZERO,
            groups: Vec::new(),
        }
    }

    /// Run the pacer to the end: every packet with its time offset in ms.
    fn drain(p: &mut GarpPacer, t0: Instant, first: Vec<GarpSend>) -> Vec<(u64, IpAddr)> {
        let mut out: Vec<(u64, IpAddr)> = first.into_iter().map(|s| (0, s.addr)).collect();
        for _ in 0..1_000 {
            let Some(t) = p.next_deadline() else {
                return out;
            };
            let ms = (t - t0).as_millis() as u64;
            out.extend(p.due(t).into_iter().map(|s| (ms, s.addr)));
        }
        panic!("the pacer did not run dry in 1,000 steps");
    }

    #[test]
    fn unpaced_burst_goes_out_at_once_in_rounds() {
        let mut p = GarpPacer::new(pacing(0), HashMap::new());
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let out = p.burst(Instant::now(), IfaceId(0), "eth0", &[a, b], 2);
        let addrs: Vec<IpAddr> = out.iter().map(|s| s.addr).collect();
        assert_eq!(addrs, vec![a, b, a, b]);
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn paced_burst_gives_every_address_every_packet_interval_apart() {
        let mut p = GarpPacer::new(pacing(10), HashMap::new());
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let t0 = Instant::now();
        let first = p.burst(t0, IfaceId(0), "eth0", &[a, b], 3);
        assert_eq!(first.len(), 1, "only the first packet goes at once");
        let sent = drain(&mut p, t0, first);
        // keepalived's order: a now, then the queue b, a, b, a, b
        assert_eq!(
            sent,
            vec![(0, a), (10, b), (20, a), (30, b), (40, a), (50, b)]
        );
    }

    #[test]
    fn instances_on_one_interface_share_its_spacing() {
        let mut p = GarpPacer::new(pacing(10), HashMap::new());
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let t0 = Instant::now();
        let mut first = p.burst(t0, IfaceId(0), "eth0", &[a], 1);
        first.extend(p.burst(t0, IfaceId(0), "eth0", &[b], 1));
        assert_eq!(drain(&mut p, t0, first), vec![(0, a), (10, b)]);
        // another interface has its own spacing
        let t1 = t0 + MS * 100;
        let c = ip("198.51.100.1");
        assert_eq!(p.burst(t1, IfaceId(0), "eth0", &[a], 1).len(), 1);
        assert_eq!(p.burst(t1, IfaceId(1), "eth1", &[c], 1).len(), 1);
    }

    #[test]
    fn a_vmac_is_paced_with_the_interface_under_it() {
        let bases = HashMap::from([("vrrp.51".to_string(), "eth0".to_string())]);
        let mut p = GarpPacer::new(pacing(10), bases);
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let t0 = Instant::now();
        assert_eq!(p.burst(t0, IfaceId(0), "eth0", &[a], 1).len(), 1);
        assert!(p.burst(t0, IfaceId(1), "vrrp.51", &[b], 1).is_empty());
        assert_eq!(p.queued(), 1);
    }

    #[test]
    fn a_garp_group_shares_one_spacing_and_families_are_apart() {
        let cfg = GarpPacing {
            default_garp: Duration::ZERO,
            default_gna: Duration::ZERO,
            groups: vec![GarpPacingGroup {
                interfaces: vec!["eth0".into(), "eth1".into()],
                garp: MS * 20,
                gna: Duration::ZERO,
            }],
        };
        let mut p = GarpPacer::new(cfg, HashMap::new());
        let (a, b, v6) = (ip("192.0.2.1"), ip("198.51.100.1"), ip("2001:db8::1"));
        let t0 = Instant::now();
        let mut first = p.burst(t0, IfaceId(0), "eth0", &[a], 1);
        first.extend(p.burst(t0, IfaceId(1), "eth1", &[b], 1));
        // the group sets no gna_interval: NAs are not paced
        first.extend(p.burst(t0, IfaceId(1), "eth1", &[v6, v6], 1));
        assert_eq!(
            drain(&mut p, t0, first),
            vec![(0, a), (0, v6), (0, v6), (20, b)]
        );
        // an interface outside the group: the global default (here none)
        assert_eq!(p.burst(t0, IfaceId(2), "eth2", &[a], 3).len(), 3);
    }

    #[test]
    fn cancelled_addresses_are_not_sent() {
        let mut p = GarpPacer::new(pacing(10), HashMap::new());
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let t0 = Instant::now();
        let first = p.burst(t0, IfaceId(0), "eth0", &[a, b], 5);
        p.cancel(&[b]);
        let sent = drain(&mut p, t0, first);
        assert!(sent.iter().all(|(_, x)| *x == a), "{sent:?}");
        assert_eq!(sent.len(), 5);
    }

    #[test]
    fn a_burst_for_a_queued_address_adds_packets_up_to_its_repeat() {
        let mut p = GarpPacer::new(pacing(10), HashMap::new());
        let (a, b) = (ip("192.0.2.1"), ip("192.0.2.2"));
        let t0 = Instant::now();
        let mut first = p.burst(t0, IfaceId(0), "eth0", &[a, b], 2);
        // a refresh (one packet) while b still waits: b gets no extra
        first.extend(p.burst(t0, IfaceId(0), "eth0", &[b], 1));
        let sent = drain(&mut p, t0, first);
        assert_eq!(sent.iter().filter(|(_, x)| *x == b).count(), 2);
        assert_eq!(sent.iter().filter(|(_, x)| *x == a).count(), 2);
    }

    #[test]
    fn a_reload_keeps_what_is_queued_under_the_new_spacing() {
        let mut p = GarpPacer::new(pacing(10), HashMap::new());
        let a = ip("192.0.2.1");
        let t0 = Instant::now();
        let first = p.burst(t0, IfaceId(0), "eth0", &[a], 3);
        assert_eq!(first.len(), 1);
        p.reconfigure(t0 + MS * 5, pacing(50), HashMap::new());
        let sent = drain(&mut p, t0, first);
        assert_eq!(sent, vec![(0, a), (55, a), (105, a)]);
    }
}
