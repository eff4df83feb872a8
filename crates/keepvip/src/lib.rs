//! keepvip: the daemon around the protocol core (see DESIGN.md).

pub mod cli;
pub mod control;
pub mod daemon;
pub mod lab;
pub mod logging;
pub mod naming;
pub mod net;
pub mod sys;
pub mod timer;
pub mod watch;
