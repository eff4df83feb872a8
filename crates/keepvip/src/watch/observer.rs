//! What the watcher concludes from the adverts it sees: who is master of
//! each virtual router on each segment, when that changes and how, and
//! when something is wrong — two masters at once (split brain), two
//! configurations sharing one VRID, adverts every receiver drops.
//!
//! Pure, like the protocol core: adverts and the time go in, events come
//! out (`poll_event`), and `poll_timeout` says when a silence must be
//! looked at. The socket loop is in `super`.
//!
//! Rules:
//! - A station is *active* while its last advert with a priority above 0
//!   is younger than the longest Master_Down_Interval any backup could
//!   have (3 intervals + the skew of priority 1): until then a silent
//!   master may still be replaced without a gap anyone could call an
//!   outage.
//! - A station that beats the master (higher priority, or equal and
//!   higher address) takes over at once, as the protocol says.
//! - Two stations may advertise side by side for a moment: a healed
//!   partition (the lower one sends until the higher one's answer reaches
//!   it), a preempted master's last advert in flight. When two stations
//!   have each sent [`SPLIT_BRAIN_ADVERTS`] adverts, each after the other
//!   spoke again, the segment has two masters.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Duration;

use keepvip_proto::Instant;
use keepvip_wire::{Auth, ChecksumMode, Family, Version, VrrpRepr};

/// Adverts two stations must each send, taking turns, before the watcher
/// calls them two masters.
pub const SPLIT_BRAIN_ADVERTS: u32 = 3;

/// Stations remembered per virtual router: adverts with forged sources
/// must not grow the watcher without bound (a real VRID has a handful).
/// Adverts from further stations are counted, not analysed.
pub const MAX_STATIONS: usize = 64;

/// (interface, sender, reason) triples counted for invalid packets;
/// beyond this, every further sender is counted under 0.0.0.0.
pub const MAX_MALFORMED_SENDERS: usize = 4_096;

/// One virtual router on one segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKey {
    /// interface the adverts arrive on
    pub iface: String,
    /// 802.1Q VLAN of the adverts, when heard tagged on `iface`
    pub vlan: Option<u16>,
    /// address family of the adverts
    pub family: Family,
    /// virtual router id
    pub vrid: u8,
}

/// A station's link-layer address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mac(pub [u8; 6]);

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// What one station says in its last advert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    /// IP source of the adverts
    pub ip: IpAddr,
    /// Ethernet source of the adverts
    pub mac: Mac,
    /// advertised priority
    pub priority: u8,
    /// VRRP version
    pub version: Version,
    /// advert interval
    pub interval: Duration,
    /// virtual addresses, sorted
    pub vips: Vec<IpAddr>,
    /// v2 authentication
    pub auth: Auth,
    /// checksum the sender computed
    pub checksum: ChecksumMode,
}

impl Speaker {
    /// The speaker of a parsed advert.
    pub fn from_advert(
        ip: IpAddr,
        mac: Mac,
        advert: &VrrpRepr<'_>,
        checksum: ChecksumMode,
    ) -> Self {
        let interval = match advert.version {
            Version::V2 => Duration::from_secs(u64::from(advert.max_adver_int)),
            Version::V3 => Duration::from_millis(u64::from(advert.max_adver_int) * 10),
        };
        let mut vips: Vec<IpAddr> = advert.addrs.iter().collect();
        vips.sort();
        Speaker {
            ip,
            mac,
            priority: advert.priority,
            version: advert.version,
            interval,
            vips,
            auth: advert.auth,
            checksum,
        }
    }

    /// Does this station win an election against `other`?
    fn beats(&self, other: &Speaker) -> bool {
        (self.priority, self.ip) > (other.priority, other.ip)
    }

    /// How long after its last advert a backup (of any priority) must have
    /// taken over from this station: 3 intervals + the skew of priority 1.
    fn longest_down_interval(&self) -> Duration {
        let skew = match self.version {
            Version::V2 => Duration::from_micros(255 * 1_000_000 / 256),
            Version::V3 => self.interval * 255 / 256,
        };
        self.interval * 3 + skew
    }
}

/// How a master came to be master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Takeover {
    /// the first master the watcher saw for this virtual router
    First,
    /// it beat the master it replaced, which yielded
    Preempted {
        /// the master it replaced
        previous: Speaker,
    },
    /// the previous master resigned (priority 0) `after` before
    AfterResign {
        /// the master that resigned
        previous: Speaker,
        /// from the priority-0 advert to the new master's first
        after: Duration,
    },
    /// the previous master fell silent
    AfterSilence {
        /// the master that went silent
        previous: Speaker,
        /// from its last advert to the new master's first
        after: Duration,
    },
}

/// Two stations of one virtual router that cannot agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Conflict {
    /// one speaks VRRPv2, the other VRRPv3
    Version,
    /// different advert intervals
    Interval,
    /// different virtual address lists
    Addresses,
    /// different v2 authentication: each drops the other's adverts
    Auth,
    /// VRRPv3 over IPv4 with and without the pseudo-header in the
    /// checksum: each drops the other's adverts
    Checksum,
}

/// What the watcher reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `master` is now the master of `key`
    Master {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// the new master
        master: Speaker,
        /// how it got there
        how: Takeover,
    },
    /// the master sent priority 0: it is leaving
    Resigned {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// the master that left
        master: Speaker,
    },
    /// the master is silent and no backup took over in time
    NoMaster {
        /// virtual router
        key: GroupKey,
        /// when the watcher gave up waiting
        at: Instant,
        /// the master that went silent
        last: Speaker,
        /// since its last advert
        silent: Duration,
    },
    /// more than one station is master (reported again when one more
    /// joins)
    SplitBrain {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// every station acting as master, the one that should win first
        masters: Vec<Speaker>,
    },
    /// one master is left
    SplitBrainOver {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// the remaining master (None: all of them went silent)
        master: Option<Speaker>,
        /// how long it lasted
        lasted: Duration,
    },
    /// two stations of one virtual router are configured differently
    Conflict {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// what differs
        what: Conflict,
        /// the station seen first
        a: Speaker,
        /// the other
        b: Speaker,
    },
    /// multicast adverts arriving with a TTL / hop limit other than 255:
    /// every receiver drops them (RFC 9568 §7.1)
    BadTtl {
        /// virtual router
        key: GroupKey,
        /// when
        at: Instant,
        /// the sender
        speaker: Speaker,
        /// the TTL seen
        ttl: u8,
    },
    /// the watcher's own interface went down or came back: while it is
    /// down nothing is heard on it, and no silence there is reported
    Link {
        /// interface
        iface: String,
        /// when
        at: Instant,
        /// up again
        up: bool,
    },
    /// a packet of IP protocol 112 that is not a valid advert (the first
    /// of each kind from each sender; the rest are counted)
    Malformed {
        /// interface
        iface: String,
        /// when
        at: Instant,
        /// IP source
        src: IpAddr,
        /// Ethernet source
        mac: Mac,
        /// what is wrong with it
        error: keepvip_wire::Error,
    },
}

impl Event {
    /// When it happened.
    pub fn at(&self) -> Instant {
        match self {
            Event::Master { at, .. }
            | Event::Resigned { at, .. }
            | Event::NoMaster { at, .. }
            | Event::SplitBrain { at, .. }
            | Event::SplitBrainOver { at, .. }
            | Event::Conflict { at, .. }
            | Event::BadTtl { at, .. }
            | Event::Link { at, .. }
            | Event::Malformed { at, .. } => *at,
        }
    }

    /// The virtual router it is about (None: an interface's event).
    pub fn key(&self) -> Option<&GroupKey> {
        match self {
            Event::Master { key, .. }
            | Event::Resigned { key, .. }
            | Event::NoMaster { key, .. }
            | Event::SplitBrain { key, .. }
            | Event::SplitBrainOver { key, .. }
            | Event::Conflict { key, .. }
            | Event::BadTtl { key, .. } => Some(key),
            Event::Link { .. } | Event::Malformed { .. } => None,
        }
    }
}

/// A virtual router's state as the watcher sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    /// virtual router
    pub key: GroupKey,
    /// current master, if one is active
    pub master: Option<Speaker>,
    /// stations seen advertising (any priority)
    pub stations: usize,
    /// valid adverts seen
    pub adverts: u64,
    /// takeovers after the first master
    pub takeovers: u32,
    /// split brains seen
    pub split_brains: u32,
    /// conflicts reported
    pub conflicts: u32,
}

struct Station {
    speaker: Speaker,
    last: Instant,
    /// active until then (None: resigned or expired)
    active_until: Option<Instant>,
    /// adverts sent, each after another active station spoke: how long
    /// it has been advertising beside another one
    contested: u32,
    bad_ttl_reported: bool,
}

#[derive(Default)]
struct Group {
    stations: BTreeMap<IpAddr, Station>,
    master: Option<IpAddr>,
    /// the last master that left, and when: (speaker, at, resigned?)
    gone: Option<(Speaker, Instant, bool)>,
    split_since: Option<Instant>,
    /// the stations named in the last split-brain report
    split_members: BTreeSet<IpAddr>,
    reported: BTreeSet<(IpAddr, IpAddr, Conflict)>,
    adverts: u64,
    takeovers: u32,
    split_brains: u32,
}

impl Group {
    fn active_master(&self) -> Option<&Station> {
        let m = self.stations.get(self.master.as_ref()?)?;
        m.active_until.is_some().then_some(m)
    }

    /// Stations still advertising (none missed for more than half an
    /// interval) that kept advertising beside another one.
    fn rivals(&self, now: Instant) -> Vec<&Station> {
        self.stations
            .values()
            .filter(|s| {
                s.active_until.is_some()
                    && s.contested >= SPLIT_BRAIN_ADVERTS
                    && now.saturating_duration_since(s.last) <= s.speaker.interval * 3 / 2
            })
            .collect()
    }
}

/// One valid advert as received.
#[derive(Debug, Clone)]
pub struct Heard {
    /// when it arrived
    pub at: Instant,
    /// the interface it arrived on
    pub iface: String,
    /// its VLAN, if it came tagged
    pub vlan: Option<u16>,
    /// its VRID
    pub vrid: u8,
    /// who sent it and what it says
    pub speaker: Speaker,
    /// TTL / hop limit as received
    pub ttl: u8,
    /// sent to the VRRP multicast group (the TTL rule applies)
    pub multicast: bool,
}

/// The watcher's view of every virtual router it has heard.
#[derive(Default)]
pub struct Observer {
    groups: BTreeMap<GroupKey, Group>,
    events: VecDeque<Event>,
    malformed: HashMap<(String, IpAddr, keepvip_wire::Error), u64>,
    /// interfaces that are down: deaf, so their silences mean nothing
    deaf: BTreeSet<String>,
}

impl Observer {
    /// Nothing heard yet.
    pub fn new() -> Self {
        Observer::default()
    }

    /// A valid advert.
    pub fn advert(&mut self, heard: Heard) {
        let Heard {
            at,
            iface,
            vlan,
            vrid,
            speaker,
            ttl,
            multicast,
        } = heard;
        // silences that ended before this advert come first
        self.handle_timeout(at);
        let family = if speaker.ip.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        let key = GroupKey {
            iface,
            vlan,
            family,
            vrid,
        };
        let g = self.groups.entry(key.clone()).or_default();
        g.adverts += 1;
        let ip = speaker.ip;

        // reported after what the advert does to mastership
        let conflicts = Self::conflicts(&key, g, &speaker, at);

        if g.stations.len() >= MAX_STATIONS && !g.stations.contains_key(&ip) {
            return;
        }
        // this station's previous advert (None: its first)
        let previous = g.stations.get(&ip).map(|s| s.last);
        let st = g.stations.entry(ip).or_insert_with(|| Station {
            speaker: speaker.clone(),
            last: at,
            active_until: None,
            contested: 0,
            bad_ttl_reported: false,
        });
        st.speaker = speaker.clone();
        st.last = at;
        if multicast && ttl != 255 && !st.bad_ttl_reported {
            st.bad_ttl_reported = true;
            self.events.push_back(Event::BadTtl {
                key: key.clone(),
                at,
                speaker: speaker.clone(),
                ttl,
            });
        }

        if speaker.priority == 0 {
            st.active_until = None;
            st.contested = 0;
            if g.master == Some(ip) {
                g.master = None;
                g.gone = Some((speaker.clone(), at, true));
                self.events.push_back(Event::Resigned {
                    key: key.clone(),
                    at,
                    master: speaker,
                });
            }
            Self::settle(&key, g, at, &mut self.events);
            self.events.extend(conflicts);
            return;
        }
        // a station back from a silence (it yielded, or was cut off)
        // starts counting afresh
        let resumed =
            previous.is_some_and(|p| at.saturating_duration_since(p) > speaker.interval * 3 / 2);
        if st.active_until.is_none() || resumed {
            st.contested = 0;
        }
        st.active_until = Some(at + speaker.longest_down_interval());
        Self::count_turn(g, ip, previous);
        Self::mastership(&key, g, &speaker, at, &mut self.events);
        Self::settle(&key, g, at, &mut self.events);
        self.events.extend(conflicts);
    }

    /// Configuration differences between `speaker` and every other
    /// station heard, each pair and kind once.
    fn conflicts(key: &GroupKey, g: &mut Group, speaker: &Speaker, at: Instant) -> Vec<Event> {
        let ip = speaker.ip;
        let mut out = Vec::new();
        for (other_ip, other) in &g.stations {
            if *other_ip == ip {
                continue;
            }
            for what in differences(&other.speaker, speaker) {
                let pair = if *other_ip < ip {
                    (*other_ip, ip, what)
                } else {
                    (ip, *other_ip, what)
                };
                if g.reported.insert(pair) {
                    out.push(Event::Conflict {
                        key: key.clone(),
                        at,
                        what,
                        a: other.speaker.clone(),
                        b: speaker.clone(),
                    });
                }
            }
        }
        out
    }

    /// Count `ip`'s advert as a turn if another active station spoke since
    /// its `previous` one. Two masters interleave their adverts; a master
    /// that just died (or yielded) leaves the other advertising alone,
    /// which does not count, and once nobody else is active the count is
    /// forgotten.
    fn count_turn(g: &mut Group, ip: IpAddr, previous: Option<Instant>) {
        let mut others_active = false;
        let mut spoke_since = false;
        for (_, s) in g
            .stations
            .iter()
            .filter(|(other, s)| **other != ip && s.active_until.is_some())
        {
            others_active = true;
            spoke_since |= previous.is_none_or(|p| s.last > p);
        }
        if let Some(st) = g.stations.get_mut(&ip) {
            if !others_active {
                st.contested = 0;
            } else if spoke_since {
                st.contested += 1;
            }
        }
    }

    /// Who is master after an advert with a priority above 0 from `speaker`.
    fn mastership(
        key: &GroupKey,
        g: &mut Group,
        speaker: &Speaker,
        at: Instant,
        events: &mut VecDeque<Event>,
    ) {
        let ip = speaker.ip;
        match g.active_master().map(|m| m.speaker.clone()) {
            None => {
                let how = match g.gone.take() {
                    Some((previous, since, true)) => Takeover::AfterResign {
                        previous,
                        after: at.saturating_duration_since(since),
                    },
                    Some((previous, since, false)) => Takeover::AfterSilence {
                        previous,
                        after: at.saturating_duration_since(since),
                    },
                    None => Takeover::First,
                };
                Self::crown(key, g, ip, at, how, events);
            }
            Some(m) if m.ip == ip => {}
            Some(m) if speaker.beats(&m) => {
                Self::crown(key, g, ip, at, Takeover::Preempted { previous: m }, events);
            }
            Some(m) => {
                // a master sends every interval: one quiet for longer is
                // gone (killed, paused, cut off), and this is its backup
                let master_last = g.stations[&m.ip].last;
                let quiet = at.saturating_duration_since(master_last);
                if quiet > m.interval * 3 / 2 {
                    let how = Takeover::AfterSilence {
                        previous: m,
                        after: quiet,
                    };
                    Self::crown(key, g, ip, at, how, events);
                }
            }
        }
    }

    /// A packet of protocol 112 on `iface` that is not a valid advert.
    pub fn malformed(
        &mut self,
        at: Instant,
        iface: &str,
        src: IpAddr,
        mac: Mac,
        error: keepvip_wire::Error,
    ) {
        let mut key = (iface.to_string(), src, error);
        if self.malformed.len() >= MAX_MALFORMED_SENDERS && !self.malformed.contains_key(&key) {
            key.1 = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
        }
        let n = self.malformed.entry(key).or_insert(0);
        *n += 1;
        if *n == 1 {
            self.events.push_back(Event::Malformed {
                iface: iface.to_string(),
                at,
                src,
                mac,
                error,
            });
        }
    }

    /// The watcher's interface `iface` is down (`up` false) or up again.
    /// Stations heard on it before it went down count as just heard when
    /// it comes back: the silence was the watcher's, not theirs.
    pub fn link(&mut self, at: Instant, iface: &str, up: bool) {
        let changed = if up {
            self.deaf.remove(iface)
        } else {
            self.deaf.insert(iface.to_string())
        };
        if !changed {
            return;
        }
        if up {
            for (_, g) in self.groups.iter_mut().filter(|(k, _)| k.iface == iface) {
                for st in g.stations.values_mut() {
                    if st.active_until.is_some() {
                        st.last = at;
                        st.active_until = Some(at + st.speaker.longest_down_interval());
                    }
                }
            }
        }
        self.events.push_back(Event::Link {
            iface: iface.to_string(),
            at,
            up,
        });
    }

    /// Look at the silences that have lasted until `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let deaf = &self.deaf;
        for (key, g) in self
            .groups
            .iter_mut()
            .filter(|(k, _)| !deaf.contains(&k.iface))
        {
            let mut expired = false;
            // when the master's silence became too long
            let mut master_expired = None;
            for (ip, st) in g.stations.iter_mut() {
                if let Some(until) = st.active_until.filter(|t| *t <= now) {
                    st.active_until = None;
                    st.contested = 0;
                    expired = true;
                    if g.master == Some(*ip) {
                        master_expired = Some(until);
                    }
                }
            }
            if !expired {
                continue;
            }
            if let Some(expiry) = master_expired {
                let last = g.stations[&g.master.take().unwrap()].speaker.clone();
                let since = g.stations[&last.ip].last;
                g.gone = Some((last.clone(), since, false));
                // a rival still advertising is the master now
                let best = g
                    .stations
                    .values()
                    .filter(|s| s.active_until.is_some())
                    .max_by_key(|s| (s.speaker.priority, s.speaker.ip))
                    .map(|s| s.speaker.ip);
                match best {
                    Some(ip) => {
                        let how = Takeover::AfterSilence {
                            after: expiry.saturating_duration_since(since),
                            previous: last,
                        };
                        g.gone = None;
                        Self::crown(key, g, ip, expiry, how, &mut self.events);
                    }
                    None => self.events.push_back(Event::NoMaster {
                        key: key.clone(),
                        at: expiry,
                        silent: expiry.saturating_duration_since(since),
                        last,
                    }),
                }
            }
            Self::settle(key, g, now, &mut self.events);
        }
    }

    /// When `handle_timeout` next has something to look at.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.groups
            .iter()
            .filter(|(k, _)| !self.deaf.contains(&k.iface))
            .flat_map(|(_, g)| g.stations.values())
            .filter_map(|s| s.active_until)
            .min()
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Every virtual router heard, in key order.
    pub fn summary(&self) -> Vec<GroupSummary> {
        self.groups
            .iter()
            .map(|(key, g)| GroupSummary {
                key: key.clone(),
                master: g.active_master().map(|m| m.speaker.clone()),
                stations: g.stations.len(),
                adverts: g.adverts,
                takeovers: g.takeovers,
                split_brains: g.split_brains,
                conflicts: g.reported.len() as u32,
            })
            .collect()
    }

    /// Invalid packets, per interface, sender and reason.
    pub fn malformed_counts(
        &self,
    ) -> impl Iterator<Item = (&(String, IpAddr, keepvip_wire::Error), &u64)> {
        self.malformed.iter()
    }

    /// Make `ip` the master and say how.
    fn crown(
        key: &GroupKey,
        g: &mut Group,
        ip: IpAddr,
        at: Instant,
        how: Takeover,
        events: &mut VecDeque<Event>,
    ) {
        g.master = Some(ip);
        if !matches!(how, Takeover::First) {
            g.takeovers += 1;
        }
        if let Some(st) = g.stations.get(&ip) {
            events.push_back(Event::Master {
                key: key.clone(),
                at,
                master: st.speaker.clone(),
                how,
            });
        }
    }

    /// Start or end a split brain after the stations changed.
    fn settle(key: &GroupKey, g: &mut Group, at: Instant, events: &mut VecDeque<Event>) {
        let master = g.active_master().map(|m| m.speaker.clone());
        let mut masters: Vec<Speaker> = g.rivals(at).iter().map(|s| s.speaker.clone()).collect();
        masters.sort_by_key(|s| std::cmp::Reverse((s.priority, s.ip)));
        match g.split_since {
            Some(since) if masters.len() < 2 => {
                g.split_since = None;
                g.split_members.clear();
                events.push_back(Event::SplitBrainOver {
                    key: key.clone(),
                    at,
                    master,
                    lasted: at.saturating_duration_since(since),
                });
            }
            // a split brain starts, or one more station joins it
            since
                if masters.len() >= 2
                    && masters.iter().any(|m| !g.split_members.contains(&m.ip)) =>
            {
                if since.is_none() {
                    g.split_since = Some(at);
                    g.split_brains += 1;
                }
                g.split_members = masters.iter().map(|s| s.ip).collect();
                events.push_back(Event::SplitBrain {
                    key: key.clone(),
                    at,
                    masters,
                });
            }
            _ => {}
        }
    }
}

/// How two stations of one virtual router disagree.
fn differences(a: &Speaker, b: &Speaker) -> Vec<Conflict> {
    let mut v = Vec::new();
    if a.version != b.version {
        v.push(Conflict::Version);
        return v;
    }
    if a.interval != b.interval {
        v.push(Conflict::Interval);
    }
    if a.vips != b.vips {
        v.push(Conflict::Addresses);
    }
    if a.auth != b.auth {
        v.push(Conflict::Auth);
    }
    if a.version == Version::V3 && a.checksum != b.checksum {
        v.push(Conflict::Checksum);
    }
    v
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const MS: u64 = 1_000;

    fn t(ms: u64) -> Instant {
        Instant::from_micros(1_000_000_000 + ms * MS)
    }

    /// A VRRPv3 station at 192.0.2.`host` advertising every 100 ms.
    pub(crate) fn station(host: u8, priority: u8) -> Speaker {
        Speaker {
            ip: IpAddr::from([192, 0, 2, host]),
            mac: Mac([2, 0, 0, 0, 0, host]),
            priority,
            version: Version::V3,
            interval: Duration::from_millis(100),
            vips: vec![IpAddr::from([192, 0, 2, 200])],
            auth: Auth::None,
            checksum: ChecksumMode::V3PseudoHeader,
        }
    }

    fn hear(o: &mut Observer, ms: u64, s: &Speaker) {
        o.advert(Heard {
            at: t(ms),
            iface: "eth0".into(),
            vlan: None,
            vrid: 51,
            speaker: s.clone(),
            ttl: 255,
            multicast: true,
        });
    }

    /// Each (station, from, to) advertises every 100 ms over [from, to);
    /// the adverts are heard in time order.
    fn play(o: &mut Observer, plan: &[(&Speaker, u64, u64)]) {
        let mut all: Vec<(u64, &Speaker)> = plan
            .iter()
            .flat_map(|(s, from, to)| (*from..*to).step_by(100).map(move |ms| (ms, *s)))
            .collect();
        all.sort_by_key(|(ms, _)| *ms);
        for (ms, s) in all {
            hear(o, ms, s);
        }
    }

    fn events(o: &mut Observer) -> Vec<Event> {
        std::iter::from_fn(|| o.poll_event()).collect()
    }

    fn kinds(evs: &[Event]) -> Vec<&'static str> {
        evs.iter()
            .map(|e| match e {
                Event::Master {
                    how: Takeover::First,
                    ..
                } => "first master",
                Event::Master {
                    how: Takeover::Preempted { .. },
                    ..
                } => "preempted",
                Event::Master {
                    how: Takeover::AfterResign { .. },
                    ..
                } => "after resign",
                Event::Master {
                    how: Takeover::AfterSilence { .. },
                    ..
                } => "after silence",
                Event::Resigned { .. } => "resigned",
                Event::NoMaster { .. } => "no master",
                Event::SplitBrain { .. } => "split brain",
                Event::SplitBrainOver { .. } => "split brain over",
                Event::Conflict { .. } => "conflict",
                Event::BadTtl { .. } => "bad ttl",
                Event::Malformed { .. } => "malformed",
                Event::Link { .. } => "link",
            })
            .collect()
    }

    #[test]
    fn a_steady_master_is_reported_once() {
        let mut o = Observer::new();
        let a = station(11, 100);
        play(&mut o, &[(&a, 0, 2_000)]);
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master"]);
        let Event::Master {
            key, master, at, ..
        } = &evs[0]
        else {
            unreachable!()
        };
        assert_eq!(
            (key.iface.as_str(), key.family, key.vrid),
            ("eth0", Family::V4, 51)
        );
        assert_eq!((master, *at), (&a, t(0)));
        let sum = o.summary();
        assert_eq!(sum[0].adverts, 20);
        assert_eq!(sum[0].master.as_ref(), Some(&a));
    }

    #[test]
    fn kill_9_takeover_is_one_event_with_the_gap() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 100), station(12, 90));
        // a's last advert at 900 ms; b takes over after its
        // Master_Down_Interval (300 + 64.8 ms)
        play(&mut o, &[(&a, 0, 1_000), (&b, 1_265, 3_000)]);
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "after silence"]);
        let Event::Master {
            master,
            how: Takeover::AfterSilence { previous, after },
            at,
            ..
        } = &evs[1]
        else {
            unreachable!()
        };
        assert_eq!((master, previous, *at), (&b, &a, t(1_265)));
        assert_eq!(*after, Duration::from_millis(365));
    }

    #[test]
    fn a_preempting_master_is_no_split_brain() {
        let mut o = Observer::new();
        let (low, high) = (station(11, 90), station(12, 150));
        play(&mut o, &[(&low, 0, 1_000)]);
        // high preempts at 1,000 ms; low's advert already in flight arrives after
        hear(&mut o, 1_000, &high);
        hear(&mut o, 1_001, &low);
        play(&mut o, &[(&high, 1_100, 3_000)]);
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "preempted"]);
        let Event::Master {
            master,
            how: Takeover::Preempted { previous },
            ..
        } = &evs[1]
        else {
            unreachable!()
        };
        assert_eq!((master, previous), (&high, &low));
    }

    #[test]
    fn a_healed_partition_answered_at_once_is_no_split_brain() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 150), station(12, 100));
        // b, master on its side of the partition, sends twice before it
        // hears a's answer and yields
        play(&mut o, &[(&a, 0, 3_000), (&b, 1_010, 1_200)]);
        assert_eq!(kinds(&events(&mut o)), ["first master"]);
    }

    #[test]
    fn two_masters_are_a_split_brain_until_one_stops() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 150), station(12, 100));
        // b's last advert at 1,930 ms; a goes on
        play(&mut o, &[(&a, 0, 3_000), (&b, 30, 2_000)]);
        let evs = events(&mut o);
        assert_eq!(
            kinds(&evs),
            ["first master", "split brain", "split brain over"]
        );
        let Event::SplitBrain { masters, at, .. } = &evs[1] else {
            unreachable!()
        };
        assert_eq!(masters, &vec![a.clone(), b.clone()], "the winner first");
        assert_eq!(*at, t(300), "a's third advert after one of b's");
        let Event::SplitBrainOver {
            master, lasted, at, ..
        } = &evs[2]
        else {
            unreachable!()
        };
        assert_eq!(master.as_ref(), Some(&a));
        // b has missed an advert by more than half an interval at a's
        // advert at 2,100 ms
        assert_eq!(*at, t(2_100));
        assert_eq!(*lasted, Duration::from_millis(1_800));
        assert_eq!(o.summary()[0].split_brains, 1);
    }

    #[test]
    fn when_the_master_of_a_split_brain_dies_the_other_is_master() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 150), station(12, 100));
        play(&mut o, &[(&a, 0, 1_000), (&b, 30, 3_000)]);
        let evs = events(&mut o);
        assert_eq!(
            kinds(&evs),
            [
                "first master",
                "split brain",
                "after silence",
                "split brain over"
            ]
        );
        let Event::Master { master, .. } = &evs[2] else {
            unreachable!()
        };
        assert_eq!(master, &b);
    }

    #[test]
    fn a_stalled_master_that_comes_back_is_a_split_brain() {
        // a VM pause: a stops long enough for b to take over, then resumes
        let mut o = Observer::new();
        let (a, b) = (station(11, 100), station(12, 90));
        // b yields to a when it comes back: a preempts, no split brain
        play(
            &mut o,
            &[(&a, 0, 1_000), (&b, 1_265, 1_500), (&a, 1_450, 3_000)],
        );
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "after silence", "preempted"]);
        // here b does not yield (it cannot hear a, say): two masters
        let mut o = Observer::new();
        play(
            &mut o,
            &[(&a, 0, 1_000), (&b, 1_265, 3_000), (&a, 1_450, 3_000)],
        );
        let evs = events(&mut o);
        assert_eq!(
            kinds(&evs),
            ["first master", "after silence", "preempted", "split brain"]
        );
    }

    #[test]
    fn resign_then_takeover_after_the_skew() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 100), station(12, 90));
        play(&mut o, &[(&a, 0, 1_000)]);
        let mut bye = a.clone();
        bye.priority = 0;
        hear(&mut o, 950, &bye);
        play(&mut o, &[(&b, 1_015, 2_000)]);
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "resigned", "after resign"]);
        let Event::Master {
            how: Takeover::AfterResign { previous, after },
            ..
        } = &evs[2]
        else {
            unreachable!()
        };
        assert_eq!((previous, *after), (&bye, Duration::from_millis(65)));
    }

    #[test]
    fn silence_without_takeover_is_no_master_once() {
        let mut o = Observer::new();
        let a = station(11, 100);
        play(&mut o, &[(&a, 0, 1_000)]);
        // 900 ms + 3 × 100 ms + 255/256 × 100 ms
        assert_eq!(
            o.poll_timeout(),
            Some(t(1_200) + Duration::from_micros(99_609))
        );
        o.handle_timeout(t(1_200));
        assert_eq!(kinds(&events(&mut o)), ["first master"]);
        o.handle_timeout(t(1_300));
        o.handle_timeout(t(9_000));
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["no master"]);
        let Event::NoMaster { last, silent, .. } = &evs[0] else {
            unreachable!()
        };
        assert_eq!((last, *silent), (&a, Duration::from_micros(399_609)));
        assert_eq!(o.poll_timeout(), None);
        assert_eq!(o.summary()[0].master, None);
        // it comes back: a master again, after its silence
        hear(&mut o, 10_000, &a);
        assert_eq!(kinds(&events(&mut o)), ["after silence"]);
    }

    #[test]
    fn the_watchers_own_link_down_is_no_silence() {
        let mut o = Observer::new();
        let a = station(11, 100);
        play(&mut o, &[(&a, 0, 1_000)]);
        o.link(t(950), "eth0", false);
        assert_eq!(o.poll_timeout(), None, "nothing to time while deaf");
        o.handle_timeout(t(5_000));
        o.link(t(5_000), "eth0", true);
        play(&mut o, &[(&a, 5_050, 6_000)]);
        o.handle_timeout(t(6_000));
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "link", "link"]);
        // a backup that took over while the watcher was deaf
        let b = station(12, 90);
        o.link(t(6_000), "eth0", false);
        o.link(t(9_000), "eth0", true);
        play(&mut o, &[(&b, 9_100, 10_000)]);
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["link", "link", "after silence"]);
    }

    #[test]
    fn different_configurations_on_one_vrid_are_reported_once_each() {
        let mut o = Observer::new();
        let a = station(11, 100);
        let mut b = station(12, 90);
        b.vips = vec![IpAddr::from([192, 0, 2, 100])];
        b.interval = Duration::from_secs(1);
        play(
            &mut o,
            &[(&a, 0, 500), (&b, 500, 1_000), (&a, 1_000, 1_500)],
        );
        let evs = events(&mut o);
        let conflicts: Vec<Conflict> = evs
            .iter()
            .filter_map(|e| match e {
                Event::Conflict {
                    what, a: x, b: y, ..
                } => {
                    assert_eq!((x, y), (&a, &b));
                    Some(*what)
                }
                _ => None,
            })
            .collect();
        assert_eq!(conflicts, [Conflict::Interval, Conflict::Addresses]);
        let mut v2 = station(13, 80);
        v2.version = Version::V2;
        v2.interval = Duration::from_secs(1);
        v2.checksum = ChecksumMode::V2;
        hear(&mut o, 1_600, &v2);
        let mut rfc = station(14, 70);
        rfc.checksum = ChecksumMode::V3NoPseudoHeader;
        hear(&mut o, 1_700, &rfc);
        let later: Vec<Conflict> = events(&mut o)
            .iter()
            .filter_map(|e| match e {
                Event::Conflict { what, .. } => Some(*what),
                _ => None,
            })
            .collect();
        assert!(later.contains(&Conflict::Version), "{later:?}");
        assert!(later.contains(&Conflict::Checksum), "{later:?}");
        let mut pass = station(15, 60);
        pass.version = Version::V2;
        pass.interval = Duration::from_secs(1);
        pass.checksum = ChecksumMode::V2;
        pass.auth = Auth::Pass(*b"secret\0\0");
        hear(&mut o, 1_800, &pass);
        assert!(events(&mut o).iter().any(|e| matches!(
            e,
            Event::Conflict {
                what: Conflict::Auth,
                ..
            }
        )));
    }

    #[test]
    fn bad_ttl_and_malformed_packets_are_reported_once_per_sender() {
        let mut o = Observer::new();
        let a = station(11, 100);
        for ms in [0, 100, 200] {
            o.advert(Heard {
                at: t(ms),
                iface: "eth0".into(),
                vlan: None,
                vrid: 51,
                speaker: a.clone(),
                ttl: 64,
                multicast: true,
            });
            o.malformed(t(ms), "eth0", a.ip, a.mac, keepvip_wire::Error::BadChecksum);
        }
        // unicast adverts may cross routers: no TTL rule for them
        o.advert(Heard {
            at: t(300),
            iface: "eth0".into(),
            vlan: None,
            vrid: 52,
            speaker: a.clone(),
            ttl: 64,
            multicast: false,
        });
        let k = kinds(&events(&mut o));
        assert_eq!(k.iter().filter(|k| **k == "bad ttl").count(), 1, "{k:?}");
        assert_eq!(k.iter().filter(|k| **k == "malformed").count(), 1, "{k:?}");
        assert_eq!(o.malformed_counts().map(|(_, n)| *n).sum::<u64>(), 3);
    }

    #[test]
    fn forged_sources_do_not_grow_the_watcher() {
        let mut o = Observer::new();
        for i in 0..5_000u32 {
            let mut s = station(1, 100);
            s.ip = IpAddr::from(std::net::Ipv6Addr::new(
                0x2001, 0xdb8, 0, 0, 0, 0, 0, i as u16,
            ));
            hear(&mut o, u64::from(i), &s);
            o.malformed(
                t(u64::from(i)),
                "eth0",
                s.ip,
                s.mac,
                keepvip_wire::Error::BadChecksum,
            );
        }
        let sum = &o.summary()[0];
        assert_eq!((sum.stations, sum.adverts), (MAX_STATIONS, 5_000));
        assert_eq!(o.malformed_counts().count(), MAX_MALFORMED_SENDERS + 1);
        assert_eq!(o.malformed_counts().map(|(_, n)| *n).sum::<u64>(), 5_000);
    }

    #[test]
    fn virtual_routers_are_independent() {
        let mut o = Observer::new();
        let (a, b) = (station(11, 100), station(12, 100));
        for ms in (0..1_000).step_by(100) {
            hear(&mut o, ms, &a);
            o.advert(Heard {
                at: t(ms + 10),
                iface: "eth0".into(),
                vlan: None,
                vrid: 52,
                speaker: b.clone(),
                ttl: 255,
                multicast: true,
            });
        }
        let evs = events(&mut o);
        assert_eq!(kinds(&evs), ["first master", "first master"]);
        assert_eq!(o.summary().len(), 2);
    }
}
