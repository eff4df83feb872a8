//! Advert parse + validate + checksum throughput.
//! Run: cargo bench -p keepvip-wire --bench parse

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use keepvip_wire::{AddrList, Auth, ChecksumMode, Family, Version, VrrpRepr};

fn packet(repr: &VrrpRepr<'_>, src: IpAddr, dst: IpAddr, mode: ChecksumMode) -> Vec<u8> {
    let mut b = vec![0u8; repr.buffer_len()];
    repr.emit(&mut b, src, dst, mode);
    b
}

fn bench(c: &mut Criterion) {
    let v4 = [Ipv4Addr::new(192, 0, 2, 200)];
    let v6 = [Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x200)];
    let (s4, d4): (IpAddr, IpAddr) = (
        Ipv4Addr::new(192, 0, 2, 11).into(),
        Ipv4Addr::new(224, 0, 0, 18).into(),
    );
    let (s6, d6): (IpAddr, IpAddr) = (
        "fe80::6b:6cff:fe00:1".parse().unwrap(),
        "ff02::12".parse().unwrap(),
    );
    let base = VrrpRepr {
        version: Version::V2,
        vrid: 51,
        priority: 100,
        max_adver_int: 1,
        family: Family::V4,
        addrs: AddrList::V4(&v4),
        auth: Auth::Pass(*b"kl-pass1"),
    };
    let v2 = packet(&base, s4, d4, ChecksumMode::V2);
    let v3 = packet(
        &VrrpRepr {
            version: Version::V3,
            max_adver_int: 100,
            auth: Auth::None,
            ..base
        },
        s4,
        d4,
        ChecksumMode::V3PseudoHeader,
    );
    let v3_6 = packet(
        &VrrpRepr {
            version: Version::V3,
            max_adver_int: 100,
            auth: Auth::None,
            family: Family::V6,
            addrs: AddrList::V6(&v6),
            ..base
        },
        s6,
        d6,
        ChecksumMode::V3PseudoHeader,
    );
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(1));
    g.bench_function("v2_ipv4_pass", |b| {
        b.iter(|| {
            VrrpRepr::parse(black_box(&v2), black_box(s4), black_box(d4)).map(|(r, _)| r.priority)
        })
    });
    g.bench_function("v3_ipv4", |b| {
        b.iter(|| {
            VrrpRepr::parse(black_box(&v3), black_box(s4), black_box(d4)).map(|(r, _)| r.priority)
        })
    });
    g.bench_function("v3_ipv6", |b| {
        b.iter(|| {
            VrrpRepr::parse(black_box(&v3_6), black_box(s6), black_box(d6)).map(|(r, _)| r.priority)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
