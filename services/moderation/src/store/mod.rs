//! Moderation's SQL: the read models of policies, the review queue and blocked authors, each
//! written by its aggregate's projection in the transaction that records the aggregate's
//! events, and their queries. Every query filters on the tenant. Functions take a
//! connection, so they run inside the caller's transaction.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use tagar_kernel::{Change, CommandError, Projection};
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{CaseState, Decision};
use tagar_store::{Placeholders, StoreError, StoreTx};

use crate::domain::case::{CaseStatus, ReviewCase};

pub mod inbox;
use crate::domain::policy::{BrandPolicy, ModerationPolicy};
pub use inbox::InboxRows;

fn to_ppm(score: f32) -> i64 {
    (f64::from(score) * 1_000_000.0).round() as i64
}

fn from_ppm(ppm: i64) -> f32 {
    (ppm as f64 / 1_000_000.0) as f32
}

/// A brand's policy as stored, with the policy aggregate's version.
pub async fn policy(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
) -> Result<Option<(ModerationPolicy, u64)>, StoreError> {
    let row = sqlx::query(
        "SELECT review_ppm, hide_ppm, spam_hide_ppm, first_response_minutes, support_account_id, version \
         FROM moderation_policies \
         WHERE tenant_id = $1 AND brand_id = $2",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            ModerationPolicy {
                review_threshold: from_ppm(r.try_get("review_ppm")?),
                hide_threshold: from_ppm(r.try_get("hide_ppm")?),
                spam_hide_threshold: from_ppm(r.try_get("spam_hide_ppm")?),
                first_response_minutes: r
                    .try_get::<i64, _>("first_response_minutes")?
                    .clamp(1, i64::from(u32::MAX)) as u32,
                support_account: uuid::Uuid::parse_str(
                    &r.try_get::<String, _>("support_account_id")?,
                )
                .ok(),
            },
            r.try_get::<i64, _>("version")? as u64,
        ))
    })
    .transpose()
}

/// Stores a brand's policy at the policy aggregate's `version`.
pub async fn save_policy(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    policy: &ModerationPolicy,
    version: u64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO moderation_policies \
         (tenant_id, brand_id, review_ppm, hide_ppm, spam_hide_ppm, version, updated_at_us, first_response_minutes, \
         support_account_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (tenant_id, brand_id) DO UPDATE SET review_ppm = excluded.review_ppm, \
         hide_ppm = excluded.hide_ppm, spam_hide_ppm = excluded.spam_hide_ppm, \
         first_response_minutes = excluded.first_response_minutes, \
         support_account_id = excluded.support_account_id, \
         version = excluded.version, updated_at_us = excluded.updated_at_us",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(to_ppm(policy.review_threshold))
    .bind(to_ppm(policy.hide_threshold))
    .bind(to_ppm(policy.spam_hide_threshold))
    .bind(version as i64)
    .bind(tagar_store::now_us())
    .bind(i64::from(policy.first_response_minutes))
    .bind(policy.support_account.map(|a| a.to_string()).unwrap_or_default())
    .execute(conn)
    .await?;
    Ok(())
}

/// A review case as the queue shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    /// The case (aggregate) id.
    pub case_id: String,
    /// The brand.
    pub brand_id: String,
    /// The post's network (wire enum value).
    pub network: i32,
    /// The post's id on its network.
    pub native_id: String,
    /// The post's author on its network.
    pub author_id: String,
    /// The post's text.
    pub text: String,
    /// Why it is in review.
    pub reasons: Vec<String>,
    /// Whether the post is hidden.
    pub hidden: bool,
    /// The case state (wire `CaseState` value).
    pub state: i32,
    /// The moderator it is assigned to, empty if none.
    pub assignee: String,
    /// The decision (wire `Decision` value), 0 until decided.
    pub decision: i32,
    /// The moderator's note.
    pub note: String,
    /// When it was opened, microseconds since the epoch.
    pub opened_at_us: i64,
    /// The case aggregate's version.
    pub version: u64,
}

const CASE_COLUMNS: &str = "case_id, brand_id, network, native_id, author_id, text, reasons, hidden, \
                            state, assignee, decision, note, opened_at_us, version";

fn case_row(r: &AnyRow) -> Result<CaseRow, StoreError> {
    let reasons: String = r.try_get("reasons")?;
    Ok(CaseRow {
        case_id: r.try_get("case_id")?,
        brand_id: r.try_get("brand_id")?,
        network: r.try_get::<i64, _>("network")? as i32,
        native_id: r.try_get("native_id")?,
        author_id: r.try_get("author_id")?,
        text: r.try_get("text")?,
        reasons: reasons
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        state: r.try_get::<i64, _>("state")? as i32,
        assignee: r.try_get("assignee")?,
        decision: r.try_get::<i64, _>("decision")? as i32,
        note: r.try_get("note")?,
        opened_at_us: r.try_get("opened_at_us")?,
        version: r.try_get::<i64, _>("version")? as u64,
    })
}

/// Writes a case row, new or changed.
pub async fn save_case(
    conn: &mut AnyConnection,
    tenant: TenantId,
    c: &CaseRow,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO moderation_cases (tenant_id, {CASE_COLUMNS}, updated_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (case_id) DO UPDATE SET hidden = excluded.hidden, state = excluded.state, \
         assignee = excluded.assignee, decision = excluded.decision, note = excluded.note, \
         version = excluded.version, updated_at_us = excluded.updated_at_us"
    ))
    .bind(tenant.to_string())
    .bind(&c.case_id)
    .bind(&c.brand_id)
    .bind(i64::from(c.network))
    .bind(&c.native_id)
    .bind(&c.author_id)
    .bind(&c.text)
    .bind(c.reasons.join("\n"))
    .bind(i64::from(c.hidden))
    .bind(i64::from(c.state))
    .bind(&c.assignee)
    .bind(i64::from(c.decision))
    .bind(&c.note)
    .bind(c.opened_at_us)
    .bind(c.version as i64)
    .bind(tagar_store::now_us())
    .execute(conn)
    .await?;
    Ok(())
}

/// One case of the tenant.
pub async fn case(
    conn: &mut AnyConnection,
    tenant: TenantId,
    case_id: &str,
) -> Result<Option<CaseRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CASE_COLUMNS} FROM moderation_cases WHERE tenant_id = $1 AND case_id = $2"
    ))
    .bind(tenant.to_string())
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(case_row).transpose()
}

/// Whether the brand already has a case for the post.
pub async fn has_case_for_post(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    network: i32,
    native_id: &str,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM moderation_cases \
         WHERE tenant_id = $1 AND brand_id = $2 AND network = $3 AND native_id = $4",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(i64::from(network))
    .bind(native_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// A brand's cases in the given states, oldest first.
pub async fn list_cases(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    states: &[CaseState],
    limit: u32,
) -> Result<Vec<CaseRow>, StoreError> {
    let mut params = Placeholders::new(tagar_store::Dialect::of(conn));
    let mut sql = format!("SELECT {CASE_COLUMNS} FROM moderation_cases WHERE tenant_id = ");
    params.push(&mut sql);
    sql.push_str(" AND brand_id = ");
    params.push(&mut sql);
    sql.push_str(" AND state IN (");
    params.list(&mut sql, states.len());
    sql.push_str(") ORDER BY opened_at_us, case_id LIMIT ");
    params.push(&mut sql);
    let mut query = sqlx::query(&sql)
        .bind(tenant.to_string())
        .bind(brand.to_string());
    for state in states {
        query = query.bind(*state as i64);
    }
    let rows = query.bind(i64::from(limit)).fetch_all(conn).await?;
    rows.iter().map(case_row).collect()
}

/// Blocks an author for a brand (no change if blocked already).
pub async fn block_author(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: &str,
    network: i32,
    author_id: &str,
    case_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO moderation_blocked_authors \
         (tenant_id, brand_id, network, author_id, case_id, blocked_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (tenant_id, brand_id, network, author_id) DO NOTHING",
    )
    .bind(tenant.to_string())
    .bind(brand)
    .bind(i64::from(network))
    .bind(author_id)
    .bind(case_id)
    .bind(tagar_store::now_us())
    .execute(conn)
    .await?;
    Ok(())
}

/// Which of `authors` (network, author id) the brand blocked: one query per network and
/// 1,000 authors.
pub async fn blocked_among(
    conn: &mut AnyConnection,
    tenant: TenantId,
    brand: BrandId,
    authors: &[(i32, &str)],
) -> Result<Vec<(i32, String)>, StoreError> {
    let mut by_network: std::collections::BTreeMap<i32, Vec<&str>> = Default::default();
    for &(network, author) in authors {
        by_network.entry(network).or_default().push(author);
    }
    let mut blocked = Vec::new();
    for (network, ids) in by_network {
        for chunk in ids.chunks(tagar_store::MAX_ROWS_PER_STATEMENT) {
            let mut params = Placeholders::new(tagar_store::Dialect::of(conn));
            let mut sql =
                "SELECT author_id FROM moderation_blocked_authors WHERE tenant_id = ".to_owned();
            params.push(&mut sql);
            sql.push_str(" AND brand_id = ");
            params.push(&mut sql);
            sql.push_str(" AND network = ");
            params.push(&mut sql);
            sql.push_str(" AND author_id IN (");
            params.list(&mut sql, chunk.len());
            sql.push(')');
            let mut query = sqlx::query_scalar::<_, String>(&sql)
                .bind(tenant.to_string())
                .bind(brand.to_string())
                .bind(i64::from(network));
            for id in chunk {
                query = query.bind(*id);
            }
            for author in query.fetch_all(&mut *conn).await? {
                blocked.push((network, author));
            }
        }
    }
    Ok(blocked)
}

/// Writes `moderation_policies` as policies are set.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyRows;

#[async_trait]
impl Projection<BrandPolicy> for PolicyRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, BrandPolicy>,
    ) -> Result<(), CommandError> {
        let after = change.after;
        if let (Some(brand), Some(policy)) = (after.state.brand, after.state.set) {
            save_policy(tx.conn(), after.tenant, brand, &policy, after.version).await?;
        }
        Ok(())
    }
}

/// Writes the review queue's row of a case with every change, and blocks the author for the
/// brand when a moderator decides so.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseRows;

#[async_trait]
impl Projection<ReviewCase> for CaseRows {
    async fn project(
        &self,
        tx: &mut StoreTx,
        change: &Change<'_, ReviewCase>,
    ) -> Result<(), CommandError> {
        let after = change.after;
        let Some(brand) = after.state.brand else {
            return Ok(());
        };
        let row = CaseRow::of(brand, &after.state, after.version);
        save_case(tx.conn(), after.tenant, &row).await?;
        if row.decision == Decision::BlockAuthor as i32 {
            block_author(
                tx.conn(),
                after.tenant,
                &row.brand_id,
                row.network,
                &row.author_id,
                &row.case_id,
            )
            .await?;
        }
        Ok(())
    }
}

impl CaseRow {
    /// The queue's row of a case at `version`. A new row is opened now; an existing row keeps
    /// the time it was opened.
    pub fn of(brand: BrandId, case: &ReviewCase, version: u64) -> Self {
        let opened = case.opened.clone().unwrap_or_default();
        let decision = case
            .decided
            .as_ref()
            .map_or(Decision::Unspecified, |d| d.decision());
        let hidden = match decision {
            Decision::Hide | Decision::BlockAuthor => true,
            Decision::Approve => false,
            Decision::Escalate | Decision::Unspecified => opened.hidden,
        };
        let state = match case.status {
            CaseStatus::New | CaseStatus::Open => CaseState::Open,
            CaseStatus::Assigned => CaseState::Assigned,
            CaseStatus::Decided => CaseState::Decided,
        };
        CaseRow {
            case_id: opened.case_id,
            brand_id: brand.to_string(),
            network: opened.network,
            native_id: opened.native_id,
            author_id: opened.author_id,
            text: opened.text,
            reasons: opened.reasons,
            hidden,
            state: state as i32,
            assignee: case.assignee.clone().unwrap_or_default(),
            decision: decision as i32,
            note: case
                .decided
                .as_ref()
                .map(|d| d.note.clone())
                .unwrap_or_default(),
            opened_at_us: tagar_store::now_us(),
            version,
        }
    }
}
