//! Checks that keep the house habits (README "Architecture") from wearing off: each reads the
//! source and names the place that broke one. The behaviour behind them is tested through the
//! public interface (tests/api); these catch the shape.

use std::path::{Path, PathBuf};

/// The `.rs` files under `src/{dir}` (or the file `src/{dir}`), with their text.
fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    if path.is_file() {
        let text = std::fs::read_to_string(&path).unwrap();
        return vec![(path, text)];
    }
    let mut out = Vec::new();
    walk(&path, &mut out);
    out.sort();
    out
}

/// Whether the item starting at line `i` carries `attribute` among the attributes and doc
/// comments right above it.
fn has_attribute(lines: &[&str], i: usize, attribute: &str) -> bool {
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim())
        .take_while(|l| {
            l.starts_with("#[")
                || l.starts_with("///")
                || l.starts_with("//")
                || l.ends_with(")]")
                || l.starts_with("fields(")
        })
        .any(|l| l.contains(attribute))
}

/// Every use case (a `pub async fn` of `services`) and every job's work has a span with the
/// ids that matter; `pub(crate)` helpers run inside those spans.
#[test]
fn services_and_jobs_are_instrumented() {
    let mut missing = Vec::new();
    for (path, text) in sources("services").into_iter().chain(sources("jobs")) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let item = line.trim_start();
            let entry = item.starts_with("pub async fn ")
                || (path.parent().is_some_and(|p| p.ends_with("jobs")) && item.starts_with("async fn run("));
            // (A trait's declaration ends in `;`; its implementations carry the span.)
            if entry && !item.ends_with(';') && !has_attribute(&lines, i, "tracing::instrument") {
                missing.push(format!("{}:{}: {item}", path.display(), i + 1));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "without #[tracing::instrument]:\n{}",
        missing.join("\n")
    );
}

/// Error codes are set where an error arises (an `AppError`, a gate refusal, the schema's
/// depth limit), never chosen afterwards by reading a library's message.
#[test]
fn no_error_code_is_chosen_by_its_message() {
    let mut found = Vec::new();
    for (path, text) in sources("graphql")
        .into_iter()
        .chain(sources("http"))
        .chain(sources("error.rs"))
    {
        // The code, not its tests.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, line) in code.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if [
                "message ==",
                ".message.contains(",
                ".message.starts_with(",
                "message.split_once(",
            ]
            .iter()
            .any(|pattern| code.contains(pattern))
            {
                found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "codes chosen by message text:\n{}", found.join("\n"));
}

/// Stored codes are typed: an entity never holds a status, role, kind or other code as text
/// (`entities::codes` stores the domain's enums as their codes).
#[test]
fn entities_hold_codes_as_their_enums() {
    const CODES: &[&str] = &[
        "status",
        "role",
        "kind",
        "via",
        "reason",
        "outcome",
        "trigger",
        "job",
        "recurrence",
        "prevention_level",
        "carried_out",
        "decision",
    ];
    let mut text_codes = Vec::new();
    for (path, text) in sources("entities") {
        for (i, line) in text.lines().enumerate() {
            let Some((name, ty)) = line.trim().strip_prefix("pub ").and_then(|field| field.split_once(':')) else {
                continue;
            };
            if CODES.contains(&name.trim()) && ty.contains("String") {
                text_codes.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(text_codes.is_empty(), "codes held as text:\n{}", text_codes.join("\n"));
}

/// Above `services` nothing queries the database: resolvers, pages, the HTTP handlers and the
/// command line call use cases (GraphQL's per-request loaders aside), and the command line
/// connects in one place.
#[test]
fn only_services_query_the_database() {
    let mut queries = Vec::new();
    for dir in ["graphql", "web", "http", "cli"] {
        for (path, text) in sources(dir) {
            if path.ends_with("loaders.rs") {
                continue;
            }
            for (i, line) in text.lines().enumerate() {
                if [
                    "Entity::find",
                    "Entity::update",
                    "Entity::delete",
                    "Entity::insert",
                    "execute_unprepared",
                ]
                .iter()
                .any(|query| line.contains(query))
                {
                    queries.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(queries.is_empty(), "queries above services:\n{}", queries.join("\n"));
    let connects: usize = sources("cli")
        .iter()
        .map(|(_, text)| text.matches("app::connect(").count())
        .sum();
    // `database` (connect and migrate) for every command, and `migrate` itself.
    assert_eq!(connects, 2, "the command line connects through cli::database");
}
