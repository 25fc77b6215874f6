//! `tagar vault`: the master keys that protect stored network credentials.
//!
//! Rotating a master key: make a new one (`tagar vault new-key`), put it first in
//! `vault.master_keys` (or the key file) with the old ones after it, restart the services,
//! run `tagar vault rotate`, and then remove the old keys. Credentials themselves are never
//! decrypted by a rotation: only the tenants' data keys are re-wrapped.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use secrecy::ExposeSecret as _;
use tagar_runtime::vault::{Vault, generate_master_key, write_key_file};
use tagar_scheduling::store::credentials;

use crate::keys::{StoreArgs, open};

/// Vault commands.
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Makes a new master key. With --data-dir (a standalone data directory), puts it first
    /// in that directory's `vault.keys`, keeping the old keys after it; otherwise prints it
    /// (`id:base64`) to put first in `vault.master_keys`.
    NewKey {
        /// The key's id; by default `k` and the time now (`k20261202T0645`).
        #[arg(long)]
        id: Option<String>,
        /// The standalone data directory whose key file gets the new key.
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Re-wraps every tenant's data key under the current (first) master key, with progress;
    /// afterwards the older keys can be removed from the configuration.
    Rotate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Shows how many tenants' data keys each master key wraps.
    Status {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Runs a `tagar vault` command.
pub async fn run(config: Option<&Path>, command: VaultCommand) -> anyhow::Result<()> {
    match command {
        VaultCommand::NewKey { id, data_dir } => {
            let id = id.unwrap_or_else(|| format!("k{}", chrono::Utc::now().format("%Y%m%dT%H%M")));
            let key = generate_master_key(&id);
            let Some(dir) = data_dir else {
                eprintln!(
                    "New master key {id}; put it first in vault.master_keys (TAGAR__VAULT__MASTER_KEYS), keep the old ones after it, then run `tagar vault rotate`:"
                );
                println!("{}", key.expose_secret());
                return Ok(());
            };
            let path = dir.join("vault.keys");
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            let mut keys = vec![key];
            keys.extend(
                old.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| secrecy::SecretString::from(l.to_owned())),
            );
            Vault::from_config(&keys).context("the new key file")?;
            write_key_file(&path, &keys)?;
            eprintln!(
                "Added master key {id} first in {} ({} keys). Restart Tagar, then run `tagar vault rotate --data-dir {}`.",
                path.display(),
                keys.len(),
                dir.display()
            );
        }
        VaultCommand::Rotate { store } => {
            let vault = vault_of(config, &store)?;
            let db = open(config, &store).await?;
            eprintln!(
                "Re-wrapping tenants' data keys under master key {}…",
                vault.current_key_id()
            );
            let done = credentials::rotate(&db, &vault, |so_far| {
                eprintln!("  re-wrapped {}", so_far.rewrapped);
            })
            .await?;
            eprintln!(
                "Done: {} re-wrapped, {} already under {}. Older master keys can now be removed.",
                done.rewrapped,
                done.current,
                vault.current_key_id()
            );
        }
        VaultCommand::Status { store } => {
            let db = open(config, &store).await?;
            let counts = credentials::keys_in_use(&db).await?;
            if counts.is_empty() {
                println!("No tenant has stored credentials yet.");
            }
            for (id, n) in counts {
                println!("{id}\t{n} tenant data keys");
            }
        }
    }
    Ok(())
}

/// The vault the services use: `[vault]` of the configuration, else the standalone data
/// directory's key file.
fn vault_of(config: Option<&Path>, store: &StoreArgs) -> anyhow::Result<Vault> {
    let settings = tagar_kernel::load_settings(config)?;
    if let Some(vault) = Vault::from_settings(&settings.vault)? {
        return Ok(vault);
    }
    anyhow::ensure!(
        !store.is_distributed(),
        "no vault master key is configured: set vault.master_keys (TAGAR__VAULT__MASTER_KEYS) as the services have it"
    );
    let dir = store.data_dir().unwrap_or(settings.standalone.data_dir);
    Ok(Vault::from_file(&dir.join("vault.keys"))?)
}
