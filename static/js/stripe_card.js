// Card entry with Stripe.js (loaded only on the card-entry page, and only when the portal has a
// publishable key). Stripe Elements collects the card in Stripe's own frame; this script creates a
// PaymentMethod from it and posts only its id (pm_…) with the form, so the card number never
// reaches the portal. The portal then holds the amount on it (a PaymentIntent with manual capture).
(function () {
  "use strict";
  var form = document.querySelector("form[data-stripe-card]");
  if (!form || !window.Stripe) { return; }
  var stripe = window.Stripe(form.getAttribute("data-publishable-key"));
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount(form.querySelector("[data-card-element]"));
  var errors = form.querySelector("[data-card-errors]");
  var button = form.querySelector("button[type=submit]");

  function showError(message) {
    errors.textContent = message || "";
    errors.hidden = !message;
  }

  card.on("change", function (event) { showError(event.error ? event.error.message : ""); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result.error) {
        showError(result.error.message);
        button.disabled = false;
        return;
      }
      form.querySelector("input[name=payment_method]").value = result.paymentMethod.id;
      form.submit();
    });
  });
})();
