//! `airlock plan` on generated listings of the shapes that once made it
//! quadratic: its text stays proportional to the plan (each product shown
//! once, a deep branch continued as a tree of its own), and a 100,000-deep
//! `requires` chain plans without overflowing a stack.

use crate::common;

use assert_cmd::Command;
use common::generated::{self, Shape};
use std::collections::BTreeMap;

/// The text plan of every product of a generated listing of `shape`.
fn plan_text(shape: Shape) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generated.pl.xml");
    std::fs::write(&path, generated::listing(shape)).unwrap();
    let out = Command::cargo_bin("airlock")
        .unwrap()
        .env_remove("RUST_BACKTRACE")
        .arg("plan")
        .arg("--listing")
        .arg(&path)
        .arg("--select")
        .arg(generated::roots(shape).join(","))
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// The tree's lines, without the total, install order and EULAs after it.
fn tree(text: &str) -> Vec<&str> {
    text.lines().take_while(|l| !l.is_empty()).collect()
}

/// The product a tree line installs, and the line's reason.
fn installs(line: &str) -> Option<(&str, &str)> {
    let (_, rest) = line.split_once("install ")?;
    let product = rest.split(' ').next()?;
    Some((product, line.split_whitespace().last()?))
}

#[test]
fn a_deep_chain_prints_each_product_once_in_bounded_text() {
    let shape = Shape {
        suites: 1,
        width: 2_000,
        ..Shape::chains(1, 8_000)
    };
    let text = plan_text(shape);
    let products = shape.width + shape.depth;
    // One line per product and hot fix, one per continued branch, a
    // "(2 files)" head per hot-fixed product, and the install order.
    assert!(
        text.len() < products * 256,
        "{} bytes of text for {products} products",
        text.len()
    );

    let lines = tree(&text);
    let mut shown: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for (at, line) in lines.iter().enumerate() {
        if let Some((product, reason)) = installs(line) {
            let again = shown.insert(product, (at, reason));
            assert!(again.is_none(), "{product} is shown twice: {line}");
        }
    }
    assert_eq!(shown.len(), products);
    for i in 0..shape.width {
        let member = generated::member(0, i);
        assert_eq!(shown[member.as_str()].1, "requires:s0", "{member}");
    }

    // A branch deeper than the tree nests is named where it would hang, and
    // shown further down as a tree of its own whose reason names its parent.
    let top: BTreeMap<&str, (usize, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.starts_with([' ', '│', '├', '└']))
        .map(|(at, l)| {
            let product = l.trim_start_matches("install ").split(' ').next().unwrap();
            (product, (at, l.split_whitespace().last().unwrap()))
        })
        .collect();
    let mut continued = 0;
    for (at, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_suffix(" (continued below)") else {
            continue;
        };
        continued += 1;
        let product = rest.rsplit(' ').next().unwrap();
        let (root, reason) = top[product];
        assert!(root > at, "{product} is continued above, not below");
        let i: usize = product.rsplit('-').next().unwrap().parse().unwrap();
        assert_eq!(reason, format!("requires:{}", generated::link(0, i - 1)));
    }
    assert!(
        continued >= shape.depth / 20,
        "{continued} branches continued"
    );
}

#[test]
fn a_100000_deep_chain_plans_without_overflowing_the_stack() {
    let shape = Shape::chains(1, 100_000);
    let text = plan_text(shape);
    let last = generated::link(0, shape.depth - 1);
    let order = text
        .lines()
        .find_map(|l| l.strip_prefix("Install order: "))
        .unwrap();
    assert_eq!(order.split(", ").count(), shape.depth);
    assert!(order.starts_with(&format!("{last}, ")), "{}", &order[..100]);
    let files = shape.depth + shape.depth / 10;
    assert!(text.contains(&format!("in {files} files\n")));
}
