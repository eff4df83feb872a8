//! Events per second through `Router::handle`: adverts from the master
//! arriving at BACKUP instances (the steady state of every backup), for 1
//! and for 1,000 instances on one interface, with the actions drained.
//!
//! cargo bench -p keepvip-proto --bench router

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use keepvip_proto::wire::{AddrList, Auth, ChecksumMode, VrrpRepr};
use keepvip_proto::{
    Family, Input, InstanceConfig, Instant, Router, RouterConfig, Version, VipConfig,
};

fn router(n: usize) -> Router {
    let instances = (0..n)
        .map(|i| {
            // 1,000 instances need more VRIDs than one (iface, family) has:
            // spread them over v2 and v3 and four interfaces
            let mut c = InstanceConfig::new(
                format!("VI_{i}"),
                format!("eth{}", i / 250),
                (i % 250 + 1) as u8,
            );
            c.vips.push(VipConfig::new(IpAddr::V4(Ipv4Addr::new(
                198,
                51,
                100,
                (i % 250) as u8,
            ))));
            c
        })
        .collect();
    let mut r = Router::new(
        RouterConfig {
            instances,
            sync_groups: vec![],
        },
        Instant::ZERO,
    );
    // each interface's own address, as the daemon feeds them before start
    // (without one an instance has no advert source and stays in FAULT)
    for i in 0..4u8 {
        if let Some(iface) = r.iface_id(&format!("eth{i}")) {
            r.handle(
                Instant::ZERO,
                Input::Address {
                    iface,
                    addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 11 + i)),
                    prefix_len: 24,
                    added: true,
                },
            );
        }
    }
    r.start(Instant::ZERO);
    while r.poll_action().is_some() {}
    r
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("router");
    for n in [1usize, 1000] {
        let mut r = router(n);
        let ifaces: Vec<_> = (0..4)
            .filter_map(|i| r.iface_id(&format!("eth{i}")))
            .collect();
        let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 12));
        let dst = IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18));
        let vips: Vec<[u8; 4]> = (0..250u8).map(|i| [198, 51, 100, i]).collect();
        let mut now = Instant::ZERO;
        let mut k = 0usize;
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("advert_to_backup", n), &n, |b, &n| {
            b.iter(|| {
                let i = k % n;
                k += 1;
                now += Duration::from_micros(1);
                let advert = VrrpRepr {
                    version: Version::V2,
                    vrid: (i % 250 + 1) as u8,
                    priority: 150,
                    max_adver_int: 1,
                    family: Family::V4,
                    addrs: AddrList::Raw(Family::V4, &vips[i % 250]),
                    auth: Auth::None,
                };
                r.handle(
                    now,
                    Input::Advert {
                        iface: ifaces[i / 250],
                        src,
                        dst,
                        ttl: 255,
                        advert,
                        checksum: ChecksumMode::V2,
                    },
                );
                while r.poll_action().is_some() {}
                r.poll_timeout()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
