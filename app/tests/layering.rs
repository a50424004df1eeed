//! The house rule of `app/src`: a module imports only from floors below its
//! own, never sideways or up. Every `crate::…` path in the code (in `use`
//! lines and inline, grouped or not) is read and checked against the floors
//! listed here and in `lib.rs`; a module missing from the list fails too, so
//! a new capability has to be given its floor.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom to top. Modules on one floor may not import each other.
const FLOORS: &[&[&str]] = &[
    &["ids", "text_enum", "time", "tunables"],
    &["error", "format"],
    &["platform"],
    &["audit", "events", "mail", "ui"],
    &["accounts", "service_clients"],
    &["otp_devices"],
    &["tickets"],
    &[
        "helpdesk",
        "identity_check",
        "login",
        "my_account",
        "otp_setup",
        "settings",
        "telegram",
        "validation",
    ],
    &["admin", "signer_import"],
    &["routes"],
];

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| floor.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("app/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`accounts/repo.rs` -> `accounts`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("file under src");
    let first = relative.components().next().expect("non-empty path");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The code of a line without its `//` comment (string literals with `//`
/// in them hold no `crate::` paths here).
fn code_of(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Every top-level module named after `crate::` in `code`, including each
/// member of a group like `crate::{audit, mail::outbox}`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut modules = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        // `$crate::` and `::crate` are not paths into this crate's modules.
        if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for member in group[..end].split(',') {
                let name: String = member
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != "self" {
                    modules.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            modules.push(name);
        }
    }
    modules
}

#[test]
fn modules_import_only_from_lower_floors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut unplaced = BTreeMap::new();
    let mut upward = Vec::new();
    let mut checked = 0;
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" {
            continue;
        }
        let Some(own_floor) = floor_of(&module) else {
            unplaced.insert(module, file.display().to_string());
            continue;
        };
        let text = fs::read_to_string(file).expect("source is UTF-8");
        for (number, line) in text.lines().enumerate() {
            for target in crate_paths(code_of(line)) {
                checked += 1;
                if target == module {
                    continue;
                }
                match floor_of(&target) {
                    Some(floor) if floor < own_floor => {}
                    Some(_) => upward.push(format!(
                        "{}:{}: {module} (floor {}) imports {target}",
                        file.strip_prefix(&src).unwrap().display(),
                        number + 1,
                        own_floor + 1,
                    )),
                    None => {
                        unplaced.insert(target, file.display().to_string());
                    }
                }
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules without a floor in tests/layering.rs: {unplaced:?}"
    );
    assert!(
        upward.is_empty(),
        "imports that run sideways or up a floor:\n{}",
        upward.join("\n")
    );
    assert!(checked > 100, "only {checked} crate:: paths found");
}

#[test]
fn paths_are_read_in_every_form() {
    assert_eq!(crate_paths("use crate::audit::{self, Actor};"), ["audit"]);
    assert_eq!(
        crate_paths("use crate::{mail::outbox, ui};"),
        ["mail", "ui"]
    );
    assert_eq!(
        crate_paths("let x = crate::tickets::repo::find(a, crate::ids::X);"),
        ["tickets", "ids"]
    );
    assert!(crate_paths("$crate::x and mycrate::y").is_empty());
    assert_eq!(code_of("use crate::a; // crate::b"), "use crate::a; ");
}
