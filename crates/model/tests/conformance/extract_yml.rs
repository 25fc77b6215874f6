//! extract.yml and tlds.yml: entities and their UTF-16 indices.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractGroups {
    mentions: Vec<Case<Value>>,
    mentions_with_indices: Vec<Case<Value>>,
    mentions_or_lists_with_indices: Vec<Case<Value>>,
    replies: Vec<Case<Value>>,
    urls: Vec<Case<Value>>,
    urls_with_indices: Vec<Case<Value>>,
    urls_with_directional_markers: Vec<Case<Value>>,
    tco_urls_with_params: Vec<Case<Value>>,
    hashtags: Vec<Case<Value>>,
    hashtags_from_astral: Vec<Case<Value>>,
    hashtags_with_indices: Vec<Case<Value>>,
    cashtags: Vec<Case<Value>>,
    cashtags_with_indices: Vec<Case<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TldGroups {
    country: Vec<Case<Value>>,
    generic: Vec<Case<Value>>,
}

fn yaml(v: impl serde::Serialize) -> Value {
    serde_yaml::to_value(v).expect("serialisable")
}

/// Entities of one kind with their indices, keyed as the suite keys them.
fn with_indices(found: &Extraction<'_>, kind: EntityKind, key: &str) -> Value {
    let list: Vec<Value> = found
        .of_kind(kind)
        .filter(|e| kind != EntityKind::Mention || !e.value.contains('/'))
        .map(|e| {
            let mut map = serde_yaml::Mapping::new();
            map.insert(yaml(key), yaml(e.value));
            map.insert(yaml("indices"), yaml(utf16(found, e.span)));
            Value::Mapping(map)
        })
        .collect();
    Value::Sequence(list)
}

fn users(found: &Extraction<'_>) -> Vec<String> {
    values(found, EntityKind::Mention)
        .into_iter()
        .filter(|v| !v.contains('/'))
        .collect()
}

#[test]
fn extract_yml() {
    let groups: ExtractGroups = load(include_str!("extract.yml"));
    let mut run = Runner::new();

    run.group = "mentions";
    for case in &groups.mentions {
        run.case(case, yaml(users(&extract(Network::X, &case.text))));
    }
    run.group = "mentions_with_indices";
    for case in &groups.mentions_with_indices {
        let found = extract(Network::X, &case.text);
        run.case(
            case,
            with_indices(&found, EntityKind::Mention, "screen_name"),
        );
    }
    run.group = "mentions_or_lists_with_indices";
    for case in &groups.mentions_or_lists_with_indices {
        let found = extract(Network::X, &case.text);
        let list: Vec<Value> = found
            .mentions()
            .map(|e| {
                let (user, slug) = match e.value.find('/') {
                    Some(at) => e.value.split_at(at),
                    None => (e.value, ""),
                };
                let mut map = serde_yaml::Mapping::new();
                map.insert(yaml("screen_name"), yaml(user));
                map.insert(yaml("list_slug"), yaml(slug));
                map.insert(yaml("indices"), yaml(utf16(&found, e.span)));
                Value::Mapping(map)
            })
            .collect();
        run.case(case, Value::Sequence(list));
    }
    run.group = "replies";
    for case in &groups.replies {
        let found = extract(Network::X, &case.text);
        run.case(case, yaml(found.reply_mention().map(|e| e.value)));
    }
    for (group, cases) in [
        ("urls", &groups.urls),
        ("tco_urls_with_params", &groups.tco_urls_with_params),
    ] {
        run.group = group;
        for case in cases {
            run.case(
                case,
                yaml(values(&extract(Network::X, &case.text), EntityKind::Url)),
            );
        }
    }
    for (group, cases) in [
        ("urls_with_indices", &groups.urls_with_indices),
        (
            "urls_with_directional_markers",
            &groups.urls_with_directional_markers,
        ),
    ] {
        run.group = group;
        for case in cases {
            let found = extract(Network::X, &case.text);
            run.case(case, with_indices(&found, EntityKind::Url, "url"));
        }
    }
    for (group, cases) in [
        ("hashtags", &groups.hashtags),
        ("hashtags_from_astral", &groups.hashtags_from_astral),
    ] {
        run.group = group;
        for case in cases {
            let found = extract(Network::X, &case.text);
            run.case(case, yaml(values(&found, EntityKind::Hashtag)));
        }
    }
    run.group = "hashtags_with_indices";
    for case in &groups.hashtags_with_indices {
        let found = extract(Network::X, &case.text);
        run.case(case, with_indices(&found, EntityKind::Hashtag, "hashtag"));
    }
    run.group = "cashtags";
    for case in &groups.cashtags {
        run.case(
            case,
            yaml(values(
                &extract(Network::X, &case.text),
                EntityKind::Cashtag,
            )),
        );
    }
    run.group = "cashtags_with_indices";
    for case in &groups.cashtags_with_indices {
        let found = extract(Network::X, &case.text);
        run.case(case, with_indices(&found, EntityKind::Cashtag, "cashtag"));
    }
    run.finish(238);
}

#[test]
fn tlds_yml() {
    let groups: TldGroups = load(include_str!("tlds.yml"));
    let mut run = Runner::new();
    for (group, cases) in [("country", &groups.country), ("generic", &groups.generic)] {
        run.group = group;
        for case in cases {
            let found = extract(Network::X, &case.text);
            run.case(case, yaml(values(&found, EntityKind::Url)));
        }
    }
    run.finish(1596);
}
