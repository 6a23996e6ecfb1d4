// Charts and map of the home page. Data comes from <script type="application/json"> blocks
// rendered by Django's json_script, so no inline script is needed (CSP-friendly).
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var charts = [];
  function bar(el, names, series, horizontal) {
    var chart = echarts.init(el);
    var cat = { type: "category", data: names, axisLabel: { interval: 0, rotate: horizontal ? 0 : 40 } };
    var val = { type: "value" };
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: horizontal ? 150 : 40, right: 16, top: 32, bottom: horizontal ? 24 : 70 },
      xAxis: horizontal ? val : cat,
      yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
      series: series.map(function (s) { return { type: "bar", name: s.name, data: s.data, itemStyle: { color: s.color } }; })
    });
    charts.push(chart);
  }
  var sub = data("data-subregions");
  var subEl = document.querySelector('[data-chart="subregions"]');
  if (sub && subEl) {
    var labels = JSON.parse(subEl.getAttribute("data-labels") || '["企业总数","规上企业"]');
    bar(subEl, sub.names, [
      { name: labels[0], data: sub.total, color: "#1E88E5" },
      { name: labels[1], data: sub.above_scale, color: "#FB8C00" }
    ], false);
  }
  var div = data("data-divisions");
  var divEl = document.querySelector('[data-chart="divisions"]');
  if (div && divEl) {
    var divLabels = JSON.parse(divEl.getAttribute("data-labels") || '["企业数"]');
    bar(divEl, div.names, [{ name: divLabels[0], data: div.total, color: "#1E88E5" }], true);
  }
  var act = data("data-activity");
  var actEl = document.querySelector('[data-chart="activity"]');
  if (act && actEl) {
    var c = echarts.init(actEl);
    c.setOption({
      grid: { left: 36, right: 8, top: 8, bottom: 24 }, tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: act.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", data: act.series, areaStyle: {}, smooth: false }]
    });
    charts.push(c);
  }
  var points = data("data-map-points");
  var mapEl = document.getElementById("enterprise-map");
  if (points && mapEl && window.L) {
    // No tile layer: government intranets have no map tiles. Points on a plain background
    // still show where enterprises cluster; a deployment can add its own tile server.
    // maxZoom: without a tile layer Leaflet has none, and fitBounds over one point (or points on
    // one spot) would zoom to Infinity and fail with "Invalid LatLng (NaN, NaN)".
    var map = L.map(mapEl, { attributionControl: false, preferCanvas: true, maxZoom: 16 });
    map.setView([32.9, 119.5], 7);
    var bounds = [];
    points.forEach(function (p) {
      L.circleMarker([p[0], p[1]], { radius: 3, weight: 0, fillOpacity: 0.7, fillColor: p[3] ? "#FB8C00" : "#1E88E5" })
        .bindTooltip(p[2]).addTo(map);
      bounds.push([p[0], p[1]]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [12, 12] }); } else { map.setView([32.9, 119.5], 7); }
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
