//! `cargo run -p keepvip-conf --example kvcheck -- FILE [ID] [--dump]`:
//! the check output for one file (a development aid).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: kvcheck FILE [ID] [--dump]");
        std::process::exit(2);
    };
    let id = args.get(2).filter(|a| !a.starts_with("--")).cloned();
    let code = keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
        path: path.into(),
        config_id: id.or(Some("lb1".into())),
        dump: args.iter().any(|a| a == "--dump"),
    });
    std::process::exit(code);
}
