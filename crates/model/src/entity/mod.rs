//! The entities of a post's text (hashtags, mentions, links, cashtags) as value objects,
//! and as spans found in a text by [`crate::extract`].

mod cashtag;
mod hashtag;
mod mention;
mod url;

pub use cashtag::Cashtag;
pub(crate) use cashtag::symbol_len;
pub use hashtag::Hashtag;
pub use mention::{Handle, Mention};
pub use url::Url;

use serde::Serialize;

use crate::Span;

/// What kind of entity was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    /// `#tag`
    Hashtag,
    /// `@handle`, `@user@server` (fediverse) or `@user/list` (an X list).
    Mention,
    /// A link.
    Url,
    /// `$SYMBOL`
    Cashtag,
}

/// An entity found in a text, borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Entity<'t> {
    /// What it is.
    pub kind: EntityKind,
    /// Where it is: the bytes of the whole entity, sigil included (`#tag`, `@user`).
    pub span: Span,
    /// The entity without its sigil: the tag name, the handle (`user`, `user@server`,
    /// or `user/list` for an X list), the link as written, the symbol.
    pub value: &'t str,
}

impl<'t> Entity<'t> {
    /// Builds an entity over `text[span]`, taking the value after the sigil (if any).
    pub(crate) fn new(kind: EntityKind, text: &'t str, span: Span) -> Self {
        let whole = &text[span.range()];
        let value = match kind {
            EntityKind::Url => whole,
            _ => {
                let sigil = whole.chars().next().map_or(0, char::len_utf8);
                &whole[sigil..]
            }
        };
        Self { kind, span, value }
    }
}

/// Every entity found in one text, in order of position, never overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extraction<'t> {
    text: &'t str,
    entities: Vec<Entity<'t>>,
}

impl<'t> Extraction<'t> {
    pub(crate) fn from_sorted(text: &'t str, entities: Vec<Entity<'t>>) -> Self {
        Self { text, entities }
    }

    /// The text the entities were found in.
    pub fn text(&self) -> &'t str {
        self.text
    }

    /// The account a post replies to by starting with its mention (`@user hello`): the
    /// first entity, when it is a mention of a user (not a list) preceded only by white
    /// space.
    pub fn reply_mention(&self) -> Option<&Entity<'t>> {
        let first = self.entities.first()?;
        let leading = &self.text[..first.span.start];
        (first.kind == EntityKind::Mention
            && !first.value.contains('/')
            && leading.chars().all(char::is_whitespace))
        .then_some(first)
    }

    /// All entities, in order.
    pub fn all(&self) -> &[Entity<'t>] {
        &self.entities
    }

    /// The entities of one kind, in order.
    pub fn of_kind(&self, kind: EntityKind) -> impl Iterator<Item = &Entity<'t>> + '_ {
        self.entities.iter().filter(move |e| e.kind == kind)
    }

    /// The hashtags, in order.
    pub fn hashtags(&self) -> impl Iterator<Item = &Entity<'t>> + '_ {
        self.of_kind(EntityKind::Hashtag)
    }

    /// The mentions, in order.
    pub fn mentions(&self) -> impl Iterator<Item = &Entity<'t>> + '_ {
        self.of_kind(EntityKind::Mention)
    }

    /// The links, in order.
    pub fn urls(&self) -> impl Iterator<Item = &Entity<'t>> + '_ {
        self.of_kind(EntityKind::Url)
    }

    /// The cashtags, in order.
    pub fn cashtags(&self) -> impl Iterator<Item = &Entity<'t>> + '_ {
        self.of_kind(EntityKind::Cashtag)
    }

    /// How many entities were found.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
}

impl<'t> IntoIterator for Extraction<'t> {
    type Item = Entity<'t>;
    type IntoIter = std::vec::IntoIter<Entity<'t>>;
    fn into_iter(self) -> Self::IntoIter {
        self.entities.into_iter()
    }
}
