//! `tiltak serve` and `tiltak migrate`.

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use tokio::net::TcpListener;

use crate::{
    app::{self, Application},
    config::Settings,
    jobs,
    mail::Mailer,
    services::bootstrap,
};

/// Applies the pending migrations, or rolls back the last `down`, under the startup lock.
pub(super) async fn migrate(settings: &Settings, down: Option<u32>) -> anyhow::Result<()> {
    let db = app::connect(settings).await?;
    let lock = app::StartupLock::acquire(settings).await?;
    let migrated = match down {
        Some(steps) => Migrator::down(&db, Some(steps))
            .await
            .context("rolling back migrations failed"),
        None => app::migrate(&db).await,
    };
    lock.release().await?;
    migrated?;
    say!(
        "migrations: {} applied",
        Migrator::get_applied_migrations(&db).await?.len()
    );
    Ok(())
}

pub(super) async fn serve(settings: Settings) -> anyhow::Result<()> {
    // A mail setting that cannot work (an unreadable CA file) stops the start before anything
    // listens, rather than after "tiltak is running".
    let mailer = Mailer::from_settings(&settings.mail)?;
    let listener = TcpListener::bind(settings.http.addr).await.with_context(|| {
        format!(
            "cannot listen on {} (set TILTAK_HTTP__ADDR to another address)",
            settings.http.addr
        )
    })?;
    let application = Application::build(settings, listener).await?;
    let lock = app::StartupLock::acquire(&application.state.settings).await?;
    let first = bootstrap::first_start(
        &application.state.db,
        &application.state.audit_key,
        &application.state.settings,
        chrono::Utc::now(),
    )
    .await;
    lock.release().await?;
    let first = first?;
    let url = application.public_url();
    say!("tiltak is running: open {url}/");
    if let Some(first) = first {
        say!();
        say!(
            "First start: created {} with an admin ({}).",
            first.organization.name,
            bootstrap::FIRST_ADMIN_EMAIL
        );
        say!(
            "Sign in as the admin (a one-time link, for {} hours):",
            application.state.settings.web.first_sign_in_link_hours
        );
        say!("  {url}/logg-inn/{}", first.admin_sign_in);
        say!("Admin token (shown once; make more with `tiltak token create`):");
        say!("  {}", first.admin_token);
        say!("For GraphQL ({url}/graphql), send it as \"Authorization: Bearer <token>\".");
    }
    let state = application.state.clone();
    let jobs = jobs::Jobs::from_settings(&state.settings)?;
    // SIGTERM or Ctrl-C: stop accepting, let requests and the background rounds under way
    // finish (a dispatch sends or releases what it claimed), then exit.
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app::cancel_on_signal(stop.clone()));
    let background = jobs::spawn_background(state.clone(), jobs, mailer, stop.clone());
    application.run_until(stop.clone()).await?;
    stop.cancel();
    let lease = std::time::Duration::from_secs(state.settings.mail.send_lease_seconds.max(1) as u64);
    if tokio::time::timeout(lease, futures_util::future::join_all(background))
        .await
        .is_err()
    {
        tracing::warn!("background work still running {lease:?} after the signal; its claims expire on their own");
    }
    tracing::info!("stopped");
    Ok(())
}
