//! The review queue end to end, in both modes, driven as a client would: an abusive reply
//! published to `tagar.posts.ingested.v1` for brand B shows up hidden in B's queue; it is
//! assigned and decided over gRPC with optimistic concurrency; other tenants see nothing;
//! redelivery opens no second case; a blocked author's next post is hidden at once.

mod support;

use std::time::{Duration, Instant};

use tagar_kernel::Mode;
use tagar_model::{BrandId, TenantId};
use tagar_proto::topics;
use tagar_proto::v1::{
    AssignCaseRequest, CaseState, DecideCaseRequest, Decision, Envelope, GetPolicyRequest,
    ListReviewCasesRequest, ModerationPolicy, ReviewCase, Verdict, envelope::Event,
};
use tagar_runtime::auth::Role;
use tonic::Code;

use support::{Harness, ingested, post};
use tagar_client::{ModerationClient, unary};

async fn list(client: &mut ModerationClient, brand: BrandId, state: CaseState) -> Vec<ReviewCase> {
    client
        .list_review_cases(unary(ListReviewCasesRequest {
            brand_id: brand.to_string(),
            state: state as i32,
            limit: 0,
        }))
        .await
        .expect("list")
        .into_inner()
        .cases
}

/// Waits until the brand's queue (open and assigned) holds `n` cases.
async fn queue_of(client: &mut ModerationClient, brand: BrandId, n: usize) -> Vec<ReviewCase> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let cases = list(client, brand, CaseState::Unspecified).await;
        if cases.len() >= n || Instant::now() > deadline {
            assert_eq!(cases.len(), n, "{cases:#?}");
            return cases;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits for the `PostClassified` fact of `native_id` on the moderation topic.
async fn classified_fact(
    h: &Harness,
    native_id: &str,
) -> (Envelope, tagar_proto::v1::PostClassified) {
    let mut reader = h.app.reader(topics::MODERATION_EVENTS).await;
    let found = reader
        .find(
            Duration::from_secs(60),
            native_id,
            |envelope| match &envelope.event {
                Some(Event::PostClassified(c)) if c.native_id == native_id => {
                    Some((envelope.clone(), c.clone()))
                }
                _ => None,
            },
        )
        .await;
    reader.close().await;
    found
}

async fn review_queue(mode: Mode) {
    let h = support::start(mode).await;
    let (tenant_a, tenant_b) = (TenantId::new(), TenantId::new());
    let brand_b = BrandId::new();
    let mut key_a = h.client(tenant_a, Role::Admin).await;
    let mut key_b = h.client(tenant_b, Role::Manager).await;
    let mut moderator_b = h.client(tenant_b, Role::Moderator).await;
    let mut analyst_b = h.client(tenant_b, Role::Analyst).await;

    // A brand that never set a policy has the defaults; a bad policy names its field.
    let policy = key_b
        .get_policy(unary(GetPolicyRequest {
            brand_id: brand_b.to_string(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((policy.review_threshold, policy.hide_threshold), (0.5, 0.8));
    let bad = key_b
        .set_policy(unary(ModerationPolicy {
            brand_id: brand_b.to_string(),
            review_threshold: 0.9,
            hide_threshold: 0.6,
            spam_hide_threshold: 0.8,
            first_response_minutes: 0,
            support_account_id: String::new(),
        }))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().starts_with("review_threshold:"), "{bad:?}");
    let denied = moderator_b
        .get_policy(unary(GetPolicyRequest {
            brand_id: brand_b.to_string(),
        }))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let set = ModerationPolicy {
        brand_id: brand_b.to_string(),
        review_threshold: 0.4,
        hide_threshold: 0.8,
        spam_hide_threshold: 0.9,
        first_response_minutes: 45,
        support_account_id: String::new(),
    };
    assert_eq!(
        key_b
            .set_policy(unary(set.clone()))
            .await
            .unwrap()
            .into_inner(),
        set
    );

    // An abusive reply for brand B, a clean one, and an abusive post that matched no brand.
    let abusive = ingested(
        tenant_b,
        &post("p-abusive", "troll", "@brand you are a fucking idiot"),
        &[brand_b],
    );
    let clean = ingested(
        tenant_b,
        &post("p-clean", "fan", "@brand I love the new phone, great job"),
        &[brand_b],
    );
    let unmatched = ingested(
        tenant_b,
        &post("p-other", "troll", "you idiot, kill yourself"),
        &[],
    );
    h.publish(&[abusive.clone(), clean, unmatched]).await;

    let cases = queue_of(&mut key_b, brand_b, 1).await;
    let case = &cases[0];
    assert_eq!(case.native_id, "p-abusive");
    assert_eq!(case.author_id, "troll");
    assert!(case.hidden, "hidden by policy: {case:?}");
    assert_eq!(case.state(), CaseState::Open);
    assert_eq!(case.version, 1);
    assert!(
        case.reasons.iter().any(|r| r.contains("'fucking' (en)")),
        "{case:?}"
    );

    // The fact for the post is on the moderation topic, for the brand, keyed by the post.
    let (fact_envelope, fact) = classified_fact(&h, "p-abusive").await;
    assert_eq!(fact_envelope.brand_id, brand_b.to_string());
    assert_eq!(fact.verdict(), Verdict::Hide);
    assert_eq!(fact.language, "en");

    // Tenant A sees nothing of B's, and cannot touch B's case.
    assert!(
        list(&mut key_a, brand_b, CaseState::Unspecified)
            .await
            .is_empty()
    );
    let foreign = key_a
        .assign_case(unary(AssignCaseRequest {
            brand_id: brand_b.to_string(),
            case_id: case.case_id.clone(),
            moderator: "eve".into(),
            expected_version: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);
    let analyst = analyst_b
        .list_review_cases(unary(ListReviewCasesRequest {
            brand_id: brand_b.to_string(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(analyst.code(), Code::PermissionDenied);

    // Redelivering the same envelope opens no second case; a later post shows it was consumed.
    let marker = ingested(
        tenant_b,
        &post("p-marker", "other", "espèce de connard"),
        &[brand_b],
    );
    h.publish(&[abusive.clone(), marker]).await;
    let cases = queue_of(&mut key_b, brand_b, 2).await;
    assert_eq!(
        cases.iter().filter(|c| c.native_id == "p-abusive").count(),
        1
    );

    // Assign, then a stale version is refused, then decide: block the author.
    let assign = |version| AssignCaseRequest {
        brand_id: brand_b.to_string(),
        case_id: case.case_id.clone(),
        moderator: "mia".into(),
        expected_version: version,
    };
    let assigned = moderator_b
        .assign_case(unary(assign(1)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            assigned.state(),
            assigned.assignee.as_str(),
            assigned.version
        ),
        (CaseState::Assigned, "mia", 2)
    );
    let stale = moderator_b.assign_case(unary(assign(1))).await.unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let decide = |version| DecideCaseRequest {
        brand_id: brand_b.to_string(),
        case_id: case.case_id.clone(),
        decision: Decision::BlockAuthor as i32,
        note: "repeated insults".into(),
        expected_version: version,
    };
    let decided = moderator_b
        .decide_case(unary(decide(2)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (decided.state(), decided.decision(), decided.version),
        (CaseState::Decided, Decision::BlockAuthor, 3)
    );
    let again = moderator_b.decide_case(unary(decide(0))).await.unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let queue = queue_of(&mut key_b, brand_b, 1).await;
    assert_eq!(queue[0].native_id, "p-marker");
    let done = list(&mut key_b, brand_b, CaseState::Decided).await;
    assert_eq!(done.len(), 1);
    assert!(done[0].hidden);

    // The blocked author's next post, clean as it is, is hidden without a new case.
    let next = ingested(
        tenant_b,
        &post("p-blocked", "troll", "hello again, nice phone"),
        &[brand_b],
    );
    h.publish(&[next]).await;
    let (_, fact) = classified_fact(&h, "p-blocked").await;
    assert_eq!(fact.verdict(), Verdict::Hide);
    assert!(
        fact.reasons.contains(&"author blocked".to_owned()),
        "{fact:?}"
    );
    assert_eq!(queue_of(&mut key_b, brand_b, 1).await.len(), 1);

    let metrics = h.app.platform().metrics.encode().unwrap();
    assert!(
        metrics.contains("tagar_posts_classified_total{verdict=\"hide\"}"),
        "{metrics}"
    );
    h.stop().await;
}

tagar_kernel::both_modes!(review_queue);

/// Repeats are counted when posts arrive, whatever time they claim: copies of one text that
/// claim to be days apart, pushed now, are a spam wave.
async fn repeats_are_counted_on_arrival_not_on_the_time_a_post_claims(mode: Mode) {
    let h = support::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let text = "menangkan hadiah gratis sekarang juga, klik di bio";
    let copies: Vec<_> = (0..3i64)
        .map(|i| {
            let mut p = post(&format!("wave-{i}"), &format!("bot{i}"), text);
            p.created_at = chrono::Utc::now() - chrono::Duration::days(3 * i);
            ingested(tenant, &p, &[brand])
        })
        .collect();
    h.publish(&copies).await;
    let (_, fact) = classified_fact(&h, "wave-2").await;
    assert!(
        fact.reasons
            .iter()
            .any(|r| r.contains("same text seen 3 times")),
        "{fact:?}"
    );
    h.stop().await;
}

tagar_kernel::both_modes!(repeats_are_counted_on_arrival_not_on_the_time_a_post_claims);

/// A post delivered again (redelivered, or published again by an ingest replica that did
/// not remember it: the same event id) changes nothing: one fact, and its text is counted
/// once, not once per copy, so copies of one post are no spam wave.
async fn copies_of_one_event_count_once(mode: Mode) {
    let h = support::start(mode).await;
    let (tenant, brand) = (TenantId::new(), BrandId::new());
    let text = "menangkan hadiah gratis sekarang juga, klik di bio";
    let once = ingested(tenant, &post("copy-1", "ayu", text), &[brand]);
    h.publish(&[once.clone(), once.clone(), once]).await;
    let next = ingested(tenant, &post("copy-2", "budi", text), &[brand]);
    h.publish(&[next]).await;
    let (_, fact) = classified_fact(&h, "copy-2").await;
    assert!(
        !fact.reasons.iter().any(|r| r.contains("same text seen")),
        "two posts with this text, not four: {fact:?}"
    );
    let third = ingested(tenant, &post("copy-3", "citra", text), &[brand]);
    h.publish(&[third]).await;
    let (_, fact) = classified_fact(&h, "copy-3").await;
    assert!(
        fact.reasons
            .iter()
            .any(|r| r.contains("same text seen 3 times")),
        "{fact:?}"
    );
    let mut reader = h.app.reader(topics::MODERATION_EVENTS).await;
    let facts = reader
        .for_a_while(Duration::from_secs(3))
        .await
        .into_iter()
        .filter(|e| matches!(&e.event, Some(Event::PostClassified(c)) if c.native_id == "copy-1"))
        .count();
    reader.close().await;
    assert_eq!(facts, 1, "one fact for the post, however many copies");
    h.stop().await;
}

tagar_kernel::both_modes!(copies_of_one_event_count_once);
