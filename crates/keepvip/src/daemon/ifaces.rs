//! What the daemon knows about the host's interfaces: index, MAC, link
//! state and addresses, kept current from netlink. The protocol core only
//! sees interned `IfaceId`s; this table maps them to kernel indexes.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::net::netlink::{AddrInfo, LinkInfo, NetEvent};

/// One interface.
#[derive(Debug, Clone, Default)]
pub struct Iface {
    /// kernel name
    pub name: String,
    /// kernel index
    pub index: u32,
    /// hardware address
    pub mac: [u8; 6],
    /// up and running (IFF_UP | IFF_RUNNING)
    pub up: bool,
    /// IPv4 addresses in the order the kernel reported them (first = primary)
    pub v4: Vec<(Ipv4Addr, u8)>,
    /// IPv6 addresses
    pub v6: Vec<(Ipv6Addr, u8)>,
}

impl Iface {
    /// The address adverts are sent from: the first IPv4 address that is not
    /// one of our own VIPs (keepalived uses the interface's primary address).
    pub fn primary_v4(&self, vips: &dyn Fn(IpAddr) -> bool) -> Option<Ipv4Addr> {
        self.v4
            .iter()
            .map(|(a, _)| *a)
            .find(|a| !vips(IpAddr::V4(*a)))
    }

    /// Every address with its prefix length, IPv4 first.
    pub fn addrs(&self) -> Vec<(IpAddr, u8)> {
        self.v4
            .iter()
            .map(|(a, p)| (IpAddr::V4(*a), *p))
            .chain(self.v6.iter().map(|(a, p)| (IpAddr::V6(*a), *p)))
            .collect()
    }

    /// The link-local IPv6 address (the IPv6 advert source).
    pub fn link_local_v6(&self) -> Option<Ipv6Addr> {
        self.v6
            .iter()
            .map(|(a, _)| *a)
            .find(|a| (a.segments()[0] & 0xffc0) == 0xfe80)
    }
}

/// All interfaces, by index and by name.
#[derive(Debug, Default)]
pub struct IfaceTable {
    by_index: HashMap<u32, Iface>,
    by_name: HashMap<String, u32>,
    /// links whose state was read from a dump the event stream has not
    /// caught up with, and the state read: events still in flight describe
    /// older states (a VMAC made a moment ago: down, then up)
    ahead_of_events: HashMap<u32, bool>,
}

impl IfaceTable {
    /// Insert or update a link.
    pub fn upsert_link(&mut self, index: u32, name: &str, mac: Option<[u8; 6]>, up: bool) {
        let entry = self.by_index.entry(index).or_default();
        if entry.name != name {
            self.by_name.remove(&entry.name);
            entry.name = name.to_string();
        }
        entry.index = index;
        if let Some(m) = mac {
            entry.mac = m;
        }
        entry.up = up;
        self.by_name.insert(name.to_string(), index);
    }

    /// Insert or update a link from a dump made while link events are
    /// flowing. When the dump tells something new, the events about this
    /// link that were queued before it are out of date:
    /// [`IfaceTable::is_stale`] sorts them out.
    pub fn upsert_listed_link(&mut self, l: &LinkInfo) {
        if self.by_index.get(&l.index).is_none_or(|i| i.up != l.up) {
            self.ahead_of_events.insert(l.index, l.up);
        }
        self.upsert_link(l.index, &l.name, l.mac, l.up);
    }

    /// Whether a link event is older than the dump that last told us this
    /// link's state: it disagrees with the dump and no event has agreed
    /// since. The first event that agrees is the stream catching up.
    pub fn is_stale(&mut self, index: u32, up: bool) -> bool {
        match self.ahead_of_events.get(&index) {
            Some(&listed) if listed != up => true,
            Some(_) => {
                self.ahead_of_events.remove(&index);
                false
            }
            None => false,
        }
    }

    /// Every event from now on is newer than any dump (a fresh dump after
    /// lost events is replayed as events itself).
    pub fn events_caught_up(&mut self) {
        self.ahead_of_events.clear();
    }

    /// Remove a link that disappeared.
    pub fn remove_link(&mut self, index: u32) {
        self.ahead_of_events.remove(&index);
        if let Some(i) = self.by_index.remove(&index) {
            // the name may be another link's by now (one made anew)
            if self.by_name.get(&i.name) == Some(&index) {
                self.by_name.remove(&i.name);
            }
        }
    }

    /// Record an address added on `index`.
    pub fn add_addr(&mut self, index: u32, addr: IpAddr, prefix: u8) {
        let Some(i) = self.by_index.get_mut(&index) else {
            return;
        };
        match addr {
            IpAddr::V4(a) if !i.v4.iter().any(|(x, _)| *x == a) => i.v4.push((a, prefix)),
            IpAddr::V6(a) if !i.v6.iter().any(|(x, _)| *x == a) => i.v6.push((a, prefix)),
            _ => {}
        }
    }

    /// Record an address removed from `index`.
    pub fn remove_addr(&mut self, index: u32, addr: IpAddr) {
        let Some(i) = self.by_index.get_mut(&index) else {
            return;
        };
        match addr {
            IpAddr::V4(a) => i.v4.retain(|(x, _)| *x != a),
            IpAddr::V6(a) => i.v6.retain(|(x, _)| *x != a),
        }
    }

    /// Look up by name.
    pub fn by_name(&self, name: &str) -> Option<&Iface> {
        self.by_name.get(name).and_then(|i| self.by_index.get(i))
    }

    /// Look up by kernel index.
    pub fn by_index(&self, index: u32) -> Option<&Iface> {
        self.by_index.get(&index)
    }
}

impl IfaceTable {
    /// The events that bring this table to what a fresh dump of `links`
    /// and `addrs` shows, after netlink dropped some (its receive buffer
    /// overflowed): every link (handling one that did not change is a
    /// no-op), the links and addresses that went, the addresses that came.
    pub fn resync_events(&self, links: &[LinkInfo], addrs: &[AddrInfo]) -> Vec<NetEvent> {
        let mut out: Vec<NetEvent> = links.iter().cloned().map(NetEvent::Link).collect();
        let mut known: Vec<u32> = self.by_index.keys().copied().collect();
        known.sort_unstable();
        for index in known {
            if !links.iter().any(|l| l.index == index) {
                out.push(NetEvent::LinkRemoved { index });
                continue;
            }
            for (addr, prefix_len) in self.by_index[&index].addrs() {
                if !addrs.iter().any(|a| a.index == index && a.addr == addr) {
                    out.push(NetEvent::AddrRemoved(AddrInfo {
                        index,
                        addr,
                        prefix_len,
                        label: None,
                    }));
                }
            }
        }
        for a in addrs {
            let have = self
                .by_index
                .get(&a.index)
                .is_some_and(|i| i.addrs().iter().any(|(x, _)| *x == a.addr));
            if !have {
                out.push(NetEvent::AddrAdded(a.clone()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, name: &str, up: bool) -> LinkInfo {
        LinkInfo {
            index,
            name: name.into(),
            mac: None,
            up,
        }
    }

    /// A VMAC made during a reload: the dump says up, the events queued
    /// before it say down (made) and up (brought up); only the real change
    /// after them counts.
    #[test]
    fn events_older_than_a_dump_are_stale_until_one_agrees() {
        let mut t = IfaceTable::default();
        t.upsert_listed_link(&link(7, "vrrp.51", true));
        assert!(t.is_stale(7, false), "the creation event");
        assert!(!t.is_stale(7, true), "brought up: the stream caught up");
        assert!(!t.is_stale(7, false), "a real change afterwards");
        // a dump that tells nothing new marks nothing
        t.upsert_link(8, "eth1", None, true);
        t.upsert_listed_link(&link(8, "eth1", true));
        assert!(!t.is_stale(8, false));
        // after lost events every event is new again
        t.upsert_listed_link(&link(9, "vrrp.52", true));
        t.events_caught_up();
        assert!(!t.is_stale(9, false));
    }

    #[test]
    fn primary_skips_vips_and_link_local_found() {
        let mut t = IfaceTable::default();
        t.upsert_link(2, "eth0", Some([2, 0, 0, 0, 0, 1]), true);
        t.add_addr(2, "192.0.2.200".parse().unwrap(), 24);
        t.add_addr(2, "192.0.2.11".parse().unwrap(), 24);
        t.add_addr(2, "2001:db8::11".parse().unwrap(), 64);
        t.add_addr(2, "fe80::1".parse().unwrap(), 64);
        let i = t.by_name("eth0").unwrap();
        let vip: IpAddr = "192.0.2.200".parse().unwrap();
        assert_eq!(
            i.primary_v4(&|a| a == vip),
            Some("192.0.2.11".parse().unwrap())
        );
        assert_eq!(i.link_local_v6(), Some("fe80::1".parse().unwrap()));
        t.remove_addr(2, "192.0.2.11".parse().unwrap());
        assert_eq!(t.by_index(2).unwrap().primary_v4(&|a| a == vip), None);
        t.upsert_link(2, "lan0", None, false);
        assert!(t.by_name("eth0").is_none());
        assert!(!t.by_name("lan0").unwrap().up);
    }

    #[test]
    fn resync_brings_the_table_to_the_dump() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut t = IfaceTable::default();
        t.upsert_link(2, "eth0", Some([2, 0, 0, 0, 0, 1]), true);
        t.upsert_link(3, "eth1", None, true);
        t.add_addr(2, ip("192.0.2.11"), 24);
        t.add_addr(2, ip("192.0.2.200"), 24);
        t.add_addr(3, ip("198.51.100.11"), 24);
        // meanwhile: eth1 went away, the VIP was deleted, an address came,
        // eth0 went down
        let links = [LinkInfo {
            index: 2,
            name: "eth0".into(),
            mac: Some([2, 0, 0, 0, 0, 1]),
            up: false,
        }];
        let addr = |a: &str, p| AddrInfo {
            index: 2,
            addr: ip(a),
            prefix_len: p,
            label: None,
        };
        let addrs = [addr("192.0.2.11", 24), addr("2001:db8::11", 64)];
        let ev = t.resync_events(&links, &addrs);
        assert_eq!(
            ev,
            vec![
                NetEvent::Link(links[0].clone()),
                NetEvent::AddrRemoved(addr("192.0.2.200", 24)),
                NetEvent::LinkRemoved { index: 3 },
                NetEvent::AddrAdded(addr("2001:db8::11", 64)),
            ]
        );
        // nothing lost: only the links, which are no-ops
        let mut same = IfaceTable::default();
        same.upsert_link(2, "eth0", None, false);
        same.add_addr(2, ip("192.0.2.11"), 24);
        same.add_addr(2, ip("2001:db8::11"), 64);
        assert_eq!(
            same.resync_events(&links, &addrs),
            vec![NetEvent::Link(links[0].clone())]
        );
    }

    #[test]
    fn removing_a_link_keeps_its_name_for_the_link_that_has_it_now() {
        let mut t = IfaceTable::default();
        // vrrp.51 deleted as index 7, made anew as 9, 7's removal comes late
        t.upsert_link(7, "vrrp.51", None, true);
        t.upsert_link(9, "vrrp.51", None, true);
        t.remove_link(7);
        assert_eq!(t.by_name("vrrp.51").map(|i| i.index), Some(9));
        t.remove_link(9);
        assert!(t.by_name("vrrp.51").is_none());
    }
}
