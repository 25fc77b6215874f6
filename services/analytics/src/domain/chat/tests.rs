use std::collections::HashSet;

use super::report::{catch_up, report};
use super::*;

const MIN: i64 = 60_000_000;

fn chat() -> Chat {
    Chat {
        chat_id: "c".into(),
        hashtag: "KopiChat".into(),
        network: "x".into(),
        starts_us: 100 * MIN,
        ends_us: 105 * MIN,
        people: ChatPeople {
            host_handle: "KopiKita".into(),
            hosts: vec!["ana".into()],
            panelists: vec!["budi".into()],
            rules: String::new(),
            questions: vec!["Q1 Coffee? #KopiChat".into(), "Q2 Beans? #KopiChat".into()],
        },
    }
}

fn row(seq: i64, author: &str, text: &str, minute: i64) -> ChatPostRow {
    ChatPostRow {
        seq,
        network: "x".into(),
        native_id: format!("p{seq}"),
        author_id: format!("id-{author}"),
        author_handle: author.into(),
        followers: 10,
        text: text.into(),
        created_us: minute * MIN + seq,
        engagement: seq,
        sentiment: "positive".into(),
        ..ChatPostRow::default()
    }
}

#[test]
fn numbers_are_read_after_a_leading_q_or_a_only() {
    assert_eq!(numbered("Q1 Coffee?", 'Q'), Some(1));
    assert_eq!(numbered("  a12: dark", 'A'), Some(12));
    assert_eq!(numbered("A3) yes", 'A'), Some(3));
    assert_eq!(numbered("Quick one", 'Q'), None);
    assert_eq!(numbered("A1000 no", 'A'), None);
    assert_eq!(numbered("A1b", 'A'), None);
    assert_eq!(numbered("A0 zero", 'A'), None);
    assert_eq!(numbered("Ask me", 'A'), None);
}

#[test]
fn roles_answers_and_replies_to_a_question_are_marked() {
    let chat = chat();
    let mut q1 = row(1, "@kopikita", "Q1 Coffee? #KopiChat", 100);
    q1.native_id = "q1".into();
    let mut reply = row(3, "cita", "black, always", 100);
    reply.in_reply_to = "q1".into();
    let rows = [
        q1,
        row(2, "dewi", "A1 with milk #KopiChat", 100),
        reply,
        row(4, "budi", "A2 beans!", 101),
    ];
    let mut annotator = Annotator::default();
    let marked: Vec<(Role, u32, u32)> = rows
        .iter()
        .map(|r| {
            let a = annotator.annotate(&chat, r);
            (a.role, a.asks, a.answers)
        })
        .collect();
    assert_eq!(
        marked,
        [
            (Role::Host, 1, 0),
            (Role::Participant, 0, 1),
            (Role::Participant, 0, 1),
            (Role::Panelist, 0, 2),
        ]
    );
}

#[test]
fn the_report_counts_what_the_posts_say() {
    let chat = chat();
    let mut hidden = row(9, "troll", "A1 you are all idiots?", 102);
    hidden.hidden = true;
    let mut question = row(5, "eko", "Is decaf allowed?", 103);
    question.sentiment = "neutral".into();
    let mut answered = row(6, "fitri", "Where are you based?", 103);
    answered.native_id = "ask".into();
    let mut reply = row(7, "ana", "Jakarta!", 103);
    reply.in_reply_to = "ask".into();
    let rows = vec![
        row(1, "kopikita", "Q1 Coffee? #KopiChat", 100),
        row(2, "dewi", "A1 with milk", 100),
        row(3, "dewi", "A1 and sugar", 101),
        row(4, "cita", "A1 black", 101),
        question,
        answered,
        reply,
        hidden,
    ];
    let earlier: HashSet<(String, String)> = [("x".to_owned(), "id-cita".to_owned())].into();
    let r = report(&chat, &rows, &earlier);
    assert_eq!(r.posts, 7);
    assert_eq!(r.hidden, 1);
    assert_eq!(
        r.participants,
        (4, 3, 1),
        "dewi, cita, eko, fitri; cita came before"
    );
    assert_eq!(r.reach, 40);
    assert_eq!(r.top_by_posts[0].author_handle, "dewi");
    assert_eq!(r.top_by_engagement[0].author_handle, "fitri");
    assert_eq!(
        r.questions,
        [
            (1, "Q1 Coffee? #KopiChat".to_owned(), 3),
            (2, "Q2 Beans? #KopiChat".to_owned(), 0)
        ]
    );
    let unanswered: Vec<&str> = r.unanswered.iter().map(|p| p.row.text.as_str()).collect();
    assert_eq!(unanswered, ["Is decaf allowed?"]);
    let minutes: Vec<u64> = r.per_minute.iter().map(|(_, n)| *n).collect();
    assert_eq!(minutes, [2, 2, 0, 3, 0]);
    assert_eq!((r.sentiment.positive, r.sentiment.neutral), (6, 1));
    assert_eq!(r.to_thank, ["ana", "budi"]);
    assert!(r.to_follow.iter().all(|v| v.role == Role::Participant));

    let c = catch_up(&chat, &rows);
    assert_eq!(c.posts, 7);
    assert_eq!(c.participants, 4);
    assert_eq!(c.questions[0].answers, 3);
    let top: Vec<&str> = c.questions[0]
        .top
        .iter()
        .map(|a| a.row.text.as_str())
        .collect();
    assert_eq!(
        top,
        ["A1 black", "A1 and sugar", "A1 with milk"],
        "most engaged first"
    );
    let own: Vec<&str> = c
        .brand_posts
        .iter()
        .map(|a| a.row.author_handle.as_str())
        .collect();
    assert_eq!(own, ["kopikita", "ana"]);
}
