// Dashboard and evaluation charts with Apache ECharts (served from static/vendor, no CDN).
// Data comes from the <script type="application/json" id="chart-data"> block; no inline script.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var palette = ["#2f6b4f", "#b5651d", "#24527a", "#6a3d7c", "#a15c00", "#5f6b70"];
  var font = '"Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif';
  var charts = [];

  function make(name, option, onClick) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node) {
      return;
    }
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    option.color = palette;
    option.textStyle = { fontFamily: font };
    option.animation = false;
    chart.setOption(option);
    if (onClick) {
      chart.on("click", onClick);
    }
    node.setAttribute("data-drawn", "true");
    charts.push(chart);
  }

  if (data.burnup) {
    // Each target as a share of its 2025 goal, so both climb toward the same 100 % line.
    var series = data.burnup.series.map(function (s) {
      return {
        name: s.name,
        type: "line",
        symbolSize: 7,
        data: s.values.map(function (v) { return Math.round((1000 * v) / s.goal) / 10; }),
        markLine: {
          symbol: "none",
          lineStyle: { type: "dashed", color: "#b3261e" },
          label: { formatter: data.burnup.goal_label, position: "insideEndTop" },
          data: [{ yAxis: 100 }],
        },
      };
    });
    make(
      "burnup",
      {
        tooltip: {
          trigger: "axis",
          formatter: function (points) {
            return points.map(function (p) {
              var raw = data.burnup.series[p.seriesIndex].values[p.dataIndex];
              return p.marker + p.seriesName + ": " + raw.toFixed(2) + " " + data.burnup.unit + " (" + p.value + "%)";
            }).join("<br>");
          },
        },
        legend: { top: 0 },
        grid: { left: 50, right: 30, top: 40, bottom: 30 },
        xAxis: { type: "category", data: data.burnup.years },
        yAxis: { type: "value", name: "%", max: function (v) { return Math.max(110, Math.ceil(v.max / 10) * 10); } },
        series: series,
      },
      function () {
        window.location.href = data.burnup.link;
      }
    );
  }

  if (data.counties) {
    make(
      "counties",
      {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 50, top: 50, bottom: 40 },
        xAxis: { type: "category", data: data.counties.names },
        // Area on the left axis, number of sites on the right: two scales, one chart.
        yAxis: [
          { type: "value", name: data.counties.units[0] },
          { type: "value", name: data.counties.units[1], splitLine: { show: false } },
        ],
        series: data.counties.series.map(function (s, index) {
          return { name: s.name, type: "bar", yAxisIndex: index, data: s.values };
        }),
      },
      function (event) {
        window.location.href = data.counties.link + data.counties.ids[event.dataIndex];
      }
    );
  }

  if (data.projects) {
    make(
      "projects",
      {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 60 },
        xAxis: { type: "category", data: data.projects.codes, axisLabel: { rotate: 60 } },
        yAxis: { type: "value", name: data.projects.labels.budget },
        series: [
          { name: data.projects.labels.budget, type: "bar", data: data.projects.budget },
          { name: data.projects.labels.disbursed, type: "bar", data: data.projects.disbursed },
        ],
      },
      function (event) {
        window.location.href = data.projects.link + data.projects.ids[event.dataIndex] + "/";
      }
    );
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
