// A plain-script copy of src/core/segments.ts for the reply box's counter: how many SMS a text
// costs, GSM-7 or UCS-2. src/console/segments-copy.test.ts runs this file and core/segments.ts
// on the same strings and fails if their answers ever differ.
(function (root) {
  'use strict';
  var gsmBasic =
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
  var gsmExtension = '\f^{}\\[~]|€';
  var septetCost = {};
  var i;
  for (i = 0; i < gsmBasic.length; i++) septetCost[gsmBasic.charCodeAt(i)] = 1;
  for (i = 0; i < gsmExtension.length; i++) septetCost[gsmExtension.charCodeAt(i)] = 2;

  function countSegments(body) {
    for (var i = 0; i < body.length; i++) if (!septetCost[body.charCodeAt(i)]) return packUcs2(body);
    return packGsm(body);
  }

  function packGsm(body) {
    var units = 0;
    var i;
    for (i = 0; i < body.length; i++) units += septetCost[body.charCodeAt(i)];
    if (units <= 160) return { encoding: 'GSM-7', segments: 1, units: units, remaining: 160 - units };
    // Split messages never cut an escape pair: a 2-septet character that does not fit starts the next part.
    var segments = 1;
    var used = 0;
    for (i = 0; i < body.length; i++) {
      var cost = septetCost[body.charCodeAt(i)];
      if (used + cost > 153) {
        segments++;
        used = 0;
      }
      used += cost;
    }
    return { encoding: 'GSM-7', segments: segments, units: units, remaining: 153 - used };
  }

  function packUcs2(body) {
    var units = body.length;
    if (units <= 70) return { encoding: 'UCS-2', segments: 1, units: units, remaining: 70 - units };
    // Nor a surrogate pair: an emoji (2 units) that does not fit starts the next part.
    var segments = 1;
    var used = 0;
    for (var i = 0; i < body.length; i++) {
      var code = body.charCodeAt(i);
      var cost = code >= 0xd800 && code <= 0xdbff && i + 1 < body.length ? 2 : 1;
      if (used + cost > 67) {
        segments++;
        used = 0;
      }
      used += cost;
      if (cost === 2) i++;
    }
    return { encoding: 'UCS-2', segments: segments, units: units, remaining: 67 - used };
  }

  root.parleySegments = { countSegments: countSegments };
})(globalThis);
