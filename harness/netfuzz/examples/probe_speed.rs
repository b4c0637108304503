//! Scratch: where the time goes.
use std::time::Instant;
use framecheck_netfuzz::{Executor, Mutator};
use framecheck_servers::{self as server, ServerConfig};
fn main() {
    let spec: framecheck_framing::Spec = "u16be".parse().unwrap();
    let s = server::spawn(ServerConfig::new(spec.clone())).unwrap();
    let mut m = Mutator::new(&spec, None, 1);
    let mut e = Executor::new(s.local_addr(), &spec, std::time::Duration::from_secs(1), 1);
    let base = m.fresh();
    let mut slow = 0;
    let t0 = Instant::now();
    for i in 0..400 {
        let x = m.mutate(&base, None);
        let t = Instant::now();
        let o = e.run(&x);
        let d = t.elapsed();
        if d.as_millis() > 5 { slow += 1; if slow < 15 { println!("{i}: {:?} {} sent {} {:?} {} {:?}", d, x.schedule, o.sent, x.ending, o.owed.partial, o.end); } }
    }
    println!("total {:?}", t0.elapsed());
}
