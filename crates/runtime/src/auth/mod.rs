//! gRPC authentication and authorisation.
//!
//! Every call carries one credential: `authorization: Bearer <token>` or
//! `x-api-key: <key>`. The [`AuthLayer`] turns it into a [`Principal`] (tenant, role,
//! brands) placed in the request's extensions; handlers read it with [`principal_from`]
//! and check scope with [`Principal::require_role`] and [`Principal::require_brand`].
//! A missing or bad credential gets `Unauthenticated`; a call outside its scope
//! `PermissionDenied`.

mod api_key;
mod authenticator;
mod directory;
mod layer;
mod principal;
mod role;
mod token;

pub use api_key::{ApiKey, ApiKeyError, KEY_PREFIX, PlaintextKey, StoredKey};
pub use authenticator::{API_KEY_HEADER, AuthError, Authenticator};
pub use directory::{DirectoryError, KeyDirectory, StaticKeyDirectory};
pub use layer::{AuthLayer, AuthService, EXEMPT_PATH_PREFIXES};
pub use principal::{BrandScope, Principal, principal_from};
pub use role::{Role, UnknownRole};
pub use token::{TOKEN_PREFIX, TokenClaims, TokenError, TokenIssuer};
