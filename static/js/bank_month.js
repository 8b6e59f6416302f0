// The month's reconciliation page: the totals of the lines ticked on each side, so the
// accountant sees they agree before matching (the service checks it again).
(function () {
  "use strict";
  function cents(text) {
    var value = Math.round(parseFloat(text) * 100);
    return isNaN(value) ? 0 : value;
  }
  function show(total) {
    var sign = total < 0 ? "-" : "";
    var whole = Math.abs(total);
    return sign + Math.floor(whole / 100) + "." + String(whole % 100).padStart(2, "0");
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
