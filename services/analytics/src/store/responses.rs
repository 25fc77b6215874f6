//! The inbox items' rows behind the response figures, written as their events fold (in the
//! consumer's flush transaction, so a redelivered event, already marked processed, adds
//! nothing), and read per brand and range. Every query is tenant-scoped.

use sqlx::{AnyConnection, Row as _};
use tagar_model::{BrandId, TenantId};
use tagar_store::{Store, StoreError};

use crate::domain::responses::{ItemRow, ResponseFact};

/// Writes one inbox fact. An answer or close that arrives before its item (another
/// consumer's order) is kept on a row of its own and completed when the item comes.
pub async fn write(conn: &mut AnyConnection, fact: &ResponseFact) -> Result<(), StoreError> {
    match fact {
        ResponseFact::Opened {
            tenant,
            brand,
            item_id,
            at_us,
        } => {
            sqlx::query(
                "INSERT INTO analytics_responses (tenant_id, item_id, brand_id, opened_at_us) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, item_id) DO UPDATE SET \
                 brand_id = excluded.brand_id, opened_at_us = excluded.opened_at_us",
            )
            .bind(tenant.to_string())
            .bind(item_id)
            .bind(brand.to_string())
            .bind(at_us)
            .execute(conn)
            .await?;
        }
        ResponseFact::Answered {
            tenant,
            item_id,
            at_us,
            by,
            first_response_s,
            within_sla,
        } => {
            let first = *first_response_s > 0 || *within_sla;
            sqlx::query(
                "INSERT INTO analytics_responses (tenant_id, item_id, brand_id, opened_at_us, answered_at_us, \
                 responder, first_response_s, within_sla, replies) VALUES ($1, $2, '', 0, $3, $4, $5, $6, 1) \
                 ON CONFLICT (tenant_id, item_id) DO UPDATE SET replies = analytics_responses.replies + 1, \
                 answered_at_us = CASE WHEN analytics_responses.answered_at_us IS NULL AND $7 = 1 \
                   THEN excluded.answered_at_us ELSE analytics_responses.answered_at_us END, \
                 responder = CASE WHEN analytics_responses.answered_at_us IS NULL AND $7 = 1 \
                   THEN excluded.responder ELSE analytics_responses.responder END, \
                 first_response_s = CASE WHEN analytics_responses.answered_at_us IS NULL AND $7 = 1 \
                   THEN excluded.first_response_s ELSE analytics_responses.first_response_s END, \
                 within_sla = CASE WHEN analytics_responses.answered_at_us IS NULL AND $7 = 1 \
                   THEN excluded.within_sla ELSE analytics_responses.within_sla END",
            )
            .bind(tenant.to_string())
            .bind(item_id)
            .bind(if first { Some(*at_us) } else { None })
            .bind(by)
            .bind(*first_response_s as i64)
            .bind(i64::from(*within_sla))
            .bind(i64::from(first))
            .execute(conn)
            .await?;
        }
        ResponseFact::Closed {
            tenant,
            item_id,
            at_us,
        } => {
            sqlx::query(
                "INSERT INTO analytics_responses (tenant_id, item_id, brand_id, opened_at_us, closed_at_us) \
                 VALUES ($1, $2, '', 0, $3) ON CONFLICT (tenant_id, item_id) DO UPDATE SET \
                 closed_at_us = COALESCE(analytics_responses.closed_at_us, excluded.closed_at_us)",
            )
            .bind(tenant.to_string())
            .bind(item_id)
            .bind(at_us)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// The brand's items that came in within `[from_us, to_us)`, and the replies they got.
pub async fn items(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    (from_us, to_us): (i64, i64),
) -> Result<Vec<(ItemRow, u64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT opened_at_us, answered_at_us, responder, first_response_s, within_sla, closed_at_us, replies \
         FROM analytics_responses WHERE tenant_id = $1 AND brand_id = $2 \
         AND opened_at_us >= $3 AND opened_at_us < $4 ORDER BY opened_at_us",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(from_us)
    .bind(to_us)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let answered: Option<i64> = r.try_get(1)?;
            let first = match answered {
                None => None,
                Some(_) => Some((
                    r.try_get::<String, _>(2)?,
                    r.try_get::<i64, _>(3)?.max(0) as u64,
                    r.try_get::<i64, _>(4)? != 0,
                )),
            };
            Ok((
                ItemRow {
                    opened_at_us: r.try_get(0)?,
                    first_response: first,
                    closed_at_us: r.try_get(5)?,
                },
                r.try_get::<i64, _>(6)?.max(0) as u64,
            ))
        })
        .collect()
}
