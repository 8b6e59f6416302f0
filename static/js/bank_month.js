// The month's reconciliation page: the totals of the lines ticked on each side, so the
// accountant sees they agree before matching (the service checks it again).
(function () {
  "use strict";
  // Amounts come as "-1404.90" (a point, whatever the language): summed in cents, never
  // as floating-point amounts, and shown as the page's language writes them.
  function cents(text) {
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").split(".");
    var value = parseInt(parts[0], 10) * 100 + parseInt((parts[1] || "0").padEnd(2, "0").slice(0, 2), 10);
    if (isNaN(value)) {
      return 0;
    }
    return negative ? -value : value;
  }
  function show(total) {
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    return format.format(total / 100);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".bank-lists-form");
    var totals = document.querySelector(".selection-totals");
    if (!form || !totals) {
      return;
    }
    function update() {
      ["statement_line", "book_line"].forEach(function (name) {
        var sum = 0;
        form.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (box) {
          sum += cents(box.dataset.amount);
        });
        totals.querySelector('[data-total="' + name + '"]').textContent = show(sum);
      });
      totals.hidden = false;
    }
    form.addEventListener("change", update);
  });
})();
