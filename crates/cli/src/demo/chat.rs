//! The demo's live hashtag chat: Kopi Nusantara hosts #KopiChat. The chat is planned through
//! scheduling (its first question goes out at the start through the dispatcher), its
//! traffic (`tagar gen --shape chat`) is pushed through ingest, and analytics' report of the
//! chat so far is printed.

use std::time::{Duration, Instant};

use chrono::{SubsecRound as _, Utc};
use tagar_proto::v1;

use super::setup::DemoBrand;
use crate::client::Session;
use crate::client::chat::listen;
use crate::client::chat_views::{report_text, report_view};
use crate::r#gen::{self, GenConfig, Shape};

const HASHTAG: &str = "#KopiChat";

fn status(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(crate::client::describe_status(&s))
}

fn item(offset_minutes: i32, text: &str) -> v1::ChatItemInput {
    v1::ChatItemInput {
        offset_minutes,
        text: text.into(),
    }
}

/// Hosts a 30-minute chat starting in a few seconds, replays its first two minutes, and
/// prints the report so far.
pub async fn run(session: &Session, brand: &DemoBrand, seed: u64) -> anyhow::Result<String> {
    println!("\n▶ A live hashtag chat: {} hosts {HASHTAG}…", brand.name);
    let zone: chrono_tz::Tz = brand
        .time_zone
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let start = (Utc::now() + chrono::Duration::seconds(6)).trunc_subsecs(0);
    let chat = session
        .scheduling()
        .create_chat(v1::CreateChatRequest {
            brand_id: brand.id.clone(),
            account_id: brand.account_id.clone(),
            hashtag: HASHTAG.into(),
            local_start: start
                .with_timezone(&zone)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
            minutes: 30,
            panelists: vec!["budi_barista".into()],
            rules: "Answer with A1, A2… and the tag; be kind.".into(),
            questions: vec![
                item(0, "What's your go-to order at Kopi Nusantara?"),
                item(10, "Where do you usually enjoy your coffee?"),
                item(20, "Which new flavour should we launch next?"),
            ],
            ..Default::default()
        })
        .await
        .map_err(status)?
        .into_inner();
    listen(session, &brand.id, HASHTAG).await?;
    println!(
        "  planned: {} at {} {} for {} minutes, Q1…Q{} scheduled from @{}",
        HASHTAG,
        chat.local_start,
        chat.time_zone,
        chat.minutes,
        chat.questions.len(),
        brand.identity.handle
    );
    let request = v1::ChatRequest {
        brand_id: brand.id.clone(),
        chat_id: chat.chat_id.clone(),
    };
    let mut analytics = session.analytics();
    let deadline = Instant::now() + Duration::from_secs(60);
    while analytics.get_chat_report(request.clone()).await.is_err() {
        anyhow::ensure!(
            Instant::now() < deadline,
            "analytics did not hear of the chat within a minute"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let wait = (start - Utc::now()).to_std().unwrap_or_default() + Duration::from_secs(1);
    tokio::time::sleep(wait).await;

    let config = GenConfig {
        seed,
        posts: 600,
        shape: Shape::Chat,
        start,
        minutes: 2,
        hashtag: HASHTAG.into(),
        questions: 3,
        networks: vec![tagar_model::Network::X],
        ..GenConfig::default()
    };
    let posts = r#gen::generate(config).map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let wire = posts.map(|p| v1::Post::from(&p));
    tagar_client::push::push_posts(&mut session.ingest(), wire, 200)
        .await
        .map_err(status)?;
    println!("  the chat is live: 600 posts of its first two minutes pushed through ingest");

    // Settled: the report stops moving for two looks in a row.
    let mut last = None;
    let mut still = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    let report = loop {
        tokio::time::sleep(Duration::from_millis(750)).await;
        let report = analytics
            .get_chat_report(request.clone())
            .await
            .map_err(status)?
            .into_inner();
        let seen = (
            report.posts,
            report.hidden,
            report.sentiment.unwrap_or_default().unknown,
        );
        still = if last == Some(seen) && report.posts > 0 {
            still + 1
        } else {
            0
        };
        last = Some(seen);
        if still >= 3 || Instant::now() > deadline {
            break report;
        }
    };
    println!();
    for line in report_text(&report_view(report)).lines() {
        println!("  {line}");
    }
    Ok(chat.chat_id)
}
