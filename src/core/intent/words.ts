// The word tables of the classifier: data, read once at load. Matching happens on canonical words:
// apostrophes dropped (people type "cant" as often as "can't") and common SMS spellings mapped to
// one form, so every table is written once.

// prettier-ignore
const aliases = new Map<string, string>([
  ['u', 'you'], ['ur', 'your'], ['yr', 'your'], ['r', 'are'], ['c', 'see'],
  ['pls', 'please'], ['plz', 'please'], ['plse', 'please'], ['pleas', 'please'], ['plez', 'please'], ['plis', 'please'],
  ['thx', 'thanks'], ['thanx', 'thanks'], ['thnx', 'thanks'], ['thks', 'thanks'], ['tks', 'thanks'], ['ty', 'thanks'],
  ['tysm', 'thanks'], ['thnks', 'thanks'], ['tx', 'thanks'], ['thanku', 'thanks'], ['thankyou', 'thanks'],
  ['txt', 'text'], ['txts', 'texts'], ['txting', 'texting'], ['texing', 'texting'], ['textin', 'texting'], ['txtin', 'texting'],
  ['msg', 'message'], ['msgs', 'messages'], ['msging', 'messaging'], ['mesages', 'messages'],
  ['tmrw', 'tomorrow'], ['tmr', 'tomorrow'], ['tmrow', 'tomorrow'], ['tomoro', 'tomorrow'], ['tomorow', 'tomorrow'],
  ['2moro', 'tomorrow'], ['2morrow', 'tomorrow'], ['tonite', 'tonight'], ['appt', 'appointment'], ['appts', 'appointments'],
  ['dis', 'this'], ['dat', 'that'], ['rn', 'now'], ['dnt', 'dont'], ['cnt', 'cant'], ['nvm', 'nevermind'], ['abt', 'about'], ['resched', 'reschedule'],
]);

export function canon(word: string): string {
  const bare = word.indexOf("'") === -1 ? word : word.replaceAll("'", '');
  return aliases.get(bare) ?? bare;
}

export const setOf = (list: readonly string[]) => new Set(list.map((w) => w.split(' ').map(canon).join(' ')));

// Words that may stand around a keyword without changing what it says: "STOP please", "please
// stop", "stop it now", "unsubscribe me", "help me", "yes thanks".
// prettier-ignore
export const politeFiller = [
  'please', 'thanks', 'thank', 'you', 'sir', "ma'am", 'mam', 'madam', 'lol', 'haha', 'hehe', 'lmao', 'sorry', 'again',
  'now', 'already', 'asap', 'immediately', 'right', 'away', 'just', 'so', 'much', 'very', 'a', 'lot', 'really', 'indeed',
  'man', 'dude', 'bro', 'hun', 'love', 'dear', 'team', 'guys', 'folks', 'mate', 'buddy', 'friend', 'x', 'xx', 'xo', 'xoxo',
  'seriously', 'kindly', 'ok', 'okay', 'and', 'well',
  // Interjections, which may also open an answer: "oh yes", "hell yes", "um no".
  'oh', 'ah', 'um', 'uh', 'umm', 'hmm', 'hell', 'heck', 'hi', 'hey', 'hello', 'omg', 'wow',
];
// "Oh no, I forgot!" is dismay, not a refusal.
export const exclamations = setOf(['oh no', 'uh oh', 'oh dear']);
export const interjections = setOf([
  'oh',
  'ah',
  'um',
  'uh',
  'umm',
  'hmm',
  'hell',
  'heck',
  'hi',
  'hey',
  'hello',
  'omg',
  'wow',
  'well',
  'so',
  'and',
  'sorry',
]);
// prettier-ignore
export const keywordFiller = setOf([
  ...politeFiller,
  'me', 'us', 'it', 'this', 'that', 'them', 'all', 'everything', 'texts', 'text', 'messages', 'message', 'texting', 'messaging',
  'sms', 'alerts', 'notifications', 'reminders', 'subscription', 'my', 'number', 'for', 'good', 'ever', 'forever', 'anymore',
  'more', 'any', 'sending', 'calls', 'calling', 'spam', 'these', 'those',
]);
export const answerFiller = setOf(politeFiller);
// Words a reply may open with before a question such as "who is this".
export const leadFiller = setOf([
  'hi',
  'hey',
  'hello',
  'yo',
  'um',
  'uh',
  'umm',
  'uhh',
  'hmm',
  'sorry',
  'excuse',
  'me',
  'ok',
  'okay',
  'so',
  'but',
  'and',
  'oh',
  'ah',
  'please',
  'just',
  'sir',
  "ma'am",
]);

// Opt-out keywords: the words the FCC's revocation rule names for a reply (stop, quit, end, revoke,
// opt out, cancel, unsubscribe) and the ones SMS providers add (STOPALL, OPTOUT, REMOVE). CANCEL is
// among them, so a bare CANCEL is always an opt-out and never a "decline": reading it as "cancel my
// appointment" would keep texting someone who may have asked us to stop, while the opposite mistake
// costs one confirmation text and is undone by START. Only CANCEL inside a sentence about an
// appointment ("cancel my appointment", "I need to cancel") is an answer.
export const optOutKeywords = setOf(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout']);
// A revocation in another language counts as well; these are read as whole replies only.
export const optOutWhole = setOf([
  'stop all',
  'opt out',
  'unsub',
  'remove',
  'arret',
  'arrêt',
  'no mas',
  'no más',
  'basta',
  'cancelar',
  'baja',
  'alto',
]);
export const optInKeywords = setOf(['start', 'unstop', 'subscribe', 'resubscribe', 'optin']);
export const optInWhole = setOf(['opt in', 'start again', 'start over']);
export const helpKeywords = setOf(['help', 'info', 'information']);
export const helpWhole = setOf(['more info', 'more information']);
// What an opted-out contact must send to come back besides START: YES itself, not "yeah" or "ok",
// which are as likely to acknowledge the opt-out confirmation as to ask for more texts.
export const resubscribeYes = setOf(['yes', 'y']);

// prettier-ignore
export const confirmWords = setOf([
  'yes', 'y', 'yep', 'yeah', 'yup', 'ya', 'yah', 'yas', 'yea', 'yeh', 'ye', 'yh', 'yesh', 'sure', 'surely', 'ok', 'okay', 'okey',
  'okie', 'oki', 'okk', 'k', 'kk', 'confirm', 'confirmed', 'confirming', 'correct', 'absolutely', 'definitely', 'certainly',
  'perfect', 'great', 'fine', 'cool', 'alright', 'aight', 'ight', 'agreed', 'affirmative', 'yessir', 'ofc', 'np', 'mhm', 'mhmm',
  'si', 'sí', 'oui', 'ja', 'excellent', 'awesome', 'wonderful', 'fantastic', 'totally', 'deal', 'roger', '1',
]);
export const declineWords = setOf([
  'no',
  'n',
  'nope',
  'nah',
  'na',
  'naw',
  'nay',
  'negative',
  'nein',
  'never',
  'pass',
  'reschedule',
  'rescheduling',
  '2',
]);
// Answers only alone or with filler: "y not", "n a", "k so", "1 more thing", "never mind" are not.
export const wholeOnlyAnswers = setOf(['y', 'n', 'k', 'na', '1', '2', 'never', 'pass', 'deal', 'roger']);
// A leading "no" or "ok" that answers nothing.
// prettier-ignore
export const leadingIdioms = setOf([
  'no idea', 'no clue', 'no one', 'no way', 'no rush', 'no hurry', 'no need', 'no matter', 'no more', 'no longer', 'no end', 'no kidding',
  'no joke', 'no big', 'no biggie', 'ok so', 'okay so', 'yes and',
]);

export const negationWords = setOf(['no', 'not', "don't", 'do', "won't", 'will', "didn't", 'did', "doesn't", 'does', "wouldn't", 'would']);
export const negators = setOf(["don't", 'never', 'not']);

// Words after a phrase that turn a request into terms: "don't text me before 9".
// prettier-ignore
export const restrictionWords = setOf([
  'before', 'after', 'until', 'till', 'til', 'between', 'on', 'at', 'during', 'so', 'too', 'this', 'that', 'in', 'while', 'when',
  'past', 'early', 'late', 'earlier', 'later', 'tonight', 'every', 'overnight', 'weekends', 'unless', 'if', 'without', 'from',
  'yet', 'first', 'instead', 'the',
]);

// Words before a final "stop" that make it a noun or someone else's verb: "bus stop", "the next
// stop", "don't stop", "when will it stop", "where do I stop".
// prettier-ignore
export const stopModifiers = setOf([
  'a', 'an', 'the', 'each', 'every', 'my', 'your', 'his', 'her', 'our', 'their', 'its', 'which', 'what', 'whose',
  'next', 'last', 'first', 'second', 'third', 'final', 'only', 'one', 'another', 'more', 'extra', 'quick', 'short', 'brief', 'rest',
  'pit', 'bus', 'train', 'tram', 'subway', 'metro', 'truck', 'shuttle', 'rail', 'ferry', 'whistle', 'door', 'full', 'hard', 'complete',
  'sudden', 'dead', 'total', 'abrupt', 'request', 'emergency', 'non', 'gas', 'photo', 'f', 'back', 'tour',
  "don't", 'never', "can't", 'cannot', "couldn't", "didn't", 'not', "doesn't", "wouldn't", "shouldn't", "won't",
  'i', 'we', 'they', 'he', 'she', 'it', 'to', 'will', 'did', 'does', 'do', 'would', 'should', 'could', 'gonna', 'may', 'might',
  'must', 'can', "isn't", "aren't", "wasn't",
]);
export const stopWords = setOf(['stop', 'stopall']);
export const setApartGate = setOf(['stop', 'stopall', 'quit']);
