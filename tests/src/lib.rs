//! End-to-end test support (see tests/ for the tests themselves).
