//! The engagement desk's actions on the networks, in both modes, against
//! `tagar_testkit::mastodon` (Mastodon's documented `POST /api/v1/accounts/:id/mute`,
//! `/block` and `POST /api/v1/reports`): an inbox item's author muted, reported (with the
//! item's post and the reason) and blocked from the brand's account, each once however often
//! the event is delivered.

mod support;

use std::time::Duration;

use tagar_client::unary;
use tagar_kernel::testing::eventually;
use tagar_kernel::{Mode, both_modes};
use tagar_model::{BrandId, TenantId};
use tagar_proto::envelope::EnvelopeBuilder;
use tagar_proto::topics;
use tagar_proto::v1::{self, AuthorAction, InboxAuthorActioned, envelope::Event};
use tagar_runtime::auth::{BrandScope, Role};
use tagar_testkit::mastodon::MastodonServer;

fn acted(
    tenant: TenantId,
    brand: &str,
    action: AuthorAction,
    (author, status): (&str, &str),
) -> v1::Envelope {
    EnvelopeBuilder::new(
        tenant,
        Event::InboxAuthorActioned(InboxAuthorActioned {
            item_id: "0190f1e2-0000-7000-8000-000000000009".into(),
            action: action as i32,
            network: v1::Network::Mastodon as i32,
            author_id: author.into(),
            native_id: status.into(),
            by: "ana".into(),
            reason: "threats in replies".into(),
        }),
    )
    .brand(BrandId::parse(brand).unwrap())
    .build()
}

async fn the_desk_mutes_reports_and_blocks_on_the_network(mode: Mode) {
    let server = MastodonServer::start().await;
    let (brand_account, token) = server.create_account("kopikita");
    let (troll, _) = server.create_account("troll");
    let status = server.post_as(&troll, "you people are the worst");
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::Mastodon(
                v1::MastodonCredentials {
                    instance: server.url.clone(),
                    access_token: token,
                },
            )),
        }))
        .await
        .expect("connect the account");

    let events: Vec<_> = [
        AuthorAction::Mute,
        AuthorAction::Report,
        AuthorAction::Block,
    ]
    .into_iter()
    .map(|a| acted(admin.tenant, &brand, a, (&troll, &status)))
    .collect();
    // Each delivered twice, as a retrying producer would, then a mute of someone else: all
    // under one key, so in one partition, in order.
    let (other, _) = server.create_account("other");
    let mut twice: Vec<_> = events.iter().chain(&events).cloned().collect();
    twice.push(acted(
        admin.tenant,
        &brand,
        AuthorAction::Mute,
        (&other, &status),
    ));
    system
        .publish(topics::MODERATION_EVENTS, &twice, |_| "item".to_owned())
        .await;
    eventually(Duration::from_secs(60), "the last mute done", || {
        let server = &server;
        let brand_account = &brand_account;
        async move { (server.mutes_of(brand_account).len() == 2).then_some(()) }
    })
    .await;
    let mut muted = server.mutes_of(&brand_account);
    muted.sort();
    let mut want = vec![troll.clone(), other.clone()];
    want.sort();
    assert_eq!(muted, want);
    assert_eq!(
        server.blocks_of(&brand_account),
        std::slice::from_ref(&troll)
    );
    // Everything before the last mute was handled, the copies too: a report is filed each
    // time it is asked, so the copy must not file another.
    assert_eq!(
        server.reports_by(&brand_account),
        [(
            troll.clone(),
            vec![status.clone()],
            "threats in replies".to_owned()
        )]
    );
}

async fn the_desks_reply_goes_out_once_in_the_conversation(mode: Mode) {
    let server = MastodonServer::start().await;
    let (brand_account, token) = server.create_account("kopikita");
    let (sari, _) = server.create_account("sari");
    let question = server.post_as(&sari, "kapan toko buka?");
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let brand = support::jakarta_brand(&mut admin).await;
    let account = admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "kopikita".into(),
            credentials: Some(v1::connect_account_request::Credentials::Mastodon(
                v1::MastodonCredentials {
                    instance: server.url.clone(),
                    access_token: token,
                },
            )),
        }))
        .await
        .expect("connect the account")
        .into_inner();
    let ask = |reply_post: &str, to: &str, text: &str| {
        EnvelopeBuilder::new(
            admin.tenant,
            Event::InboxItemReplyRequested(v1::InboxItemReplyRequested {
                item_id: "0190f1e2-0000-7000-8000-00000000000a".into(),
                reply_post_id: reply_post.into(),
                account_id: account.account_id.clone(),
                text: text.into(),
                by: "ana".into(),
                network: v1::Network::Mastodon as i32,
                reply_to: to.into(),
            }),
        )
        .brand(BrandId::parse(&brand).unwrap())
        .build()
    };
    let (reply_post, later_post) = (
        uuid::Uuid::now_v7().to_string(),
        uuid::Uuid::now_v7().to_string(),
    );
    let later = server.post_as(&sari, "dan hari Minggu?");
    let asked = ask(&reply_post, &question, "Buka jam 8, sampai jumpa!");
    // Delivered twice, then another reply: all under one key, so in order.
    let records = [
        asked.clone(),
        asked,
        ask(&later_post, &later, "Minggu juga!"),
    ];
    system
        .publish(topics::MODERATION_EVENTS, &records, |_| "item".to_owned())
        .await;
    support::published(&admin, &brand, &later_post).await;
    let published = support::published(&admin, &brand, &reply_post).await;
    assert_eq!(
        server.replies_to(&question),
        [(brand_account, "Buka jam 8, sampai jumpa!".to_owned())]
    );
    assert!(!published.published_native_id.is_empty());
    assert_eq!(published.publish_attempts, 1);
}

both_modes!(the_desk_mutes_reports_and_blocks_on_the_network);
both_modes!(the_desks_reply_goes_out_once_in_the_conversation);
