//! `tagar trends` and `tagar activity`: what analytics has folded so far.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use clap::Args;
use serde::Serialize;
use tagar_proto::convert::time_to_wire;
use tagar_proto::v1;

use super::output::{Table, timestamp, to_json};
use super::{Connection, Session, StatusExt as _, status_error, unary};

/// `tagar trends`.
#[derive(Debug, Args)]
pub struct TrendsArgs {
    #[command(flatten)]
    conn: Connection,
    /// Only this brand's mentions (default: every brand of the tenant).
    #[arg(long, value_name = "BRAND_ID", default_value = "")]
    brand: String,
    /// The window compared against the baseline before it, in minutes.
    #[arg(long, default_value_t = 5, value_name = "MINUTES")]
    window: u32,
    /// At most this many hashtags.
    #[arg(long, default_value_t = 10)]
    limit: u32,
    /// Keep running and print the list each time it changes (JSON: one document per line).
    #[arg(long)]
    watch: bool,
}

/// `tagar activity`.
#[derive(Debug, Args)]
pub struct ActivityArgs {
    #[command(flatten)]
    conn: Connection,
    /// The brand's id.
    #[arg(long, value_name = "BRAND_ID")]
    brand: String,
    /// How far back: a number with s, m, h or d (e.g. 90s, 60m, 6h, 2d).
    #[arg(long, default_value = "60m", value_parser = parse_duration, value_name = "DURATION")]
    since: Duration,
}

/// Parses `90s`, `60m`, `6h`, `2d` (a bare number is minutes).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 60m, 6h or 2d"))?;
    let seconds = match unit {
        "s" => 1,
        "" | "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(n.saturating_mul(seconds)))
}

/// A trending hashtag as printed in JSON.
#[derive(Debug, Serialize)]
pub struct TrendView {
    /// The hashtag (canonical form).
    pub hashtag: String,
    /// Mentions in the window.
    pub count: u64,
    /// Mentions per minute in the baseline before the window.
    pub baseline_per_minute: f64,
    /// count / expected count: above 1 means growing.
    pub growth: f64,
}

/// `tagar trends --output json` (and each line of `--watch`).
#[derive(Debug, Serialize)]
pub struct TrendList {
    /// When the list was computed, RFC 3339 UTC.
    pub as_of: Option<String>,
    /// Fastest growing first.
    pub trends: Vec<TrendView>,
}

impl From<v1::GetTrendsResponse> for TrendList {
    fn from(r: v1::GetTrendsResponse) -> Self {
        Self {
            as_of: timestamp(r.as_of.as_ref()),
            trends: r
                .trends
                .into_iter()
                .map(|t| TrendView {
                    hashtag: t.hashtag,
                    count: t.count,
                    baseline_per_minute: t.baseline_per_minute,
                    growth: t.growth,
                })
                .collect(),
        }
    }
}

fn trend_table(list: &TrendList) -> String {
    let mut table = Table::new(&["hashtag", "count", "baseline/min", "growth"]);
    for t in &list.trends {
        table.row([
            format!("#{}", t.hashtag.trim_start_matches('#')),
            t.count.to_string(),
            format!("{:.1}", t.baseline_per_minute),
            format!("×{:.1}", t.growth),
        ]);
    }
    let mut text = format!("Trends as of {}\n", list.as_of.as_deref().unwrap_or("now"));
    text.push_str(&table.render_or("No hashtags in the window yet."));
    text
}

/// Runs `tagar trends`.
pub async fn run_trends(config: Option<&Path>, args: TrendsArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let mut client = session.analytics();
    let request = v1::GetTrendsRequest {
        brand_id: args.brand,
        limit: args.limit,
        window_minutes: args.window,
    };
    if !args.watch {
        let list = TrendList::from(client.get_trends(unary(request)).await.or_status()?);
        session.output.emit(&list, || trend_table(&list));
        return Ok(());
    }
    let mut stream = client.watch_trends(request).await.or_status()?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            next = stream.message() => match next.map_err(status_error)? {
                None => return Ok(()),
                Some(update) => {
                    let list = TrendList::from(update);
                    if session.output.is_json() {
                        println!("{}", to_json(&list));
                    } else {
                        println!("{}", trend_table(&list));
                    }
                }
            }
        }
    }
}

/// A minute (or the total) as printed in JSON.
#[derive(Debug, Serialize)]
pub struct MinuteView {
    /// The minute, RFC 3339 UTC (null for the total).
    pub minute: Option<String>,
    /// Posts that matched the brand.
    pub mentions: u64,
    /// Posts moderation flagged.
    pub flagged: u64,
    /// Posts hidden.
    pub hidden: u64,
    /// The brand's posts published.
    pub published: u64,
    /// Likes on the brand's posts.
    pub likes: u64,
    /// Reposts.
    pub reposts: u64,
    /// Replies.
    pub replies: u64,
    /// Mentions moderation found negative in tone.
    pub negative: u64,
}

impl From<v1::MinuteActivity> for MinuteView {
    fn from(m: v1::MinuteActivity) -> Self {
        Self {
            minute: timestamp(m.minute.as_ref()),
            mentions: m.mentions,
            flagged: m.flagged,
            hidden: m.hidden,
            published: m.published,
            likes: m.likes,
            reposts: m.reposts,
            replies: m.replies,
            negative: m.negative,
        }
    }
}

/// `tagar activity --output json`.
#[derive(Debug, Serialize)]
pub struct ActivityView {
    /// The brand.
    pub brand_id: String,
    /// The start of the range, RFC 3339 UTC.
    pub from: Option<String>,
    /// The end of the range, RFC 3339 UTC.
    pub to: Option<String>,
    /// Minutes with activity, oldest first.
    pub minutes: Vec<MinuteView>,
    /// Totals over the range.
    pub total: Option<MinuteView>,
    /// Flagged share of mentions, 0.0 to 1.0.
    pub flagged_share: f64,
}

fn minute_row(label: String, m: &MinuteView) -> [String; 9] {
    [
        label,
        m.mentions.to_string(),
        m.negative.to_string(),
        m.flagged.to_string(),
        m.hidden.to_string(),
        m.published.to_string(),
        m.likes.to_string(),
        m.reposts.to_string(),
        m.replies.to_string(),
    ]
}

fn activity_table(a: &ActivityView) -> String {
    let mut table = Table::new(&[
        "minute",
        "mentions",
        "negative",
        "flagged",
        "hidden",
        "published",
        "likes",
        "reposts",
        "replies",
    ]);
    for m in &a.minutes {
        table.row(minute_row(m.minute.clone().unwrap_or_default(), m));
    }
    if let Some(total) = &a.total {
        table.row(minute_row("total".to_owned(), total));
    }
    let mut text = table.render_or("No activity in the range.");
    text.push_str(&format!("flagged share: {:.1}%\n", a.flagged_share * 100.0));
    text
}

/// Runs `tagar activity`.
pub async fn run_activity(config: Option<&Path>, args: ActivityArgs) -> anyhow::Result<()> {
    let session = Session::connect(config, &args.conn).await?;
    let to = Utc::now();
    let since =
        chrono::Duration::from_std(args.since).map_err(|_| anyhow::anyhow!("--since: too long"))?;
    let from = to - since;
    let response = session
        .analytics()
        .get_brand_activity(unary(v1::GetBrandActivityRequest {
            brand_id: args.brand.clone(),
            from: Some(time_to_wire(from)),
            to: Some(time_to_wire(to)),
        }))
        .await
        .or_status()?;
    let view = ActivityView {
        brand_id: args.brand,
        from: timestamp(Some(&time_to_wire(from))),
        to: timestamp(Some(&time_to_wire(to))),
        minutes: response.minutes.into_iter().map(MinuteView::from).collect(),
        total: response.total.map(MinuteView::from),
        flagged_share: response.flagged_share,
    };
    session.output.emit(&view, || activity_table(&view));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit() {
        assert_eq!(parse_duration("60m"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("15"), Ok(Duration::from_secs(900)));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn trends_print_as_a_table_and_as_stable_json() {
        let list = TrendList {
            as_of: Some("2026-01-01T00:00:00Z".into()),
            trends: vec![TrendView {
                hashtag: "kopisenja".into(),
                count: 120,
                baseline_per_minute: 2.0,
                growth: 12.0,
            }],
        };
        let table = trend_table(&list);
        assert!(
            table.contains("#kopisenja") && table.contains("×12.0"),
            "{table}"
        );
        assert_eq!(
            to_json(&list),
            r#"{"as_of":"2026-01-01T00:00:00Z","trends":[{"hashtag":"kopisenja","count":120,"baseline_per_minute":2.0,"growth":12.0}]}"#
        );
    }
}
