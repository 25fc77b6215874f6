//! Waiting for the services to catch up, and the report a person reads at the end.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tagar_proto::v1;

use super::Replay;
use super::setup::{DemoBrand, ScheduledRef};
use crate::client::Session;

/// What the services had done once everything settled.
pub struct Settled {
    /// Each brand's totals over the replayed hour, in brand order.
    pub totals: Vec<v1::MinuteActivity>,
    /// The scheduled posts as they ended.
    pub published: Vec<v1::ScheduledPost>,
}

fn status(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(crate::client::describe_status(&s))
}

async fn totals(
    session: &Session,
    brands: &[DemoBrand],
) -> anyhow::Result<Vec<v1::MinuteActivity>> {
    let now = chrono::Utc::now();
    let mut analytics = session.analytics();
    let mut all = Vec::new();
    for b in brands {
        let request = v1::GetBrandActivityRequest {
            brand_id: b.id.clone(),
            from: Some(tagar_proto::convert::time_to_wire(
                now - chrono::Duration::hours(2),
            )),
            to: Some(tagar_proto::convert::time_to_wire(
                now + chrono::Duration::hours(1),
            )),
        };
        all.push(
            analytics
                .get_brand_activity(request)
                .await
                .map_err(status)?
                .into_inner()
                .total
                .unwrap_or_default(),
        );
    }
    Ok(all)
}

/// Waits until every scheduled post is out and counted by analytics, and the brands' figures
/// stop moving (moderation and analytics consume at their own pace), showing progress; gives
/// up after ten minutes.
pub async fn wait_until_settled(
    session: &Session,
    brands: &[DemoBrand],
    scheduled: &[ScheduledRef],
) -> anyhow::Result<Settled> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(ProgressStyle::with_template("  {spinner} {msg}").expect("spinner template"));
    spinner.enable_steady_tick(Duration::from_millis(120));
    let deadline = Instant::now() + Duration::from_secs(600);
    let (mut last, mut steady) = (Vec::new(), 0);
    loop {
        let now = totals(session, brands).await?;
        let mut published = Vec::new();
        for s in scheduled {
            let request = v1::GetScheduledPostRequest {
                brand_id: s.brand_id.clone(),
                post_id: s.post_id.clone(),
            };
            published.push(
                session
                    .scheduling()
                    .get_scheduled_post(request)
                    .await
                    .map_err(status)?
                    .into_inner(),
            );
        }
        let out = published
            .iter()
            .filter(|p| p.state == v1::PostState::Published as i32)
            .count();
        let mentions: u64 = now.iter().map(|t| t.mentions).sum();
        let flagged: u64 = now.iter().map(|t| t.flagged).sum();
        spinner.set_message(format!(
            "moderation and analytics catching up: {mentions} mentions counted, {flagged} flagged, {out}/{} scheduled posts out",
            scheduled.len()
        ));
        // Analytics learns of a publish from the scheduling topic, after scheduling marks the
        // post published: the figures are final once it has counted every post that is out.
        let counted: u64 = now.iter().map(|t| t.published).sum();
        steady = if now == last { steady + 1 } else { 0 };
        let all_out = out == scheduled.len() && counted >= out as u64;
        if (all_out && steady >= 3) || Instant::now() > deadline {
            spinner.finish_and_clear();
            return Ok(Settled {
                totals: now,
                published,
            });
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn clip(text: &str, width: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= width {
        one_line
    } else {
        format!("{}…", one_line.chars().take(width - 1).collect::<String>())
    }
}

/// Prints what each service did.
pub async fn print(
    session: &Session,
    brands: &[DemoBrand],
    replay: &Replay,
    settled: &Settled,
) -> anyhow::Result<()> {
    let r = &replay.response;
    let secs = replay.elapsed.as_secs_f64().max(0.001);
    let pushed = r.accepted + r.duplicates + r.rejected;
    let mentions: u64 = settled.totals.iter().map(|t| t.mentions).sum();
    let flagged: u64 = settled.totals.iter().map(|t| t.flagged).sum();
    let hidden: u64 = settled.totals.iter().map(|t| t.hidden).sum();
    let published: u64 = settled.totals.iter().map(|t| t.published).sum();

    println!("\n▶ What each service did");
    println!(
        "  ingest      {} posts in {secs:.1} s ({} posts/s): {} accepted, {} duplicates, {} rejected",
        thousands(pushed),
        thousands((pushed as f64 / secs) as u64),
        thousands(r.accepted),
        thousands(r.duplicates),
        thousands(r.rejected)
    );
    println!(
        "  moderation  {} brand mentions classified: {} flagged for review, {} hidden by policy",
        thousands(mentions),
        thousands(flagged),
        thousands(hidden)
    );
    println!(
        "  scheduling  {published} posts published on the loopback network, each once, and fed back through ingest"
    );
    println!("  analytics   every figure below, folded from the services' events");

    let mut analytics = session.analytics();
    let trends = analytics
        .get_trends(v1::GetTrendsRequest {
            brand_id: String::new(),
            limit: 5,
            window_minutes: 30,
        })
        .await
        .map_err(status)?
        .into_inner()
        .trends;
    println!(
        "\n▶ Top hashtags of the event: the last 30 minutes against the hours before (the burst was on {})",
        replay.hashtag
    );
    for t in &trends {
        let growth = if t.baseline_per_minute < 0.05 {
            "new: no baseline before".to_owned()
        } else {
            format!("×{:.1} its baseline", t.growth)
        };
        println!(
            "  #{:<22} {:>8} mentions   {growth}",
            t.hashtag,
            thousands(t.count)
        );
    }
    if trends.is_empty() {
        println!("  (nothing grew faster than its baseline)");
    }

    println!("\n▶ Brands");
    println!(
        "  {:<16} {:>9} {:>8} {:>7} {:>9} {:>8} {:>8} {:>8}",
        "", "mentions", "flagged", "hidden", "published", "likes", "reposts", "replies"
    );
    for (b, t) in brands.iter().zip(&settled.totals) {
        let share = if t.mentions == 0 {
            0.0
        } else {
            100.0 * t.flagged as f64 / t.mentions as f64
        };
        println!(
            "  {:<16} {:>9} {:>7.1}% {:>7} {:>9} {:>8} {:>8} {:>8}",
            b.name,
            thousands(t.mentions),
            share,
            thousands(t.hidden),
            t.published,
            thousands(t.likes),
            thousands(t.reposts),
            thousands(t.replies)
        );
    }

    let mut moderation = session.moderation();
    let cases = moderation
        .list_review_cases(v1::ListReviewCasesRequest {
            brand_id: brands[0].id.clone(),
            limit: 3,
            ..Default::default()
        })
        .await
        .map_err(status)?
        .into_inner()
        .cases;
    println!(
        "\n▶ {}'s review queue, oldest first (3 shown)",
        brands[0].name
    );
    for c in &cases {
        let shown = if c.hidden { "hidden " } else { "visible" };
        println!(
            "  [{shown}] \"{}\"  — {}",
            clip(&c.text, 60),
            c.reasons.join("; ")
        );
    }

    println!("\n▶ Published posts");
    for (b, p) in brands.iter().zip(&settled.published) {
        let state = if p.state == v1::PostState::Published as i32 {
            p.published_native_id.as_str()
        } else {
            "not yet out"
        };
        println!(
            "  {:<16} @{:<15} \"{}\"  {}",
            b.name,
            b.identity.handle,
            clip(&p.text, 44),
            state
        );
    }
    Ok(())
}
