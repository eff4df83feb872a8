//! Health-check scripts (vrrp_script) and notify scripts, run like
//! keepalived: the line is split into words and executed directly; a line
//! with shell syntax goes through `/bin/sh -c`. Every child gets its own
//! process group, so a timeout kills the whole group; nothing here ever
//! blocks the event loop.

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use keepvip_conf::model::{NotifyCmd, VrrpScript};
use keepvip_proto::{TrackerKey, TrackerState};
use tokio::process::Command;
use tokio::sync::mpsc;

const SHELL_CHARS: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?', '[', ']', '#', '~',
    '=', '%', '{', '}',
];

/// The command for a script line plus extra arguments.
pub fn command(line: &str, extra: &[String]) -> Command {
    let words: Vec<&str> = line.split_whitespace().collect();
    let shell = line.contains(SHELL_CHARS)
        || words
            .first()
            .is_none_or(|w| !Path::new(w).is_absolute() && !w.contains('/') && which(w).is_none());
    let mut c = if shell {
        let mut full = line.to_string();
        for a in extra {
            full.push(' ');
            full.push('\'');
            full.push_str(&a.replace('\'', "'\\''"));
            full.push('\'');
        }
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(full);
        c
    } else {
        let path = which(words[0]).unwrap_or_else(|| words[0].into());
        let mut c = Command::new(path);
        c.args(&words[1..]).args(extra);
        c
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(false);
    c
}

/// A command line as keepalived shows it in its dumps: every word in
/// single quotes, the program with its real full path (`'/usr/bin/true' 'x'`).
pub fn cmd_str(line: &str) -> String {
    let mut words = line.split_whitespace();
    let Some(prog) = words.next() else {
        return String::new();
    };
    // keepalived shows the real path (`/bin/true` is `/usr/bin/true`)
    let path = which(prog)
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .map_or_else(|| prog.to_string(), |p| p.display().to_string());
    std::iter::once(path)
        .chain(words.map(str::to_string))
        .map(|w| format!("'{w}'"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where PATH finds `prog` (itself when it has a `/`).
pub(crate) fn which(prog: &str) -> Option<std::path::PathBuf> {
    if prog.contains('/') {
        return Some(prog.into());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

/// Who scripts run as: `user USER [GROUP]` on the script or notify line,
/// else global `script_user`, else keepalived's default: the user
/// `keepalived_script` if it exists, else root.
#[derive(Debug, Clone, Default)]
pub struct ScriptPolicy {
    /// global_defs script_user
    pub default_user: Option<(String, Option<String>)>,
    /// enable_script_security
    pub security: bool,
}

/// uid and gid for a user (and optional group) name. root is 0/0 without
/// a lookup, which would load the NSS modules into the daemon for good.
pub fn resolve_user(user: &str, group: Option<&str>) -> Result<(u32, u32), String> {
    if user == "root" && matches!(group, None | Some("root")) {
        return Ok((0, 0));
    }
    let u = nix::unistd::User::from_name(user)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("user `{user}` does not exist"))?;
    let gid = match group {
        Some(g) => nix::unistd::Group::from_name(g)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("group `{g}` does not exist"))?
            .gid
            .as_raw(),
        None => u.gid.as_raw(),
    };
    Ok((u.uid.as_raw(), gid))
}

impl ScriptPolicy {
    /// The (uid, gid) a script runs as; None = the daemon's own user.
    pub fn identity(
        &self,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<Option<(u32, u32)>, String> {
        if let Some(u) = user {
            return resolve_user(u, group).map(Some);
        }
        if let Some((u, g)) = &self.default_user {
            return resolve_user(u, g.as_deref()).map(Some);
        }
        Ok(resolve_user("keepalived_script", None).ok())
    }

    /// Apply the identity to a command; Err = must not run. (Whether it
    /// may run at all was decided when the configuration was loaded:
    /// `script_check`.)
    pub fn prepare(
        &self,
        c: &mut Command,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<(), String> {
        let id = self.identity(user, group)?;
        // SAFETY: geteuid has no preconditions.
        let daemon_root = unsafe { libc::geteuid() } == 0;
        if let Some((uid, gid)) = id {
            if daemon_root {
                c.uid(uid).gid(gid);
            }
        }
        Ok(())
    }
}

/// Run a notify command in the background (never awaited).
pub fn notify(policy: &ScriptPolicy, cmd: &NotifyCmd, extra: &[String]) {
    let mut c = command(&cmd.command, extra);
    if let Err(e) = policy.prepare(&mut c, cmd.user.as_deref(), cmd.group.as_deref()) {
        tracing::warn!("{e}");
        return;
    }
    match c.spawn() {
        Ok(mut child) => {
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
        }
        Err(e) => tracing::warn!("cannot run notify script `{}`: {e}", cmd.command),
    }
}

/// Sends SIGTERM to a script's process group when dropped before the
/// script was waited for: an aborted task (stop, reload) drops it mid-run.
struct StopGroupOnDrop(Option<u32>);

impl Drop for StopGroupOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: kill(2) on the process group this script leads; if
            // it has ended, the group is gone and this fails harmlessly.
            unsafe { libc::kill(-(pid as i32), libc::SIGTERM) };
        }
    }
}

/// Outcome of one run.
enum Outcome {
    Ok,
    Failed(i32),
    Signalled(i32),
    TimedOut,
    CannotRun(String),
}

async fn run_once(s: &VrrpScript, policy: &ScriptPolicy) -> Outcome {
    let mut c = command(&s.script, &[]);
    if let Err(e) = policy.prepare(&mut c, s.user.as_deref(), s.group.as_deref()) {
        return Outcome::CannotRun(e);
    }
    let mut child = match c.spawn() {
        Ok(ch) => ch,
        Err(e) => return Outcome::CannotRun(e.to_string()),
    };
    let pid = child.id();
    // a run the daemon abandons (stop, reload) is terminated with its
    // children, as keepalived's script_killall does
    let mut guard = StopGroupOnDrop(pid);
    let out = match tokio::time::timeout(s.timeout, child.wait()).await {
        Ok(Ok(st)) if st.success() => Outcome::Ok,
        Ok(Ok(st)) => {
            use std::os::unix::process::ExitStatusExt;
            match (st.code(), st.signal()) {
                (Some(c), _) => Outcome::Failed(c),
                (None, sig) => Outcome::Signalled(sig.unwrap_or(0)),
            }
        }
        Ok(Err(e)) => Outcome::CannotRun(e.to_string()),
        Err(_) => {
            if let Some(pid) = pid {
                // the whole process group: a hanging script's children too
                // SAFETY: kill(2) on a process group we created.
                unsafe { libc::kill(-(pid as i32), libc::SIGKILL) };
            }
            let _ = child.wait().await;
            Outcome::TimedOut
        }
    };
    // waited for: nothing left to stop (and its pid may be reused)
    guard.0 = None;
    out
}

/// Run `s` every interval forever: the first result at once (the router
/// holds instances with weight-0 scripts until it comes), then Up/Down
/// changes after rise/fall consecutive results. After a reload
/// (`carried_up`) the state the script had counts as reported. `last`
/// holds the exit code last logged, shared with the runner a reload
/// replaces.
pub async fn run_script(
    s: VrrpScript,
    policy: ScriptPolicy,
    carried_up: Option<bool>,
    last: Arc<AtomicI32>,
    tx: mpsc::Sender<super::Event>,
) {
    let key = TrackerKey::Script(s.name.clone());
    let mut up = !s.init_fail;
    let mut reported = false;
    let (mut oks, mut fails) = (0u32, 0u32);
    if let Some(was_up) = carried_up {
        // a reload keeps what the script said (keepalived's
        // clear_diff_script, logged by the reload): no new first result,
        // rise/fall from here
        up = was_up;
        reported = true;
    }
    // the code last logged, kept across reloads (keepalived's last_status,
    // 0 at start: a first success is not news)
    let mut last_code = Some(last.load(Ordering::Relaxed));
    let mut tick = tokio::time::interval(s.interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let out = {
            // keepalived's next interval comes while the run goes on:
            // `Track script c3 is already running, expect idle - skipping run`
            let run = run_once(&s, &policy);
            tokio::pin!(run);
            loop {
                tokio::select! {
                    out = &mut run => break out,
                    _ = tick.tick() => tracing::info!(
                        "Track script {} is already running, expect idle - skipping run",
                        s.name
                    ),
                }
            }
        };
        // keepalived's last_status: only an exit code sets it (a timeout
        // or a signal does not, so the next `0` after one is no news)
        let code = match &out {
            Outcome::Ok => Some(0),
            Outcome::Failed(c) => Some(*c),
            _ => None,
        };
        if let Some(code) = code {
            if last_code != Some(code) {
                tracing::info!("Script `{}` now returning {code}", s.name);
            }
            last_code = Some(code);
            last.store(code, Ordering::Relaxed);
        }
        match out {
            Outcome::Ok => {
                oks += 1;
                fails = 0;
            }
            ref bad => {
                fails += 1;
                oks = 0;
                if let Outcome::CannotRun(e) = bad {
                    tracing::warn!("VRRP_Script({}) cannot run `{}`: {e}", s.name, s.script);
                }
            }
        }
        let was = up;
        if !reported && !s.init_fail {
            // keepalived starts a script one result short of either state
            // (result = rise - 1): the first run decides, whatever rise
            // and fall say
            up = matches!(out, Outcome::Ok);
        } else if !up && oks >= s.rise {
            up = true;
        } else if up && fails >= s.fall {
            up = false;
        }
        if was != up || !reported {
            if up {
                tracing::info!("VRRP_Script({}) succeeded", s.name);
            } else {
                match out {
                    Outcome::TimedOut => tracing::info!("VRRP_Script({}) timed_out", s.name),
                    Outcome::Failed(c) => {
                        tracing::info!("VRRP_Script({}) failed (exited with status {c})", s.name)
                    }
                    Outcome::Signalled(sig) => {
                        tracing::info!("VRRP_Script({}) failed (due to signal {sig})", s.name)
                    }
                    _ => tracing::info!("VRRP_Script({}) failed", s.name),
                }
            }
            let state = if up {
                TrackerState::Up
            } else {
                TrackerState::Down
            };
            if tx
                .send(super::Event::Tracker(key.clone(), state))
                .await
                .is_err()
            {
                return;
            }
            reported = true;
        }
    }
}

/// Start a `*_fifo_script`: it gets the FIFO path as its last argument and
/// is sent SIGTERM when the daemon stops.
pub fn start_fifo_script(
    policy: &ScriptPolicy,
    cmd: &NotifyCmd,
    fifo: &std::path::Path,
) -> Option<tokio::process::Child> {
    let mut c = command(&cmd.command, &[fifo.display().to_string()]);
    if let Err(e) = policy.prepare(&mut c, cmd.user.as_deref(), cmd.group.as_deref()) {
        tracing::warn!("{e}");
        return None;
    }
    match c.spawn() {
        Ok(ch) => Some(ch),
        Err(e) => {
            tracing::warn!("cannot run notify FIFO script `{}`: {e}", cmd.command);
            None
        }
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;

    /// root is 0/0 without asking NSS (whose modules would stay in the
    /// daemon); another user is looked up.
    #[test]
    fn root_needs_no_lookup() {
        assert_eq!(resolve_user("root", None), Ok((0, 0)));
        assert_eq!(resolve_user("root", Some("root")), Ok((0, 0)));
        assert!(resolve_user("kv-no-such-user-here", None).is_err());
    }
}
