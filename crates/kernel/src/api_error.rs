//! Errors, mapped to gRPC once.
//!
//! A command that did not happen is a [`CommandError`]: the domain refused it, the caller's
//! version was stale, or the outcome could not be recorded (kept apart, as esrs does). Every
//! handler's failure becomes an [`ApiError`], and an `ApiError` becomes a [`tonic::Status`] in
//! one place, [`From<ApiError> for Status`](ApiError#impl-From<ApiError>-for-Status): invalid
//! input is `INVALID_ARGUMENT` naming the field, a stale version `ABORTED`, a failure of ours
//! `INTERNAL` with an error id that is also logged, so a report can be found in the log.

use tagar_proto::convert::WireError;
use tagar_store::StoreError;
use tonic::Status;
use uuid::Uuid;

/// Why a domain refused a command: the four kinds every service's aggregates share, so each
/// maps to its gRPC code in one place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A field of the command is not acceptable.
    #[error("{field}: {reason}")]
    Invalid {
        /// The request field, e.g. `text` or `local_time`.
        field: String,
        /// Why, phrased to follow the field name.
        reason: String,
    },
    /// What the command is about does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// What the command would create exists already.
    #[error("{0}")]
    Duplicate(String),
    /// The command does not apply to the aggregate in its current state.
    #[error("{0}")]
    Precondition(String),
    /// It would pass a limit (a tenant's quota of rules, say).
    #[error("{0}")]
    Limit(String),
}

impl Refusal {
    /// `field` is not acceptable, for `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Refusal::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// `what` does not exist.
    pub fn not_found(what: impl Into<String>) -> Self {
        Refusal::NotFound(what.into())
    }

    /// It exists already, `why`.
    pub fn duplicate(why: impl Into<String>) -> Self {
        Refusal::Duplicate(why.into())
    }

    /// The state does not allow it, `why`.
    pub fn precondition(why: impl Into<String>) -> Self {
        Refusal::Precondition(why.into())
    }

    /// It would pass a limit, `why`.
    pub fn limit(why: impl Into<String>) -> Self {
        Refusal::Limit(why.into())
    }
}

/// Why a command did not happen.
#[derive(Debug, thiserror::Error)]
pub enum CommandError<E = Refusal> {
    /// The domain refused it.
    #[error(transparent)]
    Refused(E),
    /// The aggregate moved on since the caller saw it (or another writer won a race).
    #[error("version conflict: expected version {expected}, found {actual}; reload and retry")]
    Conflict {
        /// The version the caller (or the command) expected.
        expected: u64,
        /// The version the store holds.
        actual: u64,
    },
    /// The outcome could not be recorded.
    #[error(transparent)]
    Store(StoreError),
}

impl<E> From<StoreError> for CommandError<E> {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                expected, actual, ..
            } => CommandError::Conflict { expected, actual },
            other => CommandError::Store(other),
        }
    }
}

/// Why an API call failed, as the caller is told.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Refused: a field is not acceptable, what it names does not exist (for this caller),
    /// it exists already, or the state does not allow it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The caller's version is stale, or another writer got there first.
    #[error("{0}")]
    Conflict(String),
    /// No credentials, or bad ones.
    #[error("{0}")]
    Unauthenticated(String),
    /// The credentials do not allow it.
    #[error("{0}")]
    PermissionDenied(String),
    /// A limit was reached; the caller may try again later.
    #[error("{0}")]
    Exhausted(String),
    /// Something we depend on is down for now; the caller may retry.
    #[error("{0}")]
    Unavailable(String),
    /// A failure of ours. The caller gets an error id; the log has the details.
    #[error("internal error: {0}")]
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// `field` is not acceptable, for `reason`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ApiError::Refused(Refusal::invalid(field, reason))
    }

    /// `what` was not found.
    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::Refused(Refusal::not_found(what))
    }

    /// A failure of ours.
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(e.into())
    }
}

impl From<ApiError> for Status {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Refused(refusal) => match refusal {
                Refusal::Invalid { .. } => Status::invalid_argument(refusal.to_string()),
                Refusal::NotFound(_) => Status::not_found(refusal.to_string()),
                Refusal::Duplicate(m) => Status::already_exists(m),
                Refusal::Precondition(m) => Status::failed_precondition(m),
                Refusal::Limit(m) => Status::resource_exhausted(m),
            },
            ApiError::Conflict(m) => Status::aborted(m),
            ApiError::Unauthenticated(m) => Status::unauthenticated(m),
            ApiError::PermissionDenied(m) => Status::permission_denied(m),
            ApiError::Exhausted(m) => Status::resource_exhausted(m),
            ApiError::Unavailable(m) => Status::unavailable(m),
            ApiError::Internal(e) => {
                let error_id = Uuid::now_v7();
                tracing::error!(%error_id, error = %e, "request failed");
                Status::internal(format!(
                    "internal error {error_id}; the service log has the details"
                ))
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        ApiError::invalid(e.field, e.reason)
    }
}

impl<E: Into<ApiError>> From<CommandError<E>> for ApiError {
    fn from(e: CommandError<E>) -> Self {
        match e {
            CommandError::Refused(refusal) => refusal.into(),
            CommandError::Conflict { expected, actual } => ApiError::Conflict(format!(
                "version conflict: expected version {expected}, found {actual}; reload and retry"
            )),
            CommandError::Store(store) => store.into(),
        }
    }
}

/// The result of a handler's work before it is turned into a gRPC reply.
pub type ApiResult<T> = Result<T, ApiError>;

/// The gRPC reply of a handler's result: the one place errors become a [`Status`].
pub fn reply<T>(result: ApiResult<T>) -> Result<tonic::Response<T>, Status> {
    result.map(tonic::Response::new).map_err(Status::from)
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    #[test]
    fn each_kind_has_its_code() {
        let cases = [
            (
                ApiError::invalid("brand_id", "is not a UUID"),
                Code::InvalidArgument,
            ),
            (ApiError::not_found("post"), Code::NotFound),
            (ApiError::Conflict("stale".into()), Code::Aborted),
            (
                Refusal::precondition("draft").into(),
                Code::FailedPrecondition,
            ),
            (Refusal::duplicate("twice").into(), Code::AlreadyExists),
            (
                ApiError::PermissionDenied("no".into()),
                Code::PermissionDenied,
            ),
            (
                ApiError::Exhausted("slow down".into()),
                Code::ResourceExhausted,
            ),
        ];
        for (error, code) in cases {
            assert_eq!(Status::from(error).code(), code);
        }
        let status = Status::from(ApiError::invalid("brand_id", "is not a UUID"));
        assert_eq!(status.message(), "brand_id: is not a UUID");
        assert_eq!(
            Status::from(ApiError::not_found("post")).message(),
            "post not found"
        );
    }

    #[test]
    fn internal_errors_show_an_id_not_their_details() {
        let status = Status::from(ApiError::internal("password=hunter2 leaked"));
        assert_eq!(status.code(), Code::Internal);
        assert!(
            status.message().starts_with("internal error "),
            "{status:?}"
        );
        assert!(!status.message().contains("hunter2"));
    }

    #[test]
    fn a_store_conflict_is_aborted_and_other_store_failures_internal() {
        let conflict = StoreError::Conflict {
            aggregate_id: "a".into(),
            expected: 1,
            actual: 2,
        };
        let command: CommandError<ApiError> = conflict.into();
        assert!(matches!(
            command,
            CommandError::Conflict {
                expected: 1,
                actual: 2
            }
        ));
        assert_eq!(Status::from(ApiError::from(command)).code(), Code::Aborted);
        let corrupt = StoreError::Corrupt {
            field: "t.c",
            reason: "bad".into(),
        };
        assert_eq!(Status::from(ApiError::from(corrupt)).code(), Code::Internal);
    }
}
