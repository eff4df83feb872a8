//! Property tests: random LANs of 2–5 routers with random priorities,
//! versions, intervals and fault schedules. After the network has been
//! quiet long enough there is exactly one MASTER, the one with the highest
//! effective priority; nobody ever holds a VIP without being MASTER; no
//! backup takes over before its Master_Down_Interval.

mod common;

use std::time::Duration;

use common::*;
use keepvip_proto::sim::{LinkParams, Sim};
use keepvip_proto::{InstanceConfig, State, TrackRef, TrackerKey, TrackerState};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Fault {
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
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    prios: Vec<u8>,
    v3: bool,
    /// advert interval in centiseconds (v2: whole seconds)
    adv_cs: u64,
    weight: i32,
    delay_us: u64,
    faults: Vec<(f64, Fault)>,
}

fn case() -> impl Strategy<Value = Case> {
    (2usize..=5).prop_flat_map(|n| {
        (
            any::<u64>(),
            proptest::sample::subsequence((1u8..=254).collect::<Vec<_>>(), n).prop_shuffle(),
            any::<bool>(),
            prop_oneof![Just(10u64), Just(50), Just(100)],
            prop_oneof![Just(0i32), Just(-20), Just(-120)],
            0u64..3_000,
            proptest::collection::vec(
                (
                    0.0f64..20.0,
                    prop_oneof![
                        (0..n, 0.5f64..8.0).prop_map(|(node, down)| Fault::Kill { node, down }),
                        (0..n, 0.5f64..8.0).prop_map(|(node, down)| Fault::Stop { node, down }),
                        (0..n, 0.5f64..8.0).prop_map(|(node, len)| Fault::Partition { node, len }),
                        (0..n, 0.5f64..8.0).prop_map(|(node, len)| Fault::Check { node, len }),
                        (0..n, 0.5f64..8.0).prop_map(|(node, len)| Fault::Link { node, len }),
                    ],
                ),
                0..5,
            ),
        )
            .prop_map(|(seed, prios, v3, adv_cs, weight, delay_us, faults)| Case {
                seed,
                prios,
                v3,
                adv_cs: if v3 { adv_cs } else { 100 },
                weight,
                delay_us,
                faults,
            })
    })
}

fn instance(c: &Case, prio: u8) -> InstanceConfig {
    let mut i = if c.v3 {
        v3("VI_1", 51, prio, c.adv_cs as f64 / 100.0)
    } else {
        v2("VI_1", 51, prio)
    };
    i.trackers.push(TrackRef {
        key: TrackerKey::Script("chk".into()),
        weight: c.weight,
        reverse: false,
    });
    i
}

fn run(c: &Case) -> Result<(), String> {
    let link = LinkParams {
        delay: Duration::from_micros(c.delay_us),
        jitter: Duration::from_micros(c.delay_us / 2),
        loss: 0.0,
        duplicate: 0.0,
    };
    let configs = c.prios.iter().map(|p| cfg(vec![instance(c, *p)])).collect();
    let (mut sim, nodes) = lan(c.seed, link, configs);
    for n in &nodes {
        sim.start(*n, Duration::ZERO);
    }
    let mut quiet_from = 0.0f64;
    for (t, f) in &c.faults {
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
        };
        quiet_from = quiet_from.max(end);
    }
    // quiet for Master_Down_Interval (of the lowest priority, the longest)
    // plus one interval, plus the link delay both ways
    let adv = c.adv_cs as f64 / 100.0;
    let lowest = *c.prios.iter().min().unwrap() as f64;
    let skew = if c.v3 {
        (256.0 - lowest) * adv / 256.0
    } else {
        (256.0 - lowest) / 256.0
    };
    let settle = 3.0 * adv + skew + adv + 2.0 * c.delay_us as f64 * 1.5 / 1e6 + 0.001;
    let check_at = quiet_from + settle;
    sim.run_until(secs(check_at));
    if let Some(v) = sim.violation() {
        return Err(report(&sim, c, v));
    }
    let masters = sim.masters("VI_1");
    let best = nodes
        .iter()
        .copied()
        .filter(|n| matches!(sim.state(*n, "VI_1"), State::Backup | State::Master))
        .max_by_key(|n| sim.priority(*n, "VI_1"))
        .unwrap();
    if masters != vec![best] {
        return Err(report(
            &sim,
            c,
            &format!("at {check_at:.3} s masters {masters:?}, expected [{best}]"),
        ));
    }
    Ok(())
}

fn report(sim: &Sim, c: &Case, what: &str) -> String {
    format!(
        "{what}\nseed {} case {c:?}\ntrace:\n{}",
        c.seed,
        sim.render_trace(300)
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn one_master_with_the_highest_priority_after_quiet(c in case()) {
        if let Err(e) = run(&c) {
            prop_assert!(false, "{}", e);
        }
    }
}
