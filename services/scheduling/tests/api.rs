//! The API's refusals and its walls between tenants and brands, in both modes.

mod support;

use tagar_host::both_modes;

use tagar_host::Mode;
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};
use tonic::Code;

use support::{Client, Key};

async fn brand(api: &mut Client, key: &Key, name: &str, zone: &str) -> v1::Brand {
    api.create_brand(key.call(v1::CreateBrandRequest {
        name: name.into(),
        time_zone: zone.into(),
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn account(
    api: &mut Client,
    key: &Key,
    brand: &v1::Brand,
    network: v1::Network,
) -> v1::SocialAccount {
    api.connect_account(key.call(v1::ConnectAccountRequest {
        brand_id: brand.brand_id.clone(),
        network: network as i32,
        handle: "brand_account".into(),
    }))
    .await
    .unwrap()
    .into_inner()
}

async fn draft(
    api: &mut Client,
    key: &Key,
    account: &v1::SocialAccount,
    text: &str,
) -> Result<v1::ScheduledPost, tonic::Status> {
    api.create_draft(key.call(v1::CreateDraftRequest {
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
    let admin = system.key(None, Role::Admin, BrandScope::All).await;
    let mut api = system.client().await;

    let err = api
        .create_brand(admin.call(v1::CreateBrandRequest {
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

    let paris = brand(&mut api, &admin, "Maison Lumière", "Europe/Paris").await;
    let x = account(&mut api, &admin, &paris, v1::Network::X).await;
    let dup = api
        .connect_account(admin.call(v1::ConnectAccountRequest {
            brand_id: paris.brand_id.clone(),
            network: v1::Network::X as i32,
            handle: "Brand_Account".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);

    let err = draft(&mut api, &admin, &x, &"très long ".repeat(40))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().starts_with("text: "), "{}", err.message());
    assert!(err.message().contains("280"), "{}", err.message());

    // A draft cannot be scheduled before it is approved.
    let post = draft(&mut api, &admin, &x, "Bonjour Paris #MaisonLumiere")
        .await
        .unwrap();
    let err = api
        .schedule_post(admin.call(schedule(&post, "2027-06-01T09:00", 0)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    // A stale version is a conflict; the right one goes through.
    let approved = api
        .approve_post(admin.call(v1::ApprovePostRequest {
            brand_id: post.brand_id.clone(),
            post_id: post.post_id.clone(),
            expected_version: post.version,
        }))
        .await
        .unwrap()
        .into_inner();
    let err = api
        .schedule_post(admin.call(schedule(&post, "2027-06-01T09:00", post.version)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Aborted);
    assert_eq!(err.message(), "version conflict: reload and retry");

    // Paris springs forward on 2027-03-28: 02:30 that day does not exist.
    let err = api
        .schedule_post(admin.call(schedule(&post, "2027-03-28T02:30", approved.version)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.message(),
        "local_time: 02:30 does not exist in Europe/Paris on 2027-03-28: clocks go forward"
    );
    let err = api
        .schedule_post(admin.call(schedule(&post, "2020-01-01T09:00", 0)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("in the past"), "{}", err.message());

    // It falls back on 2027-10-31: 02:30 is the earlier one, at +02:00 (00:30 UTC).
    let scheduled = api
        .schedule_post(admin.call(schedule(&post, "2027-10-31T02:30", approved.version)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(scheduled.publish_at.unwrap().seconds, 1_824_942_600);
    // Re-scheduling before it goes out is allowed.
    let moved = api
        .schedule_post(admin.call(schedule(&post, "2027-11-02T10:00", scheduled.version)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.state(), moved.version),
        (v1::PostState::Scheduled, 4)
    );
    let rejected = api
        .reject_post(admin.call(v1::RejectPostRequest {
            brand_id: post.brand_id.clone(),
            post_id: post.post_id.clone(),
            reason: "too late".into(),
            expected_version: 0,
        }))
        .await
        .unwrap_err();
    assert_eq!(rejected.code(), Code::FailedPrecondition);

    let listed = api
        .list_scheduled_posts(admin.call(v1::ListScheduledPostsRequest {
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
    let ours = system.key(None, Role::Admin, BrandScope::All).await;
    let theirs = system.key(None, Role::Admin, BrandScope::All).await;
    let mut api = system.client().await;

    let kopi = brand(&mut api, &ours, "Kopi Kita", "Asia/Jakarta").await;
    let chai = brand(&mut api, &ours, "Chai Point", "Asia/Kolkata").await;
    let tehran = brand(&mut api, &theirs, "Chai Khaneh", "Asia/Tehran").await;
    let x = account(&mut api, &ours, &kopi, v1::Network::X).await;
    let post = draft(&mut api, &ours, &x, "Kopi pagi #KopiKita")
        .await
        .unwrap();
    let chai_x = account(&mut api, &ours, &chai, v1::Network::X).await;
    let chai_bsky = account(&mut api, &ours, &chai, v1::Network::Bluesky).await;
    let tehran_x = account(&mut api, &theirs, &tehran, v1::Network::X).await;

    // The other tenant sees none of ours, even naming our ids.
    let listed = api
        .list_brands(theirs.call(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![tehran.clone()]);
    assert_eq!(
        accounts(&mut api, &theirs, "").await.unwrap(),
        vec![tehran_x.clone()]
    );
    let err = accounts(&mut api, &theirs, &kopi.brand_id)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Code::NotFound,
        "another tenant's brand is not found"
    );
    let err = api
        .get_scheduled_post(theirs.call(v1::GetScheduledPostRequest {
            brand_id: kopi.brand_id.clone(),
            post_id: post.post_id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = api
        .connect_account(theirs.call(v1::ConnectAccountRequest {
            brand_id: kopi.brand_id.clone(),
            network: v1::Network::Mastodon as i32,
            handle: "intruder".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = draft(&mut api, &theirs, &x, "not yours").await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let theirs_listed = api
        .list_scheduled_posts(theirs.call(v1::ListScheduledPostsRequest {
            brand_id: kopi.brand_id.clone(),
            state: 0,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(theirs_listed.posts.is_empty());

    // A post is found only under its own brand.
    let err = api
        .get_scheduled_post(ours.call(v1::GetScheduledPostRequest {
            brand_id: chai.brand_id.clone(),
            post_id: post.post_id.clone(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // A manager scoped to one brand sees and touches only that one.
    let kopi_id = uuid::Uuid::parse_str(&kopi.brand_id).unwrap();
    let manager = system
        .key(
            Some(ours.tenant),
            Role::Manager,
            BrandScope::Only([kopi_id].into()),
        )
        .await;
    let listed = api
        .list_brands(manager.call(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![kopi.clone()]);
    assert_eq!(
        accounts(&mut api, &manager, "").await.unwrap(),
        vec![x.clone()],
        "a one-brand manager lists only that brand's accounts"
    );
    let err = accounts(&mut api, &manager, &chai.brand_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = api
        .connect_account(manager.call(v1::ConnectAccountRequest {
            brand_id: chai.brand_id.clone(),
            network: v1::Network::X as i32,
            handle: "chaipoint".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert!(
        draft(&mut api, &manager, &x, "Manager's draft")
            .await
            .is_ok()
    );
    let err = brand_err(&mut api, &manager).await;
    assert_eq!(
        err.code(),
        Code::PermissionDenied,
        "only admins create brands"
    );

    // An all-brands admin key works on a brand it just created; an analyst writes nothing.
    let listed = api
        .list_brands(ours.call(v1::ListBrandsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.brands, vec![kopi.clone(), chai.clone()]);
    assert_eq!(
        accounts(&mut api, &ours, &chai.brand_id).await.unwrap(),
        vec![chai_x.clone(), chai_bsky.clone()],
        "one brand's accounts, oldest first"
    );
    let mut all = accounts(&mut api, &ours, "").await.unwrap();
    all.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    let mut expected = vec![x.clone(), chai_x, chai_bsky];
    expected.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    assert_eq!(
        all, expected,
        "every brand's accounts, and only the tenant's"
    );
    let err = accounts(&mut api, &ours, "kopi").await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(err.message(), "brand_id: is not a UUID");
    let analyst = system
        .key(Some(ours.tenant), Role::Analyst, BrandScope::All)
        .await;
    let err = draft(&mut api, &analyst, &x, "analyst").await.unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = api
        .list_brands(tonic::Request::new(v1::ListBrandsRequest {}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    system.stop().await;
}

async fn accounts(
    api: &mut Client,
    key: &Key,
    brand_id: &str,
) -> Result<Vec<v1::SocialAccount>, tonic::Status> {
    api.list_accounts(key.call(v1::ListAccountsRequest {
        brand_id: brand_id.into(),
    }))
    .await
    .map(|r| r.into_inner().accounts)
}

async fn brand_err(api: &mut Client, key: &Key) -> tonic::Status {
    api.create_brand(key.call(v1::CreateBrandRequest {
        name: "New".into(),
        time_zone: "UTC".into(),
    }))
    .await
    .unwrap_err()
}

both_modes!(bad_input_is_refused_naming_the_field);
both_modes!(tenants_and_brands_are_walled_off);
