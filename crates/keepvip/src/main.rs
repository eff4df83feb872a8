//! `keepvip`: entry point. Parses keepalived's flags and dispatches.

use clap::Parser;
use keepvip::cli::{Cli, Command, StatusArgs};
use keepvip::control;

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Status(args)) => status(&args),
        Some(Command::Check(args)) => {
            keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
                path: args.config,
                config_id: args.config_id,
                dump: args.dump,
            })
        }
        Some(Command::Lab(_)) => {
            eprintln!("keepvip: not implemented yet");
            1
        }
    };
    std::process::exit(code);
}

fn run(args: keepvip::cli::RunArgs) -> i32 {
    if args.version {
        println!("keepvip v{}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    if args.config_test {
        return keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
            path: args.config_path(),
            config_id: args.config_id.clone(),
            dump: false,
        });
    }
    eprintln!("keepvip: the daemon is not implemented yet");
    1
}

fn status(args: &StatusArgs) -> i32 {
    let path = control::socket_path(args.control_socket.as_deref());
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
