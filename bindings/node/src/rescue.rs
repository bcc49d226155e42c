//! Repeats a wake call that the JavaScript runtime has not run after a while.
//!
//! Why: Deno (2.9) runs Node-API addons, but now and then a thread-safe function call it has
//! queued does not wake its event loop; the call then waits for the loop's fallback poll, 15 to
//! 30 s later (seen here: 10,000 page messages in one burst took 15 s, or 26–30 s in the
//! package's tests, instead of 0.15 s). A second call made meanwhile wakes the loop, which then
//! runs both: with a 20 ms rescue, twenty such bursts in a row took at most 0.16 s each. Node
//! (libuv's `uv_async_send`) does not lose calls, so the Node backend sets no rescue there.
//!
//! How: after the notify function has made a wake call it arms the rescue (one lock, and a
//! condition-variable signal only when the rescue thread is idle). The rescue thread waits the
//! interval, then looks whether JavaScript has begun taking events since (the take counter moved,
//! or nothing is scheduled any more); if not, it calls again, and looks again after twice the
//! interval (at most 1 s). A call that was only late (JavaScript busy) costs one extra take that
//! finds the queue empty. The thread sleeps on a condition variable while nothing is armed: an
//! idle app costs nothing, and a steady stream of events costs one wake-up of the thread per
//! interval, not one per event.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest wait between two repeated calls.
const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// What the notify function and the take share with the rescue thread.
pub(crate) struct Watch {
    state: Mutex<State>,
    signal: Condvar,
    /// A wake call is on its way and JavaScript has not begun taking events.
    pub(crate) scheduled: AtomicBool,
    /// How many takes have begun: the rescue thread sees from it that a call was run.
    pub(crate) taken: AtomicU64,
}

#[derive(Default)]
struct State {
    armed: bool,
    /// The rescue thread waits for `armed` (a signal is needed to wake it).
    idle: bool,
    stop: bool,
}

impl Watch {
    pub(crate) fn new() -> Arc<Watch> {
        Arc::new(Watch {
            state: Mutex::new(State::default()),
            signal: Condvar::new(),
            scheduled: AtomicBool::new(false),
            taken: AtomicU64::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock guards three flags that no code leaves half-changed: a poisoned lock is fine.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called after a wake call (on the GUI thread): starts the rescue thread's clock unless it
    /// is running.
    pub(crate) fn arm(&self) {
        let mut state = self.lock();
        if !state.armed {
            state.armed = true;
            if state.idle {
                self.signal.notify_one();
            }
        }
    }
}

/// The rescue thread; dropping it stops and joins the thread.
pub(crate) struct Rescue {
    watch: Arc<Watch>,
    thread: Option<JoinHandle<()>>,
}

impl Rescue {
    /// Starts the thread (`transom-rescue`): `call` repeats the wake call (it returns at once),
    /// `interval` is how long a call may go unrun before it is repeated.
    pub(crate) fn start(
        watch: Arc<Watch>,
        interval: Duration,
        call: impl Fn() + Send + 'static,
    ) -> std::io::Result<Rescue> {
        let shared = watch.clone();
        let thread = std::thread::Builder::new().name("transom-rescue".into()).spawn(move || run(&shared, interval, call))?;
        Ok(Rescue { watch, thread: Some(thread) })
    }
}

impl Drop for Rescue {
    fn drop(&mut self) {
        self.watch.lock().stop = true;
        self.watch.signal.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(watch: &Watch, interval: Duration, call: impl Fn()) {
    let mut state = watch.lock();
    loop {
        while !state.armed && !state.stop {
            state.idle = true;
            state = watch.signal.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        state.idle = false;
        if state.stop {
            return;
        }
        state.armed = false;
        let taken = watch.taken.load(Ordering::SeqCst);
        let mut wait = interval;
        loop {
            // Arms that come meanwhile only set the flag: the next round starts from it.
            let deadline = Instant::now() + wait;
            while !state.stop {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = watch.signal.wait_timeout(state, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
            }
            if state.stop {
                return;
            }
            if !watch.scheduled.load(Ordering::SeqCst) || watch.taken.load(Ordering::SeqCst) != taken {
                break;
            }
            drop(state);
            call();
            state = watch.lock();
            wait = (wait * 2).min(MAX_INTERVAL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn a_call_not_taken_in_time_is_repeated_with_growing_waits() {
        let watch = Watch::new();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let counted = calls.clone();
        let rescue = Rescue::start(watch.clone(), Duration::from_millis(20), move || {
            counted.lock().unwrap().push(Instant::now());
        })
        .unwrap();
        let armed = Instant::now();
        watch.scheduled.store(true, Ordering::SeqCst);
        watch.arm();
        // Repeats at about 20, 60 and 140 ms; waits only ever grow on a busy machine, so only
        // their lower bounds are checked.
        let deadline = Instant::now() + Duration::from_secs(10);
        while calls.lock().unwrap().len() < 3 {
            assert!(Instant::now() < deadline, "no third repeat in 10 s");
            std::thread::sleep(Duration::from_millis(5));
        }
        let at = calls.lock().unwrap().clone();
        assert!(at[0] - armed >= Duration::from_millis(20));
        assert!(at[1] - at[0] >= Duration::from_millis(40));
        assert!(at[2] - at[1] >= Duration::from_millis(80));
        // A take stops the repeats: at most one more (a check already past its test).
        watch.scheduled.store(false, Ordering::SeqCst);
        watch.taken.fetch_add(1, Ordering::SeqCst);
        let after_take = calls.lock().unwrap().len();
        std::thread::sleep(Duration::from_millis(1200));
        let settled = calls.lock().unwrap().len();
        assert!(settled <= after_take + 1, "{settled} calls after the take ({after_take} before)");
        drop(rescue);
    }

    #[test]
    fn a_call_taken_in_time_is_not_repeated() {
        let watch = Watch::new();
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let rescue = Rescue::start(watch.clone(), Duration::from_millis(30), move || {
            counted.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        for _ in 0..50 {
            watch.scheduled.store(true, Ordering::SeqCst);
            watch.arm();
            // JavaScript takes at once.
            watch.scheduled.store(false, Ordering::SeqCst);
            watch.taken.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Dropping stops the idle thread at once.
        let start = Instant::now();
        drop(rescue);
        assert!(start.elapsed() < Duration::from_millis(500));
    }
}
