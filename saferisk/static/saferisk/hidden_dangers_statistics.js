// Hidden-danger statistics: the monthly trend (echarts). Data comes from the
// <script type="application/json" id="hd-statistics-data"> block rendered by json_script,
// so the page needs no inline script (CSP).
(function () {
  "use strict";
  var picker = document.querySelector("[data-year-picker] select");
  if (picker) {
    picker.addEventListener("change", function () { picker.form.submit(); });
  }
  var holder = document.getElementById("hd-statistics-data");
  var el = document.getElementById("chart-hd-trend");
  if (!holder || !el || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var t = data.trend;
  var labels = data.labels || {};
  if (!t) { return; }
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 44, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: t.months.map(function (m) { return m.slice(5) + "月"; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { type: "bar", name: labels.found, data: t.found, itemStyle: { color: "#d63939" } },
      { type: "bar", name: labels.closed, data: t.closed, itemStyle: { color: "#2fb344" } },
      { type: "line", name: labels.closed_on_time, data: t.closed_on_time, itemStyle: { color: "#206bc4" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
