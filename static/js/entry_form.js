// The entry form, while the accountant types: lines added and removed from the keyboard,
// amounts converted at the chancellery (or bank) rate of the entry's date, running
// totals and difference, the budget line's available amount and its overspending.
// The server decides everything again when the form is sent; this only shows it early.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) return;
  var data = JSON.parse(document.getElementById("entry-form-data").textContent);
  var lang = form.dataset.lang || "en";
  var lines = document.getElementById("lines");
  var template = document.getElementById("line-template");
  var total = form.querySelector("input[name='lines-TOTAL_FORMS']");
  var money = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function say(key, values) {
    var text = form.dataset["msg" + key] || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  // Amounts as the server reads them: "1 234,56", "1.234,56", "1,234.56", "1,5".
  function amount(text) {
    var plain = (text || "").replace(/[\s\u00a0\u202f']/g, "");
    if (!plain) return 0;
    var commas = plain.split(",").length - 1, points = plain.split(".").length - 1;
    if (commas && points) {
      var mark = plain.lastIndexOf(",") > plain.lastIndexOf(".") ? "," : ".";
      plain = plain.split(mark === "," ? "." : ",").join("").replace(mark, ".");
    } else if (commas + points === 1) {
      // A lone mark followed by three digits groups thousands in the language that does
      // not use it as its decimal mark ("1,000" in English, "1.000" in French), as the server reads it.
      var lone = commas ? "," : ".", decimal = lang.indexOf("fr") === 0 ? "," : ".";
      var grouping = lone !== decimal && plain.length - plain.lastIndexOf(lone) - 1 === 3;
      plain = grouping ? plain.replace(lone, "") : plain.replace(lone, ".");
    } else if (commas > 1) {
      plain = plain.split(",").join("");
    } else if (points > 1) {
      plain = plain.split(".").join("");
    }
    var number = Number(plain);
    return isFinite(number) ? number : NaN;
  }

  function cents(value) { return Math.round(value * 100); }
  // Grouped with a no-break space, as the server's pages write French amounts.
  function shown(centsValue) { return money.format(centsValue / 100).replace(/\u202f/g, "\u00a0"); }
  var rates = new Intl.NumberFormat(lang, { minimumFractionDigits: 4, maximumFractionDigits: 8, useGrouping: false });

  // Book-currency units for one unit of `currency` on `day`, through the EUR rates.
  function perEur(currency, day) {
    if (currency === "EUR") return { units: 1, date: "" };
    var found = null;
    (data.rates[currency] || []).forEach(function (row) { if (row[0] <= day) found = row; });
    return found ? { units: Number(found[1]), date: found[0] } : null;
  }
  function bookRate(currency, day) {
    var book = perEur(data.book_currency, day), foreign = perEur(currency, day);
    if (!book || !foreign) return null;
    var date = book.date > foreign.date ? book.date : foreign.date;
    return { rate: Number((book.units / foreign.units).toFixed(8)), date: date };
  }

  function field(line, name) { return line.querySelector("[data-field='" + name + "']"); }

  function renumber() {
    var all = lines.querySelectorAll("[data-line]");
    all.forEach(function (line, index) {
      line.querySelector("[data-n]").textContent = String(index + 1);
      line.querySelectorAll("[name^='lines-'], [id^='id_lines-'], label[for^='id_lines-']").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/lines-(\d+|__prefix__)-/, "lines-" + index + "-"));
        });
      });
    });
    total.value = String(all.length);
  }

  function addLine(after) {
    var fragment = template.content.cloneNode(true);
    var line = fragment.querySelector("[data-line]");
    var currency = field(line, "currency");
    if (currency) currency.value = data.book_currency;
    if (after && after.nextSibling) lines.insertBefore(fragment, after.nextSibling);
    else lines.appendChild(fragment);
    renumber();
    refresh();
    field(line, "account").focus();
    return line;
  }

  // One line's book amount in cents (debit positive, credit negative) and its conversion.
  function lineFigures(line, day) {
    var currency = field(line, "currency").value || data.book_currency;
    var debit = amount(field(line, "debit").value), credit = amount(field(line, "credit").value);
    var foreign = (debit || 0) - (credit || 0);
    var result = { book: 0, converted: false, currency: currency, foreign: foreign, text: "" };
    if (isNaN(debit) || isNaN(credit)) return result;
    if (currency === data.book_currency) { result.book = cents(foreign); return result; }
    var bank = amount(field(line, "bank_rate").value);
    var rate, source, date;
    if (bank > 0) { rate = bank; source = say("Bank"); date = day; }
    else {
      var found = bookRate(currency, day);
      if (!found) { result.text = say("NoRate"); return result; }
      rate = found.rate; source = say("Chancellery"); date = found.date; result.converted = true;
    }
    var book = Math.round(Math.abs(foreign) * rate * 100) * (foreign < 0 ? -1 : 1);
    result.book = book;
    if (foreign) {
      result.text = "= " + shown(Math.abs(book)) + " " + data.book_currency + " " +
        say("Rate", { rate: rates.format(rate), source: source, date: date });
    }
    return result;
  }

  function refresh() {
    var day = (form.querySelector("[name='date']") || {}).value || "";
    var debit = 0, credit = 0, converted = 0, byBudget = {};
    lines.querySelectorAll("[data-line]").forEach(function (line) {
      var figures = lineFigures(line, day);
      line.querySelector("[data-conversion]").textContent = figures.text;
      line.classList.toggle("line-foreign", figures.currency !== data.book_currency);
      if (figures.book > 0) debit += figures.book; else credit -= figures.book;
      if (figures.converted && figures.book) converted += 1;
      var account = (field(line, "account").value || "").trim().split(/\s+/)[0];
      var needs = data.accounts[account];
      var budget = field(line, "budget_line");
      budget.classList.toggle("needed", Boolean(needs) && !budget.value);
      budget.title = needs ? say("NeedsBudget") : "";
      if (budget.value) byBudget[budget.value] = (byBudget[budget.value] || 0) + figures.book;
    });
    var difference = debit - credit;
    document.getElementById("total-debit").textContent = shown(debit);
    document.getElementById("total-credit").textContent = shown(credit);
    document.getElementById("total-difference").textContent = shown(difference);
    var state = document.getElementById("balance-state");
    if (difference === 0 && debit > 0) { state.textContent = say("Balanced"); state.className = "balance-state ok"; }
    else if (difference !== 0 && converted && Math.abs(difference) <= converted) {
      state.textContent = say("Rounding", { amount: shown(Math.abs(difference)) });
      state.className = "balance-state ok";
    } else if (difference !== 0) {
      state.textContent = say("Difference", { amount: shown(difference) });
      state.className = "balance-state off";
    } else { state.textContent = ""; state.className = "balance-state"; }
    budgetWarnings(byBudget);
  }

  function budgetWarnings(byBudget) {
    var box = document.getElementById("budget-warnings");
    box.textContent = "";
    lines.querySelectorAll("[data-line]").forEach(function (line) {
      var id = field(line, "budget_line").value, info = data.budget_lines[id];
      var out = line.querySelector("[data-available]");
      if (!info) { out.textContent = ""; return; }
      var available = cents(Number(info.available));
      var after = available - (byBudget[id] || 0);
      out.textContent = say("AvailableAfter", {
        amount: shown(available) + " " + data.book_currency,
        after: shown(after) + " " + data.book_currency
      });
    });
    Object.keys(byBudget).forEach(function (id) {
      var info = data.budget_lines[id];
      if (!info) return;
      var available = cents(Number(info.available)), used = byBudget[id];
      if (used <= 0 || used <= available) return;
      var excess = used - Math.max(available, 0);
      var p = document.createElement("p");
      p.className = "alert " + (info.policy === "block" ? "alert-error" : "alert-warning");
      p.textContent = say(info.policy === "block" ? "Block" : "Warn", {
        code: info.code, excess: shown(excess) + " " + data.book_currency
      });
      box.appendChild(p);
    });
  }

  lines.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove]");
    if (!button) return;
    var line = button.closest("[data-line]");
    if (lines.querySelectorAll("[data-line]").length > 1) {
      var next = line.nextElementSibling || line.previousElementSibling;
      line.remove();
      renumber();
      refresh();
      if (next) field(next, "account").focus();
    }
  });
  document.getElementById("add-line").addEventListener("click", function () { addLine(null); });
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  form.addEventListener("keydown", function (event) {
    var key = event.key;
    if ((event.ctrlKey || event.metaKey) && (key === "s" || key === "S")) {
      event.preventDefault();
      document.getElementById("save-draft").click();
    } else if ((event.ctrlKey || event.metaKey) && key === "Enter") {
      event.preventDefault();
      document.getElementById("save-post").click();
    } else if (key === "Enter" && event.target.tagName === "INPUT" && event.target.closest("[data-line]") &&
               event.target.dataset.field !== "account") {
      // Enter adds a line after this one (in the account field it picks the suggestion);
      // the form is sent only by its buttons or Ctrl+S / Ctrl+Enter.
      event.preventDefault();
      addLine(event.target.closest("[data-line]"));
    } else if (key === "Enter" && event.target.tagName === "INPUT") {
      event.preventDefault();
    }
  });
  // A debit typed clears the credit of the same line and the other way round.
  lines.addEventListener("change", function (event) {
    var name = event.target.dataset.field;
    if (name !== "debit" && name !== "credit") return;
    var other = field(event.target.closest("[data-line]"), name === "debit" ? "credit" : "debit");
    if (event.target.value && other.value) other.value = "";
    refresh();
  });
  refresh();
})();
