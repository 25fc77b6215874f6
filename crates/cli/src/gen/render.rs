//! Fills a template's slots.

use super::config::BrandIdentity;
use super::lexicon::EMOJIS;
use super::rng::Rng;

/// The values of a template's slots (`{product}` and `{emoji}` are drawn at each use).
#[derive(Debug, Clone, Copy)]
pub struct Slots<'a> {
    /// The brand the post is about.
    pub brand: &'a BrandIdentity,
    /// The trending (or chat) hashtag, with `#`.
    pub trend: &'a str,
    /// Products of the post's language.
    pub products: &'a [&'static str],
    /// A handle to mention, without `@`.
    pub mention: &'a str,
    /// A link.
    pub url: &'a str,
}

/// Appends `template` to `out` with its slots filled.
pub fn render(template: &str, slots: &Slots<'_>, rng: &mut Rng, out: &mut String) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return;
        };
        match &after[..close] {
            "brand" => out.push_str(&slots.brand.name),
            "handle" => {
                out.push('@');
                out.push_str(&slots.brand.handle);
            }
            "tag" => out.push_str(&slots.brand.hashtag),
            "trend" | "chat" => out.push_str(slots.trend),
            "product" => {
                let product: &&str = rng.pick(slots.products);
                out.push_str(product);
            }
            "emoji" => {
                let emoji: &&str = rng.pick(EMOJIS);
                out.push_str(emoji);
            }
            "url" => out.push_str(slots.url),
            "mention" => {
                out.push('@');
                out.push_str(slots.mention);
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::super::config::brand_identity;
    use super::*;

    #[test]
    fn slots_are_filled() {
        let brand = brand_identity("Kopi Nusantara");
        let slots = Slots {
            brand: &brand,
            trend: "#KopiSenja",
            products: &["es kopi"],
            mention: "ayu_lestari",
            url: "https://kopinusantara.example/promo",
        };
        let mut out = String::new();
        render(
            "{mention} {brand} {handle} {tag} {trend} {product} {url} {odd}",
            &slots,
            &mut Rng::new(1, 1),
            &mut out,
        );
        assert_eq!(
            out,
            "@ayu_lestari Kopi Nusantara @kopinusantara #KopiNusantara #KopiSenja es kopi https://kopinusantara.example/promo {odd}"
        );
    }
}
