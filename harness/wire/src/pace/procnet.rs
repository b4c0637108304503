//! TCP queue sizes from `/proc/net/tcp` and `/proc/net/tcp6`.
//!
//! For an established socket the kernel prints `tx_queue` = bytes written but
//! not yet acknowledged (`write_seq - snd_una`, what `TCP_INFO` reports as
//! unacked bytes) and `rx_queue` = bytes received but not yet read by the
//! application (`rcv_nxt - copied_seq`). Both are read here without
//! `unsafe`: socket2 and rustix have no `TCP_INFO` getter, and a raw
//! `getsockopt` would need an `unsafe` block that the workspace forbids.
//!
//! Addresses are printed in the kernel's byte order: each 32-bit word of the
//! address as the machine stores it, in hex, then `:` and the port in hex.

use std::fmt::Write as _;
use std::io::{self, Read as _};
use std::net::SocketAddr;

/// The queues of one TCP socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queues {
    /// Bytes sent and not yet acknowledged by the peer.
    pub unacked: u64,
    /// Bytes received and not yet read by the application.
    pub unread: u64,
}

/// Both ends of one loopback connection, as they appear in `/proc/net/tcp*`.
#[derive(Debug, Clone)]
pub struct Watch {
    path: &'static str,
    /// Our socket: local = ours, remote = the peer.
    ours: (String, String),
    /// The table text, reused between looks.
    buf: String,
}

/// What one look at the table found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Our socket's queues, if it was found.
    pub ours: Option<Queues>,
    /// The peer's socket's queues, if it is on this machine and was found.
    pub peer: Option<Queues>,
}

impl Watch {
    /// Watch the connection from `local` to `peer`.
    pub fn new(local: SocketAddr, peer: SocketAddr) -> Watch {
        let path = if local.is_ipv4() {
            "/proc/net/tcp"
        } else {
            "/proc/net/tcp6"
        };
        Watch {
            path,
            ours: (kernel_addr(local), kernel_addr(peer)),
            buf: String::with_capacity(4096),
        }
    }

    /// Read the table once.
    pub fn look(&mut self) -> io::Result<Look> {
        self.buf.clear();
        std::fs::File::open(self.path)?.read_to_string(&mut self.buf)?;
        let mut look = Look {
            ours: None,
            peer: None,
        };
        for line in self.buf.lines().skip(1) {
            let mut fields = line.split_ascii_whitespace();
            let (Some(_sl), Some(local), Some(remote), Some(_st), Some(queues)) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            let (a, b) = (&self.ours.0, &self.ours.1);
            let mine = local == a && remote == b;
            let theirs = local == b && remote == a;
            if !(mine || theirs) {
                continue;
            }
            let Some(q) = parse_queues(queues) else {
                continue;
            };
            if mine {
                look.ours = Some(q);
            } else {
                look.peer = Some(q);
            }
        }
        Ok(look)
    }
}

/// `tx:rx` in hex.
fn parse_queues(s: &str) -> Option<Queues> {
    let (tx, rx) = s.split_once(':')?;
    Some(Queues {
        unacked: u64::from_str_radix(tx, 16).ok()?,
        unread: u64::from_str_radix(rx, 16).ok()?,
    })
}

/// An address as `/proc/net/tcp*` prints it.
fn kernel_addr(addr: SocketAddr) -> String {
    let mut s = String::with_capacity(40);
    match addr {
        SocketAddr::V4(a) => {
            let word = u32::from_ne_bytes(a.ip().octets());
            let _ = write!(s, "{word:08X}");
        }
        SocketAddr::V6(a) => {
            for chunk in a.ip().octets().chunks_exact(4) {
                let word = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                let _ = write!(s, "{word:08X}");
            }
        }
    }
    let _ = write!(s, ":{:04X}", addr.port());
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    #[test]
    fn kernel_address_forms() {
        let table: &[(&str, &str, &str)] = &[
            ("v4_loopback", "127.0.0.1:8080", "0100007F:1F90"),
            ("v4_any", "0.0.0.0:0", "00000000:0000"),
            (
                "v6_loopback",
                "[::1]:80",
                "00000000000000000000000001000000:0050",
            ),
        ];
        for (name, addr, want) in table {
            let addr: SocketAddr = addr.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
            if cfg!(target_endian = "little") {
                assert_eq!(kernel_addr(addr), *want, "{name}");
            }
        }
    }

    #[test]
    fn sees_unread_bytes_on_the_peer() -> io::Result<()> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mut client = TcpStream::connect(listener.local_addr()?)?;
        let (mut server, _) = listener.accept()?;
        server.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut watch = Watch::new(client.local_addr()?, client.peer_addr()?);
        client.write_all(b"hello")?;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut look = watch.look()?;
        while look.peer.map(|q| q.unread) != Some(5) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            look = watch.look()?;
        }
        assert_eq!(look.peer.map(|q| q.unread), Some(5), "{look:?}");
        assert_eq!(look.ours.map(|q| q.unacked), Some(0), "{look:?}");
        let mut buf = [0; 5];
        server.read_exact(&mut buf)?;
        assert_eq!(watch.look()?.peer.map(|q| q.unread), Some(0));
        Ok(())
    }
}
