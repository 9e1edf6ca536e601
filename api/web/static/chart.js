// Draws the load and readiness charts from the JSON embedded in the page (uPlot, served locally).
(function () {
  "use strict";
  var node = document.getElementById("load-data");
  if (!node || typeof uPlot === "undefined") { return; }
  var rows = JSON.parse(node.textContent);
  var x = rows.map(function (r) { return Date.parse(r.date + "T12:00:00Z") / 1000; });
  function col(name, scale) {
    return rows.map(function (r) { return r[name] === null ? null : r[name] * (scale || 1); });
  }
  function width(el) { return Math.max(280, el.clientWidth || 600); }
  function draw(id, series, data, axes) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var opts = {
      width: width(el), height: 260, series: [{}].concat(series), axes: axes,
      legend: { live: true }, cursor: { drag: { x: true, y: false } },
    };
    var plot = new uPlot(opts, [x].concat(data), el);
    window.addEventListener("resize", function () { plot.setSize({ width: width(el), height: 260 }); });
    return plot;
  }
  var loadSeries = [
    { label: "Load", stroke: "#9fb3a8", fill: "rgba(159,179,168,.25)", paths: uPlot.paths.bars({ size: [0.8, 12] }), scale: "load" },
    { label: "Fitness (CTL)", stroke: "#2f6f4f", width: 2, scale: "ewma" },
    { label: "Fatigue (ATL)", stroke: "#c4493b", width: 2, scale: "ewma" },
    { label: "Form (TSB)", stroke: "#d39b2a", width: 2, dash: [6, 4], scale: "ewma" },
  ];
  draw("chart-load", loadSeries, [col("load"), col("fitness"), col("fatigue"), col("form")], [
    {}, { scale: "ewma", label: "AU/day" }, { scale: "load", side: 1, grid: { show: false }, label: "load AU" },
  ]);
  var readinessSeries = [
    { label: "Readiness reported", stroke: "#2f6f4f", width: 0, points: { show: true, size: 6, fill: "#2f6f4f" }, scale: "r" },
    { label: "Readiness predicted", stroke: "#6a8fd0", width: 2, scale: "r" },
    { label: "Injury risk %", stroke: "#c4493b", width: 2, scale: "risk" },
  ];
  draw("chart-readiness", readinessSeries, [col("readiness_self"), col("readiness_predicted"), col("injury_risk", 100)], [
    {}, { scale: "r", label: "0-100" }, { scale: "risk", side: 1, grid: { show: false }, label: "risk %" },
  ]);
})();
