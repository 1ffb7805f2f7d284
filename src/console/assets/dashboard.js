// The dashboard's charts, drawn with uPlot (served by Parley from its npm package) from the page's
// JSON block. Without JavaScript the tables below say the same. Times are UTC, as in the tables and
// everywhere else in the console, whatever the browser's zone.
(function () {
  'use strict';
  var block = document.getElementById('dashboard-data');
  if (!block || typeof window.uPlot === 'undefined') return;
  var data = JSON.parse(block.textContent);

  // The legend's time: "2026-12-05 14:00 UTC".
  function utc(u, seconds) {
    return seconds === null ? '' : new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }

  // The time axis as the tables write it: 14:00 for hours, 2026-12-05 for days.
  var daily = data.times.length > 1 && data.times[1] - data.times[0] >= 86400;
  function ticks(u, splits) {
    return splits.map(function (seconds) {
      var iso = new Date(seconds * 1000).toISOString();
      return daily ? iso.slice(0, 10) : iso.slice(11, 16);
    });
  }

  function chart(id, series, values) {
    var element = document.getElementById(id);
    if (!element) return;
    var width = Math.max(280, Math.min(element.clientWidth - 16, 1060));
    var options = {
      width: width,
      height: 220,
      tzDate: function (seconds) {
        return window.uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC');
      },
      series: [{ label: 'UTC', value: utc }].concat(
        series.map(function (s) {
          return { label: s.label, stroke: s.color, width: 2, points: { show: false } };
        }),
      ),
      axes: [{ values: ticks }, { size: 50 }],
    };
    new window.uPlot(options, [data.times].concat(values), element);
  }

  chart(
    'chart-messages',
    [
      { label: 'Replies in', color: '#1f5fbf' },
      { label: 'Sent', color: '#5b6470' },
    ],
    [data.inbound, data.outbound],
  );
  chart(
    'chart-delivery',
    [
      { label: 'Delivered', color: '#1c7c3a' },
      { label: 'Failed', color: '#a4161a' },
    ],
    [data.delivered, data.failed],
  );
  chart('chart-optouts', [{ label: 'Opt-outs', color: '#a4161a' }], [data.optOuts]);
})();
