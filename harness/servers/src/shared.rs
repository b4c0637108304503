//! State shared by a server's threads: the stop flag, the cause of death,
//! and the descriptors leaked by `leaks-descriptor`.

use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Shared by the handle, the accept thread and every connection thread.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    stop: AtomicBool,
    death: Mutex<Option<String>>,
    leaked: Mutex<Vec<TcpStream>>,
    /// `locks-mid-frame`: whether a connection holds the frame lock.
    frames: AtomicBool,
    /// `leaks-slot-on-nul`: the worker slots leaked so far.
    nul_slots: AtomicUsize,
}

impl Shared {
    /// Whether every thread should wind down.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Ask every thread to wind down.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// Die of an injected bug: record why and stop everything, as a crashed
    /// process whose sockets the kernel closes.
    pub(crate) fn die(&self, cause: String) {
        lock(&self.death).get_or_insert(cause);
        self.stop();
    }

    /// Why the server died, if it did.
    pub(crate) fn death(&self) -> Option<String> {
        lock(&self.death).clone()
    }

    /// Keep a descriptor open forever (until the server stops); returns how
    /// many are leaked now.
    pub(crate) fn leak(&self, stream: TcpStream) -> usize {
        let mut leaked = lock(&self.leaked);
        leaked.push(stream);
        leaked.len()
    }

    /// How many descriptors are leaked.
    pub(crate) fn leaked(&self) -> usize {
        lock(&self.leaked).len()
    }

    /// `locks-mid-frame`: take the server-wide frame lock, waiting while
    /// another connection holds it; `false` if the server stops first.
    pub(crate) fn lock_frames(&self) -> bool {
        while self
            .frames
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            if self.stopping() {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        true
    }

    /// `locks-mid-frame`: release the frame lock.
    pub(crate) fn unlock_frames(&self) {
        self.frames.store(false, Ordering::Release);
    }

    /// `leaks-slot-on-nul`: leak one more slot; returns how many are leaked.
    pub(crate) fn leak_slot(&self) -> usize {
        self.nul_slots.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// `leaks-slot-on-nul`: how many slots are leaked.
    pub(crate) fn slots_leaked(&self) -> usize {
        self.nul_slots.load(Ordering::Acquire)
    }

    /// Close every leaked descriptor, as process exit would.
    pub(crate) fn release_leaked(&self) {
        lock(&self.leaked).clear();
    }
}

/// Lock a mutex, ignoring poisoning: the data stays meaningful after a
/// panicking connection thread.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
