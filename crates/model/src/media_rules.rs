//! What each network accepts as a post's media, in one table.
//!
//! | network | images | GIF | video | audio | mixed | image bytes | GIF bytes | video bytes | alt text |
//! |---|---|---|---|---|---|---|---|---|---|
//! | X | 4 | 1, alone | 1, alone | – | no | 5 MiB | 15 MiB | 512 MiB | 1,000 |
//! | Bluesky | 4 | as an image | 1, alone | – | no | 1,000,000 | 1,000,000 | 100,000,000 | 2,000 |
//! | Mastodon | 4 | as an image | 1, alone | 1, alone | no | 16 MiB | 16 MiB | 99 MiB | 1,500 |
//! | Loopback | as Mastodon | | | | | | | | |
//!
//! Sources: X, "Uploading media" ("up to 4 photos, 1 animated GIF or 1 video in a Post";
//! image 5 MB, GIF 15 MB, video 512 MB) and "Media metadata" (alt text up to 1,000
//! characters). Bluesky, the lexicons `app.bsky.embed.images` (at most 4, `maxSize`
//! 1,000,000 each) and `app.bsky.embed.video` (one, `maxSize` 100,000,000); a post has one
//! embed, so images and a video do not mix; the app allows 2,000 characters of alt text.
//! Mastodon, "Upload media as an attachment" and its server limits (`MAX_MEDIA_ATTACHMENTS`
//! 4; images 16 MB, video and audio 99 MB; "description" up to 1,500 characters), and the
//! status validation that refuses a video or audio beside anything else.
//!
//! Networks Tagar does not publish to yet have no table: nothing is checked for them.

use crate::{Media, MediaKind, Network};

/// What one network accepts as a post's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRules {
    /// The network.
    pub network: Network,
    /// The most images in one post.
    pub max_images: usize,
    /// Whether a GIF is taken as an image (among up to `max_images`) rather than alone.
    pub gif_as_image: bool,
    /// Whether the network takes audio.
    pub audio: bool,
    /// The most bytes of one image.
    pub image_bytes: u64,
    /// The most bytes of one GIF.
    pub gif_bytes: u64,
    /// The most bytes of one video.
    pub video_bytes: u64,
    /// The most bytes of one audio clip.
    pub audio_bytes: u64,
    /// The most characters of one alt text.
    pub alt_chars: usize,
}

const MIB: u64 = 1024 * 1024;

const MASTODON: MediaRules = MediaRules {
    network: Network::Mastodon,
    max_images: 4,
    gif_as_image: true,
    audio: true,
    image_bytes: 16 * MIB,
    gif_bytes: 16 * MIB,
    video_bytes: 99 * MIB,
    audio_bytes: 99 * MIB,
    alt_chars: 1_500,
};

const TABLE: [MediaRules; 4] = [
    MediaRules {
        network: Network::X,
        max_images: 4,
        gif_as_image: false,
        audio: false,
        image_bytes: 5 * MIB,
        gif_bytes: 15 * MIB,
        video_bytes: 512 * MIB,
        audio_bytes: 0,
        alt_chars: 1_000,
    },
    MediaRules {
        network: Network::Bluesky,
        max_images: 4,
        gif_as_image: true,
        audio: false,
        image_bytes: 1_000_000,
        gif_bytes: 1_000_000,
        video_bytes: 100_000_000,
        audio_bytes: 0,
        alt_chars: 2_000,
    },
    MASTODON,
    MediaRules {
        network: Network::Loopback,
        ..MASTODON
    },
];

/// The media rules of `network`, where Tagar publishes to it.
pub fn media_rules(network: Network) -> Option<&'static MediaRules> {
    TABLE.iter().find(|r| r.network == network)
}

/// Why a network would refuse one of a post's media.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaProblem {
    /// The media item's position, from 0.
    pub index: usize,
    /// A sentence for the person writing the post.
    pub reason: String,
}

impl MediaRules {
    /// The most bytes a media item of `kind` may have (0: not taken at all).
    pub fn max_bytes(&self, kind: MediaKind) -> u64 {
        match kind {
            MediaKind::Image => self.image_bytes,
            MediaKind::Gif => self.gif_bytes,
            MediaKind::Video => self.video_bytes,
            MediaKind::Audio if self.audio => self.audio_bytes,
            MediaKind::Audio => 0,
        }
    }

    /// Whether `kind` goes alone in a post (a video, an audio clip, a GIF where it is not an
    /// image).
    fn alone(&self, kind: MediaKind) -> bool {
        match kind {
            MediaKind::Image => false,
            MediaKind::Gif => !self.gif_as_image,
            MediaKind::Video | MediaKind::Audio => true,
        }
    }

    /// The first of `media` the network would refuse, and why.
    pub fn check(&self, media: &[Media]) -> Result<(), MediaProblem> {
        let network = self.network;
        let problem = |index: usize, reason: String| Err(MediaProblem { index, reason });
        for (index, item) in media.iter().enumerate() {
            if self.max_bytes(item.kind) == 0 {
                return problem(index, format!("{network} takes no {:?} media", item.kind));
            }
            if let Some(alt) = &item.alt_text {
                let chars = alt.chars().count();
                if chars > self.alt_chars {
                    return problem(
                        index,
                        format!(
                            "its alt text has {chars} characters; {network} takes at most {}",
                            self.alt_chars
                        ),
                    );
                }
            }
            if self.alone(item.kind) && media.len() > 1 {
                return problem(
                    index,
                    format!(
                        "{network} takes one {:?} alone in a post, with no other media",
                        item.kind
                    ),
                );
            }
            if index >= self.max_images {
                return problem(
                    index,
                    format!("{network} takes at most {} images", self.max_images),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: MediaKind) -> Media {
        Media {
            kind,
            url: "https://cdn.example/a".into(),
            alt_text: None,
            usage_rights: true,
        }
    }

    fn check(network: Network, kinds: &[MediaKind]) -> Result<(), usize> {
        let media: Vec<Media> = kinds.iter().copied().map(item).collect();
        media_rules(network)
            .expect("a table")
            .check(&media)
            .map_err(|p| p.index)
    }

    #[test]
    fn four_images_go_and_a_fifth_is_refused_on_every_network() {
        use MediaKind::Image;
        for network in [Network::X, Network::Bluesky, Network::Mastodon] {
            assert_eq!(check(network, &[Image; 4]), Ok(()), "{network}");
            assert_eq!(check(network, &[Image; 5]), Err(4), "{network}");
        }
    }

    #[test]
    fn a_video_goes_alone() {
        use MediaKind::{Image, Video};
        for network in [Network::X, Network::Bluesky, Network::Mastodon] {
            assert_eq!(check(network, &[Video]), Ok(()));
            assert_eq!(check(network, &[Image, Video]), Err(1), "{network}");
        }
    }

    #[test]
    fn a_gif_is_alone_on_x_and_an_image_elsewhere() {
        use MediaKind::{Gif, Image};
        assert_eq!(check(Network::X, &[Gif, Image]), Err(0));
        assert_eq!(check(Network::Bluesky, &[Gif, Image]), Ok(()));
        assert_eq!(check(Network::Mastodon, &[Image, Gif]), Ok(()));
    }

    #[test]
    fn audio_goes_to_mastodon_only() {
        assert_eq!(check(Network::Mastodon, &[MediaKind::Audio]), Ok(()));
        assert_eq!(check(Network::X, &[MediaKind::Audio]), Err(0));
        assert_eq!(check(Network::Bluesky, &[MediaKind::Audio]), Err(0));
    }

    #[test]
    fn alt_text_longer_than_the_network_takes_is_refused() {
        let mut media = item(MediaKind::Image);
        media.alt_text = Some("é".repeat(1_001));
        let x = media_rules(Network::X).expect("x").check(&[media.clone()]);
        assert!(x.expect_err("refused").reason.contains("1001 characters"));
        assert!(
            media_rules(Network::Mastodon)
                .expect("mastodon")
                .check(&[media])
                .is_ok()
        );
    }
}
