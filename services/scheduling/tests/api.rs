//! The API's refusals and its walls between tenants and brands, in both modes.

mod support;

use tagar_client::unary;
use tagar_kernel::both_modes;

use tagar_kernel::Mode;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;

use support::Agent;

async fn brand(key: &mut Agent, name: &str, zone: &str) -> v1::Brand {
    key.create_brand(unary(v1::CreateBrandRequest {
        name: name.into(),
        time_zone: zone.into(),
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn account(key: &mut Agent, brand: &v1::Brand, network: v1::Network) -> v1::SocialAccount {
    key.connect_account(unary(v1::ConnectAccountRequest {
        brand_id: brand.brand_id.clone(),
        network: network as i32,
        handle: "brand_account".into(),
        credentials: None,
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn draft(
    key: &mut Agent,
    account: &v1::SocialAccount,
    text: &str,
) -> Result<v1::ScheduledPost, tonic::Status> {
    key.create_draft(unary(v1::CreateDraftRequest {
        brand_id: account.brand_id.clone(),
        account_id: account.account_id.clone(),
        text: text.into(),
        media: vec![],
    }))
    .await
    .map(tonic::Response::into_inner)
}

fn schedule(
    post: &v1::ScheduledPost,
    local_time: &str,
    expected_version: u64,
) -> v1::SchedulePostRequest {
    v1::SchedulePostRequest {
        brand_id: post.brand_id.clone(),
        post_id: post.post_id.clone(),
        local_time: local_time.into(),
        expected_version,
    }
}

async fn bad_input_is_refused_naming_the_field(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut admin = support::agent(&system, None, Role::Admin, BrandScope::All).await;

    let err = admin
        .create_brand(unary(v1::CreateBrandRequest {
            name: "Maison".into(),
            time_zone: "Paris".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().starts_with("time_zone: "),
        "{}",
        err.message()
    );

    let paris = brand(&mut admin, "Maison Lumière", "Europe/Paris").await;
    let x = account(&mut admin, &paris, v1::Network::X).await;
    let dup = admin
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: paris.brand_id.clone(),
            network: v1::Network::X as i32,
            handle: "Brand_Account".into(),
            credentials: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);

    let err = draft(&mut admin, &x, &"très long ".repeat(40))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("text: "), "{}", err.message());
    assert!(err.message().contains("280"), "{}", err.message());

    // A draft cannot be scheduled before it is approved.
    let post = draft(&mut admin, &x, "Bonjour Paris #MaisonLumiere")
        .await
        .unwrap();
    let err = admin
        .schedule_post(unary(schedule(&post, "2027-06-01T09:00", 0)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    // A stale version is a conflict; the right one goes through.
    let approved = admin
        .approve_post(unary(v1::ApprovePostRequest {
            brand_id: post.brand_id.clone(),
            post_id: post.post_id.clone(),
            expected_version: post.version,
        }))
        .await
        .unwrap()
        .into_inner();
    let err = admin
        .schedule_post(unary(schedule(&post, "2027-06-01T09:00", post.version)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    assert!(
        err.message()
            .starts_with("version conflict: expected version")
            && err.message().ends_with("reload and retry"),
        "{}",
        err.message()
    );

    // Paris springs forward on 2027-03-28: 02:30 that day does not exist.
    let err = admin
        .schedule_post(unary(schedule(&post, "2027-03-28T02:30", approved.version)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "local_time: 02:30 does not exist in Europe/Paris on 2027-03-28: clocks go forward"
    );
    let err = admin
        .schedule_post(unary(schedule(&post, "2020-01-01T09:00", 0)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("in the past"), "{}", err.message());

    // It falls back on 2027-10-31: 02:30 is the earlier one, at +02:00 (00:30 UTC).
    let scheduled = admin
        .schedule_post(unary(schedule(&post, "2027-10-31T02:30", approved.version)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scheduled.publish_at.unwrap().seconds, 1_824_942_600);
    // Re-scheduling before it goes out is allowed.
    let moved = admin
        .schedule_post(unary(schedule(
            &post,
            "2027-11-02T10:00",
            scheduled.version,
        )))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.state(), moved.version),
        (v1::PostState::Scheduled, 4)
    );
    let rejected = admin
        .reject_post(unary(v1::RejectPostRequest {
            brand_id: post.brand_id.clone(),
            post_id: post.post_id.clone(),
            reason: "too late".into(),
            expected_version: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(rejected.code(), Code::FailedPrecondition);

    let listed = admin
        .list_scheduled_posts(unary(v1::ListScheduledPostsRequest {
            brand_id: paris.brand_id.clone(),
            state: v1::PostState::Scheduled as i32,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.posts.len(), 1);
    assert_eq!(listed.posts[0].local_time, "2027-11-02T10:00");
    assert_eq!(listed.posts[0].version, 4);
    system.stop().await;
}

async fn tenants_and_brands_are_walled_off(mode: Mode) {
    let system = support::start(mode, 1).await;
    let mut ours = support::agent(&system, None, Role::Admin, BrandScope::All).await;
    let mut theirs = support::agent(&system, None, Role::Admin, BrandScope::All).await;

    let kopi = brand(&mut ours, "Kopi Kita", "Asia/Jakarta").await;
    let chai = brand(&mut ours, "Chai Point", "Asia/Kolkata").await;
    let tehran = brand(&mut theirs, "Chai Khaneh", "Asia/Tehran").await;
    let x = account(&mut ours, &kopi, v1::Network::X).await;
    let post = draft(&mut ours, &x, "Kopi pagi #KopiKita").await.unwrap();
    let chai_x = account(&mut ours, &chai, v1::Network::X).await;
    let chai_bsky = account(&mut ours, &chai, v1::Network::Bluesky).await;
    let tehran_x = account(&mut theirs, &tehran, v1::Network::X).await;

    // The other tenant sees none of ours, even naming our ids.
    let listed = theirs
        .list_brands(unary(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![tehran.clone()]);
    assert_eq!(
        accounts(&mut theirs, "").await.unwrap(),
        vec![tehran_x.clone()]
    );
    let err = accounts(&mut theirs, &kopi.brand_id).await.unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "another tenant's brand is not found"
    );
    let err = theirs
        .get_scheduled_post(unary(v1::GetScheduledPostRequest {
            brand_id: kopi.brand_id.clone(),
            post_id: post.post_id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = theirs
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: kopi.brand_id.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "intruder".into(),
            credentials: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = draft(&mut theirs, &x, "not yours").await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let theirs_listed = theirs
        .list_scheduled_posts(unary(v1::ListScheduledPostsRequest {
            brand_id: kopi.brand_id.clone(),
            state: 0,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(theirs_listed.posts.is_empty());

    // A post is found only under its own brand.
    let err = ours
        .get_scheduled_post(unary(v1::GetScheduledPostRequest {
            brand_id: chai.brand_id.clone(),
            post_id: post.post_id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // A manager scoped to one brand sees and touches only that one.
    let kopi_id = uuid::Uuid::parse_str(&kopi.brand_id).unwrap();
    let mut manager = support::agent(
        &system,
        Some(ours.tenant),
        Role::Manager,
        BrandScope::Only([kopi_id].into()),
    )
    .await;
    let listed = manager
        .list_brands(unary(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![kopi.clone()]);
    assert_eq!(
        accounts(&mut manager, "").await.unwrap(),
        vec![x.clone()],
        "a one-brand manager lists only that brand's accounts"
    );
    let err = accounts(&mut manager, &chai.brand_id).await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = manager
        .connect_account(unary(v1::ConnectAccountRequest {
            brand_id: chai.brand_id.clone(),
            network: v1::Network::X as i32,
            handle: "chaipoint".into(),
            credentials: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(draft(&mut manager, &x, "Manager's draft").await.is_ok());
    let err = brand_err(&mut manager).await;
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "only admins create brands"
    );

    // An all-brands admin key works on a brand it just created; an analyst writes nothing.
    let listed = ours
        .list_brands(unary(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![kopi.clone(), chai.clone()]);
    assert_eq!(
        accounts(&mut ours, &chai.brand_id).await.unwrap(),
        vec![chai_x.clone(), chai_bsky.clone()],
        "one brand's accounts, oldest first"
    );
    let mut all = accounts(&mut ours, "").await.unwrap();
    all.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut expected = vec![x.clone(), chai_x, chai_bsky];
    expected.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    assert_eq!(
        all, expected,
        "every brand's accounts, and only the tenant's"
    );
    let err = accounts(&mut ours, "kopi").await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(err.message(), "brand_id: is not a UUID");
    let mut analyst =
        support::agent(&system, Some(ours.tenant), Role::Analyst, BrandScope::All).await;
    let err = draft(&mut analyst, &x, "analyst").await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let mut anonymous = tagar_proto::v1::scheduling_service_client::SchedulingServiceClient::new(
        system.connect(0, "tgr_none").await.plain_channel(),
    );
    let err = anonymous
        .list_brands(tonic::Request::new(v1::ListBrandsRequest {}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    system.stop().await;
}

async fn accounts(
    key: &mut Agent,
    brand_id: &str,
) -> Result<Vec<v1::SocialAccount>, tonic::Status> {
    key.list_accounts(unary(v1::ListAccountsRequest {
        brand_id: brand_id.into(),
    }))
    .await
    .map(|r| r.into_inner().accounts)
}

async fn brand_err(key: &mut Agent) -> tonic::Status {
    key.create_brand(unary(v1::CreateBrandRequest {
        name: "New".into(),
        time_zone: "UTC".into(),
    }))
    .await
    .unwrap_err()
}

both_modes!(bad_input_is_refused_naming_the_field);
both_modes!(tenants_and_brands_are_walled_off);
