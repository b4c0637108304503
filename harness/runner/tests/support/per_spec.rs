//! One scoped thread per framing spec: the suites are slow and the specs
//! independent, so the tests that sweep every strategy run them side by side.

/// `f(spec)` for each of `specs`, each on its own thread, in `specs` order.
/// A panic on any thread fails the caller.
pub(crate) fn per_spec<T: Send>(
    specs: &[&'static str],
    f: impl Fn(&'static str) -> T + Sync,
) -> Vec<T> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = specs.iter().map(|&text| s.spawn(move || f(text))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("join"))
            .collect()
    })
}
