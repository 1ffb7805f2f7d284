import type { Intent } from './classify.js';

// Replies as people actually send them to "Reply YES to confirm or NO to reschedule", written for
// Parley's tests and benchmark. Each line is what the classifier must read. `falseFriend` marks
// replies that contain an opt-out word but are not opt-outs: the costliest mistake in the other
// direction is texting someone who asked us to stop, so opt-out recall is checked separately and
// strictly, and false friends prove it is not bought by reading every "stop" as STOP.

export interface CorpusLine {
  text: string;
  intent: Intent;
  optedOut?: boolean;
  falseFriend?: boolean;
}

const lines = (intent: Intent, texts: string[], extra: Partial<CorpusLine> = {}): CorpusLine[] => texts.map((text) => ({ text, intent, ...extra }));

export const corpus: CorpusLine[] = [
  ...lines('opt_out', [
    'STOP', 'stop', 'Stop', 'Stop.', 'STOP!', 'stop!!!', ' stop ', 'STOP 🛑', 'Stop 🙏', 'stop.', 'STOP PLEASE', 'Stop please',
    'please stop', 'Pls stop', 'stop it', 'Stop it now', 'STOP NOW', 'stop all', 'STOPALL', 'StopAll', 'stop all texts',
    'UNSUBSCRIBE', 'unsubscribe', 'Unsubscribe me', 'unsubscribe please', 'Unsubscribe.', 'CANCEL', 'cancel', 'Cancel.',
    'cancel please', 'END', 'end', 'End.', 'QUIT', 'quit', 'Quit!', 'REVOKE', 'revoke', 'OPTOUT', 'optout', 'opt out',
    'Opt-out', 'OPT OUT', 'opt out please', 'stpo', 'sotp', 'stopp', 'sstop', 'Stoop', 'unsubscibe', 'unsubscrbe', 'optuot',
    'stop texting me', 'Stop texting me!', 'please stop texting me', 'STOP TEXTING ME', 'stop messaging me', 'stop sending me messages',
    'stop sending me these', 'Stop sending texts', 'stop contacting me', 'quit texting me', 'stop spamming me', 'stop bothering me',
    'stop the texts', 'stop these messages', 'stop with the reminders', 'Please stop sending me reminders',
    'remove me from your list', 'Remove me from this list', 'remove me', 'Remove my number', 'remove my number from your list',
    'take me off your list', 'Take me off the list please', 'take my number off', 'get me off this list', 'delete my number from your system',
    'leave me alone', 'Just leave me alone', 'LEAVE ME ALONE', "don't text me anymore", "Don't text me", 'do not text me',
    'Do not contact me again', "don't message me", 'dont text me', 'never text me again', "don't send me anything else",
    'no more texts', 'No more messages please', 'no more reminders', 'I want to opt out', 'i would like to opt out', 'opt me out',
    'How do I unsubscribe?', 'unsubscribe me from this', 'lose my number', 'wrong number', 'Wrong number, stop', 'wrong person',
    "I don't want these texts", "i dont want any more messages", 'I revoke my consent', 'withdraw consent', 'I said STOP',
    'Not interested, stop texting', 'who is this? STOP', 'yes STOP', 'STOP. I moved.', 'please remove me thank you',
    'Stop texting this number', 'Quit messaging me', "Please don't text me anymore", 'stop sms', 'STOP SENDING', 'cease texting me',
    'Discontinue these messages', 'Stop!', 'stop thanks', 'Stop thank you', 'end please', 'cancel all', 'UNSUBSCRIBE NOW',
  ]),
  ...lines(
    'unknown',
    [
      'Stop by later?', 'I can\'t stop laughing', 'The end of the street is closed', 'bus stop', "I'll stop by at 3",
      "don't stop", 'the stop sign by your office', 'Can I cancel and rebook?', 'quit my job lol', 'what stop do I get off at',
      'is there parking at the end of the block', 'the nonstop flight got delayed', 'my stopwatch says 3pm', 'is the office at the end of main st',
      'I need to stop at the pharmacy first', 'stop by the front desk?', 'at the end of the day is fine?', "don't text before 9 please",
      'please do not text me before noon', 'non-stop day today', 'endless traffic here', 'unstoppable!', 'quite busy today', 'backstop',
      'When does the quarter end?', 'Where do I stop to pay?', 'Cancellation policy?',
    ],
    { falseFriend: true },
  ),
  ...lines('confirm', ["I'll stop by at 3, see you then", 'Sure, end of day works for me'], { falseFriend: true }),
  ...lines('decline', ["I'll have to cancel my appointment", 'I need to cancel appointment, sorry'], { falseFriend: true }),
  ...lines('opt_in', ['START', 'start', 'Start.', 'UNSTOP', 'unstop', 'subscribe', 'SUBSCRIBE', 'start please', 'Start again', 'resubscribe', 'resume']),
  ...lines('opt_in', ['YES', 'yes', 'Yes please', 'y'], { optedOut: true }),
  ...lines('help', ['HELP', 'help', 'Help!', 'INFO', 'info', 'help me', 'Help please', 'info please', 'who is this?', 'Who is this', 'what is this?', "what's this"]),
  ...lines('confirm', [
    'YES', 'yes', 'Yes', 'Yes.', 'yes!', 'YES!!!', 'Yes 👍', 'y', 'Y', 'yep', 'Yep!', 'yeah', 'Yeah!', 'yup', 'Yup', 'ya', 'yah', 'yas',
    'yess', 'yesss', 'yea', 'Sure', 'Sure!', 'sure thing', 'ok', 'OK', 'Ok!', 'okay', 'Okay.', 'k', 'kk', 'confirm', 'Confirm', 'CONFIRMED',
    'confirmed', 'correct', 'Absolutely', 'absolutely!', 'definitely', 'certainly', 'perfect', 'Perfect!', 'great', 'fine', '1', '1.',
    '👍', '👍👍', '👍🏽', '✅', '👌', 'yes please', 'Yes thanks', 'yes thank you', 'yes, thank you!', 'Yes sir', 'yes ma\'am', 'ok thanks',
    'sounds good', 'Sounds good!', 'sounds great, thanks', "I'll be there", "I'll be there!", 'ill be there', 'I will be there',
    'will be there', 'see you then', 'See you then!', 'see you there', 'works for me', 'that works', 'That works, thanks', "that's fine",
    'of course', 'will do', 'count me in', 'looking forward to it', 'on my way', 'no problem', 'No problem, see you then',
    'no worries', 'all good', 'all set', 'I confirm', 'I can make it', 'yes I will', 'got it, thanks', 'still on!',
    'yse', 'ys', 'yeas', 'yez', 'confrim', 'comfirm', 'okat', 'suer', 'yaeh', 'perfcet', 'Yes, see you Wednesday',
    'yes, 3pm works', 'Yes I will be there at 3', 'Yep see you then', 'yeah that works', 'ok see you then', 'Great, see you soon',
    'Thank you, I will be there', "Yes! Can't wait", 'Absolutely, see you then', 'Sure thing, I\'ll come', '👍 see you then',
    'yes yes', 'yes ok', 'Si', 'oui', 'Confirmed, thanks!', 'cool', 'alright', 'Awesome', 'Excellent', 'agreed', 'np',
  ]),
  ...lines('decline', [
    'NO', 'no', 'No', 'No.', 'no!', 'n', 'N', 'nope', 'Nope.', 'nah', 'Nah', 'na', 'negative', '2', '2.', 'reschedule', 'Reschedule',
    'RESCHEDULE', '👎', '❌', 'no thanks', 'No thank you', "can't make it", "Can't make it", 'cant make it', 'cannot make it',
    "won't make it", 'not going to make it', 'not gonna make it', 'need to reschedule', 'I need to reschedule', 'have to reschedule',
    'Can we reschedule? I need to reschedule', 'I would like to reschedule', 'can I get a different time', 'another day please',
    "I can't come", "can't come that day", 'not available', "I'm not available Wednesday", 'unavailable', 'something came up',
    'Something came up, sorry', "won't be able to come", 'I will not be able to make it', 'not able to make it', "won't be there",
    'not coming', "I'm sick", 'not today', "don't think so", 'I cant', 'I cannot', 'yes but I need to reschedule',
    'Yes, but can we move it to another day?', 'No, need to change the time', 'no sorry', 'no thanks, I need another time',
    'nope, need to reschedule', 'noo', 'reshedule', 'rescheduel', 'No. Something came up', 'I have to move my appointment',
    'Need to change my appointment please', "No I can't make it Wednesday", 'sorry cant make it', "can't do Wednesday",
    'no no', 'nah sorry', 'No can do', "I won't make it, sorry",
  ]),
  ...lines('unknown', [
    'what time was it again?', 'What time?', 'where are you located?', 'How much will it cost?', 'Is there parking?',
    'Can I bring my kid?', 'hello', 'Hi', 'hello??', 'who?', 'Thanks', 'thank you', 'ty', 'lol', '🤔', '😂', '?',
    'maybe', 'not sure', 'Not sure yet', "I'll let you know", 'Let me check my schedule', 'What is the address?', 'Which doctor?',
    'Can you call me?', 'call me', 'ok what time again?', 'yes what time?', 'No idea what this is about', 'hmm', 'idk',
    'Is this Acme Dental?', 'What do I need to bring?', 'Running 10 min late', 'Do you take insurance?', 'I moved to Denver',
    '3', 'three', 'Wednesday?', 'can it be earlier?', 'My wife will come instead', '', '   ', '....', 'asdfgh',
  ]),
];
