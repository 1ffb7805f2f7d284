import type { Intent } from './classify.js';

// Replies as people send them to a business text such as "Reminder: your appointment is Wed at
// 3pm. Reply YES to confirm, NO to reschedule, STOP to opt out." Written for Parley's tests and
// benchmark: each line is what the classifier must read. Opt-outs are the lines that matter most
// (a missed one keeps texting someone who asked us to stop); the false friends prove that recall
// is not bought by reading every "stop", "end" or "cancel" as STOP.

export interface CorpusLine {
  text: string;
  intent: Intent;
  optedOut?: boolean;
}

const lines = (intent: Intent, texts: string[], optedOut?: boolean): CorpusLine[] =>
  texts.map((text) => (optedOut === undefined ? { text, intent } : { text, intent, optedOut }));

/** Replies that contain an opt-out word, or look like one, and are not opt-outs. */
// prettier-ignore
export const falseFriends: CorpusLine[] = [
  ...lines('unknown', [
    'Stop by later?', "I can't stop laughing", 'The end of the street is closed', 'bus stop', "don't stop", 'the stop sign',
    'quit my job lol', 'the stop sign by your office', 'what stop do I get off at', 'Is there parking at the end of the block?',
    'the nonstop flight got delayed', 'my stopwatch says 3pm', 'I need to stop at the pharmacy first', 'stop by the front desk?',
    'non-stop day today', 'endless traffic here 😩', 'Unstoppable!', 'backstop', 'When does the quarter end?', 'Where do I stop to pay?',
    'Cancellation policy?', 'Is the office at the end of Main St?', 'Which bus stop is closest?', 'I quit smoking last month!',
    'the end', 'Do I need to stop eating before the procedure?', 'Should I stop my blood thinners before?', 'my husband quit his job',
    "it's the last stop on the red line right?", 'Stopped by yesterday but you were closed', 'cancellations fee?', 'no end in sight lol',
    'Is the stopgap crown ok?', 'Is the weekend rate different?', 'the pit stop took forever', 'stopping for gas first',
    "Can't stop, won't stop 😂", 'full stop.', 'top', 'step', 'shop', 'atop', 'spot', 'post', 'stomp',
    'Will the rain stop by then?', 'i had to quit early yesterday', 'the subway stop by your office is closed',
    'can you end the session 10 min early?', 'is the end date on the invoice right?', 'what does END mean on my bill?',
    'What happens if I cancel late?',
  ]),
  ...lines('confirm', [
    "I'll stop by at 3", "I'll stop by at 3, see you then", 'end of day works', 'Sure, end of day works for me',
    "I'll cancel my other appointment and come", "I'll be there, don't stop the reminders", 'Yes! Ill stop by after work',
    'Please please keep the reminders coming, see you then', 'yes, end of the day works', 'Yes, I cancelled my other plans, see you Wed',
  ]),
  ...lines('decline', [
    'Can I cancel and rebook?', 'Gotta cancel', 'Cancel, I am sick', "I'll have to cancel my appointment", 'I need to cancel appointment, sorry', 'I need to cancel',
    'Cancel my appointment please', 'cancel appointment', 'Can we cancel Wednesday?', "Sorry I have to cancel, I'm sick",
    'cancel my appt for tomorrow', 'I want to cancel my cleaning', 'Stop by another day instead?', 'please cancel the 3pm booking',
    "Don't text me before 9 please, and I need to reschedule",
  ]),
  ...lines('help', ['Who is this?', 'what is this about']),
];

// prettier-ignore
export const corpus: CorpusLine[] = [
  // Carrier keywords, alone, with filler, in any case, with punctuation and emoji.
  ...lines('opt_out', [
    'STOP', 'stop', 'Stop', 'Stop.', 'STOP!', 'stop!!!', ' stop ', 'STOP 🛑', 'Stop 🙏', 'stop.', '"STOP"', 'STOP PLEASE', 'Stop please',
    'please stop', 'Pls stop', 'plz stop!!', 'stop it', 'Stop it now', 'STOP NOW', 'stop now please', 'stop all', 'STOPALL', 'StopAll',
    'stop all texts', 'Stop. Stop. Stop.', 'STOP STOP STOP', 'Stoppppp', 'STOP ✋', 'stop 😡', '🛑', 'ＳＴＯＰ', 'Stop…', 'STOP❗️',
    'UNSUBSCRIBE', 'unsubscribe', 'Unsubscribe me', 'unsubscribe please', 'Unsubscribe.', 'UNSUBSCRIBE NOW', 'unsub',
    'CANCEL', 'cancel', 'Cancel.', 'cancel please', 'Cancel!', 'cancel all', 'CANCEL IT', 'cancel texts', 'Cancel my subscription',
    'END', 'end', 'End.', 'end please', 'END!!', 'QUIT', 'quit', 'Quit!', 'quit it', 'REVOKE', 'revoke', 'Revoke.',
    'OPTOUT', 'optout', 'opt out', 'Opt-out', 'OPT OUT', 'opt out please', 'Opt out!', 'opt-out.', 'Stop thank you', 'stop thanks',
    'just stop', 'Stop, thank you', 'ok stop', 'STOP!!!!! 😤',
  ]),
  // Slips of the thumb.
  ...lines('opt_out', [
    'stpo', 'sotp', 'tsop', 'stopp', 'sstop', 'Stoop', 'stp', 'sto', 'stip', 'stoo', 'Srop', 'stpo please', 'unsubscibe', 'unsubscrbe',
    'Unsusbcribe', 'unsubcribe', 'unsubscribr', 'optuot', 'otpout', 'cancle', 'cancell', 'qiut', 'quiy', 'revoek', 'stopal',
  ]),
  // Revoking consent in words (the FCC: by any reasonable means).
  ...lines('opt_out', [
    'stop texting me', 'Stop texting me!', 'please stop texting me', 'STOP TEXTING ME', 'stop messaging me', 'stop sending me messages',
    'stop sending me these', 'Stop sending texts', 'stop contacting me', 'quit texting me', 'stop spamming me', 'stop bothering me',
    'stop the texts', 'stop these messages', 'stop with the reminders', 'Please stop sending me reminders', 'stop txting me',
    'Stop sending me all these stupid texts', 'stop msging me', 'can you stop texting this number', 'Stop texting my wife',
    'remove me from your list', 'Remove me from this list', 'remove me', 'Remove my number', 'remove my number from your list',
    'take me off your list', 'Take me off the list please', 'take my number off', 'get me off this list', 'delete my number from your system',
    'please remove me thank you', 'Remove me from your mailing list', 'take me off ur list', 'Please take me off of your texting list',
    'leave me alone', 'Just leave me alone', 'LEAVE ME ALONE', 'leave us alone please',
    "don't text me anymore", "Don't text me", 'do not text me', 'Do not contact me again', "don't message me", 'dont text me',
    'never text me again', "don't send me anything else", 'Dont txt me', 'do not text this number', "Please don't text me anymore",
    "Don’t contact me", 'never contact me again',
    'no more texts', 'No more messages please', 'no more reminders', 'No more texts!!', 'no texts please',
    'I want to opt out', 'i would like to opt out', 'opt me out', 'How do I unsubscribe?', 'unsubscribe me from this', 'How do I opt out of these?',
    'lose my number', 'Lose this number', 'forget my number',
    'wrong number', 'Wrong number, stop', 'wrong person', 'You have the wrong number', 'Sorry, wrong number', 'I think you have the wrong person',
    "I don't want these texts", 'i dont want any more messages', "I don't want to receive these messages", 'I no longer want these texts',
    'I revoke my consent', 'withdraw consent', 'I do not consent to these messages', 'I never signed up for this', "I didn't sign up for these texts",
    'I said STOP', 'Not interested, stop texting', 'who is this? STOP', 'yes STOP', 'STOP. I moved.', 'HELP STOP', 'who is this stop',
    'Stop texting this number', 'Quit messaging me', 'stop sms', 'STOP SENDING', 'cease texting me', 'Discontinue these messages',
    'I moved away, please stop sending me reminders', 'This is not Maria, wrong number', 'Stop! Who is this?', 'Please. Stop.',
    'i asked you to stop', 'I already told you to stop texting me', 'How many times do I have to say stop', 'make it stop',
    'seriously stop', 'omg stop', 'Enough texts already', 'This is spam', 'reported as spam', 'blocking this number',
    'I dont want to be contacted', 'stop texting me, I never gave you my number', "yes, but please stop texting me", "ok, stop",
    "thanks but no more texts please", "I'll call you, no more messages please", 'ok but stop sending these', 'Turn off these notifications',
    'how do I stop these', 'stop the reminders please', 'pause my texts', 'Please unsubscribe this number', 'Unsubscribe me immediately',
    'I do not want to receive text messages from you', "I'm not the patient, you have the wrong number", 'Stop contacting me about this',
    "this isn't John. Stop texting", 'STOP TEXTING', 'Hello, please remove me from your contacts', 'no more please stop', 'Stop stop',
    "don't text me at all", 'Remove.', 'wrong #', 'nobody here by that name', 'can you please not text me', 'why dont you stop texting me',
    'unsubscribe from marketing but keep appointment reminders', 'No más', 'ARRET', 'Basta!', 'I want out of this list', 'Lol stop it',
    'S T O P', 'S.T.O.P.', 'I have already asked to be removed', 'leave me be', 'stop bugging me',
    'You guys keep texting me even after I said stop', 'I have no idea who you are. Please remove me.',
    'Please stop sending me these reminders. I cancelled my membership last month.',
  ]),
  ...falseFriends,
  // Coming back.
  ...lines('opt_in', [
    'START', 'start', 'Start.', 'UNSTOP', 'unstop', 'subscribe', 'SUBSCRIBE', 'start please', 'Start again', 'resubscribe', 'Subscribe me',
    'START!', 'opt in', 'Opt-in', 'start texting me again', 'please start sending me reminders again', 'sign me back up', 'add me back to the list',
    'unstop please', 'I want to resubscribe',
  ]),
  ...lines('opt_in', ['YES', 'yes', 'Yes!', 'Y', 'yes please'], true),
  ...lines('opt_out', ['STOP', 'stop texting me'], true),
  ...lines('confirm', ['yeah', 'ok', 'sounds good'], true),
  ...lines('help', [
    'HELP', 'help', 'Help!', 'INFO', 'info', 'help me', 'Help please', 'info please', 'more info', 'I need help', 'Can you help me?',
    'who is this?', 'Who is this', 'what is this?', "what's this", 'Who are you?', 'whos this', 'what is this regarding?', 'who is texting me?',
    'What company is this?', 'How did you get my number?', 'hi who is this?', 'Hello? Who is this', 'help pls', 'HELP!!!', 'hlep', 'hepl',
    'Information', 'who sent this?', 'Sorry, who is this?', 'Who dis?', 'wtf is this',
  ]),
  ...lines('confirm', [
    'YES', 'yes', 'Yes', 'Yes.', 'yes!', 'YES!!!', 'Yes 👍', 'y', 'Y', 'yep', 'Yep!', 'yeah', 'Yeah!', 'yup', 'Yup', 'ya', 'yah', 'yas',
    'yess', 'yesss', 'yea', 'Sure', 'Sure!', 'sure thing', 'ok', 'OK', 'Ok!', 'okay', 'Okay.', 'k', 'kk', 'confirm', 'Confirm', 'CONFIRMED',
    'confirmed', 'correct', 'Absolutely', 'absolutely!', 'definitely', 'certainly', 'perfect', 'Perfect!', 'great', 'fine', '1', '1.', '1️⃣',
    '👍', '👍👍', '👍🏽', '✅', '👌', '✔️', 'yes please', 'Yes thanks', 'yes thank you', 'yes, thank you!', 'Yes sir', "yes ma'am", 'ok thanks',
    'great thanks', 'Great, thanks!', 'sounds good', 'Sounds good!', 'sounds great, thanks', "I'll be there", "I'll be there!", 'ill be there',
    'I will be there', 'will be there', 'see you then', 'See you then!', 'see you there', 'works for me', 'that works', 'That works, thanks',
    "that's fine", 'of course', 'Of course!', 'will do', 'count me in', 'looking forward to it', 'on my way', 'no problem',
    'No problem, see you then', 'no worries', 'all good', 'all set', 'I confirm', 'I can make it', 'yes I will', 'got it, thanks',
    'still on!', 'yse', 'ys', 'yeas', 'yez', 'confrim', 'comfirm', 'okat', 'suer', 'yaeh', 'perfcet', 'Yes, see you Wednesday',
    'yes, 3pm works', 'Yes I will be there at 3', 'Yep see you then', 'yeah that works', 'ok see you then', 'Great, see you soon',
    'Thank you, I will be there', "Yes! Can't wait", 'Absolutely, see you then', "Sure thing, I'll come", '👍 see you then',
    'yes yes', 'yes ok', 'Si', 'oui', 'Confirmed, thanks!', 'cool', 'alright', 'Awesome', 'Excellent', 'agreed', 'np', 'yessir',
    'Yes, confirmed', 'YES CONFIRM', 'yes I confirm', "Yes I'll be there 😊", 'Yes, thanks for the reminder', "We'll be there!",
    'Perfect, thank you', 'sounds good 👍', 'Sounds like a plan', 'Wednesday at 3 works', 'That time works for me', 'yup, see ya',
    "I'm coming", 'omw', 'be there soon', 'See you Wednesday!', 'c u then', 'see u tmrw', 'K thx', 'ok cool', 'Okie dokie', 'yea sure',
    'Yeah I can make it', 'Definitely, thanks', 'Yes, we will both be there', 'Yes - running a few min late though', 'Yes, and thank you!',
    'Of course, see you then', 'Looking forward to it!', "That's perfect", 'Yes, that works', 'Sure, why not', 'Great, see you then',
    'yes. thanks', 'Confirmed.', 'I will', 'I can', 'Yes I can', "Yes, I'll be there. Thanks!", 'Yes, see you at 3pm', 'Yes 😊',
    'hell yes', 'Heck yeah!', 'um yes', "That'll be perfect", 'Please don’t cancel my appointment', "I don't want to cancel, see you then",
    'Do not cancel', 'oh yse', "Hello, this is Maria's mom. She will be there at 3. Thank you!", 'Thank you for reminding me. I will be there.',
    'Sí, ahí estaré', 'YES!!!!!!!!', 'yes yes yes', 'Yea I\'ll be there',
    'definately', 'absolutly', 'Okay, see you then', 'Sounds good. See you then.', 'ok 👍', 'Ok, thank you', 'Yes!!! 🙌', 'yeah sure',
    'Thanks, see you then', 'i will be there on time', 'Will do, thanks!', "That's fine, see you then", 'yes, no problem',
    "No problem, I'll be there", 'Wouldn’t miss it!', 'Yes. I will attend', 'ok i will come',
    'We will be there', 'Yes, the time is fine', 'yes it does', 'Yes, 3 is good', 'Sure, see you Wednesday', 'ok sounds good',
    'no, I\'ll be there', 'No worries, see you then', 'Still good for Wednesday', 'Yessss', 'YASSS', 'yup yup', 'okkk', 'Sure 👍',
  ]),
  ...lines('decline', [
    'NO', 'no', 'No', 'No.', 'no!', 'n', 'N', 'nope', 'Nope.', 'nah', 'Nah', 'na', 'negative', '2', '2.', '2️⃣', 'reschedule', 'Reschedule',
    'RESCHEDULE', '👎', '❌', 'no thanks', 'No thank you', "can't make it", "Can't make it", 'cant make it', 'cannot make it',
    "won't make it", 'not going to make it', 'not gonna make it', 'need to reschedule', 'I need to reschedule', 'have to reschedule',
    'Can we reschedule? I need to reschedule', 'I would like to reschedule', 'can I get a different time', 'another day please',
    "I can't come", "can't come that day", 'not available', "I'm not available Wednesday", 'unavailable', 'something came up',
    'Something came up, sorry', "won't be able to come", 'I will not be able to make it', 'not able to make it', "won't be there",
    'not coming', "I'm sick", 'not today', "don't think so", 'I cant', 'I cannot', 'yes but I need to reschedule',
    'Yes, but can we move it to another day?', 'No, need to change the time', 'no sorry', 'no thanks, I need another time',
    'nope, need to reschedule', 'noo', 'nooo', 'reshedule', 'rescheduel', 'No. Something came up', 'I have to move my appointment',
    'Need to change my appointment please', "No I can't make it Wednesday", 'sorry cant make it', "can't do Wednesday",
    'no no', 'nah sorry', 'No can do', "I won't make it, sorry", 'Can we do Thursday instead?', 'Can we push it to next week?',
    'I need to move it to the afternoon', "I'm out of town that week", "I'm stuck at work, can't make it", 'My son is sick, need to reschedule',
    "Sorry, I won't be able to make it", 'Could we do a later time?', 'Is there an earlier slot? 3 doesnt work for me', 'That time doesn’t work for me',
    "Wednesday doesn't work", "I'd like to reschedule please", 'Please reschedule me', "Sorry something's come up", 'I have a family emergency',
    "I'm not feeling well, can I reschedule?", "Can't do it this week", 'i cnt make it', 'not gonna happen this week sorry',
    "Sounds good but something came up", "I thought I could but I can't make it", "I don't think I'll make it", 'I dont think I can come',
    'I have to work that day', 'Running late, actually I need to reschedule', 'Nope 👎', 'no ❌', 'Need to postpone', 'can we postpone?',
    'Could I move my appointment?', 'Rain check?', 'I need a new date', "Won't be coming", 'Not this week', 'I’ll have to pass',
    'No, sorry. Can we do next Monday?', "Sorry can't", 'unable to attend', 'I am unable to make it', 'not interested', 'nah not this time',
    "Won't make it, I'm in the hospital", 'no, I have to work', 'i have to cancel sorry', 'Can I change my appointment time?',
    'nope can’t', 'need to rebook', 'not today sorry', 'Have to miss this one', 'No. Please reschedule.', 'I cannot attend',
    'Hi! Thanks for the reminder. Unfortunately I won\'t be able to make it on Wednesday, could we find another time next week?',
    "I'm so sorry, my car broke down. Can we reschedule?", 'NOOOOO', 'nooooo i cant', 'Absolutely not', 'hell no', 'Not a chance', 'hard pass', 'sorry no', 'No, sorry, I have a family emergency',
  ]),
  ...lines('unknown', [
    'what time was it again?', 'What time?', 'where are you located?', 'How much will it cost?', 'Is there parking?',
    'Can I bring my kid?', 'hello', 'Hi', 'hello??', 'who?', 'Thanks', 'thank you', 'ty', 'lol', '🤔', '😂', '?', '',
    'maybe', 'not sure', 'Not sure yet', "I'll let you know", 'Let me check my schedule', 'What is the address?', 'Which doctor?',
    'Can you call me?', 'call me', 'ok what time again?', 'yes what time?', 'No idea what this is about', 'hmm', 'idk',
    'Is this Acme Dental?', 'What do I need to bring?', 'Running 10 min late', 'Do you take insurance?', 'I moved to Denver',
    '3', 'three', 'Wednesday?', 'can it be earlier?', 'My wife will come instead of me', '   ', '....', 'asdfgh',
    'not sure I can make it', 'maybe, I will let you know', "I'll try to be there", 'possibly', 'yes or no?', 'Is it at 3 or 4?',
    'Do I need to fast before?', 'Who is Dr. Patel?', 'Can I pay by card?', 'ok so where do I park?', 'Sure, what is the address?',
    'What is this for? My mom had the appointment', 'Can you send the address?', 'I have a question about my bill',
    'Are you open Saturday?', 'ok?', 'good morning', 'Happy holidays!', '❤️', '🙏', 'Thanks for the reminder', 'Received',
    'I need help with my bill', 'Can I bring my dog?', 'Is this for the cleaning or the checkup?', "I'll be 10 minutes late", 'oh no', 'Oh no I forgot about it!', 'Yes?', 'I do have a question',
  ]),
];
