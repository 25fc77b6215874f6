//! A live hashtag chat end to end: planned in scheduling, its traffic (`tagar gen --shape
//! chat`) pushed through ingest and classified by moderation, then watched live (and resumed),
//! caught up by a latecomer and reported by analytics, every figure checked against the
//! generated posts themselves.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, SubsecRound as _, Utc};
use tagar_kernel::testing::TestApp;
use tagar_model::{Network, canonical_hashtag};
use tagar_proto::v1;

use crate::client::{Clients, eventually};

const HOST: &str = "kopinusantara";

/// The generated chat: posts of a 4-minute range from `start`, X only, no abuse or spam.
fn traffic(start: DateTime<Utc>) -> Vec<tagar_model::Post> {
    let out = std::process::Command::new(crate::TAGAR)
        .args([
            "gen",
            "--shape",
            "chat",
            "--posts",
            "400",
            "--minutes",
            "4",
            "--questions",
            "3",
        ])
        .args(["--hashtag", "#KopiChat", "--networks", "x", "--seed", "11"])
        .args(["--abuse-share", "0", "--spam-share", "0", "--start"])
        .arg(start.to_rfc3339())
        .output()
        .expect("tagar gen runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| tagar_client::jsonl::parse_line(l).expect("a generated post parses"))
        .collect()
}

/// What the chat should make of the posts, worked out here from the posts alone.
struct Expected {
    posts: usize,
    participants: HashMap<String, u64>,
    answers: BTreeMap<u32, usize>,
    host_posts: usize,
    per_author: HashMap<String, u64>,
}

fn expected(posts: &[tagar_model::Post], start: DateTime<Utc>, end: DateTime<Utc>) -> Expected {
    let tagged: Vec<_> = posts
        .iter()
        .filter(|p| p.network == Network::X && (start..end).contains(&p.created_at))
        .filter(|p| {
            tagar_model::hashtags(Network::X, &p.text).any(|t| canonical_hashtag(t) == "kopichat")
        })
        .collect();
    let mut questions = HashMap::new();
    let mut answers = BTreeMap::new();
    let mut participants = HashMap::new();
    let mut per_author = HashMap::new();
    let mut host_posts = 0;
    for p in &tagged {
        *per_author.entry(p.author.id.clone()).or_insert(0) += 1;
        if p.author.handle.as_str() == HOST {
            host_posts += 1;
            let n: u32 = p.text[1..p.text.find(':').unwrap()].parse().unwrap();
            questions.insert(p.native_id.as_str().to_owned(), n);
            continue;
        }
        participants.insert(p.author.id.clone(), p.author.followers);
        let by_label = p
            .text
            .strip_prefix('A')
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u32>().ok());
        let by_reply = p
            .reply_to
            .as_ref()
            .and_then(|r| questions.get(r.native_id.as_str()).copied());
        if let Some(n) = by_label.or(by_reply) {
            *answers.entry(n).or_insert(0) += 1;
        }
    }
    Expected {
        posts: tagged.len(),
        participants,
        answers,
        host_posts,
        per_author,
    }
}

async fn watch(c: &Clients, brand: &str, chat: &str, from: u64, n: usize) -> Vec<v1::ChatPost> {
    let mut analytics = c.analytics.clone();
    let mut stream = analytics
        .watch_chat(v1::WatchChatRequest {
            brand_id: brand.into(),
            chat_id: chat.into(),
            from_position: from,
        })
        .await
        .expect("watch the chat")
        .into_inner();
    let mut seen = Vec::new();
    let collect = async {
        while seen.len() < n {
            match stream.message().await.expect("the stream") {
                Some(post) => seen.push(post),
                None => break,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(90), collect).await;
    seen
}

pub async fn a_live_chat_is_heard_watched_caught_up_and_reported(app: &TestApp, key: &str) {
    let mut c = Clients::connect(app, key).await;
    let brand = c
        .brand_listening("Kopi Nusantara", "Asia/Jakarta", "KopiChat")
        .await;
    let account = c.x_account(&brand, HOST).await;
    let start = (Utc::now() + chrono::Duration::seconds(20)).trunc_subsecs(0);
    let local = start
        .with_timezone(&chrono_tz::Asia::Jakarta)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let chat = c
        .scheduling
        .create_chat(v1::CreateChatRequest {
            brand_id: brand.clone(),
            account_id: account,
            hashtag: "#KopiChat".into(),
            local_start: local,
            minutes: 5,
            panelists: vec!["budi_barista".into()],
            rules: "Answer with A1, A2… and #KopiChat".into(),
            ..Default::default()
        })
        .await
        .expect("create the chat")
        .into_inner();
    let request = v1::ChatRequest {
        brand_id: brand.clone(),
        chat_id: chat.chat_id.clone(),
    };
    eventually(Duration::from_secs(60), "analytics knows the chat", || {
        let mut analytics = c.analytics.clone();
        let request = request.clone();
        async move { analytics.get_chat_report(request).await.ok() }
    })
    .await;

    let posts = traffic(start);
    let want = expected(&posts, start, start + chrono::Duration::minutes(5));
    assert!(
        want.posts > 300 && want.host_posts == 3,
        "{} posts, {} questions",
        want.posts,
        want.host_posts
    );
    let wire: Vec<v1::Post> = posts.iter().map(v1::Post::from).collect();
    c.push(wire).await.expect("push the chat's traffic");

    let report = eventually(Duration::from_secs(120), "every chat post reported", || {
        let mut analytics = c.analytics.clone();
        let request = request.clone();
        let n = want.posts as u64;
        async move {
            let r = analytics.get_chat_report(request).await.ok()?.into_inner();
            (r.posts + r.hidden == n).then_some(r)
        }
    })
    .await;
    assert_eq!(
        report.hidden, 0,
        "no generated post here is abusive or spam"
    );
    assert_eq!(report.participants as usize, want.participants.len());
    assert_eq!(
        (report.new_participants, report.returning_participants),
        (report.participants, 0),
        "the chat's first session"
    );
    assert_eq!(
        report.estimated_reach,
        want.participants.values().sum::<u64>()
    );
    let answers: BTreeMap<u32, usize> = report
        .questions
        .iter()
        .map(|q| (q.number, q.answers as usize))
        .collect();
    assert_eq!(answers, want.answers);
    let per_minute: u64 = report.per_minute.iter().map(|m| m.posts).sum();
    // Every minute the 5-minute chat touches, empty ones too.
    let end = start + chrono::Duration::minutes(5);
    let minutes = (end.timestamp() - 1) / 60 - start.timestamp() / 60 + 1;
    assert_eq!(
        (per_minute, report.per_minute.len() as i64),
        (want.posts as u64, minutes)
    );
    let most = want
        .per_author
        .iter()
        .filter(|(id, _)| want.participants.contains_key(*id))
        .map(|(_, n)| *n)
        .max()
        .unwrap();
    assert_eq!(report.top_by_posts[0].posts, most);
    assert_eq!(report.to_thank, ["budi_barista"]);
    let sentiment = report.sentiment.unwrap();
    assert_eq!(
        sentiment.positive + sentiment.neutral + sentiment.negative + sentiment.unknown,
        want.posts as u64
    );

    // A latecomer: the chat so far, by question.
    let catch_up = c
        .analytics
        .get_chat_catch_up(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(catch_up.posts as usize, want.posts);
    assert_eq!(catch_up.questions.len(), 3);
    for q in &catch_up.questions {
        assert_eq!(
            q.answers as usize,
            want.answers.get(&q.number).copied().unwrap_or(0)
        );
        assert!(q.text.starts_with(&format!("Q{}:", q.number)), "{q:?}");
        let engagement: Vec<u64> = q.top_answers.iter().map(|a| a.engagement).collect();
        assert!(
            engagement.windows(2).all(|w| w[0] >= w[1]),
            "most engaged first"
        );
        assert!(q.top_answers.iter().all(|a| a.answers == q.number));
    }
    assert_eq!(catch_up.brand_posts.len(), want.host_posts);
    assert!(
        catch_up
            .brand_posts
            .iter()
            .all(|p| p.role() == v1::ChatRole::Host)
    );

    // The live stream from the start, then resumed from a position.
    let streamed = watch(&c, &brand, &chat.chat_id, 0, want.posts).await;
    assert_eq!(streamed.len(), want.posts);
    let positions: Vec<u64> = streamed.iter().map(|p| p.position).collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "in order, once each"
    );
    let hosts = streamed
        .iter()
        .filter(|p| p.role() == v1::ChatRole::Host)
        .count();
    assert_eq!(hosts, want.host_posts);
    let ids: HashSet<&str> = streamed.iter().map(|p| p.native_id.as_str()).collect();
    assert_eq!(ids.len(), want.posts);
    let resumed = watch(&c, &brand, &chat.chat_id, positions[99], want.posts - 100).await;
    assert_eq!(resumed.first().map(|p| p.position), Some(positions[100]));
    assert_eq!(resumed.len(), want.posts - 100);

    a_blocked_author_leaves_the_chat(&mut c, &request, start, want.posts as u64).await;
    finding_the_chat_again(&mut c, &chat.chat_id).await;

    // The people, as CSV.
    let csv = c
        .analytics
        .export_chat_report(request)
        .await
        .unwrap()
        .into_inner()
        .csv;
    assert!(csv.starts_with(
        "author_handle,author_id,role,posts,answers,engagement,followers,returning\n"
    ));
    assert_eq!(csv.lines().count(), want.per_author.len() + 1);
}

/// Three earlier Tuesdays at 14:00 UTC, #KopiChat burst (40, 55 and 70 posts), with a few
/// posts at other times: FindChats names the slot, its next time and size, and the session
/// just held.
async fn finding_the_chat_again(c: &mut Clients, chat_id: &str) {
    use chrono::{Datelike as _, TimeZone as _};
    let now = Utc::now();
    let mut tuesday = Utc
        .with_ymd_and_hms(now.year(), now.month(), now.day(), 14, 0, 0)
        .unwrap();
    while tuesday.weekday() != chrono::Weekday::Tue || tuesday > now - chrono::Duration::days(1) {
        tuesday -= chrono::Duration::days(1);
    }
    let mut posts = Vec::new();
    for (week, n) in [(0, 40), (1, 55), (2, 70)] {
        let hour = tuesday - chrono::Duration::weeks(week);
        for i in 0..n {
            let mut p = tagar_kernel::testing::x_post(
                &format!("weekly-{week}-{i}"),
                &format!("fan{}", i % 13),
                &format!("A{} kopi tubruk #KopiChat", 1 + i % 3),
            );
            p.created_at = Some(tagar_proto::convert::time_to_wire(
                hour + chrono::Duration::seconds(i * 20),
            ));
            posts.push(p);
        }
        let mut quiet =
            tagar_kernel::testing::x_post(&format!("quiet-{week}"), "fan1", "pagi #KopiChat");
        quiet.created_at = Some(tagar_proto::convert::time_to_wire(
            hour - chrono::Duration::hours(30),
        ));
        posts.push(quiet);
    }
    c.push(posts).await.expect("push the earlier weeks");
    let found = eventually(Duration::from_secs(60), "the weekly chat found", || {
        let mut analytics = c.analytics.clone();
        async move {
            let found = analytics
                .find_chats(v1::FindChatsRequest::default())
                .await
                .ok()?
                .into_inner()
                .chats;
            // Each week's burst is counted as ingest, moderation and analytics fold it, in
            // batches: wait until all of it is in (three weeks, the middle one 55 posts).
            found
                .into_iter()
                .find(|f| f.hashtag == "kopichat" && f.weeks_seen == 3 && f.typical_posts >= 55)
        }
    })
    .await;
    assert_eq!(
        (found.weekday, found.hour_utc, found.typical_posts),
        (2, 14, 55)
    );
    let next =
        tagar_proto::convert::time_from_wire(found.next_expected_at.as_ref().unwrap(), "next")
            .unwrap();
    assert!(
        next > Utc::now() && next <= Utc::now() + chrono::Duration::weeks(1),
        "{next}"
    );
    assert_eq!(next.weekday(), chrono::Weekday::Tue);
    assert_eq!(found.past_chat_ids, [chat_id]);
    assert_eq!(found.top_words[..2], ["kopi", "tubruk"]);
}

/// An abusive answer is hidden by the policy; once a moderator blocks its author, the
/// author's other posts leave the chat's views too.
async fn a_blocked_author_leaves_the_chat(
    c: &mut Clients,
    request: &v1::ChatRequest,
    start: DateTime<Utc>,
    shown: u64,
) {
    let at = Some(tagar_proto::convert::time_to_wire(
        start + chrono::Duration::minutes(4),
    ));
    let mut abusive =
        tagar_kernel::testing::x_post("troll-1", "troll", "A1 shut up, you idiot #KopiChat");
    abusive.created_at = at;
    let mut benign = tagar_kernel::testing::x_post("troll-2", "troll", "A2 kopi susu #KopiChat");
    benign.created_at = at;
    c.push(vec![abusive, benign])
        .await
        .expect("push the troll's posts");
    let report = |hidden: u64| {
        let mut analytics = c.analytics.clone();
        let request = request.clone();
        async move {
            let r = analytics.get_chat_report(request).await.ok()?.into_inner();
            (r.hidden == hidden && r.posts + r.hidden == shown + 2).then_some(r)
        }
    };
    let r = eventually(Duration::from_secs(60), "the abusive answer hidden", || {
        report(1)
    })
    .await;
    assert_eq!(r.posts, shown + 1, "the benign one still shows");
    let case = eventually(Duration::from_secs(60), "the abusive answer's case", || {
        let mut moderation = c.moderation.clone();
        let brand_id = request.brand_id.clone();
        async move {
            let cases = moderation
                .list_review_cases(v1::ListReviewCasesRequest {
                    brand_id,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .cases;
            cases.into_iter().find(|k| k.native_id == "troll-1")
        }
    })
    .await;
    c.moderation
        .decide_case(v1::DecideCaseRequest {
            brand_id: request.brand_id.clone(),
            case_id: case.case_id,
            decision: v1::Decision::BlockAuthor as i32,
            note: "abuses participants".into(),
            expected_version: case.version,
        })
        .await
        .expect("block the author");
    let r = eventually(
        Duration::from_secs(60),
        "the blocked author's posts left out",
        || report(2),
    )
    .await;
    assert_eq!(r.posts, shown);
    let catch_up = c
        .analytics
        .get_chat_catch_up(request.clone())
        .await
        .unwrap()
        .into_inner();
    let seen = catch_up
        .questions
        .iter()
        .flat_map(|q| &q.top_answers)
        .any(|a| a.author_handle == "troll");
    assert!(!seen && catch_up.posts == shown);
}
