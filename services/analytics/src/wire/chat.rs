//! Hashtag chats' views as the API's messages, and the report's people as CSV.

use tagar_proto::convert::time_to_wire;
use tagar_proto::v1;

use crate::domain::chat::report::{CatchUp, Report, Voice};
use crate::domain::chat::{Annotated, Chat, Role};

fn time(us: i64) -> Option<prost_types::Timestamp> {
    chrono::DateTime::from_timestamp_micros(us).map(time_to_wire)
}

fn role(role: Role) -> v1::ChatRole {
    match role {
        Role::Host => v1::ChatRole::Host,
        Role::Panelist => v1::ChatRole::Panelist,
        Role::Participant => v1::ChatRole::Participant,
    }
}

fn sentiment(s: &str) -> v1::Sentiment {
    match s {
        "positive" => v1::Sentiment::Positive,
        "neutral" => v1::Sentiment::Neutral,
        "negative" => v1::Sentiment::Negative,
        _ => v1::Sentiment::Unspecified,
    }
}

fn network(name: &str) -> v1::Network {
    name.parse::<tagar_model::Network>().map_or(
        v1::Network::Unspecified,
        tagar_proto::convert::network_to_wire,
    )
}

/// A post of the chat.
pub fn post(p: &Annotated<'_>) -> v1::ChatPost {
    let r = p.row;
    v1::ChatPost {
        position: r.seq.max(0) as u64,
        network: network(&r.network) as i32,
        native_id: r.native_id.clone(),
        author_id: r.author_id.clone(),
        author_handle: r.author_handle.clone(),
        role: role(p.role) as i32,
        text: r.text.clone(),
        created_at: time(r.created_us),
        asks: p.asks,
        answers: p.answers,
        engagement: r.engagement.max(0) as u64,
        in_reply_to: r.in_reply_to.clone(),
        sentiment: sentiment(&r.sentiment) as i32,
    }
}

/// The catch-up.
pub fn catch_up(chat: &Chat, c: &CatchUp<'_>) -> v1::ChatCatchUp {
    v1::ChatCatchUp {
        chat_id: chat.chat_id.clone(),
        hashtag: chat.hashtag.clone(),
        rules: chat.people.rules.clone(),
        starts_at: time(chat.starts_us),
        ends_at: time(chat.ends_us),
        questions: c
            .questions
            .iter()
            .map(|q| v1::ChatQuestionSoFar {
                number: q.number,
                text: q.text.clone(),
                asked_at: q.asked_us.and_then(time),
                answers: q.answers,
                top_answers: q.top.iter().map(post).collect(),
            })
            .collect(),
        brand_posts: c.brand_posts.iter().map(post).collect(),
        posts: c.posts,
        participants: c.participants,
    }
}

fn voice(v: &Voice) -> v1::ChatVoice {
    v1::ChatVoice {
        author_id: v.author_id.clone(),
        author_handle: v.author_handle.clone(),
        role: role(v.role) as i32,
        posts: v.posts,
        engagement: v.engagement,
        followers: v.followers,
        returning: v.returning,
    }
}

/// The report, `ended` when `now_us` is past the chat's end.
pub fn report(chat: &Chat, r: &Report<'_>, now_us: i64) -> v1::ChatReport {
    v1::ChatReport {
        chat_id: chat.chat_id.clone(),
        hashtag: chat.hashtag.clone(),
        starts_at: time(chat.starts_us),
        ends_at: time(chat.ends_us),
        ended: now_us >= chat.ends_us,
        posts: r.posts,
        participants: r.participants.0,
        new_participants: r.participants.1,
        returning_participants: r.participants.2,
        top_by_posts: r.top_by_posts.iter().map(voice).collect(),
        top_by_engagement: r.top_by_engagement.iter().map(voice).collect(),
        per_minute: r
            .per_minute
            .iter()
            .map(|(m, n)| v1::ChatMinute {
                minute: time(*m),
                posts: *n,
            })
            .collect(),
        questions: r
            .questions
            .iter()
            .map(|(number, text, answers)| v1::ChatQuestionReport {
                number: *number,
                text: text.clone(),
                answers: *answers,
            })
            .collect(),
        unanswered: r.unanswered.iter().map(post).collect(),
        estimated_reach: r.reach,
        sentiment: Some(v1::ChatSentiment {
            positive: r.sentiment.positive,
            neutral: r.sentiment.neutral,
            negative: r.sentiment.negative,
            unknown: r.sentiment.unknown,
        }),
        to_follow: r.to_follow.iter().map(voice).collect(),
        to_thank: r.to_thank.clone(),
        hidden: r.hidden,
    }
}

fn csv_field(out: &mut String, value: &str) {
    // A leading =, +, - or @ would be a formula to a spreadsheet.
    let guarded = value.starts_with(['=', '+', '-', '@']);
    if guarded || value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        if guarded {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// `author_handle,author_id,role,posts,answers,engagement,followers,returning`, a header
/// first, one row per author.
pub fn voices_csv(voices: &[Voice]) -> String {
    let mut out =
        String::from("author_handle,author_id,role,posts,answers,engagement,followers,returning\n");
    for v in voices {
        csv_field(&mut out, &v.author_handle);
        out.push(',');
        csv_field(&mut out, &v.author_id);
        let role = match v.role {
            Role::Host => "host",
            Role::Panelist => "panelist",
            Role::Participant => "participant",
        };
        out.push_str(&format!(
            ",{role},{},{},{},{},{}\n",
            v.posts, v.answers, v.engagement, v.followers, v.returning
        ));
    }
    out
}
