//! The first user journey across all four services.

use std::time::Duration;

use tagar_proto::v1;

use tagar_kernel::testing::{TestApp, x_post};

use crate::client::{Clients, eventually, totals};

const WAIT: Duration = Duration::from_secs(90);

/// A post with a brand's hashtag is counted for that brand; an abusive reply lands in the
/// review queue, hidden by policy; a scheduled post is published once at its time, comes back
/// through the loopback network, and shows up in analytics.
pub async fn mentions_moderation_and_publishing(app: &TestApp, key: &str) {
    let mut c = Clients::connect(app, key).await;

    let brand_id = c
        .brand_listening("Kopi Nusantara", "Asia/Jakarta", "KopiSenja")
        .await;

    // The brand hides what its moderators would not want shown while they review it.
    c.moderation
        .set_policy(v1::ModerationPolicy {
            brand_id: brand_id.clone(),
            review_threshold: 0.3,
            hide_threshold: 0.5,
            spam_hide_threshold: 0.8,
            first_response_minutes: 0,
            support_account_id: String::new(),
        })
        .await
        .expect("set policy");

    // A fan's post, an abusive reply to it, a post for nobody, and a malformed one.
    let fan = x_post("1001", "dewi", "Sore ini ngopi dulu #KopiSenja ☕");
    let mut abusive = x_post(
        "1002",
        "troll",
        "dasar bodoh, kopi kalian kayak air got anjing #KopiSenja",
    );
    abusive.reply_to = Some(v1::PostRef {
        native_id: "1001".into(),
        author_id: "id-dewi".into(),
    });
    let unrelated = x_post("1003", "budi", "Hujan terus di Bandung");
    let mut broken = x_post("1004", "x", "no author");
    broken.author = None;
    let pushed = c
        .push(vec![fan, abusive, unrelated, broken])
        .await
        .expect("push");
    assert_eq!((pushed.accepted, pushed.rejected), (3, 1), "{pushed:?}");
    assert_eq!(pushed.errors[0].field, "post.author");
    assert_eq!(pushed.errors[0].index, 3);

    let counted = eventually(WAIT, "two mentions counted for the brand", || {
        let (mut analytics, brand_id) = (c.analytics.clone(), brand_id.clone());
        async move {
            let totals = totals(&mut analytics, &brand_id).await;
            (totals.mentions >= 2).then_some(totals)
        }
    })
    .await;
    assert_eq!(counted.mentions, 2, "the unrelated post is not the brand's");

    let case = eventually(WAIT, "the abusive reply in the review queue", || {
        let (mut moderation, brand_id) = (c.moderation.clone(), brand_id.clone());
        async move {
            let cases = moderation
                .list_review_cases(v1::ListReviewCasesRequest {
                    brand_id,
                    ..Default::default()
                })
                .await
                .expect("list cases")
                .into_inner()
                .cases;
            cases.into_iter().find(|k| k.native_id == "1002")
        }
    })
    .await;
    assert!(case.hidden, "hidden by the default policy: {case:?}");

    // Publish a post a few seconds from now, in the brand's time zone.
    let account_id = c.x_account(&brand_id, "kopinusantara").await;
    let post_id = c
        .schedule_in(
            &brand_id,
            account_id,
            "Selamat sore! Sudah #KopiSenja hari ini?",
            4,
        )
        .await;

    let published = c.published(&brand_id, &post_id, WAIT).await;
    assert!(!published.published_native_id.is_empty());

    // It shows up in analytics once, and, back through the loopback network and ingest, as the
    // brand's own mention (it carries the brand's hashtag).
    let counted = eventually(WAIT, "the publish and its loopback mention counted", || {
        let (mut analytics, brand_id) = (c.analytics.clone(), brand_id.clone());
        async move {
            let totals = totals(&mut analytics, &brand_id).await;
            (totals.published >= 1 && totals.mentions >= 3).then_some(totals)
        }
    })
    .await;
    assert_eq!((counted.published, counted.mentions), (1, 3));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = totals(&mut c.analytics, &brand_id).await;
    assert_eq!(
        (later.published, later.mentions),
        (1, 3),
        "published exactly once"
    );
}
