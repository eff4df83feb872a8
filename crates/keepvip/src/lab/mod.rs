//! `keepvip lab`: the two-node nginx failover demo in network namespaces.

pub mod bench;
pub mod demo;
pub mod probe;
pub mod seed;
