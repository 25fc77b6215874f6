//! `tagar brand`: create and list brands (the scheduling service).

use std::path::Path;

use clap::{Args, Subcommand};
use serde::Serialize;
use tagar_proto::v1;

use super::output::{Table, fields};
use super::{Connection, Session, StatusExt as _, unary};

/// `tagar brand …`.
#[derive(Debug, Args)]
pub struct BrandArgs {
    #[command(flatten)]
    conn: Connection,
    #[command(subcommand)]
    command: BrandCommand,
}

/// Brand commands.
#[derive(Debug, Subcommand)]
pub enum BrandCommand {
    /// Creates a brand; prints its id.
    Create {
        /// The brand's name, e.g. "Kopi Nusantara".
        name: String,
        /// The IANA time zone its posts are scheduled in, e.g. Asia/Jakarta.
        #[arg(long, value_name = "ZONE")]
        time_zone: String,
    },
    /// Lists the tenant's brands.
    List,
}

/// A brand as printed in JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct BrandView {
    /// The brand's id (UUID).
    pub brand_id: String,
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// Whether its queue is paused (a crisis, or a person): due posts are held.
    pub paused: bool,
    /// How many posts the paused queue holds.
    pub held_posts: u32,
}

impl From<v1::Brand> for BrandView {
    fn from(b: v1::Brand) -> Self {
        Self {
            brand_id: b.brand_id,
            name: b.name,
            time_zone: b.time_zone,
            paused: b.pause.is_some(),
            held_posts: b.pause.map_or(0, |p| p.held_posts),
        }
    }
}

/// `tagar brand list --output json`.
#[derive(Debug, Serialize)]
pub struct BrandList {
    /// Every brand of the tenant.
    pub brands: Vec<BrandView>,
}

/// Runs a `tagar brand` command.
pub async fn run(config: Option<&Path>, args: BrandArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.scheduling();
    match args.command {
        BrandCommand::Create { name, time_zone } => {
            let brand: BrandView = client
                .create_brand(unary(v1::CreateBrandRequest { name, time_zone }))
                .await
                .or_status()?
                .into();
            session.output.emit(&brand, || {
                fields(&[
                    ("brand", brand.brand_id.clone()),
                    ("name", brand.name.clone()),
                    ("time zone", brand.time_zone.clone()),
                ])
            });
        }
        BrandCommand::List => {
            let list = BrandList {
                brands: client
                    .list_brands(unary(v1::ListBrandsRequest {}))
                    .await
                    .or_status()?
                    .brands
                    .into_iter()
                    .map(BrandView::from)
                    .collect(),
            };
            session.output.emit(&list, || brand_table(&list.brands));
        }
    }
    Ok(())
}

fn brand_table(brands: &[BrandView]) -> String {
    let mut table = Table::new(&["brand", "name", "time zone", "queue"]);
    for b in brands {
        let queue = if b.paused {
            format!("paused, {} held", b.held_posts)
        } else {
            "running".to_owned()
        };
        table.row([
            b.brand_id.clone(),
            b.name.clone(),
            b.time_zone.clone(),
            queue,
        ]);
    }
    table.render_or("No brands yet: create one with `tagar brand create NAME --time-zone ZONE`.")
}
