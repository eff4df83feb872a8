//! keepalived's check of every script when a configuration is loaded
//! (vrrp.c check_vrrp_script_security, notify.c check_script_secure): a
//! program named without a path is looked up in PATH once and run by its
//! full path; a script that cannot be found, cannot be executed by the user
//! it runs as, or (with `enable_script_security`) runs as root from a path
//! someone else could write to, is disabled: a vrrp_script is dropped and
//! the instances tracking it go on without it, a notify is not run.
//!
//! keepvip used to run such scripts anyway and count every failed start as
//! a failed check, so a `killall` missing from a minimal image, or a check
//! in a group-writable directory, put every node in FAULT where keepalived
//! keeps the VIP (without that check, and says so in its log).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use keepvip_conf::model::NotifyCmd;
use keepvip_conf::Config;
use keepvip_proto::TrackerKey;

use super::scripts::{which, ScriptPolicy};

/// Why a script is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disabled {
    /// not found, or not accessible (keepalived's SC_NOTFOUND)
    NotFound,
    /// found, but the user it runs as cannot execute it
    NotExecutable,
    /// runs as root and someone else could replace it (SC_INHIBIT)
    Insecure,
}

/// Check every script of `config` as keepalived does at load, logging its
/// lines; disabled ones are taken out, found ones get their full path.
pub fn check_scripts(config: &mut Config) {
    let policy = ScriptPolicy {
        default_user: config.global.script_user.clone(),
        security: config.global.script_security,
    };
    let mut dropped = Vec::new();
    config.scripts.retain_mut(|s| {
        let verdict = check(
            &mut s.script,
            s.user.as_deref(),
            s.group.as_deref(),
            &policy,
        );
        match verdict {
            Ok(()) => true,
            Err(why) => {
                match why {
                    Disabled::Insecure => {
                        tracing::info!("Disabling track script {} due to insecure", s.name)
                    }
                    Disabled::NotFound => tracing::info!(
                        "Disabling track script {} since not found/accessible",
                        s.name
                    ),
                    Disabled::NotExecutable => {}
                }
                dropped.push(TrackerKey::Script(s.name.clone()));
                false
            }
        }
    });
    // what tracked a disabled script goes on without it
    for i in &mut config.router.instances {
        i.trackers.retain(|t| !dropped.contains(&t.key));
    }
    for g in &mut config.router.sync_groups {
        g.trackers.retain(|t| !dropped.contains(&t.key));
    }
    let notify_sets = config
        .instances
        .iter_mut()
        .map(|i| &mut i.notify)
        .chain(config.groups.iter_mut().map(|g| &mut g.notify));
    for n in notify_sets {
        for (_, cmd) in n.commands_mut() {
            check_notify(cmd, &policy);
        }
    }
    let g = &mut config.global;
    for fifo in [&mut g.notify_fifo, &mut g.vrrp_notify_fifo]
        .into_iter()
        .flatten()
    {
        check_notify(&mut fifo.script, &policy);
    }
}

/// A notify command that fails the check is not run.
fn check_notify(cmd: &mut Option<NotifyCmd>, policy: &ScriptPolicy) {
    let Some(c) = cmd.as_mut() else {
        return;
    };
    let (user, group) = (c.user.clone(), c.group.clone());
    if check(&mut c.command, user.as_deref(), group.as_deref(), policy).is_err() {
        *cmd = None;
    }
}

/// keepalived's check_script_secure for one command line; on success the
/// program's name is replaced by the path it was found at.
fn check(
    line: &mut String,
    user: Option<&str>,
    group: Option<&str>,
    policy: &ScriptPolicy,
) -> Result<(), Disabled> {
    let Some(prog) = line.split_whitespace().next().map(str::to_string) else {
        return Ok(());
    };
    // `</path`: a file that must be openable, not something to run
    if prog.starts_with('<') {
        return Ok(());
    }
    let path = if prog.contains('/') {
        PathBuf::from(&prog)
    } else {
        match which(&prog) {
            Some(found) => {
                tracing::info!(
                    "WARNING - script `{prog}` resolved by path search to `{}`. Please specify full path.",
                    found.display()
                );
                *line = line.replacen(&prog, &found.to_string_lossy(), 1);
                found
            }
            None => {
                tracing::info!("Cannot find script {prog} in path - disabling");
                return Err(Disabled::NotFound);
            }
        }
    };
    let real = match std::fs::canonicalize(&path) {
        Ok(real) => real,
        Err(e) => {
            let errno = nix::errno::Errno::from_raw(e.raw_os_error().unwrap_or(0));
            tracing::info!(
                "Script {} cannot be accessed - {}",
                path.display(),
                errno.desc()
            );
            return Err(Disabled::NotFound);
        }
    };
    let meta = std::fs::metadata(&path).map_err(|_| {
        tracing::info!("Unable to access script `{}` - disabling", path.display());
        Disabled::NotFound
    })?;
    // SAFETY: geteuid/getegid have no preconditions.
    let (own_uid, own_gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    let (uid, gid) = match policy.identity(user, group) {
        Ok(Some(id)) => id,
        Ok(None) => (own_uid, own_gid),
        // a user that does not exist: reported (and not run) at each run
        Err(_) => return Ok(()),
    };
    if !executable(&meta, uid, gid) {
        tracing::info!(
            "WARNING - script '{}' is not executable for uid:gid {uid}:{gid} - disabling.",
            path.display()
        );
        return Err(Disabled::NotExecutable);
    }
    let setuid_root = (meta.uid() == 0 && meta.mode() & 0o4100 == 0o4100)
        || (meta.gid() == 0 && meta.mode() & 0o2010 == 0o2010);
    if uid == 0 || gid == 0 || setuid_root {
        // the path as written and the one it resolves to
        if let Some(unsafe_part) = writable_by_others(&path).or_else(|| writable_by_others(&real)) {
            if policy.security {
                tracing::info!(
                    "Unsafe permissions found for script '{}' - disabling.",
                    unsafe_part.display()
                );
                return Err(Disabled::Insecure);
            }
            tracing::info!(
                "Unsafe permissions found for script '{}'.",
                unsafe_part.display()
            );
        }
    }
    Ok(())
}

/// keepalived's is_executable: root needs any execute bit, others the one
/// of the class they fall in.
fn executable(meta: &std::fs::Metadata, uid: u32, gid: u32) -> bool {
    let mode = meta.mode();
    if uid == 0 {
        mode & 0o111 != 0
    } else if uid == meta.uid() {
        mode & 0o100 != 0
    } else if gid == meta.gid() {
        mode & 0o010 != 0
    } else {
        mode & 0o001 != 0
    }
}

/// keepalived's check_security: the first of `/`, each directory down to
/// the file, and the file, that is not root's, or is writable by a group
/// other than root's or by anyone (a sticky directory such as /tmp stops
/// others replacing root's entries).
fn writable_by_others(path: &Path) -> Option<PathBuf> {
    let mut parts: Vec<&Path> = path.ancestors().collect();
    parts.reverse();
    for part in parts {
        let Ok(m) = std::fs::symlink_metadata(part) else {
            return Some(part.to_path_buf());
        };
        let sticky_dir = m.is_dir() && m.mode() & 0o1000 != 0;
        let checked = (m.is_dir() && !sticky_dir) || m.is_file();
        let group_writable = m.gid() != 0 && m.mode() & 0o020 != 0;
        let world_writable = m.mode() & 0o002 != 0;
        if m.uid() != 0 || (checked && (group_writable || world_writable)) {
            return Some(part.to_path_buf());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(security: bool) -> ScriptPolicy {
        ScriptPolicy {
            default_user: None,
            security,
        }
    }

    #[test]
    fn a_bare_name_is_run_by_its_full_path() {
        let mut line = "true --flag".to_string();
        assert_eq!(check(&mut line, None, None, &policy(true)), Ok(()));
        assert!(
            line.starts_with('/') && line.ends_with("true --flag"),
            "{line}"
        );
    }

    #[test]
    fn a_missing_program_is_disabled() {
        let mut line = "no_such_program_kv --x".to_string();
        assert_eq!(
            check(&mut line, None, None, &policy(true)),
            Err(Disabled::NotFound)
        );
        let mut line = "/nonexistent/kv/check.sh".to_string();
        assert_eq!(
            check(&mut line, None, None, &policy(true)),
            Err(Disabled::NotFound)
        );
    }
}
