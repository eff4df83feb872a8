//! track_file (inotify on the file's directory) and vrrp_track_process
//! (/proc scanning). Each runs as its own task and reports only changes.

use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use keepvip_conf::model::{TrackFile, TrackProcess};
use keepvip_proto::{TrackerKey, TrackerState};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;
use tokio::sync::mpsc;

/// C's `strtol(buf, NULL, 0)` on the start of a file, as keepalived reads
/// a track_file (track_file.c process_track_file): leading white space, a
/// sign, `0x` for hex and `0` for octal, as many digits as fit; nothing
/// readable is 0. Err: out of keepalived's range (its `Invalid number`,
/// with the value it prints: LONG_MIN/LONG_MAX on overflow).
pub fn parse_value(text: &[u8]) -> Result<i64, i64> {
    let mut i = 0;
    while i < text.len() && matches!(text[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let negative = match text.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut radix = 10;
    if text.get(i) == Some(&b'0') {
        if matches!(text.get(i + 1), Some(b'x' | b'X'))
            && text.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
        {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let mut value: i128 = 0;
    let mut overflow = false;
    while let Some(d) = text.get(i).and_then(|c| (*c as char).to_digit(radix)) {
        value = value * i128::from(radix) + i128::from(d);
        if value > i128::from(i64::MAX) + 1 {
            overflow = true;
            value = i128::from(i64::MAX) + 1;
        }
        i += 1;
    }
    if negative {
        value = -value;
    }
    if overflow || value > i128::from(i64::MAX) || value < i128::from(i64::MIN) {
        return Err(if negative { i64::MIN } else { i64::MAX });
    }
    let v = value as i64;
    // keepalived's range: INT32_MIN ..= INT32_MAX + 1
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) + 1 {
        return Err(v);
    }
    Ok(v)
}

/// The file's value as keepalived reads it (the first 127 bytes through
/// [`parse_value`]); missing, unreadable or empty is 0. None: an invalid
/// number, logged as keepalived logs it; the last value stands.
pub fn read_value(path: &Path) -> Option<i64> {
    use std::io::Read;
    let mut buf = [0u8; 127];
    let len = match std::fs::File::open(path) {
        Ok(mut f) => f.read(&mut buf).unwrap_or(0),
        Err(_) => 0,
    };
    match parse_value(&buf[..len]) {
        Ok(v) => Some(v),
        Err(v) => {
            tracing::info!("Invalid number {v} read from {} - ignoring", path.display());
            None
        }
    }
}

/// `init_file [VALUE] [overwrite]`, as keepalived does it while it reads
/// the configuration (track_file.c track_file_end_handler): before the
/// file is first read. A file that exists is kept unless `overwrite`, and
/// on a reload always; one that is not a regular file is left alone.
pub fn init_file(f: &TrackFile, reload: bool) {
    let Some(v) = f.init_file else {
        return;
    };
    if let Ok(meta) = std::fs::metadata(&f.file) {
        if !f.overwrite {
            return;
        }
        if !meta.is_file() {
            tracing::warn!(
                "Cannot initialise track file {} - it is not a regular file",
                f.name
            );
            return;
        }
        if reload {
            return;
        }
    }
    if let Err(e) = std::fs::write(&f.file, format!("{v}\n")) {
        tracing::warn!("Unable to initialise track file {}: {e}", f.name);
    }
}

/// Follow one track_file (its `init_file` is written before, see
/// [`init_file`]). As keepalived: inotify on the file's directory for
/// IN_CLOSE_WRITE, IN_DELETE and IN_MOVE of the file only, so a write is
/// read once the writer closes the file (`printf 5 > F` is not seen as 0
/// first), and a file deleted or moved away is 0 without reading.
pub async fn run_track_file(f: TrackFile, tx: mpsc::Sender<super::Event>) {
    let key = TrackerKey::File(f.name.clone());
    let mut last = read_value(&f.file).unwrap_or(0);
    tracing::info!("Tracked file {} value {last}", f.name);
    if tx
        .send(super::Event::Tracker(
            key.clone(),
            TrackerState::Value(last),
        ))
        .await
        .is_err()
    {
        return;
    }
    let dir = f
        .file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ".".into());
    let file_part = f.file.file_name().map(|n| n.to_os_string());
    let inotify = match Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!("track_file {}: inotify: {e}; polling instead", f.name);
            return poll_file(f, key, last, tx).await;
        }
    };
    let mask = AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MOVED_FROM
        | AddWatchFlags::IN_MOVED_TO;
    if let Err(e) = inotify.add_watch(&dir, mask) {
        tracing::warn!(
            "track_file {}: cannot watch {}: {e}; polling instead",
            f.name,
            dir.display()
        );
        return poll_file(f, key, last, tx).await;
    }
    let fd = match inotify.as_fd().try_clone_to_owned() {
        // SAFETY: the cloned fd is owned only by this AsyncFd.
        Ok(fd) => match unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) } {
            Ok(a) => a,
            Err(_) => return poll_file(f, key, last, tx).await,
        },
        Err(_) => return poll_file(f, key, last, tx).await,
    };
    loop {
        let Ok(mut guard) = fd.readable().await else {
            return;
        };
        let mut values = Vec::new();
        while let Ok(events) = inotify.read_events() {
            if events.is_empty() {
                break;
            }
            for e in events {
                if e.mask.contains(AddWatchFlags::IN_ISDIR) || e.name != file_part {
                    continue;
                }
                if e.mask
                    .intersects(AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM)
                {
                    // gone: 0, as keepalived
                    values.push(Some(0));
                } else if e
                    .mask
                    .intersects(AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_MOVED_TO)
                {
                    values.push(read_value(&f.file));
                }
            }
        }
        guard.clear_ready();
        for v in values.into_iter().flatten() {
            if v == last {
                continue;
            }
            tracing::info!("Tracked file {} changed value from {last} to {v}", f.name);
            last = v;
            if tx
                .send(super::Event::Tracker(key.clone(), TrackerState::Value(v)))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

async fn poll_file(f: TrackFile, key: TrackerKey, mut last: i64, tx: mpsc::Sender<super::Event>) {
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tick.tick().await;
        let Some(v) = read_value(&f.file) else {
            continue;
        };
        if v != last {
            last = v;
            if tx
                .send(super::Event::Tracker(key.clone(), TrackerState::Value(v)))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Whether a process with `comm` (/proc/PID/comm, without the newline)
/// and `cmdline` (/proc/PID/cmdline, raw) is one `p` counts, as
/// keepalived's check_process and check_params (track_process.c): with
/// parameters, `param_match` or `full_command` the command's first word
/// (argv[0]) must be `process`, else its comm. A `process` with a `/` and
/// none of those is matched against argv[0] too (keepalived compares such
/// a path with comm, which never matches; keepvip's extension). The
/// parameters are compared as keepalived compares them, as the bytes of
/// the argument list after argv[0] (each argument ends in a NUL): exact,
/// the whole list; `partial`, whole words at its start; `initial`, the
/// same but the last configured word only a string prefix.
pub fn process_matches(p: &TrackProcess, comm: &str, cmdline: &[u8]) -> bool {
    let full = p.full_command || !p.params.is_empty() || p.param_match.is_some();
    let (argv0, rest) = match cmdline.iter().position(|b| *b == 0) {
        Some(n) => (&cmdline[..n], &cmdline[n + 1..]),
        None => (cmdline, &[][..]),
    };
    let name_ok = if full || p.process.contains('/') {
        argv0 == p.process.as_bytes()
    } else {
        comm == p.process
    };
    if !name_ok {
        return false;
    }
    let mode = match (p.param_match.as_deref(), p.params.is_empty()) {
        (None, true) => return true,
        (None, false) => "exact",
        (Some(m), _) => m,
    };
    let mut want = Vec::new();
    for w in &p.params {
        want.extend_from_slice(w.as_bytes());
        want.push(0);
    }
    match mode {
        "partial" => rest.starts_with(&want),
        "initial" => want.is_empty() || rest.starts_with(&want[..want.len() - 1]),
        _ => rest == want.as_slice(),
    }
}

/// The running processes `p` counts: pid and parent pid.
fn matching_processes(p: &TrackProcess) -> Vec<(u32, u32)> {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let comm = comm.strip_suffix('\n').unwrap_or(&comm);
        if !process_matches(p, comm, &cmdline) {
            continue;
        }
        // the parent: the 4th field of /proc/PID/stat, after "(comm)"
        let ppid = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|st| {
                let after = &st[st.rfind(')')? + 1..];
                after.split_whitespace().nth(1)?.parse().ok()
            })
            .unwrap_or(0);
        out.push((pid, ppid));
    }
    out
}

/// How many running processes match `p`.
pub fn count_processes(p: &TrackProcess) -> u32 {
    matching_processes(p).len() as u32
}

fn in_quorum(p: &TrackProcess, n: u32) -> bool {
    n >= p.quorum && p.quorum_max.is_none_or(|m| n <= m)
}

/// Whether `p` is in quorum now (for the state before start-up).
pub fn process_in_quorum(p: &TrackProcess) -> bool {
    in_quorum(p, count_processes(p))
}

/// Follow one vrrp_track_process by scanning /proc every 250 ms
/// (keepalived uses the netlink proc connector, which needs privileges
/// and is refused in a network namespace). The delays as keepalived's
/// (track_process.c): quorum gained at once, unless a counted process
/// forked the process that made it (then after `fork_delay`); quorum lost
/// after `terminate_delay` (both `delay` unless set). A change back before
/// its delay ran out cancels it.
pub async fn run_track_process(p: TrackProcess, tx: mpsc::Sender<super::Event>) {
    let key = TrackerKey::Process(p.name.clone());
    // report a quorum state (a change with keepalived's line; the first,
    // at start, silently, as keepalived sets it); false once the daemon
    // has gone
    let report = |up: bool, changed: bool| {
        if changed {
            let how = if up { "gained" } else { "lost" };
            tracing::info!("Quorum {how} for tracked process {}", p.name);
        }
        let state = if up {
            TrackerState::Up
        } else {
            TrackerState::Down
        };
        tx.send(super::Event::Tracker(key.clone(), state))
    };
    let mut seen: Vec<(u32, u32)> = matching_processes(&p);
    let mut state = in_quorum(&p, seen.len() as u32);
    if report(state, false).await.is_err() {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // a change waiting for its delay: the state it goes to, and when
    let mut pending: Option<(bool, tokio::time::Instant)> = None;
    loop {
        match pending {
            Some((_, at)) => {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = tokio::time::sleep_until(at) => {}
                }
            }
            None => {
                tick.tick().await;
            }
        }
        let now_seen = matching_processes(&p);
        let now_ok = in_quorum(&p, now_seen.len() as u32);
        // a new process whose parent was counted: a fork
        let forked = now_seen.iter().any(|(pid, ppid)| {
            !seen.iter().any(|(s, _)| s == pid) && seen.iter().any(|(s, _)| s == ppid)
        });
        seen = now_seen;
        if now_ok == state {
            pending = None;
            continue;
        }
        let delay = match (now_ok, forked) {
            (true, true) => p.fork_delay,
            (true, false) => Duration::ZERO,
            (false, _) => p.terminate_delay,
        };
        let at = match pending {
            Some((to, at)) if to == now_ok => at,
            _ => tokio::time::Instant::now() + delay,
        };
        if tokio::time::Instant::now() < at {
            pending = Some((now_ok, at));
            continue;
        }
        pending = None;
        state = now_ok;
        if report(state, true).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keepalived's `strtol(buf, NULL, 0)` and its range check.
    #[test]
    fn file_values_parse_as_keepalived_s_strtol() {
        for (text, want) in [
            ("12abc", Ok(12)),
            ("0x10", Ok(16)),
            ("010", Ok(8)),
            ("  -5\n", Ok(-5)),
            ("+7", Ok(7)),
            ("08", Ok(0)),
            ("0x", Ok(0)),
            ("abc", Ok(0)),
            ("", Ok(0)),
            ("2147483648", Ok(2_147_483_648)),
            ("2147483649", Err(2_147_483_649)),
            ("-2147483649", Err(-2_147_483_649)),
            ("99999999999", Err(99_999_999_999)),
            ("99999999999999999999", Err(i64::MAX)),
            ("-99999999999999999999", Err(i64::MIN)),
        ] {
            assert_eq!(parse_value(text.as_bytes()), want, "{text:?}");
        }
    }

    fn tp(process: &str, params: &[&str], param_match: Option<&str>) -> TrackProcess {
        TrackProcess {
            name: "p".into(),
            process: process.into(),
            params: params.iter().map(|s| s.to_string()).collect(),
            param_match: param_match.map(str::to_string),
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: None,
            delay: Duration::ZERO,
            fork_delay: Duration::ZERO,
            terminate_delay: Duration::ZERO,
            full_command: false,
        }
    }

    fn cmdline(args: &[&str]) -> Vec<u8> {
        let mut v = Vec::new();
        for a in args {
            v.extend_from_slice(a.as_bytes());
            v.push(0);
        }
        v
    }

    /// keepalived's check_params: `initial` takes the last word as a
    /// string prefix, `partial` whole words at the start, exact the lot.
    #[test]
    fn params_match_as_keepalived_s_check_params() {
        let m = |p: &TrackProcess, args: &[&str]| process_matches(p, "sleep", &cmdline(args));
        let initial = tp("sleep", &["5"], Some("initial"));
        for args in [
            &["sleep", "55"][..],
            &["sleep", "556"],
            &["sleep", "55", "1"],
            &["sleep", "5"],
        ] {
            assert!(m(&initial, args), "initial {args:?}");
        }
        assert!(!m(&initial, &["sleep", "65"]));
        let partial = tp("sleep", &["55"], Some("partial"));
        assert!(m(&partial, &["sleep", "55"]));
        assert!(m(&partial, &["sleep", "55", "1"]));
        for args in [
            &["sleep", "155"][..],
            &["sleep", "556"],
            &["sleep", "100", "55"],
        ] {
            assert!(!m(&partial, args), "partial {args:?}");
        }
        let exact = tp("sleep", &["55"], None);
        assert!(m(&exact, &["sleep", "55"]));
        assert!(!m(&exact, &["sleep", "55", "1"]));
        // with parameters the command's argv[0] counts, not comm
        assert!(!m(&exact, &["/bin/sleep", "55"]));
    }

    /// Without parameters only comm counts: `exec -a NAME` changes argv[0]
    /// but not comm, and keepalived does not see NAME.
    #[test]
    fn a_plain_name_matches_comm_only() {
        let p = tp("nginx", &[], None);
        assert!(process_matches(&p, "nginx", &cmdline(&["nginx: master"])));
        assert!(!process_matches(&p, "sleep", &cmdline(&["nginx"])));
        assert!(!process_matches(
            &p,
            "sleep",
            &cmdline(&["/usr/sbin/nginx"])
        ));
    }
}
