//! The secret key of the tamper-evident history (`[audit]` in the configuration). Event
//! hashes are HMAC-SHA256 with it, so database access alone is not enough to rewrite the
//! history. The key lives in the configuration or a key file, never in the database, and is
//! never printed.

use std::{fmt, io::Write, path::Path, sync::Arc};

use anyhow::Context;
use hmac::{Hmac, KeyInit};
use rand::RngCore;
use sha2::Sha256;

use crate::config::AuditSettings;

/// The shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 32;

/// The audit key, prepared once: cloning the keyed HMAC state is cheaper than keying it anew
/// for every event.
#[derive(Clone)]
pub struct AuditKey(Arc<Hmac<Sha256>>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

impl AuditKey {
    /// A key from its bytes; `source` names where it came from, for the error message.
    pub fn new(key: &[u8], source: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            key.len() >= MIN_KEY_BYTES,
            "{source} is {} bytes: the audit key must be at least {MIN_KEY_BYTES} bytes \
             (64 hex characters from `openssl rand -hex 32` will do)",
            key.len()
        );
        let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
        Ok(Self(Arc::new(mac)))
    }

    /// The configured key: `audit.key` when set, otherwise the contents of `audit.key_file`,
    /// which is created with a new random key when it does not exist.
    pub fn load(settings: &AuditSettings) -> anyhow::Result<Self> {
        let configured = settings.key.expose().trim();
        if !configured.is_empty() {
            return Self::new(configured.as_bytes(), "audit.key (TILTAK_AUDIT__KEY)");
        }
        let path = Path::new(&settings.key_file);
        anyhow::ensure!(
            !settings.key_file.trim().is_empty(),
            "neither audit.key (TILTAK_AUDIT__KEY) nor audit.key_file is set: the history needs a key"
        );
        if !path.exists() {
            create_key_file(path)?;
        }
        let contents = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the audit key file {} (audit.key_file)", path.display()))?;
        warn_if_readable_by_others(path);
        Self::new(
            contents.trim().as_bytes(),
            &format!("the audit key in {} (audit.key_file)", path.display()),
        )
    }

    /// A fresh HMAC state keyed with this key.
    pub(crate) fn mac(&self) -> Hmac<Sha256> {
        (*self.0).clone()
    }
}

/// Writes 32 random bytes, hex-encoded, to a new file only its owner may read. Two processes
/// starting at once cannot both create it: the loser reads the winner's key.
fn create_key_file(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder of the audit key file {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot create the audit key file {}", path.display()));
        }
    };
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    writeln!(file, "{}", hex::encode(key))
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write the audit key file {}", path.display()))?;
    tracing::warn!(
        file = %path.display(),
        "created a new audit key for the history; back the file up away from the database. \
         Several instances sharing one database must share one key: set TILTAK_AUDIT__KEY on each"
    );
    Ok(())
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            file = %path.display(),
            "the audit key file can be read by others than its owner: chmod 600 it"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(key: &str, key_file: &Path) -> AuditSettings {
        AuditSettings {
            key: Secret::new(key),
            key_file: key_file.display().to_string(),
        }
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/audit.key");
        AuditKey::load(&settings("", &file)).expect("a new key");
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(written.trim().len(), 64, "32 bytes hex-encoded");
        assert!(written.trim().bytes().all(|b| b.is_ascii_hexdigit()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        AuditKey::load(&settings("", &file)).expect("the same key again");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), written, "never replaced");
    }

    #[test]
    fn a_configured_key_wins_and_a_short_one_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("audit.key");
        AuditKey::load(&settings(&"k".repeat(32), &file)).expect("32 bytes will do");
        assert!(!file.exists(), "no key file when a key is configured");
        let short = AuditKey::load(&settings("too-short", &file)).unwrap_err().to_string();
        assert!(short.contains("audit.key (TILTAK_AUDIT__KEY) is 9 bytes"), "{short}");
        std::fs::write(&file, "abc\n").unwrap();
        let short = AuditKey::load(&settings("", &file)).unwrap_err().to_string();
        assert!(short.contains("(audit.key_file) is 3 bytes"), "{short}");
    }

    #[test]
    fn the_key_is_never_printed() {
        let key = AuditKey::new(b"0123456789abcdef0123456789abcdef", "test").unwrap();
        assert_eq!(format!("{key:?}"), "AuditKey(***)");
    }
}
