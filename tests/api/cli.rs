//! The real binary, as a user runs it.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::json;

use crate::helpers::{BIN, OutputWithin};

fn tiltak(dir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env(
            "TILTAK_DATABASE__URL",
            format!("sqlite://{}/tiltak.db?mode=rwc", dir.display()),
        )
        .env_remove("RUST_LOG");
    command
}

#[test]
fn the_committed_schema_matches_the_code() {
    let output = Command::new(BIN)
        .arg("schema")
        .output_within()
        .expect("tiltak schema runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/schema.graphql")).unwrap();
    assert!(
        printed == committed,
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql`"
    );
}

#[test]
fn token_create_prints_the_token_last_and_refuses_bad_roles() {
    let dir = tempfile::tempdir().unwrap();
    let output = tiltak(dir.path())
        .args([
            "token",
            "create",
            "--email",
            "koordinator@kommune.no",
            "--role",
            "coordinator",
            "--name",
            "Kari",
        ])
        .output_within()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.lines().last().unwrap();
    assert!(token.starts_with("tiltak_") && token.len() == 7 + 64, "{stdout}");

    let bad = tiltak(dir.path())
        .args(["token", "create", "--email", "x@kommune.no", "--role", "boss"])
        .output_within()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a role"));
}

/// `tiltak serve` on an empty database: prints where to open it and an admin token, serves
/// GraphiQL and the example plan, and a token from `tiltak token create` works against it.
#[tokio::test]
async fn serve_starts_with_the_example_plan_and_prints_where_to_open_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = tiltak(dir.path())
        .arg("serve")
        .env("TILTAK_HTTP__ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut url = None;
    let mut token = None;
    let mut sign_in = None;
    for line in lines.by_ref().take(12) {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("tiltak is running: open ") {
            url = Some(rest.trim().to_owned());
        }
        if line.contains("/logg-inn/tiltak_") {
            sign_in = Some(line.trim().to_owned());
        }
        if line.trim().starts_with("tiltak_") {
            token = Some(line.trim().to_owned());
            break;
        }
    }
    let (home, token) = (url.expect("prints the URL"), token.expect("prints an admin token"));
    assert!(home.starts_with("http://127.0.0.1:") && home.ends_with('/'), "{home}");
    let url = format!("{home}graphql");

    let client = reqwest::Client::new();
    // The printed sign-in link opens the admin's sign-in page (its button signs in).
    let sign_in = sign_in.expect("prints a sign-in link");
    assert!(sign_in.starts_with(&format!("{home}logg-inn/")), "{sign_in}");
    let page = client.get(&sign_in).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Logg inn som Administrator"), "{page}");
    let page = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("/assets/explorer.js"), "GET /graphql serves the explorer");
    let health = client.get(format!("{home}health")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    let plans = |token: String| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let body: serde_json::Value = client
                .post(&url)
                .bearer_auth(token)
                .json(&json!({ "query": "{ plans { title chapters { actions { number responsibleUnit { leaderEmail } } } } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    };
    let body = plans(token).await;
    let plan = &body["data"]["plans"][0];
    assert!(plan["title"].as_str().unwrap().contains("eksempel"), "{body}");
    let chapters = plan["chapters"].as_array().unwrap();
    let actions: usize = chapters.iter().map(|c| c["actions"].as_array().unwrap().len()).sum();
    assert!(
        (3..=4).contains(&chapters.len()) && (8..=12).contains(&actions),
        "{body}"
    );
    assert!(
        chapters
            .iter()
            .flat_map(|c| c["actions"].as_array().unwrap())
            .all(|a| a["responsibleUnit"]["leaderEmail"].is_string())
    );

    let output = tiltak(dir.path())
        .args(["token", "create", "--email", "leser@kommune.no", "--role", "viewer"])
        .output_within()
        .unwrap();
    let viewer_token = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert_eq!(plans(viewer_token).await["data"]["plans"].as_array().unwrap().len(), 1);

    // With no configuration the first start made its own audit key, readable only by its
    // owner, and the example plan's history verifies with it.
    let key_file = dir.path().join("data/audit.key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let verified = tiltak(dir.path()).args(["audit", "verify"]).output_within().unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    child.kill().unwrap();
    child.wait().unwrap();

    // A second start on the same database creates nothing new and prints no token.
    let mut again = tiltak(dir.path())
        .arg("serve")
        .env("TILTAK_HTTP__ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let first_line = BufReader::new(again.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    assert!(first_line.starts_with("tiltak is running"));
    std::thread::sleep(Duration::from_millis(200));
    again.kill().unwrap();
    again.wait().unwrap();
}

#[test]
fn migrate_applies_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let up = tiltak(dir.path()).arg("migrate").output_within().unwrap();
    assert!(up.status.success());
    let all = <migration::Migrator as migration::MigratorTrait>::migrations().len();
    assert_eq!(
        String::from_utf8(up.stdout).unwrap().trim(),
        format!("migrations: {all} applied")
    );
    let down = tiltak(dir.path())
        .args(["migrate", "--down", &crate::helpers::migrations_after(1)])
        .output_within()
        .unwrap();
    assert!(down.status.success(), "{}", String::from_utf8_lossy(&down.stderr));
    assert_eq!(String::from_utf8(down.stdout).unwrap().trim(), "migrations: 1 applied");

    // Any other command applies what is pending before it starts, and checks it in one
    // statement when nothing is.
    let applied = || {
        let url = format!("sqlite://{}/tiltak.db", dir.path().display());
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let db = sea_orm::Database::connect(&url).await.unwrap();
            let up_to_date = tiltak::app::up_to_date(&db).await;
            let applied = <migration::Migrator as migration::MigratorTrait>::get_applied_migrations(&db).await;
            (applied.unwrap().len(), up_to_date)
        })
    };
    assert_eq!(applied(), (1, false));
    let token = tiltak(dir.path())
        .args(["token", "create", "--email", "admin@kommune.no", "--role", "admin"])
        .output_within()
        .unwrap();
    assert!(token.status.success(), "{}", String::from_utf8_lossy(&token.stderr));
    assert_eq!(applied(), (all, true));
}

#[test]
fn import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.txt");
    let admin = tiltak(dir.path())
        .args(["token", "create", "--email", "admin@kommune.no", "--role", "admin"])
        .output_within()
        .unwrap();
    assert!(admin.status.success());

    let dry = tiltak(dir.path())
        .args(["import", plan_file, "--title", "Forebyggende plan", "--dry-run"])
        .output_within()
        .unwrap();
    let stdout = String::from_utf8(dry.stdout).unwrap();
    assert!(
        stdout.contains("created 56, updated 0, unchanged 0, missing 0"),
        "{stdout}"
    );
    assert!(stdout.contains("7.4: added by council decision KST 032/24"), "{stdout}");
    assert!(stdout.trim_end().ends_with("dry run: nothing was written"));

    let real = tiltak(dir.path())
        .args(["import", plan_file, "--title", "Forebyggende plan"])
        .output_within()
        .unwrap();
    let stdout = String::from_utf8(real.stdout).unwrap();
    let plan_id = stdout.lines().next().unwrap().strip_prefix("plan ").unwrap().to_owned();
    let again = tiltak(dir.path())
        .args(["import", plan_file, "--plan", &plan_id])
        .output_within()
        .unwrap();
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("created 0, updated 0, unchanged 56, missing 0")
    );

    let csv = dir.path().join("plan.csv");
    let export = tiltak(dir.path())
        .args(["export", "--plan", &plan_id, "--format", "csv", "--out"])
        .arg(&csv)
        .output_within()
        .unwrap();
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    let exported = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(exported.lines().count(), 57, "a header and 56 rows");
    let from_csv = tiltak(dir.path())
        .args(["import"])
        .arg(&csv)
        .args(["--plan", &plan_id])
        .output_within()
        .unwrap();
    assert!(String::from_utf8(from_csv.stdout).unwrap().contains("unchanged 56"));

    let binary = dir.path().join("plan.pdf");
    std::fs::write(&binary, b"%PDF-1.7\x00\x01\x02binary").unwrap();
    let failed = tiltak(dir.path())
        .arg("import")
        .arg(&binary)
        .args(["--title", "X"])
        .output_within()
        .unwrap();
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("cannot be read as a plan"));
}

/// A document with a table of contents and the real list under a wrapped heading: the dry run
/// names the list it read and the others, prints every action with its title, and no plan id.
#[test]
fn a_dry_run_shows_the_list_it_read_and_every_action() {
    let dir = tempfile::tempdir().unwrap();
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/innhold-og-tiltak.txt");
    let admin = tiltak(dir.path())
        .args(["token", "create", "--email", "admin@kommune.no", "--role", "admin"])
        .output_within()
        .unwrap();
    assert!(admin.status.success());
    let dry = tiltak(dir.path())
        .args(["import", file, "--title", "Vold", "--dry-run"])
        .output_within()
        .unwrap();
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let stdout = String::from_utf8(dry.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "plan: a new plan (not created: dry run)", "{stdout}");
    assert!(
        lines[1].starts_with("list read: line 27 under \"OVERSIKT OVER TILTAK I HANDLINGSPLANEN 2025–2028\": 8 items"),
        "{stdout}"
    );
    assert_eq!(
        lines[3],
        "  line 5 under \"Innhold\": 5 items, starting \"1. Innledning 3\" (looks like a table of contents)"
    );
    assert!(lines.contains(&"  1 Kommunen etablerer et tverrfaglig ressursteam mot vold i nære relasjoner (created)"));
    assert!(lines.contains(&"  8 Planen evalueres årlig i kommunestyret (created)"));
    assert!(lines.contains(&"created 8, updated 0, unchanged 0, missing 0"));
    assert_eq!(lines.last(), Some(&"dry run: nothing was written"));

    // The real plan as a Word document, straight from the file.
    let docx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.docx");
    let word = tiltak(dir.path())
        .args(["import", docx, "--title", "Forebyggende plan", "--dry-run"])
        .output_within()
        .unwrap();
    let stdout = String::from_utf8(word.stdout).unwrap();
    assert!(
        stdout.contains("created 56, updated 0, unchanged 0, missing 0"),
        "{stdout}"
    );
    assert!(stdout.contains("\n  17.17 Det inngås samarbeidsavtale"), "{stdout}");

    // And as a PDF, when poppler's pdftotext is there (CI installs it).
    if std::process::Command::new("pdftotext").arg("-v").output().is_ok() {
        let pdf = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.pdf");
        let from_pdf = tiltak(dir.path())
            .args(["import", pdf, "--title", "Forebyggende plan", "--dry-run"])
            .output_within()
            .unwrap();
        let stdout = String::from_utf8(from_pdf.stdout).unwrap();
        assert!(
            stdout.contains("created 56, updated 0, unchanged 0, missing 0"),
            "{stdout}"
        );
    }

    // The same list by the heading's first words, across the wrap.
    let chosen = tiltak(dir.path())
        .args([
            "import",
            file,
            "--title",
            "Vold",
            "--section",
            "Oversikt over tiltak i handlingsplanen",
        ])
        .output_within()
        .unwrap();
    let stdout = String::from_utf8(chosen.stdout).unwrap();
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .strip_prefix("plan ")
            .is_some_and(|id| id.len() == 36),
        "{stdout}"
    );
    assert!(stdout.contains("created 8,"), "{stdout}");
    let missing = tiltak(dir.path())
        .args(["import", file, "--title", "Vold", "--section", "Tiltak mot rus"])
        .output_within()
        .unwrap();
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("section heading \"Tiltak mot rus\" not found"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

/// A folder whose database has had its first start: the organization, its admin and the
/// example plan with its units and leaders.
fn with_the_example_plan() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut serve = tiltak(dir.path())
        .arg("serve")
        .env("TILTAK_HTTP__ADDR", "127.0.0.1:0")
        .env("TILTAK_SCHEDULER__ENABLED", "false")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    // The first start has loaded the example plan once the admin token is printed.
    assert!(lines.by_ref().map(Result::unwrap).any(|l| l.starts_with("  tiltak_")));
    serve.kill().unwrap();
    serve.wait().unwrap();
    dir
}

/// Runs the binary in `dir`: the exit status, stdout and stderr.
fn outcome(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = tiltak(dir).args(args).output_within().unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `token create` gives exactly the role asked for, to a person the organization already knows
/// by name, and refuses a token that could do nothing.
#[test]
fn token_create_never_gives_more_than_asked() {
    let dir = with_the_example_plan();
    let dir = dir.path();
    let tokens = || outcome(dir, &["token", "list"]).1.lines().count();
    let before = tokens();

    let (ok, _, err) = outcome(
        dir,
        &[
            "token",
            "create",
            "--email",
            "admin@eksempel.kommune.no",
            "--role",
            "viewer",
        ],
    );
    assert!(!ok, "an admin's token is not made as a viewer's");
    assert!(err.contains("admin") && err.contains("--change-role"), "{err}");
    assert_eq!(tokens(), before, "no token was issued");

    let (ok, _, err) = outcome(
        dir,
        &[
            "token",
            "create",
            "--email",
            "ny@eksempel.kommune.no",
            "--role",
            "unit-leader",
        ],
    );
    assert!(!ok);
    assert!(err.contains("--unit"), "{err}");
    assert_eq!(tokens(), before);

    // The leader of NAV in the example plan is Per Olsen.
    let (ok, out, err) = outcome(
        dir,
        &[
            "token",
            "create",
            "--email",
            "Per.Olsen@eksempel.kommune.no",
            "--role",
            "viewer",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.starts_with("token for Per Olsen <per.olsen@eksempel.kommune.no> (viewer)"),
        "{out}"
    );

    // With --change-role the role changes, and the token carries the new one.
    let (ok, out, err) = outcome(
        dir,
        &[
            "token",
            "create",
            "--email",
            "per.olsen@eksempel.kommune.no",
            "--role",
            "coordinator",
            "--change-role",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.starts_with("token for Per Olsen <per.olsen@eksempel.kommune.no> (coordinator)"),
        "{out}"
    );
    let list = outcome(dir, &["token", "list"]).1;
    assert_eq!(
        list.matches("per.olsen@eksempel.kommune.no").count(),
        2,
        "one person, two tokens: {list}"
    );
    assert!(!list.contains(" viewer "), "the role is changed, not doubled: {list}");
}

/// `tiltak plans` lists what `--plan` takes; a wrong `--plan` says so, and an error is printed once.
#[test]
fn plans_are_listed_and_a_wrong_plan_id_says_where_to_find_one() {
    let dir = with_the_example_plan();
    let dir = dir.path();
    let (ok, out, err) = outcome(dir, &["plans"]);
    assert!(ok, "{err}");
    let line = out
        .lines()
        .find(|l| l.contains("(eksempel)"))
        .unwrap_or_else(|| panic!("{out}"));
    let mut columns = line.split_whitespace();
    let id = columns.next().unwrap();
    assert_eq!(columns.next(), Some("10"), "ten actions: {line}");
    assert!(outcome(dir, &["report", "--plan", id, "--year", "2025", "--format", "md"]).0);

    let (ok, _, err) = outcome(dir, &["report", "--plan", "17", "--year", "2025", "--format", "md"]);
    assert!(!ok);
    assert!(err.contains("not a plan id") && err.contains("tiltak plans"), "{err}");
    assert!(!err.contains("invalid length"), "{err}");

    // `tiltak plans | head -1`: the reader is gone before the list is printed, and the command
    // ends quietly instead of panicking. (The Command's stdout pipe is closed before the
    // child writes: it takes milliseconds to reach the database.)
    let mut plans = tiltak(dir)
        .arg("plans")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(plans.stdout.take());
    let output = plans.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && err.is_empty(), "{:?}: {err}", output.status);

    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.txt");
    let long = "x".repeat(719);
    let (ok, _, err) = outcome(dir, &["import", plan_file, "--title", &long]);
    assert!(!ok);
    assert_eq!(err.matches("is 719 characters long").count(), 1, "{err}");
}

/// The operator's commands: `jobs list`, `jobs run NAME --at`, `outbox dispatch --at`, on the
/// example plan a first start loads.
#[test]
fn jobs_and_outbox_from_the_command_line() {
    let dir = with_the_example_plan();
    let run = |args: &[&str]| {
        let output = tiltak(dir.path()).args(args).output_within().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let list = run(&["jobs", "list"]);
    for job in [
        "deadline-reminders",
        "weekly-digest",
        "annual-evaluation",
        "plan-revision",
        "outbox-dispatch",
    ] {
        assert!(list.contains(job), "{list}");
    }
    assert!(list.contains("0 0 7 * * *"), "{list}");

    // 25 June 2026: the example plan has a deadline on 30 June and actions past theirs.
    let moment = "2026-06-25T07:00:00+02:00";
    let first = run(&["jobs", "run", "deadline-reminders", "--at", moment]);
    let enqueued: usize = first
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert!(enqueued >= 2, "{first}");
    assert!(run(&["jobs", "run", "deadline-reminders", "--at", moment]).contains("already ran"));
    assert!(run(&["jobs", "list"]).contains("SUCCEEDED (manual)"));

    let dispatched = run(&["outbox", "dispatch", "--at", "2026-06-25T07:01:00+02:00"]);
    assert_eq!(
        dispatched.trim(),
        format!("outbox: {enqueued} sent, 0 to retry, 0 failed")
    );
    assert_eq!(
        run(&["outbox", "dispatch"]).trim(),
        "outbox: 0 sent, 0 to retry, 0 failed"
    );
    // Reminders as of a later moment wait for it, and a plain dispatch says so.
    let later = run(&["jobs", "run", "deadline-reminders", "--at", "2030-06-25T07:00:00+02:00"]);
    let waiting: usize = later
        .split(": ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(waiting >= 1, "{later}");
    let plain = run(&["outbox", "dispatch"]);
    assert!(
        plain.contains(&format!("{waiting} message"))
            && plain.contains("waiting, the first until 2030-06-25 07:00 (Oslo)")
            && plain.contains("--at 2030-06-25T07:00:00+02:00"),
        "{plain}"
    );
    let files: Vec<String> = std::fs::read_dir(dir.path().join("data/outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(files.len(), enqueued);
    assert!(files.iter().all(|f| f.contains("Subject: tiltak: ")), "{files:#?}");

    let bad = tiltak(dir.path())
        .args(["jobs", "run", "deadline-reminders", "--at", "tomorrow"])
        .output_within()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("RFC 3339"));
}

/// `tiltak report` on the imported real plan: Markdown to stdout, DOCX to a file, and a DOCX
/// without --out refused.
#[test]
fn report_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.txt");
    let run = |args: &[&str]| tiltak(dir.path()).args(args).output_within().unwrap();
    assert!(
        run(&["token", "create", "--email", "admin@kommune.no", "--role", "admin"])
            .status
            .success()
    );
    let imported = run(&["import", plan_file, "--title", "Forebyggende plan"]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let stdout = String::from_utf8(imported.stdout).unwrap();
    let plan_id = stdout.lines().next().unwrap().strip_prefix("plan ").unwrap().to_owned();
    let year = chrono::Utc::now()
        .with_timezone(&tiltak::domain::OSLO)
        .format("%Y")
        .to_string();

    let markdown = run(&["report", "--plan", &plan_id, "--year", &year, "--format", "md"]);
    assert!(
        markdown.status.success(),
        "{}",
        String::from_utf8_lossy(&markdown.stderr)
    );
    let markdown = String::from_utf8(markdown.stdout).unwrap();
    assert!(
        markdown.starts_with("# Oppfølging av Forebyggende plan – årsrapport"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Status per 31.12.") && markdown.contains(", 56 tiltak."),
        "{markdown}"
    );
    for number in ["### 7.1 ", "### 12.4 ", "### 17.17 "] {
        assert!(markdown.contains(number), "{number}");
    }

    let docx = dir.path().join("rapport.docx");
    let written = run(&[
        "report",
        "--plan",
        &plan_id,
        "--year",
        &year,
        "--format",
        "docx",
        "--out",
        docx.to_str().unwrap(),
    ]);
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(String::from_utf8_lossy(&written.stderr).contains("(live, sha256 "));
    assert_eq!(&std::fs::read(&docx).unwrap()[..2], b"PK", "a docx is a zip file");

    let refused = run(&["report", "--plan", &plan_id, "--year", &year, "--format", "docx"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("give --out FILE"));
    let bad = run(&["report", "--plan", &plan_id, "--year", &year, "--format", "pdf"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("use md, html, csv or docx"));
}

/// Organizations and tokens from the command line: another organization, a token with an
/// expiry in it, the list (without secrets) and revocation.
#[test]
fn organizations_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = tiltak(dir.path()).args(args).output_within().unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    run(&["token", "create", "--email", "admin@eksempel.no", "--role", "admin"]);
    let created = run(&["org", "create", "Nabo kommune"]);
    assert!(created.starts_with("organization Nabo kommune created: "), "{created}");
    let again = tiltak(dir.path())
        .args(["org", "create", "Nabo kommune"])
        .output_within()
        .unwrap();
    assert!(!again.status.success());

    let issued = run(&[
        "token",
        "create",
        "--org",
        "Nabo kommune",
        "--email",
        "admin@nabo.no",
        "--role",
        "admin",
        "--expires-in-days",
        "30",
    ]);
    assert!(issued.contains("in Nabo kommune, expires "), "{issued}");
    let secret = issued.lines().last().unwrap().to_owned();
    let list = run(&["token", "list", "--org", "Nabo kommune"]);
    assert!(list.contains("admin@nabo.no") && list.contains("valid until"), "{list}");
    assert!(!list.contains(&secret), "secrets are never listed");
    assert!(
        !list.contains("admin@eksempel.no"),
        "only the organization's own tokens: {list}"
    );
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(run(&["token", "revoke", &id, "--org", "Nabo kommune"]).contains("revoked"));
    assert!(run(&["token", "list", "--org", "Nabo kommune"]).contains("revoked "));
    // A token id of another organization is not found there.
    let other = tiltak(dir.path())
        .args(["token", "revoke", &id, "--org", "Eksempel kommune"])
        .output_within()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("not found"));
}

/// The audit commands on the imported real plan: `verify` intact; a database sealed before
/// the key (migration 5 again) is "not keyed" until `reseal`; `head` and `verify --head`;
/// an edit in the database found and named.
#[tokio::test]
async fn audit_verify_head_and_reseal_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/forebyggende-plan.txt");
    let run = |args: &[&str]| tiltak(dir.path()).args(args).output_within().unwrap();
    let stdout = |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();
    let fails_with = |args: &[&str], text: &str| {
        let output = run(args);
        let said = stderr(&output);
        assert!(!output.status.success() && said.contains(text), "{args:?}: {said}");
    };
    assert!(
        run(&["token", "create", "--email", "admin@kommune.no", "--role", "admin"])
            .status
            .success()
    );
    assert!(
        run(&["import", plan_file, "--title", "Forebyggende plan"])
            .status
            .success()
    );
    let ok = run(&["audit", "verify"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let printed = stdout(&ok);
    assert!(
        printed.starts_with("audit: 56 events in 1 organizations, every chain intact and keyed"),
        "{printed}"
    );
    assert!(printed.lines().nth(1).unwrap().contains(": head 56:"), "{printed}");

    // As if upgraded from before the key: migration 5 seals the events with plain SHA-256.
    assert!(
        run(&["migrate", "--down", &crate::helpers::migrations_after(4)])
            .status
            .success()
    );
    assert!(run(&["migrate"]).status.success());
    fails_with(
        &["audit", "verify"],
        "is not keyed: 56 events and 0 frozen reports carry plain SHA-256 hashes",
    );
    fails_with(&["audit", "verify"], "run `tiltak audit reseal` once");
    let resealed = run(&["audit", "reseal"]);
    assert!(resealed.status.success(), "{}", stderr(&resealed));
    assert!(
        stdout(&resealed).contains("re-sealed Eksempel kommune with the key: 56 events (56 of them legacy"),
        "{}",
        stdout(&resealed)
    );
    assert!(run(&["audit", "verify"]).status.success());
    assert!(stdout(&run(&["audit", "reseal"])).contains("nothing to re-seal"));

    let head = stdout(&run(&["audit", "head"]));
    let (head, organization) = head.trim().split_once("  ").unwrap();
    assert_eq!(organization, "Eksempel kommune");
    assert!(head.starts_with("56:") && head.len() == 3 + 64, "{head}");
    let checked = run(&["audit", "verify", "--org", "Eksempel kommune", "--head", head]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(stdout(&checked).contains("and 1 given heads on their chains"));
    fails_with(&["audit", "verify", "--head", "56"], "give COUNT:HASH");

    let url = format!("sqlite://{}/tiltak.db?mode=rwc", dir.path().display());
    let db = sea_orm::Database::connect(&url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "UPDATE action_event SET to_value = 'Ikke mitt ansvar' WHERE id = 7",
    )
    .await
    .unwrap();
    db.close().await.unwrap();
    fails_with(&["audit", "verify"], "the history is broken at event 7 ");
    fails_with(&["audit", "verify"], "does not match its hash");
    fails_with(&["audit", "reseal"], "nothing was re-sealed");
}

/// With `log.format = "json"` every log line is one JSON object, for log collectors.
#[test]
fn logs_are_json_lines_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let output = tiltak(dir.path())
        .args(["migrate"])
        .env("TILTAK_LOG__FORMAT", "json")
        .env("TILTAK_LOG__FILTER", "info")
        .output_within()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "the migration logs what it applies");
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["level"].is_string() && event["timestamp"].is_string(), "{event}");
    }
}

/// SIGTERM while `tiltak serve` sends mail: it stops accepting, lets the dispatch under way
/// finish, and exits 0, leaving no message claimed (leased) behind and none sent twice.
#[tokio::test]
async fn sigterm_during_a_dispatch_finishes_it_and_leaves_no_claim() {
    use sea_orm::{ColumnTrait, Database, EntityTrait, QueryFilter};
    use tiltak::entities::notification;

    let sink = crate::smtp_sink::SmtpSink::start().await;
    sink.slow(1500);
    let dir = tempfile::tempdir().unwrap();
    let with_mail = |command: &mut Command| {
        command
            .env("TILTAK_MAIL__TRANSPORT", "smtp")
            .env("TILTAK_MAIL__SMTP__HOST", "127.0.0.1")
            .env("TILTAK_MAIL__SMTP__PORT", sink.port.to_string())
            .env("TILTAK_MAIL__SMTP__TLS", "none")
            .env("TILTAK_MAIL__DISPATCH_INTERVAL_SECONDS", "1")
            .env("TILTAK_MAIL__DIGEST_SETTLE_SECONDS", "0")
            .env("TILTAK_MAIL__PARALLEL_SENDS", "1");
    };
    let mut serve = tiltak(dir.path());
    with_mail(&mut serve);
    let mut child = serve
        .arg("serve")
        .env("TILTAK_HTTP__ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().starts_with("tiltak is running")));
    let mut job = tiltak(dir.path());
    with_mail(&mut job);
    let ran = job.args(["jobs", "run", "deadline-reminders"]).output_within().unwrap();
    assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stderr));

    // As soon as the first message is being sent, SIGTERM.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sink.sessions() == 0 {
        assert!(std::time::Instant::now() < deadline, "the dispatcher never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let signalled = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(30),
            "serve did not stop after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "serve exits 0 after SIGTERM: {status}");

    let db = Database::connect(format!("sqlite://{}/tiltak.db", dir.path().display()))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let rows = notification::Entity::find().all(&db).await.unwrap();
    assert!(!rows.is_empty());
    let claimed: Vec<_> = rows
        .iter()
        .filter(|n| n.status.code() == "PENDING" && n.lease_until.is_some_and(|until| until > now))
        .collect();
    assert!(claimed.is_empty(), "claimed rows left behind: {claimed:#?}");
    let sent = notification::Entity::find()
        .filter(notification::Column::Status.eq("SENT"))
        .all(&db)
        .await
        .unwrap();
    assert!(!sent.is_empty(), "the dispatch under way finished");
    assert_eq!(
        sink.received().len(),
        sent.len(),
        "each sent message reached the server once"
    );
}
