//! Giving memory back after a burst.
//!
//! Ten thousand requests at once take a few hundred MB (a connection, its buffers and a task
//! each). When they are done, glibc keeps the freed memory in the arenas of the threads that
//! used it, so the process stays that large however long it then idles. After a burst of at
//! least [`BURST`] requests in flight, once none has been in flight for [`SETTLE`] (and again
//! four times that later, for what was torn down late), the allocator is asked to return its
//! free pages (`malloc_trim`). Ordinary use (up to `BURST - 1` at a time) never pays for a trim.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

/// Requests in flight that make a burst worth trimming after.
pub const BURST: usize = 512;
/// How long the process must stay idle before the trim: results handed to the caller are
/// usually dropped by then.
pub const SETTLE: Duration = Duration::from_millis(300);

static ACTIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Bumped by every request that starts, so a pending trim knows whether the idle lasted.
static EPOCH: AtomicU64 = AtomicU64::new(0);
static TRIMS: AtomicU64 = AtomicU64::new(0);

/// Held while a request is in flight.
pub(crate) struct InFlight(());

impl InFlight {
    pub(crate) fn enter() -> InFlight {
        EPOCH.fetch_add(1, SeqCst);
        let n = ACTIVE.fetch_add(1, SeqCst) + 1;
        PEAK.fetch_max(n, SeqCst);
        InFlight(())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if ACTIVE.fetch_sub(1, SeqCst) == 1 && PEAK.load(SeqCst) >= BURST {
            PEAK.store(0, SeqCst);
            trim_when_idle(EPOCH.load(SeqCst));
        }
    }
}

/// Trims after [`SETTLE`] unless a request started in the meantime (then the next idle after a
/// burst decides again: the peak is measured afresh).
fn trim_when_idle(epoch: u64) {
    let Ok(rt) = crate::blocking::runtime() else {
        return;
    };
    rt.spawn(async move {
        // Twice: connections the pool let go of are torn down by their own tasks, which a busy
        // machine may not have run by the first trim.
        for wait in [SETTLE, SETTLE * 4] {
            tokio::time::sleep(wait).await;
            if EPOCH.load(SeqCst) != epoch || ACTIVE.load(SeqCst) != 0 {
                return;
            }
            // malloc_trim walks every arena: off the I/O threads.
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    });
}

fn trim() {
    TRIMS.fetch_add(1, SeqCst);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it is thread-safe (it locks each arena).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How many trims ran in this process (tested by `core/tests/memory.rs`, a binary of its own).
pub fn trims() -> u64 {
    TRIMS.load(SeqCst)
}
