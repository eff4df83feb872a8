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
    if args.config_test {
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
        ident: args.syslog_ident.clone(),
    };
    if let Err(e) = keepvip::logging::init(&log) {
        eprintln!("keepvip: cannot open the log file: {e}");
        return 1;
    }
    let mut pidfiles = Vec::new();
    for p in &args.pidfiles() {
        match keepvip::sys::PidFile::create(p) {
            Ok(f) => pidfiles.push(f),
            Err(e) => {
                tracing::error!("pidfile {}: {e}", p.display());
                return 1;
            }
        }
    }
    tracing::info!("Starting keepvip v{}", env!("CARGO_PKG_VERSION"));
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
        control_socket: control::socket_path(args.control_socket.as_deref()),
        dont_release_vrrp: args.dont_release_vrrp,
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

fn status(args: &StatusArgs) -> i32 {
    let path = control::socket_path(args.control_socket.as_deref());
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
