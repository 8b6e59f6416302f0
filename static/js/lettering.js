// The lettering page: the count and balance of the lines selected, as they are ticked
// (debits positive, credits negative: a balance of zero makes a complete lettering).
// Amounts are summed in cents, never as floating-point amounts.
(function () {
  "use strict";

  function cents(text) {
    var negative = text.charAt(0) === "-";
    var parts = text.replace("-", "").split(".");
    var value = parseInt(parts[0], 10) * 100 + parseInt((parts[1] || "0").padEnd(2, "0").slice(0, 2), 10);
    return negative ? -value : value;
  }

  function shown(value) {
    var format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    return format.format(value / 100);
  }

  function update() {
    var boxes = document.querySelectorAll('input[type="checkbox"][data-amount]');
    var count = 0;
    var total = 0;
    boxes.forEach(function (box) {
      if (box.checked) {
        count += 1;
        total += cents(box.getAttribute("data-amount"));
      }
    });
    var countOut = document.querySelector("[data-lettering-count]");
    var totalOut = document.querySelector("[data-lettering-total]");
    if (countOut) countOut.textContent = String(count);
    if (totalOut) {
      totalOut.textContent = shown(total);
      totalOut.classList.toggle("is-zero", count > 0 && total === 0);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('input[type="checkbox"][data-amount]').forEach(function (box) {
      box.addEventListener("change", update);
    });
    update();
  });
})();
