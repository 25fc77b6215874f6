//! Hashtag chats' read models: the chats, the posts each received, and the labels of posts
//! classified near a chat. Written in the consumers' flush transaction; every read filters on
//! the tenant (and the chat on its brand).

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row as _};
use tagar_model::{BrandId, TenantId, canonical_hashtag};
use tagar_store::{Dialect, Store, StoreError};

use crate::domain::chat::{Chat, ChatFact, ChatPeople, ChatPostFact, ChatPostRow, LabelFact};

/// How far either side of a chat's window a post's label is kept.
const LABEL_MARGIN_US: i64 = 60 * 60 * 1_000_000;

fn people_json(people: &ChatPeople) -> Result<String, StoreError> {
    serde_json::to_string(people).map_err(|e| StoreError::Corrupt {
        field: "analytics_chats.people",
        reason: e.to_string(),
    })
}

fn people_from(json: &str) -> Result<ChatPeople, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        field: "analytics_chats.people",
        reason: e.to_string(),
    })
}

/// Records what the chat facts say (a replay writes the same rows again).
pub async fn write_chats(conn: &mut AnyConnection, facts: &[&ChatFact]) -> Result<(), StoreError> {
    for fact in facts {
        match fact {
            ChatFact::Planned {
                tenant,
                chat_id,
                brand,
                network,
                hashtag,
                window,
                people,
            } => {
                sqlx::query(
                    "INSERT INTO analytics_chats (tenant_id, chat_id, brand_id, network, hashtag, hashtag_key, \
                     starts_at_us, ends_at_us, people) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (tenant_id, chat_id) DO NOTHING",
                )
                .bind(tenant.to_string())
                .bind(chat_id)
                .bind(brand.to_string())
                .bind(network)
                .bind(hashtag)
                .bind(canonical_hashtag(hashtag).as_ref())
                .bind(window.0)
                .bind(window.1)
                .bind(people_json(people)?)
                .execute(&mut *conn)
                .await?;
            }
            ChatFact::Moved {
                tenant,
                chat_id,
                window,
            } => {
                sqlx::query(
                    "UPDATE analytics_chats SET starts_at_us = $3, ends_at_us = $4 \
                     WHERE tenant_id = $1 AND chat_id = $2 AND cancelled = 0",
                )
                .bind(tenant.to_string())
                .bind(chat_id)
                .bind(window.0)
                .bind(window.1)
                .execute(&mut *conn)
                .await?;
            }
            ChatFact::Edited {
                tenant,
                chat_id,
                people,
            } => {
                let row = sqlx::query(
                    "SELECT people FROM analytics_chats WHERE tenant_id = $1 AND chat_id = $2",
                )
                .bind(tenant.to_string())
                .bind(chat_id)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { continue };
                let host_handle = people_from(&row.try_get::<String, _>(0)?)?.host_handle;
                let people = ChatPeople {
                    host_handle,
                    ..people.clone()
                };
                sqlx::query(
                    "UPDATE analytics_chats SET people = $3 WHERE tenant_id = $1 AND chat_id = $2",
                )
                .bind(tenant.to_string())
                .bind(chat_id)
                .bind(people_json(&people)?)
                .execute(&mut *conn)
                .await?;
            }
            ChatFact::Cancelled {
                tenant,
                chat_id,
                at_us,
            } => {
                sqlx::query(
                    "UPDATE analytics_chats SET cancelled = 1, \
                     ends_at_us = CASE WHEN ends_at_us < $3 THEN ends_at_us ELSE $3 END \
                     WHERE tenant_id = $1 AND chat_id = $2",
                )
                .bind(tenant.to_string())
                .bind(chat_id)
                .bind(*at_us)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// A chat's window and what decides which posts are its.
struct Window {
    chat_id: String,
    network: String,
    tag: String,
    starts_us: i64,
    ends_us: i64,
}

/// The tenants' chats whose windows meet `[from_us, to_us]` widened by `margin_us`.
async fn windows(
    conn: &mut AnyConnection,
    tenants: &HashSet<TenantId>,
    (from_us, to_us): (i64, i64),
    margin_us: i64,
) -> Result<HashMap<TenantId, Vec<Window>>, StoreError> {
    let mut out = HashMap::new();
    for tenant in tenants {
        let rows = sqlx::query(
            "SELECT chat_id, network, hashtag_key, starts_at_us, ends_at_us FROM analytics_chats \
             WHERE tenant_id = $1 AND ends_at_us + $4 > $2 AND starts_at_us - $4 <= $3",
        )
        .bind(tenant.to_string())
        .bind(from_us)
        .bind(to_us)
        .bind(margin_us)
        .fetch_all(&mut *conn)
        .await?;
        let found = rows
            .iter()
            .map(|r| {
                Ok(Window {
                    chat_id: r.try_get(0)?,
                    network: r.try_get(1)?,
                    tag: r.try_get(2)?,
                    starts_us: r.try_get(3)?,
                    ends_us: r.try_get(4)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        if !found.is_empty() {
            out.insert(*tenant, found);
        }
    }
    Ok(out)
}

fn span(times: impl Iterator<Item = i64> + Clone) -> Option<(i64, i64)> {
    Some((times.clone().min()?, times.max()?))
}

/// Keeps each post for every chat of its tenant whose hashtag it carries on its network
/// inside the chat's window. On PostgreSQL the inserts of concurrent flushes take turns (an
/// advisory lock until commit), so `seq` grows in commit order and a watch misses nothing.
pub async fn write_chat_posts(
    conn: &mut AnyConnection,
    dialect: Dialect,
    posts: &[&ChatPostFact],
) -> Result<(), StoreError> {
    let Some(range) = span(posts.iter().map(|p| p.created_us)) else {
        return Ok(());
    };
    let tenants: HashSet<TenantId> = posts.iter().map(|p| p.tenant).collect();
    let windows = windows(conn, &tenants, range, 0).await?;
    if windows.is_empty() {
        return Ok(());
    }
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(4001)")
            .execute(&mut *conn)
            .await?;
    }
    let now = tagar_store::now_us();
    for post in posts {
        let Some(chats) = windows.get(&post.tenant) else {
            continue;
        };
        for chat in chats.iter().filter(|c| {
            c.network == post.network
                && (c.starts_us..c.ends_us).contains(&post.created_us)
                && post.hashtags.contains(&c.tag)
        }) {
            sqlx::query(
                "INSERT INTO analytics_chat_posts (tenant_id, chat_id, network, native_id, author_id, author_handle, \
                 followers, text, created_at_us, in_reply_to, engagement, received_at_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (tenant_id, chat_id, network, native_id) DO NOTHING",
            )
            .bind(post.tenant.to_string())
            .bind(&chat.chat_id)
            .bind(&post.network)
            .bind(&post.native_id)
            .bind(&post.author_id)
            .bind(&post.author_handle)
            .bind(post.followers)
            .bind(&post.text)
            .bind(post.created_us)
            .bind(&post.in_reply_to)
            .bind(post.engagement)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Keeps the labels of posts classified within an hour of one of their tenant's chats.
pub async fn write_labels(
    conn: &mut AnyConnection,
    labels: &[&LabelFact],
) -> Result<(), StoreError> {
    let Some(range) = span(labels.iter().map(|l| l.at_us)) else {
        return Ok(());
    };
    let tenants: HashSet<TenantId> = labels.iter().map(|l| l.tenant).collect();
    let windows = windows(conn, &tenants, range, LABEL_MARGIN_US).await?;
    for label in labels.iter().filter(|l| windows.contains_key(&l.tenant)) {
        sqlx::query(
            "INSERT INTO analytics_chat_labels (tenant_id, network, native_id, sentiment, hidden) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, network, native_id) DO UPDATE SET \
             sentiment = excluded.sentiment, \
             hidden = CASE WHEN analytics_chat_labels.hidden = 1 THEN 1 ELSE excluded.hidden END",
        )
        .bind(label.tenant.to_string())
        .bind(&label.network)
        .bind(&label.native_id)
        .bind(label.sentiment)
        .bind(i64::from(label.hidden))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Brand `brand`'s chat `chat_id`, if analytics has heard of it.
pub async fn chat(
    store: &Store,
    tenant: TenantId,
    brand: BrandId,
    chat_id: &str,
) -> Result<Option<Chat>, StoreError> {
    let row = sqlx::query(
        "SELECT chat_id, hashtag, network, starts_at_us, ends_at_us, people FROM analytics_chats \
         WHERE tenant_id = $1 AND brand_id = $2 AND chat_id = $3",
    )
    .bind(tenant.to_string())
    .bind(brand.to_string())
    .bind(chat_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|r| {
        Ok(Chat {
            chat_id: r.try_get(0)?,
            hashtag: r.try_get(1)?,
            network: r.try_get(2)?,
            starts_us: r.try_get(3)?,
            ends_us: r.try_get(4)?,
            people: people_from(&r.try_get::<String, _>(5)?)?,
        })
    })
    .transpose()
}

/// Up to `limit` of the chat's posts after `after_seq`, in the order received, with their
/// labels (a post is hidden when moderation hid it or blocked its author) and whether they are old enough (received before `settled_us`) to show unlabelled.
pub async fn chat_posts(
    store: &Store,
    tenant: TenantId,
    chat_id: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<(ChatPostRow, bool, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT p.seq, p.network, p.native_id, p.author_id, p.author_handle, p.followers, p.text, \
         p.created_at_us, p.in_reply_to, p.engagement, l.sentiment, l.hidden, p.received_at_us, b.author_id \
         FROM analytics_chat_posts p LEFT JOIN analytics_chat_labels l \
         ON l.tenant_id = p.tenant_id AND l.network = p.network AND l.native_id = p.native_id \
         LEFT JOIN analytics_chat_blocked b \
         ON b.tenant_id = p.tenant_id AND b.network = p.network AND b.author_id = p.author_id \
         WHERE p.tenant_id = $1 AND p.chat_id = $2 AND p.seq > $3 ORDER BY p.seq LIMIT $4",
    )
    .bind(tenant.to_string())
    .bind(chat_id)
    .bind(after_seq)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let sentiment: Option<String> = r.try_get(10)?;
            let hidden: Option<i64> = r.try_get(11)?;
            let labelled = sentiment.is_some();
            let row = ChatPostRow {
                seq: r.try_get(0)?,
                network: r.try_get(1)?,
                native_id: r.try_get(2)?,
                author_id: r.try_get(3)?,
                author_handle: r.try_get(4)?,
                followers: r.try_get(5)?,
                text: r.try_get(6)?,
                created_us: r.try_get(7)?,
                in_reply_to: r.try_get(8)?,
                engagement: r.try_get(9)?,
                sentiment: sentiment.unwrap_or_default(),
                hidden: hidden.unwrap_or(0) == 1 || r.try_get::<Option<String>, _>(13)?.is_some(),
            };
            Ok((row, labelled, r.try_get(12)?))
        })
        .collect()
}

/// The `(network, author id)` of everyone who posted in one of the tenant's earlier chats
/// (ended by `before_us`) of the same hashtag.
pub async fn earlier_authors(
    store: &Store,
    tenant: TenantId,
    chat: &Chat,
) -> Result<HashSet<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT p.network, p.author_id FROM analytics_chat_posts p JOIN analytics_chats c \
         ON c.tenant_id = p.tenant_id AND c.chat_id = p.chat_id \
         WHERE c.tenant_id = $1 AND c.hashtag_key = $2 AND c.chat_id <> $3 AND c.ends_at_us <= $4",
    )
    .bind(tenant.to_string())
    .bind(canonical_hashtag(&chat.hashtag).as_ref())
    .bind(&chat.chat_id)
    .bind(chat.starts_us)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// Each tag's mentions per hour (tag, hour start in µs, mentions) heard by `scope` since
/// `from_us`, for tags with at least `min` mentions in some hour.
pub async fn hourly_tags(
    store: &Store,
    tenant: TenantId,
    scope: &crate::domain::fold::Scope,
    from_us: i64,
    min: i64,
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    const HOUR_US: i64 = 3_600_000_000;
    let rows = sqlx::query(
        "SELECT hashtag, CAST(minute_us / $4 AS BIGINT) AS hour, CAST(SUM(n) AS BIGINT) AS n \
         FROM analytics_hashtag_minutes WHERE tenant_id = $1 AND scope = $2 AND minute_us >= $3 \
         AND hashtag IN (SELECT hashtag FROM analytics_hashtag_minutes WHERE tenant_id = $1 AND scope = $2 \
           AND minute_us >= $3 GROUP BY hashtag, minute_us / $4 HAVING SUM(n) >= $5) \
         GROUP BY hashtag, minute_us / $4",
    )
    .bind(tenant.to_string())
    .bind(scope.column())
    .bind(from_us)
    .bind(HOUR_US)
    .bind(min)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let hour: i64 = r.try_get(1)?;
            Ok((r.try_get(0)?, hour * HOUR_US, r.try_get(2)?))
        })
        .collect()
}

/// The tenant's chats (of `brand`, if given) by canonical hashtag, latest first.
pub async fn chats_by_tag(
    store: &Store,
    tenant: TenantId,
    brand: Option<BrandId>,
) -> Result<HashMap<String, Vec<String>>, StoreError> {
    let rows = sqlx::query(
        "SELECT hashtag_key, chat_id, brand_id FROM analytics_chats WHERE tenant_id = $1 \
         ORDER BY starts_at_us DESC",
    )
    .bind(tenant.to_string())
    .fetch_all(store.pool())
    .await?;
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        let of_brand: String = r.try_get(2)?;
        if brand.is_some_and(|b| b.to_string() != of_brand) {
            continue;
        }
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

/// A moderator hid a case's post (`blocks`: and blocked its author): the post, and a blocked
/// author's every post, leave the chats' views.
pub async fn moderator_hid(
    conn: &mut AnyConnection,
    tenant: TenantId,
    case_id: &str,
    blocks: bool,
) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT network, native_id, author_id FROM analytics_review_cases WHERE tenant_id = $1 AND case_id = $2",
    )
    .bind(tenant.to_string())
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let (network, native_id, author_id): (String, String, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if native_id.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO analytics_chat_labels (tenant_id, network, native_id, sentiment, hidden) \
         VALUES ($1, $2, $3, '', 1) ON CONFLICT (tenant_id, network, native_id) DO UPDATE SET hidden = 1",
    )
    .bind(tenant.to_string())
    .bind(&network)
    .bind(&native_id)
    .execute(&mut *conn)
    .await?;
    if blocks && !author_id.is_empty() {
        sqlx::query(
            "INSERT INTO analytics_chat_blocked (tenant_id, network, author_id) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id, network, author_id) DO NOTHING",
        )
        .bind(tenant.to_string())
        .bind(&network)
        .bind(&author_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Keeps one text per tenant, hashtag and minute (the first one folded): the words of
/// recurring chats ([`samples`]).
pub async fn write_samples(
    conn: &mut AnyConnection,
    dialect: Dialect,
    posts: &[&ChatPostFact],
) -> Result<(), StoreError> {
    let mut first: std::collections::BTreeMap<(TenantId, &str, i64), &str> = Default::default();
    for post in posts {
        let minute = crate::domain::minute_of(post.created_us);
        for tag in &post.hashtags {
            first
                .entry((post.tenant, tag.as_str(), minute))
                .or_insert(&post.text);
        }
    }
    let rows: Vec<_> = first.into_iter().collect();
    let insert = tagar_store::BulkInsert::new(
        dialect,
        "INSERT INTO analytics_hashtag_samples (tenant_id, hashtag, minute_us, text)",
        4,
    )
    .tail(&[" ON CONFLICT (tenant_id, hashtag, minute_us) DO NOTHING"]);
    for chunk in rows.chunks(insert.rows_per_statement()) {
        let sql = insert.sql(chunk.len());
        let mut query = sqlx::query(&sql);
        for ((tenant, tag, minute), text) in chunk {
            query = query
                .bind(tenant.to_string())
                .bind(*tag)
                .bind(*minute)
                .bind(*text);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The sample texts of `hashtag` in the hours starting at `hours` (µs).
pub async fn samples(
    store: &Store,
    tenant: TenantId,
    hashtag: &str,
    hours: &[i64],
) -> Result<Vec<String>, StoreError> {
    const HOUR_US: i64 = 3_600_000_000;
    let mut out = Vec::new();
    for hour in hours {
        let rows = sqlx::query(
            "SELECT text FROM analytics_hashtag_samples WHERE tenant_id = $1 AND hashtag = $2 \
             AND minute_us >= $3 AND minute_us < $4",
        )
        .bind(tenant.to_string())
        .bind(hashtag)
        .bind(*hour)
        .bind(hour + HOUR_US)
        .fetch_all(store.pool())
        .await?;
        for r in &rows {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}
