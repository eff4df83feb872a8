//! `keepvip lab`: the two-node nginx failover demo in network namespaces.

pub mod bench;
mod cpu;
pub mod demo;
mod floor;
pub mod probe;
pub mod seed;

/// Move this thread into the network namespace `/run/netns/NAME`.
pub(crate) fn enter_netns(name: &str) -> std::io::Result<()> {
    let f = std::fs::File::open(format!("/run/netns/{name}"))?;
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}
