//! `keepvip`: entry point. Parses keepalived's flags and dispatches.

use clap::Parser;
use keepvip::cli::{Cli, Command, StatusArgs};
use keepvip::control;

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(*args),
        Some(Command::Status(args)) => status(&args),
        Some(Command::Check(args)) => {
            keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
                path: args.config,
                config_id: args.config_id,
                dump: args.dump,
            })
        }
        Some(Command::Lab(args)) if args.bench && (args.scale || args.fast) => {
            keepvip::lab::bench::pairs(args.only.as_deref(), args.fast, args.reps, args.paired)
        }
        Some(Command::Lab(args)) if args.bench => {
            keepvip::lab::bench::run(args.reps, args.only.as_deref(), args.rt_priority)
        }
        Some(Command::Lab(args)) => keepvip::lab::demo::run(&args),
        Some(Command::Watch(args)) => keepvip::watch::run(&args),
    };
    std::process::exit(code);
}

fn run(args: keepvip::cli::RunArgs) -> i32 {
    if args.version {
        println!("keepvip v{}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    if let Some(func) = &args.signum {
        return match keepvip::daemon::run::signum(func) {
            Some(n) => {
                println!("{n}");
                0
            }
            None => {
                eprintln!("keepvip: unknown signal function `{func}` (STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON)");
                1
            }
        };
    }
    if let Some(report) = &args.config_test {
        if !report.is_empty() {
            if let Err(e) = report_to(report) {
                eprintln!("Unable to open config-test log file {report} - {e}");
                return 1;
            }
        }
        return keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
            path: args.config_path(),
            config_id: args.config_id.clone(),
            dump: false,
        });
    }
    if args.checkers_only {
        eprintln!("keepvip: -C/--check (health checkers only) is not supported: keepvip implements the VRRP side only");
        return 1;
    }
    if let Err(e) = keepvip::sys::check_capabilities() {
        eprintln!("keepvip: {e}");
        return 4;
    }
    // read the config before forking, so errors reach the terminal
    let config = args.config_path();
    let loaded = match keepvip_conf::load(
        &config,
        &keepvip_conf::LoadOptions {
            config_id: args.config_id.clone(),
            ..Default::default()
        },
    ) {
        Ok(l) if l.error_count(false) > 0 => {
            eprint!("{}", l.render());
            eprintln!("keepvip: {}: configuration errors", config.display());
            return keepvip_conf::check::EXIT_CONFIG_ERROR;
        }
        Ok(l) => l,
        Err(e) => {
            eprintln!("keepvip: {e}");
            return keepvip_conf::check::EXIT_UNREADABLE;
        }
    };
    let (naming, override_notice) =
        keepvip::naming::Naming::new(&loaded.config.global.naming, args.namespace.as_deref());
    // before the fork and before any thread, so that the whole daemon and
    // every script it runs live in the namespace, and a failure reaches
    // the terminal
    if let Some(ns) = &naming.namespace {
        if let Err(e) = keepvip::naming::enter_namespace(ns) {
            eprintln!("keepvip: {e}");
            eprintln!("keepvip: Unable to set network namespace {ns} - exiting");
            return 1;
        }
    }
    if !args.dont_fork {
        if let Err(e) = keepvip::sys::daemonize() {
            eprintln!("keepvip: cannot fork: {e}");
            return 1;
        }
    }
    let log = keepvip::logging::LogConfig {
        console: args.log_console,
        detail: args.log_detail,
        syslog: !args.no_syslog,
        facility: args.log_facility,
        file: args.log_file.clone(),
        ident: naming.syslog_ident(&args.syslog_ident),
    };
    if let Err(e) = keepvip::logging::init(&log) {
        eprintln!("keepvip: cannot open the log file: {e}");
        return 1;
    }
    if let Some(notice) = override_notice {
        tracing::info!("{notice}");
    }
    if log.ident != args.syslog_ident {
        tracing::info!("Changing syslog ident to {}", log.ident);
    }
    let pidfile_paths = args.pidfiles(&naming);
    let _pid_dirs = match keepvip::naming::MadeDirs::for_files(&pidfile_paths) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!("Unable to create the pid file directory: {e}");
            return 1;
        }
    };
    let mut pidfiles = Vec::new();
    for p in &pidfile_paths {
        match keepvip::sys::PidFile::create(p) {
            Ok(f) => pidfiles.push(f),
            // keepalived's line; it exits 0 there, keepvip 1 (a second
            // start did not happen)
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                tracing::error!("{e}");
                return 1;
            }
            Err(e) => {
                tracing::error!("pidfile {}: {e}", p.display());
                return 1;
            }
        }
    }
    tracing::info!("Starting keepvip v{}", env!("CARGO_PKG_VERSION"));
    keepvip::daemon::run::log_config_files(&loaded, &config);
    if let Some(mask) = args.umask {
        // SAFETY: umask(2) only changes this process's file-creation mask.
        unsafe { libc::umask(mask as libc::mode_t) };
    }
    if args.core_dump {
        let unlimited = libc::rlimit {
            rlim_cur: libc::RLIM_INFINITY,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: a valid rlimit.
        if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &unlimited) } != 0 {
            tracing::warn!(
                "-m: cannot allow core dumps: {}",
                std::io::Error::last_os_error()
            );
        }
    }
    if args.snmp || args.snmp_agent_socket.is_some() {
        tracing::warn!("-x/--snmp: keepvip has no SNMP agent; use `keepvip status --metrics` or the dump signals");
    }
    if args.core_dump_pattern.is_some() {
        tracing::warn!("-M/--core-dump-pattern: keepvip leaves the system's core pattern alone");
    }
    let opts = keepvip::daemon::run::Options {
        config,
        config_id: args.config_id.clone(),
        control_socket: args
            .control_socket
            .clone()
            .unwrap_or_else(|| naming.control_socket()),
        dont_release_vrrp: args.dont_release_vrrp,
        naming,
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the event loop: {e}");
            return 1;
        }
    };
    let code = match rt.block_on(keepvip::daemon::run::run(opts, loaded)) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e}");
            1
        }
    };
    drop(pidfiles);
    code
}

/// `--config-test=FILE`: the report goes to the end of FILE instead of
/// stderr (a symlink is not followed), as keepalived.
fn report_to(file: &str) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(file)?;
    // SAFETY: dup2 onto our own stderr with a descriptor we own.
    if unsafe { libc::dup2(f.as_raw_fd(), libc::STDERR_FILENO) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

fn status(args: &StatusArgs) -> i32 {
    let path = args.control_socket.clone().unwrap_or_else(|| {
        let naming = keepvip::naming::Naming {
            namespace: args.namespace.clone(),
            instance: args.instance.clone(),
            ..Default::default()
        };
        naming.control_socket()
    });
    if args.metrics {
        return match control::query(&path, control::Request::Metrics) {
            Ok(text) => {
                print!("{text}");
                0
            }
            Err(e) => {
                eprintln!("keepvip status: {e}");
                1
            }
        };
    }
    match control::query(&path, control::Request::Status) {
        Ok(json) if args.json => {
            println!("{json}");
            0
        }
        Ok(json) => match serde_json::from_str::<control::Status>(&json) {
            Ok(st) => {
                print!("{}", st.render_table());
                0
            }
            Err(e) => {
                eprintln!("keepvip status: unreadable answer from the daemon: {e}");
                1
            }
        },
        Err(e) => {
            eprintln!("keepvip status: {e}");
            1
        }
    }
}
