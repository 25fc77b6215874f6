//! The auth layer as a tower service: what reaches the inner service and what is refused.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use tagar_runtime::auth::{
    ApiKey, AuthLayer, Authenticator, BrandScope, Principal, Role, StaticKeyDirectory, TokenIssuer,
};
use tower::{Layer, ServiceExt, service_fn};
use uuid::Uuid;

const TOKEN_SECRET: &str = "test-token-secret-test-token-secret";
const CALL: &str = "/tagar.scheduling.v1.Scheduling/SchedulePost";

struct Fixture {
    directory: Arc<StaticKeyDirectory>,
    key: String,
    key_id: String,
    tenant: tagar_model::TenantId,
}

fn fixture() -> Fixture {
    let tenant = tagar_model::TenantId::new();
    let (plain, stored) = ApiKey::generate(tenant, Role::Manager, BrandScope::All);
    let key_id = stored.key_id.clone();
    let directory = Arc::new(StaticKeyDirectory::from_iter([stored]));
    Fixture {
        directory,
        key: plain.expose().to_owned(),
        key_id,
        tenant,
    }
}

fn issuer() -> TokenIssuer {
    TokenIssuer::new(&SecretString::from(TOKEN_SECRET)).unwrap()
}

/// Sends one request through the layer; returns grpc-status (if refused) and the
/// principal the inner service saw (if it was called).
async fn send(
    directory: Arc<StaticKeyDirectory>,
    path: &str,
    headers: &[(&str, &str)],
) -> (Option<String>, Option<Principal>, Option<String>) {
    let inner = service_fn(|request: http::Request<()>| async move {
        let principal = request.extensions().get::<Principal>().cloned();
        let leaked = request.headers().contains_key("authorization")
            || request.headers().contains_key("x-api-key");
        assert!(!leaked, "credentials must not reach handlers");
        let mut response = http::Response::new(());
        response.extensions_mut().insert(principal);
        Ok::<_, Infallible>(response)
    });
    let service = AuthLayer::new(Authenticator::new(directory, Some(issuer()))).layer(inner);
    let mut request = http::Request::builder().uri(format!("http://localhost{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = service.oneshot(request.body(()).unwrap()).await.unwrap();
    assert_eq!(response.status(), 200, "gRPC errors still use HTTP 200");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let seen = response
        .extensions()
        .get::<Option<Principal>>()
        .cloned()
        .flatten();
    (header("grpc-status"), seen, header("grpc-message"))
}

#[tokio::test]
async fn missing_credential_is_unauthenticated() {
    let f = fixture();
    let (status, seen, message) = send(f.directory, CALL, &[]).await;
    assert_eq!(status.as_deref(), Some("16"));
    assert!(seen.is_none());
    assert!(message.unwrap().contains("missing%20credentials"));
}

#[tokio::test]
async fn good_key_reaches_the_handler_with_its_principal() {
    let f = fixture();
    for header in ["x-api-key", "authorization"] {
        let value = if header == "authorization" {
            format!("Bearer {}", f.key)
        } else {
            f.key.clone()
        };
        let (status, seen, _) = send(f.directory.clone(), CALL, &[(header, &value)]).await;
        assert_eq!(status, None);
        let principal = seen.expect("inner service called");
        assert_eq!(principal.tenant, f.tenant);
        assert_eq!(principal.role, Role::Manager);
        assert_eq!(principal.subject, format!("key:{}", f.key_id));
    }
}

#[tokio::test]
async fn wrong_secret_and_unknown_key_look_the_same() {
    let f = fixture();
    let wrong_secret = format!("tgr_{}_{}", f.key_id, "a".repeat(64));
    let unknown = format!("tgr_{}_{}", "0".repeat(16), "a".repeat(64));
    let (s1, seen1, m1) = send(f.directory.clone(), CALL, &[("x-api-key", &wrong_secret)]).await;
    let (s2, seen2, m2) = send(f.directory.clone(), CALL, &[("x-api-key", &unknown)]).await;
    assert_eq!((s1.as_deref(), s2.as_deref()), (Some("16"), Some("16")));
    assert!(seen1.is_none() && seen2.is_none());
    assert_eq!(m1, m2);
    let (s3, _, _) = send(f.directory, CALL, &[("x-api-key", "garbage")]).await;
    assert_eq!(s3.as_deref(), Some("16"));
}

#[tokio::test]
async fn revoked_key_is_unauthenticated() {
    let f = fixture();
    assert!(f.directory.revoke(&f.key_id));
    let (status, seen, message) = send(f.directory, CALL, &[("x-api-key", &f.key)]).await;
    assert_eq!(status.as_deref(), Some("16"));
    assert!(seen.is_none());
    assert!(message.unwrap().contains("revoked"));
}

#[tokio::test]
async fn tokens_are_checked_for_signature_and_expiry() {
    let f = fixture();
    let brand = Uuid::now_v7();
    let principal = Principal {
        tenant: f.tenant,
        role: Role::Analyst,
        brands: BrandScope::Only([brand].into()),
        subject: "user:ana".into(),
    };

    let fresh = issuer().issue(&principal, Duration::from_secs(300));
    let bearer = format!("Bearer {}", fresh.expose_secret());
    let (status, seen, _) = send(f.directory.clone(), CALL, &[("authorization", &bearer)]).await;
    assert_eq!(status, None);
    assert_eq!(seen, Some(principal.clone()));

    let an_hour_ago = Utc::now() - chrono::Duration::hours(1);
    let stale = issuer().issue_at(&principal, Duration::from_secs(60), an_hour_ago);
    let bearer = format!("Bearer {}", stale.expose_secret());
    let (status, seen, message) =
        send(f.directory.clone(), CALL, &[("authorization", &bearer)]).await;
    assert_eq!(status.as_deref(), Some("16"));
    assert!(seen.is_none());
    assert_eq!(message.as_deref(), Some("token%20expired"));

    let foreign =
        TokenIssuer::new(&SecretString::from("some-other-secret-some-other-secret")).unwrap();
    let bearer = format!(
        "Bearer {}",
        foreign
            .issue(&principal, Duration::from_secs(60))
            .expose_secret()
    );
    let (status, _, message) = send(f.directory, CALL, &[("authorization", &bearer)]).await;
    assert_eq!(status.as_deref(), Some("16"));
    assert_eq!(message.as_deref(), Some("invalid%20token"));
}

#[tokio::test]
async fn two_credentials_or_a_bad_scheme_are_refused() {
    let f = fixture();
    let bearer = format!("Bearer {}", f.key);
    let (status, _, _) = send(
        f.directory.clone(),
        CALL,
        &[("authorization", &bearer), ("x-api-key", &f.key)],
    )
    .await;
    assert_eq!(status.as_deref(), Some("16"));
    let basic = format!("Basic {}", f.key);
    let (status, _, _) = send(f.directory, CALL, &[("authorization", &basic)]).await;
    assert_eq!(status.as_deref(), Some("16"));
}

#[tokio::test]
async fn health_and_reflection_are_exempt() {
    let f = fixture();
    for path in [
        "/grpc.health.v1.Health/Check",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    ] {
        let (status, seen, _) = send(f.directory.clone(), path, &[]).await;
        assert_eq!(status, None, "{path} must pass without credentials");
        assert!(seen.is_none(), "no principal on exempt paths");
    }
    // A look-alike prefix is not exempt.
    let (status, _, _) = send(f.directory, "/grpc.health.v1.HealthEvil/Check", &[]).await;
    assert_eq!(status.as_deref(), Some("16"));
}
