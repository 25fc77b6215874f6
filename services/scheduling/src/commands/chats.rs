//! Chat sessions and the posts they plan: a chat's command and what it changes in its
//! questions' and heads-ups' scheduled posts (planned, moved, cancelled) commit in one
//! transaction, so a chat and its posts never disagree.

use chrono::{DateTime, Utc};
use tagar_kernel::{CommandError, Expected, Loaded};
use tagar_model::{TenantId, TimeZone};
use tagar_store::StoreTx;
use uuid::Uuid;

use super::Commands;
use crate::domain::chat::{ChatCommand, ChatSession, ChatStage, Planned};
use crate::domain::post::{PostCommand, Stage};

impl Commands {
    /// Creates chat `chat_id` (a [`ChatCommand::Create`]) and schedules its posts, approved
    /// by `approver`.
    pub async fn create_chat(
        &self,
        tenant: TenantId,
        chat_id: Uuid,
        command: ChatCommand,
        approver: &str,
    ) -> Result<Loaded<ChatSession>, CommandError> {
        self.change_chat(
            &Loaded::new(tenant, chat_id),
            Expected::Exactly(0),
            command,
            approver,
        )
        .await
    }

    /// Runs `command` on `chat` and brings its posts in line: a post whose item is gone or
    /// changed is cancelled, a new item's post scheduled, a moved chat's posts moved.
    pub async fn change_chat(
        &self,
        chat: &Loaded<ChatSession>,
        expected: Expected,
        command: ChatCommand,
        approver: &str,
    ) -> Result<Loaded<ChatSession>, CommandError> {
        let now = match &command {
            ChatCommand::Create { now, .. }
            | ChatCommand::Reschedule { now, .. }
            | ChatCommand::Edit { now, .. }
            | ChatCommand::Cancel { now, .. } => *now,
        };
        let reason = match &command {
            ChatCommand::Cancel { reason, .. } if reason.trim().is_empty() => {
                "the chat was cancelled".to_owned()
            }
            ChatCommand::Cancel { reason, .. } => {
                format!("the chat was cancelled: {}", reason.trim())
            }
            _ => "the chat's question or heads-up changed".to_owned(),
        };
        let before = chat.state.planned(chat.id);
        let mut tx = self.chats.store().begin().await?;
        let after = self
            .chats
            .execute_in(&mut tx, chat, expected, command, None)
            .await?;
        if after.version != chat.version {
            self.sync_posts(&mut tx, &before, &after, (now, approver, &reason))
                .await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    async fn sync_posts(
        &self,
        tx: &mut StoreTx,
        before: &[Planned],
        chat: &Loaded<ChatSession>,
        (now, approver, reason): (DateTime<Utc>, &str, &str),
    ) -> Result<(), CommandError> {
        let tenant = chat.tenant;
        let (Some(brand), Some(setup), Some(when)) =
            (chat.state.brand, &chat.state.setup, &chat.state.when)
        else {
            return Ok(());
        };
        let zone = TimeZone::parse(&when.time_zone).map_err(|e| {
            CommandError::Refused(tagar_kernel::Refusal::invalid("time_zone", e.to_string()))
        })?;
        let after = if chat.state.stage == ChatStage::Cancelled {
            Vec::new()
        } else {
            chat.state.planned(chat.id)
        };
        for gone in before
            .iter()
            .filter(|p| !after.iter().any(|a| a.post_id == p.post_id))
        {
            let Some(post) = self.posts.load_in(tx, tenant, gone.post_id).await? else {
                continue;
            };
            if matches!(
                post.state.stage,
                Stage::Draft | Stage::Approved | Stage::Scheduled
            ) {
                let cancel = PostCommand::Cancel {
                    reason: reason.to_owned(),
                };
                self.posts
                    .execute_in(tx, &post, Expected::Exactly(post.version), cancel, None)
                    .await?;
            }
        }
        for planned in after.iter().filter(|p| p.publish_at > now) {
            let post = self.posts.load_in(tx, tenant, planned.post_id).await?;
            let command = match &post {
                None => PostCommand::Plan {
                    draft: Box::new(PostCommand::Draft {
                        brand,
                        account: setup.account,
                        network: setup.network,
                        text: planned.text.clone(),
                        media: Vec::new(),
                        author: setup.created_by.clone(),
                    }),
                    approver: approver.to_owned(),
                    publish_at: planned.publish_at,
                    time_zone: zone,
                    now,
                },
                Some(p) if p.state.stage == Stage::Scheduled => PostCommand::Move {
                    publish_at: planned.publish_at,
                    time_zone: zone,
                    now,
                },
                Some(_) => continue,
            };
            let post = post.unwrap_or_else(|| Loaded::new(tenant, planned.post_id));
            self.posts
                .execute_in(tx, &post, Expected::Exactly(post.version), command, None)
                .await?;
        }
        Ok(())
    }
}
