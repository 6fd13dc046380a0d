//! `/metrics` in Prometheus text format. Counters and histograms are recorded where things
//! happen (requests, refusals, sends, history events); the outbox and job gauges are read from
//! the database at scrape time, so every instance reports the same shared truth.

use std::sync::OnceLock;

use crate::{
    domain::NotificationStatus,
    services::{jobs, outbox},
    state::AppState,
};
use chrono::Utc;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Seconds, for request latency.
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder already installed (a test harness, say) keeps its place.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

/// Reads the gauges that live in the database, then renders everything.
pub async fn render(state: &AppState) -> String {
    if let Err(error) = refresh(state).await {
        tracing::warn!(error = error.cause(), "metrics: reading the outbox and job runs failed");
    }
    handle().render()
}

async fn refresh(state: &AppState) -> crate::error::AppResult<()> {
    let now = Utc::now();
    let outbox = outbox::gauges(&state.db, now).await?;
    for (status, count) in [
        (NotificationStatus::Pending, outbox.pending),
        (NotificationStatus::Failed, outbox.failed),
    ] {
        metrics::gauge!("tiltak_outbox_messages", "status" => status.code().to_lowercase()).set(count as f64);
    }
    let age = outbox
        .oldest_due
        .map_or(0.0, |due| (now - due).num_milliseconds() as f64 / 1000.0);
    metrics::gauge!("tiltak_outbox_oldest_due_age_seconds").set(age.max(0.0));
    for run in jobs::last_successes(&state.db).await? {
        if let Some(finished) = run.finished_at {
            let job = run.job.name();
            metrics::gauge!("tiltak_job_last_success_timestamp_seconds", "job" => job).set(finished.timestamp() as f64);
            let took = (finished - run.started_at).num_milliseconds() as f64 / 1000.0;
            metrics::gauge!("tiltak_job_last_duration_seconds", "job" => job).set(took);
        }
    }
    Ok(())
}
