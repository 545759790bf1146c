// Words, emoji and link targets for synthetic posts, in many languages and scripts. Each token is measured once
// at load (graphemes with Intl.Segmenter, UTF-8 bytes) so building a post is only additions: no per-event
// segmentation. Tokens never start with a combining mark, so a text's grapheme count is the sum of its parts.

export interface Token {
  readonly s: string;
  /** Grapheme clusters. */
  readonly g: number;
  /** UTF-8 bytes. */
  readonly b: number;
}

export interface Language {
  readonly code: string;
  /** Word separator: ' ' for most scripts, '' for Japanese, Chinese and Thai. */
  readonly sep: string;
  readonly words: readonly Token[];
  /** Sentence endings, appended to the previous word without a separator. */
  readonly enders: readonly Token[];
  /** Relative share of posts (roughly Bluesky's language mix). */
  readonly weight: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function token(s: string): Token {
  let g = 0;
  for (const _ of segmenter.segment(s)) g++;
  return { s, g, b: Buffer.byteLength(s, 'utf8') };
}

const tokens = (list: string, by: string | RegExp = /\s+/): Token[] =>
  list
    .trim()
    .split(by)
    .filter((w) => w !== '')
    .map(token);

const LATIN_ENDERS = tokens('. . . ! ? ... !! :)', ' ');
const CJK_ENDERS = tokens('。|。|！|？|…|w|（笑）', '|');

const lang = (
  code: string,
  weight: number,
  words: string,
  sep = ' ',
  enders = LATIN_ENDERS,
  by?: string,
): Language => ({
  code,
  sep,
  words: tokens(words, by ?? (sep === ' ' ? /\s+/ : '|')),
  enders,
  weight,
});

export const LANGUAGES: readonly Language[] = [
  lang(
    'en',
    40,
    `the a to and of I you it is that in this for my on just be so not but with have what like was are
     me all at do your about really today people think one time new got can get out good love know if
     they we no how more would now going day because still some he she them lol gonna need want make
     thread birds sky weather coffee morning night weekend art music game book movie cat dog friends
     honestly literally finally anyway wild cursed vibes update news election policy science data research
     open source code bug deploy server rust typescript release photo drawing commission sketch`,
  ),
  lang(
    'ja',
    14,
    `今日は|本当に|ありがとう|おはようございます|お疲れ様です|かわいい|猫|ねこ|ラーメン|食べた|行ってきた|
     楽しかった|眠い|仕事|終わった|明日|天気|雨|桜|写真|絵を描きました|新刊|イベント|よろしくお願いします|
     ブルースカイ|タイムライン|フォロー|すごい|やばい|わかる|それな|東京|大阪|電車|遅延|コーヒー|
     ゲーム|アニメ|最高|です|ます|けど|から|って|のに|みたい|感じ`,
    '',
    CJK_ENDERS,
  ),
  lang(
    'pt',
    12,
    `o a que de e do da em um uma para com não é eu você isso muito mais mas meu minha hoje gente
     bom dia boa noite obrigado obrigada saudade coração futebol Flamengo Corinthians São Paulo Rio
     amo demais kkkkk kkk né então também já ainda ação informação pão irmão até você só está
     porque quando fazer tudo nada aqui agora sempre nunca amanhã semana café praia`,
  ),
  lang(
    'de',
    5,
    `der die das und ist nicht ich du wir ein eine mit auf für heute Morgen gerade wirklich schön
     Kaffee Wetter Bahn Verspätung Straße groß Grüße Tschüss Mädchen Übersetzung Änderung über für
     schon noch auch aber wenn weil Gemütlichkeit Fußball Wochenende Feierabend natürlich genau`,
  ),
  lang(
    'es',
    5,
    `el la los las de que y en un una por para con no es muy más pero mi hoy gracias buenos días
     noche año niño mañana corazón canción también está así qué cómo dónde sí ¡hola! ¿verdad?
     jajaja amigos fútbol café playa ciudad trabajo siempre nunca ahora`,
  ),
  lang(
    'fr',
    3,
    `le la les de et un une des est pas je tu nous vous il elle avec pour sur dans très bien aujourd'hui
     merci bonjour bonsoir café été élève déjà où ça peut-être français œuvre cœur naïve garçon
     toujours jamais maintenant vraiment génial`,
  ),
  lang(
    'ko',
    3,
    `오늘 정말 감사합니다 안녕하세요 너무 좋아요 고양이 커피 날씨 비가 와요 사진 그림 그렸어요 친구
     주말 회사 퇴근 배고파 맛있다 서울 지하철 진짜 대박 ㅋㅋㅋ ㅠㅠ 블루스카이 팔로우 게임 음악 노래`,
  ),
  lang(
    'ru',
    1.5,
    `и в не на я что это как он она мы вы они сегодня очень спасибо привет доброе утро ночь кофе
     погода город работа друзья книга фильм музыка ёлка съёмка объявление всё ещё уже просто`,
  ),
  lang(
    'uk',
    1,
    `і в не на я що це як він вона ми сьогодні дуже дякую привіт добрий ранок ніч кава погода місто
     робота друзі їжа ґанок Київ Україна слава`,
  ),
  lang(
    'zh',
    1.5,
    `今天|天气|很好|谢谢|大家|早上好|晚安|我们|你们|喜欢|咖啡|猫咪|工作|下班|周末|朋友|电影|音乐|
     读书|北京|上海|台北|香港|真的|非常|开心|好吃|照片|分享`,
    '',
    CJK_ENDERS,
  ),
  lang('tr', 1, `ve bir bu da de için çok güzel bugün teşekkürler merhaba günaydın iyi geceler kahve şehir iş arkadaş`),
  lang(
    'it',
    1.5,
    `il la di che e un una per con non è sono oggi grazie buongiorno buonanotte caffè città perché più già`,
  ),
  lang('nl', 1, `de het een en van ik je is niet op dat met voor vandaag dank goedemorgen koffie fiets weer lekker`),
  lang('pl', 1, `i w nie na się to że jest jak dziś dziękuję cześć dzień dobry kawa miasto praca źródło żółć łódź`),
  lang(
    'ar',
    1,
    `في من على إلى هذا هذه أنا أنت نحن اليوم شكرا مرحبا صباح الخير مساء قهوة مدينة عمل أصدقاء
     كتاب مُحَمَّد السَّلَامُ عَلَيْكُمْ الحمد لله إن شاء الله`,
  ),
  lang('he', 0.5, `של את זה אני אתה היום תודה שלום בוקר טוב ערב קפה עיר עבודה חברים ספר שַׁבָּת שָׁלוֹם`),
  lang('fa', 0.5, `از به در این که را با است من تو امروز ممنون سلام صبح بخیر قهوه شهر کار دوستان`),
  lang(
    'hi',
    0.5,
    `मैं तुम आप यह वह है हैं आज बहुत धन्यवाद नमस्ते सुप्रभात चाय शहर काम दोस्त किताब फ़िल्म क्षत्रिय
     हिन्दी भारत`,
  ),
  lang(
    'th',
    0.5,
    `วันนี้|อากาศ|ดีมาก|ขอบคุณ|สวัสดี|ครับ|ค่ะ|กาแฟ|แมว|ทำงาน|เพื่อน|กรุงเทพ|อร่อย|น่ารัก|ภาษาไทย`,
    '',
    tokens('! ? ... 555', ' '),
  ),
  // Decomposed (NFD) Vietnamese: base letters followed by combining marks, as some keyboards send them.
  lang(
    'vi',
    0.5,
    'Tiếng Việt xin chào cảm ơn hôm nay trời đẹp cà phê thành phố bạn bè làm việc Hà Nội Sài Gòn'.normalize('NFD'),
  ),
];

/** Emoji: single code points, variation selectors, skin tones, ZWJ sequences, flags, keycaps. */
export const EMOJI: readonly Token[] = tokens(
  `😂 ❤️ 🥺 ✨ 🔥 😭 🙏 👍 👍🏽 👋🏿 💙 🦋 🎉 😅 🤔 👀 💀 🫠 🥲 🤌 🏳️‍🌈 🏳️‍⚧️ 👨‍👩‍👧‍👦 🧑🏻‍💻 👩‍❤️‍👨 🇧🇷 🇯🇵 🇩🇪 🇺🇸 🇺🇦 🇵🇸 🇮🇱
   1️⃣ ☕ 🌸 🐈 🐈‍⬛ 🍜 ⚽ 🎮 📚 🎨 ♥ ☀️ 🌧️`,
);

/** Words with combining marks and other edge cases that show up in real posts. */
export const ODDITIES: readonly Token[] = tokens(
  [
    'Ame\u0301lie', // e + combining acute
    'Z\u0364\u0351a\u0308\u0356\u032dl\u036e\u0312g\u030co\u0319\u0314', // zalgo
    'ñ'.normalize('NFD'),
    '\u202eolleh\u202c', // right-to-left override
    'ｆｕｌｌｗｉｄｔｈ',
    '𝓯𝓪𝓷𝓬𝔂',
    '𝕏',
    'a\u200bb', // zero-width space
    '«citation»',
    '“quoted”',
    '‘single’',
    '100%',
    'C:\\path\\to',
    'tab\there',
    '<b>not-html</b>',
    '&amp;',
    'under_score',
    'back\\slash',
    '"double"',
  ].join('\n'),
  '\n',
);

/** Hashtags (without '#'), ASCII and not. */
export const TAGS: readonly Token[] = tokens(
  `art photography bluesky caturday dogsofbluesky birds science politics gaming music books anime
   MastodonMigration 絵描きさんと繋がりたい イラスト 사진 fotografía café Kunst عربي 한국어 日本語`,
);

export const LINK_DOMAINS: readonly string[] = [
  'www.youtube.com',
  'youtu.be',
  'github.com',
  'www.nytimes.com',
  'www.theguardian.com',
  'bsky.app',
  'en.wikipedia.org',
  'www.bbc.co.uk',
  'g1.globo.com',
  'www3.nhk.or.jp',
  'www.spiegel.de',
  'elpais.com',
  'arxiv.org',
  'open.spotify.com',
  'www.twitch.tv',
  'substack.com',
  'ko-fi.com',
  'www.patreon.com',
];

export const LINK_TITLES: readonly string[] = [
  'Breaking: what we know so far',
  'A thread on why this matters',
  'Release notes v2.4.0',
  'Watch the full video',
  '今日のニュースまとめ',
  'Notícias do dia',
  'Die wichtigsten Nachrichten',
  'Las claves del día',
  '',
];

export const ALT_TEXTS: readonly string[] = [
  '',
  '',
  'A cat sleeping on a keyboard',
  'Sunset over the sea, orange sky',
  'Screenshot of a chart',
  '桜の写真',
  'Foto do meu almoço',
  'Digital drawing of a dragon, watercolour style',
];

export const SELF_LABELS: readonly string[] = ['sexual', 'nudity', 'porn', 'graphic-media'];

export const HANDLE_SYLLABLES: readonly string[] = (
  'ka ri to mo na su ya ha ne lu mi ze an el or is ur ben dan eva jo li max sam tom zoe kai ren sora yui ' +
  'ana bea caio duda lea noa pia theo ivo'
).split(' ');

export const HANDLE_DOMAINS: readonly string[] = [
  'bsky.social',
  'bsky.social',
  'bsky.social',
  'bsky.social',
  'bsky.social',
  'bsky.social',
  'bsky.social',
  'com',
  'dev',
  'art',
  'blue',
  'net',
];
