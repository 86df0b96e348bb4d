//! The servers' loop cadence: at most one poll per tick, so a busy server reads its sockets
//! in batches instead of spinning on one datagram at a time.

use std::thread;
use std::time::{Duration, Instant};

/// One server tick. A poll reads everything that waited (ENet services until its socket is
/// empty), so a tick only bounds how long a packet waits: at most this much.
pub const SERVER_TICK: Duration = Duration::from_millis(1);

/// Sleeps for what is left of the tick that began at `began` (not at all if the poll took
/// the whole tick).
pub fn sleep_rest_of_tick(began: Instant) {
    if let Some(rest) = SERVER_TICK.checked_sub(began.elapsed()) {
        thread::sleep(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_waited_out_only_once() {
        let began = Instant::now();
        sleep_rest_of_tick(began);
        assert!(began.elapsed() >= SERVER_TICK);
        let late = Instant::now() - SERVER_TICK * 3;
        let before = Instant::now();
        sleep_rest_of_tick(late);
        assert!(
            before.elapsed() < SERVER_TICK * 3,
            "an overrun tick does not sleep"
        );
    }
}
