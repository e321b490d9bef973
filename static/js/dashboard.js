// Draws the dashboard panels from the dashboard API: for each [data-panel] section, a chart
// (ECharts) and a table, generically from the panel JSON
// {name, title, chart: {kind, category, series}, columns: [{key, label, unit}], rows, notes}.
// A section with data-src fetches its own panel; otherwise the container's data-summary-src is
// fetched once and each section takes the panel of its name. Everything is fetched from this host.
(function () {
  "use strict";

  var container = document.querySelector("[data-dashboard]");
  if (!container) { return; }
  var messages = container.dataset;
  var PALETTE = ["#b3261e", "#1f5fa8", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#8d6e63", "#546e7a"];

  // --- Figures as text, exactly from the integers the API gives --------------------------------

  function grouped(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function hundredths(value) {
    // An integer in hundredths as "1,234.56"; integer arithmetic only, so no rounding creeps in.
    var sign = value < 0 ? "-" : "";
    var whole = Math.abs(value);
    var cents = String(whole % 100);
    return sign + grouped(String(Math.floor(whole / 100))) + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  function formatted(value, unit) {
    if (value === null || value === undefined) { return "—"; }
    if (unit === "fen") { return value < 0 ? "-¥" + hundredths(value).slice(1) : "¥" + hundredths(value); }
    if (unit === "bp") { return hundredths(value) + " %"; }
    if (unit === "count") { return value < 0 ? "-" + grouped(String(-value)) : grouped(String(value)); }
    return String(value);
  }

  // The number a chart plots (yuan for fen, percent for bp); the exact figure is in the table.
  function plotted(value, unit) {
    if (value === null || value === undefined) { return null; }
    if (unit === "fen" || unit === "bp") { return value / 100; }
    return Number(value);
  }

  function axisLabel(unit) {
    if (unit === "fen") { return function (value) { return "¥" + grouped(String(value)); }; }
    if (unit === "bp") { return function (value) { return value + " %"; }; }
    return undefined;
  }

  // --- Table ------------------------------------------------------------------------------------

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function drawTable(target, panel) {
    var table = element("table", undefined, "table");
    table.appendChild(element("caption", panel.title, "visually-hidden"));
    var head = table.createTHead().insertRow();
    panel.columns.forEach(function (column) {
      var th = element("th", column.label, column.unit === "text" ? "" : "num");
      th.scope = "col";
      head.appendChild(th);
    });
    var body = table.createTBody();
    panel.rows.forEach(function (row) {
      var tr = body.insertRow();
      tr.dataset.row = "";
      panel.columns.forEach(function (column) {
        tr.appendChild(element("td", formatted(row[column.key], column.unit), column.unit === "text" ? "" : "num"));
      });
    });
    target.replaceChildren(table);
  }

  // --- Charts -----------------------------------------------------------------------------------

  var mapLoaded = null;

  // The China map, registered once. Features are renamed to their 2-digit province code (in
  // `properties.id`, or the feature's own `id` for Hong Kong and Macau) so that rows match by code.
  function loadMap() {
    if (!mapLoaded) {
      mapLoaded = fetch(messages.mapUrl, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status + " " + response.statusText); }
          return response.json();
        })
        .then(function (geo) {
          var names = {};
          geo.features.forEach(function (feature) {
            var code = String(feature.properties.id || feature.id || "");
            if (code) {
              names[code] = feature.properties.name;
              feature.properties.name = code;
            }
          });
          window.echarts.registerMap("china", geo);
          return names;
        });
    }
    return mapLoaded;
  }

  function columnsByKey(panel) {
    var columns = {};
    panel.columns.forEach(function (column) { columns[column.key] = column; });
    return columns;
  }

  function axisOption(panel) {
    var columns = columnsByKey(panel);
    var units = [];
    panel.chart.series.forEach(function (key) {
      if (units.indexOf(columns[key].unit) < 0) { units.push(columns[key].unit); }
    });
    var category = columns[panel.chart.category];
    return {
      color: PALETTE,
      grid: { left: 72, right: units.length > 1 ? 72 : 24, top: 40, bottom: 72 },
      legend: { top: 0 },
      tooltip: {
        trigger: "axis",
        formatter: function (items) {
          var lines = [items[0].axisValueLabel];
          items.forEach(function (item) {
            var column = columns[panel.chart.series[item.seriesIndex]];
            lines.push(item.marker + column.label + ": " + formatted(panel.rows[item.dataIndex][column.key], column.unit));
          });
          return lines.join("<br>");
        }
      },
      xAxis: {
        type: "category",
        data: panel.rows.map(function (row) { return formatted(row[category.key], category.unit); }),
        axisLabel: { rotate: panel.rows.length > 6 ? 40 : 0 }
      },
      // One value axis per unit (at most two are drawn: left and right).
      yAxis: units.slice(0, 2).map(function (unit) {
        return { type: "value", axisLabel: { formatter: axisLabel(unit) }, minInterval: unit === "count" ? 1 : 0 };
      }),
      series: panel.chart.series.map(function (key) {
        var column = columns[key];
        return {
          name: column.label,
          type: panel.chart.kind,
          yAxisIndex: Math.min(units.indexOf(column.unit), 1),
          stack: panel.chart.stacked ? "total" : undefined,
          data: panel.rows.map(function (row) { return plotted(row[key], column.unit); })
        };
      })
    };
  }

  function pieOption(panel) {
    var columns = columnsByKey(panel);
    var category = columns[panel.chart.category];
    var value = columns[panel.chart.series[0]];
    return {
      color: PALETTE,
      legend: { type: "scroll", bottom: 0 },
      tooltip: {
        trigger: "item",
        formatter: function (item) {
          return item.marker + item.name + ": " + formatted(panel.rows[item.dataIndex][value.key], value.unit) +
            " (" + item.percent + " %)";
        }
      },
      series: [{
        name: value.label,
        type: "pie",
        radius: ["30%", "65%"],
        data: panel.rows.map(function (row) {
          return { name: formatted(row[category.key], category.unit), value: plotted(row[value.key], value.unit) };
        })
      }]
    };
  }

  function mapOption(panel, names) {
    var columns = columnsByKey(panel);
    var value = columns[panel.chart.series[0]];
    var data = panel.rows.map(function (row) {
      return { name: row.province, value: plotted(row[value.key], value.unit), row: row };
    });
    var highest = Math.max.apply(null, [0].concat(data.map(function (item) { return item.value || 0; })));
    return {
      tooltip: {
        trigger: "item",
        formatter: function (item) {
          var row = item.data && item.data.row;
          var name = row ? row.province_name : (names[item.name] || item.name);
          return name + ": " + formatted(row ? row[value.key] : null, value.unit);
        }
      },
      visualMap: {
        min: 0,
        max: highest || 1,
        calculable: true,
        left: 0,
        bottom: 0,
        text: [value.label, ""],
        formatter: function (number) { return value.unit === "fen" ? "¥" + grouped(String(Math.round(number))) : String(Math.round(number)); },
        inRange: { color: ["#fde8e4", "#b3261e"] }
      },
      series: [{ name: value.label, type: "map", map: "china", roam: false, data: data }]
    };
  }

  // A click on a province sets the region filter to it, when the filter offers it (the
  // province is in the user's scope), and reloads the page with the new filters.
  function onProvinceClick(chart) {
    var form = document.querySelector("[data-dashboard-filter]");
    var select = form && form.querySelector("select[name=region]");
    if (!select) { return; }
    chart.on("click", function (item) {
      var code = item.name + "0000";
      if (select.querySelector('option[value="' + code + '"]')) {
        select.value = code;
        form.submit();
      }
    });
  }

  function drawChart(target, panel) {
    target.hidden = false;
    target.setAttribute("aria-label", messages.msgChart.replace("%(title)s", panel.title));
    var chart = window.echarts.init(target);
    window.addEventListener("resize", function () { chart.resize(); });
    if (panel.chart.kind === "map") {
      return loadMap().then(function (names) {
        chart.setOption(mapOption(panel, names));
        onProvinceClick(chart);
      });
    }
    chart.setOption(panel.chart.kind === "pie" ? pieOption(panel) : axisOption(panel));
    return Promise.resolve();
  }

  // --- Sections ---------------------------------------------------------------------------------

  function part(section, name) {
    return section.querySelector("[data-panel-" + name + "]");
  }

  function showError(section, reason) {
    var state = part(section, "state");
    state.textContent = messages.msgError + " " + reason;
    state.classList.add("error");
    state.setAttribute("role", "alert");
    section.dataset.state = "error";
    section.setAttribute("aria-busy", "false");
  }

  // The notes a reader needs beside the figures: filters the panel ignores, and the growth
  // against the target (the scale panel), or why it cannot be computed yet.
  function noteLines(notes) {
    var lines = [];
    if (notes.ignored_filters && notes.ignored_filters.length) {
      lines.push(messages.msgIgnored + " " + notes.ignored_filters.join(", "));
    }
    var growth = notes.growth;
    if (growth) {
      var figures = {
        base: growth.base_year,
        latest: growth.latest_period,
        cagr: formatted(growth.cagr_bp, "bp"),
        target: formatted(growth.target_bp, "bp"),
        horizon: growth.horizon_year,
        projected: formatted(growth.projected_at_cagr_fen, "fen"),
        at_target: formatted(growth.projected_at_target_fen, "fen")
      };
      lines.push(messages.msgGrowth.replace(/%\((\w+)\)s/g, function (all, key) { return figures[key]; }));
    } else if (notes.growth_unavailable) {
      lines.push(notes.growth_unavailable);
    }
    return lines;
  }

  function draw(section, panel) {
    part(section, "title").textContent = panel.title;
    var notes = noteLines(panel.notes || {});
    if (notes.length) {
      part(section, "notes").textContent = notes.join(" ");
      part(section, "notes").hidden = false;
    }
    var state = part(section, "state");
    if (!panel.rows.length) {
      state.textContent = messages.msgEmpty;
      state.classList.add("empty-state");
      section.dataset.state = "empty";
      section.setAttribute("aria-busy", "false");
      return;
    }
    drawTable(part(section, "table"), panel);
    drawChart(part(section, "chart"), panel).then(function () {
      state.hidden = true;
      section.dataset.state = "drawn";
      section.setAttribute("aria-busy", "false");
    }, function (error) { showError(section, error.message); });
  }

  // The API's answer, or an Error carrying its message (400 names the bad filter, 404 a region
  // outside the scope).
  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(body.message || response.status + " " + response.statusText); }
        return body;
      });
    });
  }

  var sections = Array.prototype.slice.call(container.querySelectorAll("[data-panel]"));
  if (container.dataset.summarySrc) {
    fetchJson(container.dataset.summarySrc).then(function (body) {
      var byName = {};
      body.panels.forEach(function (panel) { byName[panel.name] = panel; });
      sections.forEach(function (section) {
        var panel = byName[section.dataset.panel];
        if (panel) { draw(section, panel); } else { showError(section, "404"); }
      });
    }, function (error) {
      sections.forEach(function (section) { showError(section, error.message); });
    });
  } else {
    sections.forEach(function (section) {
      fetchJson(section.dataset.src).then(function (body) { draw(section, body.panel); }, function (error) {
        showError(section, error.message);
      });
    });
  }
})();
