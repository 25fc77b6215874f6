//! Persian, with the zero-width non-joiner (U+200C) where Persian writers put it
//! (`می‌شه`, `راضی‌ام`, `بی‌شعور`).

use super::Lexicon;

pub(super) static LEXICON: Lexicon = Lexicon {
    code: "fa",
    posts: &[
        "{product} جدید {brand} رو امتحان کردم {emoji} واقعاً عالی بود {tag}",
        "{handle} {product} کی دوباره موجود می\u{200C}شه؟ {emoji}",
        "از {product} جدیدم خیلی راضی\u{200C}ام! ممنون {handle} {emoji}",
        "پشتیبانی {brand} خیلی سریع جواب داد، دمتون گرم {emoji}",
        "{handle} سفارشم هنوز نرسیده، لطفاً پیگیری کنید",
        "صبح\u{200C}ها فقط {product} {emoji} {tag}",
        "برای هدیه، {product} از {brand} پیشنهاد می\u{200C}کنم {emoji} {url}",
        "{mention} حتماً {product} {brand} رو امتحان کن",
        "به نظرم {brand} دستور پخت رو عوض کرده {emoji}",
    ],
    chatter: &[
        "باز هم دوشنبه\u{200C}ی بارانی {emoji}",
        "صبح همگی بخیر {emoji}",
        "ترافیک امروز وحشتناکه",
        "{mention} منم همین\u{200C}طور",
        "بالاخره آخر هفته {emoji}",
    ],
    replies: &[
        "{mention} کاملاً موافقم {emoji}",
        "{mention} از کجا خریدی؟",
        "{mention} ممنون که گفتی!",
        "{mention} جدی؟ {emoji}",
        "{mention} تجربه\u{200C}ی من فرق داشت",
    ],
    trend: &[
        "همه دارن درباره\u{200C}ی {trend} حرف می\u{200C}زنن {emoji}",
        "حال و هوای امروز {trend} {emoji}",
        "منم با یه {product} به {trend} پیوستم {emoji}",
        "چرا {trend} ترند شده؟ {emoji}",
    ],
    abuse: &[
        "{handle} احمق\u{200C}ها، بدترین خدمات",
        "{handle} شرکت احمق، پولمو پس بدید",
        "{handle} {mention} خفه شو نفهم",
        "{handle} واقعاً بی\u{200C}شعورید {emoji}",
        "{handle} برو گمشو احمق",
    ],
    spam: &[
        "🔥 فالوور رایگان 👉 {url} {trend} {tag}",
        "درآمد روزانه از خانه!!! {url} {tag}",
        "برنده\u{200C}ی {product} رایگان شوید!!! {url} {trend} {handle}",
    ],
    brand_posts: &[
        "تازه در {brand}: {product} {emoji} از امروز {url} {tag}",
        "ممنون از همراهی\u{200C}تون! {emoji} {tag}",
        "به ما بگید: چه چیزی رو برگردونیم؟ {tag}",
    ],
    questions: &[
        "نوشیدنی محبوبتون در {brand} چیه؟",
        "{product} رو معمولاً کجا می\u{200C}نوشید؟",
        "چه طعم جدیدی عرضه کنیم؟",
        "صبح یا عصر: کی بیشتر لازمش دارید؟",
        "چه چیزی رو بهتر کنیم؟",
    ],
    answers: &[
        "همیشه {product} {emoji}",
        "عصرها بعد از کار {emoji}",
        "طعم هل لطفاً!",
        "خونه توی بالکن {emoji}",
        "صندلی\u{200C}های بیشتر در فروشگاه!",
    ],
    products: &[
        "قهوه\u{200C}ی سرد",
        "لاته",
        "چای یاس",
        "روسری باتیک",
        "جعبه\u{200C}ی هدیه",
        "چای دارچین",
    ],
    given_names: &[
        ("سارا", "sara"),
        ("علی", "ali"),
        ("مریم", "maryam"),
        ("رضا", "reza"),
        ("نگار", "negar"),
        ("امیر", "amir"),
        ("زهرا", "zahra"),
        ("حسین", "hossein"),
        ("نازنین", "nazanin"),
        ("مهدی", "mehdi"),
    ],
    family_names: &[
        ("احمدی", "ahmadi"),
        ("محمدی", "mohammadi"),
        ("رضایی", "rezaei"),
        ("حسینی", "hosseini"),
        ("کریمی", "karimi"),
        ("موسوی", "mousavi"),
        ("جعفری", "jafari"),
    ],
};
