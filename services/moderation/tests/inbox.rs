//! The engagement desk's inbox over gRPC, in both modes: posts that want an answer (a
//! question, a complaint, a reply in a conversation) become items with their kind,
//! sentiment and the author's standing, due by the brand's first-response time; they are
//! watched as they come, assigned, closed; praise and passing mentions stay out; a
//! redelivered post opens no second item; other tenants see nothing.

mod support;

use std::time::Duration;

use tagar_client::{ModerationClient, unary};
use tagar_kernel::Mode;
use tagar_model::{BrandId, TenantId};
use tagar_proto::v1::{self, InboxKind, InboxState};
use tagar_runtime::auth::Role;
use tonic::Code;

use support::{ingested, post};

async fn inbox(client: &mut ModerationClient, state: InboxState) -> Vec<v1::InboxItem> {
    client
        .list_inbox(unary(v1::ListInboxRequest {
            brand_id: String::new(),
            state: state as i32,
            assignee: String::new(),
            limit: 0,
        }))
        .await
        .expect("list the inbox")
        .into_inner()
        .items
}

async fn the_desk_holds_what_wants_an_answer(mode: Mode) {
    let h = support::start(mode).await;
    let tenant = TenantId::new();
    let brand = BrandId::new();
    let mut desk = h.client(tenant, Role::Moderator).await;
    let mut watch = desk
        .watch_inbox(unary(v1::WatchInboxRequest {
            brand_id: brand.to_string(),
        }))
        .await
        .expect("watch the inbox")
        .into_inner();

    let mut question = post("q1", "sari", "When does the Jakarta store open?");
    question.reply_to = None;
    let complaint = post("c1", "budi", "my order never came, this is terrible");
    let praise = post("p1", "dewi", "best coffee ever, love it");
    let mut mention = post("m1", "rina", "kopi susu di pagi hari");
    mention.reply_to = None;
    let other_reply = post("r1", "agus", "sudah saya kirim email ke tim kalian");
    let posts = [&question, &complaint, &praise, &mention, &other_reply];
    let envelopes: Vec<_> = posts
        .iter()
        .map(|p| ingested(tenant, p, &[brand]))
        .collect();
    h.publish(&envelopes).await;

    let mut streamed = Vec::new();
    while streamed.len() < 3 {
        let item = tokio::time::timeout(Duration::from_secs(60), watch.message())
            .await
            .expect("items are streamed within a minute")
            .expect("the stream")
            .expect("an item");
        streamed.push(item);
    }
    let mut ids: Vec<&str> = streamed.iter().map(|i| i.native_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        ["c1", "q1", "r1"],
        "praise and a passing mention stay out"
    );

    let items = inbox(&mut desk, InboxState::Unspecified).await;
    assert_eq!(items.len(), 3);
    let due: Vec<_> = items.iter().map(|i| i.due_by.unwrap().seconds).collect();
    assert!(
        due.windows(2).all(|w| w[0] <= w[1]),
        "what is due first, first"
    );
    let by = |id: &str| items.iter().find(|i| i.native_id == id).unwrap().clone();
    let q = by("q1");
    assert_eq!(
        (q.kind(), q.state()),
        (InboxKind::Question, InboxState::New)
    );
    assert_eq!(q.author_handle, "sari");
    assert!(!q.overdue);
    let standing = q.standing.unwrap();
    assert_eq!((standing.followers, standing.abusive), (3, false));
    assert!(standing.account_age_days >= 799, "{standing:?}");
    let opened = q.opened_at.unwrap().seconds;
    assert_eq!(
        q.due_by.unwrap().seconds - opened,
        3_600,
        "due an hour after it came in"
    );
    let c = by("c1");
    assert_eq!(
        (c.kind(), c.sentiment()),
        (InboxKind::Complaint, v1::Sentiment::Negative)
    );
    assert_eq!(c.conversation_id, "brand-post-1");
    assert_eq!(by("r1").kind(), InboxKind::Other);

    // Assigned (to the caller, when nobody is named), then closed.
    let assigned = desk
        .assign_inbox_item(unary(v1::AssignInboxItemRequest {
            brand_id: brand.to_string(),
            item_id: q.item_id.clone(),
            assignee: String::new(),
            expected_version: q.version,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.state(), InboxState::Assigned);
    assert!(!assigned.assignee.is_empty());
    let stale = desk
        .close_inbox_item(unary(v1::CloseInboxItemRequest {
            brand_id: brand.to_string(),
            item_id: q.item_id.clone(),
            reason: String::new(),
            expected_version: q.version,
        }))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "a stale version");
    let closed = desk
        .close_inbox_item(unary(v1::CloseInboxItemRequest {
            brand_id: brand.to_string(),
            item_id: q.item_id.clone(),
            reason: "answered by phone".into(),
            expected_version: assigned.version,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(closed.state(), InboxState::Closed);
    assert_eq!(inbox(&mut desk, InboxState::Unspecified).await.len(), 2);
    assert_eq!(inbox(&mut desk, InboxState::Closed).await.len(), 1);
    let again = desk
        .assign_inbox_item(unary(v1::AssignInboxItemRequest {
            brand_id: brand.to_string(),
            item_id: q.item_id.clone(),
            assignee: "ana".into(),
            expected_version: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // Redelivered: no second item.
    h.publish(&[ingested(tenant, &complaint, &[brand])]).await;
    let late = post("q2", "sari", "apakah ada kopi susu hari ini?");
    h.publish(&[ingested(tenant, &late, &[brand])]).await;
    let next = tokio::time::timeout(Duration::from_secs(60), watch.message())
        .await
        .expect("the next item")
        .unwrap()
        .unwrap();
    assert_eq!(
        next.native_id, "q2",
        "the redelivered complaint opened nothing"
    );
    assert_eq!(inbox(&mut desk, InboxState::Unspecified).await.len(), 3);

    // The complaint's author blocked from the desk: a block goes to the network (through
    // scheduling) and hides the author's next posts here; asking twice does it once.
    let act = |action: v1::AuthorAction| v1::ActOnInboxAuthorRequest {
        brand_id: brand.to_string(),
        item_id: c.item_id.clone(),
        action: action as i32,
        reason: "insults in DMs".into(),
        expected_version: 0,
    };
    let bad = desk
        .act_on_inbox_author(unary(act(v1::AuthorAction::Unspecified)))
        .await
        .unwrap_err();
    assert!(bad.message().starts_with("action: is required"), "{bad:?}");
    let blocked = desk
        .act_on_inbox_author(unary(act(v1::AuthorAction::Block)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(blocked.author_actions, [v1::AuthorAction::Block as i32]);
    assert!(!blocked.offer_block);
    let again = desk
        .act_on_inbox_author(unary(act(v1::AuthorAction::Block)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        again.version, blocked.version,
        "a second block records nothing"
    );
    let next = post("c2", "budi", "and another thing");
    h.publish(&[ingested(tenant, &next, &[brand])]).await;
    let mut reader = h.app.reader(tagar_proto::topics::MODERATION_EVENTS).await;
    let verdict = reader
        .find(Duration::from_secs(60), "c2", |e| match &e.event {
            Some(v1::envelope::Event::PostClassified(p)) if p.native_id == "c2" => {
                Some(p.verdict())
            }
            _ => None,
        })
        .await;
    reader.close().await;
    assert_eq!(
        verdict,
        v1::Verdict::Hide,
        "a blocked author's next post is hidden"
    );

    // Another tenant sees nothing, and cannot touch the items.
    let mut stranger = h.client(TenantId::new(), Role::Admin).await;
    assert!(
        inbox(&mut stranger, InboxState::Unspecified)
            .await
            .is_empty()
    );
    let hidden = stranger
        .close_inbox_item(unary(v1::CloseInboxItemRequest {
            brand_id: brand.to_string(),
            item_id: c.item_id.clone(),
            reason: String::new(),
            expected_version: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let analyst = h.client(tenant, Role::Analyst).await;
    let refused = analyst
        .clone()
        .list_inbox(unary(v1::ListInboxRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    h.stop().await;
}

tagar_kernel::both_modes!(the_desk_holds_what_wants_an_answer);
