//! The demo agency: three brands with accounts, listening rules and scheduled posts.

use chrono::Utc;
use tagar_proto::v1;

use crate::client::Session;
use crate::r#gen::{BrandIdentity, brand_identity};

/// A brand of the demo agency.
pub struct DemoBrand {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its IANA time zone.
    pub time_zone: String,
    /// The hashtag, handle and name the generator's posts use for it.
    pub identity: BrandIdentity,
    /// Its account on X.
    pub account_id: String,
}

/// A post the demo scheduled.
pub struct ScheduledRef {
    /// The brand.
    pub brand_id: String,
    /// The post.
    pub post_id: String,
}

const BRANDS: [(&str, &str, &str); 3] = [
    (
        "Kopi Nusantara",
        "Asia/Jakarta",
        "Selamat sore! Sudah ngopi hari ini? ☕ #KopiSenja",
    ),
    (
        "Batik Ayu",
        "Asia/Kolkata",
        "New Diwali collection, handmade in Pekalongan ✨ #BatikAyu",
    ),
    (
        "Teh Melati",
        "Asia/Tehran",
        "چای یاسمن تازه رسید 🍵 #TehMelati",
    ),
];

fn status(s: tonic::Status) -> anyhow::Error {
    anyhow::anyhow!(crate::client::describe_status(&s))
}

/// Creates the brands, an X account each, and listening rules: the brand's hashtag, handle and
/// name, plus the trending hashtag for the first brand and a competitor for the second.
pub async fn agency(session: &Session) -> anyhow::Result<Vec<DemoBrand>> {
    let (mut scheduling, mut ingest) = (session.scheduling(), session.ingest());
    let mut brands = Vec::new();
    for (name, zone, _) in BRANDS {
        let brand = scheduling
            .create_brand(v1::CreateBrandRequest {
                name: name.into(),
                time_zone: zone.into(),
            })
            .await
            .map_err(status)?
            .into_inner();
        let identity = brand_identity(name);
        let account = scheduling
            .connect_account(v1::ConnectAccountRequest {
                brand_id: brand.brand_id.clone(),
                network: v1::Network::X as i32,
                handle: identity.handle.clone(),
                credentials: None,
            })
            .await
            .map_err(status)?
            .into_inner();
        let mut rules = vec![
            (
                v1::RuleKind::Hashtag,
                identity.hashtag.trim_start_matches('#').to_owned(),
            ),
            (v1::RuleKind::Handle, identity.handle.clone()),
            (v1::RuleKind::Keyword, identity.name.clone()),
        ];
        match brands.len() {
            0 => rules.push((v1::RuleKind::Hashtag, "KopiSenja".to_owned())),
            1 => rules.push((v1::RuleKind::Competitor, "Teh Melati".to_owned())),
            _ => {}
        }
        for (kind, pattern) in rules {
            ingest
                .add_listening_rule(v1::AddListeningRuleRequest {
                    brand_id: brand.brand_id.clone(),
                    kind: kind as i32,
                    pattern,
                })
                .await
                .map_err(status)?;
        }
        brands.push(DemoBrand {
            id: brand.brand_id,
            name: brand.name,
            time_zone: brand.time_zone,
            identity,
            account_id: account.account_id,
        });
    }
    Ok(brands)
}

/// Drafts, approves and schedules one post per brand, 10, 20 and 30 seconds from now, each
/// given as a wall-clock time in the brand's own zone.
pub async fn schedule_posts(
    session: &Session,
    brands: &[DemoBrand],
) -> anyhow::Result<Vec<ScheduledRef>> {
    let mut scheduling = session.scheduling();
    let mut scheduled = Vec::new();
    for (i, (brand, (_, _, text))) in brands.iter().zip(BRANDS).enumerate() {
        let draft = scheduling
            .create_draft(v1::CreateDraftRequest {
                brand_id: brand.id.clone(),
                account_id: brand.account_id.clone(),
                text: text.into(),
                media: vec![],
            })
            .await
            .map_err(status)?
            .into_inner();
        let approved = scheduling
            .approve_post(v1::ApprovePostRequest {
                brand_id: brand.id.clone(),
                post_id: draft.post_id.clone(),
                expected_version: draft.version,
            })
            .await
            .map_err(status)?
            .into_inner();
        let zone: chrono_tz::Tz = brand
            .time_zone
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let at = (Utc::now() + chrono::Duration::seconds(10 * (i as i64 + 1))).with_timezone(&zone);
        scheduling
            .schedule_post(v1::SchedulePostRequest {
                brand_id: brand.id.clone(),
                post_id: draft.post_id.clone(),
                local_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                expected_version: approved.version,
            })
            .await
            .map_err(status)?;
        scheduled.push(ScheduledRef {
            brand_id: brand.id.clone(),
            post_id: draft.post_id,
        });
    }
    Ok(scheduled)
}
