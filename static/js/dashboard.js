// Draws the month-by-month chart from the data table next to it (the table stays for screen readers).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("trend-chart");
  if (!canvas || typeof Chart === "undefined") return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("#" + canvas.dataset.table + " tbody tr[data-key]"));
  var share = function (row, name) {
    var value = row.dataset[name];
    return value === "" ? null : Math.round(parseFloat(value) * 1000) / 10;
  };
  new Chart(canvas, {
    type: "line",
    data: {
      labels: rows.map(function (row) { return row.dataset.key; }),
      datasets: [
        {label: canvas.dataset.labelAnswered, data: rows.map(function (r) { return share(r, "answered"); }),
         borderColor: "#0b5394", backgroundColor: "#0b5394"},
        {label: canvas.dataset.labelResolved, data: rows.map(function (r) { return share(r, "resolved"); }),
         borderColor: "#38761d", backgroundColor: "#38761d", borderDash: [6, 4]}
      ]
    },
    options: {animation: false, spanGaps: true, scales: {y: {min: 0, max: 100, ticks: {callback: function (v) { return v + "%"; }}}}}
  });
});
