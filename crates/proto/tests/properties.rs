//! Property tests: random LANs of 2–5 routers with random priorities,
//! versions, intervals and fault schedules. After the network has been
//! quiet long enough there is exactly one MASTER, the one with the highest
//! effective priority; nobody ever holds a VIP without being MASTER; no
//! backup takes over before its Master_Down_Interval. Half the cases put
//! a second instance in a sync group with the first on every router, on
//! a segment of its own that the partitions and link failures leave alone:
//! after quiet both have that one MASTER.

#[path = "common/random_lan.rs"]
mod random_lan;

use keepvip_proto::sim::Sim;
use keepvip_proto::State;
use proptest::prelude::*;
use random_lan::{build, case, secs, Case, Limits};

fn run(c: &Case) -> Result<(), String> {
    let (mut sim, nodes, quiet_from) = build(c);
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
    let best = nodes
        .iter()
        .copied()
        .filter(|n| matches!(sim.state(*n, "VI_1"), State::Backup | State::Master))
        .max_by_key(|n| sim.priority(*n, "VI_1"))
        .unwrap();
    // a sync group's second member follows the first everywhere
    let names: &[&str] = if c.grouped {
        &["VI_1", "VI_2"]
    } else {
        &["VI_1"]
    };
    for name in names {
        let masters = sim.masters(name);
        if masters != vec![best] {
            return Err(report(
                &sim,
                c,
                &format!("at {check_at:.3} s {name}'s masters {masters:?}, expected [{best}]"),
            ));
        }
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
    fn one_master_with_the_highest_priority_after_quiet(c in case(Limits { max_routers: 5, horizon: 20.0, max_len: 8.0, max_faults: 5, sync_groups: true })) {
        if let Err(e) = run(&c) {
            prop_assert!(false, "{}", e);
        }
    }
}
