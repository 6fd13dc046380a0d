//! The scenarios. Each prints a line of figures starting with "faults:".

use std::{
    collections::{BTreeMap, HashMap},
    time::{Duration, Instant},
};

use rand::Rng;
use serde_json::{Value, json};

use crate::{Cluster, ONE_AT_A_TIME, count, fresh_database, smtp_sink::SmtpSink};

fn today_in_oslo() -> chrono::NaiveDate {
    tiltak::domain::today_in_oslo(chrono::Utc::now())
}

/// A plan with one chapter; its id and the chapter's.
async fn plan(cluster: &Cluster, token: &str) -> (String, String) {
    let plan = cluster
        .ok(
            0,
            token,
            "mutation { createPlan(input: { title: \"Feilplan\" }) { id } }",
            json!({}),
        )
        .await["createPlan"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let chapter = cluster
        .ok(
            0,
            token,
            "mutation($p: ID!) { addChapter(input: { planId: $p, number: 1, title: \"Kapittel\" }) { id } }",
            json!({ "p": plan }),
        )
        .await["addChapter"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (plan, chapter)
}

/// `count` units, each with its own leader and one action due on `deadline`, 30 to a request.
async fn units_with_actions(cluster: &Cluster, token: &str, chapter: &str, count: usize, deadline: &str) {
    for start in (0..count).step_by(30) {
        let end = (start + 30).min(count);
        let units: Vec<String> = (start..end)
            .map(|i| {
                format!(
                    "u{i}: createUnit(input: {{ name: \"Enhet {i}\", leaderName: \"Leder {i}\", leaderEmail: \"leder{i}@kommune.no\" }}) {{ id }}"
                )
            })
            .collect();
        let made = cluster
            .ok(0, token, &format!("mutation {{ {} }}", units.join(" ")), json!({}))
            .await;
        let actions: Vec<String> = (start..end)
            .map(|i| {
                format!(
                    "a{i}: addAction(input: {{ chapterId: \"{chapter}\", number: {}, title: \"Tiltak {i}\", responsibleUnitId: \"{}\", deadline: \"{deadline}\" }}) {{ id }}",
                    i + 1,
                    made[format!("u{i}")]["id"].as_str().unwrap()
                )
            })
            .collect();
        cluster
            .ok(0, token, &format!("mutation {{ {} }}", actions.join(" ")), json!({}))
            .await;
    }
}

/// A plan with one action, due in 2030: the action's id and version.
async fn one_action(cluster: &Cluster, token: &str) -> Value {
    let (_, chapter) = plan(cluster, token).await;
    units_with_actions(cluster, token, &chapter, 1, "2030-01-01").await;
    cluster.ok(0, token, "{ actions { id version } }", json!({})).await["actions"][0].clone()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':').map(str::trim))
}

/// Three instances send reminders to 120 leaders while instances are killed 30 times at
/// random moments and the SMTP server refuses mail, then is down, for a while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn outbox_delivers_everything_through_kills_and_an_smtp_outage() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(database) = fresh_database("the outbox scenario").await else {
        return;
    };
    let url = database.url.clone();
    const LEADERS: usize = 120;
    const KILLS: usize = 30;
    let sink = SmtpSink::start().await;
    let mut cluster = Cluster::new(3, &url, sink.port);
    cluster
        .env
        .insert("TILTAK_JOBS__DEADLINE_REMINDERS".into(), "*/2 * * * * *".into());
    cluster.env.insert("TILTAK_SCHEDULER__LEASE_SECONDS".into(), "5".into());
    cluster.start(0);
    cluster.ready(0).await;
    let token = cluster
        .admin_token(0)
        .expect("the first instance printed the admin token");
    let (_, chapter) = plan(&cluster, &token).await;
    let deadline = (today_in_oslo() + chrono::Duration::days(7)).to_string();
    units_with_actions(&cluster, &token, &chapter, LEADERS, &deadline).await;
    cluster.start(1);
    cluster.start(2);
    let db = cluster.db().await;
    let enqueued = Instant::now();
    while count(&db, "SELECT COUNT(*) AS n FROM notification").await < LEADERS as i64 {
        assert!(
            enqueued.elapsed() < Duration::from_secs(60),
            "the reminders were enqueued"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let started = Instant::now();
    for kill in 0..KILLS {
        match kill {
            8 => sink.refuse(true),
            14 => sink.refuse(false),
            18 => sink.down(true),
            24 => sink.down(false),
            _ => {}
        }
        let (pause, victim, down) = {
            let mut rng = rand::rng();
            (
                rng.random_range(100..700),
                rng.random_range(0..3),
                rng.random_range(50..400),
            )
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        cluster.kill(victim);
        tokio::time::sleep(Duration::from_millis(down)).await;
        cluster.start(victim);
    }
    sink.refuse(false);
    sink.down(false);
    let faults = started.elapsed();
    for i in 0..3 {
        cluster.ready(i).await;
    }
    let drain_started = Instant::now();
    let drained = loop {
        let pending = count(&db, "SELECT COUNT(*) AS n FROM notification WHERE status <> 'SENT'").await;
        if pending == 0 {
            break drain_started.elapsed();
        }
        assert!(
            drain_started.elapsed() < Duration::from_secs(120),
            "{pending} messages still not sent two minutes after the faults"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let received = sink.received();
    let mut by_recipient: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in &received {
        let to = header(message, "To").expect("a To header").to_owned();
        let id = header(message, "Message-ID").expect("a Message-ID").to_owned();
        by_recipient.entry(to).or_default().push(id);
    }
    let duplicates = received.len() - by_recipient.len();
    println!(
        "faults: outbox: {LEADERS} expected, {} delivered to {} recipients, {duplicates} duplicates, {KILLS} kills in {:.1} s, drained {:.1} s after",
        received.len(),
        by_recipient.len(),
        faults.as_secs_f64(),
        drained.as_secs_f64()
    );
    assert_eq!(by_recipient.len(), LEADERS, "every leader got their reminder");
    assert!(duplicates <= KILLS, "duplicates only from kills inside a send");
    for (to, ids) in &by_recipient {
        assert!(
            ids.iter().all(|id| id == &ids[0]),
            "{to}: a copy keeps its Message-ID: {ids:?}"
        );
    }
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM notification WHERE status = 'SENT'").await,
        LEADERS as i64
    );
    let lease = Duration::from_secs(cluster.env["TILTAK_MAIL__SEND_LEASE_SECONDS"].parse().unwrap());
    assert!(drained <= 2 * lease, "drained within twice the send lease: {drained:?}");
}

/// A job every second on three instances with random kills and then a full outage: each
/// moment runs at most once, never before its second, and after the outage only the latest
/// missed moment runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn cron_runs_each_moment_once_never_early_and_latest_only_after_an_outage() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(database) = fresh_database("the cron scenario").await else {
        return;
    };
    let url = database.url.clone();
    let sink = SmtpSink::start().await;
    let mut cluster = Cluster::new(3, &url, sink.port);
    cluster
        .env
        .insert("TILTAK_JOBS__WEEKLY_DIGEST".into(), "* * * * * *".into());
    cluster.env.insert("TILTAK_SCHEDULER__LEASE_SECONDS".into(), "5".into());
    cluster.start(0);
    cluster.ready(0).await;
    cluster.start(1);
    cluster.start(2);
    let mut kills = 0;
    let until = Instant::now() + Duration::from_secs(12);
    while Instant::now() < until {
        let (pause, victim) = {
            let mut rng = rand::rng();
            (rng.random_range(300..1500), rng.random_range(0..3))
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
        cluster.kill(victim);
        kills += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
        cluster.start(victim);
    }
    for i in 0..3 {
        cluster.kill(i);
    }
    let down_at = chrono::Utc::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let up_at = chrono::Utc::now();
    for i in 0..3 {
        cluster.start(i);
    }
    for i in 0..3 {
        cluster.ready(i).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for i in 0..3 {
        cluster.kill(i);
    }

    let db = cluster.db().await;
    use sea_orm::{EntityTrait, QueryOrder};
    let runs = tiltak::entities::job_run::Entity::find()
        .order_by_asc(tiltak::entities::job_run::Column::ScheduledFor)
        .all(&db)
        .await
        .unwrap();
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|r| r.job == tiltak::jobs::Job::WeeklyDigest)
        .collect();
    let mut per_moment: HashMap<chrono::DateTime<chrono::Utc>, usize> = HashMap::new();
    for run in &runs {
        *per_moment.entry(run.scheduled_for).or_default() += 1;
        assert!(
            run.started_at >= run.scheduled_for,
            "started before its moment: {run:?}"
        );
    }
    let twice = per_moment.values().filter(|n| **n > 1).count();
    let outage = runs
        .iter()
        .filter(|r| r.scheduled_for > down_at + chrono::Duration::seconds(1) && r.scheduled_for <= up_at)
        .count();
    let unfinished = runs
        .iter()
        .filter(|r| r.outcome != tiltak::domain::JobOutcome::Succeeded)
        .count();
    println!(
        "faults: cron: {} runs for {} moments, {twice} moments run twice, {kills} kills, {outage} catch-up runs for a 5 s outage, {unfinished} left unfinished by a kill",
        runs.len(),
        per_moment.len()
    );
    assert!(runs.len() >= 10, "the job ran: {}", runs.len());
    assert_eq!(twice, 0, "each moment at most once");
    assert!(
        outage <= 1,
        "one catch-up run after the outage, not one per missed second"
    );
}

/// Fifty writers on one action through three instances: no 5xx, one history event per
/// success, versions without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn concurrent_writers_through_three_instances_lose_nothing() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(database) = fresh_database("the updates scenario").await else {
        return;
    };
    let url = database.url.clone();
    let sink = SmtpSink::start().await;
    let mut cluster = Cluster::new(3, &url, sink.port);
    let token = cluster.start_all().await;
    let action = one_action(&cluster, &token).await;
    let id = action["id"].as_str().unwrap().to_owned();
    let writers = (0..50).map(|i| {
        let cluster = &cluster;
        let (token, id) = (token.clone(), id.clone());
        async move {
            cluster
                .gql(
                    i % 3,
                    &token,
                    "mutation($input: UpdateActionInput!) { updateAction(input: $input) { version } }",
                    json!({ "input": { "actionId": id, "progress": i + 1 } }),
                )
                .await
        }
    });
    let answers = futures_util::future::join_all(writers).await;
    let mut versions: Vec<i64> = Vec::new();
    let mut conflicts = 0;
    for (status, body) in &answers {
        assert!(*status < 500, "{status}: {body}");
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => versions.push(body["data"]["updateAction"]["version"].as_i64().unwrap()),
            Some("CONFLICT") => conflicts += 1,
            other => panic!("{other:?}: {body}"),
        }
    }
    versions.sort_unstable();
    let first = action["version"].as_i64().unwrap() + 1;
    let after = cluster
        .ok(
            0,
            &token,
            "query($id: ID!) { action(id: $id) { history(first: 500) { kind } } }",
            json!({ "id": id }),
        )
        .await;
    let progress_events = after["action"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "PROGRESS")
        .count();
    println!(
        "faults: updates: 50 writers, {} succeeded, {conflicts} conflicts, {progress_events} progress events",
        versions.len()
    );
    assert_eq!(
        versions,
        (first..first + versions.len() as i64).collect::<Vec<_>>(),
        "no gaps"
    );
    assert_eq!(progress_events, versions.len(), "one event per success");
}

/// The database refuses connections for a while: requests get 503 (never 401), writes that
/// were acknowledged are all there afterwards, and the same processes recover.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn a_database_outage_is_503_never_401_and_loses_no_acknowledged_write() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(database) = fresh_database("the database scenario").await else {
        return;
    };
    let url = database.url.clone();
    let sink = SmtpSink::start().await;
    let mut cluster = Cluster::new(2, &url, sink.port);
    let token = cluster.start_all().await;
    let id = one_action(&cluster, &token).await["id"].as_str().unwrap().to_owned();
    let (server, name) = url.rsplit_once('/').unwrap();
    let admin = sea_orm::Database::connect(format!("{server}/postgres")).await.unwrap();
    use sea_orm::ConnectionTrait;

    let mut acknowledged = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut cut_at = None;
    let mut restored_at = None;
    let mut recovered_after = None;
    let started = Instant::now();
    for n in 0.. {
        let elapsed = started.elapsed();
        if cut_at.is_none() && elapsed > Duration::from_secs(2) {
            admin
                .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"))
                .await
                .unwrap();
            admin
                .execute_unprepared(&format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
                ))
                .await
                .unwrap();
            cut_at = Some(Instant::now());
        }
        if restored_at.is_none() && elapsed > Duration::from_secs(8) {
            admin
                .execute_unprepared(&format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"))
                .await
                .unwrap();
            restored_at = Some(Instant::now());
        }
        if elapsed > Duration::from_secs(14) {
            break;
        }
        let comment = format!("kommentar {n}");
        let (status, body) = cluster
            .gql(
                n % 2,
                &token,
                "mutation($a: ID!, $c: String!) { commentAction(actionId: $a, comment: $c) { kind } }",
                json!({ "a": id, "c": comment }),
            )
            .await;
        *statuses.entry(status).or_default() += 1;
        if status == 200 && body.get("errors").is_none() {
            acknowledged.push(comment);
            if let (Some(restored), None) = (restored_at, recovered_after) {
                recovered_after = Some(restored.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let history = cluster
        .ok(
            1,
            &token,
            "query($id: ID!) { action(id: $id) { history(first: 500) { comment } } }",
            json!({ "id": id }),
        )
        .await;
    let written: Vec<&str> = history["action"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["comment"].as_str())
        .collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|c| !written.contains(&c.as_str())).collect();
    println!(
        "faults: database: statuses {statuses:?}, {} writes acknowledged, {} lost, recovered {:?} after the database came back",
        acknowledged.len(),
        lost.len(),
        recovered_after
    );
    assert!(
        !statuses.contains_key(&401),
        "a valid token is never refused: {statuses:?}"
    );
    assert!(statuses.contains_key(&503), "the outage was seen as 503: {statuses:?}");
    assert!(lost.is_empty(), "acknowledged writes lost: {lost:?}");
    assert!(recovered_after.is_some(), "the same processes answered again");
}

/// Three instances starting at once on an empty database all come up, with one organization.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(tiltak_postgres), ignore = "set TILTAK_TEST_POSTGRES_URL")]
async fn three_instances_cold_start_together() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(database) = fresh_database("the cold start scenario").await else {
        return;
    };
    let url = database.url.clone();
    let sink = SmtpSink::start().await;
    let mut cluster = Cluster::new(3, &url, sink.port);
    cluster
        .env
        .insert("TILTAK_ORGANIZATION__EXAMPLE_PLAN".into(), "true".into());
    for i in 0..3 {
        cluster.start(i);
    }
    for i in 0..3 {
        cluster.ready(i).await;
    }
    let tokens: Vec<String> = (0..3).filter_map(|i| cluster.admin_token(i)).collect();
    let db = cluster.db().await;
    let organizations = count(&db, "SELECT COUNT(*) AS n FROM organization").await;
    let plans = count(&db, "SELECT COUNT(*) AS n FROM plan").await;
    println!(
        "faults: cold start: 3 instances up, {organizations} organization, {plans} example plan, {} first start",
        tokens.len()
    );
    assert_eq!((organizations, plans, tokens.len()), (1, 1, 1));
    let answer: Value = cluster.ok(2, &tokens[0], "{ plans { title } }", json!({})).await;
    assert_eq!(answer["plans"].as_array().unwrap().len(), 1);
}
