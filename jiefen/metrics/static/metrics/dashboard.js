/* The KPI dashboard's trend chart. Data comes from the page's
   <script type="application/json" id="trend-data"> block (no inline script); without
   JavaScript or ECharts the table under the chart shows the same numbers. */
(function () {
  "use strict";
  var holder = document.getElementById("trend-chart");
  var source = document.getElementById("trend-data");
  if (!holder || !source || typeof window.echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var series = data.series.map(function (s) {
    var rate = s.unit === "rate";
    return {
      name: s.name,
      type: rate ? "line" : "bar",
      yAxisIndex: rate ? 1 : 0,
      data: s.values,
      connectNulls: false,
      smooth: false,
      barMaxWidth: 18
    };
  });
  var chart = window.echarts.init(holder, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    color: ["#9fb3c8", "#0b6e4f", "#b7791f", "#c81e1e", "#3e4c59", "#2680c2"],
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0, left: 0, right: 0 },
    grid: { left: 44, right: 48, top: 64, bottom: 28 },
    xAxis: { type: "category", data: data.labels },
    yAxis: [
      { type: "value", name: data.count, minInterval: 1 },
      { type: "value", name: data.percent, min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: series
  });
  holder.classList.add("drawn");
  window.addEventListener("resize", function () { chart.resize(); });
}());
