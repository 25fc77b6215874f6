//! What a chat session accepts, and the texts it publishes: each refusal names the request
//! field (`hashtag`, `local_start`, `minutes`, `questions[2].text`, …).

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};
use tagar_kernel::Refusal;
use tagar_model::{EntityKind, Network, TimeZone, bounds, canonical_hashtag};

use super::types::{ChatContent, ChatItem, ChatSetup, ChatWhen};
use crate::domain::local_time;
use crate::domain::post::check_draft;

/// The shortest chat, in minutes.
pub const MIN_MINUTES: u32 = 5;
/// The longest chat, in minutes (8 hours).
pub const MAX_MINUTES: u32 = 480;
/// The earliest heads-up, in minutes before the start (a week).
pub const MAX_HEADS_UP_MINUTES: i32 = 7 * 24 * 60;
const MAX_QUESTIONS: usize = 50;
const MAX_HEADS_UPS: usize = 5;
const MAX_PEOPLE: usize = 20;

/// `text` with `#hashtag` appended when it does not carry it already (compared in canonical
/// form, under the network's hashtag rules); refused, saying why, when the result no longer
/// fits the network.
pub fn tagged<'a>(network: Network, text: &'a str, hashtag: &str) -> Result<Cow<'a, str>, String> {
    let wanted = canonical_hashtag(hashtag);
    if tagar_model::hashtags(network, text).any(|tag| canonical_hashtag(tag) == wanted) {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len() + hashtag.len() + 2);
    out.push_str(text.trim_end());
    if !out.is_empty() {
        out.push(' ');
    }
    out.push('#');
    out.push_str(hashtag);
    let check = tagar_model::weigh(network, &out);
    if !check.is_valid() {
        return Err(format!(
            "with the chat's #{hashtag} appended the text is {} of the {} {} allows",
            check.length,
            check.max_length,
            network.name()
        ));
    }
    Ok(Cow::Owned(out))
}

/// The setup with its hashtag checked for the network and stripped of `#`.
pub(super) fn setup(mut setup: ChatSetup) -> Result<ChatSetup, Refusal> {
    let tag = setup
        .hashtag
        .trim()
        .trim_start_matches(['#', '＃'])
        .to_owned();
    if tag.is_empty() {
        return Err(Refusal::invalid("hashtag", "is required"));
    }
    let sigil = format!("#{tag}");
    if sigil.chars().count() > 100
        || !tagar_model::is_entity(setup.network, &sigil, EntityKind::Hashtag)
    {
        return Err(Refusal::invalid(
            "hashtag",
            format!("{sigil:?} is not a hashtag on {}", setup.network.name()),
        ));
    }
    setup.hashtag = tag;
    Ok(setup)
}

/// When the chat is: its start read in the brand's zone (refused in a gap or the past, the
/// earlier instant in an overlap) and a length in bounds.
pub(super) fn when(
    local_start: &str,
    zone: &TimeZone,
    minutes: u32,
    now: DateTime<Utc>,
) -> Result<ChatWhen, Refusal> {
    let starts_at = local_time::instant(local_start, zone.tz(), now).map_err(|e| match e {
        Refusal::Invalid { reason, .. } => Refusal::invalid("local_start", reason),
        other => other,
    })?;
    if !(MIN_MINUTES..=MAX_MINUTES).contains(&minutes) {
        return Err(Refusal::invalid(
            "minutes",
            format!("must be {MIN_MINUTES} to {MAX_MINUTES}, not {minutes}"),
        ));
    }
    Ok(ChatWhen {
        starts_at,
        local_start: local_start.trim().to_owned(),
        time_zone: zone.as_str().to_owned(),
        minutes,
    })
}

/// Hosts, panelists and rules in bounds, handles without `@`.
pub(super) fn people(mut content: ChatContent) -> Result<ChatContent, Refusal> {
    for (field, list) in [
        ("hosts", &mut content.hosts),
        ("panelists", &mut content.panelists),
    ] {
        if list.len() > MAX_PEOPLE {
            return Err(Refusal::invalid(field, format!("at most {MAX_PEOPLE}")));
        }
        for (i, handle) in list.iter_mut().enumerate() {
            let trimmed = handle.trim().trim_start_matches('@');
            if trimmed.is_empty() || trimmed.len() > bounds::HANDLE_BYTES {
                return Err(Refusal::invalid(
                    format!("{field}[{i}]"),
                    format!("must be a handle of 1 to {} bytes", bounds::HANDLE_BYTES),
                ));
            }
            *handle = trimmed.to_owned();
        }
    }
    content.rules = content.rules.trim().to_owned();
    bounds::chars(&content.rules, bounds::NOTE_CHARS)
        .map_err(|why| Refusal::invalid("rules", why))?;
    Ok(content)
}

/// The whole content checked: people, then every question inside the chat in order and
/// every heads-up still ahead (or among `sent`, those already out), each text fitting the
/// network with its number and tag.
pub(super) fn content(
    setup: &ChatSetup,
    when: &ChatWhen,
    content: ChatContent,
    now: DateTime<Utc>,
    sent: &[ChatItem],
) -> Result<ChatContent, Refusal> {
    let mut content = people(content)?;
    if content.questions.len() > MAX_QUESTIONS {
        return Err(Refusal::invalid(
            "questions",
            format!("at most {MAX_QUESTIONS}"),
        ));
    }
    if content.heads_ups.len() > MAX_HEADS_UPS {
        return Err(Refusal::invalid(
            "heads_ups",
            format!("at most {MAX_HEADS_UPS}"),
        ));
    }
    let mut previous = 0;
    for (i, q) in content.questions.iter_mut().enumerate() {
        q.text = q.text.trim().to_owned();
        let field = |f: &str| format!("questions[{i}].{f}");
        if q.text.is_empty() {
            return Err(Refusal::invalid(field("text"), "is required"));
        }
        if q.offset_minutes < 0 || q.offset_minutes >= when.minutes as i32 {
            return Err(Refusal::invalid(
                field("offset_minutes"),
                format!(
                    "must fall inside the chat: 0 to {} minutes after the start, not {}",
                    when.minutes - 1,
                    q.offset_minutes
                ),
            ));
        }
        if q.offset_minutes < previous {
            return Err(Refusal::invalid(
                field("offset_minutes"),
                format!("must not come before Q{i} ({previous} minutes)"),
            ));
        }
        previous = q.offset_minutes;
        fits(
            setup,
            &question_text(setup, i as u32 + 1, &q.text),
            field("text"),
        )?;
    }
    for (i, h) in content.heads_ups.iter_mut().enumerate() {
        h.text = h.text.trim().to_owned();
        let field = |f: &str| format!("heads_ups[{i}].{f}");
        if !(1..=MAX_HEADS_UP_MINUTES).contains(&h.offset_minutes) {
            return Err(Refusal::invalid(
                field("offset_minutes"),
                format!(
                    "must be 1 to {MAX_HEADS_UP_MINUTES} minutes before the start, not {}",
                    h.offset_minutes
                ),
            ));
        }
        let at = when.starts_at - Duration::minutes(i64::from(h.offset_minutes));
        if at <= now && !sent.contains(h) {
            return Err(Refusal::invalid(
                field("offset_minutes"),
                format!(
                    "{} minutes before the start is in the past",
                    h.offset_minutes
                ),
            ));
        }
        fits(setup, &heads_up_text(setup, when, h), field("text"))?;
    }
    Ok(content)
}

fn fits(setup: &ChatSetup, text: &str, field: String) -> Result<(), Refusal> {
    check_draft(setup.network, text, &[]).map_err(|e| match e {
        Refusal::Invalid { reason, .. } => Refusal::invalid(field, reason),
        other => other,
    })
}

/// Question `number`'s text as published: `Q<number>` first (unless the brand wrote it),
/// the hashtag last (unless it is there).
pub(super) fn question_text(setup: &ChatSetup, number: u32, text: &str) -> String {
    let label = format!("Q{number}");
    let numbered = text
        .get(..label.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(&label))
        && !text[label.len()..].starts_with(|c: char| c.is_ascii_digit());
    let text = if numbered {
        text.to_owned()
    } else {
        format!("{label} {text}")
    };
    with_tag(setup, text)
}

/// A heads-up's text as published: the brand's, or the standard one, with the hashtag.
pub(super) fn heads_up_text(setup: &ChatSetup, when: &ChatWhen, item: &ChatItem) -> String {
    if !item.text.is_empty() {
        return with_tag(setup, item.text.clone());
    }
    let lead = match item.offset_minutes {
        60 => "an hour".to_owned(),
        m if m % 1440 == 0 => plural(m / 1440, "day"),
        m if m % 60 == 0 => plural(m / 60, "hour"),
        m => plural(m, "minute"),
    };
    format!(
        "In {lead} we host #{} for {}: expect many posts from us. Join in, and follow the tag!",
        setup.hashtag,
        plural(when.minutes as i32, "minute")
    )
}

fn plural(n: i32, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn with_tag(setup: &ChatSetup, text: String) -> String {
    match tagged(setup.network, &text, &setup.hashtag) {
        Ok(Cow::Owned(tagged)) => tagged,
        // Already tagged, or too long with the tag (then `fits` refuses the plain text's
        // longer form): keep what the brand wrote.
        Ok(Cow::Borrowed(_)) => text,
        Err(_) => format!("{text} #{}", setup.hashtag),
    }
}
