//! The engagement desk end to end: a question pushed in reaches the brand's inbox through
//! ingest and moderation; a person answers it and scheduling publishes the reply once, as a
//! reply in the same conversation, even while the brand's queue is paused; the item records
//! its first response time. An author the brand blocked is never engaged.

use std::time::Duration;

use tagar_kernel::testing::TestApp;
use tagar_proto::v1;
use tonic::Code;

use crate::client::{Clients, eventually};

async fn item_of(c: &Clients, native_id: &str, state: v1::InboxState) -> v1::InboxItem {
    eventually(Duration::from_secs(60), "the inbox item", || {
        let mut moderation = c.moderation.clone();
        let native_id = native_id.to_owned();
        async move {
            moderation
                .list_inbox(v1::ListInboxRequest {
                    state: state as i32,
                    ..v1::ListInboxRequest::default()
                })
                .await
                .ok()?
                .into_inner()
                .items
                .into_iter()
                .find(|i| i.native_id == native_id)
        }
    })
    .await
}

fn reply(
    brand: &str,
    item: &v1::InboxItem,
    account: &str,
    text: &str,
) -> v1::ReplyToInboxItemRequest {
    v1::ReplyToInboxItemRequest {
        brand_id: brand.to_owned(),
        item_id: item.item_id.clone(),
        account_id: account.to_owned(),
        text: text.to_owned(),
        expected_version: 0,
    }
}

pub async fn a_question_is_answered_through_the_network_and_an_abuser_is_not(
    app: &TestApp,
    key: &str,
) {
    let mut c = Clients::connect(app, key).await;
    let brand = c
        .brand_listening("Kopi Kita", "Asia/Jakarta", "KopiKita")
        .await;
    let account = c.x_account(&brand, "kopikita").await;
    // The brand answers within half an hour, from its X account as its support account (the
    // desk knows the account once moderation has read its connection).
    let policy = v1::ModerationPolicy {
        brand_id: brand.clone(),
        review_threshold: 0.5,
        hide_threshold: 0.8,
        spam_hide_threshold: 0.8,
        first_response_minutes: 30,
        support_account_id: account.clone(),
    };
    let bad = c
        .moderation
        .set_policy(v1::ModerationPolicy {
            support_account_id: "0190f1e2-0000-7000-8000-00000000000f".into(),
            ..policy.clone()
        })
        .await
        .unwrap_err();
    assert!(
        bad.message()
            .starts_with("support_account_id: is not an account of the brand"),
        "{}",
        bad.message()
    );
    eventually(Duration::from_secs(30), "the support account set", || {
        let mut moderation = c.moderation.clone();
        let policy = policy.clone();
        async move { moderation.set_policy(policy).await.ok() }
    })
    .await;

    // A question from someone who then turns abusive, and is blocked.
    let first = tagar_kernel::testing::x_post("t1", "troll", "kapan toko #KopiKita buka?");
    c.push(vec![first]).await.expect("push");
    let trolls = item_of(&c, "t1", v1::InboxState::Unspecified).await;
    assert_eq!(trolls.kind(), v1::InboxKind::Question);
    let abuse = tagar_kernel::testing::x_post("t2", "troll", "shut up, you idiot #KopiKita");
    c.push(vec![abuse]).await.expect("push");
    let case = eventually(Duration::from_secs(60), "the abusive post's case", || {
        let mut moderation = c.moderation.clone();
        let brand = brand.clone();
        async move {
            moderation
                .list_review_cases(v1::ListReviewCasesRequest {
                    brand_id: brand,
                    state: 0,
                    limit: 0,
                })
                .await
                .ok()?
                .into_inner()
                .cases
                .into_iter()
                .find(|c| c.native_id == "t2")
        }
    })
    .await;
    c.moderation
        .decide_case(v1::DecideCaseRequest {
            brand_id: brand.clone(),
            case_id: case.case_id,
            decision: v1::Decision::BlockAuthor as i32,
            note: "abuse".into(),
            expected_version: 0,
        })
        .await
        .expect("block the author");
    let refused = eventually(Duration::from_secs(30), "the block in force", || {
        let mut moderation = c.moderation.clone();
        let request = reply(&brand, &trolls, &account, "Jam 8 pagi!");
        async move {
            let e = moderation.reply_to_inbox_item(request).await.err()?;
            (e.code() == Code::FailedPrecondition).then_some(e)
        }
    })
    .await;
    assert!(
        refused
            .message()
            .starts_with("never engage: @troll is blocked by the brand"),
        "{}",
        refused.message()
    );

    // An honest question, answered while the queue is paused (a crisis does not stop
    // conversations).
    let question =
        tagar_kernel::testing::x_post("q1", "sari", "apakah #KopiKita buka hari Minggu?");
    c.push(vec![question]).await.expect("push");
    let item = item_of(&c, "q1", v1::InboxState::Unspecified).await;
    let (opened, due) = (item.opened_at.unwrap(), item.due_by.unwrap());
    assert_eq!(due.seconds - opened.seconds, 30 * 60, "the brand's SLA");
    assert_eq!(
        item.routed_account_id, account,
        "a question goes to the support account"
    );
    c.scheduling
        .pause_queue(v1::PauseQueueRequest {
            brand_id: brand.clone(),
            reason: "a storm".into(),
        })
        .await
        .expect("pause");
    let mastodon = c
        .scheduling
        .connect_account(v1::ConnectAccountRequest {
            brand_id: brand.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "kopikita".into(),
            credentials: None,
        })
        .await
        .unwrap()
        .into_inner()
        .account_id;
    let wrong = eventually(
        Duration::from_secs(30),
        "the Mastodon account known",
        || {
            let mut moderation = c.moderation.clone();
            let request = reply(&brand, &item, &mastodon, "Buka!");
            async move {
                let e = moderation.reply_to_inbox_item(request).await.err()?;
                e.message().contains("is not on X").then_some(e)
            }
        },
    )
    .await;
    assert_eq!(wrong.code(), Code::InvalidArgument);
    let too_long = c
        .moderation
        .reply_to_inbox_item(reply(&brand, &item, &account, &"k".repeat(300)))
        .await
        .unwrap_err();
    assert!(
        too_long.message().starts_with("text: "),
        "{}",
        too_long.message()
    );

    // No account named: the answer comes from the support account.
    let asked = c
        .moderation
        .reply_to_inbox_item(reply(
            &brand,
            &item,
            "",
            "Buka jam 8 sampai 17, sampai jumpa!",
        ))
        .await
        .expect("reply")
        .into_inner();
    let reply_post = asked.pending_reply_post_id.clone();
    assert!(!reply_post.is_empty());
    // (A second reply while this one is on its way is refused: the domain's tests; here the
    // loopback network may publish it before a second call could be made.)
    let published = c
        .published(&brand, &reply_post, Duration::from_secs(60))
        .await;
    assert!(!published.published_native_id.is_empty());
    let answered = item_of(&c, "q1", v1::InboxState::Answered).await;
    assert!(answered.pending_reply_post_id.is_empty());
    assert!(!answered.answered_by.is_empty());
    assert!(answered.first_response_seconds < 120, "{answered:?}");
    assert!(answered.answered_at.is_some());
    assert!(!answered.overdue);

    // The desk's figures: one answer, by whom, how fast, and the interaction it makes.
    let figures = eventually(Duration::from_secs(60), "the answer in the figures", || {
        let mut analytics = c.analytics.clone();
        let brand = brand.clone();
        async move {
            let f = analytics
                .get_response_times(v1::GetResponseTimesRequest {
                    brand_id: brand,
                    ..v1::GetResponseTimesRequest::default()
                })
                .await
                .ok()?
                .into_inner();
            (f.total?.answered == 1).then_some(f)
        }
    })
    .await;
    let total = figures.total.unwrap();
    assert!(total.items >= 2, "{total:?}");
    assert_eq!(
        total.first_response_median_s,
        answered.first_response_seconds
    );
    assert_eq!(total.within_sla, 1);
    assert_eq!(figures.people.len(), 1);
    assert_eq!(figures.people[0].person, answered.answered_by);
    let per_day: u64 = figures
        .periods
        .iter()
        .map(|p| p.responses.unwrap().items)
        .sum();
    assert_eq!(per_day, total.items, "every item in one day of the range");
    assert!(figures.interactions.unwrap().active >= 1);
    let weekly = c
        .analytics
        .get_response_times(v1::GetResponseTimesRequest {
            brand_id: brand.clone(),
            period: v1::Period::Week as i32,
            ..v1::GetResponseTimesRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(
        weekly.periods.len() <= 2,
        "a week's range spans two ISO weeks at most"
    );
}
