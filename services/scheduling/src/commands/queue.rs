//! A brand's queue paused and resumed: a crisis analytics detected pauses it at once (the
//! consumer in `consumers.rs`), or a person does; posts that come due while it is paused are
//! held by the dispatcher. Resuming lets them go out, or moves each later by the pause's
//! length, in the transaction that records the resume.

use chrono::{DateTime, Utc};
use tagar_kernel::{Cause, CommandError, Expected, Loaded, Refusal};
use tagar_model::{BrandId, TenantId};
use uuid::Uuid;

use super::Commands;
use crate::domain::post::{PostCommand, ScheduledPost, Stage};
use crate::domain::{Brand, BrandCommand, Held, Pause};
use crate::store as sql;

impl Commands {
    /// Pauses `brand`'s queue (nothing changes when it is paused already, see
    /// [`BrandCommand::Pause`]).
    pub async fn pause_queue(
        &self,
        tenant: TenantId,
        brand: BrandId,
        pause: Pause,
        cause: Option<Cause<'_>>,
    ) -> Result<Loaded<Brand>, CommandError> {
        let loaded = self
            .brands
            .load(tenant, *brand.as_uuid())
            .await?
            .ok_or_else(|| CommandError::Refused(Refusal::not_found("brand")))?;
        let mut tx = self.brands.store().begin().await?;
        let after = self
            .brands
            .execute_in(
                &mut tx,
                &loaded,
                Expected::Exactly(loaded.version),
                BrandCommand::Pause(pause),
                cause,
            )
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Resumes `brand`'s queue at `now`; returns the brand and the posts that were held.
    pub async fn resume_queue(
        &self,
        tenant: TenantId,
        brand: BrandId,
        expected: Expected,
        (by, held): (&str, Held),
        now: DateTime<Utc>,
    ) -> Result<(Loaded<Brand>, Vec<Loaded<ScheduledPost>>), CommandError> {
        let mut tx = self.brands.store().begin().await?;
        let loaded = self
            .brands
            .load_in(&mut tx, tenant, *brand.as_uuid())
            .await?
            .ok_or_else(|| CommandError::Refused(Refusal::not_found("brand")))?;
        let (Some(pause), Some(profile)) =
            (loaded.state.pause.clone(), loaded.state.profile.clone())
        else {
            return Err(CommandError::Refused(Refusal::Precondition(
                "cannot resume the queue: it is not paused".to_owned(),
            )));
        };
        let mut posts = Vec::new();
        for id in sql::held_posts(tx.conn(), tenant, brand, now).await? {
            let Some(post) = self.posts.load_in(&mut tx, tenant, id).await? else {
                continue;
            };
            let post = match (held, post.state.slot.as_ref()) {
                // Only a post whose time fell in the pause moves; one already retrying goes on.
                (Held::Shift, Some(slot))
                    if post.state.stage == Stage::Scheduled && slot.publish_at >= pause.at =>
                {
                    let publish_at = (slot.publish_at + (now - pause.at))
                        .max(now + chrono::Duration::seconds(1));
                    let command = PostCommand::Move {
                        publish_at,
                        time_zone: profile.time_zone,
                        now,
                    };
                    self.posts
                        .execute_in(
                            &mut tx,
                            &post,
                            Expected::Exactly(post.version),
                            command,
                            None,
                        )
                        .await?
                }
                _ => post,
            };
            posts.push(post);
        }
        let command = BrandCommand::Resume {
            by: by.to_owned(),
            at: now,
            held,
            held_posts: u32::try_from(posts.len()).unwrap_or(u32::MAX),
        };
        let after = self
            .brands
            .execute_in(&mut tx, &loaded, expected, command, None)
            .await?;
        tx.commit().await?;
        Ok((after, posts))
    }

    /// Writes, approves and schedules for `now` the brand's statement on a crisis
    /// ([`PostCommand::Statement`]); the post id is a fresh UUIDv7.
    pub async fn post_statement(
        &self,
        tenant: TenantId,
        command: PostCommand,
    ) -> Result<Loaded<ScheduledPost>, CommandError> {
        self.posts.create(tenant, Uuid::now_v7(), command).await
    }
}
