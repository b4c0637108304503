//! TCP queue sizes by netlink `sock_diag`: one exact lookup per socket.
//!
//! `/proc/net/tcp` makes the kernel print every TCP socket of the namespace,
//! which costs milliseconds on a busy machine; a `SOCK_DIAG_BY_FAMILY`
//! request for one 4-tuple costs microseconds. The reply's `inet_diag_msg`
//! carries `idiag_wqueue` (bytes not yet acknowledged) and `idiag_rqueue`
//! (bytes not yet read), the same numbers `/proc/net/tcp` prints.
//!
//! No `unsafe`: the socket is made by socket2, the request is sent without an
//! address (a netlink socket then talks to the kernel), and the reply is read
//! through `io::Read`. The layouts, from `linux/netlink.h` and
//! `linux/inet_diag.h`:
//!
//! ```text
//! nlmsghdr        len u32 | type u16 | flags u16 | seq u32 | pid u32          (16 bytes, host order)
//! inet_diag_req_v2 family u8 | protocol u8 | ext u8 | pad u8 | states u32 | sockid (56 bytes)
//! inet_diag_sockid sport be16 | dport be16 | src [be32; 4] | dst [be32; 4] | if u32 | cookie [u32; 2]
//! inet_diag_msg   family u8 | state u8 | timer u8 | retrans u8 | sockid | expires u32
//!                 | rqueue u32 | wqueue u32 | uid u32 | inode u32           (72 bytes)
//! ```

use std::io::{self, Read as _};
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use super::procnet::Queues;

const AF_NETLINK: i32 = 16;
const NETLINK_SOCK_DIAG: i32 = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLM_F_REQUEST: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const IPPROTO_TCP: u8 = 6;
const TCP_LISTEN: u8 = 10;
const NLMSG_HDR: usize = 16;
const REQ_LEN: usize = NLMSG_HDR + 56;
/// `REQ_LEN` as the header's length field.
const REQ_LEN_FIELD: u32 = 72;
const _: () = assert!(REQ_LEN_FIELD as usize == REQ_LEN);
/// Offsets of rqueue and wqueue inside `inet_diag_msg`.
const RQUEUE_AT: usize = 4 + 48 + 4;
const WQUEUE_AT: usize = RQUEUE_AT + 4;

/// A netlink socket for exact `sock_diag` lookups.
#[derive(Debug)]
pub struct SockDiag {
    socket: Socket,
    seq: u32,
    buf: Vec<u8>,
}

impl SockDiag {
    /// Open a `NETLINK_SOCK_DIAG` socket; replies wait at most `timeout`.
    pub fn open(timeout: Duration) -> io::Result<SockDiag> {
        let socket = Socket::new(
            Domain::from(AF_NETLINK),
            Type::DGRAM,
            Some(Protocol::from(NETLINK_SOCK_DIAG)),
        )?;
        socket.set_read_timeout(Some(timeout))?;
        Ok(SockDiag {
            socket,
            seq: 0,
            buf: vec![0; 8192],
        })
    }

    /// The queues of the TCP socket bound to `local` and connected to
    /// `remote`; `None` if there is no such socket on this machine.
    pub fn queues(&mut self, local: SocketAddr, remote: SocketAddr) -> io::Result<Option<Queues>> {
        self.seq = self.seq.wrapping_add(1);
        let req = request(self.seq, local, remote);
        self.socket.send(&req)?;
        loop {
            let n = (&self.socket).read(&mut self.buf)?;
            let msg = &self.buf[..n];
            let (Some(kind), Some(seq)) = (u16_at(msg, 4), u32_at(msg, 8)) else {
                return Err(io::Error::other("short sock_diag reply"));
            };
            if seq != self.seq {
                continue; // a late reply to an earlier request
            }
            if kind == NLMSG_ERROR {
                // nlmsgerr: a negative errno, then the request's header.
                let errno = msg
                    .get(NLMSG_HDR..NLMSG_HDR + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(0, i32::from_ne_bytes);
                return match -errno {
                    0 | 2 => Ok(None), // ENOENT: no such socket
                    e => Err(io::Error::from_raw_os_error(e)),
                };
            }
            if kind != SOCK_DIAG_BY_FAMILY {
                return Err(io::Error::other(format!("unexpected netlink type {kind}")));
            }
            let body = &msg[NLMSG_HDR..];
            // An exact lookup can fall back to a listener on the local port:
            // only the connection itself counts.
            let ports = body.get(4..8);
            let mut want = [0u8; 4];
            want[..2].copy_from_slice(&local.port().to_be_bytes());
            want[2..].copy_from_slice(&remote.port().to_be_bytes());
            if body.get(1) == Some(&TCP_LISTEN) || ports != Some(&want[..]) {
                return Ok(None);
            }
            let (Some(unread), Some(unacked)) = (u32_at(body, RQUEUE_AT), u32_at(body, WQUEUE_AT))
            else {
                return Err(io::Error::other("short inet_diag_msg"));
            };
            return Ok(Some(Queues {
                unacked: u64::from(unacked),
                unread: u64::from(unread),
            }));
        }
    }
}

/// A `SOCK_DIAG_BY_FAMILY` request for exactly one TCP socket.
fn request(seq: u32, local: SocketAddr, remote: SocketAddr) -> [u8; REQ_LEN] {
    let mut r = [0u8; REQ_LEN];
    r[0..4].copy_from_slice(&REQ_LEN_FIELD.to_ne_bytes());
    r[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    r[6..8].copy_from_slice(&NLM_F_REQUEST.to_ne_bytes());
    r[8..12].copy_from_slice(&seq.to_ne_bytes());
    let q = &mut r[NLMSG_HDR..];
    q[0] = if local.is_ipv4() { AF_INET } else { AF_INET6 };
    q[1] = IPPROTO_TCP;
    q[4..8].copy_from_slice(&u32::MAX.to_ne_bytes()); // every state
    let id = &mut q[8..];
    id[0..2].copy_from_slice(&local.port().to_be_bytes());
    id[2..4].copy_from_slice(&remote.port().to_be_bytes());
    put_ip(&mut id[4..20], local);
    put_ip(&mut id[20..36], remote);
    // if = 0 (any); cookie = INET_DIAG_NOCOOKIE (all ones): no cookie check.
    id[40..48].fill(0xff);
    r
}

fn put_ip(out: &mut [u8], addr: SocketAddr) {
    match addr {
        SocketAddr::V4(a) => out[..4].copy_from_slice(&a.ip().octets()),
        SocketAddr::V6(a) => out[..16].copy_from_slice(&a.ip().octets()),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Instant;

    #[test]
    fn sees_both_ends_of_a_loopback_connection() -> io::Result<()> {
        let mut diag = SockDiag::open(Duration::from_secs(2))?;
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mut client = TcpStream::connect(listener.local_addr()?)?;
        let (mut server, _) = listener.accept()?;
        server.set_read_timeout(Some(Duration::from_secs(5)))?;
        let (local, peer) = (client.local_addr()?, client.peer_addr()?);
        client.write_all(b"hello")?;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut theirs = diag.queues(peer, local)?;
        while theirs.map(|q| q.unread) != Some(5) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            theirs = diag.queues(peer, local)?;
        }
        assert_eq!(theirs.map(|q| q.unread), Some(5));
        assert_eq!(diag.queues(local, peer)?.map(|q| q.unacked), Some(0));
        let mut buf = [0; 5];
        server.read_exact(&mut buf)?;
        assert_eq!(diag.queues(peer, local)?.map(|q| q.unread), Some(0));
        // A 4-tuple nobody has.
        let nobody: SocketAddr = "127.0.0.1:1".parse().map_err(io::Error::other)?;
        assert_eq!(diag.queues(nobody, local)?, None);
        Ok(())
    }
}
