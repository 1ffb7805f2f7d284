import { PHRASE, WEAK, type Known } from './intents.js';

// Phrases, written as small grammars and expanded once at load into word sequences, so families
// ("stop|quit|cease" × "texting|messaging|…" × "me|us|this number") generalize without a regex per
// message. Syntax: (a|b c) one of, [a|b] optional, {name} any entry of a vocabulary below, <name>
// any one word of a one-word vocabulary (matched by set, not expanded), *N up to N words of anything
// ("stop sending me all these texts"), ^ only after greetings, $ only filler after, and a leading ~
// for a request that a time may qualify ("don't text me before 9" sets terms, it does not opt out).

// prettier-ignore
export const vocab: Record<string, string[]> = {
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

export type PhraseIntent = Known | 'hedge';

// prettier-ignore
export const optOutGrammar: string[] = [
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

// prettier-ignore
export const optInGrammar: string[] = [
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
// prettier-ignore
export const helpGrammar: Array<[string, number]> = [
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

// prettier-ignore
export const confirmGrammar: string[] = [
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

// prettier-ignore
export const declineGrammar: string[] = [
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
