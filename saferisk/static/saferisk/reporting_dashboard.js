// Reporting progress dashboard: charts (echarts), the completion map (leaflet, no tiles) and
// the colour swatches. Data comes from the <script type="application/json" id="dashboard-data">
// block rendered by json_script, so the page needs no inline script (CSP).
(function () {
  "use strict";
  // Swatches and legend: the colour of a completion band, set here (no inline styles).
  document.querySelectorAll("[data-colour]").forEach(function (el) {
    el.style.backgroundColor = el.getAttribute("data-colour");
  });
  // The campaign picker shows the chosen campaign at once.
  var picker = document.querySelector("[data-campaign-picker] select");
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
  var holder = document.getElementById("dashboard-data");
  if (!holder) { return; }
  var data = JSON.parse(holder.textContent);
  var labels = data.labels || {};
  var charts = [];
  function drillUrl(code) {
    return "?campaign=" + encodeURIComponent(data.campaign) + "&region=" + encodeURIComponent(code);
  }
  function pct(v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }

  var trendEl = document.getElementById("chart-trend");
  if (trendEl && data.trend && window.echarts) {
    var t = data.trend;
    var trend = echarts.init(trendEl);
    trend.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 44, right: 48, top: 36, bottom: 56 },
      dataZoom: t.days.length > 45 ? [{ type: "slider", bottom: 4, height: 18 }] : [],
      xAxis: { type: "category", data: t.days.map(function (d) { return d.slice(5); }) },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
      ],
      series: [
        { type: "bar", name: labels.submitted, stack: "day", data: t.submitted, itemStyle: { color: "#206bc4" } },
        { type: "bar", name: labels.accepted, stack: "review", data: t.accepted, itemStyle: { color: "#2fb344" } },
        { type: "bar", name: labels.returned, stack: "review", data: t.returned, itemStyle: { color: "#f76707" } },
        { type: "line", name: labels.cumulative, yAxisIndex: 1, data: t.completion, showSymbol: false,
          itemStyle: { color: "#d63939" }, tooltip: { valueFormatter: pct } }
      ]
    });
    charts.push(trend);
  }

  var regionsEl = document.getElementById("chart-regions");
  if (regionsEl && data.regions && window.echarts) {
    var r = data.regions;
    var bars = echarts.init(regionsEl);
    var many = r.names.length > 8;
    bars.setOption({
      tooltip: { trigger: "axis", valueFormatter: pct },
      legend: { top: 0 },
      grid: { left: many ? 110 : 40, right: 16, top: 32, bottom: many ? 24 : 60 },
      xAxis: many ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }
        : { type: "category", data: r.names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: many ? { type: "category", data: r.names, inverse: true, axisLabel: { interval: 0 } }
        : { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { type: "bar", name: labels.completion, data: r.completion, itemStyle: { color: "#2fb344" } },
        { type: "bar", name: labels.filing, data: r.filing, itemStyle: { color: "#206bc4" } }
      ]
    });
    charts.push(bars);
    if (many) { regionsEl.style.height = Math.max(320, 22 * r.names.length + 60) + "px"; bars.resize(); }
  }

  var mapEl = document.getElementById("dashboard-map");
  if (mapEl && window.L) {
    // No tile layer (government intranets have none): circles on a plain background, one per
    // region at the average of its towns' enterprises. maxZoom: without tiles Leaflet has none,
    // and fitBounds over one point would zoom to Infinity.
    var map = L.map(mapEl, { attributionControl: false, preferCanvas: true, maxZoom: 14 });
    map.setView([32.9, 119.5], 7);
    var most = 1;
    (data.map || []).forEach(function (p) { most = Math.max(most, p.tasks); });
    var bounds = [];
    (data.map || []).forEach(function (p) {
      var radius = 6 + 22 * Math.sqrt(p.tasks / most);
      var marker = L.circleMarker([p.lat, p.lng], {
        radius: radius, weight: 1, color: "#1e293b", fillColor: p.colour, fillOpacity: 0.8
      });
      var tip = "<strong>" + escapeHtml(p.name) + "</strong><br>" +
        escapeHtml(labels.completion) + " " + p.completion_text + " · " + escapeHtml(labels.filing) + " " + p.filing_text + "<br>" +
        escapeHtml(labels.tasks) + " " + p.tasks + " · " + escapeHtml(labels.accepted) + " " + p.accepted +
        " · " + escapeHtml(labels.unfiled) + " " + p.unfiled +
        (p.overdue ? " · " + escapeHtml(labels.overdue) + " " + p.overdue : "");
      marker.bindTooltip(tip);
      if (p.drill) {
        marker.on("click", function () { window.location.href = drillUrl(p.code); });
      }
      marker.addTo(map);
      bounds.push([p.lat, p.lng]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30] }); }
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
