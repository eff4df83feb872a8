//! `use_vmac`: one macvlan per instance with the VRRP MAC
//! (00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID), created at start and
//! deleted at stop, as keepalived does. Private mode, so it hears the
//! other router's adverts, which come from the same MAC. The kernel
//! settings keepalived makes (vrrp_if_config.c) are written to /proc/sys.
//! IPv4: on the VMAC arp_ignore 1 (answer ARP only for its own addresses,
//! the VIPs), accept_local 1 and rp_filter 0 (hear adverts while it has no
//! address), IPv6 off (a backup must send nothing from the shared MAC, not
//! even a router solicitation); on the interface under it arp_ignore 1
//! and arp_filter 1 (never answer for a VIP with its own MAC), put back
//! when its last VMAC goes. IPv6: no address generated from the VMAC, the
//! router's own link-local added instead, as the advert source.

use std::collections::{HashMap, HashSet};
use std::io;

use std::net::{IpAddr, Ipv6Addr};

use keepvip_conf::lower::Vmac;
use keepvip_proto::VipConfig;

use crate::net::netlink::Netlink;

/// The VMACs this daemon made, and the settings it changed under them.
#[derive(Debug, Default)]
pub struct Vmacs {
    /// by name
    made: HashMap<String, Made>,
    /// base name → its arp_ignore and arp_filter before the first VMAC
    saved: HashMap<String, (String, String)>,
    /// what the rp_filter change for IPv4 VMACs replaced
    rp_filter: Option<RpFilterSaved>,
    /// links this daemon deleted (a leftover it made anew, a VMAC no
    /// longer wanted) whose deletion event has not come yet: the events
    /// still queued about them are history, and must not be taken for the
    /// VMAC that now has the name
    retired: HashSet<u32>,
}

/// A VMAC this daemon made.
#[derive(Debug)]
struct Made {
    index: u32,
    /// the interface under it
    base: String,
    /// the instance it was made for (keepalived's log lines name it)
    instance: String,
}

/// An IPv4 VMAC needs rp_filter 0 to hear adverts while it has no address,
/// and the kernel uses the higher of an interface's value and
/// all.rp_filter, which RHEL ships as 1 and Ubuntu as 2: with it left
/// there, a BACKUP drops the MASTER's adverts and becomes MASTER too.
/// keepalived's way out (vrrp_if_config.c, clear_rp_filter): raise
/// default.rp_filter and every interface's own value to all.rp_filter, so
/// nothing else filters any less, then set all.rp_filter to 0; put back
/// at the end, each only if still what keepvip set.
#[derive(Debug)]
struct RpFilterSaved {
    /// all.rp_filter before
    all: u32,
    /// default.rp_filter before, if raised
    default: Option<u32>,
    /// interfaces raised, with their values before
    ifaces: Vec<(String, u32)>,
}

fn rp_filter_of(ifname: &str) -> Option<u32> {
    std::fs::read_to_string(conf_path(false, ifname, "rp_filter"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn set_rp_filter(ifname: &str, value: u32) {
    if let Err(e) = write_conf(false, ifname, "rp_filter", &value.to_string()) {
        tracing::warn!("cannot set net.ipv4.conf.{ifname}.rp_filter to {value}: {e}");
    }
}

fn conf_path(v6: bool, ifname: &str, key: &str) -> String {
    let family = if v6 { "ipv6" } else { "ipv4" };
    format!("/proc/sys/net/{family}/conf/{ifname}/{key}")
}

fn write_conf(v6: bool, ifname: &str, key: &str, value: &str) -> io::Result<()> {
    std::fs::write(conf_path(v6, ifname, key), value)
}

fn read_conf(ifname: &str, key: &str) -> String {
    std::fs::read_to_string(conf_path(false, ifname, key))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "0".into())
}

fn mac_text(mac: &[u8; 6]) -> String {
    mac.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Vmacs {
    /// Create every VMAC in `wanted` that is not there yet. A leftover with
    /// the same name and MAC (a daemon killed with -9) is deleted and made
    /// again; an interface of that name with another MAC is not ours and
    /// is left alone (error). Returns whether it made any.
    pub async fn create(&mut self, netlink: &Netlink, wanted: &[&Vmac]) -> bool {
        let before = self.made.len();
        if wanted.iter().all(|v| self.made.contains_key(&v.name)) {
            return false;
        }
        let links = match netlink.links().await {
            Ok(l) => l,
            Err(e) => {
                tracing::error!("VMAC: cannot list interfaces: {e}");
                return false;
            }
        };
        if wanted
            .iter()
            .any(|v| !v.ipv6 && !self.made.contains_key(&v.name))
        {
            self.clear_rp_filter(&links);
        }
        for v in wanted {
            if self.made.contains_key(&v.name) {
                continue;
            }
            let Some(base) = links.iter().find(|l| l.name == v.base) else {
                tracing::error!("VMAC {}: no interface {}", v.name, v.base);
                continue;
            };
            if let Some(old) = links.iter().find(|l| l.name == v.name) {
                if old.mac != Some(v.mac) {
                    tracing::error!(
                        "VMAC {} conflicts with an existing interface (MAC {}): not created",
                        v.name,
                        old.mac.as_ref().map_or_else(|| "none".into(), mac_text)
                    );
                    continue;
                }
                tracing::info!("Removing old VMAC interface {}", v.name);
                if let Err(e) = netlink.delete_link(old.index).await {
                    tracing::error!("VMAC {}: cannot remove the old interface: {e}", v.name);
                    continue;
                }
                self.retired.insert(old.index);
            }
            match self.make(netlink, v, base.index).await {
                Ok(index) => {
                    // keepalived's line, with -D only
                    tracing::debug!(
                        "({}): Success creating VMAC interface {}",
                        v.instance,
                        v.name
                    );
                    self.made.insert(
                        v.name.clone(),
                        Made {
                            index,
                            base: v.base.clone(),
                            instance: v.instance.clone(),
                        },
                    );
                }
                Err(e) => tracing::error!("Unable to create VMAC interface {}: {e}", v.name),
            }
        }
        self.made.len() > before
    }

    async fn make(&mut self, netlink: &Netlink, v: &Vmac, base: u32) -> io::Result<u32> {
        netlink.add_vmac(&v.name, base, v.mac).await?;
        let index = netlink
            .links()
            .await?
            .into_iter()
            .find(|l| l.name == v.name)
            .map(|l| l.index)
            .ok_or_else(|| io::Error::other("created, but not listed"))?;
        // settings before the link comes up. IPv4: IPv6 off (no
        // link-local, MLD or router solicitation from the shared MAC).
        // IPv6: no link-local made from the VMAC (RFC 9568 §7.4: adverts
        // come from the router's own one, added below), and no router
        // solicitations from the shared MAC, which would teach switches
        // the VMAC on a BACKUP's port (keepalived drops them with nftables)
        let settings: &[(bool, &str, &str)] = if v.ipv6 {
            &[
                (true, "addr_gen_mode", "1"),
                (true, "router_solicitations", "0"),
            ]
        } else {
            &[
                (true, "disable_ipv6", "1"),
                (false, "arp_ignore", "1"),
                (false, "accept_local", "1"),
                (false, "rp_filter", "0"),
            ]
        };
        for (v6, key, value) in settings {
            if let Err(e) = write_conf(*v6, &v.name, key, value) {
                tracing::warn!("VMAC {}: cannot set {key} {value}: {e}", v.name);
            }
        }
        if v.ipv6 {
            netlink.link_up(index).await?;
            if !v.xmit_base {
                self.add_link_local(netlink, v, base, index).await;
            }
            return Ok(index);
        }
        if !self.saved.contains_key(&v.base) {
            let before = (
                read_conf(&v.base, "arp_ignore"),
                read_conf(&v.base, "arp_filter"),
            );
            for key in ["arp_ignore", "arp_filter"] {
                if let Err(e) = write_conf(false, &v.base, key, "1") {
                    tracing::warn!("VMAC {}: cannot set {key} 1 on {}: {e}", v.name, v.base);
                }
            }
            self.saved.insert(v.base.clone(), before);
        }
        netlink.link_up(index).await?;
        Ok(index)
    }

    /// An IPv6 VMAC sends its adverts from the link-local address of the
    /// interface under it (keepalived: that one, or one made from the
    /// interface's MAC), so the advert source is the router's own.
    async fn add_link_local(&self, netlink: &Netlink, v: &Vmac, base: u32, index: u32) {
        let own = netlink.addresses().await.ok().and_then(|list| {
            list.into_iter().find_map(|a| match a.addr {
                IpAddr::V6(x) if a.index == base && x.segments()[0] & 0xffc0 == 0xfe80 => Some(x),
                _ => None,
            })
        });
        let ll = match own {
            Some(x) => x,
            None => {
                let links = netlink.links().await.unwrap_or_default();
                let Some(mac) = links.iter().find(|l| l.index == base).and_then(|l| l.mac) else {
                    tracing::warn!(
                        "VMAC {}: {} has no link-local address or MAC",
                        v.name,
                        v.base
                    );
                    return;
                };
                eui64_link_local(mac)
            }
        };
        let addr = VipConfig {
            prefix_len: 64,
            ..VipConfig::new(IpAddr::V6(ll))
        };
        if let Err(e) = netlink.add_address(index, &addr).await {
            tracing::warn!(
                "({}) adding link-local address to {} failed: {e}",
                v.name,
                v.name
            );
        }
    }

    /// all.rp_filter to 0 without any interface filtering less (see
    /// [`RpFilterSaved`]); once, before the first IPv4 VMAC.
    fn clear_rp_filter(&mut self, links: &[crate::net::netlink::LinkInfo]) {
        if self.rp_filter.is_some() {
            return;
        }
        let Some(all) = rp_filter_of("all") else {
            tracing::info!("Unable to read sysctl net.ipv4.conf.all.rp_filter");
            return;
        };
        if all == 0 {
            return;
        }
        let mut saved = RpFilterSaved {
            all,
            default: None,
            ifaces: Vec::new(),
        };
        if let Some(d) = rp_filter_of("default").filter(|d| *d < all) {
            tracing::info!(
                "NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from {d} to {all}"
            );
            set_rp_filter("default", all);
            saved.default = Some(d);
        }
        for l in links {
            if let Some(v) = rp_filter_of(&l.name).filter(|v| *v < all) {
                set_rp_filter(&l.name, all);
                saved.ifaces.push((l.name.clone(), v));
            }
        }
        tracing::info!("NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from {all} to 0");
        set_rp_filter("all", 0);
        self.rp_filter = Some(saved);
    }

    /// Undo [`Vmacs::clear_rp_filter`], each value only if it is still the
    /// one keepvip wrote (someone may have changed it since).
    fn restore_rp_filter(&mut self) {
        let Some(saved) = self.rp_filter.take() else {
            return;
        };
        if rp_filter_of("all") == Some(0) {
            tracing::info!(
                "NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to {}",
                saved.all
            );
            set_rp_filter("all", saved.all);
        }
        if let Some(d) = saved.default {
            if rp_filter_of("default") == Some(saved.all) {
                tracing::info!("NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to {d}");
                set_rp_filter("default", d);
            }
        }
        for (ifname, v) in saved.ifaces {
            if rp_filter_of(&ifname) == Some(saved.all) {
                set_rp_filter(&ifname, v);
            }
        }
    }

    /// Someone deleted link `index`: if it was one of ours, forget it (so
    /// that [`Vmacs::create`] makes it again) and return its name.
    pub fn deleted(&mut self, index: u32) -> Option<String> {
        let name = self
            .made
            .iter()
            .find(|(_, m)| m.index == index)
            .map(|(n, _)| n.clone())?;
        self.made.remove(&name);
        Some(name)
    }

    /// The indexes of the VMACs this daemon made.
    pub fn made_indexes(&self) -> Vec<u32> {
        self.made.values().map(|m| m.index).collect()
    }

    /// Whether a VMAC in `wanted` is missing (e.g. deleted with the
    /// interface under it, which has just come back).
    pub fn missing(&self, wanted: &[&Vmac]) -> bool {
        wanted.iter().any(|v| !self.made.contains_key(&v.name))
    }

    /// Whether link `index` is one this daemon deleted and whose deletion
    /// event is still to come.
    pub fn is_retired(&self, index: u32) -> bool {
        self.retired.contains(&index)
    }

    /// The deletion event of a link this daemon deleted came: its history
    /// is over. Returns whether it was one.
    pub fn retirement_done(&mut self, index: u32) -> bool {
        self.retired.remove(&index)
    }

    /// Delete the VMACs not in `keep` (all of them at stop), and put back
    /// the settings of an interface whose last VMAC went.
    pub async fn remove_except(&mut self, netlink: &Netlink, keep: &[&Vmac]) {
        let gone: Vec<String> = self
            .made
            .keys()
            .filter(|n| !keep.iter().any(|v| &v.name == *n))
            .cloned()
            .collect();
        for name in gone {
            let Some(Made {
                index,
                base,
                instance,
            }) = self.made.remove(&name)
            else {
                continue;
            };
            // keepalived's lines (success with -D only)
            match netlink.delete_link(index).await {
                Ok(()) => {
                    self.retired.insert(index);
                    tracing::debug!("({instance}) Success removing VMAC interface {name}");
                }
                Err(e) => tracing::warn!("({instance}) Error removing VMAC interface {name}: {e}"),
            }
            if self.made.values().all(|m| m.base != base) {
                if let Some((arp_ignore, arp_filter)) = self.saved.remove(&base) {
                    let _ = write_conf(false, &base, "arp_ignore", &arp_ignore);
                    let _ = write_conf(false, &base, "arp_filter", &arp_filter);
                }
            }
        }
        if self.made.is_empty() {
            self.restore_rp_filter();
        }
    }
}

const IGMP_LINK_LOCAL_REPORTS: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";

/// disable_local_igmp: no IGMP reports for 224.0.0.0/24 while the daemon
/// runs, so a BACKUP's VMAC does not announce itself (its membership
/// report for 224.0.0.18 would carry the shared MAC and move it to the
/// backup's switch port). Put back at stop, as keepalived does.
#[derive(Debug, Default)]
pub struct LocalIgmp {
    was_on: bool,
}

impl LocalIgmp {
    /// Turn the reports off if they are on.
    pub fn disable() -> LocalIgmp {
        match std::fs::read_to_string(IGMP_LINK_LOCAL_REPORTS) {
            Ok(v) if v.trim() == "1" => match std::fs::write(IGMP_LINK_LOCAL_REPORTS, "0") {
                Ok(()) => LocalIgmp { was_on: true },
                Err(e) => {
                    tracing::info!("Unable to write {IGMP_LINK_LOCAL_REPORTS} - {e}");
                    LocalIgmp::default()
                }
            },
            Ok(_) => LocalIgmp::default(),
            Err(e) => {
                tracing::info!("Unable to open {IGMP_LINK_LOCAL_REPORTS} - {e}");
                LocalIgmp::default()
            }
        }
    }

    /// Put the reports back on if this turned them off.
    pub fn restore(self) {
        if self.was_on {
            if let Err(e) = std::fs::write(IGMP_LINK_LOCAL_REPORTS, "1") {
                tracing::info!("Unable to write {IGMP_LINK_LOCAL_REPORTS} - {e}");
            }
        }
    }
}

/// fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 appendix A).
fn eui64_link_local(mac: [u8; 6]) -> Ipv6Addr {
    let id = [
        mac[0] ^ 2,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ];
    let mut b = [0u8; 16];
    b[0] = 0xfe;
    b[1] = 0x80;
    b[8..].copy_from_slice(&id);
    Ipv6Addr::from(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_local_from_a_mac() {
        assert_eq!(
            eui64_link_local([0x02, 0, 0, 0, 0, 0x01]),
            "fe80::ff:fe00:1".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(
            eui64_link_local([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]),
            "fe80::5054:ff:fe12:3456".parse::<Ipv6Addr>().unwrap()
        );
    }
}
