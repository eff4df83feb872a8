//! `keepvip lab`: the two-node nginx failover demo in network namespaces.

pub mod bench;
pub mod demo;
mod floor;
pub mod probe;
pub mod seed;
