// The page's own script, inlined after uPlot: reads the JSON data block and draws each chart.
// Plain ES2017 for any browser that runs uPlot; it touches nothing outside the page.

/** The id of the `<script type="application/json">` block holding the charts. */
export const DATA_ELEMENT_ID = 'tinysaver-report-data';

export const CHART_SCRIPT = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('${DATA_ELEMENT_ID}').textContent);
  // What the page drew, for tests and for anyone poking at the page from the console.
  var drawn = (window.__tinysaverCharts = []);
  var plots = [];

  function all(u, i) {
    return u.data[i][0].map(function (_, j) { return j; });
  }
  function padded(values, floor) {
    var lo = Math.min.apply(null, values.concat(floor === undefined ? [] : [floor]));
    var hi = Math.max.apply(null, values);
    var d = (hi - lo) || Math.abs(hi) || 1;
    return [lo - d * 0.04, hi + d * 0.04];
  }
  function widthOf(el) {
    return Math.max(300, Math.min(el.clientWidth || 560, 640));
  }
  function seriesOf(s) {
    if (s.kind === 'saver')
      return {
        label: s.label,
        stroke: s.color,
        width: 1.5,
        points: {
          show: false, size: 6, width: 1, fill: s.color, stroke: s.color,
          filter: function () { return s.frontier || []; }
        }
      };
    return {
      label: s.label,
      stroke: s.color,
      paths: function () { return null; },
      points: {
        show: true,
        size: s.kind === 'base' ? 12 : 10,
        width: 2,
        fill: s.kind === 'base' ? s.color : '#ffffff',
        stroke: s.color,
        filter: all
      }
    };
  }

  data.charts.forEach(function (chart) {
    var el = document.getElementById(chart.id);
    if (!el) return;
    try {
      var xs = [], ys = [];
      chart.series.forEach(function (s) { xs = xs.concat(s.x); ys = ys.concat(s.y); });
      var xRange = padded(xs, 0), yRange = padded(ys);
      var plot = new uPlot({
        mode: 2,
        width: widthOf(el),
        height: 340,
        scales: {
          x: { time: false, range: function () { return xRange; } },
          y: { range: function () { return yRange; } }
        },
        axes: [
          {
            label: 'relative compute R (cascade MACs / base MACs)',
            values: function (u, splits) { return splits.map(function (v) { return v.toFixed(2); }); }
          },
          {
            label: 'accuracy',
            size: 64,
            values: function (u, splits) {
              return splits.map(function (v) { return (v * 100).toFixed(1) + ' %'; });
            }
          }
        ],
        legend: { live: false },
        series: [{}].concat(chart.series.map(seriesOf))
      }, [null].concat(chart.series.map(function (s) { return [s.x, s.y]; })), el);
      plots.push({ el: el, plot: plot });
      drawn.push({
        id: chart.id,
        base: chart.base,
        split: chart.split,
        series: chart.series.map(function (s) {
          return { kind: s.kind, label: s.label, model: s.model, points: s.x.length };
        })
      });
    } catch (error) {
      el.textContent = 'This chart could not be drawn: ' + error;
      console.error('chart ' + chart.id + ': ' + (error && error.stack || error));
    }
  });

  var pending;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: widthOf(p.el), height: 340 }); });
    }, 150);
  });
})();
`;
