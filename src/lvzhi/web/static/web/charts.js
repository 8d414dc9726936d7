// Draws the charts of 对比分析 from the JSON the server embedded (no inline scripts, no remote resources).
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("charts-data");
    if (!el || !window.echarts) { return; }
    var data = JSON.parse(el.textContent);
    var charts = [];
    // Tooltips drawn on the canvas (richText), not as HTML: ECharts' HTML tooltip writes its colour markers
    // as <span style="…"> through innerHTML, which the site's Content-Security-Policy (style-src 'self')
    // refuses. ECharts' own element.style writes (CSSOM) are not style attributes and are allowed.
    function tip(extra) { return Object.assign({ renderMode: "richText" }, extra || {}); }
    function chart(id, option) {
      var node = document.getElementById(id);
      if (!node) { return; }
      var c = window.echarts.init(node, null, { renderer: "canvas" });
      c.setOption(option);
      charts.push(c);
    }
    if (data.radar && data.radar.axes.length) {
      chart("chart-radar", {
        tooltip: tip(),
        radar: { indicator: data.radar.axes.map(function (a) { return { name: a.name, max: a.max }; }), radius: "58%",
                 axisName: { color: "#1f2933", fontSize: 11, formatter: function (n) { return n.length > 9 ? n.slice(0, 9) + "…" : n; } } },
        series: [{ type: "radar", data: [{ name: data.radar.region, value: data.radar.axes.map(function (a) { return a.value; }), areaStyle: { opacity: 0.25 } }] }]
      });
    }
    if (data.grades) {
      chart("chart-grades", {
        tooltip: tip(), grid: { left: 40, right: 16, top: 24, bottom: 32 },
        xAxis: { type: "category", data: data.grades.map(function (g) { return g[0]; }) },
        yAxis: { type: "value", name: "地区数", minInterval: 1 },
        series: [{ type: "bar", data: data.grades.map(function (g) { return g[1]; }), label: { show: true, position: "top" } }]
      });
    }
    if (data.trends && data.trends.years.length) {
      chart("chart-trends", {
        tooltip: tip({ trigger: "axis" }), legend: { type: "scroll", top: 0 },
        grid: { left: 70, right: 70, top: 48, bottom: 32 },
        xAxis: { type: "category", data: data.trends.years.map(String) },
        yAxis: [{ type: "value", name: "万元" }, { type: "value", name: "元/生" }],
        series: data.trends.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: true, yAxisIndex: s.name.indexOf("万元") >= 0 ? 0 : 1 };
        })
      });
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
