//! The analytics service's SQL: the batched, idempotent flush of a consumer's batch here,
//! the read-model queries behind the gRPC API in [`read`].

pub mod chats;
pub mod crises;
mod read;
pub mod responses;

pub use read::{brand_minutes, hashtag_counts, latest_hashtag_minute};

use std::collections::HashSet;

use sqlx::AnyConnection;
use tagar_store::{BulkInsert, Dialect, Store, StoreError};
use uuid::Uuid;

use crate::domain::fold::{CaseFact, Counts, Fold};
use crate::domain::tally::Tally;

/// Writes a consumer batch in ONE transaction, idempotently:
///
/// 1. marks every event of the batch processed for `group` with multi-row
///    `INSERT … ON CONFLICT DO NOTHING RETURNING event_id`, which returns only the events
///    never processed before;
/// 2. sums the folds of those new events alone (a redelivered event adds nothing) and
///    settles their review-case facts;
/// 3. adds the sums to the read models with multi-row upserts (`x = table.x + excluded.x`).
///
/// The marks and the counts commit or roll back together, so a crash or a failed flush
/// leaves no mark without its counts; the retried batch counts each event exactly once.
/// Returns how many events were new.
pub async fn flush(
    store: &Store,
    group: &str,
    batch: &[(Uuid, Fold)],
) -> Result<usize, StoreError> {
    let mut tx = store.begin().await?;
    let ids: Vec<Uuid> = batch.iter().map(|(id, _)| *id).collect();
    let fresh = tx.mark_all_processed(group, &ids).await?;
    let mut tally = Tally::default();
    let mut counted = HashSet::with_capacity(fresh.len());
    for (event_id, fold) in batch {
        // `counted` also drops a duplicate of an event within the batch itself.
        if !fresh.contains(event_id) || !counted.insert(*event_id) {
            continue;
        }
        tally.add(fold);
        if let Some(fact) = &fold.case {
            settle_case(tx.conn(), fact, &mut tally).await?;
        }
    }
    let dialect = tx.dialect();
    upsert_brand_minutes(tx.conn(), dialect, &tally).await?;
    upsert_hashtag_minutes(tx.conn(), dialect, &tally).await?;
    let new = || {
        batch
            .iter()
            .filter(|(id, _)| counted.contains(id))
            .map(|(_, fold)| fold)
    };
    let chat_facts: Vec<_> = new().filter_map(|f| f.chat.as_ref()).collect();
    chats::write_chats(tx.conn(), &chat_facts).await?;
    let chat_posts: Vec<_> = new().filter_map(|f| f.chat_post.as_ref()).collect();
    chats::write_chat_posts(tx.conn(), dialect, &chat_posts).await?;
    chats::write_samples(tx.conn(), dialect, &chat_posts).await?;
    let labels: Vec<_> = new().filter_map(|f| f.label.as_ref()).collect();
    chats::write_labels(tx.conn(), &labels).await?;
    let negative: Vec<_> = new().filter_map(|f| f.negative_post.as_ref()).collect();
    crises::write_negative_posts(tx.conn(), dialect, &negative).await?;
    for fact in new().filter_map(|f| f.crisis.as_ref()) {
        crises::write_step(tx.conn(), fact).await?;
    }
    for fact in new().filter_map(|f| f.response.as_ref()) {
        responses::write(tx.conn(), fact).await?;
    }
    tx.commit().await?;
    Ok(counted.len())
}

/// A moderator's hide counts only when the case's post was not already counted hidden (by
/// the policy, which `ReviewCaseOpened.hidden` reports, or by an earlier decision).
async fn settle_case(
    conn: &mut AnyConnection,
    fact: &CaseFact,
    tally: &mut Tally,
) -> Result<(), StoreError> {
    match fact {
        CaseFact::Opened {
            tenant,
            case_id,
            hidden,
            post: (network, native_id, author_id),
        } => {
            sqlx::query(
                "INSERT INTO analytics_review_cases (tenant_id, case_id, hidden, network, native_id, author_id) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (tenant_id, case_id) DO UPDATE SET hidden = \
                 CASE WHEN analytics_review_cases.hidden = 1 THEN 1 ELSE excluded.hidden END, \
                 network = excluded.network, native_id = excluded.native_id, author_id = excluded.author_id",
            )
            .bind(tenant.to_string())
            .bind(case_id)
            .bind(i64::from(*hidden))
            .bind(network)
            .bind(native_id)
            .bind(author_id)
            .execute(&mut *conn)
            .await?;
        }
        CaseFact::Hidden {
            at,
            case_id,
            blocks,
        } => {
            chats::moderator_hid(&mut *conn, at.tenant, case_id, *blocks).await?;
            let done = sqlx::query(
                "INSERT INTO analytics_review_cases (tenant_id, case_id, hidden) VALUES ($1, $2, 1) \
                 ON CONFLICT (tenant_id, case_id) DO UPDATE SET hidden = 1 \
                 WHERE analytics_review_cases.hidden = 0",
            )
            .bind(at.tenant.to_string())
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() == 1 {
                let hidden = Counts {
                    hidden: 1,
                    ..Counts::default()
                };
                tally.add_counts(*at, hidden);
            }
        }
    }
    Ok(())
}

async fn upsert_brand_minutes(
    conn: &mut AnyConnection,
    dialect: Dialect,
    tally: &Tally,
) -> Result<(), StoreError> {
    let rows: Vec<_> = tally.brands.iter().collect();
    let upsert = BulkInsert::new(
        dialect,
        "INSERT INTO analytics_brand_minutes (tenant_id, brand_id, minute_us, mentions, flagged, \
         hidden, published, likes, reposts, replies, negative)",
        11,
    )
    .tail(&[
        " ON CONFLICT (tenant_id, brand_id, minute_us) DO UPDATE SET \
         mentions = analytics_brand_minutes.mentions + excluded.mentions, \
         flagged = analytics_brand_minutes.flagged + excluded.flagged, \
         hidden = analytics_brand_minutes.hidden + excluded.hidden, \
         published = analytics_brand_minutes.published + excluded.published, \
         likes = analytics_brand_minutes.likes + excluded.likes, \
         reposts = analytics_brand_minutes.reposts + excluded.reposts, \
         replies = analytics_brand_minutes.replies + excluded.replies, \
         negative = analytics_brand_minutes.negative + excluded.negative",
    ]);
    for chunk in rows.chunks(upsert.rows_per_statement()) {
        let sql = upsert.sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for (key, c) in chunk {
            query = query
                .bind(key.tenant.to_string())
                .bind(key.brand.to_string())
                .bind(key.minute_us)
                .bind(c.mentions)
                .bind(c.flagged)
                .bind(c.hidden)
                .bind(c.published)
                .bind(c.likes)
                .bind(c.reposts)
                .bind(c.replies)
                .bind(c.negative);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn upsert_hashtag_minutes(
    conn: &mut AnyConnection,
    dialect: Dialect,
    tally: &Tally,
) -> Result<(), StoreError> {
    let rows: Vec<_> = tally.hashtags.iter().collect();
    let upsert = BulkInsert::new(
        dialect,
        "INSERT INTO analytics_hashtag_minutes (tenant_id, scope, hashtag, minute_us, n)",
        5,
    )
    .tail(&[
        " ON CONFLICT (tenant_id, scope, hashtag, minute_us) DO UPDATE SET \
         n = analytics_hashtag_minutes.n + excluded.n",
    ]);
    for chunk in rows.chunks(upsert.rows_per_statement()) {
        let sql = upsert.sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for (key, n) in chunk {
            query = query
                .bind(key.tenant.to_string())
                .bind(key.scope.column())
                .bind(key.hashtag.as_str())
                .bind(key.minute_us)
                .bind(**n);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
