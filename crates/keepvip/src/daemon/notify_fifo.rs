//! The notify FIFOs (`vrrp_notify_fifo`, `notify_fifo`), kept as keepalived
//! keeps them: made if missing, the FIFO script started, then opened once,
//! read-write and non-blocking, for as long as the daemon runs.
//!
//! Holding the FIFO open is what its readers rely on. A reader sees end of
//! file only when the last writer closes, so a daemon that opened it for
//! each line (as keepvip did until 2026-12-08) ended `while read line; do
//! …; done < FIFO` after the first line and made keepalived's sample reader
//! spin; a line written while no reader had it open was lost (ENXIO), such
//! as the first BACKUP line, written before the FIFO script got to open
//! it. Opened read-write, the FIFO always has a reader (the daemon), so a
//! line waits in the pipe until the script reads it.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use keepvip_conf::model::Fifo;

use super::scripts::{self, ScriptPolicy};

/// One open notify FIFO and the script reading it.
#[derive(Debug)]
pub struct NotifyFifo {
    /// as configured (a reload compares it)
    config: Fifo,
    file: Option<File>,
    /// made by us: removed at stop, as keepalived does
    created: bool,
    script: Option<tokio::process::Child>,
}

impl NotifyFifo {
    /// keepalived's fifo_open: make the FIFO if missing (rw-r--r--, owned
    /// by its `USER [GROUP]`), start its script, open it.
    pub fn open(config: &Fifo, policy: &ScriptPolicy) -> NotifyFifo {
        let created = !config.path.exists() && make(config);
        let script = config
            .script
            .as_ref()
            .and_then(|cmd| scripts::start_fifo_script(policy, cmd, &config.path));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(&config.path)
            .map_err(|e| {
                tracing::warn!("Unable to open notify fifo {} - {e}", config.path.display())
            })
            .ok();
        NotifyFifo {
            config: config.clone(),
            file,
            created,
            script,
        }
    }

    /// Whether this is the FIFO `config` asks for (a reload keeps it open
    /// and its script running).
    pub fn is(&self, config: &Fifo) -> bool {
        self.config == *config
    }

    /// One line. A full pipe (a reader 64 KiB behind) loses the line
    /// rather than stalling the daemon, as keepalived's non-blocking write.
    pub fn write(&self, line: &str) {
        if let Some(mut f) = self.file.as_ref() {
            if let Err(e) = f.write_all(line.as_bytes()) {
                tracing::debug!("notify FIFO {}: {e}", self.config.path.display());
            }
        }
    }

    /// Close it: the reader sees end of file once it has read every line;
    /// its script has until `deadline` to finish, then SIGTERM. A FIFO we
    /// made is removed.
    pub async fn close(mut self, deadline: tokio::time::Instant) {
        self.file = None;
        if let Some(mut child) = self.script.take() {
            if tokio::time::timeout_at(deadline, child.wait())
                .await
                .is_err()
            {
                if let Some(pid) = child.id() {
                    // SAFETY: kill(2) on the FIFO script this daemon started
                    // and has not reaped.
                    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
                }
                // reaped in the background: a script that ignores SIGTERM
                // must not hold the daemon up
                tokio::spawn(async move {
                    let _ = child.wait().await;
                });
            }
        }
        if self.created {
            let _ = std::fs::remove_file(&self.config.path);
        }
    }
}

/// mkfifo rw-r--r--, then chown to the configured owner (looked up first,
/// so the FIFO is someone else's only as long as mkfifo-then-chown takes).
fn make(config: &Fifo) -> bool {
    let owner = config
        .user
        .as_ref()
        .map(|user| (user, scripts::resolve_user(user, config.group.as_deref())));
    if let Err(e) = nix::unistd::mkfifo(
        &config.path,
        nix::sys::stat::Mode::from_bits_truncate(0o644),
    ) {
        tracing::warn!(
            "Unable to create notify fifo {}: {e}",
            config.path.display()
        );
        return false;
    }
    if let Some((user, resolved)) = owner {
        let chowned = resolved.and_then(|(uid, gid)| {
            std::os::unix::fs::chown(&config.path, Some(uid), Some(gid)).map_err(|e| e.to_string())
        });
        if let Err(e) = chowned {
            tracing::warn!(
                "notify FIFO {}: cannot give it to {user}: {e}",
                config.path.display()
            );
        }
    }
    true
}

/// Every configured notify FIFO (`vrrp_notify_fifo`, then `notify_fifo`).
#[derive(Debug, Default)]
pub struct NotifyFifos {
    open: Vec<NotifyFifo>,
}

impl NotifyFifos {
    /// Open those `wanted` names; on a reload, the ones already open that
    /// are still wanted unchanged stay as they are, the others are closed.
    pub async fn apply(&mut self, wanted: &[&Fifo], policy: &ScriptPolicy) {
        let mut keep = Vec::new();
        for f in std::mem::take(&mut self.open) {
            if wanted.iter().any(|w| f.is(w)) {
                keep.push(f);
            } else {
                f.close(tokio::time::Instant::now()).await;
            }
        }
        for w in wanted {
            match keep.iter().position(|f| f.is(w)) {
                Some(i) => self.open.push(keep.remove(i)),
                None => self.open.push(NotifyFifo::open(w, policy)),
            }
        }
    }

    /// One line to every FIFO.
    pub fn write(&self, line: &str) {
        for f in &self.open {
            f.write(line);
        }
    }

    /// Close them all (at stop): every reader sees end of file at once;
    /// the scripts get `grace` in all to read their last lines and exit.
    pub async fn close(&mut self, grace: Duration) {
        let mut all = std::mem::take(&mut self.open);
        for f in &mut all {
            f.file = None;
        }
        let deadline = tokio::time::Instant::now() + grace;
        for f in all {
            f.close(deadline).await;
        }
    }
}
