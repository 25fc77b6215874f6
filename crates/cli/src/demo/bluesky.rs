//! The demo on a real Bluesky PDS (`--demo-bluesky URL`, for example the one
//! `deploy/local/run-pds.sh` runs): a brand's account on the PDS connected with an app
//! password, a post scheduled and published there once, and a customer's reply heard back
//! through the firehose. A local PDS makes accounts without an invite; bsky.social does not,
//! so this is for a PDS of your own.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use chrono::Utc;
use secrecy::SecretString;
use serde_json::{Value, json};
use tagar_networks::bluesky::{Bluesky, POST_COLLECTION, parse_at_uri};
use tagar_networks::{Account, Connector, Credentials, Publication};
use tagar_proto::v1;

use super::setup::DemoBrand;
use crate::client::Session;

/// An account made on the PDS.
struct PdsAccount {
    handle: String,
    jwt: String,
}

async fn xrpc(pds: &str, nsid: &str, jwt: Option<&str>, body: Value) -> anyhow::Result<Value> {
    let mut request = reqwest::Client::new()
        .post(format!("{}/xrpc/{nsid}", pds.trim_end_matches('/')))
        .json(&body);
    if let Some(jwt) = jwt {
        request = request.bearer_auth(jwt);
    }
    let response = request.send().await.with_context(|| {
        format!("cannot reach the PDS at {pds} (deploy/local/run-pds.sh runs one)")
    })?;
    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{nsid} on {pds}: {status} {answer}");
    }
    Ok(answer)
}

async fn create_account(pds: &str, name: &str) -> anyhow::Result<PdsAccount> {
    let suffix = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let handle = format!("{name}{suffix}.test");
    let password = uuid::Uuid::new_v4().simple().to_string();
    let answer = xrpc(
        pds,
        "com.atproto.server.createAccount",
        None,
        json!({ "handle": handle, "email": format!("{name}{suffix}@example.test"), "password": password }),
    )
    .await?;
    let text = |key: &str| answer[key].as_str().unwrap_or_default().to_owned();
    Ok(PdsAccount {
        handle,
        jwt: text("accessJwt"),
    })
}

async fn app_password(pds: &str, account: &PdsAccount) -> anyhow::Result<String> {
    let answer = xrpc(
        pds,
        "com.atproto.server.createAppPassword",
        Some(&account.jwt),
        json!({ "name": "tagar-demo" }),
    )
    .await?;
    Ok(answer["password"].as_str().unwrap_or_default().to_owned())
}

async fn mentions(session: &Session, brand: &str) -> anyhow::Result<u64> {
    let now = Utc::now();
    let total = session
        .analytics()
        .get_brand_activity(v1::GetBrandActivityRequest {
            brand_id: brand.to_owned(),
            from: Some(tagar_proto::convert::time_to_wire(
                now - chrono::Duration::hours(2),
            )),
            to: Some(tagar_proto::convert::time_to_wire(
                now + chrono::Duration::hours(1),
            )),
        })
        .await?
        .into_inner()
        .total;
    Ok(total.map_or(0, |t| t.mentions))
}

/// Runs the Bluesky part of the demo for `brand` on the PDS at `pds`.
pub async fn run(session: &Session, pds: &str, brand: &DemoBrand) -> anyhow::Result<()> {
    println!("\n▶ Bluesky, on the PDS at {pds}");
    let made = create_account(pds, "kopi").await?;
    let password = app_password(pds, &made).await?;
    let account = session
        .scheduling()
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.id.clone(),
            network: v1::Network::Bluesky as i32,
            handle: made.handle.clone(),
            credentials: Some(v1::connect_account_request::Credentials::Bluesky(
                v1::BlueskyCredentials {
                    service: pds.to_owned(),
                    app_password: password,
                },
            )),
        })
        .await
        .context("connect the Bluesky account")?
        .into_inner();
    println!(
        "  connected @{} ({}) to {}: the app password was checked with the PDS and is stored encrypted",
        made.handle, account.native_account_id, brand.name
    );

    let zone: chrono_tz::Tz = brand.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let at = (Utc::now() + chrono::Duration::seconds(5)).with_timezone(&zone);
    let text = "Selamat pagi dari Kopi Nusantara! Kopi senja sudah siap #KopiSenja";
    let mut scheduling = session.scheduling();
    let draft = scheduling
        .create_draft(v1::CreateDraftRequest {
            brand_id: brand.id.clone(),
            account_id: account.account_id.clone(),
            text: text.into(),
            media: vec![],
        })
        .await?
        .into_inner();
    scheduling
        .approve_post(v1::ApprovePostRequest {
            brand_id: brand.id.clone(),
            post_id: draft.post_id.clone(),
            expected_version: draft.version,
        })
        .await?;
    scheduling
        .schedule_post(v1::SchedulePostRequest {
            brand_id: brand.id.clone(),
            post_id: draft.post_id.clone(),
            local_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            expected_version: 0,
        })
        .await?;
    println!(
        "  scheduled a post for {} {}",
        at.format("%H:%M:%S"),
        brand.time_zone
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let published = loop {
        let post = scheduling
            .get_scheduled_post(v1::GetScheduledPostRequest {
                brand_id: brand.id.clone(),
                post_id: draft.post_id.clone(),
            })
            .await?
            .into_inner();
        match post.state() {
            v1::PostState::Published => break post,
            v1::PostState::Failed => bail!("the Bluesky post failed: {}", post.reason),
            _ if Instant::now() > deadline => {
                bail!("the Bluesky post was not published within a minute")
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    let (repo, _, rkey) =
        parse_at_uri(&published.published_native_id).context("the published post's URI")?;
    let listed: Value = reqwest::Client::new()
        .get(format!(
            "{}/xrpc/com.atproto.repo.listRecords",
            pds.trim_end_matches('/')
        ))
        .query(&[("repo", repo), ("collection", POST_COLLECTION)])
        .send()
        .await?
        .json()
        .await?;
    let records = listed["records"].as_array().map_or(0, Vec::len);
    println!(
        "  published once: {} (record key {rkey}, derived from the post's id; the PDS holds {records} post{})",
        published.published_native_id,
        if records == 1 { "" } else { "s" }
    );

    // A customer answers on Bluesky; the firehose brings it back to the brand.
    let before = mentions(session, &brand.id).await?;
    let customer = create_account(pds, "pelanggan").await?;
    let customer_password = app_password(pds, &customer).await?;
    let credentials =
        Credentials::bluesky(pds, &customer.handle, SecretString::from(customer_password))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let reply = Bluesky::new()
        .publish(
            &Account {
                id: uuid::Uuid::new_v4(),
                credentials: &credentials,
            },
            &Publication {
                reply_to: Some(&published.published_native_id),
                ..Publication::new(
                    uuid::Uuid::now_v7(),
                    "Wah, mampir sore ini! Ada yang tanpa gula?",
                )
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("the customer's reply: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if mentions(session, &brand.id).await? > before {
            println!(
                "  @{} replied ({}); ingest heard it on the firehose, and analytics counts it for {}",
                customer.handle, reply.native_id, brand.name
            );
            break;
        }
        if Instant::now() > deadline {
            println!(
                "  @{} replied, but it was not counted within a minute (is networks.bluesky_firehose set?)",
                customer.handle
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}
