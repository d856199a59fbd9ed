//! A small in-memory rate limiter for magic-link requests (per e-mail and
//! per client address). Per process: behind several Lambda instances each
//! keeps its own count.

use std::collections::HashMap;
use std::sync::Mutex;

pub struct Limiter {
    max: usize,
    window: i64,
    hits: Mutex<HashMap<String, Vec<i64>>>,
}

impl Limiter {
    pub fn new(max: usize, window: i64) -> Limiter {
        Limiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit on `key` at `now`; false when over the limit.
    pub fn allow(&self, key: &str, now: i64) -> bool {
        let mut hits = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, v| v.iter().any(|t| now - t < self.window));
        }
        let list = hits.entry(key.to_string()).or_default();
        list.retain(|t| now - t < self.window);
        if list.len() >= self.max {
            return false;
        }
        list.push(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_refuses_past_the_max_and_forgets_after_the_window() {
        let l = Limiter::new(2, 10);
        assert!(l.allow("a", 0));
        assert!(l.allow("a", 1));
        assert!(!l.allow("a", 2));
        assert!(l.allow("b", 2));
        assert!(l.allow("a", 11));
    }
}
