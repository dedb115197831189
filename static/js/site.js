/* Progressive enhancement only: copy buttons, auto-submitting selects, charts from JSON blocks. */
(function () {
  "use strict";

  function copyText(text, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "已复制";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text); done(); });
    } else {
      fallback(text);
      done();
    }
  }

  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selectable */ }
    document.body.removeChild(area);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-copy");
    if (!button) { return; }
    var text = button.getAttribute("data-copy");
    var from = button.getAttribute("data-copy-from");
    if (from) { text = document.getElementById(from).value; }
    copyText(text, button);
  });

  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("js-autosubmit")) { event.target.form.submit(); }
  });

  var COLORS = ["#b22222", "#1f5fa8", "#2e7d32", "#e08e0b", "#6a3d9a", "#00838f"];

  function drawCharts() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas.js-chart").forEach(function (canvas) {
      var block = canvas.parentNode.querySelector("script.chart-data");
      var data = JSON.parse(block.textContent);
      var kind = canvas.getAttribute("data-kind") || "line";
      new window.Chart(canvas, {
        type: kind,
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s, i) {
            return { label: s.label, data: s.data, borderColor: COLORS[i % COLORS.length],
                     backgroundColor: COLORS[i % COLORS.length], spanGaps: true, tension: 0.1 };
          })
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   indexAxis: kind === "bar" ? "y" : "x",
                   scales: { y: { beginAtZero: true }, x: { beginAtZero: true } } }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawCharts);
  } else {
    drawCharts();
  }
}());
