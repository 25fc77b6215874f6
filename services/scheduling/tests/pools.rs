//! The API's calls and the background work (consumers, relay, dispatcher) draw on pools of
//! their own: with every background connection taken, a call still goes through.

mod support;

use std::sync::Arc;

use tagar_client::unary;
use tagar_kernel::testing::TestApp;
use tagar_kernel::{Mode, both_modes};
use tagar_proto::v1;
use tagar_runtime::auth::{BrandScope, Role};

async fn background_work_cannot_starve_the_api(mode: Mode) {
    let app = TestApp::start_with(mode, vec![Arc::new(tagar_scheduling::Scheduling)], |s| {
        s.database.background_connections = 3;
    })
    .await;
    // Background work holds every connection of its pool (a slow consumer, say).
    let background = &app.platform().background;
    let mut held = Vec::new();
    while let Ok(Ok(connection)) =
        tokio::time::timeout(std::time::Duration::from_millis(500), background.acquire()).await
    {
        held.push(connection);
    }
    assert!(!held.is_empty());
    let mut admin = support::agent(&app, None, Role::Admin, BrandScope::All).await;
    let brand = admin
        .create_brand(unary(v1::CreateBrandRequest {
            name: "Kopi Kita".into(),
            time_zone: "Asia/Jakarta".into(),
        }))
        .await
        .expect("the API has connections of its own");
    assert_eq!(brand.into_inner().name, "Kopi Kita");
    drop(held);
    app.stop().await;
}
both_modes!(background_work_cannot_starve_the_api);
