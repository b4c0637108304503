//! framecheck's I/O side: everything that touches a socket, a thread or a clock.
