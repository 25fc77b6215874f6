//! Publishing with media: fetched from where the brand keeps it (`tagar_testkit::media`),
//! under the fetcher's guards, and uploaded to a real PDS, to the Mastodon server and to the
//! X server of the harness, each as its documentation says.

use chrono::Utc;
use secrecy::SecretString;
use tagar_model::{Media, MediaKind, Network};
use tagar_networks::bluesky::{Bluesky, POST_COLLECTION, parse_at_uri};
use tagar_networks::mastodon::Mastodon;
use tagar_networks::x::X;
use tagar_networks::{
    Account, Attachment, Connector, Credentials, MediaError, MediaFetcher, Publication,
};
use tagar_testkit::mastodon::MastodonServer;
use tagar_testkit::media::{MediaServer, mp4, png};
use tagar_testkit::pds::pds;
use tagar_testkit::x::XServer;
use uuid::Uuid;

fn item(kind: MediaKind, url: String, alt: Option<&str>) -> Media {
    Media {
        kind,
        url,
        alt_text: alt.map(str::to_owned),
        usage_rights: true,
    }
}

fn post<'a>(key: Uuid, text: &'a str, media: &'a [Attachment], attempt: u32) -> Publication<'a> {
    Publication {
        key,
        text,
        media,
        reply_to: None,
        quote: None,
        created_at: Utc::now(),
        attempt,
        first_attempt_at: (attempt > 1).then(|| Utc::now() - chrono::Duration::minutes(1)),
    }
}

/// Two images (red with alt text, blue without) on a media server, fetched for `network`.
async fn two_images(network: Network) -> (Vec<Attachment>, [Vec<u8>; 2]) {
    let files = MediaServer::start().await;
    let (red, blue) = (png(16, 16, [200, 30, 30]), png(8, 8, [30, 30, 200]));
    let media = [
        item(
            MediaKind::Image,
            files.put("red.png", "image/png", red.clone()),
            Some("Secangkir kopi merah"),
        ),
        // Served as bytes of no declared type: the signature says what it is.
        item(
            MediaKind::Image,
            files.put("blue", "application/octet-stream", blue.clone()),
            None,
        ),
    ];
    let fetched = MediaFetcher::allowing_private_addresses()
        .fetch_all(network, &media)
        .await
        .expect("fetched");
    assert_eq!(
        fetched.items.iter().map(|a| a.mime).collect::<Vec<_>>(),
        ["image/png", "image/png"]
    );
    (fetched.items.clone(), [red, blue])
}

#[tokio::test]
async fn images_and_their_alt_text_are_blobs_of_the_post_on_the_pds() {
    let pds = pds();
    let made = pds
        .create_account(&format!(
            "media{}",
            &Uuid::new_v4().simple().to_string()[..8]
        ))
        .await;
    let password = pds.create_app_password(&made, "tagar").await;
    let credentials =
        Credentials::bluesky(&pds.url, &made.handle, SecretString::from(password)).unwrap();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let (media, [red, blue]) = two_images(Network::Bluesky).await;
    let key = Uuid::now_v7();
    let first = Bluesky::new()
        .publish(&account, &post(key, "Menu baru #kopi", &media, 1))
        .await
        .unwrap();
    // The retry of a crashed attempt reads the record first and uploads nothing again.
    let again = Bluesky::new()
        .publish(&account, &post(key, "Menu baru #kopi", &media, 2))
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(again.native_id, first.native_id);

    let (_, _, rkey) = parse_at_uri(&first.native_id).unwrap();
    let record = pds
        .get_record(&made.did, POST_COLLECTION, rkey)
        .await
        .expect("the post");
    let embed = &record["value"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.images");
    let images = embed["images"].as_array().unwrap();
    assert_eq!(
        images
            .iter()
            .map(|i| i["alt"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Secangkir kopi merah", ""]
    );
    for (image, bytes) in images.iter().zip([red, blue]) {
        let cid = image["image"]["ref"]["$link"].as_str().expect("a blob ref");
        assert_eq!(image["image"]["mimeType"], "image/png");
        let (mime, stored) = pds.get_blob(&made.did, cid).await;
        assert_eq!((mime.as_str(), stored), ("image/png", bytes));
    }
}

#[tokio::test]
async fn a_video_is_the_post_embed_on_the_pds() {
    let pds = pds();
    let made = pds
        .create_account(&format!(
            "video{}",
            &Uuid::new_v4().simple().to_string()[..8]
        ))
        .await;
    let password = pds.create_app_password(&made, "tagar").await;
    let credentials =
        Credentials::bluesky(&pds.url, &made.handle, SecretString::from(password)).unwrap();
    let files = MediaServer::start().await;
    let video = mp4(200_000);
    let media = [item(
        MediaKind::Video,
        files.put("teaser.mp4", "video/mp4", video.clone()),
        Some("Barista menuang susu"),
    )];
    let fetched = MediaFetcher::allowing_private_addresses()
        .fetch_all(Network::Bluesky, &media)
        .await
        .unwrap();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let delivered = Bluesky::new()
        .publish(&account, &post(Uuid::now_v7(), "", &fetched.items, 1))
        .await
        .unwrap();
    let (_, _, rkey) = parse_at_uri(&delivered.native_id).unwrap();
    let record = pds
        .get_record(&made.did, POST_COLLECTION, rkey)
        .await
        .unwrap();
    let embed = &record["value"]["embed"];
    assert_eq!(embed["$type"], "app.bsky.embed.video");
    assert_eq!(embed["alt"], "Barista menuang susu");
    let cid = embed["video"]["ref"]["$link"].as_str().unwrap();
    assert_eq!(pds.get_blob(&made.did, cid).await.1, video);
}

#[tokio::test]
async fn mastodon_attaches_uploads_and_waits_for_a_video_to_be_processed() {
    let server = MastodonServer::start().await;
    let (account_id, token) = server.create_account("kopikita");
    let credentials = Credentials::mastodon(&server.url, SecretString::from(token)).unwrap();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let mastodon = Mastodon::new();
    let (media, [red, blue]) = two_images(Network::Mastodon).await;
    let status = mastodon
        .publish(&account, &post(Uuid::now_v7(), "Menu baru", &media, 1))
        .await
        .unwrap();
    assert_eq!(
        server.attachments_of(&status.native_id),
        [
            (
                "image/png".to_owned(),
                red,
                Some("Secangkir kopi merah".to_owned())
            ),
            ("image/png".to_owned(), blue, None),
        ]
    );

    // A video is processed after its upload answers (202); the status waits for it.
    let files = MediaServer::start().await;
    let video = mp4(300_000);
    let fetched = MediaFetcher::allowing_private_addresses()
        .fetch_all(
            Network::Mastodon,
            &[item(
                MediaKind::Video,
                files.put("v.mp4", "video/mp4", video.clone()),
                None,
            )],
        )
        .await
        .unwrap();
    let status = mastodon
        .publish(&account, &post(Uuid::now_v7(), "", &fetched.items, 1))
        .await
        .unwrap();
    let attached = server.attachments_of(&status.native_id);
    assert_eq!(attached.len(), 1);
    assert_eq!(
        (attached[0].0.as_str(), &attached[0].1),
        ("video/mp4", &video)
    );
    assert_eq!(server.uploads_of(&account_id), 3);
}

#[tokio::test]
async fn x_uploads_images_at_once_and_a_video_in_segments_and_recognises_its_own_post() {
    let server = XServer::start().await;
    let tokens = server.create_user("kopikita", chrono::Duration::hours(2));
    let credentials = Credentials::x(
        &server.url,
        "tagar-app",
        SecretString::from(tokens.access_token.clone()),
        SecretString::from(tokens.refresh_token.clone()),
        Some(Utc::now() + chrono::Duration::hours(2)),
    )
    .unwrap();
    let account = Account {
        id: Uuid::new_v4(),
        credentials: &credentials,
    };
    let x = X::new();
    let (media, [red, blue]) = two_images(Network::X).await;
    let text = "Menu baru: https://kopikita.co.id/menu?utm_source=x & lebih";
    let key = Uuid::now_v7();
    let first = x
        .publish(&account, &post(key, text, &media, 1))
        .await
        .unwrap();
    let shown = server.media_of(&first.native_id);
    assert_eq!(
        shown
            .iter()
            .map(|m| (m.category.as_str(), &m.bytes, m.alt_text.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("tweet_image", &red, Some("Secangkir kopi merah")),
            ("tweet_image", &blue, None)
        ]
    );
    // After a crash: X shows the text with its link shortened, `&` escaped and a link to the
    // media at the end, and the retry still finds it rather than posting again.
    let again = X::new()
        .publish(&account, &post(key, text, &media, 2))
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(again.native_id, first.native_id);
    assert_eq!(server.posts_of(&tokens.user), [text]);

    // Nine MiB of video: three segments of at most 4 MiB, then processing.
    let files = MediaServer::start().await;
    let video = mp4(9 * 1024 * 1024);
    let fetched = MediaFetcher::allowing_private_addresses()
        .fetch_all(
            Network::X,
            &[item(
                MediaKind::Video,
                files.put("v.mp4", "video/mp4", video.clone()),
                Some("Latte art"),
            )],
        )
        .await
        .unwrap();
    let posted = x
        .publish(&account, &post(Uuid::now_v7(), "Tonton", &fetched.items, 1))
        .await
        .unwrap();
    let shown = server.media_of(&posted.native_id);
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (
            shown[0].category.as_str(),
            shown[0].mime.as_str(),
            shown[0].alt_text.as_deref()
        ),
        ("tweet_video", "video/mp4", Some("Latte art"))
    );
    assert!(shown[0].bytes == video, "the segments make the file");
}

#[tokio::test]
async fn the_fetcher_refuses_what_it_must_not_fetch_naming_the_item() {
    let files = MediaServer::start().await;
    let image = files.put("a.png", "image/png", png(4, 4, [1, 2, 3]));
    let public_only = MediaFetcher::new();
    let local = MediaFetcher::allowing_private_addresses();
    let refused = |e: MediaError| match e {
        MediaError::Refused { index, reason, .. } => (index, reason),
        other => panic!("expected a refusal, got {other:?}"),
    };

    // A tenant's address must not reach the deployment's own network.
    let e = public_only
        .fetch_all(
            Network::Mastodon,
            &[item(MediaKind::Image, image.clone(), None)],
        )
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("not a public address"));
    let e = public_only
        .fetch_all(
            Network::Mastodon,
            &[item(
                MediaKind::Image,
                "http://localhost:1/a.png".into(),
                None,
            )],
        )
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("no public address"));

    // Larger than the network takes: 1,000,000 bytes for an image on Bluesky.
    let big = files.put("big.png", "image/png", png(600, 600, [9, 9, 9]));
    let e = local
        .fetch_all(
            Network::Bluesky,
            &[
                item(MediaKind::Image, image.clone(), None),
                item(MediaKind::Image, big, None),
            ],
        )
        .await
        .unwrap_err();
    let (index, reason) = refused(e);
    assert_eq!(index, 1);
    assert!(reason.contains("larger than"), "{reason}");

    // Not what the post says it is, or not media at all.
    let page = files.put("page", "text/html", "<html>free prizes</html>");
    let e = local
        .fetch_all(Network::X, &[item(MediaKind::Image, page, None)])
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("no image, video or audio format"));
    let e = local
        .fetch_all(Network::X, &[item(MediaKind::Video, image.clone(), None)])
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("image/png, not the Video"));
    let e = local
        .fetch_all(
            Network::X,
            &[item(
                MediaKind::Image,
                format!("{}/media/gone.png", files.url),
                None,
            )],
        )
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("404"));

    // The network's rules come first: audio on X.
    let e = local
        .fetch_all(Network::X, &[item(MediaKind::Audio, image, None)])
        .await
        .unwrap_err();
    assert!(refused(e).1.contains("takes no Audio"));
}
