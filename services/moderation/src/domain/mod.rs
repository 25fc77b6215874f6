//! Moderation's domain, pure and without I/O: the classifier, the brand policy and the review
//! case aggregate. A refused command is a `tagar_kernel::Refusal`.

pub mod case;
pub mod classifier;
pub mod inbox;
pub mod policy;
