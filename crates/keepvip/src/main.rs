//! `keepvip`: entry point. Parses keepalived's flags and dispatches.

use clap::Parser;
use keepvip::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        None => run(cli.run),
        Some(Command::Run(args)) => run(args),
        Some(Command::Check(_)) | Some(Command::Status(_)) | Some(Command::Lab(_)) => {
            eprintln!("keepvip: not implemented yet");
            1
        }
    };
    std::process::exit(code);
}

fn run(_args: keepvip::cli::RunArgs) -> i32 {
    eprintln!("keepvip: the daemon is not implemented yet");
    1
}
