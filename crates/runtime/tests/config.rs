//! Layering of defaults, file and environment, and secrets that never print.
// figment::Jail fixes the closure's error type to figment::Error; we cannot box it.
#![allow(clippy::result_large_err)]

use figment::Jail;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tagar_runtime::config::{self, ConfigError};
use tagar_runtime::{
    AdminConfig, AuthConfig, GrpcConfig, LogFormat, ShutdownConfig, TelemetryConfig,
};

/// How a service composes its settings from the kit's sections.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Settings {
    grpc: GrpcConfig,
    admin: AdminConfig,
    telemetry: TelemetryConfig,
    auth: AuthConfig,
    shutdown: ShutdownConfig,
}

fn load(jail: &Jail, file: Option<&str>) -> Result<Settings, ConfigError> {
    let path = file.map(|name| jail.directory().join(name));
    config::load::<Settings>(path.as_deref())
}

#[test]
fn defaults_apply_without_file_or_env() {
    Jail::expect_with(|jail| {
        let settings = load(jail, None).unwrap();
        assert_eq!(settings.grpc.listen.to_string(), "0.0.0.0:50051");
        assert_eq!(settings.admin.listen.to_string(), "0.0.0.0:9090");
        assert_eq!(
            settings.telemetry.filter,
            "info,opentelemetry=warn,opentelemetry_sdk=warn"
        );
        assert_eq!(settings.telemetry.format, LogFormat::Pretty);
        assert_eq!(settings.shutdown.drain_seconds, 20);
        assert!(settings.auth.token_secret.is_none());
        Ok(())
    });
}

#[test]
fn file_overrides_defaults_and_env_overrides_file() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "tagar.toml",
            r#"
            [grpc]
            listen = "127.0.0.1:6000"
            [telemetry]
            format = "json"
            [shutdown]
            drain_seconds = 5
            "#,
        )?;
        jail.set_env("TAGAR__SHUTDOWN__DRAIN_SECONDS", "7");
        jail.set_env("TAGAR__ADMIN__LISTEN", "127.0.0.1:9999");
        let settings = load(jail, Some("tagar.toml")).unwrap();
        assert_eq!(settings.grpc.listen.to_string(), "127.0.0.1:6000");
        assert_eq!(settings.telemetry.format, LogFormat::Json);
        assert_eq!(settings.shutdown.drain_seconds, 7);
        assert_eq!(settings.admin.listen.to_string(), "127.0.0.1:9999");
        Ok(())
    });
}

#[test]
fn config_file_can_come_from_tagar_config() {
    Jail::expect_with(|jail| {
        jail.create_file("other.toml", "[telemetry]\nfilter = \"debug\"\n")?;
        jail.set_env(
            "TAGAR_CONFIG",
            jail.directory().join("other.toml").display(),
        );
        assert_eq!(load(jail, None).unwrap().telemetry.filter, "debug");
        Ok(())
    });
}

#[test]
fn missing_named_file_is_an_error() {
    Jail::expect_with(|jail| {
        let error = load(jail, Some("absent.toml")).unwrap_err();
        assert!(matches!(error, ConfigError::FileNotFound(_)), "{error}");
        Ok(())
    });
}

#[test]
fn errors_name_the_key_and_the_source() {
    Jail::expect_with(|jail| {
        jail.set_env("TAGAR__GRPC__LISTEN", "not-an-address");
        let error = load(jail, None).unwrap_err().to_string();
        assert!(error.contains("grpc.listen"), "{error}");
        assert!(error.contains("TAGAR__GRPC__LISTEN"), "{error}");
        Ok(())
    });
}

#[test]
fn secrets_load_but_never_print() {
    const SECRET: &str = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t";
    Jail::expect_with(|jail| {
        jail.set_env("TAGAR__AUTH__TOKEN_SECRET", SECRET);
        let settings = load(jail, None).unwrap();
        let secret = settings.auth.token_secret.as_ref().unwrap();
        assert_eq!(secret.expose_secret(), SECRET);
        assert!(!format!("{settings:?}").contains(SECRET));
        assert!(!format!("{settings:#?}").contains(SECRET));
        assert!(!serde_json::to_string(&settings).unwrap().contains(SECRET));
        Ok(())
    });
}

#[test]
fn secret_values_are_hidden_in_errors() {
    Jail::expect_with(|jail| {
        jail.create_file("bad.toml", "[auth]\ntoken_secret = 12345678987654321\n")?;
        let error = load(jail, Some("bad.toml")).unwrap_err().to_string();
        assert!(error.contains("auth.token_secret"), "{error}");
        assert!(!error.contains("12345678987654321"), "{error}");
        Ok(())
    });
}
