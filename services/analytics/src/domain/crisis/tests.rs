use chrono::{TimeZone as _, Utc};
use tagar_kernel::given::{given, given_nothing};

use super::detect::{rising_terms, spike};
use super::*;

fn window(negatives: u64, mentions: u64) -> Window {
    Window {
        negatives,
        mentions,
        minutes: 2,
    }
}

fn quiet() -> Baseline {
    Baseline::from_totals(6, 600, 10_080)
}

#[test]
fn a_surge_of_negative_posts_against_a_quiet_baseline_is_a_crisis() {
    let (trigger, why) = spike(&Thresholds::default(), window(40, 60), quiet(), false).unwrap();
    assert_eq!(trigger, Trigger::Negative);
    assert!(
        why.starts_with("40 negative posts in 2 minutes (67 % of mentions)"),
        "{why}"
    );
}

#[test]
fn negative_posts_below_any_threshold_are_not() {
    let t = Thresholds::default();
    // Too few.
    assert_eq!(spike(&t, window(19, 20), quiet(), false), None);
    // A small share of a busy window (a chat with a few sharp posts).
    assert_eq!(spike(&t, window(30, 600), quiet(), false), None);
    // Usual for this brand: 20 a minute.
    let loud = Baseline::from_totals(201_600, 500_000, 10_080);
    assert_eq!(spike(&t, window(60, 100), loud, false), None);
    assert!(spike(&t, window(170, 200), loud, false).is_some());
}

#[test]
fn volume_counts_unless_the_brands_chat_is_live() {
    let t = Thresholds::default();
    let (trigger, why) = spike(&t, window(0, 1_500), quiet(), false).unwrap();
    assert_eq!(trigger, Trigger::Volume);
    assert_eq!(
        why,
        "1500 mentions in 2 minutes; the brand usually has 0.1 a minute"
    );
    assert_eq!(spike(&t, window(0, 1_500), quiet(), true), None);
    // Negative posts still count during a chat.
    assert_eq!(
        spike(&t, window(400, 1_000), quiet(), true).map(|s| s.0),
        Some(Trigger::Negative)
    );
}

#[test]
fn a_new_brand_is_averaged_over_an_hour_at_least() {
    let b = Baseline::from_totals(30, 120, 5);
    assert_eq!(b.negatives_per_minute, 0.5);
    assert_eq!(b.mentions_per_minute, 2.0);
}

#[test]
fn thresholds_name_the_bad_field() {
    let bad = |t: Thresholds| t.check().unwrap_err().to_string();
    let t = Thresholds::default();
    assert!(t.check().is_ok());
    assert!(
        bad(Thresholds {
            window_minutes: 0,
            ..t
        })
        .starts_with("window_minutes: ")
    );
    assert!(
        bad(Thresholds {
            min_negatives: 0,
            ..t
        })
        .starts_with("min_negatives: ")
    );
    assert!(
        bad(Thresholds {
            negative_factor: f64::NAN,
            ..t
        })
        .starts_with("negative_factor: ")
    );
    assert!(
        bad(Thresholds {
            min_negative_share: 1.5,
            ..t
        })
        .starts_with("min_negative_share: ")
    );
    assert!(
        bad(Thresholds {
            volume_factor: 0.5,
            ..t
        })
        .starts_with("volume_factor: ")
    );
    assert!(
        bad(Thresholds {
            min_mentions: 0,
            ..t
        })
        .starts_with("min_mentions: ")
    );
}

#[test]
fn rising_terms_are_new_in_the_window_not_always_there() {
    let now: Vec<String> = [
        "the recall is a disgrace, refund now",
        "recall again? refund me",
        "this recall is terrible, the coffee is burnt",
        "coffee burnt again, refund",
    ]
    .map(String::from)
    .to_vec();
    let before: Vec<String> = [
        "coffee was burnt",
        "burnt coffee, slow service",
        "coffee cold",
    ]
    .map(String::from)
    .to_vec();
    let terms = rising_terms(&now, &before, 3);
    assert_eq!(terms[..2], ["recall", "refund"]);
    assert!(!terms.contains(&"coffee".to_owned()), "{terms:?}");
}

fn detection() -> Detection {
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    Detection {
        brand: BrandId::new(),
        trigger: Trigger::Negative,
        window_start: at,
        detected_at: at + chrono::Duration::seconds(90),
        window: window(40, 60),
        baseline: quiet(),
        reason: "40 negative posts in 2 minutes".into(),
        top_negative: vec![],
        rising_terms: vec!["recall".into()],
    }
}

#[test]
fn a_crisis_is_detected_once() {
    let d = detection();
    let crisis = given_nothing::<Crisis>()
        .when(CrisisCommand::Detect(Box::new(d.clone())))
        .then(&[CrisisEvent::Detected(Box::new(d.clone()))]);
    assert_eq!(crisis.brand(), Some(d.brand));
    given::<Crisis>(&[CrisisEvent::Detected(Box::new(d.clone()))])
        .when(CrisisCommand::Detect(Box::new(d)))
        .refused_with("the crisis was detected already");
}

#[test]
fn a_detection_says_why() {
    let d = Detection {
        reason: " ".into(),
        ..detection()
    };
    given_nothing::<Crisis>()
        .when(CrisisCommand::Detect(Box::new(d)))
        .refused_with("reason: is required");
}
