//! Reading timelines and searches: pages of posts since a cursor, and the brand's terms as
//! recent-search queries.

use std::collections::HashMap;

use reqwest::Method;
use serde_json::Value;

use super::X;
use super::answers::{Failure, path_segment, tweet_post};
use crate::{Account, Heard, NetworkError, SearchTerm};

/// The most pages of 100 one look at a timeline or search reads.
const MAX_PAGES: usize = 10;
/// The longest query recent search takes (Basic access; Pro takes 1,024).
const MAX_QUERY_CHARS: usize = 512;

/// `terms` as recent-search queries of at most [`MAX_QUERY_CHARS`]: `(#a OR "b c" OR @d)
/// -is:retweet` (reposts say nothing new). A term too long for a query of its own is left out.
pub(super) fn search_queries(terms: &[SearchTerm]) -> Vec<String> {
    const TAIL: &str = ") -is:retweet";
    let mut queries = Vec::new();
    let mut current = String::new();
    for term in terms {
        let written = match term {
            SearchTerm::Hashtag(tag) => format!("#{tag}"),
            SearchTerm::Handle(handle) => format!("@{handle}"),
            SearchTerm::Keyword(words) => format!("\"{}\"", words.replace('"', " ")),
        };
        let fits = |q: &str| {
            q.chars().count() + " OR ".len() + written.chars().count() + TAIL.len()
                <= MAX_QUERY_CHARS
        };
        if !current.is_empty() && !fits(&current) {
            queries.push(format!("{current}{TAIL}"));
            current.clear();
        }
        if current.is_empty() {
            if 1 + written.chars().count() + TAIL.len() > MAX_QUERY_CHARS {
                continue;
            }
            current.push('(');
        } else {
            current.push_str(" OR ");
        }
        current.push_str(&written);
    }
    if !current.is_empty() {
        queries.push(format!("{current}{TAIL}"));
    }
    queries
}

impl X {
    /// The posts of a timeline or search at `path` since `cursor`, oldest first, following
    /// `next_token` for at most [`MAX_PAGES`] pages of 100 (X answers newest first), with the
    /// authors expanded; the cursor is the newest post's id.
    pub(super) async fn read_pages(
        &self,
        account: &Account<'_>,
        path: &str,
        mut query: Vec<(&str, String)>,
        cursor: Option<&str>,
    ) -> Result<Heard, NetworkError> {
        query.extend([
            ("max_results", "100".to_owned()),
            (
                "tweet.fields",
                "created_at,author_id,conversation_id,lang,referenced_tweets".to_owned(),
            ),
            ("expansions", "author_id".to_owned()),
            (
                "user.fields",
                "username,name,public_metrics,created_at".to_owned(),
            ),
        ]);
        if let Some(since) = cursor {
            query.push(("since_id", path_segment(since)?.to_owned()));
        }
        let mut pages = Vec::new();
        let mut newest_id = None;
        for page in 0..MAX_PAGES {
            let answer = self
                .call(
                    Some(account.id),
                    account.credentials,
                    Method::GET,
                    path,
                    &query,
                    None,
                )
                .await
                .map_err(Failure::into_error)?;
            if page == 0 {
                newest_id = answer["meta"]["newest_id"].as_str().map(str::to_owned);
            }
            let next = answer["meta"]["next_token"].as_str().map(str::to_owned);
            pages.push(answer);
            match next {
                Some(token) if cursor.is_some() => {
                    query.retain(|(k, _)| *k != "pagination_token");
                    query.push(("pagination_token", token));
                }
                // A first look reads one page: what is recent, not the week behind it.
                _ => break,
            }
            if page + 1 == MAX_PAGES {
                tracing::warn!(
                    path,
                    "more posts since the last look than {MAX_PAGES} pages; the oldest are skipped"
                );
            }
        }
        let mut posts = Vec::new();
        for answer in pages.iter().rev() {
            let users: HashMap<&str, &Value> = answer["includes"]["users"]
                .as_array()
                .map(|users| {
                    users
                        .iter()
                        .filter_map(|u| Some((u["id"].as_str()?, u)))
                        .collect()
                })
                .unwrap_or_default();
            if let Some(data) = answer["data"].as_array() {
                posts.extend(
                    data.iter()
                        .rev()
                        .filter_map(|tweet| tweet_post(tweet, &users)),
                );
            }
        }
        Ok(Heard {
            posts,
            cursor: newest_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_recent_search_queries_within_the_length_limit() {
        let terms = [
            SearchTerm::Hashtag("KopiKita".into()),
            SearchTerm::Keyword("es kopi \"susu\"".into()),
            SearchTerm::Handle("kopikita".into()),
        ];
        assert_eq!(
            search_queries(&terms),
            [r#"(#KopiKita OR "es kopi  susu " OR @kopikita) -is:retweet"#]
        );
        let many: Vec<SearchTerm> = (0..100)
            .map(|i| SearchTerm::Hashtag(format!("tag{i:03}")))
            .collect();
        let queries = search_queries(&many);
        assert!(queries.len() > 1);
        assert!(queries.iter().all(|q| q.chars().count() <= MAX_QUERY_CHARS));
        let joined = queries.join(" ");
        assert!((0..100).all(|i| joined.contains(&format!("#tag{i:03} "))
            || joined.contains(&format!("#tag{i:03})"))));
        assert!(search_queries(&[SearchTerm::Keyword("x".repeat(600))]).is_empty());
    }
}
