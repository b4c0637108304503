//! Case selection: `*` matches any run of characters (across `/`), `?` one
//! character; a pattern without wildcards also matches every case under it
//! (`eof` selects `eof/…`).

/// Whether `id` matches `pattern`.
pub(crate) fn matches(pattern: &str, id: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        let prefix = pattern.trim_end_matches('/');
        return id == prefix || id.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'));
    }
    wildcard(pattern.as_bytes(), id.as_bytes())
}

/// Iterative wildcard match with one backtrack point (linear in practice).
fn wildcard(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_table() {
        let table = [
            ("exact", "eof/mid-body", "eof/mid-body", true),
            ("group_prefix", "eof", "eof/mid-body", true),
            ("group_prefix_slash", "eof/", "eof/mid-body", true),
            ("prefix_needs_segment", "eo", "eof/mid-body", false),
            (
                "star_crosses_slash",
                "boundary/*",
                "boundary/whole/lockstep",
                true,
            ),
            ("star_middle", "*/lockstep", "boundary/whole/lockstep", true),
            (
                "star_mismatch",
                "*/pipelined",
                "boundary/whole/lockstep",
                false,
            ),
            ("question", "eof/mid-b?dy", "eof/mid-body", true),
            ("all", "*", "churn/cycles", true),
        ];
        for (name, pattern, id, want) in table {
            assert_eq!(matches(pattern, id), want, "{name}");
        }
    }
}
