import { replyWords } from './normalize.js';

// Reads what a reply to a business text means. The order is a compliance rule, not a preference:
// opt-out is decided first, from its own tables, and nothing read later (a "yes", a question, a
// help request) can hide it. Then opt-in, help, and the answers (confirm / decline).
//
// Confidence is a fixed scale per kind of evidence, so a threshold means the same thing everywhere:
//   1     the whole reply is a keyword ("STOP", "yes", "2")
//   0.95  a keyword with only filler around it ("stop please", "yes thanks")
//   0.9   a phrase that says it ("stop texting me", "can't make it", "sounds good")
//   0.85  a keyword set apart in a longer reply ("wrong number, STOP"), a lone 👍
//   0.8   a recognizable typo of a keyword ("stpo", "yse")
//   0.75  weaker readings: "who is this?" as a help request, a yes or no leading a remark
//         ("yes, 3pm works"), a phrase that overrules the opposite word ("no, I'll be there")
//   0.6   guesses, below the default threshold: a yes before a question ("ok what time?"), a phrase
//         hedged ("not sure I can make it"), an emoji beside words we cannot read, a misspelt START
//
// Opt-out readings ignore the threshold: all of them are 0.8 or more by construction, and a
// threshold raised to make automation more careful must not make it deaf to STOP.

export type Intent = 'opt_out' | 'opt_in' | 'help' | 'confirm' | 'decline' | 'unknown';

export interface Classification {
  intent: Intent;
  confidence: number;
  /** Why, for people: 'keyword "stop"', 'phrase "can\'t make it"', 'typo of "yes"'. */
  reason: string;
  /** The keyword or phrase that decided, normalized; null when nothing did. */
  match: string | null;
}

export interface ClassifyOptions {
  /** Below this confidence the reply is `unknown` (default 0.7). Opt-outs are never held back by it. */
  threshold?: number;
  /** The contact is currently opted out: a bare YES then means "resubscribe me". */
  optedOut?: boolean;
}

export const defaultThreshold = 0.7;

const KEYWORD = 1;
const KEYWORD_WITH_FILLER = 0.95;
const PHRASE = 0.9;
const SET_APART = 0.85;
const TYPO = 0.8;
const WEAK = 0.75;
const GUESS = 0.6;

type Known = Exclude<Intent, 'unknown'>;

// ---------------------------------------------------------------------------------------------
// Words. Matching happens on canonical words: apostrophes dropped (people type "cant" as often as
// "can't") and common SMS spellings mapped to one form, so every table is written once.

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

function canon(word: string): string {
  const bare = word.indexOf("'") === -1 ? word : word.replaceAll("'", '');
  return aliases.get(bare) ?? bare;
}

const setOf = (list: readonly string[]) => new Set(list.map((w) => w.split(' ').map(canon).join(' ')));

// Words that may stand around a keyword without changing what it says: "STOP please", "please
// stop", "stop it now", "unsubscribe me", "help me", "yes thanks".
const politeFiller = [
  'please', 'thanks', 'thank', 'you', 'sir', "ma'am", 'mam', 'madam', 'lol', 'haha', 'hehe', 'lmao', 'sorry', 'again',
  'now', 'already', 'asap', 'immediately', 'right', 'away', 'just', 'so', 'much', 'very', 'a', 'lot', 'really', 'indeed',
  'man', 'dude', 'bro', 'hun', 'love', 'dear', 'team', 'guys', 'folks', 'mate', 'buddy', 'friend', 'x', 'xx', 'xo', 'xoxo',
  'seriously', 'kindly', 'ok', 'okay', 'and', 'well',
  // Interjections, which may also open an answer: "oh yes", "hell yes", "um no".
  'oh', 'ah', 'um', 'uh', 'umm', 'hmm', 'hell', 'heck', 'hi', 'hey', 'hello', 'omg', 'wow',
];
// "Oh no, I forgot!" is dismay, not a refusal.
const exclamations = setOf(['oh no', 'uh oh', 'oh dear']);
const interjections = setOf(['oh', 'ah', 'um', 'uh', 'umm', 'hmm', 'hell', 'heck', 'hi', 'hey', 'hello', 'omg', 'wow', 'well', 'so', 'and', 'sorry']);
const keywordFiller = setOf([
  ...politeFiller,
  'me', 'us', 'it', 'this', 'that', 'them', 'all', 'everything', 'texts', 'text', 'messages', 'message', 'texting', 'messaging',
  'sms', 'alerts', 'notifications', 'reminders', 'subscription', 'my', 'number', 'for', 'good', 'ever', 'forever', 'anymore',
  'more', 'any', 'sending', 'calls', 'calling', 'spam', 'these', 'those',
]);
const answerFiller = setOf(politeFiller);
// Words a reply may open with before a question such as "who is this".
const leadFiller = setOf(['hi', 'hey', 'hello', 'yo', 'um', 'uh', 'umm', 'uhh', 'hmm', 'sorry', 'excuse', 'me', 'ok', 'okay', 'so', 'but', 'and', 'oh', 'ah', 'please', 'just', 'sir', "ma'am"]);

// Opt-out keywords: the words the FCC's revocation rule names for a reply (stop, quit, end, revoke,
// opt out, cancel, unsubscribe) and the ones SMS providers add (STOPALL, OPTOUT, REMOVE). CANCEL is
// among them, so a bare CANCEL is always an opt-out and never a "decline": reading it as "cancel my
// appointment" would keep texting someone who may have asked us to stop, while the opposite mistake
// costs one confirmation text and is undone by START. Only CANCEL inside a sentence about an
// appointment ("cancel my appointment", "I need to cancel") is an answer.
const optOutKeywords = setOf(['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout']);
// A revocation in another language counts as well; these are read as whole replies only.
const optOutWhole = setOf(['stop all', 'opt out', 'unsub', 'remove', 'arret', 'arrêt', 'no mas', 'no más', 'basta', 'cancelar', 'baja', 'alto']);
const optInKeywords = setOf(['start', 'unstop', 'subscribe', 'resubscribe', 'optin']);
const optInWhole = setOf(['opt in', 'start again', 'start over']);
const helpKeywords = setOf(['help', 'info', 'information']);
const helpWhole = setOf(['more info', 'more information']);
// What an opted-out contact must send to come back besides START: YES itself, not "yeah" or "ok",
// which are as likely to acknowledge the opt-out confirmation as to ask for more texts.
const resubscribeYes = setOf(['yes', 'y']);

const confirmWords = setOf([
  'yes', 'y', 'yep', 'yeah', 'yup', 'ya', 'yah', 'yas', 'yea', 'yeh', 'ye', 'yh', 'yesh', 'sure', 'surely', 'ok', 'okay', 'okey',
  'okie', 'oki', 'okk', 'k', 'kk', 'confirm', 'confirmed', 'confirming', 'correct', 'absolutely', 'definitely', 'certainly',
  'perfect', 'great', 'fine', 'cool', 'alright', 'aight', 'ight', 'agreed', 'affirmative', 'yessir', 'ofc', 'np', 'mhm', 'mhmm',
  'si', 'sí', 'oui', 'ja', 'excellent', 'awesome', 'wonderful', 'fantastic', 'totally', 'deal', 'roger', '1',
]);
const declineWords = setOf(['no', 'n', 'nope', 'nah', 'na', 'naw', 'nay', 'negative', 'nein', 'never', 'pass', 'reschedule', 'rescheduling', '2']);
// Answers only alone or with filler: "y not", "n a", "k so", "1 more thing", "never mind" are not.
const wholeOnlyAnswers = setOf(['y', 'n', 'k', 'na', '1', '2', 'never', 'pass', 'deal', 'roger']);
// A leading "no" or "ok" that answers nothing.
const leadingIdioms = setOf([
  'no idea', 'no clue', 'no one', 'no way', 'no rush', 'no hurry', 'no need', 'no matter', 'no more', 'no longer', 'no end', 'no kidding',
  'no joke', 'no big', 'no biggie', 'ok so', 'okay so', 'yes and',
]);

// ---------------------------------------------------------------------------------------------
// Phrases, written as small grammars and expanded once at load into word sequences, so families
// ("stop|quit|cease" × "texting|messaging|…" × "me|us|this number") generalize without a regex per
// message. Syntax: (a|b c) one of, [a|b] optional, {name} any entry of a vocabulary below, <name>
// any one word of a one-word vocabulary (matched by set, not expanded), *N up to N words of anything
// ("stop sending me all these texts"), ^ only after greetings, $ only filler after, and a leading ~
// for a request that a time may qualify ("don't text me before 9" sets terms, it does not opt out).

const vocab: Record<string, string[]> = {
  cease: ['stop', 'quit', 'cease', 'discontinue', 'halt', 'pause'],
  det: ['the', 'these', 'those', 'your', 'my', 'all', 'any', 'all the', 'all these', 'all of these', 'all of the', 'all your', 'all of your', 'all those', 'such', 'this', 'that', 'all this'],
  notices: [
    'texts', 'text', 'messages', 'message', 'sms', 'notifications', 'reminders', 'alerts', 'updates', 'promos', 'promotions',
    'offers', 'ads', 'marketing', 'spam', 'calls', 'emails', 'junk', 'crap',
  ],
  pronoun: ['this', 'these', 'those', 'them', 'it', 'that', 'this shit', 'this crap'],
  gerund: [
    'texting', 'messaging', 'sending', 'contacting', 'calling', 'emailing', 'spamming', 'bothering', 'harassing', 'pestering', 'bugging',
    'hounding', 'nagging', 'pinging', 'hitting up', 'blowing up',
  ],
  // Not "call" or "email": "don't call me, text me" asks for texts.
  contact: ['text', 'message', 'contact', 'sms', 'bother', 'spam'],
  me: ['me', 'us', 'this number', 'my number', 'this phone', 'my phone', 'my cell', 'this cell', 'my phone number', 'this phone number', 'my wife', 'my husband', 'my kid', 'my son', 'my daughter'],
  meobj: ['me', 'us', 'myself', 'my number', 'my phone number', 'my cell', 'my cell number', 'my info', 'my information', 'my details', 'my contact info', 'my name', 'this number', 'my phone', 'my contact'],
  lists: [
    'list', 'lists', 'contacts', 'system', 'database', 'records', 'texts', 'messages', 'notifications', 'reminders', 'alerts', 'this',
    'here', 'it', 'everything', 'there', 'them',
  ],
  noLonger: ['dont', 'do not', 'no longer', 'never', 'dont ever', 'do not ever', 'dont you', 'dont you dare', 'do not you'],
  wantNot: ['dont', 'do not', 'no longer', 'dont really', 'really dont', 'did not', 'didnt', 'never'],
  want: ['want', 'wish', 'would like', 'like', 'need', 'wanna'],
  will: [
    "i'll", 'i will', "we'll", 'we will', 'will', 'i shall', 'we shall', "she'll", "he'll", "they'll", 'she will', 'he will',
    'they will', "i'm going to", 'i am going to', "i'm gonna", 'gonna', 'going to', "we're going to", "i'll definitely",
    'i will definitely', "we'll definitely", 'definitely will', "i'll surely", "i'll still", 'i will still', "we'll still",
  ],
  attend: [
    'be there', 'come', 'come in', 'attend', 'make it', 'show up', 'be coming', 'be in', 'be on time', 'be there on time', 'see you',
    'be attending', 'be present', 'keep it', 'keep the appointment', 'keep my appointment', 'stop by', 'drop by', 'swing by',
    'pop in', 'pop by', 'be by', 'come by', 'be here',
  ],
  negCan: [
    "can't", 'cannot', 'can not', "won't", 'will not', 'not going to', 'not gonna', 'unable to', "couldn't", 'could not', 'not able to',
    "won't be able to", 'will not be able to', 'not be able to', 'no longer able to', "can't really", 'might not', 'may not',
    "probably won't", "probably can't", "don't think i can", "don't think i'll", "don't think i will", "don't think we'll",
    "don't think we can", "doubt i'll", 'doubt i can', 'doubt i will', "doubt we'll", "won't be able", "can't even",
    "i'm not going to", "won't get to", "can't get to", 'not going to be able to', 'not gonna be able to', "i'm unable to",
    'am unable to', "wouldn't be able to", 'would not be able to',
  ],
  negAttend: [
    'make it', 'make that', 'make the appointment', 'make my appointment', 'make this', 'make that time', 'make tomorrow', 'make today',
    'come', 'come in', 'go', 'attend', 'be there', 'see you', 'do it', 'do that', 'do then', 'do this', 'do the', 'do tomorrow',
    'do today', 'show', 'show up', 'get there', 'get in', 'keep it', 'keep the appointment', 'keep my appointment', 'be in',
    'be available', 'join', 'come by', 'stop by', 'be home', 'be present', 'be attending', 'be coming', 'make', 'do',
  ],
  needTo: [
    'need to', 'needa', 'have to', 'hafta', 'want to', 'wanna', 'would like to', 'like to', "i'd like to", "we'd like to",
    'going to have to', 'gonna have to', 'gotta', 'got to', 'must', 'will have to', 'will need to', 'may have to',
    'might have to', 'might need to', "i'll have to", "we'll have to", "i'll need to", 'need 2', 'can i', 'can we',
    'could i', 'could we', 'is it possible to', 'possible to', 'ok to', 'okay to', 'able to', 'trying to', 'hoping to',
    'would love to', 'please', 'want 2',
  ],
  change: ['reschedule', 'rebook', 'move', 'change', 'push', 'cancel', 'postpone', 'switch', 'shift', 'swap', 'delay', 'bump'],
  appts: [
    'appointment', 'appointments', 'booking', 'reservation', 'visit', 'session', 'lesson', 'class', 'meeting', 'consult',
    'consultation', 'cleaning', 'checkup', 'exam', 'tour', 'slot', 'time', 'date', 'day', 'spot', 'one', 'it', 'that',
    'service', 'pickup', 'delivery', 'order', 'call', 'treatment', 'massage', 'haircut', 'cut', 'trim', 'procedure', 'surgery',
  ],
  apptDet: ['my', 'the', 'our', 'this', 'that', "tomorrow's", "today's", 'mine', "this week's", 'your'],
  day: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday', 'mon', 'tue', 'tues', 'wed', 'thu', 'thur', 'thurs', 'fri', 'sat', 'sun', 'today', 'tomorrow', 'tonight', 'weekend'],
  other: ['different', 'another', 'new', 'later', 'earlier', 'diff', 'alternative', 'alternate', 'some other'],
  when: ['time', 'day', 'date', 'slot', 'appointment', 'week', 'timeslot', 'hour', 'morning', 'afternoon', 'evening', 'weekday', 'weekend'],
  good: ['good', 'great', 'perfect', 'fine', 'ok', 'okay', 'lovely', 'awesome', 'excellent', 'wonderful', 'cool', 'grand', 'right', 'like a plan', 'about right', 'good to me', 'great to me', 'fantastic', 'amazing', 'correct', 'alright'],
  it: ["that's", 'that is', "it's", 'it is', "that'll be", "it'll be", 'that should be', 'this is', 'all is', 'that would be', 'that will be', "that'd be", 'that time is', 'the time is', 'the date is', 'that day is', 'everything is', 'everything looks', 'that looks', 'it looks', 'looks', 'look', 'all looks', 'seems', 'that seems'],
  itWorks: [
    'that', 'this', 'it', 'which', 'the time', 'that time', 'this time', 'the date', 'that date', 'the day', 'that day', 'time', 'both',
    'either', 'anytime', 'any time', 'either one', 'either time', 'that slot', 'the slot', 'then', 'end of day', 'end of the day',
    'eod', 'noon', 'morning', 'afternoon', 'evening', '{day}',
  ],
  works: ['works', 'should work', 'will work', 'works fine', 'works great', 'works perfectly', 'works well', 'would work', 'can work', 'suits me', 'suits', 'is good', 'is fine', 'is great', 'is perfect', 'is ok', 'is okay'],
  hedge: [
    'not sure', 'unsure', 'maybe', 'might', 'possibly', 'perhaps', 'probably', 'idk', "i don't know", "don't know", 'dunno',
    'not certain', 'let you know', 'let me check', 'let me see', 'let me think', 'let me get back', 'get back to you', 'depends',
    'try to', "i'll try", 'i will try', "we'll try", 'will try', 'if i can', 'if we can', 'hopefully', 'hope to', 'hope so',
    'tbd', 'undecided', 'not yet sure', 'i think', 'i guess', 'guess so', 'kinda', 'kind of', 'sort of', 'not decided',
    'have to check', 'need to check', 'gotta check', 'will check', "i'll check", 'checking', 'if possible', 'depending', 'should be able',
    'should be there', 'should be fine', 'should be ok', 'i hope', 'hoping', 'planning to', 'plan to', 'not 100 sure',
    // Not doubt but a change a person should look at: "my wife will come instead of me".
    'instead',
  ],
};

type PhraseIntent = Known | 'hedge';

const optOutGrammar: string[] = [
  '{cease} [with] [{det}] <notices>',
  '{cease} {pronoun} $',
  '~{cease} {gerund} {me}',
  '{cease} {gerund} $',
  '{cease} {gerund} *3 <notices>',
  '{cease} (sending|sending me|sending us) (stuff|things|anything|this|these|those|them|that|crap)',
  '{cease} (receiving|getting) *2 <notices>',
  '{cease} (receiving|getting) {pronoun} $',
  '{cease} (contact|all contact|communication|all communication|communications)',
  'end [{det}] <notices>',
  '(cancel|end|stop|terminate|remove) [my|the|this|your] (subscription|sms subscription|text subscription|texting subscription|text alerts|sms alerts)',
  '~{noLonger} [ever|even] {contact} {me}',
  '{noLonger} [ever|even] {contact} [me|us] (again|anymore|any more|ever again|no more)',
  '{noLonger} {contact} $',
  '~(please|you|pls) not {contact} {me}',
  '{noLonger} [ever] send (me|us) (anything|any more|anymore|stuff|things|more|any|this|these|that|them|crap|junk|spam)',
  '{noLonger} [ever] send *3 <notices>',
  '(remove|delete|take|get|drop|erase|unlist) {meobj} (off|from|out of|off of) *2 <lists>',
  '(remove|delete|erase|drop|unlist) {meobj} $',
  '(take|get) {meobj} off $',
  'unsubscribe', 'unsubscribed', 'unsubscribing', 'unsub', 'unsuscribe', 'unsubcribe',
  'opt out', 'optout', 'opted out', 'opting out', 'optedout', 'opt (me|us|myself|my number|this number) out',
  'leave (me|us|my family|my wife|my husband) (alone|be)',
  '(asked|ask|want|wanted|would like|like|need|needs|please|wish) to be (removed|taken off|unsubscribed|opted out|left alone)',
  '(be|been|get|getting) (removed|taken off) (from|off|off of) *2 <lists>',
  'no more <notices>',
  'no more (texting|messaging|contact|contacting|calling|sending|of these|of this|of your texts|of your messages)',
  '^ no (texts|messages|sms|notifications|reminders|alerts|calls|more) $',
  '(lose|forget|delete|erase|remove|drop) (my|this) (number|phone number|cell|cell number|contact|info)',
  '{wantNot} {want} *4 <notices>',
  '{wantNot} {want} [to] (be contacted|be texted|be messaged|be called|be bothered|hear from you|receive anything|get anything|any of this|any more|anymore)',
  '{wantNot} {want} to (receive|get) (these|this|them|any more|anymore)',
  '(want|need|asking|ask|asked|told|tell|telling|begging|beg) (you|you all|you guys|yall) to stop',
  '(revoke|revoking|revoked|withdraw|withdrawing|withdrawn|retract|rescind|cancel) [my|all|any|our] consent',
  'revoke', 'revoked', 'revoking',
  '(i|we) (dont|do not|didnt|did not|never) (consent|agree to this|agree to these|agree to texts|give consent|gave consent|give you permission|gave you permission)',
  '(never|didnt|did not) (sign|signed) up $',
  '(never|didnt|did not) (sign|signed) up for (this|these|that|them|it|any of this|your texts|your messages|your list|texts|messages|<notices>)',
  '(never|didnt|did not) (subscribe|subscribed|opt in|opted in|ask for this|ask for these|asked for this|asked for these|give you my number|gave you my number)',
  // A wrong number never agreed to our texts (often a reassigned number): texting it again is the
  // very thing consent rules forbid, so it opts out like STOP.
  '(wrong|incorrect) (number|person|phone|phone number|cell|recipient|guy|girl|contact|individual|text|one)',
  "(you've|you have|you got|you texted|you messaged) [the|a] wrong (number|person|phone)",
  '(this|that) is not [a|the] (right|correct) (number|person)',
  '(no one|nobody|noone) [here|lives here] (by|named|with) that name', '(no one|nobody|noone) here (by|named|called)',
  'not (the|a) (right|correct) (number|person)',
  'make (it|this|them) stop',
  'how (do|can|to|would|could|should) [i|we] (stop|block|end|turn off|get off|unsubscribe|opt out) {pronoun} $',
  '(block|mute|turn off|shut off|switch off|get off) *2 <notices>',
  'how (do|can|to|would|could|should) [i|we] (stop|block|unsubscribe|opt out|get off) $',
  '(block|blocking|blocked|report|reporting|reported) (you|this number|your number|this sender|you guys)',
  '(block|blocking|blocked) this $',
  '(report|reporting|reported) (this|these|these texts) (as|for) spam', '(reported|reporting|marked|marking) (as|for) spam',
  '(this is|its|thats|that is|these are) (spam|junk|harassment|unsolicited)',
  '^ spam $',
  '(i|we) want out',
  'get me out of (this|here|your list|the list|your system)',
  'no longer interested in *2 <notices>',
  'enough (texts|messages|already|with the texts|with these texts|with the messages|is enough)',
];

const optInGrammar: string[] = [
  '(start|resume|restart|begin) (texting|messaging|sending) [me|us] [again|back] $',
  '(start|resume|restart|begin) (texting|messaging|sending) (me|us) *2 <notices> [again] $',
  '(start|resume|restart|begin) sending *2 <notices> [again] $',
  'opt [me|us|myself|back] in [again|back] $',
  're subscribe [me|us] $',
  '(subscribe|resubscribe) (me|us) (back|again|back in) $',
  'sign (me|us) [back] up [again|for texts|for reminders|for messages] $',
  '(add|put) (me|us|my number) back [on|in|to|onto] [the|your|this] [list|texts|messages|system] $',
  '(i|we) (want|would like|wanna) to (subscribe|resubscribe|opt in|opt back in|start getting texts|get texts again|receive texts again) [again|back] $',
  '(i|we) (want|would like|wanna) (texts|messages|reminders) again $',
];

// Asking who is writing is answered by the help text (business name, how to reach a person), so
// these read as help; but they are not the HELP keyword, and at 0.75 a stricter threshold sends
// them to a person instead.
const helpGrammar: Array<[string, number]> = [
  ['^ (what|whats|what is) (this|that) [about|for|regarding|re] $', WEAK],
  ['^ (what|whats|what is) this (message|text|number) [about|for|regarding] $', WEAK],
  ['^ (who|whos|who is|who are) (this|you|these|that) [people|guys] $', WEAK],
  ['^ who this $', WEAK],
  ['^ (wtf|wth|what the hell|what the heck) is (this|that) $', WEAK],
  ['^ who is (texting|messaging|contacting) (me|us|this number) $', WEAK],
  ['^ who (sent|is sending) (this|these|me this|me these) $', WEAK],
  ['^ (what|which) (company|business|place|office|practice|clinic|store|organization) is (this|that|texting me) $', WEAK],
  ['^ (how|where) did (you|you guys) get (my|this) number $', WEAK],
  ['^ (who|what) is this from $', WEAK],
  ['^ do i know you $', WEAK],
  ['^ [i] (need|want|would like) [some] help [please] $', PHRASE],
  ['^ (can|could) (you|someone|somebody|anyone) help [me|us] $', PHRASE],
  ['^ [i] (need|want) [more] (info|information|details) [please] $', PHRASE],
  ['^ (send|give) [me|us] [more|some] (info|information|details) $', PHRASE],
  ['^ more (info|information|details) $', PHRASE],
  ['^ help (me|us) (please|out) $', PHRASE],
];

const confirmGrammar: string[] = [
  '(sounds|sound|sounding|looks|look) {good}',
  '{will} {attend}',
  '(see|seeya|cya|cu) [you|ya|yall|you all] (then|there|soon|tomorrow|tonight|later|on|at|next|in|this|that|the|{day}|$)',
  '(works|work|working) for (me|us|everyone|both of us)',
  '{itWorks} {works}',
  'works [for me|for us|fine|great|perfectly|well] $',
  "(wouldn't|would not|won't|will not) miss it",
  '{it} {good}',
  'no doubt', 'of course', 'ofcourse', 'will do', 'count me in', 'count us in', '(looking|look|looks) forward', 'on my way', 'omw', 'on our way',
  'no problem', 'no prob', 'no probs', 'no problemo', 'not a problem', 'no worries', 'no worry', 'all good', 'all set', 'good to go',
  'got it', 'gotcha', 'i confirm', 'we confirm', 'confirming', 'confirmed', 'consider it confirmed',
  '(i|we) can (make it|come|be there|attend|do it|do that|go|make that|do then|make the appointment|make this)',
  '(i|we) (can|will|shall) $',
  '(i|we) can do (it|that|this|then|the|{day})',
  'can do $',
  'still on', 'still good', 'still coming', 'still planning on it', 'still planning to come',
  "(i'm|i am|we're|we are) (in|there|down|available|free|good to go|all set|confirmed) $",
  "(i'm|i am|we're|we are) (coming|on my way|on the way|ready|definitely coming)",
  'sure thing', "can't wait", 'be there', 'yes please',
  'and (come|be there|make it|attend|come in)',
  '(keep|keeping) (it|the appointment|my appointment|my spot|the booking|my booking|the reservation|my reservation|the time)',
  "(no|don't|do not|won't|will not|didn't|did not|doesn't|does not) (need|want|have) to {change}",
  "(don't|do not|please don't|please do not) (cancel|reschedule|move|change) [it|my appointment|the appointment|me]",
  '(no|not) (changes|change) [needed|necessary|required]',
  'why not $',
  '(i|we) (accept|agree)',
  '(fine|good|ok|okay|great) (by|with) (me|us)',
  'suits me', 'that suits', 'suits us',
  "it's a date", 'it is a date', 'sounds like a plan',
  "we're good", 'we good', 'all confirmed', 'yes i will', 'yes we will', 'yes i can', 'i will indeed',
  'for sure', 'you bet', 'you got it', '^ i do $', 'correct time',
];

const declineGrammar: string[] = [
  '{negCan} {negAttend}',
  "(can't|cannot|can not|couldn't|could not|won't be able to) do",
  "(i|we) (can't|cannot|can not|won't|will not|couldn't|could not|am unable|am not able|won't be able|will not be able) $",
  "(i'm|i am|we are|we're|i'll be|i will be|we'll be|we will be) (not|unable) (able to|going to|gonna) (make it|come|attend|be there|go)",
  '{needTo} {change}',
  'reschedule', 'rescheduling', 'rescheduled', 'rebook', 'rebooking', 'postpone', 'postponing', 'postponed',
  'push (it|this|that|my appointment|the appointment|me) (back|to|out)', 'push back', 'move (it|this|that|me) (to|back|up|out)',
  'rain check', 'raincheck', '(can|could) (we|i) *4 instead', 'change of plans',
  '(can|could) (we|i) (do|make it|try|come|go for|switch to|change to|move it to|push it to) [it] [on|to] (next|another|a different|later|earlier|a later|an earlier)',
  "^ (can't|cannot|can not|won't) $", '(nothing|neither|none) *3 (works|work)', 'plans changed', 'plans have changed', 'changed my mind', 'change my mind',
  '{other} <when>',
  '(move|change|push|switch|shift|swap|bump) {apptDet} <appts>',
  'cancel {apptDet} <appts>',
  'cancel (appointment|appointments|booking|reservation|visit|session|lesson|class|meeting|consult|consultation|cleaning|checkup|exam|tour)',
  'cancel [for|on] {day}',
  "(not|won't be|will not be|am not|i'm not|not going to be|not gonna be|no longer|is not) (available|free|around|in town|home|able|in the area)",
  'unavailable', 'out of town', 'out of the country', 'out of state', 'away on (business|vacation|holiday)',
  "(i'm|i am|i'll be|i will be|we're|we are|we'll be|we will be) (busy|away|traveling|travelling|at work|out of town)",
  'busy (then|that day|tomorrow|today|all day|that time|at that time|this week|on {day})',
  'something (came|has come|come|just came|has just come|else came) up', "something's come up", 'something popped up', 'came up',
  '(family|medical|work|personal) (emergency|matter|issue)', 'an emergency', 'had an emergency', 'have an emergency',
  "(i'm|i am|i feel|feeling|got|am|was|been|i've been|i have been|i'm still|i am still|kid is|son is|daughter is|husband is|wife is) (sick|ill|unwell|not well|not feeling well|under the weather|in the hospital|hospitalized)",
  'not feeling well', 'under the weather', 'stuck at work', '(have|got|gotta|need) to work', 'have work', 'got work', 'working that day',
  'no thanks', 'no thank you', 'not today', 'not tomorrow', 'not this time', 'not this week', 'not now', 'no can do',
  "[i|we] (don't|do not) think so",
  "(not|won't be|will not be|am not|i'm not|not going to be|not gonna be|no longer) (coming|going|attending|making it|showing up|there)",
  "(won't|will not|not) be (there|coming|attending|able|making it|joining|present)",
  "(i'll|i will|we'll|we will|gonna|going to|have to|i have to|i'll have to|will have to) (pass|skip|miss)",
  // Turning down what was offered, not the texts: "not interested" declines; "not interested, stop
  // texting" or "no longer interested in these texts" opts out.
  'not interested', 'no longer interested', 'not (needed|necessary|required) [anymore]',
  "(no longer|don't|do not) need (it|the appointment|my appointment|this|that|the visit|the service)",
  "(that|it|this|then|the time|that time|the date|that date|that day|the day|neither|{day}) (doesn't|does not|won't|will not|don't|do not|isn't|is not|ain't) (work|good|suit|possible)",
  "(doesn't|does not|won't|will not|don't|do not) work (for me|for us)",
  'not (going|gonna) (happen|work)', 'not possible', 'impossible', 'no way i can',
  '(absolutely|definitely|certainly|hell|heck|of course|surely|totally|sure|ok|okay) not', 'not a chance', 'no chance', 'hard pass',
  'will miss', 'have to miss', 'going to miss', 'gonna miss', 'need to miss', 'must miss',
];

/** A canonical word, any word of a set, or a gap of up to N words. */
type Part = string | Set<string> | number;

interface Phrase {
  intent: PhraseIntent;
  confidence: number;
  /** Words and word sets it matches, gaps not counted: at one position the bigger phrase wins. */
  size: number;
  /** The order written, which settles ties. */
  rank: number;
  start: boolean;
  end: boolean;
  /** Starts with a verb that "don't" turns around: "don't stop the reminders". */
  negatable: boolean;
  /** Starts with a "no" that only reads as part of the phrase when nothing separates them. */
  negationLed: boolean;
  /** May be followed by terms that turn it into a restriction: "don't text me before 9". */
  restrictable: boolean;
}

const ceaseVerbs = new Set(vocab.cease!);
const negationWords = setOf(['no', 'not', "don't", 'do', "won't", 'will', "didn't", 'did', "doesn't", 'does', "wouldn't", 'would']);
const negators = setOf(["don't", 'never', 'not']);
// "No, need to change the time" is a no and a request; "no need to change" is neither.
const negationAlone = /\b(?:no|not|don['\u2019]?t|do not|won['\u2019]?t|will not|didn['\u2019]?t|did not|doesn['\u2019]?t|does not|wouldn['\u2019]?t|would not)\s*[,.;:!?\u2026]/i;

function expand(pattern: string): string[][] {
  let results: string[][] = [[]];
  for (const slot of parseSlots(pattern)) {
    const next: string[][] = [];
    for (const prefix of results) for (const alternative of slot) next.push([...prefix, ...alternative]);
    results = next;
  }
  return results;
}

function parseSlots(pattern: string): string[][][] {
  const slots: string[][][] = [];
  for (const m of pattern.matchAll(/\(([^)]*)\)|\[([^\]]*)\]|(\S+)/g)) {
    if (m[1] !== undefined) slots.push(alternatives(m[1]));
    else if (m[2] !== undefined) slots.push([[], ...alternatives(m[2])]);
    else slots.push(alternatives(m[3]!));
  }
  return slots;
}

function alternatives(group: string): string[][] {
  return group.split('|').flatMap((alternative) => {
    let results: string[][] = [[]];
    for (const word of alternative.trim().split(/\s+/)) {
      const ref = /^\{(\w+)\}$/.exec(word);
      const options = ref ? fromVocab(ref[1]!) : [[word]];
      results = results.flatMap((prefix) => options.map((o) => [...prefix, ...o]));
    }
    return results;
  });
}

function fromVocab(name: string): string[][] {
  const list = vocab[name];
  if (!list) throw new Error(`intent grammar: no vocabulary {${name}}`);
  return list.flatMap((entry) => alternatives(entry));
}

const wordSets = new Map<string, Set<string>>();
function wordSet(name: string): Set<string> {
  let set = wordSets.get(name);
  if (!set) {
    const list = vocab[name];
    if (!list || list.some((w) => w.includes(' '))) throw new Error(`intent grammar: <${name}> needs a vocabulary of single words`);
    wordSets.set(name, (set = new Set(list.map(canon))));
  }
  return set;
}

function part(word: string): Part {
  if (word.startsWith('*')) return Number(word.slice(1));
  if (word.startsWith('<')) return wordSet(word.slice(1, -1));
  return canon(word);
}

// Phrases share their beginnings in a word trie, so matching at a word of a reply costs a few map
// lookups however many thousand phrases the grammars expand to.
interface Node {
  words: Map<string, Node>;
  sets: Array<{ set: Set<string>; node: Node }>;
  gaps: Array<{ most: number; node: Node }>;
  ends: Phrase[];
}

const newNode = (): Node => ({ words: new Map(), sets: [], gaps: [], ends: [] });

function childOf(node: Node, p: Part): Node {
  if (typeof p === 'string') {
    let next = node.words.get(p);
    if (!next) node.words.set(p, (next = newNode()));
    return next;
  }
  if (typeof p === 'number') {
    let edge = node.gaps.find((g) => g.most === p);
    if (!edge) node.gaps.push((edge = { most: p, node: newNode() }));
    return edge.node;
  }
  let edge = node.sets.find((e) => e.set === p);
  if (!edge) node.sets.push((edge = { set: p, node: newNode() }));
  return edge.node;
}

function buildTrie(grammars: Array<[PhraseIntent, ReadonlyArray<string | [string, number]>, number]>): Node {
  const root = newNode();
  const seen = new Set<string>();
  let rank = 0;
  for (const [intent, patterns, defaultConfidence] of grammars) {
    for (const item of patterns) {
      const [written, confidence] = typeof item === 'string' ? [item, defaultConfidence] : item;
      const restrictable = written.startsWith('~');
      const pattern = restrictable ? written.slice(1) : written;
      rank++;
      for (const raw of expand(pattern)) {
        const start = raw[0] === '^';
        const end = raw[raw.length - 1] === '$';
        const words = raw.filter((w) => w !== '^' && w !== '$');
        const key = `${start ? '^' : ''}${words.join(' ')}${end ? '$' : ''}`;
        if (words.length === 0 || seen.has(key)) continue;
        seen.add(key);
        const parts = words.map(part);
        const first = parts[0];
        if (typeof first !== 'string') throw new Error(`intent grammar: "${pattern}" must start with a word`);
        let node = root;
        for (const p of parts) node = childOf(node, p);
        node.ends.push({
          intent,
          confidence,
          size: parts.filter((p) => typeof p !== 'number').length,
          rank,
          start,
          end,
          negatable: intent === 'opt_out' && ceaseVerbs.has(first),
          negationLed: intent === 'confirm' && negationWords.has(first),
          restrictable,
        });
      }
    }
  }
  return root;
}

// Opt-out phrases are matched on their own, so no phrase of another kind can swallow their words.
const optOutPhrases = buildTrie([['opt_out', optOutGrammar, PHRASE]]);
const replyPhrases = buildTrie([
  ['opt_in', optInGrammar, PHRASE],
  ['help', helpGrammar, PHRASE],
  ['decline', declineGrammar, PHRASE],
  ['confirm', confirmGrammar, PHRASE],
  ['hedge', vocab.hedge!, PHRASE],
]);

interface Hit {
  phrase: Phrase;
  start: number;
  end: number;
}

// The state of one scan, outside the recursion so that matching allocates nothing but its hits.
let scanKeys: string[] = [];
let scanText = '';
let scanFrom = 0;
let scanLeading = true;
let negationKnown = false;
let negationStandsAlone = false;
let best: Phrase | null = null;
let bestEnd = 0;

/** Leftmost-longest phrase matches, in order. */
function scan(root: Node, keys: string[], text: string, firstOnly: boolean): Hit[] {
  const hits: Hit[] = [];
  scanKeys = keys;
  scanText = text;
  scanLeading = true;
  negationKnown = false;
  for (let i = 0; i < keys.length; ) {
    const phrase = longestAt(root, i);
    if (phrase) {
      hits.push({ phrase, start: i, end: bestEnd });
      if (firstOnly) break;
      i = bestEnd;
      scanLeading = false;
    } else {
      if (!leadFiller.has(keys[i]!)) scanLeading = false;
      i++;
    }
  }
  scanKeys = [];
  scanText = '';
  return hits;
}

function longestAt(root: Node, i: number): Phrase | null {
  best = null;
  const first = root.words.get(scanKeys[i]!);
  if (first) {
    scanFrom = i;
    walk(first, i + 1);
  }
  return best;
}

function walk(node: Node, at: number): void {
  for (let j = 0; j < node.ends.length; j++) {
    const phrase = node.ends[j]!;
    if (best && (phrase.size < best.size || (phrase.size === best.size && (at > bestEnd || (at === bestEnd && phrase.rank >= best.rank))))) continue;
    if (accepts(phrase, at)) {
      best = phrase;
      bestEnd = at;
    }
  }
  if (at < scanKeys.length) {
    const key = scanKeys[at]!;
    const next = node.words.get(key);
    if (next) walk(next, at + 1);
    for (let j = 0; j < node.sets.length; j++) if (node.sets[j]!.set.has(key)) walk(node.sets[j]!.node, at + 1);
  }
  for (let j = 0; j < node.gaps.length; j++) {
    const gap = node.gaps[j]!;
    for (let skip = 0; skip <= gap.most && at + skip <= scanKeys.length; skip++) walk(gap.node, at + skip);
  }
}

function accepts(phrase: Phrase, end: number): boolean {
  const keys = scanKeys;
  if (phrase.start && !scanLeading) return false;
  // "Why don't you stop texting me" still asks us to stop.
  if (phrase.negatable && scanFrom > 0 && negators.has(keys[scanFrom - 1]!) && keys[scanFrom - 2] !== 'why') return false;
  if (phrase.negationLed) {
    if (!negationKnown) {
      negationStandsAlone = negationAlone.test(scanText);
      negationKnown = true;
    }
    if (negationStandsAlone) return false;
  }
  if (phrase.end) {
    for (let j = end; j < keys.length; j++) if (!keywordFiller.has(keys[j]!)) return false;
    return true;
  }
  // "at all" insists; "at work" restricts.
  return !(phrase.restrictable && end < keys.length && restrictionWords.has(keys[end]!) && !(keys[end] === 'at' && keys[end + 1] === 'all'));
}

const restrictionWords = setOf([
  'before', 'after', 'until', 'till', 'til', 'between', 'on', 'at', 'during', 'so', 'too', 'this', 'that', 'in', 'while', 'when',
  'past', 'early', 'late', 'earlier', 'later', 'tonight', 'every', 'overnight', 'weekends', 'unless', 'if', 'without', 'from',
  'yet', 'first', 'instead', 'the',
]);

// ---------------------------------------------------------------------------------------------
// STOP inside a longer reply.

// Words before a final "stop" that make it a noun or someone else's verb: "bus stop", "the next
// stop", "don't stop", "when will it stop", "where do I stop".
const stopModifiers = setOf([
  'a', 'an', 'the', 'each', 'every', 'my', 'your', 'his', 'her', 'our', 'their', 'its', 'which', 'what', 'whose',
  'next', 'last', 'first', 'second', 'third', 'final', 'only', 'one', 'another', 'more', 'extra', 'quick', 'short', 'brief', 'rest',
  'pit', 'bus', 'train', 'tram', 'subway', 'metro', 'truck', 'shuttle', 'rail', 'ferry', 'whistle', 'door', 'full', 'hard', 'complete',
  'sudden', 'dead', 'total', 'abrupt', 'request', 'emergency', 'non', 'gas', 'photo', 'f', 'back', 'tour',
  "don't", 'never', "can't", 'cannot', "couldn't", "didn't", 'not', "doesn't", "wouldn't", "shouldn't", "won't",
  'i', 'we', 'they', 'he', 'she', 'it', 'to', 'will', 'did', 'does', 'do', 'would', 'should', 'could', 'gonna', 'may', 'might',
  'must', 'can', "isn't", "aren't", "wasn't",
]);
const stopWords = setOf(['stop', 'stopall']);
const setApartGate = setOf(['stop', 'stopall', 'quit']);
const wrongNumberSign = /\bwrong\s*#/i;
// A carrier keyword standing as its own clause: "Wrong number. STOP", "STOP! who is this?".
const setApartKeyword =
  /(?:^|[.,;:!?\n\u2026)]|\s[-\u2013\u2014]+\s|\p{Extended_Pictographic})[\s"'*]*(stop[\s-]*all|stop|quit)[\s"'*]*(?:$|[.,;:!?\n\u2026(]|\p{Extended_Pictographic})/iu;

// ---------------------------------------------------------------------------------------------
// Typos: a single word one keyboard slip from a keyword. Short keywords sit close to ordinary words
// ("stop" → "step", "shop", "atop"), so for them a substitution counts only when it hits a
// neighbouring key, an inserted letter must double or neighbour the letters beside it, and the real
// words that remain are refused. Long keywords have no such neighbours: any one edit counts.

const keyboardRows = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const neighbours = new Map<string, string>();
keyboardRows.forEach((row, r) => {
  for (let i = 0; i < row.length; i++) {
    // Rows are staggered: the keys touching position i are i-1 and i on the row below, i and i+1
    // on the row above.
    const touching = [row[i - 1], row[i + 1], keyboardRows[r + 1]?.[i - 1], keyboardRows[r + 1]?.[i], keyboardRows[r - 1]?.[i], keyboardRows[r - 1]?.[i + 1]];
    neighbours.set(row[i]!, touching.filter((c) => c !== undefined).join(''));
  }
});
const near = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && (neighbours.get(a)?.includes(b) ?? false);

/** One keyboard slip apart: adjacent letters swapped, a letter dropped, a fat-finger insertion or substitution. */
export function isKeyboardSlip(word: string, target: string): boolean {
  const lw = word.length;
  const lt = target.length;
  const loose = lt >= 7;
  let i = 0;
  while (i < lw && i < lt && word[i] === target[i]) i++;
  if (lw === lt) {
    if (i === lw) return false;
    if (word.slice(i + 1) === target.slice(i + 1)) return loose || near(word[i], target[i]);
    return word[i] === target[i + 1] && word[i + 1] === target[i] && word.slice(i + 2) === target.slice(i + 2);
  }
  if (lw === lt + 1) {
    if (word.slice(i + 1) !== target.slice(i)) return false;
    const extra = word[i];
    return loose || extra === target[i - 1] || extra === target[i] || near(extra, target[i - 1]) || near(extra, target[i]);
  }
  if (lw === lt - 1) return word.slice(i) === target.slice(i + 1);
  return false;
}

// Keywords of four letters or more; shorter ones ("yes", "end") have too many real neighbours.
const typoTargets: Array<[string, Known]> = [
  ['stop', 'opt_out'], ['stopall', 'opt_out'], ['unsubscribe', 'opt_out'], ['optout', 'opt_out'], ['revoke', 'opt_out'], ['cancel', 'opt_out'], ['quit', 'opt_out'],
  ['start', 'opt_in'], ['unstop', 'opt_in'], ['subscribe', 'opt_in'], ['resubscribe', 'opt_in'],
  ['help', 'help'], ['info', 'help'],
  ['confirm', 'confirm'], ['confirmed', 'confirm'], ['okay', 'confirm'], ['sure', 'confirm'], ['yeah', 'confirm'], ['absolutely', 'confirm'],
  ['definitely', 'confirm'], ['perfect', 'confirm'], ['correct', 'confirm'], ['certainly', 'confirm'], ['great', 'confirm'], ['alright', 'confirm'],
  ['awesome', 'confirm'], ['nope', 'decline'], ['reschedule', 'decline'],
];
// The real words among the slips of the targets above (found by listing every slip of each).
const realWords = new Set([
  'top', 'atop', 'strop', 'yelp', 'hell', 'helo', 'hel', 'into', 'tart', 'stat', 'star', 'starr', 'sue', 'sire', 'surd', 'surer',
  'kay', 'olay', 'hope', 'mope', 'treat', 'greta', 'evoke', 'conform', 'conformed', 'alight', 'aright', 'subscriber',
]);
// Misspellings beyond one slip, and slips of words too short for the rule ("yes" → "yse").
const knownTypos = new Map<string, [string, Known]>([
  ...['yse', 'ys', 'yess', 'yeas', 'yez', 'yws', 'ues', 'tes', 'yesd', 'yees', 'yeys', 'yss', 'uyes', 'yesa'].map((w): [string, [string, Known]] => [w, ['yes', 'confirm']]),
  ['definately', ['definitely', 'confirm']], ['definatly', ['definitely', 'confirm']], ['defintely', ['definitely', 'confirm']],
  ['absolutly', ['absolutely', 'confirm']], ['confrim', ['confirm', 'confirm']], ['comfirm', ['confirm', 'confirm']],
  ['comfirmed', ['confirmed', 'confirm']], ['confimed', ['confirmed', 'confirm']], ['yeap', ['yep', 'confirm']], ['yepp', ['yep', 'confirm']],
  ['yupp', ['yup', 'confirm']], ['noo', ['no', 'decline']], ['nno', ['no', 'decline']], ['nahh', ['nah', 'decline']],
]);

function typoOf(word: string): [string, Known] | null {
  const known = knownTypos.get(word);
  if (known) return known;
  if (word.length < 3 || realWords.has(word)) return null;
  for (const entry of typoTargets) {
    if (Math.abs(entry[0].length - word.length) <= 1 && isKeyboardSlip(word, entry[0])) return entry;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Emoji: normalization removes them, so a reply of only 👍 is read here.

const confirmEmoji = /[\u{1F44D}\u{1F44C}\u2705\u2714\u2611\u{1F197}\u{1F4AF}\u{1F91D}\u{1F64C}\u{1F646}]/u;
const declineEmoji = /[\u{1F44E}\u274C\u274E\u2716\u{1F6AB}\u26D4\u{1F645}]/u;
const stopEmoji = /\u{1F6D1}/u;
const asciiOnly = /^[\x00-\x7f]*$/;

/** What the emoji of a reply say: 👍 ✅ 👌 confirm, 👎 ❌ decline, 🛑 opt out; mixed signs say nothing. */
export function emojiIntent(text: string): 'confirm' | 'decline' | 'opt_out' | null {
  if (asciiOnly.test(text)) return null;
  if (stopEmoji.test(text)) return 'opt_out';
  const yes = confirmEmoji.test(text);
  const no = declineEmoji.test(text);
  return yes === no ? null : yes ? 'confirm' : 'decline';
}

// ---------------------------------------------------------------------------------------------

const reading = (intent: Intent, confidence: number, reason: string, match: string | null): Classification => ({ intent, confidence, reason, match });
const question = /\?/;

export function classify(text: string, options: ClassifyOptions = {}): Classification {
  const threshold = options.threshold ?? defaultThreshold;
  let words = replyWords(text);
  if (hasStretch(text)) words = words.map(unstretch);
  if (spelledOut(words)) words = [words.join('')];
  const best = read(text, words, options.optedOut === true, threshold);
  if (best.intent === 'opt_out' || best.intent === 'unknown' || best.confidence >= threshold) return best;
  return reading('unknown', best.confidence, `${best.reason}: ${best.intent} below the ${threshold} threshold`, best.match);
}

/** Whether some letter comes three times in a row ("stoppp", "nooo"), without a regex per message. */
function hasStretch(text: string): boolean {
  for (let i = 2; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === text.charCodeAt(i - 1) && c === text.charCodeAt(i - 2) && (c > 127 || ((c | 32) >= 97 && (c | 32) <= 122))) return true;
  }
  return false;
}

/** "S T O P", "S.T.O.P.": a word spelled letter by letter. */
function spelledOut(words: string[]): boolean {
  if (words.length < 2 || words.length > 12) return false;
  for (const word of words) if (word.length !== 1) return false;
  return true;
}

const stretched = /(\p{L})\1\1/u;

/** "Stoppppp", "nooooo", "pleaseee" are emphasis, not new words; "cooool" is "cool", not "col". */
function unstretch(word: string): string {
  if (!stretched.test(word)) return word;
  const single = word.replace(/(\p{L})\1{2,}/gu, '$1');
  return knownWords.has(canon(single)) ? single : word.replace(/(\p{L})\1{2,}/gu, '$1$1');
}

/** The best reading at or above the threshold in precedence order, or the best guess below it. */
function read(text: string, words: string[], optedOut: boolean, threshold: number): Classification {
  if (words.length === 0) return readEmojiOnly(text);
  const keys = words.map(canon);
  const whole = keys.join(' ');
  const said = words.join(' ');

  const optOut = readOptOut(text, words, keys, whole);
  if (optOut) return optOut;

  if (optInKeywords.has(whole) || optInWhole.has(whole)) return reading('opt_in', KEYWORD, `keyword "${said}"`, said);
  if (optedOut && resubscribeYes.has(whole)) return reading('opt_in', KEYWORD, `keyword "${said}" from an opted-out contact`, said);
  const optInAt = keywordAmongFiller(keys, optInKeywords);
  if (optInAt >= 0) return reading('opt_in', KEYWORD_WITH_FILLER, `keyword "${words[optInAt]}"`, words[optInAt]!);
  if (optedOut && resubscribeYes.has(keys[0]!) && keys.every((k, i) => i === 0 || answerFiller.has(k))) {
    return reading('opt_in', KEYWORD_WITH_FILLER, `keyword "${words[0]}" from an opted-out contact`, words[0]!);
  }

  if (helpKeywords.has(whole) || helpWhole.has(whole)) return reading('help', KEYWORD, `keyword "${said}"`, said);
  const helpAt = keywordAmongFiller(keys, helpKeywords);
  if (helpAt >= 0) return reading('help', KEYWORD_WITH_FILLER, `keyword "${words[helpAt]}"`, words[helpAt]!);

  if (!question.test(text)) {
    if (confirmWords.has(whole)) return reading('confirm', KEYWORD, `keyword "${said}"`, said);
    if (declineWords.has(whole)) return reading('decline', KEYWORD, `keyword "${said}"`, said);
  }

  let guess: Classification | null = null;
  const candidates: Classification[] = [];
  const hits = scan(replyPhrases, keys, text, false);
  for (const hit of hits) {
    const intent = hit.phrase.intent;
    if (intent === 'opt_in' || intent === 'help') {
      const matched = words.slice(hit.start, hit.end).join(' ');
      candidates.push(reading(intent, hit.phrase.confidence, `${hit.phrase.confidence < PHRASE ? 'question' : 'phrase'} "${matched}"`, matched));
    }
  }
  if (keys.length === 1) {
    const typo = typoOf(keys[0]!);
    // Resubscribing on a misread would text someone who asked us to stop: a misspelt START stays
    // a guess, below the default threshold.
    if (typo) candidates.push(reading(typo[1], typo[1] === 'opt_in' ? GUESS : TYPO, `typo of "${typo[0]}"`, words[0]!));
  }
  if (keys.includes('help')) candidates.push(reading('help', GUESS, 'mentions "help"', 'help'));
  const answer = readAnswer(text, words, keys, hits);
  if (answer) candidates.push(answer);
  const emoji = emojiIntent(text);
  if (emoji === 'confirm' || emoji === 'decline') candidates.push(reading(emoji, GUESS, 'emoji beside words without an answer', null));

  for (const candidate of candidates) {
    if (candidate.confidence >= threshold) return candidate;
    if (!guess || candidate.confidence > guess.confidence) guess = candidate;
  }
  return guess ?? reading('unknown', 0, 'no keyword, phrase or answer found', null);
}

function readEmojiOnly(text: string): Classification {
  const emoji = emojiIntent(text);
  const shown = text.trim();
  if (emoji) return reading(emoji, SET_APART, `emoji ${shown}`, shown);
  return reading('unknown', 0, shown === '' ? 'empty reply' : 'no words, and no emoji that answers', null);
}

/** Where the one keyword of an otherwise filler reply is ("please STOP", "stop it now"), or -1. */
function keywordAmongFiller(keys: string[], keywords: Set<string>): number {
  let at = -1;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (keywords.has(key)) {
      if (at >= 0 && keys[at] !== key) return -1;
      if (at < 0) at = i;
    } else if (!keywordFiller.has(key)) {
      return -1;
    }
  }
  return at;
}

function readOptOut(text: string, words: string[], keys: string[], whole: string): Classification | null {
  if (optOutKeywords.has(whole) || optOutWhole.has(whole)) {
    const said = words.join(' ');
    return reading('opt_out', KEYWORD, `keyword "${said}"`, said);
  }

  const phrase = scan(optOutPhrases, keys, text, true)[0];
  if (phrase) {
    const said = words.slice(phrase.start, phrase.end).join(' ');
    return reading('opt_out', PHRASE, `phrase "${said}"`, said);
  }

  const at = keywordAmongFiller(keys, optOutKeywords);
  if (at >= 0) return reading('opt_out', KEYWORD_WITH_FILLER, `keyword "${words[at]}"`, words[at]!);

  // "yes STOP", "I said stop", "who is this stop": STOP at the end, after anything that leaves it a
  // request rather than a noun or someone else's verb.
  let last = keys.length - 1;
  while (last > 0 && keywordFiller.has(keys[last]!) && !stopWords.has(keys[last]!)) last--;
  if (last > 0 && stopWords.has(keys[last]!) && !stopModifiers.has(keys[last - 1]!)) {
    return reading('opt_out', SET_APART, `keyword "${words[last]}" ends the reply`, words[last]!);
  }

  // "#" is punctuation to normalization, so "wrong #" arrives as "wrong".
  if (keys.includes('wrong') && wrongNumberSign.test(text)) return reading('opt_out', PHRASE, 'phrase "wrong #"', 'wrong #');

  if (keys.some((k) => setApartGate.has(k))) {
    const m = setApartKeyword.exec(text);
    if (m) {
      const said = m[1]!.toLowerCase().replace(/[\s-]+/g, ' ');
      return reading('opt_out', SET_APART, `keyword "${said}" set apart`, said);
    }
  }

  if (keys.every((k, i) => i === 0 || keywordFiller.has(k))) {
    const typo = typoOf(keys[0]!);
    if (typo && typo[1] === 'opt_out') return reading('opt_out', TYPO, `typo of "${typo[0]}"`, words[0]!);
  }
  return null;
}

const spanOf = (words: string[], hit: Hit) => words.slice(hit.start, hit.end).join(' ');

function readAnswer(text: string, words: string[], keys: string[], hits: Hit[]): Classification | null {
  let f = 0;
  while (f < keys.length - 1 && interjections.has(keys[f]!)) f++;
  const first = keys[f]!;
  const said = words[f]!;
  const exclaimed = f > 0 && exclamations.has(`${keys[f - 1]} ${first}`);
  const leadingIntent = exclaimed ? null : confirmWords.has(first) ? 'confirm' : declineWords.has(first) ? 'decline' : null;

  // "yes please", "no sorry", "ok ok", "oh yes 👍"; but "ok?" and "yes??" ask rather than answer.
  if (leadingIntent && first !== '1' && first !== '2') {
    const same = leadingIntent === 'confirm' ? confirmWords : declineWords;
    if (keys.every((k, i) => i === f || answerFiller.has(k) || (same.has(k) && !wholeOnlyAnswers.has(k)))) {
      if (question.test(text)) return reading(leadingIntent, GUESS, `keyword "${said}" asked as a question`, said);
      return reading(leadingIntent, KEYWORD_WITH_FILLER, `keyword "${said}"`, said);
    }
  }

  let confirm: Hit | undefined;
  let decline: Hit | undefined;
  let hedge: Hit | undefined;
  for (const hit of hits) {
    const intent = hit.phrase.intent;
    if (intent === 'confirm') confirm ??= hit;
    else if (intent === 'decline') decline ??= hit;
    else if (intent === 'hedge') hedge ??= hit;
  }
  // A leading yes or no counts only when no phrase already used it ("no problem", "yes please").
  const leading =
    leadingIntent && !wholeOnlyAnswers.has(first) && !hits.some((h) => h.start <= f) && !leadingIdioms.has(`${first} ${keys[f + 1] ?? ''}`) ? leadingIntent : null;

  // Rescheduling wins over everything else said ("yes but I need to reschedule"): it is the request
  // someone has to act on. Any other sign in the reply lowers the confidence.
  if (decline) {
    const against = confirm ? ` over "${spanOf(words, confirm)}"` : leading === 'confirm' ? ` over "${said}"` : hedge ? ` despite "${spanOf(words, hedge)}"` : '';
    return reading('decline', against ? WEAK : decline.phrase.confidence, `phrase "${spanOf(words, decline)}"${against}`, spanOf(words, decline));
  }
  if (confirm) {
    if (hedge) return reading('confirm', GUESS, `phrase "${spanOf(words, confirm)}" hedged by "${spanOf(words, hedge)}"`, spanOf(words, confirm));
    // "no, I'll be there": the specific phrase outweighs a bare "no", which may answer another
    // question ("any changes?", "do you need directions?"), but not by much.
    if (leading === 'decline') return reading('confirm', WEAK, `phrase "${spanOf(words, confirm)}" over "${said}"`, spanOf(words, confirm));
    return reading('confirm', confirm.phrase.confidence, `phrase "${spanOf(words, confirm)}"`, spanOf(words, confirm));
  }
  if (hedge) {
    if (leading) return reading(leading, GUESS, `"${said}" hedged by "${spanOf(words, hedge)}"`, said);
    return reading('unknown', 0, `hedge "${spanOf(words, hedge)}"`, spanOf(words, hedge));
  }

  if (leading) {
    const opposite = leading === 'confirm' ? declineWords : confirmWords;
    if (keys.some((k, i) => i > f && opposite.has(k) && !wholeOnlyAnswers.has(k))) {
      return reading(leading, GUESS, `"${said}" and its opposite in one reply`, said);
    }
    // An answer with a remark ("yes, 3pm works") is the answer; one followed by a question ("ok what
    // time?") may only acknowledge the message, so it is left to a person.
    if (question.test(text)) return reading(leading, GUESS, `"${said}" before a question`, said);
    return reading(leading, WEAK, `"${said}" leads the reply`, said);
  }

  // "yse please", "oh yse": a typo with filler around it.
  if (keys.length > 1 && keys.every((k, i) => i === f || answerFiller.has(k))) {
    const typo = typoOf(first);
    if (typo && (typo[1] === 'confirm' || typo[1] === 'decline')) return reading(typo[1], TYPO, `typo of "${typo[0]}"`, said);
  }
  if (first === 'thanks' || (first === 'thank' && keys[1] === 'you')) {
    if (keys.every((k) => answerFiller.has(k))) return reading('confirm', GUESS, 'thanks alone acknowledges, it does not answer', words.join(' '));
  }
  return null;
}

// Every word the tables know, so "pleaseee" becomes "please" while "cooool" stays "cool".
const knownWords = new Set<string>([
  ...keywordFiller, ...answerFiller, ...optOutKeywords, ...optInKeywords, ...helpKeywords, ...confirmWords, ...declineWords,
  ...wordsOf(optOutPhrases),
  ...wordsOf(replyPhrases),
]);

function wordsOf(node: Node): string[] {
  return [
    ...[...node.words].flatMap(([word, next]) => [word, ...wordsOf(next)]),
    ...node.sets.flatMap((e) => [...e.set, ...wordsOf(e.node)]),
    ...node.gaps.flatMap((g) => wordsOf(g.node)),
  ];
}
