// How many SMS a text costs. A segment carries 140 octets: 160 GSM-7 septets or 70 UCS-2 units
// alone, 153 or 67 once a message is split (each part spends 6 octets on the concatenation header).
// One character outside the GSM 03.38 alphabet turns the whole message into UCS-2.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7, escapes counting 2) or UTF-16 code units (UCS-2). */
  units: number;
  /** Units still free in the last segment. */
  remaining: number;
}

const gsmBasic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// The extension table: each is sent as ESC + character, two septets.
const gsmExtension = '\f^{}\\[~]|€';

const septetCost = new Map<number, 1 | 2>();
for (const ch of gsmBasic) septetCost.set(ch.charCodeAt(0), 1);
for (const ch of gsmExtension) septetCost.set(ch.charCodeAt(0), 2);

export function countSegments(body: string): SegmentCount {
  let gsm = true;
  for (let i = 0; i < body.length; i++) {
    if (!septetCost.has(body.charCodeAt(i))) {
      gsm = false;
      break;
    }
  }
  return gsm ? packGsm(body) : packUcs2(body);
}

function packGsm(body: string): SegmentCount {
  let units = 0;
  for (let i = 0; i < body.length; i++) units += septetCost.get(body.charCodeAt(i))!;
  if (units <= 160) return { encoding: 'GSM-7', segments: 1, units, remaining: 160 - units };
  // Split messages never cut an escape pair: a 2-septet character that does not fit starts the next part.
  let segments = 1;
  let used = 0;
  for (let i = 0; i < body.length; i++) {
    const cost = septetCost.get(body.charCodeAt(i))!;
    if (used + cost > 153) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: 'GSM-7', segments, units, remaining: 153 - used };
}

function packUcs2(body: string): SegmentCount {
  const units = body.length;
  if (units <= 70) return { encoding: 'UCS-2', segments: 1, units, remaining: 70 - units };
  // Nor a surrogate pair: an emoji outside the BMP (2 units) that does not fit starts the next part.
  let segments = 1;
  let used = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const cost = code >= 0xd800 && code <= 0xdbff && i + 1 < body.length ? 2 : 1;
    if (used + cost > 67) {
      segments++;
      used = 0;
    }
    used += cost;
    if (cost === 2) i++;
  }
  return { encoding: 'UCS-2', segments, units, remaining: 67 - used };
}
