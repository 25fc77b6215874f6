//! `tagar keys`: API keys, stored hashed. The plain key is shown once, when it is created.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use tagar_model::TenantId;
use tagar_runtime::auth::{ApiKey, BrandScope, Role};
use tagar_store::{DatabaseConfig, Store};
use uuid::Uuid;

/// Which store the keys live in.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// A PostgreSQL URL (the distributed mode's store). Without it, the standalone data directory.
    #[arg(
        long,
        env = "TAGAR__DATABASE__URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    database_url: Option<String>,
    /// The standalone data directory (`[standalone] data_dir`).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

impl StoreArgs {
    /// Whether a PostgreSQL URL was given.
    pub fn is_distributed(&self) -> bool {
        self.database_url.is_some()
    }

    /// The standalone data directory given, if any.
    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data_dir.clone()
    }
}

/// API key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Creates a key and prints it once. Without --tenant, creates a new tenant.
    Create {
        /// The tenant (agency) the key acts for.
        #[arg(long)]
        tenant: Option<Uuid>,
        /// admin, manager, moderator, analyst or service.
        #[arg(long, default_value = "admin")]
        role: String,
        /// Limit the key to these brands (repeat); without it, every brand of the tenant.
        #[arg(long = "brand", value_name = "BRAND_ID")]
        brands: Vec<Uuid>,
        /// What the key is for.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Lists a tenant's keys (never their secrets).
    List {
        /// The tenant.
        #[arg(long)]
        tenant: Uuid,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revokes a key: calls made with it fail from now on.
    Revoke {
        /// The tenant.
        #[arg(long)]
        tenant: Uuid,
        /// The key's id (the 16 hex characters after `tgr_`).
        #[arg(long)]
        key_id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) async fn open(config: Option<&Path>, args: &StoreArgs) -> anyhow::Result<Store> {
    let settings = tagar_kernel::load_settings(config)?;
    let database = match (&args.database_url, &args.data_dir) {
        (Some(url), _) => DatabaseConfig::new(url.clone()),
        (None, Some(dir)) => tagar_kernel::StandaloneConfig {
            data_dir: dir.clone(),
            ..settings.standalone
        }
        .database(),
        (None, None) => settings.standalone.database(),
    };
    Store::connect(&database)
        .await
        .with_context(|| format!("open the store at {}", database.redacted_url()))
}

/// Runs a `tagar keys` command.
pub async fn run(config: Option<&Path>, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create {
            tenant,
            role,
            brands,
            label,
            store,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let tenant = tenant.map(TenantId::from_uuid).unwrap_or_default();
            let scope = if brands.is_empty() {
                BrandScope::All
            } else {
                BrandScope::Only(brands.into_iter().collect())
            };
            let (plain, stored) = ApiKey::generate(tenant, role, scope);
            open(config, &store)
                .await?
                .save_key(&stored, &label)
                .await?;
            eprintln!(
                "Created key {} ({role}) for tenant {tenant}. It is shown once:",
                stored.key_id
            );
            println!("{}", plain.expose());
        }
        KeysCommand::List { tenant, store } => {
            let keys = open(config, &store)
                .await?
                .list_keys(TenantId::from_uuid(tenant))
                .await?;
            println!(
                "{:<18} {:<10} {:<8} {:<9} label",
                "key id", "role", "brands", "state"
            );
            for k in keys {
                let brands = match &k.brands {
                    BrandScope::All => "all".to_owned(),
                    BrandScope::Only(ids) => ids.len().to_string(),
                };
                let state = if k.revoked { "revoked" } else { "active" };
                println!(
                    "{:<18} {:<10} {:<8} {:<9} {}",
                    k.key_id,
                    k.role.as_str(),
                    brands,
                    state,
                    k.label
                );
            }
        }
        KeysCommand::Revoke {
            tenant,
            key_id,
            store,
        } => {
            if !open(config, &store)
                .await?
                .revoke_key(TenantId::from_uuid(tenant), &key_id)
                .await?
            {
                anyhow::bail!("--key-id: tenant {tenant} has no active key {key_id}");
            }
            println!("Revoked {key_id}.");
        }
    }
    Ok(())
}

/// On a store with no key at all, creates a tenant and an admin key and writes the key to
/// `admin.key` in the data directory, readable only by its owner. Returns the file's path.
pub async fn bootstrap(store: &Store, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    if store.has_any_key().await? {
        return Ok(None);
    }
    let tenant = TenantId::new();
    let (plain, stored) = ApiKey::generate(tenant, Role::Admin, BrandScope::All);
    let path = data_dir.join("admin.key");
    write_private(&path, plain.expose()).with_context(|| format!("write {}", path.display()))?;
    store
        .save_key(&stored, "first admin key (tagar standalone)")
        .await?;
    Ok(Some(path))
}

pub(crate) fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{secret}")
}
