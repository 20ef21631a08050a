/* The portal's payment forms with the gateway's tokenizer (Collect.js, loaded from the gateway).
 * A new card or bank account is typed into the gateway's own frames; the form sends the hub
 * only the one-use token the gateway answers. The submit button is disabled once pressed, and
 * the form carries an idempotency key, so a double click charges once (PAY-15). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-tokenize]");
  if (!form) { return; }
  var token = form.querySelector("input[name=payment_token]");
  var status = document.getElementById("pay-status");
  var submit = form.querySelector("button[type=submit]");

  function choice() {
    var chosen = form.querySelector("input[name=method]:checked");
    return chosen ? chosen.value : "";
  }
  function isNew(value) { return value === "new-card" || value === "new-check"; }
  function show() {
    var chosen = choice();
    form.querySelectorAll("[data-new]").forEach(function (part) {
      part.hidden = part.getAttribute("data-new") !== chosen;
    });
    // The amount field only for "another amount" (without scripts it is always shown).
    var other = form.querySelector("input[name=amount_choice][value=other]");
    var amount = form.querySelector("[data-amount]");
    if (other && amount) { amount.hidden = !other.checked; }
  }
  function say(message) { if (status) { status.textContent = message; } }

  form.addEventListener("change", show);
  show();

  if (window.CollectJS) {
    window.CollectJS.configure({
      fields: {
        ccnumber: { selector: "#ccnumber", title: "Card number" },
        ccexp: { selector: "#ccexp", title: "Card expiry, month and year" },
        cvv: { selector: "#cvv", title: "Card security code" },
        checkname: { selector: "#checkname", title: "Name on the bank account" },
        checkaba: { selector: "#checkaba", title: "Bank routing number" },
        checkaccount: { selector: "#checkaccount", title: "Bank account number" }
      },
      callback: function (response) {
        token.value = response.token;
        say("Details accepted by the gateway. Sending…");
        form.submit();
      },
      validationCallback: function (field, valid, message) {
        if (!valid) { say(message); submit.disabled = false; }
      }
    });
  }

  form.addEventListener("submit", function (event) {
    if (submit.disabled) { event.preventDefault(); return; }
    if (isNew(choice()) && !token.value) {
      event.preventDefault();
      if (!window.CollectJS) { say("The payment gateway could not be reached. Try again later."); return; }
      submit.disabled = true;
      say("Checking the details with the payment gateway…");
      window.CollectJS.startPaymentRequest();
      return;
    }
    submit.disabled = true;
    say("Sending…");
  });
})();
