//! framecheck's I/O side: everything that touches a socket, a thread or a clock.

pub mod pace;
pub mod proxy;
