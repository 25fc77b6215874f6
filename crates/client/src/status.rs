//! A gRPC status as the one line a person reads: `invalid argument: brand_id: is not a UUID`.

use tonic::{Code, Status};

/// `<code>: <message>`, with the code in words (`invalid argument`, `not found`, …).
pub fn describe(status: &Status) -> String {
    let message = status.message().trim();
    let code = code_name(status.code());
    if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    }
}

/// The gRPC code in lowercase words.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "ok",
        Code::Cancelled => "cancelled",
        Code::Unknown => "unknown",
        Code::InvalidArgument => "invalid argument",
        Code::DeadlineExceeded => "deadline exceeded",
        Code::NotFound => "not found",
        Code::AlreadyExists => "already exists",
        Code::PermissionDenied => "permission denied",
        Code::ResourceExhausted => "resource exhausted",
        Code::FailedPrecondition => "failed precondition",
        Code::Aborted => "aborted",
        Code::OutOfRange => "out of range",
        Code::Unimplemented => "unimplemented",
        Code::Internal => "internal",
        Code::Unavailable => "unavailable",
        Code::DataLoss => "data loss",
        Code::Unauthenticated => "unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_reads_as_code_then_message() {
        let status = Status::invalid_argument("brand_id: is not a UUID");
        assert_eq!(
            describe(&status),
            "invalid argument: brand_id: is not a UUID"
        );
        assert_eq!(describe(&Status::not_found("")), "not found");
    }
}
