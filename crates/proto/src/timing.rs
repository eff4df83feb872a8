//! VRRP timing formulas (RFC 3768 / RFC 9568 section 6.1, as keepalived
//! computes them: integer microseconds, rounded down).

use core::time::Duration;

use crate::Version;

/// Skew_Time for a backup of `priority` following a master that advertises
/// every `master_adver_int`.
///
/// v2: (256 − p) / 256 s, independent of the interval.
/// v3: (256 − p) · Master_Adver_Interval / 256.
pub fn skew(version: Version, priority: u8, master_adver_int: Duration) -> Duration {
    let weight = 256 - u64::from(priority);
    let base_us = match version {
        Version::V2 => 1_000_000,
        Version::V3 => master_adver_int.as_micros() as u64,
    };
    Duration::from_micros(weight * base_us / 256)
}

/// Master_Down_Interval = down_timer_adverts × Master_Adver_Interval + Skew_Time
/// (`down_timer_adverts` is 3 in the RFCs; keepalived lets it be configured).
pub fn master_down_interval(
    version: Version,
    priority: u8,
    master_adver_int: Duration,
    down_timer_adverts: u32,
) -> Duration {
    master_adver_int * down_timer_adverts + skew(version, priority, master_adver_int)
}

/// The advert interval field for `interval`: whole seconds (v2) or
/// centiseconds (v3, 12 bits).
pub fn interval_field(version: Version, interval: Duration) -> u16 {
    match version {
        Version::V2 => interval.as_secs().clamp(1, 255) as u16,
        Version::V3 => (interval.as_millis() / 10).clamp(1, 4095) as u16,
    }
}

/// The interval a received advert field stands for.
pub fn field_interval(version: Version, field: u16) -> Duration {
    match version {
        Version::V2 => Duration::from_secs(u64::from(field)),
        Version::V3 => Duration::from_millis(u64::from(field) * 10),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_reference_table() {
        let s = Duration::from_secs(1);
        assert_eq!(
            master_down_interval(Version::V2, 100, s, 3),
            Duration::from_micros(3_609_375)
        );
        assert_eq!(
            master_down_interval(Version::V2, 254, s, 3),
            Duration::from_micros(3_007_812)
        );
        let ms100 = Duration::from_millis(100);
        assert_eq!(
            master_down_interval(Version::V3, 100, ms100, 3),
            Duration::from_micros(360_937)
        );
        let ms500 = Duration::from_millis(500);
        assert_eq!(
            master_down_interval(Version::V3, 200, ms500, 3),
            Duration::from_micros(1_609_375)
        );
        assert_eq!(skew(Version::V2, 100, s), Duration::from_micros(609_375));
    }

    #[test]
    fn interval_fields() {
        assert_eq!(interval_field(Version::V2, Duration::from_secs(1)), 1);
        assert_eq!(interval_field(Version::V3, Duration::from_millis(100)), 10);
        assert_eq!(field_interval(Version::V3, 10), Duration::from_millis(100));
        assert_eq!(field_interval(Version::V2, 3), Duration::from_secs(3));
    }
}
