//! framecheck's I/O side: everything that touches a socket, a thread or a clock.

pub mod exit;
pub mod profile;
pub mod report;
pub mod runner;
