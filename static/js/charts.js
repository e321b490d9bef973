// Draws every [data-chart] element from the JSON block its data-chart-source names.
// Data comes from the page itself (json_script); nothing is fetched from another host.
(function () {
  "use strict";
  function draw(element) {
    var source = document.getElementById(element.dataset.chartSource);
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element);
    chart.setOption({
      grid: { left: 48, right: 16, top: 16, bottom: 64 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 40 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#b3261e" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.querySelectorAll("[data-chart]").forEach(draw);
})();
