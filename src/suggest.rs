//! Close names to suggest when one is unknown (a typo, a missing suffix):
//! product ids in a selection, property names in an answers file.

/// Up to three known ids close to `wanted`, closest first.
pub fn close_ids<'a>(wanted: &str, known: impl Iterator<Item = &'a str>) -> Vec<String> {
    let limit = (wanted.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = known
        .filter_map(|id| {
            let d = distance(wanted, id);
            let related = id.contains(wanted) || wanted.contains(id);
            (d <= limit || related).then_some((d, id))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored
        .into_iter()
        .take(3)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_and_prefixes_only() {
        let ids = ["smp", "patch", "patch-linux", "cms", "ams"];
        assert_eq!(close_ids("pach", ids.into_iter()), ["patch"]);
        assert_eq!(close_ids("patc", ids.into_iter()), ["patch", "patch-linux"]);
        assert_eq!(close_ids("cmss", ids.into_iter()), ["cms"]);
        assert_eq!(close_ids("xyz", ids.into_iter()), Vec::<String>::new());
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
