//! The review queue end to end, in both modes, driven as a client would: an abusive reply
//! published to `tagar.posts.ingested.v1` for brand B shows up hidden in B's queue; it is
//! assigned and decided over gRPC with optimistic concurrency; other tenants see nothing;
//! redelivery opens no second case; a blocked author's next post is hidden at once.

mod support;

use std::time::{Duration, Instant};

use prost::Message;
use tagar_host::Mode;
use tagar_model::{BrandId, TenantId};
use tagar_proto::topics;
use tagar_proto::v1::{
    AssignCaseRequest, CaseState, DecideCaseRequest, Decision, Envelope, GetPolicyRequest,
    ListReviewCasesRequest, ModerationPolicy, ReviewCase, Verdict, envelope::Event,
};
use tagar_runtime::auth::Role;
use tonic::Code;

use support::{Harness, call, ingested, post};

async fn list(h: &Harness, key: &str, brand: BrandId, state: CaseState) -> Vec<ReviewCase> {
    h.client()
        .await
        .list_review_cases(call(
            key,
            ListReviewCasesRequest {
                brand_id: brand.to_string(),
                state: state as i32,
                limit: 0,
            },
        ))
        .await
        .expect("list")
        .into_inner()
        .cases
}

/// Waits until the brand's queue (open and assigned) holds `n` cases.
async fn queue_of(h: &Harness, key: &str, brand: BrandId, n: usize) -> Vec<ReviewCase> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let cases = list(h, key, brand, CaseState::Unspecified).await;
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
    let log = &h.running.platform.log;
    let mut consumer = log
        .subscribe(
            &tagar_testkit::unique("probe"),
            &[topics::MODERATION_EVENTS],
        )
        .await
        .expect("subscribe");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        for record in consumer
            .poll(100, Duration::from_millis(500))
            .await
            .unwrap()
        {
            let envelope = Envelope::decode(&record.value[..]).unwrap();
            if let Some(Event::PostClassified(c)) = &envelope.event
                && c.native_id == native_id
            {
                let c = c.clone();
                consumer.close().await.unwrap();
                return (envelope, c);
            }
        }
    }
    panic!("no PostClassified for {native_id}");
}

async fn review_queue(mode: Mode) {
    let h = support::start(mode).await;
    let (tenant_a, tenant_b) = (TenantId::new(), TenantId::new());
    let brand_b = BrandId::new();
    let key_a = h.key(tenant_a, Role::Admin).await;
    let key_b = h.key(tenant_b, Role::Manager).await;
    let moderator_b = h.key(tenant_b, Role::Moderator).await;
    let analyst_b = h.key(tenant_b, Role::Analyst).await;
    let mut client = h.client().await;

    // A brand that never set a policy has the defaults; a bad policy names its field.
    let policy = client
        .get_policy(call(
            &key_b,
            GetPolicyRequest {
                brand_id: brand_b.to_string(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((policy.review_threshold, policy.hide_threshold), (0.5, 0.8));
    let bad = client
        .set_policy(call(
            &key_b,
            ModerationPolicy {
                brand_id: brand_b.to_string(),
                review_threshold: 0.9,
                hide_threshold: 0.6,
                spam_hide_threshold: 0.8,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(bad.message().starts_with("review_threshold:"), "{bad:?}");
    let denied = client
        .get_policy(call(
            &moderator_b,
            GetPolicyRequest {
                brand_id: brand_b.to_string(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let set = ModerationPolicy {
        brand_id: brand_b.to_string(),
        review_threshold: 0.4,
        hide_threshold: 0.8,
        spam_hide_threshold: 0.9,
    };
    assert_eq!(
        client
            .set_policy(call(&key_b, set.clone()))
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

    let cases = queue_of(&h, &key_b, brand_b, 1).await;
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
        list(&h, &key_a, brand_b, CaseState::Unspecified)
            .await
            .is_empty()
    );
    let foreign = client
        .assign_case(call(
            &key_a,
            AssignCaseRequest {
                brand_id: brand_b.to_string(),
                case_id: case.case_id.clone(),
                moderator: "eve".into(),
                expected_version: 0,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(foreign.code(), Code::NotFound);
    let analyst = client
        .list_review_cases(call(
            &analyst_b,
            ListReviewCasesRequest {
                brand_id: brand_b.to_string(),
                ..Default::default()
            },
        ))
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
    let cases = queue_of(&h, &key_b, brand_b, 2).await;
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
    let assigned = client
        .assign_case(call(&moderator_b, assign(1)))
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
    let stale = client
        .assign_case(call(&moderator_b, assign(1)))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let decide = |version| DecideCaseRequest {
        brand_id: brand_b.to_string(),
        case_id: case.case_id.clone(),
        decision: Decision::BlockAuthor as i32,
        note: "repeated insults".into(),
        expected_version: version,
    };
    let decided = client
        .decide_case(call(&moderator_b, decide(2)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (decided.state(), decided.decision(), decided.version),
        (CaseState::Decided, Decision::BlockAuthor, 3)
    );
    let again = client
        .decide_case(call(&moderator_b, decide(0)))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let queue = queue_of(&h, &key_b, brand_b, 1).await;
    assert_eq!(queue[0].native_id, "p-marker");
    let done = list(&h, &key_b, brand_b, CaseState::Decided).await;
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
    assert_eq!(queue_of(&h, &key_b, brand_b, 1).await.len(), 1);

    let metrics = h.running.platform.metrics.encode().unwrap();
    assert!(
        metrics.contains("tagar_posts_classified_total{verdict=\"hide\"}"),
        "{metrics}"
    );
    h.stop().await;
}

tagar_host::both_modes!(review_queue);
