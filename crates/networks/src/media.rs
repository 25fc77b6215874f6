//! A post's media, fetched once from where the brand keeps it ([`Media::url`]) and checked
//! against the network's rules ([`tagar_model::media_rules`]) before a connector uploads it.
//!
//! The address comes from a tenant, so fetching it is guarded as a request Tagar makes on
//! someone else's behalf:
//! - only `http` and `https`;
//! - no loopback, private, link-local or otherwise non-public address (a cloud's metadata
//!   service, the cluster's own services), checked on the name's every address before the
//!   request and again by the resolver the connection uses (so a name that changes its
//!   answer in between is still refused), and on every redirect (at most five);
//!   [`MediaFetcher::allowing_private_addresses`] lifts this for tests and for media servers
//!   inside the deployment (`networks.media_private_addresses`);
//! - at most the network's size for the kind (5 MiB for an image on X), read in chunks and
//!   abandoned once over, never buffered whole first; 60 s per item;
//! - the content must be what the post says it is: the type is read from the bytes' own
//!   signature (PNG, JPEG, GIF, WebP, MP4/MOV, WebM, MP3, Ogg, WAV, FLAC), falling back to
//!   the `Content-Type` the server sent.
//!
//! Media held in memory are bounded per process: every post's fetch first takes its
//! share (each item's largest allowed size) of [`MEMORY_BUDGET`], so two 512 MiB videos and
//! many images can be on their way at once, and more wait rather than exhaust memory.

use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tagar_model::{Media, MediaKind, Network};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::{Host, Url};

use crate::NetworkError;

/// Bytes of media one process holds at most, in MiB.
pub const MEMORY_BUDGET: u32 = 1_024;
/// How long one upload to a network may take (a 512 MiB video at 15 Mbit/s).
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_REDIRECTS: usize = 5;
const MIB: u64 = 1024 * 1024;

/// One fetched media item, ready to upload.
#[derive(Clone)]
pub struct Attachment {
    /// What it is.
    pub kind: MediaKind,
    /// Its MIME type, read from its bytes.
    pub mime: &'static str,
    /// The bytes.
    pub bytes: Bytes,
    /// Its alternative text.
    pub alt_text: Option<String>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("kind", &self.kind)
            .field("mime", &self.mime)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

impl Attachment {
    /// A file name for uploads that want one (`image.png`).
    pub fn file_name(&self) -> String {
        let extension = self.mime.rsplit('/').next().unwrap_or("bin");
        let stem = match self.kind {
            MediaKind::Image => "image",
            MediaKind::Gif => "animation",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
        };
        format!("{stem}.{extension}")
    }
}

/// A post's fetched media; holds its share of the process's media memory until dropped.
#[derive(Debug, Default)]
pub struct Attachments {
    /// The items, in the post's order.
    pub items: Vec<Attachment>,
    _budget: Option<OwnedSemaphorePermit>,
}

/// Why a post's media could not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// Trying again gives the same answer: the address, the size or the content is wrong.
    #[error("media[{index}] ({url}): {reason}")]
    Refused {
        /// The item's position, from 0.
        index: usize,
        /// Its address.
        url: String,
        /// Why.
        reason: String,
    },
    /// The media's server could not be reached or failed; it may work later.
    #[error("media[{index}] ({url}) could not be fetched: {reason}")]
    Unavailable {
        /// The item's position, from 0.
        index: usize,
        /// Its address.
        url: String,
        /// What happened.
        reason: String,
    },
}

impl MediaError {
    /// The same as the error of publishing to `network`.
    pub fn into_network_error(self, network: Network) -> NetworkError {
        let reason = self.to_string();
        match self {
            MediaError::Refused { .. } => NetworkError::Refused { network, reason },
            MediaError::Unavailable { .. } => NetworkError::Unavailable { network, reason },
        }
    }
}

/// Fetches posts' media under the guards above.
#[derive(Debug, Clone)]
pub struct MediaFetcher {
    http: reqwest::Client,
    private: bool,
    budget: Arc<Semaphore>,
}

impl Default for MediaFetcher {
    fn default() -> Self {
        Self::build(false)
    }
}

impl MediaFetcher {
    /// A fetcher that refuses non-public addresses.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fetcher that also fetches from loopback and private addresses: for tests, and for
    /// media servers inside the deployment.
    pub fn allowing_private_addresses() -> Self {
        Self::build(true)
    }

    fn build(private: bool) -> Self {
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if let Err(reason) = literal_allowed(attempt.url(), private) {
                attempt.error(reason)
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(redirects)
            .user_agent(concat!("tagar/", env!("CARGO_PKG_VERSION")));
        if !private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Self {
            http: builder.build().expect("the HTTP client builds"),
            private,
            budget: Arc::new(Semaphore::new(MEMORY_BUDGET as usize)),
        }
    }

    /// Fetches every item of `media` for a post on `network`; the first that fails fails all.
    pub async fn fetch_all(
        &self,
        network: Network,
        media: &[Media],
    ) -> Result<Attachments, MediaError> {
        if media.is_empty() {
            return Ok(Attachments::default());
        }
        let refused = |index: usize, reason: String| MediaError::Refused {
            index,
            url: media[index].url.clone(),
            reason,
        };
        let Some(rules) = tagar_model::media_rules(network) else {
            return Err(refused(0, format!("Tagar publishes no media to {network}")));
        };
        rules
            .check(media)
            .map_err(|problem| refused(problem.index, problem.reason))?;
        let share: u64 = media
            .iter()
            .map(|m| rules.max_bytes(m.kind).div_ceil(MIB))
            .sum();
        let share = u32::try_from(share)
            .unwrap_or(MEMORY_BUDGET)
            .min(MEMORY_BUDGET);
        let budget = self
            .budget
            .clone()
            .acquire_many_owned(share)
            .await
            .expect("the budget is never closed");
        let mut items = Vec::with_capacity(media.len());
        for (index, item) in media.iter().enumerate() {
            items.push(self.fetch(index, item, rules.max_bytes(item.kind)).await?);
        }
        Ok(Attachments {
            items,
            _budget: Some(budget),
        })
    }

    async fn fetch(
        &self,
        index: usize,
        media: &Media,
        max_bytes: u64,
    ) -> Result<Attachment, MediaError> {
        let refused = |reason: String| MediaError::Refused {
            index,
            url: media.url.clone(),
            reason,
        };
        let unavailable = |reason: String| MediaError::Unavailable {
            index,
            url: media.url.clone(),
            reason,
        };
        let url = Url::parse(&media.url).map_err(|e| refused(format!("not an address: {e}")))?;
        literal_allowed(&url, self.private).map_err(refused)?;
        if !self.private
            && let Some(Host::Domain(name)) = url.host()
        {
            let port = url.port_or_known_default().unwrap_or(443);
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|e| unavailable(format!("{name} does not resolve: {e}")))?
                .collect();
            if !addresses.iter().any(|a| is_public(a.ip())) {
                return Err(refused(format!("{name} resolves to no public address")));
            }
        }
        let mut response = self.http.get(url).send().await.map_err(|e| {
            let reason = describe(&e);
            if e.is_redirect() {
                refused(reason)
            } else {
                unavailable(reason)
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let reason = format!("the server answered {status}");
            return Err(
                if status.is_server_error()
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::REQUEST_TIMEOUT
                {
                    unavailable(reason)
                } else {
                    refused(reason)
                },
            );
        }
        let too_large = || {
            refused(format!(
                "larger than the network takes for {:?} ({max_bytes} bytes)",
                media.kind
            ))
        };
        if response.content_length().is_some_and(|n| n > max_bytes) {
            return Err(too_large());
        }
        let declared = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut bytes = BytesMut::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unavailable(describe(&e)))?
        {
            if (bytes.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let bytes = bytes.freeze();
        let mime = sniff(&bytes)
            .or_else(|| declared.as_deref().and_then(known_mime))
            .ok_or_else(|| {
                refused(format!(
                    "its content is no image, video or audio format Tagar knows (the server says {})",
                    declared.as_deref().unwrap_or("nothing")
                ))
            })?;
        if !fits(media.kind, mime) {
            return Err(refused(format!(
                "it is {mime}, not the {:?} the post says",
                media.kind
            )));
        }
        Ok(Attachment {
            kind: media.kind,
            mime,
            bytes,
            alt_text: media.alt_text.clone(),
        })
    }
}

/// reqwest's error with its causes, without the URL (it is in the error around it).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn literal_allowed(url: &Url, private: bool) -> Result<(), String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "only http and https addresses are fetched, not {}",
            url.scheme()
        ));
    }
    let ip = match url.host() {
        None => return Err("the address has no host".into()),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
    };
    if private || is_public(ip) {
        Ok(())
    } else {
        Err(format!("{ip} is not a public address"))
    }
}

/// Whether `ip` is an address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local()
                    || v6.segments()[0] == 0x2001 && v6.segments()[1] == 0x0db8)
            }
        },
    }
}

/// The connection's resolver: only public addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let e: Box<dyn StdError + Send + Sync> =
                    format!("{} resolves to no public address", name.as_str()).into();
                return Err(e);
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// The MIME type the bytes' signature gives.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, signature: &[u8]| {
        bytes.get(offset..offset + signature.len()) == Some(signature)
    };
    Some(if at(0, b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if at(0, b"\xff\xd8\xff") {
        "image/jpeg"
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        "image/gif"
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if at(0, b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if at(4, b"ftypqt") {
        "video/quicktime"
    } else if at(4, b"ftypM4A") {
        "audio/mp4"
    } else if at(4, b"ftyp") {
        "video/mp4"
    } else if at(0, b"\x1a\x45\xdf\xa3") {
        "video/webm"
    } else if at(0, b"ID3") || at(0, b"\xff\xfb") || at(0, b"\xff\xf3") {
        "audio/mpeg"
    } else if at(0, b"OggS") {
        "audio/ogg"
    } else if at(0, b"fLaC") {
        "audio/flac"
    } else {
        return None;
    })
}

/// The declared type, if it is one the networks take.
fn known_mime(declared: &str) -> Option<&'static str> {
    const KNOWN: [&str; 12] = [
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "audio/mpeg",
        "audio/mp4",
        "audio/ogg",
        "audio/wav",
        "audio/flac",
    ];
    KNOWN.into_iter().find(|k| *k == declared)
}

fn fits(kind: MediaKind, mime: &str) -> bool {
    match kind {
        MediaKind::Image => mime.starts_with("image/"),
        MediaKind::Gif => mime == "image/gif",
        MediaKind::Video => mime.starts_with("video/"),
        MediaKind::Audio => mime.starts_with("audio/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_told_apart() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().expect("an ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            assert!(is_public(ip.parse().expect("an ip")), "{ip}");
        }
    }

    #[test]
    fn addresses_other_than_public_http_are_refused_before_any_request() {
        let refused = |url: &str| literal_allowed(&Url::parse(url).expect("a url"), false);
        assert!(refused("file:///etc/passwd").is_err());
        assert!(refused("http://169.254.169.254/latest/meta-data").is_err());
        assert!(refused("http://[::1]:8080/a.png").is_err());
        assert!(refused("https://cdn.example/a.png").is_ok());
    }

    #[test]
    fn the_content_type_is_read_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"GIF89a..."), Some("image/gif"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some("video/mp4"));
        assert_eq!(sniff(b"<html>"), None);
        assert!(!fits(MediaKind::Image, "video/mp4"));
        assert!(fits(MediaKind::Image, "image/gif"));
    }
}
