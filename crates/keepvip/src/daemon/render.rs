//! Protocol log events → keepalived 2.x text, through `tracing` (detail
//! lines at DEBUG, shown with `-D`). Per-packet drop lines are rate-limited
//! so a flood of bad packets cannot flood the log.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use keepvip_proto::{DropReason, LogEvent, State};

use super::text;

/// At most this many lines per (instance, reason) per window.
const DROP_LINES_PER_WINDOW: u32 = 10;
const DROP_WINDOW: Duration = Duration::from_secs(10);

/// Remembers how many drop lines were printed recently.
#[derive(Default)]
pub struct Renderer {
    drops: HashMap<(String, std::mem::Discriminant<DropReason>), (Instant, u32)>,
}

/// keepalived's word for a state (`MASTER`, `BACKUP`, `FAULT`, `INIT`).
pub(crate) fn state_word(s: State) -> &'static str {
    match s {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Init => "INIT",
    }
}

impl Renderer {
    /// Log one event.
    pub fn log(&mut self, ev: &LogEvent) {
        match ev {
            LogEvent::EnteringState { instance, state, init } => {
                tracing::info!("{}", text::entering_state(instance, state_word(*state), *init))
            }
            LogEvent::ReceiveTimeout { instance } => tracing::debug!("{}", text::receive_timeout(instance)),
            LogEvent::AddressAssigned { iface, addr } => {
                tracing::debug!("{}", text::address_assigned(iface, *addr))
            }
            LogEvent::AddressDeassigned { iface, addr } => {
                tracing::debug!("{}", text::address_deassigned(iface, *addr))
            }
            LogEvent::MasterRxHigher { instance, from, theirs, ours } => {
                tracing::info!("{}", text::master_rx_higher(instance, *from, *theirs, *ours))
            }
            LogEvent::MasterRxSameHigherIp { instance, from, prio } => {
                tracing::info!("{}", text::master_rx_same_higher_ip(instance, *from, *prio))
            }
            LogEvent::MasterRxLower {
                instance,
                from,
                theirs,
                ours,
                forcing,
            } => tracing::info!(
                "{}",
                text::master_rx_lower(instance, *from, *theirs, *ours, *forcing)
            ),
            LogEvent::MasterRxPrio0 { instance } => tracing::info!("{}", text::master_rx_prio0(instance)),
            LogEvent::BackupRxLower { instance, from, theirs } => {
                tracing::info!("{}", text::backup_rx_lower(instance, *from, *theirs))
            }
            LogEvent::PreemptDelayStart { instance, delay } => {
                tracing::debug!("{}", text::preempt_delay_start(instance, *delay))
            }
            LogEvent::PreemptDelayStop { instance } => tracing::debug!("{}", text::preempt_delay_stop(instance)),
            LogEvent::BackupRxPrio0 { instance } => tracing::debug!("{}", text::backup_rx_prio0(instance)),
            LogEvent::SentPrio0 { instance } => tracing::debug!("{}", text::sent_prio0(instance)),
            // keepalived writes these with -D only (vrrp_handle_ipaddress)
            LogEvent::SettingVips { instance } => tracing::debug!("{}", text::setting_vips(instance)),
            LogEvent::RemovingVips { instance } => tracing::debug!("{}", text::removing_vips(instance)),
            LogEvent::ExcludedVips { instance, set } => {
                let verb = if *set { "setting" } else { "removing" };
                tracing::debug!("({instance}) {verb} E-VIPs.")
            }
            LogEvent::VirtualRoutes { instance, set } => {
                tracing::debug!("{}", text::virtual_routes_or_rules(instance, "Routes", *set))
            }
            LogEvent::VirtualRules { instance, set } => {
                tracing::debug!("{}", text::virtual_routes_or_rules(instance, "Rules", *set))
            }
            LogEvent::VipGone {
                instance,
                addr,
                prefix_len,
                dev,
            } => tracing::info!("{}", text::vip_gone(instance, *addr, *prefix_len, dev)),
            LogEvent::PriorityChange { instance, from, to } => {
                tracing::info!("{}", text::priority_change(instance, *from, *to))
            }
            LogEvent::GroupSyncing { group, state } => {
                tracing::info!("{}", text::group_syncing(group, state_word(*state)))
            }
            LogEvent::TwoOwners { instance } => tracing::info!("{}", text::two_owners(instance)),
            LogEvent::EqualPriorityFromOurAddress { instance } => {
                tracing::info!("{}", text::equal_priority_from_our_address(instance))
            }
            LogEvent::GroupFaultAtStart { group, instance } => {
                tracing::info!("{}", text::group_fault_at_start(group, instance))
            }
            LogEvent::FaultDueTo { instance, cause } => tracing::info!("{}", text::fault_due_to(instance, cause)),
            LogEvent::Dropped { instance, from, reason } => {
                if self.allow(instance, reason) {
                    tracing::info!("{}", drop_text(instance, *from, reason));
                }
            }
            LogEvent::AddrCountMismatch { instance, got, expected } => {
                tracing::info!("{}", text::addr_count_mismatch(instance, *got, *expected))
            }
            LogEvent::AddrMissing { instance, vrid, addr } => {
                tracing::info!("{}", text::addr_missing(instance, *vrid, *addr))
            }
            LogEvent::MasterAdverIntUpdated { instance, from, to } => {
                tracing::debug!("{}", text::master_adver_int_updated(instance, *from, *to))
            }
            LogEvent::AdverIntRestored { instance, from, to } => {
                tracing::debug!("{}", text::adver_int_restored(instance, *from, *to))
            }
            LogEvent::PeerChecksumVariant { instance, from, theirs } => tracing::warn!(
                "({instance}) peer {from} sends VRRPv3 checksums {}: accepted; keepalived 2.2.x peers use the pseudo-header",
                match theirs {
                    keepvip_proto::wire::ChecksumMode::V3NoPseudoHeader => "without the IPv4 pseudo-header (RFC 9568)",
                    _ => "with the IPv4 pseudo-header",
                }
            ),
            LogEvent::UnknownVrid { .. } => {}
            LogEvent::Other { instance: Some(i), text } => tracing::info!("({i}) {text}"),
            LogEvent::Other { instance: None, text } => tracing::info!("{text}"),
        }
    }

    fn allow(&mut self, instance: &str, reason: &DropReason) -> bool {
        let now = Instant::now();
        let e = self
            .drops
            .entry((instance.to_string(), std::mem::discriminant(reason)))
            .or_insert((now, 0));
        if now.duration_since(e.0) > DROP_WINDOW {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= DROP_LINES_PER_WINDOW
    }
}

fn drop_text(instance: &str, from: std::net::IpAddr, reason: &DropReason) -> String {
    match reason {
        DropReason::Ttl { got } => text::invalid_ttl(instance, *got),
        // keepalived's vrrp_check_packet for unicast peers
        DropReason::TtlRange { got, min, max } => {
            format!("({instance}) TTL/HL {got} not in range {min} - {max}")
        }
        DropReason::Version { got } => {
            text::wrong_version(instance, *got, if *got == 2 { 3 } else { 2 })
        }
        DropReason::AuthType { got, expected } => {
            text::auth_type_mismatch(instance, *got, *expected)
        }
        DropReason::AuthFailure => text::invalid_passwd(instance),
        DropReason::Interval { got, ours } => text::interval_mismatch_v2(instance, *ours, *got),
        DropReason::UnknownPeer => {
            format!("({instance}) unicast source address {from} not a unicast peer")
        }
        DropReason::CastMismatch => {
            format!("({instance}) advert from {from}: multicast/unicast mismatch - discarding")
        }
        DropReason::Checksum { version } => text::bad_checksum(instance, *version),
        DropReason::Malformed(e) => format!("({instance}) malformed advert from {from}: {e}"),
        DropReason::NotRunning => format!("({instance}) advert from {from} while not running"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unicast peers' checks in keepalived's words (vrrp_check_packet).
    #[test]
    fn unicast_peer_drops_read_as_keepalived_s() {
        let from = "192.0.2.40".parse().unwrap();
        assert_eq!(
            drop_text("VI_1", from, &DropReason::UnknownPeer),
            "(VI_1) unicast source address 192.0.2.40 not a unicast peer"
        );
        assert_eq!(
            drop_text(
                "VI_1",
                from,
                &DropReason::TtlRange {
                    got: 200,
                    min: 250,
                    max: 255
                }
            ),
            "(VI_1) TTL/HL 200 not in range 250 - 255"
        );
    }

    /// keepalived names the instance's version: a VRRPv3 instance's bad
    /// checksum read "Invalid VRRPv2 checksum" until 2026-12-08.
    #[test]
    fn a_bad_checksum_names_the_instance_s_version() {
        let from = "192.0.2.30".parse().unwrap();
        for v in [2, 3] {
            assert_eq!(
                drop_text("VI_1", from, &DropReason::Checksum { version: v }),
                format!("(VI_1) Invalid VRRPv{v} checksum")
            );
        }
    }
}
