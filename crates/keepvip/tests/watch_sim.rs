//! The watcher against the protocol core: random LANs of 2–4 routers run
//! in proto's simulator with kill -9, SIGTERM, partitions, failing checks
//! and link failures; every advert the routers send is fed to the
//! watcher's observer, as a tap on the segment would hear it. The
//! simulator's state changes are the truth:
//!
//! - no split brain is reported unless two routers really were MASTER at
//!   the same time for at least one advert interval, and no later than
//!   one interval after that ended (a master that dies between two
//!   adverts is only known dead when its next one is missing);
//! - two routers MASTER together for four intervals or more are reported
//!   as a split brain, naming both, while it lasts;
//! - once the network has been quiet, the watcher's master is the
//!   simulator's one master.

#[path = "../../proto/tests/common/random_lan.rs"]
mod random_lan;

use std::net::IpAddr;
use std::time::Duration;

use keepvip::watch::observer::{Event, Heard, Mac, Observer, Speaker};
use keepvip_proto::sim::{NodeId, Sim, TraceEvent};
use keepvip_proto::{Action, Instant, State};
use keepvip_wire::{Auth, ChecksumMode};
use proptest::prelude::*;
use random_lan::{build, case, router_v4 as router_ip, secs, Case, Limits, LAN_VIP as VIP};

/// Run the case; returns the simulator and the time the network is
/// settled after the last fault.
fn simulate(c: &Case) -> (Sim, f64) {
    let (mut sim, _, quiet_from) = build(c);
    // the watcher calls a master gone after 3 intervals + the skew of
    // priority 1; quiet for that, one more interval and the link delay
    let adv = c.adv_cs as f64 / 100.0;
    let longest = if c.v3 { 4.0 * adv } else { 3.0 * adv + 1.0 };
    let settled = quiet_from + longest + adv + 3.0 * c.delay_us as f64 / 1e6 + 0.01;
    sim.run_until(secs(settled + adv));
    (sim, settled)
}

/// [from, to) spans in which each node was MASTER, from the simulator's
/// state changes and its kill -9 / SIGTERM events.
fn master_spans(sim: &Sim, nodes: usize, end: Instant) -> Vec<Vec<(Instant, Instant)>> {
    let mut spans = vec![Vec::new(); nodes];
    let mut since: Vec<Option<Instant>> = vec![None; nodes];
    let mut close = |n: NodeId, at: Instant, since: &mut Vec<Option<Instant>>| {
        if let Some(s) = since[n].take() {
            spans[n].push((s, at));
        }
    };
    for e in sim.trace() {
        match &e.what {
            TraceEvent::Action(Action::StateChange { to, .. }) => {
                if *to == State::Master {
                    since[e.node].get_or_insert(e.at);
                } else {
                    close(e.node, e.at, &mut since);
                }
            }
            TraceEvent::Event(t) if t == "kill -9" || t == "SIGTERM" => {
                close(e.node, e.at, &mut since)
            }
            _ => {}
        }
    }
    for n in 0..nodes {
        close(n, end, &mut since);
    }
    spans
}

/// Every advert of the run, as the watcher hears it, in time order.
fn feed(sim: &Sim, c: &Case) -> (Observer, Vec<Event>) {
    let mut o = Observer::new();
    let mut events = Vec::new();
    let interval = Duration::from_millis(c.adv_cs * 10);
    for e in sim.trace() {
        let TraceEvent::Action(Action::SendAdvert {
            priority, version, ..
        }) = &e.what
        else {
            continue;
        };
        let speaker = Speaker {
            ip: router_ip(e.node),
            mac: Mac([2, 0, 0, 0, 0, e.node as u8]),
            priority: *priority,
            version: *version,
            interval,
            vips: vec![IpAddr::V4(VIP)],
            auth: Auth::None,
            checksum: if c.v3 {
                ChecksumMode::V3PseudoHeader
            } else {
                ChecksumMode::V2
            },
        };
        o.advert(Heard {
            at: e.at,
            iface: "eth0".into(),
            vlan: None,
            vrid: 51,
            speaker,
            ttl: 255,
            multicast: true,
        });
        events.extend(std::iter::from_fn(|| o.poll_event()));
    }
    (o, events)
}

fn run(c: &Case) -> Result<(), String> {
    let (sim, settled) = simulate(c);
    let n = c.prios.len();
    let interval = Duration::from_millis(c.adv_cs * 10);
    let end = Instant::ZERO + secs(settled);
    let spans = master_spans(&sim, n, end);
    // every overlap of two nodes' MASTER spans
    let mut overlaps = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            for &(s1, e1) in &spans[a] {
                for &(s2, e2) in &spans[b] {
                    let (s, e) = (s1.max(s2), e1.min(e2));
                    if s < e {
                        overlaps.push((a, b, s, e));
                    }
                }
            }
        }
    }
    let (mut o, mut events) = feed(&sim, c);
    o.handle_timeout(end);
    events.extend(std::iter::from_fn(|| o.poll_event()));
    let fail = |what: String| {
        Err(format!(
            "{what}\ncase {c:?}\nmaster spans {spans:?}\nwatcher events:\n{}\ntrace:\n{}",
            events
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join("\n"),
            sim.render_trace(200)
        ))
    };
    let delay = Duration::from_micros(c.delay_us * 2);
    for ev in &events {
        if let Event::SplitBrain { at, masters, .. } = ev {
            let ips: Vec<IpAddr> = masters.iter().map(|m| m.ip).collect();
            let real = overlaps.iter().any(|&(a, b, s, e)| {
                ips.contains(&router_ip(a))
                    && ips.contains(&router_ip(b))
                    && e.saturating_duration_since(s) + delay >= interval
                    && *at >= s
                    && *at <= e + delay + interval
            });
            if !real {
                return fail(format!(
                    "split brain reported at {at:?} that the simulator did not have"
                ));
            }
        }
    }
    for &(a, b, s, e) in &overlaps {
        if e.saturating_duration_since(s) < interval * 4 + delay {
            continue;
        }
        let seen = events.iter().any(|ev| {
            matches!(ev, Event::SplitBrain { at, masters, .. }
                if *at <= e
                    && masters.iter().any(|m| m.ip == router_ip(a))
                    && masters.iter().any(|m| m.ip == router_ip(b)))
        });
        if !seen {
            return fail(format!(
                "r{} and r{} were both MASTER from {s:?} to {e:?}; no split brain reported",
                a + 1,
                b + 1
            ));
        }
    }
    let masters = sim.masters("VI_1");
    let watched = o
        .summary()
        .first()
        .and_then(|g| g.master.as_ref().map(|m| m.ip));
    if masters.len() == 1 && watched != Some(router_ip(masters[0])) {
        return fail(format!(
            "after quiet the simulator's master is r{}, the watcher's {watched:?}",
            masters[0] + 1
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_watcher_agrees_with_the_simulator(c in case(Limits { max_routers: 4, horizon: 15.0, max_len: 6.0, max_faults: 4, sync_groups: false })) {
        if let Err(e) = run(&c) {
            prop_assert!(false, "{}", e);
        }
    }
}
