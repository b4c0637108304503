//! Each minimal input of `reports/differential.md`'s H table gives exactly
//! the difference it documents (and the agreeing ones none).

#[test]
fn each_known_http1_difference_happens_as_documented() {
    for (name, data, want) in framecheck_fuzz::http1::seeds() {
        assert_eq!(
            framecheck_fuzz::http1::differential_http1(&data),
            want,
            "{name}"
        );
    }
}
