//! Layered configuration: built-in defaults (`config/default.toml`), an optional file, then
//! `TILTAK_*` environment variables with `__` between nested keys.

use std::{collections::BTreeMap, net::SocketAddr, path::Path};

use anyhow::Context;
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub http: HttpSettings,
    pub web: WebSettings,
    pub sso: SsoSettings,
    pub graphql: GraphqlSettings,
    pub mail: MailSettings,
    pub scheduler: SchedulerSettings,
    pub jobs: JobSettings,
    pub reminders: ReminderSettings,
    pub evaluation: EvaluationSettings,
    pub organization: OrganizationSettings,
    pub audit: AuditSettings,
    pub log: LogSettings,
}

/// A configured secret: read like any other string, never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The key of the tamper-evident history (see `audit_key`).
#[derive(Debug, Clone, Deserialize)]
pub struct AuditSettings {
    /// The key itself (`TILTAK_AUDIT__KEY`); empty: read `key_file`.
    pub key: Secret,
    pub key_file: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchedulerSettings {
    pub enabled: bool,
    pub tick_seconds: u64,
    pub lease_seconds: i64,
}

/// The cron expression of each scheduled job.
#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    pub deadline_reminders: String,
    pub weekly_digest: String,
    pub annual_evaluation: String,
    pub plan_revision: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReminderSettings {
    pub deadline_offsets_days: Vec<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EvaluationSettings {
    pub grace_days: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    pub addr: SocketAddr,
    pub public_url: String,
    pub max_body_bytes: usize,
    pub request_timeout_seconds: u64,
    pub cors_origins: Vec<String>,
}

/// The web pages' sign-in: links, sessions and the reminder emails' action links.
#[derive(Debug, Clone, Deserialize)]
pub struct WebSettings {
    pub sign_in_link_minutes: i64,
    pub first_sign_in_link_hours: i64,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub email_link_days: i64,
}

/// Sign-in with the organizations' Microsoft Entra ID (OpenID Connect).
#[derive(Debug, Clone, Deserialize)]
pub struct SsoSettings {
    /// Entra app role value (the ID token's `roles` claim) to tiltak role code; values are
    /// compared without regard to case.
    pub roles: BTreeMap<String, String>,
    /// A sign-in started must come back from Entra ID within this many minutes.
    pub flow_minutes: i64,
    /// One entry per organization that signs in with Entra ID, by a key of its own (used in
    /// the sign-in address and the environment variable of its secret).
    pub organizations: BTreeMap<String, EntraSettings>,
}

/// One organization's app registration in Entra ID.
#[derive(Debug, Clone, Deserialize)]
pub struct EntraSettings {
    /// The organization in tiltak, by id or exact name.
    pub organization: String,
    /// The Entra tenant (directory) id; ID tokens must carry it as `tid`.
    pub tenant_id: String,
    /// The application (client) id of the app registration.
    pub client_id: String,
    /// The client secret (`TILTAK_SSO__ORGANIZATIONS__<KEY>__CLIENT_SECRET`); never printed.
    #[serde(default)]
    pub client_secret: Secret,
    /// Empty: `https://login.microsoftonline.com/{tenant_id}/v2.0`. (Tests point it at a
    /// local provider.)
    #[serde(default)]
    pub issuer: String,
    /// Whether people of this organization may still sign in by a link sent by email.
    #[serde(default = "yes")]
    pub email_sign_in: bool,
}

fn yes() -> bool {
    true
}

impl EntraSettings {
    /// The issuer ID tokens come from: the tenant's own, never `common`.
    pub fn issuer_url(&self) -> String {
        if self.issuer.trim().is_empty() {
            format!("https://login.microsoftonline.com/{}/v2.0", self.tenant_id.trim())
        } else {
            self.issuer.trim().trim_end_matches('/').to_owned()
        }
    }
}

impl SsoSettings {
    /// The configuration's mistakes, each naming its key: checked at start, so a service
    /// with a broken sign-in does not start.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (value, role) in &self.roles {
            if role.parse::<crate::domain::Role>().is_err() {
                problems.push(format!(
                    "sso.roles.{value}: {role:?} is not a tiltak role (admin, coordinator, unit-leader, team-member, viewer)"
                ));
            }
        }
        for (key, entra) in &self.organizations {
            let at = format!("sso.organizations.{key}");
            if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') || key.is_empty() {
                problems.push(format!("{at}: the key may hold only letters a-z, digits, - and _"));
            }
            let tenant = entra.tenant_id.trim().to_lowercase();
            if tenant.is_empty() {
                problems.push(format!("{at}.tenant_id: set the tenant (directory) id"));
            } else if ["common", "organizations", "consumers"].contains(&tenant.as_str()) {
                problems.push(format!(
                    "{at}.tenant_id: {tenant:?} signs in anyone's tenant; set the organization's own tenant id"
                ));
            }
            if entra.organization.trim().is_empty() {
                problems.push(format!("{at}.organization: name the organization (its id or name)"));
            }
            if entra.client_id.trim().is_empty() {
                problems.push(format!("{at}.client_id: set the application (client) id"));
            }
            if entra.client_secret.expose().is_empty() {
                problems.push(format!(
                    "{at}.client_secret: set TILTAK_SSO__ORGANIZATIONS__{}__CLIENT_SECRET",
                    key.to_uppercase()
                ));
            }
        }
        problems
    }

    /// The tiltak role the highest of these Entra app roles maps to, if any does.
    pub fn role_of<'a>(&self, app_roles: impl IntoIterator<Item = &'a str>) -> Option<crate::domain::Role> {
        use crate::domain::Role;
        let rank = |role: Role| match role {
            Role::Admin => 0,
            Role::Coordinator => 1,
            Role::UnitLeader => 2,
            Role::TeamMember => 3,
            Role::Viewer => 4,
        };
        app_roles
            .into_iter()
            .filter_map(|value| {
                self.roles
                    .iter()
                    .find(|(configured, _)| configured.eq_ignore_ascii_case(value.trim()))
                    .and_then(|(_, role)| role.parse::<Role>().ok())
            })
            .min_by_key(|role| rank(*role))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraphqlSettings {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_fields: usize,
    pub max_aliases: usize,
    pub max_directives: usize,
    pub max_page: usize,
    pub max_query_bytes: usize,
    pub max_response_bytes: usize,
    pub max_batch: usize,
    pub introspection: Introspection,
    pub mutations_per_minute: u32,
    pub subscriptions_per_token: usize,
    pub subscriptions_per_connection: usize,
}

/// Who may ask the schema about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Introspection {
    Off,
    SignedIn,
    Public,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub outbox_dir: String,
    pub from: String,
    pub dispatch_interval_seconds: u64,
    pub max_attempts: i32,
    pub retry_base_seconds: i64,
    pub retry_max_seconds: i64,
    pub send_lease_seconds: i64,
    pub parallel_sends: usize,
    pub digest_settle_seconds: i64,
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: String,
    /// Never printed, also not in `Debug` output.
    pub password: Secret,
    /// A PEM file of CA certificates trusted for the server's certificate in addition to
    /// the built-in roots; empty: the built-in roots only.
    pub ca_certificate: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationSettings {
    pub name: String,
    pub example_plan: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Settings {
    /// Reads the layers: defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if let Some(file) = file {
            anyhow::ensure!(file.is_file(), "configuration file {} does not exist", file.display());
            figment = figment.merge(Toml::file(file));
        }
        figment
            .merge(Env::prefixed("TILTAK_").split("__"))
            .extract()
            .context("invalid configuration")
    }

    /// The address users reach the service at: `http.public_url`, or one made from `http.addr`.
    pub fn public_url(&self) -> String {
        let configured = self.http.public_url.trim_end_matches('/');
        if configured.is_empty() {
            format!("http://{}", self.http.addr)
        } else {
            configured.to_owned()
        }
    }

    /// The built-in defaults alone, for tests that then adjust fields.
    pub fn defaults() -> Self {
        Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("config/default.toml is valid")
    }
}

#[cfg(test)]
// figment's Jail returns its own large error type; these tests only unwrap it.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_safe_for_a_laptop() {
        let settings = Settings::defaults();
        assert_eq!(settings.database.url, "sqlite://data/tiltak.db?mode=rwc");
        assert_eq!(settings.http.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.mail.transport, MailTransport::File);
    }

    #[test]
    fn environment_overrides_nested_keys() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TILTAK_DATABASE__URL", "postgres://localhost/x");
            jail.set_env("TILTAK_MAIL__TRANSPORT", "smtp");
            jail.set_env("TILTAK_MAIL__SMTP__PORT", "2525");
            jail.create_file("extra.toml", "[http]\naddr = \"0.0.0.0:9000\"")?;
            let settings = Settings::load(Some(Path::new("extra.toml"))).expect("loads");
            assert_eq!(settings.database.url, "postgres://localhost/x");
            assert_eq!(settings.mail.transport, MailTransport::Smtp);
            assert_eq!(settings.mail.smtp.port, 2525);
            assert_eq!(settings.http.addr.to_string(), "0.0.0.0:9000");
            Ok(())
        });
    }

    #[test]
    fn sso_is_refused_for_any_tenant_and_maps_the_highest_app_role() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "sso.toml",
                "[sso.organizations.kommune]\norganization = \"Eksempel kommune\"\ntenant_id = \"common\"\n\
                 client_id = \"x\"\n[sso.roles]\n\"Tiltak.Sjef\" = \"boss\"",
            )?;
            jail.set_env("TILTAK_SSO__ORGANIZATIONS__KOMMUNE__CLIENT_SECRET", "a-client-secret");
            let settings = Settings::load(Some(Path::new("sso.toml"))).expect("loads");
            let entra = &settings.sso.organizations["kommune"];
            assert_eq!(entra.client_secret.expose(), "a-client-secret");
            assert!(!format!("{settings:?}").contains("a-client-secret"));
            assert_eq!(entra.issuer_url(), "https://login.microsoftonline.com/common/v2.0");
            let problems = settings.sso.problems();
            assert!(
                problems
                    .iter()
                    .any(|p| p.starts_with("sso.organizations.kommune.tenant_id")),
                "{problems:?}"
            );
            assert!(problems.iter().any(|p| p.starts_with("sso.roles.")), "{problems:?}");
            assert_eq!(problems.len(), 2, "{problems:?}");
            use crate::domain::Role;
            assert_eq!(
                settings.sso.role_of(["tiltak.viewer", "Tiltak.Coordinator"]),
                Some(Role::Coordinator)
            );
            assert_eq!(settings.sso.role_of(["Other.App"]), None);
            assert!(Settings::defaults().sso.problems().is_empty());
            Ok(())
        });
    }

    #[test]
    fn the_audit_key_comes_from_the_environment_and_is_never_printed() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("TILTAK_AUDIT__KEY", "a-secret-that-must-not-appear-in-logs");
            let settings = Settings::load(None).expect("loads");
            assert_eq!(settings.audit.key.expose(), "a-secret-that-must-not-appear-in-logs");
            let printed = format!("{settings:?}");
            assert!(!printed.contains("a-secret"), "{printed}");
            assert!(printed.contains("key: ***"), "{printed}");
            Ok(())
        });
    }
}
