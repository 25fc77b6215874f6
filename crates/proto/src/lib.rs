//! Tagar's wire contracts: the protobuf messages and gRPC services generated from `proto/`,
//! the Kafka topic names, and the conversions between the wire and the post model.
//!
//! The generated code sits in [`v1`]; the conversions sit beside it in [`convert`], so every
//! service turns a wire `Post` into a `tagar_model::Post` the same way, with the same errors.

pub mod convert;
pub mod envelope;
pub mod topics;

/// Generated messages and gRPC clients and servers of package `tagar.v1`.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod v1 {
    tonic::include_proto!("tagar.v1");
}

/// The encoded `FileDescriptorSet` of every contract, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("tagar_descriptor");

pub use convert::WireError;
pub use envelope::{EnvelopeBuilder, EnvelopeError};
