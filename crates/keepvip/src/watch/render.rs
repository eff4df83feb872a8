//! The watcher's output: one line per event, as text for a person or as a
//! JSON object for a program, and the summary printed when it stops.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keepvip_wire::{Auth, ChecksumMode, Family, Version};
use serde_json::{json, Value};

use super::observer::{Conflict, Event, GroupKey, GroupSummary, Speaker, Takeover};

/// `2026-12-01T16:50:58.123Z`
pub fn utc(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

fn family(f: Family) -> &'static str {
    match f {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

fn version(v: Version) -> &'static str {
    match v {
        Version::V2 => "VRRPv2",
        Version::V3 => "VRRPv3",
    }
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn interval(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s} s")
    } else {
        format!("{:.2} s", s)
    }
}

fn list(ips: &[IpAddr]) -> String {
    if ips.is_empty() {
        return "none".into();
    }
    ips.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn auth(a: &Auth) -> &'static str {
    match a {
        Auth::None => "no authentication",
        Auth::Pass(_) => "PASS",
    }
}

fn who(s: &Speaker) -> String {
    format!("{} ({}) priority {}", s.ip, s.mac, s.priority)
}

fn prefix(key: &GroupKey) -> String {
    match key.vlan {
        Some(v) => format!(
            "{} vlan {v} VRID {} {}:",
            key.iface,
            key.vrid,
            family(key.family)
        ),
        None => format!("{} VRID {} {}:", key.iface, key.vrid, family(key.family)),
    }
}

/// The event as a line of text (without the time).
pub fn text(ev: &Event) -> String {
    match ev {
        Event::Master {
            key, master, how, ..
        } => {
            let p = prefix(key);
            match how {
                Takeover::First => format!(
                    "{p} master is {}, {} every {}, virtual addresses {}",
                    who(master),
                    version(master.version),
                    interval(master.interval),
                    list(&master.vips)
                ),
                Takeover::Preempted { previous } => format!(
                    "{p} {} preempted {} (priority {})",
                    who(master),
                    previous.ip,
                    previous.priority
                ),
                Takeover::AfterResign { previous, after } => format!(
                    "{p} {} took over {} after {} resigned",
                    who(master),
                    secs(*after),
                    previous.ip
                ),
                Takeover::AfterSilence { previous, after } => format!(
                    "{p} {} took over; {} had been silent for {}",
                    who(master),
                    previous.ip,
                    secs(*after)
                ),
            }
        }
        Event::Resigned { key, master, .. } => format!(
            "{} master {} resigned (priority 0 advert)",
            prefix(key),
            master.ip
        ),
        Event::NoMaster {
            key, last, silent, ..
        } => format!(
            "{} NO MASTER: {} silent for {} and no backup took over",
            prefix(key),
            last.ip,
            secs(*silent)
        ),
        Event::SplitBrain { key, masters, .. } => format!(
            "{} SPLIT BRAIN: {} masters: {}",
            prefix(key),
            masters.len(),
            masters.iter().map(who).collect::<Vec<_>>().join(", ")
        ),
        Event::SplitBrainOver {
            key,
            master,
            lasted,
            ..
        } => match master {
            Some(m) => format!(
                "{} split brain over after {}: {} is the only master",
                prefix(key),
                secs(*lasted),
                m.ip
            ),
            None => format!(
                "{} split brain over after {}: no master left",
                prefix(key),
                secs(*lasted)
            ),
        },
        Event::Conflict {
            key, what, a, b, ..
        } => {
            let detail = match what {
                Conflict::Version => format!(
                    "{} speaks {}, {} speaks {}",
                    a.ip,
                    version(a.version),
                    b.ip,
                    version(b.version)
                ),
                Conflict::Interval => format!(
                    "advert intervals differ: {} every {}, {} every {}",
                    a.ip,
                    interval(a.interval),
                    b.ip,
                    interval(b.interval)
                ),
                Conflict::Addresses => format!(
                    "virtual addresses differ: {} has {}, {} has {}",
                    a.ip,
                    list(&a.vips),
                    b.ip,
                    list(&b.vips)
                ),
                Conflict::Auth if a.auth == Auth::None || b.auth == Auth::None => format!(
                    "authentication differs ({} {}, {} {}): each drops the other's adverts",
                    a.ip,
                    auth(&a.auth),
                    b.ip,
                    auth(&b.auth)
                ),
                Conflict::Auth => format!(
                    "{} and {} use different PASS passwords: each drops the other's adverts",
                    a.ip, b.ip
                ),
                Conflict::Checksum => format!(
                    "{} {} the IPv4 pseudo-header in its checksum, {} {}: each may drop the other's adverts",
                    a.ip,
                    pseudo(a.checksum),
                    b.ip,
                    pseudo(b.checksum)
                ),
            };
            format!("{} VRID CONFLICT: {detail}", prefix(key))
        }
        Event::BadTtl {
            key, speaker, ttl, ..
        } => format!(
            "{} adverts from {} arrive with TTL {ttl}: every receiver drops them (it must be 255)",
            prefix(key),
            who(speaker)
        ),
        Event::Malformed {
            iface,
            src,
            mac,
            error,
            ..
        } => format!(
            "{iface}: invalid VRRP packet from {src} ({mac}): {error} (more from it are counted)"
        ),
        Event::Link {
            iface, up: false, ..
        } => {
            format!("{iface}: link down: nothing is heard on it until it comes back")
        }
        Event::Link {
            iface, up: true, ..
        } => format!("{iface}: link up: listening again"),
    }
}

fn pseudo(c: ChecksumMode) -> &'static str {
    match c {
        ChecksumMode::V3NoPseudoHeader => "leaves out",
        _ => "includes",
    }
}

fn speaker_json(s: &Speaker) -> Value {
    json!({
        "ip": s.ip.to_string(),
        "mac": s.mac.to_string(),
        "priority": s.priority,
        "version": match s.version { Version::V2 => 2, Version::V3 => 3 },
        "interval_ms": s.interval.as_millis() as u64,
        "vips": s.vips.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "auth": match s.auth { Auth::None => "none", Auth::Pass(_) => "pass" },
    })
}

fn key_json(key: &GroupKey) -> Value {
    let mut k = json!({ "iface": key.iface, "family": family(key.family), "vrid": key.vrid });
    if let Some(v) = key.vlan {
        k["vlan"] = v.into();
    }
    k
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// The event as a JSON object, with `time` already formatted.
pub fn json(ev: &Event, time: &str) -> Value {
    let mut v = match ev {
        Event::Master { master, how, .. } => {
            let mut v = json!({ "event": "master", "master": speaker_json(master) });
            let (kind, prev, after) = match how {
                Takeover::First => ("first", None, None),
                Takeover::Preempted { previous } => ("preempted", Some(previous), None),
                Takeover::AfterResign { previous, after } => {
                    ("after_resign", Some(previous), Some(*after))
                }
                Takeover::AfterSilence { previous, after } => {
                    ("after_silence", Some(previous), Some(*after))
                }
            };
            v["how"] = json!(kind);
            if let Some(p) = prev {
                v["previous"] = speaker_json(p);
            }
            if let Some(a) = after {
                v["after_ms"] = json!(ms(a));
            }
            v
        }
        Event::Resigned { master, .. } => {
            json!({ "event": "resigned", "master": speaker_json(master) })
        }
        Event::NoMaster { last, silent, .. } => {
            json!({ "event": "no_master", "last": speaker_json(last), "silent_ms": ms(*silent) })
        }
        Event::SplitBrain { masters, .. } => {
            json!({ "event": "split_brain", "masters": masters.iter().map(speaker_json).collect::<Vec<_>>() })
        }
        Event::SplitBrainOver { master, lasted, .. } => {
            let mut v = json!({ "event": "split_brain_over", "lasted_ms": ms(*lasted) });
            v["master"] = master.as_ref().map_or(Value::Null, speaker_json);
            v
        }
        Event::Conflict { what, a, b, .. } => {
            let what = match what {
                Conflict::Version => "version",
                Conflict::Interval => "interval",
                Conflict::Addresses => "addresses",
                Conflict::Auth => "auth",
                Conflict::Checksum => "checksum",
            };
            json!({ "event": "conflict", "what": what, "a": speaker_json(a), "b": speaker_json(b) })
        }
        Event::BadTtl { speaker, ttl, .. } => {
            json!({ "event": "bad_ttl", "speaker": speaker_json(speaker), "ttl": ttl })
        }
        Event::Link { iface, up, .. } => json!({ "event": "link", "iface": iface, "up": up }),
        Event::Malformed {
            iface,
            src,
            mac,
            error,
            ..
        } => json!({
            "event": "malformed", "iface": iface, "src": src.to_string(),
            "mac": mac.to_string(), "error": error.to_string(),
        }),
    };
    if let Some(key) = ev.key() {
        merge(&mut v, key);
    }
    v["time"] = json!(time);
    v
}

fn merge(v: &mut Value, key: &GroupKey) {
    if let (Some(o), Value::Object(k)) = (v.as_object_mut(), key_json(key)) {
        o.extend(k);
    }
}

/// Invalid packets counted for one (interface, sender, reason).
pub type InvalidCount = (String, IpAddr, keepvip_wire::Error, u64);

/// The summary as text lines.
pub fn summary_text(groups: &[GroupSummary], invalid: &[InvalidCount]) -> String {
    let mut out = String::new();
    for (iface, src, error, n) in invalid {
        out.push_str(&format!(
            "{iface}: {n} invalid VRRP packet(s) from {src}: {error}\n"
        ));
    }
    if groups.is_empty() {
        out.push_str("no VRRP adverts seen\n");
        return out;
    }
    for g in groups {
        let master = g
            .master
            .as_ref()
            .map_or("no master".to_string(), |m| format!("master {}", who(m)));
        out.push_str(&format!(
            "{} {master}; {} adverts from {} station(s), {} takeover(s), {} split brain(s), {} conflict(s)\n",
            prefix(&g.key),
            g.adverts,
            g.stations,
            g.takeovers,
            g.split_brains,
            g.conflicts
        ));
    }
    out
}

/// The summary as one JSON object.
pub fn summary_json(groups: &[GroupSummary], invalid: &[InvalidCount], time: &str) -> Value {
    let groups: Vec<Value> = groups
        .iter()
        .map(|g| {
            let mut v = json!({
                "master": g.master.as_ref().map_or(Value::Null, speaker_json),
                "stations": g.stations,
                "adverts": g.adverts,
                "takeovers": g.takeovers,
                "split_brains": g.split_brains,
                "conflicts": g.conflicts,
            });
            merge(&mut v, &g.key);
            v
        })
        .collect();
    let invalid: Vec<Value> = invalid
        .iter()
        .map(|(iface, src, error, n)| {
            json!({ "iface": iface, "src": src.to_string(), "error": error.to_string(), "count": n })
        })
        .collect();
    json!({ "event": "summary", "time": time, "groups": groups, "invalid": invalid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::observer::tests::station as speaker;
    use keepvip_proto::Instant;

    fn key() -> GroupKey {
        GroupKey {
            iface: "eth0".into(),
            vlan: None,
            family: Family::V4,
            vrid: 51,
        }
    }

    #[test]
    fn utc_formats_the_calendar() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_796_143_858_123);
        assert_eq!(utc(t), "2026-12-01T16:50:58.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(utc(leap), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn lines_name_the_stations() {
        let at = Instant::from_micros(0);
        let first = Event::Master {
            key: key(),
            at,
            master: speaker(11, 100),
            how: Takeover::First,
        };
        assert_eq!(
            text(&first),
            "eth0 VRID 51 IPv4: master is 192.0.2.11 (02:00:00:00:00:0b) priority 100, VRRPv3 every 0.10 s, virtual addresses 192.0.2.200"
        );
        let split = Event::SplitBrain {
            key: key(),
            at,
            masters: vec![speaker(11, 150), speaker(12, 100)],
        };
        assert_eq!(
            text(&split),
            "eth0 VRID 51 IPv4: SPLIT BRAIN: 2 masters: 192.0.2.11 (02:00:00:00:00:0b) priority 150, 192.0.2.12 (02:00:00:00:00:0c) priority 100"
        );
        let j = json(&split, "T");
        assert_eq!(j["event"], "split_brain");
        assert_eq!(j["vrid"], 51);
        assert_eq!(j["masters"][1]["ip"], "192.0.2.12");
        assert_eq!(j["time"], "T");
        let mut b = speaker(12, 90);
        b.auth = Auth::Pass(*b"secret\0\0");
        let mut a = speaker(11, 100);
        a.auth = Auth::Pass(*b"other\0\0\0");
        let conflict = Event::Conflict {
            key: key(),
            at,
            what: Conflict::Auth,
            a,
            b,
        };
        let line = text(&conflict);
        assert!(line.contains("different PASS passwords"), "{line}");
        assert!(
            !line.contains("secret"),
            "passwords are not printed: {line}"
        );
        assert!(!json(&conflict, "T").to_string().contains("secret"));
    }
}
