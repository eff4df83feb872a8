//! Scenario tests: one or more per protocol rule, with exact times.
//!
//! Times are in microseconds of virtual time. Links have no delay unless a
//! test says so, so every time below is what the formulas give.

mod common;

use std::net::IpAddr;
use std::time::Duration;

use common::*;
use keepvip_proto::sim::LinkParams;
use keepvip_proto::{
    Action, AuthConfig, DropReason, LogEvent, NotifyState, NotifyTarget, RouteConfig, RuleConfig,
    State, SyncGroupConfig, TrackRef, TrackerKey, TrackerState, UnicastPeer, VipConfig,
};

const V2_MDI_100: u64 = 3_609_375;
const V2_MDI_150: u64 = 3_414_062;
const V2_SKEW_100: u64 = 609_375;

/// Independent Master_Down_Interval (RFC 9568 6.1), in µs.
fn mdi(v3: bool, prio: u64, adv_us: u64) -> u64 {
    let base = if v3 { adv_us } else { 1_000_000 };
    3 * adv_us + (256 - prio) * base / 256
}

fn script(name: &str, weight: i32) -> TrackRef {
    TrackRef {
        key: TrackerKey::Script(name.into()),
        weight,
        reverse: false,
    }
}

fn down(name: &str) -> (TrackerKey, TrackerState) {
    (TrackerKey::Script(name.into()), TrackerState::Down)
}

#[test]
fn formulas_match_keepalived_table() {
    assert_eq!(mdi(false, 100, 1_000_000), V2_MDI_100);
    assert_eq!(mdi(false, 150, 1_000_000), V2_MDI_150);
    assert_eq!(mdi(true, 100, 100_000), 360_937);
    assert_eq!(mdi(true, 200, 500_000), 1_609_375);
}

#[test]
fn owner_priority_255_is_master_at_once() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 255), v2("VI_1", 51, 100));
    sim.run_until(secs(5.0));
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, Duration::ZERO) == Some(at(0))
    );
    check!(sim, sim.state(r2, "VI_1") == State::Backup);
    check!(
        sim,
        sim.vips(r1) == vec![IpAddr::V4(VIP)] && sim.vips(r2).is_empty()
    );
}

#[test]
fn state_master_below_255_starts_as_backup_and_waits_mdi() {
    let mut a = v2("VI_1", 51, 150);
    a.state_hint = keepvip_proto::StateHint::Master;
    let (mut sim, r1, _r2) = pair(a, v2("VI_1", 51, 100));
    sim.run_until(secs(5.0));
    let tr = sim.transitions("VI_1");
    check!(sim, tr[0] == (at(0), r1, State::Init, State::Backup));
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, Duration::ZERO) == Some(at(V2_MDI_150))
    );
}

#[test]
fn v2_kill9_backup_takes_over_at_last_advert_plus_mdi() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.kill(r1, secs(10.5));
    sim.run_until(secs(20.0));
    let last = *sim.adverts_sent(r1, 51, Some(150)).last().unwrap();
    check!(sim, last == at(V2_MDI_150 + 7_000_000));
    // v2, advert 1 s, priority 100: last advert + 3.609375 s
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(10.0))
            == Some(at(last.as_micros() + 3_609_375))
    );
    check!(sim, sim.vips(r2) == vec![IpAddr::V4(VIP)]);
    // kill -9 leaves the VIP on the dead node, as on Linux
    check!(sim, sim.vips(r1) == vec![IpAddr::V4(VIP)]);
}

#[test]
fn v3_fast_adverts_kill9_takeover_at_0_360937() {
    let (mut sim, r1, r2) = pair(v3("VI_1", 51, 150, 0.1), v3("VI_1", 51, 100, 0.1));
    sim.kill(r1, secs(2.05));
    sim.run_until(secs(4.0));
    let last = *sim.adverts_sent(r1, 51, Some(150)).last().unwrap();
    let t = sim.entered(r2, "VI_1", State::Master, secs(2.0)).unwrap();
    check!(sim, t.as_micros() - last.as_micros() == 360_937);
}

#[test]
fn v3_backup_learns_master_adver_int() {
    // the backup is configured at 1 s but follows a 0.1 s master
    let (mut sim, r1, r2) = pair(v3("VI_1", 51, 150, 0.1), v3("VI_1", 51, 100, 1.0));
    sim.kill(r1, secs(6.05));
    sim.run_until(secs(8.0));
    let last = *sim.adverts_sent(r1, 51, Some(150)).last().unwrap();
    let t = sim.entered(r2, "VI_1", State::Master, secs(6.0)).unwrap();
    check!(
        sim,
        t.as_micros() - last.as_micros() == mdi(true, 100, 100_000)
    );
    let v = sim.router(r2).unwrap().instance_by_name("VI_1").unwrap();
    check!(sim, v.counters.interval_mismatch > 0);
}

#[test]
fn graceful_stop_hands_over_after_skew_time() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.stop(r1, secs(10.5));
    sim.run_until(secs(15.0));
    check!(
        sim,
        sim.adverts_sent(r1, 51, Some(0)) == vec![at(10_500_000)]
    );
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(10.0)) == Some(at(10_500_000 + V2_SKEW_100))
    );
    check!(sim, sim.vips(r1).is_empty());
}

#[test]
fn backup_receiving_priority_0_waits_skew() {
    let (mut sim, r1, r2) = pair(v3("VI_1", 51, 150, 1.0), v3("VI_1", 51, 200, 1.0));
    // r2 is higher: master; stop it, r1 takes over after its own skew
    sim.stop(r2, secs(10.25));
    sim.run_until(secs(12.0));
    let skew_150 = 106 * 1_000_000 / 256;
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, secs(10.0)) == Some(at(10_250_000 + skew_150))
    );
    let logs = sim.actions(r1, |a| {
        matches!(a, Action::Log(LogEvent::BackupRxPrio0 { .. }))
    });
    check!(sim, logs.len() == 1);
}

#[test]
fn lower_priority_advert_does_not_reset_backup_timer() {
    // r2 (100) is master first; r1 (150) starts later and preempts by
    // timeout: its own init MDI, since r2's adverts are discarded
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 150)]),
            cfg(vec![v2("VI_1", 51, 100)]),
        ],
    );
    sim.start(n[1], Duration::ZERO);
    sim.start(n[0], secs(5.0));
    sim.run_until(secs(12.0));
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Master, Duration::ZERO) == Some(at(V2_MDI_100))
    );
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, secs(5.0)) == Some(at(5_000_000 + V2_MDI_150))
    );
    // the old master yields on the first higher-priority advert
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Backup, secs(5.0)) == Some(at(5_000_000 + V2_MDI_150))
    );
    let discards = sim.actions(n[0], |a| {
        matches!(a, Action::Log(LogEvent::BackupRxLower { theirs: 100, .. }))
    });
    check!(sim, discards.len() == 3, "got {}", discards.len());
}

#[test]
fn equal_priority_never_preempts_from_backup() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 100)]),
            cfg(vec![v2("VI_1", 51, 100)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], secs(5.0)); // higher IP, joins later
    sim.run_until(secs(20.0));
    check!(sim, sim.masters("VI_1") == vec![n[0]]);
}

#[test]
fn equal_priority_masters_resolve_to_higher_ip() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 100)]),
            cfg(vec![v2("VI_1", 51, 100)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.partition(n[1], 0, Duration::ZERO, secs(10.2));
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_1").len() == 2);
    sim.run_until(secs(12.0));
    check!(sim, sim.masters("VI_1") == vec![n[1]]);
    let t = sim
        .entered(n[0], "VI_1", State::Backup, secs(10.0))
        .unwrap();
    check!(sim, t.as_micros() - 10_200_000 <= 1_000_000);
    let same = sim.actions(n[0], |a| {
        matches!(a, Action::Log(LogEvent::MasterRxSameHigherIp { .. }))
    });
    check!(sim, same.len() == 1);
}

#[test]
fn master_receiving_higher_priority_goes_backup_at_once_and_removes_vips() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 100)]),
            cfg(vec![v2("VI_1", 51, 200)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.partition(n[1], 0, Duration::ZERO, secs(8.5));
    sim.run_until(secs(10.0));
    // r2's first advert after the heal is at 3.0078125+6 = 9.007812
    let first = sim
        .adverts_sent(n[1], 51, Some(200))
        .into_iter()
        .find(|t| t.as_micros() >= 8_500_000)
        .unwrap();
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Backup, secs(8.5)) == Some(first)
    );
    let acts = sim.actions(n[0], |a| {
        matches!(
            a,
            Action::RemoveVips { .. }
                | Action::Log(LogEvent::EnteringState {
                    state: State::Backup,
                    ..
                })
        )
    });
    let last_two: Vec<_> = acts
        .iter()
        .rev()
        .take(2)
        .map(|(t, a)| (*t, matches!(a, Action::RemoveVips { .. })))
        .collect();
    check!(
        sim,
        last_two == vec![(first, true), (first, false)],
        "log first, then remove: {last_two:?}"
    );
    check!(sim, sim.vips(n[0]).is_empty());
}

#[test]
fn master_answers_lower_priority_advert_at_once() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 200)]),
            cfg(vec![v2("VI_1", 51, 100)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.partition(n[1], 0, Duration::ZERO, secs(8.5));
    sim.run_until(secs(10.0));
    let lower_at = sim
        .adverts_sent(n[1], 51, Some(100))
        .into_iter()
        .find(|t| t.as_micros() >= 8_500_000)
        .unwrap();
    let answers: Vec<_> = sim
        .adverts_sent(n[0], 51, Some(200))
        .into_iter()
        .filter(|t| *t == lower_at)
        .collect();
    check!(sim, answers.len() == 1);
    let garps = sim.actions(n[0], |a| matches!(a, Action::Garp { .. }));
    check!(sim, garps.iter().any(|(t, _)| *t == lower_at));
    let rx_lower = sim.actions(n[0], |a| {
        matches!(
            a,
            Action::Notify {
                state: NotifyState::MasterRxLowerPri,
                ..
            }
        )
    });
    check!(sim, rx_lower.len() == 1);
    check!(sim, sim.masters("VI_1") == vec![n[0]]);
}

#[test]
fn master_answers_priority_0_with_an_advert() {
    // three routers: r3 (master, 200) is stopped; r1 (150) takes over after
    // its skew; r2 (100) answers nothing. Then a priority-0 from r2's stop
    // reaches master r1, which answers at once.
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 150)]),
            cfg(vec![v2("VI_1", 51, 100)]),
            cfg(vec![v2("VI_1", 51, 200)]),
        ],
    );
    for node in &n {
        sim.start(*node, Duration::ZERO);
    }
    sim.stop(n[2], secs(6.1));
    sim.run_until(secs(8.0));
    check!(sim, sim.masters("VI_1") == vec![n[0]]);
    // a backup leaving sends no priority 0; make r1 receive one from a
    // leaving master instead: restart r3, it takes over, stop it again
    sim.start(n[2], secs(8.0));
    sim.run_until(secs(20.0));
    check!(sim, sim.masters("VI_1") == vec![n[2]]);
    let logs = sim.actions(n[0], |a| {
        matches!(a, Action::Log(LogEvent::MasterRxPrio0 { .. }))
    });
    check!(sim, logs.is_empty());
    // direct: a master that gets priority 0 answers at once
    let mut r = keepvip_proto::Router::new(cfg(vec![v2("VI_1", 51, 255)]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    r.handle(
        at(0),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: ip4(11),
            prefix_len: 24,
            added: true,
        },
    );
    r.start(at(0));
    while r.poll_action().is_some() {}
    let vip = [192, 0, 2, 200];
    let advert = keepvip_proto::wire::VrrpRepr {
        version: keepvip_proto::Version::V2,
        vrid: 51,
        priority: 0,
        max_adver_int: 1,
        family: keepvip_proto::Family::V4,
        addrs: keepvip_proto::wire::AddrList::Raw(keepvip_proto::Family::V4, &vip),
        auth: keepvip_proto::wire::Auth::None,
    };
    r.handle(
        at(500_000),
        keepvip_proto::Input::Advert {
            iface: eth0,
            src: ip4(12),
            dst: "224.0.0.18".parse().unwrap(),
            ttl: 255,
            advert,
            checksum: keepvip_proto::wire::ChecksumMode::V2,
        },
    );
    let acts: Vec<_> = std::iter::from_fn(|| r.poll_action()).collect();
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::Log(LogEvent::MasterRxPrio0 { .. }))));
    assert!(acts
        .iter()
        .any(|a| matches!(a, Action::SendAdvert { priority: 255, .. })));
}

#[test]
fn nopreempt_keeps_the_lower_priority_master() {
    let mut a = v2("VI_1", 51, 150);
    a.nopreempt = true;
    let mut b = v2("VI_1", 51, 100);
    b.nopreempt = true;
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a]), cfg(vec![b])]);
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.stop(n[0], secs(10.0));
    sim.start(n[0], secs(12.0));
    sim.run_until(secs(30.0));
    check!(sim, sim.masters("VI_1") == vec![n[1]]);
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Master, secs(10.0)) == Some(at(10_000_000 + V2_SKEW_100))
    );
}

#[test]
fn preempt_delay_postpones_preemption() {
    let mut a = v2("VI_1", 51, 150);
    a.preempt_delay = Duration::from_secs(10);
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.start(n[1], Duration::ZERO);
    sim.start(n[0], secs(20.0));
    sim.run_until(secs(40.0));
    // r2's adverts: 3.609375 + k. Accepted until 30.0, the last at 29.609375;
    // then discarded: takeover at 29.609375 + MDI(150).
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, secs(20.0)) == Some(at(29_609_375 + V2_MDI_150))
    );
}

/// keepalived 2.2.7 starts the delay at the first lower-priority advert,
/// not at start-up: with a delay that is not a whole number of advert
/// intervals the two differ by an advert (keepvip counted from start-up
/// until 2026-12-02 and took over at 6_907_030).
/// keepalived holds an instance whose weight-0 script has not answered
/// yet in INIT (num_script_init): no state line, no notify, no timer, so a
/// node whose check is going to fail never grabs the VIP at start. Until
/// 2026-12-02 keepvip entered BACKUP at once and, with a first run slower
/// than Master_Down_Interval, became MASTER before the check failed.
#[test]
fn a_weight_0_script_that_has_not_answered_holds_the_instance() {
    for first in [TrackerState::Up, TrackerState::Down] {
        let mut a = v2("VI_1", 51, 150);
        a.trackers.push(script("chk", 0));
        let (mut sim, n) = lan(
            1,
            LinkParams::default(),
            vec![cfg(vec![a]), cfg(vec![v2("VI_1", 51, 100)])],
        );
        sim.slow_first_script_runs(n[0]);
        sim.start(n[0], Duration::ZERO);
        sim.start(n[1], Duration::ZERO);
        sim.tracker(n[0], TrackerKey::Script("chk".into()), first, secs(5.0));
        sim.run_until(secs(12.0));
        // r1 said and did nothing until its script answered
        let before: Vec<_> = sim
            .actions(n[0], |a| {
                matches!(
                    a,
                    Action::Notify { .. }
                        | Action::AddVips { .. }
                        | Action::Log(LogEvent::EnteringState { .. })
                )
            })
            .into_iter()
            .filter(|(t, _)| *t < at(5_000_000))
            .collect();
        check!(sim, before.is_empty());
        check!(
            sim,
            sim.entered(n[1], "VI_1", State::Master, Duration::ZERO) == Some(at(V2_MDI_100))
        );
        let entering: Vec<_> = sim.actions(n[0], |a| {
            matches!(a, Action::Log(LogEvent::EnteringState { .. }))
        });
        let notified: Vec<_> = sim.actions(n[0], |a| matches!(a, Action::Notify { .. }));
        if first == TrackerState::Up {
            // then BACKUP (not "(init)") and the preemption by timeout
            check!(
                sim,
                matches!(&entering[0], (t, Action::Log(LogEvent::EnteringState { state: State::Backup, init: false, .. })) if *t == at(5_000_000))
            );
            check!(
                sim,
                sim.entered(n[0], "VI_1", State::Master, Duration::ZERO)
                    == Some(at(5_000_000 + V2_MDI_150))
            );
        } else {
            // FAULT without a state line (keepalived was in FAULT inside)
            check!(sim, entering.is_empty());
            check!(sim, sim.state(n[0], "VI_1") == State::Fault);
            check!(
                sim,
                matches!(&notified[..], [(t, Action::Notify { state: NotifyState::Fault, .. })] if *t == at(5_000_000))
            );
        }
    }
}

/// A reload during the hold keeps the instance held (it is not left in
/// INIT for ever), and one that drops the script lets it start at once.
#[test]
fn a_reload_during_the_hold_keeps_waiting_or_starts() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk", 0));
    for drop_script in [false, true] {
        let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a.clone()])]);
        sim.slow_first_script_runs(n[0]);
        sim.start(n[0], Duration::ZERO);
        let new = if drop_script {
            v2("VI_1", 51, 150)
        } else {
            a.clone()
        };
        sim.reload(n[0], cfg(vec![new]), secs(1.0));
        sim.tracker(
            n[0],
            TrackerKey::Script("chk".into()),
            TrackerState::Up,
            secs(3.0),
        );
        sim.run_until(secs(10.0));
        let backup_at = if drop_script { 1_000_000 } else { 3_000_000 };
        check!(
            sim,
            sim.transitions("VI_1").first().map(|tr| (tr.0, tr.3))
                == Some((at(backup_at), State::Backup))
        );
        check!(sim, sim.state(n[0], "VI_1") == State::Master);
    }
}

/// A sync group waits for every member's weight-0 scripts
/// (num_member_init): the member without scripts is held too.
#[test]
fn a_sync_group_waits_for_its_members_first_script_results() {
    let (mut sim, n) = {
        let mut out = v2("VI_OUT", 51, 150);
        out.trackers.push(script("chk", 0));
        let inn = v2("VI_IN", 52, 150);
        let mut c = cfg(vec![out, inn]);
        c.sync_groups = vec![SyncGroupConfig {
            name: "G1".into(),
            members: vec!["VI_OUT".into(), "VI_IN".into()],
            trackers: vec![],
            tracking_weight: false,
        }];
        lan(1, LinkParams::default(), vec![c])
    };
    sim.slow_first_script_runs(n[0]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::Script("chk".into()),
        TrackerState::Up,
        secs(2.0),
    );
    sim.run_until(secs(8.0));
    for name in ["VI_OUT", "VI_IN"] {
        check!(
            sim,
            sim.transitions(name).first().map(|tr| (tr.0, tr.3))
                == Some((at(2_000_000), State::Backup))
        );
        check!(sim, sim.state(n[0], name) == State::Master);
    }
}

/// Two address owners on one link (a configuration error): the MASTER
/// that hears the other's 255 says so in keepalived's words, lowers its
/// priority to 254 and becomes BACKUP; without the owner's privilege it
/// takes over only after a Master_Down_Interval when the other goes.
#[test]
fn a_second_address_owner_makes_the_first_step_down_to_254() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![
            cfg(vec![v2("VI_1", 51, 255)]),
            cfg(vec![v2("VI_1", 51, 255)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], secs(1.5));
    sim.kill(n[1], secs(5.2));
    sim.run_until(secs(12.0));
    let said = sim.actions(n[0], |a| {
        matches!(a, Action::Log(LogEvent::TwoOwners { .. }))
    });
    check!(sim, said.len() == 1 && said[0].0 == at(1_500_000));
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Backup, secs(1.0)) == Some(at(1_500_000))
    );
    check!(sim, sim.priority(n[0], "VI_1") == Some(254));
    // r2's last advert at 4.5: MDI(254) = 3 + 2/256 s later
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, secs(5.0)) == Some(at(4_500_000 + 3_007_812))
    );
    check!(sim, sim.adverts_sent(n[0], 51, Some(254)).len() >= 3);
}

#[test]
fn preempt_delay_counts_from_the_first_lower_priority_advert() {
    let mut a = v3("VI_1", 51, 150, 0.3);
    a.preempt_delay = Duration::from_secs(1);
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![v3("VI_1", 51, 100, 0.3)])],
    );
    sim.start(n[1], Duration::ZERO);
    sim.start(n[0], secs(5.0));
    sim.run_until(secs(10.0));
    // r2 MASTER at MDI(100) = 1_082_812, adverts every 0.3 s from then:
    // the first r1 hears is 5_282_812, so the delay runs until 6_282_812;
    // the last advert accepted is 6_182_812, then MDI(150) = 1_024_218
    let r2_master = mdi(true, 100, 300_000);
    let first_heard = r2_master + 14 * 300_000;
    check!(sim, first_heard == 5_282_812);
    let started: Vec<_> = sim
        .actions(n[0], |a| {
            matches!(a, Action::Log(LogEvent::PreemptDelayStart { delay, .. }) if *delay == Duration::from_secs(1))
        })
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    check!(sim, started == vec![at(first_heard)]);
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, secs(5.0))
            == Some(at(first_heard + 3 * 300_000 + mdi(true, 150, 300_000)))
    );
}

/// A master at least as good as us stops the delay (keepalived's `stop
/// preempt delay`); the next lower-priority advert starts a new one.
#[test]
fn preempt_delay_stops_for_a_better_master_and_starts_again() {
    let mut a = v2("VI_1", 51, 150);
    a.preempt_delay = Duration::from_secs(10);
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.start(n[1], Duration::ZERO);
    sim.start(n[0], secs(20.0));
    // r2 rises above r1 while the delay runs, then falls back
    sim.reload(n[1], cfg(vec![v2("VI_1", 51, 200)]), secs(22.0));
    sim.reload(n[1], cfg(vec![v2("VI_1", 51, 100)]), secs(25.0));
    sim.run_until(secs(45.0));
    let log = |f: fn(&LogEvent) -> bool| -> Vec<keepvip_proto::Instant> {
        sim.actions(n[0], |a| matches!(a, Action::Log(e) if f(e)))
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    };
    let starts = log(|e| matches!(e, LogEvent::PreemptDelayStart { .. }));
    let stops = log(|e| matches!(e, LogEvent::PreemptDelayStop { .. }));
    // r2's adverts at 3.609375 + k; each reload advertises at once and
    // restarts its advert timer
    check!(sim, starts == vec![at(20_609_375), at(25_000_000)]);
    check!(sim, stops == vec![at(22_000_000)]);
    // the second delay runs until 35.0: the last advert accepted is 34.0
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, secs(20.0)) == Some(at(34_000_000 + V2_MDI_150))
    );
}

#[test]
fn v2_advert_interval_mismatch_is_dropped_and_counted() {
    let mut b = v2("VI_1", 51, 100);
    b.advert_interval = Duration::from_secs(3);
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), b);
    sim.run_until(secs(20.0));
    // keepalived: dropped, so both end up MASTER
    check!(sim, sim.masters("VI_1").len() == 2);
    let c = sim
        .router(r2)
        .unwrap()
        .instance_by_name("VI_1")
        .unwrap()
        .counters
        .clone();
    check!(sim, c.drop_interval > 0 && c.adverts_rx == 0);
    let logs = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Log(LogEvent::Dropped {
                reason: DropReason::Interval { got: 3, ours: 1 },
                ..
            })
        )
    });
    check!(sim, !logs.is_empty());
}

#[test]
fn vip_list_mismatch_is_logged_counted_and_processed() {
    let mut b = v2("VI_1", 51, 100);
    b.vips = vec![VipConfig::new(ip4(201))];
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), b);
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let c = sim
        .router(r2)
        .unwrap()
        .instance_by_name("VI_1")
        .unwrap()
        .counters
        .clone();
    check!(sim, c.addr_list_mismatch > 0 && c.adverts_rx > 0);
    let logs = sim.actions(r2, |a| {
        matches!(a, Action::Log(LogEvent::AddrMissing { vrid: 51, .. }))
    });
    check!(sim, !logs.is_empty());
}

#[test]
fn pass_auth_mismatch_is_dropped_and_counted() {
    let mut a = v2("VI_1", 51, 150);
    a.auth = Some(AuthConfig::Pass(*b"secret\0\0"));
    let mut b = v2("VI_1", 51, 100);
    b.auth = Some(AuthConfig::Pass(*b"other\0\0\0"));
    let mut c = v2("VI_1", 51, 90);
    c.auth = None;
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![b]), cfg(vec![c])],
    );
    for i in &n {
        sim.start(*i, Duration::ZERO);
    }
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_1").len() == 3);
    let c2 = sim
        .router(n[1])
        .unwrap()
        .instance_by_name("VI_1")
        .unwrap()
        .counters
        .clone();
    check!(sim, c2.drop_auth_failure > 0 && c2.drop_auth_type > 0);
}

#[test]
fn pass_auth_match_works() {
    let mut a = v2("VI_1", 51, 150);
    a.auth = Some(AuthConfig::Pass(*b"secret\0\0"));
    let mut b = a.clone();
    b.priority = 100;
    let (mut sim, r1, _) = pair(a, b);
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
}

#[test]
fn version_mismatch_is_dropped() {
    let (mut sim, _r1, r2) = pair(v2("VI_1", 51, 150), v3("VI_1", 51, 100, 1.0));
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_1").len() == 2);
    check!(
        sim,
        sim.router(r2)
            .unwrap()
            .instance_by_name("VI_1")
            .unwrap()
            .counters
            .drop_version
            > 0
    );
}

#[test]
fn ttl_other_than_255_is_dropped_for_multicast() {
    let mut r = keepvip_proto::Router::new(cfg(vec![v2("VI_1", 51, 100)]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    // the interface's own address, the advert source (the daemon feeds it before start)
    r.handle(
        at(0),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: ip4(11),
            prefix_len: 24,
            added: true,
        },
    );
    r.start(at(0));
    while r.poll_action().is_some() {}
    let vip = [192, 0, 2, 200];
    let advert = keepvip_proto::wire::VrrpRepr {
        version: keepvip_proto::Version::V2,
        vrid: 51,
        priority: 200,
        max_adver_int: 1,
        family: keepvip_proto::Family::V4,
        addrs: keepvip_proto::wire::AddrList::Raw(keepvip_proto::Family::V4, &vip),
        auth: keepvip_proto::wire::Auth::None,
    };
    let input = |ttl, dst: &str| keepvip_proto::Input::Advert {
        iface: eth0,
        src: ip4(99),
        dst: dst.parse().unwrap(),
        ttl,
        advert,
        checksum: keepvip_proto::wire::ChecksumMode::V2,
    };
    r.handle(at(1), input(64, "224.0.0.18"));
    r.handle(at(2), input(255, "192.0.2.11"));
    r.handle(at(3), input(255, "224.0.0.18"));
    let c = r.instance_by_name("VI_1").unwrap().counters.clone();
    assert_eq!((c.drop_ttl, c.drop_cast_mismatch, c.adverts_rx), (1, 1, 1));
    // the accepted advert reset the down timer
    assert_eq!(r.poll_timeout(), Some(at(3 + V2_MDI_100)));
}

/// Unicast VRRPv3 with the old checksum (keepalived before 1.3.7, or
/// `old_unicast_checksum`, which puts the multicast group in the
/// pseudo-header): keepalived's default takes it, says `Setting unicast
/// VRRPv3 checksum to old version` once, and sends the old one from then
/// on; `old_unicast_checksum never` counts it a bad checksum. Until
/// 2026-12-08 keepvip dropped it ("Invalid VRRPv2 checksum") and both
/// routers were MASTER.
#[test]
fn the_old_unicast_checksum_is_heard_and_then_spoken() {
    use keepvip_proto::OldUnicastChecksum;
    let peer = |addr| UnicastPeer {
        addr,
        min_ttl: None,
        max_ttl: None,
    };
    let mut old = v3("VI_1", 51, 200, 1.0);
    old.unicast_peers = vec![peer(ip4(12))];
    old.old_unicast_checksum = OldUnicastChecksum::Always;
    let mut new = v3("VI_1", 51, 100, 1.0);
    new.unicast_peers = vec![peer(ip4(11))];
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![old.clone()]), cfg(vec![new.clone()])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.kill(n[0], secs(10.0));
    sim.run_until(secs(16.0));
    let switched = sim.actions(n[1], |a| {
        matches!(a, Action::Log(LogEvent::Other { text, .. }) if text == "Setting unicast VRRPv3 checksum to old version")
    });
    check!(sim, switched.len() == 1);
    // BACKUP while the old one spoke, MASTER once it was gone
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Master, Duration::ZERO)
            .is_some_and(|t| t > at(10_000_000))
    );
    let r = sim.router(n[1]).unwrap();
    check!(
        sim,
        r.instance_by_name("VI_1").unwrap().counters.drop_checksum == 0
    );
    let sent: Vec<_> = sim.actions(n[1], |a| {
        matches!(
            a,
            Action::SendAdvert {
                checksum: keepvip_proto::wire::ChecksumMode::V3PseudoHeaderGroup,
                ..
            }
        )
    });
    check!(sim, !sent.is_empty());
    // `never`: a bad checksum, and both are MASTER
    new.old_unicast_checksum = OldUnicastChecksum::Never;
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![old]), cfg(vec![new])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.run_until(secs(6.0));
    check!(sim, sim.masters("VI_1").len() == 2);
    let r = sim.router(n[1]).unwrap();
    check!(
        sim,
        r.instance_by_name("VI_1").unwrap().counters.drop_checksum > 0
    );
}

#[test]
fn unicast_pair_fails_over_and_ignores_strangers() {
    let mut a = v2("VI_1", 51, 150);
    a.unicast_peers = vec![UnicastPeer {
        addr: ip4(12),
        min_ttl: None,
        max_ttl: None,
    }];
    let mut b = v2("VI_1", 51, 100);
    b.unicast_peers = vec![UnicastPeer {
        addr: ip4(11),
        min_ttl: None,
        max_ttl: None,
    }];
    let mut c = v2("VI_1", 51, 200); // a stranger on the LAN, unicasting to r2
    c.unicast_peers = vec![UnicastPeer {
        addr: ip4(12),
        min_ttl: None,
        max_ttl: None,
    }];
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![b]), cfg(vec![c])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.start(n[2], Duration::ZERO);
    sim.kill(n[0], secs(10.5));
    sim.run_until(secs(20.0));
    let last = *sim.adverts_sent(n[0], 51, Some(150)).last().unwrap();
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Master, secs(10.0))
            == Some(at(last.as_micros() + V2_MDI_100))
    );
    check!(
        sim,
        sim.router(n[1])
            .unwrap()
            .instance_by_name("VI_1")
            .unwrap()
            .counters
            .drop_unknown_peer
            > 0
    );
}

#[test]
fn failing_script_with_weight_moves_the_vip() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk_nginx", -60));
    let (mut sim, r1, r2) = pair(a, v2("VI_1", 51, 100));
    let (k, s) = down("chk_nginx");
    sim.tracker(r1, k, s, secs(10.5));
    sim.run_until(secs(20.0));
    check!(sim, sim.priority(r1, "VI_1") == Some(90));
    let last150 = *sim.adverts_sent(r1, 51, Some(150)).last().unwrap();
    check!(sim, last150 == at(V2_MDI_150 + 7_000_000));
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(10.0))
            == Some(at(last150.as_micros() + V2_MDI_100))
    );
    let change = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Log(LogEvent::PriorityChange {
                from: 150,
                to: 90,
                ..
            })
        )
    });
    check!(sim, change.len() == 1 && change[0].0 == at(10_500_000));
    check!(sim, sim.masters("VI_1") == vec![r2]);
}

#[test]
fn weight_too_small_for_the_gap_does_not_fail_over() {
    let mut a = v2("VI_1", 51, 100);
    a.trackers.push(script("chk_nginx", -5));
    let (mut sim, r1, _r2) = pair(a, v2("VI_1", 51, 90));
    let (k, s) = down("chk_nginx");
    sim.tracker(r1, k, s, secs(10.0));
    sim.run_until(secs(30.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let change = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Log(LogEvent::PriorityChange {
                from: 100,
                to: 95,
                ..
            })
        )
    });
    check!(
        sim,
        change.len() == 1,
        "the log must show the lowered priority"
    );
}

#[test]
fn recovered_script_preempts_back() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk", -60));
    let (mut sim, r1, _r2) = pair(a, v2("VI_1", 51, 100));
    let (k, s) = down("chk");
    sim.tracker(r1, k.clone(), s, secs(10.5));
    sim.tracker(r1, k, TrackerState::Up, secs(20.5));
    sim.run_until(secs(30.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let t = sim.entered(r1, "VI_1", State::Master, secs(20.0)).unwrap();
    // by timeout, within MDI(150) of the recovery
    check!(
        sim,
        t.as_micros() > 20_500_000 && t.as_micros() <= 20_500_000 + V2_MDI_150
    );
}

#[test]
fn effective_priority_is_clamped_and_owner_never_changes() {
    let mut a = v2("VI_1", 51, 250);
    a.trackers.push(script("up", 20));
    let mut b = v2("VI_2", 52, 5);
    b.trackers.push(script("dn", -50));
    let mut c = v2("VI_3", 53, 255);
    c.trackers.push(script("dn", -50));
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a, b, c])]);
    sim.start(n[0], Duration::ZERO);
    let (k, s) = down("dn");
    sim.tracker(n[0], k, s, secs(1.0));
    sim.run_until(secs(2.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(254));
    check!(sim, sim.priority(n[0], "VI_2") == Some(1));
    check!(sim, sim.priority(n[0], "VI_3") == Some(255));
}

/// A weighted script that has not answered yet moves no priority either
/// way, as keepalived's SCRIPT_INIT_STATE_INIT: its first result does.
/// Until 2026-12-08 an unanswered script counted as succeeded, so a `weight
/// 10` script raised the priority before it had run (a router whose check
/// hangs until its timeout could preempt with a priority it never earned).
#[test]
fn a_weighted_script_moves_the_priority_only_once_it_has_answered() {
    let mut a = v2("VI_1", 51, 100);
    a.trackers.push(script("up", 10));
    a.trackers.push(script("down", -20));
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a])]);
    sim.slow_first_script_runs(n[0]);
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(0.5));
    check!(sim, sim.priority(n[0], "VI_1") == Some(100));
    sim.tracker(
        n[0],
        TrackerKey::Script("up".into()),
        TrackerState::Up,
        secs(1.0),
    );
    sim.tracker(n[0], down("down").0, down("down").1, secs(2.0));
    sim.run_until(secs(3.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(90));
    let changes: Vec<(keepvip_proto::Instant, u8, u8)> = sim
        .actions(n[0], |a| {
            matches!(a, Action::Log(LogEvent::PriorityChange { .. }))
        })
        .into_iter()
        .filter_map(|(t, a)| match a {
            Action::Log(LogEvent::PriorityChange { from, to, .. }) => Some((t, from, to)),
            _ => None,
        })
        .collect();
    check!(
        sim,
        changes == vec![(at(1_000_000), 100, 110), (at(2_000_000), 110, 90)]
    );
}

/// A check that fails during the start-up wait lowers the priority, and
/// the down timer moves with the new skew, as keepalived's
/// vrrp_set_effective_priority moves it (measured: 150 lowered to 90 one
/// second in, alone it became MASTER 3.67 s after its BACKUP, not 3.41 s;
/// beside a 100 the 100 took over and it never did). Until 2026-12-08
/// keepvip kept the start-up wait of 150: it took over at 3.41 s with 90,
/// and lost the VIP again at the 100's first advert.
#[test]
fn a_priority_lowered_during_the_start_up_wait_moves_the_down_timer() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk", -60));
    // alone
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a.clone()])]);
    sim.slow_first_script_runs(n[0]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(n[0], down("chk").0, down("chk").1, secs(1.0));
    sim.run_until(secs(6.0));
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, Duration::ZERO)
            == Some(at(3_000_000 + (256 - 90) * 1_000_000 / 256))
    );
    // beside a router at 100: that one takes over, this one never does
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.slow_first_script_runs(n[0]);
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.tracker(n[0], down("chk").0, down("chk").1, secs(1.0));
    sim.run_until(secs(10.0));
    check!(
        sim,
        sim.entered(n[0], "VI_1", State::Master, Duration::ZERO)
            .is_none()
    );
    check!(
        sim,
        sim.entered(n[1], "VI_1", State::Master, Duration::ZERO) == Some(at(V2_MDI_100))
    );
}

#[test]
fn reverse_weights_apply_in_the_opposite_condition() {
    let mut a = v2("VI_1", 51, 100);
    a.trackers.push(TrackRef {
        key: TrackerKey::Script("s".into()),
        weight: 30,
        reverse: true,
    });
    a.trackers.push(TrackRef {
        key: TrackerKey::Script("t".into()),
        weight: -30,
        reverse: true,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a])]);
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(0.5));
    // both ok: reverse -30 applies while ok
    check!(sim, sim.priority(n[0], "VI_1") == Some(70));
    sim.tracker(
        n[0],
        TrackerKey::Script("s".into()),
        TrackerState::Down,
        secs(1.0),
    );
    sim.tracker(
        n[0],
        TrackerKey::Script("t".into()),
        TrackerState::Down,
        secs(1.0),
    );
    sim.run_until(secs(2.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(130));
}

/// keepalived multiplies a reversed tracker's weight by -1 (vrrp_track.c:
/// weight_multiplier); the weight applies in the same condition as
/// without reverse. `weight 20 reverse` at priority 100: up 80, down 100;
/// `weight -20 reverse`: up 100, down 120. Weight 0 reverse: up is FAULT.
/// Until 2026-12-08 keepvip flipped the state instead (up 100, down 120).
#[test]
fn reverse_multiplies_the_weight_by_minus_one() {
    let rev = |key: TrackerKey, weight: i32| TrackRef {
        key,
        weight,
        reverse: true,
    };
    let mut a = v2("VI_1", 51, 100);
    a.trackers
        .push(rev(TrackerKey::Interface("trk0".into()), 20));
    let mut b = v2("VI_2", 52, 100);
    b.trackers
        .push(rev(TrackerKey::Interface("trk0".into()), -20));
    let mut c = v2("VI_3", 53, 100);
    c.trackers.push(rev(TrackerKey::Script("s".into()), 20));
    c.trackers.push(rev(TrackerKey::Process("p".into()), -10));
    let mut d = v2("VI_4", 54, 100);
    d.trackers
        .push(rev(TrackerKey::Interface("trk0".into()), 0));
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a, b, c, d])]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::Script("s".into()),
        TrackerState::Up,
        secs(0.5),
    );
    sim.tracker(
        n[0],
        TrackerKey::Process("p".into()),
        TrackerState::Up,
        secs(0.5),
    );
    sim.run_until(secs(1.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(80));
    check!(sim, sim.priority(n[0], "VI_2") == Some(100));
    check!(sim, sim.priority(n[0], "VI_3") == Some(80));
    check!(sim, sim.state(n[0], "VI_4") == State::Fault);
    sim.link(n[0], "trk0", false, secs(2.0));
    let (k, s) = down("s");
    sim.tracker(n[0], k, s, secs(2.0));
    sim.tracker(
        n[0],
        TrackerKey::Process("p".into()),
        TrackerState::Down,
        secs(2.0),
    );
    sim.run_until(secs(3.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(100));
    check!(sim, sim.priority(n[0], "VI_2") == Some(120));
    check!(sim, sim.priority(n[0], "VI_3") == Some(110));
    check!(sim, sim.state(n[0], "VI_4") != State::Fault);
}

/// track_file `weight 0 reverse`: keepalived's `!!status == (multiplier ==
/// 1)` means FAULT, so with reverse the value 0 is FAULT and any other is
/// fine (track_file.c). Until 2026-12-08 keepvip ignored reverse here.
#[test]
fn track_file_weight_0_reverse_faults_on_0() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(TrackRef {
        key: TrackerKey::File("flag".into()),
        weight: 0,
        reverse: true,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a])]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::File("flag".into()),
        TrackerState::Value(0),
        secs(0.0),
    );
    sim.run_until(secs(1.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Fault);
    sim.tracker(
        n[0],
        TrackerKey::File("flag".into()),
        TrackerState::Value(7),
        secs(2.0),
    );
    sim.run_until(secs(3.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Backup);
}

#[test]
fn track_file_value_times_weight_and_weight_0_fault() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(TrackRef {
        key: TrackerKey::File("maint".into()),
        weight: -100,
        reverse: false,
    });
    let mut b = v2("VI_2", 52, 150);
    b.trackers.push(TrackRef {
        key: TrackerKey::File("flag".into()),
        weight: 0,
        reverse: false,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a, b])]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::File("maint".into()),
        TrackerState::Value(1),
        secs(1.0),
    );
    sim.tracker(
        n[0],
        TrackerKey::File("flag".into()),
        TrackerState::Value(3),
        secs(1.0),
    );
    sim.run_until(secs(2.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(50));
    check!(sim, sim.state(n[0], "VI_2") == State::Fault);
    sim.tracker(
        n[0],
        TrackerKey::File("maint".into()),
        TrackerState::Value(3),
        secs(3.0),
    );
    sim.run_until(secs(4.0));
    // -300 is below -253: FAULT
    check!(sim, sim.state(n[0], "VI_1") == State::Fault);
}

/// `keepvip status` shows what each tracker does to the priority: the
/// router's own sums, tracker by tracker (an unanswered script, a file's
/// value times its weight, a weight-0 failure), and a sync group member's
/// weights as ignored.
#[test]
fn tracker_effects_show_what_each_tracker_does_now() {
    use keepvip_proto::FaultCause;
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("unanswered", 10));
    a.trackers.push(TrackRef {
        key: TrackerKey::File("maint".into()),
        weight: -20,
        reverse: false,
    });
    a.trackers.push(script("chk", 0));
    let mut b = v2("VI_2", 52, 150);
    b.trackers.push(script("weighted", -30));
    let c = v2("VI_3", 53, 150);
    let mut config = cfg(vec![a, b, c]);
    config.sync_groups.push(SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_2".into(), "VI_3".into()],
        trackers: Vec::new(),
        tracking_weight: false,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![config]);
    sim.slow_first_script_runs(n[0]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::File("maint".into()),
        TrackerState::Value(2),
        secs(0.1),
    );
    sim.tracker(n[0], down("chk").0, down("chk").1, secs(0.1));
    sim.tracker(
        n[0],
        TrackerKey::Script("weighted".into()),
        TrackerState::Up,
        secs(0.1),
    );
    sim.run_until(secs(1.0));
    let r = sim.router(n[0]).unwrap();
    let effects = |name: &str| {
        let id = r.instance_by_name(name).unwrap().id;
        r.tracker_effects(id)
            .into_iter()
            .map(|e| {
                (
                    e.tracker.key.clone(),
                    e.from_group,
                    e.weight_counts,
                    e.state,
                    e.effect,
                )
            })
            .collect::<Vec<_>>()
    };
    check!(
        sim,
        effects("VI_1")
            == vec![
                (
                    TrackerKey::Script("unanswered".into()),
                    false,
                    true,
                    None,
                    Ok(0)
                ),
                (
                    TrackerKey::File("maint".into()),
                    false,
                    true,
                    Some(TrackerState::Value(2)),
                    Ok(-40)
                ),
                (
                    TrackerKey::Script("chk".into()),
                    false,
                    true,
                    Some(TrackerState::Down),
                    Err(FaultCause::Script("chk".into()))
                ),
            ]
    );
    check!(
        sim,
        effects("VI_2")
            == vec![(
                TrackerKey::Script("weighted".into()),
                false,
                false,
                Some(TrackerState::Up),
                Ok(0)
            )]
    );
    check!(sim, effects("VI_3").is_empty());
}

#[test]
fn weight_0_script_failure_is_fault_master_sends_priority_0() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk", 0));
    let (mut sim, r1, r2) = pair(a, v2("VI_1", 51, 100));
    let (k, s) = down("chk");
    sim.tracker(r1, k.clone(), s, secs(10.5));
    sim.tracker(r1, k, TrackerState::Up, secs(20.0));
    sim.run_until(secs(30.0));
    check!(
        sim,
        sim.adverts_sent(r1, 51, Some(0)) == vec![at(10_500_000)]
    );
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(10.0)) == Some(at(10_500_000 + V2_SKEW_100))
    );
    // leaving FAULT: BACKUP with a full MDI, then preempts by timeout
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Backup, secs(20.0)) == Some(at(20_000_000))
    );
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, secs(20.0)) == Some(at(20_000_000 + V2_MDI_150))
    );
    let notifies = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Notify {
                state: NotifyState::Fault,
                ..
            }
        )
    });
    check!(sim, notifies.len() == 1);
}

#[test]
fn own_interface_down_is_fault_unless_dont_track_primary() {
    let a = v2("VI_1", 51, 150);
    let mut b = v2("VI_2", 52, 150);
    b.track_primary = false;
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a, b])]);
    sim.start(n[0], Duration::ZERO);
    sim.link(n[0], "eth0", false, secs(5.0));
    sim.link(n[0], "eth0", true, secs(7.0));
    sim.run_until(secs(6.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Fault);
    check!(sim, sim.state(n[0], "VI_2") == State::Master);
    // no priority 0 into the link that just went down (it cannot leave),
    // but keepalived's detail line all the same
    check!(sim, sim.adverts_sent(n[0], 51, Some(0)).is_empty());
    check!(
        sim,
        sim.actions(
            n[0],
            |a| matches!(a, Action::Log(LogEvent::SentPrio0 { instance }) if instance == "VI_1")
        )
        .len()
            == 1
    );
    sim.run_until(secs(8.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Backup);
}

#[test]
fn interface_down_at_start_is_fault_init() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.link(n[0], "eth0", false, Duration::ZERO);
    sim.start(n[0], secs(0.1));
    sim.run_until(secs(5.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Fault);
    let init = sim.actions(n[0], |a| {
        matches!(
            a,
            Action::Log(LogEvent::EnteringState {
                state: State::Fault,
                init: true,
                ..
            })
        )
    });
    check!(sim, init.len() == 1);
}

#[test]
fn weighted_track_interface() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(TrackRef {
        key: TrackerKey::Interface("eth1".into()),
        weight: -60,
        reverse: false,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a])]);
    sim.start(n[0], Duration::ZERO);
    sim.link(n[0], "eth1", false, secs(1.0));
    sim.run_until(secs(2.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(90));
    check!(sim, sim.state(n[0], "VI_1") != State::Fault);
}

/// keepalived's start-up order (measured, 2.2.7): vrrp_complete_init puts
/// the instances that start in FAULT there first (`(VI_F) entering FAULT
/// state`, their notify), then every instance's leftovers go (`removing
/// VIPs.`), then the others start: the FIFO reads `VI_F FAULT` before
/// `VI_B BACKUP` although VI_B comes first in the file. Until 2026-12-08
/// keepvip removed the leftovers first and started the instances in file
/// order.
#[test]
fn instances_that_start_in_fault_come_first_as_keepalived_s_do() {
    let b = v2("VI_B", 51, 100);
    let mut f = v2("VI_F", 52, 100);
    f.trackers.push(TrackRef {
        key: TrackerKey::Interface("dum0".into()),
        weight: 0,
        reverse: false,
    });
    let mut r = keepvip_proto::Router::new(cfg(vec![b, f]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    let dum0 = r.iface_id("dum0").unwrap();
    r.handle(
        at(0),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: ip4(11),
            prefix_len: 24,
            added: true,
        },
    );
    r.handle(
        at(0),
        keepvip_proto::Input::Link {
            iface: dum0,
            up: false,
        },
    );
    while r.poll_action().is_some() {}
    r.start(at(0));
    let steps: Vec<String> = std::iter::from_fn(|| r.poll_action())
        .filter_map(|a| match a {
            Action::Log(LogEvent::FaultDueTo { instance, .. }) => Some(format!("{instance} why")),
            Action::Log(LogEvent::RemovingVips { instance }) => {
                Some(format!("{instance} removing"))
            }
            Action::Log(LogEvent::EnteringState {
                instance, state, ..
            }) => Some(format!("{instance} {state:?}")),
            Action::Notify {
                target: NotifyTarget::Instance(n),
                state,
                ..
            } => Some(format!("{n} notify {state:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        steps,
        [
            "VI_F why",
            "VI_F Fault",
            "VI_F notify Fault",
            "VI_B removing",
            "VI_F removing",
            "VI_B Backup",
            "VI_B notify Backup",
        ]
    );
}

/// Two members of a group on the one interface that goes down and comes
/// back: keepalived 2.2.7 (measured, with 2 and 3 members) counts the
/// members' faults down in order, and the group comes up with the member
/// that clears the last one, so the LAST member enters BACKUP first and
/// syncs the others; its down timer runs out first, but the group waits
/// for the first member's, which then takes the group to MASTER. Into
/// FAULT, the first member goes first. Until 2026-12-08 keepvip always
/// started with the first member.
#[test]
fn a_group_leaves_fault_with_its_last_member_first() {
    let mut c = cfg(vec![v2("VI_A", 51, 150), v2("VI_B", 52, 150)]);
    c.sync_groups = vec![SyncGroupConfig {
        name: "VG".into(),
        members: vec!["VI_A".into(), "VI_B".into()],
        trackers: vec![],
        tracking_weight: false,
    }];
    let (mut sim, n) = lan(1, LinkParams::default(), vec![c]);
    sim.start(n[0], Duration::ZERO);
    sim.link(n[0], "eth0", false, secs(6.0));
    sim.link(n[0], "eth0", true, secs(8.0));
    sim.run_until(secs(14.0));
    check!(
        sim,
        notifies(&sim, n[0], at(6_000_000))
            == [
                "VI_A Fault",
                "VI_B Fault",
                "group VG Fault",
                "VI_B Backup",
                "VI_A Backup",
                "group VG Backup",
                "VI_A Master",
                "VI_B Master",
                "group VG Master",
            ]
    );
}

/// `node`'s notifies from `from` on, as `VI_1 Master` / `group G1 Backup`.
fn notifies(
    sim: &keepvip_proto::sim::Sim,
    node: usize,
    from: keepvip_proto::Instant,
) -> Vec<String> {
    sim.actions(node, |a| matches!(a, Action::Notify { .. }))
        .into_iter()
        .filter(|(t, _)| *t >= from)
        .map(|(_, a)| match a {
            Action::Notify { target, state, .. } => {
                let name = match target {
                    NotifyTarget::Instance(n) => n,
                    NotifyTarget::Group(g) => format!("group {g}"),
                };
                format!("{name} {state:?}")
            }
            _ => unreachable!(),
        })
        .collect()
}

fn group_pair() -> (keepvip_proto::sim::Sim, Vec<usize>) {
    use keepvip_proto::sim::Sim;
    let mk = |p: u8| {
        let mut out = v2("VI_OUT", 51, p);
        out.interface = "eth0".into();
        let mut inn = v2("VI_IN", 52, p);
        inn.interface = "eth1".into();
        inn.vips = vec![VipConfig::new("198.51.100.1".parse().unwrap())];
        inn.routes = vec![RouteConfig {
            dst: "0.0.0.0".parse().unwrap(),
            dst_len: 0,
            gateway: Some("192.0.2.1".parse().unwrap()),
            dev: None,
            src: None,
            metric: None,
            table: None,
            scope: None,
            route_type: None,
            no_track: false,
            add_mode: Default::default(),
        }];
        keepvip_proto::RouterConfig {
            instances: vec![out, inn],
            sync_groups: vec![SyncGroupConfig {
                name: "G1".into(),
                members: vec!["VI_OUT".into(), "VI_IN".into()],
                trackers: vec![],
                tracking_weight: false,
            }],
        }
    };
    let mut sim = Sim::new(7);
    let s0 = sim.add_segment(LinkParams::default());
    let s1 = sim.add_segment(LinkParams::default());
    let a = sim.add_router(
        "r1",
        mk(150),
        vec![port(0, s0, "eth0"), port(0, s1, "eth1")],
    );
    let b = sim.add_router(
        "r2",
        mk(100),
        vec![port(1, s0, "eth0"), port(1, s1, "eth1")],
    );
    sim.start(a, Duration::ZERO);
    sim.start(b, Duration::ZERO);
    (sim, vec![a, b])
}

#[test]
fn sync_group_moves_together_on_one_link_down() {
    let (mut sim, n) = group_pair();
    sim.run_until(secs(5.0));
    check!(
        sim,
        sim.masters("VI_OUT") == vec![n[0]] && sim.masters("VI_IN") == vec![n[0]]
    );
    sim.link(n[0], "eth1", false, secs(10.2));
    sim.run_until(secs(14.0));
    check!(
        sim,
        sim.state(n[0], "VI_OUT") == State::Fault && sim.state(n[0], "VI_IN") == State::Fault
    );
    check!(sim, sim.masters("VI_OUT") == vec![n[1]]);
    check!(sim, sim.masters("VI_IN") == vec![n[1]]);
    let group_notify = sim.actions(n[0], |a| {
        matches!(
            a,
            Action::Notify {
                target: NotifyTarget::Group(_),
                state: NotifyState::Fault,
                ..
            }
        )
    });
    check!(sim, group_notify.len() == 1);
    // VI_OUT's priority 0 went out on eth0, but r2's group waits until
    // VI_IN wants MASTER too: its own down timer, from r1's last advert on
    // eth1 (keepalived's vrrp_sync_can_goto_master; measured with
    // keepalived 2.2.7 at advert_int 1: both VIPs 3.1 s after the link
    // went, not 0.6 s)
    let takeover = at(V2_MDI_150 + 6_000_000 + V2_MDI_100);
    check!(
        sim,
        sim.entered(n[1], "VI_IN", State::Master, secs(10.0)) == Some(takeover)
    );
    check!(
        sim,
        sim.entered(n[1], "VI_OUT", State::Master, secs(10.0)) == Some(takeover)
    );
}

/// keepalived's order of notifications in a sync group (its FIFO, the
/// ordered stream): at start the group first, then the members; on a
/// link change the member whose link it is, then the one it takes along,
/// then the group. Until 2026-12-02 keepvip moved the members in
/// configuration order and notified the group between them.
#[test]
fn sync_group_notifies_in_keepalived_s_order() {
    let (mut sim, n) = group_pair();
    sim.link(n[0], "eth1", false, secs(10.2));
    sim.link(n[0], "eth1", true, secs(15.2));
    sim.run_until(secs(16.0));
    let notified = notifies(&sim, n[0], at(0));
    check!(
        sim,
        notified
            == [
                "group G1 Backup",
                "VI_OUT Backup",
                "VI_IN Backup",
                // both time out at once: VI_OUT first, held until VI_IN
                // wants MASTER too, which then takes the group along
                "VI_IN Master",
                "VI_OUT Master",
                "group G1 Master",
                "VI_IN Fault",
                "VI_OUT Fault",
                "group G1 Fault",
                "VI_IN Backup",
                "VI_OUT Backup",
                "group G1 Backup",
            ]
    );
    // no "Syncing" line at start; keepalived's detail line for the
    // priority 0 only for the instance whose link went down
    let syncing = sim.actions(n[0], |a| {
        matches!(a, Action::Log(LogEvent::GroupSyncing { .. }))
    });
    check!(sim, syncing.first().is_some_and(|(t, _)| *t > at(0)));
    let out_prio0 = sim.actions(
        n[0],
        |a| matches!(a, Action::Log(LogEvent::SentPrio0 { instance }) if instance == "VI_OUT"),
    );
    check!(sim, out_prio0.is_empty());
}

/// A BACKUP member the group takes to FAULT is notified but logs no
/// `Entering FAULT STATE`: keepalived 2.2.7's vrrp_sync_fault sets its
/// state before vrrp_state_leave_fault, which then sees no change. The
/// member whose link went down logs it.
#[test]
fn a_backup_member_synced_to_fault_logs_no_state_line() {
    let (mut sim, n) = group_pair();
    sim.link(n[1], "eth1", false, secs(10.2));
    sim.run_until(secs(11.0));
    check!(
        sim,
        sim.state(n[1], "VI_OUT") == State::Fault && sim.state(n[1], "VI_IN") == State::Fault
    );
    let entered_fault = |name: &str| {
        sim.actions(n[1], |a| {
            matches!(a, Action::Log(LogEvent::EnteringState { instance, state: State::Fault, .. }) if instance == name)
        })
        .len()
    };
    check!(sim, entered_fault("VI_IN") == 1);
    check!(sim, entered_fault("VI_OUT") == 0);
    let out_fault_notify = sim.actions(n[1], |a| {
        matches!(
            a,
            Action::Notify { target: NotifyTarget::Instance(i), state: NotifyState::Fault, .. } if i == "VI_OUT"
        )
    });
    check!(sim, out_fault_notify.len() == 1);
    // the master's side is unchanged: r1 keeps both
    check!(
        sim,
        sim.masters("VI_OUT") == vec![n[0]] && sim.masters("VI_IN") == vec![n[0]]
    );
}

/// An instance a reload adds on an interface no instance used before
/// starts in BACKUP, as keepalived's `(VI_IN) Entering BACKUP STATE
/// (init)`: the daemon reports that interface's addresses before the
/// reload starts it. Until 2026-12-02 the router started it first, saw no
/// address there, and it went through FAULT (`entering FAULT state (no
/// IPv4 address for interface)`, a FAULT notify) on its way to BACKUP.
#[test]
fn an_instance_a_reload_adds_on_a_new_interface_skips_fault() {
    use keepvip_proto::sim::Sim;
    let out = || {
        let mut c = v2("VI_OUT", 51, 150);
        c.interface = "eth0".into();
        c
    };
    let mut inn = v2("VI_IN", 52, 150);
    inn.interface = "eth1".into();
    inn.vips = vec![VipConfig::new("198.51.100.1".parse().unwrap())];
    let mut sim = Sim::new(3);
    let s0 = sim.add_segment(LinkParams::default());
    let s1 = sim.add_segment(LinkParams::default());
    let r = sim.add_router(
        "r1",
        cfg(vec![out()]),
        vec![port(0, s0, "eth0"), port(0, s1, "eth1")],
    );
    sim.start(r, Duration::ZERO);
    sim.reload(r, cfg(vec![out(), inn]), secs(5.0));
    sim.run_until(secs(10.0));
    check!(sim, sim.state(r, "VI_IN") == State::Master);
    check!(
        sim,
        sim.entered(r, "VI_IN", State::Fault, secs(0.0)).is_none()
    );
    let faults = sim.actions(r, |a| {
        matches!(a, Action::Log(LogEvent::FaultDueTo { .. }))
            || matches!(
                a,
                Action::Notify {
                    state: NotifyState::Fault,
                    ..
                }
            )
    });
    check!(sim, faults.is_empty());
    // BACKUP at the reload, MASTER one down interval later; VI_OUT untouched
    check!(
        sim,
        sim.entered(r, "VI_IN", State::Backup, secs(0.0)) == Some(at(5_000_000))
    );
    check!(
        sim,
        sim.entered(r, "VI_OUT", State::Backup, secs(4.0)).is_none()
    );
}

/// A reload that makes a sync group of a running MASTER and a new
/// instance starts the group anew, as keepalived 2.2.7 does (measured):
/// the group's BACKUP first, then the MASTER gives its addresses up
/// (`(VI_OUT) Entering BACKUP STATE (init)`), then the new member; MASTER
/// again when the new member's down timer runs out, the new one first.
#[test]
fn a_reload_grouping_a_master_with_a_new_instance_starts_the_group_anew() {
    use keepvip_proto::sim::Sim;
    let out = || {
        let mut c = v2("VI_OUT", 51, 150);
        c.interface = "eth0".into();
        c
    };
    let mut inn = v2("VI_IN", 52, 150);
    inn.interface = "eth1".into();
    inn.vips = vec![VipConfig::new("198.51.100.1".parse().unwrap())];
    let grouped = keepvip_proto::RouterConfig {
        instances: vec![out(), inn],
        sync_groups: vec![SyncGroupConfig {
            name: "G1".into(),
            members: vec!["VI_OUT".into(), "VI_IN".into()],
            trackers: vec![],
            tracking_weight: false,
        }],
    };
    let mut sim = Sim::new(5);
    let s0 = sim.add_segment(LinkParams::default());
    let s1 = sim.add_segment(LinkParams::default());
    let r = sim.add_router(
        "r1",
        cfg(vec![out()]),
        vec![port(0, s0, "eth0"), port(0, s1, "eth1")],
    );
    sim.start(r, Duration::ZERO);
    sim.reload(r, grouped, secs(5.0));
    sim.run_until(secs(12.0));
    let notified = notifies(&sim, r, at(5_000_000));
    check!(
        sim,
        notified
            == [
                "group G1 Backup",
                "VI_OUT Backup",
                "VI_IN Backup",
                "VI_IN Master",
                "VI_OUT Master",
                "group G1 Master",
            ]
    );
    let restarted = sim.actions(r, |a| {
        matches!(a, Action::Log(LogEvent::EnteringState { instance, state: State::Backup, init: true }) if instance == "VI_OUT")
    });
    check!(
        sim,
        restarted.last().is_some_and(|(t, _)| *t == at(5_000_000))
    );
    // no priority 0 at the reload: the instance is not leaving
    check!(
        sim,
        !sim.adverts_sent(r, 51, Some(0))
            .iter()
            .any(|t| *t >= at(5_000_000))
    );
    check!(
        sim,
        sim.entered(r, "VI_IN", State::Master, secs(5.0)) == Some(at(5_000_000 + V2_MDI_150))
    );
}

/// keepalived 2.2.7 at load (vrrp.c vrrp_complete_instance), for a
/// member of a sync group without sync_group_tracking_weight: a weighted
/// track_interface gets weight 0 (down means FAULT), a weighted
/// track_script and a track_file of a weight other than 1 are dropped
/// (they do nothing), a track_file of weight 1 (its default) gets weight 0
/// (non-zero means FAULT), a track_process keeps its weight. Until
/// 2026-12-08 keepvip made every weighted tracker of a member mean FAULT.
#[test]
fn sync_group_member_weights_as_keepalived_loads_them() {
    let tr = |key: TrackerKey, weight: i32| TrackRef {
        key,
        weight,
        reverse: false,
    };
    let mut a = v2("VI_A", 51, 150);
    a.trackers.push(script("chk", -10));
    a.trackers.push(tr(TrackerKey::File("f5".into()), 5));
    a.trackers.push(tr(TrackerKey::Process("p".into()), -30));
    let mut b = v2("VI_B", 52, 150);
    b.trackers.push(tr(TrackerKey::File("f1".into()), 1));
    let mut c = v2("VI_C", 53, 150);
    c.trackers
        .push(tr(TrackerKey::Interface("eth1".into()), -20));
    let mut config = cfg(vec![a, b, c]);
    for (g, m) in [("GA", "VI_A"), ("GB", "VI_B"), ("GC", "VI_C")] {
        config.sync_groups.push(SyncGroupConfig {
            name: g.into(),
            members: vec![m.into()],
            trackers: vec![],
            tracking_weight: false,
        });
    }
    let (mut sim, n) = lan(1, LinkParams::default(), vec![config]);
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(5.0));
    check!(sim, sim.state(n[0], "VI_A") == State::Master);
    // the script fails, the file says 9: dropped, nothing happens; the
    // process leaves its quorum: -30
    let (k, s) = down("chk");
    sim.tracker(n[0], k, s, secs(6.0));
    sim.tracker(
        n[0],
        TrackerKey::File("f5".into()),
        TrackerState::Value(9),
        secs(6.0),
    );
    sim.tracker(
        n[0],
        TrackerKey::Process("p".into()),
        TrackerState::Down,
        secs(6.0),
    );
    // weight 1 becomes 0: a non-zero value means FAULT
    sim.tracker(
        n[0],
        TrackerKey::File("f1".into()),
        TrackerState::Value(2),
        secs(6.0),
    );
    // weight -20 becomes 0: down means FAULT
    sim.link(n[0], "eth1", false, secs(6.0));
    sim.run_until(secs(7.0));
    check!(sim, sim.state(n[0], "VI_A") == State::Master);
    check!(sim, sim.priority(n[0], "VI_A") == Some(120));
    check!(sim, sim.state(n[0], "VI_B") == State::Fault);
    check!(sim, sim.state(n[0], "VI_C") == State::Fault);
    let r = sim.router(n[0]).unwrap();
    let id = r.instance_by_name("VI_A").unwrap().id;
    let dropped: Vec<(TrackerKey, bool, bool)> = r
        .tracker_effects(id)
        .into_iter()
        .map(|e| (e.tracker.key.clone(), e.weight_counts, e.dropped))
        .collect();
    check!(
        sim,
        dropped
            == vec![
                (TrackerKey::Script("chk".into()), false, true),
                (TrackerKey::File("f5".into()), false, true),
                (TrackerKey::Process("p".into()), true, false),
            ]
    );
}

/// keepalived 2.2.7 (vrrp.c sync_group_tracking_init): a sync group's own
/// trackers apply their weights to every member whether or not
/// sync_group_tracking_weight is set; only a member that is an address
/// owner makes them weight 0. Its track_interface is every member's: down
/// means FAULT for the group. Until 2026-12-08 keepvip made the weights
/// mean FAULT and did not follow the group's interface at all.
#[test]
fn sync_group_trackers_weigh_on_every_member() {
    let mut config = cfg(vec![v2("VI_1", 51, 150), v2("VI_2", 52, 100)]);
    config.sync_groups.push(SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_1".into(), "VI_2".into()],
        trackers: vec![
            script("chk", -40),
            TrackRef {
                key: TrackerKey::Interface("eth2".into()),
                weight: 0,
                reverse: false,
            },
        ],
        tracking_weight: false,
    });
    let (mut sim, n) = lan(1, LinkParams::default(), vec![config]);
    sim.start(n[0], Duration::ZERO);
    let (k, s) = down("chk");
    sim.tracker(n[0], k, s, secs(1.0));
    sim.run_until(secs(2.0));
    check!(sim, sim.priority(n[0], "VI_1") == Some(110));
    check!(sim, sim.priority(n[0], "VI_2") == Some(60));
    check!(sim, sim.state(n[0], "VI_1") != State::Fault);
    sim.link(n[0], "eth2", false, secs(6.0));
    sim.run_until(secs(7.0));
    check!(sim, sim.state(n[0], "VI_1") == State::Fault);
    check!(sim, sim.state(n[0], "VI_2") == State::Fault);
    check!(
        sim,
        sim.router(n[0]).unwrap().group_state("G") == Some(State::Fault)
    );
    sim.link(n[0], "eth2", true, secs(8.0));
    sim.run_until(secs(9.0));
    check!(sim, sim.state(n[0], "VI_1") != State::Fault);

    // an address owner in the group: the weights become 0 (FAULT)
    let mut config = cfg(vec![v2("VI_1", 51, 255), v2("VI_2", 52, 100)]);
    config.sync_groups.push(SyncGroupConfig {
        name: "G".into(),
        members: vec!["VI_1".into(), "VI_2".into()],
        trackers: vec![script("chk", -40)],
        tracking_weight: true,
    });
    let (mut sim, n) = lan(2, LinkParams::default(), vec![config]);
    sim.start(n[0], Duration::ZERO);
    sim.tracker(
        n[0],
        TrackerKey::Script("chk".into()),
        TrackerState::Up,
        secs(0.5),
    );
    let (k, s) = down("chk");
    sim.tracker(n[0], k, s, secs(2.0));
    sim.run_until(secs(3.0));
    check!(sim, sim.state(n[0], "VI_2") == State::Fault);
}

#[test]
fn shutdown_sends_priority_0_removes_vips_and_notifies_stop() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.stop(r1, secs(6.0));
    sim.stop(r2, secs(8.0));
    sim.run_until(secs(10.0));
    check!(sim, sim.vips(r1).is_empty() && sim.vips(r2).is_empty());
    for n in [r1, r2] {
        let stop = sim.actions(n, |a| {
            matches!(
                a,
                Action::Notify {
                    state: NotifyState::Stop,
                    ..
                }
            )
        });
        check!(sim, stop.len() == 1);
    }
    // r2 had become master after r1 left, so it also sent priority 0
    check!(
        sim,
        sim.adverts_sent(r2, 51, Some(0)) == vec![at(8_000_000)]
    );
}

#[test]
fn startup_removes_stale_vips_before_backup_init() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(0.0));
    let acts = sim.actions(n[0], |_| true);
    let kinds: Vec<&str> = acts
        .iter()
        .filter_map(|(_, a)| match a {
            Action::Log(LogEvent::RemovingVips { .. }) => Some("log-removing"),
            Action::RemoveVips { .. } => Some("remove"),
            Action::Log(LogEvent::EnteringState {
                state: State::Backup,
                init: true,
                ..
            }) => Some("backup-init"),
            Action::Notify {
                state: NotifyState::Backup,
                ..
            } => Some("notify-backup"),
            _ => None,
        })
        .collect();
    check!(
        sim,
        kinds == vec!["log-removing", "remove", "backup-init", "notify-backup"],
        "{kinds:?}"
    );
}

#[test]
fn becoming_master_order_advert_first_then_vips_then_garp() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(10.0));
    let t = at(V2_MDI_100);
    let acts: Vec<String> = sim
        .actions(n[0], |_| true)
        .into_iter()
        .filter(|(when, _)| *when == t)
        .filter_map(|(_, a)| match a {
            Action::SendAdvert { .. } => Some("advert".to_string()),
            Action::AddVips { .. } => Some("vips".into()),
            Action::Garp { repeat, .. } => Some(format!("garp{repeat}")),
            Action::Notify { .. } => Some("notify".into()),
            Action::Log(LogEvent::EnteringState { .. }) => Some("log".into()),
            _ => None,
        })
        .collect();
    check!(
        sim,
        acts == vec!["advert", "log", "vips", "garp5", "notify"],
        "{acts:?}"
    );
    // the second burst after garp_master_delay (5 s)
    let garps: Vec<_> = sim
        .actions(n[0], |a| matches!(a, Action::Garp { .. }))
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    check!(sim, garps == vec![t, at(V2_MDI_100 + 5_000_000)]);
}

#[test]
fn garp_master_refresh_repeats_while_master() {
    let mut a = v2("VI_1", 51, 100);
    a.garp.master_refresh = Duration::from_secs(2);
    a.garp.master_delay = Duration::ZERO;
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a])]);
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(10.0));
    let garps: Vec<_> = sim
        .actions(n[0], |a| matches!(a, Action::Garp { .. }))
        .into_iter()
        .map(|(t, _)| t.as_micros())
        .collect();
    check!(
        sim,
        garps
            == vec![
                V2_MDI_100,
                V2_MDI_100 + 2_000_000,
                V2_MDI_100 + 4_000_000,
                V2_MDI_100 + 6_000_000
            ]
    );
}

#[test]
fn reload_master_stays_master_and_applies_only_the_vip_diff() {
    let (mut sim, r1, _r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.run_until(secs(5.0));
    let mut new = v2("VI_1", 51, 150);
    new.vips.push(VipConfig::new(ip4(201)));
    sim.reload(r1, cfg(vec![new]), secs(6.0));
    sim.run_until(secs(8.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let after: Vec<_> = sim
        .actions(r1, |_| true)
        .into_iter()
        .filter(|(t, _)| *t == at(6_000_000))
        .map(|(_, a)| a)
        .collect();
    check!(
        sim,
        !after.iter().any(|a| matches!(
            a,
            Action::StateChange { .. } | Action::Notify { .. } | Action::RemoveVips { .. }
        ))
    );
    let added: Vec<_> = after
        .iter()
        .filter_map(|a| match a {
            Action::AddVips { vips, .. } => Some(vips.iter().map(|v| v.addr).collect::<Vec<_>>()),
            _ => None,
        })
        .collect();
    check!(sim, added == vec![vec![ip4(201)]]);
    let garp: Vec<_> = after
        .iter()
        .filter_map(|a| match a {
            Action::Garp { addrs, .. } => Some(addrs.clone()),
            _ => None,
        })
        .collect();
    // GARPs for every VIP once one was added, as keepalived 2.2.7
    // (measured; keepvip sent them for the new one only until 2026-12-08)
    check!(sim, garp == vec![vec![IpAddr::V4(VIP), ip4(201)]]);
    check!(sim, sim.vips(r1) == vec![IpAddr::V4(VIP), ip4(201)]);
}

#[test]
fn reload_lowering_master_priority_advertises_it_at_once() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.reload(r1, cfg(vec![v2("VI_1", 51, 50)]), secs(6.0));
    sim.run_until(secs(12.0));
    check!(
        sim,
        sim.adverts_sent(r1, 51, Some(50)).first() == Some(&at(6_000_000))
    );
    // r2 discards the lower adverts and takes over by timeout
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(6.0))
            == Some(at(V2_MDI_150 + 2_000_000 + V2_MDI_100))
    );
}

#[test]
fn reload_matches_by_vrid_not_name_and_deletes_removed_instances() {
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![v2("VI_1", 51, 150), v2("VI_2", 52, 150)])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(5.0));
    // VI_1 renamed to WEB (same VRID): stays MASTER; VI_2 removed
    sim.reload(n[0], cfg(vec![v2("WEB", 51, 150)]), secs(6.0));
    sim.run_until(secs(8.0));
    check!(sim, sim.state(n[0], "WEB") == State::Master);
    check!(
        sim,
        sim.adverts_sent(n[0], 52, Some(0)) == vec![at(6_000_000)]
    );
    let deleted = sim.actions(n[0], |a| {
        matches!(
            a,
            Action::Notify {
                state: NotifyState::Deleted,
                ..
            }
        )
    });
    check!(sim, deleted.len() == 1);
}

/// A MASTER instance a reload removes hands over at once: its priority 0
/// reaches the BACKUP, which takes over after its Skew_Time, as with
/// keepalived. Until 2026-12-08 the advert was built from the instance's
/// record, already gone, so it never left and the VIP was nowhere for a
/// whole Master_Down_Interval.
#[test]
fn a_master_a_reload_removes_hands_over_after_the_skew() {
    let (mut sim, r1, r2) = pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.run_until(secs(5.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    // VRID 51 leaves r1's configuration (another VRID takes its place)
    sim.reload(r1, cfg(vec![v2("VI_2", 52, 150)]), secs(6.0));
    sim.run_until(secs(12.0));
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(5.0)) == Some(at(6_000_000 + V2_SKEW_100))
    );
}

/// A link-local VIP left on the interface (a daemon killed with -9) is
/// never the advert source, and the daemon's own removal of a VIP is not
/// someone deleting it. Until 2026-12-08 keepvip sent from the leftover
/// fe80::51 for good: its first advert at each takeover failed (the
/// address had been removed) and the peer saw the VIP as the source.
#[test]
fn a_link_local_vip_is_never_the_source_and_removing_our_own_is_no_deletion() {
    let mut a = v6("VI_6", 51, 150, 1.0);
    a.vips = vec![
        VipConfig::new("fe80::51".parse().unwrap()),
        VipConfig::new("2001:db8::100".parse().unwrap()),
    ];
    let mut r = keepvip_proto::Router::new(cfg(vec![a]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    for addr in ["fe80::51", "fe80::11"] {
        r.handle(
            at(0),
            keepvip_proto::Input::Address {
                iface: eth0,
                addr: addr.parse().unwrap(),
                prefix_len: 64,
                added: true,
            },
        );
    }
    r.start(at(0));
    let own: IpAddr = "fe80::11".parse().unwrap();
    assert_eq!(r.instance_by_name("VI_6").unwrap().source, Some(own));
    // the leftover removed at start: the source stays
    r.handle(
        at(10_000),
        keepvip_proto::Input::OwnAddressRemoved {
            iface: eth0,
            addr: "fe80::51".parse().unwrap(),
        },
    );
    assert_eq!(r.instance_by_name("VI_6").unwrap().source, Some(own));
    r.handle_timeout(at(3_500_000));
    assert_eq!(r.instance_by_name("VI_6").unwrap().state, State::Master);
    while r.poll_action().is_some() {}
    // a MASTER's VIP removed by the daemon (seen late, after a flap) is
    // not someone deleting it: it stays MASTER
    r.handle(
        at(4_000_000),
        keepvip_proto::Input::OwnAddressRemoved {
            iface: eth0,
            addr: "2001:db8::100".parse().unwrap(),
        },
    );
    assert_eq!(r.instance_by_name("VI_6").unwrap().state, State::Master);
}

#[test]
fn vip_deleted_externally_while_master() {
    let mut a = v2("VI_1", 51, 150);
    a.excluded_vips.push(VipConfig {
        no_track: true,
        ..VipConfig::new(ip4(210))
    });
    let mut r = keepvip_proto::Router::new(cfg(vec![a]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    // the interface's own address, the advert source (the daemon feeds it before start)
    r.handle(
        at(0),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: ip4(11),
            prefix_len: 24,
            added: true,
        },
    );
    r.start(at(0));
    r.handle_timeout(at(V2_MDI_150));
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Master);
    // a no_track address going away changes nothing
    r.handle(
        at(4_000_000),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: ip4(210),
            prefix_len: 32,
            added: false,
        },
    );
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Master);
    r.handle(
        at(4_100_000),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: IpAddr::V4(VIP),
            prefix_len: 32,
            added: false,
        },
    );
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Backup);
    // it takes the VIP back after its Skew_Time (keepalived's
    // set_vrrp_backup), not a whole down interval
    while r.poll_action().is_some() {}
    assert_eq!(
        r.poll_timeout(),
        Some(at(4_100_000 + V2_MDI_150 - 3_000_000))
    );
}

#[test]
fn ipv6_vrrpv3_pair_uses_link_local_and_fails_over() {
    let (mut sim, r1, r2) = pair(v6("VI_6", 61, 150, 0.1), v6("VI_6", 61, 100, 0.1));
    sim.kill(r1, secs(2.05));
    sim.run_until(secs(4.0));
    let srcs: Vec<_> = sim
        .actions(r1, |a| matches!(a, Action::SendAdvert { .. }))
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::SendAdvert { src, .. } => src,
            _ => None,
        })
        .collect();
    check!(sim, srcs.iter().all(|s| *s == ll6(11)));
    let last = *sim.adverts_sent(r1, 61, Some(150)).last().unwrap();
    let t = sim.entered(r2, "VI_6", State::Master, secs(2.0)).unwrap();
    check!(sim, t.as_micros() - last.as_micros() == 360_937);
    check!(sim, sim.vips(r2).len() == 2);
}

#[test]
fn three_nodes_kubeadm_style() {
    let mk = |p| {
        let mut c = v2("VI_API", 51, p);
        c.advert_interval = Duration::from_secs(2);
        c.trackers.push(script("check_apiserver", -2));
        c
    };
    let (mut sim, n) = lan(
        3,
        LinkParams::default(),
        vec![cfg(vec![mk(101)]), cfg(vec![mk(100)]), cfg(vec![mk(100)])],
    );
    for i in &n {
        sim.start(*i, Duration::ZERO);
    }
    sim.run_until(secs(10.0));
    check!(sim, sim.masters("VI_API") == vec![n[0]]);
    let (k, s) = down("check_apiserver");
    sim.tracker(n[0], k, s, secs(11.0));
    sim.run_until(secs(30.0));
    // 101 - 2 = 99 < 100: one of the two 100s takes over; equal priorities
    // then keep whoever got there first
    let m = sim.masters("VI_API");
    check!(sim, m.len() == 1 && m[0] != n[0]);
}

#[test]
fn duplicated_and_delayed_packets_do_not_confuse_the_election() {
    let link = LinkParams {
        delay: Duration::from_millis(2),
        jitter: Duration::from_millis(3),
        loss: 0.0,
        duplicate: 1.0,
    };
    let (mut sim, n) = lan(
        9,
        link,
        vec![
            cfg(vec![v2("VI_1", 51, 150)]),
            cfg(vec![v2("VI_1", 51, 100)]),
        ],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    sim.run_until(secs(30.0));
    check!(sim, sim.masters("VI_1") == vec![n[0]]);
    check!(
        sim,
        sim.transitions("VI_1")
            .iter()
            .filter(|(_, _, _, to)| *to == State::Master)
            .count()
            == 1
    );
}

#[test]
fn partition_heal_gives_one_master_within_one_interval() {
    let (mut sim, r1, r2) = pair(v3("VI_1", 51, 150, 0.1), v3("VI_1", 51, 100, 0.1));
    sim.partition(r1, 0, secs(2.0), secs(5.0));
    sim.run_until(secs(4.9));
    check!(sim, sim.masters("VI_1").len() == 2);
    sim.run_until(secs(5.1));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let t = sim.entered(r2, "VI_1", State::Backup, secs(5.0)).unwrap();
    check!(sim, t.as_micros() <= 5_100_000);
}

#[test]
fn notify_backup_at_init_and_every_state_with_effective_priority() {
    let mut a = v2("VI_1", 51, 150);
    a.trackers.push(script("chk", -60));
    let (mut sim, r1, _r2) = pair(a, v2("VI_1", 51, 100));
    let (k, s) = down("chk");
    sim.tracker(r1, k, s, secs(5.0));
    sim.run_until(secs(12.0));
    let n: Vec<_> = sim
        .actions(r1, |a| matches!(a, Action::Notify { .. }))
        .into_iter()
        .map(|(_, a)| match a {
            Action::Notify {
                state, priority, ..
            } => (state, priority),
            _ => unreachable!(),
        })
        .collect();
    check!(
        sim,
        n == vec![
            (NotifyState::Backup, 150),
            (NotifyState::Master, 150),
            (NotifyState::Backup, 90)
        ],
        "{n:?}"
    );
}

/// Found by the property test: a priority change after a priority-0
/// advert moves the takeover to that advert + the new Skew_Time.
#[test]
fn priority_change_after_priority_0_uses_the_new_skew() {
    let mut a = v2("VI_1", 51, 85);
    a.trackers.push(script("chk", -20));
    let (mut sim, r1, r2) = pair(a, v2("VI_1", 51, 251));
    sim.stop(r2, secs(6.0));
    let (k, s) = down("chk");
    sim.tracker(r1, k, s, secs(6.2));
    sim.run_until(secs(8.0));
    // priority 65: skew = 191/256 s
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, secs(6.0))
            == Some(at(6_000_000 + 191 * 1_000_000 / 256))
    );
}

// ---- vrrp_startup_delay (keepalived 2.2.x) ----

/// Both nodes started at 0 with a 5 s start-up delay.
fn delayed_pair(
    a: keepvip_proto::InstanceConfig,
    b: keepvip_proto::InstanceConfig,
) -> (keepvip_proto::sim::Sim, usize, usize) {
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a]), cfg(vec![b])]);
    sim.start_delayed(n[0], Duration::ZERO, secs(5.0));
    sim.start_delayed(n[1], Duration::ZERO, secs(5.0));
    (sim, n[0], n[1])
}

#[test]
fn startup_delay_holds_backups_until_it_ends_plus_mdi() {
    let (mut sim, r1, r2) = delayed_pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.run_until(secs(20.0));
    // both enter BACKUP (init) at once, with their notifies, as keepalived
    let tr = sim.transitions("VI_1");
    check!(sim, tr[0] == (at(0), r1, State::Init, State::Backup));
    check!(sim, tr[1] == (at(0), r2, State::Init, State::Backup));
    // nobody advertises during the delay; the winner's wait starts at 5 s
    let first = sim.adverts_sent(r1, 51, None)[0];
    check!(sim, first == at(5_000_000 + V2_MDI_150));
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, Duration::ZERO) == Some(first)
    );
    check!(sim, sim.adverts_sent(r2, 51, None).is_empty());
    check!(sim, sim.state(r2, "VI_1") == State::Backup);
}

#[test]
fn startup_delay_is_over_once_it_has_passed() {
    let (mut sim, r1, r2) = delayed_pair(v2("VI_1", 51, 150), v2("VI_1", 51, 100));
    sim.kill(r1, secs(15.5));
    sim.run_until(secs(30.0));
    let last = *sim.adverts_sent(r1, 51, Some(150)).last().unwrap();
    // the backup's timer counts from the last advert again, not from the delay
    check!(
        sim,
        sim.entered(r2, "VI_1", State::Master, secs(10.0))
            == Some(at(last.as_micros() + V2_MDI_100))
    );
}

#[test]
fn startup_delay_holds_the_address_owner_silently() {
    let (mut sim, r1, r2) = delayed_pair(v2("VI_1", 51, 255), v2("VI_1", 51, 100));
    sim.run_until(secs(10.0));
    check!(
        sim,
        sim.entered(r1, "VI_1", State::Master, Duration::ZERO) == Some(at(5_000_000))
    );
    check!(sim, sim.adverts_sent(r1, 51, None)[0] == at(5_000_000));
    // no BACKUP notify for the owner; its wait ends as any BACKUP's, with
    // "Receive advertisement timeout" (keepalived 2.2.7 -D, measured)
    let backup = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Notify {
                state: NotifyState::Backup,
                ..
            }
        )
    });
    check!(sim, backup.is_empty());
    let timeouts = sim.actions(r1, |a| {
        matches!(a, Action::Log(LogEvent::ReceiveTimeout { .. }))
    });
    check!(
        sim,
        timeouts.iter().map(|(t, _)| *t).collect::<Vec<_>>() == vec![at(5_000_000)]
    );
    check!(sim, sim.state(r2, "VI_1") == State::Backup);
    check!(sim, sim.adverts_sent(r2, 51, None).is_empty());
}

// ---- no address to send adverts from ----

#[test]
fn an_interface_without_an_address_means_fault_until_one_appears() {
    let mut r = keepvip_proto::Router::new(cfg(vec![v2("VI_1", 51, 100)]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    let addr = |added| keepvip_proto::Input::Address {
        iface: eth0,
        addr: ip4(11),
        prefix_len: 24,
        added,
    };
    r.start(at(0));
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Fault);
    assert!(
        acts.contains(&Action::Log(LogEvent::FaultDueTo {
            instance: "VI_1".into(),
            cause: keepvip_proto::FaultCause::NoAddress(keepvip_proto::Family::V4),
        })),
        "{acts:?}"
    );
    assert!(!acts.iter().any(|a| matches!(a, Action::SendAdvert { .. })));
    // a VIP is not an address to send from
    r.handle(
        at(1_000),
        keepvip_proto::Input::Address {
            iface: eth0,
            addr: IpAddr::V4(VIP),
            prefix_len: 32,
            added: true,
        },
    );
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Fault);
    // the address arrives: BACKUP, then MASTER after the down timer
    r.handle(at(2_000), addr(true));
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Backup);
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    // keepalived's detail line, before the instance's
    assert_eq!(
        acts.first(),
        Some(&Action::Log(LogEvent::AddressAssigned {
            iface: "eth0".into(),
            addr: ip4(11),
        })),
        "{acts:?}"
    );
    r.handle_timeout(at(2_000 + V2_MDI_100));
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Master);
    while r.poll_action().is_some() {}
    // and goes away: FAULT again
    r.handle(at(5_000_000), addr(false));
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Fault);
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    assert_eq!(
        acts.first(),
        Some(&Action::Log(LogEvent::AddressDeassigned {
            iface: "eth0".into(),
            addr: ip4(11),
        })),
        "{acts:?}"
    );
}

/// The source of every advert an action list sends.
fn advert_sources(acts: &[Action]) -> Vec<Option<IpAddr>> {
    acts.iter()
        .filter_map(|a| match a {
            Action::SendAdvert { src, .. } => Some(*src),
            _ => None,
        })
        .collect()
}

#[test]
fn adverts_leave_from_the_first_address_that_is_no_vip() {
    let mut r = keepvip_proto::Router::new(cfg(vec![v2("VI_1", 51, 100)]), at(0));
    let eth0 = r.iface_id("eth0").unwrap();
    let addr = |a: IpAddr, added| keepvip_proto::Input::Address {
        iface: eth0,
        addr: a,
        prefix_len: 24,
        added,
    };
    // a VIP left behind by kill -9 is listed before the interface's own
    r.handle(at(0), addr(IpAddr::V4(VIP), true));
    r.handle(at(0), addr(ip4(11), true));
    r.handle(at(0), addr(ip4(12), true));
    r.start(at(0));
    r.handle_timeout(at(V2_MDI_100));
    assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Master);
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    assert_eq!(advert_sources(&acts), vec![Some(ip4(11))]);
    // the first address goes: the next advert is from the second
    r.handle(at(V2_MDI_100 + 1), addr(ip4(11), false));
    while r.poll_action().is_some() {}
    r.handle_timeout(at(V2_MDI_100 + 1_000_000));
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    assert_eq!(advert_sources(&acts), vec![Some(ip4(12))]);
    // and comes back after it: the second stays the source
    r.handle(at(V2_MDI_100 + 1_500_000), addr(ip4(11), true));
    r.handle_timeout(at(V2_MDI_100 + 2_000_000));
    let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
    assert_eq!(advert_sources(&acts), vec![Some(ip4(12))]);
}

fn rule(pref: u32) -> RuleConfig {
    let mut r = RuleConfig::new(keepvip_proto::Family::V4);
    r.src = Some(IpAddr::V4(VIP));
    r.src_len = 32;
    r.priority = pref;
    r.table = Some(100);
    r
}

/// The rules an action list adds (true) or removes (false), by priority.
fn rule_prefs(actions: &[(keepvip_proto::Instant, Action)]) -> Vec<(bool, Vec<u32>)> {
    actions
        .iter()
        .filter_map(|(_, a)| match a {
            Action::AddRules { rules, .. } => {
                Some((true, rules.iter().map(|r| r.priority).collect()))
            }
            Action::RemoveRules { rules, .. } => {
                Some((false, rules.iter().map(|r| r.priority).collect()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn virtual_rules_follow_the_master_state_and_reload_applies_their_diff() {
    let mut a = v2("VI_1", 51, 150);
    a.rules = vec![rule(50)];
    let mut b = v2("VI_1", 51, 100);
    b.rules = vec![rule(50)];
    let (mut sim, r1, r2) = pair(a, b);
    sim.run_until(secs(5.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    let is_rule = |a: &Action| matches!(a, Action::AddRules { .. } | Action::RemoveRules { .. });
    // leftovers removed at start on both, added only by the master
    check!(
        sim,
        rule_prefs(&sim.actions(r1, is_rule)) == vec![(false, vec![50]), (true, vec![50])]
    );
    check!(
        sim,
        rule_prefs(&sim.actions(r2, is_rule)) == vec![(false, vec![50])]
    );
    // reload: 50 stays, 60 is new
    let mut new = v2("VI_1", 51, 150);
    new.rules = vec![rule(50), rule(60)];
    sim.reload(r1, cfg(vec![new]), secs(6.0));
    sim.run_until(secs(7.0));
    let after: Vec<_> = sim
        .actions(r1, is_rule)
        .into_iter()
        .filter(|(t, _)| *t >= at(6_000_000))
        .collect();
    check!(sim, rule_prefs(&after) == vec![(true, vec![60])]);
    // the master stops: both rules go, and the backup adds its own
    sim.stop(r1, secs(8.0));
    sim.run_until(secs(12.0));
    let after: Vec<_> = sim
        .actions(r1, is_rule)
        .into_iter()
        .filter(|(t, _)| *t >= at(8_000_000))
        .collect();
    check!(sim, rule_prefs(&after) == vec![(false, vec![50, 60])]);
    check!(sim, sim.masters("VI_1") == vec![r2]);
    check!(
        sim,
        rule_prefs(&sim.actions(r2, is_rule)).last() == Some(&(true, vec![50]))
    );
}

/// keepalived's order (measured, 2.2.7 -D): a new MASTER sets addresses,
/// routes, then rules, each with its line; leaving removes rules, routes,
/// then addresses; a reload that takes a MASTER's VIP away logs `(VI_1) ip
/// address 192.0.2.201/24 dev eth0, no longer exist`, then sets everything
/// again. Until 2026-12-08 keepvip had no route and rule lines, no
/// `no longer exist` line, and removed the addresses before the routes.
#[test]
fn addresses_routes_and_rules_go_in_and_out_in_keepalived_s_order() {
    let mut a = v2("VI_1", 51, 150);
    a.vips.push(VipConfig::new(ip4(201)));
    a.routes = vec![RouteConfig {
        dst: "198.51.100.0".parse().unwrap(),
        dst_len: 24,
        gateway: Some("192.0.2.254".parse().unwrap()),
        dev: Some("eth0".into()),
        src: None,
        metric: None,
        table: None,
        scope: None,
        route_type: None,
        no_track: false,
        add_mode: Default::default(),
    }];
    a.rules = vec![rule(50)];
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![a.clone()])]);
    sim.start(n[0], Duration::ZERO);
    let mut fewer = a.clone();
    fewer.vips.truncate(1);
    sim.reload(n[0], cfg(vec![fewer]), secs(6.0));
    sim.stop(n[0], secs(8.0));
    sim.run_until(secs(9.0));
    let steps = |from: f64, until: f64| -> Vec<String> {
        sim.actions(n[0], |a| {
            matches!(
                a,
                Action::Log(
                    LogEvent::SettingVips { .. }
                        | LogEvent::RemovingVips { .. }
                        | LogEvent::VirtualRoutes { .. }
                        | LogEvent::VirtualRules { .. }
                        | LogEvent::VipGone { .. }
                ) | Action::AddVips { .. }
                    | Action::RemoveVips { .. }
                    | Action::AddRoutes { .. }
                    | Action::RemoveRoutes { .. }
                    | Action::AddRules { .. }
                    | Action::RemoveRules { .. }
            )
        })
        .into_iter()
        .filter(|(t, _)| *t >= at((from * 1e6) as u64) && *t < at((until * 1e6) as u64))
        .map(|(_, a)| match a {
            Action::Log(LogEvent::VipGone {
                addr,
                prefix_len,
                dev,
                ..
            }) => {
                format!("gone {addr}/{prefix_len} {dev}")
            }
            Action::Log(LogEvent::VirtualRoutes { set, .. }) => format!("log routes {set}"),
            Action::Log(LogEvent::VirtualRules { set, .. }) => format!("log rules {set}"),
            Action::Log(LogEvent::SettingVips { .. }) => "log setting VIPs".into(),
            Action::Log(LogEvent::RemovingVips { .. }) => "log removing VIPs".into(),
            other => format!("{other:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_string(),
        })
        .collect()
    };
    let start = [
        "log rules false",
        "RemoveRules",
        "log routes false",
        "RemoveRoutes",
        "log removing VIPs",
        "RemoveVips",
    ];
    check!(sim, steps(0.0, 1.0) == start);
    let master = [
        "log setting VIPs",
        "AddVips",
        "log routes true",
        "AddRoutes",
        "log rules true",
        "AddRules",
    ];
    check!(sim, steps(1.0, 5.0) == master);
    let reload = [
        "gone 192.0.2.201/32 eth0",
        "log setting VIPs",
        "log routes true",
        "log rules true",
        "RemoveVips",
    ];
    check!(sim, steps(6.0, 7.0) == reload);
    check!(sim, steps(8.0, 9.0) == start);
}

#[test]
fn track_src_ip_means_fault_while_the_configured_source_is_missing() {
    for track in [true, false] {
        let mut c = v2("VI_1", 51, 100);
        c.src_ip = Some(ip4(11));
        c.track_src_ip = track;
        let mut r = keepvip_proto::Router::new(cfg(vec![c]), at(0));
        let eth0 = r.iface_id("eth0").unwrap();
        let addr = |a, added| keepvip_proto::Input::Address {
            iface: eth0,
            addr: a,
            prefix_len: 24,
            added,
        };
        // the interface has an address, but not the configured one
        r.handle(at(0), addr(ip4(12), true));
        r.start(at(0));
        let acts: Vec<Action> = std::iter::from_fn(|| r.poll_action()).collect();
        let want = if track { State::Fault } else { State::Backup };
        assert_eq!(
            r.instance_by_name("VI_1").unwrap().state,
            want,
            "track {track}"
        );
        assert_eq!(
            acts.contains(&Action::Log(LogEvent::FaultDueTo {
                instance: "VI_1".into(),
                cause: keepvip_proto::FaultCause::SourceMissing(ip4(11)),
            })),
            track
        );
        // it is added: out of FAULT
        r.handle(at(1_000), addr(ip4(11), true));
        assert_eq!(r.instance_by_name("VI_1").unwrap().state, State::Backup);
        // and removed again: FAULT only when tracked
        r.handle(at(2_000), addr(ip4(11), false));
        assert_eq!(
            r.instance_by_name("VI_1").unwrap().state,
            want,
            "track {track}"
        );
    }
}

#[test]
fn unicast_without_peers_stays_in_fault() {
    let mut c = v2("VI_1", 51, 150);
    c.unicast_without_peers = true;
    let (mut sim, r1, _r2) = pair(c, v2("VI_1", 51, 100));
    sim.run_until(secs(10.0));
    check!(sim, sim.state(r1, "VI_1") == State::Fault);
    check!(sim, sim.adverts_sent(r1, 51, None).is_empty());
    let logs = sim.actions(r1, |a| {
        matches!(
            a,
            Action::Log(LogEvent::FaultDueTo {
                cause: keepvip_proto::FaultCause::NoUnicastPeers,
                ..
            })
        )
    });
    check!(sim, logs.len() == 1);
}

#[test]
fn a_lower_priority_advert_gets_a_garp_burst_now_and_another_after_the_delay() {
    let mut a = v2("VI_1", 51, 200);
    a.garp.lower_prio_delay = secs(5.0);
    let (mut sim, n) = lan(
        1,
        LinkParams::default(),
        vec![cfg(vec![a]), cfg(vec![v2("VI_1", 51, 100)])],
    );
    sim.start(n[0], Duration::ZERO);
    sim.start(n[1], Duration::ZERO);
    // r2 cannot hear r1 until 8.5 s, so it is MASTER too and advertises
    sim.partition(n[1], 0, Duration::ZERO, secs(8.5));
    sim.run_until(secs(20.0));
    let lower_at = sim
        .adverts_sent(n[1], 51, Some(100))
        .into_iter()
        .find(|t| t.as_micros() >= 8_500_000)
        .unwrap();
    let garps: Vec<keepvip_proto::Instant> = sim
        .actions(n[0], |a| matches!(a, Action::Garp { .. }))
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t >= lower_at)
        .collect();
    check!(sim, garps.first() == Some(&lower_at));
    check!(sim, garps.contains(&at(lower_at.as_micros() + 5_000_000)));
}

#[test]
fn garp_extra_if_refreshes_one_vip_per_extra_interface_while_master() {
    let with_extra = |prio| {
        let mut c = v2("VI_1", 51, prio);
        let mut on_eth1 = VipConfig::new(ip4(201));
        on_eth1.dev = Some("eth1".into());
        let mut also_eth1 = VipConfig::new(ip4(202));
        also_eth1.dev = Some("eth1".into());
        c.vips.push(on_eth1);
        c.vips.push(also_eth1);
        c.garp.master_delay = Duration::ZERO;
        c.garp.extra_if = Duration::from_secs(3);
        c.garp.extra_if_targets = vec![("eth1".into(), ip4(201))];
        c
    };
    let (mut sim, r1, r2) = pair(with_extra(150), with_extra(100));
    sim.run_until(secs(12.0));
    let became = sim
        .actions(r1, |a| matches!(a, Action::Garp { repeat: 5, .. }))
        .first()
        .map(|(t, _)| *t)
        .expect("r1 became master");
    let router = sim.router(r1).unwrap();
    let extra: Vec<(u128, String, Vec<IpAddr>)> = sim
        .actions(r1, |a| matches!(a, Action::Garp { repeat: 1, .. }))
        .into_iter()
        .filter_map(|(t, a)| match a {
            Action::Garp { iface, addrs, .. } => Some((
                (t - became).as_micros(),
                router.iface_name(iface).unwrap_or("?").to_string(),
                addrs,
            )),
            _ => None,
        })
        .collect();
    // one GARP for the first VIP on eth1, every 3 s after becoming MASTER
    check!(
        sim,
        extra
            == vec![
                (3_000_000, "eth1".to_string(), vec![ip4(201)]),
                (6_000_000, "eth1".to_string(), vec![ip4(201)]),
            ],
        "{extra:?}"
    );
    // a BACKUP sends none
    check!(
        sim,
        sim.actions(r2, |a| matches!(a, Action::Garp { .. }))
            .is_empty()
    );
}

#[test]
fn a_reload_that_adds_or_drops_the_periodic_garps_of_a_master() {
    let refresh = |every: u64, extra: u64| {
        let mut c = v2("VI_1", 51, 150);
        let mut on_eth1 = VipConfig::new(ip4(201));
        on_eth1.dev = Some("eth1".into());
        c.vips.push(on_eth1);
        c.garp.master_delay = Duration::ZERO;
        c.garp.master_refresh = Duration::from_secs(every);
        c.garp.extra_if = Duration::from_secs(extra);
        if extra > 0 {
            c.garp.extra_if_targets = vec![("eth1".into(), ip4(201))];
        }
        c
    };
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![refresh(2, 2)])]);
    sim.start(n[0], Duration::ZERO);
    sim.run_until(secs(10.0));
    let garps = |sim: &keepvip_proto::sim::Sim, from: f64, to: f64| {
        sim.actions(n[0], |a| matches!(a, Action::Garp { .. }))
            .into_iter()
            .filter(|(t, _)| {
                t.as_micros() >= (from * 1e6) as u64 && t.as_micros() < (to * 1e6) as u64
            })
            .count()
    };
    let before = garps(&sim, 4.0, 10.0);
    check!(
        sim,
        before >= 4,
        "{before} periodic GARPs before the reload"
    );
    // dropped: no more periodic GARPs (and no timer left spinning)
    sim.reload(n[0], cfg(vec![refresh(0, 0)]), secs(10.0));
    sim.run_until(secs(20.0));
    check!(sim, garps(&sim, 10.5, 20.0) == 0);
    // added back while MASTER: they start again from the reload
    sim.reload(n[0], cfg(vec![refresh(3, 3)]), secs(20.0));
    sim.run_until(secs(30.0));
    let after = garps(&sim, 20.5, 30.0);
    // 3 s apart, from 20 s: at 23, 26 and 29 s the refresh (one action for
    // each of eth0 and eth1) and garp_extra_if's one on eth1
    let when: Vec<(u64, u32, usize)> = sim
        .actions(n[0], |a| matches!(a, Action::Garp { .. }))
        .into_iter()
        .filter_map(|(t, a)| match a {
            Action::Garp { repeat, addrs, .. } => Some((t.as_micros() / 1000, repeat, addrs.len())),
            _ => None,
        })
        .collect();
    check!(sim, after == 9, "{after}: {when:?}");
}

#[test]
fn a_deleted_virtual_route_sends_its_master_to_backup_until_it_takes_over_again() {
    let route = |no_track| RouteConfig {
        dst: "198.51.100.0".parse().unwrap(),
        dst_len: 24,
        gateway: Some("192.0.2.1".parse().unwrap()),
        dev: None,
        src: None,
        metric: None,
        table: None,
        scope: None,
        route_type: None,
        no_track,
        add_mode: Default::default(),
    };
    let with = |prio, no_track| {
        let mut c = v2("VI_1", 51, prio);
        c.routes = vec![route(no_track)];
        c
    };
    // alone: BACKUP at once, MASTER again after the down timer, with the
    // route put back
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![with(100, false)])]);
    sim.start(n[0], Duration::ZERO);
    sim.route_deleted(n[0], route(false), secs(6.0));
    sim.run_until(secs(12.0));
    let t = sim.transitions("VI_1");
    let after: Vec<(State, State)> = t
        .iter()
        .filter(|(when, ..)| *when >= at(6_000_000))
        .map(|(_, _, from, to)| (*from, *to))
        .collect();
    check!(
        sim,
        after
            == vec![
                (State::Master, State::Backup),
                (State::Backup, State::Master)
            ],
        "{after:?}"
    );
    let adds = sim
        .actions(n[0], |a| matches!(a, Action::AddRoutes { .. }))
        .len();
    check!(sim, adds == 2, "{adds}");
    // back after Skew_Time, as keepalived: (256 - 100) / 256 s
    let back = t
        .iter()
        .filter(|(when, ..)| *when >= at(6_000_000))
        .map(|(when, ..)| when.as_micros())
        .collect::<Vec<_>>();
    check!(sim, back == vec![6_000_000, 6_609_375], "{back:?}");
    // a pair: the backup never sees a gap in the adverts, so the MASTER
    // only bounces
    let (mut sim, r1, r2) = pair(with(150, false), with(100, false));
    sim.route_deleted(r1, route(false), secs(6.0));
    sim.run_until(secs(14.0));
    check!(sim, sim.masters("VI_1") == vec![r1]);
    check!(
        sim,
        sim.transitions("VI_1")
            .iter()
            .all(|(_, n, _, to)| *n != r2 || *to != State::Master)
    );
    // no_track: nothing happens; nor for a route the instance does not have
    let (mut sim, n) = lan(1, LinkParams::default(), vec![cfg(vec![with(100, true)])]);
    sim.start(n[0], Duration::ZERO);
    sim.route_deleted(n[0], route(true), secs(6.0));
    let mut other = route(false);
    other.dst_len = 25;
    sim.route_deleted(n[0], other, secs(7.0));
    sim.run_until(secs(10.0));
    check!(
        sim,
        sim.transitions("VI_1").len() == 2,
        "{:?}",
        sim.transitions("VI_1")
    );
}

#[test]
fn a_deleted_route_of_a_sync_group_member_bounces_the_whole_group() {
    let (mut sim, n) = group_pair();
    sim.run_until(secs(5.0));
    let route = sim.router(n[0]).unwrap();
    let id = route
        .instance_ids()
        .into_iter()
        .find(|i| route.instance(*i).is_some_and(|v| v.config.name == "VI_IN"))
        .unwrap();
    let gone = route.instance(id).unwrap().config.routes[0].clone();
    sim.route_deleted(n[0], gone, secs(6.0));
    sim.run_until(secs(12.0));
    for name in ["VI_OUT", "VI_IN"] {
        let moves: Vec<(State, State)> = sim
            .transitions(name)
            .into_iter()
            .filter(|(when, node, ..)| *when >= at(6_000_000) && *node == n[0])
            .map(|(_, _, from, to)| (from, to))
            .collect();
        check!(
            sim,
            moves
                == vec![
                    (State::Master, State::Backup),
                    (State::Backup, State::Master)
                ],
            "{name}: {moves:?}"
        );
        check!(sim, sim.masters(name) == vec![n[0]], "{name}");
    }
}

/// r1 cut from one of the group's two segments: r2's member there times
/// out, but its other member still hears r1, so r2's group stays BACKUP
/// (keepalived's vrrp_sync_can_goto_master: "prefer backup state to avoid
/// thrashing"). Until 2026-12-02 r2's group went MASTER and straight back
/// every down interval, adding its VIPs and sending GARPs each time.
#[test]
fn a_group_member_cut_off_alone_does_not_make_the_group_thrash() {
    let (mut sim, n) = group_pair();
    sim.partition(n[0], 0, secs(10.0), secs(30.0));
    // during the partition `keepvip status` says what VI_OUT waits for
    sim.run_until(secs(20.0));
    let r2 = sim.router(n[1]).unwrap();
    let waits = |name: &str| {
        let id = r2
            .instance_ids()
            .into_iter()
            .find(|&id| r2.instance(id).is_some_and(|v| v.config.name == name))
            .unwrap();
        r2.awaited_members(id)
    };
    check!(
        sim,
        waits("VI_OUT") == ["VI_IN"] && waits("VI_IN").is_empty()
    );
    sim.run_until(secs(40.0));
    check!(
        sim,
        sim.entered(n[1], "VI_OUT", State::Master, secs(0.0))
            .is_none()
            && sim
                .entered(n[1], "VI_IN", State::Master, secs(0.0))
                .is_none()
    );
    let r2_changes = sim.actions(n[1], |a| {
        matches!(a, Action::AddVips { .. } | Action::Garp { .. })
    });
    check!(sim, r2_changes.is_empty());
    // r2's VI_OUT kept timing out meanwhile, one down interval at a time
    let timeouts = sim.actions(
        n[1],
        |a| matches!(a, Action::Log(LogEvent::ReceiveTimeout { instance }) if instance == "VI_OUT"),
    );
    check!(sim, timeouts.len() >= 5);
    check!(
        sim,
        sim.masters("VI_OUT") == vec![n[0]] && sim.masters("VI_IN") == vec![n[0]]
    );
}
