//! The manifest example of spec/record.md §3.5 encodes to exactly the bytes
//! and hash §13 gives (a third party checks its encoder against them), so
//! the example, the known-answer values and the code cannot drift apart.

use urna_election::Manifest;

fn record_md() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_to_string(root.join("spec/record.md")).expect("spec/record.md")
}

/// The first fenced block of `lang` after `marker`.
fn block_after<'a>(text: &'a str, marker: &str, lang: &str) -> &'a str {
    let from = text.find(marker).expect("marker") + marker.len();
    let open = format!("```{lang}\n");
    let start = text[from..].find(&open).expect("block") + from + open.len();
    let end = text[start..].find("```").expect("block end") + start;
    &text[start..end]
}

#[test]
fn the_section_3_5_example_encodes_to_the_section_13_bytes() {
    let md = record_md();
    let json = block_after(&md, "### 3.5 JSON form", "json");
    let manifest = Manifest::from_json(json).expect("the §3.5 example is a valid manifest");
    let expected: String = block_after(&md, "The manifest of §3.5 encodes", "text")
        .split_whitespace()
        .collect();
    assert_eq!(hex::encode(manifest.to_bytes()), expected);
    let hash_line = block_after(&md, "and its hash is", "text");
    assert!(
        hash_line.contains(&hex::encode(manifest.hash().0)),
        "{hash_line}"
    );
    assert_eq!(manifest.trustees.len(), 3);
}
