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

/// The file's value: the first integer in it; missing or unreadable is 0.
pub fn read_value(path: &Path) -> i64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.split_whitespace().next().and_then(|w| w.parse().ok()))
        .unwrap_or(0)
}

/// Follow one track_file.
pub async fn run_track_file(f: TrackFile, tx: mpsc::Sender<super::Event>) {
    let key = TrackerKey::File(f.name.clone());
    if let Some(v) = f.init_file {
        if f.overwrite || !f.file.exists() {
            if let Err(e) = std::fs::write(&f.file, format!("{v}\n")) {
                tracing::warn!(
                    "track_file {}: cannot create {}: {e}",
                    f.name,
                    f.file.display()
                );
            }
        }
    }
    let mut last = read_value(&f.file);
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
    // watch the directory: editors and `echo > file` replace or truncate
    let dir = f
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ".".into());
    let inotify = match Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!("track_file {}: inotify: {e}; polling instead", f.name);
            return poll_file(f, key, last, tx).await;
        }
    };
    let mask = AddWatchFlags::IN_CLOSE_WRITE
        | AddWatchFlags::IN_MOVED_TO
        | AddWatchFlags::IN_CREATE
        | AddWatchFlags::IN_DELETE
        | AddWatchFlags::IN_MODIFY;
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
        // drain the events; we only need to know something changed
        while inotify.read_events().is_ok_and(|e| !e.is_empty()) {}
        guard.clear_ready();
        let v = read_value(&f.file);
        if v != last {
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
        let v = read_value(&f.file);
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

/// How many running processes match `p`.
pub fn count_processes(p: &TrackProcess) -> u32 {
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut n = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let comm = std::fs::read_to_string(e.path().join("comm")).unwrap_or_default();
        let comm = comm.trim();
        let name_ok = if p.full_command || p.process.contains('/') {
            args.first().is_some_and(|a| *a == p.process)
        } else {
            comm == p.process
                || args
                    .first()
                    .and_then(|a| Path::new(a).file_name())
                    .is_some_and(|f| f.to_string_lossy() == p.process)
        };
        if !name_ok {
            continue;
        }
        let params_ok = match p.param_match.as_deref() {
            _ if p.params.is_empty() => true,
            Some("partial") => p
                .params
                .iter()
                .all(|w| args.iter().skip(1).any(|a| a.contains(w.as_str()))),
            Some("initial") => {
                args.len() > p.params.len() && args[1..=p.params.len()] == p.params[..]
            }
            _ => args.len() == p.params.len() + 1 && args[1..] == p.params[..],
        };
        if params_ok {
            n += 1;
        }
    }
    n
}

/// Whether `p` is in quorum now (for the state before start-up).
pub fn process_in_quorum(p: &TrackProcess) -> bool {
    let n = count_processes(p);
    n >= p.quorum && p.quorum_max.is_none_or(|m| n <= m)
}

/// Follow one vrrp_track_process by scanning /proc (keepalived uses the
/// netlink proc connector; scanning every 250 ms is close enough for
/// VRRP and needs no extra privileges). `delay` debounces a change.
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
    let mut state = process_in_quorum(&p);
    if report(state, false).await.is_err() {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    let mut pending_since: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        let now_ok = process_in_quorum(&p);
        if now_ok == state {
            pending_since = None;
            continue;
        }
        let since = *pending_since.get_or_insert_with(tokio::time::Instant::now);
        if since.elapsed() < p.delay {
            continue;
        }
        pending_since = None;
        state = now_ok;
        if report(state, true).await.is_err() {
            return;
        }
    }
}
